"""The Inspector's settings and their round trip through the URL, and how it reads numbers out. Pure Python: no
Streamlit here.

    /inspector?opt=radam&surface=beale&radam.lr=0.01&t=17&sub=3

URL names: `opt`, `surface`, `x` and `y` (the start), `steps`, `t` (the step shown), `sub` (the narrated sub-step
shown, from 1), `zoom` (4 or 16), `narrate` (0 to switch the narration off) and the shown optimizer's
hyperparameters as the Playground spells them (`radam.lr`, `radam.beta2`). Defaults are left out, so the default
Inspector has an empty query. Every value from a link is validated like the Playground's (ui/settings.py): a bad
one falls back to its default with a notice that names it.

The default α depends on the surface as well as the optimizer (SURFACE_LR): a link without `radam.lr` lands with an
α that runs well on the surface it names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

import optimizers
import surfaces
from teaching import presets

from .settings import _fmt, _number, _q, capped, link_hp, num, parse_flag, parse_hp, start_limits, unknown_notice

STEPS = (10, 500)  # the steps slider: 10 to 500 in tens
MAX_SUB = 12  # more sub-steps than any optimizer's narration has (the page keeps the shown one in range)
ZOOMS = {"whole surface": 1, "zoom ×4": 4, "zoom ×16": 16}


# The α a short list offers, largest first: a landing α below the stretched bowl's preset, and the advice when a
# run explodes, are the first of these that run well.
LADDER = (10.0, 5.0, 2.0, 1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 5e-4, 2e-4, 1e-4, 5e-5, 2e-5, 1e-5)

# The Inspector's first α on each surface where the stretched bowl's (presets.INSPECT_LR) does not run well there
# (from the surface's start, INSPECT_STEPS steps: it overflows, explodes or ends higher than it started): the largest
# α of LADDER below it that does. Made by landing_rule(); tests/test_inspector_lesson.py runs every optimizer on every
# surface at its α and compares this table with the rule. On the two saddles, which have no bottom, Rprop (monkey
# saddle) and L-BFGS (saddle) run off downhill past a million times the start at every α of the list: Rprop keeps its
# preset, L-BFGS the largest α that does not overflow, and the page says what happens (`trouble`).
SURFACE_LR = {
    "rosenbrock": {"gd": 0.002, "momentum": 0.002, "nag": 0.001, "radam": 0.002, "asgd": 0.002},
    "beale": {"gd": 0.02, "momentum": 0.005, "nag": 0.005, "radam": 0.02, "asgd": 0.02},
    "saddle": {"rprop": 5e-05, "adafactor": 0.05, "lbfgs": 0.02},
    "monkey_saddle": {"gd": 0.01, "momentum": 0.002, "nag": 0.002, "asgd": 0.01, "adafactor": 0.05, "lbfgs": 0.001},
    "himmelblau": {"gd": 0.02, "radam": 0.05, "asgd": 0.02},
    "rastrigin": {"gd": 0.01, "nag": 0.005, "radam": 0.05, "lbfgs": 0.05},
    "goldstein_price": {"gd": 0.0001, "momentum": 5e-05, "nag": 5e-05, "radam": 0.0001, "asgd": 0.0001, "lbfgs": 0.05},
    "six_hump_camel": {"radam": 0.05},
}


def hp_defaults(key: str, surface: str = presets.INSPECT_SURFACE) -> dict:
    """Where the Inspector's sliders start: torch's defaults, and an α that makes visible progress on `surface`
    without exploding (presets.INSPECT_LR, chosen on the stretched bowl, unless SURFACE_LR says otherwise)."""
    values = optimizers.get(key).defaults()
    if key in presets.INSPECT_LR:
        values["lr"] = presets.INSPECT_LR[key]
    if key in SURFACE_LR.get(surface, {}):
        values["lr"] = SURFACE_LR[surface][key]
    return values


@dataclass(frozen=True)
class InspectorSettings:
    opt: str = presets.INSPECT_OPTIMIZER
    surface: str = presets.INSPECT_SURFACE
    start: tuple[float, float] = tuple(map(float, surfaces.get(presets.INSPECT_SURFACE).start))
    steps: int = presets.INSPECT_STEPS
    t: int = 1  # the step shown
    sub: int = 1  # the narrated sub-step shown, from 1
    zoom: str = "whole surface"
    narrate: bool = True
    hps: dict = field(default_factory=dict)  # the shown optimizer's hyperparameters that differ from hp_defaults

    def __post_init__(self):  # a value equal to the surface's default is no setting of the user's: the URL leaves it out
        defaults = hp_defaults(self.opt, self.surface)
        if any(defaults.get(name) == value for name, value in self.hps.items()):
            object.__setattr__(self, "hps", {n: v for n, v in self.hps.items() if defaults.get(n) != v})

    def hyperparameters(self) -> dict:
        return {**hp_defaults(self.opt, self.surface), **self.hps}


DEFAULTS = InspectorSettings()
_TOP_LEVEL = {"opt", "surface", "x", "y", "steps", "t", "sub", "zoom", "narrate"}


def from_query(params: Mapping[str, str]) -> tuple[InspectorSettings, list[str]]:
    """Settings from URL query parameters, and a notice for every value that had to fall back."""
    notices: list[str] = []
    s = DEFAULTS
    get = params.get
    if not params:
        return s, notices

    opt = get("opt")
    if opt is not None:
        if opt in optimizers.names():
            s = replace(s, opt=opt)
        else:
            notices.append(f"Unknown optimizer {_q(opt)} in the link: showing {optimizers.get(s.opt).label}.")
    surface = get("surface")
    if surface is not None:
        if surface in surfaces.names():
            s = replace(s, surface=surface, start=tuple(map(float, surfaces.get(surface).start)))
        else:
            notices.append(f"Unknown surface {_q(surface)} in the link: showing {surfaces.get(s.surface).label}.")

    start = list(s.start)
    for i, (name, (lo, hi)) in enumerate(zip("xy", start_limits(s.surface), strict=True)):
        text = get(name)
        if text is None:
            continue
        value = _number(text)
        if value is None or not lo <= value <= hi:
            notices.append(f"Start {name}={_q(text)} in the link is not a usable number: using {num(start[i])}.")
        else:
            start[i] = float(value)
    s = replace(s, start=(start[0], start[1]))

    text = get("steps")
    if text is not None:
        value = _number(text, int)
        if value is None or not STEPS[0] <= value <= STEPS[1] or value % 10:
            notices.append(f"steps={_q(text)} in the link must be a multiple of 10 from {STEPS[0]} to {STEPS[1]}: "
                           f"using {s.steps}.")
        else:
            s = replace(s, steps=value)
    for name, hi in (("t", s.steps), ("sub", MAX_SUB)):
        text = get(name)
        if text is None:
            continue
        value = _number(text, int)
        if value is None or not 1 <= value <= hi:
            notices.append(f"{name}={_q(text)} in the link must be a whole number from 1 to {hi}: "
                           f"using {getattr(s, name)}.")
        else:
            s = replace(s, **{name: value})

    text = get("zoom")
    if text is not None:
        zoom = {_fmt(v): k for k, v in ZOOMS.items()}.get(text)
        if zoom is None:
            notices.append(f"zoom={_q(text)} in the link must be one of {', '.join(map(str, ZOOMS.values()))}: "
                           f"showing the whole surface.")
        else:
            s = replace(s, zoom=zoom)
    text = get("narrate")
    if text is not None:
        flag = parse_flag(text)
        if flag is None:
            notices.append(f"narrate={_q(text)} in the link is not on/off: narrating.")
        else:
            s = replace(s, narrate=flag)

    hps, unknown = {}, []
    opt = optimizers.get(s.opt)
    for name, text in params.items():
        if "." not in name:
            if name not in _TOP_LEVEL:
                unknown.append(name)
            continue
        key, hp_name = name.split(".", 1)
        if key != s.opt or hp_name not in opt.names():  # another optimizer's setting: it is not shown
            unknown.append(name)
            continue
        hp = opt.hyperparameter(hp_name)
        if not hp.ui:
            notices.append(f"{name}={_q(text)} in the link cannot be set here: {key} keeps {_q(hp.default)}.")
            continue
        default = hp_defaults(s.opt, s.surface)[hp_name]
        if default != hp.default:  # the Inspector's own α: say so, not torch's default
            value = parse_hp(hp, text)
            if value is None:
                lo, hi = hp.slider_range
                notices.append(f"{name}={_q(text)} in the link must be a number from {num(lo)} to {num(hi)}: "
                               f"using the Inspector's {_q(default)}.")
        else:
            value = link_hp(hp, name, text, notices)
        if value is not None and value != default:
            hps[hp_name] = hp.coerce(value)
    notices += unknown_notice(unknown)
    if hps:
        try:
            opt.resolve(**{**hp_defaults(s.opt, s.surface), **hps})
        except ValueError as err:
            notices.append(f"{opt.label}: {err}. Using the Inspector's defaults for it.")
            hps = {}
    return replace(s, hps=hps), capped(notices)


def to_query(s: InspectorSettings) -> dict[str, str]:
    """The URL form: only what differs from the defaults, so the default Inspector has an empty query."""
    q: dict[str, str] = {}
    d = DEFAULTS
    if s.opt != d.opt:
        q["opt"] = s.opt
    if s.surface != d.surface:
        q["surface"] = s.surface
    if tuple(s.start) != tuple(map(float, surfaces.get(s.surface).start)):
        q["x"], q["y"] = _fmt(s.start[0]), _fmt(s.start[1])
    for name in ("steps", "t", "sub"):
        if getattr(s, name) != getattr(d, name):
            q[name] = _fmt(int(getattr(s, name)))
    if s.zoom != d.zoom:
        q["zoom"] = _fmt(ZOOMS[s.zoom])
    if s.narrate != d.narrate:
        q["narrate"] = _fmt(s.narrate)
    defaults = hp_defaults(s.opt, s.surface)
    for name, value in s.hps.items():
        if value != defaults[name]:
            q[f"{s.opt}.{name}"] = _fmt(value)
    return q


# ------------------------------------------------------------------ torch's names for what the table shows

# The Inspector's symbol -> torch's state key(s) holding it: the first one the run's state has (traj.state)
_STORED = {"m": ("exp_avg",), "v": ("exp_avg_sq", "variance"), "v_max": ("max_exp_avg_sq",), "u": ("exp_inf",),
           "b": ("momentum_buffer",), "G": ("sum",), "E[g²]": ("square_avg",), "E[g]": ("grad_avg",),
           "E[Δθ²]ₜ₋₁": ("acc_delta",), "Δ": ("step_size",), "θ̄": ("ax",), "z": ("z",), "x": ("x",), "d": ("d",)}
# Quantities computed from one state entry: how, in torch's names ({} is the entry)
_DERIVED = {"m̂": ("exp_avg", "{} / (1 − β₁ᵗ)"), "v̂": ("exp_avg_sq", "{} / (1 − β₂ᵗ)"),
            "√v̂": ("exp_avg_sq", "√({} / (1 − β₂ᵗ))"), "√G": ("sum", "√{}"), "√E[g²]": ("square_avg", "√{}"),
            "√v": ("variance", "√{}"), "sign(g)": ("prev", "sign({})")}


def torch_names(key: str, hyperparameters: dict, quantities, state_keys) -> dict[str, str]:
    """Each shown quantity's name in torch's optimizer.state (`exp_avg` for m, `momentum_buffer` for b), or how it
    is computed from one (`exp_avg / (1 − β₁ᵗ)` for m̂); quantities torch does not keep are left out. `state_keys`
    are the run's recorded state entries (traj.state), which carry torch's names."""
    state_keys = set(state_keys)
    corrected = hyperparameters.get("bias_correction", True)
    out = {}
    for name in quantities:
        if name == "v" and "momentum_buffer" in state_keys and key in ("momentum", "nag"):
            out[name] = "lr · momentum_buffer"  # the article's velocity vₜ = α·bₜ
            continue
        stored = next((k for k in _STORED.get(name, ()) if k in state_keys), None)
        if stored:
            out[name] = stored
            continue
        if name == "√(E[g²] − E[g]²)" and {"square_avg", "grad_avg"} <= state_keys:
            out[name] = "√(square_avg − grad_avg²)"
            continue
        if name not in _DERIVED or (key == "nadam" and name == "m̂"):  # NAdam's m̂: a look-ahead of exp_avg and g
            continue
        entry, how = _DERIVED[name]
        if name in ("v̂", "√v̂") and "max_exp_avg_sq" in state_keys:
            entry = "max_exp_avg_sq"  # AMSGrad divides by the corrected running maximum
        if not corrected and name in ("m̂", "v̂", "√v̂"):
            how = "√{}" if name == "√v̂" else "{}"  # without the correction m̂ = m, v̂ = v
        if entry in state_keys:
            out[name] = how.format(entry)
    return out


# ------------------------------------------------------------------ numbers for humans

def human(value: float) -> str:
    """4 significant digits; scientific notation from 10⁵ up and below 10⁻⁴: 0.001235, 12350, 1.235e+227."""
    v = float(value)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if v == 0:
        return "0"
    if not 1e-4 <= abs(v) < 1e5:
        return f"{v:.3e}"
    rounded = float(f"{v:.4g}")
    if abs(rounded) >= 1e5:  # 99999.5 rounds up to 1e5
        return f"{v:.3e}"
    decimals = max(0, 3 - math.floor(math.log10(abs(rounded))))
    text = f"{rounded:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


EXPLODES = 1e6  # a run "explodes" once |θ| or the loss is this many times its size at the start


def explosion(path, loss) -> tuple[int, str, float] | None:
    """The first step at which |θ| or |loss| passes EXPLODES × its scale at the start (1 at least), while still
    finite: (step, "|θ|" or "the loss", the value there). None when the run never gets that far."""
    path, loss = np.asarray(path, dtype=float), np.asarray(loss, dtype=float)
    with np.errstate(invalid="ignore", over="ignore"):
        size = np.abs(path).max(axis=1)
        theta_scale = max(float(size[0]), 1.0)
        loss_scale = max(abs(float(loss[0])), 1.0)
        big_theta = np.isfinite(size) & (size > EXPLODES * theta_scale)
        big_loss = np.isfinite(loss) & (np.abs(loss) > EXPLODES * loss_scale)
    hits = np.flatnonzero(big_theta | big_loss)
    if not hits.size:
        return None
    k = int(hits[0])
    return (k, "|θ|", float(size[k])) if big_theta[k] else (k, "the loss", float(loss[k]))


@dataclass(frozen=True)
class Trouble:
    """What went wrong in a run, for the page's warning. `kind`: "explodes" (|θ| or the loss past EXPLODES × its size
    at the start), "runs off" (the loss fell that far on a surface with no bottom: the run escapes downhill for ever,
    which is the surface's doing more than α's) or "overflows" (NaN with no explosion before it)."""

    kind: str
    step: int
    what: str = ""  # "|θ|" or "the loss" (not for "overflows")
    value: float = math.nan
    overflow: int | None = None  # the step from which every value is NaN, if the run gets there


def trouble(path, loss, diverged_at: int | None, bottomless: bool = False) -> Trouble | None:
    """The first thing that went wrong in a run, or None. `bottomless`: the surface is unbounded below."""
    boom = explosion(path, loss)
    if boom is not None and (diverged_at is None or boom[0] < diverged_at):
        k = boom[0]
        downhill = bottomless and bool(np.isfinite(loss[k]) and loss[k] < loss[0])
        return Trouble("runs off" if downhill else "explodes", *boom, overflow=diverged_at)
    if diverged_at is not None:
        return Trouble("overflows", int(diverged_at), overflow=int(diverged_at))
    return None


@lru_cache(maxsize=2048)
def _check(key: str, surface: str, start: tuple, steps: int, hp_items: tuple) -> tuple[Trouble | None, bool, bool]:
    """One run's trouble, whether its loss ends below where it started and whether it ends on the map (the
    page's run: record the path only)."""
    surf = surfaces.get(surface)
    traj = optimizers.simulate(key, surf, np.array(start, dtype=float), int(steps), record="path", **dict(hp_items))
    with np.errstate(invalid="ignore"):
        descends = bool(traj.loss[-1] < traj.loss[0])  # NaN: False
    return (trouble(traj.path, traj.loss, traj.diverged_at, surf.min_value is None), descends,
            not worse(traj.path, traj.loss, surf.bounds)[1])


