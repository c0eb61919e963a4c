"""The Inspector's and "How Adam works"' settings in the URL (links open them, bad values fall back with one notice,
a change is written back, the session keeps them across pages), torch's state names beside the Inspector's symbols,
its source and torch call, its numbers for humans and its warning when a run explodes. AppTest, headless."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

import optimizers
import surfaces
from optimizers import explain
from teaching import presets
from ui import inspector_settings as ins
from ui import lesson_settings as les

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
INSPECTOR, LESSON = "pages/inspector.py", "pages/how_adam_works.py"


def ok(at: AppTest) -> None:
    assert not at.exception, "\n".join(e.message + "\n" + "\n".join(e.stack_trace) for e in at.exception)


def open_page(page: str, query: dict | None = None) -> AppTest:
    """The app at "/" (its st.navigation), then `page` with `query` in its address, as a link opens it."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()  # a page with its own url_path is only found once app.py's navigation has run
    at.query_params.clear()
    if query:
        at.query_params.update(query)
    at.switch_page(page).run()
    ok(at)
    return at


def query(at: AppTest) -> dict[str, str]:
    return {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()}


def notices(at: AppTest) -> list[str]:
    """The link notices: one box (several problems are one box with a list)."""
    return [w.value.replace("\\", "") for w in at.warning if w.proto.icon == ":material/link_off:"]


def table(at: AppTest):
    return at.dataframe[0].value


def shown(at: AppTest):
    """The table as it reads on screen (the Styler's display values)."""
    return dataframe_util.convert_arrow_bytes_to_pandas_df(at.dataframe[0].proto.arrow_data.styler.display_values)


def charts(at: AppTest) -> dict[str, dict]:
    return {el.proto.id.split("-", 2)[-1]: json.loads(el.proto.spec) for el in at.get("plotly_chart")}


# ------------------------------------------------------------------ the Inspector's URL


def test_a_link_opens_radam_on_beale():
    at = open_page(INSPECTOR, {"opt": "radam", "surface": "beale"})
    assert at.selectbox(key="inspector.opt").value == "radam"
    assert at.selectbox(key="inspector.surface").value == "beale"
    assert not notices(at)
    assert "**RAdam** on **Beale**" in at.caption[0].value
    beale = surfaces.get("beale")
    assert (at.number_input(key="inspector.x").value, at.number_input(key="inspector.y").value) == tuple(beale.start)
    lr = ins.hp_defaults("radam", "beale")["lr"]
    assert lr == ins.SURFACE_LR["beale"]["radam"] < presets.INSPECT_LR["radam"], "Beale's own α, not the bowl's"
    assert at.select_slider(key="inspector.radam.lr").value == lr
    assert not at.warning, "the run lands in bounds: no explosion warning"
    traj = optimizers.simulate("radam", beale, beale.start, presets.INSPECT_STEPS, lr=lr)
    rows = {r["quantity"]: np.array([r["x"], r["y"]]) for _, r in table(at).iterrows()}
    np.testing.assert_allclose(rows["update"], traj.path[1] - traj.path[0], rtol=1e-12)
    np.testing.assert_allclose(rows["m"], traj.state["exp_avg"][1], rtol=1e-12)
    assert query(at) == {"opt": "radam", "surface": "beale"}, "the address keeps the link"


