"""Adam's knobs: every claim of pages/adams_knobs.py, asserted against the engine's own numbers; then the page itself.

Each test names the number it asserts. The claims come from teaching/knobs.py; where a claim is an identity of the
update rule, the test recomputes it from the engine's recorded state (torch's exp_avg, exp_avg_sq), not from the
module, so a wrong formula in either place fails.

Last, the page's settings in its URL (ui/knobs_settings.py): a link shows them, a change is written back, a bad value
falls back with one inert notice, and a visit to another page keeps them and puts them back in the address.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import optimizers
import surfaces
from teaching import knobs
from ui import knobs_settings as ks
from ui.widgets import inert

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGE = "pages/adams_knobs.py"


def _hats(traj, beta1, beta2):
    t = np.arange(1, traj.path.shape[-2])[:, None]
    return traj.state["exp_avg"][1:] / (1 - beta1**t), traj.state["exp_avg_sq"][1:] / (1 - beta2**t)


# ------------------------------------------------------------------ 1. sign descent


def test_adam_with_zero_betas_is_sign_descent():
    """β₁ = β₂ = 0, ε = 1e-12: every coordinate of every step is exactly α (to 1e-9 relative), against −sign(g)."""
    bowl = surfaces.get(knobs.SIGN_SURFACE)
    lr = knobs.SIGN_LR
    traj = optimizers.simulate("adam", bowl, knobs.SIGN_START, knobs.SIGN_STEPS, lr=lr, betas=(0.0, 0.0), eps=1e-12)
    step = np.diff(traj.path, axis=0)
    np.testing.assert_allclose(np.abs(step), lr, rtol=1e-9, atol=0)
    assert (np.sign(step) == -np.sign(traj.grad)).all()
    assert knobs.sign_descent()["deviation"] < 1e-9
    # the diagonal: both coordinates move together until y first crosses its minimum (13 steps from y = 1.35)
    assert np.sign(step[:13, 0]).tolist() == [1.0] * 13 and np.sign(step[:13, 1]).tolist() == [-1.0] * 13


def test_adam_with_zero_betas_follows_sign_descent_written_out():
    """The page's reference line is θ ← θ − α·sign(g) computed without Adam: Adam at β₁ = β₂ = 0 stays within 1e-9 of it
    over every step (measured 1.3e-11: a step differs by α·ε/(|g| + ε)); the caption reports this distance."""
    bowl = surfaces.get(knobs.SIGN_SURFACE)
    reference = [np.array(knobs.SIGN_START)]
    for _ in range(knobs.SIGN_STEPS):
        reference.append(reference[-1] - knobs.SIGN_LR * np.sign(bowl.grad(reference[-1])))
    r = knobs.sign_descent()
    np.testing.assert_array_equal(r["path_sign"], np.array(reference))
    assert 0 < r["gap_zero"] < 1e-9 and r["gap"] == r["gap_zero"]
    np.testing.assert_allclose(r["ratio_sign"], 1.0, rtol=1e-12)  # up to the rounding of θ − α·sign(g)
    adam = optimizers.simulate("adam", bowl, knobs.SIGN_START, knobs.SIGN_STEPS, lr=knobs.SIGN_LR, betas=(0.0, 0.0),
                               eps=knobs.SIGN_EPS).path
    assert r["gap_zero"] == pytest.approx(np.linalg.norm(adam - np.array(reference), axis=1).max(), rel=1e-12)


def test_nonzero_betas_leave_sign_descent():
    r = knobs.sign_descent(0.9, 0.999)
    lo, hi = r["spread"]
    assert lo < 0.1 and hi > 0.99  # steps from under 0.1 α up to α: no longer one size
    assert r["gap"] > 0.3 and r["gap_zero"] < 1e-9  # measured 0.47: the run leaves the band


# ------------------------------------------------------------------ 2. ε as a dial


def test_large_eps_is_momentum_sgd_with_learning_rate_alpha_over_eps():
    """ε = 1e3, α = 50 (α/ε = 0.05). Per step the engine's Δθ is −(α/ε)·m̂·ε/(√v̂ + ε): its relative gap to −(α/ε)·m̂
    is √v̂/(√v̂ + ε) ≤ max|g|/ε = 20/1000 = 0.02. That is the tolerance, for the steps and for the whole path against
    the independent loop θ ← θ − (α/ε)·m̂ (measured: 0.0196 per step, 0.0079 over the path)."""
    eps, lr = 1e3, 50.0
    r = knobs.eps_dial(eps, lr=lr)
    bound = r["bound"]
    assert bound == pytest.approx(0.02)
    assert r["step_gap"] <= bound and r["path_gap"] <= bound
    # the exact per-step identity, from the engine's state
    surface = surfaces.get(knobs.EPS_SURFACE)
    traj = optimizers.simulate("adam", surface, surface.start, knobs.EPS_STEPS, lr=lr, eps=eps)
    m_hat, v_hat = _hats(traj, 0.9, 0.999)
    ratio = np.diff(traj.path, axis=0) / (-(lr / eps) * m_hat)
    np.testing.assert_allclose(ratio, eps / (np.sqrt(v_hat) + eps), rtol=1e-9)
    # and the limit itself is the momentum method's path: at ε = 1e6 the gap falls a thousandfold
    assert knobs.eps_dial(1e6, lr=0.05 * 1e6)["path_gap"] < 2e-5


def test_small_eps_is_not_momentum():
    assert knobs.eps_dial(1e-8)["step_gap"] > 0.99  # √v̂ ≫ ε: nothing like −(α/ε)·m̂


# ------------------------------------------------------------------ 3. scale invariance


def test_adam_is_scale_invariant_gradient_descent_is_not():
    """Loss × 1000: Adam's path moves < 1e-6 (ε = 1e-12: < 1e-10; default ε = 1e-8: < 1e-6); GD's diverges."""
    tiny = knobs.scale_invariance(1000.0, eps=1e-12)
    assert tiny["adam_gap"] < 1e-10
    default = knobs.scale_invariance(1000.0)
    assert default["adam_gap"] < 1e-6
    assert default["gd_diverged_at"] is not None and default["gd_diverged_at"] <= 10
    assert np.isfinite(default["gd"]).all()  # at scale 1 the same α is fine
    assert default["gd_gap"] == np.inf
    # the ε caveat is real: a large ε breaks the invariance
    assert knobs.scale_invariance(1000.0, eps=1.0)["adam_gap"] > 0.1


# ------------------------------------------------------------------ 4. β₂ and a lagging v


def test_slow_beta2_gives_oversized_steps_when_the_gradient_grows():
    """Plateau of 500 steps, then a 100× steeper slope: at β₂ = 0.999 the largest step after the change is 4.34 α (> 4 α);
    at β₂ = 0.9 = β₁ no step exceeds α (Jensen: |m̂| ≤ √v̂ with equal weights)."""
    r = knobs.lagging_v(0.999, 500)
    slow, fast = r["after"]
    assert slow > 4.0 and slow > fast
    assert fast <= 1.0 + 1e-12
    assert r["before"].max() < 1.01  # on the plateau both step about α
    assert (r["ratio"][1] <= 1.0 + 1e-12).all()
    assert knobs.lagging_v(0.9999, 500)["after"][0] > slow  # slower still: larger still


# ------------------------------------------------------------------ 5. Adam + L2 against AdamW


def test_l2_decay_is_divided_by_sqrt_v_adamw_decay_is_alpha_lambda_theta():
    lam, lr = 0.4, knobs.DECAY_LR
    surface = knobs.shifted_bowl()
    l2 = optimizers.simulate("adam", surface, surface.start, knobs.DECAY_STEPS, lr=lr, weight_decay=lam)
    # L2: the decay enters m (and v) with the gradient: m is the running mean of g + λθ
    m = np.zeros(2)
    for k in range(knobs.DECAY_STEPS):
        m = 0.9 * m + 0.1 * (l2.grad[k] + lam * l2.path[k])
        np.testing.assert_allclose(l2.state["exp_avg"][k + 1], m, rtol=1e-12, atol=1e-15)
    _, v_hat = _hats(l2, 0.9, 0.999)
    kappa = lr * lam / (np.sqrt(v_hat) + 1e-8)
    r = knobs.weight_decay(lam)
    np.testing.assert_allclose(r["kappa"], kappa, rtol=1e-12)
    assert r["ratio"] == pytest.approx(np.sqrt(v_hat[-1, 1] / v_hat[-1, 0]), rel=1e-6)
    assert r["ratio"] > 20  # measured 26.0: the shallow x is decayed 26 times harder than the steep y
    np.testing.assert_allclose(l2.path[-1], r["regularized_min"], atol=1e-3)  # L2 ends at argmin f + ½λ|θ|²
    # AdamW: the engine's step minus its Adam part is −αλθ exactly, the same for both coordinates
    np.testing.assert_allclose(r["adamw_decay"], -lr * lam * r["theta_w"], rtol=1e-9, atol=1e-15)
    assert r["adamw"][-1, 1] < r["l2"][-1, 1] and r["adamw"][-1, 0] > r["l2"][-1, 0]


# ------------------------------------------------------------------ 6. edge of stability


def test_gradient_descent_is_stable_below_two_over_lambda_max_only():
    """α = 1.9/λ_max: |x_t| = 0.9^t → 1.9e-14 after 300 steps; α = 2.1/λ_max: 1.1^t → 2.6e12."""
    r = knobs.gd_edge(0.1)
    t = np.arange(knobs.EOS_GD_STEPS + 1)
    np.testing.assert_allclose(r["x"][0], 0.9**t, rtol=1e-9)
    np.testing.assert_allclose(r["x"][1], 1.1**t, rtol=1e-9)
    assert r["x"][0, -1] < 1e-10 and r["x"][1, -1] > 1e10
    assert r["norm"][0, -1] < r["norm"][0, 0]  # the whole point converges (y too, more slowly)


@pytest.mark.parametrize("beta1", [0.0, 0.5, 0.9])
def test_adam_hovers_at_its_own_limit(beta1):
    """Adam's preconditioned sharpness settles at (2 + 2β₁)/((1 − β₁)α): 2/α, 6/α, 38/α; median of the second half
    within 10% (measured 1.000, 1.015, 0.985)."""
    assert knobs.momentum_threshold(0.9) == pytest.approx(38.0)
    r = knobs.adam_edge(beta1)
    assert r["limit"] == pytest.approx(knobs.momentum_threshold(beta1) / knobs.EOS_ADAM_LR)
    assert 0.9 < r["late"] < 1.1
    assert r["sharpness"][:100].max() < 0.5 * r["limit"]  # it starts far below and rises


# ------------------------------------------------------------------ 7. warm-up and RAdam


def test_radam_adapts_from_the_first_t_with_rho_above_5():
    """β₂ = 0.999: ρ₅ = 4.996, ρ₆ = 5.994, so the first adaptive step is t = 6 (the paper's ρ > 4: t = 5)."""
    assert knobs.rho(5, 0.999) < 5 < knobs.rho(6, 0.999)
    assert knobs.first_adaptive_step(0.999) == 6
    assert knobs.first_adaptive_step(0.999, 4.0) == 5
    lr, b2 = 0.01, 0.999
    r = knobs.radam_steps(b2, steps=12, lr=lr)
    assert r["momentum"].tolist() == [True] * 5 + [False] * 7  # steps 1-5: −α·m̂ₜ exactly; from 6: adapted
    # step 6 is the rectified Adam step, rₜ from the formula
    surface = surfaces.get("stretched_bowl")
    traj = optimizers.simulate("radam", surface, surface.start, 6, lr=lr, beta2=b2)
    m_hat, _ = _hats(traj, 0.9, b2)
    rho_inf, rho6 = 2 / (1 - b2) - 1, knobs.rho(6, b2)
    r6 = np.sqrt((rho6 - 4) * (rho6 - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho6))
    expected = -lr * m_hat[5] * r6 * np.sqrt(1 - b2**6) / (np.sqrt(traj.state["exp_avg_sq"][6]) + 1e-8)
    np.testing.assert_allclose(traj.path[6] - traj.path[5], expected, rtol=1e-10)


def test_warmup_demo_numbers():
    r = knobs.warmup(0.999, 100)
    lo, hi = r["band"][0], r["band"][2]
    assert hi[0] / lo[0] > 5 and hi[-1] / lo[-1] < 1.2  # t = 1: ×9.7 between the 10th and 90th percentile; t = 500: ×1.08
    t = r["t"]
    rho_inf, rho_t = 2 / 0.001 - 1, knobs.rho(t, 0.999)
    with np.errstate(invalid="ignore"):
        formula = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
    assert np.isnan(r["rectifier"][:5]).all()
    np.testing.assert_allclose(r["rectifier"][5:], formula[5:], rtol=1e-8)
    np.testing.assert_allclose(r["warm"], 0.01 + 0.99 * np.minimum(t - 1, 100) / 100, rtol=1e-12)


# ------------------------------------------------------------------ 8. spot the bug


def test_spot_the_bug_lines():
    surface = knobs.bug_surface()
    paths = knobs.spot_the_bug()
    engine = optimizers.simulate("adam", surface, surface.start, knobs.BUG_STEPS, lr=knobs.BUG_LR)
    np.testing.assert_array_equal(paths["correct"], engine.path)
    # the hand-written loop with the bug switched off is the engine's Adam: only the bug differs
    np.testing.assert_allclose(knobs.adam_loop(surface, surface.start, knobs.BUG_STEPS, knobs.BUG_LR), engine.path,
                               rtol=0, atol=1e-9)
    for key in ("no_bias_correction", "eps_in_root", "betas_swapped"):
        assert np.abs(paths[key] - paths["correct"]).max() > 0.5, key
    first = {k: np.abs(p[1] - p[0]) / knobs.BUG_LR for k, p in paths.items()}
    np.testing.assert_allclose(first["correct"], 1.0, rtol=1e-3)  # sign g₁, up to ε/|g₁|
    np.testing.assert_allclose(first["no_bias_correction"], 0.1 / np.sqrt(0.001), rtol=1e-2)
    assert (first["eps_in_root"] < 0.9).all()
    assert sorted(knobs.QUIZ) == sorted(knobs.BUGS) and len(set(knobs.QUIZ)) == 4


# ------------------------------------------------------------------ the page, through app.py


def _open() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(PAGE).run()
    _ok(at)
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, "\n".join(e.message + "\n" + "\n".join(e.stack_trace) for e in at.exception)


def _charts(at: AppTest) -> dict[str, dict]:
    return {el.proto.id.split("-", 2)[-1]: json.loads(el.proto.spec) for el in at.get("plotly_chart")}


def _values(v) -> np.ndarray:
    if isinstance(v, dict):  # plotly's binary form
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"])).astype(float)
    return np.array([np.nan if x is None else x for x in v], dtype=float)


def _trace(spec: dict, name: str) -> dict:
    return next(d for d in spec["data"] if d.get("name") == name)


KEYS = ("sign", "eps", "scale", "lag", "decay", "edge", "warmup", "bug")


def test_page_renders_every_demo_with_anchors():
    at = _open()
    assert at.title[0].value == "Adam's knobs"
    anchors = [h.proto.anchor for h in at.header]
    assert anchors == ["sign-descent", "epsilon", "scale", "beta2-lag", "weight-decay", "edge-of-stability", "warm-up",
                       "spot-the-bug"]
    toc = next(m.value for m in at.markdown if "](#" in m.value)
    assert all(f"(#{a})" in toc for a in anchors)
    figs = _charts(at)
    assert {f"knobs.{k}.chart" for k in KEYS} <= set(figs)
    keys = [w.key for w in (*at.select_slider, *at.toggle, *at.radio)]
    assert len(keys) == 13 and all(k.startswith("knobs.") for k in keys)
    # a figure's numbers are the engine's: Adam at ε = 10 on the stretched bowl, once the ε slider is slid up
    at.select_slider(key="knobs.eps.eps").set_value(10.0).run()
    _ok(at)
    bowl = surfaces.get(knobs.EPS_SURFACE)
    path = optimizers.simulate("adam", bowl, bowl.start, knobs.EPS_STEPS, lr=knobs.EPS_LR, eps=10.0).path
    trace = _trace(_charts(at)["knobs.eps.chart"], "Adam, ε = 10")
    np.testing.assert_allclose(_values(trace["x"]), path[:, 0], rtol=1e-6)


def test_page_widgets_drive_their_demo():
    at = _open()
    at.select_slider(key="knobs.sign.beta1").set_value(0.9)
    at.select_slider(key="knobs.sign.beta2").set_value(0.999)
    at.toggle(key="knobs.scale.times1000").set_value(True)
    at.select_slider(key="knobs.eps.eps").set_value(1e-08)
    at.run()
    _ok(at)
    figs = _charts(at)
    assert "Adam, β₁ = 0.9, β₂ = 0.999" in [d.get("name") for d in figs["knobs.sign.chart"]["data"]]
    names = [d.get("name") for d in figs["knobs.scale.chart"]["data"]]
    assert "Adam, loss × 1000" in names and "gradient descent, loss × 1000" in names
    assert not any(str(n).startswith("momentum") for n in (d.get("name") for d in figs["knobs.eps.chart"]["data"]))


def test_spot_the_bug_reveals_after_an_answer():
    at = _open()
    assert at.radio(key="knobs.bug.answer").value is None
    names = [d.get("name") for d in _charts(at)["knobs.bug.chart"]["data"] if d.get("name")]
    assert names[:4] == ["line A", "line B", "line C", "line D"]  # nothing given away before the answer
    right = "ABCD"[knobs.QUIZ.index("correct")]
    wrong = next(a for a in "ABCD" if a != right)
    at.radio(key="knobs.bug.answer").set_value(wrong).run()
    _ok(at)
    assert at.error and not at.success
    at.radio(key="knobs.bug.answer").set_value(right).run()
    _ok(at)
    assert at.success and not at.error
    names = [d.get("name") for d in _charts(at)["knobs.bug.chart"]["data"] if d.get("name")]
    assert f"{right}: {knobs.BUGS['correct'][0]}" in names


def test_the_demos_keep_their_settings_when_the_page_is_left_and_re_entered():
    at = _open()
    at.select_slider(key="knobs.eps.eps").set_value(0.1)
    at.toggle(key="knobs.scale.times1000").set_value(True)
    at.radio(key="knobs.bug.answer").set_value("B")
    at.run()
    toggles = {t.key: t.value for t in at.toggle}
    at.switch_page("pages/inspector.py").run()
    at.switch_page(PAGE).run()
    _ok(at)
    assert at.select_slider(key="knobs.eps.eps").value == 0.1
    assert at.radio(key="knobs.bug.answer").value == "B"
    assert {t.key: t.value for t in at.toggle} == toggles


def test_sign_descent_reference_shows_under_the_run_and_the_caption_measures_their_distance():
    """At β₁ = β₂ = 0 the run lies exactly on the reference: the reference is drawn wider (a translucent band) and first
    (under the run), so both show; the caption states the distance measured between them, not a constant."""
    at = _open()
    spec = _charts(at)["knobs.sign.chart"]
    names = [d.get("name") for d in spec["data"]]
    band = next(d for d in spec["data"] if str(d.get("name")).startswith("sign descent"))
    run = _trace(spec, "Adam, β₁ = 0, β₂ = 0")
    assert names.index(band["name"]) < names.index(run["name"])  # drawn first: underneath
    assert band["line"]["width"] >= 3 * run["line"]["width"] and "rgba" in band["line"]["color"]
    r = knobs.sign_descent()
    caption = next(c.value for c in at.caption if c.value.startswith("Stretched bowl, start"))
    assert f"never more than {r['gap_zero']:.1e} apart" in caption and "coincide" in caption
    at.select_slider(key="knobs.sign.beta1").set_value(0.9).run()
    _ok(at)
    caption = next(c.value for c in at.caption if c.value.startswith("Stretched bowl, start"))
    assert f"up to {knobs.sign_descent(0.9, 0.0)['gap']:.3g} away" in caption and "coincide" not in caption


def _fonts(spec: dict) -> dict:
    """The type sizes a chart's spec sets: its base font (ticks), legend, panel titles and labels, and its height."""
    layout = spec["layout"]
    axes = [v for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))]
    return dict(font=layout["font"]["size"], legend=layout["legend"]["font"]["size"],
                ticks=[a.get("tickfont", {}).get("size") for a in axes],
                axis_titles=[a.get("title", {}).get("font", {}).get("size") for a in axes if a.get("title", {}).get("text")],
                notes=[a.get("font", {}).get("size", layout["font"]["size"]) for a in layout.get("annotations", [])],
                height=layout["height"])