def _with_lr(hps: Mapping, lr: float) -> tuple:
    return tuple(sorted({**hps, "lr": float(lr)}.items()))


def below(key: str, lr: float) -> list[float]:
    """The α of LADDER below `lr`, largest first, that the optimizer's α slider reaches."""
    lo, _ = optimizers.get(key).hyperparameter("lr").slider_range
    return [a for a in LADDER if lo <= a < lr]


def landing_rule(key: str, surface: str) -> float:
    """How SURFACE_LR was made: the stretched bowl's α if, from `surface`'s start, INSPECT_STEPS steps of it neither
    explode nor overflow and end lower than they started; else the largest α of LADDER below it that does. Where none
    does, the largest that only runs off downhill on a surface with no bottom."""
    hps = hp_defaults(key)
    start = tuple(map(float, surfaces.get(surface).start))
    tries = [hps["lr"], *below(key, hps["lr"])]
    for lr in tries:
        problem, descends, _ = _check(key, surface, start, presets.INSPECT_STEPS, _with_lr(hps, lr))
        if problem is None and descends:
            return lr
    for lr in tries:  # every one of them has been run (and cached) by now
        problem, descends, _ = _check(key, surface, start, presets.INSPECT_STEPS, _with_lr(hps, lr))
        if problem is not None and problem.kind == "runs off" and problem.overflow is None and descends:
            return lr
    return hps["lr"]


