"""Inspector: one optimizer, one step at a time. Every number is the engine's recorded state."""

import numpy as np
import pandas as pd
import streamlit as st

import optimizers
import plots
import surfaces
from optimizers import explain
from teaching import figures
from ui import compute, inspector_state, widgets
from ui.boot import through_app
from ui.inspector_settings import STEPS, ZOOMS, descending_lr, human, safer_lr, torch_names, trouble, worse
from ui.settings import start_limits

through_app()  # a direct link on a fresh server: run through app.py

P = inspector_state.P
ss = st.session_state
# Where "the article's" notation (in the equations, the conventions and the narration) comes from
ARTICLE = ("Sebastian Ruder, [“An overview of gradient descent optimization algorithms”]"
           "(https://arxiv.org/abs/1609.04747) (2016)")


def _use_lr(key: str, lr: float) -> None:
    """The advice's button: this α on the optimizer's slider."""
    widgets.set_value(inspector_state.hp_key(key, "lr"), lr)


def _move(delta: int, last: int) -> None:
    ss[P + "step"] = int(min(max(ss[P + "step"] + delta, 1), last))


# Narrated, the update of step t is revealed one sub-step at a time: ss[P + "sub"] is the index of the current one,
# valid for the (optimizer, step) in ss[P + "sub_at"]; any other way to a new step (◀ ▶, the slider, a shorter
# run) starts that step at its first sub-step.
def _pin_sub() -> None:
    ss[P + "sub_at"] = (ss[P + "opt"], int(ss[P + "step"]))


def _sub_next(count: int, last: int) -> None:
    """The next sub-step; after the last one, the first sub-step of the next step."""
    if ss[P + "sub"] + 1 < count:
        ss[P + "sub"] += 1
    elif ss[P + "step"] < last:
        ss[P + "step"], ss[P + "sub"] = int(ss[P + "step"]) + 1, 0
    _pin_sub()


def _sub_prev(count_before: int) -> None:
    """The previous sub-step; before the first one, the last sub-step of the previous step."""
    if ss[P + "sub"] > 0:
        ss[P + "sub"] -= 1
    elif ss[P + "step"] > 1:
        ss[P + "step"], ss[P + "sub"] = int(ss[P + "step"]) - 1, count_before - 1
    _pin_sub()


def _title(text: str) -> str:
    """A sub-step's sentence cut to its bold opening: "**Take the gradient** at …" -> "Take the gradient"."""
    return text.split("**")[1].rstrip(".") if text.startswith("**") else text


def _narration(subs: list, i: int, t: int, last: int, count_before: int) -> None:
    """Sub-step i + 1 of step t with its equation, the earlier ones compact and grey beneath it, the later ones hidden.

    The buttons and the current sub-step come first, so they stay where they are while the list of earlier ones
    grows (a teacher on a projector keeps clicking the same place, the class keeps reading the same place).
    """
    n = len(subs)
    with st.container(border=True, key=P + "narration"):
        st.markdown(f"**Sub-step {i + 1} of {n}** of step t = {t}")
        c_back, c_on = st.columns([2, 3])
        back = "◂ Previous" if i > 0 or t == 1 else f"◂ Step {t - 1}"
        c_back.button(back, key=P + "sub_prev", on_click=_sub_prev, args=(count_before,), width="stretch",
                      disabled=i == 0 and t == 1)
        on = "Next sub-step ▸" if i + 1 < n or t == last else f"On to step {t + 1} ▸"
        c_on.button(on, key=P + "sub_next", on_click=_sub_next, args=(n, last), type="primary", width="stretch",
                    disabled=i + 1 == n and t == last)
        with st.container(border=True, key=P + "sub_current"):
            st.markdown(f"{i + 1}. {subs[i].text}")
            st.latex(explain.aligned(subs[i].latex))
        for j, sub in enumerate(subs[:i], start=1):  # one line each: what it did and what came out
            st.caption(f"{j}. **{_title(sub.text)}**: ${explain.result(sub.latex)}$")


inspector_state.load()

