"""Adam's knobs: eight live demos of what α, β₁, β₂, ε and weight decay really do, each a run of the engine."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

import surfaces
from plots.style import OPTIMIZER_COLORS, PALETTE, contour_image
from teaching import figures, knobs
from ui import knobs_settings, knobs_state, widgets
from ui.boot import through_app
from ui.widgets import fmt_value

through_app()  # a direct link on a fresh server: run through app.py

ss = st.session_state
CONFIG = figures.CONFIG
ADAM, OTHER, GD, GREY = OPTIMIZER_COLORS["adam"], OPTIMIZER_COLORS["adamw"], OPTIMIZER_COLORS["gd"], "#9A9A9A"
BAND = "rgba(110,110,110,0.35)"  # a reference drawn wide and translucent, so a line lying exactly on it shows
BIG = 20  # projector mode: the smallest type, in px (ticks, legend, annotations); panel titles 24
# projector mode: a chart's whole height, its top strip included. A 1024×768 projector shows 708 px below the app's
# header (about 60 px): a demo's chart and the controls just above it (about 110 px with their large labels) fit together
PRESENT_HEIGHT = 540
SECTIONS = (
    ("sign-descent", "1. Adam as sign descent"),
    ("epsilon", "2. ε is a dial between Adam and momentum"),
    ("scale", "3. Scale invariance"),
    ("beta2-lag", "4. β₂ and a lagging v"),
    ("weight-decay", "5. Adam + L2 is not AdamW"),
    ("edge-of-stability", "6. The edge of stability"),
    ("warm-up", "7. Warm-up and RAdam"),
    ("spot-the-bug", "8. Spot the bug"),
)


# ------------------------------------------------------------------ figure helpers (plotly, no Streamlit)


def _layout(fig: go.Figure, height: int, present: bool = False, titled: bool = False, legend_rows: int = 1,
            **kw) -> dict:
    """Size, margins, legend and type of a demo's figure. `height` is the figure's height without the strip at the top
    kept free for plotly's mode bar (figures.MODEBAR: on a phone it spans most of the width) and the panel titles below
    it (`titled`). The legend is anchored to the figure's bottom: plotly reserves its room below the axis titles.
    Projector mode (`present`): type of at least BIG px, lines half as thick again, PRESENT_HEIGHT px in all."""
    small, title = (BIG, 24) if present else (12, 16)
    top = figures.MODEBAR + (round(1.4 * title) if titled else 2)
    legend = dict(orientation="h", x=0, y=0, yref="container", yanchor="bottom", font=dict(size=small),
                  traceorder="normal")  # not a row for each legendgroup
    if present:
        height = PRESENT_HEIGHT - top + 30  # the figure's height below is height + top − 30
        legend.update(entrywidth=0.5, entrywidthmode="fraction")  # two entries a row, however long: fewer rows
        for trace in fig.data:
            if trace.line.width:
                trace.line.width = 1.5 * trace.line.width
            if isinstance(trace.marker.size, int | float):
                trace.marker.size = round(1.3 * trace.marker.size)
        for note in fig.layout.annotations:  # panel titles (16 px) and labels
            note.font.size = max(BIG, round(1.5 * (note.font.size or 12)))
        # the axes' type explicitly: Streamlit's chart theme sets its own, over the layout's font
        fig.update_xaxes(tickfont=dict(size=BIG), title_font=dict(size=BIG + 2))
        fig.update_yaxes(tickfont=dict(size=BIG), title_font=dict(size=BIG + 2))
    # Margins that already hold what plotly would grow them to while drawing (and then draw the whole figure again):
    # l: the y tick labels and title (~74 px), r: the last step label (~22), b: the x tick labels and title (~50) and
    # the legend's `legend_rows` rows below them (plotly adds a container legend's room to the axis' push, not to the
    # margin: 29 px for a row of 12 px type, 19 more a row), as wide as the chart is at 1024-1440 px
    bottom = 52 + figures.SMALL_LEGEND_ROW + 19 * (legend_rows - 1)
    fig.update_layout(height=height + top - 30, template="plotly_white", margin=dict(l=75, r=23, t=top, b=bottom),
                      font=dict(size=small), hoverlabel=dict(font=dict(size=small)),
                      legend=legend, **kw)
    fig.update_xaxes(title_standoff=4)
    return fig.to_dict()


def _map(fig: go.Figure, surface, bounds=None, row=None, col=None, square: bool = True) -> None:
    """The surface's contour map as the background image of a panel (a PNG: small, and cheap for the browser).
    square: one unit is as long along x as along y (a 45° step looks like one), the panel narrowing to fit."""
    (x0, x1), (y0, y1) = bounds or surface.bounds
    ref = "" if row in (None, 1) else str(row)
    fig.add_layout_image(dict(source=contour_image(surface, ((x0, x1), (y0, y1)), px=360), xref=f"x{ref}", yref=f"y{ref}",
                              x=x0, y=y1, sizex=x1 - x0, sizey=y1 - y0, sizing="stretch", layer="below"))
    titled = row is None  # in a stack of panels the x title would sit on the next panel's title
    fig.update_xaxes(range=[x0, x1], showgrid=False, zeroline=False, title_text="x" if titled else None,
                     constrain="domain", row=row, col=col)
    # a panel taller than its square map (a phone's): the map at its top, under the panel's title
    fig.update_yaxes(range=[y0, y1], showgrid=False, zeroline=False, title_text="y", constrain="domain", constraintoward="top",
                     row=row, col=col, **(dict(scaleanchor=f"x{ref}", scaleratio=1) if square else {}))


def _path(path, name: str, color: str, dash: str = "solid", width: float = 2.5, markers: bool = False, **kw) -> go.Scatter:
    with np.errstate(invalid="ignore"):
        p = np.where(np.abs(path) < 1e6, path, np.nan)  # a diverged run: draw it up to where it flies off
    return go.Scatter(x=p[:, 0], y=p[:, 1], name=name, mode="lines+markers" if markers else "lines",
                      line=dict(color=color, dash=dash, width=width), marker=dict(size=5, color=color),
                      hovertemplate=f"{name}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>", **kw)


def _minimum(point, name: str = "minimum") -> go.Scatter:
    return go.Scatter(x=[point[0]], y=[point[1]], mode="markers", name=name, hoverinfo="skip",
                      marker=dict(symbol="star", size=14, color="white", line=dict(color="black", width=1.5)))


def _chart(spec: dict, key: str) -> None:
    st.plotly_chart(go.Figure(spec, _validate=False), key=key, config=CONFIG)


def _gap(gap: float, present: bool) -> float:
    """make_subplots' vertical_spacing: in projector mode room for the upper panel's tick labels and the lower one's title."""
    return max(gap, 0.22) if present else gap


