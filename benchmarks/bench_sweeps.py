"""How fast are the Sweeps page's batched runs, and what do they hold? One run, medians and ratios.

    python benchmarks/bench_sweeps.py            # about a minute; the torch column when torch imports
    python benchmarks/bench_sweeps.py --reps 5

Targets (2-core machine): a 64 × 64 grid × 500 steps of Adam on Rosenbrock ≤ 1 s; 128 × 128 × 1000 ≤ 8 s; a
256 × 256 basin map × 500 steps ≤ 5 s; memory ≤ 1 GB. The torch line runs a sample of the 64 × 64 grid's cells one
trajectory at a time (torch.optim.Adam on a (2,) float64 tensor, 1 thread), as a per-run loop would, and
extrapolates to the whole grid.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import table, timings  # noqa: E402

import surfaces  # noqa: E402
import sweeps  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

ROSEN = surfaces.get("rosenbrock")
START = (-1.5, 2.0)


def grid(n, steps):
    return sweeps.grid("adam", ROSEN, START, steps, x=("lr", sweeps.axis("adam", "lr", n)),
                       y=("beta2", sweeps.axis("adam", "beta2", n)))


def basins(n, steps):
    return sweeps.basins("momentum", surfaces.get("himmelblau"), n, steps, {"lr": 0.01})


def peak_bytes(fn) -> int:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def torch_cells(cells, steps):
    """Each (lr, beta2) cell as its own torch run: what a per-trajectory loop costs."""
    for lr, b2 in cells:
        p = torch.tensor(START, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.Adam([p], lr=float(lr), betas=(0.9, float(b2)))
        for _ in range(steps):
            with torch.no_grad():
                x, y = p[0], p[1]
                p.grad = torch.stack((-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)))
            opt.step()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    if torch is not None:
        torch.set_num_threads(1)
    print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}" + (f", torch {torch.__version__} (1 thread)" if torch else ""))
    cases = {
        "grid 64 × 64 × 500, Adam, Rosenbrock": (lambda: grid(64, 500), 1.0),
        "grid 128 × 128 × 1000, Adam, Rosenbrock": (lambda: grid(128, 1000), 8.0),
        "basins 256 × 256 × 500, momentum, Himmelblau": (lambda: basins(256, 500), 5.0),
    }
    t = timings({k: fn for k, (fn, _) in cases.items()}, args.reps)
    rows = []
    for name, (fn, target) in cases.items():
        med = statistics.median(t[name])
        rows.append((name, f"{med:.2f}", f"{target:.0f}", "yes" if med <= target else "NO", f"{peak_bytes(fn) / 2**20:.0f}"))
    table(f"Batched sweeps (s, median of {args.reps}; peak MiB traced by tracemalloc)",
          ("sweep", "s", "target s", "met", "peak MiB"), rows)
    print(f"max resident set of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")

    if torch is not None:
        xv, yv = sweeps.axis("adam", "lr", 64), sweeps.axis("adam", "beta2", 64)
        rng = np.random.default_rng(0)
        sample = [(xv[rng.integers(64)], yv[rng.integers(64)]) for _ in range(16)]
        t0 = time.perf_counter()
        torch_cells(sample, 500)
        per_cell = (time.perf_counter() - t0) / len(sample)
        engine = statistics.median(t["grid 64 × 64 × 500, Adam, Rosenbrock"])
        whole = per_cell * 64 * 64
        table("The 64 × 64 × 500 grid: batched engine against a per-run torch loop (16 sampled cells, extrapolated)",
              ("how", "s", "ratio"),
              [("engine, one batched sweep", f"{engine:.2f}", "1"),
               (f"torch, one run at a time ({1e3 * per_cell:.1f} ms a run)", f"{whole:.1f}", f"{whole / engine:.0f}×")])


if __name__ == "__main__":
    main()
