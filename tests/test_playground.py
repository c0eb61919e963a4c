"""The Playground page, run headless with Streamlit's AppTest: every surface, optimizer, slider end, view and link.

No browser here (see tests/browser/ for that): AppTest runs the script in-process and hands back the element
tree, so these check what the server sends: the race chart's data (a Custom Component v2, `bidi_component`),
the widgets, notices, badges and the table.
"""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path
from urllib.parse import parse_qsl

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


def run(at: AppTest, resend: bool = True) -> AppTest:
    """Run the script. `resend`: forget which blobs the "browser" has, so the chart's data is complete."""
    if resend and "_race_sent" in at.session_state:
        at.session_state["_race_sent"] = set()
    at.run()
    ok(at)
    return at


def ok(at: AppTest) -> None:
    assert not at.exception, "\n".join(e.message + "\n" + "\n".join(e.stack_trace) for e in at.exception)
    table_is_honest(at)


def chart(at: AppTest) -> dict:
    """The race chart's data: view, bounds, runs (each with its blob id), loss axis, morph, and the blobs sent."""
    charts = at.get("bidi_component")
    assert len(charts) == 1, f"expected one race chart, got {len(charts)}"
    return json.loads(charts[0].proto.json)


def run_arrays(data: dict, run_id: str) -> dict:
    """A run's float32 arrays, decoded from its blob (the data must carry it: see run(resend=True))."""
    (r,) = [r for r in data["runs"] if r["id"] == run_id]
    blob = data["blobs"][r["blob"]]
    return {k: np.frombuffer(base64.b64decode(v), dtype=np.float32) for k, v in blob.items()}


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
    if "status" not in df:  # another page's table
        return
    for _, row in df.iterrows():
        for col, v in row.items():
            if col in ("optimizer", "status"):
                continue
            assert v is not None and not (isinstance(v, float) and math.isnan(v)), f"blank {col!r} in {dict(row)}"
            if v == "—":  # never got within the tolerance
                assert col == "first step within tolerance" and row["status"] != "reached a minimum", dict(row)
            elif v == "diverged":
                assert "diverged" in row["status"], f"{col!r} says diverged, status {row['status']!r}: {dict(row)}"
            else:
                assert np.isfinite(float(v)), f"{col}={v!r} in {dict(row)}"


def tune(at: AppTest, entry: str) -> AppTest:
    """Show `entry`'s card in the tuning column (one card at a time)."""
    at.segmented_control(key="tune").set_value(entry)
    return run(at)


def set_optimizers(at: AppTest, keys) -> AppTest:
    at.multiselect(key="optimizers").set_value(list(keys))
    return run(at)


# ---- every surface, every optimizer --------------------------------------------------------------------


@pytest.mark.parametrize("surface", surfaces.names())
def test_every_surface_with_every_optimizer(surface):
    at = start({"surface": surface, "opt": ",".join(optimizers.names())})
    assert at.selectbox(key="surface").value == surface
    assert at.multiselect(key="optimizers").value == optimizers.names()
    data = chart(at)
    assert [r["label"] for r in data["runs"]] == [optimizers.get(k).label for k in optimizers.names()]
    assert len({r["color"] for r in data["runs"]}) == len(optimizers.names()), "every optimizer its own colour"
    assert data["blobs"][data["image"]]["img"].startswith("data:image/png;base64,")
    for r in data["runs"]:
        arrays = run_arrays(data, r["id"])
        assert len(arrays["x"]) == len(arrays["loss"]) == DEFAULTS.steps + 1
    assert len(table(at)) == len(optimizers.names())
    assert not at.warning and not at.error


def test_changing_the_surface_in_the_selectbox_moves_the_start():
    at = start()
    at.selectbox(key="surface").set_value("himmelblau")
    run(at)
    assert (at.number_input(key="start_x").value, at.number_input(key="start_y").value) == surfaces.get("himmelblau").start
    assert at.query_params["surface"] == "himmelblau" and "x" not in at.query_params
    assert any("Himmelblau" in e.label for e in at.expander)


def _ui_hps(key):
    return [hp for hp in optimizers.get(key).hyperparameters if hp.ui]


