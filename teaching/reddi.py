"""Presets for "When Adam fails": Reddi, Kale & Kumar 2018 on the engine's own Adam and AMSGrad.

The paper shrinks the step as αₜ = α/√t; the engine keeps α constant. A constant α is enough to show
the failure: Adam's iterate goes to +1 whatever α, AMSGrad's drifts to −1 at a speed ∝ α, and both
wobble inside each period by about 10α (Figure 1's problem). α = 0.02 over 600 periods balances the
two: AMSGrad arrives after about 50 000 steps and wobbles by about 0.1; 1000 periods (101 000 steps) leave
it there for the last 40% of the run (checked in tests/test_online.py).
"""

from __future__ import annotations

import numpy as np

import optimizers
from surfaces import online

FIG1_LR = 0.02
FIG1_PERIODS = 1000  # 101 000 steps; a whole number of periods ends just before a large gradient
FIG1_START = 0.0
FIG1_BETAS = (0.9, 0.99)

THEOREM1_LR = 0.01
THEOREM1_STEPS = 3000  # 1000 periods of 3
THEOREM1_C = 3.0


def run(key: str, problem: online.OnlineLinear, *, lr: float, steps: int, start: float, betas,
        decay: bool = False) -> optimizers.Trajectory:
    """One run of `key` ("adam" or "amsgrad") on the online problem, every step recorded (positions only).
    decay=True: αₜ = α/√t, the step size of the paper's analysis (torch: LambdaLR(lambda t: 1/√(t + 1)))."""
    return optimizers.simulate(key, problem, np.array([float(start)]), int(steps), record="path", lr=float(lr),
                               betas=tuple(float(b) for b in betas),
                               lr_schedule={"name": "InverseSqrt"} if decay else None)


def fig1(key: str, lr: float = FIG1_LR, periods: int = FIG1_PERIODS, start: float = FIG1_START,
         decay: bool = False) -> optimizers.Trajectory:
    return run(key, online.FIG1, lr=lr, steps=periods * online.FIG1.period, start=start, betas=FIG1_BETAS, decay=decay)


def theorem1(key: str, C: float = THEOREM1_C, lr: float = THEOREM1_LR, steps: int = THEOREM1_STEPS,
             start: float = 0.0) -> optimizers.Trajectory:
    return run(key, online.theorem1(C), lr=lr, steps=steps, start=start, betas=(0.0, online.theorem1_beta2(C)))