def test_a_link_sets_every_setting_of_the_inspector():
    q = {"opt": "rmsprop", "surface": "rosenbrock", "x": "-1", "y": "1.5", "steps": "200", "t": "40", "sub": "2",
         "zoom": "4", "rmsprop.lr": "0.005", "rmsprop.centered": "1"}
    at = open_page(INSPECTOR, q)
    ss = at.session_state
    assert not notices(at)
    assert (ss["inspector.opt"], ss["inspector.surface"], ss["inspector.x"], ss["inspector.y"]) == ("rmsprop", "rosenbrock",
                                                                                                   -1.0, 1.5)
    assert (ss["inspector.steps"], at.slider(key="inspector.step").value, ss["inspector.zoom"]) == (200, 40, "zoom ×4")
    assert ss["inspector.rmsprop.lr"] == 0.005 and ss["inspector.rmsprop.centered"] is True
    subs = explain.narrate(explain.explain(optimizers.simulate("rmsprop", surfaces.get("rosenbrock"), (-1.0, 1.5), 200,
                                                               lr=0.005, centered=True)), 39)
    assert any(m.value == f"2. {subs[1].text}" for m in at.markdown), "the narration shows sub-step 2 of step 40"
    assert query(at) == q
    at = open_page(INSPECTOR, {"narrate": "0", "opt": "adam"})
    assert at.toggle(key="inspector.narrate").value is False and query(at) == {"narrate": "0"}, "adam is the default"


@pytest.mark.parametrize("bad, value", [
    ({"opt": "sgdd"}, "sgdd"),
    ({"surface": "x" * 200}, "x" * 60 + "…"),
    ({"x": "1e9"}, "1e9"),
    ({"steps": "55"}, "55"),
    ({"t": "0"}, "'0'"),
    ({"t": "101"}, "101"),
    ({"sub": "-1"}, "-1"),
    ({"zoom": "3"}, "'3'"),
    ({"narrate": "maybe"}, "maybe"),
    ({"adam.lr": "abc"}, "abc"),
    ({"adam.beta2": "2"}, "adam.beta2='2'"),
    ({"opt": "radam", "radam.lr": "1e-9"}, "1e-9"),
    ({"foo": "1", "bar": "2", "baz": "3", "qux": "4"}, "and 1 more"),
    ({"radam.lr": "0.01"}, "radam.lr"),  # another optimizer's setting: Adam is the one shown
    ({"opt": "[**bold**](http://example.com)"}, "[**bold**](http://example.com)"),
])
def test_a_malformed_link_value_gives_one_notice_and_the_default(bad, value):
    at = open_page(INSPECTOR, bad)
    shown_notices = notices(at)
    assert len(shown_notices) == 1, shown_notices
    assert value in shown_notices[0]
    assert "x" * 61 not in shown_notices[0], "a value is cut to 60 characters"
    ss = at.session_state
    d = ins.DEFAULTS
    assert ss["inspector.surface"] == d.surface and (ss["inspector.x"], ss["inspector.y"]) == d.start
    assert (ss["inspector.steps"], ss["inspector.step"], ss["inspector.zoom"], ss["inspector.narrate"]) == (
        d.steps, d.t, d.zoom, d.narrate)
    key = ss["inspector.opt"]
    assert key in {d.opt, "radam"}
    assert ss[f"inspector.{key}.lr"] == ins.hp_defaults(key, d.surface)["lr"] and ss["inspector.adam.beta2"] == 0.999
    assert query(at) == ({"opt": "radam"} if key == "radam" else {}), "the address drops what was not used"
    at.run()
    assert notices(at) == shown_notices, "the notice stays until the user changes something"
    at.slider(key="inspector.step").set_value(3).run()
    assert not notices(at)


def test_a_markdown_value_in_a_notice_is_shown_as_typed():
    at = open_page(INSPECTOR, {"surface": "[click](javascript:alert(1))"})
    raw = [w.value for w in at.warning]
    assert len(raw) == 1 and "\\[click\\]\\(javascript\\:alert\\(1\\)\\)" in raw[0]


