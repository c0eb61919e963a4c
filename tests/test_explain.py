"""optimizers/explain.py: every explained quantity comes from the recorded state and rebuilds the recorded step."""

from __future__ import annotations

import numpy as np
import pytest

import optimizers
import surfaces
from optimizers import explain

ROSEN = surfaces.get("rosenbrock")
START = (-1.0, 1.5)

# (optimizer, hyperparameters): every optimizer at its defaults, plus every option that changes the rule
CASES = [(k, {}) for k in optimizers.names()] + [
    ("momentum", {"momentum": 0.0}), ("momentum", {"dampening": 0.3, "weight_decay": 0.1}), ("nag", {"weight_decay": 0.1}),
    ("adagrad", {"lr_decay": 0.05, "initial_accumulator_value": 0.3, "weight_decay": 0.1}),
    ("rmsprop", {"centered": True}), ("rmsprop", {"momentum": 0.5}), ("rmsprop", {"centered": True, "momentum": 0.5}),
    ("adadelta", {"weight_decay": 0.1}),
    ("adam", {"bias_correction": False, "lr": 0.01}), ("adam", {"amsgrad": True, "weight_decay": 0.1}),
    ("adamw", {"weight_decay": 0.1, "amsgrad": True}), ("nadam", {"decoupled_weight_decay": True, "weight_decay": 0.1}),
    ("radam", {"decoupled_weight_decay": True, "weight_decay": 0.1}), ("adamax", {"weight_decay": 0.1}),
]


def run(key, hps, steps=60, noise=0.5):
    return optimizers.simulate(key, ROSEN, START, steps, noise=noise, seed=3, **hps)


@pytest.mark.parametrize(("key", "hps"), CASES, ids=[f"{k}-{'-'.join(h) or 'defaults'}" for k, h in CASES])
def test_update_is_the_path_difference_and_the_quantities_rebuild_it(key, hps):
    traj = run(key, hps)
    ex = explain.explain(traj)
    assert ex.steps == 60 and ex.update.shape == ex.step.shape == ex.lr_eff.shape == (60, 2)
    np.testing.assert_array_equal(ex.update, traj.path[1:] - traj.path[:-1])
    np.testing.assert_array_equal(ex.theta, traj.path[:-1])
    np.testing.assert_array_equal(ex.t, np.arange(1, 61))
    # the step rebuilt from g, the moments and the learning rate equals the step the engine took
    np.testing.assert_allclose(ex.step, ex.update, rtol=1e-9, atol=1e-14)
    for name, q in ex.quantities.items():
        assert q.shape == (60, 2), name
    if ex.first:
        assert ex.first in ex.quantities
    if ex.root:
        assert ex.root in ex.quantities


