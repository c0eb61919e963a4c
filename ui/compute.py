"""The expensive work behind caches keyed on plain values only (names, tuples, numbers).

One slider change alters one optimizer's key, so only that trajectory is recomputed. The runs sit in a
functools.lru_cache (shared by every session, as st.cache_data would be): st.cache_data hashes its arguments
and pickles its value on every call, ~3 ms per run, which was most of a slider change's server time. What the
lru_cache hands out is made read-only, so no caller can change what another session sees. A run that is not cached
and costs more than a few tens of ms is computed in a worker process (ui.pool), so that the server thread waits with
the GIL released and the other sessions' scripts go on; the caches stay here, shared by every session.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np

import optimizers
import plots
import plots.race_data
import surfaces

from . import pool
from .settings import schedule_spec


def _frozen(arr):
    if isinstance(arr, np.ndarray):
        arr.flags.writeable = False
    return arr


HORIZONS = (100, 200, 500, 1000, 2000)  # runs are computed to the next of these and cut to the steps asked for


def horizon(steps: int) -> int:
    """The length a run of `steps` is computed to. Without a schedule, a run of n steps is exactly the first n steps
    of a longer one (the same operations, the same noise draws in the same order): moving the Steps slider, or
    thirty students each at their own Steps, then reuses one cached run instead of computing a new one."""
    return next((h for h in HORIZONS if h >= steps), steps)


def trajectory(opt_key: str, surface_key: str, hp_items: tuple, start: tuple, steps: int, noise: float = 0.0,
               seed: int = 0, record: str = "full", schedule: str = "none") -> dict:
    """One optimizer's run as plain arrays (path, loss, grad, state, diverged_at, lr); record="path" keeps path and
    loss. `schedule` is one of the Playground's presets (ui.settings.SCHEDULES)."""
    steps = int(steps)
    if _exact(opt_key, steps, schedule):
        return _trajectory(opt_key, surface_key, hp_items, start, steps, noise, seed, record, schedule)
    return _prefix(opt_key, surface_key, hp_items, start, steps, noise, seed, record)


def _exact(opt_key: str, steps: int, schedule: str) -> bool:
    # a schedule is sized to the run's steps, and L-BFGS pads its evaluations to the most any step took: exact length
    return schedule != "none" or optimizers.get(opt_key).step is not None or horizon(steps) == steps


@lru_cache(maxsize=512)
def _prefix(opt_key: str, surface_key: str, hp_items: tuple, start: tuple, steps: int, noise: float, seed: int,
            record: str) -> dict:
    """The first `steps` steps of the run computed to horizon(steps): views of its read-only arrays."""
    if getattr(_local, "peek", False):
        raise _NotCached
    out = _trajectory(opt_key, surface_key, hp_items, start, horizon(steps), noise, seed, record, "none")
    diverged = out["diverged_at"]
    return {"path": out["path"][:steps + 1], "loss": out["loss"][:steps + 1],
            "grad": None if out["grad"] is None else out["grad"][:steps],
            "state": {k: v[:steps + 1] for k, v in out["state"].items()},
            "diverged_at": diverged if diverged is not None and diverged <= steps else None,
            "lr": None, "evals": None, "evaluations": None}


@lru_cache(maxsize=512)  # called with all nine arguments in order (an lru_cache keys f(a, b=1) apart from f(a, 1))
def _trajectory(opt_key: str, surface_key: str, hp_items: tuple, start: tuple, steps: int, noise: float = 0.0,
                seed: int = 0, record: str = "full", schedule: str = "none") -> dict:
    if getattr(_local, "peek", False):
        raise _NotCached
    args = (opt_key, surface_key, hp_items, start, steps, noise, seed, record, schedule)
    job = getattr(_local, "ahead", {}).pop(args, None)  # sent to a worker already, with the race's other runs
    traj = job.result()[0] if job is not None else pool.run([_call(*args)])[0]
    return {"path": _frozen(traj.path), "loss": _frozen(traj.loss), "grad": _frozen(traj.grad),
            "state": {k: _frozen(v) for k, v in traj.state.items()}, "diverged_at": traj.diverged_at,
            "lr": _frozen(traj.lr), "evals": _frozen(traj.evals), "evaluations": _frozen(traj.evaluations)}


def _call(opt_key, surface_key, hp_items, start, steps, noise, seed, record, schedule) -> pool.Call:
    """The optimizers.simulate call behind _trajectory(same arguments)."""
    hps = dict(hp_items)
    spec = schedule_spec(schedule, opt_key, steps, hps.get("lr", optimizers.get(opt_key).defaults()["lr"]))
    return pool.Call(opt_key, surfaces.get(surface_key), np.array(start, dtype=float), int(steps),
                     dict(noise=float(noise), seed=int(seed), record=record, lr_schedule=spec, **hps))


_local = threading.local()  # per script thread: the runs race_runs sent ahead, and whether it only looks


