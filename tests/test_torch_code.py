"""The race as torch code (plots/torch_code.py): every surface's torch formulas equal the engine's, the snippet
compiles for every surface and optimizer, and, where torch is installed, it reproduces the engine's paths."""

from __future__ import annotations

import types

import numpy as np
import pytest

import optimizers
import surfaces
from plots import torch_code
from ui.settings import DEFAULTS

# torch's functions that the formulas use, played by NumPy: the formulas can be checked without torch
SHIM = types.SimpleNamespace(cos=np.cos, sin=np.sin, exp=np.exp, expm1=np.expm1, hypot=np.hypot, where=np.where,
                             ones_like=np.ones_like, stack=np.stack)


def _namespace(key: str) -> dict:
    import math

    ns = {"torch": SHIM, "math": math, "TAU": 2.0 * math.pi}
    exec(torch_code.HELPERS.get(key, ""), ns)  # noqa: S102 - our own source, in a test
    return ns


@pytest.mark.parametrize("key", surfaces.names())
def test_every_surface_is_written_in_torch_as_the_engine_computes_it(key):
    surface = surfaces.get(key)
    assert key in torch_code.SURFACES, "a new surface needs its torch formulas"
    value, grad = torch_code.SURFACES[key]
    ns = _namespace(key)
    (x0, x1), (y0, y1) = surface.bounds
    rng = np.random.default_rng(0)
    pts = np.stack([rng.uniform(x0, x1, 200), rng.uniform(y0, y1, 200)], axis=1)
    x, y = pts[:, 0], pts[:, 1]
    np.testing.assert_allclose(eval(value, ns, {"x": x, "y": y}), surface.value(pts), rtol=1e-12, atol=1e-12)
    gx, gy = eval(grad, ns, {"x": x, "y": y})
    np.testing.assert_allclose(np.stack([gx, gy], axis=1), surface.grad(pts), rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("key", optimizers.names())
def test_the_snippet_compiles_for_every_optimizer_and_surface(key):
    for surface in surfaces.names():
        s = surfaces.get(surface)
        code = torch_code.snippet(s, s.start, 100, [(optimizers.get(key).label, key, DEFAULTS.hyperparameters(key))],
                                  noise=0.5, seed=3)
        compile(code, f"{surface}-{key}", "exec")
        assert f"{torch_code.constructor(key)}(" in code


def test_simplified_adam_is_left_out_and_said_so():
    s = surfaces.get("rosenbrock")
    code = torch_code.snippet(s, s.start, 10, [("Adam (simplified)", "adam", {**DEFAULTS.hyperparameters("adam"),
                                                                            "bias_correction": False})])
    assert "not in torch.optim" in code and "Adam (simplified)" in code


# Races whose paths do not amplify round-off: torch fuses some multiply-adds, so on a chaotic stretch its own
# numbers part from exact arithmetic (AdaDelta on Beale after step ~210; tests/make_torch_fixtures.py cuts there too).
RACES = [
    ("rosenbrock", None, 500, 0.0, ["gd", "momentum", "rmsprop", "adam"]),
    ("beale", (4.0, 1.0), 200, 0.0, ["nag", "adagrad", "adadelta", "amsgrad"]),
    ("stretched_bowl", None, 200, 2.0, ["adamw", "nadam", "adamax", "radam"]),
    ("goldstein_price", None, 150, 0.0, ["adam", "rmsprop"]),
    ("ackley", (1.2, -0.7), 150, 0.0, ["adam", "momentum"]),
    ("himmelblau", None, 200, 0.0, ["rprop", "asgd", "adafactor", "lion", "schedule_free_adamw"]),
]


@pytest.mark.parametrize(("surface", "start", "steps", "noise", "keys"), RACES, ids=[r[0] for r in RACES])
def test_the_snippet_run_with_torch_gives_the_pages_numbers(surface, start, steps, noise, keys):
    torch = pytest.importorskip("torch")
    for key in keys:  # the optimizers beyond torch.optim need their packages
        if key in torch_code.OUTSIDE:
            pytest.importorskip(torch_code.OUTSIDE[key][0])
    s = surfaces.get(surface)
    start = start or s.start
    entries = [(optimizers.get(k).label, k, DEFAULTS.hyperparameters(k)) for k in keys]
    ns: dict = {}
    exec(torch_code.snippet(s, start, steps, entries, noise=noise, seed=7), ns)  # noqa: S102 - generated code under test
    for label, key, hps in entries:
        path = ns["paths"][label][0].numpy()
        engine = optimizers.simulate(key, s, np.array(start), steps, noise=noise, seed=7, **hps).path
        np.testing.assert_allclose(path, engine, rtol=1e-9, atol=1e-12, err_msg=label)
    assert torch.get_default_dtype() == torch.float64
