"""Presets and runs for "When Adam fails": Reddi, Kale & Kumar 2018 on the engine's own Adam and AMSGrad.

The paper shrinks the step as αₜ = α/√t; the engine keeps α constant. A constant α is enough to show
the failure: Adam's iterate goes to +1 whatever α, AMSGrad's drifts to −1 at a speed ∝ α, and both
wobble inside each period by a few α (Figure 1's problem; the page states the measured range). α = 0.02 over 600
periods balances the two: AMSGrad arrives after about 50 000 steps and wobbles by about 0.1; 1000 periods (101 000 steps) leave
it there for the last 40% of the run (checked in tests/test_online.py).

What the page draws of Figure 1 costs 101 000–202 000 steps per optimizer, and a step costs the same for one
row as for twenty (the loop's cost is Python's, per step, not per row). So `fig1_runs` runs every α and every
start of the page's sliders as one batch per optimizer, keeps only what is drawn, and serves any later α, start
or shorter run (a shorter run is a prefix of a longer one) from that: only a longer run or the α/√t toggle
computes again. The drawn band and regret need every xₜ, but the runner need not keep them: the problem,
wrapped in a `Tape`, keeps the point it is asked each step's gradient at, and the runner records the start and
the end only (every=steps). The numbers are those of a run recorded at every step (tests/test_adam_fails.py).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import lru_cache

import numpy as np

import optimizers
from surfaces import online
from teaching.figures import thin

FIG1_LR = 0.02
FIG1_PERIODS = 1000  # 101 000 steps; a whole number of periods ends just before a large gradient
FIG1_START = 0.0
FIG1_BETAS = (0.9, 0.99)
# the page's slider stops: one batch runs all of α × start, and any shorter run is read from a longer one
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


# ------------------------------------------------------------------ Figure 1, batched and cached


class Tape:
    """An online problem that keeps every point it is asked a gradient at, and reports progress.

    The runner asks grad_at(xₜ, t) once per step t = 1..T at the iterate xₜ, so after a run `x[t − 1]` is
    path[t − 1] of the same run recorded at every step; `x[T]` is left for the final iterate. Only the points
    are stored (T + 1) × rows, none of the loss the runner would compute for a recorded path.
    """

    def __init__(self, problem: online.OnlineLinear, steps: int, rows: int, progress=None, report_every: int = 2048):
        self.problem, self.progress, self.report_every = problem, progress, report_every
        self.x = np.empty((steps + 1, rows, 1))

    def grad_at(self, x, t: int) -> np.ndarray:
        self.x[t - 1] = x  # the runner's probe of the surface (t = 1, one row) is overwritten by step 1
        if self.progress is not None and t % self.report_every == 0:
            self.progress(t)
        return self.problem.grad_at(x, t)

    def grad(self, x):
        return self.problem.grad(x)

    def value(self, x):
        return self.problem.value(x)

    def project(self, x):
        return self.problem.project(x)


def fig1_paths(key: str, lrs, starts, periods: int, decay: bool = False, progress=None) -> np.ndarray:
    """Every (α, start) pair of one optimizer on Figure 1's problem in one call: paths (len(lrs), len(starts), T + 1),
    path[..., t] = x after t steps, equal to fig1(key, α, periods, start, decay).path[:, 0] for each pair.
    progress(t) is called every 2048 steps."""
    steps = int(periods) * online.FIG1.period
    lrs, starts = np.asarray(lrs, dtype=float), np.asarray(starts, dtype=float)
    tape = Tape(online.FIG1, steps, lrs.size * starts.size, progress)
    rows_lr, rows_start = np.repeat(lrs, starts.size), np.tile(starts, lrs.size)  # row i·S + j: (lrs[i], starts[j])
    traj = optimizers.simulate(key, tape, rows_start[:, None], steps, record="path", every=steps, lr=rows_lr,
                               betas=FIG1_BETAS, lr_schedule=_schedule(decay))
    tape.x[steps] = traj.path[:, -1, :]
    return tape.x[:, :, 0].T.reshape(lrs.size, starts.size, steps + 1)


def summarize(path: np.ndarray, choices) -> dict:
    """What the page draws of one Figure 1 run (path: x after 0..T steps), for every run length in `choices`
    (periods, each ≤ T/101): the per-period band in full (a shorter run's is its first periods), and per length
    the final x and the average regret thinned as drawn."""
    path = np.ascontiguousarray(path, dtype=float).reshape(-1, 1)
    ends, mean, low, high = online.period_stats(online.FIG1, path)
    regret = online.average_regret(online.FIG1, path)
    finals, drawn = {}, {}
    for p in choices:
        steps = int(p) * online.FIG1.period
        keep = thin(steps, period=online.FIG1.period)
        finals[int(p)] = float(path[steps, 0])
        drawn[int(p)] = (keep + 1, regret[keep])
    return dict(ends=ends, mean=mean, low=low, high=high, finals=finals, regret=drawn)


def _frozen(arr):
    arr.flags.writeable = False  # shared by every session: no caller may change what another sees
    return arr


class _Grid:
    """One batch's drawn results: per optimizer, per (α, start), summarize()'s dict; `periods` is its run length."""

    def __init__(self, periods: int, choices: tuple, runs: dict):
        self.periods, self.choices, self.runs = periods, choices, runs

    def covers(self, periods: int) -> bool:
        return periods in self.choices


_GRIDS: OrderedDict = OrderedDict()  # (lrs, starts, decay) -> _Grid, most recently used last
_GRIDS_MAX = 4
_LOCK = threading.Lock()
_COMPUTING: dict = {}  # (lrs, starts, decay) -> a lock held while that batch runs
_DONE: dict = {}  # (lrs, starts, decay) -> how far its batch has run, in [0, 1], for sessions that wait for it


def _grid_key(lr: float, start: float, decay: bool) -> tuple:
    lrs = FIG1_LRS if lr in FIG1_LRS else (float(lr),)
    starts = FIG1_STARTS if start in FIG1_STARTS else (float(start),)
    return lrs, starts, bool(decay)


def _cached(key: tuple, periods: int):
    with _LOCK:
        grid = _GRIDS.get(key)
        if grid is not None and grid.covers(periods):
            _GRIDS.move_to_end(key)
            return grid
    return None


def fig1_ready(lr: float, periods: int, start: float, decay: bool = False) -> bool:
    """Whether fig1_runs(lr, periods, start, decay) answers from the cache, without running anything."""
    return _cached(_grid_key(lr, start, decay), int(periods)) is not None


def fig1_runs(lr: float, periods: int, start: float, decay: bool = False, progress=None) -> dict:
    """Per optimizer ("adam", "amsgrad"): the per-period band of xₜ (ends, mean, low, high), the thinned average
    regret (regret_t, regret) and the final iterate (final), as read-only arrays shared by every session.

    On a miss both optimizers run for every α and start of the sliders (two batched calls); progress(f), f in
    [0, 1], reports how far. A longer run than any cached one, or the other α/√t setting, runs anew."""
    periods = int(periods)
    key = _grid_key(float(lr), float(start), decay)
    grid = _cached(key, periods)
    if grid is None:
        with _LOCK:
            computing = _COMPUTING.setdefault(key, threading.Lock())
        while not computing.acquire(timeout=0.25):  # another session runs this batch: wait, showing how far
            if progress is not None:
                progress(_DONE.get(key, 0.0))
        try:
            grid = _cached(key, periods)
            if grid is None:
                grid = _compute(key, periods, progress)
        finally:
            computing.release()
    i, j = key[0].index(float(lr)), key[1].index(float(start))
    out = {}
    for name in KEYS:
        s = grid.runs[name][i][j]
        n = periods
        regret_t, regret = s["regret"][periods]
        out[name] = dict(ends=s["ends"][:n], mean=s["mean"][:n], low=s["low"][:n], high=s["high"][:n],
                         regret_t=regret_t, regret=regret, final=s["finals"][periods], last_mean=float(s["mean"][n - 1]))
    return out


def _compute(key: tuple, periods: int, progress) -> _Grid:
    lrs, starts, decay = key
    with _LOCK:
        old = _GRIDS.get(key)
    length = max(periods, old.periods if old is not None else 0)
    choices = tuple(sorted({p for p in FIG1_PERIOD_CHOICES if p <= length} | {periods}
                           | (set(old.choices) if old is not None else set())))
    steps = length * online.FIG1.period
    runs = {}

    def report(fraction):
        _DONE[key] = fraction
        if progress is not None:
            progress(fraction)

    for k, name in enumerate(KEYS):
        paths = fig1_paths(name, lrs, starts, length, decay, lambda t, k=k: report((k * steps + t) / (len(KEYS) * steps)))
        runs[name] = [[_freeze_summary(summarize(paths[i, j], choices)) for j in range(len(starts))]
                      for i in range(len(lrs))]
        del paths
    report(1.0)
    grid = _Grid(length, choices, runs)
    with _LOCK:
        _GRIDS[key] = grid
        _GRIDS.move_to_end(key)
        while len(_GRIDS) > _GRIDS_MAX:
            _GRIDS.popitem(last=False)
    return grid


def _freeze_summary(s: dict) -> dict:
    for name in ("ends", "mean", "low", "high"):
        _frozen(s[name])
    for t, r in s["regret"].values():
        _frozen(t), _frozen(r)
    return s


def clear_cache() -> None:
    """Forget every cached Figure 1 batch and Theorem 1 run (benchmarks time cold runs with it)."""
    with _LOCK:
        _GRIDS.clear()
    theorem1_runs.cache_clear()


# ------------------------------------------------------------------ Theorem 1


@lru_cache(maxsize=16)
def theorem1_runs(C: float, lr: float = THEOREM1_LR, steps: int = THEOREM1_STEPS) -> dict:
    """Adam and AMSGrad on Theorem 1's problem in one call (rows split by the amsgrad flag): per optimizer the
    thinned xₜ (t, x), the average regret at every step (regret_t, regret) and the final x. Read-only arrays."""
    problem = online.theorem1(float(C))
    traj = optimizers.simulate("adam", problem, np.zeros(1), int(steps), record="path", lr=float(lr),
                               betas=(0.0, online.theorem1_beta2(float(C))), amsgrad=np.array([False, True]))
    out = {}
    for row, name in enumerate(KEYS):
        path = np.ascontiguousarray(traj.path[row])
        regret = online.average_regret(problem, path)
        keep = thin(len(path))
        out[name] = dict(t=_frozen(keep), x=_frozen(path[keep, 0]), regret_t=_frozen(np.arange(1, len(regret) + 1)),
                         regret=_frozen(regret), final=float(path[-1, 0]))
    return out