def _log(fig: go.Figure, values, axis: str = "y", most: int = 5, **where) -> None:
    """A log axis (row, col in `where`) with readable labels over the positive finite `values` (figures.log_axis)."""
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v) & (v > 0)]
    settings = figures.log_axis(float(v.min()), float(v.max()), most=most) if v.size else dict(type="log")
    (fig.update_yaxes if axis == "y" else fig.update_xaxes)(**settings, **where)


def _e(x: float) -> str:
    """A tiny measured number: 1.3e-11, or 0 if it is exactly 0."""
    return "0" if x == 0 else f"{x:.1e}"


def _toggle(label: str, name: str, **kw) -> bool:
    """Switch `name` (its URL name, ui.knobs_settings.FLAGS), kept when the page is left and re-entered."""
    key = knobs_settings.P + name
    widgets.keep(key, knobs_settings.FLAGS[name])
    return st.toggle(label, key=key, **kw)


def pick(label: str, name: str):
    """Slider `name` (its URL name; its stops and first value in ui.knobs_settings.PICKS)."""
    stops, default = knobs_settings.PICKS[name]
    return widgets.pick(label, knobs_settings.P + name, list(stops), default)


# ------------------------------------------------------------------ the demos, cached on plain values


@st.cache_data(max_entries=32, show_spinner=False)
def sign_demo(beta1: float, beta2: float, present: bool) -> tuple[dict, dict]:
    r = knobs.sign_descent(beta1, beta2)
    surface = surfaces.get(knobs.SIGN_SURFACE)
    fig = make_subplots(rows=2, cols=1, row_heights=[0.64, 0.36], vertical_spacing=_gap(0.1, present),
                        subplot_titles=("the path", "|Δθ| / α per coordinate"))
    label, reference = f"Adam, β₁ = {beta1:g}, β₂ = {beta2:g}", "sign descent: θ ← θ − α·sign(g)"
    # the reference under the run, wide and translucent: at β₁ = β₂ = 0 the run lies exactly on it, and both show
    fig.add_trace(_path(r["path_sign"], reference, BAND, width=10, legendgroup="sign"), 1, 1)
    fig.add_trace(_path(r["path"], label, ADAM, width=2, markers=True, legendgroup="run"), 1, 1)
    fig.add_trace(_minimum(surface.minima[0]), 1, 1)
    _map(fig, surface, ((-3.0, 1.0), (-1.0, 2.0)), row=1, col=1)
    t = np.arange(1, len(r["ratio"]) + 1)
    fig.add_trace(go.Scatter(x=t, y=r["ratio_sign"][:, 0], mode="lines", name=f"{reference}: x and y",
                             line=dict(color=BAND, width=10), legendgroup="sign", showlegend=False,
                             hovertemplate="sign descent<br>step %{x}: %{y:.3f} α<extra></extra>"), 2, 1)
    for j, (axis, dash) in enumerate((("x", "solid"), ("y", "dot"))):
        fig.add_trace(go.Scatter(x=t, y=r["ratio"][:, j], mode="lines+markers", name=f"{label}: {axis}",
                                 line=dict(color=ADAM, dash=dash, width=2), marker=dict(size=4), legendgroup="run",
                                 showlegend=False, hovertemplate=f"{label}, {axis}<br>step %{{x}}: %{{y:.3f}} α<extra></extra>"),
                      2, 1)
    fig.update_xaxes(title_text="step t", row=2, col=1)
    fig.update_yaxes(range=[0, max(1.15, float(r["ratio"].max()) * 1.05)], row=2, col=1)
    return _layout(fig, 640, present, titled=True), dict(deviation=r["deviation"], spread=r["spread"], gap=r["gap"],
                                                         gap_zero=r["gap_zero"])