def test_projector_mode_enlarges_every_chart_and_survives_a_visit_to_another_page():
    """Off: 12 px type and legend, 16 px panel titles. On: every chart's ticks, axis titles, legend and panel titles at
    least 20 px (the axes' explicitly: Streamlit's chart theme overrides the layout's font there), and each chart as tall
    as fits a 1024×768 projector together with the controls above it (708 px below the app's header less about 110 px
    of controls); the toggle keeps its value after a visit to another page, like the demos' own settings."""
    at = _open()
    assert at.toggle(key="knobs.present").value is False
    before = {k: _fonts(v) for k, v in _charts(at).items()}
    assert all(f["font"] == 12 and f["legend"] == 12 and not any(f["ticks"]) for f in before.values())
    assert 16 in before["knobs.sign.chart"]["notes"]  # the panel titles
    at.toggle(key="knobs.present").set_value(True).run()
    _ok(at)
    after = {k: _fonts(v) for k, v in _charts(at).items()}
    assert set(after) == set(before) >= {f"knobs.{k}.chart" for k in KEYS}
    for key, f in after.items():
        assert f["font"] >= 20 and f["legend"] >= 20 and all(n >= 20 for n in f["notes"]), key
        assert f["ticks"] and all(t is not None and t >= 20 for t in [*f["ticks"], *f["axis_titles"]]), key
        # a chart and its sliders on one 768-px screen: 480 to 560 px, its top strip included
        assert 480 <= f["height"] <= 560, key
    assert min(after["knobs.sign.chart"]["notes"]) >= 24  # the panel titles
    at.select_slider(key="knobs.eps.eps").set_value(0.1).run()
    at.switch_page("pages/inspector.py").run()
    at.switch_page(PAGE).run()
    _ok(at)
    assert at.toggle(key="knobs.present").value is True
    assert at.select_slider(key="knobs.eps.eps").value == 0.1
    assert {k: _fonts(v) for k, v in _charts(at).items()} == after
    at.toggle(key="knobs.present").set_value(False).run()
    _ok(at)
    assert {k: _fonts(v) for k, v in _charts(at).items()} == before


