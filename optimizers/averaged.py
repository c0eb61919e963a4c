"""Optimizers that average their iterates: ASGD (torch.optim.ASGD) and Schedule-Free AdamW (the schedulefree package).

ASGD (Polyak & Juditsky 1992): SGD with a decaying step ηₜ = α / (1 + λαt)^a, and a running average of the
parameters that starts at step t₀. The path is the parameter; the average `ax` is recorded in the state.

    θ ← θ(1 − λη) − η g;   ax ← ax + μ(θ − ax)  (ax ← θ while μ = 1);   η = α/(1 + λαt)^a,  μ = 1/max(1, t − t₀)

Schedule-Free AdamW (Defazio et al. 2024, "The Road Less Scheduled"): no learning-rate schedule; instead three
sequences. z takes Adam-normalised SGD steps, x is a weighted average of the z's (the point to evaluate), and the
gradient is taken at y, an interpolation of the two:

    y = (1 − β₁) z + β₁ x;   z ← z − γ ĝ;   x ← (1 − cₜ) x + cₜ z,  cₜ = wₜ / Σwᵢ,  wₜ = tʳ γ_max^p

The path drawn is y (where the gradients are taken, the optimizer's train mode); x is recorded in the state.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .base import Hyperparameter, Optimizer, beta, eps, l2, lr, weight_decay


class ASGDState(NamedTuple):
    eta: float | np.ndarray
    mu: float | np.ndarray
    ax: np.ndarray


def asgd_init(theta, hp):
    return ASGDState(hp.lr, 1.0, np.zeros_like(theta))


def asgd_update(g, state, theta, t, hp):
    g = l2(g, theta, hp.weight_decay)
    eta, mu = state.eta, state.mu
    new = theta * (1.0 - hp.lambd * eta)
    new -= eta * g
    if isinstance(mu, float):
        ax = new.copy() if mu == 1.0 else state.ax + (new - state.ax) * mu
    else:
        ax = np.where(mu != 1.0, state.ax + (new - state.ax) * mu, new)
    eta = hp.lr / (np.float64(1.0 + hp.lambd * hp.lr * t) ** hp.alpha)  # NumPy's power: inf, not OverflowError
    mu = 1.0 / max(1.0, t - hp.t0) if isinstance(hp.t0, float) else 1.0 / np.maximum(1.0, t - hp.t0)
    return new - theta, ASGDState(eta, mu, ax)


ASGD = Optimizer(
    key="asgd", label="ASGD", torch="torch.optim.ASGD(params, lr=0.01, lambd=0.0001, alpha=0.75, t0=1000000.0)",
    summary="SGD with a decaying step and a running average of the iterates (the average is what converges).",
    hyperparameters=(
        lr(0.01),
        Hyperparameter("lambd", "λ", 1e-4, 0.0, slider=(1e-6, 10.0), scale="log",
                       help="Decay term: shrinks θ by λη each step and sets how fast η decays."),
        Hyperparameter("alpha", "a", 0.75, 0.0, slider=(0.0, 2.0), help="Power of the step-size decay η = α/(1+λαt)^a."),
        Hyperparameter("t0", "t₀", 1e6, 0.0, slider=(1.0, 1e6), scale="log",
                       help="Step at which averaging starts (before it, the average is the iterate itself)."),
        weight_decay(),
    ),
    equations=(
        r"\theta_{t+1} = \theta_t(1 - \lambda\eta_t) - \eta_t\, g_t,\qquad \eta_{t+1} = \frac{\alpha}{(1+\lambda\alpha t)^a}",
        r"\bar\theta_{t+1} = \bar\theta_t + \mu_t(\theta_{t+1} - \bar\theta_t),\qquad \mu_{t+1} = \frac{1}{\max(1,\ t-t_0)}",
    ),
    init=asgd_init, update=asgd_update, average=("ax", "θ̄, the running average (torch's ax)"),
    convention="torch's ASGD: the path is the parameter θ, and the average θ̄ (torch's state 'ax') is recorded in the "
    "state. With torch's default t₀ = 10⁶ the averaging never starts in a short run: ax follows θ.",
    reference="Polyak & Juditsky 1992, 'Acceleration of Stochastic Approximation by Averaging'",
)


class ScheduleFreeState(NamedTuple):
    z: np.ndarray
    exp_avg_sq: np.ndarray
    x: np.ndarray  # the averaged point (eval mode), derived each step; not a torch state
    weight_sum: float | np.ndarray
    lr_max: float | np.ndarray


def sf_init(theta, hp):
    return ScheduleFreeState(theta.copy(), np.zeros_like(theta), theta.copy(), 0.0, -1.0)


def _torch_lerp(a, b, w):
    """torch's lerp_: a + w(b − a) for |w| < ½, else b − (b − a)(1 − w)."""
    d = b - a
    return np.where(np.abs(w) < 0.5, a + w * d, b - d * (1.0 - w))


