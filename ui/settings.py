"""The Playground's settings, and their round trip through the URL. Pure Python: no Streamlit here.

Every value read from a link is validated; anything malformed, unknown or out of range falls back to
its default and produces a notice that names it, so a bad link never breaks the page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

import optimizers
import surfaces
from teaching.presets import ALTERNATIVE_LR

DEFAULT_OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")
# α for the first race on Rosenbrock: torch's defaults (1e-3 for Adam) barely move in 500 steps there.
# The α an optimizer lands with in the race: the lesson's, chosen by a sweep on Rosenbrock so each makes progress in
# 500 steps without diverging (torch's defaults, e.g. AdamW's and RAdam's 1e-3, barely leave the start; ASGD's 0.01
# diverges). Reset goes back to torch's defaults.
LANDING_LR = {**ALTERNATIVE_LR, "gd": 1e-3, "momentum": 1e-3, "rmsprop": 1e-2, "adam": 5e-2}
STEPS = (10, 2000)
NOISE = (0.0, 100.0)
VIEWS = ("overlay", "multiples", "3d")
MAX_TWINS = 4  # instances of one optimizer in a race ("adam", "adam:2", … "adam:4")


# The Playground's learning-rate schedules: presets of torch.optim.lr_scheduler sized to the race (see schedule_spec)
SCHEDULES = {"none": "constant α", "step": "StepLR: ×½ every quarter", "exponential": "ExponentialLR: ×0.99 a step",
             "cosine": "CosineAnnealingLR to 0", "warmup_cosine": "linear warm-up (10%), then cosine",
             "onecycle": "OneCycleLR (peak α)", "plateau": "ReduceLROnPlateau: ×½ after 20 flat steps",
             "inverse_sqrt": "α/√t (Reddi et al.)"}


def schedule_spec(name: str, key: str, steps: int, lr: float) -> dict | None:
    """A preset as an lr_schedule for optimizers.simulate (None for a constant α); OneCycleLR peaks at α."""
    steps = max(int(steps), 1)
    warm = max(1, steps // 10)
    opt = optimizers.get(base_key(key))
    cycles = key != "gd" and ("beta1" in opt.names() or "momentum" in opt.names())
    return {
        "none": None,
        "step": {"name": "StepLR", "step_size": max(1, steps // 4), "gamma": 0.5},
        "exponential": {"name": "ExponentialLR", "gamma": 0.99},
        "cosine": {"name": "CosineAnnealingLR", "T_max": steps},
        "warmup_cosine": {"name": "SequentialLR", "milestones": [warm],
                          "schedulers": [{"name": "LinearLR", "start_factor": 0.1, "total_iters": warm},
                                         {"name": "CosineAnnealingLR", "T_max": max(1, steps - warm)}]},
        "onecycle": {"name": "OneCycleLR", "max_lr": float(lr), "total_steps": steps, "cycle_momentum": cycles},
        "plateau": {"name": "ReduceLROnPlateau", "factor": 0.5, "patience": 20},
        "inverse_sqrt": {"name": "InverseSqrt"},
    }[name]


def base_key(instance: str) -> str:
    """The registry key of a race entry: "adam:2" (a second Adam with its own settings) -> "adam"."""
    return instance.split(":", 1)[0]


def twin_number(instance: str) -> int:
    return int(instance.split(":", 1)[1]) if ":" in instance else 1


def parse_instance(text: str) -> str | None:
    """"adam" or "adam:2" … "adam:4" when the optimizer exists, else None."""
    key, _, n = text.partition(":")
    if key not in optimizers.names():
        return None
    if not _:
        return key
    return f"{key}:{n}" if n.isascii() and n.isdigit() and 2 <= int(n) <= MAX_TWINS and str(int(n)) == n else None


@dataclass(frozen=True)
class Settings:
    surface: str = "rosenbrock"
    optimizers: tuple[str, ...] = DEFAULT_OPTIMIZERS
    start: tuple[float, float] = surfaces.get("rosenbrock").start
    steps: int = 500
    noise: float = 0.0
    seed: int = 0
    view: str = "overlay"
    same_lr: bool = False
    shared_lr: float = 1e-2
    # race entry ("adam", "adam:2") -> {hyperparameter: value} where it differs from torch's default
    hps: dict = field(default_factory=lambda: {k: {"lr": v} for k, v in LANDING_LR.items()})
    morph: str = "auto"  # the in-chart morph: "auto", "off" or "<entry>.<hyperparameter>"
    present: bool = False  # projector mode: large type, the chart filling the screen, a compact control strip
    schedules: dict = field(default_factory=dict)  # race entry -> a learning-rate schedule preset (SCHEDULES)
    formula: str = ""  # a surface typed as f(x, y): `surface` is then its key ("custom:<hash>")
    box: tuple | None = None  # its typed box ((x0, x1), (y0, y1)); None: found around its lowest point

    def hyperparameters(self, key: str) -> dict:
        """Every hyperparameter of race entry `key`, defaults filled, the shared α applied."""
        values = {**optimizers.get(base_key(key)).defaults(), **self.hps.get(key, {})}
        if self.same_lr:
            values["lr"] = self.shared_lr
        return values


DEFAULTS = Settings()


def _q(value, limit: int = 60) -> str:
    """A value from a link, quoted and cut: a notice must not grow with whatever a link carries (cut again after
    repr, which spells a non-printable character in up to ten)."""
    text = str(value)
    quoted = repr(text if len(text) <= limit else text[:limit] + "…")
    return quoted if len(quoted) <= limit + 12 else quoted[:limit] + "…"


MOST_NOTICES = 5


def capped(notices: list[str], most: int = MOST_NOTICES) -> list[str]:
    """However mangled a link, a handful of notices: the rest are counted in one line."""
    if len(notices) <= most:
        return notices
    rest = len(notices) - (most - 1)
    return notices[: most - 1] + [f"…and {rest} more settings in the link that had to fall back to their defaults."]


# Python's float() and int() also read "1_000", "١٠" (Arabic-Indic digits) and " 5 ": a link gets plain ASCII only
_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)
_INT = re.compile(r"[+-]?\d+", re.ASCII)


def num(value) -> str:
    """A number in a notice: an integer-valued one with all its digits (2147483647, 1000000: never %g's
    2.14748e+09 or 1e+06), others in %g (0.05, 1e-05)."""
    value = float(value) + 0.0  # + 0.0: -0.0 as 0
    if value.is_integer() and abs(value) < 1e18:
        return str(int(value))
    return f"{value:g}"


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(text: str, kind=float) -> float | None:
    if not isinstance(text, str) or not (_INT if kind is int else _FLOAT).fullmatch(text):
        return None
    try:
        value = kind(text)
        return value if math.isfinite(value) else None
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int of hundreds of digits
        return None


def _in_range(value: float, lo: float, hi: float) -> bool:
    return lo <= value <= hi


def parse_flag(text: str) -> bool | None:
    return {"1": True, "true": True, "on": True, "yes": True, "0": False, "false": False, "off": False,
            "no": False}.get(str(text).strip().lower())


def parse_hp(hp: optimizers.Hyperparameter, text: str):
    """A hyperparameter from its URL text, or None when malformed or outside the slider's range."""
    if hp.is_flag:
        return parse_flag(text)
    if hp.kind == "choice":
        return {_fmt(c): c for c in hp.choices if c is not None}.get(text)  # (a None choice is not linkable yet)
    value = _number(text, int if hp.kind == "int" else float)
    lo, hi = hp.slider_range
    if value is None or not _in_range(value, lo, hi):
        return None
    return value + 0 if hp.kind == "int" else value + 0.0  # -0.0 as 0.0


