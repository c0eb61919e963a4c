"""A static companion of the race: the 3-D surface with the paths on it."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .race import Run
from .style import CONTOUR_COLORS


def surface3d_figure(surface, runs: list[Run], grid, height: int = 560, present: bool = False) -> go.Figure:
    """The surface in 3-D with each path lifted onto it (on the same scale as the contour). `present`: projector
    mode's type and lines, as the 2-D chart's (17 px, thicker), for the back row."""
    font = 17 if present else 12
    x, y, z, zlabel = grid
    scale = [[i / (len(CONTOUR_COLORS) - 1), c] for i, c in enumerate(CONTOUR_COLORS)]
    fig = go.Figure(go.Surface(x=x, y=y, z=z.astype(np.float32), colorscale=scale, opacity=0.85, showscale=False,
                               name="surface", hoverinfo="skip",
                               contours=dict(z=dict(show=True, color="rgba(60,60,90,0.35)", width=1))))
    lift = 0.02 * float(np.nanmax(z) - np.nanmin(z))  # paths float just above the sheet, or it hides them
    (x0, x1), (y0, y1) = (x[0], x[-1]), (y[0], y[-1])
    for run in runs:
        p = run.path[np.isfinite(run.path).all(axis=1)]
        inside = (p[:, 0] >= x0) & (p[:, 0] <= x1) & (p[:, 1] >= y0) & (p[:, 1] <= y1)
        p = p[inside]
        if not len(p):
            continue
        # height read off the plotted grid, so log-scaled surfaces and their paths line up
        ix = np.clip(np.searchsorted(x, p[:, 0]), 0, len(x) - 1)
        iy = np.clip(np.searchsorted(y, p[:, 1]), 0, len(y) - 1)
        fig.add_trace(go.Scatter3d(x=p[:, 0], y=p[:, 1], z=z[iy, ix] + lift, mode="lines", name=run.name,
                                   line=dict(color=run.color, width=11 if present else 8)))
        fig.add_trace(go.Scatter3d(x=p[-1:, 0], y=p[-1:, 1], z=z[iy[-1:], ix[-1:]] + lift, mode="markers",
                                   showlegend=False, marker=dict(color=run.color, size=9 if present else 6,
                                                                 line=dict(color="white", width=2)),
                                   name=run.label, hovertemplate=f"{run.label}: end (%{{x:.3g}}, %{{y:.3g}})<extra></extra>"))
    axis = dict(tickfont=dict(size=font - 1), title=dict(font=dict(size=font)))
    fig.update_layout(height=height, margin=dict(l=0, r=0, t=10, b=0), template="plotly_white", font=dict(size=font),
                      scene=dict(xaxis=dict(axis, title=dict(axis["title"], text="x")),
                                 yaxis=dict(axis, title=dict(axis["title"], text="y")),
                                 zaxis=dict(axis, title=dict(axis["title"], text=zlabel)),
                                 camera=dict(eye=dict(x=0.9, y=-1.5, z=1.6))),  # from above: valleys stay visible
                      legend=dict(orientation="h", y=0))
    return fig


def lr_curve_figure(lr, color: str, height: int = 120) -> go.Figure:
    """The learning rate each step used under a schedule: a small curve for the tuning card."""
    lr = np.asarray(lr, dtype=float)
    fig = go.Figure(go.Scatter(x=np.arange(1, lr.size + 1), y=lr, mode="lines", line=dict(color=color, width=2),
                               hovertemplate="step %{x}: α = %{y:.3g}<extra></extra>"))
    fig.update_layout(template="plotly_white", height=height, margin=dict(l=45, r=8, t=8, b=28), showlegend=False)
    fig.update_xaxes(title=None, tickfont=dict(size=10))
    fig.update_yaxes(title=dict(text="α", font=dict(size=12)), tickfont=dict(size=10), exponentformat="power",
                     rangemode="tozero")
    return fig