def _ends(hp) -> tuple:
    if hp.is_flag:
        return (not hp.default, hp.default)
    if hp.kind == "choice":
        return (hp.choices[0], hp.choices[-1])
    stops = slider_options(hp)
    lo, hi = (stops[0], stops[-1]) if stops else hp.slider_range
    return (lo, hi)


def _widget(at: AppTest, key: str, hp):
    if hp.is_flag:
        return at.toggle(key=key)
    if hp.kind == "choice":
        return at.selectbox(key=key)
    return at.select_slider(key=key) if slider_options(hp) is not None else at.slider(key=key)


@pytest.mark.parametrize("key", optimizers.names())
def test_every_hyperparameter_at_its_slider_minimum_and_maximum(key):
    """One page per optimizer: its card shows a widget per hyperparameter; all at min, then all at max, then each alone."""
    at = start({"opt": key})
    data0 = chart(at)
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
        assert at.get("bidi_component") or at.error, "neither a chart nor an explanation"
    # each one alone at its extremes, the others at torch's defaults
    at.button(key=f"reset.{key}").click()
    run(at)
    for hp in hps:
        for end in (0, 1):
            _widget(at, f"{key}.{hp.name}", hp).set_value(_ends(hp)[end])
            run(at)
        _widget(at, f"{key}.{hp.name}", hp).set_value(hp.default)
    run(at)
    # only what α changes differs (torch's default now, the landing α before): the run, its loss axis, the morph, the address
    after, before = chart(at), data0
    for d in (after, before):
        for k in ("runs", "blobs", "rev", "loss", "morph", "url"):
            d.pop(k)
    assert after == before


# ---- sliders change the figure ---------------------------------------------------------------------


def test_a_slider_change_changes_the_chart_and_ships_only_that_run():
    at = start()
    before = chart(at)
    at.select_slider(key="adam.lr").set_value(0.01)
    run(at, resend=False)  # as a browser that keeps what it was sent
    after = chart(at)
    assert at.query_params["adam.lr"] == "0.01"
    changed = {b["id"] for b, a in zip(before["runs"], after["runs"], strict=True) if b["blob"] != a["blob"]}
    assert changed == {"adam"}
    adam = next(r for r in after["runs"] if r["id"] == "adam")
    assert set(after["blobs"]) == {adam["blob"]}, "one run changed: one run travels"
    assert after["morph"]["blobs"] == before["morph"]["blobs"], "Adam's α sweep does not depend on Adam's α"
    assert after["morph"]["stops"] == before["morph"]["stops"], "the morph has the slider's stops"
    assert after["morph"]["stops"][after["morph"]["at"]] == 0.01
    at.slider(key="adam.beta1").set_value(0.5)
    run(at, resend=False)
    again = chart(at)
    assert again["rev"] != after["rev"] and again["morph"]["blobs"] != after["morph"]["blobs"]
    run(at, resend=False)
    assert chart(at)["blobs"] == {}, "a rerun that changes nothing sends no arrays"


def test_the_chart_asks_again_for_what_the_browser_lost():
    """The browser reports blobs it does not have (a reload, a lost message): the page forgets what it sent."""
    at = start()
    run(at, resend=False)
    assert chart(at)["blobs"] == {}
    from ui import race_chart  # the callback the component's "missing" trigger calls

    at.session_state["_race_sent"] = set()  # what race_chart._forget_sent does
    assert race_chart._forget_sent.__name__ == "_forget_sent"
    run(at, resend=False)
    data = chart(at)
    assert {r["blob"] for r in data["runs"]} <= set(data["blobs"]) and data["image"] in data["blobs"]


