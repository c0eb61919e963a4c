"""Widgets built from the registries' declarations, and the Playground's state: URL ⇄ Settings ⇄ widgets.

Streamlit drops the state of every widget that a run does not draw, so leaving the Playground for another page
would erase it. The page's settings therefore live in one object (`st.session_state[STATE]`, a Settings) that the
page writes at the end of every run; on return, the widgets are seeded from it again.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

import optimizers
import surfaces

from .settings import (
    NOISE,
    STEPS,
    Settings,
    add_twin,
    base_key,
    box_text,
    from_query,
    morph_choices,
    morph_label,
    morph_target,
    parse_box,
    parse_instance,
    slider_options,
    start_limits,
    to_query,
)

EXTRA = "_extra_stops"  # slider stops added for values that came from a link
STATE = "_pg"  # the Playground's Settings, as last drawn
QUERY = "_pg_query"  # the query the page last wrote into the URL
NOTICES = "_pg_notices"
ARRIVED = "_pg_arrived"  # this run came from another page, with an empty query
LOADED = "_loaded_query"  # the query a link arrived with: its notices stay until the user changes something


def hp_widget_key(opt_key: str, name: str) -> str:
    return f"{opt_key}.{name}"  # the same spelling as in the URL


def schedule_key(entry: str) -> str:
    return f"{entry}.schedule"  # as in the URL


def widget_values(s: Settings, entries=None) -> dict:
    """Every Playground widget's key and the value that shows `s` (hyperparameters of `entries` only, if given)."""
    out = {"surface": CUSTOM if s.formula else s.surface, "formula": s.formula or EXAMPLE_FORMULA,
           "box": box_text(s.box) if s.box else "", "optimizers": list(s.optimizers), "start_x": float(s.start[0]),
           "start_y": float(s.start[1]), "steps": int(s.steps), "noise": float(s.noise), "seed": int(s.seed),
           "view": s.view, "same_lr": s.same_lr, "shared_lr": float(s.shared_lr), "morph": s.morph,
           "present": s.present}
    for entry in entries if entries is not None else dict.fromkeys([*optimizers.names(), *s.optimizers, *s.hps]):
        out[schedule_key(entry)] = s.schedules.get(entry, "none")
        values = {**optimizers.get(base_key(entry)).defaults(), **s.hps.get(entry, {})}
        for hp in optimizers.get(base_key(entry)).hyperparameters:
            if hp.ui:
                out[hp_widget_key(entry, hp.name)] = hp.coerce(values[hp.name])
    return out


def apply(s: Settings, only_missing: bool = False, entries=None) -> None:
    """Write settings into the widgets' session state (before the widgets are drawn).

    Only the race's entries get widget keys: every widget call copies the whole session state
    (Streamlit's filtered_state), so 18 optimizers' keys, five to nine each, cost every rerun of every
    session. An optimizer out of the race keeps its values in the page's state; restore() writes them
    when it joins, so a full apply drops the keys of the others, which would otherwise shadow them."""
    ss = st.session_state
    if entries is None and not only_missing:
        entries = dict.fromkeys([*s.optimizers])
        for key in [k for k in ss if _is_entry_key(k) and k.split(".", 1)[0] not in entries]:
            del ss[key]
    for key, value in widget_values(s, entries).items():
        if only_missing and key in ss:
            continue
        ss[key] = value
        if key in ("noise", "shared_lr") or "." in key:
            _remember_stop(key, value)


def _is_entry_key(key: str) -> bool:
    """A Playground entry's widget key ("adam.lr", "adam#2.schedule"): not another page's ("net.…", "sweep.…")."""
    head, dot, _ = key.partition(".")
    return bool(dot) and base_key(head) in optimizers.names()


def set_hps(key: str, values: dict) -> None:
    for hp in optimizers.get(base_key(key)).hyperparameters:
        if hp.ui:
            value = values[hp.name]
            st.session_state[hp_widget_key(key, hp.name)] = hp.coerce(value)
            _remember_stop(hp_widget_key(key, hp.name), value)


def set_value(widget: str, value) -> None:
    """A callback's new value for a slider, kept as one of its stops."""
    st.session_state[widget] = value
    _remember_stop(widget, value)


def _remember_stop(widget: str, value) -> None:
    st.session_state.setdefault(EXTRA, {}).setdefault(widget, set()).add(value)


