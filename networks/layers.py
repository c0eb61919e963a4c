"""Layers in torch's shape: Linear, ReLU, Tanh and Sequential, over plain NumPy arrays.

A model holds no numbers: its parameters are a dict in torch's state_dict order and names ("0.weight" (out, in),
"0.bias" (out,), …) or the same values flattened into one vector (row-major, in that order), which is what the
optimizers of the registry update. Forward passes accept a stack of parameter vectors (G, P) as well as one (P,),
so the loss over a grid of points in parameter space (the landscape) is one call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Linear:
    """torch.nn.Linear: y = x Wᵀ + b, W of shape (out_features, in_features)."""

    in_features: int
    out_features: int
    bias: bool = True

    def __post_init__(self):
        for name in ("in_features", "out_features"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Invalid {name} for Linear: {value!r} (expected an integer ≥ 1)")

    def __repr__(self) -> str:
        return f"Linear({self.in_features}, {self.out_features}{'' if self.bias else ', bias=False'})"

    def shapes(self) -> list[tuple[str, tuple[int, ...]]]:
        out = [("weight", (self.out_features, self.in_features))]
        return out + [("bias", (self.out_features,))] if self.bias else out


@dataclass(frozen=True)
class ReLU:
    def __repr__(self) -> str:
        return "ReLU()"

    @staticmethod
    def forward(z):
        return np.maximum(z, 0.0)

    @staticmethod
    def backward(z, out, grad):
        return np.where(z > 0.0, grad, 0.0)  # torch's threshold_backward: 0 at z = 0


@dataclass(frozen=True)
class Tanh:
    def __repr__(self) -> str:
        return "Tanh()"

    @staticmethod
    def forward(z):
        return np.tanh(z)

    @staticmethod
    def backward(z, out, grad):
        return grad * (1.0 - out * out)  # torch's tanh_backward uses the output


ACTIVATIONS = {"relu": ReLU, "tanh": Tanh}


class Sequential:
    """torch.nn.Sequential of Linear layers and activations; parameters are named by module index as torch names them."""

    def __init__(self, *modules):
        if not modules:
            raise ValueError("Sequential needs at least one module")
        width = None
        for i, m in enumerate(modules):
            if not isinstance(m, (Linear, ReLU, Tanh)):
                raise ValueError(f"Invalid module at index {i}: {m!r} (expected Linear, ReLU or Tanh)")
            if isinstance(m, Linear):
                if width is not None and m.in_features != width:
                    raise ValueError(f"Shapes do not chain: {m!r} at index {i} takes {m.in_features} inputs, but the "
                                     f"layers before it give {width}")
                width = m.out_features
        if width is None:
            raise ValueError("Sequential needs at least one Linear layer")
        self.modules = tuple(modules)
        self.in_features = next(m for m in modules if isinstance(m, Linear)).in_features
        self.out_features = width
        self.shapes = {f"{i}.{name}": shape for i, m in enumerate(modules) if isinstance(m, Linear)
                       for name, shape in m.shapes()}
        self.sizes = {name: math.prod(shape) for name, shape in self.shapes.items()}
        self.size = sum(self.sizes.values())
        # slices of the flat vector per parameter, and per Linear layer (its weight and bias together)
        self.slices, offset = {}, 0
        for name, n in self.sizes.items():
            self.slices[name] = slice(offset, offset + n)
            offset += n
        self.layers = {}
        for name, sl in self.slices.items():
            layer = name.split(".")[0]
            start = self.layers[layer].start if layer in self.layers else sl.start
            self.layers[layer] = slice(start, sl.stop)

    def __repr__(self) -> str:
        inner = "".join(f"\n  ({i}): {m!r}" for i, m in enumerate(self.modules))
        return f"Sequential({inner}\n)"

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequential) and self.modules == other.modules

    def __hash__(self) -> int:
        return hash(self.modules)

    # ------------------------------------------------------------------ parameters
    def init(self, seed: int | None = 0) -> dict[str, np.ndarray]:
        """Parameters drawn as torch's nn.Linear draws them: weight and bias from U(−1/√fan_in, 1/√fan_in).

        The distribution is torch's (kaiming_uniform_ with a = √5 gives exactly this bound); the numbers are NumPy's.
        """
        rng = np.random.default_rng(seed)
        out = {}
        for i, m in enumerate(self.modules):
            if isinstance(m, Linear):
                bound = 1.0 / math.sqrt(m.in_features)
                for name, shape in m.shapes():
                    out[f"{i}.{name}"] = rng.uniform(-bound, bound, size=shape)
        return out

    def flatten(self, params: dict) -> np.ndarray:
        """A parameter dict (state_dict order and names) as one float64 vector; checks names and shapes."""
        if not isinstance(params, dict):
            raise ValueError(f"Invalid params: expected a dict of arrays named {', '.join(self.shapes)}")
        missing, extra = set(self.shapes) - set(params), set(params) - set(self.shapes)
        if missing or extra:
            raise ValueError(f"Invalid params: {'missing ' + ', '.join(sorted(missing)) if missing else ''}"
                             f"{'; ' if missing and extra else ''}{'unexpected ' + ', '.join(sorted(extra)) if extra else ''}"
                             f" (this model has {', '.join(self.shapes)})")
        parts = []
        for name, shape in self.shapes.items():
            try:
                a = np.asarray(params[name], dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError(f"Invalid params[{name!r}]: expected real numbers of shape {shape}") from None
            if a.shape != shape:
                raise ValueError(f"Invalid params[{name!r}]: shape {a.shape}, expected {shape}")
            if not np.isfinite(a).all():
                raise ValueError(f"Invalid params[{name!r}]: contains NaN or infinity")
            parts.append(a.ravel())
        return np.concatenate(parts)

    def unflatten(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """The flat vector (…, P) as a dict of arrays (…, *shape), copies in state_dict order."""
        lead = theta.shape[:-1]
        return {name: theta[..., sl].reshape(lead + self.shapes[name]).copy() for name, sl in self.slices.items()}

    # ------------------------------------------------------------------ forward and backward
    def _views(self, theta):
        lead = theta.shape[:-1]
        return {name: theta[..., sl].reshape(lead + self.shapes[name]) for name, sl in self.slices.items()}

    def forward(self, theta: np.ndarray, X: np.ndarray, keep: bool = False):
        """The model's output for inputs X (N, in): (N, out) for one vector (P,), (G, N, out) for a stack (G, P).

        With keep=True also returns what backward needs (each module's input and output)."""
        p = self._views(theta)
        h = X
        tape = []
        for i, m in enumerate(self.modules):
            if isinstance(m, Linear):
                w = p[f"{i}.weight"]
                z = h @ np.swapaxes(w, -1, -2)
                if m.bias:
                    z = z + p[f"{i}.bias"][..., None, :]
            else:
                z = m.forward(h)
            tape.append((h, z))
            h = z
        return (h, tape) if keep else h

    def backward(self, theta: np.ndarray, tape, grad_out: np.ndarray) -> np.ndarray:
        """d loss / d theta (P,) for one parameter vector, given d loss / d output (N, out)."""
        p = self._views(theta)
        grad = np.empty_like(theta)
        g = grad_out
        for i in range(len(self.modules) - 1, -1, -1):
            m = self.modules[i]
            h, z = tape[i]
            if isinstance(m, Linear):
                grad[self.slices[f"{i}.weight"]] = (g.T @ h).ravel()
                if m.bias:
                    grad[self.slices[f"{i}.bias"]] = g.sum(axis=0)
                if i > 0:
                    g = g @ p[f"{i}.weight"]
            else:
                g = m.backward(h, z, g)
        return grad


def mlp(in_features: int, out_features: int, width: int, depth: int, activation: str | None) -> Sequential:
    """`depth` hidden layers of `width` units, each followed by `activation` ("relu", "tanh" or None)."""
    if activation is not None and activation not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {activation!r}. Valid: {', '.join(ACTIVATIONS)}, or None")
    sizes = [in_features] + [width] * depth + [out_features]
    modules = []
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        modules.append(Linear(a, b))
        if activation is not None and k < depth:
            modules.append(ACTIVATIONS[activation]())
    return Sequential(*modules)
