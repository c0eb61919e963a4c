"""Per-parameter step sizes from the gradients' own history: Adagrad, RMSprop, Adadelta.

    Adagrad   (Duchi, Hazan & Singer 2011):  Gₜ = Gₜ₋₁ + gₜ²,  θ ← θ − α/(√Gₜ + ε) · gₜ
    RMSprop   (Hinton, Coursera lecture 6e): E[g²]ₜ = ρ E[g²]ₜ₋₁ + (1 − ρ) gₜ²,  θ ← θ − α/(√E[g²]ₜ + ε) · gₜ
    Adadelta  (Zeiler 2012):                 Δθₜ = −√(E[Δθ²]ₜ₋₁ + ε)/√(E[g²]ₜ + ε) · gₜ

Everything is elementwise, so each coordinate gets its own effective learning rate.
Convention: torch calls RMSprop's decay `alpha` (we show it as ρ, since α is the learning rate);
Adagrad and RMSprop put ε outside the root, Adadelta inside both roots; torch's Adadelta also
multiplies the step by lr (default 1.0, which is Zeiler's original).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .base import Hyperparameter, Optimizer, eps, l2, lerp, lr, running_square, weight_decay


class AdagradState(NamedTuple):
    sum: np.ndarray


def adagrad_init(theta, hp):
    return AdagradState(np.zeros_like(theta) + hp.initial_accumulator_value)


def adagrad_update(g, state, theta, t, hp):
    g = l2(g, theta, hp.weight_decay)
    clr = hp.lr / (1.0 + (t - 1) * hp.lr_decay)
    s = g * g
    s += state.sum
    den = np.sqrt(s)
    den += hp.eps
    step = g * -clr
    step /= den
    return step, AdagradState(s)


class RMSpropState(NamedTuple):
    square_avg: np.ndarray
    grad_avg: np.ndarray | None
    momentum_buffer: np.ndarray | None


def rmsprop_init(theta, hp):
    zeros = np.zeros_like(theta)
    uses_momentum = not (isinstance(hp.momentum, float) and hp.momentum == 0.0)
    return RMSpropState(zeros, zeros if hp.centered else None, zeros if uses_momentum else None)


def rmsprop_update(g, state, theta, t, hp):
    g = l2(g, theta, hp.weight_decay)
    v = running_square(state.square_avg, g, hp.alpha)
    gbar = state.grad_avg
    if hp.centered:
        gbar = lerp(gbar, g, 1.0 - hp.alpha)
        # v − ḡ² can round below 0 for a near-constant gradient; torch then yields NaN, and so do we
        den = gbar * gbar
        np.subtract(v, den, out=den)
        np.sqrt(den, out=den)
    else:
        den = np.sqrt(v)
    den += hp.eps
    b = state.momentum_buffer
    if b is None:
        step = g * -hp.lr
        step /= den
        return step, RMSpropState(v, gbar, None)
    nb = g / den
    nb += hp.momentum * b
    return nb * -hp.lr, RMSpropState(v, gbar, nb)


class AdadeltaState(NamedTuple):
    square_avg: np.ndarray
    acc_delta: np.ndarray


def adadelta_init(theta, hp):
    return AdadeltaState(np.zeros_like(theta), np.zeros_like(theta))


def adadelta_update(g, state, theta, t, hp):
    g = l2(g, theta, hp.weight_decay)
    rho = hp.rho
    v = running_square(state.square_avg, g, rho)
    delta = state.acc_delta + hp.eps
    np.sqrt(delta, out=delta)
    den = v + hp.eps
    np.sqrt(den, out=den)
    delta /= den
    delta *= g
    u = running_square(state.acc_delta, delta, rho)
    return delta * -hp.lr, AdadeltaState(v, u)


ADAGRAD = Optimizer(
    key="adagrad", label="AdaGrad", torch="torch.optim.Adagrad(params, lr=0.01)",
    summary="Divides each parameter's step by the root of its summed squared gradients: the effective rate "
    "α/(√G + ε) only ever shrinks (the step itself still grows with g).",
    hyperparameters=(
        lr(1e-2),
        Hyperparameter("lr_decay", "η_d", 0.0, 0.0, slider=(0.0, 0.1), error="Invalid lr_decay value",
                       help="Learning-rate decay: step t uses α / (1 + (t − 1)·lr_decay)."),
        weight_decay(),
        Hyperparameter("initial_accumulator_value", "G₀", 0.0, 0.0, slider=(0.0, 1.0),
                       error="Invalid initial_accumulator_value value",
                       help="Starting value of the squared-gradient sum G; > 0 softens the very first steps."),
        eps(1e-10),
    ),
    equations=(
        r"G_t = G_{t-1} + g_t \odot g_t",
        r"\theta_{t+1} = \theta_t - \frac{\alpha}{\sqrt{G_t} + \epsilon} \odot g_t",
    ),
    init=adagrad_init, update=adagrad_update,
    convention="torch names G `sum`, puts ε outside the root and starts G at initial_accumulator_value.",
    reference="Duchi, Hazan & Singer 2011, JMLR 12",
)

RMSPROP = Optimizer(
    key="rmsprop", label="RMSProp", torch="torch.optim.RMSprop(params, lr=0.01, alpha=0.99)",
    summary="AdaGrad with a leaky memory: a running mean of squared gradients, so steps can grow again.",
    hyperparameters=(
        lr(1e-2),
        Hyperparameter("alpha", "ρ", 0.99, 0.0, 1.0, slider=(0.5, 0.9999), scale="log1m", error="Invalid alpha value",
                       help="Decay of the squared-gradient average (torch: alpha). Near 1: long memory."),
        eps(1e-8),
        weight_decay(),
        Hyperparameter("momentum", "μ", 0.0, 0.0, slider=(0.0, 0.99), error="Invalid momentum value",
                       help="Momentum on the scaled step (0: none)."),
        Hyperparameter("centered", "centered", False,
                       help="Divide by the gradient's variance estimate E[g²] − E[g]² instead of E[g²]."),
    ),
    equations=(
        r"E[g^2]_t = \rho\, E[g^2]_{t-1} + (1-\rho)\, g_t^2",
        r"\theta_{t+1} = \theta_t - \frac{\alpha}{\sqrt{E[g^2]_t} + \epsilon}\, g_t",
    ),
    init=rmsprop_init, update=rmsprop_update,
    convention="torch calls ρ `alpha` and E[g²] `square_avg`; there is no bias correction, so the first steps "
    "are large (E[g²]₁ = (1 − ρ)g₁², a step of about α/√(1 − ρ) = 10α at ρ = 0.99).",
    reference="Hinton, Srivastava & Swersky, Neural Networks for ML, lecture 6e (2012)",
)

ADADELTA = Optimizer(
    key="adadelta", label="AdaDelta", torch="torch.optim.Adadelta(params, lr=1.0, rho=0.9)",
    summary="RMSProp whose numerator is a running RMS of past steps: units match, and no learning rate is needed.",
    hyperparameters=(
        lr(1.0, high=10.0),
        Hyperparameter("rho", "ρ", 0.9, 0.0, 1.0, slider=(0.5, 0.9999), scale="log1m", error="Invalid rho value",
                       help="Decay of both running averages (squared gradients and squared steps)."),
        eps(1e-6, help="Inside both roots: sets the size of the very first steps (√ε / √(E[g²] + ε))."),
        weight_decay(),
    ),
    equations=(
        r"E[g^2]_t = \rho\, E[g^2]_{t-1} + (1-\rho)\, g_t^2",
        r"\Delta\theta_t = -\frac{\sqrt{E[\Delta\theta^2]_{t-1} + \epsilon}}{\sqrt{E[g^2]_t + \epsilon}}\, g_t",
        r"E[\Delta\theta^2]_t = \rho\, E[\Delta\theta^2]_{t-1} + (1-\rho)\, \Delta\theta_t^2",
        r"\theta_{t+1} = \theta_t + \alpha\, \Delta\theta_t",
    ),
    init=adadelta_init, update=adadelta_update,
    convention="torch names E[g²] `square_avg` and E[Δθ²] `acc_delta`, and scales the step by lr (1.0 = Zeiler's).",
    reference="Zeiler 2012, arXiv:1212.5701",
)