def test_projector_mode_puts_a_sliders_value_above_its_thumb():
    """The enlarged text of projector mode reaches a slider's value (a Markdown paragraph in Streamlit): its style keeps
    that value one line high and above the thumb, and moves the track down to make room, only in projector mode."""
    at = _open()
    styles = lambda: " ".join(el.proto.body for el in at.get("html"))  # noqa: E731
    assert "stSliderThumbValue" not in styles()
    at.toggle(key="knobs.present").set_value(True).run()
    _ok(at)
    css = styles()
    assert "[data-testid='stSliderThumbValue']{top:auto!important;bottom:calc(100% + 6px)}" in css
    assert "[data-testid='stSliderThumbValue'] p{font-size:1.25rem!important;line-height:1.2!important" in css
    assert "[data-testid='stSlider'] [role='group']{padding-top:1rem}" in css


def _log_axes(spec: dict) -> list[tuple[str, dict]]:
    return [(k, v) for k, v in spec["layout"].items() if k.startswith(("xaxis", "yaxis")) and v.get("type") == "log"]


@pytest.mark.parametrize("present", [False, True])
def test_every_log_axis_has_readable_labels(present):
    """plotly labels a short log axis with bare digits ("9 8 7 6" under 1, "2 5" between decades) in smaller type. Every
    log axis of the page gives its labels instead: 1, 2, 5 × 10ⁿ or powers of ten, each a number read alone, at most 7,
    inside the data's range, in the axis' type; any other grid line is an unlabelled minor one."""
    from teaching import figures

    at = _open()
    if present:
        at.toggle(key="knobs.present").set_value(True).run()
        _ok(at)
    seen = 0
    for key, spec in _charts(at).items():
        for name, axis in _log_axes(spec):
            seen += 1
            vals, text = axis["tickvals"], axis["ticktext"]
            assert axis["tickmode"] == "array" and 2 <= len(vals) <= 7 and len(text) == len(vals), (key, name)
            for v, label in zip(vals, text, strict=True):
                mantissa = v / 10 ** np.floor(np.log10(v) + 1e-9)
                assert round(mantissa, 6) in (1, 2, 5), (key, name, v)
                assert label == f"{v:g}" or label.startswith(("1", "10")), (key, name, label)
            assert "dtick" not in axis and axis.get("minor", {}).get("ticks", "") == "", (key, name)
    assert seen >= 6  # |gradient|, decay per step, both edge panels, the adaptive step and the warm-up's step t
    assert figures.log_axis(0.6, 7)["ticktext"] == ["1", "2", "5"]
    assert figures.log_axis(1e-12, 1e12)["ticktext"] == ["10⁻¹²", "10⁻⁸", "10⁻⁴", "1", "10⁴", "10⁸", "10¹²"]
    assert figures.log_axis(1, 2000, most=5)["ticktext"] == ["1", "10", "100", "1000"]


