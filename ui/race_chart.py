"""The race chart as a Custom Component v2 (ui/race_chart.js) that stays mounted.

st.plotly_chart remounts on every new figure (a new DOM node, a full redraw, lost zoom). This component is
mounted once under a stable key: a rerun hands the same DOM node new data and the browser redraws it with
Plotly.react. The data carries each run, the map and the morph paths once per browser session
(content-addressed blobs, see plots/race_data.py); the browser asks again if it lost any.

plotly.js comes from the plotly pip package (plotly/package_data/plotly.min.js), served by Streamlit's
component route: nothing is fetched from outside.
"""

from __future__ import annotations

from pathlib import Path

import plotly
import streamlit as st
import streamlit.components.v1 as components_v1

from plots.race_data import Blob

HERE = Path(__file__).parent
PLOTLY_DIR = Path(plotly.__file__).parent / "package_data"
SENT = "_race_sent"  # blob ids this browser session has been sent

_chart = st.components.v2.component(
    "optimizer_playground.race_chart",
    js=(HERE / "race_chart.js").read_text(encoding="utf-8"),
    css=(HERE / "race_chart.css").read_text(encoding="utf-8"),
    isolate_styles=False,  # plotly.js writes its CSS into the document head, which a shadow root would not see
)


def plotly_url() -> str:
    """Where the browser fetches plotly.js: Streamlit serves the pip package's copy (the route exists once declared)."""
    lib = components_v1.declare_component("plotlyjs", path=str(PLOTLY_DIR))
    return f"./component/{lib.name}/plotly.min.js?v={plotly.__version__}"


def _forget_sent() -> None:
    st.session_state[SENT] = set()


def race_chart(data: dict, blobs: list[Blob], *, key: str = "race", on_start=None, on_morph=None):
    """Mount (or update) the chart. Only blobs this session has not been sent travel with the data."""
    sent = st.session_state.setdefault(SENT, set())
    fresh = {b.id: b.content for b in blobs if b.id not in sent}
    sent.update(fresh)
    noop = lambda: None  # noqa: E731 - a trigger needs a callback to be reported
    return _chart(key=key, data={**data, "blobs": fresh}, on_start_change=on_start or noop,
                  on_morph_change=on_morph or noop, on_missing_change=_forget_sent, width="stretch", height="content")
