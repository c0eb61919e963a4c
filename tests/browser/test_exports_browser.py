"""The downloaded HTML plays in a browser that may fetch nothing: the offline file a teacher puts in a slide deck."""

from __future__ import annotations

import numpy as np
import pytest
from browser_helpers import ARTIFACTS, shot

import optimizers
import plots
import surfaces
from plots import export
from plots.style import contour_image, entry_style, view_bounds

pytestmark = pytest.mark.browser


def test_the_html_export_plays_with_every_request_blocked(page, tmp_path):
    surface = surfaces.get("rosenbrock")
    runs = []
    for key, lr in (("gd", 1e-3), ("adam", 0.05)):
        t = optimizers.simulate(key, surface, np.array(surface.start), 300, lr=lr)
        color, dash = entry_style(key)
        runs.append(plots.Run(optimizers.get(key).label, color, t.path, t.loss, t.diverged_at, dash))
    image = contour_image(surface, view_bounds(surface, [surface.start]), px=320)
    path = tmp_path / "race.html"
    path.write_text(export.html(plots.race_figure(surface, runs, start=surface.start, image=image)), encoding="utf-8")
    attempted = []

    def block(route):
        if not route.request.url.startswith("file:"):
            attempted.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", block)
    page.goto(path.as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg")
    step = ("() => Array.from(document.querySelectorAll('.slider-container text')).map(t => t.textContent)"
            ".find(t => t.startsWith('step '))")
    assert page.evaluate(step) == "step 0", "autoplay is off"
    page.locator(".updatemenu-button", has_text="▶ Play").click()
    page.wait_for_function(f"() => ({step})() !== 'step 0'")
    ARTIFACTS.mkdir(exist_ok=True)
    shot(page, "export_html_offline")
    assert attempted == [], attempted
    page.page_errors[:] = [e for e in page.page_errors if e != "undefined"]  # plotly's interrupted-animation rejection
