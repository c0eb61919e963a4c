"""The teaching pages (How Adam works, Inspector, Scenarios, When Adam fails), run headless with AppTest.

Each page is reached as a learner reaches it, through app.py's st.navigation and a page switch; the
figures are read back from the plotly spec the server sends, the numbers from the widgets and tables.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qsl, urlparse

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import optimizers
import surfaces
from optimizers import explain
from teaching import links, presets, reddi
from teaching.scenarios import SCENARIOS, simulate
from ui.settings import Settings, from_query, to_query

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGES = ("pages/how_adam_works.py", "pages/inspector.py", "pages/scenarios.py", "pages/when_adam_fails.py")


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.switch_page(page).run()
    ok(at)
    return at


def ok(at: AppTest) -> None:
    assert not at.exception, "\n".join(e.message + "\n" + "\n".join(e.stack_trace) for e in at.exception)


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly specs by widget key (the part of the element id after the hash)."""
    out = {}
    for el in at.get("plotly_chart"):
        key = el.proto.id.split("-", 2)[-1] if el.proto.id else ""
        out[key] = json.loads(el.proto.spec)
    return out


def names(spec: dict) -> list[str]:
    return [d.get("name") for d in spec["data"] if d.get("name")]


def link_urls(at: AppTest) -> list[str]:
    return [el.proto.url for el in at.get("link_button")]


def query_of(url: str) -> dict[str, str]:
    parsed = urlparse(url)
    assert parsed.path == "/", url
    return dict(parse_qsl(parsed.query))


# ------------------------------------------------------------------ app.py


def test_app_lists_the_teaching_pages():
    source = (ROOT / "app.py").read_text()
    for page in PAGES:
        assert f'"{page}"' in source
    assert 'title="How Adam works"' in source


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_without_exception_and_draws_figures(page):
    at = open_page(page)
    assert at.title[0].value in {"How Adam works", "Inspector", "Scenarios", "When Adam fails"}
    assert charts(at), page
    at.run()  # a rerun (what any widget change triggers) is clean too
    ok(at)


# ------------------------------------------------------------------ How Adam works


def test_lesson_sections_race_what_they_say():
    at = open_page("pages/how_adam_works.py")
    figs = charts(at)
    expected = {
        "lesson.gd.race": ["GD, α = 0.01", "GD, α = 0.095"],
        "lesson.momentum.race": ["GD, α = 0.01", "Momentum, γ = 0.9"],
        "lesson.rmsprop.race": ["GD, α = 0.09", "RMSProp, α = 0.05"],
        "lesson.adam.race": ["Momentum", "RMSProp", "Adam (simplified)"],
        "lesson.bias.race": ["Adam", "Adam without correction"],
        "lesson.hp.lr.race": ["Adam, α = 0.1", "Adam, α = 0.001 (default)"],
        "lesson.hp.beta1.race": ["Adam, β₁ = 0", "Adam, β₁ = 0.9 (default)"],
        "lesson.hp.beta2.race": ["Adam, β₂ = 0.9", "Adam, β₂ = 0.999 (default)"],
        "lesson.hp.eps.race": ["Adam, ε = 0.1", "Adam, ε = 1e-8 (default)"],
    }
    for key, labels in expected.items():
        assert key in figs, key
        spec = figs[key]
        for label in labels:
            assert label in names(spec), (key, label)
        assert spec["frames"], f"{key} is an animated race"
        assert spec["layout"]["height"] <= 520, f"{key} is a small figure"
    moments = names(figs["lesson.bias.moments"])
    assert {"mₜ (starts at 0)", "m̂ₜ (bias-corrected)", "vₜ (starts at 0)", "v̂ₜ (bias-corrected)"} <= set(moments)
    assert len(at.latex) >= 12  # every section states its equations


def test_lesson_widgets_are_prefixed_per_section_and_drive_their_race():
    at = open_page("pages/how_adam_works.py")
    keys = [s.key for s in at.select_slider]
    assert keys and all(k.startswith("lesson.") for k in keys)
    assert {"lesson.momentum.gamma", "lesson.gd.lr_small", "lesson.gd.lr_large", "lesson.rmsprop.lr", "lesson.adam.beta1",
            "lesson.adam.beta2", "lesson.bias.lr", "lesson.bias.beta2", "lesson.hp.lr", "lesson.hp.beta1", "lesson.hp.beta2",
            "lesson.hp.eps"} <= set(keys)
    at.select_slider(key="lesson.momentum.gamma").set_value(0.99).run()
    ok(at)
    assert "Momentum, γ = 0.99" in names(charts(at)["lesson.momentum.race"])
    at.select_slider(key="lesson.gd.lr_large").set_value(0.11).run()
    ok(at)
    path = next(d for d in charts(at)["lesson.gd.race"]["data"] if d.get("name") == "GD, α = 0.11" and d["mode"] == "lines"
                and d["xaxis"] != "x3")
    end = np.array([_values(path["x"])[-1], _values(path["y"])[-1]])
    assert np.linalg.norm(end) > 100, "above α = 0.1 gradient descent blows up, as the text says"


