"""The surface declaration: formula, value, analytic gradient, plotting bounds, minima, default start.

Points live on the last axis, so one surface serves a single point (2,), a batch (B, 2) and a
contour grid (H, W, 2). ``fn(x, y)`` and ``grad_fn(x, y)`` receive the two coordinate arrays and
return the value array and the pair (df/dx, df/dy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

Point = tuple[float, float]


def _split(xy) -> tuple[np.ndarray, np.ndarray]:
    xy = np.asarray(xy, dtype=np.float64)
    if xy.ndim == 0 or xy.shape[-1] != 2:
        raise ValueError(f"Expected points with a last axis of length 2, got shape {xy.shape}")
    return xy[..., 0], xy[..., 1]


@dataclass(frozen=True)
class Surface:
    key: str
    label: str
    latex: str  # for st.latex
    description: str  # one sentence for learners: what the surface teaches
    fn: Callable[[np.ndarray, np.ndarray], np.ndarray] = field(repr=False)
    grad_fn: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] = field(repr=False)
    bounds: tuple[tuple[float, float], tuple[float, float]]  # ((xmin, xmax), (ymin, ymax)) for plots
    start: Point
    minima: tuple[Point, ...]  # global minima; () when unbounded below
    min_value: float | None  # None when unbounded below
    log_contour: bool = False  # values span decades: contour levels read better on a log scale
    # Other critical points worth drawing (verified by the tests). Listed completely except on
    # Rastrigin and Ackley, whose grids of local minima are left undeclared.
    local_minima: tuple[Point, ...] = ()
    local_maxima: tuple[Point, ...] = ()
    saddle_points: tuple[Point, ...] = ()

    def value(self, xy) -> np.ndarray:
        """f at points (..., 2) -> (...). Diverged inputs give inf/nan silently."""
        x, y = _split(xy)
        # Diverging optimizers evaluate at ~1e200; overflow to inf is the honest answer there.
        with np.errstate(over="ignore", invalid="ignore"):
            return self.fn(x, y)

    def grad(self, xy) -> np.ndarray:
        """Analytic gradient at points (..., 2) -> (..., 2)."""
        x, y = _split(xy)
        with np.errstate(over="ignore", invalid="ignore"):
            return self._pack(x, y)

    def raw_grad(self, xy: np.ndarray) -> np.ndarray:
        """grad() without input conversion or warning guard, for a caller that holds np.errstate already
        and passes float64 arrays (the optimizer runner: at one trajectory those guards are a third of a step)."""
        return self._pack(xy[..., 0], xy[..., 1])

    def _pack(self, x, y) -> np.ndarray:
        gx, gy = self.grad_fn(x, y)
        out = np.empty(x.shape + (2,))  # np.stack costs ~2 µs per call
        out[..., 0] = gx
        out[..., 1] = gy
        return out
