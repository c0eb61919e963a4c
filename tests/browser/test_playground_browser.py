"""The Playground in a real headless Chromium: the race chart renders and stays mounted while sliders redraw it,
playback and the morph run in the browser, the state survives every journey through the app, and the layout
holds at 1440×900, 1024×768 and 390×844."""

from __future__ import annotations

import os
import re
import signal
from urllib.parse import parse_qsl, quote, urlparse

import pytest
from browser_helpers import (
    ARTIFACTS,
    draws,
    free_port,
    open_app,
    shot,
    start_point,
    start_server,
    stop_server,
    wait_healthy,
    wait_idle,
    wait_race,
    wait_redrawn,
)
from playwright.sync_api import expect
from test_network_browser import open_network
from test_teaching_browser import NAV, TEACHING, check_page, shot_whole, wait_page

import optimizers

pytestmark = pytest.mark.browser

NAV_LINK = '[data-testid="stTopNavLink"], [data-testid="stSidebarNav"] a'
ROOT = ".opr-root"
ALL = ",".join(optimizers.names())


def slider(pg, key: str):
    """The thumb of the slider with this key (role slider), scrolled into view in the tuning column."""
    thumb = pg.locator(f".st-key-{key.replace('.', '-').replace(':', '-')}").get_by_role("slider")
    thumb.scroll_into_view_if_needed()
    return thumb


def step(pg) -> int:
    return int(pg.locator(ROOT).get_attribute("data-step"))


def query(pg) -> dict:
    return dict(parse_qsl(urlparse(pg.url).query))


def run_names(pg) -> list[str]:
    return pg.evaluate("() => Array.from(document.querySelectorAll('.opr-legend [data-run] span')).map(s => s.textContent)")


def heads(pg) -> list:
    """Where the heads are drawn: the last point of each run's trail in the animated traces."""
    return pg.evaluate("""() => {
        const gd = document.querySelector('.opr-root .js-plotly-plot');
        return gd._fullData.filter(t => t.name === 'position').map(t => [Array.from(t.x), Array.from(t.y)]);
    }""")


def state(pg) -> dict:
    """Everything a person sees of the Playground's settings, read off the page."""
    return {
        "url": query(pg),
        "surface": pg.locator(".st-key-surface").get_by_role("combobox").input_value(),
        "optimizers": [t.get_attribute("aria-label") for t in pg.locator(".st-key-optimizers [data-tag]").all()],
        "steps": pg.locator(".st-key-steps").get_by_role("slider").get_attribute("aria-valuetext"),
        "start": start_point(pg),
        "runs": run_names(pg),
        "rev": pg.locator(ROOT).get_attribute("data-rev"),
    }


def test_page_renders_the_chart(page, app_url):
    open_app(page, app_url)
    chart = page.locator(f"{ROOT} .js-plotly-plot")
    assert chart.locator("svg.main-svg").count() >= 1
    assert chart.locator(".scatterlayer .trace").count() >= 10  # paths, loss curves, heads
    assert chart.locator(".imagelayer image").count() == 1  # the contour picture
    assert run_names(page) == ["Gradient descent", "Momentum", "RMSProp", "Adam"]
    assert page.get_by_role("heading", name="Optimizer Playground").is_visible()
    shot(page, "browser_landing")


def test_a_slider_redraws_the_same_chart_in_place(page, app_url):
    """No remount: the same DOM node is redrawn (Plotly.react), the step and the zoom are kept."""
    open_app(page, app_url)
    page.evaluate("window.__gd = document.querySelector('.opr-root .js-plotly-plot')")
    page.locator(".opr-step").fill("120")
    assert step(page) == 120
    thumb = slider(page, "adam.lr")
    assert thumb.get_attribute("aria-valuetext") == "0.05"
    before, rev = draws(page), page.locator(ROOT).get_attribute("data-rev")
    thumb.focus()
    page.keyboard.press("ArrowRight")
    wait_redrawn(page, before)
    assert slider(page, "adam.lr").get_attribute("aria-valuetext") == "0.068"
    assert query(page)["adam.lr"] == "0.068"
    assert page.locator(ROOT).get_attribute("data-rev") != rev
    assert page.evaluate("window.__gd === document.querySelector('.opr-root .js-plotly-plot')"), "the chart was remounted"
    assert step(page) == 120, "a slider change keeps the animation where it was"
    shot(page.locator(ROOT), "browser_chart_after_alpha")


