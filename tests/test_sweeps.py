"""sweeps/: every run of a batch equals the single run with its settings (noise included), and the metrics are right
on hand-made cases."""

from __future__ import annotations

import numpy as np
import pytest

import optimizers
import surfaces
import sweeps

ROSEN = surfaces.get("rosenbrock")


class Bowl:
    """f = ½‖θ‖², minimum 0 at the origin, plotted over [−1, 1]²: tolerance 0.02."""

    bounds = ((-1.0, 1.0), (-1.0, 1.0))
    minima = ((0.0, 0.0),)
    local_minima = ()
    min_value = 0.0

    def value(self, p):
        p = np.asarray(p, dtype=float)
        return 0.5 * (p * p).sum(axis=-1)

    def grad(self, p):
        return np.asarray(p, dtype=float).copy()

    raw_grad = grad


def test_a_grid_cell_is_the_single_run_with_its_settings():
    # α up to 0.01: at large α Adam's run on Rosenbrock is chaotic, and the last bits (see below) grow to 1e-3
    lrs, b2 = sweeps.axis("adam", "lr", 9, 1e-4, 1e-2), sweeps.axis("adam", "beta2", 7)
    sw = sweeps.grid("adam", ROSEN, (-1.5, 2.0), 300, x=("lr", lrs), y=("beta2", b2), hps={"beta1": 0.8})
    assert sw.gap.shape == (7, 9)
    for i, j in [(0, 0), (3, 4), (6, 8), (2, 7)]:
        one = optimizers.simulate("adam", ROSEN, (-1.5, 2.0), 300, lr=lrs[j], beta2=b2[i], beta1=0.8)
        # a hyperparameter array takes NumPy's array path where a single run has a Python float: the last bits differ
        np.testing.assert_allclose(sw.final[i, j], one.path[-1], rtol=1e-9)
        assert sw.loss[i, j] == pytest.approx(one.loss[-1], rel=1e-9, abs=1e-12)


def test_with_noise_every_cell_draws_the_noise_of_the_playgrounds_single_run():
    lrs = sweeps.axis("momentum", "lr", 5, 1e-4, 1e-2)
    mom = sweeps.axis("momentum", "momentum", 4, 0.5, 0.95)
    sw = sweeps.grid("momentum", ROSEN, (-1.5, 2.0), 200, x=("lr", lrs), y=("momentum", mom), noise=2.0, seed=7)
    for i, j in [(0, 0), (3, 4), (1, 2)]:
        one = optimizers.simulate("momentum", ROSEN, (-1.5, 2.0), 200, noise=2.0, seed=7, lr=lrs[j], momentum=mom[i])
        np.testing.assert_allclose(sw.final[i, j], one.path[-1], rtol=1e-9)


def test_a_curve_runs_every_value_under_every_seed():
    values = sweeps.axis("rmsprop", "lr", 6)
    sw = sweeps.curve("rmsprop", ROSEN, (-1.0, 1.0), 150, "lr", values, noise=0.5, seeds=[3, 11, 12])
    assert sw.final.shape == (6, 3, 2)
    for v, s in [(0, 0), (5, 2), (2, 1)]:
        one = optimizers.simulate("rmsprop", ROSEN, (-1.0, 1.0), 150, noise=0.5, seed=[3, 11, 12][s], lr=values[v])
        np.testing.assert_allclose(sw.final[v, s], one.path[-1], rtol=1e-9)


def test_seed_bands_record_each_seeds_path():
    sw = sweeps.seeds("adam", ROSEN, (-1.5, 2.0), 400, {"lr": 0.05}, 1.0, range(6), points=50)
    assert sw.path.shape == (6, 51, 2) and sw.index[-1] == 400
    one = optimizers.simulate("adam", ROSEN, (-1.5, 2.0), 400, noise=1.0, seed=4, lr=0.05)
    np.testing.assert_array_equal(sw.path[4], one.path[sw.index])
    np.testing.assert_allclose(sw.path_loss[4], one.loss[sw.index], rtol=1e-15)


