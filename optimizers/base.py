"""Declarations shared by every optimizer: hyperparameters, the optimizer record, validation.

An optimizer is a pair of pure functions over arrays whose last axis is the parameter vector:

    init(theta, hp) -> state                    (a NamedTuple; unused fields are None)
    update(g, state, theta, t, hp) -> (delta, state)   with theta_next = theta + delta

``update`` must not modify g, state or theta in place: they are recorded history or the caller's
data. In-place arithmetic on its own fresh temporaries is fine (and cheaper on large batches).
``t`` is torch's step counter, 1 for the first update. ``hp`` is a SimpleNamespace of validated
hyperparameters: Python floats, or float arrays shaped like the batch plus a trailing axis of 1 so
they broadcast against (..., D). Flags are always plain bools (the runner splits a batch whose
flags differ).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass(frozen=True)
class Hyperparameter:
    """One keyword of an optimizer, as torch names it, with what the UI needs to draw it."""

    name: str  # keyword accepted by simulate(); torch's name except betas, split into beta1/beta2
    symbol: str  # shown in the UI: α, β₁, β₂, ε, ρ, μ, …
    default: float | bool
    low: float = 0.0  # valid range, checked once at the boundary
    high: float = np.inf
    high_open: bool = False  # True: value must stay strictly below `high` (β < 1)
    slider: tuple[float, float] | None = None  # UI range; None: the valid range
    scale: str = "linear"  # slider scale: "linear", "log", or "log1m" (log of 1 − x, for β near 1)
    help: str = ""
    torch: str | None = None  # torch's spelling where it differs: "betas[0]"
    error: str | None = None  # torch-style message head: "Invalid learning rate"
    ui: bool = True  # False: accepted by simulate() but not drawn (e.g. nag's dampening, fixed at 0)
    integer: bool = False  # a count (LBFGS's max_iter, warmup_steps): one int for the whole batch
    choices: tuple | None = None  # one of these values (LBFGS's line_search_fn: None or "strong_wolfe")
    none: float | None = None  # what None stands for, where torch accepts it (Adafactor's eps[0]: machine epsilon)
    optional: bool = False  # None is a value of its own, kept as None (LBFGS's max_eval: derived from max_iter)

    @property
    def log(self) -> bool:
        return self.scale == "log"

    @property
    def is_flag(self) -> bool:
        return isinstance(self.default, bool)

    @property
    def kind(self) -> str:
        """"flag", "int", "choice" or "float": what widget draws it, and whether it can vary along a batch."""
        return "flag" if self.is_flag else "choice" if self.choices is not None else "int" if self.integer else "float"

    @property
    def is_number(self) -> bool:
        """A real number: a slider, an axis of a sweep, a morph, an array along a batch."""
        return self.kind == "float"

    def coerce(self, value):
        """A valid value as its widget holds it: bool, int, one of the choices, or float."""
        return {"flag": bool, "int": int, "choice": lambda v: v}.get(self.kind, float)(value)

    @property
    def slider_range(self) -> tuple[float, float]:
        return self.slider if self.slider is not None else (self.low, self.high)

    def validate(self, value: Any) -> Any:
        """Return the value as a bool, float or float array; raise ValueError naming it otherwise."""
        head = self.error or f"Invalid {self.name} value"
        if value is None and self.none is not None:
            return self.none
        if value is None and self.optional:
            return None
        if self.choices is not None:
            if isinstance(value, np.ndarray) or value not in self.choices:
                raise ValueError(f"{head}: {value!r} (expected one of {', '.join(map(repr, self.choices))})")
            return value
        if self.integer:
            ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
            if not ok or not self.low <= value <= self.high:
                raise ValueError(f"{head}: {value!r} (expected an integer from {self.low:g} to {self.high:g})")
            return int(value)
        if self.is_flag:
            arr = np.asarray(value)
            if arr.dtype != bool:
                raise ValueError(f"{head}: {value!r} (expected True or False)")
            return bool(arr) if arr.ndim == 0 else arr
        try:
            if np.asarray(value).dtype.kind == "c":  # a complex value would lose its imaginary part with a warning
                raise TypeError
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):  # OverflowError: a Python int beyond float's range
            raise ValueError(f"{head}: {_short(value)} (expected a real number)") from None
        if arr.size == 0:
            raise ValueError(f"{head}: {value!r} (empty)")
        bad = ~np.isfinite(arr) | (arr < self.low) | (arr >= self.high if self.high_open else arr > self.high)
        if bad.any():
            shown = arr[bad].flat[0] if arr.ndim else float(arr)
            raise ValueError(f"{head}: {shown}")
        return float(arr) if arr.ndim == 0 else arr


@dataclass(frozen=True)
class Optimizer:
    """The one declaration of an optimizer: what it is, its knobs, its equations, its math."""

    key: str
    label: str
    torch: str  # the torch.optim call it reproduces
    summary: str  # one line: what it changes relative to its parent
    hyperparameters: tuple[Hyperparameter, ...]
    equations: tuple[str, ...]  # LaTeX, one per line, in the article's notation
    init: Callable
    update: Callable | None  # None for a closure optimizer, which has `step` instead
    fixed: dict = field(default_factory=dict)  # torch keywords pinned by this variant
    check: Callable | None = None  # cross-parameter rules (nesterov needs momentum)
    convention: str = ""  # where our notation or torch's differs from the textbook
    reference: str = ""
    pairs: dict = field(default_factory=dict)  # torch's tuple keywords besides betas: {"etas": ("etaminus", "etaplus")}
    elementwise: bool = True  # each coordinate's update sees only that coordinate (False: per-tensor norms)
    # A closure optimizer (LBFGS) evaluates the function itself, several times per step:
    # step(fg, state, theta, t, hp) -> (theta_next, state, evaluations), fg(row, x) -> (f, g) at one point
    step: Callable | None = None
    # the state entry holding a second point worth drawing beside the path: an average of the iterates (ASGD's ax,
    # Schedule-Free's x), and what to call it
    average: tuple[str, str] | None = None

    def hyperparameter(self, name: str) -> Hyperparameter:
        for h in self.hyperparameters:
            if h.name == name:
                return h
        raise ValueError(f"{self.key} has no hyperparameter {name!r}. Valid: {', '.join(self.names())}")

    def names(self) -> list[str]:
        return [h.name for h in self.hyperparameters]

    def defaults(self) -> dict:
        return {h.name: h.default for h in self.hyperparameters}

    def pair_keywords(self) -> dict[str, tuple[str, str]]:
        """torch's tuple keywords and the two hyperparameters each one sets: betas -> (beta1, beta2), …"""
        auto = {"betas": ("beta1", "beta2")} if "beta1" in self.names() else {}
        return {**auto, **self.pairs}

    def resolve(self, **kwargs) -> dict:
        """Validate keywords against the declaration; return every hyperparameter with defaults filled."""
        kwargs = dict(kwargs)
        for pair, (first, second) in self.pair_keywords().items():
            if pair not in kwargs or pair in self.names():
                continue
            values = kwargs.pop(pair)
            try:
                a, b = values
            except (TypeError, ValueError):
                raise ValueError(f"Invalid {pair}: {values!r} (expected a pair ({first}, {second}))") from None
            for name, v in ((first, a), (second, b)):
                if name in kwargs:
                    raise ValueError(f"{name} given twice (in {pair} and by name)")
                kwargs[name] = v
        for name in set(kwargs) & set(self.fixed) - set(self.names()):
            # torch's spelling of what this variant pins (amsgrad=True for "amsgrad", nesterov=True for "nag"): fine
            # when it agrees, an error naming the right key when it does not
            value = kwargs.pop(name)
            if np.any(np.asarray(value) != self.fixed[name]):
                raise ValueError(f"Invalid {name} value for {self.key}: {value!r} ({self.key} always uses "
                                 f"{name}={self.fixed[name]!r}; pick another optimizer for the other setting)")
        unknown = sorted(set(kwargs) - set(self.names()))
        if unknown:
            valid = ", ".join([*self.names(), *self.pair_keywords()])
            raise ValueError(f"Unknown hyperparameter {unknown[0]!r} for {self.key}. Valid: {valid}")
        values = {h.name: h.validate(kwargs.get(h.name, h.default)) for h in self.hyperparameters}
        if self.check is not None:
            self.check(values)
        return values

    def namespace(self, values: dict) -> SimpleNamespace:
        return SimpleNamespace(**{**self.fixed, **values})