class _NotCached(Exception):
    """Raised by _trajectory while race_runs only looks whether a run is cached (an lru_cache keeps no exception)."""


def _cached(fn, *args) -> bool:
    """Whether the lru_cache fn (_trajectory or _prefix) holds fn(*args), without computing it on a miss."""
    _local.peek = True
    try:
        fn(*args)
        return True
    except _NotCached:
        return False
    finally:
        _local.peek = False


def _missing(opt_key, surface_key, hp_items, start, steps, noise, seed, record, schedule) -> tuple | None:
    """_trajectory's arguments behind trajectory(the same arguments), None when it or its cut is cached."""
    if _exact(opt_key, steps, schedule):
        args = (opt_key, surface_key, hp_items, start, steps, noise, seed, record, schedule)
    elif _cached(_prefix, opt_key, surface_key, hp_items, start, steps, noise, seed, record):
        return None
    else:
        args = (opt_key, surface_key, hp_items, start, horizon(steps), noise, seed, record, "none")
    return None if _cached(_trajectory, *args) else args


def _send_ahead(runs: list) -> dict:
    """{_trajectory's arguments: job} for the runs (trajectory()'s arguments) that are not cached, all sent before the
    first is waited for, when together they are worth it: the workers then run them back to back (two at once with two
    workers) instead of one per round trip. {} when they stay here: each run is then computed in its turn."""
    calls = {}
    for run in runs:
        try:
            args = _missing(*run)
            if args is not None:
                calls[args] = _call(*args)
        except Exception:  # noqa: BLE001 - the run raises it again in its turn, as before
            continue
    jobs = pool.submit([[c] for c in calls.values()], send=pool.worth_sending(pool.cost(calls.values())))
    return dict(zip(calls, jobs, strict=True)) if calls and jobs[0].future is not None else {}


def extras(opt_key: str, out: dict) -> dict:
    """What a run draws beside its path, from a fully recorded trajectory: the averaged point of ASGD and
    Schedule-Free, the points L-BFGS evaluated inside each step."""
    opt, more = optimizers.get(opt_key), {}
    if opt.average and opt.average[0] in out["state"]:
        avg = out["state"][opt.average[0]].copy()
        avg[0] = out["path"][0]  # before the first step there is nothing to average (torch's ax starts as zeros)
        with np.errstate(invalid="ignore"):
            same = np.allclose(avg, out["path"], rtol=1e-12, atol=1e-12, equal_nan=True)
        if not same:  # ASGD before t₀: the average is the iterate itself, a second line would hide the first
            more.update(average=avg, average_name=opt.average[1])
    if out.get("evals") is not None:
        ev, count = out["evals"], out["evaluations"]  # (S, E, 2), (S,)
        steps = np.repeat(np.arange(1, len(count) + 1), count)
        points = np.concatenate([ev[k, :c] for k, c in enumerate(count)]) if count.sum() else np.zeros((0, 2))
        more["probes"] = np.column_stack([points, steps]) if len(points) else None
    return more


def _needs_full(opt_key: str) -> bool:
    opt = optimizers.get(opt_key)
    return opt.average is not None or opt.step is not None


@lru_cache(maxsize=64)  # not st.cache_data: hashing its arguments (inspect.signature each call) cost ~1 ms a rerun
def contour_image(surface_key: str, bounds: tuple, px: int) -> str:
    return plots.style.contour_image(surfaces.get(surface_key), bounds, px=px)


@lru_cache(maxsize=32)
def contour_grid(surface_key: str, bounds: tuple, n: int = 80):
    return tuple(_frozen(a) if isinstance(a, np.ndarray) else a for a in plots.contour_grid(surfaces.get(surface_key), bounds, n=n))


def hp_key(values: dict) -> tuple:
    """Hyperparameters as a hashable, order-independent cache key."""
    return tuple(sorted(values.items()))


def summary(surface, path: np.ndarray, loss: np.ndarray, diverged_at) -> dict:
    """What the results table shows for one run."""
    with np.errstate(over="ignore", invalid="ignore"):  # paths on their way to diverging pass 1e200
        return _summary(surface, path, loss, diverged_at)