def test_play_pause_and_single_steps(page, app_url):
    open_app(page, app_url)
    assert step(page) == 500  # a finished race: every path drawn, heads at their ends
    scrub = page.locator(".opr-step").bounding_box()
    page.locator(".opr-play").click()  # from the end, Play starts over
    page.wait_for_function("() => { const s = Number(document.querySelector('.opr-root').dataset.step); return s > 20 && s < 500; }")
    expect(page.locator(".opr-play")).to_have_text("❚❚ Pause")
    assert page.locator(".opr-step").bounding_box() == scrub, "the step bar stays put when Play becomes Pause"
    page.locator(".opr-play").click()
    paused = step(page)
    page.wait_for_timeout(300)
    assert step(page) == paused, "Pause stops the animation"
    page.locator(".opr-fwd").click()
    assert step(page) == paused + 1
    page.locator(".opr-back").click()
    page.locator(".opr-back").click()
    assert step(page) == paused - 1
    before = heads(page)
    page.locator(ROOT).focus()
    page.keyboard.press("Shift+ArrowRight")
    assert step(page) == paused + 9
    page.keyboard.press("Home")
    assert step(page) == 0
    page.wait_for_function("(b) => JSON.stringify(b) !== JSON.stringify(Array.from(document.querySelector('.opr-root .js-plotly-plot')"
                           "._fullData.filter(t => t.name === 'position').map(t => [Array.from(t.x), Array.from(t.y)])))", arg=before)
    page.keyboard.press("Space")
    page.wait_for_function("() => Number(document.querySelector('.opr-root').dataset.step) > 0")
    page.keyboard.press("Space")
    assert page.locator(ROOT).get_attribute("data-playing") == "0"


def test_fullscreen_keeps_playing_and_esc_keeps_the_step(page, app_url):
    open_app(page, app_url)
    page.locator(".opr-full").click()
    page.wait_for_function("() => document.fullscreenElement === document.querySelector('.opr-root')")
    page.locator(".opr-play").click()
    page.wait_for_function("() => { const s = Number(document.querySelector('.opr-root').dataset.step); return s > 20 && s < 500; }")
    page.locator(".opr-play").click()
    shot(page, "browser_fullscreen")
    paused = step(page)
    page.evaluate("document.exitFullscreen()")
    page.wait_for_function("() => !document.fullscreenElement")
    assert step(page) == paused
    page.locator(".opr-play").click()
    page.wait_for_function("(p) => Number(document.querySelector('.opr-root').dataset.step) > p", arg=paused)
    page.locator(".opr-play").click()


def test_the_morph_redraws_in_the_browser_then_commits(page, app_url):
    open_app(page, app_url, "?opt=gd,adam")
    before = draws(page)
    path = ("() => Array.from(document.querySelector('.opr-root .js-plotly-plot')._fullData"
            ".find(t => t.mode === 'lines' && t.name === 'Adam').x.slice(0, 60)).join()")
    original = page.evaluate(path)
    assert page.locator(".opr-morph-value").inner_text() == "α = 0.05 (now)"
    page.evaluate("() => { const i = document.querySelector('.opr-morph-input'); i.value = '12.5';"
                  " i.dispatchEvent(new Event('input', {bubbles: true})); }")
    page.wait_for_function("(o) => (" + path + ")() !== o", arg=original)
    assert draws(page) == before, "dragging is drawn in the browser, without a round trip"
    assert "(now)" not in page.locator(".opr-morph-value").inner_text()
    page.evaluate("() => document.querySelector('.opr-morph-input').dispatchEvent(new Event('change', {bubbles: true}))")
    wait_redrawn(page, before)
    assert "adam.lr" in query(page) and query(page)["adam.lr"] != "0.05"
    assert slider(page, "adam.lr").get_attribute("aria-valuetext") == query(page)["adam.lr"]
    assert "(now)" in page.locator(".opr-morph-value").inner_text()


