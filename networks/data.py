"""Datasets made in NumPy: the article's 10-D regression and four 2-D classification sets.

Each returns X (N, in) and y (N, 1) as float64; the same arguments give the same numbers.
"""

from __future__ import annotations

import numpy as np

REGRESSION_KINDS = ("linear", "nonlinear")
CLASSIFICATION = ("moons", "circles", "spirals", "xor")
MAX_POINTS = 100_000


def _check(n, noise, seed):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_POINTS:
        raise ValueError(f"Invalid n: {n!r} (expected an integer from 1 to {MAX_POINTS:,})")
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.floating, np.integer)) or not (
            np.isfinite(noise) and noise >= 0):
        raise ValueError(f"Invalid noise: {noise!r} (expected a number ≥ 0)")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"Invalid seed: {seed!r} (expected an integer ≥ 0)")
    return np.random.default_rng(seed)


def regression(n: int = 200, noise: float = 0.1, seed: int = 0, kind: str = "linear", dim: int = 10):
    """x ~ N(0, I) in `dim` dimensions; y = a hidden map of x plus N(0, noise²).

    linear: y = w·x + b with w ~ N(0, 1/dim) (the article's model can fit it exactly, down to the noise).
    nonlinear: y = sin(u) + ½ v² with u, v two hidden projections of x (a linear model cannot).
    """
    rng = _check(n, noise, seed)
    if kind not in REGRESSION_KINDS:
        raise ValueError(f"Unknown regression kind {kind!r}. Valid: {', '.join(REGRESSION_KINDS)}")
    X = rng.standard_normal((n, dim))
    w = rng.standard_normal((dim, 2)) / np.sqrt(dim)
    b = rng.standard_normal()
    u, v = (X @ w).T
    clean = u + b if kind == "linear" else np.sin(2.0 * u) + 0.5 * v * v
    return X, (clean + noise * rng.standard_normal(n))[:, None]


def classification(name: str, n: int = 200, noise: float = 0.1, seed: int = 0):
    """Two classes in the plane, labels 0 and 1, about half each; inputs roughly in [−1.5, 1.5]²."""
    rng = _check(n, noise, seed)
    if name not in CLASSIFICATION:
        raise ValueError(f"Unknown dataset {name!r}. Valid: {', '.join(CLASSIFICATION)}")
    label = np.arange(n) % 2  # alternate: any prefix is balanced
    if name == "moons":  # two interleaved half circles
        a = rng.uniform(0.0, np.pi, n)
        X = np.where(label[:, None] == 0, np.c_[np.cos(a), np.sin(a)], np.c_[1.0 - np.cos(a), 0.5 - np.sin(a)])
        X = (X - [0.5, 0.25]) / 1.0
    elif name == "circles":  # a ring around a disc
        a = rng.uniform(0.0, 2 * np.pi, n)
        r = np.where(label == 0, 1.0, 0.5)
        X = r[:, None] * np.c_[np.cos(a), np.sin(a)]
    elif name == "spirals":  # two arms, one and a half turns each
        s = rng.uniform(0.0, 1.0, n)
        a = 3.0 * np.pi * s + np.pi * label
        X = (0.15 + 1.1 * s)[:, None] * np.c_[np.cos(a), np.sin(a)]
    else:  # xor: the sign of x·y
        X = rng.uniform(-1.0, 1.0, (n, 2))
        X += 0.1 * np.sign(X)  # a margin around the axes
        label = (X[:, 0] * X[:, 1] < 0).astype(int)
    X = X + noise * rng.standard_normal((n, 2))
    return X, label.astype(np.float64)[:, None]
