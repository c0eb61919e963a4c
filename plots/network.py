"""Figures of the network page: arrays in, plotly Figures out (no Streamlit here)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import DASHES, OPTIMIZER_COLORS

_TEMPLATE = "plotly_white"
CLASS_COLORS = ("#0072B2", "#D55E00")  # class 0, class 1 (Okabe & Ito)


def _color(key: str) -> str:
    return OPTIMIZER_COLORS.get(key, "#333333")


# The margins reserve up front what the axes' tick labels and titles, the legend and the colorbar take (in Chromium, at
# 1440 and 1024 px): plotly.js fits those into the margins only while it draws, and a margin they push more than 1 px
# wider makes it draw the whole figure a second time (Plots.doAutoMargin).
def _legend(fig: go.Figure, height: int) -> go.Figure:
    # l: the log axis' tick labels (10⁻²) and title (~70 px); r: the last step label (~21); t: the title and a row of
    # legend beside it (~46); b: the x tick labels and title (~67)
    fig.update_layout(template=_TEMPLATE, height=height, margin=dict(l=72, r=22, t=47, b=68),
                      legend=dict(orientation="h", x=1, xanchor="right", y=1.02, yanchor="bottom"),
                      title=dict(x=0, xanchor="left", y=0.98, yanchor="top"), hovermode="x unified")
    return fig


def loss_figure(curves: list[tuple[str, str, np.ndarray]], target: float | None = None, height: int = 360,
                title: str = "Loss at each step (log scale)") -> go.Figure:
    """curves: (key, label, loss per step). NaN after a divergence simply ends the line."""
    fig = go.Figure()
    for key, label, loss in curves:
        fig.add_scatter(x=np.arange(1, loss.size + 1), y=loss, name=label, mode="lines",
                        line=dict(color=_color(key), width=2.5), hovertemplate="%{y:.4g}")
    if target is not None and np.isfinite(target) and target > 0 and curves:
        # a trace, not add_hline: on a log axis plotly places an hline's annotation at the raw value (at 10^0.96)
        n = max(c[2].size for c in curves)
        fig.add_scatter(x=[1, n], y=[target, target], mode="lines", name=f"target {target:.3g}",
                        line=dict(color="#888", dash="dot", width=1.5), hoverinfo="skip")
    fig.update_xaxes(title="step")
    fig.update_yaxes(type="log", title="loss", exponentformat="power")
    fig.update_layout(title=dict(text=title, font=dict(size=15)))
    return _legend(fig, height)


def layers_figure(series: list[tuple[str, str, tuple, np.ndarray, np.ndarray]], height: int = 420) -> go.Figure:
    """series: (key, label, layer names, update norm (steps, L), effective lr (steps, L)). One colour per optimizer,
    one dash per layer."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1,
                        subplot_titles=("Update size ‖Δθ‖ per layer", "Effective learning rate ‖Δθ‖ / ‖g‖ per layer"))
    shown_layers = set()
    for key, label, layers, update, lr in series:
        steps = np.arange(1, update.shape[0] + 1)
        for j, layer in enumerate(layers):
            style = dict(color=_color(key), width=2, dash=DASHES[j % len(DASHES)])
            hover = f"{label} · layer {layer}: %{{y:.3g}}<extra></extra>"
            fig.add_scatter(x=steps, y=update[:, j], name=label, legendgroup=label, line=style, row=1, col=1,
                            showlegend=j == 0, hovertemplate=hover)
            fig.add_scatter(x=steps, y=lr[:, j], name=label, legendgroup=label, line=style, row=1, col=2,
                            showlegend=False, hovertemplate=hover)
            shown_layers.add((j, layer))
    for j, layer in sorted(shown_layers):  # one legend entry per optimizer (colour) and per layer (dash)
        fig.add_scatter(x=[None], y=[None], mode="lines", name=f"layer {layer}", legendgroup=f"layer {layer}",
                        line=dict(color="#555", width=2, dash=DASHES[j % len(DASHES)]))
    fig.update_yaxes(type="log", exponentformat="power")
    fig.update_xaxes(title="step")
    _legend(fig, height)
    # b: the x tick labels and titles and the legend below them (~91)
    fig.update_layout(legend=dict(y=-0.18, yanchor="top"), margin=dict(l=56, t=50, b=92))
    return fig


