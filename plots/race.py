"""The animated race: every path drawn once, frames move only the heads, trails and loss markers.

Playback runs entirely in the browser (plotly frames with redraw off), so Play, Pause, speed and the
step scrubber never wait on the server. The figure is written as plain dicts with float32 arrays in
plotly's binary form: building it through graph_objects validation took ~1 s and 1 MB.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from .style import b64, contour_image, forward_fill, frame_steps, view_bounds

FRAME_MS = 40  # at 1× speed: 150 frames play in 6 s
SPEEDS = (0.5, 1.0, 2.0, 4.0)


@dataclass(frozen=True)
class Run:
    """One optimizer's trajectory, ready to draw."""

    label: str
    color: str
    path: np.ndarray  # (S + 1, 2)
    loss: np.ndarray  # (S + 1,)
    diverged_at: int | None = None
    dash: str = "solid"
    average: np.ndarray | None = None  # (S + 1, 2) a second point drawn beside the path (Schedule-Free's x, ASGD's ax)
    average_name: str = ""
    probes: np.ndarray | None = None  # (N, 3) x, y, step: where a closure optimizer (L-BFGS) evaluated f inside each step

    @property
    def name(self) -> str:
        return f"{self.label} ✕ diverged at step {self.diverged_at}" if self.diverged_at is not None else self.label


def loss_gap(surface, loss: np.ndarray) -> tuple[np.ndarray, str, str]:
    """What the loss panel plots: the gap to the minimum on a log axis when the minimum is known."""
    if surface.min_value is None:
        return loss, "f(θₜ)", "linear"
    with np.errstate(invalid="ignore"):
        gap = np.maximum(loss - surface.min_value, 1e-16)
    return gap, "f(θₜ) − f*  (log scale)", "log"


def _trail(path: np.ndarray, step: int, length: int) -> np.ndarray:
    """The last `length` + 1 positions up to `step`, padded with the start so every frame has the same size."""
    return path[np.clip(np.arange(step - length, step + 1), 0, None)]


def _loss_range(gaps: list[np.ndarray], scale: str) -> dict:
    """A loss axis that fits the runs that behave: a diverging run (loss 1e28) would squash every other curve.

    The top is ten times the largest starting loss; what climbs above it leaves the chart upwards, visibly.
    """
    finite = [g[np.isfinite(g)] for g in gaps]
    finite = [g for g in finite if g.size]
    if scale != "log" or not finite:
        return {}
    top = max(float(g[0]) for g in finite) * 10.0
    bottom = min(float(g.min()) for g in finite)
    if not (0 < bottom < top):
        return {}
    return {"range": [np.log10(bottom) - 0.1, np.log10(top)]}


def _fade(n: int, lo: float, hi: float) -> list[float]:
    """Older trail points smaller and fainter: the trail fades behind the head."""
    return np.linspace(lo, hi, n).round(3).tolist()


