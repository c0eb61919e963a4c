"""How fast is the engine? Every number below is measured in this one run, on this machine.

    python benchmarks/bench_engine.py            # about half a minute; torch columns when torch imports
    python benchmarks/bench_engine.py --reps 15  # steadier medians on a busy machine

The machine may be shared and noisy, so every contender is timed `reps` times, interleaved
(A B C A B C …, so a burst of load hits all of them alike), after one untimed warm-up run each;
tables show medians and ratios of medians from the same run. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import optimizers  # noqa: E402
import surfaces  # noqa: E402

try:
    import torch
except ImportError:  # the engine needs no torch: its columns are left out
    torch = None

ROSEN = surfaces.get("rosenbrock")
LR = 0.01  # Adam's step size on Rosenbrock throughout
SGD_LR = 1e-4  # gd, momentum and nag diverge from some starts at their default 1e-3 (curvature up to ~5200)
TORCH_CLASS = {  # our key -> (torch.optim class name, keywords pinned by the variant)
    "gd": ("SGD", {}), "momentum": ("SGD", {"momentum": 0.9}), "nag": ("SGD", {"momentum": 0.9, "nesterov": True}),
    "adagrad": ("Adagrad", {}), "rmsprop": ("RMSprop", {}), "adadelta": ("Adadelta", {}),
    "adam": ("Adam", {}), "amsgrad": ("Adam", {"amsgrad": True}), "adamw": ("AdamW", {}),
    "nadam": ("NAdam", {}), "adamax": ("Adamax", {}), "radam": ("RAdam", {}),
    "rprop": ("Rprop", {}), "asgd": ("ASGD", {}), "adafactor": ("Adafactor", {}), "lbfgs": ("LBFGS", {}),
    "lion": ("lion_pytorch.Lion", {"use_triton": False}), "schedule_free_adamw": ("schedulefree.AdamWScheduleFree", {}),
}


# ---------------------------------------------------------------------------------------------- timing

def measure(contenders: dict, reps: int) -> dict:
    """Median seconds per call of each contender: `reps` interleaved rounds after one warm-up call each."""
    return {name: statistics.median(ts) for name, ts in timings(contenders, reps).items()}


def timings(contenders: dict, reps: int) -> dict:
    """Every timed call's seconds, per contender (interleaved rounds, after one warm-up call each)."""
    for fn in contenders.values():
        fn()
    times = {name: [] for name in contenders}
    for _ in range(reps):
        for name, fn in contenders.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return times


def starts(n: int, seed: int = 0) -> np.ndarray:
    """n random starting points, uniform in Rosenbrock's plotting bounds."""
    (x0, x1), (y0, y1) = ROSEN.bounds
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


def table(title: str, header: tuple, rows: list, note: str = "") -> None:
    cells = [tuple(str(c) for c in header)] + [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def line(r):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))

    print(f"\n{title}\n" + line(cells[0]) + "\n" + "  ".join("-" * w for w in widths))
    for r in cells[1:]:
        print(line(r))
    if note:
        print(note)


def us(seconds: float, steps: int) -> str:
    return f"{seconds / steps * 1e6:.1f}"


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


# ---------------------------------------------------------------------------------------------- contenders

def engine(name: str, start, steps: int, surface=ROSEN, **kwargs):
    """One simulate() call; the Trajectory is dropped at once, so its memory is free for the next call."""

    def run():
        optimizers.simulate(name, surface, start, steps, **kwargs)

    return run


def naive_adam(theta, steps, lr=LR, b1=0.9, b2=0.999, eps=1e-8):
    """The straightforward loop: allocates freely, records nothing."""
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for t in range(1, steps + 1):
        g = ROSEN.grad(theta)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        theta = theta - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return theta