def test_divergence_shows_a_badge_and_the_status():
    at = start()
    assert badges(at) == []
    tune(at, "gd")
    at.select_slider(key="gd.lr").set_value(1.0)
    run(at)
    (badge,) = badges(at)
    assert "Gradient descent diverged at step" in badge and "lower α" in badge
    row = table(at).set_index("optimizer").loc["Gradient descent"]
    assert row["status"].startswith("diverged at step")
    names = [r["name"] for r in chart(at)["runs"]]
    assert any("diverged at step" in n for n in names)
    gd = run_arrays(chart(at), "gd")
    assert not np.isfinite(gd["x"][-1]), "a diverged path ends in NaN, which the browser draws as a break"


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
    data = chart(at)
    assert data["steps"] == 100 and len(run_arrays(data, "adam")["x"]) == 101
    assert at.number_input(key="seed").disabled  # no noise: the seed means nothing
    at.select_slider(key="noise").set_value(1.0)
    run(at)
    noisy = [r["blob"] for r in chart(at)["runs"]]
    assert not at.number_input(key="seed").disabled
    at.number_input(key="seed").set_value(42)
    run(at)
    reseeded = [r["blob"] for r in chart(at)["runs"]]
    assert reseeded != noisy
    assert at.query_params["noise"] == "1" and at.query_params["seed"] == "42" and at.query_params["steps"] == "100"
    at.number_input(key="seed").set_value(0)
    run(at)
    assert [r["blob"] for r in chart(at)["runs"]] == noisy  # same seed, same noise


def test_same_alpha_for_all_applies_one_alpha():
    at = start({"opt": "gd,adam,rmsprop"})
    at.toggle(key="same_lr").set_value(True)
    run(at)
    at.select_slider(key="shared_lr").set_value(0.1)
    run(at)
    assert list(table(at)["α"]) == [0.1, 0.1, 0.1]
    for k in ("gd", "adam", "rmsprop"):
        tune(at, k)
        assert not any(w.key == f"{k}.lr" for w in at.select_slider), "no α of its own while the same α is on"
        assert any("the same α for all is on" in c.value for c in at.caption)
    assert at.query_params["same_lr"] == "1" and at.query_params["lr"] == "0.1"
    at.toggle(key="same_lr").set_value(False)
    run(at)
    assert list(table(at)["α"]) == [LANDING_LR["gd"], LANDING_LR["adam"], LANDING_LR["rmsprop"]]
    tune(at, "adam")
    assert at.select_slider(key="adam.lr").value == LANDING_LR["adam"]
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
    tune(at, "adam")
    assert at.select_slider(key="adam.lr").value == 0.1
    assert at.slider(key="adam.beta1").value == 0.5
    set_optimizers(at, ["gd", "nag"])  # never drawn before: torch's defaults
    tune(at, "nag")
    assert at.select_slider(key="nag.lr").value == optimizers.get("nag").defaults()["lr"]
    assert at.slider(key="nag.momentum").value == 0.9


@pytest.mark.parametrize("view", ["overlay", "multiples", "3d"])
def test_views(view):
    at = start()
    at.segmented_control(key="view").set_value(view)
    run(at)
    if view == "3d":
        spec = json.loads(at.get("plotly_chart")[0].proto.spec)
        types = {t.get("type") for t in spec["data"]}
        assert "surface" in types and "scatter3d" in types and at.get("plotly_chart")[0].key == "chart3d"
    else:
        data = chart(at)
        assert data["view"] == view and len(data["runs"]) == len(DEFAULTS.optimizers)
    assert at.query_params.get("view") == (None if view == "overlay" else view)


def test_the_3d_view_in_projector_mode_has_projector_type():
    """The back row reads the 3-D view too: 17 px type and thicker paths, as the 2-D chart's in projector mode."""
    sizes = {}
    for present in ("0", "1"):
        at = start({"view": "3d", "present": present})
        spec = json.loads(at.get("plotly_chart")[0].proto.spec)
        scene = spec["layout"]["scene"]
        widths = {t["line"]["width"] for t in spec["data"] if t.get("type") == "scatter3d" and t.get("mode") == "lines"}
        sizes[present] = (spec["layout"]["font"]["size"], scene["xaxis"]["tickfont"]["size"], max(widths))
        assert scene["zaxis"]["title"]["text"], "the height axis keeps its title"
    assert sizes["0"] == (12, 11, 8) and sizes["1"] == (17, 16, 11), sizes


def test_every_optimizer_side_by_side():
    """Twelve panels once raised plotly's "domain" error; now the browser lays them out (every optimizer: 17)."""
    at = start({"view": "multiples", "opt": ",".join(optimizers.names()), "steps": "2000"})
    data = chart(at)
    assert data["view"] == "multiples" and len(data["runs"]) == len(optimizers.names()) and data["steps"] == 2000


