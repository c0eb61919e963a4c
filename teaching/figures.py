"""Figures for the teaching pages: arrays in, plotly Figures out (no Streamlit here).

The race itself is plots.race_figure; these are the smaller pictures around it: a still of a race,
the inspector's view of one step, the effective learning rates, Adam's moments, the online problem.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from plots.style import PALETTE

GRAD, FIRST, STEP, BOX = "#D55E00", "#0072B2", "#009E73", "#CC79A7"
_TEMPLATE = "plotly_white"
_EVERYTHING = ("grad", "m", "first", "root", "step")  # what inspector_figure can show: optimizers.explain.SHOWS
# plotly's mode bar (the chart's toolbar: download, zoom, pan, reset) sits over a figure's top right corner; on a phone it
# spans most of the width, so the teaching figures keep their top MODEBAR px free for it, with titles and legends below
MODEBAR = 30
LEGEND_ROW = 32  # the height of a race's legend (14 px type) in one row
SMALL_LEGEND_ROW = 29  # and of a row of 12-13 px type
X_AXIS = 67  # the room an x axis' tick labels and title take below the plot
# the teaching pages' st.plotly_chart config: no selection tools (nothing on these pages reads a selection) and no
# ± zoom or autoscale (drag to zoom, the house resets): a short toolbar, clear of a phone's panel titles
CONFIG = {"displaylogo": False, "scrollZoom": False,
          "modeBarButtonsToRemove": ["select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d"]}
# The margins below are the room the figures' axes take in Chromium (1440, 1024 and 390 px wide): plotly.js fits
# legends and sliders into the margins before it draws, but an axis' tick labels and title only while it draws, and a
# margin they push more than 1 px wider makes it draw the whole figure a second time (Plots.doAutoMargin).


def still(fig: go.Figure, height: int | None = None) -> go.Figure:
    """A race figure as a still of its last frame: heads where the runs ended, no play buttons or scrubber."""
    d = fig.to_dict()
    frames = d.pop("frames", None) or []
    if frames:
        last = frames[-1]
        for idx, trace in zip(last["traces"], last["data"], strict=True):
            d["data"][idx].update({k: v for k, v in trace.items() if k in ("x", "y")})
    layout = d["layout"]
    layout["updatemenus"], layout["sliders"] = [], []
    # l: the y tick labels and title (~67 px), r: the last step label (~21). The legend at the figure's foot, below the
    # x axis, in a bottom margin that holds two rows of it (3-4 entries wrap to two on a 480-730 px preview): placed
    # below the plot (paper y < 0) it moved with the margin, which plotly grew only after drawing it, and drew it again
    layout["margin"] = dict(l=68, r=22, t=30, b=X_AXIS + 2 * SMALL_LEGEND_ROW)
    layout["legend"] = dict(orientation="h", x=0, yref="container", y=0, yanchor="bottom", font=dict(size=12))
    for name, axis in layout.items():  # the loss panel's long axis title crowds a small figure; its panel title says it
        if name.startswith("yaxis") and name != "yaxis" and isinstance(axis, dict):
            axis["title"] = None
    if height:
        layout["height"] = height
    return go.Figure(d, _validate=False)


def tidy(fig: go.Figure, view: str) -> go.Figure:
    """A small race figure: the legend at the top, below the mode bar's strip and above the panel titles (plotly
    reserves the room of a legend anchored to the figure, however many rows it wraps to on a narrow screen)."""
    if view not in ("multiples", "overlay"):  # 2-D views only
        return fig
    height = fig.layout.height or 450
    # The top margin: the strip, a row of legend (32 px) and the panel titles' room. plotly adds the legend's room to
    # the margin less the part nothing else pushes into, and a y axis' top tick label (drawn after the legend) pushes
    # 20-22 px: a margin that holds both already leaves nothing to grow, so the figure draws once, not twice. (A phone's
    # legend wraps to more rows, and plotly still grows the margin for them.)
    fig.update_layout(legend=dict(yref="container", y=1 - MODEBAR / height, yanchor="top"),
                      margin=dict(t=MODEBAR + LEGEND_ROW + 24))
    return fig


def _nice(x: float) -> float:
    """1, 2 or 5 times a power of ten, at least x."""
    if x <= 1:
        return 1.0
    p = 10 ** math.floor(math.log10(x))
    return next(m * p for m in (1, 2, 5, 10) if m * p >= x)


def _arrow(x0, y0, dx, dy, name: str, color: str, label: str, dash: str = "solid") -> dict:
    pos = ("top" if dy >= 0 else "bottom") + " " + ("right" if dx >= 0 else "left")
    return dict(type="scatter", x=[x0, x0 + dx], y=[y0, y0 + dy], mode="lines+markers+text", name=name,
                line=dict(color=color, width=3, dash=dash),
                marker=dict(symbol=["circle", "arrow"], size=[0, 15], angleref="previous", color=color),
                text=["", label], textposition=pos, textfont=dict(color=color, size=14), hoverinfo="skip")


def inspector_figure(*, image: str, bounds, path: np.ndarray, k: int, grad, first=None, first_label: str = "m̂",
                     step=None, root=None, root_label: str = "√v̂", minima=(), height: int = 520, m=None,
                     show=None, current: str = "") -> go.Figure:
    """Step k (t = k + 1) on the contour: −g, −(first moment), the step Δθ as arrows; √(second moment) as a box.

    −g and −m̂ are in gradient units and share one scale; the box (half-sides ∝ √v̂ per axis) has its own,
    so its larger side is a quarter of the view; the step is in θ units and is drawn magnified (and
    labelled so) when it is too small to see.

    Narrated, one sub-step at a time: `show` is the set of what the sub-steps so far revealed (explain.SHOWS:
    "grad" −g, "m" the first moment m before its bias correction, "first" −m̂, "root" the box, "step" Δθ and
    the path on to θₜ₊₁); None draws everything. `m` is that uncorrected moment (it shares the arrows' scale,
    so an arrow keeps its length from sub-step to sub-step). `current` is what the current sub-step is about:
    it is drawn bold, the rest faded.
    """
    (x0, x1), (y0, y1) = bounds
    span = min(x1 - x0, y1 - y0)
    theta = path[k]
    shown = set(_EVERYTHING) if show is None else set(show)

    def faded(name: str) -> dict:
        return {} if not current or current == name else dict(opacity=0.35)

    data: list[dict] = []
    finite = np.isfinite(path).all(axis=1)
    data.append(dict(type="scatter", x=path[finite, 0], y=path[finite, 1], mode="lines", name="whole path",
                     line=dict(color="#888", width=1, dash="dot"), hoverinfo="skip"))
    done = path[: k + 2] if "step" in shown else path[: k + 1]
    data.append(dict(type="scatter", x=done[:, 0], y=done[:, 1], mode="lines+markers", name="path so far",
                     line=dict(color="#333", width=1.5), marker=dict(size=4, color="#333"),
                     hovertemplate="(%{x:.4g}, %{y:.4g})<extra></extra>"))
    if minima:
        mx, my = zip(*minima, strict=True)
        data.append(dict(type="scatter", x=mx, y=my, mode="markers", name="global minimum",
                         marker=dict(symbol="star", size=14, color="white", line=dict(color="black", width=1.5))))
    vectors = [np.asarray(v, dtype=float) for v in (grad, first, m) if v is not None]
    biggest = max((float(np.linalg.norm(v)) for v in vectors if np.isfinite(v).all()), default=0.0)
    scale = 0.3 * span / biggest if biggest > 0 else 1.0
    if "root" in shown and root is not None and np.isfinite(root).all() and np.max(root) > 0:
        box = 0.25 * span / float(np.max(root))  # its own scale: the box shows the ratio of the two sides
        hx, hy = box * root[0], box * root[1]
        data.append(dict(type="scatter", x=[theta[0] - hx, theta[0] + hx, theta[0] + hx, theta[0] - hx, theta[0] - hx],
                         y=[theta[1] - hy, theta[1] - hy, theta[1] + hy, theta[1] + hy, theta[1] - hy], mode="lines",
                         fill="toself", fillcolor="rgba(204,121,167,0.15)", line=dict(color=BOX, width=1.5),
                         name=f"{root_label} per axis (box half-sides)", hoverinfo="skip", **faded("root")))
    data.append(dict(type="scatter", x=[theta[0]], y=[theta[1]], mode="markers", name=f"θ at step {k + 1}",
                     marker=dict(size=9, color="white", line=dict(color="black", width=2)),
                     hovertemplate="θ = (%{x:.5g}, %{y:.5g})<extra></extra>"))
    if "grad" in shown and np.isfinite(grad).all():
        data.append(_arrow(theta[0], theta[1], -scale * grad[0], -scale * grad[1], "−g: steepest descent", GRAD, "−g")
                    | faded("grad"))
    if "first" in shown and first is not None and np.isfinite(first).all():
        data.append(_arrow(theta[0], theta[1], -scale * first[0], -scale * first[1], f"−{first_label}: momentum direction",
                           FIRST, f"−{first_label}") | faded("first"))
    elif "m" in shown and m is not None and np.isfinite(m).all():  # the first moment before its bias correction
        data.append(_arrow(theta[0], theta[1], -scale * m[0], -scale * m[1], "−m: not yet bias-corrected",
                           FIRST, "−m", dash="dash") | faded("m"))
    if "step" in shown and step is not None and np.isfinite(step).all():
        length = float(np.linalg.norm(step))
        mag = _nice(0.08 * span / length) if 0 < length < 0.08 * span else 1.0
        label = "Δθ" if mag == 1 else f"Δθ ×{mag:g}"
        data.append(_arrow(theta[0], theta[1], mag * step[0], mag * step[1], f"{label}: the actual step", STEP, label)
                    | faded("step"))
    layout = dict(
        height=height, template=_TEMPLATE, margin=dict(l=50, r=10, t=10, b=130, autoexpand=False),
        xaxis=dict(range=[x0, x1], title=dict(text="x"), showgrid=False, zeroline=False, constrain="domain"),
        yaxis=dict(range=[y0, y1], title=dict(text="y"), showgrid=False, zeroline=False),
        images=[dict(source=image, xref="x", yref="y", x=x0, y=y1, sizex=x1 - x0, sizey=y1 - y0, sizing="stretch",
                     layer="below")],
        # a legend of a fixed place and size (two entries a row, four rows at most) in a bottom margin that it does not
        # push (autoexpand off), so the plot does not move
        # while a narrated step adds its arrows one by one
        legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0, entrywidth=0.5, entrywidthmode="fraction",
                    font=dict(size=12)), uirevision="inspector", showlegend=True,
    )
    return go.Figure(dict(data=data, layout=layout), _validate=False)


def zoom_bounds(center, bounds, factor: float):
    """A box `factor` times smaller than `bounds` around `center`, snapped to a grid so nearby steps share it."""
    (x0, x1), (y0, y1) = bounds
    if factor <= 1:
        return bounds
    wx, wy = (x1 - x0) / factor, (y1 - y0) / factor
    cx = round(center[0] / (wx / 4)) * (wx / 4)
    cy = round(center[1] / (wy / 4)) * (wy / 4)
    return (float(cx - wx / 2), float(cx + wx / 2)), (float(cy - wy / 2), float(cy + wy / 2))


def lr_figure(t: np.ndarray, lr_eff: np.ndarray, k: int, names=("x", "y"), height: int = 300,
              title: str = "effective learning rate α / (√v̂ + ε)") -> go.Figure:
    """Per-parameter effective learning rate over the steps, with a marker at step k (t = k + 1).

    Built as plain dicts without plotly's validation (the Inspector draws it on every rerun, and validating
    the template alone took 20 ms): the same figure, spec for spec, as go.Scatter traces, add_vline and
    update_layout(template=...) make."""
    data = [dict(type="scatter", x=t, y=lr_eff[:, j], mode="lines", name=f"{name}", line=dict(color=PALETTE[j], width=2),
                 hovertemplate=f"{name}: step %{{x}}: %{{y:.4g}}<extra></extra>") for j, name in enumerate(names)]
    data.append(dict(type="scatter", x=[t[k]] * len(names), y=lr_eff[k], mode="markers", name=f"step {t[k]}",
                     marker=dict(size=11, color=[PALETTE[j] for j in range(len(names))],
                                 line=dict(color="black", width=1.5)), showlegend=False))
    positive = np.isfinite(lr_eff).all() and (lr_eff > 0).all()
    layout = dict(
        shapes=[dict(type="line", x0=int(t[k]), x1=int(t[k]), xref="x", y0=0, y1=1, yref="y domain",
                     line=dict(color="#999", dash="dot", width=1))],
        height=height, template=_template(_TEMPLATE), margin=dict(l=60, r=20, t=40, b=40),  # r: the last step label
        title=dict(text=title, font=dict(size=14)), xaxis=dict(title=dict(text="step t")),
        yaxis=dict(type="log" if positive and lr_eff.max() > 5 * lr_eff.min() else "linear", exponentformat="power"),
        legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"))
    return go.Figure(dict(data=data, layout=layout), _validate=False)


@functools.cache
def _template(name: str) -> dict:
    """A named plotly template as the plain dict a validated figure carries."""
    return pio.templates[name].to_plotly_json()


def moments_figure(t, g, m, m_hat, v, v_hat, axis: str = "x", height: int = 330) -> go.Figure:
    """The warm start: mₜ and vₜ start at 0 and lag; m̂ₜ and v̂ₜ track gₜ and gₜ² from the first step."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=(f"first moment ({axis})", f"second moment ({axis})"),
                        horizontal_spacing=0.12)
    for col, (raw, est, hat, raw_name, est_name, hat_name) in enumerate(
            ((g, m, m_hat, "gₜ", "mₜ", "m̂ₜ"), (g * g, v, v_hat, "gₜ²", "vₜ", "v̂ₜ")), start=1):
        fig.add_trace(go.Scatter(x=t, y=raw, mode="markers", name=raw_name, marker=dict(color="#999", size=6)), 1, col)
        fig.add_trace(go.Scatter(x=t, y=est, mode="lines", name=f"{est_name} (starts at 0)",
                                 line=dict(color=PALETTE[1], width=2.5)), 1, col)
        fig.add_trace(go.Scatter(x=t, y=hat, mode="lines", name=f"{hat_name} (bias-corrected)",
                                 line=dict(color=PALETTE[0], width=2.5, dash="dash")), 1, col)
    fig.update_xaxes(title_text="step t")
    fig.update_layout(height=height + MODEBAR, template=_TEMPLATE, margin=dict(l=50, r=10, t=MODEBAR + 28, b=40),
                      legend=dict(orientation="h", y=-0.25, x=0))
    return fig