class LeanRosenbrock:
    """What-if for surfaces/: the same Rosenbrock formulas, with a grad that only fills one array.

    surfaces.Surface.grad also validates its input, enters np.errstate (~0.8 µs) and sizes its output
    with np.broadcast_shapes (~1 µs) or np.stack (~2 µs): at B = 1 that is a large part of a step.
    Not used by the engine or the app; it shows what the engine's B = 1 step costs on a lean gradient.
    """

    value = staticmethod(ROSEN.value)
    grad_fn = staticmethod(ROSEN.grad_fn)

    def grad(self, xy):
        out = np.empty(xy.shape)
        out[..., 0], out[..., 1] = self.grad_fn(xy[..., 0], xy[..., 1])
        return out


def torch_rosenbrock_grad(p):
    """Rosenbrock's analytic gradient (a = 1, b = 100) in torch ops, as surfaces/ writes it: no autograd."""
    x, y = p[..., 0], p[..., 1]
    r = y - x * x
    return torch.stack((-2.0 * (1.0 - x) - 400.0 * x * r, 200.0 * r), dim=-1)


def torch_run(name: str, start: np.ndarray, steps: int, record: bool, **kwargs):
    """torch.optim stepping one float64 tensor shaped like `start`; record=True keeps what record="full" keeps
    (a clone of the position, each state tensor's clone, the gradient tensor) every step, and no loss."""
    cls, pinned = TORCH_CLASS[name]
    if "." in cls:  # a reference package beyond torch.optim
        module, _, attr = cls.rpartition(".")
        opt_cls = getattr(importlib.import_module(module), attr)
    else:
        opt_cls = getattr(torch.optim, cls)

    def run():
        p = torch.tensor(start, dtype=torch.float64)
        opt = opt_cls([p], **{**pinned, **kwargs})
        if hasattr(opt, "train"):  # schedule-free: train mode
            opt.train()
        path, grads, states = [p.clone()], [], []
        def closure():  # L-BFGS evaluates where it likes, several times per step
            p.grad = torch_rosenbrock_grad(p)
            x, y = p[..., 0], p[..., 1]
            return ((1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2).sum()

        with torch.no_grad():
            for _ in range(steps):
                p.grad = g = torch_rosenbrock_grad(p)
                opt.step(closure) if name == "lbfgs" else opt.step()
                if record:
                    path.append(p.clone())
                    grads.append(g)
                    states.append([v.clone() for k, v in opt.state[p].items() if k != "step"])

    return run


def _importable(cls: str) -> bool:
    if "." not in cls:
        return True
    try:
        importlib.import_module(cls.rpartition(".")[0])
        return True
    except ImportError:
        return False


def held_bytes(traj) -> int:
    """Bytes of every array the Trajectory holds (path, loss, grad, state, index, diverged_at)."""
    arrays = [traj.path, traj.loss, traj.grad, traj.index, traj.diverged_at, *traj.state.values()]
    return sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))


# ---------------------------------------------------------------------------------------------- sections

def batch_adam(reps: int, n: int = 4096, steps: int = 500) -> None:
    x0 = starts(n)
    c = {"engine full": engine("adam", x0, steps, lr=LR), "engine path": engine("adam", x0, steps, lr=LR, record="path")}
    if torch is not None:
        c["torch"] = torch_run("adam", x0, steps, record=False, lr=LR)
        c["torch rec"] = torch_run("adam", x0, steps, record=True, lr=LR)
    times = timings(c, reps)
    t = {k: statistics.median(v) for k, v in times.items()}
    ours = t["engine full"]
    labels = {
        "engine full": 'engine, record="full": path, loss, grad, exp_avg, exp_avg_sq',
        "engine path": 'engine, record="path": path, loss',
        "torch": "torch.optim.Adam, no recording",
        "torch rec": "torch.optim.Adam, recording path, grad, exp_avg, exp_avg_sq (clones; no loss)",
    }
    rows = [(labels[k], us(t[k], steps), f"{min(v) / steps * 1e6:.1f}", f"{t[k] * 1e3:.1f}", f"{t[k] / ours:.2f}")
            for k, v in times.items()]
    note = ""
    if torch is not None:
        ratio = t["torch"] / ours
        note = (f"target: engine (full recording) >= 5x faster than torch without recording: {ratio:.2f}x, "
                f"{verdict(ratio >= 5)}; vs torch recording the same: {t['torch rec'] / ours:.2f}x\n"
                f"same work: torch's and the engine's final positions differ by at most {agreement(x0, steps):.1e}")
    table(f"1. Adam on Rosenbrock, B = {n} random starts in its bounds x {steps} steps (lr = {LR})",
          ("run", "µs/step", "best", "total ms", "time / engine full"), rows, note)


