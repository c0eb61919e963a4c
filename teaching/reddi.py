"""Presets and runs for "When Adam fails": Reddi, Kale & Kumar 2018 on the engine's own Adam and AMSGrad.

The paper shrinks the step as αₜ = α/√t; the engine keeps α constant. A constant α is enough to show
the failure: Adam's iterate goes to +1 whatever α, AMSGrad's drifts to −1 at a speed ∝ α, and both
wobble inside each period by a few α (Figure 1's problem; the page states the measured range). α = 0.02 over 600
periods balances the two: AMSGrad arrives after about 50 000 steps and wobbles by about 0.1; 1000 periods (101 000 steps) leave
it there for the last 40% of the run (checked in tests/test_online.py).

Figure 1's runs take 101 000–202 000 steps per optimizer, about 20 µs a step in the engine's loop: 4–8 s for the
pair. `fig1_path` gets the same numbers, element for element, in a few tens of milliseconds, because almost all of
the engine's work per step is independent of x here: the gradient of fₜ(x) = cₜ·x is cₜ wherever x is, so m, v,
AMSGrad's max of v and the bias corrections form one sequence per optimizer, the same for every α, start and α/√t
setting, and x itself is a clipped cumulative sum of the steps. teaching/online_scan.py computes both with the
engine's floating-point operations in the engine's order (its docstring says how), and Theorem 1's runs the same
way; tests/test_adam_fails.py compares every xₜ with optimizers.simulate recorded at every step, for both
optimizers with and without α/√t. `run`, `fig1` and `theorem1` still call the engine, for those comparisons.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import lru_cache

import numpy as np

import optimizers
from surfaces import online
from teaching import online_scan
from teaching.figures import thin

FIG1_LR = 0.02
FIG1_PERIODS = 1000  # 101 000 steps; a whole number of periods ends just before a large gradient
FIG1_START = 0.0
FIG1_BETAS = (0.9, 0.99)
# the page's slider stops
FIG1_LRS = (0.005, 0.01, 0.02, 0.05)
FIG1_PERIOD_CHOICES = (100, 200, 400, 600, 1000, 2000)
FIG1_STARTS = (-1.0, -0.5, 0.0, 0.5, 1.0)

THEOREM1_LR = 0.01
THEOREM1_STEPS = 3000  # 1000 periods of 3
THEOREM1_C = 3.0
THEOREM1_CS = (2.5, 3.0, 4.0, 5.0, 10.0, 20.0)

KEYS = ("adam", "amsgrad")


def _schedule(decay: bool):
    return {"name": "InverseSqrt"} if decay else None


def run(key: str, problem: online.OnlineLinear, *, lr: float, steps: int, start: float, betas,
        decay: bool = False) -> optimizers.Trajectory:
    """One run of `key` ("adam" or "amsgrad") on the online problem, every step recorded (positions only).
    decay=True: αₜ = α/√t, the step size of the paper's analysis (torch: LambdaLR(lambda t: 1/√(t + 1)))."""
    return optimizers.simulate(key, problem, np.array([float(start)]), int(steps), record="path", lr=float(lr),
                               betas=tuple(float(b) for b in betas), lr_schedule=_schedule(decay))


def fig1(key: str, lr: float = FIG1_LR, periods: int = FIG1_PERIODS, start: float = FIG1_START,
         decay: bool = False) -> optimizers.Trajectory:
    return run(key, online.FIG1, lr=lr, steps=periods * online.FIG1.period, start=start, betas=FIG1_BETAS, decay=decay)


def theorem1(key: str, C: float = THEOREM1_C, lr: float = THEOREM1_LR, steps: int = THEOREM1_STEPS,
             start: float = 0.0) -> optimizers.Trajectory:
    return run(key, online.theorem1(C), lr=lr, steps=steps, start=start, betas=(0.0, online.theorem1_beta2(C)))


# ------------------------------------------------------------------ Figure 1, fast and cached


def fig1_path(key: str, lr: float = FIG1_LR, periods: int = FIG1_PERIODS, start: float = FIG1_START,
              decay: bool = False) -> np.ndarray:
    """x after 0..T steps, equal element for element to fig1(key, lr, periods, start, decay).path[:, 0] (see the
    module's docstring for why), in milliseconds instead of seconds."""
    return online_scan.adam_path(key, online.FIG1, float(start), int(periods) * online.FIG1.period, lr=float(lr),
                                 betas=FIG1_BETAS, decay=bool(decay))


def summarize(path: np.ndarray, periods: int) -> dict:
    """What the page draws of one Figure 1 run (path: x after 0..T steps, T = periods·101): the band of xₜ per period
    (ends, mean, low, high), the average regret thinned as drawn (regret_t, regret), the final x, as read-only arrays."""
    path = np.ascontiguousarray(path[: int(periods) * online.FIG1.period + 1], dtype=float).reshape(-1, 1)
    ends, mean, low, high = online.period_stats(online.FIG1, path)
    regret = online.average_regret(online.FIG1, path)
    keep = thin(len(regret), period=online.FIG1.period)
    return dict(ends=_frozen(ends), mean=_frozen(mean), low=_frozen(low), high=_frozen(high),
                regret_t=_frozen(keep + 1), regret=_frozen(regret[keep]), final=float(path[-1, 0]),
                last_mean=float(mean[-1]))


