"""The teaching pages in a real headless Chromium: how each is checked when it renders, the Inspector's
◀ / ▶ move its arrows, and a scenario's "Open in the Playground" link opens the Playground with its settings."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlparse

import pytest
from browser_helpers import CHART, shot, start_point, wait_idle
from playwright.sync_api import expect

import optimizers
import surfaces
from teaching import links
from teaching.scenarios import SCENARIOS

pytestmark = pytest.mark.browser

NAV_LINK = '[data-testid="stTopNavLink"], [data-testid="stSidebarNav"] a'
EXCEPTION = '[data-testid="stException"]'

# url path, page title (its st.title and its sidebar entry), how many plotly charts it draws at least
TEACHING = [
    ("how_adam_works", "How Adam works", 10),
    ("inspector", "Inspector", 2),
    ("scenarios", "Scenarios", len(SCENARIOS)),
    ("when_adam_fails", "When Adam fails", 4),
    ("adams_knobs", "Adam's knobs", 8),
    ("sweeps", "Sweeps", 2),
    ("network", "The article's network", 3),
]
NAV = {"network": "Network"}  # where the navigation's entry is shorter than the page's title

# Every chart is drawn: an svg, at least one trace with points in it, and a real size unless it sits in a hidden tab
CHARTS_DRAWN = """(n) => {
  const charts = Array.from(document.querySelectorAll('.js-plotly-plot'));
  if (charts.length < n || document.querySelector('[data-stale="true"]')) return false;
  return charts.every(gd => {
    const svg = gd.querySelector('svg.main-svg'), r = gd.getBoundingClientRect();
    const shown = gd.getClientRects().length > 0;
    return svg && gd._fullLayout && (!shown || (r.width > 50 && r.height > 50)) && Array.isArray(gd.data) && gd.data.some(t =>
      (t.x && (t.x.length > 0 || t.x.bdata)) || (t.y && (t.y.length > 0 || t.y.bdata)) || t.z || t.source);
  });
}"""


# The chart in the tab shown: its traces' names once it is drawn at a real size (else null)
TAB_CHART = """() => {
  const shown = Array.from(document.querySelectorAll('[role="tabpanel"] .js-plotly-plot')).filter(gd => gd.getClientRects().length);
  if (shown.length !== 1) return null;
  const gd = shown[0], r = gd.getBoundingClientRect();
  return gd.querySelector('svg.main-svg') && r.width > 50 && r.height > 50 ? gd.data.map(t => t.name).join('|') : null;
}"""


def drop_plotly_rejections(pg) -> None:
    """plotly.js rejects an interrupted animation's promise and nobody catches it: a bare "undefined" page error."""
    pg.page_errors[:] = [e for e in pg.page_errors if e != "undefined"]


def open_by_address(pg, app_url: str, path: str, title: str, charts: int) -> None:
    """Open a teaching page by its address and wait until it is drawn whole. Straight there, not through the Playground
    and the navigation: test_playground_browser.py::test_every_page_and_back_keeps_the_playground walks the navigation
    to every page, and the Playground drawn on the way cost Chromium ~3 s of CPU here."""
    pg.goto(f"{app_url}/{path}")
    wait_page(pg, path, title, charts)


def wait_page(pg, path: str, title: str, charts: int) -> None:
    """Wait until `path` is the page shown, its script has finished and every one of its charts is drawn."""
    pg.wait_for_function("(p) => location.pathname.replace(/\\/$/, '').endsWith('/' + p)", arg=path)
    pg.get_by_role("heading", name=title, level=1).wait_for(timeout=60_000)
    # a cold server on a busy machine: When Adam fails runs 2 × 60 600 steps, the sweeps 4 096 runs
    wait_idle(pg, timeout=150_000)
    pg.wait_for_function(CHARTS_DRAWN, arg=charts, timeout=150_000)


def check_page(pg, path: str, title: str, charts: int) -> None:
    where = f"/{path}"
    assert pg.get_by_role("heading", name=title, level=1).is_visible(), where
    assert pg.locator(".js-plotly-plot").count() >= charts, where
    assert pg.locator(CHART).count() >= charts, where
    assert pg.locator(EXCEPTION).count() == 0, f"{where}: {pg.locator(EXCEPTION).first.inner_text()}"
    # the app's own navigation (st.navigation), not Streamlit's automatic one built from pages/
    nav = [t.split("\n")[-1] for t in pg.locator(NAV_LINK).all_inner_texts()]
    assert nav == ["Playground", "How Adam works", "Inspector", "Scenarios", "When Adam fails", "Adam's knobs", "Sweeps",
                   "Network"], (where, nav)
    drop_plotly_rejections(pg)
    assert not pg.page_errors, (where, pg.page_errors)


