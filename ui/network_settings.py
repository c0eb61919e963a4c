"""The network page's settings and their round trip through the URL. Pure Python: no Streamlit here.

As on the Playground, every value read from a link is validated; a bad one falls back to its default with a
notice that names it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import networks
import optimizers

from .settings import _fmt, _number, _q, capped, link_hp, num, unknown_notice

TASKS = ("regression", *networks.data.CLASSIFICATION)
TASK_LABELS = {"regression": "Regression, 10 inputs (the article's)", "moons": "Moons", "circles": "Circles",
               "spirals": "Spirals", "xor": "XOR"}
TARGETS = ("linear", "nonlinear")
ACTIVATIONS = ("none", "relu", "tanh")
BATCHES = (0, 8, 16, 32, 64, 128, 256)  # 0: the whole set every step
PLANES = ("shared", "own")  # one plane for every run, or each run's own
GOALS = (2, 10, 100)  # the target loss: the starting loss divided by this
# (low, high) of the numeric settings; links outside get a notice
RANGES = {"n": (20, 2000), "noise": (0.0, 1.0), "dseed": (0, 2**31 - 1), "width": (1, 64), "depth": (0, 3),
          "steps": (10, 2000), "seed": (0, 2**31 - 1)}
MAX_OPTIMIZERS = 6
ARTICLE_MODEL = {"width": 5, "depth": 1, "act": "none"}
CLASSIFIER_MODEL = {"width": 16, "depth": 2, "act": "tanh"}


@dataclass(frozen=True)
class NetSettings:
    task: str = "regression"
    target: str = "linear"  # the hidden map of the regression set
    n: int = 200
    noise: float = 0.1
    dseed: int = 0  # the data's seed
    width: int = 5
    depth: int = 1
    act: str = "none"
    optimizers: tuple[str, ...] = ("adam", "gd")
    steps: int = 100
    batch: int = 0
    seed: int = 0  # the initial parameters' seed (and the mini-batches')
    plane: str = "shared"
    goal: int = 2
    hps: dict = field(default_factory=dict)  # optimizer -> {hyperparameter: value} where it differs from torch's

    @property
    def classification(self) -> bool:
        return self.task != "regression"

    @property
    def loss(self) -> str:
        return "bce" if self.classification else "mse"

    def hyperparameters(self, key: str) -> dict:
        return {**optimizers.get(key).defaults(), **self.hps.get(key, {})}

    def model(self) -> networks.Sequential:
        return networks.mlp(2 if self.classification else 10, 1, self.width, self.depth,
                            None if self.act == "none" else self.act)

    def is_article(self) -> bool:
        return not self.classification and (self.width, self.depth, self.act) == (5, 1, "none")


DEFAULTS = NetSettings()
_CHOICES = {"task": TASKS, "target": TARGETS, "act": ACTIVATIONS, "plane": PLANES}
_INTS = {"n", "dseed", "width", "depth", "steps", "seed", "batch", "goal"}
TOP_LEVEL = {*_CHOICES, *RANGES, "batch", "goal", "opt"}


def from_query(params: Mapping[str, str]) -> tuple[NetSettings, list[str]]:
    notices: list[str] = []
    s = DEFAULTS
    task = params.get("task")
    if task in TASKS and task != "regression":  # a classification set brings its own model unless the link says
        s = replace(s, task=task, **CLASSIFIER_MODEL)
    for name, choices in _CHOICES.items():
        text = params.get(name)
        if text is not None and text not in choices:
            notices.append(f"Unknown {name} {_q(text)} in the link: showing {getattr(s, name)}.")
        elif text is not None:
            s = replace(s, **{name: text})
    for name, (lo, hi) in RANGES.items():
        text = params.get(name)
        if text is None:
            continue
        value = _number(text, int if name in _INTS else float)
        if value is None or not lo <= value <= hi:
            notices.append(f"{name}={_q(text)} in the link must be a number from {num(lo)} to {num(hi)}: "
                           f"using {num(getattr(s, name))}.")
        else:
            s = replace(s, **{name: value})
    for name, allowed in (("batch", BATCHES), ("goal", GOALS)):
        text = params.get(name)
        if text is not None:
            value = _number(text, int)
            if value not in allowed:
                notices.append(f"{name}={_q(text)} in the link must be one of {', '.join(map(str, allowed))}: "
                               f"using {getattr(s, name)}.")
            else:
                s = replace(s, **{name: value})
    chosen = params.get("opt")
    if chosen is not None:
        keys = list(dict.fromkeys(k.strip() for k in chosen.split(",") if k.strip()))
        known = [k for k in keys if k in networks.elementwise()]
        unknown = [k for k in keys if k not in networks.elementwise()]
        if unknown:
            notices.append(f"Unknown optimizer{'s' if len(unknown) > 1 else ''} {', '.join(map(_q, unknown[:5]))} "
                           f"in the link: ignored.")
        if len(known) > MAX_OPTIMIZERS:
            notices.append(f"At most {MAX_OPTIMIZERS} optimizers train at once: {', '.join(known[MAX_OPTIMIZERS:])} left out.")
            known = known[:MAX_OPTIMIZERS]
        if not known:
            notices.append("The link names no known optimizer: training Adam and SGD.")
        s = replace(s, optimizers=tuple(known) or DEFAULTS.optimizers)
    hps: dict = {}
    unknown = []
    for name, text in params.items():
        if "." not in name:
            if name not in TOP_LEVEL:
                unknown.append(name)
            continue
        key, hp_name = name.split(".", 1)
        try:
            hp = optimizers.get(key).hyperparameter(hp_name)
        except ValueError:
            unknown.append(name)
            continue
        if not hp.ui:
            unknown.append(name)
            continue
        value = link_hp(hp, name, text, notices)
        if value is not None:
            hps.setdefault(key, {})[hp_name] = value
    notices += unknown_notice(unknown)
    s = replace(s, hps=hps)
    for key in list(hps):
        problem = check(s, key)
        if problem:
            notices.append(problem + " Using torch's defaults for it.")
            s = replace(s, hps={k: v for k, v in s.hps.items() if k != key})
    return s, capped(notices)


def check(s: NetSettings, key: str) -> str | None:
    """The engine's own message when an optimizer's hyperparameters do not go together (nesterov needs momentum)."""
    try:
        optimizers.get(key).resolve(**s.hyperparameters(key))
    except ValueError as err:
        return f"{optimizers.get(key).label}: {err}."
    return None


def to_query(s: NetSettings) -> dict[str, str]:
    """Only what differs from the defaults (for a classification set: from its own model), so links stay short."""
    q: dict[str, str] = {}
    base = replace(DEFAULTS, task=s.task, **(CLASSIFIER_MODEL if s.classification else {}))
    for name in ("task", "target", "n", "noise", "dseed", "width", "depth", "act", "steps", "batch", "seed", "plane",
                 "goal"):
        if getattr(s, name) != getattr(base, name) or (name == "task" and s.task != DEFAULTS.task):
            q[name] = _fmt(getattr(s, name))
    if s.optimizers != DEFAULTS.optimizers:
        q["opt"] = ",".join(s.optimizers)
    for key, values in s.hps.items():  # every optimizer's changes, even one out of the race now: a link keeps them
        defaults = optimizers.get(key).defaults()
        for name, value in values.items():
            if value != defaults[name]:
                q[f"{key}.{name}"] = _fmt(value)
    return q