def test_no_optimizer_explains_itself():
    at = start()
    set_optimizers(at, [])
    assert not at.get("bidi_component") and any("Pick at least one optimizer" in i.value for i in at.info)


def test_start_point_outside_the_box_widens_the_view():
    at = start()
    at.number_input(key="start_x").set_value(5.0)
    run(at)
    data = chart(at)
    assert data["bounds"][0][1] > 5.0 and data["start"] == [5.0, 2.0]
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
    tune(at, "nag")
    assert at.slider(key="nag.momentum").value == 0.5
    assert at.slider(key="steps").value == 200 and at.segmented_control(key="view").value == "multiples"
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
    assert at.get("bidi_component"), "a bad link still shows the race"
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
    loss = chart(at)["loss"]
    assert loss["log"] and loss["range"][1] < 4, "the axis should stop near the starting losses, not at 1e28"


def test_simplified_adam_says_it_has_no_torch_counterpart():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["adam.bias_correction"] = "0"
    at.run()
    assert not at.exception
    assert any("simplified Adam" in c.value and "no torch counterpart" in c.value for c in at.caption)


def test_link_notices_go_away_once_the_user_changes_something():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["surface"] = "nowhere"
    at.run()
    assert any("nowhere" in w.value for w in at.warning)
    at.slider(key="steps").set_value(100).run()
    assert not any("nowhere" in w.value for w in at.warning)


# ---- state that survives the journey; twins; colours ------------------------------------------------------


def test_the_chart_always_carries_the_address_the_page_shows():
    """The race chart holds the browser's address to the query of every finished run (a run cut short by quick key
    presses could leave it behind: tests/browser, test_quick_keys_on_a_popover_slider_leave_the_address_as_the_page)."""
    at = start()
    assert chart(at)["url"] == ""  # the defaults: an address without a query
    at.select_slider(key="noise").set_value(0.3)
    run(at)
    assert dict(parse_qsl(chart(at)["url"])) == dict(at.query_params) == {"noise": "0.3"}
    at.select_slider(key="adam.lr").set_value(0.01)  # a run of the race alone
    run(at)
    assert dict(parse_qsl(chart(at)["url"])) == dict(at.query_params) == {"noise": "0.3", "adam.lr": "0.01"}


def test_leaving_the_playground_and_coming_back_keeps_everything():
    """Streamlit drops the state of widgets a run does not draw: another page's run used to erase the Playground."""
    at = start({"opt": "momentum,adam", "adam.lr": "0.1", "view": "multiples", "steps": "300", "x": "-1", "y": "1.5"})
    at.slider(key="adam.beta1").set_value(0.8)
    at.select_slider(key="noise").set_value(0.3)
    run(at)
    link, data = dict(at.query_params), chart(at)
    for page in ("pages/how_adam_works.py", "pages/inspector.py", "pages/scenarios.py", "pages/when_adam_fails.py"):
        at.switch_page(page)
        at.query_params.clear()  # a page switch leaves the Playground's query behind, as in the browser
        run(at)
        at.switch_page("pages/playground.py")
        run(at)
        # the browser writes the address itself once it shows the Playground (see ui.widgets.save)
        assert dict(parse_qsl(chart(at)["url"])) == link, page
        assert at.multiselect(key="optimizers").value == ["momentum", "adam"]
        assert at.slider(key="adam.beta1").value == 0.8 and at.select_slider(key="adam.lr").value == 0.1
        assert at.segmented_control(key="view").value == "multiples" and at.slider(key="steps").value == 300
        assert (at.number_input(key="start_x").value, at.number_input(key="start_y").value) == (-1.0, 1.5)
        assert [r["blob"] for r in chart(at)["runs"]] == [r["blob"] for r in data["runs"]]
        assert not at.warning, "no false link notices on the way back"


def test_a_new_link_in_the_same_session_is_followed():
    at = start({"opt": "adam"})
    at.query_params.clear()
    at.query_params["opt"] = "gd,nag"
    run(at)
    assert at.multiselect(key="optimizers").value == ["gd", "nag"]


