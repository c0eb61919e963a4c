"""Training a network with any optimizer of the registry: torch's loop, on the flattened parameter vector.

    for step in range(steps):                 # torch:
        loss = loss_fn(model(X), y)           #   optimizer.zero_grad(); loss = loss_fn(model(X), y)
        g = backprop(...)                     #   loss.backward()
        theta = theta + update(g, ...)        #   optimizer.step()

The update is the registry's own `init`/`update` (one copy of the math), on the vector of every parameter in
state_dict order: every optimizer here is elementwise, so that is exactly what torch does tensor by tensor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import optimizers

from . import losses
from .layers import Sequential

MAX_STEPS = 1_000_000
MAX_PATH_BYTES = 1 << 30


@dataclass
class Run:
    """What one train() call produced."""

    optimizer: str
    hyperparameters: dict  # every hyperparameter, defaults filled
    loss: np.ndarray  # (steps,) the loss at each step before its update (the mini-batch's, with batch_size)
    params: dict  # the final parameters, as `params` was given
    path: np.ndarray  # (R, P) the flat parameter vector; row 0 is the start; every `every`-th step and the last
    index: np.ndarray  # (R,) the step number of each row of path
    grad_norm: np.ndarray  # (steps, L) ‖g‖ of each Linear layer (weight and bias together) at each step
    update_norm: np.ndarray  # (steps, L) ‖Δθ‖ of each layer at each step
    layers: tuple  # the L layer names: "0", "2", … (module indices, as in the state_dict)
    final_loss: float  # the full-data loss at the final parameters
    diverged_at: int | None  # the first step whose parameters are not finite; the rest is NaN

    @property
    def effective_lr(self) -> np.ndarray:
        """‖Δθ‖ / ‖g‖ per layer and step: α for plain SGD; what momentum and adaptive scaling make of it otherwise."""
        with np.errstate(all="ignore"):
            return self.update_norm / self.grad_norm


def elementwise() -> list[str]:
    """The registry's optimizers whose update of a coordinate sees only that coordinate: on a flattened vector they
    do exactly what torch does tensor by tensor."""
    return [k for k in optimizers.names() if optimizers.get(k).elementwise]


def _int(name, value, low):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"Invalid {name}: {value!r} (expected an integer ≥ {low})")
    return int(value)


def as_data(model: Sequential, X, y) -> tuple[np.ndarray, np.ndarray]:
    """X (N, in) and y (N, out) as new float64 arrays; y may be (N,) for one output. Names what does not fit."""
    try:
        X = np.array(X, dtype=np.float64)
        y = np.array(y, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("Invalid data: X and y must be real numbers") from None
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"Invalid X: shape {X.shape} (expected (N, {model.in_features}) with N ≥ 1)")
    if X.shape[1] != model.in_features:
        raise ValueError(f"Invalid X: {X.shape[1]} columns, but the model takes {model.in_features} inputs")
    if y.ndim == 1 and model.out_features == 1:
        y = y[:, None]
    if y.ndim != 2 or y.shape[1] != model.out_features:
        raise ValueError(f"Invalid y: shape {y.shape} (expected ({X.shape[0]}, {model.out_features}))")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"Invalid y: {y.shape[0]} rows, but X has {X.shape[0]}")
    for name, a in (("X", X), ("y", y)):
        if not np.isfinite(a).all():
            raise ValueError(f"Invalid {name}: contains NaN or infinity")
    return X, y


def loss_value(model: Sequential, theta, X, y, loss: str = "mse"):
    """The loss at parameter vectors theta (…, P) over the whole of X: a float, or an array shaped like theta's batch."""
    fn, _ = losses.get(loss)
    with np.errstate(all="ignore"):
        return fn(model.forward(theta, X), y)


def loss_and_grad(model: Sequential, theta, X, y, loss: str = "mse"):
    fn, dfn = losses.get(loss)
    out, tape = model.forward(theta, X, keep=True)
    return float(fn(out, y)), model.backward(theta, tape, dfn(out, y))


