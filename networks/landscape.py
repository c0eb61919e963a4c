"""The loss over a plane through parameter space, with a training path on it (Li et al. 2018, §6).

The plane is spanned by the two main directions of the path (PCA of θᵢ − θ_origin, not mean-centred, as Li et
al. do with the final parameters as origin). The path's coordinates are its projection onto that plane; the
surface is the loss at origin + a·d₁ + b·d₂, exactly. The path itself leaves the plane whenever the two directions
explain less than all of its movement, so the loss along the path and the surface under its projection differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layers import Sequential
from .train import loss_value


@dataclass
class Plane:
    origin: np.ndarray  # (P,)
    directions: np.ndarray  # (2, P), orthonormal
    explained: np.ndarray  # (2,) share of the squared movement each direction carries


def pca_plane(paths, origin) -> Plane:
    """The plane through `origin` spanned by the two main directions of the paths (a list of (R, P), NaN rows ignored)."""
    origin = np.asarray(origin, dtype=np.float64)
    rows = np.concatenate([p[np.isfinite(p).all(axis=1)] for p in paths]) - origin
    rows = rows[np.abs(rows).sum(axis=1) > 0]
    directions = np.zeros((2, origin.size))
    explained = np.zeros(2)
    if rows.shape[0]:
        _, s, vt = np.linalg.svd(rows, full_matrices=False)
        k = min(2, vt.shape[0])
        directions[:k] = vt[:k]
        total = float((s * s).sum())
        explained[:k] = (s[:k] ** 2) / total if total > 0 else 0.0
    for i in range(2):  # no movement in a direction (one step, a still run): any unit vector orthogonal to the first
        if not np.any(directions[i]):
            e = np.zeros(origin.size)
            e[i % origin.size] = 1.0
            if i:
                e -= directions[0] * (directions[0] @ e)
                if not np.any(e):
                    e[(i + 1) % origin.size] = 1.0
            directions[i] = e / np.linalg.norm(e)
    # sign: the first path's start sits at positive coordinates, so pictures do not flip between runs
    start = np.asarray(paths[0][0]) - origin
    for i in range(2):
        if directions[i] @ start < 0:
            directions[i] = -directions[i]
    return Plane(origin, directions, explained)


def project(plane: Plane, path) -> np.ndarray:
    """(R, P) -> (R, 2) coordinates in the plane (NaN rows stay NaN)."""
    return (np.asarray(path) - plane.origin) @ plane.directions.T


def loss_surface(model: Sequential, X, y, plane: Plane, a, b, loss: str = "mse", budget: int = 4_000_000):
    """The loss at origin + a·d₁ + b·d₂ over the grid a × b: (len(b), len(a)). Evaluated in chunks of about
    `budget` activations so memory stays bounded on large models."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    A, B = np.meshgrid(a, b)
    points = plane.origin + A.reshape(-1, 1) * plane.directions[0] + B.reshape(-1, 1) * plane.directions[1]
    widest = max(getattr(m, "out_features", 0) for m in model.modules)
    chunk = max(1, budget // max(1, X.shape[0] * widest))
    out = np.empty(points.shape[0])
    for i in range(0, points.shape[0], chunk):
        out[i:i + chunk] = loss_value(model, points[i:i + chunk], X, y, loss)
    return out.reshape(B.shape)
