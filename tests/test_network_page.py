"""The article's network page (pages/network.py), run headless with AppTest, and its torch code.

Reached as a learner reaches it: app.py, then a page switch or a link. Numbers are read back from the plotly specs,
the table and the widgets.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import networks
import optimizers
from plots import torch_code
from ui import network_compute as nc
from ui.network_settings import DEFAULTS, TASKS, NetSettings, from_query, to_query

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGE = "pages/network.py"
P = "net."


def ok(at: AppTest) -> None:
    assert not at.exception, "\n".join(e.message + "\n" + "\n".join(e.stack_trace) for e in at.exception)


def open_network(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if query:
        at.query_params.update(query)
    at.switch_page(PAGE).run()
    ok(at)
    return at


def charts(at: AppTest) -> dict[str, dict]:
    return {el.proto.id.split("-", 2)[-1]: json.loads(el.proto.spec) for el in at.get("plotly_chart")}


def table(at: AppTest):
    return next(d.value for d in at.dataframe if "optimizer" in d.value.columns)


def test_the_article_model_trains_with_adam_and_sgd_and_matches_the_engine():
    at = open_network()
    assert at.title[0].value == "The article's network"
    spec = charts(at)
    loss = spec["net.loss_chart"]
    assert [d["name"] for d in loss["data"]] == ["Adam", "Gradient descent", "target 0.959"]
    assert loss["data"][2]["y"] == [pytest.approx(1.917299009 / 2, rel=1e-9)] * 2  # half the starting loss
    X, y = networks.data.regression(n=200, noise=0.1, seed=0, kind="linear")
    model = networks.Sequential(networks.Linear(10, 5), networks.Linear(5, 1))
    run = networks.train(model, "adam", X, y, 100, params=model.init(seed=0), lr=0.001, betas=(0.9, 0.999))
    np.testing.assert_allclose(_ys(loss["data"][0]), run.loss, rtol=1e-12)
    t = table(at)
    assert list(t["optimizer"]) == ["Adam", "Gradient descent"]
    assert t["final loss"][0] == f"{run.final_loss:.5g}"
    assert float(t["lowest loss"][0]) <= float(t["final loss"][0])
    assert "61 parameters" in " ".join(m.value for m in at.markdown)
    assert {"net.landscape", "net.layers"} <= set(spec)
    assert "net.boundary" not in spec  # regression: no decision boundary
    code = " ".join(c.value for c in at.code)
    assert "optimizer.zero_grad()" in code and "loss.backward()" in code and "optimizer.step()" in code
    assert "nn.Sequential(nn.Linear(10, 5), nn.Linear(5, 1))" in code
    assert "torch.optim.Adam(model.parameters(), lr=0.001, betas=(0.9, 0.999))" in code


def _ys(trace):
    """A plotly trace's y, whether sent as a list or as a typed array (base64)."""
    y = trace["y"]
    if isinstance(y, dict):
        import base64
        return np.frombuffer(base64.b64decode(y["bdata"]), dtype=np.dtype(y["dtype"]))
    return np.array(y, dtype=float)


@pytest.mark.parametrize("task", TASKS)
def test_every_dataset_trains_and_draws_everything(task):
    at = open_network({"task": task, "opt": "adam,momentum", "steps": "60"})
    spec = charts(at)
    assert {"net.loss_chart", "net.landscape", "net.layers"} <= set(spec)
    if task != "regression":
        boundary = spec["net.boundary"]
        assert len(boundary["frames"]) >= 10 and boundary["layout"]["sliders"][0]["steps"][-1]["label"] == "60"
    land = spec["net.landscape"]
    assert land["data"][0]["type"] == "contour"
    assert "%" in land["layout"]["xaxis"]["title"]["text"]


def test_every_optimizer_at_once_in_groups_of_six():
    names = networks.elementwise()
    for group in (names[i:i + 6] for i in range(0, len(names), 6)):
        at = open_network({"opt": ",".join(group), "task": "spirals", "steps": "50"})
        assert list(table(at)["optimizer"]) == [optimizers.get(k).label for k in group]
        assert not at.error


def test_extreme_sliders_diverge_with_a_message_not_a_traceback():
    at = open_network({"opt": "gd,adam", "gd.lr": "10", "adam.lr": "10", "adam.eps": "1e-12", "steps": "2000",
                       "depth": "3", "width": "64", "act": "relu", "n": "2000", "noise": "1", "batch": "8"})
    ok(at)
    t = table(at)
    assert t["diverged"][0].startswith("at step")
    assert any("diverged at step" in w.value for w in at.warning)


def test_the_largest_setup_asks_for_a_smaller_one_instead_of_computing_for_minutes():
    at = open_network({"opt": "adam,gd,momentum,rmsprop,adagrad,nadam", "steps": "2000", "depth": "3", "width": "64",
                       "act": "relu", "n": "2000"})
    ok(at)
    assert any("more than this page computes at once" in w.value for w in at.warning)
    assert not at.dataframe or table(at).empty
    at.session_state[P + "steps"] = 100  # a smaller setup trains (narrower too: this test is about the refusal)
    at.session_state[P + "n"] = 200
    at.session_state[P + "width"] = 16
    at.run()
    ok(at)
    assert len(table(at)) == 6