def test_duplicate_races_a_second_copy_with_its_own_settings():
    at = start({"opt": "gd,adam"})
    at.button(key="dup.adam").click()
    run(at)
    assert at.multiselect(key="optimizers").value == ["gd", "adam", "adam:2"]
    at.select_slider(key="adam:2.beta2").set_value(0.9)
    run(at)
    data = chart(at)
    labels = {r["id"]: r["label"] for r in data["runs"]}
    assert labels == {"gd": "Gradient descent", "adam": "Adam (β₂=0.999)", "adam:2": "Adam (β₂=0.9)"}
    colours = {r["id"]: (r["color"], r["dash"]) for r in data["runs"]}
    assert colours["adam"][0] != colours["adam:2"][0] and colours["adam:2"][1] != "solid"
    assert at.query_params["opt"] == "gd,adam,adam:2" and at.query_params["adam:2.beta2"] == "0.9"
    assert list(table(at)["optimizer"]) == ["Gradient descent", "Adam (β₂=0.999)", "Adam (β₂=0.9)"]
    again = start(dict(at.query_params))  # the link brings both back
    assert [r["label"] for r in chart(again)["runs"]] == list(labels.values())
    at.button(key="del.adam:2").click()
    run(at)
    assert at.multiselect(key="optimizers").value == ["gd", "adam"]


def test_bias_correction_on_and_off_race_side_by_side():
    at = start({"opt": "adam,adam", "adam:2.bias_correction": "0"})
    labels = [r["label"] for r in chart(at)["runs"]]
    assert labels == ["Adam (bias correction on)", "Adam (bias correction off)"]
    a, b = (run_arrays(chart(at), e)["x"] for e in ("adam", "adam:2"))
    assert not np.allclose(a, b)


def test_colours_belong_to_the_optimizer_not_to_its_place():
    at = start()
    before = {r["id"]: r["color"] for r in chart(at)["runs"]}
    set_optimizers(at, ["rmsprop", "adam"])
    after = {r["id"]: r["color"] for r in chart(at)["runs"]}
    assert after == {k: before[k] for k in ("rmsprop", "adam")}


def test_the_morph_sweeps_a_chosen_hyperparameter_in_one_batch():
    at = start({"opt": "gd,adam"})
    m = chart(at)["morph"]
    assert (m["run"], m["hp"]) == ("adam", "lr") and m["stops"][m["at"]] == LANDING_LR["adam"]
    assert len(m["blobs"]) == len(m["stops"]) >= 30
    at.selectbox(key="morph").set_value("gd.lr")
    run(at)
    m = chart(at)["morph"]
    assert (m["run"], m["hp"]) == ("gd", "lr") and at.query_params["morph"] == "gd.lr"
    at.selectbox(key="morph").set_value("adam.beta1")
    run(at)
    m = chart(at)["morph"]
    assert m["hp"] == "beta1" and m["stops"][0] == 0.0 and m["stops"][-1] == 0.999
    at.selectbox(key="morph").set_value("off")
    run(at)
    assert chart(at)["morph"] is None


def test_the_morph_sweeps_only_values_the_slider_can_hold():
    """A linear slider (β₁, step 0.001) is swept on its own grid: a release keeps 0.2, never 0.1998."""
    at = start({"opt": "adam", "morph": "adam.beta1"})
    m = chart(at)["morph"]
    assert 0.2 in m["stops"] and 0.1998 not in m["stops"] and m["stops"][m["at"]] == 0.9
    assert all(v == round(v, 3) for v in m["stops"]), "every stop a multiple of the slider's step"
    at.slider(key="adam.beta1").set_value(m["stops"][8])  # what the release stores (pages/playground._morphed)
    run(at)
    assert at.query_params["adam.beta1"] == "0.2" and chart(at)["morph"]["stops"][chart(at)["morph"]["at"]] == 0.2


def test_a_morph_stop_equals_the_run_at_that_value():
    """The morph shows the engine's own runs: the path at the current stop is the race's path (decimated)."""
    at = start({"opt": "adam", "steps": "200"})
    data = chart(at)
    m = data["morph"]
    blob = data["blobs"][m["blobs"][m["at"]]]
    steps = np.frombuffer(base64.b64decode(blob["steps"]), dtype=np.float32).astype(int)
    x = np.frombuffer(base64.b64decode(blob["x"]), dtype=np.float32)
    np.testing.assert_array_equal(x, run_arrays(data, "adam")["x"][steps])


# ---- classroom: projector mode and downloads --------------------------------------------------------------