with st.sidebar:
    st.selectbox("Optimizer", optimizers.names(), key=P + "opt", format_func=lambda k: optimizers.get(k).label)
    st.selectbox("Surface", surfaces.names(), key=P + "surface", format_func=lambda k: surfaces.get(k).label,
                 on_change=inspector_state.surface_changed)
    st.markdown("**Start**")
    cx, cy = st.columns(2)
    (x_lo, x_hi), (y_lo, y_hi) = start_limits(st.session_state[P + "surface"])  # the Playground's limits
    cx.number_input("x", key=P + "x", step=0.1, format="%.3f", min_value=x_lo, max_value=x_hi)
    cy.number_input("y", key=P + "y", step=0.1, format="%.3f", min_value=y_lo, max_value=y_hi)
    st.slider("Steps", min_value=STEPS[0], max_value=STEPS[1], step=10, key=P + "steps")
    key = ss[P + "opt"]
    opt = optimizers.get(key)
    st.markdown(f"**{opt.label}**")
    for hp in opt.hyperparameters:
        if hp.ui:
            widgets.hp_widget(P + key, hp)

surface = surfaces.get(ss[P + "surface"])
hps = {hp.name: ss[widgets.hp_widget_key(P + key, hp.name)] for hp in opt.hyperparameters if hp.ui}
start = (float(ss[P + "x"]), float(ss[P + "y"]))
steps = int(ss[P + "steps"])

st.title("Inspector")
st.caption(f"**{opt.label}** on **{surface.label}**: step through the run and see what the optimizer keeps inside. "
           "The numbers are the engine's own recorded state, the same as torch.optim's.")
st.caption(f"**{opt.label}**: {opt.reference}. **In code:** `{opt.torch}`. The equations and the narration use the "
           f"notation of *the article*: {ARTICLE}.")
widgets.link_notices(inspector_state.notices())

ss[P + "step"] = int(min(max(ss[P + "step"], 1), steps))
try:
    resolved = opt.resolve(**hps)
except ValueError as err:
    st.error(f"{opt.label}: {err}")
    inspector_state.save(inspector_state.current())
    st.stop()

out = compute.trajectory(key, surface.key, compute.hp_key(hps), start, steps)
ex = explain.from_arrays(key, resolved, out["path"], out["grad"], out["state"])
problem = trouble(out["path"], out["loss"], out["diverged_at"], bottomless=surface.min_value is None)
if problem is not None:
    # the advice: the largest α of a short list that keeps this very run (start, steps, other settings) in bounds
    safer = safer_lr(key, surface.key, start, steps, hps) if "lr" in hps else None
    n_steps = f"{problem.step} step{'' if problem.step == 1 else 's'}"
    overflow = (f" at step {problem.overflow} it overflows: from there on every value is NaN."
                if problem.overflow is not None else "")
    if problem.kind == "runs off":
        text = (f"After {n_steps} the loss is {human(problem.value)}: {surface.label} has no bottom, so "
                f"{opt.label} runs downhill for ever, faster and faster; the numbers below are that run-off."
                f"{' And' + overflow if overflow else ''}")
        if safer is not None:
            text += (f" A smaller α only delays it: with α = {safer:g} it stays within a million times its start for "
                     f"these {steps} steps.")
    else:
        if problem.kind == "explodes":
            text = (f"This run explodes: after {n_steps} {problem.what} is {human(problem.value)}, over a "
                    f"million times its size at the start" + (f", and{overflow}" if overflow else
                                                              "; the numbers below are no longer about the surface's shape."))
        else:
            text = f"This run diverged at step {problem.step}: from there on every value is NaN."
        if safer is not None:
            text += (f" Lower α: {safer:g} is the largest α of the scale 1, 2, 5 × 10ᵏ below {hps['lr']:g} that keeps "
                     "this run from exploding, with the same start, steps and other settings.")
        elif "lr" in hps:
            lo = opt.hyperparameter("lr").slider_range[0]
            text += (f" Lower α, or change the start or the other settings: no α of the scale 1, 2, 5 × 10ᵏ from "
                     f"{hps['lr']:g} down to {lo:g} keeps this run from exploding.")
        else:
            text += " Lower α."
    box = st.info if problem.kind == "runs off" and problem.overflow is None else st.warning
    box(text, icon=":material/south:" if box is st.info else ":material/error:")
    if safer is not None:
        st.button(f"Use α = {safer:g}", key=P + "use_lr", on_click=_use_lr, args=(key, safer), type="primary")

