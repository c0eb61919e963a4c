"""Widgets built from the registries' declarations, and the session ⇄ Settings round trip."""

from __future__ import annotations

import streamlit as st

import optimizers
import surfaces

from .settings import NOISE, STEPS, Settings, from_query, slider_options, to_query

EXTRA = "_extra_stops"  # slider stops added for values that came from a link


def hp_widget_key(opt_key: str, name: str) -> str:
    return f"{opt_key}.{name}"  # the same spelling as in the URL


def apply(s: Settings) -> None:
    """Write settings into the widgets' session state (before the widgets are drawn)."""
    ss = st.session_state
    ss.surface, ss.optimizers = s.surface, list(s.optimizers)
    ss.start_x, ss.start_y = float(s.start[0]), float(s.start[1])
    ss.steps, ss.noise, ss.seed, ss.view = int(s.steps), float(s.noise), int(s.seed), s.view
    _remember_stop("noise", float(s.noise))
    ss.same_lr, ss.shared_lr = s.same_lr, float(s.shared_lr)
    _remember_stop("shared_lr", s.shared_lr)
    for key in optimizers.names():
        set_hps(key, {**optimizers.get(key).defaults(), **s.hps.get(key, {})})


def set_hps(key: str, values: dict) -> None:
    for hp in optimizers.get(key).hyperparameters:
        if hp.ui:
            value = values[hp.name]
            st.session_state[hp_widget_key(key, hp.name)] = bool(value) if hp.is_flag else float(value)
            _remember_stop(hp_widget_key(key, hp.name), value)


def _remember_stop(widget: str, value) -> None:
    st.session_state.setdefault(EXTRA, {}).setdefault(widget, set()).add(value)


def load_once() -> list[str]:
    """On a session's first run, take the settings from the URL. Returns the notices to show."""
    if "_loaded" not in st.session_state:
        s, notices = from_query(st.query_params.to_dict())
        apply(s)
        st.session_state._loaded_query = to_query(s)
        st.session_state._loaded = True
        st.session_state._notices = notices
    _keep_values()
    return st.session_state.get("_notices", [])


def _keep_values() -> None:
    """Streamlit drops a widget's value after a run that does not draw it (an optimizer taken out of the race,
    the shared α switched off); it would come back at the slider's minimum. Writing each value back keeps it."""
    ss = st.session_state
    for key in optimizers.names():
        for hp in optimizers.get(key).hyperparameters:
            if hp.ui and hp_widget_key(key, hp.name) in ss:
                ss[hp_widget_key(key, hp.name)] = ss[hp_widget_key(key, hp.name)]
    if "shared_lr" in ss:
        ss.shared_lr = ss.shared_lr


def current() -> Settings:
    """The settings the widgets hold now."""
    ss = st.session_state
    hps = {}
    for key in optimizers.names():
        defaults = optimizers.get(key).defaults()
        changed = {hp.name: ss[hp_widget_key(key, hp.name)] for hp in optimizers.get(key).hyperparameters
                   if hp.ui and hp_widget_key(key, hp.name) in ss and ss[hp_widget_key(key, hp.name)] != defaults[hp.name]}
        if changed:
            hps[key] = changed
    return Settings(surface=ss.surface, optimizers=tuple(ss.optimizers), start=(float(ss.start_x), float(ss.start_y)),
                    steps=int(ss.steps), noise=float(ss.noise), seed=int(ss.seed), view=ss.view,
                    same_lr=bool(ss.same_lr), shared_lr=float(ss.shared_lr), hps=hps)


def fmt_value(v: float) -> str:
    """Slider labels: every stop distinct (they are rounded to 2 significant digits), exponents short."""
    text = f"{v:.6g}"  # not .2g: a value from a link (1.49e-5) would share a label with a stop and snap to it
    return text.replace("e-0", "e-").replace("e+0", "e")


def hp_widget(opt_key: str, hp: optimizers.Hyperparameter, disabled: bool = False, label: str | None = None,
              key: str | None = None):
    """One hyperparameter's control, from its declaration: toggle, log-stop slider or linear slider."""
    key = key or hp_widget_key(opt_key, hp.name)
    if hp.is_flag:  # a switch reads best as words; torch's keyword goes in the help
        label = label or hp.symbol
    label = label or (f"{hp.symbol}  ({hp.name})" if hp.symbol != hp.name else hp.name)
    help_text = f"{hp.help} torch keyword `{hp.torch or hp.name}`, default {hp.default}."
    if hp.is_flag:
        return st.toggle(label, key=key, help=help_text, disabled=disabled)
    stops = slider_options(hp, extra=st.session_state.get(EXTRA, {}).get(key, ()))
    if stops is not None:
        return st.select_slider(label, options=stops, key=key, help=help_text, format_func=fmt_value, disabled=disabled)
    lo, hi = hp.slider_range
    return st.slider(label, min_value=float(lo), max_value=float(hi), step=_step(lo, hi), key=key, help=help_text,
                     format="%.3f" if hi <= 1 else "%.2f", disabled=disabled)


def _step(lo: float, hi: float) -> float:
    return 0.001 if hi - lo <= 1 else 0.01


def reset(opt_key: str) -> None:
    """Button callback: this optimizer back to torch's defaults."""
    set_hps(opt_key, optimizers.get(opt_key).defaults())


def on_surface_change() -> None:
    """A new surface brings its own start point."""
    start = surfaces.get(st.session_state.surface).start
    st.session_state.start_x, st.session_state.start_y = float(start[0]), float(start[1])


def run_controls() -> None:
    """Steps, noise and seed (sidebar)."""
    st.slider("Steps", min_value=STEPS[0], max_value=STEPS[1], step=10, key="steps",
              help="How many updates each optimizer makes.")
    stops = {0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, NOISE[1]} | st.session_state.get(EXTRA, {}).get("noise", set())
    st.select_slider("Gradient noise σ", options=sorted(stops),
                     key="noise", format_func=fmt_value,
                     help="Adds Gaussian noise of this standard deviation to every gradient: stochastic optimization, "
                          "as with mini-batches.")
    st.number_input("Noise seed", min_value=0, max_value=2**31 - 1, step=1, key="seed", disabled=st.session_state.noise == 0,
                    help="The same seed gives the same noise, so a run can be shared and repeated.")


def pick(label: str, key: str, options: list, default, help: str | None = None):
    """A select-slider for a page's own demo (keys prefixed by page and section) that keeps its choice when the
    page is left and re-entered (Streamlit drops the state of widgets that a run does not draw)."""
    ss = st.session_state
    if key not in ss or ss[key] not in options:
        ss[key] = default
    ss[key] = ss[key]
    return st.select_slider(label, options=options, key=key, format_func=fmt_value, help=help)
