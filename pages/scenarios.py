"""Scenarios: one-click presets that each show one thing optimizers do, with what to watch."""

from dataclasses import replace
from types import SimpleNamespace

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import optimizers
import plots
import surfaces
from teaching import figures, links
from teaching.scenarios import SCENARIOS
from ui import compute, exports
from ui.boot import through_app

through_app()  # a direct link on a fresh server: run through app.py

st.title("Scenarios")
st.markdown("Each scenario is a Playground setting that shows one thing optimizers do. Read what to watch, look at "
            "where the runs ended, then open it in the Playground and press ▶ Play.")


def _entries(s):
    return [(f"{optimizers.get(k).label} (α = {s.hyperparameters(k)['lr']:g})", k, s.hyperparameters(k)) for k in s.optimizers]


@st.cache_data(max_entries=16, show_spinner=False)
def preview(index: int) -> dict:
    """Scenario `index`'s still preview as a plain dict: built once, not on every visit."""
    s = SCENARIOS[index].settings
    runs, _ = compute.race_runs(s.surface, _entries(s), s.start, s.steps, s.noise, s.seed)
    fig = plots.race_figure(surfaces.get(s.surface), runs, start=s.start, view="overlay", height=400, max_frames=2,
                            image=compute.race_image(s.surface, s.start))
    return figures.still(fig, height=400).to_dict()


for index, sc in enumerate(SCENARIOS):
    s = sc.settings
    surface = surfaces.get(s.surface)
    entries = _entries(s)
    runs, by_label = compute.race_runs(s.surface, entries, s.start, s.steps, s.noise, s.seed)
    outs = {key: SimpleNamespace(**by_label[label]) for label, key, _ in entries}
    rows = [{"optimizer": run.label, **{k: v for k, v in compute.summary(surface, run.path, run.loss, run.diverged_at).items()
                                         if k in ("final loss", "status")}} for run in runs]
    with st.container(border=True):
        text, picture = st.columns([2, 3], gap="medium")
        with text:
            st.subheader(sc.title)
            st.caption(f"{surface.label} · start ({s.start[0]:g}, {s.start[1]:g}) · {s.steps} steps"
                       + (f" · gradient noise σ = {s.noise:g}" if s.noise else ""))
            st.markdown(sc.watch)
            for claim in sc.claims:
                st.markdown((":green[**✓**] " if claim.holds(outs) else ":red[**✗**] ") + claim.text)
            go_1, go_2 = st.columns(2)
            go_1.link_button("Open in the Playground ↗", url=links.playground_url(s), type="primary")
            go_2.link_button("Present ↗", url=links.playground_url(replace(s, present=True)),
                             help="The Playground in projector mode: large type, the chart filling the screen.")
            if st.toggle("Downloads: GIF, video, PNG, HTML, CSV, JSON", key=f"scenarios.{sc.key}.downloads"):
                exports.panel(s, surface, runs, plots.style.view_bounds(surface, [s.start]),
                              compute.race_image(s.surface, s.start), key=f"scenarios.{sc.key}.")
        with picture:
            st.plotly_chart(go.Figure(preview(index), _validate=False), key=f"scenarios.{sc.key}.preview",
                            config={"displaylogo": False, "staticPlot": False})
            table = pd.DataFrame([{**r, "final loss": "diverged" if r["final loss"] is None else f"{r['final loss']:.4g}"}
                                  for r in rows])  # a run that overflowed says so instead of "None"
            st.dataframe(table, hide_index=True, width="stretch")