else:
    higher, outside = worse(out["path"], out["loss"], surface.bounds)
    if higher and "lr" in hps:  # no explosion (Adam's steps are about α each), yet the run ends worse than it began
        better = descending_lr(key, surface.key, start, steps, hps)
        text = (f"This run ends higher than it started (the loss goes from {human(out['loss'][0])} to "
                f"{human(out['loss'][-1])})" + (" and θ ends outside the map" if outside else "") +
                f": α = {hps['lr']:g} is too large here.")
        text += (f" {better:g} is the largest α of the scale 1, 2, 5 × 10ᵏ below it that ends lower and on the map, "
                 "with the same start, steps and other settings." if better is not None else
                 " No smaller α of the scale 1, 2, 5 × 10ᵏ ends lower and on the map with these settings.")
        st.warning(text, icon=":material/trending_up:")
        if better is not None:
            st.button(f"Use α = {better:g}", key=P + "use_lr", on_click=_use_lr, args=(key, better), type="primary")

c_prev, c_slider, c_next = st.columns([1, 10, 1], vertical_alignment="bottom")
c_prev.button("◀", key=P + "prev", on_click=_move, args=(-1, steps), help="Previous step", width="stretch")
c_slider.slider("Step t", min_value=1, max_value=steps, key=P + "step")
c_next.button("▶", key=P + "next", on_click=_move, args=(1, steps), help="Next step", width="stretch")
k = int(ss[P + "step"]) - 1
t = k + 1

narrating = bool(ss[P + "narrate"])
subs = explain.narrate(ex, k)
if ss.get(P + "sub_at") != (key, t):  # a new step (or optimizer) starts at its first sub-step
    ss[P + "sub"] = 0
    _pin_sub()
sub = int(min(max(ss.get(P + "sub", 0), 0), len(subs) - 1))
ss[P + "sub"] = sub
revealed = {s.shows for s in subs[: sub + 1]} if narrating else None

# ------------------------------------------------------------------ the picture and the numbers
left, right = st.columns([3, 2])
with left:
    zoom = st.segmented_control("View", list(ZOOMS), key=P + "zoom", label_visibility="collapsed") or "whole surface"
    full = plots.style.view_bounds(surface, [start])
    factor = ZOOMS[zoom]
    point = out["path"][k] if np.isfinite(out["path"][k]).all() else np.array(start)
    bounds = figures.zoom_bounds(point, full, factor)
    bounds_key = tuple(map(tuple, bounds))
    first = ex.quantities[ex.first][k] if ex.first else None
    root = ex.quantities[ex.root][k] if ex.root else None
    raw_m = ex.quantities["m"][k] if narrating and ex.first == "m̂" and "m" in ex.quantities else None
    fig = figures.inspector_figure(
        image=compute.contour_image(surface.key, bounds_key, 480), bounds=bounds, path=out["path"], k=k,
        grad=ex.grad[k], first=first, first_label=ex.first or "m̂", step=ex.update[k], root=root,
        root_label=ex.root or "√v̂", minima=surface.minima, m=raw_m, show=revealed,
        current=subs[sub].shows if narrating else "")
    st.plotly_chart(fig, key=P + "figure", config={"displaylogo": False})
    st.caption("Arrows start at θₜ. " + (f"−g and −{ex.first} share one scale (both are in gradient units); "
                                          if ex.first else "−g points straight downhill; ")
               + "Δθ is the real step, magnified when tiny as its label says."
               + (f" The box's half-sides are proportional to {ex.root} per axis: each coordinate's step is divided "
                  "by its side, so the long side gets the brake." if ex.root else ""))