def test_lesson_bias_correction_plot_is_the_engines_state():
    at = open_page("pages/how_adam_works.py")
    spec = charts(at)["lesson.bias.moments"]
    traj = optimizers.simulate("adam", surfaces.get("beale"), surfaces.get("beale").start, 30, lr=0.001)
    by_name = {d["name"]: d for d in spec["data"]}
    m = _values(by_name["mₜ (starts at 0)"]["y"])
    np.testing.assert_allclose(m, traj.state["exp_avg"][1:, 0], rtol=1e-12)
    m_hat = _values(by_name["m̂ₜ (bias-corrected)"]["y"])
    np.testing.assert_allclose(m_hat, traj.state["exp_avg"][1:, 0] / (1 - 0.9 ** np.arange(1, 31)), rtol=1e-12)


def _values(y) -> np.ndarray:
    if isinstance(y, dict):  # plotly's binary form
        import base64

        return np.frombuffer(base64.b64decode(y["bdata"]), dtype=np.dtype(y["dtype"]))
    return np.asarray(y, dtype=float)


def test_lesson_alternatives_open_the_playground_beside_adam():
    at = open_page("pages/how_adam_works.py")
    urls = link_urls(at)
    assert len(urls) == len(presets.ALTERNATIVES)
    for key, url in zip(presets.ALTERNATIVES, urls, strict=True):
        s, notices = from_query(query_of(url))
        assert notices == [], (key, notices)
        assert s.optimizers == ("adam", key)
        assert s.hyperparameters(key)["lr"] == presets.ALTERNATIVE_LR[key]
    summaries = " ".join(m.value for m in at.markdown)
    for key in presets.ALTERNATIVES:
        assert optimizers.get(key).summary in summaries
    code = [c.value for c in at.code]
    assert any("torch.optim.Adam(" in c and "lr=0.001, betas=(0.9, 0.999)" in c for c in code)
    assert any("optimizers.simulate(" in c for c in code)


# ------------------------------------------------------------------ Inspector


def _table(at: AppTest) -> dict[str, np.ndarray]:
    df = at.dataframe[0].value
    return {row["quantity"]: np.array([row["x"], row["y"]]) for _, row in df.iterrows()}


def _step(at: AppTest) -> int:
    return int(at.slider(key="inspector.step").value)


def _current(at: AppTest) -> str:
    """The narrated sub-step shown in full: "i. **What it does** …" (the earlier ones are grey captions)."""
    shown = [m.value for m in at.markdown if re.match(r"\d+\. \*\*", m.value)]
    assert len(shown) == 1, shown
    return shown[0]


def _equation(at: AppTest) -> str:
    """The current sub-step's equation (the first st.latex on the page: the update rule's come last)."""
    return at.latex[0].value.strip().removeprefix("$$").removesuffix("$$").strip()


def _sub_next(at: AppTest) -> None:
    at.button(key="inspector.sub_next").click().run()
    ok(at)


def _arrows(at: AppTest) -> list[str]:
    """What the inspector's figure draws beyond the path, the minimum and θₜ."""
    fixed = {"whole path", "path so far", "global minimum"}
    return [n for n in names(charts(at)["inspector.figure"]) if n not in fixed and not n.startswith("θ at step")]


def _walk(key: str, k: int, **hps) -> list[explain.Substep]:
    """The sub-steps of step t = k + 1 on the Inspector's default run, from the engine."""
    surface = surfaces.get(presets.INSPECT_SURFACE)
    traj = optimizers.simulate(key, surface, surface.start, presets.INSPECT_STEPS, lr=presets.INSPECT_LR[key], **hps)
    return explain.narrate(explain.explain(traj), k)


