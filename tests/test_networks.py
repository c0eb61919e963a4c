"""The networks engine: shapes and names as torch's, backprop against central differences, bad input named,
inputs never modified, mini-batches, divergence, the landscape plane."""

from __future__ import annotations

import numpy as np
import pytest

import networks
from networks import Linear, ReLU, Sequential, Tanh, landscape

ARTICLE = Sequential(Linear(10, 5), Linear(5, 1))


def test_the_articles_model_has_torchs_names_shapes_and_init_bounds():
    params = ARTICLE.init(seed=0)
    assert list(params) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert [p.shape for p in params.values()] == [(5, 10), (5,), (1, 5), (1,)]
    assert ARTICLE.size == 61
    assert all(p.dtype == np.float64 for p in params.values())
    assert np.abs(params["0.weight"]).max() <= 1 / np.sqrt(10) and np.abs(params["1.bias"]).max() <= 1 / np.sqrt(5)
    big = Sequential(Linear(400, 300)).init(seed=1)["0.weight"]  # the bound is reached: U(−1/√400, 1/√400)
    assert 0.049 < np.abs(big).max() <= 0.05
    np.testing.assert_array_equal(ARTICLE.init(seed=3)["0.weight"], ARTICLE.init(seed=3)["0.weight"])
    assert not np.array_equal(ARTICLE.init(seed=3)["0.weight"], ARTICLE.init(seed=4)["0.weight"])
    model = Sequential(Linear(2, 4), ReLU(), Linear(4, 1))
    assert list(model.init()) == ["0.weight", "0.bias", "2.weight", "2.bias"]  # indices as torch's Sequential


MODELS = [
    (ARTICLE, "mse", 10), (Sequential(Linear(10, 6), ReLU(), Linear(6, 2)), "mse", 10),
    (Sequential(Linear(2, 5), Tanh(), Linear(5, 5), Tanh(), Linear(5, 1)), "bce", 2),
    (Sequential(Linear(3, 4, bias=False), Tanh(), Linear(4, 1)), "bce", 3),
]


@pytest.mark.parametrize("model,loss,dim", MODELS, ids=["article", "relu-2-out", "tanh-bce", "no-bias"])
def test_backprop_matches_central_differences(model, loss, dim):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((17, dim))
    y = (rng.random((17, model.out_features)) > 0.5).astype(float) if loss == "bce" else rng.standard_normal((17, model.out_features))
    theta = model.flatten(model.init(seed=2))
    _, g = networks.loss_and_grad(model, theta, X, y, loss)
    h = 1e-6
    numeric = np.array([(networks.loss_value(model, theta + h * e, X, y, loss)
                         - networks.loss_value(model, theta - h * e, X, y, loss)) / (2 * h) for e in np.eye(theta.size)])
    np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-9)


def test_a_stack_of_parameter_vectors_gives_each_ones_loss():
    X, y = networks.data.regression(n=30, seed=1)
    thetas = np.stack([ARTICLE.flatten(ARTICLE.init(seed=s)) for s in range(4)])
    stacked = networks.loss_value(ARTICLE, thetas, X, y)
    assert stacked.shape == (4,)
    np.testing.assert_allclose(stacked, [networks.loss_value(ARTICLE, t, X, y) for t in thetas], rtol=1e-14)


def test_train_never_modifies_its_inputs_and_steps_zero_returns_the_start():
    X, y = networks.data.regression(n=40, seed=0)
    params = ARTICLE.init(seed=0)
    copies = X.copy(), y.copy(), {k: v.copy() for k, v in params.items()}
    run = networks.train(ARTICLE, "adam", X, y, 25, params=params, lr=0.05)
    np.testing.assert_array_equal(X, copies[0])
    np.testing.assert_array_equal(y, copies[1])
    for k in params:
        np.testing.assert_array_equal(params[k], copies[2][k])
        assert not np.array_equal(run.params[k], params[k])
    still = networks.train(ARTICLE, "adam", X, y, 0, params=params)
    assert still.loss.shape == (0,) and still.path.shape == (1, 61)
    for k in params:
        np.testing.assert_array_equal(still.params[k], params[k])