def test_the_warmup_labels_sit_right_of_the_lines_clear_of_the_y_axis():
    """"ρₜ > 4 from t = 5" anchored at its line's left would run into the y axis' labels on a phone: both labels start
    right of the later line, one under the other, where the rectifier and the warm-up are still near 0."""
    at = _open()
    notes = [a for a in _charts(at)["knobs.warmup.chart"]["layout"]["annotations"] if "from t =" in a.get("text", "")]
    r = knobs.warmup(0.999, 2000)
    assert [a["text"] for a in notes] == [f"ρₜ > 4 from t = {r['start_paper']}", f"ρₜ > 5 from t = {r['start']}"]
    assert all(a["xanchor"] == "left" and a["x"] == pytest.approx(np.log10(max(r["start"], r["start_paper"])))
               for a in notes)
    assert notes[0]["y"] - notes[1]["y"] >= 0.15  # one under the other
    t = np.arange(1, len(r["rectifier"]) + 1)
    assert np.nanmax(np.r_[r["rectifier"][t <= 30], r["warm"][t <= 30]]) < notes[1]["y"] - 0.15  # nothing drawn under them


def test_the_eps_caption_says_the_gap_as_a_share_of_the_momentum_step():
    at = _open()
    caption = next(c.value for c in at.caption if "momentum steps −(α/ε)·m̂ₜ" in c.value)
    assert f"by up to {knobs.eps_dial(1e-8)['step_gap']:.1%} of the momentum step's length" in caption
    assert "of its size" not in caption


