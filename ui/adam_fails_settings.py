"""The settings of "When Adam fails" and their round trip through the URL. Pure Python: no Streamlit here.

    /when_adam_fails?lr=0.05&periods=2000&start=0.5&decay=1&C=10

URL names: Figure 1's `lr` (α), `periods` (of 101 steps), `start` (x₁) and `decay` (1: αₜ = α/√t, as in the paper),
and Theorem 1's `C`. Each number must be one of its slider's stops (teaching.reddi), `decay` on or off; a bad value
falls back to the page's first value with a notice that names it. Only what differs from the first values is written,
so the page as it opens has an empty query.
"""

from __future__ import annotations

from collections.abc import Mapping

from teaching import reddi

from .settings import _fmt, _number, _q, capped, parse_flag, unknown_notice

# URL name: (the slider's stops, its first value)
PICKS = {
    "lr": (reddi.FIG1_LRS, reddi.FIG1_LR),
    "periods": (reddi.FIG1_PERIOD_CHOICES, reddi.FIG1_PERIODS),
    "start": (reddi.FIG1_STARTS, reddi.FIG1_START),
    "C": (reddi.THEOREM1_CS, reddi.THEOREM1_C),
}
FLAGS = {"decay": False}  # URL name: its first value
ORDER = ("lr", "periods", "start", "decay", "C")  # as the page shows them
DEFAULTS = {name: PICKS[name][1] if name in PICKS else FLAGS[name] for name in ORDER}
# each setting's widget key: the page's prefix and section, then the URL name
WIDGETS = {"lr": "adam_fails.fig1.lr", "periods": "adam_fails.fig1.periods", "start": "adam_fails.fig1.start",
           "decay": "adam_fails.fig1.decay", "C": "adam_fails.thm1.C"}


def stop(stops, text: str):
    """The stop that `text` spells ("0.5", ".5", "5e-1", "2000", "2e3"), or None."""
    value = _number(text)
    if value is None:
        return None
    return next((s for s in stops if float(f"{s:.10g}") == float(f"{value:.10g}")), None)


def from_query(params: Mapping[str, str]) -> tuple[dict, list[str]]:
    """Each control's value from URL query parameters, and a notice for every value that had to fall back."""
    v, notices, unknown = dict(DEFAULTS), [], []
    for name, text in params.items():
        if name in PICKS:
            stops = PICKS[name][0]
            value = stop(stops, text)
            if value is None:
                notices.append(f"{name}={_q(text)} in the link must be one of {', '.join(_fmt(s) for s in stops)}: "
                               f"using {_fmt(v[name])}.")
            else:
                v[name] = value
        elif name in FLAGS:
            flag = parse_flag(text)
            if flag is None:
                notices.append(f"{name}={_q(text)} in the link must be 1 (on) or 0 (off): "
                               f"using {'on' if v[name] else 'off'}.")
            else:
                v[name] = flag
        else:
            unknown.append(name)
    return v, capped(notices + unknown_notice(unknown))


def to_query(v: dict) -> dict[str, str]:
    """Only what differs from the page's first values."""
    return {name: _fmt(v[name]) for name in ORDER if v[name] != DEFAULTS[name]}
