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

from .settings import _fmt, picks_from_query

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


def from_query(params: Mapping[str, str]) -> tuple[dict, list[str]]:
    """Each control's value from URL query parameters, and a notice for every value that had to fall back."""
    return picks_from_query(params, PICKS, FLAGS, DEFAULTS)


def to_query(v: dict) -> dict[str, str]:
    """Only what differs from the page's first values."""
    return {name: _fmt(v[name]) for name in ORDER if v[name] != DEFAULTS[name]}
