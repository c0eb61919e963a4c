"""A page opened by a direct link on a freshly started server must still run through app.py.

Streamlit decides once per process whether the app is a v1 multipage app: `pages/` exists, so it assumes so until
app.py's st.navigation runs. Until then a link to /inspector runs pages/inspector.py alone, without app.py's page
config and navigation (a sidebar of file names, a narrow layout). The first page run that finds that flag set turns
it off and reruns, which goes through app.py. It happens once per server start, on the first run of a session
(its state still empty). AppTest resets the flag before every run of a test session: there a page's later runs (a
button's click) must not be rerun, or the click would be lost.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def through_app() -> None:
    if PagesManager.uses_pages_directory and not st.session_state:
        PagesManager.uses_pages_directory = False
        st.rerun()
