"""How long does "When Adam fails" compute, before and after its runs were batched and cached?

    python benchmarks/bench_adam_fails.py            # about three minutes on an idle machine
    python benchmarks/bench_adam_fails.py --reps 5   # steadier medians on a busy machine
    python benchmarks/bench_adam_fails.py --page     # also the page's own reruns through AppTest (after only)

"before" is the page's former computation, copied below: per optimizer one engine call recorded at every step
(reddi.fig1), the drawn band and regret taken from it, in st.cache_data keyed on (α, periods, start, α/√t), so
every new value of any slider ran 2 × 101 000 (up to 202 000) steps. It runs on today's surfaces/online.py, whose
projection and gradient got cheaper in the same change (about 15% a step), so "before" is a little faster here than
it was. "after" is teaching.reddi.fig1_runs: one
batched call per optimizer over every α and start of the sliders, the points kept by a Tape (the engine records
start and end only, every=steps), only the drawn arrays cached; a shorter run is read from a longer one.

Each rep walks the same session: the first visit (Figure 1 at its defaults and Theorem 1, caches empty), then one
slider change at a time from there. The two contenders alternate within a rep (before, after, after, before, …)
so that load on the machine hits both alike; the table shows medians over the reps. Not a test: the numbers
depend on the machine and whatever else runs on it (the load average is printed).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import streamlit as st  # noqa: E402

import optimizers  # noqa: E402
from surfaces import online  # noqa: E402
from teaching import reddi  # noqa: E402
from teaching.figures import thin  # noqa: E402

logging.getLogger("streamlit").setLevel(logging.ERROR)  # st.cache_data outside a server: "no runtime" warnings

DEFAULT = (reddi.FIG1_LR, reddi.FIG1_PERIODS, reddi.FIG1_START, False)


# ------------------------------------------------------------------ before: the page's former computation


@st.cache_data(max_entries=32, show_spinner=False)
def old_fig1_runs(lr: float, periods: int, start: float, decay: bool = False) -> dict:
    out = {}
    for key in ("adam", "amsgrad"):
        traj = reddi.fig1(key, lr=lr, periods=periods, start=start, decay=decay)
        ends, mean, low, high = online.period_stats(online.FIG1, traj.path)
        regret = online.average_regret(online.FIG1, traj.path)
        keep = thin(len(regret), period=online.FIG1.period)
        out[key] = dict(ends=ends, mean=mean, low=low, high=high, regret_t=keep + 1, regret=regret[keep],
                        final=float(traj.path[-1, 0]), last_mean=float(mean[-1]))
    return out


@st.cache_data(max_entries=32, show_spinner=False)
def old_theorem1_runs(C: float, lr: float, steps: int) -> dict:
    out = {}
    problem = online.theorem1(C)
    for key in ("adam", "amsgrad"):
        traj = reddi.theorem1(key, C=C, lr=lr, steps=steps)
        regret = online.average_regret(problem, traj.path)
        keep = thin(len(traj.path))
        out[key] = dict(t=keep, x=traj.path[keep, 0], regret_t=np.arange(1, len(regret) + 1), regret=regret,
                        final=float(traj.path[-1, 0]))
    return out


class Before:
    name = "before"

    @staticmethod
    def clear():
        old_fig1_runs.clear()
        old_theorem1_runs.clear()

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
        return reddi.fig1_runs(float(lr), int(periods), float(start), bool(decay), progress=lambda f: None)

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
    """µs per step of one engine call on Figure 1's problem: the loop costs the same for one row as for twenty."""
    def one():
        optimizers.simulate("adam", online.FIG1, np.array([0.0]), steps, record="path", lr=0.02,
                            betas=reddi.FIG1_BETAS)

    def batch():
        reddi.fig1_paths("adam", reddi.FIG1_LRS, reddi.FIG1_STARTS, steps // online.FIG1.period)

    rows = len(reddi.FIG1_LRS) * len(reddi.FIG1_STARTS)
    out = []
    for label, f in (("1 row, every step recorded (before)", one), (f"{rows} rows, a Tape, every=steps (after)", batch)):
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            f()
            best = min(best, time.perf_counter() - t)
        out.append((label, best / steps * 1e6))
    return out


def page_times() -> list[tuple[str, float]]:
    """The page's reruns through AppTest (Streamlit and plotly included), with the caches emptied first."""
    from streamlit.testing.v1 import AppTest

    reddi.clear_cache()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    out = []
    t = time.perf_counter()
    at.switch_page("pages/when_adam_fails.py").run()
    out.append(("first visit", time.perf_counter() - t))
    for label, key, value in (("α → 0.05", "adam_fails.fig1.lr", 0.05), ("start → 0.5", "adam_fails.fig1.start", 0.5),
                              ("periods → 200", "adam_fails.fig1.periods", 200),
                              ("periods → 1000", "adam_fails.fig1.periods", 1000),
                              ("C → 10 (new value)", "adam_fails.thm1.C", 10.0)):
        t = time.perf_counter()
        at.select_slider(key=key).set_value(value).run()
        out.append((label, time.perf_counter() - t))
    t = time.perf_counter()
    at.toggle(key="adam_fails.fig1.decay").set_value(True).run()
    out.append(("α/√t on (new value)", time.perf_counter() - t))
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
    print(f"{'step':44s} {'before':>9s} {'after':>9s} {'ratio':>8s}")
    for i, (label, _) in enumerate(STEPS):
        b = statistics.median(r[i] for r in results["before"])
        a = statistics.median(r[i] for r in results["after"])
        ratio = f"{b / a:7.1f}×" if min(a, b) >= 0.01 else "  (hit)" if max(a, b) < 0.01 else "  ≫ 100×"
        print(f"{label:44s} {_s(b):>9s} {_s(a):>9s} {ratio:>8s}")
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