def test_the_default_inspector_has_an_empty_query_and_a_change_is_written_to_it():
    at = open_page(INSPECTOR)
    assert query(at) == {}
    at.run()
    assert query(at) == {}
    at.selectbox(key="inspector.opt").set_value("amsgrad").run()
    ok(at)
    assert query(at) == {"opt": "amsgrad"}
    at.session_state["inspector.amsgrad.lr"] = 0.01
    at.run()
    assert query(at) == {"opt": "amsgrad", "amsgrad.lr": "0.01"}
    at.button(key="inspector.next").click().run()
    at.button(key="inspector.next").click().run()
    assert query(at)["t"] == "3"
    at.button(key="inspector.sub_next").click().run()
    assert query(at)["sub"] == "2"
    at.selectbox(key="inspector.surface").set_value("himmelblau").run()
    assert query(at)["surface"] == "himmelblau" and "x" not in query(at), "a surface brings its own start"
    at.number_input(key="inspector.x").set_value(1.5).run()
    assert query(at)["x"] == "1.5"
    at.segmented_control(key="inspector.zoom").set_value("zoom ×16").run()
    at.toggle(key="inspector.narrate").set_value(False).run()
    at.slider(key="inspector.steps").set_value(50).run()
    q = query(at)
    assert (q["zoom"], q["narrate"], q["steps"]) == ("16", "0", "50")
    again = open_page(INSPECTOR, q)  # the address reopens what was shown
    assert not notices(again) and query(again) == q
    for name in ("opt", "surface", "x", "y", "steps", "step", "zoom", "narrate", "amsgrad.lr"):
        assert again.session_state[f"inspector.{name}"] == at.session_state[f"inspector.{name}"], name


def test_the_inspector_keeps_its_settings_across_pages():
    at = open_page(INSPECTOR, {"opt": "adagrad", "t": "12"})
    at.session_state["inspector.adagrad.lr"] = 0.1
    at.run()
    at.switch_page("pages/playground.py").run()
    ok(at)
    at.query_params.clear()  # another page's address carries no inspector query
    at.switch_page(INSPECTOR).run()
    ok(at)
    ss = at.session_state
    assert (ss["inspector.opt"], ss["inspector.step"], ss["inspector.adagrad.lr"]) == ("adagrad", 12, 0.1)
    # the address comes back without a history entry: written by the browser (a zero-height script)
    assert any("replaceState" in el.proto.srcdoc and "?opt=adagrad&t=12" in el.proto.srcdoc for el in at.get("iframe"))


@pytest.mark.parametrize("q", [
    {},
    {"opt": "radam", "surface": "beale"},
    {"opt": "lbfgs", "lbfgs.max_iter": "5", "lbfgs.line_search_fn": "strong_wolfe"},
    {"surface": "himmelblau", "x": "1.5", "y": "-2", "steps": "300", "t": "250", "sub": "4", "zoom": "16",
     "narrate": "0", "adam.beta1": "0.5", "adam.amsgrad": "1", "adam.eps": "1e-05"},
    {"opt": "momentum", "momentum.lr": "0.05", "momentum.momentum": "0.99"},
    {"opt": "gd", "gd.lr": "0.05", "t": "100"},  # gd's Inspector α is its default, so none is written
])
def test_inspector_settings_round_trip(q):
    s, problems = ins.from_query(q)
    assert problems == []
    expected = {k: v for k, v in q.items() if k != "gd.lr"}
    assert ins.to_query(s) == expected
    assert ins.from_query(ins.to_query(s))[0] == s


def test_the_default_settings_make_an_empty_query():
    assert ins.to_query(ins.DEFAULTS) == {} and ins.from_query({}) == (ins.DEFAULTS, [])
    assert les.to_query(les.DEFAULTS) == {} and les.from_query({}) == (les.DEFAULTS, [])


# ------------------------------------------------------------------ torch's names, the source, the numbers


def test_the_table_names_torchs_state_beside_each_symbol():
    at = open_page(INSPECTOR)
    rows = dict(zip(table(at)["quantity"], table(at)["torch"], strict=True))
    assert rows["m"] == "exp_avg" and rows["v"] == "exp_avg_sq" and rows["g"] == "p.grad"
    assert rows["m̂"] == "exp_avg / (1 − β₁ᵗ)" and rows["v̂"] == "exp_avg_sq / (1 − β₂ᵗ)"
    expected = {"amsgrad": {"v_max": "max_exp_avg_sq"}, "momentum": {"b": "momentum_buffer", "v": "lr · momentum_buffer"},
                "rmsprop": {"E[g²]": "square_avg"}, "adadelta": {"E[g²]": "square_avg", "E[Δθ²]ₜ₋₁": "acc_delta"},
                "adagrad": {"G": "sum"}, "adamax": {"u": "exp_inf"}, "asgd": {"θ̄": "ax"}, "adafactor": {"v": "variance"}}
    for key, names in expected.items():
        at.selectbox(key="inspector.opt").set_value(key).run()
        ok(at)
        rows = dict(zip(table(at)["quantity"], table(at)["torch"], strict=True))
        for symbol, name in names.items():
            assert rows[symbol] == name, (key, symbol, rows)


