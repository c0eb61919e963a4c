"""The batched sweep runner and its metrics."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import optimizers

# metric -> what it means (the page's labels come from here)
METRICS = {
    "gap": "final loss − minimum",
    "reached_at": "steps to reach a minimum",
    "diverged_at": "step of divergence",
    "distance": "final distance to the nearest minimum",
}
CHUNK = 8192  # runs per engine call: progress (and a cancel) between chunks; memory stays small


def optimizer_names() -> list[str]:
    """What a sweep can run: every optimizer that takes one gradient per step. L-BFGS evaluates the function itself,
    several times per step and row by row in Python, so a grid of it would take minutes; and the watcher that finds
    the first step within reach of a minimum hooks the one gradient of a step."""
    return [k for k in optimizers.names() if optimizers.get(k).step is None]


def tolerance(surface) -> float:
    """How close counts as "reached": 1% of the plotted box's larger side (the Playground's results table too)."""
    (x0, x1), (y0, y1) = surface.bounds
    return 0.01 * max(x1 - x0, y1 - y0)


def all_minima(surface) -> np.ndarray:
    """Global then local minima, (K, 2); K may be 0 (a saddle has none)."""
    pts = [*surface.minima, *getattr(surface, "local_minima", ())]
    return np.array(pts, dtype=float).reshape(-1, 2)


def axis(optimizer: str, name: str, n: int, lo: float | None = None, hi: float | None = None) -> np.ndarray:
    """n values of a hyperparameter on its slider's scale (log for α and ε, log(1 − β) for β₂), within its slider's
    range (or [lo, hi] inside it): every value is valid for the optimizer."""
    hp = optimizers.get(optimizer).hyperparameter(name)
    if not hp.is_number:
        raise ValueError(f"{name} is {'an on/off switch' if hp.is_flag else 'not a real number'}, not an axis")
    s_lo, s_hi = hp.slider_range
    lo = s_lo if lo is None else max(float(lo), s_lo)
    hi = s_hi if hi is None else min(float(hi), s_hi)
    if not lo < hi or n < 2:
        return np.array([lo])
    if hp.scale == "log":
        return np.geomspace(max(lo, 1e-300), hi, n)
    if hp.scale == "log1m":
        return 1.0 - np.geomspace(1.0 - lo, 1.0 - hi, n)
    return np.linspace(lo, hi, n)


@dataclass
class Sweep:
    """Per-run results, shaped like the sweep (grid: (ny, nx); curve: (values, seeds); basins: (ny, nx))."""

    final: np.ndarray  # (..., 2) the last position (NaN once diverged)
    loss: np.ndarray  # (...) the final loss
    gap: np.ndarray  # (...) final loss − the surface's minimum value (NaN when it has none)
    diverged_at: np.ndarray  # (...) int, −1 never
    reached_at: np.ndarray  # (...) int, first step within `tol` of a minimum, −1 never
    distance: np.ndarray  # (...) final distance to the nearest minimum (NaN without minima or once diverged)
    basin: np.ndarray  # (...) int: index into minima of the one reached at the end, −1 none, −2 diverged
    minima: np.ndarray  # (K, 2) global then local minima
    tol: float
    steps: int
    path: np.ndarray | None = None  # (..., R, 2) when recorded (seeds(); run(every=k))
    path_loss: np.ndarray | None = None  # (..., R)
    index: np.ndarray | None = None  # (R,) step of each recorded row

    def metric(self, name: str) -> np.ndarray:
        """A metric as floats, NaN where it does not apply (never reached, never diverged)."""
        value = getattr(self, name)
        if name in ("reached_at", "diverged_at"):
            return np.where(value >= 0, value, np.nan).astype(float)
        return np.asarray(value, dtype=float)


class _Watched:
    """The surface seen through the gradient hook: notes the first step each run comes within `tol` of a minimum,
    and adds each run's own seed's noise (one draw of shape (1, D) per seed and step, as a single run draws it)."""

    def __init__(self, surface, n: int, minima: np.ndarray, tol: float, noise: float, seeds: np.ndarray | None):
        self.surface, self.n, self.minima, self.tol2 = surface, n, minima, tol * tol
        self.noise = noise
        if noise and seeds is not None:
            self.unique, self.which = np.unique(seeds, return_inverse=True)
        self.seeds = seeds
        self.value = surface.value
        self.reached = np.full(n, -1)

    def _near(self, theta):
        """Within tol of some minimum, one minimum at a time (no (n, K, 2) temporaries: this runs every step)."""
        x, y = theta[:, 0], theta[:, 1]
        near = np.zeros(x.shape, dtype=bool)
        for mx, my in self.minima:
            dx, dy = x - mx, y - my
            near |= dx * dx + dy * dy <= self.tol2
        return near

    def grad_at(self, theta, t):
        g = self.surface.raw_grad(theta) if hasattr(self.surface, "raw_grad") else np.asarray(self.surface.grad(theta))
        if theta.shape[0] != self.n:  # the runner's probe of one point
            return g
        if t == 1:
            self.reached[:] = -1
            if self.noise and self.seeds is not None:
                self.rngs = [np.random.default_rng(int(s)) for s in self.unique]
        if self.minima.size:
            todo = np.flatnonzero(self.reached < 0)  # only runs that have not arrived yet
            if todo.size:
                self.reached[todo[self._near(theta[todo])]] = t - 1
        if self.noise and self.seeds is not None:
            draws = np.concatenate([r.standard_normal((1, theta.shape[1])) for r in self.rngs])
            g = g + self.noise * draws[self.which]
        return g


def run(optimizer: str, surface, starts, steps: int, hps: dict | None = None, noise: float = 0.0,
        seeds=None, every: int | None = None, progress: Callable[[int, int], None] | None = None) -> Sweep:
    """Runs of `optimizer`: starts (n, 2) or (2,), hyperparameters scalars or arrays of n; `seeds` one per run (or
    one for all). Records the path every `every` steps when given, else only start and end. Returns a flat Sweep
    (n runs); `progress(done, total)` is called between chunks."""
    if optimizer not in optimizer_names() and optimizer in optimizers.names():
        raise ValueError(f"{optimizers.get(optimizer).label} cannot be swept: it calls the function several times per "
                         f"step, row by row. Valid: {', '.join(optimizer_names())}")
    hps = dict(hps or {})
    starts = np.asarray(starts, dtype=float)
    arrays = {k: np.asarray(v, dtype=float) for k, v in hps.items() if np.ndim(v)}
    n = max([starts.shape[0] if starts.ndim == 2 else 1] + [a.shape[0] for a in arrays.values()])
    starts = np.broadcast_to(starts, (n, starts.shape[-1]))
    seeds_arr = None if seeds is None else np.broadcast_to(np.asarray(seeds, dtype=np.int64), (n,))
    optimizers.get(optimizer).resolve(**{k: (v if not np.ndim(v) else np.asarray(v)) for k, v in hps.items()})
    minima, tol = all_minima(surface), tolerance(surface)
    steps = int(steps)
    stride = steps if every is None else max(1, int(every))
    parts = []
    chunk = CHUNK if progress is None else min(CHUNK, max(256, math.ceil(n / 10)))  # ~10 updates of a progress bar
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        watched = _Watched(surface, hi - lo, minima, tol, float(noise), None if seeds_arr is None else seeds_arr[lo:hi])
        chunk_hps = {k: (v[lo:hi] if k in arrays else v) for k, v in hps.items()}
        traj = optimizers.simulate(optimizer, watched, starts[lo:hi], steps, record="path", every=max(1, stride),
                                   **chunk_hps)
        parts.append((traj, watched.reached.copy()))
        if progress is not None:
            progress(hi, n)
    path = np.concatenate([p.path for p, _ in parts])  # (n, R, 2)
    loss_rows = np.concatenate([p.loss for p, _ in parts])
    diverged = np.concatenate([np.asarray(p.diverged_at).reshape(-1) for p, _ in parts])
    reached = np.concatenate([r for _, r in parts])
    final = path[:, -1]
    with np.errstate(invalid="ignore", over="ignore"):
        loss = surface.value(final)
        loss = np.where(np.isfinite(loss), loss, np.nan)
        if minima.size:
            d = np.sqrt(((final[:, None, :] - minima[None]) ** 2).sum(axis=-1))
            nearest, distance = d.argmin(axis=1), d.min(axis=1)
            end_near = distance <= tol
            reached = np.where((reached < 0) & end_near, steps, reached)  # the last position is never a hook call
            basin = np.where(end_near, nearest, -1)
        else:
            distance = np.full(n, np.nan)
            basin = np.full(n, -1)
    basin = np.where(diverged >= 0, -2, basin)
    gap = loss - surface.min_value if surface.min_value is not None else np.full(n, np.nan)
    recorded = every is not None
    return Sweep(final=final, loss=loss, gap=gap, diverged_at=diverged, reached_at=reached, distance=distance,
                 basin=basin, minima=minima, tol=tol, steps=steps, path=path if recorded else None,
                 path_loss=loss_rows if recorded else None, index=parts[0][0].index if recorded else None)


def _reshape(sw: Sweep, shape: tuple) -> Sweep:
    out = {}
    for name, value in vars(sw).items():
        if isinstance(value, np.ndarray) and name not in ("minima", "index"):
            out[name] = value.reshape(shape + value.shape[1:])
        else:
            out[name] = value
    return Sweep(**out)


def grid(optimizer: str, surface, start, steps: int, x: tuple[str, np.ndarray], y: tuple[str, np.ndarray],
         hps: dict | None = None, noise: float = 0.0, seed: int = 0, progress=None) -> Sweep:
    """Two hyperparameters on a grid: results shaped (len(y values), len(x values)), row = y, column = x.
    With noise every cell draws the noise of `seed`, as the Playground's single run does."""
    (xn, xv), (yn, yv) = x, y
    if xn == yn:
        raise ValueError(f"The two axes must be different hyperparameters, both are {xn!r}")
    X, Y = np.meshgrid(np.asarray(xv, dtype=float), np.asarray(yv, dtype=float))
    values = {**(hps or {}), xn: X.ravel(), yn: Y.ravel()}
    sw = run(optimizer, surface, np.asarray(start, dtype=float), steps, values, noise, seed if noise else None,
             progress=progress)
    return _reshape(sw, X.shape)