with right:
    st.markdown(f"**Step t = {t}** · θₜ = ({human(ex.theta[k][0])}, {human(ex.theta[k][1])})")
    st.toggle("Narrate this step", key=P + "narrate",
              help="Walk through the update of this step, one sub-step at a time, with its numbers; the picture "
                   "draws what each sub-step adds.")
    if narrating:
        _narration(subs, sub, t, steps, len(explain.narrate(ex, k - 1)) if k else 0)
        if sub + 1 == len(subs):
            st.caption(f"Check: θₜ₊₁ − θₜ from the path is ({ex.update[k][0]:.6g}, {ex.update[k][1]:.6g}); rebuilt from "
                       f"the numbers above it is ({ex.step[k][0]:.6g}, {ex.step[k][1]:.6g}).")
    coupled = bool(resolved.get("weight_decay")) and not ex.hyperparameters.get("decoupled_weight_decay")
    rows = [("g", "gradient at θₜ" + (" (+ λθ)" if coupled else ""), ex.grad[k])]
    meaning = {"m": "first moment (momentum)", "v": "second moment (mean of g²)", "m̂": "m, bias-corrected",
               "v̂": "v, bias-corrected", "√v̂": "RMS size of recent gradients", "v_max": "largest v so far (AMSGrad)",
               "b": "momentum buffer (torch)", "G": "sum of all g²", "√G": "its root", "E[g²]": "running mean of g²",
               "√E[g²]": "its root", "u": "largest recent |g| (∞-norm)", "r": "variance rectifier",
               "E[g]": "running mean of g", "E[Δθ²]ₜ₋₁": "running mean of squared steps"}
    if "v" in ex.quantities and key in ("momentum", "nag"):
        meaning["v"] = "velocity vₜ = α·bₜ (the article's)"
    for name, values in ex.quantities.items():
        rows.append((name, meaning.get(name, ""), values[k]))
    rows.append(("lr_eff", "effective learning rate per coordinate", ex.lr_eff[k]))
    rows.append(("update", "θₜ₊₁ − θₜ (the step taken)", ex.update[k]))
    in_torch = {"g": "p.grad" + (" + weight_decay·p" if coupled else ""),
                **torch_names(key, ex.hyperparameters, ex.quantities, out["state"])}
    table = pd.DataFrame([{"quantity": n, "torch": in_torch.get(n, ""), "x": float(v[0]), "y": float(v[1])}
                          for n, _, v in rows])
    # the cells hold the exact numbers (a copy, a download); they read as 4 significant digits
    st.dataframe(table.style.format(human, subset=["x", "y"]), hide_index=True, width="stretch", key=P + "table",
                 column_config={"quantity": st.column_config.TextColumn(width="small"),
                                "torch": st.column_config.TextColumn("torch state", help=(
                                    "The entry of torch's optimizer.state[p] that holds it, or how it is computed "
                                    "from one: the engine records its state under torch's names."))})
    st.caption(" · ".join(f"**{n}**: {m}" for n, m, _ in rows))
    rms = "α / (√(E[g²] − E[g]²) + ε)" if ex.hyperparameters.get("centered") else "α / (√E[g²] + ε)"
    lr_title = {"adagrad": "α / (√G + ε)", "rmsprop": rms, "adadelta": "α·√(E[Δθ²] + ε) / √(E[g²] + ε)",
                "adamax": "α / u", "radam": "α·r·√(1 − β₂ᵗ) / (√v + ε), α while ρₜ ≤ 5",
                "gd": "α, the same for every coordinate", "momentum": "α, the same for every coordinate",
                "nag": "α, the same for every coordinate"}.get(
        key, "α / (√v̂ + ε)" if ex.hyperparameters.get("bias_correction", True) else "α / (√v + ε)  (no bias correction)")
    lr_fig = figures.lr_figure(ex.t, ex.lr_eff, k, title=f"effective learning rate<br><span style='font-size:12px'>"
                               f"{lr_title}</span>", height=320)
    # the legend goes below the axis: above the plot it ran into the title's formula
    lr_fig.update_layout(margin=dict(t=64, b=96), legend=dict(orientation="h", x=0, xanchor="left", y=-0.36,
                                                              yanchor="top"))
    st.plotly_chart(lr_fig, key=P + "lr", config={"displaylogo": False})

with st.expander(f"{opt.label}: the update rule"):
    for eq in opt.equations:
        st.latex(eq)
    if opt.convention:
        st.caption(f"Convention: {opt.convention}")

inspector_state.save(inspector_state.current())
