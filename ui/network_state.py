"""The network page's state: URL ⇄ NetSettings ⇄ widgets, as ui/widgets.py does for the Playground.

The settings live in the session (`_net`), so leaving the page and coming back keeps them; a link (or a new query)
replaces them. The URL is written only once the user changes something after arriving from another page, whose
address carries no query: Streamlit would otherwise write it onto the previous page's address.
"""

from __future__ import annotations

from dataclasses import fields

import streamlit as st

import optimizers

from .network_settings import DEFAULTS, NetSettings, from_query, to_query
from .widgets import EXTRA, hp_widget_key, replace_address

P = "net."  # every widget key of the page
STATE, QUERY, NOTICES, LOADED = "_net", "_net_query", "_net_notices", "_net_loaded"
_PLAIN = [f.name for f in fields(NetSettings) if f.name not in ("hps", "optimizers")]


def hp_key(opt: str, name: str) -> str:
    return hp_widget_key(P + opt, name)


def widget_values(s: NetSettings) -> dict:
    out = {P + name: getattr(s, name) for name in _PLAIN}
    out[P + "optimizers"] = list(s.optimizers)
    for key in optimizers.names():
        values = s.hyperparameters(key)
        for hp in optimizers.get(key).hyperparameters:
            if hp.ui:
                out[hp_key(key, hp.name)] = hp.coerce(values[hp.name])
    return out


def apply(s: NetSettings, only_missing: bool = False) -> None:
    ss = st.session_state
    for key, value in widget_values(s).items():
        if only_missing and key in ss:
            continue
        ss[key] = value
        if "." in key[len(P):]:  # a hyperparameter: its value is one of the slider's stops
            ss.setdefault(EXTRA, {}).setdefault(key, set()).add(value)


def load() -> list[str]:
    """Seed the widgets at the start of a run; returns the link's notices (kept until the user changes something)."""
    ss = st.session_state
    query = st.query_params.to_dict()
    if STATE not in ss or (query and query != ss.get(QUERY)):
        s, notices = from_query(query)
        apply(s)
        ss[STATE], ss[QUERY], ss[LOADED], ss[NOTICES] = s, to_query(s), to_query(s), notices
    else:
        apply(ss[STATE], only_missing=True)
    for key in widget_values(DEFAULTS):  # a run that does not draw a widget must not lose its value
        if key in ss:
            ss[key] = ss[key]
    return ss[NOTICES] if ss.get(LOADED) == ss.get(QUERY) else []


def current() -> NetSettings:
    ss = st.session_state
    chosen = tuple(ss[P + "optimizers"]) or DEFAULTS.optimizers
    hps = {}
    for key in optimizers.names():
        opt = optimizers.get(key)
        changed = {hp.name: ss[hp_key(key, hp.name)] for hp in opt.hyperparameters
                   if hp.ui and hp_key(key, hp.name) in ss and ss[hp_key(key, hp.name)] != hp.default}
        if changed:
            hps[key] = changed
    plain = {name: ss[P + name] for name in _PLAIN}
    for name in ("n", "dseed", "width", "depth", "steps", "batch", "seed", "goal"):
        plain[name] = int(plain[name])
    plain["noise"] = float(plain["noise"])
    return NetSettings(optimizers=chosen, hps=hps, **plain)


def save(s: NetSettings) -> None:
    """The settings shown become the page's state and, unless nothing changed since arriving, its address."""
    ss = st.session_state
    query = to_query(s)
    arrived = not st.query_params.to_dict() and ss.get(QUERY) == query and STATE in ss
    ss[STATE], ss[QUERY] = s, query
    if ss.get(LOADED) != query:
        ss[LOADED] = None  # the link's notices are done with
    if arrived and query:  # back from another page: the address has lost the settings the page shows
        replace_address(query)
    elif not arrived and st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
