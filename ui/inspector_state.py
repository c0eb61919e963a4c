"""The Inspector's state: URL ⇄ InspectorSettings ⇄ widgets, kept in the session across pages (ui/page_link.py)."""

from __future__ import annotations

import streamlit as st

import optimizers
import surfaces

from .inspector_settings import DEFAULTS, ZOOMS, InspectorSettings, from_query, hp_defaults, to_query
from .page_link import PageLink
from .widgets import EXTRA, hp_widget_key, set_value

P = "inspector."  # every widget key of the page


def hp_key(opt: str, name: str) -> str:
    return hp_widget_key(P + opt, name)


def widget_values(s: InspectorSettings) -> dict:
    """Every session-state key the page reads, with the value that shows `s`. Optimizers other than the one shown
    start at the Inspector's defaults (a session keeps what the user set for them: load() only fills what is missing)."""
    out = {P + "opt": s.opt, P + "surface": s.surface, P + "x": float(s.start[0]), P + "y": float(s.start[1]),
           P + "steps": int(s.steps), P + "step": int(s.t), P + "zoom": s.zoom, P + "narrate": bool(s.narrate),
           P + "sub": int(s.sub) - 1, P + "sub_at": (s.opt, int(s.t))}  # the sub-step shown belongs to this step
    for key in optimizers.names():
        values = s.hyperparameters() if key == s.opt else hp_defaults(key, s.surface)
        for hp in optimizers.get(key).hyperparameters:
            if hp.ui:
                out[hp_key(key, hp.name)] = hp.coerce(values[hp.name])
    return out


def _is_stop(key: str) -> bool:
    """"inspector.adam.lr": a number hyperparameter, whose value must be one of its slider's stops."""
    if key.count(".") != 2:
        return False
    opt, name = key[len(P):].split(".")
    return optimizers.get(opt).hyperparameter(name).is_number


LINK = PageLink("in", from_query, to_query, widget_values, DEFAULTS, stops=_is_stop)


def load() -> list[str]:
    """Seed the widgets at the start of a run; returns the link's notices."""
    ss = st.session_state
    notices = LINK.load()
    for key in optimizers.names():  # the Inspector's first α of each optimizer on this surface is one of its stops
        defaults = hp_defaults(key, ss[P + "surface"])
        for hp in optimizers.get(key).hyperparameters:
            if hp.ui and hp.is_number:
                ss.setdefault(EXTRA, {}).setdefault(hp_key(key, hp.name), set()).add(defaults[hp.name])
    return notices


def surface_changed() -> None:
    """The surface selectbox's callback: the new surface's start, and its α for every optimizer whose α the user has
    not set (it is still the old surface's default; one the user chose stays)."""
    ss = st.session_state
    new = ss[P + "surface"]
    shown = ss.get(LINK.state)
    old = shown.surface if shown is not None else DEFAULTS.surface
    start = surfaces.get(new).start
    ss[P + "x"], ss[P + "y"] = float(start[0]), float(start[1])
    for key in optimizers.names():
        before, after = hp_defaults(key, old), hp_defaults(key, new)
        for hp in optimizers.get(key).hyperparameters:
            widget = hp_key(key, hp.name)
            if hp.ui and widget in ss and before[hp.name] != after[hp.name] and ss[widget] == before[hp.name]:
                set_value(widget, hp.coerce(after[hp.name]))


def current() -> InspectorSettings:
    """The settings the widgets hold now."""
    ss = st.session_state
    key = ss[P + "opt"]
    defaults = hp_defaults(key, ss[P + "surface"])
    hps = {hp.name: ss[hp_key(key, hp.name)] for hp in optimizers.get(key).hyperparameters
           if hp.ui and hp_key(key, hp.name) in ss and ss[hp_key(key, hp.name)] != defaults[hp.name]}
    return InspectorSettings(opt=key, surface=ss[P + "surface"], start=(float(ss[P + "x"]), float(ss[P + "y"])),
                             steps=int(ss[P + "steps"]), t=int(ss[P + "step"]), sub=int(ss.get(P + "sub", 0)) + 1,
                             zoom=ss[P + "zoom"] if ss.get(P + "zoom") in ZOOMS else "whole surface",
                             narrate=bool(ss[P + "narrate"]), hps=hps)


def notices() -> list[str]:
    """The link's notices, until the user changes something."""
    return LINK.notices_for(current())


def save(s: InspectorSettings) -> None:
    LINK.save(s)