def test_projector_mode_from_a_link():
    at = start({"present": "1"})
    data = chart(at)
    assert data["present"] and data["fontSize"] > 13 and data["lineWidth"] > 2
    assert not any(h.value == "Optimizer Playground" for h in at.title), "no page title on the projector"
    assert not at.dataframe, "nothing below the chart"
    assert at.query_params["present"] == "1"
    at.toggle(key="present").set_value(False)
    run(at)
    assert "present" not in at.query_params and at.dataframe


def test_downloads_are_offered_with_names_that_say_what_they_hold():
    at = start({"opt": "gd,adam", "steps": "200"})
    assert not at.get("download_button"), "the downloads cost nothing until opened"
    at.toggle(key="downloads").set_value(True)
    run(at)
    names = {b.key for b in at.get("download_button")} if at.get("download_button") else set()
    assert {"dl_png", "dl_html", "dl_csv", "dl_json", "dl_py"} <= names, names
    at.button(key="dl_gif.make").click()  # an animation is drawn on demand, with a progress bar, then offered
    run(at)
    gif = [b for b in at.get("download_button") if b.key == "dl_gif"]
    assert gif and "kB" in gif[0].proto.label
    assert not [b for b in at.button if b.key == "dl_gif.make"], "the download takes the Make button's place"
    from ui.exports import file_stem
    from ui.settings import from_query

    assert file_stem(from_query({"opt": "gd,adam,adam", "steps": "200"})[0]) == "race_rosenbrock_gd-adam-adam2_200steps"


def test_projector_mode_offers_the_projectors_picture_size_and_the_3d_view_says_where_the_race_plays():
    for query, size in (({}, "960 × 540 (slides)"), ({"present": "1"}, "1920 × 1080 (projector)")):
        at = start({"opt": "gd,adam", **query})
        at.toggle(key="downloads").set_value(True)
        run(at)
        assert at.selectbox(key="export_size").value == size, query
    at = start({"view": "3d"})
    assert any("**Overlay**" in c.value for c in at.caption), "3-D has no Play: the page says where it is"


def test_switching_cards_keeps_every_value():
    """One card at a time: a card not drawn must not lose its values (Streamlit drops undrawn widgets)."""
    at = start()
    at.select_slider(key="adam.lr").set_value(0.1)
    run(at)
    for entry in ("gd", "momentum", "rmsprop"):
        tune(at, entry)
    at.select_slider(key="rmsprop.lr").set_value(0.001)
    run(at)
    tune(at, "adam")
    assert at.select_slider(key="adam.lr").value == 0.1
    assert at.query_params["adam.lr"] == "0.1" and at.query_params["rmsprop.lr"] == "0.001"


def test_a_repeated_key_in_a_link_is_noticed():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["opt"] = ["adam", "gd"]
    run(at)
    assert at.multiselect(key="optimizers").value == ["gd"]
    assert any("'opt' appears more than once" in w.value.replace("\\", "") for w in at.warning)


def test_a_first_visit_gets_a_three_step_guide_once_and_a_shared_link_none():
    at = start({})
    # short, and soon gone: it floats over the page title (pages/playground.PAGE_CSS), not over the controls
    assert [t.value for t in at.toast] == ["**New here?** Each dot is an optimizer: press **▶ Play**, then raise "
                                           "**Adam's α** under Tune."]
    assert 0 < at.toast[0].proto.duration <= 15
    at.slider(key="steps").set_value(300)
    run(at)
    assert not at.toast  # once a session
    assert not start({"opt": "adam"}).toast


def test_a_stray_picker_value_is_dropped_not_run():
    """Streamlit's multiselect keeps a label it cannot match as a raw string (a twin's label that changed in a fragment
    run): the page drops it instead of failing on an unknown optimizer."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"opt": "adam,adam:2", "adam:2.lr": "0.1", "steps": "300"})
    at.run()
    at.session_state["optimizers"] = ["adam", "Adam (α=0.05)", "adam:2", "adam"]
    at.run()
    assert not at.exception
    assert at.multiselect(key="optimizers").value == ["adam", "adam:2"]
    assert [o.split(" #")[0] for o in at.multiselect(key="optimizers").options[-1:]] == ["Adam"]
