"""Optimizer Playground: watch gradient descent, momentum, RMSProp, Adam and friends race on a loss surface.

    streamlit run app.py
"""

import streamlit as st

st.set_page_config(page_title="Optimizer Playground", page_icon="🏔️", layout="wide")

pages = [
    st.Page("pages/playground.py", title="Playground", icon="🏁", default=True),
    st.Page("pages/lesson.py", title="How Adam works", icon="📖"),
    st.Page("pages/inspector.py", title="Inspector", icon="🔍"),
    st.Page("pages/scenarios.py", title="Scenarios", icon="🎬"),
    st.Page("pages/adam_fails.py", title="When Adam fails", icon="⚠️"),
]
st.navigation(pages).run()
