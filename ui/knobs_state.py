"""The state of "Adam's knobs": URL ⇄ its demos' controls and projector mode ⇄ widgets, kept in the session across
pages (ui/page_link.py)."""

from __future__ import annotations

import streamlit as st

from .knobs_settings import DEFAULTS, P, from_query, to_query
from .page_link import PageLink


def widget_values(v: dict) -> dict:
    return {P + name: value for name, value in v.items()}


LINK = PageLink("knobs", from_query, to_query, widget_values, DEFAULTS)


def load() -> list[str]:
    """Seed the controls at the start of a run; returns the link's notices."""
    return LINK.load()


def current() -> dict:
    ss = st.session_state
    return {name: ss.get(P + name, default) for name, default in DEFAULTS.items()}


def notices() -> list[str]:
    """The link's notices, until the user changes something."""
    return LINK.notices_for(current())


def save(v: dict) -> None:
    LINK.save(v)