def load_state() -> list[str]:
    """Seed the widgets at the start of a Playground run. Returns the link notices to show.

    A session's first visit, or a link that differs from what the page last wrote (a link button, a pasted
    address, Back to an older view), takes its settings from the URL; returning from another page (whose
    address has no query) restores the page's own state.
    """
    ss = st.session_state
    if "optimizers" in ss:  # only known entries: never let a stray picker value reach the registry
        known = list(dict.fromkeys(e for e in ss.optimizers if parse_instance(str(e)) == e))
        if known != list(ss.optimizers):
            ss.optimizers = known
    query = st.query_params.to_dict()
    if STATE not in ss or (query and query != ss.get(QUERY)):
        s, notices = from_query(query)
        repeated = [k for k in query if len(st.query_params.get_all(k)) > 1]
        if repeated:  # to_dict() keeps the last of a repeated key: say so rather than choose silently
            notices.append(f"{', '.join(map(repr, repeated[:3]))} appear{'s' if len(repeated) == 1 else ''} more than "
                           f"once in the link: the last value counts.")
        apply(s)
        ss[STATE], ss[QUERY], ss[LOADED], ss[NOTICES] = s, to_query(s), to_query(s), notices
    else:
        restore()
        ss[ARRIVED] = not query and bool(ss.get(QUERY))  # the address lost the query the page wrote: another page
    _keep_values()
    for key in ("formula", "box"):  # drawn above the fragment, only for a typed surface: kept here, before they are
        if key in ss:
            ss[key] = ss[key]
    return ss.get(NOTICES, [])


def restore(in_fragment: bool = False) -> None:
    """Widgets that a run (of this page, of its fragment, or of another page) did not draw come back from the
    page's state. Called at the start of every run and of every fragment run (`in_fragment`: the page's widgets
    outside it are drawn already in a whole run, and a fragment run leaves them as they are)."""
    ss = st.session_state
    if STATE in ss:
        entries = dict.fromkeys([*ss.get("optimizers", ()), *ss[STATE].optimizers])
        if in_fragment:
            missing = {k: v for k, v in widget_values(ss[STATE], entries).items() if k not in ss and k not in OUTSIDE}
            for key, value in missing.items():
                ss[key] = value
                if key == "shared_lr" or "." in key:
                    _remember_stop(key, value)
        else:
            apply(ss[STATE], only_missing=True, entries=entries)
        _keep_values(in_fragment)


OUTSIDE = ("surface", "formula", "box", "optimizers", "view", "present", "morph", "start_x", "start_y", "noise",
           "seed")  # the Playground's widgets drawn outside the race fragment


def _keep_values(in_fragment: bool = False) -> None:
    """Streamlit forgets a widget's latest value after a run that does not draw it (the shared α switched off, a
    card not shown) and falls back to the value last set through session_state. Setting each value again keeps it."""
    ss = st.session_state
    for key in ("shared_lr", "morph", "start_x", "start_y", "noise", "seed", "same_lr", "tune", "present"):
        if key in ss and not (in_fragment and key in OUTSIDE):
            ss[key] = ss[key]
    for entry in ss.get("optimizers", ()):
        if schedule_key(entry) in ss:
            ss[schedule_key(entry)] = ss[schedule_key(entry)]
        for hp in optimizers.get(base_key(entry)).hyperparameters:
            if hp.ui and hp_widget_key(entry, hp.name) in ss:
                ss[hp_widget_key(entry, hp.name)] = ss[hp_widget_key(entry, hp.name)]


def save(s: Settings) -> str:
    """The settings the page shows now become its state and its address.

    Returns the query (possibly empty) for the race chart to hold the browser's address to, with
    history.replaceState once the browser shows the Playground:
    - on a return from another page Streamlit would put a query written in this run on the previous page's address
      (the browser has not switched yet), leaving a stray history entry: so this run writes none itself;
    - after quick changes (keys held on a slider outside the race) a run that was cut short by the next one could
      leave the address one value behind the page, so a reload or a shared link lost the last change: the chart
      corrects it from the run that finished.
    """
    ss = st.session_state
    ss[STATE] = s
    query = to_query(s)
    ss[QUERY] = query
    if not ss.pop(ARRIVED, False) and st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    return urlencode(query, safe=",:")


def inert(text: str) -> str:
    """Text shown as typed: Markdown and HTML in a value from a link must not format, link or load anything."""
    return "".join("\\" + c if c in "\\`*_{}[]()<>#+-.!|~$:" else c for c in text)


def notices_apply(s: Settings) -> bool:
    """Link notices stay until the user changes something."""
    return st.session_state.get(LOADED) == to_query(s)