@pytest.mark.parametrize("key", optimizers.names())
def test_every_recorded_state_entry_is_named_in_the_table(key):
    surface = surfaces.get(presets.INSPECT_SURFACE)
    traj = optimizers.simulate(key, surface, surface.start, 5)
    ex = explain.explain(traj)
    names = ins.torch_names(key, ex.hyperparameters, ex.quantities, traj.state)
    text = " ".join(names.values())
    for entry in set(traj.state) - {"prev_flat_grad"}:  # L-BFGS's previous gradient: not a shown quantity
        assert entry in text, (key, entry, names)
    for symbol, name in names.items():
        assert symbol in ex.quantities
        if name in traj.state and not symbol.startswith(("√", "sign")):  # the entry itself, after step t (or t − 1)
            recorded = traj.state[name][:-1] if symbol.endswith("ₜ₋₁") else traj.state[name][1:]
            np.testing.assert_array_equal(ex.quantities[symbol], recorded)


@pytest.mark.parametrize("key", ["adam", "momentum", "lion"])
def test_the_inspector_names_its_source_and_the_torch_call(key):
    at = open_page(INSPECTOR, {"opt": key})
    opt = optimizers.get(key)
    text = " ".join(c.value for c in at.caption)
    assert opt.reference in text and f"`{opt.torch}`" in text
    assert text.count("An overview of gradient descent optimization algorithms") == 1 and "Ruder" in text
    assert "1609.04747" in text


def test_an_exploding_run_is_flagged_and_its_numbers_read_for_humans():
    at = open_page(INSPECTOR, {"opt": "gd", "gd.lr": "0.5", "t": "100"})
    warnings = [w.value for w in at.warning]
    # the advice: gd on the stretched bowl (curvature 20) explodes above α = 2 / 20, the largest of the ladder below 0.5
    assert len(warnings) == 1 and "explodes" in warnings[0] and "Lower α: 0.1 is the largest α" in warnings[0]
    raw, screen = table(at), shown(at)
    big = float(np.abs(raw[["x", "y"]].to_numpy()).max())
    assert big > 1e80 and np.isfinite(big), "finite: no NaN, so no 'diverged' warning would say it"
    for _, row in screen.iterrows():
        for cell in (row["x"], row["y"]):
            mantissa = cell.split("e")[0].lstrip("-")
            assert len(mantissa.replace(".", "").lstrip("0")) <= 4, cell
    assert any("e+" in c for c in screen["y"])
    heading = next(m.value for m in at.markdown if m.value.startswith("**Step t = 100**"))
    assert "e+" in heading and len(heading) < 60, heading
    # a healthy run: no warning
    assert not open_page(INSPECTOR).warning


# ------------------------------------------------------------------ the α the Inspector lands with, and its advice


def _landing(key: str, surface: str):
    """The Inspector's first run of `key` on `surface`, from the engine: its trouble and its losses."""
    surf = surfaces.get(surface)
    traj = optimizers.simulate(key, surf, surf.start, presets.INSPECT_STEPS, **ins.hp_defaults(key, surface))
    return ins.trouble(traj.path, traj.loss, traj.diverged_at, surf.min_value is None), traj.loss


