"""How long does "When Adam fails" compute, before and after Figure 1 left the engine's step loop?

    python benchmarks/bench_adam_fails.py            # about two minutes on an idle machine
    python benchmarks/bench_adam_fails.py --reps 5   # steadier medians on a busy machine
    python benchmarks/bench_adam_fails.py --page     # also the page's own reruns through AppTest (after only)

"before" is the page's former computation, copied below: per optimizer one engine call (optimizers.simulate, ~20 µs
a step) over every α × start of the sliders (20 rows), the points kept by a Tape, the drawn arrays cached per
(α's, starts, α/√t) batch; a shorter run was read from a longer one, so an α or start change was free, while the
α/√t toggle and a longer run cost 2 × 101 000–202 000 engine steps. "after" is teaching.reddi.fig1_runs: per
optimizer one fast path (teaching/online_scan.py: the moments once, then a clipped cumulative sum on Python floats)
for the setting asked, bit for bit the engine's run, cached per setting. Theorem 1's 2 × 3000 steps went the same
way (before: one engine call for both optimizers). The benchmark checks that both give the same arrays.

Each rep walks the same session from empty caches: the first visit (Figure 1 at its defaults and Theorem 1), then
one slider change at a time from there, each the first time its value is asked unless marked "seen before". The two
contenders alternate within a rep (before, after, after, before, …) so that load on the machine hits both alike; the
table shows medians over the reps. Not a test: the numbers depend on the machine and whatever else runs on it (the
load average is printed).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import optimizers  # noqa: E402
from surfaces import online  # noqa: E402
from teaching import online_scan, reddi  # noqa: E402
from teaching.figures import thin  # noqa: E402

DEFAULT = (reddi.FIG1_LR, reddi.FIG1_PERIODS, reddi.FIG1_START, False)
P = online.FIG1.period


# ------------------------------------------------------------------ before: the engine's loop, one batch per optimizer


class Tape:
    """The online problem, keeping every point the runner asks a gradient at (x after 0..T − 1 steps)."""

    def __init__(self, problem, steps: int, rows: int):
        self.problem, self.x = problem, np.empty((steps + 1, rows, 1))

    def grad_at(self, x, t: int):
        self.x[t - 1] = x
        return self.problem.grad_at(x, t)

    def grad(self, x):
        return self.problem.grad(x)

    def value(self, x):
        return self.problem.value(x)

    def project(self, x):
        return self.problem.project(x)


def old_fig1_paths(key: str, lrs, starts, periods: int, decay: bool = False) -> np.ndarray:
    """(len(lrs), len(starts), T + 1): every (α, start) of one optimizer in one engine call, recorded by the Tape."""
    steps = int(periods) * P
    lrs, starts = np.asarray(lrs, dtype=float), np.asarray(starts, dtype=float)
    tape = Tape(online.FIG1, steps, lrs.size * starts.size)
    traj = optimizers.simulate(key, tape, np.tile(starts, lrs.size)[:, None], steps, record="path", every=steps,
                               lr=np.repeat(lrs, starts.size), betas=reddi.FIG1_BETAS,
                               lr_schedule={"name": "InverseSqrt"} if decay else None)
    tape.x[steps] = traj.path[:, -1, :]
    return tape.x[:, :, 0].T.reshape(lrs.size, starts.size, steps + 1)


def old_summarize(path: np.ndarray, choices) -> dict:
    path = np.ascontiguousarray(path, dtype=float).reshape(-1, 1)
    ends, mean, low, high = online.period_stats(online.FIG1, path)
    regret = online.average_regret(online.FIG1, path)
    finals, drawn = {}, {}
    for p in choices:
        keep = thin(int(p) * P, period=P)
        finals[int(p)] = float(path[int(p) * P, 0])
        drawn[int(p)] = (keep + 1, regret[keep])
    return dict(ends=ends, mean=mean, low=low, high=high, finals=finals, regret=drawn)


_OLD_GRIDS: dict = {}  # (lrs, starts, decay) -> (length, choices, runs)


def old_fig1_runs(lr: float, periods: int, start: float, decay: bool = False) -> dict:
    lrs = reddi.FIG1_LRS if lr in reddi.FIG1_LRS else (float(lr),)
    starts = reddi.FIG1_STARTS if start in reddi.FIG1_STARTS else (float(start),)
    key = (lrs, starts, bool(decay))
    grid = _OLD_GRIDS.get(key)
    if grid is None or periods not in grid[1]:
        length = max(periods, grid[0] if grid is not None else 0)
        choices = tuple(sorted({p for p in reddi.FIG1_PERIOD_CHOICES if p <= length} | {periods}
                               | (set(grid[1]) if grid is not None else set())))
        runs = {}
        for name in reddi.KEYS:
            paths = old_fig1_paths(name, lrs, starts, length, decay)
            runs[name] = [[old_summarize(paths[i, j], choices) for j in range(len(starts))] for i in range(len(lrs))]
        grid = _OLD_GRIDS[key] = (length, choices, runs)
    i, j = lrs.index(float(lr)), starts.index(float(start))
    out = {}
    for name in reddi.KEYS:
        s = grid[2][name][i][j]
        regret_t, regret = s["regret"][periods]
        out[name] = dict(ends=s["ends"][:periods], mean=s["mean"][:periods], low=s["low"][:periods],
                         high=s["high"][:periods], regret_t=regret_t, regret=regret, final=s["finals"][periods])
    return out


@lru_cache(maxsize=16)
def old_theorem1_runs(C: float, lr: float, steps: int) -> dict:
    """Adam and AMSGrad on Theorem 1's problem in one engine call (rows split by the amsgrad flag)."""
    problem = online.theorem1(float(C))
    traj = optimizers.simulate("adam", problem, np.zeros(1), int(steps), record="path", lr=float(lr),
                               betas=(0.0, online.theorem1_beta2(float(C))), amsgrad=np.array([False, True]))
    out = {}
    for row, name in enumerate(reddi.KEYS):
        path = np.ascontiguousarray(traj.path[row])
        regret = online.average_regret(problem, path)
        keep = thin(len(path))
        out[name] = dict(t=keep, x=path[keep, 0], regret_t=np.arange(1, len(regret) + 1), regret=regret,
                         final=float(path[-1, 0]))
    return out


