"""Online convex problems on which Adam provably fails (Reddi, Kale & Kumar 2018), as engine surfaces.

A loss that changes with the step: fₜ(x) = cₜ·x on the feasible set F = [−1, 1], with cₜ = C on one
step of every period (t mod P = 1) and −c on all the others. When C > (P − 1)·c the sum of the
losses grows with x, so the best fixed point is x* = −1; Adam nevertheless drifts to +1.

    problem = online.FIG1                       # fₜ(x) = 1010x if t mod 101 = 1 else −10x
    traj = optimizers.simulate("adam", problem, [0.0], 20200, record="path", lr=0.02, betas=(0.9, 0.99))
    online.average_regret(problem, traj.path)  # Rₜ/t for t = 1..T

The runner asks `grad_at(x, t)` for the gradient of step t (1-based) and `project(x)` after every
step; `value` and `grad` are those of the per-step average (C − (P − 1)c)/P · x, what the loss
panel plots. Points are (..., 1): the parameter vector has one coordinate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class OnlineLinear:
    key: str
    label: str
    latex: str
    big: float  # C: the coefficient on the rare step
    small: float  # c: the loss is −c·x on every other step
    period: int  # P
    low: float = -1.0
    high: float = 1.0

    @property
    def mean_coefficient(self) -> float:
        """The average slope per step, (C − (P − 1)c)/P: positive means the optimum is x = −1."""
        return (self.big - (self.period - 1) * self.small) / self.period

    @property
    def optimum(self) -> float:
        return self.low if self.mean_coefficient > 0 else self.high

    @property
    def bounds(self) -> tuple[float, float]:
        return self.low, self.high

    def coefficient(self, t) -> np.ndarray:
        """cₜ for 1-based steps t (scalar or array)."""
        t = np.asarray(t)
        return np.where(t % self.period == 1 % self.period, self.big, -self.small).astype(np.float64)

    def grad_at(self, x, t: int) -> np.ndarray:
        # called once per step of a run that may take 200 000 steps: np.full, not np.full_like (~0.5 µs less)
        return np.full(np.shape(x), self.big if t % self.period == 1 % self.period else -self.small)

    def grad(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        return np.full_like(x, self.mean_coefficient)

    def value(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        return self.mean_coefficient * x[..., 0]

    def project(self, x) -> np.ndarray:
        """np.clip(x, low, high), as two ufuncs: np.clip's Python-level dispatch costs ~3 µs a step (NaN stays NaN)."""
        return np.minimum(np.maximum(x, self.low), self.high)


def average_regret(problem: OnlineLinear, path) -> np.ndarray:
    """Rₜ/t for t = 1..T from a path (T + 1, 1) recorded at every step (path[t − 1] = xₜ, the point fₜ is paid at).

    Rₜ = Σₛ≤ₜ fₛ(xₛ) − min over x in F of Σₛ≤ₜ fₛ(x); the minimum of a linear sum sits at an end of F.
    """
    x = np.asarray(path, dtype=np.float64)[:-1, 0]
    t = np.arange(1, len(x) + 1)
    c = problem.coefficient(t)
    total = np.cumsum(c)
    best = np.minimum(total * problem.low, total * problem.high)
    return (np.cumsum(c * x) - best) / t


def period_stats(problem: OnlineLinear, path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per full period: (last step of the period, mean, min, max of xₜ over it). Smooths the in-period wobble."""
    x = np.asarray(path, dtype=np.float64)[1:, 0]  # x after steps 1..T
    n = len(x) // problem.period
    block = x[: n * problem.period].reshape(n, problem.period)
    ends = np.arange(1, n + 1) * problem.period
    return ends, block.mean(axis=1), block.min(axis=1), block.max(axis=1)


FIG1 = OnlineLinear(
    key="reddi_fig1", label="Reddi et al. 2018, Figure 1",
    latex=r"f_t(x) = \begin{cases} 1010\,x & t \bmod 101 = 1 \\ -10\,x & \text{otherwise} \end{cases},"
          r"\quad x \in [-1, 1]",
    big=1010.0, small=10.0, period=101,
)


def theorem1(C: float) -> OnlineLinear:
    """Theorem 1's problem: fₜ(x) = C·x if t mod 3 = 1 else −x, for C > 2 (Adam with β₁ = 0, β₂ = 1/(1 + C²))."""
    if not C > 2:
        raise ValueError(f"Theorem 1 needs C > 2, got C={C!r}")
    return OnlineLinear(
        key=f"reddi_theorem1_C{C:g}", label=f"Theorem 1, C = {C:g}",
        latex=rf"f_t(x) = \begin{{cases}} {C:g}\,x & t \bmod 3 = 1 \\ -x & \text{{otherwise}} \end{{cases}},"
              r"\quad x \in [-1, 1]",
        big=float(C), small=1.0, period=3,
    )


def theorem1_beta2(C: float) -> float:
    return 1.0 / (1.0 + C * C)
