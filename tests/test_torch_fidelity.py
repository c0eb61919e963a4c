"""Every optimizer against torch.optim, step for step, from the committed fixtures (no torch needed).

Tolerance: 1e-9 relative to max(1, |θ|) at every step. The fixtures were cut where torch's own run
is sensitive to a 1e-15 nudge of the start (tests/make_torch_fixtures.py), so 1e-9 is meaningful.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import optimizers
import surfaces

DATA = json.loads((Path(__file__).parent / "fixtures" / "torch_reference.json").read_text())
CASES = DATA["cases"]
TOL = 1e-9


class Quad5:
    scales = np.array(DATA["meta"]["quad5_scales"])

    def value(self, x):
        return 0.5 * (self.scales * x**2).sum(axis=-1)

    def grad(self, x):
        return self.scales * x


def _surface(name):
    return Quad5() if name == "quad5" else surfaces.get(name)


def _case_id(case):
    return f"{case['optimizer']}-{case['surface']}-" + ",".join(f"{k}={v}" for k, v in case["hyperparameters"].items())


def _close(ours, theirs):
    theirs = np.asarray(theirs)
    err = np.abs(ours - theirs) / np.maximum(1.0, np.abs(theirs))
    return float(err.max())


def test_fixtures_cover_every_optimizer_and_flag():
    counts = Counter(c["optimizer"] for c in CASES)
    assert set(counts) == set(optimizers.names()), f"missing: {set(optimizers.names()) - set(counts)}"
    assert all(n >= 3 for n in counts.values()), counts
    used = {(c["optimizer"], k) for c in CASES for k in c["hyperparameters"]}
    for key in optimizers.names():
        for hp in optimizers.get(key).hyperparameters:
            if hp.ui and hp.name != "bias_correction":  # bias_correction has no torch counterpart
                assert (key, hp.name) in used, f"no fixture sets {key}.{hp.name}"
    assert any(len(c["start"]) == 5 for c in CASES), "no case with D != 2"
    assert all(c["steps"] >= (4 if optimizers.get(c["optimizer"]).step else 25) for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_matches_torch_step_for_step(case):
    traj = optimizers.simulate(case["optimizer"], _surface(case["surface"]), case["start"], case["steps"],
                               **case["hyperparameters"])
    assert traj.diverged_at is None
    assert _close(traj.path, case["path"]) <= TOL, case["torch"]
    for name, history in case["state"].items():
        assert name in traj.state, f"engine does not record torch's state {name!r}"
        assert _close(traj.state[name][1:], history) <= TOL, f"{name} differs from {case['torch']}"
    if "evals" in case:  # a closure optimizer: the same evaluations inside every step, in the same order
        assert traj.evaluations.tolist() == [len(e) for e in case["evals"]], case["torch"]
        for step, points in enumerate(case["evals"]):
            assert _close(traj.evals[step, : len(points)], points) <= TOL, f"step {step + 1}: {case['torch']}"


def test_a_batch_of_fixture_cases_matches_torch_too():
    """The same hyperparameters as arrays over a batch of starts: each row still equals torch."""
    group = [c for c in CASES if c["optimizer"] == "adam" and c["surface"] == "himmelblau"
             and set(c["hyperparameters"]) <= {"lr", "beta1", "beta2", "eps", "weight_decay"}]
    assert len(group) >= 3
    steps = min(c["steps"] for c in group)
    names = ("lr", "beta1", "beta2", "eps", "weight_decay")
    defaults = optimizers.get("adam").defaults()
    hps = {k: np.array([c["hyperparameters"].get(k, defaults[k]) for c in group]) for k in names}
    traj = optimizers.simulate("adam", _surface("himmelblau"), [c["start"] for c in group], steps, **hps)
    for row, case in enumerate(group):
        assert _close(traj.path[row], case["path"][: steps + 1]) <= TOL