class Before:
    name = "before"

    @staticmethod
    def clear():
        _OLD_GRIDS.clear()
        old_theorem1_runs.cache_clear()

    @staticmethod
    def fig1(lr, periods, start, decay):
        return old_fig1_runs(float(lr), int(periods), float(start), bool(decay))

    @staticmethod
    def thm1(C):
        return old_theorem1_runs(float(C), reddi.THEOREM1_LR, reddi.THEOREM1_STEPS)


class After:
    name = "after"

    @staticmethod
    def clear():
        reddi.clear_cache()

    @staticmethod
    def fig1(lr, periods, start, decay):
        return reddi.fig1_runs(float(lr), int(periods), float(start), bool(decay))

    @staticmethod
    def thm1(C):
        return reddi.theorem1_runs(float(C), reddi.THEOREM1_LR, reddi.THEOREM1_STEPS)


def with_(state, **change):
    lr, periods, start, decay = state
    out = dict(lr=lr, periods=periods, start=start, decay=decay)
    out.update(change)
    return out["lr"], out["periods"], out["start"], out["decay"]


# Each step of a session: (label, what it does). A change starts from the defaults; "back" returns to them.
STEPS = (
    ("first visit: Figure 1 + Theorem 1", lambda c: (c.clear(), c.fig1(*DEFAULT), c.thm1(reddi.THEOREM1_C))),
    ("α 0.02 → 0.05 (new value)", lambda c: c.fig1(*with_(DEFAULT, lr=0.05))),
    ("start 0 → 0.5 (new value)", lambda c: c.fig1(*with_(DEFAULT, start=0.5))),
    ("periods 1000 → 200 (new value)", lambda c: c.fig1(*with_(DEFAULT, periods=200))),
    ("back to α 0.02 (a value seen before)", lambda c: c.fig1(*DEFAULT)),
    ("α/√t on (new value)", lambda c: c.fig1(*with_(DEFAULT, decay=True))),
    ("periods → 2000 (new value, longest run)", lambda c: c.fig1(*with_(DEFAULT, periods=2000))),
    ("α/√t on at 2000 periods (new value)", lambda c: c.fig1(*with_(DEFAULT, periods=2000, decay=True))),
    ("C 3 → 10 (Theorem 1, new value)", lambda c: c.thm1(10.0)),
    ("back to C 3 (a value seen before)", lambda c: c.thm1(reddi.THEOREM1_C)),
)


def session(contender) -> list[float]:
    times = []
    for _, step in STEPS:
        t = time.perf_counter()
        step(contender)
        times.append(time.perf_counter() - t)
    return times


