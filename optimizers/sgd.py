"""Gradient descent, momentum and Nesterov momentum: torch.optim.SGD.

Article notation (Ruder 2016, "An overview of gradient descent optimization algorithms"):

    GD:        θₜ₊₁ = θₜ − α gₜ
    momentum:  vₜ = γ vₜ₋₁ + η gₜ,    θₜ₊₁ = θₜ − vₜ
    Nesterov:  the gradient is taken "ahead", at θₜ − γ vₜ₋₁

torch (SGD, Sutskever et al. 2013) keeps b = v / η, with μ = γ, dampening τ and L2 decay λ:

    g ← g + λθ;   b₁ = g;   bₜ = μ bₜ₋₁ + (1 − τ) gₜ
    d = g + μ b (nesterov) or b;   θ ← θ − α d

Convention: with a constant learning rate the two momentum forms give identical paths (v = η b).
torch's Nesterov is the reformulation that evaluates the gradient at θ itself, not at the look-ahead
point; it equals the article's form after a change of variable (Bengio et al. 2013).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .base import Hyperparameter, Optimizer, l2, lr, weight_decay


class SGDState(NamedTuple):
    momentum_buffer: np.ndarray | None


def init(theta, hp) -> SGDState:
    uses = not (isinstance(hp.momentum, float) and hp.momentum == 0.0)
    return SGDState(np.zeros_like(theta) if uses else None)


def update(g, state, theta, t, hp):
    g = l2(g, theta, hp.weight_decay)
    b = state.momentum_buffer
    if b is None:
        return g * -hp.lr, state
    mu, damp = hp.momentum, hp.dampening
    # torch's first buffer is a plain copy of g: no (1 − τ) factor on step 1
    if t == 1:
        b = g.copy()
    else:
        b = b * mu
        b += g if isinstance(damp, float) and damp == 0.0 else (1.0 - damp) * g  # (1 − 0)·g is g exactly
    if hp.nesterov:
        d = b * mu
        d += g
    else:
        d = b
    if not isinstance(mu, float):  # batched μ with zeros: torch skips the buffer for those rows
        d = np.where(mu == 0.0, g, d)
    return d * -hp.lr, SGDState(b)


def _momentum(default: float, slider: tuple[float, float] = (0.0, 0.999)) -> Hyperparameter:
    return Hyperparameter(
        "momentum", "γ", default, 0.0, slider=slider, error="Invalid momentum value",
        help="Momentum γ (torch: momentum): the fraction of the previous step kept. 0.9 remembers ~10 steps.",
    )


def _check_nesterov(values: dict) -> None:
    if np.any(np.asarray(values["momentum"]) <= 0.0):
        raise ValueError(f"Nesterov momentum requires a momentum > 0; got momentum={values['momentum']}")
    if np.any(np.asarray(values["dampening"]) != 0.0):
        raise ValueError(f"Nesterov momentum requires zero dampening; got dampening={values['dampening']}")


_DAMPENING = Hyperparameter(
    "dampening", "τ", 0.0, 0.0, 1.0, slider=(0.0, 0.99), error="Invalid dampening value",
    help="Dampening τ: scales the new gradient by (1 − τ) when it enters the buffer (not on the first step).",
)
_REF = "Sutskever, Martens, Dahl & Hinton 2013; Ruder 2016, arXiv:1609.04747"

GD = Optimizer(
    key="gd", label="Gradient descent", torch="torch.optim.SGD(params, lr)",
    summary="Steps straight downhill; one global step size α for every parameter.",
    hyperparameters=(lr(1e-3), weight_decay()),
    equations=(r"\theta_{t+1} = \theta_t - \alpha\, g_t", r"g_t = \nabla_\theta J(\theta_t)"),
    init=init, update=update, fixed={"momentum": 0.0, "dampening": 0.0, "nesterov": False},
    reference="Cauchy 1847; Ruder 2016, arXiv:1609.04747",
)

MOMENTUM = Optimizer(
    key="momentum", label="Momentum", torch="torch.optim.SGD(params, lr, momentum=0.9, dampening=0)",
    summary="Adds a velocity: consistent gradient directions accumulate, oscillating ones cancel.",
    hyperparameters=(lr(1e-3), _momentum(0.9), _DAMPENING, weight_decay()),
    equations=(r"v_t = \gamma\, v_{t-1} + \eta\, g_t", r"\theta_{t+1} = \theta_t - v_t"),
    init=init, update=update, fixed={"nesterov": False},
    convention="torch stores b = v/η and writes θ ← θ − α·b with b ← μb + (1 − τ)g; the first buffer is g itself. "
    "With a constant α the paths are identical to the article's v-form (η = α, γ = μ).",
    reference=_REF,
)

NAG = Optimizer(
    key="nag", label="Nesterov (NAG)", torch="torch.optim.SGD(params, lr, momentum=0.9, nesterov=True)",
    summary="Momentum that looks ahead: corrects the velocity with the gradient where it is about to land.",
    hyperparameters=(
        lr(1e-3), _momentum(0.9, slider=(0.01, 0.999)),
        Hyperparameter("dampening", "τ", 0.0, 0.0, 1.0, ui=False, error="Invalid dampening value",
                       help="Must be 0 with Nesterov momentum."),
        weight_decay(),
    ),
    equations=(
        r"v_t = \gamma\, v_{t-1} + \eta\, \nabla_\theta J(\theta_t - \gamma v_{t-1})",
        r"\theta_{t+1} = \theta_t - v_t",
    ),
    init=init, update=update, fixed={"nesterov": True}, check=_check_nesterov,
    convention="torch evaluates the gradient at θ (not at the look-ahead point) and steps by α(g + μb): "
    "the same method after a change of variable (Bengio et al. 2013), so the path is that of the shifted iterate.",
    reference="Nesterov 1983; " + _REF,
)
