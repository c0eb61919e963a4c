"""Adam and its family: AMSGrad, AdamW, NAdam, Adamax, RAdam.

Adam (Kingma & Ba 2015, Algorithm 1), in the article's notation:

    mₜ = β₁ mₜ₋₁ + (1 − β₁) gₜ            first moment: a running mean of gradients (momentum)
    vₜ = β₂ vₜ₋₁ + (1 − β₂) gₜ²           second moment: a running mean of squared gradients (RMSProp)
    m̂ₜ = mₜ / (1 − β₁ᵗ),  v̂ₜ = vₜ / (1 − β₂ᵗ)     bias correction: m₀ = v₀ = 0 pull early estimates to 0
    θₜ₊₁ = θₜ − α m̂ₜ / (√v̂ₜ + ε)

Variants, each a few lines on top:
    AMSGrad (Reddi, Kale & Kumar 2018): divide by the running maximum of vₜ, so steps never grow back.
    AdamW (Loshchilov & Hutter 2019): weight decay applied to θ directly, not through the gradient.
    NAdam (Dozat 2016): Nesterov look-ahead on the first moment, with a warming momentum schedule μₜ.
    Adamax (Kingma & Ba 2015, §7.1): the ∞-norm uₜ = max(β₂uₜ₋₁, |gₜ|) replaces √vₜ.
    RAdam (Liu et al. 2020): no adaptive step until the variance of v̂ is tractable (ρₜ > 5), then a rectifier r.

Convention: torch adds ε after the bias correction, √vₜ/√(1 − β₂ᵗ) + ε, exactly as Algorithm 1;
NAdam puts the correction inside the root; RAdam adds ε to the raw √vₜ. `bias_correction=False` is
this project's textbook "simplified Adam" θ ← θ − α mₜ/(√vₜ + ε); torch has no such switch.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .base import Hyperparameter, Optimizer, beta, decoupled, eps, flag, l2, lerp, lr, running_square, weight_decay


class AdamState(NamedTuple):
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray
    max_exp_avg_sq: np.ndarray | None


def adam_init(theta, hp):
    zeros = np.zeros_like(theta)
    return AdamState(zeros, zeros, zeros if hp.amsgrad else None)


def _decay(g, theta, hp):
    """Coupled (Adam) or decoupled (AdamW) weight decay: returns the gradient and the decay step."""
    if hp.decoupled_weight_decay:
        return g, decoupled(theta, hp.lr, hp.weight_decay)
    return l2(g, theta, hp.weight_decay), 0.0


def adam_update(g, state, theta, t, hp):
    g, shrink = _decay(g, theta, hp)
    m = lerp(state.exp_avg, g, 1.0 - hp.beta1)
    v = running_square(state.exp_avg_sq, g, hp.beta2)
    vmax = np.maximum(state.max_exp_avg_sq, v) if hp.amsgrad else None
    den = np.sqrt(v if vmax is None else vmax)
    # torch's order of operations. Kingma & Ba's cheaper order (both corrections folded into α and ε) is
    # the same math but parts from torch by up to 4e-10 on the chaotic fixtures, against 4e-12 this way
    if hp.bias_correction:
        den /= (1.0 - hp.beta2**t) ** 0.5
        den += hp.eps
        step = m * (-hp.lr / (1.0 - hp.beta1**t))
    else:
        den += hp.eps
        step = m * -hp.lr
    step /= den
    return _plus(step, shrink), AdamState(m, v, vmax)


def _plus(step, shrink):
    """step + shrink, skipping the no-op add of a zero decay step."""
    return step if isinstance(shrink, float) and shrink == 0.0 else step + shrink


class NAdamState(NamedTuple):
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray
    mu_product: float | np.ndarray  # Π μ₁…μₜ: a float, or one per batch row (n, 1) when β₁ or ψ is per row


def nadam_init(theta, hp):
    zeros = np.zeros_like(theta)
    # 1.0 takes μ's shape at the first step: a plain float keeps this scalar bookkeeping cheap
    return NAdamState(zeros, zeros, 1.0)


def nadam_update(g, state, theta, t, hp):
    g, shrink = _decay(g, theta, hp)
    b1, b2, psi = hp.beta1, hp.beta2, hp.momentum_decay
    mu = b1 * (1.0 - 0.5 * 0.96 ** (t * psi))
    mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
    prod = state.mu_product * mu
    m = lerp(state.exp_avg, g, 1.0 - b1)
    v = running_square(state.exp_avg_sq, g, b2)
    den = v / (1.0 - b2**t)
    np.sqrt(den, out=den)
    den += hp.eps
    # two sequential addcdiv_ calls in torch: current gradient, then the look-ahead momentum
    step = g * ((-hp.lr * (1.0 - mu)) / (1.0 - prod))
    step /= den
    ahead = m * ((-hp.lr * mu_next) / (1.0 - prod * mu_next))
    ahead /= den
    step += ahead
    return _plus(step, shrink), NAdamState(m, v, prod)


class AdamaxState(NamedTuple):
    exp_avg: np.ndarray
    exp_inf: np.ndarray


def adamax_init(theta, hp):
    return AdamaxState(np.zeros_like(theta), np.zeros_like(theta))


def adamax_update(g, state, theta, t, hp):
    g = l2(g, theta, hp.weight_decay)
    m = lerp(state.exp_avg, g, 1.0 - hp.beta1)
    u = np.abs(g)
    u += hp.eps
    np.maximum(hp.beta2 * state.exp_inf, u, out=u)
    step = m * (-hp.lr / (1.0 - hp.beta1**t))
    step /= u
    return step, AdamaxState(m, u)


class RAdamState(NamedTuple):
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray


def radam_init(theta, hp):
    return RAdamState(np.zeros_like(theta), np.zeros_like(theta))


def radam_rectifier(t, beta2):
    """(ρₜ, r): the SMA length and the variance rectifier; r is NaN where ρₜ ≤ 5 (no adaptive step)."""
    if isinstance(beta2, float):  # one β₂ for the whole batch: the same IEEE arithmetic in plain floats, far cheaper
        rho_inf = 2.0 / (1.0 - beta2) - 1.0
        bc2 = 1.0 - beta2**t
        rho_t = rho_inf - 2.0 * t * beta2**t / bc2
        if not rho_t > 5.0:
            return rho_t, math.nan
        return rho_t, math.sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
    beta2 = np.asarray(beta2, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho_inf = 2.0 / (1.0 - beta2) - 1.0
        bc2 = 1.0 - beta2**t
        rho_t = rho_inf - 2.0 * t * beta2**t / bc2
        # only where ρₜ > 5: below 4 the radicand is negative, and at ρ∞ = 4 the formula divides by 0
        radicand = (rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)
        r = np.where(rho_t > 5.0, np.sqrt(np.where(rho_t > 5.0, radicand, 1.0)), np.nan)
    return rho_t, r


def radam_update(g, state, theta, t, hp):
    g, shrink = _decay(g, theta, hp)
    b1, b2 = hp.beta1, hp.beta2
    m = lerp(state.exp_avg, g, 1.0 - b1)
    v = running_square(state.exp_avg_sq, g, b2)
    rho_t, r = radam_rectifier(t, b2)
    lr_m_hat = m / (1.0 - b1**t)
    lr_m_hat *= hp.lr
    if np.ndim(rho_t) == 0 and not rho_t > 5.0:  # the whole batch is still in its warm-up: plain momentum
        return _plus(np.negative(lr_m_hat, out=lr_m_hat), shrink), RAdamState(m, v)
    step = np.sqrt(v)
    step += hp.eps
    np.divide((1.0 - b2**t) ** 0.5, step, out=step)
    step *= lr_m_hat
    step *= -r
    if np.ndim(rho_t):
        step = np.where(rho_t > 5.0, step, -lr_m_hat)
    return _plus(step, shrink), RAdamState(m, v)


_B1 = "Decay of the first moment m (momentum). 0: no momentum; 0.9 averages ~10 steps."
_B2 = "Decay of the second moment v (squared gradients). Near 1: a long memory (0.999 ≈ 1000 steps)."
_EQ_MOMENTS = (
    r"m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t",
    r"v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2",
)
_EQ_HAT = r"\hat m_t = \frac{m_t}{1-\beta_1^t}, \quad \hat v_t = \frac{v_t}{1-\beta_2^t}"
_DECOUPLED = flag("decoupled_weight_decay", False, "AdamW-style decay of θ instead of L2 on the gradient.",
                  symbol="decoupled decay")
_AMSGRAD_HELP = "Divide by the running maximum of v (AMSGrad, Reddi et al. 2018)."


def _adam_hps(lr_default, wd_default=0.0, *extra):
    return (lr(lr_default), beta(0, 0.9, _B1), beta(1, 0.999, _B2), eps(1e-8), weight_decay(wd_default), *extra)


ADAM = Optimizer(
    key="adam", label="Adam", torch="torch.optim.Adam(params, lr=0.001, betas=(0.9, 0.999))",
    summary="Momentum (first moment) plus RMSProp scaling (second moment), both bias-corrected.",
    hyperparameters=_adam_hps(
        1e-3, 0.0, flag("amsgrad", False, _AMSGRAD_HELP, symbol="AMSGrad max"),
        flag("bias_correction", True, "Divide m and v by (1 − βᵗ). Off: the textbook 'simplified Adam' "
             "(not a torch option).", symbol="bias correction"),
    ),
    equations=(*_EQ_MOMENTS, _EQ_HAT, r"\theta_{t+1} = \theta_t - \frac{\alpha\, \hat m_t}{\sqrt{\hat v_t} + \epsilon}"),
    init=adam_init, update=adam_update, fixed={"decoupled_weight_decay": False},
    convention="Matches torch (ε added after the bias correction). With bias_correction=False it is the "
    "textbook simplified Adam θ ← θ − α·mₜ/(√vₜ + ε), which torch does not offer.",
    reference="Kingma & Ba 2015, arXiv:1412.6980, Algorithm 1",
)

AMSGRAD = Optimizer(
    key="amsgrad", label="AMSGrad", torch="torch.optim.Adam(params, lr=0.001, amsgrad=True)",
    summary="Adam that divides by the largest v seen so far, so a rare large gradient is never forgotten.",
    hyperparameters=_adam_hps(1e-3),
    equations=(*_EQ_MOMENTS, r"v^{\max}_t = \max(v^{\max}_{t-1},\, v_t)",
               r"\theta_{t+1} = \theta_t - \frac{\alpha}{1-\beta_1^t} \frac{m_t}{\sqrt{v^{\max}_t/(1-\beta_2^t)} + \epsilon}"),
    init=adam_init, update=adam_update, fixed={"amsgrad": True, "bias_correction": True, "decoupled_weight_decay": False},
    convention="torch's AMSGrad keeps the maximum of the raw vₜ and bias-corrects it afterwards (Reddi et al. "
    "take the maximum without correction); m is unchanged.",
    reference="Reddi, Kale & Kumar 2018, 'On the Convergence of Adam and Beyond', ICLR",
)

ADAMW = Optimizer(
    key="adamw", label="AdamW", torch="torch.optim.AdamW(params, lr=0.001, weight_decay=0.01)",
    summary="Adam with decoupled weight decay: θ shrinks by αλ each step, outside the adaptive scaling.",
    hyperparameters=_adam_hps(1e-3, 1e-2, flag("amsgrad", False, _AMSGRAD_HELP, symbol="AMSGrad max")),
    equations=(r"\theta_t \leftarrow \theta_t (1 - \alpha\lambda)", *_EQ_MOMENTS, _EQ_HAT,
               r"\theta_{t+1} = \theta_t - \frac{\alpha\, \hat m_t}{\sqrt{\hat v_t} + \epsilon}"),
    init=adam_init, update=adam_update, fixed={"bias_correction": True, "decoupled_weight_decay": True},
    convention="torch's AdamW multiplies θ by (1 − αλ) before the Adam step; the default λ is 0.01.",
    reference="Loshchilov & Hutter 2019, 'Decoupled Weight Decay Regularization', ICLR",
)

NADAM = Optimizer(
    key="nadam", label="NAdam", torch="torch.optim.NAdam(params, lr=0.002)",
    summary="Adam with Nesterov momentum: the step uses the next first moment, a look-ahead.",
    hyperparameters=_adam_hps(
        2e-3, 0.0,
        Hyperparameter("momentum_decay", "ψ", 4e-3, 0.0, slider=(0.0, 0.1), error="Invalid momentum_decay value",
                       help="Warms the momentum schedule μₜ = β₁(1 − ½·0.96^(tψ)) up towards β₁."),
        _DECOUPLED,
    ),
    equations=(
        r"\mu_t = \beta_1\left(1 - \tfrac12\, 0.96^{t\psi}\right)", *_EQ_MOMENTS,
        r"\theta_{t+1} = \theta_t - \frac{\alpha}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon}"
        r"\left(\frac{(1-\mu_t)\, g_t}{1 - \prod_{i\le t}\mu_i} + \frac{\mu_{t+1}\, m_t}{1 - \prod_{i\le t+1}\mu_i}\right)",
    ),
    init=nadam_init, update=nadam_update,
    convention="torch follows Dozat's schedule μₜ and puts the bias correction of v inside the root; "
    "there is no 1 − β₁ᵗ, the μ products replace it.",
    reference="Dozat 2016, 'Incorporating Nesterov Momentum into Adam', ICLR workshop",
)

ADAMAX = Optimizer(
    key="adamax", label="Adamax", torch="torch.optim.Adamax(params, lr=0.002)",
    summary="Adam with the infinity norm: divides by the largest recent |g| instead of the RMS.",
    hyperparameters=_adam_hps(2e-3),
    equations=(r"m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t", r"u_t = \max(\beta_2 u_{t-1},\, |g_t| + \epsilon)",
               r"\theta_{t+1} = \theta_t - \frac{\alpha}{1-\beta_1^t} \frac{m_t}{u_t}"),
    init=adamax_init, update=adamax_update,
    convention="torch adds ε to |gₜ| inside the max (the paper has no ε); u is stored as `exp_inf`.",
    reference="Kingma & Ba 2015, arXiv:1412.6980, §7.1",
)

RADAM = Optimizer(
    key="radam", label="RAdam", torch="torch.optim.RAdam(params, lr=0.001)",
    summary="Rectified Adam: plain momentum until v has enough history, then Adam scaled by a rectifier.",
    hyperparameters=_adam_hps(
        1e-3, 0.0, _DECOUPLED,
    ),
    equations=(
        *_EQ_MOMENTS,
        r"\rho_\infty = \frac{2}{1-\beta_2} - 1,\quad \rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t}",
        r"\rho_t > 5:\ \theta_{t+1} = \theta_t - \alpha\, \hat m_t\, r_t \frac{\sqrt{1-\beta_2^t}}{\sqrt{v_t}+\epsilon},"
        r"\ r_t = \sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}",
        r"\text{else:}\ \theta_{t+1} = \theta_t - \alpha\, \hat m_t",
    ),
    init=radam_init, update=radam_update,
    convention="torch adds ε to the raw √vₜ; while ρₜ ≤ 5 (the first 5 steps at β₂ = 0.999) the step is "
    "unnormalised momentum, which can be large on steep surfaces.",
    reference="Liu et al. 2020, 'On the Variance of the Adaptive Learning Rate and Beyond', ICLR",
)
