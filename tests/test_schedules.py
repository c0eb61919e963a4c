"""Learning-rate schedules against torch.optim.lr_scheduler driving torch.optim (fixtures written by
tests/make_schedule_fixtures.py; no torch needed here), and their bad inputs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import optimizers
import surfaces
from optimizers import schedules

DATA = json.loads((Path(__file__).parent / "fixtures" / "torch_schedules.json").read_text())
TOL = 1e-9


def _rel(ours, theirs):
    theirs = np.asarray(theirs, dtype=float)
    return float((np.abs(np.asarray(ours) - theirs) / np.maximum(1.0, np.abs(theirs))).max())


def test_every_schedule_is_covered():
    names = {c["schedule"]["name"] for c in DATA["cases"]}
    assert names == set(schedules.SCHEDULES), set(schedules.SCHEDULES) - names
    assert {c["optimizer"] for c in DATA["cases"]} == {"momentum", "adam", "rmsprop"}


@pytest.mark.parametrize("case", DATA["cases"], ids=lambda c: f"{c['schedule']['name']}-{c['optimizer']}-"
                         + ",".join(f"{k}={v}" for k, v in c["schedule"].items() if k not in ("name", "schedulers")))
def test_schedule_matches_torch_step_for_step(case):
    hp = dict(case["hyperparameters"])
    traj = optimizers.simulate(case["optimizer"], surfaces.get(case["surface"]), case["start"], case["steps"],
                               lr_schedule=case["schedule"], **hp)
    assert _rel(traj.lr, case["lr"]) <= TOL, "learning rates"
    assert _rel(traj.path, case["path"]) <= TOL, "path"
    if case["momentum"] is not None:
        assert _rel(traj.momentum, case["momentum"]) <= TOL, "cycled momentum / β₁"
    else:
        assert traj.momentum is None


def test_a_batch_gets_a_row_of_learning_rates_each():
    lrs = np.array([0.01, 0.02, 0.005])
    traj = optimizers.simulate("adam", surfaces.get("rosenbrock"), (-1.2, 1.0), 30, lr=lrs,
                               lr_schedule={"name": "ExponentialLR", "gamma": 0.9})
    assert traj.lr.shape == (3, 30)
    np.testing.assert_allclose(traj.lr, lrs[:, None] * 0.9 ** np.arange(30), rtol=1e-12)
    plateau = optimizers.simulate("gd", surfaces.get("rosenbrock"), np.array([[-1.2, 1.0], [1.0, 1.0]]), 30, lr=1e-3,
                                  lr_schedule={"name": "ReduceLROnPlateau", "patience": 1, "threshold": 0.5})
    assert plateau.lr.shape == (2, 30)
    assert plateau.lr[1, -1] < 1e-3 and plateau.lr[0, 0] == 1e-3  # the row already at the minimum stalls, and is cut


def test_inverse_sqrt_is_alpha_over_root_t():
    traj = optimizers.simulate("adam", surfaces.get("rosenbrock"), (-1.2, 1.0), 10, lr=0.1,
                               lr_schedule={"name": "InverseSqrt"})
    np.testing.assert_allclose(traj.lr, 0.1 / np.sqrt(np.arange(1, 11)), rtol=1e-15)


@pytest.mark.parametrize("spec,opt,message", [
    ({"name": "CosineLR"}, "adam", "Unknown schedule 'CosineLR'. Valid: StepLR"),
    ({"name": "CosineAnnealingLR", "T_max": 0}, "adam", "Invalid T_max: 0"),
    ({"name": "OneCycleLR", "max_lr": 0.1, "total_steps": 10}, "adam", "Invalid total_steps for OneCycleLR: 10"),
    ({"name": "OneCycleLR", "max_lr": 0.1, "total_steps": 100}, "adagrad", "must support momentum or beta1"),
    ({"name": "CyclicLR", "base_lr": 0.001, "max_lr": 0.1}, "gd", "would give gradient descent a momentum"),
    ({"name": "StepLR"}, "adam", "Invalid keywords for StepLR"),
    ({"name": "StepLR", "step_size": 10, "foo": 1}, "adam", "Invalid keywords for StepLR"),
    ({"name": "StepLR", "step_size": 0}, "adam", "Invalid step_size: 0"),
    ("StepLR", "adam", "Invalid lr_schedule"),
    ({"name": "SequentialLR", "schedulers": [{"name": "ConstantLR"}], "milestones": [5]}, "adam", "one more than"),
    ({"name": "ReduceLROnPlateau", "factor": 1.5}, "adam", "Factor should be < 1.0"),
])
def test_bad_schedules_are_named(spec, opt, message):
    with pytest.raises(ValueError, match=message):
        optimizers.simulate(opt, surfaces.get("rosenbrock"), (-1.2, 1.0), 20, lr_schedule=spec)


def test_every_optimizer_takes_a_schedule():
    for key in optimizers.names():
        traj = optimizers.simulate(key, surfaces.get("himmelblau"), (0.5, -0.5), 20, lr=0.01,
                                   lr_schedule={"name": "CosineAnnealingLR", "T_max": 20})
        np.testing.assert_allclose(traj.lr, [0.005 * (1 + math.cos(math.pi * e / 20)) for e in range(20)], rtol=1e-12)


def test_the_reddi_page_can_decay_alpha_as_the_paper():
    from teaching import reddi

    plain, decayed = reddi.fig1("adam", periods=100), reddi.fig1("adam", periods=100, decay=True)
    assert plain.lr is None and decayed.lr.shape == (100 * 101,)
    np.testing.assert_allclose(decayed.lr[:4], reddi.FIG1_LR / np.sqrt([1, 2, 3, 4]), rtol=1e-15)


# ---- in the Playground -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("preset", ["step", "exponential", "cosine", "warmup_cosine", "onecycle", "plateau",
                                    "inverse_sqrt"])
def test_a_schedule_in_the_playground_runs_and_travels_in_the_link(preset):
    from test_playground import chart, run, start, tune

    from ui import compute
    from ui.settings import from_query

    at = start({"opt": "adam,momentum", "adam.schedule": preset, "steps": "200"})
    assert at.query_params["adam.schedule"] in (preset, [preset])
    assert any(el.proto.id.endswith("lr-adam") for el in at.get("plotly_chart")), "the lr curve beside the race"
    s, notices = from_query({"opt": "adam,momentum", "adam.schedule": preset, "steps": "200"})
    assert not notices and s.schedules == {"adam": preset}
    out = compute.trajectory("adam", s.surface, compute.hp_key(s.hyperparameters("adam")), s.start, 200, 0.0, 0,
                             "path", preset)
    assert out["lr"].shape == (200,)
    data = chart(at)
    assert len(data["runs"]) == 2
    tune(at, "momentum")
    at.selectbox(key="momentum.schedule").set_value("cosine")
    run(at)
    assert at.query_params["momentum.schedule"] in ("cosine", ["cosine"])


def test_the_playgrounds_torch_code_steps_the_same_scheduler():
    torch = pytest.importorskip("torch")
    from plots import torch_code
    from ui.settings import schedule_spec

    s = surfaces.get("rosenbrock")
    entries = []
    for label, key, hps, preset in [("Adam", "adam", {"lr": 0.05}, "warmup_cosine"),
                                    ("Momentum", "momentum", {"lr": 1e-3, "momentum": 0.9}, "onecycle"),
                                    ("RMSProp", "rmsprop", {"lr": 0.01}, "plateau"),
                                    ("NAdam", "nadam", {"lr": 0.02}, "inverse_sqrt")]:
        entries.append((label, key, hps, schedule_spec(preset, key, 200, hps["lr"])))
    ns: dict = {}
    exec(torch_code.snippet(s, s.start, 200, entries), ns)  # noqa: S102 - generated code under test
    for label, key, hps, spec in entries:
        engine = optimizers.simulate(key, s, s.start, 200, lr_schedule=spec, **hps).path
        np.testing.assert_allclose(ns["paths"][label][0].numpy(), engine, rtol=1e-9, atol=1e-12, err_msg=label)
    assert torch.get_default_dtype() == torch.float64
