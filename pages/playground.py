"""The Playground: pick a surface and optimizers, tune them beside the chart, watch them race."""

import dataclasses

import pyarrow as pa
import streamlit as st

import optimizers
import plots
import surfaces
from plots.race_data import Morph, payload
from ui import compute, exports, widgets
from ui.boot import through_app
from ui.race_chart import asset_urls, race_chart
from ui.settings import (
    SCHEDULES,
    base_key,
    check,
    entry_labels,
    morph_label,
    morph_stops,
    morph_target,
    on_slider,
    start_limits,
    tidy_zero,
    twin_number,
)

through_app()  # a direct link on a fresh server: run through app.py

ss = st.session_state
# The toast's box: left, over the page title (which it may hide for a few seconds), above the pickers' row. On a
# phone (Streamlit stacks the columns below 640 px) the tuning card is as tall as it is: one page scroll, not a
# 560 px scroll area inside it.
PAGE_CSS = ("<style>@media (min-width: 640px){[data-testid='stToastContainer']{left:4.5rem!important;"
            "right:auto!important;top:3.4rem!important}[data-testid='stToast']{width:21rem!important;"
            "padding:0.45rem 0.75rem!important}}"
            # the tuning card scrolls on its own beside the chart: a shadow at an edge says more is there (the white
            # covers, "local", scroll with the content; the shadows, "scroll", stay at the edges)
            ".st-key-tuning{background:linear-gradient(#fff 30%,rgba(255,255,255,0)) center top,"
            "linear-gradient(rgba(255,255,255,0),#fff 70%) center bottom,"
            "radial-gradient(farthest-side at 50% 0,rgba(0,0,0,.2),rgba(0,0,0,0)) center top,"
            "radial-gradient(farthest-side at 50% 100%,rgba(0,0,0,.2),rgba(0,0,0,0)) center bottom;"
            "background-repeat:no-repeat;background-size:100% 40px,100% 40px,100% 14px,100% 14px;"
            "background-attachment:local,local,scroll,scroll}"
            # a phone has no room beside the controls: the toast fades after 5 s instead of covering them for 12
            "@keyframes opr-toast-out{to{opacity:0;visibility:hidden}}"
            "@media (max-width: 639px){[data-testid='stToast']{animation:opr-toast-out .4s ease-in 5s forwards!important}}"
            # a touch screen shows no tooltip: the card's icon buttons say what they do
            "@media (max-width: 640px){[class*='st-key-reset-'] button>div::after{content:'Reset'}"
            "[class*='st-key-dup-'] button>div::after{content:'Duplicate'}[class*='st-key-del-'] button>div::after{"
            "content:'Remove'}[class*='st-key-'] button>div::after{margin-left:.4em}}"
            "@media (max-width: 640px){.st-key-tuning,[data-testid='stLayoutWrapper']:has(>.st-key-tuning){"
            "height:auto!important;max-height:none!important;flex:0 0 auto!important;overflow:visible!important}}"
            "</style>")
notices = widgets.load_state()
# start fetching plotly.js (4.7 MB) while this first run computes, not after the chart arrives
# and the page's own rules, every run: the toast's must outlive the run that shows it
st.html(f'<link rel="preload" href="{asset_urls()["plotly"]}" as="fetch" crossorigin="anonymous">' + PAGE_CSS)
widgets.compact_title()  # room for the chart

present = bool(ss.get("present", False))
if present:  # projector mode: the chart fills the screen; the pickers wait above, hidden; the pages stay a click away
    st.html("<style>[data-testid='stMainBlockContainer']{padding-top:3.9rem!important;max-width:100%!important}</style>")
# projector mode: top-aligned, so opening the pickers' expander (the row grows) leaves the switch and popover in place
head = st.container(horizontal=True, vertical_alignment="top" if present else "center", gap="medium")
if not present:
    head.title("Optimizer Playground", width="content")
pickers = head.expander("Surface, optimizers, view", expanded=False) if present else st.container()
# outside the race fragment, like every control that changes rarely: a fragment rerun redraws each widget in it, and
# with thirty students on one server every widget a slider change redraws costs (bench_load.py)
head.toggle("Projector mode", key="present",
            help="Large type and lines for the back row, the chart filling the screen, the pickers hidden. "
                 "A link with present=1 opens in it.")
# in projector mode the expander shares the head row with the switch and the popover: its pickers one under the other,
# each as wide as the expander, so every surface, optimizer and view (3-D too) is reachable at 1024 px
top = [pickers.container(key=f"picker-{i}") for i in range(3)] if present else \
    pickers.columns([0.95, 2.3, 1.6], vertical_alignment="bottom")
top[0].selectbox("Surface", [*surfaces.names(), widgets.CUSTOM], key="surface", on_change=widgets.on_surface_change,
                 format_func=lambda k: "Your own f(x, y)…" if k == widgets.CUSTOM else surfaces.get(k).label)