def agreement(x0: np.ndarray, steps: int) -> float:
    """Largest |θ_torch − θ_engine| after `steps` Adam steps from x0: the two baselines do the same arithmetic."""
    p = torch.tensor(x0, dtype=torch.float64)
    opt = torch.optim.Adam([p], lr=LR)
    with torch.no_grad():
        for _ in range(steps):
            p.grad = torch_rosenbrock_grad(p)
            opt.step()
    traj = optimizers.simulate("adam", ROSEN, x0, steps, lr=LR, record="path")
    return float(np.abs(p.numpy() - traj.path[..., -1, :]).max())


def single_adam(reps: int, steps: int = 1000, n_big: int = 4096, steps_big: int = 500) -> None:
    x1, xb = np.array(ROSEN.start, dtype=float), starts(n_big)
    c = {
        "engine": engine("adam", x1, steps, lr=LR),
        "naive": lambda: naive_adam(x1, steps),
        "grad": lambda: [ROSEN.grad(x1) for _ in range(steps)],
        "engine big": engine("adam", xb, steps_big, lr=LR),
        "naive big": lambda: naive_adam(xb, steps_big),
    }
    lean = hasattr(ROSEN, "grad_fn")  # the what-if needs the surface's formulas
    if lean:
        c["engine lean"] = engine("adam", x1, steps, surface=LeanRosenbrock(), lr=LR)
    if torch is not None:
        c["torch"] = torch_run("adam", x1, steps, record=False, lr=LR)
    t = measure(c, reps)
    ours, big = t["engine"], t["engine big"]
    rows = [
        ('engine, record="full", B = 1', us(ours, steps), "1.00"),
        ("naive NumPy loop (6 lines, records nothing), B = 1", us(t["naive"], steps), f"{t['naive'] / ours:.2f}"),
    ]
    if torch is not None:
        rows.append(("torch.optim.Adam on one (2,) tensor, no recording", us(t["torch"], steps), f"{t['torch'] / ours:.2f}"))
    rows.append(("  surfaces' Rosenbrock .grad() alone, per call (part of every step above)", us(t["grad"], steps),
                 f"{t['grad'] / ours:.2f}"))
    if lean:
        rows.append(("  what-if: engine on a lean Rosenbrock gradient (benchmark's LeanRosenbrock)", us(t["engine lean"], steps),
                     f"{t['engine lean'] / ours:.2f}"))
    rows += [
        (f'engine, record="full", B = {n_big} x {steps_big} steps', us(big, steps_big), ""),
        (f"naive NumPy loop, B = {n_big} x {steps_big} steps, records nothing", us(t["naive big"], steps_big),
         f"{t['naive big'] / big:.2f} (of engine B = {n_big})"),
    ]
    step_us = ours / steps * 1e6
    table(f"2. One trajectory: Adam on Rosenbrock from ({x1[0]:g}, {x1[1]:g}), {steps} steps; and the naive loop",
          ("run", "µs/step", "time / engine"), rows,
          f"target: <= 10 µs/step at B = 1: {step_us:.1f} µs, {verdict(step_us <= 10)}; engine vs naive loop: "
          f"{t['naive'] / ours:.2f}x as fast at B = 1, {t['naive big'] / big:.2f}x at B = {n_big} (while recording everything)")