def test_the_charts_keep_a_strip_for_the_mode_bar_above_their_titles():
    """plotly's toolbar covers a figure's top MODEBAR px at its right: every chart's top margin holds it, and, for a
    figure with panel titles, the titles (bottom-anchored at the panel's top) too; the legend sits at the bottom."""
    from teaching import figures

    at = _open()
    for key, spec in _charts(at).items():
        layout = spec["layout"]
        titles = [a for a in layout.get("annotations", []) if a.get("yanchor") == "bottom" and a.get("font", {}).get("size") == 16]
        assert layout["margin"]["t"] >= figures.MODEBAR + (20 if titles else 0), key
        assert layout["legend"]["yref"] == "container" and layout["legend"]["y"] == 0, key


# ------------------------------------------------------------------ the page's settings in its URL

RIGHT = "ABCD"[knobs.QUIZ.index("correct")]
# every setting off its first value (the quiz answered correctly: a wrong answer shows an error box)
FULL_LINK = {"present": "1", "sign.beta1": "0.9", "sign.beta2": "0.999", "eps.eps": "0.1", "scale.times1000": "1",
             "lag.beta2": "0.9999", "lag.plateau": "100", "decay.lam": "1", "edge.delta": "0.5", "edge.beta1": "0",
             "warmup.beta2": "0.99", "warmup.steps": "10", "bug.answer": RIGHT}


