"""Sweeps: thousands of runs in one batched call. Two hyperparameters on a grid, sensitivity curves with each
optimizer's best value, basins of attraction, and the spread of noisy runs."""


import numpy as np
import pandas as pd
import streamlit as st

import optimizers
import surfaces
import sweeps
from plots import sweeps as figs
from plots.style import OPTIMIZER_COLORS
from teaching.links import playground_url
from ui import sweep_compute as sc
from ui import sweep_state, widgets
from ui.boot import through_app
from ui.settings import NOISE, STEPS, Settings, start_limits
from ui.sweep_settings import (
    BAND_SEEDS,
    BASIN_SIZES,
    CURVE_SIZES,
    GRID_SIZES,
    MAX_CURVE_OPTIMIZERS,
    SEED_COUNTS,
    VIEWS,
    axes_of,
    common_axes,
)

through_app()  # a direct link on a fresh server: run through app.py

P = sweep_state.P
ss = st.session_state
notices = sweep_state.load()


def _label(key: str) -> str:
    return optimizers.get(key).label


def _hp(key: str, name: str) -> optimizers.Hyperparameter:
    return optimizers.get(key).hyperparameter(name)


def _hp_label(key: str, name: str) -> str:
    hp = _hp(key, name)
    return f"{hp.symbol} ({name})" if hp.symbol != name else name


def _on_surface() -> None:
    ss[P + "x"], ss[P + "y"] = (float(c) for c in surfaces.get(ss[P + "surface"]).start)


def _fixed_controls(key: str, skip=()) -> None:
    """The hyperparameters held fixed, as the Playground's sliders; the swept ones are left out."""
    with st.expander(f"{_label(key)}: the other hyperparameters", expanded=False):
        for hp in optimizers.get(key).hyperparameters:
            if hp.ui and hp.name not in skip:
                widgets.hp_widget(P + key, hp)


def _computed(key, make, runs: int, steps: int, what: str):
    """`make(key, progress)`, with a progress bar and a Cancel button when it is not cached and takes over a second."""
    if key in sc.CACHE or sc.cost(runs, steps) < 1.0:
        return make(key)
    if ss.get(P + "cancelled") == key:
        st.info(f"Cancelled: {what} ({runs:,} runs × {steps:,} steps) was not computed.", icon=":material/block:")
        st.button("Compute", key=P + "resume", on_click=lambda: ss.pop(P + "cancelled", None), type="primary")
        return None
    box = st.empty()
    with box.container():
        bar = st.progress(0.0, text=f"{what}: {runs:,} runs × {steps:,} steps…")
        st.button("Cancel", key=P + "cancel", on_click=lambda: ss.__setitem__(P + "cancelled", key))
    result = make(key, progress=lambda done, total: bar.progress(done / total, text=f"{what}: {done:,} of {total:,} runs"))
    box.empty()
    return result


def _csv(df: pd.DataFrame, name: str, key: str) -> None:
    # made when pressed: a file made with every run is a media file the next run (or another page) deletes, and a
    # browser still showing the old button then fetches a 404
    st.download_button("CSV", lambda: df.to_csv(index=False), file_name=name, mime="text/csv", key=key,
                       icon=":material/download:")


def _axis_label(key, name):
    hp = _hp(key, name)
    return {"log": f"{hp.symbol} (log scale)", "log1m": f"{hp.symbol} (log of 1 − {hp.symbol})"}.get(hp.scale, hp.symbol)


widgets.compact_title("Sweeps")
st.caption("Thousands of runs in one batched engine call: how the result depends on two hyperparameters, which value "
           "suits each optimizer, where each start ends up, and how far noise spreads the runs. Every run is the "
           "Playground's run with those settings. (L-BFGS is not offered: it evaluates the function several times per "
           "step, one run at a time, so a sweep of it would take minutes.)")
widgets.link_notices(notices)

top = st.columns([1.3, 0.8, 0.8, 1.4, 1.2, 0.8], vertical_alignment="bottom")
top[0].selectbox("Surface", surfaces.names(), key=P + "surface", format_func=lambda k: surfaces.get(k).label,
                 on_change=_on_surface)
