"""The Playground: pick a surface and optimizers, tune them, watch them race side by side."""

import pandas as pd
import streamlit as st

import optimizers
import plots
import surfaces
from ui import compute, widgets
from ui.settings import check, start_limits, to_query

notices = widgets.load_once()

with st.sidebar:
    st.selectbox("Surface", surfaces.names(), key="surface", format_func=lambda k: surfaces.get(k).label,
                 on_change=widgets.on_surface_change)
    st.multiselect("Optimizers", optimizers.names(), key="optimizers", format_func=lambda k: optimizers.get(k).label,
                   help="Pick any set; each gets its own colour and its own sliders below the chart.")
    st.markdown("**Start** (or click the map)")
    cx, cy = st.columns(2)
    (xlo, xhi), (ylo, yhi) = start_limits(st.session_state.surface)  # what a share link accepts, too
    cx.number_input("x", key="start_x", step=0.1, format="%.3f", min_value=xlo, max_value=xhi)
    cy.number_input("y", key="start_y", step=0.1, format="%.3f", min_value=ylo, max_value=yhi)
    widgets.run_controls()
    st.toggle("Same α for all", key="same_lr",
              help="Give every optimizer one learning rate. Comparing optimizers at different α is a common source "
                   "of unfair conclusions.")
    if st.session_state.same_lr:
        widgets.hp_widget("shared", optimizers.get("adam").hyperparameter("lr"), label="α for all", key="shared_lr")
    st.radio("View", ["overlay", "multiples", "3d"], key="view", horizontal=True,
             format_func={"overlay": "Overlay", "multiples": "Side by side", "3d": "3-D"}.get)

s = widgets.current()
surface = surfaces.get(s.surface)
st.query_params.from_dict(to_query(s))  # the URL is the shareable state

st.title("Optimizer Playground")
if notices and st.session_state.get("_loaded_query") == to_query(s):  # until the user changes something
    for note in notices:
        st.warning(note, icon=":material/link:")
st.markdown(f"**{surface.label}** — {surface.description}")
st.latex(surface.latex)  # full width: several formulas are wider than a column

problem = check(s)
if not s.optimizers:
    st.info("Pick at least one optimizer in the sidebar to start the race.")
    st.stop()
if problem:
    st.error(f"{problem} Change that setting (or press its Reset) to run.")
    st.stop()

entries = [(optimizers.get(key).label, key, s.hyperparameters(key)) for key in s.optimizers]
runs, outs = compute.race_runs(s.surface, entries, s.start, s.steps, s.noise, s.seed)
rows = [{"optimizer": run.label, "α": hps["lr"], **compute.summary(surface, run.path, run.loss, run.diverged_at)}
        for run, (_, _, hps) in zip(runs, entries, strict=True)]

for run, key, row in zip(runs, s.optimizers, rows, strict=True):
    if row["status"].startswith("diverged"):  # also a loss that overflowed while the position stayed finite
        lr = s.hyperparameters(key)["lr"]
        st.badge(f"{run.label} {row['status']}: lower α (now {lr:g})", icon=":material/error:", color="red")

if s.view == "3d":
    grid = compute.contour_grid(s.surface, tuple(map(tuple, plots.style.view_bounds(surface, [s.start]))))
    st.plotly_chart(plots.surface3d_figure(surface, runs, grid), key="chart3d", config={"displaylogo": False})
else:
    fig = plots.race_figure(surface, runs, start=s.start, view=s.view, click_grid=s.view == "overlay",
                            image=compute.race_image(s.surface, s.start, s.view))


    def _clicked():
        points = st.session_state.race.selection.points
        if points:  # the map shows a margin beyond what the start inputs accept: keep a click inside their limits
            (x_lo, x_hi), (y_lo, y_hi) = start_limits(s.surface)
            st.session_state.start_x = round(min(max(points[0]["x"], x_lo), x_hi), 3)
            st.session_state.start_y = round(min(max(points[0]["y"], y_lo), y_hi), 3)

    st.plotly_chart(fig, key="race", on_select=_clicked if s.view == "overlay" else "ignore", theme=None,
                    selection_mode="points", config={"displaylogo": False, "scrollZoom": False})
    st.caption("▶ Play animates in your browser; drag the step slider to scrub. Click the map to start from there. "
               + ("Darker = higher loss (levels on a log scale)." if surface.log_contour else "Darker = higher loss."))

# one card per optimizer: its colour, its equations, its sliders
st.subheader("Hyperparameters")
cards = st.columns(min(len(s.optimizers), 4))
for i, key in enumerate(s.optimizers):
    opt = optimizers.get(key)
    with cards[i % len(cards)].container(border=True):
        st.markdown(f"<span style='color:{plots.color_for(i)};font-size:1.2em'>●</span> **{opt.label}**",
                    unsafe_allow_html=True)
        st.caption(opt.summary)
        if not s.hyperparameters(key).get("bias_correction", True):
            st.warning("Bias correction off: this is the textbook *simplified Adam*, θ ← θ − α·m/(√v + ε). "
                       "torch.optim.Adam has no such switch, so this run has no torch counterpart.",
                       icon=":material/school:")
        for hp in opt.hyperparameters:
            if hp.ui:
                widgets.hp_widget(key, hp, disabled=hp.name == "lr" and s.same_lr)
        st.button("Reset to torch defaults", key=f"reset.{key}", on_click=widgets.reset, args=(key,),
                  width="stretch")
        with st.expander("Equations"):
            for eq in opt.equations:
                st.latex(eq)
            st.caption(f"`{opt.torch}`")
            if opt.convention:
                st.caption(f"Convention: {opt.convention}")

st.subheader("Results")
table = pd.DataFrame(rows).drop(columns=["tolerance"], errors="ignore")
st.dataframe(table, hide_index=True, width="stretch",
             column_config={"α": st.column_config.NumberColumn(format="%.3g"),
                            "final loss": st.column_config.NumberColumn(format="%.4g"),
                            "distance to nearest minimum": st.column_config.NumberColumn(format="%.3g")})
if surface.minima and rows and "tolerance" in rows[0]:
    st.caption(f"Tolerance: within {rows[0]['tolerance']:.3g} of a global minimum.")
st.caption("Every path equals what torch.optim computes with the same settings, step for step (checked to 1e-9 in "
           "the tests), except Adam with bias correction off, which torch does not offer.")