def test_a_share_link_restores_the_state(page, app_url):
    open_app(page, app_url, "?surface=beale&opt=adam,nag&adam.lr=0.01")
    assert page.locator(".st-key-surface").get_by_role("combobox").input_value() == "Beale"
    assert run_names(page) == ["Adam", "Nesterov (NAG)"]
    assert slider(page, "adam.lr").get_attribute("aria-valuetext") == "0.01"
    assert page.locator('[data-testid="stAlert"]').count() == 0
    assert "surface=beale" in page.url and "adam.lr=0.01" in page.url


def test_a_malformed_link_shows_a_notice_and_the_defaults(page, app_url):
    open_app(page, app_url, "?surface=nope&steps=abc&adam.beta1=1&foo=bar")
    text = "\n".join(page.locator('[data-testid="stAlert"]').all_inner_texts())
    for needle in ("'nope'", "steps", "adam.beta1", "'foo'"):
        assert needle in text, text
    assert page.locator(".st-key-surface").get_by_role("combobox").input_value() == "Rosenbrock"
    assert page.locator(f"{ROOT} .js-plotly-plot").count() == 1


def test_views_switch_and_every_optimizer_side_by_side(page, app_url):
    open_app(page, app_url, f"?opt={ALL}&steps=2000")
    before = draws(page)
    page.locator(".st-key-view").get_by_text("Side by side", exact=True).click()
    page.wait_for_function("() => location.search.includes('view=multiples')")
    wait_redrawn(page, before)
    titles = page.evaluate("() => Array.from(document.querySelectorAll('.opr-root .annotation-text')).map(t => t.textContent)")
    assert [t for t in titles if t != "Loss per step"] == [optimizers.get(k).label for k in optimizers.names()]
    assert page.evaluate(OVERLAPS) == []
    shot(page, "browser_view_multiples_12")
    before = draws(page)
    thumb = slider(page, "adam.lr")
    thumb.focus()
    page.keyboard.press("ArrowLeft")
    wait_redrawn(page, before)
    page.locator(".st-key-view").get_by_text("3-D", exact=True).click()
    page.wait_for_function("() => location.search.includes('view=3d')")
    wait_idle(page)
    page.wait_for_selector(".js-plotly-plot .gl-container canvas", state="attached")


def test_quick_keys_on_a_popover_slider_leave_the_address_as_the_page(page, app_url):
    """Four quick presses on the noise slider (outside the race: each a whole-page run, cut short by the next) once
    left the address a value or two behind the page, so a reload or a shared link lost the change."""
    open_app(page, app_url)
    page.get_by_role("button", name="Start, noise, morph").click()
    thumb = page.locator(".st-key-noise").get_by_role("slider")
    thumb.focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    wait_idle(page, timeout=60_000)
    expect(thumb).to_have_attribute("aria-valuetext", "0.3", timeout=60_000)
    page.wait_for_function("() => new URLSearchParams(location.search).get('noise') === '0.3'", timeout=30_000)
    wait_race(page)
    page.keyboard.press("Escape")
    page.reload()  # what the address says is what the page showed
    wait_race(page)
    assert query(page)["noise"] == "0.3"


def test_the_chart_says_it_is_coming_until_it_is_drawn(page, app_url):
    """On a slow link plotly.js (4.7 MB) takes a while: the chart's place says what is coming instead of standing
    blank under a bar that reads "step 0"."""
    held = []
    page.route("**/plotly.min.js*", lambda route: held.append(route))  # held until the placeholder is seen
    page.goto(f"{app_url}/")
    wait = page.locator(".opr-root .opr-wait")
    expect(wait).to_have_text("Drawing the race…", timeout=60_000)
    assert wait.bounding_box()["height"] >= 300
    for route in held:
        route.continue_()
    page.unroute("**/plotly.min.js*")
    wait_race(page)
    expect(wait).to_have_count(0)


def test_clicking_the_map_moves_the_start(page, app_url):
    open_app(page, app_url)
    box = page.evaluate("""() => { const gd = document.querySelector('.opr-root .js-plotly-plot'), r = gd.getBoundingClientRect();
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        return {x: r.left + xa._offset + xa.d2p(0.5), y: r.top + ya._offset + ya.d2p(0.5)}; }""")
    page.mouse.click(box["x"], box["y"])
    # the address, then the start inputs, show the clicked point (each waited for: the inputs re-render after the URL)
    page.wait_for_function("() => { const q = new URLSearchParams(location.search);"
                           " return Math.abs(Number(q.get('x')) - 0.5) < 0.05 && Math.abs(Number(q.get('y')) - 0.5) < 0.05; }")
    wait_idle(page)
    page.get_by_role("button", name="Start, noise, morph").click()  # the start inputs there show the point too
    page.wait_for_function("() => ['start_x', 'start_y'].every(k => Math.abs(Number("
                           "document.querySelector('.st-key-' + k + ' input')?.value) - 0.5) < 0.05)")
    assert step(page) == 500 and page.locator(ROOT).get_attribute("data-rev")


