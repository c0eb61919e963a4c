"""The Playground page, run headless with Streamlit's AppTest: every surface, optimizer, slider end, view and link.

No browser here (see tests/browser/ for that): AppTest runs the script in-process and hands back the element
tree, so these check what the server sends: the figure spec, the widgets, notices, badges and the table.
"""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import optimizers
import surfaces
from ui.settings import DEFAULTS, LANDING_LR, slider_options, start_limits

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def start(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return run(at)


def run(at: AppTest) -> AppTest:
    at.run()
    ok(at)
    return at


def ok(at: AppTest) -> None:
    assert not at.exception, "\n".join(e.message + "\n" + "\n".join(e.stack_trace) for e in at.exception)
    table_is_honest(at)


def chart_spec(at: AppTest) -> dict:
    charts = at.get("plotly_chart")
    assert len(charts) == 1, f"expected one chart, got {len(charts)}"
    return json.loads(charts[0].proto.spec)


def badges(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith(":red-badge[")]


def table(at: AppTest) -> pd.DataFrame:
    assert len(at.dataframe) == 1
    return at.dataframe[0].value


def table_is_honest(at: AppTest) -> None:
    """NaN/inf never shown silently: a number cell is finite, or blank with a status that says why."""
    if not len(at.dataframe):
        return
    df = at.dataframe[0].value
    for _, row in df.iterrows():
        for col, v in row.items():
            if col in ("optimizer", "status"):
                continue
            if v is None or (isinstance(v, float) and math.isnan(v)):
                if col == "first step within tolerance":
                    assert row["status"] != "reached a minimum", dict(row)
                else:
                    assert "diverged" in row["status"], f"blank {col!r} with status {row['status']!r}: {dict(row)}"
            else:
                assert isinstance(v, (int, float, np.number)) and np.isfinite(v), f"{col}={v!r} in {dict(row)}"


def set_optimizers(at: AppTest, keys) -> AppTest:
    at.multiselect(key="optimizers").set_value(list(keys))
    return run(at)


# ---- every surface, every optimizer --------------------------------------------------------------------


@pytest.mark.parametrize("surface", surfaces.names())
def test_every_surface_with_every_optimizer(surface):
    at = start({"surface": surface, "opt": ",".join(optimizers.names())})
    assert at.selectbox(key="surface").value == surface
    assert at.multiselect(key="optimizers").value == optimizers.names()
    spec = chart_spec(at)
    names = [t.get("name", "") for t in spec["data"]]
    for key in optimizers.names():
        assert any(n.startswith(optimizers.get(key).label) for n in names), key
    assert spec["frames"] and spec["layout"]["images"][0]["source"].startswith("data:image/png;base64,")
    assert len(table(at)) == len(optimizers.names())
    assert not at.warning and not at.error


def test_changing_the_surface_in_the_selectbox_moves_the_start():
    at = start()
    at.selectbox(key="surface").set_value("himmelblau")
    run(at)
    assert (at.number_input(key="start_x").value, at.number_input(key="start_y").value) == surfaces.get("himmelblau").start
    assert at.query_params["surface"] == "himmelblau" and "x" not in at.query_params
    assert "Himmelblau" in at.markdown[0].value


def _ui_hps(key):
    return [hp for hp in optimizers.get(key).hyperparameters if hp.ui]


def _ends(hp) -> tuple:
    if hp.is_flag:
        return (not hp.default, hp.default)
    stops = slider_options(hp)
    lo, hi = (stops[0], stops[-1]) if stops else hp.slider_range
    return (lo, hi)


def _widget(at: AppTest, key: str, hp):
    if hp.is_flag:
        return at.toggle(key=key)
    return at.select_slider(key=key) if slider_options(hp) is not None else at.slider(key=key)


@pytest.mark.parametrize("key", optimizers.names())
def test_every_hyperparameter_at_its_slider_minimum_and_maximum(key):
    """One page per optimizer: its card shows a widget per hyperparameter; all at min, then all at max, then each alone."""
    at = start({"opt": key})
    spec0 = chart_spec(at)
    hps = _ui_hps(key)
    shown = {**optimizers.get(key).defaults(), **DEFAULTS.hps.get(key, {})}  # torch's defaults, the landing α
    for hp in hps:
        assert _widget(at, f"{key}.{hp.name}", hp).value == pytest.approx(shown[hp.name]), hp.name
    for end in (0, 1):
        for hp in hps:
            _widget(at, f"{key}.{hp.name}", hp).set_value(_ends(hp)[end])
        run(at)
        for hp in hps:
            assert _widget(at, f"{key}.{hp.name}", hp).value == _ends(hp)[end], hp.name
        assert at.get("plotly_chart") or at.error, "neither a chart nor an explanation"
    # each one alone at its extremes, the others at torch's defaults
    at.button(key=f"reset.{key}").click()
    run(at)
    for hp in hps:
        for end in (0, 1):
            _widget(at, f"{key}.{hp.name}", hp).set_value(_ends(hp)[end])
            run(at)
        _widget(at, f"{key}.{hp.name}", hp).set_value(hp.default)
    run(at)
    # the loss axis fits the data (α differs: torch's default now, the landing α before); the rest is unchanged
    after, before = chart_spec(at)["layout"], spec0["layout"]
    for layout in (after, before):
        layout["yaxis2"].pop("range", None)
    assert after == before


# ---- sliders change the figure ---------------------------------------------------------------------


def test_a_slider_change_changes_the_figure():
    at = start()
    before = at.get("plotly_chart")[0].proto.spec
    at.select_slider(key="adam.lr").set_value(0.01)
    run(at)
    after = at.get("plotly_chart")[0].proto.spec
    assert after != before
    assert at.query_params["adam.lr"] == "0.01"
    # only Adam's traces moved
    b, a = json.loads(before)["data"], json.loads(after)["data"]
    changed = {x.get("name") for x, y in zip(b, a, strict=True) if x != y}
    assert changed <= {"Adam", "position", None}, changed
    at.slider(key="adam.beta1").set_value(0.5)
    run(at)
    assert at.get("plotly_chart")[0].proto.spec != after


def test_divergence_shows_a_badge_and_the_status():
    at = start()
    assert badges(at) == []
    at.select_slider(key="gd.lr").set_value(1.0)
    run(at)
    (badge,) = badges(at)
    assert "Gradient descent diverged at step" in badge and "lower α" in badge
    row = table(at).set_index("optimizer").loc["Gradient descent"]
    assert row["status"].startswith("diverged at step")
    names = [t.get("name", "") for t in chart_spec(at)["data"]]
    assert any("diverged at step" in n for n in names)


@pytest.mark.parametrize(("surface", "key", "lr"), [("saddle", "gd", 1.0), ("himmelblau", "radam", 1.0),
                                                    ("rastrigin", "nag", 1.0)])
def test_overflowing_runs_are_not_shown_silently(surface, key, lr):
    """Paths that run off to 1e150 overflow the loss before the position turns non-finite."""
    at = start({"surface": surface, "opt": key, f"{key}.lr": str(lr)})  # table_is_honest runs in start()
    assert table(at)["status"][0].startswith("diverged")


# ---- run controls, shared α, reset, views ----------------------------------------------------------


def test_steps_noise_and_seed():
    at = start()
    at.slider(key="steps").set_value(100)
    run(at)
    spec = chart_spec(at)
    assert spec["layout"]["xaxis2"]["range"] == [0, 100] and spec["frames"][-1]["name"] == "100"
    assert at.number_input(key="seed").disabled  # no noise: the seed means nothing
    at.select_slider(key="noise").set_value(1.0)
    run(at)
    noisy = at.get("plotly_chart")[0].proto.spec
    assert not at.number_input(key="seed").disabled
    at.number_input(key="seed").set_value(42)
    run(at)
    reseeded = at.get("plotly_chart")[0].proto.spec
    assert reseeded != noisy
    assert at.query_params["noise"] == "1" and at.query_params["seed"] == "42" and at.query_params["steps"] == "100"
    at.number_input(key="seed").set_value(0)
    run(at)
    assert at.get("plotly_chart")[0].proto.spec == noisy  # same seed, same noise


def test_same_alpha_for_all_applies_one_alpha():
    at = start({"opt": "gd,adam,rmsprop"})
    at.toggle(key="same_lr").set_value(True)
    run(at)
    at.select_slider(key="shared_lr").set_value(0.1)
    run(at)
    assert list(table(at)["α"]) == [0.1, 0.1, 0.1]
    assert all(at.select_slider(key=f"{k}.lr").disabled for k in ("gd", "adam", "rmsprop"))
    assert at.query_params["same_lr"] == "1" and at.query_params["lr"] == "0.1"
    at.toggle(key="same_lr").set_value(False)
    run(at)
    assert list(table(at)["α"]) == [LANDING_LR["gd"], LANDING_LR["adam"], LANDING_LR["rmsprop"]]
    assert not at.select_slider(key="adam.lr").disabled
    at.toggle(key="same_lr").set_value(True)
    run(at)
    assert at.select_slider(key="shared_lr").value == 0.1, "the shared α is remembered while switched off"
    assert list(table(at)["α"]) == [0.1, 0.1, 0.1]


def test_reset_restores_torch_defaults():
    at = start({"opt": "adam"})
    at.select_slider(key="adam.lr").set_value(0.3)
    at.slider(key="adam.beta1").set_value(0.5)
    at.select_slider(key="adam.eps").set_value(1e-4)
    at.toggle(key="adam.amsgrad").set_value(True)
    run(at)
    at.button(key="reset.adam").click()
    run(at)
    for name, value in optimizers.get("adam").defaults().items():
        assert at.session_state[f"adam.{name}"] == value, name
    assert at.query_params.get("adam.lr") == "0.001"  # torch's α, not the landing α
    assert {k for k in at.query_params if k.startswith("adam.")} == {"adam.lr"}


def test_an_optimizer_taken_out_and_put_back_keeps_its_settings():
    at = start()
    at.select_slider(key="adam.lr").set_value(0.1)
    at.slider(key="adam.beta1").set_value(0.5)
    run(at)
    set_optimizers(at, ["gd"])
    run(at)  # a run in which Adam's sliders are not drawn
    set_optimizers(at, ["gd", "adam"])
    assert at.select_slider(key="adam.lr").value == 0.1
    assert at.slider(key="adam.beta1").value == 0.5
    set_optimizers(at, ["gd", "nag"])  # never drawn before: torch's defaults
    assert at.select_slider(key="nag.lr").value == optimizers.get("nag").defaults()["lr"]
    assert at.slider(key="nag.momentum").value == 0.9


@pytest.mark.parametrize("view", ["overlay", "multiples", "3d"])
def test_views(view):
    at = start()
    at.radio(key="view").set_value(view)
    run(at)
    spec = chart_spec(at)
    types = {t.get("type") for t in spec["data"]}
    if view == "3d":
        assert "surface" in types and "scatter3d" in types and at.get("plotly_chart")[0].key == "chart3d"
    else:
        panels = [k for k in spec["layout"] if k.startswith("xaxis")]
        assert len(panels) == (2 if view == "overlay" else len(DEFAULTS.optimizers) + 1)
        assert spec["frames"]
    assert at.query_params.get("view") == (None if view == "overlay" else view)


def test_the_click_grid_stays_small():
    """Every click-grid point is an SVG node plotly restyles on each redraw: 41 × 41 cost ~150 ms per slider change."""
    (grid,) = [t for t in chart_spec(start())["data"] if t.get("name") == "click to start here"]
    n = len(base64.b64decode(grid["x"]["bdata"])) // 4
    assert 100 <= n <= 25 * 25


def test_no_optimizer_explains_itself():
    at = start()
    set_optimizers(at, [])
    assert not at.get("plotly_chart") and any("Pick at least one optimizer" in i.value for i in at.info)


def test_start_point_outside_the_box_widens_the_view():
    at = start()
    at.number_input(key="start_x").set_value(5.0)
    run(at)
    spec = chart_spec(at)
    assert spec["layout"]["xaxis"]["range"][1] > 5.0
    assert at.query_params["x"] == "5"


def test_the_start_inputs_accept_only_what_a_link_accepts():
    at = start({"surface": "himmelblau"})
    (xlo, xhi), (ylo, yhi) = start_limits("himmelblau")
    x_in, y_in = at.number_input(key="start_x"), at.number_input(key="start_y")
    assert (x_in.min, x_in.max, y_in.min, y_in.max) == (xlo, xhi, ylo, yhi)
    x_in.set_value(xhi)
    run(at)
    link = dict(at.query_params)
    again = start(link)  # the link the page wrote restores it, without a notice
    assert not again.warning and again.number_input(key="start_x").value == xhi


# ---- links ---------------------------------------------------------------------------------------


def test_a_share_link_restores_the_state():
    at = start({"surface": "beale", "opt": "adam,nag", "adam.lr": "0.01", "steps": "200", "view": "multiples",
                "nag.momentum": "0.5"})
    assert at.selectbox(key="surface").value == "beale"
    assert at.multiselect(key="optimizers").value == ["adam", "nag"]
    assert at.select_slider(key="adam.lr").value == 0.01
    assert at.slider(key="nag.momentum").value == 0.5
    assert at.slider(key="steps").value == 200 and at.radio(key="view").value == "multiples"
    assert not at.warning
    assert dict(at.query_params) == {"surface": "beale", "opt": "adam,nag", "adam.lr": "0.01",
                                                              "steps": "200", "view": "multiples", "nag.momentum": "0.5"}


@pytest.mark.parametrize("value", ["0.0123", "1.51e-05", "1.49e-05", "2.3e-05", "7e-05", "0.0015001"])
def test_a_link_value_between_slider_stops_survives_reruns(value):
    at = start({"opt": "adam", "adam.lr": value})
    assert at.select_slider(key="adam.lr").value == float(value)
    at.slider(key="steps").set_value(100)
    run(at)
    assert at.select_slider(key="adam.lr").value == float(value)
    assert at.query_params["adam.lr"] == value


@pytest.mark.parametrize("query", [
    {"surface": "nope"}, {"opt": "nope"}, {"opt": ""}, {"steps": "abc"}, {"steps": "-5"}, {"steps": "nan"},
    {"noise": "inf"}, {"adam.lr": "1e9"}, {"adam.beta1": "1"}, {"x": "nan"}, {"view": "4d"}, {"foo": "bar"},
    {"steps": "9" * 400}, {"opt": "nag", "nag.dampening": "0.5"}, {"adam.amsgrad": "maybe"}, {"seed": "1.5"},
], ids=lambda q: repr(q)[:40])
def test_a_malformed_link_shows_defaults_and_a_notice(query):
    at = start(query)
    assert len(at.warning) >= 1
    name = list(query)[-1]
    assert any(name.split(".")[-1] in w.value or (name == "opt" and "optimizer" in w.value) for w in at.warning)
    expected_opts = list(query["opt"].split(",")) if query.get("opt") in optimizers.names() else list(DEFAULTS.optimizers)
    assert at.selectbox(key="surface").value == DEFAULTS.surface
    assert at.multiselect(key="optimizers").value == expected_opts
    assert at.slider(key="steps").value == DEFAULTS.steps
    assert at.get("plotly_chart"), "a bad link still shows the race"
    # the URL is rewritten to the clean state, and the notice stays for the session but not forever in the link
    assert all(k in ("opt",) for k in at.query_params), dict(at.query_params)


def test_a_huge_steps_link_does_not_crash():
    at = start({"steps": "1" + "0" * 500})
    assert at.slider(key="steps").value == DEFAULTS.steps and at.warning


def test_steps_off_the_slider_grid_from_a_link():
    at = start({"steps": "505"})
    assert not at.warning
    at.select_slider(key="adam.lr").set_value(0.01)
    run(at)


def test_a_diverging_run_does_not_squash_the_loss_axis():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["gd.lr"] = "1"
    at.run()
    y = chart_spec(at)["layout"]["yaxis2"]
    assert y["type"] == "log" and y["range"][1] < 4, "the axis should stop near the starting losses, not at 1e28"


def test_simplified_adam_says_it_has_no_torch_counterpart():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["adam.bias_correction"] = "0"
    at.run()
    assert not at.exception
    assert any("simplified Adam" in w.value and "no torch counterpart" in w.value for w in at.warning)


def test_link_notices_go_away_once_the_user_changes_something():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["surface"] = "nowhere"
    at.run()
    assert any("nowhere" in w.value for w in at.warning)
    at.slider(key="steps").set_value(100).run()
    assert not any("nowhere" in w.value for w in at.warning)