@st.cache_data(max_entries=32, show_spinner=False)
def eps_demo(eps: float, present: bool) -> tuple[dict, dict]:
    r = knobs.eps_dial(eps)
    surface = surfaces.get(knobs.EPS_SURFACE)
    fig = go.Figure()
    fig.add_trace(_path(r["default"], "Adam, ε = 1e-8 (default)", GREY, dash="dot"))
    fig.add_trace(_path(r["path"], f"Adam, ε = {fmt_value(eps)}", ADAM, width=3))
    shown = bool(np.isfinite(r["limit"]).all() and np.abs(r["limit"]).max() < 10)
    if shown:
        fig.add_trace(_path(r["limit"], f"momentum, learning rate α/ε = {fmt_value(knobs.EPS_LR / eps)}",
                            OPTIMIZER_COLORS["momentum"], dash="dash"))
    fig.add_trace(_minimum(surface.minima[0]))
    _map(fig, surface, ((-3.0, 1.0), (-1.0, 1.5)))
    return _layout(fig, 440, present), dict(step_gap=r["step_gap"], bound=r["bound"], limit_shown=shown, grad_max=r["grad_max"])


@st.cache_data(max_entries=8, show_spinner=False)
def scale_demo(times_1000: bool, present: bool) -> tuple[dict, dict]:
    r = knobs.scale_invariance(1000.0)
    surface = surfaces.get(knobs.SCALE_SURFACE)
    fig = go.Figure()
    fig.add_trace(_path(r["adam"], f"Adam, α = {knobs.SCALE_ADAM_LR:g}", ADAM, width=6))
    fig.add_trace(_path(r["gd"], f"gradient descent, α = {knobs.SCALE_GD_LR:g}", GD, width=3))
    if times_1000:
        fig.add_trace(_path(r["gd_scaled"], "gradient descent, loss × 1000", OTHER, markers=True))
        fig.add_trace(_path(r["adam_scaled"], "Adam, loss × 1000", "#F0E442", dash="dot", width=2.5))
    fig.add_trace(_minimum(surface.minima[0]))
    _map(fig, surface)
    return _layout(fig, 480, present), {k: r[k] for k in ("adam_gap", "gd_gap", "gd_diverged_at")}


@st.cache_data(max_entries=16, show_spinner=False)
def lag_demo(beta2: float, plateau: int, present: bool) -> tuple[dict, dict]:
    r = knobs.lagging_v(beta2, plateau)
    slow, fast = r["betas2"]
    t, first = r["t"], int(r["change"].min())
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.4, 0.6], vertical_spacing=0.08,
                        subplot_titles=("|gradient|: the plateau, then the slope", "|Δx| / α"))
    fig.add_trace(go.Scatter(x=t, y=r["grad"][0], mode="lines", name="|g|", line=dict(color=GD, width=2),
                             showlegend=False), 1, 1)
    for i, (b2, color) in enumerate(((slow, ADAM), (fast, OTHER))):
        fig.add_trace(go.Scatter(x=t, y=r["ratio"][i], mode="lines", name=f"β₂ = {b2:g}", line=dict(color=color, width=2.5),
                                 hovertemplate=f"β₂ = {b2:g}<br>step %{{x}}: %{{y:.3f}} α<extra></extra>"), 2, 1)
    fig.add_hline(y=1.0, line=dict(color="black", dash="dash", width=1), annotation_text="α",
                  annotation_position="top left", row=2, col=1)
    fig.add_vline(x=first, line=dict(color="#999", dash="dot", width=1))
    _log(fig, r["grad"][0], most=3, row=1, col=1)  # a short panel: 0.01, 0.1, 1
    fig.update_xaxes(range=[max(1, first - 80), int(t[-1])])
    fig.update_xaxes(title_text="step t", row=2, col=1)
    return _layout(fig, 500, present, titled=True), dict(after=r["after"].tolist(), before=r["before"].tolist(),
                                                         change=first, slow=slow, fast=fast)