def _open_link(query: dict | None = None) -> AppTest:
    """The app at "/" (its st.navigation), then the page with `query` in its address, as a link opens it."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.query_params.clear()
    at.query_params.update(query or {})
    at.switch_page(PAGE).run()
    _ok(at)
    return at


def _query(at: AppTest) -> dict[str, str]:
    return {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()}


def _notices(at: AppTest) -> list[str]:
    """The link notices, as shown: one box (several problems are one box with a list), backslash-escaped (inert)."""
    return [w.value for w in at.warning if w.proto.icon == ":material/link_off:"]


def _shown(at: AppTest) -> dict:
    """Each setting as its widget holds it, by URL name."""
    def widget(name):
        key = ks.P + name
        return at.toggle(key=key) if name in ks.FLAGS else at.radio(key=key) if name == "bug.answer" else \
            at.select_slider(key=key)
    return {name: widget(name).value for name in ks.ORDER}


def test_a_link_with_every_setting_shows_them():
    at = _open_link(FULL_LINK)
    assert not _notices(at)
    v, _ = ks.from_query(FULL_LINK)
    assert _shown(at) == v and all(v[name] != ks.DEFAULTS[name] for name in ks.ORDER)
    # and the demos are drawn from them
    figs = _charts(at)
    assert all(_fonts(spec)["font"] >= 20 for spec in figs.values()), "projector mode"
    assert "Adam, β₁ = 0.9, β₂ = 0.999" in [d.get("name") for d in figs["knobs.sign.chart"]["data"]]
    assert "Adam, ε = 0.1" in [d.get("name") for d in figs["knobs.eps.chart"]["data"]]
    assert "Adam, loss × 1000" in [d.get("name") for d in figs["knobs.scale.chart"]["data"]]
    assert "LinearLR warm-up over 10 steps" in [d.get("name") for d in figs["knobs.warmup.chart"]["data"]]
    assert at.success and f"{RIGHT}: {knobs.BUGS['correct'][0]}" in [d.get("name") for d in figs["knobs.bug.chart"]["data"]]
    assert _query(at) == FULL_LINK


def test_the_page_as_it_opens_has_an_empty_query_and_a_change_is_written_to_it():
    at = _open_link()
    assert _query(at) == {} and _shown(at) == ks.DEFAULTS
    at.run()
    assert _query(at) == {}
    at.select_slider(key="knobs.eps.eps").set_value(0.1).run()
    assert _query(at) == {"eps.eps": "0.1"}
    at.toggle(key="knobs.present").set_value(True).run()
    at.select_slider(key="knobs.lag.plateau").set_value(300).run()
    at.radio(key="knobs.bug.answer").set_value("C").run()
    _ok(at)
    q = {"present": "1", "eps.eps": "0.1", "lag.plateau": "300", "bug.answer": "C"}
    assert _query(at) == q
    at.select_slider(key="knobs.eps.eps").set_value(1e-8).run()
    del q["eps.eps"]
    assert _query(at) == q, "back at its first value: nothing to say"
    again = _open_link(q)  # the address reopens what was shown
    assert not _notices(again) and _shown(again) == _shown(at) and _query(again) == q


@pytest.mark.parametrize("bad, named", [
    ({"eps.eps": "1e-3"}, "eps.eps='1e-3'"),  # a number, but not one of the slider's stops
    ({"lag.plateau": "250"}, "lag.plateau='250'"),
    ({"sign.beta1": "inf"}, "sign.beta1='inf'"),
    ({"present": "maybe"}, "present='maybe'"),
    ({"bug.answer": "E"}, "bug.answer='E'"),
    ({"beta1": "0.9", "eps": "1", "knobs.present": "1"}, "'beta1', 'eps', 'knobs.present'"),  # one notice for all
    ({"decay.lam": "**1**"}, "decay.lam='**1**'"),  # shown as typed, not bold
])
def test_a_bad_link_gives_one_notice_and_the_defaults(bad, named):
    at = _open_link(bad)
    boxes = _notices(at)
    assert len(boxes) == 1 and inert(named) in boxes[0], boxes  # inert: Markdown characters backslash-escaped
    assert _shown(at) == ks.DEFAULTS and _query(at) == {}  # the bad value is gone from the address
    at.select_slider(key="knobs.edge.delta").set_value(0.5).run()
    assert not _notices(at), "the notice goes with the first change"


def test_many_bad_values_give_a_few_notices_in_one_box():
    bad = {name: "x" for name in ks.ORDER}
    v, problems = ks.from_query(bad)
    assert v == ks.DEFAULTS and len(problems) == 5 and problems[-1].startswith(f"…and {len(ks.ORDER) - 4} more")
    at = _open_link(bad)
    assert len(at.warning) == 1 and at.warning[0].value.count("\n- ") == 5
    assert _shown(at) == ks.DEFAULTS and _query(at) == {}


def test_the_settings_and_their_query_survive_a_visit_to_another_page():
    at = _open_link({"sign.beta2": "0.5", "present": "1"})
    at.select_slider(key="knobs.warmup.steps").set_value(100).run()
    at.radio(key="knobs.bug.answer").set_value("A").run()
    before = _shown(at)
    assert _query(at) == {"present": "1", "sign.beta2": "0.5", "warmup.steps": "100", "bug.answer": "A"}
    at.switch_page("pages/inspector.py").run()
    _ok(at)
    at.query_params.clear()  # another page's address carries no query of this page
    at.switch_page(PAGE).run()
    _ok(at)
    assert _shown(at) == before and not _notices(at)
    # the address comes back without a history entry: written by the browser (a zero-height script)
    assert any("replaceState" in el.proto.srcdoc and "?present=1&sign.beta2=0.5&warmup.steps=100&bug.answer=A"
               in el.proto.srcdoc for el in at.get("iframe"))


# the pure round trip: every stop of every slider, both positions of each switch, every answer

SETTINGS = ([(name, value) for name, (stops, _) in ks.PICKS.items() for value in stops]
            + [(name, flag) for name in ks.FLAGS for flag in (True, False)]
            + [("bug.answer", a) for a in (None, *ks.ANSWERS)])


@pytest.mark.parametrize("name, value", SETTINGS)
def test_every_stop_round_trips_through_the_url(name, value):
    v = {**ks.DEFAULTS, name: value}
    q = ks.to_query(v)
    assert q == ({} if value == ks.DEFAULTS[name] else {name: q[name]})
    assert ks.from_query(q) == (v, [])


def test_every_setting_at_once_round_trips_and_other_spellings_are_read():
    v, problems = ks.from_query(FULL_LINK)
    assert problems == [] and ks.to_query(v) == FULL_LINK and list(ks.to_query(v)) == list(ks.ORDER)
    for name, (stops, default) in ks.PICKS.items():  # the other end of every slider
        v = {**ks.DEFAULTS, name: stops[0] if stops[0] != default else stops[-1]}
        assert ks.from_query(ks.to_query(v)) == (v, [])
    v, problems = ks.from_query({"eps.eps": "1e-2", "lag.plateau": "1e2", "present": "on", "sign.beta1": ".5"})
    assert problems == [] and ks.to_query(v) == {"present": "1", "sign.beta1": "0.5", "eps.eps": "0.01",
                                                 "lag.plateau": "100"}
    assert ks.from_query({}) == (ks.DEFAULTS, []) and ks.to_query(ks.DEFAULTS) == {}
