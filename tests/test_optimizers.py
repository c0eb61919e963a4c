"""The engine's contract: shapes, validation, divergence, batching, noise, recording modes."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import optimizers
import surfaces

ROSEN = surfaces.get("rosenbrock")


@pytest.fixture(autouse=True)
def _no_runtime_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_registry_has_every_optimizer_in_lesson_order():
    assert optimizers.names() == ["gd", "momentum", "nag", "adagrad", "rmsprop", "adadelta",
                                  "adam", "amsgrad", "adamw", "nadam", "adamax", "radam",
                                  "rprop", "asgd", "adafactor", "lbfgs", "lion", "schedule_free_adamw"]


@pytest.mark.parametrize("name", optimizers.names())
def test_declaration_is_complete(name):
    opt = optimizers.get(name)
    assert opt.label and opt.summary and opt.equations and opt.reference
    assert opt.torch.startswith(("torch.optim.", "lion_pytorch.", "schedulefree.")), "a reference implementation"
    assert opt.hyperparameters[0].name == "lr" and opt.hyperparameters[0].symbol == "α"
    for hp in opt.hyperparameters:
        assert hp.symbol and hp.help, hp
        if hp.kind == "choice":
            assert hp.default in hp.choices, hp
        elif hp.ui and not hp.is_flag:
            lo, hi = hp.slider_range
            assert hp.low <= lo < hi and np.isfinite(hi), hp
            assert lo <= hp.default <= hi, f"{name}.{hp.name}: default outside its slider"
            hp.validate(lo), hp.validate(hi)  # both slider ends are valid values


@pytest.mark.parametrize("name", optimizers.names())
def test_contract_shapes_single_run(name):
    # torch's defaults, except ASGD's α = 0.01: too large for Rosenbrock's curvature (it diverges by step 7)
    traj = optimizers.simulate(name, ROSEN, (-1.0, 1.5), 30, **({"lr": 1e-3} if name == "asgd" else {}))
    assert traj.path.shape == (31, 2) and traj.path.dtype == np.float64
    assert np.array_equal(traj.path[0], [-1.0, 1.5])
    assert traj.loss.shape == (31,) and traj.grad.shape == (30, 2)
    np.testing.assert_allclose(traj.loss, ROSEN.value(traj.path))
    np.testing.assert_allclose(traj.grad[0], ROSEN.grad(np.array([-1.0, 1.5])))
    assert (traj.state or name == "gd") and all(v.shape == (31, 2) for v in traj.state.values())
    assert traj.diverged_at is None
    assert traj.loss[-1] < traj.loss[0], "default hyperparameters should make progress"


@pytest.mark.parametrize("name", optimizers.names())
def test_batch_rows_equal_single_runs(name):
    starts = np.array([[-1.0, 1.5], [0.5, 0.5], [1.5, -0.5]])
    lrs = np.array([1e-3, 2e-3, 5e-4])
    batch = optimizers.simulate(name, ROSEN, starts, 40, lr=lrs)
    assert batch.path.shape == (3, 41, 2) and batch.loss.shape == (3, 41) and batch.grad.shape == (3, 40, 2)
    assert isinstance(batch.diverged_at, np.ndarray) and batch.diverged_at.tolist() == [-1, -1, -1]
    for i in range(3):
        single = optimizers.simulate(name, ROSEN, starts[i], 40, lr=float(lrs[i]))
        np.testing.assert_allclose(batch.path[i], single.path, rtol=1e-14, atol=1e-14)
        for k, v in single.state.items():
            np.testing.assert_allclose(batch.state[k][i], v, rtol=1e-14, atol=1e-14)


def test_hyperparameter_array_broadcasts_a_single_start_into_a_sweep():
    traj = optimizers.simulate("adam", ROSEN, (-1.0, 1.5), 50, lr=[0.001, 0.01, 0.1])
    assert traj.path.shape == (3, 51, 2)
    assert np.all(traj.path[:, 0] == [-1.0, 1.5])
    assert len({tuple(p) for p in traj.path[:, -1]}) == 3


def test_mixed_flags_in_one_batch_equal_separate_runs():
    amsgrad = np.array([True, False, True])
    traj = optimizers.simulate("adam", ROSEN, (-1.0, 1.5), 60, lr=0.02, amsgrad=amsgrad)
    for i, flag in enumerate(amsgrad):
        single = optimizers.simulate("adam", ROSEN, (-1.0, 1.5), 60, lr=0.02, amsgrad=bool(flag))
        np.testing.assert_array_equal(traj.path[i], single.path)
    assert np.isnan(traj.state["max_exp_avg_sq"][1]).all()  # that row has no such state
    assert np.isfinite(traj.state["max_exp_avg_sq"][0]).all()


def test_simplified_adam_is_the_five_line_formula():
    b1, b2, lr, eps = 0.9, 0.999, 0.01, 1e-8
    theta, m, v = np.array([-1.0, 1.5]), np.zeros(2), np.zeros(2)
    expected = [theta]
    for _ in range(200):
        g = ROSEN.grad(theta)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        theta = theta - lr * m / (np.sqrt(v) + eps)
        expected.append(theta)
    traj = optimizers.simulate("adam", ROSEN, (-1.0, 1.5), 200, lr=lr, bias_correction=False)
    np.testing.assert_allclose(traj.path, expected, rtol=1e-12, atol=1e-12)
    corrected = optimizers.simulate("adam", ROSEN, (-1.0, 1.5), 200, lr=lr)
    # with correction the first step is α per coordinate; without, m and √v are shrunk unequally
    # by their zero start and the step is α(1 − β₁)/√(1 − β₂) ≈ 3.16α
    np.testing.assert_allclose(np.abs(corrected.path[1] - corrected.path[0]), lr, rtol=1e-6)
    np.testing.assert_allclose(np.abs(traj.path[1] - traj.path[0]), lr * (1 - b1) / np.sqrt(1 - b2), rtol=1e-6)


def test_divergence_is_data_nan_after_and_no_warning():
    traj = optimizers.simulate("gd", ROSEN, (-1.5, 2.0), 100, lr=0.01)
    k = traj.diverged_at
    assert isinstance(k, int) and 1 <= k < 100
    assert np.isfinite(traj.path[:k]).all() and np.isnan(traj.path[k:]).all()
    assert np.isnan(traj.loss[k:]).all() and not np.isnan(traj.loss[:k]).any()  # loss may overflow first
    assert np.isnan(traj.grad[k:]).all()


def test_batched_divergence_marks_only_the_rows_that_diverged():
    traj = optimizers.simulate("gd", ROSEN, (-1.5, 2.0), 100, lr=[1e-4, 0.01, 1e-3])
    assert traj.diverged_at[0] == -1 and traj.diverged_at[2] == -1 and traj.diverged_at[1] > 0
    assert np.isfinite(traj.path[0]).all() and np.isnan(traj.path[1, -1]).all()


def test_everything_diverging_ends_early_and_stays_nan():
    traj = optimizers.simulate("gd", ROSEN, np.full((4, 2), 2.0), 5000, lr=1.0)
    assert (traj.diverged_at > 0).all() and (traj.diverged_at < 20).all()
    assert traj.path.shape == (4, 5001, 2) and np.isnan(traj.path[:, 100:]).all()


@pytest.mark.parametrize("every", [1, 3, 7])
def test_recording_every_kth_step(every):
    full = optimizers.simulate("adam", ROSEN, (-1.0, 1.5), 50, lr=0.01)
    strided = optimizers.simulate("adam", ROSEN, (-1.0, 1.5), 50, lr=0.01, every=every)
    idx = strided.index
    assert idx[0] == 0 and idx[-1] == 50 and np.all(np.diff(idx) <= every)
    np.testing.assert_array_equal(strided.path, full.path[idx])
    np.testing.assert_array_equal(strided.loss, full.loss[idx])
    np.testing.assert_array_equal(strided.grad, full.grad[idx[:-1]])
    for k in full.state:
        np.testing.assert_array_equal(strided.state[k], full.state[k][idx])


def test_strided_recording_still_finds_the_exact_divergence_step():
    full = optimizers.simulate("gd", ROSEN, (-1.5, 2.0), 100, lr=0.01)
    strided = optimizers.simulate("gd", ROSEN, (-1.5, 2.0), 100, lr=0.01, every=10)
    assert strided.diverged_at == full.diverged_at


def test_path_only_recording():
    traj = optimizers.simulate("adam", ROSEN, (-1.0, 1.5), 20, record="path")
    assert traj.grad is None and traj.state == {} and traj.path.shape == (21, 2) and traj.loss.shape == (21,)


def test_noise_is_reproducible_from_the_seed():
    a = optimizers.simulate("adam", ROSEN, (-1.0, 1.5), 50, noise=0.5, seed=7, lr=0.01)
    b = optimizers.simulate("adam", ROSEN, (-1.0, 1.5), 50, noise=0.5, seed=7, lr=0.01)
    c = optimizers.simulate("adam", ROSEN, (-1.0, 1.5), 50, noise=0.5, seed=8, lr=0.01)
    clean = optimizers.simulate("adam", ROSEN, (-1.0, 1.5), 50, lr=0.01)
    np.testing.assert_array_equal(a.path, b.path)
    assert not np.allclose(a.path, c.path)
    # the recorded gradient is the noisy one, and the noise has the requested scale
    exact = ROSEN.grad(a.path[:-1])
    assert 0.3 < np.std(a.grad - exact) < 0.7
    assert not np.allclose(a.path, clean.path)


def test_any_dimension_not_only_two():
    class Bowl:
        def value(self, x):
            return 0.5 * (x**2).sum(axis=-1)

        def grad(self, x):
            return x.copy()

    traj = optimizers.simulate("adam", Bowl(), np.ones(7), 300, lr=0.05)
    assert traj.path.shape == (301, 7) and traj.state["exp_avg"].shape == (301, 7)
    assert traj.loss[-1] < 1e-2 * traj.loss[0]


def test_online_problem_with_step_dependent_gradient_and_projection():
    class Online:  # f_t(x) = x on odd steps, -x on even ones, on [-1, 1]
        def value(self, x):
            return np.zeros(x.shape[:-1])

        def grad_at(self, x, t):
            return np.full_like(x, 1.0 if t % 2 else -1.0)

        def grad(self, x):
            raise AssertionError("grad_at must be used")

        def project(self, x):
            return np.clip(x, -1.0, 1.0)

    traj = optimizers.simulate("gd", Online(), [0.95], 6, lr=0.1)
    np.testing.assert_allclose(traj.path[:, 0], [0.95, 0.85, 0.95, 0.85, 0.95, 0.85, 0.95])
    traj = optimizers.simulate("gd", Online(), [0.0], 3, lr=5.0)
    np.testing.assert_allclose(traj.path[:, 0], [0.0, -1.0, 1.0, -1.0])


@pytest.mark.parametrize("name, kwargs, message", [
    ("adam", {"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
    ("adam", {"betas": (0.9, 1.5)}, "Invalid beta parameter at index 1: 1.5"),
    ("adam", {"beta1": -0.1}, "Invalid beta parameter at index 0: -0.1"),
    ("adam", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("gd", {"lr": float("nan")}, "Invalid learning rate: nan"),
    ("rmsprop", {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
    ("momentum", {"momentum": -0.5}, "Invalid momentum value: -0.5"),
    ("adamw", {"weight_decay": -0.01}, "Invalid weight_decay value: -0.01"),
    ("adadelta", {"rho": 1.5}, "Invalid rho value: 1.5"),
    ("adagrad", {"lr_decay": -1}, "Invalid lr_decay value: -1"),
    ("nag", {"momentum": 0.0}, "Nesterov momentum requires a momentum > 0"),
    ("nag", {"dampening": 0.5}, "Nesterov momentum requires zero dampening"),
    ("adam", {"foo": 1}, "Unknown hyperparameter 'foo' for adam"),
    ("gd", {"momentum": 0.9}, "Invalid momentum value for gd: 0.9 (gd always uses momentum=0.0"),
    ("adam", {"amsgrad": "yes"}, "Invalid amsgrad value: 'yes'"),
    ("adam", {"lr": "fast"}, "Invalid learning rate: 'fast'"),
    ("adam", {"lr": [0.1, -0.1]}, "Invalid learning rate: -0.1"),
    ("adam", {"betas": 0.9}, "Invalid betas: 0.9"),
    ("rprop", {"etas": (1.5, 1.2)}, "Invalid eta values: 1.5, 1.2"),
    ("adafactor", {"beta2_decay": 0.5}, "Invalid beta2_decay value: 0.5"),
    ("lbfgs", {"line_search_fn": "armijo"}, "Invalid line_search_fn value: 'armijo' (expected one of None, 'strong_wolfe')"),
    ("lbfgs", {"max_iter": 0}, "Invalid max_iter value: 0"),
    ("lbfgs", {"max_eval": 2.5}, "Invalid max_eval value: 2.5"),
    ("lbfgs", {"history_size": 0}, "Invalid history_size value: 0"),
])
def test_invalid_hyperparameters_raise_value_errors_naming_the_value(name, kwargs, message):
    with pytest.raises(ValueError) as err:
        optimizers.simulate(name, ROSEN, (0.0, 0.0), 5, **kwargs)
    assert message in str(err.value)


@pytest.mark.parametrize("kwargs, message", [
    ({"steps": -1}, "Invalid steps: -1"),
    ({"steps": 2.5}, "Invalid steps: 2.5"),
    ({"start": (np.nan, 0.0)}, "Invalid start"),
    ({"start": "here"}, "Invalid start"),
    ({"noise": -1.0}, "Invalid noise"),
    ({"record": "everything"}, "Invalid record"),
    ({"every": 0}, "Invalid every: 0"),
])
def test_invalid_run_arguments(kwargs, message):
    args = {"start": (0.0, 0.0), "steps": 5, **kwargs}
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        optimizers.simulate("adam", ROSEN, **args)


def test_unknown_optimizer_names_the_valid_keys():
    with pytest.raises(ValueError, match="Unknown optimizer 'sgdx'. Valid: gd, momentum"):
        optimizers.simulate("sgdx", ROSEN, (0.0, 0.0), 5)


def test_zero_steps_returns_just_the_start():
    traj = optimizers.simulate("adam", ROSEN, (0.5, 0.5), 0)
    assert traj.path.shape == (1, 2) and traj.grad.shape == (0, 2)


def test_centered_rmsprop_with_no_variance_and_no_eps_is_flagged_as_divergence():
    # a constant gradient with ρ = 0 makes E[g²] − E[g]² exactly 0; with ε = 0 torch divides by zero and the
    # position becomes infinite at once: the engine must report that as data, at step 1
    class Ramp:
        def value(self, x):
            return x.sum(axis=-1) * 0.1

        def grad(self, x):
            return np.full_like(x, 0.1)

    traj = optimizers.simulate("rmsprop", Ramp(), (0.0, 0.0), 10, alpha=0.0, centered=True, eps=0.0)
    assert traj.diverged_at == 1
    assert np.isfinite(traj.path[0]).all() and np.isnan(traj.path[1:]).all()
    assert np.isnan(traj.state["grad_avg"][1:]).all()
    ok = optimizers.simulate("rmsprop", Ramp(), (0.0, 0.0), 10, alpha=0.0, centered=True, eps=1e-8)
    assert ok.diverged_at is None  # the same run with ε stays finite


def test_torch_keywords_pinned_by_a_variant_are_accepted_when_they_agree():
    same = optimizers.simulate("amsgrad", ROSEN, (-1.0, 1.5), 20, amsgrad=True)
    np.testing.assert_array_equal(same.path, optimizers.simulate("adam", ROSEN, (-1.0, 1.5), 20, amsgrad=True).path)
    optimizers.simulate("nag", ROSEN, (-1.0, 1.5), 5, nesterov=True)
    with pytest.raises(ValueError, match="Invalid nesterov value for nag: False"):
        optimizers.simulate("nag", ROSEN, (-1.0, 1.5), 5, nesterov=False)


def test_a_foreign_surface_may_return_lists():
    class Listy:
        def value(self, x):
            return (np.asarray(x) ** 2).sum(axis=-1)

        def grad(self, x):
            return (2 * np.asarray(x)).tolist()

    traj = optimizers.simulate("adam", Listy(), (1.0, -1.0), 10, lr=0.1)
    assert traj.path.dtype == np.float64 and np.all(np.abs(traj.path[-1]) < 1.0)


# ---- bad input at the boundary: a ValueError that names the argument, never another exception ------------

BAD_CALLS = [
    ({"start": [1.0]}, "start"),
    ({"start": np.zeros((0, 2))}, "start"),
    ({"start": [1 + 2j, 0.0]}, "start"),
    ({"start": [0.0, 0.0, 0.0]}, "start"),
    ({"start": np.zeros((2, 2, 2))}, "start"),
    ({"start": "ab"}, "start"),
    ({"start": None}, "start"),
    ({"seed": "abc", "noise": 1.0}, "seed"),
    ({"seed": 1.5}, "seed"),
    ({"seed": -1}, "seed"),
    ({"seed": True}, "seed"),
    ({"surface": None}, "surface"),
    ({"surface": "rosenbrock"}, "surface"),
    ({"surface": object()}, "surface"),
    ({"steps": 10**7}, "steps"),
    ({"start": np.zeros((10**6, 2)), "steps": 1000}, "record less"),
]


@pytest.mark.parametrize(("change", "named"), BAD_CALLS,
                         ids=[re.sub(r" at 0x[0-9a-f]+", "", repr(c))[:40] for c, _ in BAD_CALLS])  # the same in every worker
def test_bad_arguments_get_a_value_error_that_names_them(change, named):
    import warnings

    args = {"surface": surfaces.get("rosenbrock"), "start": [-1.5, 2.0], "steps": 10, **change}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning, no RuntimeWarning on the way
        with pytest.raises(ValueError, match=f"(?i){named}"):
            optimizers.simulate("adam", args.pop("surface"), args.pop("start"), args.pop("steps"), **args)


def test_a_large_batch_fits_when_it_records_less():
    traj = optimizers.simulate("gd", surfaces.get("rosenbrock"), np.zeros((10**6, 2)), 100, lr=0.01, record="path",
                               every=50)
    assert traj.path.shape == (10**6, 3, 2)


def test_lbfgs_records_the_evaluations_inside_each_step():
    """One recorded step = one step(closure): its first evaluation is where it starts, at most max_eval of them."""
    for hps, most in (({}, 25), ({"max_iter": 4}, 5), ({"line_search_fn": "strong_wolfe", "max_eval": 7}, 7)):
        traj = optimizers.simulate("lbfgs", ROSEN, (-1.5, 2.0), 12, lr=0.5, **hps)
        assert traj.evaluations.shape == (12,) and 1 <= traj.evaluations.min() and traj.evaluations.max() <= most
        assert traj.evals.shape == (12, traj.evaluations.max(), 2)
        np.testing.assert_array_equal(traj.evals[:, 0], traj.path[:-1])  # the closure is called first where it is
        for k, n in enumerate(traj.evaluations):
            assert np.isfinite(traj.evals[k, :n]).all() and np.isnan(traj.evals[k, n:]).all()
        np.testing.assert_array_equal(traj.grad, ROSEN.grad(traj.path[:-1]))
    assert optimizers.simulate("lbfgs", ROSEN, (-1.5, 2.0), 5, record="path").evals is None
    # strided recording keeps the evaluations of the steps it records
    full = optimizers.simulate("lbfgs", ROSEN, (-1.5, 2.0), 9, lr=0.5)
    strided = optimizers.simulate("lbfgs", ROSEN, (-1.5, 2.0), 9, lr=0.5, every=3)
    np.testing.assert_array_equal(strided.evaluations, full.evaluations[[2, 5, 8]])


def test_lbfgs_stops_early_at_a_minimum_and_after_it_takes_no_step():
    traj = optimizers.simulate("lbfgs", surfaces.get("stretched_bowl"), (-2.5, 1.0), 6, line_search_fn="strong_wolfe",
                               tolerance_grad=1e-4)
    assert traj.loss[1] < 1e-9 and np.abs(traj.grad[1:]).max() <= 1e-4
    assert (traj.evaluations[1:] == 1).all()  # max|g| ≤ tolerance_grad at the closure's first call: torch returns
    np.testing.assert_array_equal(traj.path[1], traj.path[-1])