def test_inspector_numbers_are_the_engines_state_and_the_buttons_step():
    at = open_page("pages/inspector.py")
    surface = surfaces.get(presets.INSPECT_SURFACE)
    lr = presets.INSPECT_LR["adam"]
    traj = optimizers.simulate("adam", surface, surface.start, presets.INSPECT_STEPS, lr=lr)
    assert _step(at) == 1
    for _ in range(3):
        at.button(key="inspector.next").click().run()
        ok(at)
    assert _step(at) == 4
    at.button(key="inspector.prev").click().run()
    assert _step(at) == 3
    at.slider(key="inspector.step").set_value(17).run()
    ok(at)
    for t in (17,):
        rows = _table(at)
        np.testing.assert_allclose(rows["g"], traj.grad[t - 1], rtol=1e-12)
        np.testing.assert_allclose(rows["m"], traj.state["exp_avg"][t], rtol=1e-12)
        np.testing.assert_allclose(rows["v"], traj.state["exp_avg_sq"][t], rtol=1e-12)
        np.testing.assert_allclose(rows["m̂"], traj.state["exp_avg"][t] / (1 - 0.9**t), rtol=1e-12)
        np.testing.assert_allclose(rows["v̂"], traj.state["exp_avg_sq"][t] / (1 - 0.999**t), rtol=1e-12)
        np.testing.assert_allclose(rows["update"], traj.path[t] - traj.path[t - 1], rtol=1e-12)
        v_hat = traj.state["exp_avg_sq"][t] / (1 - 0.999**t)
        np.testing.assert_allclose(rows["lr_eff"], lr / (np.sqrt(v_hat) + 1e-8), rtol=1e-12)
    # narrated (the default), the new step starts at its first sub-step; clicking through reveals the rest
    assert _current(at).startswith("1. **Take the gradient**")
    for _ in range(len(_walk("adam", 16)) - 1):
        _sub_next(at)
    assert _step(at) == 17 and _current(at).startswith("6. **Step**")
    # the figure draws the arrows, the box and the current point of that step
    figs = charts(at)
    arrows = names(figs["inspector.figure"])
    assert "−g: steepest descent" in arrows and "−m̂: momentum direction" in arrows
    assert any(n.startswith("Δθ") and n.endswith("the actual step") for n in arrows)
    assert "√v̂ per axis (box half-sides)" in arrows and "θ at step 17" in arrows
    point = next(d for d in figs["inspector.figure"]["data"] if d.get("name") == "θ at step 17")
    np.testing.assert_allclose([point["x"][0], point["y"][0]], traj.path[16], rtol=1e-12)
    assert {"x", "y"} <= set(names(figs["inspector.lr"]))
    # the narrated sub-steps
    text = " ".join(m.value for m in [*at.markdown, *at.caption])
    assert "Take the gradient" in text and "first moment by β₁" in text and "Correct both" in text
    # ▶ stops at the last step
    at.slider(key="inspector.step").set_value(presets.INSPECT_STEPS).run()
    at.button(key="inspector.next").click().run()
    assert _step(at) == presets.INSPECT_STEPS


@pytest.mark.parametrize("key", ["gd", "momentum", "rmsprop", "adagrad", "adadelta", "amsgrad", "nadam", "adamax", "radam"])
def test_inspector_explains_every_family(key):
    at = open_page("pages/inspector.py")
    at.selectbox(key="inspector.opt").set_value(key).run()
    ok(at)
    at.slider(key="inspector.step").set_value(10).run()
    ok(at)
    rows = _table(at)
    surface = surfaces.get(presets.INSPECT_SURFACE)
    traj = optimizers.simulate(key, surface, surface.start, presets.INSPECT_STEPS, lr=presets.INSPECT_LR[key])
    np.testing.assert_allclose(rows["update"], traj.path[10] - traj.path[9], rtol=1e-12)
    for name, state in (("b", "momentum_buffer"), ("E[g²]", "square_avg"), ("G", "sum"), ("u", "exp_inf"), ("m", "exp_avg")):
        if name in rows and state in traj.state:
            np.testing.assert_allclose(rows[name], traj.state[state][10], rtol=1e-12)