def test_bad_links_get_one_notice_each_and_the_page_works():
    at = open_network({"task": "mnist", "opt": "adam,lbfgs", "steps": "abc", "zzz": "1"})
    text = " ".join(w.value for w in at.warning).replace("\\", "")  # notices are shown escaped
    for bit in ("mnist", "lbfgs", "steps", "zzz"):
        assert bit in text, bit
    assert list(table(at)["optimizer"]) == ["Adam"]
    at = open_network({"task": "mnist", "opt": "adam", "batch": "7", "adam.lr": "-1", "width": "1e9"})
    text = " ".join(w.value for w in at.warning).replace("\\", "")
    for bit in ("batch", "adam.lr", "width"):  # five at most: a mangled link does not fill the page
        assert bit in text, bit
    assert at.session_state[P + "task"] == "regression" and at.session_state[P + "steps"] == 100


def test_a_slider_change_is_written_to_the_link_and_a_link_reopens_it():
    at = open_network()
    at.session_state[P + "adam.lr"] = 0.01
    at.run()
    ok(at)
    assert at.query_params["adam.lr"] in ("0.01", ["0.01"])
    query = {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}
    s, notices = from_query(query)
    assert not notices and s.hyperparameters("adam")["lr"] == 0.01
    again = open_network(query)
    assert again.session_state[P + "adam.lr"] == 0.01


def test_the_state_survives_a_visit_to_another_page():
    at = open_network()
    at.session_state[P + "adam.lr"] = 0.1
    at.session_state[P + "steps"] = 300
    at.run()
    at.switch_page("pages/playground.py").run()
    ok(at)
    at.query_params.clear()  # another page's address carries no network query
    at.switch_page(PAGE).run()
    ok(at)
    assert at.session_state[P + "adam.lr"] == 0.1 and at.session_state[P + "steps"] == 300
    assert len(_ys(charts(at)["net.loss_chart"]["data"][0])) == 300


def test_switching_to_a_classification_set_brings_a_nonlinear_model_and_back():
    at = open_network()
    at.selectbox(key=P + "task").set_value("moons").run()
    ok(at)
    assert (at.session_state[P + "width"], at.session_state[P + "depth"], at.session_state[P + "act"]) == (16, 2, "tanh")
    assert "net.boundary" in charts(at)
    at.button(key=P + "article").click().run()
    ok(at)
    assert at.session_state[P + "task"] == "regression" and at.session_state[P + "act"] == "none"


def test_settings_round_trip_through_the_url():
    s = NetSettings(task="xor", width=8, depth=3, act="relu", optimizers=("nag", "radam", "adam"), steps=250, batch=32,
                    seed=4, n=500, noise=0.3, dseed=2, plane="own", goal=10,
                    hps={"adam": {"lr": 0.05, "beta2": 0.99}, "nag": {"momentum": 0.5}})
    back, notices = from_query(to_query(s))
    assert back == s and not notices
    assert to_query(DEFAULTS) == {}


def test_the_torch_code_compiles_for_every_optimizer_and_batch():
    s = DEFAULTS
    for key in networks.elementwise():  # what the page offers
        for batch in (0, 16):
            code = torch_code.network_snippet([["Linear", 10, 5], ["Linear", 5, 1]], "mse",
                                              "regression(n=50, noise=0.1, seed=0, kind='linear')", key,
                                              s.hyperparameters(key), 20, batch, 0)
            compile(code, key, "exec")


@pytest.mark.parametrize("key,task,batch", [("adam", "regression", 0), ("nag", "moons", 0), ("rmsprop", "xor", 16),
                                            ("nadam", "regression", 32), ("adamw", "circles", 0)])
def test_the_torch_code_run_with_torch_prints_the_pages_numbers(key, task, batch):
    pytest.importorskip("torch")
    s = NetSettings(task=task, optimizers=(key,), steps=40, batch=batch, n=100,
                    **({"width": 6, "depth": 1, "act": "tanh"} if task != "regression" else {}),
                    hps={key: {"lr": 0.01}})
    model = s.model()
    modules = [[type(m).__name__, *((m.in_features, m.out_features) if isinstance(m, networks.Linear) else ())]
               for m in model.modules]
    data_call = (f"regression(n={s.n}, noise={s.noise!r}, seed={s.dseed}, kind={s.target!r})" if task == "regression"
                 else f"classification({task!r}, n={s.n}, noise={s.noise!r}, seed={s.dseed})")
    code = torch_code.network_snippet(modules, s.loss, data_call, key, s.hyperparameters(key), s.steps, s.batch, s.seed)
    ns: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "snippet", "exec"), ns)  # noqa: S102 - our own generated code, in a test
    run = nc.train(nc.run_key(s, key))
    np.testing.assert_allclose(ns["losses"], run.loss, rtol=1e-9)
    assert ns["final"] == pytest.approx(run.final_loss, rel=1e-9)  # the table's final loss
    engine = torch_code.network_engine_call(modules, s.loss, data_call, key, s.hyperparameters(key), s.steps,
                                            s.batch, s.seed)
    ns2: dict = {}
    exec(compile(engine, "engine", "exec"), ns2)  # noqa: S102
    np.testing.assert_allclose(ns2["run"].loss, run.loss, rtol=1e-12)
