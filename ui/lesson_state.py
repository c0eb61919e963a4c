"""The state of "How Adam works": URL ⇄ its controls' values ⇄ widgets, kept in the session across pages."""

from __future__ import annotations

import streamlit as st

from .lesson_settings import DEFAULTS, TABS, from_query, to_query
from .page_link import PageLink

P = "lesson."
TAB = P + "hp.tab"  # section 6's tabs (its value: the open tab's label)


def widget_values(v: dict) -> dict:
    return {(TAB if name == "tab" else P + name): (TABS[value] if name == "tab" else value) for name, value in v.items()}


LINK = PageLink("lesson", from_query, to_query, widget_values, DEFAULTS)


def load() -> list[str]:
    """Seed the controls at the start of a run; returns the link's notices."""
    return LINK.load()


def current() -> dict:
    ss = st.session_state
    v = {name: ss.get(P + name, default) for name, default in DEFAULTS.items() if name != "tab"}
    v["tab"] = next((name for name, label in TABS.items() if label == ss.get(TAB)), DEFAULTS["tab"])
    return v


def notices() -> list[str]:
    """The link's notices, until the user changes something."""
    return LINK.notices_for(current())


def save(v: dict) -> None:
    LINK.save(v)