def current() -> Settings:
    """The settings the widgets hold now; optimizers out of the race keep theirs from the page's state."""
    ss = st.session_state
    previous = ss[STATE].hps if STATE in ss else {}
    hps = {k: v for k, v in previous.items() if k == base_key(k) and k not in ss.optimizers}
    for entry in ss.optimizers:
        opt = optimizers.get(base_key(entry))
        defaults = opt.defaults()
        values = {hp.name: ss.get(hp_widget_key(entry, hp.name), defaults[hp.name]) for hp in opt.hyperparameters if hp.ui}
        changed = {name: v for name, v in values.items() if v != defaults[name]}
        if changed:
            hps[entry] = changed
    surface, formula, box = typed_surface()
    schedules = {e: ss.get(schedule_key(e), "none") for e in ss.optimizers if ss.get(schedule_key(e), "none") != "none"}
    return Settings(surface=surface, formula=formula, box=box, optimizers=tuple(ss.optimizers), schedules=schedules,
                    start=(float(ss.start_x) + 0.0, float(ss.start_y) + 0.0),  # + 0.0: never -0.0
                    steps=int(ss.steps), noise=float(ss.noise), seed=int(ss.seed), view=ss.view,
                    same_lr=bool(ss.same_lr), shared_lr=float(ss.shared_lr), hps=hps, morph=ss.get("morph", "auto"),
                    present=bool(ss.get("present", False)))


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
    if hp.kind == "choice":
        return st.selectbox(label, list(hp.choices), key=key, help=help_text, disabled=disabled,
                            format_func=lambda c: "none" if c is None else str(c))
    if hp.kind == "int":
        lo, hi = hp.slider_range
        return st.slider(label, min_value=int(lo), max_value=int(hi), step=1, key=key, help=help_text, disabled=disabled)
    stops = slider_options(hp, extra=st.session_state.get(EXTRA, {}).get(key, ()))
    if stops is not None:
        return st.select_slider(label, options=stops, key=key, help=help_text, format_func=fmt_value, disabled=disabled)
    lo, hi = hp.slider_range
    return st.slider(label, min_value=float(lo), max_value=float(hi), step=_step(lo, hi), key=key, help=help_text,
                     format="%.3f" if hi <= 1 else "%.2f", disabled=disabled)


def _step(lo: float, hi: float) -> float:
    return 0.001 if hi - lo <= 1 else 0.01


def reset(opt_key: str) -> None:
    """Button callback: this entry back to torch's defaults (and a constant α)."""
    set_hps(opt_key, optimizers.get(base_key(opt_key)).defaults())
    st.session_state[schedule_key(opt_key)] = "none"


RERUN_APP = "_pg_rerun_app"  # a callback inside the fragment changed a widget outside it


def duplicate(entry: str) -> None:
    """Button callback: a second entry of the same optimizer, with the same settings, to change one of them."""
    ss = st.session_state
    twin = add_twin(tuple(ss.optimizers), entry)
    if twin is None:
        return
    set_hps(twin, {hp.name: ss.get(hp_widget_key(entry, hp.name), hp.default)
                   for hp in optimizers.get(base_key(entry)).hyperparameters if hp.ui})
    ss[schedule_key(twin)] = ss.get(schedule_key(entry), "none")
    order = list(ss.optimizers)
    order.insert(order.index(entry) + 1, twin)
    ss.optimizers = order
    ss.tune = twin  # the copy is there to be changed
    ss[RERUN_APP] = True


def rerun_app() -> None:
    """Callback of a widget inside the fragment whose change the rest of the page must see."""
    st.session_state[RERUN_APP] = True


def remove(entry: str) -> None:
    ss = st.session_state
    ss.optimizers = [e for e in ss.optimizers if e != entry]
    ss[RERUN_APP] = True


CUSTOM = "custom"  # the surface picker's entry for a typed f(x, y)
EXAMPLE_FORMULA = "log(1 + (x - 1)**2 + 100*(y - x**2)**2)"  # Rosenbrock's valley, in a log: shallow and curved
FORMULA_ERROR = "_formula_error"


def typed_surface() -> tuple[str, str, tuple | None]:
    """(surface key, formula, box) the pickers say. A typed formula that does not parse keeps the last good surface
    (or Rosenbrock) and leaves its error for the page to show under the input."""
    ss = st.session_state
    ss.pop(FORMULA_ERROR, None)
    if ss.get("surface") != CUSTOM:
        return ss.surface, "", None
    box, problem = parse_box(ss.get("box")) if str(ss.get("box", "")).strip() else (None, None)
    try:
        if problem:
            raise surfaces.FormulaError(f"Box: {problem}")
        surface = surfaces.custom(str(ss.get("formula", "")), box)
        return surface.key, surface.formula, box
    except surfaces.FormulaError as err:
        ss[FORMULA_ERROR] = str(err)
        last = ss[STATE] if STATE in ss else None
        if last is not None and last.formula:
            surfaces.custom(last.formula, last.box)  # registered again, in case this process has not seen it
            return last.surface, last.formula, last.box
        return "rosenbrock", "", None