def test_two_copies_of_one_optimizer_race(page, app_url):
    open_app(page, app_url, "?opt=gd,adam")
    before = draws(page)
    page.locator(".st-key-dup-adam button").first.click()
    wait_redrawn(page, before)
    assert run_names(page) == ["Gradient descent", "Adam #1", "Adam #2"]
    before = draws(page)
    thumb = slider(page, "adam:2.beta2")
    thumb.focus()
    page.keyboard.press("ArrowLeft")
    wait_redrawn(page, before)
    names = run_names(page)
    assert names[1].startswith("Adam (β₂=0.999)") and names[2].startswith("Adam (β₂=0.998)"), names
    assert query(page)["opt"] == "gd,adam,adam:2"


def test_divergence_badge_in_the_browser(page, app_url):
    open_app(page, app_url, "?gd.lr=1")
    badge = page.get_by_text("Gradient descent diverged at step")
    badge.wait_for()
    assert badge.is_visible()


# ---- journeys ------------------------------------------------------------------------------------------

# (address, navigation entry, page heading): every other page of the app
# Back and Back again after these pages (the browser's history works alike for every page; each trip redraws both
# pages): a page that writes its settings into its address, and one that writes none (two of the quicker to draw)
BY_BACK = ("inspector", "scenarios")


def test_every_page_and_back_keeps_the_playground(page, app_url):
    """Every page by the navigation, each drawn whole (every chart, the app's navigation, no page error, a
    screenshot), and back by the navigation and by the browser's Back: the Playground's settings, URL and chart
    come back as they were."""
    open_app(page, app_url, "?opt=momentum,adam&adam.lr=0.1&view=multiples&steps=300")
    before = draws(page)
    thumb = slider(page, "adam.beta1")
    thumb.focus()
    page.keyboard.press("ArrowLeft")
    wait_redrawn(page, before)
    want = state(page)
    assert want["url"]["adam.beta1"] == "0.899"
    for path, title, charts in TEACHING:
        page.locator(NAV_LINK, has_text=NAV.get(path, title)).first.click()
        wait_page(page, path, title, charts)
        check_page(page, path, title, charts)
        shot_whole(page, f"teaching_{path}")
        page.locator(NAV_LINK, has_text="Playground").first.click()
        wait_race(page)
        page.wait_for_function("(q) => location.search.length > 1", arg=None)
        assert state(page) == want, f"after {title} by the navigation"
        assert page.locator('[data-testid="stAlert"]').count() == 0
        if path not in BY_BACK:
            continue
        page.go_back()
        page.wait_for_function("(p) => location.pathname.endsWith('/' + p)", arg=path)
        wait_idle(page, timeout=60_000)
        page.go_back()
        wait_race(page)
        assert state(page) == want, f"after {title} by Back"
    shot(page, "browser_journey_back")


# panel titles, axis titles and the controls above the chart: no two may overlap
OVERLAPS = """() => {
  const sel = '.opr-root .annotation, .opr-root .infolayer [class^=g-x], .opr-root .infolayer [class^=g-y], '
            + '.opr-bar > *, .opr-legend > *, .opr-morph > *';
  const boxes = Array.from(document.querySelectorAll(sel)).map(e => [e.textContent || e.className, e.getBoundingClientRect()])
    .filter(([, r]) => r.width > 0 && r.height > 0);
  const hits = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, r] = boxes[i], [b, s] = boxes[j];
    const meet = r.left < s.right - 1 && s.left < r.right - 1 && r.top < s.bottom - 1 && s.top < r.bottom - 1;
    if (meet && !(a.includes(b) || b.includes(a)))
      hits.push(String(a).slice(0, 24) + ' / ' + String(b).slice(0, 24));
  }
  return hits;
}"""