if ss.surface == widgets.CUSTOM:  # a typed surface: the formula, and an optional box
    typed = (top[0] if present else pickers).columns([2.2, 1])  # under the surface picker
    typed[0].text_input("f(x, y) =", key="formula", on_change=widgets.on_surface_change, max_chars=200,
                        help="Numbers, x, y, + − * / ** (or ^), pi, e and sin cos tan exp log sqrt abs tanh sinh cosh "
                             "atan. The gradient is derived exactly from the formula.")
    typed[1].text_input("Box x0, x1, y0, y1", key="box", on_change=widgets.on_surface_change, placeholder="automatic",
                        help="The plotted box; empty: 6 × 6 around the lowest point found on [−10, 10]².")
    if ss.get(widgets.FORMULA_ERROR):
        (top[0] if present else pickers).error(widgets.inert(ss[widgets.FORMULA_ERROR]), icon=":material/function:")
now = widgets.current()
# the picker's labels must not change in a run of the race fragment alone (a twin's label names its α there): Streamlit
# matches the browser's choice to an option by its label, and a stale label would come back as an unknown optimizer
top[1].multiselect("Optimizers", [*optimizers.names(), *(e for e in ss.optimizers if e != base_key(e))],
                   key="optimizers", format_func=lambda k: optimizers.get(base_key(k)).label
                   + (f" #{twin_number(k)}" if k != base_key(k) or f"{k}:2" in ss.optimizers else ""),
                   help="Pick any set; each has its own colour and its own controls beside the chart. "
                        "“Duplicate” on a card races a second copy with other settings.")
if "guide" not in ss and not present:  # a first visit to the bare address (a shared link says what to look at)
    ss.guide = True  # once a session: a toast floats over the page, so the chart and the sliders stay where they are
    if not st.query_params:
        st.toast("**New here?** Each dot is an optimizer: press **▶ Play**, then raise **Adam's α** under Tune.",
                 icon=":material/lightbulb:", duration=12)  # over the title, then gone: the controls stay free
top[2].segmented_control("View", ["overlay", "multiples", "3d"], key="view", required=True, width="stretch",
                         format_func={"overlay": "Overlay", "multiples": "Side by side", "3d": "3-D"}.get)
with head.popover("Start, noise, morph", icon=":material/tune:",
                  help="Where the race starts (or click a map), gradient noise, and what the chart's morph sweeps."):
    widgets.rare_controls(now)


def _clicked() -> None:
    """A click on a map: start there (kept inside what the start inputs accept)."""
    point = ss["race"]["start"] if "race" in ss else None
    if point:
        (x_lo, x_hi), (y_lo, y_hi) = start_limits(widgets.typed_surface()[0])
        ss.start_x = tidy_zero(round(min(max(float(point["x"]), x_lo), x_hi), 3))  # -0.0004 rounds to -0.0
        ss.start_y = tidy_zero(round(min(max(float(point["y"]), y_lo), y_hi), 3))
        ss[widgets.RERUN_APP] = True  # the start inputs live outside the fragment: they must show the point


def _morphed() -> None:
    """The morph slider was released on a stop: that value, as the slider's own nearest value, becomes the entry's
    setting (in the slider, the runs and the link alike)."""
    m = ss["race"]["morph"] if "race" in ss else None
    if m and m.get("run") in ss.optimizers:
        key = widgets.hp_widget_key(m["run"], m["hp"])
        hp = optimizers.get(base_key(m["run"])).hyperparameter(m["hp"])
        widgets.set_value(key, on_slider(hp, float(m["value"]), extra=ss.get(widgets.EXTRA, {}).get(key, ())))


def _morph(s, entry, name):
    """The morph's paths: `entry` at every stop of hyperparameter `name`, from one batched engine call."""
    hp = optimizers.get(base_key(entry)).hyperparameter(name)
    value = s.hyperparameters(entry)[name]
    stops = morph_stops(hp, value, extra=ss.get(widgets.EXTRA, {}).get(widgets.hp_widget_key(entry, name), ()))
    hps = {k: v for k, v in s.hyperparameters(entry).items() if k != name}
    try:
        blobs = compute.morph_paths(base_key(entry), s.surface, compute.hp_key(hps), name, tuple(stops), s.start,
                                    s.steps, s.noise, s.seed, s.schedules.get(entry, "none"))
    except ValueError:  # a stop the engine refuses with the other settings (torch's own cross-checks)
        return None
    return Morph(run=entry, hp=name, symbol=hp.symbol, label=morph_label(s, (entry, name)),
                 stops=tuple(stops), at=stops.index(value),
                 blobs=blobs)


