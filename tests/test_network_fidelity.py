"""networks.train against torch's own training loop, from the committed fixtures (no torch needed).

Each case: the same data, the same initial parameters (load_state_dict), float64, full batch. The loss at
every step and the final parameters must match to 1e-9 relative (to max(1, |value|)).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import networks
import optimizers

DATA = json.loads((Path(__file__).parent / "fixtures" / "torch_networks.json").read_text())
TOL = 1e-9
KINDS = {"Linear": networks.Linear, "ReLU": networks.ReLU, "Tanh": networks.Tanh}


def _model(name):
    spec = DATA["models"][name]
    model = networks.Sequential(*(KINDS[m[0]](*m[1:]) for m in spec["modules"]))
    params = {k: np.array(v) for k, v in spec["params"].items()}
    return model, np.array(spec["X"]), np.array(spec["y"]), spec["loss"], params


def _rel(ours, theirs):
    theirs = np.asarray(theirs)
    return float((np.abs(np.asarray(ours) - theirs) / np.maximum(1.0, np.abs(theirs))).max())


def test_fixtures_cover_every_optimizer_on_every_model():
    seen = Counter((c["model"], c["optimizer"]) for c in DATA["cases"])
    for model in DATA["models"]:
        for key in networks.elementwise():
            assert seen[(model, key)] >= 1, f"no torch fixture for {key} on the {model} model"
    assert set(optimizers.names()) - set(networks.elementwise()) == {"adafactor", "lbfgs"}
    assert {m for m in DATA["models"]} == {"article", "relu", "tanh"}
    assert all(c["steps"] >= 40 for c in DATA["cases"])


def test_the_fixture_data_is_what_the_generators_make():
    """The stored data came from networks.data and the stored start from init(seed=7): both stay reproducible."""
    for spec in DATA["models"].values():
        kind, name, n, noise, seed = spec["source"]
        X, y = (networks.data.regression(n=n, noise=noise, seed=seed, kind=name) if kind == "regression"
                else networks.data.classification(name, n=n, noise=noise, seed=seed))
        np.testing.assert_array_equal(X, spec["X"])
        np.testing.assert_array_equal(y, spec["y"])


@pytest.mark.parametrize("case", DATA["cases"], ids=lambda c: f"{c['model']}-{c['optimizer']}-" + ",".join(
    f"{k}={v}" for k, v in c["hyperparameters"].items()))
def test_training_matches_torch(case):
    model, X, y, loss, params = _model(case["model"])
    run = networks.train(model, case["optimizer"], X, y, case["steps"], params=params, loss=loss,
                         **case["hyperparameters"])
    assert run.diverged_at is None
    assert _rel(run.loss, case["loss"]) <= TOL, "loss curve"
    for name, value in case["params"].items():
        assert _rel(run.params[name], value) <= TOL, name
    assert list(run.params) == list(case["params"])  # torch's state_dict order


def test_betas_as_torch_spells_them():
    model, X, y, loss, params = _model("article")
    a = networks.train(model, "adam", X, y, 20, params=params, loss=loss, lr=0.01, betas=(0.8, 0.99))
    b = networks.train(model, "adam", X, y, 20, params=params, loss=loss, lr=0.01, beta1=0.8, beta2=0.99)
    np.testing.assert_array_equal(a.loss, b.loss)
