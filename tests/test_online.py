"""surfaces/online.py and Reddi, Kale & Kumar's failure case on the engine's own Adam and AMSGrad."""

from __future__ import annotations

import numpy as np
import pytest

import optimizers
from surfaces import online
from teaching import reddi


def test_the_problem_is_what_the_paper_says():
    p = online.FIG1
    x = np.array([0.3])
    assert p.grad_at(x, 1)[0] == 1010 and p.grad_at(x, 102)[0] == 1010 and p.grad_at(x, 2)[0] == -10
    assert p.grad_at(x, 101)[0] == -10
    np.testing.assert_array_equal(p.coefficient(np.arange(1, 204)) > 0, np.arange(1, 204) % 101 == 1)
    assert p.mean_coefficient == pytest.approx(10 / 101) and p.optimum == -1.0
    np.testing.assert_array_equal(p.project(np.array([[-3.0], [0.5], [2.0]]))[:, 0], [-1.0, 0.5, 1.0])
    assert p.value(np.array([[1.0], [-1.0]])).tolist() == pytest.approx([10 / 101, -10 / 101])
    t1 = online.theorem1(3.0)
    assert t1.period == 3 and t1.grad_at(x, 4)[0] == 3 and t1.grad_at(x, 5)[0] == -1 and t1.optimum == -1.0
    assert online.theorem1_beta2(3.0) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="C > 2"):
        online.theorem1(2.0)


def test_regret_of_fixed_points():
    p = online.FIG1
    n = 5 * 101
    # staying at the optimum −1 costs nothing against the best fixed point: Rₜ ≤ 0 always, = 0 after a full period
    r = online.average_regret(p, np.full((n + 1, 1), -1.0))
    assert (r <= 1e-12).all() and r[-1] == pytest.approx(0.0, abs=1e-12)
    # staying at +1, the worst point, costs 2·(10/101) per step once the periods add up
    r = online.average_regret(p, np.full((n + 1, 1), 1.0))
    assert r[-1] == pytest.approx(20 / 101)


def test_the_engine_runs_the_online_problem_with_projection():
    traj = optimizers.simulate("adam", online.FIG1, np.array([0.0]), 300, lr=0.5, betas=(0.9, 0.99))
    assert traj.path.shape == (301, 1) and (np.abs(traj.path) <= 1.0).all()
    assert traj.grad[0, 0] == 1010 and traj.grad[1, 0] == -10 and traj.grad[101, 0] == 1010


def test_figure_1_adam_goes_to_plus_one_and_amsgrad_to_minus_one():
    """What the "When Adam fails" page shows by default: 1000 periods at α = 0.02 from x = 0."""
    adam, ams = reddi.fig1("adam"), reddi.fig1("amsgrad")
    assert adam.path.shape[0] == reddi.FIG1_PERIODS * 101 + 1
    # the final iterate (just before the next large gradient)
    assert adam.path[-1, 0] > 0.95
    assert ams.path[-1, 0] < -0.85
    # the mean over the last period, which smooths the wobble, and over the whole second half of the run
    for traj, sign in ((adam, 1), (ams, -1)):
        _, mean, low, high = online.period_stats(online.FIG1, traj.path)
        assert sign * mean[-1] > 0.9
        assert (sign * mean[int(0.6 * len(mean)):] > 0.9).all()
    # AMSGrad's average regret ends below Adam's
    assert online.average_regret(online.FIG1, ams.path)[-1] < online.average_regret(online.FIG1, adam.path)[-1]


@pytest.mark.parametrize("C", [2.5, 3.0, 10.0])
def test_theorem_1_adam_goes_to_plus_one_and_amsgrad_to_minus_one(C):
    adam, ams = reddi.theorem1("adam", C=C), reddi.theorem1("amsgrad", C=C)
    assert adam.path[-1, 0] > 0.99
    assert ams.path[-1, 0] < -0.95
    problem = online.theorem1(C)
    r_adam, r_ams = online.average_regret(problem, adam.path)[-1], online.average_regret(problem, ams.path)[-1]
    assert r_ams < 0.25 * r_adam


def test_adam_fails_at_every_alpha_of_the_page():
    for lr in (0.005, 0.01, 0.05):
        assert reddi.fig1("adam", lr=lr, periods=200).path[-1, 0] > 0.9
