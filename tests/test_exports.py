"""The race as files (plots/export.py): each one opened and checked, as a teacher's slides would use it."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess

import numpy as np
import pytest
from PIL import Image

import optimizers
import plots
import surfaces
from plots import export
from plots.style import contour_image, entry_style, view_bounds

STEPS = 120


@pytest.fixture(scope="module")
def race():
    surface = surfaces.get("rosenbrock")
    bounds = view_bounds(surface, [surface.start])
    trajs, runs = {}, []
    for key, lr in (("momentum", 1e-3), ("adam", 0.05), ("gd", 1.0)):  # gradient descent at α = 1 diverges
        t = optimizers.simulate(key, surface, np.array(surface.start), STEPS, lr=lr)
        label = optimizers.get(key).label
        trajs[label] = t
        color, dash = entry_style(key)
        runs.append(plots.Run(label, color, t.path, t.loss, t.diverged_at, dash))
    assert trajs["Gradient descent"].diverged_at is not None
    return surface, bounds, contour_image(surface, bounds, px=320), runs, trajs


def drawing(race, size=(480, 270)):
    surface, bounds, image, runs, _ = race
    return export.RaceDrawing(surface, runs, bounds, image, size=size, title="test")


def test_gif_has_the_frames_and_size_asked_for(race):
    d = drawing(race)
    seen = []
    data = export.gif(d, frames_=20, fps=10, progress=lambda i, n: seen.append((i, n)))
    d.close()
    im = Image.open(io.BytesIO(data))
    assert im.format == "GIF" and im.size == (480, 270) and im.n_frames == 20
    assert seen[-1] == (20, 20), "progress reaches the end"
    first, last = np.asarray(im.convert("RGB")), None
    im.seek(im.n_frames - 1)
    last = np.asarray(im.convert("RGB"))
    assert (first != last).any(), "the heads move"


def test_png_is_one_frame_at_the_size_asked_for(race):
    d = drawing(race, size=(1920, 1080))
    data = export.png(d, d.steps)
    d.close()
    assert Image.open(io.BytesIO(data)).size == (1920, 1080)


def test_exports_made_at_once_by_several_sessions_are_each_whole_and_keep_their_own_type(race):
    """The server runs sessions in threads of one process: a class exporting at once (GIFs and PNGs at the
    projector's size and the default one) gets every file whole, each with the type size of its own export, the
    same as it gets alone (with pyplot's global figures and rcParams, one export broke another's canvas and
    left its font size to the next)."""
    from concurrent.futures import ThreadPoolExecutor

    sizes = [(480, 270), (1280, 720)] * 2

    def text_sizes(size):
        d = drawing(race, size=size)
        sizes_ = {t.get_fontsize() for ax in (d.map, d.loss) for t in [ax.xaxis.label, ax.yaxis.label,
                                                                      *ax.get_xticklabels(), *ax.get_yticklabels()]}
        data = export.png(d, d.steps // 2) + export.gif(d, frames_=6)
        d.close()
        return sizes_, len(data)

    alone = {size: text_sizes(size) for size in set(sizes)}
    assert alone[(480, 270)][0] == {10} and alone[(1280, 720)][0] == {15}
    with ThreadPoolExecutor(len(sizes)) as pool:
        together = list(pool.map(text_sizes, sizes))
    for size, (fonts, n) in zip(sizes, together, strict=True):
        assert fonts == alone[size][0] and n == alone[size][1], size


@pytest.mark.skipif(export.mp4_available() is not None, reason="imageio-ffmpeg is not installed")
def test_mp4_lasts_frames_over_fps(race):
    import imageio_ffmpeg

    d = drawing(race)
    data = export.mp4(d, frames_=50, fps=25)
    d.close()
    probe = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-i", "-", "-f", "null", "-"], input=data,
                           capture_output=True, check=False)
    frames = re.findall(r"frame=\s*(\d+)", probe.stderr.decode())
    assert frames and int(frames[-1]) == 50  # 2 s at 25 frames per second


def test_html_plays_offline(race):
    surface, _, image, runs, _ = race
    page = export.html(plots.race_figure(surface, runs, start=surface.start, image=image))
    assert "Plotly.newPlot" in page or "Plotly.react" in page or "plotly" in page.lower()
    assert not re.search(r"<script[^>]+src=[\"']https?://", page), "plotly.js is inlined, nothing is fetched"
    assert '"traces":' in page and "addFrames" in page and "animate" in page  # the frames come with it


def test_csv_has_one_row_per_step_and_optimizer(race):
    *_, trajs = race
    rows = list(csv.DictReader(io.StringIO(export.table_csv(trajs))))
    assert len(rows) == len(trajs) * (STEPS + 1)
    adam = [r for r in rows if r["optimizer"] == "Adam"]
    t = trajs["Adam"]
    assert float(adam[7]["theta_x"]) == t.path[7, 0] and float(adam[7]["exp_avg_sq_y"]) == t.state["exp_avg_sq"][7, 1]
    assert float(adam[7]["grad_x"]) == t.grad[7, 0] and adam[-1]["grad_x"] == ""  # no gradient after the last step
    diverged = [r for r in rows if r["optimizer"] == "Gradient descent"][-1]
    assert diverged["theta_x"] == "nan", "divergence is written as nan, not hidden"


def test_json_round_trips_the_arrays(race):
    *_, trajs = race
    data = json.loads(export.race_json({"surface": "rosenbrock"}, trajs))
    assert data["settings"] == {"surface": "rosenbrock"}
    np.testing.assert_array_equal(np.array(data["runs"]["Adam"]["path"]), trajs["Adam"].path)
    assert data["runs"]["Gradient descent"]["path"][-1] == [None, None]
