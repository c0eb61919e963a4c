"""Adam and AMSGrad on an online linear problem (surfaces/online.py) without the engine's step loop, bit for bit.

    x = online_scan.adam_path("amsgrad", online.FIG1, 0.0, 101_000, lr=0.02, betas=(0.9, 0.99), decay=True)
    # == optimizers.simulate("amsgrad", online.FIG1, [0.0], 101_000, record="path", lr=0.02, betas=(0.9, 0.99),
    #                        lr_schedule={"name": "InverseSqrt"}).path[:, 0], every element

Why this is the engine's computation and not a model of it: the gradient of fₜ(x) = cₜ·x is cₜ wherever x is, so
m, v, AMSGrad's running max of v and the bias corrections never see x. They are one sequence per optimizer, the same
for every α, start and schedule, and only x is left: xₜ₊₁ = Π(xₜ + Δₜ), a clipped cumulative sum. Each part repeats
the floating-point operations of optimizers/adam.py in their order (Python floats are IEEE doubles, as NumPy's are):

- m and v: the engine's recurrences on Python floats. The gradient repeats every period, so once the state after a
  period equals the state after the one before (on Figure 1, after 38 periods), every later period repeats it
  exactly: the rest is that period tiled.
- 1 − β₁ᵗ and (1 − β₂ᵗ)^0.5 with Python's pow, as the engine computes them; both are exactly 1.0 once βᵗ < 2⁻⁵⁴.
- Δₜ = (mₜ·(−αₜ/(1 − β₁ᵗ)))/(√vₜ/(1 − β₂ᵗ)^0.5 + ε), vectorised over t: the same elementwise IEEE operations.
  The InverseSqrt schedule gives step t the rate lr_for(t − 1) = α/√t (sqrt is correctly rounded in both).
- the projection: a loop on Python floats, min(max(x + Δ, low), high), about 0.1 µs a step where the engine's loop
  spends about 20 µs a step calling NumPy on one-element arrays.
"""

from __future__ import annotations

import threading

import numpy as np

import optimizers
from surfaces import online

_MOMENTS: dict = {}  # (problem, β₁, β₂, amsgrad) -> (m, v, periodic): the sequences, at most a few per page
_LOCK = threading.Lock()


def _moments(problem: online.OnlineLinear, beta1: float, beta2: float, amsgrad: bool, steps: int):
    """m and v (AMSGrad: max v) of steps 1..n as arrays, and whether their last period repeats for ever after
    (then n may be shorter than `steps`; if not, n = steps)."""
    key = (problem, beta1, beta2, amsgrad)
    with _LOCK:
        hit = _MOMENTS.get(key)
    if hit is not None and (hit[2] or len(hit[0]) >= steps):
        return hit
    period = problem.period
    grads = [float(problem.grad_at(np.zeros(1), t)[0]) for t in range(1, period + 1)]  # step t uses grads[(t − 1) % P]
    w1, w2 = 1.0 - beta1, 1.0 - beta2
    m = v = vmax = 0.0
    ms, vs, last, periodic = [], [], None, False
    for t in range(1, steps + 1):
        g = grads[(t - 1) % period]
        m = (g - m) * w1 + m  # base.lerp: (b − a)·w + a
        v = (g * g) * w2 + beta2 * v  # base.running_square: (g·g)(1 − β₂) + β₂·v
        if amsgrad and v > vmax:  # np.maximum(vmax, v)
            vmax = v
        ms.append(m)
        vs.append(vmax if amsgrad else v)
        if t % period == 0:
            state = (m, v, vmax)
            if state == last:  # the map over one period is deterministic: from here on every period is this one
                periodic = True
                break
            last = state
    out = (np.array(ms), np.array(vs), periodic)
    with _LOCK:
        if len(_MOMENTS) >= 32:
            _MOMENTS.clear()
        _MOMENTS[key] = out
    return out


def _extend(a: np.ndarray, steps: int, period: int, fill=None) -> np.ndarray:
    """a's first `steps` values; past its end its last period repeated, or `fill`."""
    if len(a) >= steps:
        return a[:steps]
    more = steps - len(a)
    if fill is not None:
        return np.concatenate([a, np.full(more, fill)])
    return np.concatenate([a, np.tile(a[-period:], -(-more // period))[:more]])


def _bias_corrections(beta1: float, beta2: float, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """1 − β₁ᵗ and (1 − β₂ᵗ)^0.5 for t = 1..steps, in adam_update's Python floats (βᵗ falls, so once 1.0, always 1.0)."""
    bc1, bc2 = [], []
    for t in range(1, steps + 1):
        bc1.append(1.0 - beta1**t)
        bc2.append((1.0 - beta2**t) ** 0.5)
        if bc1[-1] == 1.0 and bc2[-1] == 1.0:
            break
    return _extend(np.array(bc1), steps, 1, 1.0), _extend(np.array(bc2), steps, 1, 1.0)


def adam_steps(key: str, problem: online.OnlineLinear, steps: int, *, lr: float, betas, decay: bool = False) -> np.ndarray:
    """Δₜ for t = 1..steps, the update adam_update returns at step t (before the projection), whatever x is."""
    if key not in ("adam", "amsgrad"):  # weight decay would put x in the gradient; other updates are other code
        raise ValueError(f"Invalid key {key!r}: Adam or AMSGrad only (at their defaults but α and betas)")
    hp = optimizers.get(key).resolve(lr=lr, betas=betas)  # validated, and ε the engine's default
    beta1, beta2, amsgrad = float(hp["beta1"]), float(hp["beta2"]), key == "amsgrad"
    steps = int(steps)
    m, v, _ = _moments(problem, beta1, beta2, amsgrad, steps)
    m, v = _extend(m, steps, problem.period), _extend(v, steps, problem.period)
    bc1, bc2 = _bias_corrections(beta1, beta2, steps)
    den = np.sqrt(v)
    den /= bc2
    den += hp["eps"]
    rate = float(hp["lr"]) / np.sqrt(np.arange(1, steps + 1, dtype=np.float64)) if decay else np.full(steps, float(hp["lr"]))
    step = m * (-rate / bc1)
    step /= den
    return step


def projected_sum(start: float, steps: np.ndarray, low: float, high: float) -> np.ndarray:
    """x₀ = start, xₜ₊₁ = min(max(xₜ + Δₜ, low), high), as runner._run and OnlineLinear.project do it: (T + 1,)."""
    x = float(start)
    out = [x]
    keep = out.append
    for d in steps.tolist():
        x = x + d
        if x < low:  # np.maximum(x, low), then np.minimum(·, high); NaN passes both, as there
            x = low
        elif x > high:
            x = high
        keep(x)
    return np.array(out)


def adam_path(key: str, problem: online.OnlineLinear, start: float, steps: int, *, lr: float, betas,
              decay: bool = False) -> np.ndarray:
    """x after 0..steps steps of `key` ("adam" or "amsgrad") from `start`: the engine's run recorded at every step
    (decay: αₜ = α/√t, the engine's {"name": "InverseSqrt"} schedule)."""
    return projected_sum(start, adam_steps(key, problem, steps, lr=lr, betas=betas, decay=decay),
                         float(problem.low), float(problem.high))


def clear_cache() -> None:
    with _LOCK:
        _MOMENTS.clear()
