"""Figures of the Sweeps page: arrays in, plotly Figures out (no Streamlit here).

Hyperparameter axes are drawn on their slider's scale: log₁₀ α, and for β₂ −log₁₀(1 − β₂), so 0.9, 0.99, 0.999 sit
evenly; ticks are labelled with the values themselves.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import OPTIMIZER_COLORS, PALETTE, contour_grid

_TEMPLATE = "plotly_white"
BASIN_COLORS = PALETTE  # minimum k has colour k
DIVERGED, NOT_REACHED = (20, 20, 20), (225, 225, 225)


def to_axis(scale: str, values):
    v = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if scale == "log":
            return np.log10(v)
        if scale == "log1m":
            return -np.log10(1.0 - v)
    return v


def axis_ticks(scale: str, values) -> dict:
    """tickvals on the drawn scale and ticktext in the hyperparameter's own numbers."""
    v = np.asarray(values, dtype=float)
    lo, hi = float(v.min()), float(v.max())
    if scale == "log":
        ticks = [10.0**k for k in range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1)]
    elif scale == "log1m":
        ticks = [1 - 10.0**-k for k in range(0, 8)] + [0.5]
    else:
        return {}
    ticks = [t for t in ticks if lo * (1 - 1e-9) <= t <= hi * (1 + 1e-9)] or [lo, hi]
    return dict(tickvals=to_axis(scale, ticks).tolist(), ticktext=[f"{t:g}" for t in ticks])


def nearest_cell(point: dict, xv, yv, xscale: str, yscale: str) -> tuple[int, int]:
    """The (row, column) of the grid cell whose centre is nearest a clicked point given on the drawn scales."""
    X, Y = to_axis(xscale, xv), to_axis(yscale, yv)
    return int(np.abs(Y - point["y"]).argmin()), int(np.abs(X - point["x"]).argmin())