@pytest.mark.parametrize("surface", surfaces.names())
def test_every_optimizer_lands_finite_and_descending_on_every_surface(surface):
    """At its first α on `surface`, every optimizer's run stays finite, does not explode and ends lower than it
    started; SURFACE_LR is what landing_rule makes (the stretched bowl's α where it runs well, else the largest of the
    ladder below it that does)."""
    ran_off = []
    for key in optimizers.names():
        problem, loss = _landing(key, surface)
        assert np.isfinite(loss).all(), (key, surface, problem)
        assert loss[-1] < loss[0], (key, surface, loss[0], loss[-1])
        if problem is not None:  # only a run downhill on a surface with no bottom, which no α of the ladder avoids
            assert problem.kind == "runs off" and surfaces.get(surface).min_value is None, (key, surface, problem)
            ran_off.append(key)
        assert ins.landing_rule(key, surface) == ins.hp_defaults(key, surface)["lr"], (key, surface)
    assert ran_off == {"saddle": ["lbfgs"], "monkey_saddle": ["rprop"]}.get(surface, [])
    assert set(ins.SURFACE_LR.get(surface, {})) <= set(optimizers.names())
    for key, lr in ins.SURFACE_LR.get(surface, {}).items():  # an entry only where the bowl's α does not do
        assert lr in ins.LADDER and lr < presets.INSPECT_LR[key], (key, surface)
        bowl = optimizers.simulate(key, surfaces.get(surface), surfaces.get(surface).start, presets.INSPECT_STEPS,
                                   **{**ins.hp_defaults(key), "lr": presets.INSPECT_LR[key]})
        assert not (np.isfinite(bowl.loss).all() and bowl.loss[-1] < bowl.loss[0]
                    and ins.explosion(bowl.path, bowl.loss) is None), (key, surface)


def test_a_surface_brings_its_own_alpha_unless_the_user_set_one():
    at = open_page(INSPECTOR, {"opt": "radam"})
    assert at.select_slider(key="inspector.radam.lr").value == presets.INSPECT_LR["radam"]
    at.selectbox(key="inspector.surface").set_value("beale").run()
    ok(at)
    beale = ins.SURFACE_LR["beale"]
    assert at.select_slider(key="inspector.radam.lr").value == beale["radam"]
    assert not at.warning and query(at) == {"opt": "radam", "surface": "beale"}, "Beale's α is the default there"
    at.selectbox(key="inspector.opt").set_value("gd").run()  # another optimizer's α moved with the surface too
    ok(at)
    assert at.select_slider(key="inspector.gd.lr").value == beale["gd"] and not at.warning
    at.select_slider(key="inspector.gd.lr").set_value(0.01).run()  # chosen by the user: it stays
    at.selectbox(key="inspector.surface").set_value("rosenbrock").run()
    ok(at)
    assert at.select_slider(key="inspector.gd.lr").value == 0.01
    assert query(at) == {"opt": "gd", "surface": "rosenbrock", "gd.lr": "0.01"}
    at.selectbox(key="inspector.opt").set_value("radam").run()
    assert at.select_slider(key="inspector.radam.lr").value == ins.SURFACE_LR["rosenbrock"]["radam"]