# The x axis' tick labels and title, and below them a row of legend at the figure's foot: placed below the plot
# (paper y < 0) the legend moved with the margin, which plotly grew only after drawing it, and drew it again
_FOOT = X_AXIS + SMALL_LEGEND_ROW
_FOOT_LEGEND = dict(orientation="h", x=0, yref="container", y=0, yanchor="bottom")


def online_x_figure(series: dict, optimum: float, height: int = 380, title: str = "xₜ") -> go.Figure:
    """xₜ per optimizer: series[label] = (steps, mean, low, high, color); the band is the range within a period."""
    fig = go.Figure()
    for label, (steps, mean, low, high, color) in series.items():
        if low is not None:
            fig.add_trace(go.Scatter(x=np.r_[steps, steps[::-1]], y=np.r_[high, low[::-1]], fill="toself", mode="lines",
                                     line=dict(width=0), fillcolor=_rgba(color, 0.18), name=f"{label}: range in a period",
                                     hoverinfo="skip", showlegend=False))
        fig.add_trace(go.Scatter(x=steps, y=mean, mode="lines", name=label, line=dict(color=color, width=2.5),
                                 hovertemplate=f"{label}<br>step %{{x}}: x = %{{y:.3f}}<extra></extra>"))
    fig.add_hline(y=optimum, line=dict(color="black", dash="dash", width=1),
                  annotation_text=f"optimum x* = {optimum:g}", annotation_position="bottom right")
    fig.update_layout(height=height + MODEBAR, template=_TEMPLATE, margin=dict(l=77, r=26, t=MODEBAR + 30, b=_FOOT),
                      title=_title(title), xaxis_title="step t",  # l: "−0.5" and the axis title; r: the last step label
                      yaxis=dict(range=[-1.08, 1.08], title="x"),
                      legend=_FOOT_LEGEND)
    return fig