def train(model: Sequential, optimizer: str, X, y, steps: int, params: dict | None = None, loss: str = "mse",
          batch_size: int | None = None, seed: int | None = None, every: int = 1, progress=None,
          **hyperparameters) -> Run:
    """Train `model` on (X, y) for `steps` updates of `optimizer` (a registry key) with torch's keywords.

    Full batch by default; `batch_size=k` takes mini-batches of k rows from a NumPy shuffle of X per epoch
    (`seed` seeds it). `params` defaults to model.init(0) and is never modified, nor are X and y. `every=k`
    keeps every k-th row of the path (and the last), to bound memory on long runs of large models.
    `progress(t, steps)` is called about 20 times along the way (a progress bar; a Cancel can interrupt it there).
    """
    opt = optimizers.get(optimizer)
    if opt.step is not None:
        raise ValueError(f"{opt.label} calls the loss itself several times per step (torch's step(closure)): "
                         f"networks.train takes one gradient per step. Valid: {', '.join(elementwise())}")
    if not opt.elementwise:
        raise ValueError(f"{opt.label} is not elementwise (its step uses norms over a whole tensor, which torch takes "
                         f"per weight matrix and bias): networks.train runs elementwise optimizers only, on the "
                         f"flattened parameters. Valid: {', '.join(elementwise())}")
    values = opt.resolve(**hyperparameters)  # the same validation as optimizers.simulate
    if not isinstance(model, Sequential):
        raise ValueError(f"Invalid model: {type(model).__name__} (expected networks.Sequential)")
    steps = _int("steps", steps, 0)
    every = _int("every", every, 1)
    if steps > MAX_STEPS:
        raise ValueError(f"Invalid steps: {steps} (at most {MAX_STEPS:,} in one call)")
    fn, dfn = losses.get(loss)
    X, y = as_data(model, X, y)
    n = X.shape[0]
    if batch_size is not None:
        batch_size = _int("batch_size", batch_size, 1)
        if batch_size > n:
            raise ValueError(f"Invalid batch_size: {batch_size} (the data has {n} rows)")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ValueError(f"Invalid seed: {seed!r} (expected None or an integer ≥ 0)")
    theta = model.flatten(model.init(0) if params is None else params)
    index = np.unique(np.r_[np.arange(0, steps + 1, every), steps])
    if index.size * model.size * 8 > MAX_PATH_BYTES:
        raise ValueError(f"This run would record {index.size * model.size * 8 / 2**30:.1f} GiB of path; "
                         f"keep every k-th step with every=k")

    hp = opt.namespace(values)
    layers = tuple(model.layers)
    bounds = np.array([model.layers[k].start for k in layers])
    path = np.full((index.size, model.size), np.nan)
    path[0] = theta
    loss_curve = np.full(steps, np.nan)
    gnorm = np.full((steps, len(layers)), np.nan)
    unorm = np.full((steps, len(layers)), np.nan)
    rng = np.random.default_rng(seed)
    order, cursor = None, n
    diverged = None
    row = 0
    report = max(1, steps // 20)
    with np.errstate(all="ignore"):  # divergence is data, as in simulate
        state = opt.init(theta[None], hp)
        for t in range(1, steps + 1):
            if batch_size is None:
                xb, yb = X, y
            else:
                if cursor + batch_size > n:  # a new epoch: a new shuffle (the short last batch is dropped)
                    order, cursor = rng.permutation(n), 0
                take = order[cursor:cursor + batch_size]
                cursor += batch_size
                xb, yb = X[take], y[take]
            out, tape = model.forward(theta, xb, keep=True)
            loss_curve[t - 1] = fn(out, yb)
            g = model.backward(theta, tape, dfn(out, yb))
            delta, state = opt.update(g[None], state, theta[None], t, hp)
            delta = delta[0]
            theta = theta + delta
            gnorm[t - 1] = np.sqrt(np.add.reduceat(g * g, bounds))
            unorm[t - 1] = np.sqrt(np.add.reduceat(delta * delta, bounds))
            if index[row + 1] == t:
                row += 1
                path[row] = theta
            if not np.isfinite(theta).all():
                diverged = t
                unorm[t - 1] = np.nan
                break
            if progress is not None and t % report == 0:
                progress(t, steps)
        final = float(fn(model.forward(theta, X), y)) if diverged is None else np.nan
    if diverged is not None:
        path[np.searchsorted(index, diverged):] = np.nan
    return Run(optimizer=opt.key, hyperparameters=values, loss=loss_curve, params=model.unflatten(theta),
               path=path, index=index, grad_norm=gnorm, update_norm=unorm, layers=layers, final_loss=final,
               diverged_at=diverged)
