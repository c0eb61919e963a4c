"""The settings of "Adam's knobs" (each demo's controls and projector mode) and their round trip through the URL.
Pure Python: no Streamlit here.

    /adams_knobs?present=1&sign.beta1=0.9&eps.eps=0.1&scale.times1000=1

URL names: a control's widget key without its "knobs." prefix, so each starts with its demo: `sign.beta1`,
`sign.beta2`, `eps.eps`, `scale.times1000` (1: the loss × 1000), `lag.beta2`, `lag.plateau`, `decay.lam`,
`edge.delta`, `edge.beta1`, `warmup.beta2`, `warmup.steps`, `bug.answer` (A to D: the quiz answered, its solution
shown), and `present` (1: projector mode). Each number must be one of its slider's stops, a switch on or off; a bad
value falls back to the demo's first value with a notice that names it. Only what differs from the first values is
written, so the page as it opens has an empty query.
"""

from __future__ import annotations

from collections.abc import Mapping

from .settings import _fmt, _q, picks_from_query

P = "knobs."  # every widget key of the page
# URL name: (the slider's stops, its first value), in the page's order
PICKS = {
    "sign.beta1": ((0.0, 0.5, 0.9, 0.99), 0.0),
    "sign.beta2": ((0.0, 0.5, 0.9, 0.99, 0.999), 0.0),
    "eps.eps": ((1e-8, 1e-4, 1e-2, 0.1, 1.0, 10.0), 1e-8),  # the text says: slide it up
    "lag.beta2": ((0.99, 0.999, 0.9999), 0.999),
    "lag.plateau": ((100, 300, 500), 500),
    "decay.lam": ((0.01, 0.1, 0.4, 1.0), 0.4),
    "edge.delta": ((0.01, 0.1, 0.5), 0.1),
    "edge.beta1": ((0.0, 0.5, 0.9), 0.9),
    "warmup.beta2": ((0.99, 0.999, 0.9999), 0.999),
    "warmup.steps": ((10, 100, 500, 2000), 2000),
}
FLAGS = {"present": False, "scale.times1000": False}  # URL name: its first value
ANSWERS = ("A", "B", "C", "D")  # demo 8's quiz: the line picked as correct Adam (None: not answered yet)
ORDER = ("present", "sign.beta1", "sign.beta2", "eps.eps", "scale.times1000", "lag.beta2", "lag.plateau", "decay.lam",
         "edge.delta", "edge.beta1", "warmup.beta2", "warmup.steps", "bug.answer")
DEFAULTS = {name: PICKS[name][1] if name in PICKS else FLAGS.get(name) for name in ORDER}


def _answer(name: str, text: str, v: dict, notices: list[str]) -> bool:
    """Demo 8's quiz: the line picked as correct Adam."""
    if name != "bug.answer":
        return False
    if text in ANSWERS:
        v[name] = text
    else:
        notices.append(f"bug.answer={_q(text)} in the link must be one of {', '.join(ANSWERS)}: the quiz is left unanswered.")
    return True


def from_query(params: Mapping[str, str]) -> tuple[dict, list[str]]:
    """Each control's value from URL query parameters, and a notice for every value that had to fall back."""
    return picks_from_query(params, PICKS, FLAGS, DEFAULTS, other=_answer)


def to_query(v: dict) -> dict[str, str]:
    """Only what differs from the page's first values."""
    return {name: _fmt(v[name]) for name in ORDER if v[name] != DEFAULTS[name]}