# the map and a slider both fully inside the window
BOTH_ON_SCREEN = """(key) => {
  const gd = document.querySelector('.opr-root .js-plotly-plot'), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  const r = gd.getBoundingClientRect();
  const map = {top: r.top + ya._offset, bottom: r.top + ya._offset + ya._length,
               left: r.left + xa._offset, right: r.left + xa._offset + xa._length};
  const s = document.querySelector('.st-key-' + key + ' [data-testid=stSlider]').getBoundingClientRect();
  const inside = (b) => b.top >= 0 && b.left >= 0 && b.bottom <= innerHeight && b.right <= innerWidth;
  return {map: inside(map), slider: inside(s), square: Math.abs(xa._length - ya._length) <= 2, side: xa._length};
}"""


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (1024, 768), (390, 844)])
def test_layout_at_each_screen_size(page, app_url, width, height):
    # a y-axis title on (or within 4 px of) its own tick labels: the loss axis's, below the maps side by side
    title_on_ticks = """() => {
      const r = document.querySelector('.opr-root'), box = (e) => e.getBoundingClientRect(), hits = [];
      const near = (a, b) => a.left < b.right + 4 && b.left < a.right + 4 && a.top < b.bottom && b.top < a.bottom;
      for (const g of r.querySelectorAll('.infolayer g[class^="g-y"][class$="title"]')) {
        const ax = g.getAttribute('class').slice(2, -5);
        if (!g.textContent || !/^y\\d*$/.test(ax)) continue;
        for (const t of r.querySelectorAll(`.yaxislayer-above .${ax}tick text`))
          if (t.textContent && near(box(g), box(t))) hits.push(`${g.textContent} / ${t.textContent}`);
      }
      return hits;
    }"""
    head_controls = [".st-key-present", ".st-key-surface", ".st-key-optimizers", ".st-key-view"]
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{app_url}/")  # a first visit: the toast says what to do, and must not cover what it names
    page.locator('[data-testid="stToast"]').wait_for(timeout=60_000)
    popover = page.get_by_role("button", name="Start, noise, morph")
    popover.wait_for(timeout=60_000)
    if width >= 1024:  # a phone has no room beside the controls: there the toast is short-lived, as everywhere
        toast = page.locator('[data-testid="stToast"]').bounding_box()
        for target in [popover, *(page.locator(c).first for c in head_controls)]:
            b = target.bounding_box()
            assert not (toast["x"] < b["x"] + b["width"] and b["x"] < toast["x"] + toast["width"]
                        and toast["y"] < b["y"] + b["height"] and b["y"] < toast["y"] + toast["height"]), (target, toast, b)
        shot(page, f"browser_layout_{width}x{height}_toast")
    else:  # a phone: the toast fades after 5 s instead of covering the controls for all of its 12
        # and a touch screen shows no tooltip: the card's icon buttons say what they do
        words = page.evaluate("() => ['reset', 'dup', 'del'].map(k => getComputedStyle("
                              "document.querySelector(`[class*=st-key-${k}-] button>div`), '::after').content)")
        assert words == ['"Reset"', '"Duplicate"', '"Remove"'], words
        toast = page.locator('[data-testid="stToast"]')
        assert toast.evaluate("e => getComputedStyle(e).animationName") == "opr-toast-out"
        expect(toast).to_be_hidden(timeout=30_000)
    wait_race(page)
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth + 1"), "nothing sticks out sideways"
    assert page.evaluate(OVERLAPS) == []
    assert page.evaluate(title_on_ticks) == []
    shot(page, f"browser_layout_{width}x{height}")
    if width >= 1024:  # the map and Adam's α slider on one screen, without scrolling the page
        page.locator(".st-key-adam-lr").scroll_into_view_if_needed()
        got = page.evaluate(BOTH_ON_SCREEN, "adam-lr")
        assert got["map"] and got["slider"] and got["square"], got
        shot(page, f"browser_layout_{width}x{height}_tuning")
    else:  # a phone: one column, the map as wide as the screen allows
        got = page.evaluate(BOTH_ON_SCREEN, "adam-lr")
        assert got["square"] and got["side"] >= 250, got
        controls = page.locator(".opr-bar").bounding_box()
        assert controls["x"] >= 0 and controls["x"] + controls["width"] <= width + 1
        card = page.evaluate("() => { const t = document.querySelector('.st-key-tuning');"
                             " return {inner: t.scrollHeight - t.clientHeight, overflow: getComputedStyle(t).overflowY}; }")
        assert card["inner"] <= 1 and card["overflow"] == "visible", f"the card scrolls inside the page: {card}"
    # side by side: the loss panel's axis title beside its tick labels, not on them
    open_app(page, app_url, "?view=multiples")
    assert page.evaluate(title_on_ticks) == []
    assert page.evaluate(OVERLAPS) == []
    shot(page, f"browser_layout_{width}x{height}_multiples")
    if width == 1440:  # every optimizer: a compact legend, two rows, and the map still whole on the screen
        open_app(page, app_url, f"?opt={ALL}")
        rows = page.evaluate("() => new Set(Array.from(document.querySelectorAll('.opr-legend > *')).map(e => e.offsetTop)).size")
        assert rows <= 2, f"the legend takes {rows} rows"
        got = page.evaluate(BOTH_ON_SCREEN, "adam-lr")
        assert got["map"] and got["slider"] and got["square"], got
        assert page.evaluate(OVERLAPS) == [] and page.evaluate(title_on_ticks) == []
        shot(page, "browser_layout_1440x900_every_optimizer")