def test_inspector_narration_reveals_one_sub_step_at_a_time():
    at = open_page("pages/inspector.py")
    assert at.toggle(key="inspector.narrate").value
    subs = _walk("adam", 0)
    texts = [s.text for s in subs]
    assert len(subs) == 6
    # sub-step 1: only the gradient, the rest of the update hidden; the path stops at θₜ
    assert _current(at) == f"1. {texts[0]}"
    assert _equation(at) == explain.aligned(subs[0].latex)
    assert _arrows(at) == ["−g: steepest descent"]
    done = next(d for d in charts(at)["inspector.figure"]["data"] if d["name"] == "path so far")
    assert len(_values(done["x"])) == 1
    assert not any(text in m.value for text in texts[1:] for m in [*at.markdown, *at.caption]), "later ones hidden"
    assert at.button(key="inspector.sub_prev").disabled, "nothing before step 1's first sub-step"
    expected = [
        ["−g: steepest descent", "−m: not yet bias-corrected"],  # decay the first moment by β₁
        ["−g: steepest descent", "−m: not yet bias-corrected"],  # the second moment: nothing to draw
        ["−g: steepest descent", "−m̂: momentum direction"],  # bias correction: −m becomes −m̂ (10× longer at t = 1)
        ["√v̂ per axis (box half-sides)", "−g: steepest descent", "−m̂: momentum direction"],  # α / (√v̂ + ε)
        ["√v̂ per axis (box half-sides)", "−g: steepest descent", "−m̂: momentum direction", "Δθ: the actual step"],
    ]
    for i, arrows in enumerate(expected, start=1):
        _sub_next(at)
        assert _step(at) == 1
        assert _current(at) == f"{i + 1}. {texts[i]}"
        assert _equation(at) == explain.aligned(subs[i].latex), "the current sub-step's equation, with its numbers"
        earlier = [c.value for c in at.caption if re.match(r"\d+\. \*\*", c.value)]
        assert len(earlier) == i, "the earlier ones, compact: one line each"
        for line, s in zip(earlier, subs, strict=False):
            assert line.endswith(f"${explain.result(s.latex)}$") and s.text.split("**")[1].rstrip(".") in line
        assert [re.sub(r" ×[^:]+", "", n) for n in _arrows(at)] == arrows  # Δθ ×5: magnified when tiny
    figure = charts(at)["inspector.figure"]["data"]
    by_name = {d["name"].split(":")[0].split(" ×")[0]: d for d in figure}
    assert by_name["Δθ"].get("opacity", 1) == 1 and by_name["−g"]["opacity"] < 1, "the step is what sub-step 6 is about"
    done = _values(by_name["path so far"]["x"])
    assert len(done) == 2, "the path reaches θ₂ once the step is taken"
    assert any(c.value.startswith("Check:") for c in at.caption)
    assert at.button(key="inspector.sub_next").label == "On to step 2 ▸"
    # after the last sub-step: step 2, from its first sub-step
    _sub_next(at)
    assert _step(at) == 2 and _current(at) == f"1. {_walk('adam', 1)[0].text}"
    assert _arrows(at) == ["−g: steepest descent"]
    # and back: the previous step's last sub-step
    at.button(key="inspector.sub_prev").click().run()
    ok(at)
    assert _step(at) == 1 and _current(at).startswith("6. **Step**")
    # ▶, ◀ and the slider start the step they reach at its first sub-step
    for move in (lambda: at.button(key="inspector.next").click(), lambda: at.button(key="inspector.prev").click(),
                 lambda: at.slider(key="inspector.step").set_value(40)):
        _sub_next(at)
        _sub_next(at)
        before = _step(at)
        move().run()
        ok(at)
        assert _step(at) != before and _current(at).startswith("1. **Take the gradient**")
        assert _arrows(at) == ["−g: steepest descent"]
    assert _step(at) == 40
    # without narration: the whole picture, no sub-step controls
    at.toggle(key="inspector.narrate").set_value(False).run()
    ok(at)
    assert len(_arrows(at)) == 4 and not [b for b in at.button if b.key.startswith("inspector.sub_")]


def test_inspector_narrates_every_optimizer_sub_step_by_sub_step():
    at = open_page("pages/inspector.py")  # one session for them all (a new optimizer starts at its first sub-step)
    for key in optimizers.names():
        at.selectbox(key="inspector.opt").set_value(key)
        at.slider(key="inspector.step").set_value(10).run()
        ok(at)
        subs = _walk(key, 9)
        assert subs[0].shows == "grad" and subs[-1].shows == "step" and {s.shows for s in subs} <= {"", *explain.SHOWS}
        drawn = []
        for i, sub in enumerate(subs):
            if i:
                _sub_next(at)
            assert _step(at) == 10, key
            assert _current(at) == f"{i + 1}. {sub.text}" and _equation(at) == explain.aligned(sub.latex), (key, i)
            drawn.append(len(_arrows(at)))
        assert drawn == sorted(drawn) and drawn[0] == 1 and drawn[-1] > 1, f"{key}: the figure grows: {drawn}"
        last = _arrows(at)
        at.toggle(key="inspector.narrate").set_value(False).run()
        assert last == _arrows(at), f"{key}: the last sub-step shows the whole picture"
        at.toggle(key="inspector.narrate").set_value(True).run()
        _sub_next(at)
        assert _step(at) == 11 and _current(at).startswith("1. **Take the gradient**"), key