def memory_modes(reps: int, n: int = 4096, steps: int = 2000) -> None:
    x0 = starts(n)
    modes = {
        'record="full"': ({}, "position, loss, gradient, exp_avg, exp_avg_sq: every step"),
        'record="path"': ({"record": "path"}, "position and loss only: every step"),
        'every=10 (full)': ({"every": 10}, "everything, at steps 0, 10, 20, ... and the last"),
    }
    t = measure({k: engine("adam", x0, steps, lr=LR, **kw) for k, (kw, _) in modes.items()}, max(3, reps // 2))
    base = t['record="full"']
    rows = []
    for k, (kw, keeps) in modes.items():
        size = held_bytes(optimizers.simulate("adam", ROSEN, x0, steps, lr=LR, **kw))
        rows.append((k, f"{size / 2**20:.0f}", f"{size / (n * (steps + 1)):.1f}", f"{t[k] * 1e3:.0f}", us(t[k], steps),
                     f"{t[k] / base:.2f}", keeps))
    table(f"3. Memory modes: Adam, B = {n} x {steps} steps",
          ("mode", "MiB held", "bytes/row/step", "total ms", "µs/step", "time / full", "keeps"), rows)


def all_optimizers(reps: int, steps1: int = 1000, n: int = 4096, steps_b: int = 500) -> None:
    x1, xb = np.array(ROSEN.start, dtype=float), starts(n)
    rows = []
    for name in optimizers.names():
        kw = {"lr": SGD_LR} if name in ("gd", "momentum", "nag", "asgd") else {}
        # L-BFGS runs row by row (each row its own line search): 64 rows stand for the batch, timed per row; torch's
        # LBFGS flattens every parameter into one vector, so a batch of it is one 2n-dimensional problem: B=1 only
        closure = optimizers.get(name).step is not None
        xbn = xb[:64] if closure else xb
        c = {"b1": engine(name, x1, steps1, **kw), "bn": engine(name, xbn, steps_b, **kw)}
        if torch is not None and _importable(TORCH_CLASS[name][0]):
            tkw = kw or {"lr": optimizers.get(name).defaults()["lr"]}
            c["t1"] = torch_run(name, x1, steps1, record=False, **tkw)
            if not closure:
                c["tn"] = torch_run(name, xb, steps_b, record=False, **tkw)
        t = measure(c, max(3, reps // 2))
        if closure:
            t["bn"] *= n / len(xbn)  # as if all n rows had run
        diverged = int((optimizers.simulate(name, ROSEN, xbn, steps_b, record="path", **kw).diverged_at >= 0).sum())
        row = [name, us(t["b1"], steps1), us(t["bn"], steps_b)]
        if torch is not None and "tn" in t:
            row += [us(t["t1"], steps1), us(t["tn"], steps_b), f"{t['t1'] / t['b1']:.1f}", f"{t['tn'] / t['bn']:.1f}"]
        elif torch is not None and "t1" in t:
            row += [us(t["t1"], steps1), "-", f"{t['t1'] / t['b1']:.1f}", "-"]
        elif torch is not None:
            row += ["-"] * 4  # its reference package is not installed
        rows.append((*row, diverged))
    header = ["optimizer", f"B=1 x {steps1}", f"B={n} x {steps_b}"]
    if torch is not None:
        header += ["torch B=1", f"torch B={n}", "torch/engine B=1", f"torch/engine B={n}"]
    table(f"4. Every optimizer on Rosenbrock, µs/step (engine: record=\"full\"; torch: no recording; "
          f"default hyperparameters, lr = {SGD_LR} for gd/momentum/nag/asgd)", (*header, "rows diverged"), rows)


def main() -> None:
    global torch
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=9, help="timed rounds per contender (median reported)")
    ap.add_argument("--only", type=int, nargs="*", choices=(1, 2, 3, 4), help="run only these sections")
    ap.add_argument("--no-torch", action="store_true", help="leave torch out even if it is installed")
    ap.add_argument("--torch-threads", type=int, default=1,
                    help="torch's intra-op threads (default 1, like NumPy; see benchmarks/README.md)")
    args = ap.parse_args()
    if args.no_torch:
        torch = None
    if torch is not None:
        torch.set_num_threads(args.torch_threads)
    tv = f"torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch is not None else "torch not installed"
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, {tv}; {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.2f}; {args.reps} reps, medians")
    sections = {1: batch_adam, 2: single_adam, 3: memory_modes, 4: all_optimizers}
    for k, fn in sections.items():
        if not args.only or k in args.only:
            fn(args.reps)
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
