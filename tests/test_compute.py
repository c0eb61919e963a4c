"""The Playground's caches: a run cut from a longer cached one equals the run computed to its own length."""

import numpy as np
import pytest

import optimizers
import surfaces
from plots.race_data import morph_blobs
from ui import compute

STEPLESS = [k for k in optimizers.names() if optimizers.get(k).step is None]  # L-BFGS runs to its exact length


def _direct(key, steps, noise, record, **hps):
    return optimizers.simulate(key, surfaces.get("rosenbrock"), np.array([-1.5, 2.0]), steps, noise=noise, seed=3,
                               record=record, **hps)


@pytest.mark.parametrize("key", STEPLESS)
def test_a_run_cut_from_its_horizon_is_the_run_itself(key):
    """Bit for bit: path, loss, gradients, every state array and where it diverged (α = 0.05 makes several diverge)."""
    diverged = 0
    for steps, noise, record in [(37, 0.0, "path"), (510, 0.5, "full"), (1999, 0.0, "full")]:
        assert compute.horizon(steps) > steps
        got = compute.trajectory(key, "rosenbrock", compute.hp_key({"lr": 0.05}), (-1.5, 2.0), steps, noise, 3, record)
        want = _direct(key, steps, noise, record, lr=0.05)
        assert np.array_equal(got["path"], want.path, equal_nan=True)
        assert np.array_equal(got["loss"], want.loss, equal_nan=True)
        assert got["diverged_at"] == want.diverged_at
        diverged += want.diverged_at is not None
        if record == "full":
            assert np.array_equal(got["grad"], want.grad, equal_nan=True)
            assert set(got["state"]) == set(want.state)
            for name, values in want.state.items():
                assert np.array_equal(got["state"][name], values, equal_nan=True), name
    if key == "gd":
        assert diverged, "the diverging case is covered"


def test_a_divergence_after_the_steps_asked_for_is_not_reported():
    long = _direct("gd", 200, 0.0, "path", lr=0.05)
    assert long.diverged_at is not None and long.diverged_at > 5
    short = compute.trajectory("gd", "rosenbrock", compute.hp_key({"lr": 0.05}), (-1.5, 2.0), long.diverged_at - 1)
    assert short["diverged_at"] is None and np.isfinite(short["path"]).all()


def test_schedules_and_lbfgs_run_to_their_own_length():
    """A schedule is sized to the steps (cosine over 510 steps is not the start of cosine over 1000)."""
    got = compute.trajectory("adam", "rosenbrock", (), (-1.5, 2.0), 510, schedule="cosine")
    assert len(got["path"]) == 511 and len(got["lr"]) == 510
    assert got["lr"][-1] < 0.01 * got["lr"][0]  # annealed over these 510 steps, not over 1000
    got = compute.trajectory("lbfgs", "rosenbrock", (), (-1.5, 2.0), 37)
    assert len(got["path"]) == 38 and got["evals"].shape[0] == 37


def test_the_morph_cut_from_its_horizon_equals_the_morph_itself():
    stops = (0.01, 0.05, 0.2)
    for steps, noise in [(510, 0.0), (130, 0.3)]:
        got = compute.morph_paths("adam", "rosenbrock", (), "lr", stops, (-1.5, 2.0), steps, noise, 3)
        want = [_direct("adam", steps, noise, "path", lr=v) for v in stops]
        assert got == morph_blobs(surfaces.get("rosenbrock"), [(t.path, t.loss) for t in want])