CONTENT_HEIGHT = """() => Math.ceil(Math.max(...['[data-testid="stMain"]', '[data-testid="stSidebarContent"]']
  .map(s => document.querySelector(s)).filter(Boolean).map(e => e.scrollHeight)))"""


def shot_whole(pg, name: str):
    """The whole page, not just the viewport: Streamlit scrolls inside its own container, so grow the viewport to fit."""
    size = pg.viewport_size
    try:
        for _ in range(3):  # until the height fits what the taller viewport lays out
            height = min(pg.evaluate(CONTENT_HEIGHT), 16_000)
            if height <= pg.viewport_size["height"]:
                break
            pg.set_viewport_size({"width": size["width"], "height": height})
            pg.wait_for_timeout(300)  # plotly's resize handler is debounced
        return shot(pg, name)
    finally:
        pg.set_viewport_size(size)


def walk_lesson_tabs(pg) -> None:
    """How Adam works, section 6: each tab's chart is drawn once its tab is shown (a hidden tab's has no size)."""
    shown = pg.evaluate(TAB_CHART)
    for i, tab in enumerate(pg.get_by_role("tab").all()):
        if tab.get_attribute("aria-selected") == "true":
            continue
        tab.click()
        pg.wait_for_function(f"(before) => {{ const now = ({TAB_CHART})(); return now && now !== before; }}", arg=shown)
        shown = pg.evaluate(TAB_CHART)
        shot(pg.get_by_role("tabpanel").locator(".js-plotly-plot").locator("visible=true"), f"teaching_lesson_tab{i}")


# Each teaching page from the navigation: test_playground_browser.py::test_every_page_and_back_keeps_the_playground
# walks them all (charts drawn, the app's navigation, no page error, a whole-page screenshot) and back to the
# Playground each time; test_pages_by_url.py opens each by a link with its settings.


# The Inspector's picture: the arrows (−g, −m or −m̂, Δθ; narrated, only those the current sub-step has revealed) and the
# θ marker they start from, and the lr chart's step marker
INSPECTOR = """() => {
  const gd = document.querySelector('.st-key-inspector-figure .js-plotly-plot');
  const lr = document.querySelector('.st-key-inspector-lr .js-plotly-plot');
  if (!gd || !gd.data || !lr || !lr.data) return null;
  const arrows = gd.data.filter(t => /^(−g|−m|Δθ)/.test(t.name || ''))
                        .map(t => ({name: t.name, x: Array.from(t.x), y: Array.from(t.y)}));
  const theta = gd.data.find(t => (t.name || '').startsWith('θ at step'));
  const marker = lr.data.find(t => /^step \\d+$/.test(t.name || ''));
  return {arrows, theta: theta && {name: theta.name, x: theta.x[0], y: theta.y[0]}, lr_marker: marker && marker.name};
}"""


def inspector_state(pg) -> dict:
    """What the Inspector shows now: its step slider, its "Step t = …" line and its charts' contents."""
    return {
        "slider": pg.locator(".st-key-inspector-step").get_by_role("slider").get_attribute("aria-valuetext"),
        "heading": pg.locator("strong", has_text=re.compile(r"^Step t = \d+$")).first.inner_text(),
        **pg.evaluate(INSPECTOR),
    }


def step_once(pg, button: str, t: int) -> dict:
    """Click ◀ or ▶ and wait until the slider, the "Step t = …" line and both charts show step t."""
    label = {"prev": "◀", "next": "▶"}[button]
    pg.locator(f".st-key-inspector-{button}").get_by_role("button", name=label).click()
    pg.locator(".st-key-inspector-step").locator(f'input[type="range"][aria-valuetext="{t}"]').wait_for(state="attached")
    pg.locator("strong", has_text=re.compile(rf"^Step t = {t}$")).wait_for()
    pg.wait_for_function(f"(t) => {{ const s = ({INSPECTOR})(); return !!s && !!s.theta && s.theta.name === 'θ at step ' + t"
                         " && s.lr_marker === 'step ' + t; }", arg=t, timeout=15_000)
    wait_idle(pg)
    return inspector_state(pg)