def _frozen(arr):
    arr.flags.writeable = False  # shared by every session: no caller may change what another sees
    return arr


_RUNS: OrderedDict = OrderedDict()  # (lr, periods, start, decay) -> fig1_runs' answer, most recently used last
_RUNS_MAX = 64  # about 0.2 MB each at 2000 periods
_LOCK = threading.Lock()


def _args(lr, periods, start, decay) -> tuple:
    return float(lr), int(periods), float(start), bool(decay)


def fig1_ready(lr: float, periods: int, start: float, decay: bool = False) -> bool:
    """Whether fig1_runs(lr, periods, start, decay) answers from the cache, without running anything."""
    with _LOCK:
        return _args(lr, periods, start, decay) in _RUNS


def fig1_runs(lr: float, periods: int, start: float, decay: bool = False) -> dict:
    """Per optimizer ("adam", "amsgrad"): summarize() of its Figure 1 run, shared by every session (read-only).
    A miss costs about 0.1 s at 2000 periods (two fig1_path calls); two sessions asking at once may both run it."""
    args = _args(lr, periods, start, decay)
    with _LOCK:
        out = _RUNS.get(args)
        if out is not None:
            _RUNS.move_to_end(args)
            return out
    out = {name: summarize(fig1_path(name, *args), args[1]) for name in KEYS}
    with _LOCK:
        _RUNS[args] = out
        while len(_RUNS) > _RUNS_MAX:
            _RUNS.popitem(last=False)
    return out


def signed(x: float, digits: int = 3) -> str:
    """x with its sign and a typographic minus, as the page's prose writes it: +0.187, −0.915, −1."""
    return f"{x:+.{digits}f}".replace("-", "−") if digits else f"{x:g}".replace("-", "−")


def fig1_ending(run: dict, start: float) -> str:
    """Where one Figure 1 run ends (run: an entry of fig1_runs), in words, from its measured numbers only:
    its final x, whether that is +1 (the worst point) or its last period's band reaches −1 (the best), and
    otherwise which way it moved from x₁ and on which side of 0 it ends."""
    final, x = float(run["final"]), signed(float(run["final"]))
    if x == "+1.000":
        return f"at x = {x}, the worst point"
    if float(run["low"][-1]) <= -1.0:
        return f"at x = {x}, the top of its wobble at −1, the best point"
    moved = final - float(start)
    way = "up from" if moved > 5e-4 else "down from" if moved < -5e-4 else "still at"
    side = ("on the wrong side (x > 0)" if x.startswith("+") and x != "+0.000" else
            "on the good side (x < 0)" if x.startswith("−") and x != "−0.000" else "at about 0")
    return f"at x = {x}, {way} x₁ = {signed(float(start), 0)}, {side}"


def fig1_theory(decay: bool) -> str:
    """What the theory says of Figure 1's runs for the step size on screen: constant α or αₜ = α/√t."""
    if not decay:
        return "With a constant α, as here, Adam is driven to +1, the worst point, and AMSGrad towards −1."
    return ("With αₜ = α/√t, as here, Adam is still pushed up, towards +1, and AMSGrad down, towards −1, but the steps "
            "shrink so fast (the distance covered grows only like √t) that within a run neither may get far.")


def fig1_measured(runs: dict, start: float) -> str:
    """Where each run of `runs` (fig1_runs' answer, from x₁ = start) ends, measured."""
    return (f"In this run Adam ends {fig1_ending(runs['adam'], start)}; AMSGrad ends "
            f"{fig1_ending(runs['amsgrad'], start)}.")


def clear_cache() -> None:
    """Forget every cached Figure 1 run, the moments behind them and Theorem 1's runs (benchmarks time cold runs)."""
    with _LOCK:
        _RUNS.clear()
    online_scan.clear_cache()
    theorem1_runs.cache_clear()


# ------------------------------------------------------------------ Theorem 1


@lru_cache(maxsize=16)
def theorem1_runs(C: float, lr: float = THEOREM1_LR, steps: int = THEOREM1_STEPS) -> dict:
    """Adam and AMSGrad on Theorem 1's problem from x = 0 (theorem1's runs, by the fast path as Figure 1's): per
    optimizer the thinned xₜ (t, x), the average regret at every step (regret_t, regret) and the final x. Read-only."""
    problem = online.theorem1(float(C))
    out = {}
    for name in KEYS:
        path = online_scan.adam_path(name, problem, 0.0, int(steps), lr=float(lr),
                                     betas=(0.0, online.theorem1_beta2(float(C))))[:, None]
        regret = online.average_regret(problem, path)
        keep = thin(len(path))
        out[name] = dict(t=_frozen(keep), x=_frozen(path[keep, 0]), regret_t=_frozen(np.arange(1, len(regret) + 1)),
                         regret=_frozen(regret), final=float(path[-1, 0]))
    return out