@st.fragment
def race() -> None:
    """The chart, the controls that tune it and the results: a change here reruns only this part."""
    if ss.pop(widgets.RERUN_APP, False):  # a card added or removed an entry: the picker above must show it
        st.rerun(scope="app")
    widgets.restore(in_fragment=True)  # a fragment run that drew another card dropped this card's values
    s = widgets.current()
    url = widgets.save(s)
    surface = surfaces.get(s.surface)
    labels = entry_labels(s)
    if notices and widgets.notices_apply(s):
        widgets.link_notices(notices)  # one box, as on every page: five would push the chart below the fold

    chart_col, tune_col = st.columns([0.78, 0.22] if s.present else [0.72, 0.28], gap="small")
    tuning = tune_col.container(height=560, border=False, key="tuning")
    with chart_col:  # drawn before the cards: the chart's data reaches the browser first
        rows = _chart(s, surface, labels, url)
    with tuning:
        _tuning(s, labels)
    if rows is not None and not s.present:
        _results(surface, rows)


def _chart(s, surface, labels, url):
    """The race (or what stops it), its badges, caption and downloads; returns the results table's rows."""
    problem = check(s)
    if not s.optimizers:
        st.info("Pick at least one optimizer above to start the race.")
        return None
    if problem:
        st.error(f"{problem} Change that setting (or press its Reset) to run.")
        return None
    entries = [(labels[e], base_key(e), s.hyperparameters(e), s.schedules.get(e, "none")) for e in s.optimizers]
    runs, _ = compute.race_runs(s.surface, entries, s.start, s.steps, s.noise, s.seed, record="path")
    styles = [plots.style.entry_style(base_key(e), twin_number(e)) for e in s.optimizers]
    runs = [dataclasses.replace(r, color=color, dash=dash) for r, (color, dash) in zip(runs, styles, strict=True)]
    rows = [{"optimizer": run.label, "α": hps["lr"], **compute.summary(surface, run.path, run.loss, run.diverged_at)}
            for run, (_, _, hps, _) in zip(runs, entries, strict=True)]
    for run, row, (_, _, hps, _) in zip(runs, rows, entries, strict=True):
        if row["status"].startswith("diverged"):  # also a loss that overflowed while the position stayed finite
            st.badge(f"{run.label} {row['status']}: lower α (now {hps['lr']:g})", icon=":material/error:", color="red")
    if s.view == "3d":
        grid = compute.contour_grid(s.surface, tuple(map(tuple, plots.style.view_bounds(surface, [s.start]))))
        st.plotly_chart(plots.surface3d_figure(surface, runs, grid, present=s.present), key="chart3d",
                        config={"displaylogo": False})
        # no Play here: say where the race is, or a teacher looks for the step bar the other views have
        st.caption("The 3-D view shows whole paths; drag to turn it. To play the race step by step, pick **Overlay** "
                   "or **Side by side** under View.")
    else:
        target = morph_target(s)
        morph = _morph(s, *target) if target else None
        bounds = plots.style.view_bounds(surface, [s.start])
        image = compute.race_image(s.surface, s.start, s.view)
        data, blobs = payload(surface, runs, list(s.optimizers), start=s.start, bounds=bounds, view=s.view,
                              image=image, morph=morph, url=url, present=s.present)
        race_chart(data, blobs, key="race", on_start=_clicked, on_morph=_morphed)
        st.caption("▶ Play, step with −1/+1 or the keys (Space, ←/→, Shift for 10, +/− speed, Home/End, ? for "
                   "help). Click a map to start there. "
                   + ("Darker = higher loss (levels on a log scale)." if surface.log_contour else "Darker = higher loss."))
        if st.toggle("Download the race: GIF, video, PNG, offline HTML, CSV, JSON, torch code", key="downloads"):
            with st.container(border=True):  # only while open: its widgets cost every rerun
                exports.panel(s, surface, runs, bounds, image)
                exports.torch_panel(s, surface)
    return rows


