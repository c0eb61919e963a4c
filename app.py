"""Optimizer Playground: watch gradient descent, momentum, RMSProp, Adam and friends race on a loss surface.

    streamlit run app.py
"""

from pathlib import Path

# Before any page runs: Streamlit imports pandas lazily (a table's first draw) and the contour pictures import
# Pillow's Image lazily, each in the thread of the session that first needs it, while plotly, in every other
# session's thread, takes both from sys.modules without waiting for an import in progress. Two students' first
# pages at once on a fresh server gave one a traceback ("partially initialized module 'pandas' has no attribute
# 'Series'"). Here every session waits for the one import.
import pandas  # noqa: F401
import PIL.Image  # noqa: F401
import streamlit as st

ICON = str(Path(__file__).parent / "assets" / "favicon.png")
st.set_page_config(page_title="Optimizer Playground", page_icon=ICON, layout="wide")

# Material icons ship with Streamlit's own font: emoji need a system emoji font (absent on many Linux machines)
pages = [
    st.Page("pages/playground.py", title="Playground", icon=":material/sports_score:", default=True),
    st.Page("pages/how_adam_works.py", title="How Adam works", icon=":material/school:", url_path="how_adam_works"),
    st.Page("pages/inspector.py", title="Inspector", icon=":material/search:"),
    st.Page("pages/scenarios.py", title="Scenarios", icon=":material/movie:"),
    st.Page("pages/when_adam_fails.py", title="When Adam fails", icon=":material/warning:", url_path="when_adam_fails"),
    st.Page("pages/adams_knobs.py", title="Adam's knobs", icon=":material/tune:", url_path="adams_knobs"),
    st.Page("pages/sweeps.py", title="Sweeps", icon=":material/grid_on:"),
    st.Page("pages/network.py", title="Network", icon=":material/hub:"),
]
page = st.navigation(pages, position="top")  # no sidebar: the Playground needs the width
# each page its own browser-tab title, so a class with six tabs open can tell them apart
st.set_page_config(page_title=f"{page.title} · Optimizer Playground", page_icon=ICON, layout="wide")
page.run()