def link_hp(hp: optimizers.Hyperparameter, name: str, text: str, notices: list[str], fallback=None):
    """A hyperparameter's value from a link, or None with a notice that names the value used instead: `fallback`
    (the Playground's landing α) or else torch's default."""
    value = parse_hp(hp, text)
    if value is None and hp.kind == "choice" and text == "none" and None in hp.choices:
        return None  # torch's None (L-BFGS without a line search): the default, nothing to say
    if value is None:
        lo, hi = hp.slider_range
        what = ("on/off" if hp.is_flag else f"one of {', '.join(_fmt(c) for c in hp.choices)}" if hp.kind == "choice"
                else f"{'an integer' if hp.kind == 'int' else 'a number'} from {num(lo)} to {num(hi)}")
        instead = (f"the Playground's {_q(fallback)}" if fallback is not None and fallback != hp.default
                   else f"torch's default {_q(num(hp.default) if _is_number(hp.default) else hp.default)}")
        notices.append(f"{name}={_q(text)} in the link must be {what}: using {instead}.")
    return value


def stop_of(stops, text: str):
    """The stop that `text` spells ("0.5", ".5", "5e-1", "2e3", "1e-08"), or None."""
    value = _number(text)
    if value is None:
        return None
    return next((s for s in stops if float(f"{s:.10g}") == float(f"{value:.10g}")), None)