def _summary(surface, path, loss, diverged_at) -> dict:
    finite = np.isfinite(path).all(axis=1)
    last = int(np.flatnonzero(finite)[-1]) if finite.any() else 0
    row = {"final loss": float(loss[last]) if np.isfinite(loss[last]) else None}
    if surface.minima:
        mins = np.array(surface.minima)
        dist = np.linalg.norm(path[:, None, :] - mins[None], axis=-1).min(axis=1)
        row["distance to nearest minimum"] = float(dist[last]) if np.isfinite(dist[last]) else None  # no "inf" cells
        (x0, x1), (y0, y1) = surface.bounds
        tol = 0.01 * max(x1 - x0, y1 - y0)
        hit = np.flatnonzero(dist <= tol)
        row["first step within tolerance"] = int(hit[0]) if hit.size else None
        row["tolerance"] = tol
    overflow = np.flatnonzero(~np.isfinite(loss))  # a finite position past 1e154 can overflow the loss first
    row["status"] = (f"diverged at step {diverged_at}" if diverged_at is not None
                     else f"diverged at step {int(overflow[0])} (loss overflowed)" if overflow.size
                     else "reached a minimum" if surface.minima and dist[last] <= tol
                     else "passed a minimum, then left it" if row.get("first step within tolerance") is not None
                     else "still moving" if np.linalg.norm(path[-1] - path[max(0, len(path) - 11)]) > 1e-6
                     else "stalled")
    return row


def race_runs(surface_key: str, entries: list, start: tuple, steps: int, noise: float = 0.0, seed: int = 0,
              record: str = "full"):
    """(label, optimizer key, hyperparameters) entries -> (plots.Run list, {label: trajectory dict}), each run
    cached on its own plain values and coloured by its place in the list."""
    todo = []
    for label, key, hps, *schedule in entries:  # an entry may carry a schedule preset
        full = "full" if _needs_full(key) else record  # what is drawn beside the path lives in the state
        todo.append((label, key, hp_key(hps), full, schedule[0] if schedule else "none"))
    runs, outs = [], {}
    _local.ahead = _send_ahead([(key, surface_key, hps, tuple(start), int(steps), noise, seed, full, sched)
                                for _, key, hps, full, sched in todo])
    try:
        for i, (label, key, hps, full, sched) in enumerate(todo):
            out = trajectory(key, surface_key, hps, tuple(start), int(steps), noise, seed, full, sched)
            outs[label] = out
            runs.append(plots.Run(label, plots.color_for(i), out["path"], out["loss"], out["diverged_at"],
                                  plots.style.dash_for(i), **(extras(key, out) if full == "full" else {})))
    finally:
        for job in _local.ahead.values():  # not reached: an earlier run raised
            job.cancel()
        _local.ahead = {}
    return runs, outs


def race_image(surface_key: str, start, view: str = "overlay") -> str:
    """The map behind a race: the surface's box grown to include the start, cached per surface and box."""
    bounds = plots.style.view_bounds(surfaces.get(surface_key), [start])
    return contour_image(surface_key, tuple(map(tuple, bounds)), 640 if view == "overlay" else 360)


@lru_cache(maxsize=64)
def morph_paths(opt_key: str, surface_key: str, hp_items: tuple, name: str, stops: tuple, start: tuple, steps: int,
                noise: float = 0.0, seed: int = 0, schedule: str = "none") -> tuple:
    """One optimizer's run at every stop of hyperparameter `name`, the others as given, as morph blobs (computed to
    horizon(steps) and cut, as trajectory() does)."""
    steps = int(steps)
    if schedule != "none" or optimizers.get(opt_key).step is not None:
        runs = _morph_runs(opt_key, surface_key, hp_items, name, stops, start, steps, noise, seed, schedule)
    else:
        runs = [(p[:steps + 1], loss[:steps + 1]) for p, loss in
                _morph_runs(opt_key, surface_key, hp_items, name, stops, start, horizon(steps), noise, seed, "none")]
    return plots.race_data.morph_blobs(surfaces.get(surface_key), runs)


@lru_cache(maxsize=32)
def _morph_runs(opt_key: str, surface_key: str, hp_items: tuple, name: str, stops: tuple, start: tuple, steps: int,
                noise: float, seed: int, schedule: str) -> tuple:
    """(path, loss) of each stop. Without noise one batched call runs every stop; with noise each stop runs alone,
    so that each draws the same noise as the race's own run (a batch draws one noise array for all its rows)."""
    hps, surface = dict(hp_items), surfaces.get(surface_key)
    lr = hps.get("lr", optimizers.get(opt_key).defaults()["lr"])
    spec = schedule_spec(schedule, opt_key, steps, lr)
    if noise == 0.0 and not (schedule == "onecycle" and name == "lr"):  # OneCycleLR's peak is α itself: one by one
        [traj] = pool.run([pool.Call(opt_key, surface, np.array(start, dtype=float), int(steps),
                                     dict(record="path", lr_schedule=spec, **{**hps, name: np.array(stops, dtype=float)}))])
        return tuple((_frozen(traj.path[i]), _frozen(traj.loss[i])) for i in range(len(stops)))
    calls = [pool.Call(opt_key, surface, np.array(start, dtype=float), int(steps),
                       dict(noise=float(noise), seed=int(seed), record="path", **{**hps, name: float(value)},
                            lr_schedule=schedule_spec(schedule, opt_key, steps, value if name == "lr" else lr)))
             for value in stops]
    return tuple((_frozen(traj.path), _frozen(traj.loss)) for traj in pool.run(calls))
