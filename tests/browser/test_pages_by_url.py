"""Every page opened by a deep link in a real headless Chromium shows the settings its link carries (the pages that
read none render by their plain address), and the Inspector keeps its settings, in its widgets and in its address,
across a trip to another page. Each check waits for what it reads: no fixed sleeps."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlparse

import pytest
from browser_helpers import wait_idle
from playwright.sync_api import expect
from test_teaching_browser import EXCEPTION, NAV_LINK, TEACHING, check_page, drop_plotly_rejections, wait_page, walk_lesson_tabs

import optimizers
import surfaces
from ui import inspector_settings as ins

pytestmark = pytest.mark.browser

CHARTS = {path: charts for path, _, charts in TEACHING}  # how many charts each page draws at least
ALERT = '[data-testid="stAlert"]'
WAIT = 60_000  # a busy machine: generous, and only ever waited for, never slept


def field(pg, key: str):
    """A widget's element by its Streamlit key (dots become dashes in the class name)."""
    return pg.locator(f".st-key-{key.replace('.', '-')}")


def expect_choice(pg, key: str, label: str) -> None:
    """A selectbox shows `label`."""
    expect(field(pg, key).get_by_role("combobox")).to_have_value(label, timeout=WAIT)


def expect_slider(pg, key: str, text: str) -> None:
    """A slider (or select_slider) stands at `text`."""
    expect(field(pg, key).get_by_role("slider")).to_have_attribute("aria-valuetext", text, timeout=WAIT)


def expect_query(pg, query: dict) -> None:
    """The address bar carries exactly `query` (written by the page, perhaps a moment after its run)."""
    pg.wait_for_function("(q) => { const p = new URLSearchParams(location.search); const want = Object.entries(q);"
                         " return [...p.keys()].length === want.length && want.every(([k, v]) => p.get(k) === v); }",
                         arg=query, timeout=WAIT)
    assert dict(parse_qsl(urlparse(pg.url).query)) == query


def open_page(pg, app_url: str, path: str, title: str, query: str = "") -> None:
    pg.goto(f"{app_url}/{path}{'?' + query if query else ''}")
    wait_page(pg, path, title, CHARTS[path])


def no_trouble(pg, where: str) -> None:
    """No exception box, no link notice or warning, no page error."""
    assert pg.locator(EXCEPTION).count() == 0, f"{where}: {pg.locator(EXCEPTION).first.inner_text()}"
    assert pg.locator(ALERT).count() == 0, f"{where}: {pg.locator(ALERT).all_inner_texts()}"
    drop_plotly_rejections(pg)
    assert not pg.page_errors, (where, pg.page_errors)


# ------------------------------------------------------------------ the Inspector


def expect_inspector(pg, opt: str, surface: str, t: int, lr: float) -> None:
    """The Inspector shows `opt` on `surface` at step t with α = lr, and its picture is drawn at that step."""
    expect_choice(pg, "inspector.opt", optimizers.get(opt).label)
    expect_choice(pg, "inspector.surface", surfaces.get(surface).label)
    expect_slider(pg, "inspector.step", str(t))
    expect_slider(pg, f"inspector.{opt}.lr", f"{lr:g}")
    expect(pg.locator("strong", has_text=re.compile(rf"^Step t = {t}$")).first).to_be_visible(timeout=WAIT)
    pg.wait_for_function("(t) => { const gd = document.querySelector('.st-key-inspector-figure .js-plotly-plot');"
                         " return !!gd && !!gd.data && gd.data.some(d => d.name === 'θ at step ' + t); }",
                         arg=t, timeout=WAIT)
    caption = pg.get_by_text(f"{optimizers.get(opt).label} on {surfaces.get(surface).label}:")
    expect(caption.first).to_be_visible(timeout=WAIT)