def descending_lr(key: str, surface: str, start, steps: int, hps: Mapping) -> float | None:
    """The largest α of LADDER below hps["lr"] at which this run ends lower than it started and on the map;
    None if none of them does (for a run that got worse without exploding: Adam's steps are about α each)."""
    start = (float(start[0]), float(start[1]))
    for lr in below(key, hps["lr"]):
        problem, descends, on_map = _check(key, surface, start, int(steps), _with_lr(hps, lr))
        if problem is None and descends and on_map:
            return lr
    return None


def worse(path, loss, bounds) -> tuple[bool, bool]:
    """(the loss ends higher than it started, the last θ lies outside the surface's box): a run that got worse
    without exploding."""
    path, loss = np.asarray(path, dtype=float), np.asarray(loss, dtype=float)
    (x0, x1), (y0, y1) = bounds
    end = path[-1]
    higher = bool(np.isfinite(loss[-1]) and np.isfinite(loss[0]) and loss[-1] > loss[0])
    outside = bool(np.all(np.isfinite(end)) and not (x0 <= end[0] <= x1 and y0 <= end[1] <= y1))
    return higher, outside


def safer_lr(key: str, surface: str, start, steps: int, hps: Mapping) -> float | None:
    """The largest α of LADDER below hps["lr"] at which this run (the same start, steps and other settings) neither
    explodes, runs off nor overflows; None if none of them does."""
    start = (float(start[0]), float(start[1]))
    for lr in below(key, hps["lr"]):
        if _check(key, surface, start, int(steps), _with_lr(hps, lr))[0] is None:
            return lr
    return None