def test_adam_update_rule_holds_with_the_explained_quantities():
    hps = dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6)
    traj = optimizers.simulate("adam", ROSEN, START, 80, **hps)
    ex = explain.explain(traj)
    q = ex.quantities
    t = np.arange(1, 81)[:, None]
    # the moments are the engine's recorded state (index t = after step t), the hats are their corrections
    np.testing.assert_array_equal(q["m"], traj.state["exp_avg"][1:])
    np.testing.assert_array_equal(q["v"], traj.state["exp_avg_sq"][1:])
    np.testing.assert_allclose(q["m̂"], traj.state["exp_avg"][1:] / (1 - 0.8**t), rtol=1e-15)
    np.testing.assert_allclose(q["v̂"], traj.state["exp_avg_sq"][1:] / (1 - 0.99**t), rtol=1e-15)
    np.testing.assert_array_equal(ex.grad, traj.grad)
    np.testing.assert_allclose(ex.lr_eff, 0.05 / (np.sqrt(q["v̂"]) + 1e-6), rtol=1e-15)
    # θₜ₊₁ = θₜ − α m̂ₜ / (√v̂ₜ + ε)
    np.testing.assert_allclose(traj.path[1:], traj.path[:-1] - 0.05 * q["m̂"] / (np.sqrt(q["v̂"]) + 1e-6),
                               rtol=1e-12, atol=1e-14)
    # and m, v follow their recursions from g
    m_prev = traj.state["exp_avg"][:-1]
    v_prev = traj.state["exp_avg_sq"][:-1]
    np.testing.assert_allclose(q["m"], 0.8 * m_prev + 0.2 * traj.grad, rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(q["v"], 0.99 * v_prev + 0.01 * traj.grad**2, rtol=1e-13)


def test_amsgrad_divides_by_the_running_maximum():
    traj = optimizers.simulate("amsgrad", ROSEN, START, 80, lr=0.05)
    ex = explain.explain(traj)
    vmax = ex.quantities["v_max"]
    assert (np.diff(vmax, axis=0) >= 0).all()
    np.testing.assert_array_equal(vmax, np.maximum.accumulate(ex.quantities["v"], axis=0))


def test_rmsprop_adagrad_momentum_analogues():
    traj = optimizers.simulate("rmsprop", ROSEN, START, 40, lr=0.01)
    ex = explain.explain(traj)
    np.testing.assert_allclose(ex.lr_eff, 0.01 / (np.sqrt(traj.state["square_avg"][1:]) + 1e-8), rtol=1e-15)
    traj = optimizers.simulate("adagrad", ROSEN, START, 40, lr=0.1)
    ex = explain.explain(traj)
    np.testing.assert_allclose(ex.quantities["G"], np.cumsum(traj.grad**2, axis=0), rtol=1e-12)
    traj = optimizers.simulate("momentum", ROSEN, START, 40, lr=1e-3, momentum=0.9)
    ex = explain.explain(traj)
    np.testing.assert_allclose(ex.quantities["v"], 1e-3 * traj.state["momentum_buffer"][1:])  # the article's vₜ
    np.testing.assert_allclose(-ex.quantities["v"], ex.update, rtol=1e-12, atol=1e-16)  # θₜ₊₁ = θₜ − vₜ


@pytest.mark.parametrize(("key", "hps"), CASES, ids=[f"{k}-{'-'.join(h) or 'defaults'}" for k, h in CASES])
def test_narration_walks_through_the_step_with_its_numbers(key, hps):
    ex = explain.explain(run(key, hps, steps=12))
    for k in (0, 5, 11):
        subs = explain.narrate(ex, k)
        assert len(subs) >= 2 and all(s.text and s.latex for s in subs)
        assert subs[0].text.startswith("**Take the gradient**")
        assert "Step" in subs[-1].text
        assert f"\\theta_{{{k + 2}}}" in subs[-1].latex
    with pytest.raises(ValueError):
        explain.narrate(ex, 12)


def test_adam_narration_names_its_substeps_in_order():
    ex = explain.explain(optimizers.simulate("adam", ROSEN, START, 5))
    texts = [s.text for s in explain.narrate(ex, 2)]
    order = ["Take the gradient", "first moment by β₁", "second moment by β₂", "zero start", "learning rate", "Step"]
    positions = [next(i for i, t in enumerate(texts) if word in t) for word in order]
    assert positions == sorted(positions)


def test_diverged_runs_explain_to_nan_without_warnings():
    traj = optimizers.simulate("gd", ROSEN, START, 40, lr=0.05)
    assert traj.diverged_at is not None
    ex = explain.explain(traj)
    assert np.isnan(ex.update[-1]).all()
    explain.narrate(ex, ex.steps - 1)


def test_rejects_what_it_cannot_explain():
    with pytest.raises(ValueError, match="single run"):
        explain.explain(optimizers.simulate("adam", ROSEN, [START, START], 5))
    with pytest.raises(ValueError, match="record"):
        explain.explain(optimizers.simulate("adam", ROSEN, START, 5, record="path"))
    with pytest.raises(ValueError, match="every"):
        explain.explain(optimizers.simulate("adam", ROSEN, START, 10, every=2))
