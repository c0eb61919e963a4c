"""The article's network page in a real headless Chromium: its charts render, a slider redraws the loss curves, the
decision boundary plays, the settings survive a trip to the Playground and back, it lays out at the three screen
sizes. (A link to it on a freshly started server: test_playground_browser's restart test, which starts one.)"""

from __future__ import annotations

import pytest
from browser_helpers import shot, wait_idle
from playwright.sync_api import expect
from test_teaching_browser import CHARTS_DRAWN, NAV_LINK, shot_whole

pytestmark = pytest.mark.browser

TITLE = "The article's network"
NAV = "Network"  # its entry in the navigation
# The chart in the shown tab panel, by its element key: its trace names and a fingerprint of its data, once drawn
CHART_IN = """(key) => {
  const gd = document.querySelector('.st-key-' + key + ' .js-plotly-plot');
  if (!gd || !gd.data || !gd.querySelector('svg.main-svg') || gd.getClientRects().length === 0) return null;
  const r = gd.getBoundingClientRect();
  if (r.width < 50 || r.height < 50) return null;
  return {names: gd.data.map(t => t.name || ''), types: gd.data.map(t => t.type || 'scatter'),
          y: gd.data.map(t => t.y && t.y.bdata !== undefined ? t.y.bdata : JSON.stringify(t.y)).join('|'),
          width: Math.round(r.width), right: Math.round(r.right)};
}"""


def open_network(pg, url: str) -> None:
    pg.goto(url)
    pg.get_by_role("heading", name=TITLE, level=1).wait_for(timeout=60_000)
    wait_idle(pg, timeout=60_000)
    pg.wait_for_function(CHARTS_DRAWN, arg=3, timeout=60_000)
    chart(pg, "net-loss_chart")


def chart(pg, key: str, other_than=None) -> dict:
    pg.wait_for_function(f"([k, before]) => {{ const c = ({CHART_IN})(k); return c && (!before || c.y !== before); }}",
                         arg=[key, other_than], timeout=60_000)
    return pg.evaluate(CHART_IN, key)


def test_the_article_model_trains_and_every_chart_renders(page, app_url):
    open_network(page, f"{app_url}/network")
    loss = chart(page, "net-loss_chart")
    assert loss["names"][:2] == ["Adam", "Gradient descent"] and loss["names"][2].startswith("target")
    shot_whole(page, "network_1440_article")

    page.get_by_role("tab", name="Landscape").click()
    land = chart(page, "net-landscape")
    assert land["types"][0] == "contour" and "Adam" in land["names"] and "Gradient descent" in land["names"]
    shot(page.locator(".st-key-net-landscape"), "network_landscape")
    page.get_by_role("tab", name="Per layer").click()
    layers = chart(page, "net-layers")
    assert {"Adam", "Gradient descent", "layer 0", "layer 1"} <= set(layers["names"])  # colour: optimizer, dash: layer
    page.get_by_role("tab", name="The code").click()
    code = page.locator('[data-testid="stCode"]').first.inner_text()
    assert "optimizer.zero_grad()" in code and "loss.backward()" in code and "optimizer.step()" in code


LR = "0.0015"  # Adam's α one stop above the article's 0.001: each stop is a rerun and a redraw of the page's charts


def test_a_slider_redraws_the_loss_and_the_link_keeps_it(page, app_url):
    open_network(page, f"{app_url}/network")
    before = chart(page, "net-loss_chart")
    slider = page.locator(".st-key-net-adam-lr").get_by_role("slider")
    for _ in range(3):  # one stop up, 0.001 -> 0.0015: a rerun in progress redraws the slider with the value it ran
        shown = slider.get_attribute("aria-valuetext")  # with, so a key pressed meanwhile can be undone
        if shown == LR:
            break
        slider.focus()
        page.keyboard.press("ArrowRight")
        try:  # a key that a rerun swallowed is pressed again
            expect(slider).not_to_have_attribute("aria-valuetext", shown, timeout=5_000)
        except AssertionError:
            pass
        wait_idle(page, timeout=120_000)
    page.wait_for_function("(lr) => new URLSearchParams(location.search).get('adam.lr') === lr", arg=LR, timeout=60_000)
    after = chart(page, "net-loss_chart", other_than=before["y"])
    assert after["names"] == before["names"]
    wait_idle(page)

    # to the Playground by the navigation and back: the setting and the curves are still there
    page.locator(NAV_LINK, has_text="Playground").click()
    page.locator(".opr-root .js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
    wait_idle(page)
    page.locator(NAV_LINK, has_text=NAV).click()
    page.get_by_role("heading", name=TITLE, level=1).wait_for()
    wait_idle(page)
    back = chart(page, "net-loss_chart")
    assert back["y"] == after["y"]
    # and the address says so again, so that a reload or a shared link shows the same
    page.wait_for_function("(lr) => new URLSearchParams(location.search).get('adam.lr') === lr", arg=LR, timeout=30_000)
    assert page.locator(".st-key-net-adam-lr").get_by_role("slider").get_attribute("aria-valuetext") == LR

    # the address, opened in a new tab, shows the same
    other = page.context.new_page()
    try:
        open_network(other, f"{app_url}/network?adam.lr={LR}")
        assert chart(other, "net-loss_chart")["y"] == after["y"]
    finally:
        other.close()


def test_the_decision_boundary_plays(page, app_url):
    open_network(page, f"{app_url}/network?task=moons&steps=200&adam.lr=0.022")
    page.get_by_role("tab", name="Decision boundary").click()
    chart(page, "net-boundary")
    frame = """() => { const gd = document.querySelector('.st-key-net-boundary .js-plotly-plot');
                       return gd._fullLayout.sliders[0].active; }"""
    page.evaluate(frame)
    gd = page.locator(".st-key-net-boundary .js-plotly-plot")
    gd.get_by_text("▶ Play").click()
    page.wait_for_function(f"() => ({frame})() > 3", timeout=30_000)  # it went back to the start and is moving
    first = page.evaluate(frame)
    page.wait_for_function(f"(f) => ({frame})() > f", arg=first, timeout=30_000)
    page.page_errors[:] = [e for e in page.page_errors if e != "undefined"]  # plotly's interrupted-animation promise


@pytest.mark.parametrize("width,height", [(1440, 900), (1024, 768), (390, 844)])
def test_it_lays_out_at_every_screen_size(page, app_url, width, height):
    page.set_viewport_size({"width": width, "height": height})
    open_network(page, f"{app_url}/network?opt=adam,gd,momentum,rmsprop,adagrad,nadam&steps=500")
    loss = chart(page, "net-loss_chart")
    assert loss["right"] <= width and len(loss["names"]) == 7  # six optimizers and the target
    overflow = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollWidth"
                             " - document.querySelector('[data-testid=\"stMain\"]').clientWidth")
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px"
    if width >= 1024:  # the slider that changes the chart and the chart, on one screen
        slider = page.locator(".st-key-net-adam-lr").bounding_box()
        top = page.locator(".st-key-net-loss_chart").bounding_box()
        assert slider["y"] + slider["height"] <= height and top["y"] < height - 150, (slider, top)
    shot(page, f"network_{width}x{height}")
