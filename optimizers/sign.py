"""Optimizers that step by the sign of a gradient: Rprop (torch.optim.Rprop) and Lion (lion-pytorch).

Rprop (Riedmiller & Braun 1993): each coordinate keeps its own step size, grown by η₊ while the gradient keeps its
sign and cut by η₋ when it flips; the step is −sign(g)·size, so the gradient's magnitude never matters.

    s = sign(gₜ · gₜ₋₁);   Δₜ = clip(Δₜ₋₁ · {η₊ if s > 0, η₋ if s < 0, 1 otherwise}, Δ_min, Δ_max)
    gₜ ← 0 where s < 0 (no step after a sign flip);   θₜ₊₁ = θₜ − sign(gₜ) Δₜ

Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"): the sign of an interpolation between the
momentum and the gradient; the momentum is then updated with a second, slower rate.

    u = sign(β₁ m + (1 − β₁) g);   θ ← θ(1 − αλ) − α u;   m ← β₂ m + (1 − β₂) g
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .base import Hyperparameter, Optimizer, beta, lr, weight_decay


class RpropState(NamedTuple):
    prev: np.ndarray
    step_size: np.ndarray


def rprop_init(theta, hp):
    return RpropState(np.zeros_like(theta), np.zeros_like(theta) + hp.lr)


def rprop_update(g, state, theta, t, hp):
    s = np.sign(g * state.prev)
    factor = np.where(s > 0, hp.etaplus, np.where(s < 0, hp.etaminus, 1.0))
    size = np.clip(state.step_size * factor, hp.step_size_min, hp.step_size_max)
    g = np.where(s < 0, 0.0, g)  # after a sign flip: no step, and no flip seen at the next step
    return -np.sign(g) * size, RpropState(g, size)


def _check_etas(values: dict) -> None:
    lo, hi = np.asarray(values["etaminus"]), np.asarray(values["etaplus"])
    if not (np.all(lo > 0.0) and np.all(lo < 1.0) and np.all(hi > 1.0)):
        raise ValueError(f"Invalid eta values: {values['etaminus']}, {values['etaplus']}")


RPROP = Optimizer(
    key="rprop", label="Rprop", torch="torch.optim.Rprop(params, lr=0.01, etas=(0.5, 1.2), step_sizes=(1e-06, 50))",
    summary="Only the gradient's sign counts: each coordinate grows its own step while the sign holds, halves it on a flip.",
    hyperparameters=(
        Hyperparameter("lr", "α", 0.01, 0.0, slider=(1e-5, 10.0), scale="log", error="Invalid learning rate",
                       help="Learning rate: Rprop's initial step size Δ₀ for every coordinate (then each adapts)."),
        Hyperparameter("etaminus", "η₋", 0.5, 0.0, slider=(0.05, 0.95), torch="etas[0]", error="Invalid eta values",
                       help="Step-size factor after a sign flip (torch: etas[0], between 0 and 1)."),
        Hyperparameter("etaplus", "η₊", 1.2, 0.0, slider=(1.01, 3.0), torch="etas[1]", error="Invalid eta values",
                       help="Step-size factor while the sign holds (torch: etas[1], above 1)."),
        Hyperparameter("step_size_min", "Δ_min", 1e-6, 0.0, slider=(1e-12, 1e-2), scale="log", torch="step_sizes[0]",
                       help="The smallest step size."),
        Hyperparameter("step_size_max", "Δ_max", 50.0, 0.0, slider=(1e-2, 1e3), scale="log", torch="step_sizes[1]",
                       help="The largest step size."),
    ),
    equations=(
        r"s = \operatorname{sign}(g_t\, g_{t-1}),\quad \Delta_t = \operatorname{clip}\big(\Delta_{t-1}\cdot"
        r"\{\eta_+ \text{ if } s>0,\ \eta_- \text{ if } s<0,\ 1\},\ \Delta_{\min}, \Delta_{\max}\big)",
        r"g_t \leftarrow 0 \text{ where } s < 0,\qquad \theta_{t+1} = \theta_t - \operatorname{sign}(g_t)\,\Delta_t",
    ),
    init=rprop_init, update=rprop_update, check=_check_etas, pairs={"etas": ("etaminus", "etaplus"),
                                                                     "step_sizes": ("step_size_min", "step_size_max")},
    convention="torch's Rprop (iRprop⁻): after a sign flip the gradient is set to 0, so that coordinate does not move "
    "and its next step sees no flip. It is a full-batch method: noisy gradients flip signs at random.",
    reference="Riedmiller & Braun 1993, 'A Direct Adaptive Method for Faster Backpropagation Learning: The RPROP "
    "Algorithm'",
)


class LionState(NamedTuple):
    exp_avg: np.ndarray


def lion_init(theta, hp):
    return LionState(np.zeros_like(theta))


def lion_update(g, state, theta, t, hp):
    m = state.exp_avg
    u = np.sign(m * hp.beta1 + g * (1.0 - hp.beta1))
    step = u * -hp.lr
    if not (isinstance(hp.weight_decay, float) and hp.weight_decay == 0.0):
        step = theta * (1.0 - hp.lr * hp.weight_decay) + step - theta  # θ(1 − αλ) − αu, as a step
    return step, LionState(m * hp.beta2 + g * (1.0 - hp.beta2))


LION = Optimizer(
    key="lion", label="Lion", torch="lion_pytorch.Lion(params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0)",
    summary="Sign of a momentum blend: every coordinate moves by exactly α, so α must be 3–10× smaller than Adam's.",
    hyperparameters=(
        lr(1e-4),
        beta(0, 0.9, "How much of the momentum enters the step's sign (the rest is the new gradient)."),
        Hyperparameter("beta2", "β₂", 0.99, 0.0, 1.0, high_open=True, slider=(0.5, 0.9999), scale="log1m",
                       torch="betas[1]", error="Invalid beta parameter at index 1",
                       help="How slowly the momentum itself follows the gradients."),
        weight_decay(help="Decoupled decay λ: θ shrinks by αλθ each step, as in AdamW."),
    ),
    equations=(
        r"u_t = \operatorname{sign}\big(\beta_1 m_{t-1} + (1-\beta_1)\, g_t\big)",
        r"\theta_{t+1} = \theta_t(1-\alpha\lambda) - \alpha\, u_t,\qquad m_t = \beta_2 m_{t-1} + (1-\beta_2)\, g_t",
    ),
    init=lion_init, update=lion_update,
    convention="Equal to the lion-pytorch package's Lion (use_triton=False): decay and step first, then the momentum "
    "update. It is not in torch.optim.",
    reference="Chen et al. 2023, 'Symbolic Discovery of Optimization Algorithms', arXiv:2302.06675",
)