def picks_from_query(params: Mapping[str, str], picks: Mapping, flags: Mapping, defaults: Mapping,
                     other=None) -> tuple[dict, list[str]]:
    """A teaching page's settings from its link: sliders with stops (picks: name -> (stops, first value)) and
    switches (flags: name -> first value). Each bad value keeps the first value with a notice that names it;
    unknown names share one notice. other(name, text, values, notices) -> bool takes a page's own names."""
    v, notices, unknown = dict(defaults), [], []
    for name, text in params.items():
        if name in picks:
            stops = picks[name][0]
            value = stop_of(stops, text)
            if value is None:
                notices.append(f"{name}={_q(text)} in the link must be one of {', '.join(_fmt(s) for s in stops)}: "
                               f"using {_fmt(v[name])}.")
            else:
                v[name] = value
        elif name in flags:
            flag = parse_flag(text)
            if flag is None:
                notices.append(f"{name}={_q(text)} in the link must be 1 (on) or 0 (off): "
                               f"using {'on' if v[name] else 'off'}.")
            else:
                v[name] = flag
        elif other is None or not other(name, text, v, notices):
            unknown.append(name)
    return v, capped(notices + unknown_notice(unknown))


def unknown_notice(unknown: list[str]) -> list[str]:
    """One notice, however many unknown keys: a link must not fill the page with boxes."""
    if not unknown:
        return []
    more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
    return [f"Unknown setting{'s' if len(unknown) > 1 else ''} {', '.join(map(_q, unknown[:3]))}{more} in the link: ignored."]


