"""The two losses of the page, as torch defines them (reduction="mean": over every element)."""

from __future__ import annotations

import numpy as np


def mse(pred, y):
    """nn.MSELoss(): mean of (pred − y)². pred (…, N, out), y (N, out) -> (…)."""
    d = pred - y
    return np.mean(d * d, axis=(-2, -1))


def mse_grad(pred, y):
    return (2.0 / pred.size) * (pred - y)


def bce(z, y):
    """nn.BCEWithLogitsLoss(): mean of max(z, 0) − z·y + log(1 + e^−|z|), the stable form of −y log σ(z) − (1−y) log(1−σ(z))."""
    return np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z))), axis=(-2, -1))


def bce_grad(z, y):
    return (sigmoid(z) - y) / z.size


def sigmoid(z):
    e = np.exp(-np.abs(z))  # never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


LOSSES = {"mse": (mse, mse_grad), "bce": (bce, bce_grad)}
TORCH_NAMES = {"mse": "nn.MSELoss()", "bce": "nn.BCEWithLogitsLoss()"}


def get(name: str):
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown loss {name!r}. Valid: {', '.join(LOSSES)}") from None