def l2(g, theta, weight_decay):
    """torch's coupled weight decay: g <- g + λθ, skipped when λ is 0 as torch does."""
    if isinstance(weight_decay, float) and weight_decay == 0.0:
        return g
    return g + weight_decay * theta


def decoupled(theta, lr, weight_decay):
    """AdamW-style decay as a step: θ(1 − γλ) − θ, zero when λ is 0."""
    if isinstance(weight_decay, float) and weight_decay == 0.0:
        return 0.0
    return theta * (1.0 - lr * weight_decay) - theta


def lerp(a, b, w):
    """a + w(b − a): torch's lerp_, used for running means. Returns a new array; a and b are not touched."""
    out = b - a
    out *= w  # in place on the fresh temporary: this runs every step, often on thousands of rows
    out += a
    return out


def running_square(avg, g, decay):
    """decay·avg + (1 − decay)·g², torch's avg.mul_(decay).addcmul_(g, g, value=1 − decay), as a new array."""
    v = g * g
    v *= 1.0 - decay
    v += decay * avg
    return v


# Shared declarations: the same knob means the same thing everywhere.
def lr(default: float, high: float = 10.0) -> Hyperparameter:
    return Hyperparameter(
        "lr", "α", default, 0.0, slider=(1e-5, high), scale="log", error="Invalid learning rate",
        help="Learning rate: the size of each step.",
    )


def eps(default: float, help: str = "Added to the denominator so a tiny second moment cannot blow up the step.") -> Hyperparameter:
    return Hyperparameter("eps", "ε", default, 0.0, slider=(1e-12, 1.0), scale="log", error="Invalid epsilon value", help=help)


def weight_decay(default: float = 0.0, help: str = "L2 penalty λ: adds λθ to the gradient.") -> Hyperparameter:
    return Hyperparameter(
        "weight_decay", "λ", default, 0.0, slider=(0.0, 1.0), error="Invalid weight_decay value", help=help,
    )


def beta(index: int, default: float, help: str) -> Hyperparameter:
    # β₂ lives near 1 (0.999): its slider moves along log(1 − β₂) so 0.99, 0.999, 0.9999 are evenly spaced
    slider, scale = ((0.0, 0.999), "linear") if index == 0 else ((0.5, 0.99999), "log1m")
    return Hyperparameter(
        f"beta{index + 1}", "β₁" if index == 0 else "β₂", default, 0.0, 1.0, high_open=True,
        slider=slider, scale=scale, torch=f"betas[{index}]", error=f"Invalid beta parameter at index {index}", help=help,
    )


def flag(name: str, default: bool, help: str, symbol: str | None = None) -> Hyperparameter:
    return Hyperparameter(name, symbol or name, default, help=help)