def sf_update(g, state, y, t, hp):
    k = t - 1
    sched = (k + 1) / hp.warmup_steps if k < hp.warmup_steps else 1.0
    lr_t = hp.lr * sched
    lr_max = np.maximum(lr_t, state.lr_max) if not isinstance(lr_t, float) else max(lr_t, state.lr_max)
    weight = (np.float64(k + 1) ** hp.r) * (np.float64(lr_max) ** hp.weight_lr_power)  # inf, not OverflowError
    weight_sum = state.weight_sum + weight
    with np.errstate(divide="ignore", invalid="ignore"):
        ckp1 = np.where(weight_sum == 0, 0.0, weight / weight_sum) if not isinstance(weight_sum, float) else (
            weight / weight_sum if weight_sum != 0 else 0.0)
    v = state.exp_avg_sq * hp.beta2
    v += g * g * (1.0 - hp.beta2)
    denom = np.sqrt(v / (1.0 - hp.beta2 ** (k + 1))) + hp.eps
    gn = g / denom
    if not (isinstance(hp.weight_decay, float) and hp.weight_decay == 0.0):
        gn = gn + y * hp.weight_decay
    new = _torch_lerp(y, state.z, ckp1)
    new = new + gn * (lr_t * (hp.beta1 * (1.0 - ckp1) - 1.0))
    z = state.z - gn * lr_t
    # the average x, what eval mode would show: kept as x ← (1 − c)x + c z (the package derives it from y and z as
    # y + (1 − 1/β₁)(z − y), which is the same point and divides by zero at β₁ = 0)
    x = _torch_lerp(state.x, z, ckp1)
    return new - y, ScheduleFreeState(z, v, x, weight_sum, lr_max)


SCHEDULE_FREE_ADAMW = Optimizer(
    key="schedule_free_adamw", label="Schedule-Free AdamW",
    torch="schedulefree.AdamWScheduleFree(params, lr=0.0025, betas=(0.9, 0.999))",
    summary="No schedule needed: gradients at an interpolation y of a fast sequence z and its running average x.",
    hyperparameters=(
        lr(0.0025),
        beta(0, 0.9, "Interpolation between z and the average x where gradients are taken (also the eval shift)."),
        beta(1, 0.999, "Running mean of squared gradients, as in Adam."),
        eps(1e-8),
        weight_decay(help="Decay λ, applied at y inside the normalised step."),
        Hyperparameter("warmup_steps", "warm-up", 0, 0, 100_000, integer=True, slider=(0, 1000),
                       help="Linear learning-rate warm-up over this many steps."),
        Hyperparameter("r", "r", 0.0, 0.0, slider=(0.0, 4.0), help="Polynomial weighting tʳ of the average."),
        Hyperparameter("weight_lr_power", "p", 2.0, 0.0, slider=(0.0, 4.0),
                       help="Average weights ∝ γ_max^p: warm-up steps with a small α count less."),
    ),
    equations=(
        r"y_t = (1-\beta_1)\, z_t + \beta_1 x_t,\qquad \hat g_t = \frac{g(y_t)}{\sqrt{v_t / (1-\beta_2^t)} + \epsilon}",
        r"z_{t+1} = z_t - \gamma_t\, \hat g_t,\qquad x_{t+1} = (1 - c_{t+1})\, x_t + c_{t+1} z_{t+1},"
        r"\quad c_{t+1} = \frac{w_{t+1}}{\sum_{i \le t+1} w_i}",
    ),
    init=sf_init, update=sf_update, average=("x", "x, the average (what eval mode reports)"),
    convention="Equal to the schedulefree package's AdamWScheduleFree in train mode (.train() called once before "
    "the first step). The path drawn is y, where gradients are taken; x, the point eval mode would set (and the one to "
    "report), is recorded in the state as 'x'. Not in torch.optim.",
    reference="Defazio et al. 2024, 'The Road Less Scheduled', arXiv:2405.15682",
)