def curve(optimizer: str, surface, start, steps: int, name: str, values, hps: dict | None = None,
          noise: float = 0.0, seeds=(0,), progress=None) -> Sweep:
    """One hyperparameter over `values`, each with every seed: results shaped (len(values), len(seeds))."""
    values, seeds_arr = np.asarray(values, dtype=float), np.asarray(seeds, dtype=np.int64)
    V, S = np.meshgrid(values, seeds_arr, indexing="ij")
    sw = run(optimizer, surface, np.asarray(start, dtype=float), steps, {**(hps or {}), name: V.ravel()}, noise,
             S.ravel() if noise else None, progress=progress)
    return _reshape(sw, V.shape)


def start_grid(surface, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n × n starting points over the surface's plotted box: (xs, ys, points (n, n, 2))."""
    (x0, x1), (y0, y1) = surface.bounds
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    return xs, ys, np.stack(np.meshgrid(xs, ys), axis=-1)


def basins(optimizer: str, surface, n: int, steps: int, hps: dict | None = None, noise: float = 0.0, seed: int = 0,
           progress=None) -> Sweep:
    """Every start of an n × n grid over the plotted box: where each run ends. Results shaped (n, n), row = y."""
    _, _, pts = start_grid(surface, n)
    sw = run(optimizer, surface, pts.reshape(-1, 2), steps, hps, noise, seed if noise else None, progress=progress)
    return _reshape(sw, (n, n))


def seeds(optimizer: str, surface, start, steps: int, hps: dict | None, noise: float, seeds, points: int = 200,
          progress=None) -> Sweep:
    """The same run under each seed's noise, with paths and losses recorded at about `points` steps."""
    seeds_arr = np.asarray(seeds, dtype=np.int64)
    every = max(1, math.ceil(int(steps) / points))
    return run(optimizer, surface, np.broadcast_to(np.asarray(start, dtype=float), (seeds_arr.size, 2)), steps, hps,
               noise, seeds_arr, every=every, progress=progress)