(x_lo, x_hi), (y_lo, y_hi) = start_limits(ss[P + "surface"])
top[1].number_input("Start x", min_value=x_lo, max_value=x_hi, step=0.1, format="%.3f", key=P + "x")
top[2].number_input("Start y", min_value=y_lo, max_value=y_hi, step=0.1, format="%.3f", key=P + "y")
top[3].slider("Steps", STEPS[0], STEPS[1], step=10, key=P + "steps")
noise_stops = sorted({0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, NOISE[1], float(ss[P + "noise"])})
top[4].select_slider("Gradient noise σ", noise_stops, key=P + "noise", format_func=widgets.fmt_value)
top[5].number_input("Seed", 0, 2**31 - 1, step=1, key=P + "seed", disabled=ss[P + "noise"] == 0)
view = st.segmented_control("Sweep", list(VIEWS), key=P + "view", format_func=VIEWS.get, required=True) or "grid"

v, fixed = sweep_state.current()
surface = surfaces.get(v["surface"])
start = (v["x"], v["y"])
steps, noise, seed = v["steps"], v["noise"], v["seed"]


def fixed_items(key: str) -> tuple:
    return tuple(sorted(sweep_state.hyperparameters(key, fixed).items()))


def playground_link(keys, hps: dict, label: str, key: str) -> None:
    s = Settings(surface=v["surface"], optimizers=tuple(keys), start=start, steps=steps, noise=noise, seed=seed,
                 hps={k: dict(hps[k]) for k in keys})
    st.link_button(label, playground_url(s), icon=":material/sports_score:", key=key)


