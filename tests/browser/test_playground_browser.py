"""The Playground in a real headless Chromium: the chart renders, sliders redraw it, Play animates, links restore."""

from __future__ import annotations

import pytest
from browser_helpers import CHART, CHART_DATA, open_app, shot, wait_idle

pytestmark = pytest.mark.browser


def current_step(pg) -> str:
    """The label plotly shows above the step slider ("step 121")."""
    return pg.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot .slider-container text'))
                                    .map(t => t.textContent).find(t => t.startsWith('step ')) || null""")


def slider(pg, key: str):
    """The thumb of the slider with this key (an <input type=range>, role slider)."""
    return pg.locator(f".st-key-{key.replace('.', '-')}").get_by_role("slider")


def test_page_renders_the_chart(page, app_url):
    open_app(page, app_url)
    chart = page.locator(".js-plotly-plot").first
    assert chart.locator("svg.main-svg").count() >= 1
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 10  # paths, loss curves, markers
    assert page.locator(".js-plotly-plot .imagelayer image").count() == 1  # the contour picture
    assert page.get_by_role("heading", name="Optimizer Playground").is_visible()
    shot(page, "browser_landing")
    shot(chart, "browser_chart")


def test_keyboard_moves_the_alpha_slider_and_redraws(page, app_url):
    open_app(page, app_url)
    thumb = slider(page, "adam.lr")
    before_value = thumb.get_attribute("aria-valuetext")
    before_data = page.evaluate(CHART_DATA)
    thumb.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("(before) => (" + CHART_DATA + ")() !== before", arg=before_data, timeout=15_000)
    wait_idle(page)
    after_value = slider(page, "adam.lr").get_attribute("aria-valuetext")
    assert (before_value, after_value) == ("0.05", "0.068")
    assert "adam.lr=0.068" in page.url
    shot(page.locator(".js-plotly-plot").first, "browser_chart_after_alpha")


def test_play_moves_the_markers(page, app_url):
    open_app(page, app_url)
    chart = page.locator(".js-plotly-plot").first
    assert current_step(page) == "step 0"
    first = shot(chart, "browser_play_before").read_bytes()
    page.locator(".js-plotly-plot .updatemenu-button", has_text="▶ Play").click()
    page.wait_for_function("() => { const t = Array.from(document.querySelectorAll('.js-plotly-plot .slider-container text'))"
                           ".map(t => t.textContent).find(t => t.startsWith('step ')); return t && t !== 'step 0'; }",
                           timeout=10_000)
    page.wait_for_timeout(1500)
    page.locator(".js-plotly-plot .updatemenu-button", has_text="Pause").click()
    step = current_step(page)
    assert step and int(step.split()[1]) > 0
    second = shot(chart, "browser_play_after").read_bytes()
    assert first != second
    # the head markers moved: the animated trace's points are not where they started
    moved = page.evaluate("""() => {
        const gd = document.querySelector('.js-plotly-plot');
        const pos = gd._fullData.find(t => t.name === 'position');
        return [pos.x[pos.x.length - 1], pos.y[pos.y.length - 1]];
    }""")
    assert moved != [-1.5, 2.0]
    page.wait_for_timeout(300)
    assert current_step(page) == step, "Pause stops the animation"
    # plotly.js rejects the interrupted animation's promise and nobody catches it: a bare "undefined" page error
    page.page_errors[:] = [e for e in page.page_errors if e != "undefined"]


def test_a_share_link_restores_the_state(page, app_url):
    open_app(page, app_url, "?surface=beale&opt=adam,nag&adam.lr=0.01")
    assert page.locator(".st-key-surface").get_by_role("combobox").input_value() == "Beale"
    tags = page.locator(".st-key-optimizers").inner_text()
    assert "Adam" in tags and "Nesterov (NAG)" in tags and "RMSProp" not in tags
    assert slider(page, "adam.lr").get_attribute("aria-valuetext") == "0.01"
    assert page.locator('[data-testid="stAlert"]').count() == 0
    names = page.evaluate("document.querySelector('.js-plotly-plot').data.map(t => t.name)")
    assert "Adam" in names and "Nesterov (NAG)" in names and "Gradient descent" not in names
    assert "surface=beale" in page.url and "adam.lr=0.01" in page.url
    shot(page, "browser_share_link")


def test_a_malformed_link_shows_a_notice_and_the_defaults(page, app_url):
    open_app(page, app_url, "?surface=nope&steps=abc&adam.beta1=1&foo=bar")
    alerts = page.locator('[data-testid="stAlert"]')
    text = "\n".join(alerts.all_inner_texts())
    for needle in ("'nope'", "steps", "adam.beta1", "'foo'"):
        assert needle in text, text
    assert page.locator(".st-key-surface").get_by_role("combobox").input_value() == "Rosenbrock"
    assert page.locator(CHART).count() >= 1
    shot(page, "browser_malformed_link")


OVERLAPS = """() => {
  // panel titles (annotations), the legend and the axis titles: no two may overlap
  const boxes = Array.from(document.querySelectorAll('.js-plotly-plot .annotation, .js-plotly-plot .legend .bg,'
                                                     + ' .js-plotly-plot .infolayer .g-xtitle, .js-plotly-plot .infolayer .g-x2title'))
    .map(e => [e.textContent || 'legend', e.getBoundingClientRect()]).filter(([, r]) => r.width > 0);
  const hits = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, r] = boxes[i], [b, s] = boxes[j];
    const meet = r.left < s.right && s.left < r.right && r.top < s.bottom && s.top < r.bottom;
    if (meet) hits.push(a.slice(0, 20) + ' / ' + b.slice(0, 20));
  }
  return hits;
}"""


def test_views_switch_without_errors(page, app_url):
    open_app(page, app_url)
    assert page.evaluate(OVERLAPS) == []
    for label, name in (("Side by side", "multiples"), ("3-D", "3d")):
        page.locator(".st-key-view").get_by_text(label, exact=True).click()
        page.wait_for_function("(v) => location.search.includes('view=' + v)", arg=name)
        wait_idle(page)
        page.wait_for_selector(CHART)
        shot(page, f"browser_view_{name}")
        if name == "multiples":
            assert page.evaluate(OVERLAPS) == [], "legend, panel titles and axis titles must not overlap"
    assert page.locator(".js-plotly-plot .gl-container, .js-plotly-plot canvas").count() >= 1  # WebGL scene drew


def test_clicking_the_map_moves_the_start(page, app_url):
    open_app(page, app_url)
    plot = page.locator(".js-plotly-plot .nsewdrag[data-subplot=xy]")
    plot.scroll_into_view_if_needed()
    box = plot.bounding_box()
    (x0, x1), (y0, y1) = (-2.0, 2.0), (-1.0, 3.0)  # Rosenbrock's box
    x, y = 0.5, 0.5
    px, py = box["x"] + (x - x0) / (x1 - x0) * box["width"], box["y"] + (y1 - y) / (y1 - y0) * box["height"]
    page.mouse.move(px, py)
    page.mouse.click(px, py)
    page.wait_for_function("() => location.search.includes('x=')")
    wait_idle(page)
    got = float(page.locator(".st-key-start_x input").input_value()), float(page.locator(".st-key-start_y input").input_value())
    assert abs(got[0] - x) < 0.2 and abs(got[1] - y) < 0.2, got
    shot(page.locator(".js-plotly-plot").first, "browser_clicked_start")


def test_divergence_badge_in_the_browser(page, app_url):
    open_app(page, app_url, "?gd.lr=1")
    badge = page.get_by_text("Gradient descent diverged at step")
    badge.wait_for()
    assert badge.is_visible()
    shot(page, "browser_divergence")
