"""Every registered surface: formula, gradient, declared minima and critical points, shapes, robustness.

Registry-driven: a new surface is tested by being registered (and given two hand-computed values in KNOWN).
scipy is used only here, as an independent minimizer.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest
from scipy.optimize import minimize

import surfaces

NAMES = surfaces.names()
BOUNDED = [k for k in NAMES if surfaces.get(k).min_value is not None]
UNBOUNDED = [k for k in NAMES if surfaces.get(k).min_value is None]
REQUIRED = {
    "rosenbrock", "beale", "saddle", "monkey_saddle", "himmelblau", "booth", "rastrigin", "ackley", "goldstein_price",
    "six_hump_camel", "styblinski_tang", "matyas", "three_hump_camel", "ravine", "stretched_bowl",
}
_C30, _S30 = math.cos(math.pi / 6), math.sin(math.pi / 6)

# Values computed by hand from the textbook formulas, independent of the implementation.
KNOWN = {
    "rosenbrock": [((0, 0), 1.0), ((-1, 1), 4.0), ((0.5, 1), 56.5)],
    "beale": [((0, 0), 14.203125), ((2, 0), 0.703125), ((1, 2), 2.5**2 + 5.25**2 + 9.625**2)],
    "saddle": [((1, 2), -3.0), ((3, 1), 8.0)],
    "monkey_saddle": [((1, 1), -2.0), ((2, 1), 2.0)],
    "himmelblau": [((0, 0), 170.0), ((1, 1), 106.0)],
    "booth": [((0, 0), 74.0), ((1, 1), 20.0)],
    "rastrigin": [((0.5, 0.5), 40.5), ((1, 0), 1.0)],
    "ackley": [((1, 0), 20 - 20 * math.exp(-0.2 * math.sqrt(0.5))), ((0.5, 0.5), 20 - 20 * math.exp(-0.1) + math.e - math.exp(-1))],
    "goldstein_price": [((0, 0), 600.0), ((1, 1), 1876.0)],
    "six_hump_camel": [((1, 1), 4 - 2.1 + 1 / 3 + 1), ((1, -1), 4 - 2.1 + 1 / 3 - 1)],
    "styblinski_tang": [((1, 1), -10.0), ((-1, 2), -29.0)],
    "matyas": [((1, 1), 0.04), ((1, -1), 1.0)],
    "three_hump_camel": [((1, 1), 2 - 1.05 + 1 / 6 + 2), ((1, -1), 2 - 1.05 + 1 / 6)],
    "ravine": [((_C30, _S30), 0.2), ((-_S30, _C30), 10.0), ((2 * _C30, 2 * _S30), 0.8)],
    "stretched_bowl": [((1, 0), 0.2), ((0, 1), 10.0), ((1, 1), 10.2)],
}


def _close(a, b, tol=1e-9):
    return abs(a - b) <= tol * (1.0 + abs(b))


def _in_bounds(s, p):
    (x0, x1), (y0, y1) = s.bounds
    return x0 <= p[0] <= x1 and y0 <= p[1] <= y1


def _ring(p, radius, n=720):
    t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    return np.asarray(p, float) + radius * np.stack((np.cos(t), np.sin(t)), axis=-1)


def _random_points(s, n, seed):
    (x0, x1), (y0, y1) = s.bounds
    rng = np.random.default_rng(seed)
    return np.stack((rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)), axis=-1)


# ---------------------------------------------------------------- registry


def test_registry():
    assert REQUIRED <= set(NAMES)
    assert len(NAMES) == len(set(NAMES))
    assert [s.key for s in surfaces.all()] == NAMES
    for key in NAMES:
        assert surfaces.get(key).key == key


@pytest.mark.parametrize("bad", ["foo", "Rosenbrock", "", None])
def test_unknown_key_names_the_valid_ones(bad):
    with pytest.raises(ValueError) as info:
        surfaces.get(bad)
    message = str(info.value)
    assert f"Unknown surface {bad!r}" in message
    assert all(key in message for key in NAMES)


@pytest.mark.parametrize("key", NAMES)
def test_declaration(key):
    s = surfaces.get(key)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.start = (0.0, 0.0)
    assert s.label and "_" not in s.label and s.label[0].isupper()
    assert s.latex.strip() and s.latex.count("{") == s.latex.count("}")
    assert s.description.strip().endswith(".") and len(s.description) < 250
    assert isinstance(s.log_contour, bool)
    assert len(s.bounds) == 2
    for lo, hi in s.bounds:
        assert math.isfinite(lo) and math.isfinite(hi) and lo < hi
    assert len(s.start) == 2 and _in_bounds(s, s.start)
    assert np.linalg.norm(s.grad(s.start)) > 1e-3, "the default start should not sit on a critical point"
    assert (s.min_value is None) == (s.minima == ())
    points = s.minima + s.local_minima + s.local_maxima + s.saddle_points
    for p in points:
        assert len(p) == 2 and _in_bounds(s, p)
    assert len(set(points)) == len(points), "a point is declared twice"


@pytest.mark.parametrize("key", NAMES)
def test_known_values(key):
    assert key in KNOWN, f"add hand-computed values for {key!r} to KNOWN"
    s = surfaces.get(key)
    for p, expected in KNOWN[key]:
        assert _close(float(s.value(p)), expected, 1e-12), (p, float(s.value(p)), expected)


# ---------------------------------------------------------------- minima and critical points


@pytest.mark.parametrize("key", BOUNDED)
def test_declared_minima_attain_min_value_with_zero_gradient(key):
    s = surfaces.get(key)
    assert isinstance(s.min_value, float) and s.minima
    for m in s.minima:
        assert _close(float(s.value(m)), s.min_value), (m, float(s.value(m)), s.min_value)
        assert np.linalg.norm(s.grad(m)) <= 1e-6, (m, s.grad(m))


@pytest.mark.parametrize("key", BOUNDED)
def test_no_local_descent_below_a_declared_minimum(key):
    s = surfaces.get(key)
    for m in s.minima:
        for start in _ring(m, 1e-2, 6):
            res = minimize(s.value, start, method="Nelder-Mead", options={"xatol": 1e-12, "fatol": 1e-15, "maxiter": 4000})
            assert res.fun >= s.min_value - 1e-9 * (1 + abs(s.min_value)), (m, res.x, res.fun)


@pytest.mark.parametrize("key", BOUNDED)
def test_min_value_is_global_in_bounds_and_minima_are_complete(key):
    """Fine grid: nothing lower; every grid basin, polished, is either higher or one of the declared minima."""
    s = surfaces.get(key)
    (x0, x1), (y0, y1) = s.bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, 801), np.linspace(y0, y1, 801))
    xy = np.stack((X, Y), axis=-1)
    v = s.value(xy)
    tol = 1e-9 * (1.0 + abs(s.min_value))
    assert v.min() >= s.min_value - tol
    # Discrete local minima of the grid: no higher than any of the 8 neighbours.
    padded = np.pad(v, 1, constant_values=np.inf)
    is_min = np.ones(v.shape, bool)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy or dx:
                is_min &= v <= padded[1 + dy : 1 + dy + v.shape[0], 1 + dx : 1 + dx + v.shape[1]]
    candidates = xy[is_min]
    assert 0 < len(candidates) < 500
    minima = np.array(s.minima)
    hit = np.zeros(len(minima), bool)
    for p in candidates:
        res = minimize(s.value, p, method="Nelder-Mead", bounds=s.bounds, options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 4000})
        assert res.fun >= s.min_value - tol, (p, res.x, res.fun)
        if res.fun <= s.min_value + 1e-6 * (1.0 + abs(s.min_value)):
            d = np.linalg.norm(minima - res.x, axis=-1)
            assert d.min() < 1e-3, f"undeclared global minimum near {res.x} (f = {res.fun})"
            hit[d.argmin()] = True
    assert hit.all(), f"declared minima not found by the grid search: {minima[~hit]}"


def _critical_points(kinds=("local_minima", "local_maxima", "saddle_points")):
    return [(k, kind, p) for k in NAMES for kind in kinds for p in getattr(surfaces.get(k), kind)]


@pytest.mark.parametrize(("key", "kind", "p"), _critical_points())
def test_declared_critical_points(key, kind, p):
    s = surfaces.get(key)
    assert np.linalg.norm(s.grad(p)) <= 1e-6, s.grad(p)
    # Classify by the values on a small circle (works for the degenerate monkey saddle too).
    rise = s.value(_ring(p, 1e-4)) - s.value(p)
    if kind == "local_minima":
        assert (rise > 0).all()
        assert float(s.value(p)) > s.min_value + 1e-6, "a local minimum must be worse than the global one"
    elif kind == "local_maxima":
        assert (rise < 0).all()
    else:
        assert (rise > 0).any() and (rise < 0).any()


@pytest.mark.parametrize("key", UNBOUNDED)
def test_unbounded_surfaces_fall_below_any_number(key):
    s = surfaces.get(key)
    assert s.min_value is None and s.minima == ()
    for radius in (10.0, 1e3, 1e6):
        assert s.value(_ring((0.0, 0.0), radius, 360)).min() < -radius


# ---------------------------------------------------------------- gradient


@pytest.mark.parametrize("key", NAMES)
def test_gradient_matches_central_differences(key):
    s = surfaces.get(key)
    pts = _random_points(s, 50, seed=NAMES.index(key))
    pts = pts[np.linalg.norm(pts, axis=-1) > 1e-3]  # Ackley's cone tip has no derivative
    g = s.grad(pts)
    numeric = np.empty_like(g)
    for i in range(2):
        h = np.zeros_like(pts)
        h[:, i] = 1e-6 * np.maximum(1.0, np.abs(pts[:, i]))
        numeric[:, i] = (s.value(pts + h) - s.value(pts - h)) / (2.0 * h[:, i])
    err = np.linalg.norm(numeric - g, axis=-1)
    assert (err <= 1e-6 * (np.linalg.norm(g, axis=-1) + 1.0)).all(), pts[err.argmax()]


def test_ackley_gradient_at_the_origin_is_zero():
    s = surfaces.get("ackley")
    assert float(s.value((0.0, 0.0))) == 0.0
    g = s.grad([[0.0, 0.0], [1e-300, 0.0], [0.5, 0.25]])
    assert np.isfinite(g).all()
    assert (g[0] == 0.0).all()


# ---------------------------------------------------------------- shapes and robustness


@pytest.mark.parametrize("key", NAMES)
def test_shapes_broadcast_over_leading_axes(key):
    s = surfaces.get(key)
    grid = _random_points(s, 20, seed=1).reshape(4, 5, 2)
    for xy, shape in ((grid[0, 0], ()), (grid[0], (5,)), (grid, (4, 5))):
        assert np.shape(s.value(xy)) == shape
        assert np.shape(s.grad(xy)) == (*shape, 2)
        assert np.asarray(s.grad(xy)).dtype == np.float64
    # The batch agrees with point-by-point evaluation, and plain lists are accepted.
    for i, j in np.ndindex(4, 5):
        point = grid[i, j].tolist()
        assert s.value(point) == s.value(grid)[i, j]
        assert (s.grad(point) == s.grad(grid)[i, j]).all()


@pytest.mark.parametrize("bad", [np.zeros(3), np.zeros((4, 3)), 1.0])
def test_points_need_a_last_axis_of_two(bad):
    s = surfaces.get("rosenbrock")
    with pytest.raises(ValueError, match="last axis"):
        s.value(bad)
    with pytest.raises(ValueError, match="last axis"):
        s.grad(bad)


@pytest.mark.parametrize("key", NAMES)
def test_huge_inputs_give_no_runtime_warning(key):
    s = surfaces.get(key)
    big = 1e200
    pts = np.array([[big, big], [-big, big], [big, -big], [-big, -big], [big, 0.0], [0.0, -big], [1e308, 1e308],
                    [np.inf, 0.0], [-np.inf, np.inf], [np.nan, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert s.value(pts).shape == (len(pts),)
        assert s.grad(pts).shape == (len(pts), 2)
        s.value(pts[0])
        s.grad(pts[0])