def test_the_inspector_by_url_keeps_its_settings_across_pages(page, app_url):
    # RAdam on Beale by a link: both selected, Beale's own α (no explosion warning), the picture drawn at step 7
    lr = ins.hp_defaults("radam", "beale")["lr"]
    q = {"opt": "radam", "surface": "beale", "t": "7", "zoom": "4", "narrate": "0"}
    open_page(page, app_url, "inspector", "Inspector", "&".join(f"{k}={v}" for k, v in q.items()))
    expect_inspector(page, "radam", "beale", 7, lr)
    expect(field(page, "inspector.narrate").locator("input[type=checkbox]")).not_to_be_checked(timeout=WAIT)
    expect(field(page, "inspector.zoom").get_by_role("radio", name="zoom ×4")).to_be_checked(timeout=WAIT)
    expect_query(page, q)
    no_trouble(page, "/inspector")

    # to the Playground by the navigation, and back: the same settings, and the address says so again
    page.locator(NAV_LINK, has_text="Playground").first.click()
    page.locator(".opr-root .js-plotly-plot .main-svg").first.wait_for(timeout=WAIT)
    wait_idle(page, timeout=WAIT)
    page.locator(NAV_LINK, has_text="Inspector").first.click()
    wait_page(page, "inspector", "Inspector", CHARTS["inspector"])
    expect_inspector(page, "radam", "beale", 7, lr)
    expect(field(page, "inspector.narrate").locator("input[type=checkbox]")).not_to_be_checked(timeout=WAIT)
    expect_query(page, q)
    no_trouble(page, "/inspector, back from the Playground")

    # an α that explodes there: the warning names the largest α that does not, and its button sets it
    page.goto(f"{app_url}/inspector?opt=radam&surface=beale&radam.lr=0.1")
    wait_page(page, "inspector", "Inspector", CHARTS["inspector"])
    warning = page.locator(ALERT).filter(has_text="This run explodes")
    expect(warning).to_contain_text(f"Lower α: {lr:g} is the largest α", timeout=WAIT)
    page.get_by_role("button", name=f"Use α = {lr:g}").click()
    expect(warning).to_have_count(0, timeout=WAIT)
    expect_slider(page, "inspector.radam.lr", f"{lr:g}")
    expect_query(page, {"opt": "radam", "surface": "beale"})  # Beale's own α: nothing to say in the address
    wait_idle(page, timeout=WAIT)
    no_trouble(page, "/inspector, after 'Use α'")


# ------------------------------------------------------------------ the other pages


def check_lesson(pg) -> None:
    expect_slider(pg, "lesson.momentum.gamma", "0.99")
    expect_slider(pg, "lesson.hp.eps", "1e-8")
    expect(pg.get_by_role("tab", name="ε: the safety term")).to_have_attribute("aria-selected", "true", timeout=WAIT)
    pg.wait_for_function("() => { const gd = document.querySelector('.st-key-lesson-momentum-race .js-plotly-plot');"
                         " return !!gd && !!gd.data && gd.data.some(d => d.name === 'Momentum, γ = 0.99'); }",
                         timeout=WAIT)


def check_sweeps(pg) -> None:
    expect_choice(pg, "sw.surface", surfaces.get("beale").label)
    expect_choice(pg, "sw.opt", optimizers.get("rmsprop").label)
    expect_slider(pg, "sw.steps", "200")
    expect_slider(pg, "sw.n", "16 × 16")
    start = surfaces.get("beale").start
    expect(field(pg, "sw.x").locator("input")).to_have_value(f"{start[0]:.3f}", timeout=WAIT)
    pg.wait_for_function("() => { const gd = document.querySelector('.st-key-sw-grid_chart .js-plotly-plot');"
                         " return !!gd && !!gd.data && gd.data.some(d => d.type === 'heatmap'); }", timeout=WAIT)


def check_network(pg) -> None:
    expect(pg.get_by_role("tab", name="Decision boundary")).to_be_visible(timeout=WAIT)  # a classification set's tab
    pg.locator('[data-testid="stExpander"] summary', has_text="Data").first.click()  # the data set sits folded away
    expect_choice(pg, "net.task", "Moons")
    tags = field(pg, "net.optimizers").locator("[data-tag]")
    expect(tags).to_have_count(3, timeout=WAIT)
    assert [t.get_attribute("aria-label") for t in tags.all()] == [optimizers.get(k).label for k in ("adam", "gd", "momentum")]
    expect_slider(pg, "net.steps", "60")
    expect_slider(pg, "net.adam.lr", "0.01")
    pg.wait_for_function("() => { const gd = document.querySelector('.st-key-net-loss_chart .js-plotly-plot');"
                         " return !!gd && !!gd.data && ['Adam', 'Momentum'].every(n => gd.data.some(d => d.name === n)); }",
                         timeout=WAIT)