def test_reached_at_is_the_first_step_within_tolerance():
    # gd with α = 0.5 halves θ each step: from (1, 0) it is 2⁻ᵗ, within 0.02 first at t = 6 (1/64)
    sw = sweeps.run("gd", Bowl(), np.array([[1.0, 0.0], [0.01, 0.0], [0.03, 0.0]]), 20, {"lr": 0.5})
    assert sweeps.tolerance(Bowl()) == pytest.approx(0.02)
    assert list(sw.reached_at) == [6, 0, 1]
    assert list(sw.basin) == [0, 0, 0] and list(sw.diverged_at) == [-1, -1, -1]
    # reached only at the very last step: the end counts too
    last = sweeps.run("gd", Bowl(), np.array([[1.0, 0.0]]), 6, {"lr": 0.5})
    assert last.reached_at[0] == 6
    never = sweeps.run("gd", Bowl(), np.array([[1.0, 0.0]]), 5, {"lr": 0.5})
    assert never.reached_at[0] == -1 and never.basin[0] == -1
    assert np.isnan(never.metric("reached_at")[0]) and never.distance[0] == pytest.approx(1 / 32)


def test_diverged_at_is_the_first_non_finite_step():
    # gd with α = 3 multiplies θ by −2 each step: 2¹⁰²⁴ overflows, so from (1, 0) step 1024 is the first inf
    sw = sweeps.run("gd", Bowl(), np.array([[1.0, 0.0], [0.5, 0.0]]), 1100, {"lr": 3.0})
    assert list(sw.diverged_at) == [1024, 1025]
    assert list(sw.basin) == [-2, -2] and np.isnan(sw.loss).all() and np.isnan(sw.gap).all()
    assert sw.metric("diverged_at")[0] == 1024.0


def test_basins_on_himmelblau_find_all_four_minima_and_the_start_grid_is_row_y():
    sw = sweeps.basins("gd", surfaces.get("himmelblau"), 24, 400, {"lr": 0.01})
    assert sw.basin.shape == (24, 24)
    assert set(np.unique(sw.basin)) >= {0, 1, 2, 3}
    xs, ys, pts = sweeps.start_grid(surfaces.get("himmelblau"), 24)
    assert pts[3, 5, 0] == xs[5] and pts[3, 5, 1] == ys[3]
    for i, j in [(0, 0), (23, 23), (5, 17)]:  # a corner of the box runs to the minimum nearest it
        one = optimizers.simulate("gd", surfaces.get("himmelblau"), pts[i, j], 400, lr=0.01)
        np.testing.assert_array_equal(sw.final[i, j], one.path[-1])


def test_a_surface_without_minima_gives_nan_distances_and_no_basin():
    sw = sweeps.run("adam", surfaces.get("saddle"), np.array([[0.5, 0.1]]), 50, {"lr": 0.01})
    assert np.isnan(sw.distance).all() and np.isnan(sw.gap).all() and (sw.basin == -1).all()


def test_axes_follow_the_slider_scales_and_stay_valid():
    lr = sweeps.axis("adam", "lr", 5)
    np.testing.assert_allclose(lr, np.geomspace(1e-5, 10, 5))
    b2 = sweeps.axis("adam", "beta2", 3)
    np.testing.assert_allclose(1 - b2, np.geomspace(0.5, 1e-5, 3))
    m = sweeps.axis("momentum", "momentum", 3, 0.2, 0.8)
    np.testing.assert_allclose(m, [0.2, 0.5, 0.8])
    with pytest.raises(ValueError, match="on/off"):
        sweeps.axis("adam", "amsgrad", 3)
    with pytest.raises(ValueError, match="different hyperparameters"):
        sweeps.grid("adam", ROSEN, (0, 0), 10, x=("lr", lr), y=("lr", lr))
