"""Registry of 2-D test surfaces: ``names()``, ``get(key)``, ``all()``.

    s = surfaces.get("rosenbrock")
    s.value(xy)   # (..., 2) -> (...)
    s.grad(xy)    # (..., 2) -> (..., 2)
"""

from __future__ import annotations

from .base import Surface
from .classic import SURFACES
from .formula import FormulaError, FormulaSurface

_REGISTRY: dict[str, Surface] = {s.key: s for s in SURFACES}
assert len(_REGISTRY) == len(SURFACES), "duplicate surface key"
_CUSTOM: dict[str, FormulaSurface] = {}  # typed surfaces seen by this process, by key ("custom:<hash>")
MAX_CUSTOM = 256

__all__ = ["FormulaError", "FormulaSurface", "Surface", "all", "custom", "get", "names"]


def custom(formula: str, bounds=None) -> FormulaSurface:
    """A surface typed as f(x, y) (see surfaces.formula), registered so that get(its key) finds it again."""
    from .formula import make

    surface = make(formula, bounds)
    if surface.key not in _CUSTOM and len(_CUSTOM) >= MAX_CUSTOM:
        _CUSTOM.pop(next(iter(_CUSTOM)))  # the oldest: a long-running server does not grow without bound
    _CUSTOM[surface.key] = surface
    return surface


def names() -> list[str]:
    """Surface keys in registry order."""
    return list(_REGISTRY)


def get(key: str) -> Surface:
    try:
        return _REGISTRY[key] if key in _REGISTRY else _CUSTOM[key]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown surface {key!r}. Valid: {', '.join(_REGISTRY)}") from None


def all() -> list[Surface]:  # noqa: A001 (shadows the builtin only inside this module)
    return list(_REGISTRY.values())