@st.cache_data(max_entries=16, show_spinner=False)
def decay_demo(lam: float, present: bool) -> tuple[dict, dict]:
    r = knobs.weight_decay(lam)
    surface = knobs.shifted_bowl()
    fig = make_subplots(rows=2, cols=1, row_heights=[0.62, 0.38], vertical_spacing=_gap(0.1, present),
                        subplot_titles=("the paths", "decay per step, per unit of θ"))
    fig.add_trace(_path(r["l2"], "Adam + L2 (torch Adam, weight_decay=λ)", ADAM), 1, 1)
    fig.add_trace(_path(r["adamw"], "AdamW (weight_decay=λ)", OTHER), 1, 1)
    fig.add_trace(_minimum(surface.minima[0], "minimum of f"), 1, 1)
    rx, ry = r["regularized_min"]
    fig.add_trace(go.Scatter(x=[rx], y=[ry], mode="markers", name="minimum of f + ½λ|θ|²", hoverinfo="skip",
                             marker=dict(symbol="x", size=11, color="black")), 1, 1)
    _map(fig, surface, row=1, col=1, square=False)
    t = np.arange(1, len(r["kappa"]) + 1)
    for j, (axis, dash) in enumerate((("x (shallow)", "solid"), ("y (steep)", "dot"))):
        fig.add_trace(go.Scatter(x=t, y=r["kappa"][:, j], mode="lines", name=f"Adam + L2, {axis}: αλ/(√v̂ + ε)",
                                 line=dict(color=ADAM, dash=dash, width=2.5)), 2, 1)
    fig.add_trace(go.Scatter(x=t, y=np.full(len(t), r["kappa_w"]), mode="lines", name="AdamW, x and y: αλ",
                             line=dict(color=OTHER, width=2.5)), 2, 1)
    _log(fig, np.r_[r["kappa"].ravel(), r["kappa_w"]], most=4, row=2, col=1)
    fig.update_xaxes(title_text="step t", row=2, col=1)
    # its long legend takes 2 rows at 1440 px, 3 at 1024
    return _layout(fig, 680, present, titled=True, legend_rows=3), dict(
        ratio=r["ratio"], l2_end=r["l2"][-1].tolist(), adamw_end=r["adamw"][-1].tolist(), regularized_min=(rx, ry))


@st.cache_data(max_entries=16, show_spinner=False)
def edge_demo(delta: float, beta1: float, present: bool) -> tuple[dict, dict]:
    gd, adam = knobs.gd_edge(delta), knobs.adam_edge(beta1)
    fig = make_subplots(rows=2, cols=1, row_heights=[0.5, 0.5], vertical_spacing=_gap(0.14, present),
                        subplot_titles=("gradient descent: |x|", "Adam: preconditioned sharpness"))
    for i, (sign, color) in enumerate((("−", ADAM), ("+", OTHER))):
        with np.errstate(invalid="ignore"):
            x = np.where(gd["x"][i] > 0, gd["x"][i], np.nan)
        fig.add_trace(go.Scatter(x=np.arange(len(x)), y=x, mode="lines", line=dict(color=color, width=2.5),
                                 name=f"GD, α = (2 {sign} {delta:g})/λ_max"), 1, 1)
    _log(fig, gd["x"], row=1, col=1)
    fig.add_trace(go.Scatter(x=adam["t"], y=adam["sharpness"], mode="lines", line=dict(color=PALETTE[2], width=1.5),
                             name=f"Adam, β₁ = {beta1:g}: max λᵢ/(√v̂ᵢ + ε)"), 2, 1)
    fig.add_hline(y=adam["limit"], line=dict(color="black", dash="dash", width=1.5), row=2, col=1,
                  annotation_text=f"(2 + 2β₁)/((1 − β₁)α) = {adam['limit']:.0f}", annotation_position="bottom right")
    _log(fig, np.r_[adam["sharpness"], adam["limit"]], most=4, row=2, col=1)
    fig.update_xaxes(title_text="step t", row=2, col=1)
    return _layout(fig, 620, present, titled=True), dict(end=gd["x"][:, -1].tolist(), late=adam["late"], limit=adam["limit"])


