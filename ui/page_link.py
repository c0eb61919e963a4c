"""A page's settings kept in the session and in its address, as ui/sweep_state.py and ui/network_state.py do.

A session's first visit, or an address whose query differs from what the page last wrote (a shared link, Back to
an older view), takes the settings from the URL; returning from another page (whose address carries no query)
restores the page's own state. The query is written back as the user changes things; on a return from another
page it is put in the address without a history entry (ui.widgets.replace_address).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from .widgets import EXTRA, replace_address


class PageLink:
    """`from_query(params) -> (settings, notices)`, `to_query(settings) -> dict`, `widget_values(settings) -> {key:
    value}` (every session-state key the page's widgets read); `stops(key)` says which keys are sliders whose value
    must be one of their stops (ui.widgets.EXTRA)."""

    def __init__(self, name: str, from_query: Callable, to_query: Callable, widget_values: Callable,
                 defaults: Any, stops: Callable[[str], bool] = lambda key: False):
        self.state, self.query = f"_{name}", f"_{name}_query"  # the settings shown, the query they make
        self.notices, self.loaded = f"_{name}_notices", f"_{name}_loaded"  # a link's notices, the query it came with
        self.from_query, self.to_query, self.widget_values, self.defaults, self.stops = (
            from_query, to_query, widget_values, defaults, stops)

    def apply(self, settings, only_missing: bool = False) -> None:
        """Write settings into the widgets' session state (before the widgets are drawn)."""
        ss = st.session_state
        for key, value in self.widget_values(settings).items():
            if only_missing and key in ss:
                continue
            ss[key] = value
            if self.stops(key):
                ss.setdefault(EXTRA, {}).setdefault(key, set()).add(value)

    def load(self) -> list[str]:
        """Seed the widgets at the start of a run; returns the link's notices (kept until the user changes something)."""
        ss = st.session_state
        query = st.query_params.to_dict()
        if self.state not in ss or (query and query != ss.get(self.query)):
            settings, notices = self.from_query(query)
            self.apply(settings)
            ss[self.state], ss[self.query], ss[self.loaded], ss[self.notices] = (
                settings, self.to_query(settings), self.to_query(settings), notices)
        else:
            self.apply(ss[self.state], only_missing=True)
        for key in self.widget_values(self.defaults):  # a run that does not draw a widget must not lose its value
            if key in ss:
                ss[key] = ss[key]
        return ss[self.notices] if ss.get(self.loaded) == ss.get(self.query) else []

    def notices_for(self, settings) -> list[str]:
        """The link's notices while the page still shows what the link made of it (they go at the first change)."""
        ss = st.session_state
        return ss.get(self.notices, []) if ss.get(self.loaded) == self.to_query(settings) else []

    def save(self, settings) -> None:
        """The settings shown become the page's state and, unless nothing changed since arriving, its address."""
        ss = st.session_state
        query = self.to_query(settings)
        arrived = not st.query_params.to_dict() and ss.get(self.query) == query and self.state in ss
        ss[self.state], ss[self.query] = settings, query
        if ss.get(self.loaded) != query:
            ss[self.loaded] = None  # the link's notices are done with
        if arrived and query:  # back from another page: the address has lost the settings the page shows
            replace_address(query)
        elif not arrived and st.query_params.to_dict() != query:
            st.query_params.from_dict(query)