def expect_toggle(pg, key: str) -> None:
    """A toggle is on."""
    expect(field(pg, key).locator("input[type=checkbox]")).to_be_checked(timeout=WAIT)


def expect_trace(pg, chart_key: str, name: str) -> None:
    """The chart of Streamlit key `chart_key` draws a trace called `name`."""
    pg.wait_for_function("([sel, name]) => { const gd = document.querySelector(sel + ' .js-plotly-plot');"
                         " return !!gd && !!gd.data && gd.data.some(d => d.name === name); }",
                         arg=[f".st-key-{chart_key.replace('.', '-')}", name], timeout=WAIT)


def check_adam_fails(pg) -> None:
    expect_slider(pg, "adam_fails.fig1.lr", "0.05")
    expect_slider(pg, "adam_fails.fig1.periods", "200")
    expect_slider(pg, "adam_fails.fig1.start", "0.5")
    expect_toggle(pg, "adam_fails.fig1.decay")
    expect_slider(pg, "adam_fails.thm1.C", "10")
    steps = pg.get_by_test_id("stMetric").filter(has=pg.get_by_test_id("stMetricLabel").get_by_text("steps", exact=True))
    expect(steps.get_by_test_id("stMetricValue")).to_have_text("20,200", timeout=WAIT)  # run for those settings


def check_knobs(pg) -> None:
    expect_toggle(pg, "knobs.present")
    expect_slider(pg, "knobs.sign.beta1", "0.9")
    expect_slider(pg, "knobs.eps.eps", "0.1")
    expect_toggle(pg, "knobs.scale.times1000")
    expect_slider(pg, "knobs.warmup.steps", "10")
    expect_trace(pg, "knobs.sign.chart", "Adam, β₁ = 0.9, β₂ = 0")  # the demos drawn from those settings
    expect_trace(pg, "knobs.eps.chart", "Adam, ε = 0.1")
    expect_trace(pg, "knobs.scale.chart", "Adam, loss × 1000")
    pg.wait_for_function("() => { const gd = document.querySelector('.st-key-knobs-sign-chart .js-plotly-plot');"
                         " return !!gd && !!gd._fullLayout && gd._fullLayout.font.size >= 20; }", timeout=WAIT)


# path, title, the link's query ("" for a page that reads none: its plain address), what it must show
PAGES = [
    ("how_adam_works", "How Adam works", "momentum.gamma=0.99&hp.eps=1e-08&tab=eps", check_lesson),
    ("sweeps", "Sweeps", "surface=beale&opt=rmsprop&yhp=alpha&steps=200&n=16", check_sweeps),
    ("network", "The article's network", "task=moons&opt=adam,gd,momentum&steps=60&adam.lr=0.01", check_network),
    ("scenarios", "Scenarios", "", None),
    ("when_adam_fails", "When Adam fails", "lr=0.05&periods=200&start=0.5&decay=1&C=10", check_adam_fails),
    ("adams_knobs", "Adam's knobs", "present=1&sign.beta1=0.9&eps.eps=0.1&scale.times1000=1&warmup.steps=10",
     check_knobs),
]


def test_every_page_by_its_deep_link_shows_its_settings(page, app_url):
    """One tab, one page after another: each draws its charts and shows what its link says, and keeps the link."""
    for path, title, query, check in PAGES:
        open_page(page, app_url, path, title, query)
        check_page(page, path, title, CHARTS[path])  # every chart drawn, the app's own navigation, no page error
        if check is not None:
            check(page)
        expect_query(page, dict(parse_qsl(query)))
        if path == "how_adam_works":  # the tab the link chose, then every other tab draws its chart
            walk_lesson_tabs(page)
        wait_idle(page, timeout=WAIT)
        no_trouble(page, f"/{path}?{query}")