def _tuning(s, labels) -> None:
    """The steps, then every entry's hyperparameters: beside the chart."""
    widgets.steps_control()  # here, not with the pickers: a change reruns the race alone
    st.toggle("Same α for all", key="same_lr", on_change=widgets.rerun_app,  # the morph's choices change with it
              help="Give every optimizer one learning rate. Comparing optimizers at different α is a common source "
                   "of unfair conclusions.")
    if s.same_lr:
        widgets.hp_widget("shared", optimizers.get("adam").hyperparameter("lr"), label="α for all", key="shared_lr")
    if not s.optimizers:
        return
    if ss.get("tune") not in s.optimizers:  # Adam first: the optimizer this app is about
        ss.tune = "adam" if "adam" in s.optimizers else s.optimizers[0]
    pick = st.segmented_control if len(s.optimizers) <= 4 else st.selectbox  # buttons while they fit on two rows
    pick("Tune", list(s.optimizers), key="tune", format_func=lambda e: labels[e],
         help="One optimizer's settings at a time, so they stay beside the chart.",
         **({"required": True} if pick is st.segmented_control else {}))
    for entry in [ss.tune]:
        opt = optimizers.get(base_key(entry))
        color, _ = plots.style.entry_style(base_key(entry), twin_number(entry))
        with st.container(border=True, key=f"card-{entry}"):
            st.markdown(f"<span style='color:{color};font-size:1.15em'>●</span> **{labels[entry]}**",
                        unsafe_allow_html=True)
            if not s.hyperparameters(entry).get("bias_correction", True):
                st.caption(":material/school: Bias correction off: the textbook *simplified Adam*, "
                           "θ ← θ − α·m/(√v + ε). torch.optim.Adam has no such switch, so this run has no torch counterpart.")
            for hp in opt.hyperparameters:
                if hp.ui:
                    if hp.name == "lr" and s.same_lr:
                        st.caption(f"α = {s.shared_lr:g} (the same α for all is on)")
                        continue
                    widgets.hp_widget(entry, hp)
            _schedule(s, entry, color)
            b1, b2, b3 = st.columns(3, gap="small")
            b1.button("", icon=":material/restart_alt:", key=f"reset.{entry}", on_click=widgets.reset, args=(entry,),
                      width="stretch", help="Reset: back to torch's defaults")
            b2.button("", icon=":material/content_copy:", key=f"dup.{entry}", on_click=widgets.duplicate, args=(entry,),
                      width="stretch", help="Duplicate: race a second copy of this optimizer with its own settings")
            b3.button("", icon=":material/close:", key=f"del.{entry}", on_click=widgets.remove, args=(entry,),
                      width="stretch", help="Remove from the race")


def _schedule(s, entry: str, color: str) -> None:
    """The entry's learning-rate schedule, and the α it gives each step as a small curve beside the race."""
    st.selectbox("Schedule of α", list(SCHEDULES), key=widgets.schedule_key(entry), format_func=SCHEDULES.get,
                 on_change=widgets.rerun_app,
                 help="A torch.optim.lr_scheduler stepped after every step, sized to the race's steps.")
    name = s.schedules.get(entry, "none")
    if name == "none":
        return
    out = compute.trajectory(base_key(entry), s.surface, compute.hp_key(s.hyperparameters(entry)), tuple(s.start),
                             int(s.steps), s.noise, s.seed, "path", name)
    if out["lr"] is not None:
        st.plotly_chart(plots.lr_curve_figure(out["lr"], color), key=f"lr-{entry}", config={"displayModeBar": False})


def _results(surface, rows) -> None:
    st.subheader("Results")
    columns = {c: [r[c] for r in rows] for c in rows[0] if c != "tolerance"} if rows else {}
    text = {}
    if "first step within tolerance" in columns:  # a run that never got there says so instead of a blank cell
        columns["first step within tolerance"] = [("—" if v is None or v != v else str(int(v)))
                                                  for v in columns["first step within tolerance"]]
        text["first step within tolerance"] = st.column_config.TextColumn()
    for col in ("final loss", "distance to nearest minimum"):
        if col in columns:
            columns[col] = [("diverged" if v is None or v != v else f"{v:.4g}") for v in columns[col]]
            text[col] = st.column_config.TextColumn()
    # an Arrow table, not a DataFrame: pandas' conversion cost 3 ms of the server's CPU on every change, this 0.1 ms
    st.dataframe(pa.table(columns), hide_index=True, width="stretch",
                 column_config={"α": st.column_config.NumberColumn(format="%.3g"), **text})
    if surface.minima and rows and "tolerance" in rows[0]:
        st.caption(f"Tolerance: within {rows[0]['tolerance']:.3g} of a global minimum.")


race()

s = ss[widgets.STATE]
if s.present:
    st.stop()  # projector mode: nothing below the chart
surface = surfaces.get(s.surface)
with st.expander(f"**{surface.label}** — the formula and its minima", expanded=False):
    st.markdown(f"{surface.description}\n\n$$\n{surface.latex}\n$$")
st.subheader("Equations")
if s.optimizers:
    tabs = st.tabs([entry_labels(s)[e] for e in s.optimizers])
    for tab, entry in zip(tabs, s.optimizers, strict=True):
        opt = optimizers.get(base_key(entry))
        notes = [opt.summary, *(f"$$\n{eq}\n$$" for eq in opt.equations), f"`{opt.torch}`",
                 *([f"Convention: {opt.convention}"] if opt.convention else [])]
        # one element a tab, not one per line: every element is a message a whole-page rerun sends
        tab.markdown("\n\n".join(notes))
st.caption("Every path equals what torch.optim computes with the same settings, step for step (checked to 1e-9 in "
           "the tests), except Adam with bias correction off, which torch does not offer.")
