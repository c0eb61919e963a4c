"""The race chart as a Custom Component v2 (ui/race_chart.js) that stays mounted.

st.plotly_chart remounts on every new figure (a new DOM node, a full redraw, lost zoom). This component is
mounted once under a stable key: a rerun hands the same DOM node new data and the browser redraws it with
Plotly.react. The data carries each run, the map and the morph paths once per browser session
(content-addressed blobs, see plots/race_data.py); the browser asks again if it lost any.

plotly.js comes from the plotly pip package (plotly/package_data/plotly.min.js), served by Streamlit's
component route: nothing is fetched from outside.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import plotly
import streamlit as st
import streamlit.components.v1 as components_v1

from plots.race_data import Blob

HERE = Path(__file__).parent
STATIC = HERE / "static"  # race_chart.js and .css, served by Streamlit's component route
PLOTLY_DIR = Path(plotly.__file__).parent / "package_data"
SENT = "_race_sent"  # blob ids this browser session has been sent

# The component's own code travels with every rerun, so it is a loader: the chart's module and stylesheet are
# files the browser fetches once (and the module map keeps), versioned by their content.
_LOADER = """
export default async function (component) {
  const m = await import(new URL(component.data.module, location.href).href);
  return m.default(component);
}
"""
_chart = st.components.v2.component("optimizer_playground.race_chart", js=_LOADER, isolate_styles=False)
_VERSION = hashlib.blake2b(b"".join(p.read_bytes() for p in sorted(STATIC.iterdir())), digest_size=6).hexdigest()
_urls: dict = {}


def asset_urls() -> dict:
    """Where the browser fetches the chart's module, its stylesheet and plotly.js (nothing from outside).

    Declaring a v1 component with a path makes Streamlit serve that folder; declared once per process.
    """
    if not _urls:
        static = components_v1.declare_component("static", path=str(STATIC)).name
        lib = components_v1.declare_component("plotlyjs", path=str(PLOTLY_DIR)).name
        _urls.update(module=f"./component/{static}/race_chart.js?v={_VERSION}",
                     css=f"./component/{static}/race_chart.css?v={_VERSION}",
                     plotly=f"./component/{lib}/plotly.min.js?v={plotly.__version__}")
    return _urls


def _forget_sent() -> None:
    st.session_state[SENT] = set()


def race_chart(data: dict, blobs: list[Blob], *, key: str = "race", on_start=None, on_morph=None):
    """Mount (or update) the chart. Only blobs this session has not been sent travel with the data."""
    sent = st.session_state.setdefault(SENT, set())
    fresh = {b.id: b.content for b in blobs if b.id not in sent}
    sent.update(fresh)
    noop = lambda: None  # noqa: E731 - a trigger needs a callback to be reported
    urls = asset_urls()
    return _chart(key=key, data={**data, "blobs": fresh, "module": urls["module"], "css": urls["css"],
                                 "plotly": urls["plotly"]},
                  on_start_change=on_start or noop, on_morph_change=on_morph or noop, on_missing_change=_forget_sent,
                  width="stretch", height="content")
