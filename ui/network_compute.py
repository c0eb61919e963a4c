"""The network page's expensive work, cached on plain values (as ui/compute.py does for the Playground).

Runs are cached one optimizer at a time, so a slider change retrains one network. What the caches hand out is
read-only: every session shares them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import lru_cache

import numpy as np

import networks
from networks import landscape

from .network_settings import NetSettings

PATH_ROWS = 200  # rows of the recorded path: PCA and the landscape need its shape, not every step
LANDSCAPE_BUDGET = 3e8  # multiply-adds for the landscape grid; its resolution drops on large models


def _frozen(*arrays):
    for a in arrays:
        if isinstance(a, np.ndarray):
            a.flags.writeable = False


def data_key(s: NetSettings) -> tuple:
    return (s.task, s.target, int(s.n), float(s.noise), int(s.dseed))


def model_key(s: NetSettings) -> tuple:
    return (2 if s.classification else 10, int(s.width), int(s.depth), s.act)


def run_key(s: NetSettings, key: str) -> tuple:
    return (data_key(s), model_key(s), key, tuple(sorted(s.hyperparameters(key).items())), int(s.steps),
            int(s.batch), int(s.seed))


def model_of(mkey: tuple) -> networks.Sequential:
    inputs, width, depth, act = mkey
    return networks.mlp(inputs, 1, width, depth, None if act == "none" else act)


@lru_cache(maxsize=32)
def dataset(dkey: tuple):
    task, target, n, noise, seed = dkey
    if task == "regression":
        X, y = networks.data.regression(n=n, noise=noise, seed=seed, kind=target)
    else:
        X, y = networks.data.classification(task, n=n, noise=noise, seed=seed)
    _frozen(X, y)
    return X, y


MAX_WORK = 2e10  # multiply-adds of one page's training (~10–20 s here): beyond, the page asks for a smaller setup
_RUNS: OrderedDict = OrderedDict()  # run key -> Run, the 64 latest; a run of the largest model keeps ~14 MB of path
_LOCK = threading.Lock()


def cached(rkey: tuple) -> bool:
    with _LOCK:
        return rkey in _RUNS


def train(rkey: tuple, progress=None) -> networks.Run:
    """One optimizer's training, cached (shared by every session, read-only)."""
    with _LOCK:
        if rkey in _RUNS:
            _RUNS.move_to_end(rkey)
            return _RUNS[rkey]
    run = _train(rkey, progress)
    with _LOCK:
        _RUNS[rkey] = run
        while len(_RUNS) > 64:
            _RUNS.popitem(last=False)
    return run


def _train(rkey: tuple, progress=None) -> networks.Run:
    dkey, mkey, key, hp_items, steps, batch, seed = rkey
    X, y = dataset(dkey)
    model = model_of(mkey)
    run = networks.train(model, key, X, y, steps, params=model.init(seed=seed), loss="bce" if dkey[0] != "regression" else "mse",
                         batch_size=batch or None, seed=seed, every=max(1, steps // PATH_ROWS), progress=progress,
                         **dict(hp_items))
    _frozen(run.loss, run.path, run.index, run.grad_norm, run.update_norm, *run.params.values())
    return run


def cost(s: NetSettings, optimizers: int | None = None) -> float:
    """Multiply-adds of the training (forward and backward ≈ 3 × parameters × rows × steps per optimizer): a progress
    bar is worth showing above about 1e8, and beyond MAX_WORK the page does not train."""
    model = s.model()
    rows = s.batch or s.n
    return 3.0 * model.size * rows * s.steps * (len(s.optimizers) if optimizers is None else optimizers)


@lru_cache(maxsize=64)
def slice_of(rkeys: tuple, own: int | None) -> dict:
    """The loss over the PCA plane of the runs' paths (all together, origin at the common start; or run `own`
    alone, origin at its end), with each path projected onto it."""
    runs = [train(k) for k in rkeys]
    dkey, mkey = rkeys[0][0], rkeys[0][1]
    X, y = dataset(dkey)
    model = model_of(mkey)
    loss = "bce" if dkey[0] != "regression" else "mse"
    # a diverged run's last finite steps are astronomically far: it would swamp the directions and the box
    kept = [i for i, r in enumerate(runs) if r.diverged_at is None]
    if not kept or (own is not None and own not in kept):
        return {"diverged": True}
    if own is None:
        plane = landscape.pca_plane([runs[i].path for i in kept], runs[0].path[0])
    else:
        plane = landscape.pca_plane([runs[own].path], runs[own].path[-1])
    with np.errstate(all="ignore"):
        xy = [landscape.project(plane, r.path) if i in kept else np.full((r.path.shape[0], 2), np.nan)
              for i, r in enumerate(runs)]
    shown = [p for p in (xy if own is None else [xy[own]])]
    pts = np.concatenate([p[np.isfinite(p).all(axis=1)] for p in shown])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = np.maximum(hi - lo, 1e-3 * max(1.0, float(np.abs(pts).max())))
    lo, hi = lo - 0.25 * span, hi + 0.25 * span
    per_point = 2.0 * model.size * X.shape[0]
    n = int(np.clip(np.sqrt(LANDSCAPE_BUDGET / per_point), 15, 61))
    rows = X.shape[0]
    if per_point * n * n > LANDSCAPE_BUDGET:  # a large model on many points: the loss on a fixed sample of them
        rows = max(256, int(LANDSCAPE_BUDGET / (2.0 * model.size * n * n)))
        take = np.random.default_rng(0).choice(X.shape[0], size=min(rows, X.shape[0]), replace=False)
        X, y = X[take], y[take]
    a, b = np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n)
    grid = landscape.loss_surface(model, X, y, plane, a, b, loss)
    _frozen(a, b, grid, *xy)
    return {"a": a, "b": b, "grid": grid, "xy": xy, "explained": plane.explained.copy(), "rows": int(X.shape[0]),
            "diverged": False, "left_out": [rkeys[i][2] for i in range(len(runs)) if i not in kept]}


@lru_cache(maxsize=32)
def boundary(rkey: tuple, frames: int = 24, px: int = 60) -> dict:
    """P(class 1) over a grid of the input plane at `frames` steps of one run: the decision boundary moving."""
    run = train(rkey)
    X, _ = dataset(rkey[0])
    model = model_of(rkey[1])
    pad = 0.3
    (x0, y0), (x1, y1) = X.min(axis=0) - pad, X.max(axis=0) + pad
    gx, gy = np.linspace(x0, x1, px), np.linspace(y0, y1, px)
    grid = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
    finite = np.flatnonzero(np.isfinite(run.path).all(axis=1))
    rows = np.unique(np.linspace(0, finite[-1], min(frames, finite.size)).round().astype(int))
    with np.errstate(all="ignore"):
        logits = model.forward(run.path[rows], grid)[..., 0]  # (frames, px²)
        prob = networks.losses.sigmoid(logits).reshape(len(rows), px, px)
    _frozen(gx, gy, prob)
    return {"x": gx, "y": gy, "prob": prob, "steps": run.index[rows]}