@st.cache_data(max_entries=16, show_spinner=False)
def warmup_demo(beta2: float, warmup_steps: int, present: bool) -> tuple[dict, dict]:
    r = knobs.warmup(beta2, warmup_steps)
    t, band = r["t"], r["band"]
    tb = t[: band.shape[1]]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.55, 0.45], vertical_spacing=0.1,
                        subplot_titles=("Adam's adaptive step α/(√v̂ + ε), in α/σ", "what multiplies Adam's step"))
    fig.add_trace(go.Scatter(x=np.r_[tb, tb[::-1]], y=np.r_[band[2], band[0][::-1]], fill="toself", mode="lines",
                             line=dict(width=0), fillcolor="rgba(0,114,178,0.2)", name="10–90% of the runs",
                             hoverinfo="skip"), 1, 1)
    fig.add_trace(go.Scatter(x=tb, y=band[1], mode="lines", line=dict(color=ADAM, width=2.5), name="median"), 1, 1)
    _log(fig, band, most=4, row=1, col=1)  # 1, 2, 5 (plotly's own: "9 8 7 6" under 1, crowded)
    fig.add_trace(go.Scatter(x=t, y=r["rectifier"], mode="lines", line=dict(color=OPTIMIZER_COLORS["radam"], width=2.5),
                             name="RAdam's rectifier rₜ (measured)"), 2, 1)
    fig.add_trace(go.Scatter(x=t, y=r["warm"], mode="lines", line=dict(color=OTHER, width=2.5, dash="dash"),
                             name=f"LinearLR warm-up over {warmup_steps} steps"), 2, 1)
    # both labels right of the later line, one under the other: left of t = 5 a phone's panel has no room before
    # the y axis' labels, and no line crosses them; the rectifier and the warm-up are still near 0 under them
    right = np.log10(max(r["start_paper"], r["start"]))
    for when, text, y in ((r["start_paper"], "ρₜ > 4", 0.92), (r["start"], "ρₜ > 5", 0.72)):
        fig.add_vline(x=when, line=dict(color="#777", dash="dot", width=1))
        fig.add_annotation(x=right, y=y, xref="x2", yref="y2", text=f"{text} from t = {when}",
                           showarrow=False, xanchor="left", xshift=4, font=dict(size=11, color="#555"))
    _log(fig, t, axis="x")  # 1, 10, 100, 1000, on both panels (shared)
    fig.update_xaxes(range=[0, np.log10(t[-1])])
    fig.update_xaxes(title_text="step t (log scale)", row=2, col=1)
    fig.update_yaxes(range=[0, 1.05], row=2, col=1)
    return _layout(fig, 600, present, titled=True), dict(start=r["start"], start_paper=r["start_paper"],
                                                         spread_1=(band[0, 0], band[2, 0]), spread_end=(band[0, -1], band[2, -1]),
                                                         rectifier_end=float(r["rectifier"][-1]))


@st.cache_data(max_entries=4, show_spinner=False)
def bug_demo(revealed: bool, present: bool) -> dict:
    paths = knobs.spot_the_bug()
    surface = knobs.bug_surface()
    fig = go.Figure()
    for i, key in enumerate(knobs.QUIZ):
        letter = "ABCD"[i]
        name = f"{letter}: {knobs.BUGS[key][0]}" if revealed else f"line {letter}"
        correct = revealed and key == "correct"
        fig.add_trace(_path(paths[key], name, PALETTE[i], width=5 if correct else 2.5, dash="dash" if i == 0 else "solid"))
        first = paths[key][:4]  # the first three steps, marked
        fig.add_trace(go.Scatter(x=first[:, 0], y=first[:, 1], mode="markers", marker=dict(size=7, color=PALETTE[i]),
                                 showlegend=False, hovertemplate=f"{letter}: step %{{pointNumber}}<extra></extra>"))
    fig.add_trace(_minimum(surface.minima[0]))
    _map(fig, surfaces.get("rosenbrock"), ((-2.0, 1.5), (-0.5, 2.5)))  # the same level lines, drawn on a log scale
    return _layout(fig, 460, present)


# ------------------------------------------------------------------ the page

knobs_state.load()  # each control from the link, or as the session left it
widgets.compact_title("Adam's knobs")
widgets.link_notices(knobs_state.notices())
present = _toggle("Projector mode", "present", help="Large type and lines for the back row, and taller charts: for a "
                  "projector. The demos keep their settings.")
PRESENT_CSS = (  # the text around the charts, as large as the charts' ticks (their type is set in _layout)
    "<style>[data-testid='stMainBlockContainer'] [data-testid='stMarkdownContainer'] :is(p, li){font-size:1.4rem}"
    "[data-testid='stMainBlockContainer'] [data-testid='stCaptionContainer'] p{font-size:1.25rem!important}"
    "[data-testid='stMainBlockContainer'] [data-testid='stWidgetLabel'] p{font-size:1.2rem!important}"
    # a slider's value (a Markdown paragraph too) is larger, but one line high and above the thumb, not on it; the
    # slider's track moves down to make room for it under the label. The min and max under the track: as before
    "[data-testid='stMainBlockContainer'] [data-testid='stSliderThumbValue']{top:auto!important;bottom:calc(100% + 6px)}"
    "[data-testid='stMainBlockContainer'] [data-testid='stSliderThumbValue'] p{font-size:1.25rem!important;"
    "line-height:1.2!important;margin:0!important}"
    "[data-testid='stMainBlockContainer'] [data-testid='stSliderTickBar'] p{font-size:1rem!important}"
    "[data-testid='stMainBlockContainer'] [data-testid='stSlider'] [role='group']{padding-top:1rem}</style>")
if present:
    st.html(PRESENT_CSS)