# ---------------------------------------------------------------------------------------------- two hyperparameters
if view == "grid":
    left, mid, right = st.columns([0.9, 2.5, 1.3], gap="medium")
    with left:
        st.selectbox("Optimizer", sweeps.optimizer_names(), key=P + "opt", format_func=_label)
        opt = ss[P + "opt"]
        axes = axes_of(opt)
        if ss[P + "xhp"] not in axes:
            ss[P + "xhp"] = axes[0]
        if ss[P + "yhp"] not in axes or ss[P + "yhp"] == ss[P + "xhp"]:
            ss[P + "yhp"] = next(a for a in axes if a != ss[P + "xhp"])
        st.selectbox("x axis", axes, key=P + "xhp", format_func=lambda n: _hp_label(opt, n))
        st.selectbox("y axis", [a for a in axes if a != ss[P + "xhp"]], key=P + "yhp",
                     format_func=lambda n: _hp_label(opt, n))
        st.select_slider("Grid", GRID_SIZES, key=P + "n", format_func=lambda n: f"{n} × {n}")
        st.selectbox("Colour by", list(sweeps.METRICS), key=P + "metric", format_func=sweeps.METRICS.get)
        _fixed_controls(opt, skip=(ss[P + "xhp"], ss[P + "yhp"]))
    v, fixed = sweep_state.current()
    opt, xhp, yhp, n = v["opt"], v["xhp"], v["yhp"], v["n"]
    xv, yv = sweeps.axis(opt, xhp, n), sweeps.axis(opt, yhp, n)
    key = sc.grid_key(opt, v["surface"], start, steps, xhp, xv, yhp, yv, fixed_items(opt), noise, seed)
    with mid:
        sw = _computed(key, sc.grid, n * n, steps, f"{_label(opt)} on a {n} × {n} grid")
    if sw is not None:
        metric = v["metric"]
        z = sw.metric(metric)
        hps_now = sweep_state.hyperparameters(opt, fixed)
        marks = [("torch's default", _hp(opt, xhp).default, _hp(opt, yhp).default, "star"),
                 ("current", hps_now[xhp], hps_now[yhp], "circle")]
        # the chosen cell is kept as values: a finer or coarser grid of the same axes keeps it (the nearest cell)
        cell = ss.get(P + "cell")
        if not (isinstance(cell, tuple) and len(cell) == 3 and cell[0] == (opt, xhp, yhp)):
            cell = ((opt, xhp, yhp), hps_now[xhp], hps_now[yhp])  # at first, the current settings
            ss[P + "cell"] = cell
        ci, cj = figs.nearest_cell({"x": figs.to_axis(_hp(opt, xhp).scale, [cell[1]])[0],
                                    "y": figs.to_axis(_hp(opt, yhp).scale, [cell[2]])[0]},
                                   xv, yv, _hp(opt, xhp).scale, _hp(opt, yhp).scale)

        def _clicked(key=key, xv=xv, yv=yv, opt=opt, xhp=xhp, yhp=yhp):
            pts = ss[P + "grid_chart"].selection.points if P + "grid_chart" in ss else []
            if pts:
                i, j = figs.nearest_cell(pts[0], xv, yv, _hp(opt, xhp).scale, _hp(opt, yhp).scale)
                ss[P + "cell"] = ((opt, xhp, yhp), float(xv[j]), float(yv[i]))

        with mid:
            fig = figs.grid_figure(xv, yv, z, sw.diverged_at, sw.reached_at, xlabel=_axis_label(opt, xhp),
                                   ylabel=_axis_label(opt, yhp), xscale=_hp(opt, xhp).scale, yscale=_hp(opt, yhp).scale,
                                   zlabel=sweeps.METRICS[metric], log_z=metric in ("gap", "distance"), marks=marks,
                                   selected=(ci, cj), xsym=_hp(opt, xhp).symbol, ysym=_hp(opt, yhp).symbol)
            st.plotly_chart(fig, key=P + "grid_chart", on_select=_clicked, selection_mode="points",
                            config={"displaylogo": False, "scrollZoom": False})
            share_div = float((sw.diverged_at >= 0).mean())
            if np.isnan(z).all():
                st.warning("Every run of this grid " + ("diverged: lower the range of α." if share_div == 1 else
                           "has no value for this metric (no minimum reached, or the surface has none): pick another "
                           "metric or more steps."), icon=":material/error:")
            st.caption(f"{n * n:,} runs × {steps:,} steps. Click a cell to see its run. Near-black cells diverged "
                       f"({100 * share_div:.0f}%); blank cells have no value for this metric (never reached a minimum). "
                       f"★ torch's default, ○ the current settings. Reached = within {sw.tol:g} of a minimum.")
            df = pd.DataFrame({xhp: np.tile(xv, n), yhp: np.repeat(yv, n), "final_loss": sw.loss.ravel(),
                               "gap": sw.gap.ravel(), "reached_at": sw.reached_at.ravel(),
                               "diverged_at": sw.diverged_at.ravel(), "distance": sw.distance.ravel()})
            _csv(df, f"sweep_{opt}_{xhp}_{yhp}_{v['surface']}.csv", P + "grid_csv")
        with right:
            hps_cell = {**hps_now, xhp: float(xv[cj]), yhp: float(yv[ci])}
            one = optimizers.simulate(opt, surface, start, steps, noise=noise, seed=seed, record="path",
                                      **{k: val for k, val in hps_cell.items()})
            title = f"{_hp(opt, xhp).symbol} = {xv[cj]:.3g}, {_hp(opt, yhp).symbol} = {yv[ci]:.5g}"
            st.plotly_chart(figs.path_figure(surface, one.path, OPTIMIZER_COLORS[opt], title), key=P + "cell_path",
                            config={"displaylogo": False})
            left_it = sw.reached_at[ci, cj] >= 0 and not (sw.distance[ci, cj] <= sw.tol)
            status = (f"diverged at step {sw.diverged_at[ci, cj]}" if sw.diverged_at[ci, cj] >= 0 else
                      f"reached a minimum at step {sw.reached_at[ci, cj]}" + (", then left it" if left_it else "")
                      + f"; final loss {sw.loss[ci, cj]:.4g}" if sw.reached_at[ci, cj] >= 0 else
                      f"did not reach a minimum; final loss {sw.loss[ci, cj]:.4g}")
            st.markdown(f"**{_label(opt)}**: {status}.")
            playground_link([opt], {opt: hps_cell}, "Open in the Playground", P + "cell_link")