def grid_figure(xv, yv, z, diverged, reached, *, xlabel, ylabel, xscale, yscale, zlabel, log_z, marks=(),
                selected=None, height=520, xsym=None, ysym=None) -> go.Figure:
    """The metric over the grid (NaN cells blank), diverged cells dark, marks [(label, x, y, symbol)], the selected
    cell outlined. An invisible point at every cell centre makes a click select that cell."""
    X, Y = to_axis(xscale, xv), to_axis(yscale, yv)
    with np.errstate(divide="ignore", invalid="ignore"):
        shown = np.log10(np.where(z > 0, z, np.nan)) if log_z else z
    gx, gy = np.meshgrid(np.asarray(xv), np.asarray(yv))
    div = np.asarray(diverged)
    text = np.where(div >= 0, np.char.add("diverged at step ", div.astype(str)),
                    np.where(np.asarray(reached) >= 0, np.char.add("reached a minimum at step ", np.asarray(reached).astype(str)),
                             "did not reach a minimum"))
    big = len(xv) * len(yv) > 64 * 64  # 16 384 hover texts weigh megabytes: big grids show numbers only
    custom = (np.stack([gx, gy, np.asarray(z, dtype=float)], axis=-1).astype(np.float32) if big else
              np.stack([gx, gy, np.asarray(z, dtype=float), text.astype(object)], axis=-1))
    fig = go.Figure()
    fig.add_heatmap(x=X, y=Y, z=shown, colorscale="Viridis", zsmooth=False, hoverinfo="skip",
                    colorbar=dict(title=dict(text=("log₁₀ " if log_z else "") + zlabel, side="right"), thickness=12))
    if (div >= 0).any():
        fig.add_heatmap(x=X, y=Y, z=np.where(div >= 0, 1.0, np.nan), colorscale=[[0, "#222"], [1, "#222"]],
                        showscale=False, zsmooth=False, name="diverged", hoverinfo="skip")
    # the click targets, carrying the hover text: one transparent marker per cell (a heatmap's own clicks do not
    # select; a trace with hoverinfo "skip" gets no clicks at all)
    fig.add_scatter(x=np.repeat(X[None, :], len(Y), 0).ravel(), y=np.repeat(Y[:, None], len(X), 1).ravel(),
                    mode="markers", marker=dict(size=max(4, 440 // max(len(X), len(Y))), color="rgba(0,0,0,0)"),
                    customdata=custom.reshape(-1, custom.shape[-1]), showlegend=False, name="cells",
                    selected=dict(marker=dict(opacity=0)), unselected=dict(marker=dict(opacity=0)),
                    hovertemplate=f"{xsym or xlabel} = %{{customdata[0]:.4g}}<br>{ysym or ylabel} = %{{customdata[1]:.6g}}"
                                  f"<br>{zlabel} = %{{customdata[2]:.4g}}" + ("" if big else "<br>%{customdata[3]}")
                                  + "<extra></extra>")
    for label, mx, my, symbol in marks:
        fig.add_scatter(x=[to_axis(xscale, [mx])[0]], y=[to_axis(yscale, [my])[0]], mode="markers", name=label,
                        marker=dict(symbol=symbol, size=15, color="white", line=dict(color="black", width=1.5)),
                        hovertemplate=f"{label}: {xsym or xlabel} = {mx:.4g}, {ysym or ylabel} = {my:.6g}<extra></extra>")
    if selected is not None:
        i, j = selected
        dx = (X[1] - X[0]) / 2 if len(X) > 1 else 0.5
        dy = (Y[1] - Y[0]) / 2 if len(Y) > 1 else 0.5
        fig.add_shape(type="rect", x0=X[j] - dx, x1=X[j] + dx, y0=Y[i] - dy, y1=Y[i] + dy,
                      line=dict(color="#D55E00", width=3))
    fig.update_xaxes(title=xlabel, showgrid=False, zeroline=False, **axis_ticks(xscale, xv))
    fig.update_yaxes(title=ylabel, showgrid=False, zeroline=False, **axis_ticks(yscale, yv))
    # margins that hold what plotly would otherwise grow them to while drawing (and then draw the figure again):
    # l: β₂'s tick labels (0.9999) and the title (~92 px), r: the colorbar and its title (~87), t: a row of legend (~39),
    # b: the x tick labels and title (~65)
    fig.update_layout(template=_TEMPLATE, height=height, margin=dict(l=93, r=90, t=40, b=66), clickmode="event+select",
                      legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"), dragmode=False)
    return fig


def path_figure(surface, path, color: str, title: str, height=420) -> go.Figure:
    """One run's path on the surface's contours (the clicked cell's run)."""
    x, y, z, zlabel = contour_grid(surface, n=100)
    # grey contours, light in the valleys: every optimizer's colour stands out on them (blue did not, on blue)
    fig = go.Figure(go.Contour(x=x, y=y, z=z, colorscale=[[0, "#f7f7f7"], [1, "#7a7a7a"]], showscale=False, ncontours=25,
                               line=dict(width=0.5), hoverinfo="skip", opacity=0.8))
    ok = np.isfinite(path).all(axis=1)
    p = path[ok]
    (x0, x1), (y0, y1) = surface.bounds
    p = np.clip(p, [x0 - (x1 - x0), y0 - (y1 - y0)], [x1 + (x1 - x0), y1 + (y1 - y0)])
    fig.add_scatter(x=p[:, 0], y=p[:, 1], mode="lines", line=dict(color=color, width=2.5), name="path",
                    hovertemplate="(%{x:.4g}, %{y:.4g})<extra></extra>")
    fig.add_scatter(x=p[[0], 0], y=p[[0], 1], mode="markers", marker=dict(symbol="circle-open", size=11, color="black",
                                                                          line=dict(width=2)), name="start")
    fig.add_scatter(x=p[[-1], 0], y=p[[-1], 1], mode="markers", marker=dict(size=10, color=color), name="end")
    if surface.minima:
        m = np.array(surface.minima)
        fig.add_scatter(x=m[:, 0], y=m[:, 1], mode="markers", name="minimum",
                        marker=dict(symbol="star", size=13, color="white", line=dict(color="black", width=1)))
    fig.update_xaxes(range=[x0, x1], showgrid=False, zeroline=False)
    fig.update_yaxes(range=[y0, y1], showgrid=False, zeroline=False)
    fig.update_layout(template=_TEMPLATE, height=height, title=dict(text=title, font=dict(size=14)), showlegend=False,
                      margin=dict(l=43, r=16, t=40, b=38))  # r, b: the x tick labels (no second draw)
    return fig


def curve_figure(curves, *, xlabel, scale, ylabel, log_y, height=460) -> go.Figure:
    """curves: (key, label, values, median, low, high, best index or None). Median line, low–high band, best ★."""
    fig = go.Figure()
    for key, label, values, med, low, high, best in curves:
        color = OPTIMIZER_COLORS.get(key, "#333")
        X = to_axis(scale, values)
        if low is not None:
            ok = np.isfinite(low) & np.isfinite(high)
            for piece in np.split(np.arange(len(X)), np.flatnonzero(np.diff(ok.astype(int))) + 1):
                if ok[piece[0]] and piece.size > 1:  # one band per stretch of finite values: no false wedges
                    fig.add_scatter(x=np.r_[X[piece], X[piece][::-1]], y=np.r_[high[piece], low[piece][::-1]],
                                    fill="toself", mode="none", fillcolor=_alpha(color, 0.18), hoverinfo="skip",
                                    showlegend=False, legendgroup=label)
        fig.add_scatter(x=X, y=med, mode="lines+markers", name=label, legendgroup=label, customdata=np.asarray(values),
                        line=dict(color=color, width=2.5), marker=dict(size=5),
                        hovertemplate=f"{label}<br>{xlabel} = %{{customdata:.4g}}<br>{ylabel} = %{{y:.4g}}<extra></extra>")
        if best is not None:
            fig.add_scatter(x=[X[best]], y=[med[best]], mode="markers", showlegend=False, legendgroup=label,
                            marker=dict(symbol="star", size=17, color=color, line=dict(color="black", width=1)),
                            hovertemplate=f"{label}: best {xlabel} = {values[best]:.4g}<extra></extra>")
    fig.update_xaxes(title=xlabel, **axis_ticks(scale, np.concatenate([c[2] for c in curves]) if curves else [1.0]))
    fig.update_yaxes(title=ylabel, type="log" if log_y else "linear", exponentformat="power")
    fig.update_layout(template=_TEMPLATE, height=height, margin=dict(l=60, r=10, t=30, b=50),
                      legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"), hovermode="closest")
    return fig


def _alpha(hex_color: str, a: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{a})"


def basin_image(basin, reached, steps: int, k: int) -> np.ndarray:
    """RGB (n, n, 3): each minimum's colour, darker the longer the run took to get there; diverged black, not
    reached light grey."""
    img = np.empty(basin.shape + (3,), dtype=np.uint8)
    img[...] = NOT_REACHED
    img[basin == -2] = DIVERGED
    for i in range(k):
        r, g, b = (int(BASIN_COLORS[i % len(BASIN_COLORS)][j:j + 2], 16) for j in (1, 3, 5))
        sel = basin == i
        speed = 1.0 - 0.6 * np.clip(reached[sel] / max(1, steps), 0, 1)  # fast: full colour; slow: darker
        img[sel] = np.stack([r * speed, g * speed, b * speed], axis=-1).astype(np.uint8)
    return img


def basins_figure(panels, surface, minima, xs, ys, height=460) -> go.Figure:
    """panels: (title, rgb image (n, n, 3), counts dict). Side by side, minima marked, one legend."""
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[p[0] for p in panels], horizontal_spacing=0.06)
    dx, dy = xs[1] - xs[0], ys[1] - ys[0]
    for c, (_, img, _) in enumerate(panels, start=1):
        fig.add_trace(go.Image(z=img, x0=xs[0], dx=dx, y0=ys[0], dy=dy, hoverinfo="skip"), row=1, col=c)
        for i, (mx, my) in enumerate(minima):
            fig.add_scatter(x=[mx], y=[my], mode="markers", row=1, col=c, showlegend=False,
                            marker=dict(symbol="star", size=14, color=BASIN_COLORS[i % len(BASIN_COLORS)],
                                        line=dict(color="white", width=1.5)),
                            hovertemplate=f"minimum {i + 1}: ({mx:.4g}, {my:.4g})<extra></extra>")
        fig.update_yaxes(autorange=True, scaleanchor=f"x{'' if c == 1 else c}", row=1, col=c, showgrid=False,
                         zeroline=False)
        fig.update_xaxes(showgrid=False, zeroline=False, row=1, col=c)
    for i, (mx, my) in enumerate(minima):  # the legend: one entry per colour
        fig.add_scatter(x=[None], y=[None], mode="markers", name=f"minimum {i + 1} ({mx:.3g}, {my:.3g})",
                        marker=dict(symbol="square", size=12, color=BASIN_COLORS[i % len(BASIN_COLORS)]))
    for name, rgb in (("diverged", DIVERGED), ("no minimum reached", NOT_REACHED)):
        fig.add_scatter(x=[None], y=[None], mode="markers", name=name,
                        marker=dict(symbol="square", size=12, color=f"rgb{rgb}", line=dict(color="#999", width=1)))
    fig.update_layout(template=_TEMPLATE, height=height, margin=dict(l=40, r=10, t=40, b=40),
                      legend=dict(orientation="h", x=0, y=-0.08, yanchor="top"))
    return fig


def band_figure(index, loss, key: str, label: str, min_value, height=380) -> go.Figure:
    """Loss over steps under N seeds: the median, the 10–90% band and the 25–75% band (log scale)."""
    color = OPTIMIZER_COLORS.get(key, "#333")
    gap = loss - (min_value or 0.0) if min_value is not None else loss
    with np.errstate(invalid="ignore"):
        q = np.nanpercentile(np.where(gap > 0, gap, np.nan), [10, 25, 50, 75, 90], axis=0)
    fig = go.Figure()
    for lo, hi, a in ((0, 4, 0.15), (1, 3, 0.3)):
        fig.add_scatter(x=np.r_[index, index[::-1]], y=np.r_[q[hi], q[lo][::-1]], fill="toself", mode="none",
                        fillcolor=_alpha(color, a), hoverinfo="skip",
                        name="10–90% of seeds" if lo == 0 else "25–75% of seeds")
    fig.add_scatter(x=index, y=q[2], mode="lines", line=dict(color=color, width=2.5), name=f"{label}: median",
                    hovertemplate="step %{x}: %{y:.4g}<extra></extra>")
    fig.update_xaxes(title="step")
    fig.update_yaxes(title="f(θ) − f*" if min_value is not None else "f(θ)", type="log", exponentformat="power")
    fig.update_layout(template=_TEMPLATE, height=height, margin=dict(l=60, r=10, t=30, b=50),
                      legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"))
    return fig


def cloud_figure(surface, paths, key: str, height=420) -> go.Figure:
    """Every seed's path on the surface, thin and translucent: where noise takes the runs."""
    color = OPTIMIZER_COLORS.get(key, "#333")
    fig = path_figure(surface, paths[0], color, "", height)
    fig.data = fig.data[:1] + tuple(d for d in fig.data if d.name == "minimum")
    (x0, x1), (y0, y1) = surface.bounds
    for p in paths:
        p = p[np.isfinite(p).all(axis=1)]
        fig.add_scatter(x=np.clip(p[:, 0], x0 - 10, x1 + 10), y=np.clip(p[:, 1], y0 - 10, y1 + 10), mode="lines",
                        line=dict(color=_alpha(color, 0.35), width=1), hoverinfo="skip", showlegend=False)
    return fig