def test_an_exploding_run_offers_the_largest_alpha_that_keeps_it_in_bounds():
    at = open_page(INSPECTOR, {"opt": "radam", "surface": "beale", "radam.lr": "0.1"})  # the stretched bowl's α
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 1 and "explodes" in warnings[0], warnings
    safer = ins.safer_lr("radam", "beale", surfaces.get("beale").start, presets.INSPECT_STEPS,
                         {**ins.hp_defaults("radam"), "lr": 0.1})
    assert safer == 0.02 and "Lower α: 0.02 is the largest α" in warnings[0]
    beale = surfaces.get("beale")
    for lr in (0.1, 0.05, 0.02):  # the advice is the largest of the ladder below 0.1 that runs in bounds
        traj = optimizers.simulate("radam", beale, beale.start, presets.INSPECT_STEPS, lr=lr)
        assert (ins.trouble(traj.path, traj.loss, traj.diverged_at) is None) == (lr == safer), lr
    at.button(key="inspector.use_lr").click().run()
    ok(at)
    assert at.select_slider(key="inspector.radam.lr").value == 0.02
    assert not at.warning and query(at) == {"opt": "radam", "surface": "beale"}, "0.02 is Beale's own α for RAdam"
    q = {"opt": "momentum", "surface": "rosenbrock", "x": "-2", "y": "-1", "steps": "300", "momentum.lr": "0.01"}
    at = open_page(INSPECTOR, q)  # another optimizer, start and length: the advice is for this run
    safer = ins.safer_lr("momentum", "rosenbrock", (-2.0, -1.0), 300, {**ins.hp_defaults("momentum"), "lr": 0.01})
    assert safer is not None and f"Lower α: {safer:g} is the largest α" in at.warning[0].value
    at.button(key="inspector.use_lr").click().run()
    ok(at)
    assert not at.warning and at.select_slider(key="inspector.momentum.lr").value == safer


def test_a_run_off_a_surface_with_no_bottom_is_not_called_an_explosion():
    at = open_page(INSPECTOR, {"opt": "rprop", "surface": "monkey_saddle"})
    assert not at.warning
    text = " ".join(i.value for i in at.info)
    assert "Monkey saddle has no bottom" in text and "explodes" not in text and "A smaller α only delays it" not in text
    problem = ins.trouble(np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]]), np.array([1.0, -5.0, -2e6]), None,
                          bottomless=True)
    assert (problem.kind, problem.step) == ("runs off", 2)
    assert ins.trouble(np.zeros((3, 2)), np.array([1.0, -5.0, -2e6]), None).kind == "explodes"
    assert ins.trouble(np.zeros((3, 2)), np.array([1.0, 5.0, 2e6]), None, bottomless=True).kind == "explodes"
    assert ins.trouble(np.zeros((3, 2)), np.array([1.0, 5.0, np.nan]), 2) == ins.Trouble("overflows", 2, overflow=2)


def test_human_numbers():
    cases = {0.0: "0", 1.0: "1", 0.5: "0.5", -3.14159: "-3.142", 12345.678: "12350", 0.001234567: "0.001235",
             0.0001: "0.0001", 9.999e-05: "9.999e-05", 123456.0: "1.235e+05", 1.2345e227: "1.234e+227",
             float("nan"): "NaN", float("inf"): "∞", -float("inf"): "−∞"}
    for value, text in cases.items():
        assert ins.human(value) == text, (value, ins.human(value))


def test_explosion_is_relative_to_the_start():
    path = np.array([[2.0, 3.0], [10.0, 3.0], [4e6, 0.0], [np.inf, np.nan]])
    loss = np.array([5.0, 1.0, 2.0, np.nan])
    assert ins.explosion(path, loss) == (2, "|θ|", 4e6)
    assert ins.explosion(path[:2], loss[:2]) is None
    assert ins.explosion(np.zeros((3, 2)), np.array([0.5, 0.5, 2e6]))[:2] == (2, "the loss")


def test_the_learning_rate_charts_legend_is_clear_of_its_title():
    for key in ("radam", "adam"):  # RAdam's formula is the longest title
        layout = charts(open_page(INSPECTOR, {"opt": key}))["inspector.lr"]["layout"]
        assert layout["legend"]["y"] < 0 and layout["legend"]["yanchor"] == "top", "below the plot, not beside the title"
        assert "<br>" in layout["title"]["text"] and layout["margin"]["t"] >= 60


# ------------------------------------------------------------------ How Adam works


def test_a_link_sets_the_lessons_controls():
    q = {"momentum.gamma": "0.99", "hp.eps": "1e-08", "gd.lr_large": "0.11", "tab": "eps"}
    at = open_page(LESSON, q)
    assert not notices(at)
    assert at.select_slider(key="lesson.momentum.gamma").value == 0.99
    assert at.select_slider(key="lesson.hp.eps").value == 1e-8
    assert at.session_state["lesson.hp.tab"] == les.TABS["eps"]
    names = [d.get("name") for d in charts(at)["lesson.momentum.race"]["data"]]
    assert "Momentum, γ = 0.99" in names
    assert query(at) == q