def test_inspector_narrates_centered_rmsprop():
    at = open_page("pages/inspector.py")
    at.selectbox(key="inspector.opt").set_value("rmsprop").run()
    at.toggle(key="inspector.rmsprop.centered").set_value(True).run()
    ok(at)
    subs = _walk("rmsprop", 0, centered=True)
    assert any("variance" in s.text for s in subs) and any("E[g]_{1}" in s.latex for s in subs)
    for _ in subs[1:]:
        _sub_next(at)
    assert "variance" in " ".join(c.value for c in at.caption)
    assert _current(at) == f"{len(subs)}. {subs[-1].text}"


def test_inspector_other_surface_and_zoom():
    at = open_page("pages/inspector.py")
    at.selectbox(key="inspector.surface").set_value("rosenbrock").run()
    ok(at)
    assert at.number_input(key="inspector.x").value == surfaces.get("rosenbrock").start[0]
    at.segmented_control(key="inspector.zoom").set_value("zoom ×16").run()
    ok(at)
    layout = charts(at)["inspector.figure"]["layout"]
    (x0, x1) = layout["xaxis"]["range"]
    assert x1 - x0 == pytest.approx(4.0 / 16)


# ------------------------------------------------------------------ Scenarios


def test_there_are_at_least_six_scenarios_covering_the_brief():
    keys = {sc.key for sc in SCENARIOS}
    assert len(SCENARIOS) >= 6
    assert {"ravine_zigzag", "saddle_escape", "saddle_stuck", "divergence", "local_minimum", "plateau", "noisy"} <= keys
    for sc in SCENARIOS:
        assert sc.title and sc.watch and sc.claims and isinstance(sc.settings, Settings)
        assert 2 <= sc.watch.count(". ") + 1 <= 4, f"{sc.key}: two or three sentences"


@pytest.mark.parametrize("sc", SCENARIOS, ids=[s.key for s in SCENARIOS])
def test_scenario_round_trips_through_the_url(sc):
    s, notices = from_query(to_query(sc.settings))
    assert notices == []
    assert s.surface == sc.settings.surface and s.optimizers == sc.settings.optimizers
    assert s.start == sc.settings.start and s.steps == sc.settings.steps
    assert (s.noise, s.seed) == (sc.settings.noise, sc.settings.seed)
    for key in s.optimizers:
        assert s.hyperparameters(key) == sc.settings.hyperparameters(key)
    assert query_of(links.playground_url(sc.settings)) == to_query(sc.settings)


@pytest.mark.parametrize("sc", SCENARIOS, ids=[s.key for s in SCENARIOS])
def test_scenario_shows_what_it_claims(sc):
    runs = simulate(sc)
    failing = [c.text for c in sc.claims if not c.holds(runs)]
    assert failing == []


def test_scenario_specifics():
    by_key = {sc.key: sc for sc in SCENARIOS}
    stuck = simulate(by_key["saddle_stuck"])
    assert by_key["saddle_stuck"].settings.start[1] == 0.0
    assert all((run.path[:, 1] == 0.0).all() for run in stuck.values())
    div = simulate(by_key["divergence"])
    assert div["gd"].diverged_at is not None
    trap = simulate(by_key["local_minimum"])
    camel = surfaces.get("six_hump_camel")
    end = trap["gd"].path[-1]
    assert min(np.linalg.norm(np.array(camel.minima) - end, axis=1)) > 1.0  # nowhere near a global minimum
    assert trap["gd"].loss[-1] > camel.min_value + 0.5
    # the noisy scenario without its noise reaches the minimum to many digits, as its text says
    noisy = by_key["noisy"].settings
    for key in noisy.optimizers:
        clean = optimizers.simulate(key, surfaces.get(noisy.surface), noisy.start, noisy.steps, **noisy.hyperparameters(key))
        assert clean.loss[-1] < 1e-6