def test_the_run_records_loss_path_and_per_layer_sizes():
    X, y = networks.data.regression(n=50, seed=0)
    run = networks.train(ARTICLE, "gd", X, y, 30, lr=0.01)
    assert run.loss.shape == (30,) and run.path.shape == (31, 61) and run.layers == ("0", "1")
    # loss[t] is the loss at path[t], before step t + 1
    np.testing.assert_allclose(run.loss, networks.loss_value(ARTICLE, run.path[:-1], X, y), rtol=1e-12)
    assert run.final_loss == pytest.approx(float(networks.loss_value(ARTICLE, run.path[-1], X, y)), rel=1e-12)
    np.testing.assert_allclose(run.effective_lr, 0.01, rtol=1e-9)  # plain SGD: ‖Δθ‖/‖g‖ = α in every layer
    steps = np.diff(run.path, axis=0)
    np.testing.assert_allclose(run.update_norm[:, 0], np.linalg.norm(steps[:, :55], axis=1), rtol=1e-12)
    thin = networks.train(ARTICLE, "gd", X, y, 30, lr=0.01, every=7)
    np.testing.assert_array_equal(thin.index, [0, 7, 14, 21, 28, 30])
    np.testing.assert_allclose(thin.path, run.path[thin.index], rtol=1e-15)


def test_mini_batches_are_seeded_and_cover_each_epoch():
    X, y = networks.data.regression(n=40, seed=0)
    a = networks.train(ARTICLE, "adam", X, y, 12, batch_size=10, seed=5, lr=0.01)
    b = networks.train(ARTICLE, "adam", X, y, 12, batch_size=10, seed=5, lr=0.01)
    c = networks.train(ARTICLE, "adam", X, y, 12, batch_size=10, seed=6, lr=0.01)
    np.testing.assert_array_equal(a.loss, b.loss)
    assert not np.array_equal(a.loss, c.loss)
    order = np.random.default_rng(5).permutation(40)  # the first epoch's batches, from NumPy's shuffle
    first = networks.loss_value(ARTICLE, a.path[0], X[order[:10]], y[order[:10]])
    assert a.loss[0] == pytest.approx(float(first), rel=1e-12)


def test_divergence_is_data_not_an_exception():
    X, y = networks.data.regression(n=50, seed=0)
    with np.errstate(all="raise"):  # no warning escapes either
        run = networks.train(ARTICLE, "gd", X, y, 100, lr=10.0)
    assert run.diverged_at is not None and run.diverged_at < 100
    assert np.isnan(run.path[run.diverged_at:]).all() and np.isfinite(run.path[: run.diverged_at]).all()
    assert np.isnan(run.final_loss)