def test_inspector_step_buttons_move_the_arrows(page, app_url):
    open_by_address(page, app_url, "inspector", "Inspector", 2)
    chart = page.locator(".st-key-inspector-figure .js-plotly-plot")
    states = {1: inspector_state(page)}
    first = states[1]
    assert first["slider"] == "1" and first["heading"] == "Step t = 1", first
    assert first["theta"]["name"] == "θ at step 1" and first["lr_marker"] == "step 1"
    assert first["arrows"] and first["arrows"][0]["name"].startswith("−g"), first["arrows"]  # −g comes first
    expect(chart).to_have_count(1)  # a busy browser may still show the previous figure beside the new one
    before = shot(chart, "teaching_inspector_step1").read_bytes()

    for t in (2, 3, 4):
        states[t] = step_once(page, "next", t)
    last = states[4]
    assert last["slider"] == "4" and last["heading"] == "Step t = 4", last
    assert last["theta"]["name"] == "θ at step 4" and last["lr_marker"] == "step 4"
    assert (last["theta"]["x"], last["theta"]["y"]) != (first["theta"]["x"], first["theta"]["y"]), "θ moved along the path"
    for state in (first, last):
        for arrow in state["arrows"]:  # every arrow starts at θₜ
            assert (arrow["x"][0], arrow["y"][0]) == pytest.approx((state["theta"]["x"], state["theta"]["y"])), arrow
    assert [(a["x"], a["y"]) for a in last["arrows"]] != [(a["x"], a["y"]) for a in first["arrows"]]
    expect(chart).to_have_count(1)
    after = shot(chart, "teaching_inspector_step4").read_bytes()
    assert before != after

    # ◀ walks back through the same pictures
    for t in (3, 2, 1):
        back = step_once(page, "prev", t)
        assert back == states[t], f"step {t} drawn differently on the way back"

    # without the narration every arrow is drawn at once
    toggle = page.locator(".st-key-inspector-narrate").locator("input[type=checkbox]")
    if toggle.is_checked():
        page.locator(".st-key-inspector-narrate label").first.click()
        page.wait_for_function(f"() => (({INSPECTOR})() || {{arrows: []}}).arrows.some(a => a.name.startsWith('Δθ'))")
        wait_idle(page)
    names = [a["name"] for a in inspector_state(page)["arrows"]]
    assert [n.split(":")[0].split(" ")[0] for n in names] == ["−g", "−m̂", "Δθ"], names
    expect(chart).to_have_count(1)
    shot(chart, "teaching_inspector_step1_all_arrows")
    drop_plotly_rejections(page)


@pytest.mark.parametrize("key", ["plateau"])
def test_a_scenario_opens_in_the_playground_with_its_settings(page, app_url, key):
    open_by_address(page, app_url, "scenarios", "Scenarios", len(SCENARIOS))
    buttons = page.locator('[data-testid="stLinkButton"] a', has_text="Open in the Playground")
    expect(buttons).to_have_count(len(SCENARIOS), timeout=60_000)  # charts can be drawn before the last link button
    hrefs = [buttons.nth(i).get_attribute("href") for i in range(buttons.count())]
    assert hrefs == [links.playground_url(sc.settings) for sc in SCENARIOS]

    i = next(i for i, sc in enumerate(SCENARIOS) if sc.key == key)
    s = SCENARIOS[i].settings
    with page.context.expect_page() as new_tab:  # the link button opens a new tab
        buttons.nth(i).click()
    pg = new_tab.value
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    try:
        pg.wait_for_selector(CHART, timeout=60_000)
        wait_idle(pg)
        assert urlparse(pg.url).path == "/"
        assert dict(parse_qsl(urlparse(pg.url).query)) == dict(parse_qsl(urlparse(hrefs[i]).query))
        assert pg.get_by_role("heading", name="Optimizer Playground", level=1).is_visible()
        assert pg.locator(".st-key-surface").get_by_role("combobox").input_value() == surfaces.get(s.surface).label
        tags = [t.get_attribute("aria-label") for t in pg.locator(".st-key-optimizers [data-tag]").all()]
        assert tags == [optimizers.get(opt).label for opt in s.optimizers]
        start = tuple(map(float, start_point(pg)))
        assert start == pytest.approx(s.start)
        assert pg.locator(".st-key-steps").get_by_role("slider").get_attribute("aria-valuetext") == str(s.steps)
        for opt in s.optimizers:  # one card at a time beside the chart: show each optimizer's
            pg.locator(".st-key-tune").get_by_text(optimizers.get(opt).label, exact=True).click()
            pg.locator(f".st-key-card-{opt}").wait_for()
            wait_idle(pg)
            lr = pg.locator(f".st-key-{opt}-lr").get_by_role("slider").get_attribute("aria-valuetext")
            assert float(lr) == pytest.approx(s.hyperparameters(opt)["lr"]), opt
        assert pg.locator('[data-testid="stAlert"]').count() == 0, "a scenario's link is accepted without notices"
        names = pg.evaluate("document.querySelector('.js-plotly-plot').data.map(t => t.name)")
        assert {optimizers.get(opt).label for opt in s.optimizers} <= set(names), names
        assert pg.locator(EXCEPTION).count() == 0
        shot(pg, f"teaching_scenario_{key}_in_playground")
        assert [e for e in errors if e != "undefined"] == []
    finally:
        pg.close()