def from_query(params: Mapping[str, str]) -> tuple[Settings, list[str]]:
    """Settings from URL query parameters, and a notice for every value that had to fall back."""
    notices: list[str] = []
    get = lambda k: params.get(k)  # noqa: E731
    s = DEFAULTS
    if not params:
        return s, capped(notices)

    surface = get("surface")
    if surface is not None:
        if surface in surfaces.names():
            s = replace(s, surface=surface, start=surfaces.get(surface).start)
        else:
            notices.append(f"Unknown surface {_q(surface)} in the link: showing {surfaces.get(s.surface).label}.")

    typed = get("f")
    if typed is not None:
        box, problem = parse_box(get("box")) if get("box") is not None else (None, None)
        if problem:
            notices.append(f"box={_q(get('box'))} in the link: {problem}. Finding a box around the lowest point.")
        try:
            custom = surfaces.custom(typed, box)
            s = replace(s, surface=custom.key, formula=custom.formula, box=box, start=custom.start)
        except surfaces.FormulaError as err:
            why = str(err) if len(str(err)) <= 160 else str(err)[:160] + "…"  # it may quote an uncut name
            notices.append(f"The formula f={_q(typed)} in the link: {why}. Showing {surfaces.get(s.surface).label}.")

    chosen = get("opt")
    if chosen is not None:
        known, unknown, dropped = _entries([k.strip() for k in chosen.split(",") if k.strip()])
        if unknown:
            notices.append(f"Unknown optimizer{'s' if len(unknown) > 1 else ''} {', '.join(map(_q, unknown[:5]))} "
                           f"in the link: ignored.")
        if dropped:
            notices.append(f"At most {MAX_TWINS} of one optimizer race at once: {', '.join(map(_q, dropped[:5]))} ignored.")
        s = replace(s, optimizers=tuple(known) if known else DEFAULTS.optimizers)
        if not known:
            notices.append("The link names no known optimizer: showing the default four.")

    start = list(s.start)
    for i, (name, (lo, hi)) in enumerate(zip("xy", start_limits(s.surface), strict=True)):
        text = get(name)
        if text is None:
            continue
        value = _number(text)
        if value is None or not _in_range(value, lo, hi):
            notices.append(f"Start {name}={_q(text)} in the link is not a usable number: using {num(start[i])}.")
        else:
            start[i] = value + 0.0  # "x=-0": 0
    s = replace(s, start=(start[0], start[1]))

    for name, kind, (lo, hi) in (("steps", int, STEPS), ("noise", float, NOISE), ("seed", int, (0, 2**31 - 1))):
        text = get(name)
        if text is None:
            continue
        value = _number(text, kind)
        if value is None or not _in_range(value, lo, hi):
            notices.append(f"{name}={_q(text)} in the link must be {'an integer' if kind is int else 'a number'} "
                           f"from {num(lo)} to {num(hi)}: "
                           f"using {num(getattr(s, name))}.")
        else:
            s = replace(s, **{name: value})

    view = get("view")
    if view is not None:
        if view in VIEWS:
            s = replace(s, view=view)
        else:
            notices.append(f"Unknown view {_q(view)} in the link: showing {s.view}.")

    for name in ("same_lr", "present"):
        if get(name) is not None:
            flag = parse_flag(get(name))
            if flag is None:
                notices.append(f"{name}={_q(get(name))} in the link is not on/off: ignored.")
            else:
                s = replace(s, **{name: flag})
    if get("lr") is not None:
        value = parse_hp(optimizers.get("adam").hyperparameter("lr"), get("lr"))
        if value is None:
            lo, hi = optimizers.get("adam").hyperparameter("lr").slider_range
            notices.append(f"lr={_q(get('lr'))} in the link is not a learning rate from {num(lo)} to {num(hi)}: ignored.")
        else:
            s = replace(s, shared_lr=value)

    schedules: dict = {}
    hps: dict = {k: dict(v) for k, v in DEFAULTS.hps.items()}
    for twin in s.optimizers:
        if twin != base_key(twin):
            hps[twin] = dict(DEFAULTS.hps.get(base_key(twin), {}))
    unknown = []
    for name, text in params.items():
        if "." not in name:
            if name not in _TOP_LEVEL:
                unknown.append(name)
            continue
        key, hp_name = name.split(".", 1)
        if hp_name == "schedule" and parse_instance(key) == key:
            if text in SCHEDULES:
                schedules[key] = text
            else:
                notices.append(f"{name}={_q(text)} in the link is not a schedule ({', '.join(SCHEDULES)}): constant α.")
            continue
        try:
            if parse_instance(key) != key or (key != base_key(key) and key not in s.optimizers):
                raise ValueError(key)
            hp = optimizers.get(base_key(key)).hyperparameter(hp_name)
        except ValueError:
            unknown.append(name)
            continue
        if not hp.ui:
            notices.append(f"{name}={_q(text)} in the link cannot be set here: {key} keeps {_q(hp.default)}.")
            continue
        value = link_hp(hp, name, text, notices, fallback=hps.get(key, {}).get(hp_name))
        if value is not None:
            hps.setdefault(key, {})[hp_name] = value
    notices += unknown_notice(unknown)
    s = replace(s, hps=hps, schedules={k: v for k, v in schedules.items() if v != "none"})
    morph = get("morph")
    if morph is not None:
        if morph in morph_choices(s):
            s = replace(s, morph=morph)
        else:
            notices.append(f"morph={_q(morph)} in the link is not a hyperparameter of an optimizer in the race: "
                           f"using {morph_label(s, morph_target(s))}.")
    problem = check(s)
    if problem:
        notices.append(problem + " Using defaults for that optimizer.")
        s = replace(s, hps={k: v for k, v in s.hps.items() if not _invalid(k, s)})
    return s, capped(notices)