def test_projector_link_at_1024x768(page, app_url):
    """A teacher's prepared link: large type, the app's pages a click away, the chart and its
    controls on one screen, keys work."""
    page.set_viewport_size({"width": 1024, "height": 768})
    open_app(page, app_url, "?present=1")
    assert page.locator(ROOT).evaluate("r => r.classList.contains('opr-present')")
    assert page.locator(NAV_LINK, has_text="Adam's knobs").first.is_visible()
    assert page.evaluate(OVERLAPS) == []
    got = page.evaluate(BOTH_ON_SCREEN, "adam-lr")
    assert got["map"] and got["slider"] and got["square"], got
    page.locator(ROOT).focus()
    page.keyboard.press("?")
    assert page.locator(".opr-help").is_visible()
    shot(page, "browser_projector_1024x768")
    page.keyboard.press("?")
    page.keyboard.press("Home")
    page.keyboard.press("+")
    assert page.locator(".opr-speed").input_value() == "2"
    page.keyboard.press("Space")
    page.wait_for_function("() => Number(document.querySelector('.opr-root').dataset.step) > 30")
    page.keyboard.press("Space")
    assert page.locator(ROOT).get_attribute("data-playing") == "0"
    # side by side in projector type: the loss axis's title clear of its tick labels (it was drawn on them)
    open_app(page, app_url, "?present=1&view=multiples")
    gap = page.evaluate("""() => {
      const r = document.querySelector('.opr-root'), g = r.querySelector('.infolayer .g-y5title').getBoundingClientRect();
      return Math.min(...Array.from(r.querySelectorAll('.yaxislayer-above .y5tick text')).map(t => t.getBoundingClientRect())
        .filter(b => b.width > 0 && b.top < g.bottom && g.top < b.bottom).map(b => b.left - g.right));
    }""")
    assert gap >= 4, f"the loss axis's title {gap} px from its tick labels"
    shot(page, "browser_projector_1024x768_multiples")
    # 400 steps in projector type: step labels apart, not crowded (0, 200, not 0, 100, 200, 300)
    open_app(page, app_url, "?present=1&steps=400")
    gaps = page.evaluate("""() => {
      const b = Array.from(document.querySelectorAll('.opr-root .xaxislayer-above .x2tick text'))
        .map(t => t.getBoundingClientRect()).filter(r => r.width > 0).sort((p, q) => p.left - q.left);
      return b.slice(1).map((r, i) => r.left - b[i].right);
    }""")
    assert gaps and min(gaps) >= 17, f"step labels {gaps} px apart"
    # the pickers, folded beside the switch: open, every surface, optimizer and view is reachable (3-D too)
    page.get_by_text("Surface, optimizers, view").click()
    view_3d = page.locator(".st-key-view").get_by_text("3-D", exact=True)
    view_3d.wait_for()
    page.wait_for_function("() => document.querySelector('[data-testid=stExpander]').getBoundingClientRect().bottom"
                           " > document.querySelector('.st-key-view').getBoundingClientRect().bottom")  # unfolded
    panel = page.locator('[data-testid="stExpanderDetails"]').bounding_box()
    for target, least in ((".st-key-surface", 300), (".st-key-optimizers", 300), (".st-key-view", 300)):
        b = page.locator(target).bounding_box()
        assert b["width"] >= least and b["x"] >= panel["x"] and b["x"] + b["width"] <= panel["x"] + panel["width"] + 1, (target, b)
    b = view_3d.bounding_box()
    assert b["x"] + b["width"] <= min(1024, panel["x"] + panel["width"]), b
    shot(page, "browser_projector_1024x768_pickers")
    view_3d.click()
    page.wait_for_function("() => location.search.includes('view=3d')")


