"""Colours, the contour grid and axis helpers shared by every figure."""

from __future__ import annotations

import base64

import numpy as np

# Okabe & Ito's colour-blind-safe palette, most distinguishable first (yellow last: weak on white)
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
DASHES = ("solid", "dash", "dot", "dashdot")


# One colour per optimizer, the same on every page and whatever else races (Okabe & Ito's palette first)
OPTIMIZER_COLORS = {
    "gd": "#4D4D4D", "momentum": "#E69F00", "nag": "#A6761D", "adagrad": "#009E73", "rmsprop": "#CC79A7",
    "adadelta": "#7B3294", "adam": "#0072B2", "amsgrad": "#56B4E9", "adamw": "#D55E00", "nadam": "#1B9E9E",
    "adamax": "#8C9A00", "radam": "#B2182B",
    "rprop": "#5E3C99", "asgd": "#66A61E", "adafactor": "#E7298A", "lion": "#17BECF", "schedule_free_adamw": "#8C564B",
    "lbfgs": "#393B79",
}
_TWIN_SHADE = {2: ("#000000", 0.45), 3: ("#ffffff", 0.4), 4: ("#000000", 0.7)}


def entry_style(key: str, twin: int = 1) -> tuple[str, str]:
    """(colour, dash) of an optimizer's entry in a race: its own colour; a second or third entry of the same
    optimizer a darker or lighter shade of it, with a dashed line."""
    base = OPTIMIZER_COLORS.get(key, PALETTE[0])
    if twin <= 1:
        return base, "solid"
    towards, amount = _TWIN_SHADE.get(twin, ("#000000", 0.55))
    mix = [round(int(base[i:i + 2], 16) * (1 - amount) + int(towards[i:i + 2], 16) * amount) for i in (1, 3, 5)]
    return "#" + "".join(f"{c:02X}" for c in mix), DASHES[(twin - 1) % len(DASHES)]


def color_for(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def dash_for(i: int) -> str:
    """Beyond eight runs colours repeat, so the line style tells them apart."""
    return DASHES[(i // len(PALETTE)) % len(DASHES)]


def view_bounds(surface, points=()) -> tuple[tuple[float, float], tuple[float, float]]:
    """The surface's plotting box, grown to include any extra point (a start the user moved outside)."""
    (x0, x1), (y0, y1) = surface.bounds
    for px, py in points:
        if np.isfinite(px) and np.isfinite(py):
            mx, my = 0.05 * (x1 - x0), 0.05 * (y1 - y0)
            x0, x1 = min(x0, px - mx), max(x1, px + mx)
            y0, y1 = min(y0, py - my), max(y1, py + my)
    return (x0, x1), (y0, y1)


def contour_grid(surface, bounds=None, n: int = 120):
    """x (n,), y (n,), z (n, n) for a contour, z on a log scale when the surface asks for it.

    Log scale: log10(f − min(f) + 1) over the grid, so minima stay visible and values of 10⁵ do
    not flatten the picture. Returns the label of the colour scale too.
    """
    (x0, x1), (y0, y1) = bounds or surface.bounds
    x, y = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    z = surface.value(np.stack(np.meshgrid(x, y), axis=-1))
    z = np.where(np.isfinite(z), z, np.nan)
    if surface.log_contour:
        return x, y, np.log10(z - np.nanmin(z) + 1.0), "log₁₀(f − min f + 1)"
    return x, y, z, "f(x, y)"


def forward_fill(path: np.ndarray) -> np.ndarray:
    """Rows after a divergence repeat the last finite position, so a marker can stay where it blew up."""
    out = path.copy()
    bad = ~np.isfinite(out).all(axis=-1)
    if bad.any():
        first = int(bad.argmax())
        out[first:] = out[first - 1] if first > 0 else np.nan
    return out


def frame_steps(steps: int, max_frames: int = 150) -> np.ndarray:
    """The steps shown by the animation: every step when short, evenly strided (≤ max_frames) when long."""
    n = min(max_frames, steps + 1)
    return np.unique(np.round(np.linspace(0, steps, n)).astype(int))


def b64(values) -> dict:
    """An array in plotly.js's binary form (float32, base64): compact, and no per-number JSON text."""
    # a diverging path passes 1e38 before it turns non-finite: clip instead of overflowing the cast
    arr = np.ascontiguousarray(np.clip(np.asarray(values, dtype=np.float64), -1e30, 1e30), dtype=np.float32)
    spec = {"dtype": "f4", "bdata": base64.b64encode(arr.tobytes()).decode("ascii")}
    if arr.ndim > 1:  # plotly.js needs the shape of 2-D data (a contour's z)
        spec["shape"] = ",".join(map(str, arr.shape))
    return spec


# Light, neutral fill: saturated path colours stay readable everywhere, also on a projector.
CONTOUR_COLORS = ("#ffffff", "#e3e7f1", "#c3cbe0", "#9aa6c8")


def contour_image(surface, bounds=None, px: int = 640, levels: int = 28) -> str:
    """The contour map as a PNG data URI, for a plotly layout image.

    A picture instead of a contour trace: plotly.js drops contour and heatmap traces while frames
    animate with redraw off, and a PNG is smaller than the grid it is drawn from. Drawn with NumPy
    and Pillow (one value per pixel, bands and level lines from the band index): matplotlib's import
    and contouring cost ~0.5 s of the first page load.
    """
    import io

    from PIL import Image  # Pillow comes with Streamlit (and matplotlib)

    x, y, z, _ = contour_grid(surface, bounds, n=px)
    if surface.log_contour:  # z is already on a log scale: evenly spaced levels
        lo, hi = np.nanmin(z), np.nanmax(z)
        scaled = np.nan_to_num((z - lo) / (hi - lo if hi > lo else 1.0), nan=1.0)
        band = np.clip((scaled * levels).astype(int), 0, levels - 1)
    else:  # levels at quantiles: the high walls of a box (six-hump camel) would leave the interior one flat band
        edges = np.unique(np.nanquantile(z, np.linspace(0, 1, levels + 1)[1:-1]))
        band = np.searchsorted(edges, np.nan_to_num(z, nan=np.inf)) * (levels - 1) // max(len(edges), 1)
    stops = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in CONTOUR_COLORS], dtype=float)
    at = np.linspace(0, 1, len(stops))
    palette = np.stack([np.interp((np.arange(levels) + 0.5) / levels, at, stops[:, k]) for k in range(3)], axis=1)
    rgb = palette[band]
    line = band // 2  # a level line at every other band edge: 14 lines, not 28, so rugged surfaces stay readable
    edge = np.zeros(band.shape, dtype=bool)
    edge[:, 1:] |= line[:, 1:] != line[:, :-1]
    edge[1:, :] |= line[1:, :] != line[:-1, :]
    rgb[edge] = 0.6 * rgb[edge] + 0.4 * np.array([60.0, 60.0, 90.0])
    image = Image.fromarray(np.ascontiguousarray(rgb[::-1]).round().astype(np.uint8), "RGB")  # row 0 is the top
    buf = io.BytesIO()
    image.quantize(32).save(buf, format="PNG", optimize=True)  # 32 colours: a fifth of the size, no visible loss
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