def per_step_costs(steps: int = 20_200) -> list[tuple[str, float]]:
    """µs per step on Figure 1's problem (Adam): the engine's loop costs the same for one row as for twenty."""
    rows = len(reddi.FIG1_LRS) * len(reddi.FIG1_STARTS)

    def one():
        optimizers.simulate("adam", online.FIG1, np.array([0.0]), steps, record="path", lr=0.02, betas=reddi.FIG1_BETAS)

    def batch():
        old_fig1_paths("adam", reddi.FIG1_LRS, reddi.FIG1_STARTS, steps // P)

    def fast():
        online_scan.clear_cache()
        reddi.fig1_path("adam", 0.02, steps // P, 0.0)

    out = []
    for label, f in (("engine, 1 row, every step recorded", one), (f"engine, {rows} rows, a Tape (before)", batch),
                     ("online_scan, 1 row, moments included (after)", fast)):
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            f()
            best = min(best, time.perf_counter() - t)
        out.append((label, best / steps * 1e6))
    return out


def same_numbers() -> bool:
    """Whether before and after give the same arrays, bit for bit, at every setting of the session."""
    settings = [DEFAULT, with_(DEFAULT, lr=0.05), with_(DEFAULT, start=0.5), with_(DEFAULT, periods=200),
                with_(DEFAULT, decay=True), with_(DEFAULT, periods=2000), with_(DEFAULT, periods=2000, decay=True)]
    for s in settings:
        old, new = Before.fig1(*s), After.fig1(*s)
        for name in reddi.KEYS:
            for k, v in old[name].items():
                if not np.array_equal(v, new[name][k]):
                    print(f"  differs: {s} {name} {k}")
                    return False
    for C in (reddi.THEOREM1_C, 10.0):
        old, new = Before.thm1(C), After.thm1(C)
        if not all(np.array_equal(v, new[name][k]) for name in reddi.KEYS for k, v in old[name].items()):
            print(f"  differs: Theorem 1, C = {C}")
            return False
    return True


def page_times() -> list[tuple[str, float]]:
    """The page's reruns through AppTest (Streamlit and plotly included), with the caches emptied first."""
    from streamlit.testing.v1 import AppTest

    for name in list(logging.root.manager.loggerDict):  # "missing ScriptRunContext" and the like, outside a server
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)
    reddi.clear_cache()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    out = []
    t = time.perf_counter()
    at.switch_page("pages/when_adam_fails.py").run()
    out.append(("first visit", time.perf_counter() - t))
    for label, key, value in (("α → 0.05 (new)", "adam_fails.fig1.lr", 0.05), ("start → 0.5 (new)", "adam_fails.fig1.start", 0.5),
                              ("periods → 200 (new)", "adam_fails.fig1.periods", 200),
                              ("periods → 1000 (seen before)", "adam_fails.fig1.periods", 1000),
                              ("periods → 2000 (new)", "adam_fails.fig1.periods", 2000),
                              ("C → 10 (new)", "adam_fails.thm1.C", 10.0)):
        t = time.perf_counter()
        at.select_slider(key=key).set_value(value).run()
        out.append((label, time.perf_counter() - t))
    for label, value in (("α/√t on at 2000 periods (new)", True), ("α/√t off (seen before)", False)):
        t = time.perf_counter()
        at.toggle(key="adam_fails.fig1.decay").set_value(value).run()
        out.append((label, time.perf_counter() - t))
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    return out


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 0.01 else f"{seconds * 1e3:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--page", action="store_true", help="also time the page's reruns through AppTest (after)")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}  ({os.cpu_count()} CPUs)")
    contenders = (Before, After)
    results = {c.name: [] for c in contenders}
    for rep in range(args.reps + 1):  # rep 0 warms up (imports, first allocations) and is not counted
        order = contenders if rep % 2 else contenders[::-1]
        for c in order:
            times = session(c)
            if rep:
                results[c.name].append(times)
    print(f"\nmedians over {args.reps} reps\n")
    print(f"{'step':46s} {'before':>9s} {'after':>9s} {'ratio':>8s}")
    for i, (label, _) in enumerate(STEPS):
        b = statistics.median(r[i] for r in results["before"])
        a = statistics.median(r[i] for r in results["after"])
        ratio = "  (hits)" if max(a, b) < 1e-3 else "(was hit)" if b < 1e-3 else f"{b / a:7.0f}×"
        print(f"{label:46s} {_s(b):>9s} {_s(a):>9s} {ratio:>8s}")
    print(f"\nthe same numbers, bit for bit: {'yes' if same_numbers() else 'NO'}")
    print("\nµs per step, best of 3 (Figure 1's problem, Adam)")
    for label, us in per_step_costs():
        print(f"  {label:44s} {us:6.1f}")
    if args.page:
        print("\nthe page through AppTest (after), seconds")
        for label, seconds in page_times():
            print(f"  {label:44s} {seconds:6.2f}")
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