def test_switching_cards_keeps_every_value(page, app_url):
    """The tuning column shows one card at a time; its fragment reruns must not drop the hidden cards' values."""
    open_app(page, app_url)
    before = draws(page)
    slider(page, "adam.lr").focus()
    page.keyboard.press("ArrowRight")
    wait_redrawn(page, before)
    for label in ("Gradient descent", "Momentum", "RMSProp", "Adam"):
        page.locator(".st-key-tune").get_by_text(label, exact=True).click()
        wait_idle(page)
    assert slider(page, "adam.lr").get_attribute("aria-valuetext") == "0.068"
    assert query(page)["adam.lr"] == "0.068" and "gd.lr" not in query(page)


TRACES = """() => {
    const gd = document.querySelector('.opr-root .js-plotly-plot');
    return gd._fullData.map(t => ({name: t.name || '', n: t.x ? t.x.length : 0, visible: t.visible}));
}"""


def test_lbfgs_evaluations_and_the_averaged_points_are_drawn_and_paths_grow_during_play(page, app_url):
    """L-BFGS's crosses are the evaluations of the step shown; Schedule-Free's x and ASGD's average run dotted beside
    their paths; during Play the faint whole paths wait for a pause."""
    open_app(page, app_url, "?opt=lbfgs,schedule_free_adamw,asgd&asgd.lr=0.001&asgd.t0=20&steps=100")
    legend = page.locator(".opr-legend").inner_text()
    assert "L-BFGS: where this step evaluated f" in legend and "x, the average" in legend and "θ̄" in legend
    page.locator(ROOT).focus()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")  # step 1: L-BFGS's first step(closure) made up to 25 evaluations
    page.wait_for_function("() => document.querySelector('.opr-root .js-plotly-plot')._fullData"
                           ".some(t => t.name === 'L-BFGS: evaluations' && t.x && t.x.length > 1)")
    by_name = {t["name"]: t for t in page.evaluate(TRACES)}
    assert by_name["L-BFGS: evaluations"]["n"] == 20  # torch's defaults: 1 + 19 re-evaluations, no line search
    averages = [t for t in page.evaluate(TRACES) if t["name"].startswith(("x, the average", "θ̄"))]
    assert [t["n"] for t in averages] == [2, 2]  # the averaged point travels with the step: start and step 1
    page.locator(".opr-play").click()
    page.wait_for_function("() => document.querySelector('.opr-root').dataset.playing === '1'")
    page.wait_for_function("() => document.querySelector('.opr-root .js-plotly-plot')._fullData"
                           ".filter(t => t.opacity === 0.3 && t.mode === 'lines').every(t => t.visible === false)")
    page.locator(".opr-play").click()
    page.wait_for_function("() => document.querySelector('.opr-root .js-plotly-plot')._fullData"
                           ".filter(t => t.opacity === 0.3 && t.mode === 'lines').every(t => t.visible === true)")
    shot(page, "playground_lbfgs_schedule_free_asgd")