def test_scenarios_page_previews_and_links():
    at = open_page("pages/scenarios.py")
    figs = charts(at)
    urls = link_urls(at)
    assert len(urls) == 2 * len(SCENARIOS), "each scenario: open in the Playground, and present it"
    for sc, url, present in zip(SCENARIOS, urls[::2], urls[1::2], strict=True):
        assert url == links.playground_url(sc.settings)
        assert present == links.playground_url(replace(sc.settings, present=True)) and present.endswith("present=1")
        spec = figs[f"scenarios.{sc.key}.preview"]
        assert not spec.get("frames"), "a still preview"
        assert spec["layout"]["height"] <= 420
        labels = names(spec)
        for key in sc.settings.optimizers:
            assert any(n.startswith(optimizers.get(key).label) for n in labels), (sc.key, key)
    text = " ".join(m.value for m in at.markdown)
    assert "✗" not in text and text.count("✓") == sum(len(sc.claims) for sc in SCENARIOS)
    assert len(at.dataframe) == len(SCENARIOS)


# ------------------------------------------------------------------ When Adam fails


def test_adam_fails_page_shows_adam_at_plus_one_and_amsgrad_at_minus_one():
    at = open_page("pages/when_adam_fails.py")
    metrics = {m.label: m.value for m in at.metric}
    adam, ams = float(metrics["Adam: final x"]), float(metrics["AMSGrad: final x"])
    assert adam > 0.95 and ams < -0.85
    assert metrics["steps"] == f"{reddi.FIG1_PERIODS * 101:,}"
    figs = charts(at)
    assert {"Adam", "AMSGrad"} <= set(names(figs["adam_fails.fig1.x"]))
    assert names(figs["adam_fails.fig1.regret"]) == ["Adam", "AMSGrad"]
    assert {"Adam", "AMSGrad"} <= set(names(figs["adam_fails.thm1.x"]))
    # the theorem's C slider drives its runs
    at.select_slider(key="adam_fails.thm1.C").set_value(10.0).run()
    ok(at)
    finals = [float(m.value) for m in at.metric if m.label.endswith("final x")]
    assert finals[-2] > 0.99 and finals[-1] < -0.95
    assert any(re.search(r"0\.0099", lx.value) for lx in at.latex), "β₂ = 1/(1 + C²) shown for C = 10"


def test_a_scenario_offers_its_downloads():
    at = open_page("pages/scenarios.py")
    key = SCENARIOS[0].key
    at.toggle(key=f"scenarios.{key}.downloads").set_value(True).run()
    assert not at.exception
    keys = {b.key for b in at.get("download_button")}
    assert {f"scenarios.{key}.dl_png", f"scenarios.{key}.dl_html", f"scenarios.{key}.dl_csv"} <= keys, keys
    assert any(b.key == f"scenarios.{key}.dl_gif.make" for b in at.button)


def test_the_lessons_numbers_are_computed_from_the_surfaces():
    """Curvature ratio and gradient ratio are different numbers (50 and 20 on the stretched bowl): the text says which."""
    at = open_page("pages/how_adam_works.py")
    text = " ".join(m.value for m in at.markdown)
    assert "curves 50 times more sharply across than along" in text
    assert "the curvature along y is 50 times the one along x" in text
    assert "the gradient is (-1, 20), 20 times larger along y" in text
    assert "steady state" in text
    assert "only ever shrinks (the step itself still grows with g)" in optimizers.get("adagrad").summary


def test_the_modules_plotly_reads_without_importing_are_imported_before_any_page_runs():
    """plotly takes pandas and PIL.Image from sys.modules without waiting for an import in progress in another
    session's thread (a half-imported pandas gave a traceback when two first pages ran at once on a fresh server):
    app.py imports both before its navigation runs a page, so every session waits for the one import."""
    import ast
    from pathlib import Path

    from _plotly_utils import basevalidators

    read = set(re.findall(r'get_module\("([\w.]+)", should_load=False\)', Path(basevalidators.__file__).read_text()))
    assert "pandas" in read, read  # what this guards against is still there
    tree = ast.parse((Path(__file__).parents[1] / "app.py").read_text())
    imported, first_run = set(), None
    for i, node in enumerate(tree.body):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        if "page.run()" in ast.unparse(node) and first_run is None:
            first_run = i
    assert first_run is not None and {"pandas", "PIL.Image"} <= imported
    assert all(i < first_run for i, n in enumerate(tree.body) if isinstance(n, ast.Import))
