"""What the race chart in the browser receives: plain JSON with float32 arrays in base64. No Streamlit here.

Every array set is content-addressed (`Blob.id` hashes its bytes), so the page sends a run, a map image or a
morph path only once per browser session: a slider change that alters one optimizer ships that one run.
The browser side is ui/race_chart.js.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

import numpy as np

from .race import Run, _loss_range, loss_gap
from .style import forward_fill

MORPH_POINTS = 160  # points per morph path: the morph is a preview, the committed run is drawn in full


@dataclass(frozen=True)
class Blob:
    id: str
    raw: dict  # name -> bytes (or a data URI string)

    @property
    def content(self) -> dict:
        """The JSON form, encoded only for blobs that are sent."""
        return {k: v if isinstance(v, str) else base64.b64encode(v).decode("ascii") for k, v in self.raw.items()}


def _f32(values) -> bytes:
    # a diverging path passes 1e38 before it turns non-finite: clip instead of overflowing the cast
    with np.errstate(invalid="ignore"):
        return np.ascontiguousarray(np.clip(np.asarray(values, dtype=np.float64), -1e30, 1e30), dtype=np.float32).tobytes()


def array_blob(path: np.ndarray, loss: np.ndarray, steps: np.ndarray | None = None, average=None, probes=None) -> Blob:
    """A path (R, 2) and its loss (R,) as float32; `steps` (R,) when the rows are not every step; an average (R, 2)
    drawn beside the path; probes (N, 3): x, y and the step whose evaluation each one was."""
    parts = {"x": _f32(path[:, 0]), "y": _f32(path[:, 1]), "loss": _f32(loss)}
    if steps is not None:
        parts["steps"] = _f32(steps)
    if average is not None:
        parts["ax"], parts["ay"] = _f32(average[:, 0]), _f32(average[:, 1])
    if probes is not None:
        parts["px"], parts["py"], parts["ps"] = _f32(probes[:, 0]), _f32(probes[:, 1]), _f32(probes[:, 2])
    digest = hashlib.blake2b(digest_size=10)
    for name, raw in parts.items():
        digest.update(name.encode() + raw)
    return Blob("r" + digest.hexdigest(), parts)


def image_blob(data_uri: str) -> Blob:
    return Blob("i" + hashlib.blake2b(data_uri.encode(), digest_size=10).hexdigest(), {"img": data_uri})


@dataclass(frozen=True)
class Morph:
    """One run's paths at every stop of one hyperparameter, for the in-browser morph slider."""

    run: str  # the run's id
    hp: str
    symbol: str
    label: str
    stops: tuple[float, ...]
    at: int  # the stop the run has now
    blobs: tuple  # per stop, its decimated path and loss gap (see morph_blobs)


def morph_blobs(surface, paths) -> tuple:
    """Per stop (path (R, 2), loss (R,)): a blob of ≤ MORPH_POINTS rows, with their step numbers."""
    keep = decimate(len(paths[0][0]))
    return tuple(array_blob(path[keep], loss_gap(surface, loss)[0][keep], steps=keep) for path, loss in paths)


def decimate(n_rows: int, points: int = MORPH_POINTS) -> np.ndarray:
    """Row indices that keep ≤ `points` rows, first and last included."""
    return np.unique(np.round(np.linspace(0, n_rows - 1, min(points, n_rows))).astype(int))


def payload(surface, runs: list[Run], ids: list[str], *, start, bounds, image: str, view: str = "overlay",
            morph: Morph | None = None, present: bool = False, url: str | None = None) -> tuple[dict, list[Blob]]:
    """The chart's JSON (without array contents) and every blob it refers to, in order of first use."""
    blobs: list[Blob] = []
    img = image_blob(image)
    blobs.append(img)
    out_runs, gaps = [], []
    for run, rid in zip(runs, ids, strict=True):
        gap = loss_gap(surface, run.loss)[0]
        gaps.append(gap)
        b = array_blob(run.path, gap, average=run.average, probes=run.probes)
        blobs.append(b)
        out_runs.append({"id": rid, "label": run.label, "name": run.name, "color": run.color, "dash": run.dash,
                         "blob": b.id, "diverged_at": run.diverged_at, "average": run.average_name if
                         run.average is not None else None, "probes": run.probes is not None})
    _, title, scale = loss_gap(surface, np.zeros(1))
    fill = [np.where(np.isfinite(g), g, np.nan) for g in gaps]
    rng = _loss_range([forward_fill(g[:, None])[:, 0] for g in fill], scale).get("range")
    steps = max((len(r.path) - 1 for r in runs), default=0)
    data = {
        "view": view, "bounds": [list(map(float, bounds[0])), list(map(float, bounds[1]))], "image": img.id,
        "minima": [list(map(float, m)) for m in surface.minima], "start": [float(start[0]), float(start[1])],
        "steps": int(steps), "runs": out_runs, "uirevision": f"{surface.key}:{bounds}",
        "loss": {"title": title, "log": scale == "log", "range": rng},
        "present": bool(present), "fontSize": 17 if present else 13, "lineWidth": 3.5 if present else 2,
        "headSize": 17 if present else 13, "morph": None,
    }
    if morph is not None:
        blobs.extend(morph.blobs)
        ids_m = [b.id for b in morph.blobs]
        color = next((r["color"] for r in out_runs if r["id"] == morph.run), "#222")
        data["morph"] = {"run": morph.run, "hp": morph.hp, "symbol": morph.symbol, "label": morph.label,
                         "stops": [float(v) for v in morph.stops], "at": int(morph.at),
                         "blobs": ids_m, "color": color}
    data["rev"] = hashlib.blake2b(repr((data, [b.id for b in blobs])).encode(), digest_size=8).hexdigest()
    data["url"] = url  # a query for the browser to put in its address bar (see ui.widgets.save): not part of the chart
    return data, blobs

