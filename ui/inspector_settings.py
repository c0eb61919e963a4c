"""The Inspector's settings and their round trip through the URL, and how it reads numbers out. Pure Python: no
Streamlit here.

    /inspector?opt=radam&surface=beale&radam.lr=0.01&t=17&sub=3

URL names: `opt`, `surface`, `x` and `y` (the start), `steps`, `t` (the step shown), `sub` (the narrated sub-step
shown, from 1), `zoom` (4 or 16), `narrate` (0 to switch the narration off) and the shown optimizer's
hyperparameters as the Playground spells them (`radam.lr`, `radam.beta2`). Defaults are left out, so the default
Inspector has an empty query. Every value from a link is validated like the Playground's (ui/settings.py): a bad
one falls back to its default with a notice that names it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

import optimizers
import surfaces
from teaching import presets

from .settings import _fmt, _number, _q, capped, link_hp, parse_flag, parse_hp, start_limits, unknown_notice

STEPS = (10, 500)  # the steps slider: 10 to 500 in tens
MAX_SUB = 12  # more sub-steps than any optimizer's narration has (the page keeps the shown one in range)
ZOOMS = {"whole surface": 1, "zoom ×4": 4, "zoom ×16": 16}


def hp_defaults(key: str) -> dict:
    """Where the Inspector's sliders start: torch's defaults, and an α that makes visible progress (presets)."""
    values = optimizers.get(key).defaults()
    if key in presets.INSPECT_LR:
        values["lr"] = presets.INSPECT_LR[key]
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

    def hyperparameters(self) -> dict:
        return {**hp_defaults(self.opt), **self.hps}


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
            notices.append(f"Start {name}={_q(text)} in the link is not a usable number: using {start[i]:g}.")
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
        default = hp_defaults(s.opt)[hp_name]
        if default != hp.default:  # the Inspector's own α: say so, not torch's default
            value = parse_hp(hp, text)
            if value is None:
                lo, hi = hp.slider_range
                notices.append(f"{name}={_q(text)} in the link must be a number from {lo:g} to {hi:g}: "
                               f"using the Inspector's {_q(default)}.")
        else:
            value = link_hp(hp, name, text, notices)
        if value is not None and value != default:
            hps[hp_name] = hp.coerce(value)
    notices += unknown_notice(unknown)
    if hps:
        try:
            opt.resolve(**{**hp_defaults(s.opt), **hps})
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
    defaults = hp_defaults(s.opt)
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