# ---------------------------------------------------------------------------------------------- sensitivity
elif view == "curve":
    left, mid = st.columns([1, 3], gap="medium")
    with left:
        st.multiselect("Optimizers", sweeps.optimizer_names(), key=P + "copts", format_func=_label,
                       max_selections=MAX_CURVE_OPTIMIZERS)
        keys = list(ss[P + "copts"]) or ["adam"]
        names = common_axes(keys)
        if ss[P + "chp"] not in names:
            ss[P + "chp"] = "lr"
        st.selectbox("Hyperparameter", names, key=P + "chp", format_func=lambda n: _hp_label(keys[0], n),
                     help="Only those every chosen optimizer has.")
        st.select_slider("Values", CURVE_SIZES, key=P + "cn")
        st.select_slider("Seeds", SEED_COUNTS, key=P + "seeds", disabled=noise == 0,
                         help="With gradient noise, every value runs under this many seeds: the line is the median, "
                              "the band the 25–75% range.")
        st.selectbox("Measure", list(sweeps.METRICS), key=P + "cmetric", format_func=sweeps.METRICS.get)
    v, fixed = sweep_state.current()
    keys, name, count = list(v["copts"]) or ["adam"], v["chp"], v["cn"]
    seeds_used = list(range(seed, seed + (v["seeds"] if noise else 1)))
    metric = v["cmetric"]
    curves, best, rows = [], {}, []
    with mid:
        for k in keys:
            values = sweeps.axis(k, name, count)
            ck = sc.curve_key(k, v["surface"], start, steps, name, values, fixed_items(k), noise, seeds_used)
            sw = _computed(ck, sc.curve, count * len(seeds_used), steps, f"{_label(k)}")
            if sw is None:
                continue
            z = sw.metric(metric)
            # a run that diverged (or never got there) ranks worst, not missing: a value where most seeds diverge
            # must not win because the few that survived did well
            ranked = np.where(np.isfinite(z) & (sw.diverged_at < 0 if metric != "diverged_at" else True), z, np.inf)
            with np.errstate(all="ignore"):
                med = np.median(ranked, axis=1)
                low, high = (np.percentile(ranked, [25, 75], axis=1) if len(seeds_used) > 1 else (None, None))
            med, low, high = (None if a is None else np.where(np.isfinite(a), a, np.nan) for a in (med, low, high))
            ok = np.isfinite(med)
            b = int(np.nanargmin(med)) if ok.any() and metric != "diverged_at" else None
            if b is not None:
                best[k] = float(values[b])
            curves.append((k, _label(k), values, med, low, high, b))
            for i, val in enumerate(values):
                rows.append({"optimizer": k, name: val, "median": med[i],
                             "diverged_share": float((sw.diverged_at[i] >= 0).mean())})
        if curves:
            scale = _hp(keys[0], name).scale
            st.plotly_chart(figs.curve_figure(curves, xlabel=_axis_label(keys[0], name), scale=scale,
                                              ylabel=sweeps.METRICS[metric], log_y=metric in ("gap", "distance")),
                            key=P + "curve_chart", config={"displaylogo": False})
            st.caption(
                f"**How “best” is chosen:** the {count} values of {_hp(keys[0], name).symbol} above (the slider's range, "
                f"on its scale), {steps:,} steps from ({start[0]:g}, {start[1]:g}) on {surface.label}, the lowest "
                f"{'median ' if len(seeds_used) > 1 else ''}{sweeps.METRICS[metric]}"
                f"{f' over {len(seeds_used)} seeds' if len(seeds_used) > 1 else ''} (★). It holds for this surface, "
                "this start and this many steps only: another start or surface can favour another value. Missing "
                "points diverged or never reached a minimum.")
            missing = [k for k in keys if k not in best]
            if missing:
                st.warning(f"No value works for {', '.join(map(_label, missing))} here: every run diverged or never "
                           "reached a minimum.", icon=":material/error:")
            if best:
                race = {k: {**sweep_state.hyperparameters(k, fixed), name: val} for k, val in best.items()}
                playground_link(list(best), race, f"Race them, each at its own best {_hp(keys[0], name).symbol}",
                                P + "race_best")
                st.dataframe(pd.DataFrame([{"optimizer": _label(k), f"best {name}": val} for k, val in best.items()]),
                             hide_index=True, key=P + "best_table")
            _csv(pd.DataFrame(rows), f"sensitivity_{name}_{v['surface']}.csv", P + "curve_csv")

