"""The Sweeps page's settings and their round trip through the URL. Pure Python: no Streamlit here.

A flat dict of plain values (the page's widget keys without their prefix) plus the hyperparameters held fixed
("adam.beta1"). Every value from a link is validated; a bad one falls back with a notice that names it.
"""

from __future__ import annotations

from collections.abc import Mapping

import optimizers
import surfaces
import sweeps

from .settings import DEFAULTS as PG_DEFAULTS
from .settings import NOISE, STEPS, _fmt, _number, _q, capped, link_hp, num, start_limits, unknown_notice

VIEWS = {"grid": "Two hyperparameters", "curve": "Sensitivity", "basins": "Basins", "seeds": "Noise seeds"}
GRID_SIZES = (16, 32, 64, 128)
CURVE_SIZES = (12, 24, 48)
SEED_COUNTS = (1, 4, 8, 16)
BASIN_SIZES = (64, 128, 256)
BAND_SEEDS = (8, 16, 32, 64)
MAX_CURVE_OPTIMIZERS = 6

DEFAULTS = {
    "view": "grid", "surface": "rosenbrock", "x": -1.5, "y": 2.0, "steps": 500, "noise": 0.0, "seed": 0,
    "opt": "adam", "xhp": "lr", "yhp": "beta2", "n": 64, "metric": "gap",
    "copts": ("gd", "momentum", "rmsprop", "adam"), "chp": "lr", "cn": 24, "seeds": 4, "cmetric": "gap",
    "bopts": ("gd", "momentum"), "bn": 128, "sopt": "adam", "sn": 32,
}
_CHOICES = {"view": tuple(VIEWS), "surface": tuple(surfaces.names()), "opt": tuple(sweeps.optimizer_names()),
            "sopt": tuple(sweeps.optimizer_names()), "metric": tuple(sweeps.METRICS), "cmetric": tuple(sweeps.METRICS)}
_SIZES = {"n": GRID_SIZES, "cn": CURVE_SIZES, "seeds": SEED_COUNTS, "bn": BASIN_SIZES, "sn": BAND_SEEDS}
_LISTS = {"copts": MAX_CURVE_OPTIMIZERS, "bopts": 2}


def axes_of(key: str) -> list[str]:
    """The hyperparameters of an optimizer that can be an axis: numbers with a slider."""
    return [hp.name for hp in optimizers.get(key).hyperparameters if hp.ui and hp.is_number]


def common_axes(keys) -> list[str]:
    names = [axes_of(k) for k in keys] or [["lr"]]
    return [n for n in names[0] if all(n in other for other in names[1:])]


def fixed_defaults(key: str) -> dict:
    """What a hyperparameter held fixed starts at: the Playground's first-race value (its α), else torch's default."""
    return {**optimizers.get(key).defaults(), **PG_DEFAULTS.hps.get(key, {})}


def from_query(params: Mapping[str, str]) -> tuple[dict, dict, list[str]]:
    """(values, fixed hyperparameters {opt: {hp: value}}, notices)."""
    notices: list[str] = []
    v = dict(DEFAULTS)
    for name, choices in _CHOICES.items():
        text = params.get(name)
        if text is not None:
            if text in choices:
                v[name] = text
            else:
                notices.append(f"Unknown {name} {_q(text)} in the link: using {v[name]}.")
    if "surface" in params and v["surface"] in surfaces.names():  # x, y below replace it where they are usable
        v["x"], v["y"] = surfaces.get(v["surface"]).start
    for i, name in enumerate(("x", "y")):
        text = params.get(name)
        if text is not None:
            lo, hi = start_limits(v["surface"])[i]
            value = _number(text)
            if value is None or not lo <= value <= hi:
                notices.append(f"Start {name}={_q(text)} in the link is not a usable number: using {num(v[name])}.")
            else:
                v[name] = value
    for name, kind, (lo, hi) in (("steps", int, STEPS), ("noise", float, NOISE), ("seed", int, (0, 2**31 - 1))):
        text = params.get(name)
        if text is not None:
            value = _number(text, kind)
            if value is None or not lo <= value <= hi:
                notices.append(f"{name}={_q(text)} in the link must be a number from {num(lo)} to {num(hi)}: using {num(v[name])}.")
            else:
                v[name] = value
    for name, allowed in _SIZES.items():
        text = params.get(name)
        if text is not None:
            value = _number(text, int)
            if value not in allowed:
                notices.append(f"{name}={_q(text)} in the link must be one of {', '.join(map(str, allowed))}: "
                               f"using {v[name]}.")
            else:
                v[name] = value
    for name, most in _LISTS.items():
        text = params.get(name)
        if text is not None:
            keys = list(dict.fromkeys(k.strip() for k in text.split(",") if k.strip()))
            known = [k for k in keys if k in sweeps.optimizer_names()][:most]
            if len(known) < len(keys):
                notices.append(f"{name}={_q(text)} in the link: only known optimizers, at most {most}, are kept.")
            if known:
                v[name] = tuple(known)
    for name, keys in (("xhp", [v["opt"]]), ("yhp", [v["opt"]]), ("chp", v["copts"])):
        text = params.get(name)
        allowed = common_axes(keys)
        if text is not None and text not in allowed:
            notices.append(f"{name}={_q(text)} in the link is not a hyperparameter of {', '.join(keys)} that can "
                           f"be swept: using {v[name]}.")
        elif text is not None:
            v[name] = text
    axes = axes_of(v["opt"])
    if v["xhp"] not in axes:
        v["xhp"] = axes[0]
    if v["yhp"] not in axes or v["yhp"] == v["xhp"]:
        v["yhp"] = next(a for a in axes if a != v["xhp"])
    if v["chp"] not in common_axes(v["copts"]):
        v["chp"] = "lr"
    fixed: dict = {}
    unknown = []
    for name, text in params.items():
        if "." not in name:
            if name not in DEFAULTS:
                unknown.append(name)
            continue
        key, hp_name = name.split(".", 1)
        try:
            hp = optimizers.get(key).hyperparameter(hp_name)
        except ValueError:
            unknown.append(name)
            continue
        if not hp.ui:
            notices.append(f"{name}={_q(text)} in the link cannot be set here: {key} keeps {_q(hp.default)}.")
            continue
        value = link_hp(hp, name, text, notices)
        if value is not None:
            fixed.setdefault(key, {})[hp_name] = value
    notices += unknown_notice(unknown)
    return v, fixed, capped(notices)


def to_query(v: dict, fixed: dict) -> dict[str, str]:
    """Only what differs from the defaults."""
    q = {}
    start = surfaces.get(v["surface"]).start
    for name, default in DEFAULTS.items():
        value = v[name]
        if name in ("x", "y"):
            if (v["x"], v["y"]) != tuple(start):
                q[name] = _fmt(value)
        elif name in _LISTS:
            if tuple(value) != default:
                q[name] = ",".join(value)
        elif value != default:
            q[name] = _fmt(value)
    for key, values in fixed.items():
        base = fixed_defaults(key)
        for name, value in values.items():
            if value != base[name]:
                q[f"{key}.{name}"] = _fmt(value)
    return q
