"""Adafactor (Shazeer & Stern 2018) as torch.optim.Adafactor computes it for a vector of parameters.

Adam's second moment with a decay that grows with t, no first moment, and two scales taken from the whole tensor:
the step is relative to the parameters' RMS, and the update is clipped to an RMS of at most d.

    β̂₂ₜ = 1 − t^c (c = beta2_decay ≤ 0);   vₜ = β̂₂ₜ vₜ₋₁ + (1 − β̂₂ₜ) gₜ²
    ρₜ = min(α, 1/√t);   aₜ = max(ε₂, RMS(θₜ)) ρₜ;   u = gₜ / √max(vₜ, ε₁²)
    θₜ₊₁ = θₜ(1 − αλ) − aₜ u / max(1, RMS(u)/d)

For matrices torch factors v into row and column means (that is the "factor" of the name); the parameter vectors of
the Playground's surfaces take the unfactored branch above. RMS(θ) and RMS(u) are over the whole vector, so unlike
the other optimizers a coordinate's step depends on the others (`elementwise=False`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .base import Hyperparameter, Optimizer, lerp, lr, weight_decay

MACHINE_EPS = float(np.finfo(np.float64).eps)  # torch's eps[0]=None: float64's machine epsilon


class AdafactorState(NamedTuple):
    variance: np.ndarray


def init(theta, hp):
    return AdafactorState(np.zeros_like(theta))


def _rms(a):
    return np.sqrt((a * a).sum(axis=-1, keepdims=True)) / np.sqrt(a.shape[-1])


def update(g, state, theta, t, hp):
    one_minus_beta2 = float(t) ** hp.beta2_decay
    rho = np.minimum(hp.lr, 1.0 / t**0.5)
    alpha = np.maximum(hp.eps2, _rms(theta)) * rho
    v = lerp(state.variance, g * g, one_minus_beta2)
    u = g / np.sqrt(np.maximum(v, hp.eps1 * hp.eps1))
    denom = np.maximum(1.0, _rms(u) / hp.d)
    new = theta if isinstance(hp.weight_decay, float) and hp.weight_decay == 0.0 else theta * (1.0 - hp.lr * hp.weight_decay)
    new = new + u * (-alpha / denom)
    return new - theta, AdafactorState(v)


ADAFACTOR = Optimizer(
    key="adafactor", label="Adafactor",
    torch="torch.optim.Adafactor(params, lr=0.01, beta2_decay=-0.8, eps=(None, 0.001), d=1.0)",
    summary="Adam's second moment with a growing decay, steps relative to the parameters' size, and update clipping.",
    hyperparameters=(
        lr(0.01),
        Hyperparameter("beta2_decay", "c", -0.8, -np.inf, 0.0, slider=(-1.0, 0.0), error="Invalid beta2_decay value",
                       help="β̂₂ₜ = 1 − t^c: the second moment's memory grows with t (c ≤ 0)."),
        Hyperparameter("eps1", "ε₁", MACHINE_EPS, 0.0, slider=(1e-20, 1e-2), scale="log", torch="eps[0]",
                       none=MACHINE_EPS, error="Invalid epsilon1 value",
                       help="Floor of v under the root (torch's eps[0]; None is float64's machine epsilon)."),
        Hyperparameter("eps2", "ε₂", 1e-3, 0.0, slider=(1e-8, 1.0), scale="log", torch="eps[1]",
                       error="Invalid epsilon2 value", help="Floor of RMS(θ): lets parameters that start at 0 move."),
        Hyperparameter("d", "d", 1.0, 1.0, slider=(1.0, 10.0), error="Invalid clipping threshold d",
                       help="Clipping threshold: the update's RMS is scaled down to at most d."),
        weight_decay(help="Decoupled decay λ: θ shrinks by αλθ each step."),
    ),
    equations=(
        r"\hat\beta_{2t} = 1 - t^{c},\quad v_t = \hat\beta_{2t} v_{t-1} + (1-\hat\beta_{2t})\, g_t^2",
        r"a_t = \max\big(\epsilon_2, \operatorname{RMS}(\theta_t)\big)\min\big(\alpha, 1/\sqrt t\big),\quad "
        r"u_t = \frac{g_t}{\sqrt{\max(v_t, \epsilon_1^2)}}",
        r"\theta_{t+1} = \theta_t(1-\alpha\lambda) - \frac{a_t\, u_t}{\max\big(1, \operatorname{RMS}(u_t)/d\big)}",
    ),
    init=init, update=update, pairs={"eps": ("eps1", "eps2")}, elementwise=False,
    convention="torch's Adafactor on a vector (unfactored: matrices get row and column statistics instead). The step "
    "size is relative: a parameter vector near 0 moves by about ε₂·α per step at first.",
    reference="Shazeer & Stern 2018, 'Adafactor: Adaptive Learning Rates with Sublinear Memory Cost', ICML",
)