# ---------------------------------------------------------------------------------------------- basins
elif view == "basins":
    left, mid = st.columns([1, 3], gap="medium")
    with left:
        st.multiselect("Optimizers (one or two)", sweeps.optimizer_names(), key=P + "bopts", format_func=_label,
                       max_selections=2)
        st.select_slider("Starts", BASIN_SIZES, key=P + "bn", format_func=lambda n: f"{n} × {n}")
        for k in list(ss[P + "bopts"]) or ["gd"]:
            _fixed_controls(k)
    v, fixed = sweep_state.current()
    keys, n = list(v["bopts"]) or ["gd"], v["bn"]
    minima = sweeps.core.all_minima(surface)
    with mid:
        if not minima.size:
            st.info(f"{surface.label} has no minimum: every run leaves the box or wanders. Pick a surface with "
                    "several minima (Himmelblau, six-hump camel, Styblinski–Tang).", icon=":material/info:")
        panels, rows = [], []
        xs, ys, _ = sweeps.start_grid(surface, n)
        for k in keys:
            bk = sc.basins_key(k, v["surface"], n, steps, fixed_items(k), noise, seed)
            sw = _computed(bk, sc.basins, n * n, steps, f"{_label(k)} from {n} × {n} starts")
            if sw is None:
                continue
            img = figs.basin_image(sw.basin, sw.reached_at, steps, len(minima))
            share = {i: float((sw.basin == i).mean()) for i in range(len(minima))}
            lr = sweep_state.hyperparameters(k, fixed)["lr"]
            panels.append((f"{_label(k)} (α = {lr:g})", img, share))
            for i in range(-2, len(minima)):
                rows.append({"optimizer": k, "basin": {-2: "diverged", -1: "none"}.get(i, f"minimum {i + 1}"),
                             "share": float((sw.basin == i).mean())})
        if panels and minima.size:
            st.plotly_chart(figs.basins_figure(panels, surface, minima, xs, ys), key=P + "basins_chart",
                            config={"displaylogo": False})
            st.caption(f"Each pixel is a start ({n} × {n} over the plotted box), coloured by the minimum its run ends "
                       f"within {sweeps.tolerance(surface):g} of after {steps:,} steps; darker = it took longer to "
                       "get there. Black: diverged; grey: no minimum reached yet.")
            st.dataframe(pd.DataFrame(rows).pivot(index="basin", columns="optimizer", values="share"),
                         key=P + "basin_table", column_config={k: st.column_config.NumberColumn(_label(k), format="percent")
                                                                for k in keys})
            _csv(pd.DataFrame(rows), f"basins_{v['surface']}.csv", P + "basins_csv")

# ---------------------------------------------------------------------------------------------- noise seeds
else:
    left, mid = st.columns([1, 3], gap="medium")
    with left:
        st.selectbox("Optimizer", sweeps.optimizer_names(), key=P + "sopt", format_func=_label)
        st.select_slider("Seeds", BAND_SEEDS, key=P + "sn")
        _fixed_controls(ss[P + "sopt"])
    v, fixed = sweep_state.current()
    k, count = v["sopt"], v["sn"]
    with mid:
        if noise == 0:
            st.info("Gradient noise is off, so every seed gives the same run. Set the noise σ above (1 is a good "
                    "start) to see how far noise spreads the runs.", icon=":material/info:")
        else:
            bk = sc.seeds_key(k, v["surface"], start, steps, fixed_items(k), noise, seed, count)
            sw = _computed(bk, sc.seeds, count, steps, f"{_label(k)} under {count} seeds")
            if sw is not None:
                c1, c2 = st.columns([1.2, 1])
                c1.plotly_chart(figs.band_figure(sw.index, sw.path_loss, k, _label(k), surface.min_value),
                                key=P + "band_chart", config={"displaylogo": False})
                c2.plotly_chart(figs.cloud_figure(surface, sw.path, k), key=P + "cloud_chart",
                                config={"displaylogo": False})
                div = int((sw.diverged_at >= 0).sum())
                reached = int((sw.reached_at >= 0).sum())
                st.caption(f"{count} runs of {_label(k)} from ({start[0]:g}, {start[1]:g}), identical but for the "
                           f"noise: seeds {seed}–{seed + count - 1} (seed s is the Playground's run with seed s). "
                           f"{reached} reached a minimum, {div} diverged.")
                df = pd.DataFrame({"seed": np.repeat(np.arange(seed, seed + count), sw.index.size),
                                   "step": np.tile(sw.index, count), "x": sw.path[..., 0].ravel(),
                                   "y": sw.path[..., 1].ravel(), "loss": sw.path_loss.ravel()})
                _csv(df, f"seeds_{k}_{v['surface']}.csv", P + "seeds_csv")

sweep_state.save(*sweep_state.current())
