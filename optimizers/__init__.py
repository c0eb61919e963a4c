"""The optimizer registry: every optimizer of the lesson, batched in NumPy, identical to torch.optim.

    import optimizers
    optimizers.names()                     # ['gd', 'momentum', 'nag', ...]
    opt = optimizers.get("adam")           # the declaration: hyperparameters, equations, init/update
    traj = optimizers.simulate("adam", surface, start=(-1.5, 2.0), steps=500, lr=0.05, betas=(0.9, 0.999))
"""

from __future__ import annotations

from . import adafactor as _adafactor
from . import adam as _adam
from . import adaptive as _adaptive
from . import averaged as _averaged
from . import lbfgs as _lbfgs
from . import sgd as _sgd
from . import sign as _sign
from .base import Hyperparameter, Optimizer
from .runner import RECORD_MODES, Trajectory
from .runner import simulate as _simulate

_REGISTRY: dict[str, Optimizer] = {
    o.key: o
    for o in (
        _sgd.GD, _sgd.MOMENTUM, _sgd.NAG,
        _adaptive.ADAGRAD, _adaptive.RMSPROP, _adaptive.ADADELTA,
        _adam.ADAM, _adam.AMSGRAD, _adam.ADAMW, _adam.NADAM, _adam.ADAMAX, _adam.RADAM,
        _sign.RPROP, _averaged.ASGD, _adafactor.ADAFACTOR, _lbfgs.LBFGS,
        _sign.LION, _averaged.SCHEDULE_FREE_ADAMW,
    )
}


def names() -> list[str]:
    return list(_REGISTRY)


def get(name: str) -> Optimizer:
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown optimizer {name!r}. Valid: {', '.join(_REGISTRY)}") from None


def simulate(name: str, surface, start, steps: int, noise=0.0, seed=None, **kwargs) -> Trajectory:
    """Run optimizer `name` on `surface`; see optimizers.runner.simulate for the keywords."""
    return _simulate(get(name), surface, start, steps, noise, seed, **kwargs)


__all__ = ["Hyperparameter", "Optimizer", "RECORD_MODES", "Trajectory", "get", "names", "simulate"]