def on_surface_change() -> None:
    """A new surface brings its own start point."""
    if st.session_state.surface == CUSTOM:
        st.session_state.setdefault("formula", EXAMPLE_FORMULA)
    key = typed_surface()[0]
    start = surfaces.get(key).start
    st.session_state.start_x, st.session_state.start_y = float(start[0]), float(start[1])


def rare_controls(s: Settings) -> None:
    """What the race's morph sweeps, where the race starts, and the gradient noise: drawn outside the race's
    fragment (a change reruns the page), so an α change does not redraw them."""
    ss = st.session_state
    choices = morph_choices(s)
    if ss.get("morph") not in choices:
        ss.morph = "auto"
    st.selectbox("Morph in the chart", choices, key="morph",
                 format_func=lambda c: (f"auto ({morph_label(s, morph_target(s))})" if c == "auto" else
                                        "off" if c == "off" else morph_label(s, tuple(c.split(".", 1)))),
                 help="The slider under the chart sweeps this hyperparameter through all its stops at once, "
                      "computed in one batch: drag it to watch the paths change, release to keep the value.")
    (xlo, xhi), (ylo, yhi) = start_limits(s.surface)  # what a share link accepts, too
    cx, cy = st.columns(2)
    cx.number_input("Start x", key="start_x", step=0.1, format="%.3f", min_value=xlo, max_value=xhi,
                    help="Or click a map.")
    cy.number_input("Start y", key="start_y", step=0.1, format="%.3f", min_value=ylo, max_value=yhi)
    noise_controls()


def noise_controls() -> None:
    """Gradient noise and its seed."""
    stops = {0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, NOISE[1]} | st.session_state.get(EXTRA, {}).get("noise", set())
    st.select_slider("Gradient noise σ", options=sorted(stops),
                     key="noise", format_func=fmt_value,
                     help="Adds Gaussian noise of this standard deviation to every gradient: stochastic optimization, "
                          "as with mini-batches.")
    st.number_input("Noise seed", min_value=0, max_value=2**31 - 1, step=1, key="seed", disabled=st.session_state.noise == 0,
                    help="The same seed gives the same noise, so a run can be shared and repeated.")


def steps_control() -> None:
    st.slider("Steps", min_value=STEPS[0], max_value=STEPS[1], step=10, key="steps",
              help="How many updates each optimizer makes.")


KEPT = "_kept"  # a page's own widget values, outside the widgets' state: Streamlit drops that on other pages' runs


def keep(key: str, default, options=None) -> None:
    """Before drawing the widget `key`: its value comes back after a visit to another page (where a run that does
    not draw it drops its state), and the value it holds now is remembered for the next time."""
    ss = st.session_state
    kept = ss.setdefault(KEPT, {})
    if key not in ss:
        ss[key] = kept.get(key, default)
    if options is not None and ss[key] not in options:
        ss[key] = default
    kept[key] = ss[key]


def pick(label: str, key: str, options: list, default, help: str | None = None):
    """A select-slider for a page's own demo (keys prefixed by page and section) that keeps its choice when the
    page is left and re-entered."""
    keep(key, default, options)
    return st.select_slider(label, options=options, key=key, format_func=fmt_value, help=help)


def compact_title(title: str | None = None) -> None:
    """A smaller page title and less space above it: the charts and the controls that change them fit one screen."""
    st.html("<style>h1{font-size:1.9rem!important;padding-top:0!important}"
            "[data-testid='stMainBlockContainer']{padding-top:3.2rem!important}</style>")
    if title:
        st.title(title)


def link_notices(notices: list[str]) -> None:
    """What a link got wrong, in one box: several full-width boxes would push the page below the fold."""
    if len(notices) == 1:
        st.warning(inert(notices[0]), icon=":material/link_off:")
    elif notices:
        st.warning("The link had problems; the page shows the defaults for these:\n\n"
                   + "\n".join(f"- {inert(n)}" for n in notices), icon=":material/link_off:")


def replace_address(query: dict) -> None:
    """Put `query` in the browser's address without a history entry, from a zero-height component. For a page that
    was just entered from another one: a query written through st.query_params in that run would land on the
    previous page's address (Streamlit applies it before the page change)."""
    import streamlit.components.v1 as components

    qs = urlencode(query, safe=",:")  # percent-encodes quotes and backslashes: safe inside the JS string below
    components.html("<script>const w = window.parent; "
                    f"w.history.replaceState(w.history.state, '', w.location.pathname + '?{qs}');</script>", height=0)