@pytest.mark.parametrize("bad, value", [
    ({"momentum.gamma": "0.7"}, "0.7"),
    ({"hp.eps": "tiny"}, "tiny"),
    ({"tab": "zeta"}, "zeta"),
    ({"gamma": "0.5", "lr": "1"}, "'gamma', 'lr'"),
])
def test_a_malformed_lesson_link_gives_one_notice_and_the_default(bad, value):
    at = open_page(LESSON, bad)
    shown_notices = notices(at)
    assert len(shown_notices) == 1 and value in shown_notices[0], shown_notices
    assert at.select_slider(key="lesson.momentum.gamma").value == 0.9
    assert at.select_slider(key="lesson.hp.eps").value == 0.1
    assert at.session_state["lesson.hp.tab"] == les.TABS["lr"]
    assert query(at) == {}


def test_a_lesson_control_change_is_written_to_the_query_and_kept_across_pages():
    at = open_page(LESSON)
    assert query(at) == {}
    at.select_slider(key="lesson.bias.beta2").set_value(0.9).run()
    ok(at)
    assert query(at) == {"bias.beta2": "0.9"}
    at.select_slider(key="lesson.bias.beta2").set_value(0.999).run()
    assert query(at) == {}, "back at the first value: nothing to say"
    at.select_slider(key="lesson.rmsprop.lr").set_value(0.1).run()
    at.switch_page("pages/playground.py").run()
    ok(at)
    at.query_params.clear()
    at.switch_page(LESSON).run()
    ok(at)
    assert at.select_slider(key="lesson.rmsprop.lr").value == 0.1


@pytest.mark.parametrize("q", [{}, {"gd.lr_small": "0.001", "adam.beta2": "0.9999", "hp.eps": "1e-08", "tab": "beta1"},
                               {name: les.to_query({**les.DEFAULTS, name: stops[0]})[name]
                                for name, (stops, default) in presets.LESSON_PICKS.items() if stops[0] != default}])
def test_lesson_settings_round_trip(q):
    v, problems = les.from_query(q)
    assert problems == [] and les.to_query(v) == q


@pytest.mark.parametrize(("opt", "surface"), [("adam", "rosenbrock"), ("rmsprop", "ackley")])
def test_a_run_that_ends_worse_without_exploding_gets_an_alpha_that_ends_on_the_map(opt, surface):
    """Adam's steps are about α each, so α = 10 never explodes; it leaves the map and ends above its start. The page
    says so and offers the largest α of its scale that ends lower and on the map; the button takes it."""
    at = open_page(INSPECTOR, {"opt": opt, "surface": surface, f"{opt}.lr": "10"})
    warning = [w.value for w in at.warning if "ends higher than it started" in w.value]
    assert len(warning) == 1 and "outside the map" in warning[0], [w.value for w in at.warning]
    use = [b for b in at.button if b.label.startswith("Use α = ")]
    assert len(use) == 1
    lr = float(use[0].label.removeprefix("Use α = "))
    assert lr < 10 and f" {lr:g} is the largest α" in warning[0]
    use[0].click().run()
    ok(at)
    assert not [w.value for w in at.warning if "ends higher" in w.value]
    assert query(at)[f"{opt}.lr"] == f"{lr:g}"
    # the engine agrees: that α ends lower than it started, inside the surface's box
    surf = surfaces.get(surface)
    traj = optimizers.simulate(opt, surf, surf.start, int(at.session_state["inspector.steps"]), record="path",
                               **{**ins.hp_defaults(opt, surface), "lr": lr})
    (x0, x1), (y0, y1) = surf.bounds
    assert traj.loss[-1] < traj.loss[0] and x0 <= traj.path[-1, 0] <= x1 and y0 <= traj.path[-1, 1] <= y1