def regret_figure(series: dict, height: int = 380, skip: float = 0.02) -> go.Figure:
    """Average regret Rₜ/t per optimizer: series[label] = (steps, values, color).

    Rₜ/t starts in the hundreds (one bad first step divided by a small t), so the y-range is fitted to the
    values after the first `skip` share of the steps; hover still reads every value.
    """
    fig = go.Figure()
    tail = []
    for label, (steps, values, color) in series.items():
        fig.add_trace(go.Scatter(x=steps, y=values, mode="lines", name=label, line=dict(color=color, width=2.5),
                                 hovertemplate=f"{label}<br>step %{{x}}: %{{y:.4g}}<extra></extra>"))
        later = np.asarray(values)[np.asarray(steps) >= skip * np.max(steps)]
        tail.append(float(np.nanmax(later)) if later.size else 1.0)
    fig.update_layout(height=height + MODEBAR, template=_TEMPLATE, margin=dict(l=50, r=26, t=MODEBAR + 30, b=_FOOT),
                      title=_title("average regret Rₜ / t"), xaxis_title="step t",  # r: the last step label
                      yaxis=dict(range=[0, 1.15 * max(tail, default=1.0)]),
                      legend=_FOOT_LEGEND)
    return fig


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power(e: int) -> str:
    return "1" if e == 0 else "10" if e == 1 else "10" + str(e).translate(_SUPERSCRIPT)