@pytest.mark.parametrize("call,message", [
    (lambda: Sequential(Linear(10, 5), Linear(4, 1)), "Linear(4, 1) at index 1 takes 4 inputs, but the layers before it give 5"),
    (lambda: Linear(0, 3), "Invalid in_features for Linear: 0"),
    (lambda: Sequential(), "at least one module"),
    (lambda: Sequential(ReLU()), "at least one Linear"),
    (lambda: Sequential(Linear(2, 2), "relu"), "Invalid module at index 1"),
    (lambda: networks.mlp(2, 1, 4, 1, "sigmoid"), "Unknown activation 'sigmoid'"),
])
def test_bad_models_are_named(call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()


X10, Y10 = networks.data.regression(n=20, seed=0)


@pytest.mark.parametrize("kwargs,message", [
    ({"X": np.ones((20, 9))}, "Invalid X: 9 columns, but the model takes 10 inputs"),
    ({"y": np.ones((19, 1))}, "Invalid y: 19 rows, but X has 20"),
    ({"y": np.ones((20, 2))}, r"Invalid y: shape \(20, 2\)"),
    ({"X": np.where(np.eye(20, 10) > 0, np.nan, 1.0)}, "Invalid X: contains NaN"),
    ({"X": "abc"}, "Invalid data"),
    ({"loss": "hinge"}, "Unknown loss 'hinge'. Valid: mse, bce"),
    ({"optimizer": "sgd2"}, "Unknown optimizer 'sgd2'"),
    ({"optimizer": "lbfgs"}, r"L-BFGS calls the loss itself several times per step"),
    ({"optimizer": "adafactor"}, "Adafactor is not elementwise"),
    ({"foo": 1}, "Unknown hyperparameter 'foo' for adam"),
    ({"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
    ({"lr": -1}, "Invalid learning rate: -1.0"),
    ({"steps": -1}, "Invalid steps: -1"),
    ({"steps": 2.5}, "Invalid steps: 2.5"),
    ({"batch_size": 0}, "Invalid batch_size: 0"),
    ({"batch_size": 21}, "Invalid batch_size: 21 \\(the data has 20 rows\\)"),
    ({"seed": -3}, "Invalid seed: -3"),
    ({"params": {"0.weight": np.zeros((5, 10))}}, "Invalid params: missing 0.bias, 1.bias, 1.weight"),
    ({"params": {**ARTICLE.init(), "0.weight": np.zeros((10, 5))}}, r"Invalid params\['0.weight'\]: shape \(10, 5\)"),
])
def test_bad_training_input_is_named(kwargs, message):
    args = {"model": ARTICLE, "optimizer": "adam", "X": X10, "y": Y10, "steps": 5, **kwargs}
    with pytest.raises(ValueError, match=message):
        networks.train(**args)


@pytest.mark.parametrize("name", networks.data.CLASSIFICATION)
def test_classification_sets_are_two_balanced_classes_in_the_plane(name):
    X, y = networks.data.classification(name, n=400, noise=0.05, seed=0)
    assert X.shape == (400, 2) and y.shape == (400, 1) and set(np.unique(y)) == {0.0, 1.0}
    assert 0.35 < y.mean() < 0.65 and np.abs(X).max() < 2.5
    np.testing.assert_array_equal(X, networks.data.classification(name, n=400, noise=0.05, seed=0)[0])


def test_a_small_mlp_learns_every_classification_set():
    for name in networks.data.CLASSIFICATION:
        X, y = networks.data.classification(name, n=200, noise=0.05, seed=0)
        model = networks.mlp(2, 1, 32, 2, "tanh")
        run = networks.train(model, "adam", X, y, 400, loss="bce", lr=0.02, params=model.init(seed=0))
        accuracy = ((networks.Sequential.forward(model, model.flatten(run.params), X) > 0) == (y > 0.5)).mean()
        assert accuracy > (0.8 if name == "spirals" else 0.95), (name, accuracy)


def test_the_landscape_plane_holds_the_path_and_the_surface_is_the_loss_there():
    X, y = networks.data.regression(n=60, seed=0)
    run = networks.train(ARTICLE, "adam", X, y, 80, lr=0.05)
    plane = landscape.pca_plane([run.path], run.path[-1])
    np.testing.assert_allclose(plane.directions @ plane.directions.T, np.eye(2), atol=1e-12)
    assert 0.5 < plane.explained.sum() <= 1.0 + 1e-12 and plane.explained[0] >= plane.explained[1]
    xy = landscape.project(plane, run.path)
    assert xy.shape == (81, 2) and np.allclose(xy[-1], 0.0)
    a, b = np.linspace(-1, 1, 5), np.linspace(-0.5, 0.5, 3)
    grid = landscape.loss_surface(ARTICLE, X, y, plane, a, b, budget=50)  # tiny budget: many chunks
    assert grid.shape == (3, 5)
    point = plane.origin + a[1] * plane.directions[0] + b[2] * plane.directions[1]
    assert grid[2, 1] == pytest.approx(float(networks.loss_value(ARTICLE, point, X, y)), rel=1e-12)
    # a path that is already a plane: explained 100%, coordinates exact
    line = np.outer(np.linspace(1, 0, 11), np.r_[np.ones(3), np.zeros(58)]) + np.outer(np.linspace(0, 1, 11) ** 2, np.eye(61)[5])
    flat = landscape.pca_plane([line], line[-1])
    assert flat.explained.sum() == pytest.approx(1.0)
    back = flat.origin + landscape.project(flat, line) @ flat.directions
    np.testing.assert_allclose(back, line, atol=1e-12)


def test_a_still_path_still_gets_a_plane():
    start = ARTICLE.flatten(ARTICLE.init())
    plane = landscape.pca_plane([np.stack([start, start])], start)
    np.testing.assert_allclose(plane.directions @ plane.directions.T, np.eye(2), atol=1e-12)
