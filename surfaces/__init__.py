"""Registry of 2-D test surfaces: ``names()``, ``get(key)``, ``all()``.

    s = surfaces.get("rosenbrock")
    s.value(xy)   # (..., 2) -> (...)
    s.grad(xy)    # (..., 2) -> (..., 2)
"""

from __future__ import annotations

from .base import Surface
from .classic import SURFACES

_REGISTRY: dict[str, Surface] = {s.key: s for s in SURFACES}
assert len(_REGISTRY) == len(SURFACES), "duplicate surface key"

__all__ = ["Surface", "all", "get", "names"]


def names() -> list[str]:
    """Surface keys in registry order."""
    return list(_REGISTRY)


def get(key: str) -> Surface:
    try:
        return _REGISTRY[key]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown surface {key!r}. Valid: {', '.join(_REGISTRY)}") from None


def all() -> list[Surface]:  # noqa: A001 (shadows the builtin only inside this module)
    return list(_REGISTRY.values())