class _Grid:
    """Subplot domains and axis names for a rows × cols grid (what make_subplots would compute)."""

    def __init__(self, rows: int, cols: int, widths=None, hgap=0.08, vgap=0.12):
        widths = widths or [1.0 / cols] * cols
        usable = 1.0 - hgap * (cols - 1)
        self.x = []
        left = 0.0
        for w in widths:
            self.x.append((left, left + w * usable))
            left += w * usable + hgap
        height = (1.0 - vgap * (rows - 1)) / rows
        self.y = [(1.0 - (r + 1) * height - r * vgap, 1.0 - r * height - r * vgap) for r in range(rows)]
        self.cols = cols

    def axes(self, i: int) -> tuple[str, str]:
        """('x2', 'y2')-style names of panel i."""
        return ("x", "y") if i == 0 else (f"x{i + 1}", f"y{i + 1}")

    def domain(self, i: int):
        return self.x[i % self.cols], self.y[i // self.cols]


def race_figure(surface, runs: list[Run], *, start=None, view: str = "overlay", max_frames: int = 150,
                trail: int = 12, image: str | None = None, click_grid: bool = False, height: int | None = None,
                slider_steps: int | None = None) -> go.Figure:
    """The race as one animated figure: `view` is "overlay" (one contour) or "multiples" (a panel each).

    slider_steps: None gives the scrubber a stop at every frame, with plotly's own "step N" above it. A number
    gives it at most that many stops and draws "step N" beside the loss panel's title, set by every frame: for
    a page of several races (see _controls for why). Not for figures.still, which would keep that readout at step 0.
    """
    steps = max((len(r.path) - 1 for r in runs), default=0)
    bounds = view_bounds(surface, [start] if start is not None else [])
    panels = 1 if view == "overlay" else max(1, len(runs))
    cols = 2 if view == "overlay" else min(3, panels + 1)
    rows = math.ceil((panels + 1) / cols)
    height = height or (600 if view == "overlay" else 320 * rows + 120)
    plot_h = height - 70 - 130  # less the top and bottom margins: gaps in pixels, so titles clear the axis labels
    g = _Grid(rows, cols, widths=[0.6, 0.4] if view == "overlay" else None, vgap=min(0.3, 100 / plot_h))
    loss_panel = panels
    layout: dict = {"annotations": []}
    titles = ["Paths on the surface"] if view == "overlay" else [r.label for r in runs]
    for i, title in enumerate([*titles, "Loss per step"]):
        xa, ya = g.axes(i)
        (dx0, dx1), (dy0, dy1) = g.domain(i)
        layout[xa.replace("x", "xaxis")] = dict(domain=[dx0, dx1], anchor=ya)
        layout[ya.replace("y", "yaxis")] = dict(domain=[dy0, dy1], anchor=xa)
        layout["annotations"].append(dict(text=f"<b>{title}</b>", x=(dx0 + dx1) / 2, y=dy1, xref="paper", yref="paper",
                                          xanchor="center", yanchor="bottom", showarrow=False, font=dict(size=14)))

    data: list[dict] = []
    (x0, x1), (y0, y1) = bounds
    image = image or contour_image(surface, bounds, px=640 if panels == 1 else 360)
    layout["images"] = []
    for p in range(panels):
        xa, ya = g.axes(p)
        first = p == 0
        layout["images"].append(dict(source=image, xref=xa, yref=ya, x=x0, y=y1, sizex=x1 - x0, sizey=y1 - y0,
                                     sizing="stretch", layer="below"))
        if surface.minima:
            mx, my = zip(*surface.minima, strict=True)
            data.append(dict(type="scatter", x=mx, y=my, xaxis=xa, yaxis=ya, mode="markers", name="global minimum",
                             showlegend=first, legendgroup="minimum",
                             marker=dict(symbol="star", size=15, color="white", line=dict(color="black", width=1.5)),
                             hovertemplate="minimum (%{x:.4g}, %{y:.4g})<extra></extra>"))
        if start is not None:
            data.append(dict(type="scatter", x=[start[0]], y=[start[1]], xaxis=xa, yaxis=ya, mode="markers", name="start",
                             showlegend=first, legendgroup="start",
                             marker=dict(symbol="circle-open", size=14, color="#222", line=dict(width=2.5)),
                             hovertemplate="start (%{x:.4g}, %{y:.4g})<extra></extra>"))
        layout[xa.replace("x", "xaxis")].update(range=[x0, x1], title=dict(text="x") if first else None, zeroline=False,
                                                **({} if first else {"matches": "x"}))
        layout[ya.replace("y", "yaxis")].update(range=[y0, y1], title=dict(text="y") if first else None, zeroline=False,
                                                **({} if first else {"matches": "y"}))
    if click_grid:  # invisible points, so a click anywhere on the map reports a position
        # 25 × 25, not 41 × 41: every point is an SVG node plotly styles on each redraw (1681 cost ~150 ms a change)
        gx, gy = np.meshgrid(np.linspace(x0, x1, 25), np.linspace(y0, y1, 25))
        data.append(dict(type="scatter", x=b64(gx.ravel()), y=b64(gy.ravel()), mode="markers", name="click to start here",
                         marker=dict(size=12, opacity=0), showlegend=False,
                         hovertemplate="click: start here (%{x:.3g}, %{y:.3g})<extra></extra>"))

    lx, ly = g.axes(loss_panel)
    _, loss_title, loss_scale = loss_gap(surface, np.zeros(1))
    filled, gaps = [], []
    for i, run in enumerate(runs):
        xa, ya = g.axes(0 if view == "overlay" else i)
        filled.append(forward_fill(run.path))
        gap = loss_gap(surface, run.loss)[0]
        gaps.append(forward_fill(gap[:, None])[:, 0])
        data.append(dict(type="scatter", x=b64(run.path[:, 0]), y=b64(run.path[:, 1]), xaxis=xa, yaxis=ya, mode="lines",
                         name=run.name, legendgroup=run.label, opacity=0.75, hoverinfo="skip",
                         line=dict(color=run.color, dash=run.dash, width=2)))
        data.append(dict(type="scatter", x=b64(np.arange(len(gap))), y=b64(gap), xaxis=lx, yaxis=ly, mode="lines",
                         name=run.label, showlegend=False, legendgroup=run.label,
                         line=dict(color=run.color, dash=run.dash, width=2),
                         hovertemplate=f"{run.label}<br>step %{{x}}: %{{y:.4g}}<extra></extra>"))

    # One animated trace per panel holds every trail in it (the last point of each trail is the head),
    # and one holds every loss marker: a frame then carries a few short arrays, not dozens of traces.
    groups = [list(range(len(runs)))] if view == "overlay" else [[i] for i in range(len(runs))]
    animated = []
    n_t = trail + 1
    for p, members in enumerate(groups):
        xa, ya = g.axes(p)
        sizes = [*_fade(trail, 3, 8), 13]
        animated.append(len(data))
        data.append(dict(
            type="scatter", mode="markers", showlegend=False, xaxis=xa, yaxis=ya, name="position",
            x=b64(np.concatenate([_trail(filled[i], 0, trail)[:, 0] for i in members])) if members else [],
            y=b64(np.concatenate([_trail(filled[i], 0, trail)[:, 1] for i in members])) if members else [],
            text=[runs[i].label for i in members for _ in range(n_t)],
            hovertemplate="%{text} (%{x:.4g}, %{y:.4g})<extra></extra>",
            marker=dict(color=[runs[i].color for i in members for _ in range(n_t)], size=sizes * len(members),
                        opacity=[*_fade(trail, 0.15, 0.9), 1.0] * len(members),
                        line=dict(color="white", width=[0] * trail + [2])),
        ))
    animated.append(len(data))
    data.append(dict(type="scatter", mode="markers", showlegend=False, xaxis=lx, yaxis=ly, hoverinfo="skip",
                     x=[0] * len(runs), y=b64([gp[0] for gp in gaps]),
                     marker=dict(color=[r.color for r in runs], size=10, line=dict(color="white", width=1.5))))
    layout[lx.replace("x", "xaxis")].update(title=dict(text="step"), range=[0, max(steps, 1)], showgrid=True)
    layout[ly.replace("y", "yaxis")].update(title=dict(text=loss_title), type=loss_scale, showgrid=True, exponentformat="power",
                                            **_loss_range(gaps, loss_scale))

    shown = frame_steps(steps, max_frames)
    if slider_steps is not None:
        # "step N" as a text trace of its own (on invisible axes over the loss panel, [0, 1] both ways), so every frame
        # sets it, also the frames between the slider's stops. Inside the panel's top right corner: above it, level
        # with the title, the two met on a phone's narrow panel; the log scale leaves the top decade empty (its top is
        # ten times the highest starting loss) and a linear one rarely ends at its maximum
        ra, rb = g.axes(loss_panel + 1)
        layout[ra.replace("x", "xaxis")] = dict(overlaying=lx, range=[0, 1], visible=False, fixedrange=True)
        layout[rb.replace("y", "yaxis")] = dict(overlaying=ly, range=[0, 1], visible=False, fixedrange=True)
        animated.append(len(data))
        data.append(dict(type="scatter", mode="text", x=[0.98], y=[0.98], xaxis=ra, yaxis=rb, text=[f"step {int(shown[0])}"],
                         textposition="bottom left", textfont=dict(size=14, color="#222"), cliponaxis=False,
                         showlegend=False, hoverinfo="skip"))
    frames = []
    for s in shown:
        ks = [min(int(s), len(f) - 1) for f in filled]
        frame_data = []
        for members in groups:
            pts = np.concatenate([_trail(filled[i], ks[i], trail) for i in members]) if members else np.zeros((0, 2))
            frame_data.append(dict(type="scatter", x=b64(pts[:, 0]), y=b64(pts[:, 1])))
        frame_data.append(dict(type="scatter", x=ks, y=b64([gp[k] for gp, k in zip(gaps, ks, strict=True)])))
        if slider_steps is not None:
            frame_data.append(dict(type="scatter", text=[f"step {int(s)}"]))
        frames.append(dict(data=frame_data, traces=animated, name=str(int(s))))

    layout.update(
        height=height, margin=dict(l=70, r=20, t=70, b=130),
        legend=dict(orientation="h", yanchor="bottom", y=1.06 if view == "overlay" else 1 + 34 / plot_h, x=0, font=dict(size=14)),
        uirevision=surface.key, template=_TEMPLATE, hovermode="closest", **_controls(shown, slider_steps),
    )
    # hundreds of frame dicts, already well-formed: skip plotly's slow per-object validation
    return go.Figure(dict(data=data, layout=layout, frames=frames), _validate=False)


_TEMPLATE = go.layout.Template(layout=dict(plot_bgcolor="white", paper_bgcolor="white",
                                           font=dict(size=13), xaxis=dict(showgrid=False), yaxis=dict(showgrid=False)))


def _controls(shown: np.ndarray, slider_steps: int | None = None) -> dict:
    """Play, Pause and speed buttons, and the scrubber: a slider step per frame, or at most `slider_steps` of them.

    Drawing a slider costs plotly.js per step, not per figure, and every draw does it twice (the legend's reserved
    margin redraws the figure once): each step's label is drawn in its tester and measured (Drawing.bBox, a forced
    layout for each label not measured before), then "step N" is drawn and measured again for the current-value
    readout. On How Adam works (5 races in view, 101-150 frames each) the sliders took ~0.6 s of the ~1.4 s the
    charts cost Chromium; with 50 stops, one shared empty label and no current value they take ~0.1 s.
    The slider only follows an animation at its own stops (plotly binds a step to a frame by the frame's name), so
    with fewer stops its grip moves every few frames; the readout, a text trace in the frames, names every one.
    """
    def play(speed: float) -> dict:
        return dict(label="▶ Play" if speed == 1.0 else f"▶ {speed:g}×", method="animate",
                    args=[None, dict(frame=dict(duration=FRAME_MS / speed, redraw=False), transition=dict(duration=0),
                                     fromcurrent=True, mode="immediate")])

    def step(s) -> dict:
        return dict(label=str(int(s)) if slider_steps is None else "", method="animate",
                    args=[[str(int(s))], dict(mode="immediate", frame=dict(duration=0, redraw=False), transition=dict(duration=0))])

    pause = dict(label="❚❚ Pause", method="animate",
                 args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate", transition=dict(duration=0))])
    if slider_steps is None:
        stops, readout, top = shown, dict(prefix="step ", font=dict(size=14, color="#222")), 6
    else:  # evenly spread over the frames, the first and the last among them
        stops = shown[np.unique(np.round(np.linspace(0, len(shown) - 1, min(slider_steps, len(shown)))).astype(int))]
        readout, top = dict(visible=False), 32  # the rail where it was below the readout, clear of the loss axis title
    return dict(
        updatemenus=[dict(type="buttons", direction="left", buttons=[play(1.0), pause] + [play(s) for s in SPEEDS if s != 1.0],
                          x=0.0, y=-0.14, xanchor="left", yanchor="top", pad=dict(r=6, t=6), showactive=False)],
        # tick labels hidden (150 of them would be a smear); the current step is shown above the slider or by the readout
        sliders=[dict(active=0, x=0.45, len=0.55, y=-0.14, yanchor="top", pad=dict(t=top, b=4), ticklen=0,
                      tickcolor="rgba(0,0,0,0)", font=dict(color="rgba(0,0,0,0)"), currentvalue=readout,
                      steps=[step(s) for s in stops])],
    )