def test_links_on_a_freshly_started_and_on_a_restarted_server(page):
    """A link to a page other than the Playground, as the first request of a fresh server: Streamlit treats an app
    with a pages/ folder as a v1 multipage app until app.py's st.navigation has run once, and such a link ran
    pages/network.py alone (a sidebar of file names, no wide layout, no app navigation); ui/boot.py reruns that
    first run through app.py. Then, between lessons, the server is restarted: a share link opened before shows the
    same chart after (killed by its PID, started again on the same port, the tab reloaded). One server for both:
    each start costs seconds."""
    port, log = free_port(), ARTIFACTS / "streamlit-restart.log"
    url = f"http://127.0.0.1:{port}"
    link = "?surface=beale&opt=adam,nag,lbfgs&adam.lr=0.02&nag.momentum=0.8&steps=300&x=-2&y=2"
    proc = start_server(port, log)
    try:
        wait_healthy(proc, port, log)
        open_network(page, f"{url}/network?task=xor&adam.lr=0.01")
        nav = [t.split("\n")[-1] for t in page.locator(NAV_LINK).all_inner_texts()]
        assert nav[0] == "Playground" and nav[-1] == "Network", nav
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0
        assert "task=xor" in page.url and "adam.lr=0.01" in page.url
        page.get_by_role("tab", name="Decision boundary").wait_for()

        open_app(page, url, link)
        before = state(page)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        proc = start_server(port, log)
        wait_healthy(proc, port, log)
        page.reload()
        wait_race(page)
        assert state(page) == before  # the same settings, runs and chart revision (the data's hash)
        assert before["url"]["adam.lr"] == "0.02" and before["optimizers"] == ["Adam", "Nesterov (NAG)", "L-BFGS"]
    finally:
        page.goto("about:blank")  # leave first: a tab on a stopped server keeps calling it, and logs each refusal
        stop_server(proc)
    # the tab saw its server vanish: the socket's errors while it was gone are expected
    gone = ("WebSocket", "ERR_CONNECTION", "reaching server endpoint", "server is not responding")
    page.page_errors[:] = [e for e in page.page_errors if not any(g in e for g in gone)]


def test_nothing_leaves_the_machine(page, app_url):
    """The offline guard itself: a request to another host is aborted and recorded (every test asserts none)."""
    open_app(page, app_url)
    page.evaluate("() => fetch('https://example.com/ping').catch(() => null)")  # resolves once aborted
    assert any("example.com/ping" in u for u in page.outside[page.outside_from:])
    del page.outside[page.outside_from:]  # expected here: the guard worked
    page.page_errors[:] = [e for e in page.page_errors if "net::ERR_FAILED" not in e]  # the aborted fetch's log


def test_markdown_in_a_link_is_shown_as_typed(page, app_url):
    """A mangled or hostile link: its value is quoted as text, cut short, and formats, links or loads nothing."""
    value = "**Warning: this app is broken** [here to fix](https://example.com/p) ![i](https://example.com/x.png)" + "x" * 5000
    requests = []
    page.on("request", lambda r: requests.append(r.url) if urlparse(r.url).hostname == "example.com" else None)
    open_app(page, app_url, "?surface=" + quote(value))
    alert = page.locator('[data-testid="stAlert"]').first
    assert "**Warning: this app is broken** [here to fix](https://exampl…" in alert.inner_text()  # cut at 60
    assert alert.locator("a, img, strong").count() == 0 and requests == []
    assert alert.bounding_box()["height"] < 200, "a 5000-character value does not push the chart down"


def test_a_teacher_downloads_the_gif_and_the_offline_html(page, app_url):
    open_app(page, app_url, "?present=1&steps=200")
    page.locator(".st-key-downloads label").click()
    # projector mode offers 1920 × 1080; this teacher's slides take the smaller size (and the GIF is made 4× faster)
    page.locator(".st-key-export_size").get_by_role("combobox").click()
    page.get_by_role("option", name="960 × 540 (slides)").click()
    wait_idle(page)
    page.get_by_role("button", name="Make GIF").click()
    gif_button = page.get_by_role("button", name=re.compile(r"^GIF \(\d+ kB\)"))
    gif_button.wait_for(timeout=60_000)  # drawn with a progress bar, then offered
    with page.expect_download() as got:
        gif_button.click()
    gif = got.value
    assert gif.suggested_filename == "race_rosenbrock_gd-momentum-rmsprop-adam_200steps.gif"
    from PIL import Image

    im = Image.open(gif.path())
    assert im.n_frames == 60 and im.size == (960, 540)
    with page.expect_download() as got:
        page.get_by_role("button", name="HTML", exact=True).click()
    html = got.value
    assert html.suggested_filename.endswith(".html")
    text = open(html.path(), encoding="utf-8").read()
    assert "<script" in text and not re.search(r"<script[^>]+src=", text), "plotly.js is inside the file"