st.markdown("Adam has four numbers, α, β₁, β₂ and ε, and often a fifth, the weight decay λ. Each demo below isolates "
            "one thing a knob does that the defaults hide, runs it on the app's engine (the same numbers as "
            "torch.optim), and states the claim with the paper it comes from. Every claim is checked against the "
            "engine's numbers in `tests/test_knobs.py`.")
st.latex(r"\theta_{t+1} = \theta_t - \alpha\,\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}")  # two lines: a phone's width
st.latex(r"\hat m_t = \frac{m_t}{1-\beta_1^t},\quad \hat v_t = \frac{v_t}{1-\beta_2^t}")
st.markdown("\n".join(f"- [{title}](#{anchor})" for anchor, title in SECTIONS))


def header(index: int) -> None:
    anchor, title = SECTIONS[index]
    st.header(title, anchor=anchor, divider="gray")


# ------------------------------------------------------------------ 1
header(0)
st.markdown("With β₁ = β₂ = 0, m̂ₜ = gₜ and v̂ₜ = gₜ², so each coordinate moves by α·gₜ/(|gₜ| + ε), which is "
            "α·sign(gₜ) up to ε/|gₜ|: Adam becomes sign descent. Balles & Hennig (2018, *Dissecting Adam: The Sign, "
            "Magnitude and Variance of Stochastic Gradients*) read the full Adam as sign descent whose steps are "
            "shortened where the gradient's sign is uncertain. On this stretched bowl every step moves both coordinates "
            "by exactly α, so the path runs at 45° and then rattles by ±α; raise β₁ or β₂ and the steps change size.")
c1, c2 = st.columns(2)
with c1:
    b1 = pick("β₁", "sign.beta1")
with c2:
    b2 = pick("β₂", "sign.beta2")
spec, n = sign_demo(float(b1), float(b2), present)
_chart(spec, "knobs.sign.chart")
zero = float(b1) == 0 and float(b2) == 0
st.caption(f"Stretched bowl, start {knobs.SIGN_START}, α = {knobs.SIGN_LR:g}, ε = {knobs.SIGN_EPS:g}. The wide grey band "
           "is sign descent written out, θ ← θ − α·sign(g); Adam's run is the thin blue line drawn over it. Measured: "
           + (f"at β₁ = β₂ = 0 the two paths are never more than {_e(n['gap_zero'])} apart, so the blue line lies on the "
              f"band's centre all the way: they coincide. Every |Δθ|/α is 1 to within {_e(n['deviation'])} (that is ε/|g|)."
              if zero else
              f"at β₁ = {b1:g}, β₂ = {b2:g} Adam's path gets up to {n['gap']:.3g} away from sign descent and its "
              f"|Δθ|/α run from {n['spread'][0]:.3g} to {n['spread'][1]:.3g}; at β₁ = β₂ = 0 the two paths are never "
              f"more than {_e(n['gap_zero'])} apart and every |Δθ|/α is 1 to within {_e(n['deviation'])}."))

# ------------------------------------------------------------------ 2
header(1)
st.markdown("Where ε ≪ √v̂, ε does nothing; where ε ≫ √v̂ the denominator √v̂ + ε is just ε, and the step becomes "
            "−(α/ε)·m̂ₜ: momentum SGD (Adam's averaged, bias-corrected momentum) with learning rate α/ε, no longer "
            "adaptive. TensorFlow's documentation of tf.train.AdamOptimizer notes that the default ε 'might not be a good "
            "default in general': for an Inception network on ImageNet 'a current good choice is 1.0 or 0.1' (its ε is "
            "Kingma & Ba's ε̂, the same as this ε once the bias correction has faded), which makes Adam partly momentum "
            "SGD. Slide ε up and the path turns from Adam's diagonal into momentum's L: fast along the "
            "steep y, slow along the shallow x.")
eps = pick("ε", "eps.eps")
spec, n = eps_demo(float(eps), present)
_chart(spec, "knobs.eps.chart")
st.caption(f"Stretched bowl, α = {knobs.EPS_LR:g}, β₁ = {knobs.EPS_BETA1:g}, {knobs.EPS_STEPS} steps; its gradients reach "
           f"{n['grad_max']:g}. Measured: Adam's steps differ from the momentum steps −(α/ε)·m̂ₜ by up to "
           f"{n['step_gap']:.1%} of the momentum step's length. That share is exactly √v̂/(√v̂ + ε): near 100% while "
           f"ε ≪ √v̂, small only once ε ≫ √v̂ (it is below max|g|/ε = {n['bound']:.3g})."
           + ("" if n["limit_shown"] else " The momentum limit is not drawn: at this α/ε it flies off the map."))

# ------------------------------------------------------------------ 3
header(2)
st.markdown("Multiply the loss by c and every gradient is multiplied by c; so is m̂, and so is √v̂. Adam's step "
            "α·m̂/(√v̂ + ε) is then that of the original loss with ε/c in place of ε: invariant to the scale, except "
            "through ε (Kingma & Ba 2015, §2.1). Gradient descent's step α·g is multiplied by c, and a learning rate "
            "that worked now blows up.")