def start_limits(surface_key: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where a start may be, for a link and for the x/y inputs alike: outside the plotted box, but not absurdly far."""
    (x0, x1), (y0, y1) = surfaces.get(surface_key).bounds
    return (x0 - 2 * (x1 - x0), x1 + 2 * (x1 - x0)), (y0 - 2 * (y1 - y0), y1 + 2 * (y1 - y0))


_TOP_LEVEL = {"surface", "opt", "x", "y", "steps", "noise", "seed", "view", "same_lr", "lr", "morph", "present", "f",
              "box"}


def parse_box(text: str) -> tuple[tuple | None, str | None]:
    """"x0,x1,y0,y1" -> ((x0, x1), (y0, y1)), or (None, what is wrong)."""
    parts = [_number(p.strip()) for p in str(text).split(",")]
    if len(parts) != 4 or any(p is None for p in parts):
        return None, "expected four numbers x0,x1,y0,y1"
    x0, x1, y0, y1 = parts
    if not (x0 < x1 and y0 < y1) or max(map(abs, parts)) > 1e6:
        return None, "each side must run from a smaller to a larger number, within ±10⁶"
    return ((x0, x1), (y0, y1)), None


def box_text(box) -> str:
    return ",".join(_fmt(v) for pair in box for v in pair)


def _entries(keys: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Race entries from a link's list: a name given twice is a second entry ("adam,adam" -> adam, adam:2)."""
    known: list[str] = []
    unknown, dropped = [], []
    for text in keys:
        entry = parse_instance(text)
        if entry is None:
            unknown.append(text)
            continue
        if entry in known:  # a repeated name: the next free number
            free = [f"{base_key(entry)}:{n}" for n in range(2, MAX_TWINS + 1) if f"{base_key(entry)}:{n}" not in known]
            if not free:
                dropped.append(text)
                continue
            entry = free[0]
        known.append(entry)
    return known, unknown, dropped


def add_twin(entries: tuple[str, ...], of: str) -> str | None:
    """The id of a new entry of the same optimizer as `of`, or None when it has MAX_TWINS already."""
    base = base_key(of)
    for n in range(1, MAX_TWINS + 1):
        twin = base if n == 1 else f"{base}:{n}"
        if twin not in entries:
            return twin
    return None


def morph_choices(s: Settings) -> list[str]:
    """What the chart's morph can sweep: every continuous hyperparameter of every entry, "auto" and "off"."""
    out = ["auto", "off"]
    for entry in s.optimizers:
        if optimizers.get(base_key(entry)).step is not None:
            continue  # L-BFGS: each stop is a whole run of many evaluations per step, too slow to preview 30 of
        out += [f"{entry}.{hp.name}" for hp in optimizers.get(base_key(entry)).hyperparameters
                if hp.ui and hp.is_number and not (hp.name == "lr" and s.same_lr)]
    return out


def morph_target(s: Settings) -> tuple[str, str] | None:
    """(entry, hyperparameter) the morph sweeps: "auto" is α of Adam if it races, else of the first entry."""
    if s.morph == "off" or not s.optimizers:
        return None
    if s.morph != "auto" and s.morph in morph_choices(s):
        entry, name = s.morph.split(".", 1)
        return entry, name
    if s.same_lr:
        return None  # one α for all: morphing one entry's α would break that promise
    movable = [e for e in s.optimizers if optimizers.get(base_key(e)).step is None]
    if not movable:
        return None
    return ("adam" if "adam" in movable else movable[0]), "lr"


def morph_label(s: Settings, target: tuple[str, str] | None) -> str:
    if target is None:
        return "no morph"
    entry, name = target
    return f"{entry_labels(s)[entry]} · {optimizers.get(base_key(entry)).hyperparameter(name).symbol}"


def entry_labels(s: Settings) -> dict[str, str]:
    """Each entry's label: the optimizer's, and for entries of one optimizer what sets them apart."""
    out = {}
    for entry in s.optimizers:
        base = base_key(entry)
        group = [e for e in s.optimizers if base_key(e) == base]
        label = optimizers.get(base).label
        if len(group) > 1:
            values = {e: s.hyperparameters(e) for e in group}
            differs = [hp for hp in optimizers.get(base).hyperparameters
                       if hp.ui and len({repr(values[e][hp.name]) for e in group}) > 1]
            parts = [_describe(hp, values[entry][hp.name]) for hp in differs]
            label = f"{label} ({', '.join(parts)})" if parts else f"{label} #{twin_number(entry)}"
        out[entry] = label
    return out


def _describe(hp: optimizers.Hyperparameter, value) -> str:
    if hp.is_flag:
        return f"{hp.symbol} {'on' if value else 'off'}"
    if not hp.is_number:
        return f"{hp.symbol}={_fmt(value)}"
    return f"{hp.symbol}={float(value):.4g}"


def _invalid(key: str, s: Settings) -> bool:
    try:
        optimizers.get(base_key(key)).resolve(**s.hyperparameters(key))
    except ValueError:
        return True
    return False


def check(s: Settings) -> str | None:
    """The first cross-parameter error the engine would raise for these settings, if any."""
    for key in s.optimizers:
        try:
            optimizers.get(base_key(key)).resolve(**s.hyperparameters(key))
        except ValueError as err:
            return f"{entry_labels(s)[key]}: {err}."
    return None


def to_query(s: Settings) -> dict[str, str]:
    """The URL form: only what differs from the defaults, so links stay short and readable."""
    q: dict[str, str] = {}
    d = DEFAULTS
    if s.formula:  # the formula itself travels: another server (or a restart) rebuilds the surface from it
        q["f"] = s.formula
        if s.box:
            q["box"] = box_text(s.box)
    elif s.surface != d.surface:
        q["surface"] = s.surface
    if s.optimizers != d.optimizers:
        q["opt"] = ",".join(s.optimizers)
    if s.start != surfaces.get(s.surface).start:
        q["x"], q["y"] = _fmt(s.start[0]), _fmt(s.start[1])
    for name in ("steps", "noise", "seed", "view"):
        if getattr(s, name) != getattr(d, name):
            q[name] = _fmt(getattr(s, name))
    if s.same_lr:
        q["same_lr"] = "1"
        q["lr"] = _fmt(s.shared_lr)
    for key in s.optimizers:
        defaults = optimizers.get(base_key(key)).defaults()
        baseline = {**defaults, **d.hps.get(base_key(key), {})}  # what a link without it implies
        for name, value in {**defaults, **s.hps.get(key, {})}.items():  # as hyperparameters()
            if value != baseline[name]:
                q[f"{key}.{name}"] = _fmt(value)
    for key in s.optimizers:
        if s.schedules.get(key, "none") != "none":
            q[f"{key}.schedule"] = s.schedules[key]
    if s.morph != d.morph:
        q["morph"] = s.morph
    if s.present:
        q["present"] = "1"
    return q


def _fmt(value) -> str:
    if value is None:  # a choice that torch spells None (LBFGS's line_search_fn)
        return "none"
    if isinstance(value, str):  # the view
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return f"{float(value) + 0.0:.10g}"  # + 0.0: -0.0 is spelled 0


def log_options(lo: float, hi: float, per_decade: int = 6, extra=()) -> list[float]:
    """Log-spaced slider stops from lo to hi, rounded to 2 significant digits, plus the given extras."""
    n = int(round(math.log10(hi / lo) * per_decade)) + 1
    grid = {float(f"{v:.2g}") for v in np.geomspace(lo, hi, n)}
    return sorted(grid | {float(v) for v in extra if lo <= v <= hi})


def log1m_options(lo: float, hi: float, extra=()) -> list[float]:
    """Stops for a decay near 1 (β₂, ρ): evenly spaced in log(1 − value)."""
    stops = [0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998, 0.999, 0.9995, 0.9998, 0.9999,
             0.99995, 0.99999]
    return sorted({v for v in stops if lo <= v <= hi} | {float(v) for v in extra if lo <= v <= hi})


def slider_step(hp: optimizers.Hyperparameter) -> float:
    """The step of a plain linear slider (ui/widgets.hp_widget): its values are lo + k·step."""
    lo, hi = hp.slider_range
    return 1 if hp.kind == "int" else 0.001 if hi - lo <= 1 else 0.01


def on_slider(hp: optimizers.Hyperparameter, value: float, extra=()):
    """The slider's own value nearest to `value`: a stop of a log slider (or one of `extra`, the stops a link
    added), a multiple of the step from the low end on a linear one, an integer on an int one."""
    lo, hi = hp.slider_range
    value = min(max(float(value), lo), hi)
    stops = slider_options(hp, extra=extra)
    if stops is not None:
        return min(stops, key=lambda v: abs(v - value))
    step = slider_step(hp)
    if hp.kind == "int":
        return int(round(value))
    digits = max(0, -math.floor(math.log10(step)))
    return min(max(round(lo + round((value - lo) / step) * step, digits), lo), hi) + 0.0  # + 0.0: never -0.0


def morph_stops(hp: optimizers.Hyperparameter, value: float, extra=()) -> list:
    """What the morph sweeps: a log slider's own stops; on a linear slider 41 values across its range, each put on
    the slider's grid, so the value a release keeps is one the slider shows (β₁ 0.2, not 0.1998)."""
    stops = slider_options(hp, extra=(value, *extra))
    if stops is not None:
        return stops
    lo, hi = hp.slider_range
    return sorted({on_slider(hp, v) for v in np.linspace(lo, hi, 41)} | {value})


def tidy_zero(value: float) -> float:
    """-0.0 as 0.0: a click on the map near 0 must not write "x=-0" into the start inputs and the link."""
    return value + 0.0


def slider_options(hp: optimizers.Hyperparameter, extra=()) -> list[float] | None:
    """Discrete stops for log-type sliders (None for a plain linear slider)."""
    lo, hi = hp.slider_range
    extra = (hp.default, *extra)
    if hp.scale == "log":
        return log_options(lo, hi, extra=extra)
    if hp.scale == "log1m":
        return log1m_options(lo, hi, extra=extra)
    return None
