"""The Sweeps page in a real headless Chromium: the heatmap renders, a click on a cell draws that cell's run, and
"Open in the Playground" opens the Playground with exactly those settings; the other views render."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlparse

import numpy as np
import pytest
from browser_helpers import RACE, shot, wait_idle
from test_network_browser import CHART_IN
from test_teaching_browser import CHARTS_DRAWN

import sweeps
from plots.sweeps import to_axis

pytestmark = pytest.mark.browser

# the pixel (page coordinates) of a point given on the chart's drawn scales
POINT_AT = """([key, x, y]) => {
  const gd = document.querySelector('.st-key-' + key + ' .js-plotly-plot');
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
  return [r.left + xa._offset + xa.d2p(x), r.top + ya._offset + ya.d2p(y)];
}"""
TITLE_OF = """(key) => { const gd = document.querySelector('.st-key-' + key + ' .js-plotly-plot');
  const t = gd && gd._fullLayout && gd._fullLayout.title;
  return t ? t.text.replace(/<[^>]*>/g, '') : null; }"""


def open_sweeps(pg, url):
    pg.goto(url)
    pg.get_by_role("heading", name="Sweeps", level=1).wait_for(timeout=60_000)
    wait_idle(pg, timeout=60_000)
    pg.wait_for_function(CHARTS_DRAWN, arg=1, timeout=60_000)


def test_a_click_on_a_cell_draws_its_run_and_opens_it_in_the_playground(page, app_url):
    n = 16
    open_sweeps(page, f"{app_url}/sweeps?n={n}")
    page.wait_for_function(f"(k) => !!({CHART_IN})(k)", arg="sw-grid_chart", timeout=60_000)
    before = page.evaluate(TITLE_OF, "sw-cell_path")
    shot(page, "sweeps_grid_1440")
    xv, yv = sweeps.axis("adam", "lr", n), sweeps.axis("adam", "beta2", n)
    i, j = 12, 3
    x, y = float(to_axis("log", xv)[j]), float(to_axis("log1m", yv)[i])
    px, py = page.evaluate(POINT_AT, ["sw-grid_chart", x, y])
    page.mouse.click(px, py)
    expected = f"α = {xv[j]:.3g}, β₂ = {yv[i]:.5g}"
    page.wait_for_function(f"([k, t]) => ({TITLE_OF})(k) === t", arg=["sw-cell_path", expected], timeout=30_000)
    assert expected != before
    wait_idle(page)
    href = page.locator(".st-key-sw-cell_link a").get_attribute("href")
    query = dict(parse_qsl(urlparse(href).query))
    assert float(query["adam.lr"]) == pytest.approx(xv[j], rel=1e-9)
    assert float(query["adam.beta2"]) == pytest.approx(yv[i], rel=1e-9)
    page.goto(app_url + href if href.startswith("/") else href)
    page.locator(RACE).first.wait_for(timeout=60_000)
    wait_idle(page)
    assert "adam.beta2=" in page.url
    legend = page.locator(".opr-root").inner_text()
    assert "Adam" in legend


@pytest.mark.parametrize("view,query,key", [
    ("curve", "view=curve&cn=12&steps=300", "sw-curve_chart"),
    ("basins", "view=basins&surface=himmelblau&bn=64&gd.lr=0.01&momentum.lr=0.01", "sw-basins_chart"),
    ("seeds", "view=seeds&noise=1&sn=8", "sw-band_chart"),
])
def test_every_view_renders(page, app_url, view, query, key):
    open_sweeps(page, f"{app_url}/sweeps?{query}")
    page.wait_for_function(f"(k) => !!({CHART_IN})(k)", arg=key, timeout=60_000)
    shot(page, f"sweeps_{view}_1440")


def test_it_fits_a_projector_and_a_phone(page, app_url):
    for width, height in ((1024, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        open_sweeps(page, f"{app_url}/sweeps?n=32")
        chart = page.wait_for_function(f"(k) => ({CHART_IN})(k)", arg="sw-grid_chart", timeout=60_000).json_value()
        assert chart["right"] <= width
        overflow = page.evaluate("() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
                                 " return m.scrollWidth - m.clientWidth; }")
        assert overflow <= 1
        shot(page, f"sweeps_{width}x{height}")
    assert np.isfinite(width)