big = _toggle("Multiply the loss by 1000", "scale.times1000")
spec, n = scale_demo(bool(big), present)
_chart(spec, "knobs.scale.chart")
st.caption(f"Rosenbrock, {knobs.SCALE_STEPS} steps, Adam α = {knobs.SCALE_ADAM_LR:g} (ε = 1e-8), gradient descent "
           f"α = {knobs.SCALE_GD_LR:g}. Measured with the loss × 1000: Adam's path moves by at most {n['adam_gap']:.1e}; "
           f"gradient descent diverges at step {n['gd_diverged_at']}.")

# ------------------------------------------------------------------ 4
header(3)
st.markdown("m̂ averages about 1/(1 − β₁) = 10 recent gradients, v̂ about 1/(1 − β₂) of their squares. When the "
            "gradient suddenly grows, m̂ catches up within about ten steps while a slow v̂ still remembers the plateau, "
            "so m̂/√v̂ ≫ 1 and steps are several α: the out-of-date second moment that made Shazeer & Stern (2018, "
            "*Adafactor*) clip updates and let β₂ grow with t. With β₂ = β₁ no step can exceed α, since m̂ is then a "
            "weighted mean of the gradients with the same weights as v̂'s mean of their squares, and a mean is at most "
            "the root mean square.")
c1, c2 = st.columns(2)
with c1:
    lag_b2 = pick("slow β₂", "lag.beta2")
with c2:
    plateau = pick("plateau (steps)", "lag.plateau")
spec, n = lag_demo(float(lag_b2), int(plateau), present)
_chart(spec, "knobs.lag.chart")
st.caption(f"A plateau of slope {knobs.CLIFF_PLATEAU_SLOPE:g}, then a slope of {knobs.CLIFF_SLOPE:g}; α = "
           f"{knobs.CLIFF_LR:g}, β₁ = {knobs.CLIFF_BETA1:g}. The gradient starts to grow at step {n['change']} (dotted). "
           f"Measured after it: the largest step is {n['after'][0]:.2f} α at β₂ = {n['slow']:g}, {n['after'][1]:.4f} α at "
           f"β₂ = {n['fast']:g}.")

# ------------------------------------------------------------------ 5
header(4)
st.markdown("torch's Adam with `weight_decay=λ` adds λθ to the gradient (L2), so the decay passes through m̂ and is "
            "divided by √v̂ like the gradient: each coordinate shrinks at about the rate αλ/(√v̂ + ε), least where the "
            "gradients have been large. AdamW (Loshchilov & Hutter 2019, *Decoupled Weight Decay Regularization*) "
            "instead multiplies θ by 1 − αλ before the Adam step, the same rate αλ for every coordinate. Here y curves "
            "50 times more sharply than x, so L2 barely decays y, and it ends at the minimum of f + ½λ|θ|² (✕).")
lam = pick("λ (weight_decay, the same for both)", "decay.lam")
spec, n = decay_demo(float(lam), present)
_chart(spec, "knobs.decay.chart")
st.caption(f"α = {knobs.DECAY_LR:g}, {knobs.DECAY_STEPS} steps. Measured at the last step: Adam + L2 decays x "
           f"{n['ratio']:.1f} times harder than y (the ratio of their √v̂); AdamW's decay, read from the engine's step "
           f"minus its Adam part, is αλθ in both. Adam + L2 ends at ({n['l2_end'][0]:.3f}, {n['l2_end'][1]:.3f}), "
           f"AdamW at ({n['adamw_end'][0]:.3f}, {n['adamw_end'][1]:.3f}).")

# ------------------------------------------------------------------ 6
header(5)
st.markdown(f"On ½(λ_max x² + λ_min y²), λ_max = {knobs.EOS_LMAX:g}, λ_min = {knobs.EOS_LMIN:g}, gradient descent "
            "multiplies x by 1 − αλ_max each step, so it converges only for α < 2/λ_max. Momentum in Adam's averaged "
            "form is stable up to αλ = (2 + 2β₁)/(1 − β₁), 38 at β₁ = 0.9, and for Adam λ is the preconditioned "
            "sharpness, the largest eigenvalue of diag(1/(√v̂ + ε))·H. Cohen et al. (2022, *Adaptive Gradient Methods "
            "at the Edge of Stability*) found that it rises to 38/α and hovers there; here v̂ shrinks as Adam converges "
            "until the limit is reached, and the oscillation that starts then keeps it from shrinking further.")
c1, c2 = st.columns(2)
with c1:
    delta = pick("gradient descent: α = (2 ± δ)/λ_max, δ", "edge.delta")
with c2:
    eb1 = pick("Adam's β₁", "edge.beta1")
