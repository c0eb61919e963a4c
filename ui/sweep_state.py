"""The Sweeps page's state: URL ⇄ (values, fixed hyperparameters) ⇄ widgets, kept in the session across pages
(as ui/network_state.py does for the network page). A session's first visit takes the Playground's surface, start,
noise and hyperparameters when it has been there: a sweep usually asks about the race just watched."""

from __future__ import annotations

import streamlit as st

import optimizers

from .sweep_settings import DEFAULTS, fixed_defaults, from_query, to_query
from .widgets import EXTRA, hp_widget_key, replace_address
from .widgets import STATE as PG_STATE

P = "sw."
STATE, QUERY, NOTICES, LOADED = "_sw", "_sw_query", "_sw_notices", "_sw_loaded"
_LIST = ("copts", "bopts")


def hp_key(opt: str, name: str) -> str:
    return hp_widget_key(P + opt, name)


def _widget_values(v: dict, fixed: dict) -> dict:
    out = {P + k: (list(val) if k in _LIST else val) for k, val in v.items()}
    for key in optimizers.names():
        values = {**fixed_defaults(key), **fixed.get(key, {})}
        for hp in optimizers.get(key).hyperparameters:
            if hp.ui:
                out[hp_key(key, hp.name)] = hp.coerce(values[hp.name])
    return out


def _apply(v: dict, fixed: dict, only_missing: bool = False) -> None:
    ss = st.session_state
    for key, value in _widget_values(v, fixed).items():
        if only_missing and key in ss:
            continue
        ss[key] = value
        if key.count(".") == 2:
            ss.setdefault(EXTRA, {}).setdefault(key, set()).add(value)


def _from_playground(v: dict, fixed: dict) -> tuple[dict, dict]:
    pg = st.session_state.get(PG_STATE)
    if pg is None:
        return v, fixed
    if pg.formula:  # a typed surface is the Playground's own: the sweeps start from their defaults' surface
        v = {**v, "noise": float(pg.noise), "seed": int(pg.seed), "steps": int(pg.steps)}
    else:
        v = {**v, "surface": pg.surface, "x": float(pg.start[0]), "y": float(pg.start[1]), "noise": float(pg.noise),
             "seed": int(pg.seed), "steps": int(pg.steps)}
    fixed = {**{k: {**fixed_defaults(k), **pg.hps.get(k, {})} for k in optimizers.names() if k in pg.hps}, **fixed}
    return v, fixed


def load() -> list[str]:
    ss = st.session_state
    query = st.query_params.to_dict()
    if STATE not in ss or (query and query != ss.get(QUERY)):
        v, fixed, notices = from_query(query)
        if not query:
            v, fixed = _from_playground(v, fixed)
        _apply(v, fixed)
        ss[STATE], ss[QUERY], ss[LOADED], ss[NOTICES] = (v, fixed), to_query(v, fixed), to_query(v, fixed), notices
    else:
        _apply(*ss[STATE], only_missing=True)
    for key in _widget_values(DEFAULTS, {}):
        if key in ss:
            ss[key] = ss[key]
    return ss[NOTICES] if ss.get(LOADED) == ss.get(QUERY) else []


def current() -> tuple[dict, dict]:
    ss = st.session_state
    v = {k: (tuple(ss[P + k]) if k in _LIST else ss[P + k]) for k in DEFAULTS}
    for k in ("steps", "seed", "n", "cn", "seeds", "bn", "sn"):
        v[k] = int(v[k])
    for k in ("x", "y", "noise"):
        v[k] = float(v[k])
    fixed = {}
    for key in optimizers.names():
        base = fixed_defaults(key)
        changed = {hp.name: ss[hp_key(key, hp.name)] for hp in optimizers.get(key).hyperparameters
                   if hp.ui and hp_key(key, hp.name) in ss and ss[hp_key(key, hp.name)] != base[hp.name]}
        if changed:
            fixed[key] = changed
    return v, fixed


def hyperparameters(key: str, fixed: dict) -> dict:
    return {**fixed_defaults(key), **fixed.get(key, {})}


def save(v: dict, fixed: dict) -> None:
    ss = st.session_state
    query = to_query(v, fixed)
    arrived = not st.query_params.to_dict() and ss.get(QUERY) == query
    ss[STATE], ss[QUERY] = (v, fixed), query
    if ss.get(LOADED) != query:
        ss[LOADED] = None
    if arrived and query:  # back from another page: the address has lost the settings the page shows
        replace_address(query)
    elif not arrived and st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
