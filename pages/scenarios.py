"""Scenarios: one-click presets that each show one thing optimizers do, with what to watch."""

from types import SimpleNamespace

import pandas as pd
import streamlit as st

import optimizers
import plots
import surfaces
from teaching import figures, links
from teaching.scenarios import SCENARIOS
from ui import compute

st.title("Scenarios")
st.markdown("Each scenario is a Playground setting that shows one thing optimizers do. Read what to watch, look at "
            "where the runs ended, then open it in the Playground and press ▶ Play.")

for sc in SCENARIOS:
    s = sc.settings
    surface = surfaces.get(s.surface)
    runs, outs, rows = [], {}, []
    for i, key in enumerate(s.optimizers):
        hps = s.hyperparameters(key)
        out = compute.trajectory(key, s.surface, compute.hp_key(hps), tuple(s.start), s.steps, s.noise, s.seed)
        outs[key] = SimpleNamespace(**out)
        label = f"{optimizers.get(key).label} (α = {hps['lr']:g})"
        runs.append(plots.Run(label, plots.color_for(i), out["path"], out["loss"], out["diverged_at"]))
        summary = compute.summary(surface, out["path"], out["loss"], out["diverged_at"])
        rows.append({"optimizer": label, "final loss": summary["final loss"], "status": summary["status"]})
    with st.container(border=True):
        text, picture = st.columns([2, 3], gap="medium")
        with text:
            st.subheader(sc.title)
            st.caption(f"{surface.label} · start ({s.start[0]:g}, {s.start[1]:g}) · {s.steps} steps"
                       + (f" · gradient noise σ = {s.noise:g}" if s.noise else ""))
            st.markdown(sc.watch)
            for claim in sc.claims:
                st.markdown((":green[**✓**] " if claim.holds(outs) else ":red[**✗**] ") + claim.text)
            st.link_button("Open in the Playground ↗", url=links.playground_url(s), type="primary")
        with picture:
            bounds = plots.style.view_bounds(surface, [s.start])
            fig = plots.race_figure(surface, runs, start=s.start, view="overlay", height=400,
                                    image=compute.contour_image(s.surface, tuple(map(tuple, bounds)), 640))
            st.plotly_chart(figures.still(fig, height=400), key=f"scenarios.{sc.key}.preview",
                            config={"displaylogo": False, "staticPlot": False})
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                         column_config={"final loss": st.column_config.NumberColumn(format="%.4g")})
