"""The batched trajectory runner: validation at the boundary, the step loop, recording, divergence."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from . import schedules
from .base import Optimizer

RECORD_MODES = ("full", "path")
_EARLY_EXIT_EVERY = 64  # how often to look whether every row has diverged already
# What one call may ask for: beyond these a call would run for minutes or allocate gigabytes. Record less
# (record="path", every=k) or split the batch.
MAX_STEPS = 1_000_000
MAX_RECORD_BYTES = 1 << 30  # 1 GiB of recorded arrays
_STATE_ARRAYS = 4  # the most state arrays an optimizer records (an upper bound for the estimate)


@dataclass
class Trajectory:
    """What one simulate() call produced. Leading axes are the batch (absent for a single run)."""

    optimizer: str
    hyperparameters: dict
    path: np.ndarray  # (..., R, D): position at each recorded step; path[..., 0, :] is the start
    loss: np.ndarray  # (..., R)
    grad: np.ndarray | None  # (..., R - 1, D): gradient used at each recorded step (after noise)
    state: dict = field(default_factory=dict)  # torch state name -> (..., R, D) history
    diverged_at: int | None | np.ndarray = None  # first step with a non-finite position; batched: -1 = never
    index: np.ndarray | None = None  # (R,) the step number of each recorded row: 0..steps unless every > 1
    lr: np.ndarray | None = None  # (..., steps) the learning rate step t used, at [t − 1], under an lr_schedule
    momentum: np.ndarray | None = None  # (..., steps) the momentum or β₁ a schedule cycled (OneCycleLR, CyclicLR)
    # a closure optimizer (LBFGS), record="full": (..., R - 1, E, D) the points recorded step index[r] evaluated f and
    # ∇f at, in order (its start first), NaN-padded to the most any step took; evaluations (..., R - 1) counts them
    evals: np.ndarray | None = None
    evaluations: np.ndarray | None = None

    @property
    def steps(self) -> int:
        return int(self.index[-1])

    @property
    def batched(self) -> bool:
        return self.path.ndim > 2


def _check_int(name: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"Invalid {name}: {value!r} (expected an integer ≥ {low})")
    return int(value)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _as_start(start) -> np.ndarray:
    try:
        raw = np.asarray(start)
        if raw.dtype.kind == "c":  # a complex start would lose its imaginary part with only a warning
            raise TypeError
        arr = np.array(raw, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"Invalid start: {_short(start)} (expected real numbers shaped (D,) or (B, D))") from None
    if arr.ndim == 0 or arr.ndim > 2 or arr.shape[-1] == 0 or arr.size == 0 or not np.isfinite(arr).all():
        raise ValueError(f"Invalid start: {_short(start)} (expected finite numbers shaped (D,) or (B, D), B ≥ 1)")
    return arr


def _as_seed(seed):
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0):
        return seed
    raise ValueError(f"Invalid seed: {_short(seed)} (expected None or an integer ≥ 0)")


def _check_surface(surface, start: np.ndarray) -> None:
    """A surface has value and grad over points (..., D); probe one point so a mismatch is named here."""
    grad_at = getattr(surface, "grad_at", None)
    grad = (lambda p: grad_at(p, 1)) if callable(grad_at) else getattr(surface, "grad", None)
    if not (callable(getattr(surface, "value", None)) and callable(grad)):
        raise ValueError(f"Invalid surface: {_short(surface)} (expected an object with value(points) and grad(points))")
    point = start.reshape(-1, start.shape[-1])[:1]
    try:
        with np.errstate(all="ignore"):
            g = np.asarray(grad(point), dtype=np.float64)
    except Exception as err:  # noqa: BLE001 - whatever a foreign surface raises, name the argument
        raise ValueError(f"Invalid start for this surface: points of dimension {start.shape[-1]} "
                         f"({type(err).__name__}: {err})") from None
    if g.shape != point.shape:
        raise ValueError(f"Invalid start for this surface: points of dimension {start.shape[-1]}, "
                         f"but its gradient has shape {g.shape[1:] if g.ndim else ()}")


def _check_cost(n: int, dim: int, steps: int, every: int, record: str, evals: int = 0) -> None:
    if steps > MAX_STEPS:
        raise ValueError(f"Invalid steps: {steps} (at most {MAX_STEPS:,} in one call)")
    rows = steps // every + 2
    per_row = (dim + 1) * 8 if record == "path" else (dim * (2 + _STATE_ARRAYS + evals) + 1) * 8
    need = rows * n * per_row
    if need > MAX_RECORD_BYTES:
        raise ValueError(f"This call would record about {need / 2**30:.1f} GiB ({n:,} runs × {rows:,} steps); "
                         f"the limit is {MAX_RECORD_BYTES / 2**30:.0f} GiB. Record less: record=\"path\" keeps path "
                         f"and loss only, every=k keeps every k-th step; or split the batch.")


def _as_noise(noise):
    try:
        if np.asarray(noise).dtype.kind == "c":
            raise TypeError
        arr = np.asarray(noise, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"Invalid noise: {_short(noise)} (expected a standard deviation ≥ 0)") from None
    if arr.size == 0 or not (np.isfinite(arr).all() and (arr >= 0).all()):
        raise ValueError(f"Invalid noise: {_short(noise)} (expected a standard deviation ≥ 0)")
    return float(arr) if arr.ndim == 0 else arr


def simulate(opt: Optimizer, surface, start, steps: int, noise=0.0, seed=None, *, record: str = "full",
             every: int = 1, lr_schedule: dict | None = None, **hyperparams) -> Trajectory:
    """Run `opt` from `start` for `steps` updates on `surface` (anything with .value and .grad).

    Hyperparameters and noise may be arrays broadcastable to the batch; the batch shape is the
    broadcast of start.shape[:-1] and theirs. `record="path"` keeps path and loss only; `every=k`
    keeps every k-th step (and the last). A surface may define grad_at(theta, t) for a gradient that
    changes with the step (online problems) and project(theta) for a feasible set. `lr_schedule` is a
    torch.optim.lr_scheduler by name and keywords ({"name": "StepLR", "step_size": 30}), stepped after every step.
    """
    values = opt.resolve(**hyperparams)
    steps = _check_int("steps", steps, 0)
    every = _check_int("every", every, 1)
    if not isinstance(record, str) or record not in RECORD_MODES:
        raise ValueError(f"Invalid record: {record!r} (expected one of {', '.join(RECORD_MODES)})")
    start = _as_start(start)
    noise = _as_noise(noise)
    seed = _as_seed(seed)
    _check_surface(surface, start)
    shapes = [start.shape[:-1]] + [np.shape(v) for v in (*values.values(), noise) if np.ndim(v)]
    try:
        batch = np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"Hyperparameter and start shapes do not broadcast to one batch: {shapes}") from None
    n, dim = math.prod(batch), start.shape[-1]
    max_evals = 0
    if opt.step is not None:  # a closure optimizer: its evaluations are recorded too, up to max_eval per step
        max_evals = values["max_eval"] if values.get("max_eval") is not None else values["max_iter"] * 5 // 4
    _check_cost(n, dim, steps, every, record, max_evals)
    theta0 = np.broadcast_to(start, batch + (dim,)).reshape(n, dim).copy()

    def rows(v, kind=float):  # a per-row column (n, 1) for arrays, the plain value for scalars
        return kind(v) if np.ndim(v) == 0 else np.broadcast_to(v, batch).reshape(n, 1)

    kinds = {k: opt.hyperparameter(k).kind for k in values}
    values = {k: (v if kinds[k] in ("int", "choice") else rows(v, bool if kinds[k] == "flag" else float))
              for k, v in values.items()}
    if lr_schedule is not None:
        _check_schedule(lr_schedule, opt, values, steps)
    rng = np.random.default_rng(seed)
    out = _run_split(opt, values, surface, theta0, steps, rows(noise), rng, record, every, lr_schedule)
    index = np.unique(np.r_[np.arange(0, steps + 1, every), steps])

    def shaped(a, tail):  # time-major (R, n, ...) -> batch + (R, ...) or (R, ...)
        return np.moveaxis(a, 0, 1).reshape(batch + a.shape[:1] + tail) if a is not None else None

    path, loss, grad, state, diverged, extra = out
    evals = extra.pop("evals", None)
    counts = extra.pop("evaluations", None)
    hp_out = {k: (v if np.ndim(v) == 0 else np.broadcast_to(v, (n, 1)).reshape(batch)) for k, v in values.items()}
    return Trajectory(
        optimizer=opt.key, hyperparameters=hp_out,
        path=shaped(path, (dim,)), loss=shaped(loss, ()), grad=shaped(grad, (dim,)),
        state={k: shaped(v, (dim,)) for k, v in state.items()},
        diverged_at=(None if diverged[0] < 0 else int(diverged[0])) if batch == () else diverged.reshape(batch),
        index=index, lr=shaped(extra.get("lr"), ()), momentum=shaped(extra.get("momentum"), ()),
        evals=shaped(evals, evals.shape[2:]) if evals is not None else None, evaluations=shaped(counts, ()),
    )


def _check_schedule(spec, opt, values, steps):
    """Build the schedule once at the boundary, so a bad one is named before anything runs."""
    sched = schedules.build(spec, values["lr"], opt, values)
    total = getattr(sched, "total", None)
    if isinstance(sched, schedules.OneCycleLR) and total < steps:
        raise ValueError(f"Invalid total_steps for OneCycleLR: {total} (the run takes {steps} steps: torch raises "
                         f"'Tried to step {steps} times. The specified number of total steps is {total}')")


def _run_split(opt, values, surface, theta0, steps, noise, rng, record, every, spec=None):
    """Rows whose flags differ take different code paths: run each flag combination on its own rows."""
    flags = {k: v for k, v in values.items() if isinstance(v, np.ndarray) and v.dtype == bool}
    if not flags:
        return _run(opt, values, surface, theta0, steps, noise, rng, record, every, spec)
    n = theta0.shape[0]
    combos = np.stack([v[:, 0] for v in flags.values()], axis=1)
    results = []
    for combo in itertools.product((False, True), repeat=len(flags)):
        sel = np.flatnonzero((combos == np.array(combo)).all(axis=1))
        if sel.size:
            sub = {k: (v[sel] if isinstance(v, np.ndarray) else v) for k, v in values.items()}
            sub.update(dict(zip(flags, combo, strict=True)))
            sub_noise = noise[sel] if isinstance(noise, np.ndarray) else noise
            results.append((sel, _run(opt, sub, surface, theta0[sel], steps, sub_noise, rng, record, every, spec)))
    # state names can differ between combinations (amsgrad adds max_exp_avg_sq): absent -> NaN
    names = sorted({k for _, r in results for k in r[3]})
    path, loss, grad, _, _, extra = results[0][1]
    merged = [np.full(path.shape[:1] + (n,) + path.shape[2:], np.nan), np.full(loss.shape[:1] + (n,), np.nan),
              None if grad is None else np.full(grad.shape[:1] + (n,) + grad.shape[2:], np.nan),
              {k: np.full(path.shape[:1] + (n,) + path.shape[2:], np.nan) for k in names}, np.full(n, -1),
              {k: np.full(v.shape[:1] + (n,), np.nan) for k, v in extra.items()}]
    for sel, (p, lo, g, s, d, x) in results:
        for k, v in x.items():
            merged[5][k][:, sel] = v
        merged[0][:, sel], merged[1][:, sel], merged[4][sel] = p, lo, d
        if g is not None:
            merged[2][:, sel] = g
        for k, v in s.items():
            merged[3][k][:, sel] = v
    return tuple(merged)


def _run(opt, values, surface, theta0, steps, noise, rng, record, every, spec=None):
    """The step loop on an (n, D) batch with uniform flags. Returns time-major arrays."""
    if opt.step is not None:
        return _run_closure(opt, values, surface, theta0, steps, noise, rng, record, every, spec)
    hp = opt.namespace(values)
    sched = schedules.build(spec, values["lr"], opt, values) if spec is not None else None
    extra = {}
    if sched is not None:
        n_rows = theta0.shape[0]
        extra["lr"] = np.empty((steps, n_rows))
        if sched.cycles:
            extra["momentum"] = np.empty((steps, n_rows))
        if sched.needs_loss:
            sched.start((n_rows, 1))

        def set_for(e):  # the values step e + 1 uses
            hp.lr = sched.lr if sched.needs_loss else sched.lr_for(e)
            if sched.cycles:
                setattr(hp, sched.cycles, sched.momentum_for(e))

        set_for(0)  # before init: torch builds the scheduler before the first step (Rprop's Δ₀ and ASGD's η₀ are α)
    update = opt.update
    grad_at = getattr(surface, "grad_at", None)
    grad = getattr(surface, "raw_grad", None)  # our surfaces: no per-call guards, the loop holds np.errstate
    if grad is None:  # any object with .grad: accept lists and other dtypes too
        grad = lambda theta: np.asarray(surface.grad(theta), dtype=np.float64)  # noqa: E731
    project = getattr(surface, "project", None)
    noisy = not (isinstance(noise, float) and noise == 0.0)
    full = record == "full"
    n, dim = theta0.shape
    n_rec = steps // every + 1 + (steps % every != 0)

    with np.errstate(all="ignore"):  # divergence is data: inf and NaN flow, no RuntimeWarning escapes
        state = opt.init(theta0, hp)
        slots = [i for i, v in enumerate(state) if v is not None and np.shape(v) == theta0.shape] if full else []
        # np.empty, not np.full: NumPy asks for transparent huge pages on large arrays, so faulting pages
        # in as rows are written is cheap, while a NaN pre-fill writes every page twice (4 × 33 MB:
        # ~11 ms vs ~16 ms here; without huge pages the two are within 10%). Rows never reached
        # (early exit) are NaN-filled after the loop.
        path = np.empty((n_rec, n, dim))
        grads = np.empty((n_rec - 1, n, dim)) if full else None
        hist = [np.empty((n_rec, n, dim)) for _ in slots]
        recorders = list(zip(hist, slots, strict=True))  # (history, index of its field in the state tuple)
        path[0] = theta0
        for h, i in recorders:
            h[0] = state[i]
        theta = theta0
        diverged = np.full(n, -1)
        r = 0  # last recorded row
        t = 0
        for t in range(1, steps + 1):
            if sched is not None:
                if t > 1:
                    set_for(t - 1)
                extra["lr"][t - 1] = np.broadcast_to(hp.lr, (n, 1))[:, 0]
                if sched.cycles:
                    extra["momentum"][t - 1] = np.broadcast_to(getattr(hp, sched.cycles), (n, 1))[:, 0]
                if sched.needs_loss:
                    sched.observe(surface.value(theta))  # torch: scheduler.step(loss) with this step's loss
            g = grad(theta) if grad_at is None else grad_at(theta, t)
            if noisy:
                g = g + noise * rng.standard_normal(g.shape)
            delta, state = update(g, state, theta, t, hp)
            if every == 1:  # the common case, kept lean: per-row divergence is found from the path afterwards
                r = t
                if project is None:
                    theta = np.add(theta, delta, out=path[r])  # written straight into its history row
                else:
                    path[r] = theta = project(theta + delta)
                if full:
                    grads[t - 1] = g
                    for h, i in recorders:
                        h[r] = state[i]
            else:
                if full and (t - 1) % every == 0:
                    grads[r] = g
                theta = theta + delta
                if project is not None:
                    theta = project(theta)
                if not np.isfinite(theta).all():  # cheap test first; the per-row one only once something diverged
                    diverged[(diverged < 0) & ~_finite_rows(theta)] = t
                if t % every == 0 or t == steps:
                    r += 1
                    path[r] = theta
                    for h, i in recorders:
                        h[r] = state[i]
            if t % _EARLY_EXIT_EVERY == 0 and not np.isfinite(theta).any():
                break  # every row has diverged (and, when strided, is marked already): the rest is NaN
        for a in (path, *hist):
            a[r + 1:] = np.nan  # rows never reached (early exit)
        if full:
            grads[(t - 1) // every + 1:] = np.nan  # a gradient row is written at steps 1, 1 + every, …

        index = np.unique(np.r_[np.arange(0, steps + 1, every), steps])
        if every == 1:
            diverged = _first_nonfinite(path)
        _blank_after(diverged, index, path, grads, hist)
        loss = _value(surface, path)
    if sched is not None and t < steps:  # an early exit: the steps not taken have no learning rate
        for v in extra.values():
            v[t:] = np.nan
    return path, loss, grads, {state._fields[i]: h for h, i in recorders}, diverged, extra


def _run_closure(opt, values, surface, theta0, steps, noise, rng, record, every, spec=None):
    """The loop of a closure optimizer (LBFGS): each step evaluates the surface itself, row by row.

    Recorded as the other loop records: path, the gradient at each step's start, the state arrays; and the points
    each recorded step evaluated. A schedule sets the learning rate before each step, as torch's loop would.
    """
    hp = opt.namespace(values)
    sched = schedules.build(spec, values["lr"], opt, values) if spec is not None else None
    grad_at = getattr(surface, "grad_at", None)
    project = getattr(surface, "project", None)
    noisy = not (isinstance(noise, float) and noise == 0.0)
    full = record == "full"
    n, dim = theta0.shape
    index = np.unique(np.r_[np.arange(0, steps + 1, every), steps])
    n_rec = index.size
    extra = {}
    if sched is not None:
        extra["lr"] = np.full((steps, n), np.nan)
        if sched.needs_loss:
            sched.start((n, 1))
    step_now = [0]
    calls: list[list] = [[] for _ in range(n)]  # this step's (point, gradient) per row, in order

    def fg(i, x):
        p = x[None]
        f = float(surface.value(p)[0])
        g = np.asarray(surface.grad(p) if grad_at is None else grad_at(p, step_now[0]), dtype=np.float64)[0].copy()
        if noisy:
            g += (noise if np.ndim(noise) == 0 else noise[i, 0]) * rng.standard_normal(dim)
        calls[i].append((x.copy(), g))
        return f, g

    with np.errstate(all="ignore"):
        state = opt.init(theta0, hp)
        slots = [i for i, v in enumerate(state) if isinstance(v, np.ndarray) and v.shape == theta0.shape] if full else []
        path = np.full((n_rec, n, dim), np.nan)
        grads = np.full((n_rec - 1, n, dim), np.nan) if full else None
        hist = [np.full((n_rec, n, dim), np.nan) for _ in slots]
        step_evals: list[list] = []
        path[0] = theta0
        for h, i in zip(hist, slots, strict=True):
            h[0] = state[i]
        theta = theta0.copy()
        r = 0
        for t in range(1, steps + 1):
            if sched is not None:
                hp.lr = sched.lr if sched.needs_loss else sched.lr_for(t - 1)
                extra["lr"][t - 1] = np.broadcast_to(hp.lr, (n, 1))[:, 0]
                if sched.needs_loss:
                    sched.observe(surface.value(theta))
            step_now[0] = t
            for c in calls:
                c.clear()
            theta, state, _ = opt.step(fg, state, theta, t, hp)
            if project is not None:
                theta = project(theta)
            if t == index[r + 1]:
                r += 1
                path[r] = theta
                if full:
                    for row, c in enumerate(calls):
                        if c:
                            grads[r - 1, row] = c[0][1]
                    step_evals.append([[x for x, _ in c] for c in calls])
                    for h, i in zip(hist, slots, strict=True):
                        h[r] = state[i]
            if not _finite_rows(theta).any():
                break
        diverged = _first_nonfinite(path)
        _blank_after(diverged, index, path, grads, hist)
        loss = _value(surface, path)
        if full:
            most = max((len(p) for ev in step_evals for p in ev), default=0)
            extra["evals"] = np.full((n_rec - 1, n, most, dim), np.nan)
            extra["evaluations"] = np.zeros((n_rec - 1, n), dtype=int)
            for k, ev in enumerate(step_evals):
                for row, points in enumerate(ev):
                    if points:
                        extra["evals"][k, row, :len(points)] = points
                        extra["evaluations"][k, row] = len(points)
    return path, loss, grads, {state._fields[i]: h for h, i in zip(hist, slots, strict=True)}, diverged, extra


def _finite_rows(x):
    """np.isfinite(x).all(axis=1), one column at a time: numpy reduces a short last axis slowly (50 µs at 4096 × 2)."""
    ok = np.isfinite(x[:, 0])
    for j in range(1, x.shape[1]):
        ok &= np.isfinite(x[:, j])
    return ok


def _first_nonfinite(path):
    """Per row, the first recorded step whose position is not finite (-1: none).

    Without a projection a non-finite position never becomes finite again (inf + x is inf or NaN,
    NaN stays NaN), so only rows that end non-finite diverged, and a binary search finds where.
    """
    n_rec = path.shape[0]
    rows = np.flatnonzero(~_finite_rows(path[-1]))
    diverged = np.full(path.shape[1], -1)
    lo, hi = np.zeros(rows.size, dtype=int), np.full(rows.size, n_rec - 1)  # path[lo] finite, path[hi] not
    while rows.size and (hi - lo > 1).any():
        mid = (lo + hi) // 2
        bad = ~_finite_rows(path[mid, rows])
        hi, lo = np.where(bad, mid, hi), np.where(bad, lo, mid)
    diverged[rows] = hi
    return diverged


def _value(surface, path, points=16384):
    """surface.value over (R, n, D) in slabs of about `points` positions: the temporaries stay in cache."""
    loss = np.empty(path.shape[:-1])
    chunk = max(1, points // path.shape[1])
    for i in range(0, path.shape[0], chunk):
        loss[i:i + chunk] = surface.value(path[i:i + chunk])
    return loss


def _blank_after(diverged, index, path, grads, hist):
    """From the first non-finite step on, a row is NaN everywhere (and stays so)."""
    if not (diverged >= 0).any():
        return
    first = np.where(diverged >= 0, np.searchsorted(index, diverged), path.shape[0])  # first blank row
    blank = np.arange(path.shape[0])[:, None] >= first[None, :]  # (R, n)
    path[blank] = np.nan
    if grads is not None:
        grads[blank[: grads.shape[0]]] = np.nan
    for h in hist:
        h[blank] = np.nan
