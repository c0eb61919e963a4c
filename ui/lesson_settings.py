"""The settings of "How Adam works" (each section's control) and their round trip through the URL. Pure Python.

    /how_adam_works?momentum.gamma=0.99&hp.beta2=0.999&tab=beta2

URL names: a control's widget key without its "lesson." prefix (teaching.presets.LESSON_PICKS: `gd.lr_small`,
`gd.lr_large`, `momentum.gamma`, `rmsprop.lr`, `adam.beta1`, `adam.beta2`, `bias.lr`, `bias.beta2`, `hp.lr`,
`hp.beta1`, `hp.beta2`, `hp.eps`), and `tab`, section 6's open tab (lr, beta1, beta2 or eps). Each value must be
one of its slider's stops; a bad one falls back to the section's first value with a notice that names it.
"""

from __future__ import annotations

from collections.abc import Mapping

from teaching.presets import LESSON_PICKS

from .settings import _fmt, _q, capped, stop_of, unknown_notice

TABS = {"lr": "α: step size", "beta1": "β₁: momentum memory", "beta2": "β₂: scale memory", "eps": "ε: the safety term"}
DEFAULTS = {**{name: default for name, (_, default) in LESSON_PICKS.items()}, "tab": "lr"}


def _stop(name: str, text: str):
    """The stop of control `name` that `text` spells ("1e-08", "0.00000001"), or None."""
    return stop_of(LESSON_PICKS[name][0], text)


def from_query(params: Mapping[str, str]) -> tuple[dict, list[str]]:
    """Each control's value from URL query parameters, and a notice for every value that had to fall back."""
    v, notices, unknown = dict(DEFAULTS), [], []
    for name, text in params.items():
        if name == "tab":
            if text in TABS:
                v["tab"] = text
            else:
                notices.append(f"tab={_q(text)} in the link must be one of {', '.join(TABS)}: showing {TABS['lr']}.")
        elif name in LESSON_PICKS:
            stop = _stop(name, text)
            if stop is None:
                stops = ", ".join(_fmt(s) for s in LESSON_PICKS[name][0])
                notices.append(f"{name}={_q(text)} in the link must be one of {stops}: using {_fmt(v[name])}.")
            else:
                v[name] = stop
        else:
            unknown.append(name)
    return v, capped(notices + unknown_notice(unknown))


def to_query(v: dict) -> dict[str, str]:
    """Only what differs from the page's first values: the lesson as it opens has an empty query."""
    return {name: (v[name] if name == "tab" else _fmt(v[name])) for name in DEFAULTS if v[name] != DEFAULTS[name]}