spec, n = edge_demo(float(delta), float(eb1), present)
_chart(spec, "knobs.edge.chart")
st.caption(f"Start (1, 1); Adam with α = {knobs.EOS_ADAM_LR:g}, β₂ = {knobs.EOS_ADAM_BETA2:g}; log scales. Measured: after "
           f"{knobs.EOS_GD_STEPS} steps |x| = {n['end'][0]:.2g} below the limit and {n['end'][1]:.2g} above it. "
           f"Adam's preconditioned sharpness over the second half of its {knobs.EOS_ADAM_STEPS} steps: "
           f"median {n['late']:.3f} × its limit {n['limit']:.0f}.")

# ------------------------------------------------------------------ 7
header(6)
st.markdown("At t = 1, v̂₁ = g₁²: the adaptive step size α/√v̂ rests on one sample, and over noisy runs it varies "
            "tenfold (its variance is even infinite: Liu et al. 2020, *On the Variance of the Adaptive Learning Rate and "
            "Beyond*). RAdam computes how many samples v̂ stands for, ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ) with "
            "ρ∞ = 2/(1 − β₂) − 1; until ρₜ > 5 (torch's code; the paper's Algorithm 2 writes ρₜ > 4) it takes plain "
            "momentum steps α·m̂ₜ, then multiplies Adam's step by a rectifier rₜ < 1 that creeps towards 1. A linear "
            "warm-up of α over about 2/(1 − β₂) steps does much the same (Ma & Yarats 2021, *On the Adequacy of Untuned "
            "Warmup for Adaptive Optimization*).")
c1, c2 = st.columns(2)
with c1:
    wb2 = pick("β₂", "warmup.beta2")
with c2:
    wsteps = pick("warm-up steps τ (LinearLR from α/τ)", "warmup.steps")
spec, n = warmup_demo(float(wb2), int(wsteps), present)
_chart(spec, "knobs.warmup.chart")
st.caption(f"{knobs.WARMUP_RUNS} Adam runs on pure noise of σ = 1 (a flat loss), α = {knobs.WARMUP_LR:g}; the band holds "
           f"the middle 80% of them. Measured: at t = 1 the middle 80% of the runs "
           f"span {n['spread_1'][0]:.2f} to {n['spread_1'][1]:.2f} (×{n['spread_1'][1] / n['spread_1'][0]:.0f}); at "
           f"t = {knobs.WARMUP_BAND_STEPS}, {n['spread_end'][0]:.2f} to {n['spread_end'][1]:.2f}. RAdam's first adaptive "
           f"step is t = {n['start']} (ρₜ > 4 would give {n['start_paper']}); at t = {knobs.WARMUP_STEPS} its rectifier "
           f"is {n['rectifier_end']:.2f}.")

# ------------------------------------------------------------------ 8
header(7)
st.markdown("Four lines, one correct Adam (the engine's, equal to torch.optim.Adam) and three common bugs: the bias "
            "correction forgotten, ε inside the square root, β₁ and β₂ swapped. All run with α = 0.05 on Rosenbrock "
            "scaled by 10⁻⁶, so the gradients are about 10⁻⁴, as small as a network's often are (correct Adam does not "
            "mind: section 3). The dots mark each line's first three steps.")
ANSWER = knobs_settings.P + "bug.answer"
answer = ss.get(ANSWER)
_chart(bug_demo(answer is not None, present), "knobs.bug.chart")
with st.expander("Hints"):
    st.markdown("- At t = 1, m̂₁ = g₁ and v̂₁ = g₁², so correct Adam's first step is α in each coordinate.\n"
                "- β₁ = 0.9 remembers about 10 gradients: correct Adam turns with the valley within a few steps.\n"
                "- ε = 10⁻⁸ is far below these gradients; √ε = 10⁻⁴ is not.")
widgets.keep(ANSWER, None)
answer = st.radio("Which line is correct Adam?", list(knobs_settings.ANSWERS), key=ANSWER, horizontal=True,
                  format_func=lambda a: f"line {a}")
if answer is not None:
    right = "ABCD"[knobs.QUIZ.index("correct")]
    if answer == right:
        st.success(f"Yes: line {right} is correct Adam.", icon=":material/check_circle:")
    else:
        st.error(f"No: line {answer} is '{knobs.BUGS[knobs.QUIZ['ABCD'.index(answer)]][0]}'. Correct Adam is line {right}.",
                 icon=":material/cancel:")
    st.markdown("\n".join(f"- **{'ABCD'[i]}**: {knobs.BUGS[key][0]}. {knobs.BUGS[key][1]}" for i, key in enumerate(knobs.QUIZ)))
    st.caption("Correct Adam is not the line that gets closest to the minimum in 300 steps: here the forgotten bias "
               "correction's oversized early steps happen to help. A bug can look like tuning.")

knobs_state.save(knobs_state.current())  # the settings shown: the page's state and its address