def log_axis(lo: float, hi: float, most: int = 7) -> dict:
    """A log axis over data from lo to hi (> 0) with readable labels, all at the axis' type size: 1, 2 and 5 times
    each power of ten where there are at most `most` of those and the values need no powers (0.001 to 1000), else
    powers of ten only (every other one, or fewer, if there are too many: 10⁻¹², 10⁻⁶, 1, …). An unlabelled grid line
    at each 1–9 × 10ⁿ between them, where they are few. plotly's own labels on a short log axis are bare digits
    ("2 5" or "9 8 7 6") at a smaller size, crowded together."""
    lo, hi = float(min(lo, hi)), float(max(lo, hi))
    e0, e1 = math.floor(math.log10(lo) + 1e-9), math.ceil(math.log10(hi) - 1e-9)
    within = lambda v: lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9)  # noqa: E731
    plain = lo >= 1e-3 and hi < 1e4
    vals = [m * 10.0 ** e for e in range(e0, e1 + 1) for m in (1, 2, 5) if within(m * 10.0 ** e)]
    if len(vals) < 2:  # less than a decade: every 1–9 × 10ⁿ on it
        vals = [m * 10.0 ** e for e in range(e0, e1 + 1) for m in range(1, 10) if within(m * 10.0 ** e)]
        return dict(type="log", tickmode="array", tickvals=vals, ticktext=[f"{v:g}" for v in vals])
    if not plain or len(vals) > most:
        powers = [e for e in range(e0, e1 + 1) if within(10.0 ** e)] or [e0, e1]
        step = math.ceil(len(powers) / most)
        powers = [e for e in powers if e % step == 0] if step > 1 else powers
        vals = [10.0 ** e for e in powers]
        text = [f"{v:g}" if plain else _power(e) for v, e in zip(vals, powers, strict=True)]
    else:
        text = [f"{v:g}" for v in vals]
    out = dict(type="log", tickmode="array", tickvals=vals, ticktext=text)
    if e1 - e0 <= 6:  # a grid line at each 1–9 × 10ⁿ, no label
        out["minor"] = dict(tickmode="array", tickvals=[m * 10.0 ** e for e in range(e0, e1 + 1) for m in range(1, 10)
                                                        if within(m * 10.0 ** e)], showgrid=True, ticks="",
                            gridcolor="rgba(0,0,0,0.05)")
    return out


def _title(text: str) -> dict:
    """A figure title just above its plot, clear of the mode bar's strip (its default place is mid-margin), from the
    figure's left edge (a long title keeps a phone's full width)."""
    return dict(text=text, font=dict(size=14), x=0, xref="container", xanchor="left", y=1, yref="paper", yanchor="bottom",
                pad=dict(l=4, b=8))


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def thin(n: int, points: int = 1500, period: int = 1) -> np.ndarray:
    """Indices 0..n-1 strided to about `points` (the last one kept), for long series.

    With a period, every kept index sits at the same phase of the cycle (the end of a period): a series that
    repeats every `period` steps, thinned at uneven phases, would show a jagged band that is not in the data.
    """
    if n <= points:
        return np.arange(n)
    stride = period * max(1, int(np.ceil(n / period / points)))
    return np.unique(np.r_[np.arange(period - 1, n, stride), n - 1])