def landscape_figure(a, b, grid, paths: list[tuple[str, str, np.ndarray]], explained, height: int = 520,
                     title: str = "") -> go.Figure:
    """The loss over the plane (log colour scale) with each path's projection on it, start ○ and end ●."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.log10(np.where(grid > 0, grid, np.nan))
    finite = z[np.isfinite(z)]
    lo, hi = (np.percentile(finite, 1), np.percentile(finite, 99)) if finite.size else (0.0, 1.0)
    fig = go.Figure(go.Contour(
        x=a, y=b, z=np.clip(z, lo, hi) if finite.size else z, colorscale="Viridis", ncontours=24, line=dict(width=0.5),
        colorbar=dict(title=dict(text="log₁₀ loss", side="right"), thickness=12),
        hovertemplate="a=%{x:.3g}, b=%{y:.3g}<br>log₁₀ loss=%{z:.3f}<extra></extra>"))
    for key, label, xy in paths:
        ok = np.isfinite(xy).all(axis=1)
        pts = xy[ok]
        if not pts.size:
            continue
        fig.add_scatter(x=pts[:, 0], y=pts[:, 1], name=label, mode="lines", line=dict(color="white", width=5),
                        showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=pts[:, 0], y=pts[:, 1], name=label, mode="lines", line=dict(color=_color(key), width=3),
                        hovertemplate=f"{label}<br>a=%{{x:.3g}}, b=%{{y:.3g}}<extra></extra>")
        fig.add_scatter(x=pts[[0, -1], 0], y=pts[[0, -1], 1], mode="markers", showlegend=False, hoverinfo="skip",
                        marker=dict(size=[10, 12], color=["white", _color(key)], symbol=["circle-open", "circle"],
                                    line=dict(color=_color(key), width=2)))
    e1, e2 = (100 * float(x) for x in explained)
    fig.update_xaxes(title=f"direction 1 ({e1:.1f}% of the movement)", showgrid=False, zeroline=False,
                     range=[float(a[0]), float(a[-1])])
    fig.update_yaxes(title=f"direction 2 ({e2:.1f}%)", showgrid=False, zeroline=False, range=[float(b[0]), float(b[-1])])
    fig.update_layout(title=dict(text=title, font=dict(size=15)))
    # l: the tick labels and title (~82 px); r: the colorbar and its title (~98 on a 918 px chart); b: the x axis and the
    # legend (~102)
    return _legend(fig, height).update_layout(hovermode="closest", margin=dict(l=84, r=100, t=40, b=104),
                                              legend=dict(x=0, xanchor="left", y=-0.16, yanchor="top"))


def boundary_figure(x, y, prob, steps, X, labels, title: str = "", height: int = 520) -> go.Figure:
    """P(class 1) over the input plane at each recorded step, animated (play button and step slider), data on top."""
    def heat(p):
        return go.Heatmap(x=x, y=y, z=p, zmin=0, zmax=1, colorscale=[[0, "#cfe3f2"], [0.5, "#ffffff"], [1, "#f6d0b8"]],
                          showscale=False, hovertemplate="P(class 1)=%{z:.2f}<extra></extra>")

    def line(p):
        return go.Contour(x=x, y=y, z=p, contours=dict(start=0.5, end=0.5, size=1, coloring="none"),
                          line=dict(color="#222", width=2.5), showscale=False, hoverinfo="skip",
                          showlegend=False)

    lab = np.asarray(labels).ravel() > 0.5
    dots = [go.Scatter(x=X[lab == c, 0], y=X[lab == c, 1], mode="markers", name=f"class {int(c)}",
                       marker=dict(color=CLASS_COLORS[int(c)], size=6, line=dict(color="white", width=0.5)),
                       hoverinfo="skip") for c in (False, True)]
    last = len(steps) - 1
    fig = go.Figure([heat(prob[last]), line(prob[last]), *dots])
    fig.frames = [go.Frame(data=[heat(prob[i]), line(prob[i])], traces=[0, 1], name=str(int(s)))
                  for i, s in enumerate(steps)]
    fig.update_layout(
        updatemenus=[dict(type="buttons", x=0, y=-0.12, xanchor="left", yanchor="top", direction="left",
                          buttons=[dict(label="▶ Play", method="animate",
                                        args=[None, dict(frame=dict(duration=180, redraw=True), fromcurrent=False,
                                                         transition=dict(duration=0))]),
                                   dict(label="❚❚", method="animate",
                                        args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")])])],
        sliders=[dict(active=last, x=0.16, len=0.84, y=-0.06, yanchor="top", currentvalue=dict(prefix="step "),
                      steps=[dict(label=str(int(s)), method="animate",
                                  args=[[str(int(s))], dict(mode="immediate", frame=dict(duration=0, redraw=True))])
                             for s in steps])])
    fig.update_xaxes(showgrid=False, zeroline=False, range=[x[0], x[-1]], constrain="domain")
    fig.update_yaxes(showgrid=False, zeroline=False, range=[y[0], y[-1]], scaleanchor="x")
    fig.update_layout(title=dict(text=title, font=dict(size=15)), template=_TEMPLATE, height=height,
                      margin=dict(l=40, r=15, t=45, b=110), legend=dict(orientation="h", x=1, xanchor="right", y=1.02,
                                                                        yanchor="bottom"))
    return fig
