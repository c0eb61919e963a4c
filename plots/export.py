"""The race as files to take away: an animated GIF or MP4, a PNG of one frame, an offline HTML, CSV and JSON.

Pure: arrays in, bytes or text out (no Streamlit). The GIF and the MP4 are drawn with matplotlib (the GIF with
Pillow, no browser or ffmpeg needed; the MP4 with the ffmpeg binary that the imageio-ffmpeg package ships,
when it is installed). They show what the page shows: the map picture, each path in its colour, the heads with a
fading trail, and the loss per step.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

# matplotlib's object API, never pyplot: the server runs every session in a thread of one process, and pyplot's
# figure manager and rcParams are global (two exports at once broke each other: a canvas without a renderer, and
# a projector export's font size left in rcParams for everyone's next file). A Figure on its own Agg canvas is
# local to the call.
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import imread

from .race import Run, loss_gap
from .style import forward_fill, frame_steps

DASH = {"solid": "-", "dash": "--", "dot": ":", "dashdot": "-."}


def mp4_available() -> str | None:
    """None when MP4 export works here, else the one-line reason why not."""
    try:
        import imageio_ffmpeg

        imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:  # not installed, or its binary does not run on this machine
        return "MP4 needs the imageio-ffmpeg package (pip install imageio-ffmpeg), which ships its own ffmpeg."
    return None


class RaceDrawing:
    """A matplotlib figure of the race that can show any step."""

    def __init__(self, surface, runs: list[Run], bounds, image_uri: str, *, size=(1280, 720), dpi: int = 100,
                 title: str = "", trail: int = 12):
        self.runs, self.trail = runs, trail
        self.steps = max((len(r.path) - 1 for r in runs), default=0)
        w, h = size
        big = min(w, h) >= 700  # projector sizes: thicker lines, larger type
        self.fig = Figure(figsize=(w / dpi, h / dpi), dpi=dpi)
        FigureCanvasAgg(self.fig)
        self.fig.patch.set_facecolor("white")
        grid = self.fig.add_gridspec(1, 2, width_ratios=[1.0, 0.8], left=0.07, right=0.98, bottom=0.12, top=0.86, wspace=0.25)
        self.map, self.loss = self.fig.add_subplot(grid[0]), self.fig.add_subplot(grid[1])
        (x0, x1), (y0, y1) = bounds
        picture = imread(io.BytesIO(base64.b64decode(image_uri.split(",", 1)[1])), format="png")
        self.map.imshow(picture, extent=(x0, x1, y0, y1), aspect="auto", interpolation="bilinear")
        self.map.set_xlim(x0, x1)
        self.map.set_ylim(y0, y1)
        self.map.set_box_aspect(1)  # a square map, as on the page
        lw, fs = (3.0, 15) if big else (1.8, 10)
        self.map.set_xlabel("x", fontsize=fs)
        self.map.set_ylabel("y", fontsize=fs)
        for m in surface.minima:
            self.map.plot(*m, marker="*", ms=18 if big else 12, mfc="white", mec="black", zorder=5)
        self.filled, self.gaps, self.heads, self.markers = [], [], [], []
        _, loss_title, scale = loss_gap(surface, np.zeros(1))
        for run in runs:
            style = DASH.get(run.dash, "-")
            self.map.plot(run.path[:, 0], run.path[:, 1], style, color=run.color, lw=lw, alpha=0.8, label=run.name)
            gap = loss_gap(surface, run.loss)[0]
            self.loss.plot(np.arange(len(gap)), gap, style, color=run.color, lw=lw)
            self.filled.append(forward_fill(run.path))
            self.gaps.append(forward_fill(gap[:, None])[:, 0])
            sizes = np.linspace(8, 50, trail + 1) * (2.2 if big else 1.0)
            sizes[-1] = 160 if big else 70
            self.heads.append(self.map.scatter([], [], s=[], color=run.color, edgecolors="white", linewidths=1.5, zorder=6))
            self.heads[-1].sizes_ = sizes
            self.markers.append(self.loss.plot([], [], "o", color=run.color, mec="white", ms=10 if big else 7)[0])
        self.loss.set_yscale("log" if scale == "log" else "linear")
        finite = [g[np.isfinite(g)] for g in self.gaps]
        finite = [g for g in finite if g.size]
        if scale == "log" and finite:  # as on the page: a diverging run leaves the chart upwards
            bottom, top = min(float(g.min()) for g in finite), max(float(g[0]) for g in finite) * 10
            if 0 < bottom < top:
                self.loss.set_ylim(bottom / 1.3, top)
        self.loss.set_xlim(0, max(self.steps, 1))
        self.loss.set_xlabel("step", fontsize=fs)
        self.loss.set_ylabel(loss_title, fontsize=fs)
        self.loss.grid(alpha=0.3)
        for ax in (self.map, self.loss):  # after the loss axis takes its scale, which sets its ticks anew
            ax.tick_params(which="both", labelsize=fs)
        self.fig.legend(loc="upper center", ncol=min(len(runs), 4), frameon=False, fontsize=fs)
        self.caption = self.fig.text(0.99, 0.01, "", ha="right", va="bottom", fontsize=fs)
        if title:
            self.fig.text(0.01, 0.01, title, ha="left", va="bottom", fontsize=fs * 0.8, color="#555")

    def show(self, step: int) -> list:
        for filled, gap, head, marker in zip(self.filled, self.gaps, self.heads, self.markers, strict=True):
            k = min(step, len(filled) - 1)
            idx = np.clip(np.arange(k - self.trail, k + 1), 0, None)
            head.set_offsets(filled[idx])
            head.set_sizes(head.sizes_)
            marker.set_data([k], [gap[k]])
        self.caption.set_text(f"step {step} / {self.steps}")
        return [*self.heads, *self.markers, self.caption]

    def close(self) -> None:
        self.fig.clear()  # no pyplot manager holds it: clearing frees its artists now rather than at collection


def frames(drawing: RaceDrawing, steps) -> Iterator[np.ndarray]:
    """RGB frames (H, W, 3) of the race at `steps`: the still parts are drawn once, each frame adds only the
    heads, the loss markers and the caption on top (a full redraw per frame was 20× slower)."""
    canvas = drawing.fig.canvas
    moving = drawing.show(0)
    for a in moving:
        a.set_animated(True)
    canvas.draw()
    background = canvas.copy_from_bbox(drawing.fig.bbox)
    for step in steps:
        canvas.restore_region(background)
        for a in drawing.show(int(step)):
            drawing.fig.draw_artist(a)
        yield np.asarray(canvas.buffer_rgba())[..., :3].copy()


def gif(drawing: RaceDrawing, frames_: int = 60, fps: int = 12, progress=None) -> bytes:
    """An animated GIF that loops; `frames_` steps evenly spread over the race, the last one the end."""
    from PIL import Image

    shown = frame_steps(drawing.steps, frames_)
    images, palette = [], None
    for i, rgb in enumerate(frames(drawing, shown)):
        im = Image.fromarray(rgb)
        # one palette for all frames (stable colours, faster), from the still picture and every run's colour
        palette = palette or im.quantize(255, method=Image.Quantize.FASTOCTREE)
        images.append(im.quantize(palette=palette, dither=Image.Dither.NONE))
        if progress:
            progress(i + 1, len(shown))
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=round(1000 / fps), loop=0)
    return buf.getvalue()


def mp4(drawing: RaceDrawing, frames_: int = 150, fps: int = 25, progress=None) -> bytes:
    """An H.264 MP4 (needs imageio-ffmpeg: see mp4_available)."""
    import imageio_ffmpeg

    shown = frame_steps(drawing.steps, frames_)
    w, h = drawing.fig.canvas.get_width_height()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "race.mp4"
        writer = imageio_ffmpeg.write_frames(str(path), (w, h), fps=fps, codec="libx264", pix_fmt_out="yuv420p",
                                             macro_block_size=2, ffmpeg_log_level="error")
        writer.send(None)
        for i, rgb in enumerate(frames(drawing, shown)):
            writer.send(np.ascontiguousarray(rgb))
            if progress:
                progress(i + 1, len(shown))
        writer.close()
        return path.read_bytes()


def png(drawing: RaceDrawing, step: int) -> bytes:
    drawing.show(step)
    buf = io.BytesIO()
    drawing.fig.savefig(buf, format="png", dpi=drawing.fig.dpi)
    return buf.getvalue()


def html(figure) -> str:
    """A self-contained page that plays offline: plotly.js inlined, the animation waiting for Play."""
    return figure.to_html(include_plotlyjs=True, full_html=True, auto_play=False,
                          config={"displaylogo": False, "scrollZoom": False})


STATE_COLUMNS = "state"


def table_csv(trajectories: dict) -> str:
    """One row per optimizer and step: position, loss, the gradient used at that step and every state (torch's
    names, one column per coordinate). `trajectories`: label -> optimizers.Trajectory (record="full")."""
    out = io.StringIO()
    state_names = sorted({name for t in trajectories.values() for name in t.state})
    dims = next(iter(trajectories.values())).path.shape[-1] if trajectories else 2
    axes = "xyzw"[:dims] if dims <= 4 else [str(i) for i in range(dims)]
    header = ["optimizer", "step", *[f"theta_{a}" for a in axes], "loss", *[f"grad_{a}" for a in axes],
              *[f"{n}_{a}" for n in state_names for a in axes]]
    w = csv.writer(out)
    w.writerow(header)
    for label, t in trajectories.items():
        for k in range(len(t.path)):
            has_grad = t.grad is not None and k < len(t.grad)  # no gradient is taken after the last step
            row = [label, k, *_num(t.path[k]), _num([t.loss[k]])[0], *(_num(t.grad[k]) if has_grad else [""] * dims)]
            for n in state_names:
                row += _num(t.state[n][k]) if n in t.state else [""] * dims
            w.writerow(row)
    return out.getvalue()


def race_json(settings: dict, trajectories: dict) -> str:
    """The settings and every recorded array, as lists (NaN and ±inf as null: JSON has no such numbers)."""
    runs = {}
    for label, t in trajectories.items():
        runs[label] = {"optimizer": t.optimizer, "hyperparameters": {k: _plain(v) for k, v in t.hyperparameters.items()},
                       "diverged_at": t.diverged_at, "path": _lists(t.path), "loss": _lists(t.loss),
                       "grad": _lists(t.grad) if t.grad is not None else None,
                       "state": {n: _lists(v) for n, v in t.state.items()}}
    return json.dumps({"settings": settings, "runs": runs}, indent=1, allow_nan=False)


def _num(values) -> list:
    return [repr(float(v)) if np.isfinite(v) else ("nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")) for v in values]


def _lists(arr: np.ndarray):
    a = np.asarray(arr, dtype=float)
    out = a.astype(object)
    out[~np.isfinite(a)] = None
    return out.tolist()


def _plain(v):
    if isinstance(v, (np.generic,)):
        return v.item()
    if isinstance(v, tuple):
        return list(v)
    return v
