"""The Playground's downloads: the race as it is on screen, as GIF, MP4, PNG, offline HTML, CSV and JSON.

Each file is made only when its button is pressed (st.download_button with a callable), so a rerun costs nothing.
"""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

import optimizers
import plots
import surfaces
from plots import export, torch_code
from ui.settings import Settings, base_key, entry_labels, schedule_spec, to_query

SIZES = {"960 × 540 (slides)": (960, 540), "1280 × 720": (1280, 720), "1920 × 1080 (projector)": (1920, 1080)}


def file_stem(s: Settings) -> str:
    """What the file holds, in its name: race_rosenbrock_gd-adam_500steps."""
    entries = "-".join(e.replace(":", "") for e in s.optimizers)
    surface = "custom-" + s.surface.split(":", 1)[1] if s.formula else s.surface  # no ':' in a file name
    return f"race_{surface}_{entries}_{s.steps}steps"


def panel(s: Settings, surface, runs: list, bounds, image: str, key: str = "") -> None:
    """Size and frames for the animations, then one button per file. `key` prefixes the widgets' keys."""
    stem = file_stem(s)
    c1, c2 = st.columns(2)
    # projector mode offers the projector's size first (a session keeps whatever size was picked)
    size = SIZES[c1.selectbox("Picture size", list(SIZES), index=2 if s.present else 0, key=f"{key}export_size")]
    n_frames = c2.select_slider("Frames in the animation", [30, 60, 100, 150], value=60, key=f"{key}export_frames",
                                help="Evenly spread over the race; the last frame is the final step. GIF at 12 frames "
                                     "per second, MP4 at 25.")

    def drawing():
        return export.RaceDrawing(surface, runs, bounds, image, size=size,
                                  title=f"{surface.label} · {', '.join(r.label for r in runs)} · {s.steps} steps")

    def made(fn):
        def make():
            d = drawing()
            try:
                return fn(d)
            finally:
                d.close()
        return make

    b = st.columns(3)
    sig = _signature(stem, size, n_frames, runs)
    with b[0]:
        _animation("GIF", lambda d, progress: export.gif(d, n_frames, 12, progress), drawing, sig, f"{stem}.gif",
                   "image/gif", f"{key}dl_gif", ":material/gif_box:", "An animated GIF that loops: for slides and handouts.")
    reason = export.mp4_available()
    with b[1]:
        if reason is None:
            _animation("MP4", lambda d, progress: export.mp4(d, max(n_frames, 100), 25, progress), drawing, sig,
                       f"{stem}.mp4", "video/mp4", f"{key}dl_mp4", ":material/movie:",
                       "An H.264 video at 25 frames per second.")
        else:
            st.caption(reason)
    b[2].download_button("PNG", made(lambda d: export.png(d, d.steps)), f"{stem}_final.png", "image/png",
                         key=f"{key}dl_png", icon=":material/image:", width="stretch", on_click="ignore",
                         help="The last step as a picture at the size chosen above.")
    c = st.columns(3)
    c[0].download_button("HTML", lambda: export.html(plots.race_figure(surface, runs, start=s.start, image=image)),
                         f"{stem}.html", "text/html", key=f"{key}dl_html", icon=":material/html:", width="stretch",
                         on_click="ignore", help="A page that plays offline (plotly.js inside): for a slide deck or "
                                                 "a learning platform. Press Play in it.")
    c[1].download_button("CSV", lambda: export.table_csv(_full(s)), f"{stem}.csv", "text/csv", key=f"{key}dl_csv",
                         icon=":material/table:", width="stretch", on_click="ignore",
                         help="One row per optimizer and step: position, loss, gradient and the optimizer's state "
                              "(torch's names).")
    c[2].download_button("JSON", lambda: export.race_json({"query": to_query(s), "surface": s.surface,
                                                           "start": list(s.start), "steps": s.steps, "noise": s.noise,
                                                           "seed": s.seed}, _full(s)),
                         f"{stem}.json", "application/json", key=f"{key}dl_json", icon=":material/data_object:",
                         width="stretch", on_click="ignore", help="The settings and every recorded array.")


def _signature(stem: str, size, n_frames: int, runs: list) -> str:
    """What an animation shows: made again only when this changes."""
    h = hashlib.blake2b(repr((stem, size, n_frames, [(r.label, r.color) for r in runs])).encode(), digest_size=8)
    for r in runs:
        h.update(np.ascontiguousarray(r.path).tobytes())
    return h.hexdigest()


def _animation(label: str, make, drawing, sig: str, file_name: str, mime: str, key: str, icon: str, help: str) -> None:
    """A button that draws the animation with a progress bar (it takes seconds), then its download button."""
    ss = st.session_state
    made = ss.get(key + ".made")
    slot = st.empty()  # the button, then its progress bar, then the download: one place, each replacing the last
    if made is None or made[0] != sig:
        if not slot.button(f"Make {label}", key=key + ".make", icon=icon, width="stretch", help=help):
            return
        bar = slot.progress(0.0, text=f"Drawing the {label}…")
        d = drawing()
        try:
            data = make(d, lambda i, n: bar.progress(i / n, text=f"{label}: frame {i} of {n}"))
        finally:
            d.close()
        made = ss[key + ".made"] = (sig, data)
    slot.download_button(f"{label} ({len(made[1]) / 1024:.0f} kB)", made[1], file_name, mime, key=key, icon=icon,
                       width="stretch", on_click="ignore", help=help)


def torch_panel(s: Settings, surface) -> None:
    """The race as runnable torch code with the values on screen (st.code has a copy button)."""
    labels = entry_labels(s)
    code = torch_code.snippet(surface, s.start, s.steps, [(labels[e], base_key(e), s.hyperparameters(e), _spec(s, e))
                                                          for e in s.optimizers],
                              noise=s.noise, seed=s.seed)
    st.caption("Runs with `pip install torch` and gives the paths the page draws (float64, checked to 1e-9 in the tests).")
    st.code(code, language="python", height=320)
    st.download_button("torch code (.py)", code, f"{file_stem(s)}.py", "text/x-python", key="dl_py",
                       icon=":material/code:", on_click="ignore")


def _full(s: Settings) -> dict:
    """Every entry's run with its gradients and state, as the engine records them (label -> Trajectory)."""
    labels = entry_labels(s)
    return {labels[e]: optimizers.simulate(base_key(e), surfaces.get(s.surface), np.array(s.start, dtype=float), s.steps,
                                           noise=s.noise, seed=s.seed, lr_schedule=_spec(s, e), **s.hyperparameters(e))
            for e in s.optimizers}


def _spec(s: Settings, entry: str):
    """The entry's schedule preset as an lr_schedule (None for a constant α)."""
    return schedule_spec(s.schedules.get(entry, "none"), base_key(entry), s.steps, s.hyperparameters(entry)["lr"])
