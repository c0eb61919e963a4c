"""The article's network: its PyTorch example trained by every optimizer, identical to torch, and its landscape."""

import numpy as np
import pandas as pd
import streamlit as st

import networks
import optimizers
from plots import network as figs
from plots.torch_code import OUTSIDE, network_engine_call, network_snippet, torch_call
from ui import network_compute as nc
from ui import network_state, widgets
from ui.boot import through_app
from ui.network_settings import (
    ACTIVATIONS,
    ARTICLE_MODEL,
    BATCHES,
    CLASSIFIER_MODEL,
    DEFAULTS,
    GOALS,
    MAX_OPTIMIZERS,
    RANGES,
    TASK_LABELS,
    TASKS,
    check,
)

through_app()  # a direct link on a fresh server: run through app.py

P = network_state.P
ss = st.session_state
notices = network_state.load()


def _on_task() -> None:
    """A classification set needs a non-linear model to separate its classes; regression goes back to the article's."""
    preset = CLASSIFIER_MODEL if ss[P + "task"] != "regression" else ARTICLE_MODEL
    for name, value in preset.items():
        ss[P + name] = value


def _article() -> None:
    network_state.apply(DEFAULTS)


def _label(key: str) -> str:
    return optimizers.get(key).label


widgets.compact_title("The article's network")
st.caption("The article ends with a PyTorch model, `nn.Sequential(nn.Linear(10, 5), nn.Linear(5, 1))`, trained with "
           "Adam. Here it trains for real, with any optimizer of the Playground: the same update rules, the same numbers "
           "as torch.optim, on a network of 61 parameters instead of a point on a 2-D surface.")
widgets.link_notices(notices)

left, right = st.columns([1, 2.7], gap="medium")
with left:
    st.multiselect("Optimizers", networks.elementwise(), key=P + "optimizers", format_func=_label,
                   max_selections=MAX_OPTIMIZERS, help=f"Up to {MAX_OPTIMIZERS}, all from the same starting parameters.")
    chosen = list(ss[P + "optimizers"]) or list(DEFAULTS.optimizers)
    if not ss[P + "optimizers"]:
        st.caption("No optimizer picked: showing Adam and SGD.")
    if ss.get(P + "tune") not in chosen:
        ss[P + "tune"] = chosen[0]
    tune = (st.segmented_control if len(chosen) <= 2 else st.selectbox)(
        "Tune", chosen, key=P + "tune", format_func=_label, **({"required": True} if len(chosen) <= 2 else {}))
    tune = tune or chosen[0]
    with st.container(border=True, key=P + "card"):
        opt = optimizers.get(tune)
        s_now = network_state.current()
        st.markdown(f"**{opt.label}**")
        call = torch_call(tune, s_now.hyperparameters(tune))
        st.caption(f"`{call}`" if call else "Not in torch.optim: Adam without bias correction (the textbook's).")
        for hp in opt.hyperparameters:
            if hp.ui:
                widgets.hp_widget(P + tune, hp)
        st.button("torch's defaults", key=P + "reset", icon=":material/restart_alt:",
                  on_click=lambda k=tune: [ss.__setitem__(network_state.hp_key(k, hp.name), hp.default)
                                           for hp in optimizers.get(k).hyperparameters if hp.ui])
    st.slider("Steps", 10, RANGES["steps"][1], step=10, key=P + "steps", help="Updates of each optimizer (the "
              "article's loop runs 100 epochs, one full-batch step each).")
    st.select_slider("Batch size", BATCHES, key=P + "batch", format_func=lambda b: "all (full batch)" if b == 0 else str(b),
                     help="Full batch: every step sees the whole data set, as in the article. A smaller batch samples "
                          "a new shuffle each epoch: noisier steps, like training at scale.")
    with st.expander("Data", expanded=False):
        st.selectbox("Data set", TASKS, key=P + "task", format_func=TASK_LABELS.get, on_change=_on_task,
                     help="A classification set brings a 2 → 16 → 16 → 1 Tanh network: the article's linear model "
                          "cannot separate its classes. Change it under Model.")
        if ss[P + "task"] == "regression":
            st.segmented_control("Hidden map", ["linear", "nonlinear"], key=P + "target", required=True,
                                 help="Linear: the article's model can fit it exactly, down to the noise. Non-linear "
                                      "(a sine and a square): it cannot; a hidden layer with ReLU or Tanh can.")
        st.slider("Points", *RANGES["n"], step=10, key=P + "n")
        st.slider("Noise", *RANGES["noise"], step=0.01, key=P + "noise")
        st.number_input("Data seed", *RANGES["dseed"], step=1, key=P + "dseed")
    with st.expander("Model", expanded=False):
        st.slider("Hidden layers", *RANGES["depth"], key=P + "depth")
        st.slider("Units per hidden layer", *RANGES["width"], key=P + "width", disabled=ss[P + "depth"] == 0)
        st.segmented_control("Activation", ACTIVATIONS, key=P + "act", required=True,
                             format_func={"none": "none (linear)", "relu": "ReLU", "tanh": "Tanh"}.get,
                             disabled=ss[P + "depth"] == 0)
        st.number_input("Initial parameters seed", *RANGES["seed"], step=1, key=P + "seed",
                        help="The starting parameters, drawn as torch's nn.Linear draws them; also the mini-batch shuffle.")
    st.button("Back to the article's setup", key=P + "article", on_click=_article, icon=":material/history_edu:",
              width="stretch")

s = network_state.current()
network_state.save(s)
model = s.model()
X, y = nc.dataset(nc.data_key(s))

runs = {}
problems = [text for text in (check(s, k) for k in s.optimizers) if text]
keys = [k for k in s.optimizers if not check(s, k)]
todo = [k for k in keys if not nc.cached(nc.run_key(s, k))]
work = nc.cost(s, len(todo))
if work > nc.MAX_WORK:
    with right:
        st.warning(f"This setup needs about {work:.1e} multiply-adds of training ({len(todo)} optimizer"
                   f"{'s' if len(todo) > 1 else ''} × {s.steps:,} steps × {s.batch or s.n:,} points × {model.size:,} "
                   f"parameters), more than this page computes at once ({nc.MAX_WORK:.0e}, about 10–20 s). Use fewer "
                   "steps, fewer points, a smaller batch or a smaller model.", icon=":material/hourglass_disabled:")
    keys = [k for k in keys if k not in todo]  # what is already trained is still shown
elif ss.get(P + "cancelled") == tuple(nc.run_key(s, k) for k in todo) and todo:
    with right:
        st.info("Training cancelled.", icon=":material/block:")
        st.button("Train", key=P + "resume", type="primary", on_click=lambda: ss.pop(P + "cancelled", None))
    keys = [k for k in keys if k not in todo]
elif work > 1e8:
    with right:
        box = st.empty()
        with box.container():
            bar = st.progress(0.0, text="Training…")
            pending = tuple(nc.run_key(s, k) for k in todo)
            st.button("Cancel", key=P + "cancel", on_click=lambda: ss.__setitem__(P + "cancelled", pending))
    for i, key in enumerate(todo):
        def _tick(t, steps, i=i, key=key):
            bar.progress((i + t / steps) / len(todo),
                         text=f"Training {_label(key)} ({i + 1} of {len(todo)}): step {t:,} of {steps:,}")
        nc.train(nc.run_key(s, key), progress=_tick)
    box.empty()
for key in keys:
    runs[key] = nc.train(nc.run_key(s, key))

with right:
    what = "the article's model" if s.is_article() else "this model"
    st.markdown(f"**{what}**: `{' → '.join([str(model.in_features)] + [str(s.width)] * s.depth + ['1'])}`"
                f"{'' if s.act == 'none' or s.depth == 0 else f', {s.act}'} · **{model.size:,} parameters** · "
                f"{TASK_LABELS[s.task].split(',')[0].lower()}, {s.n} points · `{networks.losses.TORCH_NAMES[s.loss]}`")
    for text in problems:
        st.error(text, icon=":material/error:")
    start_loss = float(networks.loss_value(model, model.flatten(model.init(seed=s.seed)), X, y, s.loss))
    target = start_loss / s.goal
    tabs = st.tabs(["Loss", "Landscape", "Per layer", *(["Decision boundary"] if s.classification else []), "The code"])
    with tabs[0]:
        curves = [(k, _label(k), r.loss) for k, r in runs.items()]
        st.plotly_chart(figs.loss_figure(curves, target), key=P + "loss_chart", config={"displaylogo": False})
        rows = []
        for key, r in runs.items():
            reached = np.flatnonzero(r.loss <= target)
            seen = np.r_[r.loss, r.final_loss]  # the loss before every step, and after the last one
            rows.append({"optimizer": _label(key), "α": r.hyperparameters["lr"],
                         "final loss": f"{r.final_loss:.5g}" if r.diverged_at is None else "diverged",
                         "lowest loss": f"{np.nanmin(seen):.5g}" if np.isfinite(seen).any() else "—",
                         f"steps to loss ≤ {target:.3g}": str(int(reached[0])) if reached.size else "—",
                         "diverged": f"at step {r.diverged_at}" if r.diverged_at is not None else "no"})
        if rows:
            st.dataframe(pd.DataFrame(rows), hide_index=True, key=P + "table",
                         column_config={"α": st.column_config.NumberColumn(format="%.3g")})
        st.select_slider("Target loss", GOALS, key=P + "goal", format_func=lambda g: f"1/{g} of the starting loss",
                         help=f"The starting loss is {start_loss:.4g} (the same for every optimizer: one start).")
        for key, r in runs.items():
            if r.diverged_at is not None:
                st.warning(f"{_label(key)} diverged at step {r.diverged_at}: its parameters overflowed, so the rest of "
                           f"its run is missing from the charts. Lower its α.", icon=":material/error:")
        if s.batch:
            st.caption("With mini-batches each step's loss is that batch's: the curve is noisy even when training goes "
                       "well. The final loss is over the whole data set.")
        if s.is_article() and "adam" in runs and all(r.hyperparameters["lr"] <= 1e-3 for r in runs.values()):
            st.info("At the article's α = 0.001, 100 steps barely start the descent. Raise α (Adam: 0.01 or 0.1) "
                    "and watch the curves part.", icon=":material/lightbulb:")

    with tabs[1]:
        if not runs:
            st.info("Pick an optimizer to see its path.")
        else:
            keys = list(runs)
            options = ["shared", *keys]
            if ss.get(P + "plane_pick") not in options:
                ss[P + "plane_pick"] = "shared"
            pick = st.segmented_control("Plane", options, key=P + "plane_pick", required=True,
                                        format_func=lambda k: "all runs together" if k == "shared" else f"{_label(k)} alone")
            own = None if pick == "shared" else keys.index(pick)
            sl = nc.slice_of(tuple(nc.run_key(s, k) for k in keys), own)
        if runs and sl["diverged"]:
            st.warning("Every run shown here diverged: there is no landscape to draw around it. Lower α."
                       if own is None else f"{_label(pick)} diverged: pick another plane, or lower its α.",
                       icon=":material/error:")
        elif runs:
            if sl["left_out"]:
                st.caption(f"Left out (diverged): {', '.join(map(_label, sl['left_out']))}.")
            shown = [(k, _label(k), sl["xy"][i]) for i, k in enumerate(keys) if (own is None or i == own)
                     and k not in sl["left_out"]]
            origin = "the common start" if own is None else f"{_label(pick)}'s end"
            st.plotly_chart(figs.landscape_figure(sl["a"], sl["b"], sl["grid"], shown, sl["explained"],
                                                  title=f"Loss on the plane of the paths' two main directions "
                                                        f"(origin: {origin})"),
                            key=P + "landscape", config={"displaylogo": False})
            share = 100 * float(sl["explained"].sum())
            st.caption(
                f"**How this picture is made** (Li et al., 2018, *Visualizing the Loss Landscape of Neural Nets*): the "
                f"{model.size:,} parameters of every recorded step are projected onto the two directions along which "
                f"the path{'s' if own is None else ''} moved most (PCA); those two carry **{share:.1f}%** of the "
                f"movement. The colours are the loss, computed exactly, at each point of that plane"
                + (f" (on a fixed sample of {sl['rows']:,} of the {s.n:,} points: the model is large)." if sl["rows"] < s.n
                   else "."))
            st.caption(
                "**What it can show:** the shape of the loss along the directions training actually took: a valley, a "
                "plateau, overshooting, how far each optimizer went and in which direction. **What it cannot:** the "
                f"other {model.size - 2:,} directions. The path leaves the plane wherever the two directions explain "
                "less than all of its movement, so the loss the path had (the Loss tab) and the colour under its "
                "projection can differ; a slice can make a valley look wider or a barrier appear that training went "
                "around. It is one slice of the landscape, not a map of it.")

    with tabs[2]:
        series = [(k, _label(k), r.layers, r.update_norm, r.effective_lr) for k, r in runs.items()]
        st.plotly_chart(figs.layers_figure(series), key=P + "layers", config={"displaylogo": False})
        st.caption("Each Linear layer's weight and bias together (layer names are torch's module indices). "
                   "**Effective learning rate** = ‖Δθ‖ / ‖g‖: exactly α for plain SGD; momentum raises it along a "
                   "steady gradient; Adam, RMSProp and AdaGrad divide by the gradients' running size, so a layer "
                   "with small gradients gets a larger effective rate: the per-parameter scaling of the Playground, "
                   "here per layer.")

    if s.classification:
        with tabs[3]:
            if runs:
                keys = list(runs)
                if ss.get(P + "boundary_of") not in keys:
                    ss[P + "boundary_of"] = keys[0]
                of = st.segmented_control("Optimizer", keys, key=P + "boundary_of", required=True, format_func=_label)
                b = nc.boundary(nc.run_key(s, of))
                st.plotly_chart(figs.boundary_figure(b["x"], b["y"], b["prob"], b["steps"], X, y,
                                                     title=f"{_label(of)}: P(class 1) over the input plane, step by step"),
                                key=P + "boundary", config={"displaylogo": False})
                st.caption("The black line is where the network is undecided (P = ½). ▶ plays the training.")

    with tabs[-1]:
        code_keys = list(runs) or list(s.optimizers)
        if ss.get(P + "code_of") not in code_keys:
            ss[P + "code_of"] = code_keys[0]
        of = st.selectbox("Optimizer", code_keys, key=P + "code_of", format_func=_label)
        modules = [[type(m).__name__, *((m.in_features, m.out_features) if isinstance(m, networks.Linear) else ())]
                   for m in model.modules]
        data_call = (f"regression(n={s.n}, noise={s.noise!r}, seed={s.dseed}, kind={s.target!r})" if s.task == "regression"
                     else f"classification({s.task!r}, n={s.n}, noise={s.noise!r}, seed={s.dseed})")
        hps = s.hyperparameters(of)
        args = (modules, s.loss, data_call, of, hps, s.steps, s.batch, s.seed)
        exact = torch_call(of, hps) is not None
        st.markdown("**In PyTorch, complete**: run it from this app's folder with `pip install torch`"
                    + (f" and `pip install {'lion-pytorch' if of == 'lion' else 'schedulefree'}`" if of in OUTSIDE else "")
                    + (" (it imports this app's `networks` only to make the same data and starting parameters). It "
                       "prints the first and last loss of the Loss tab's curve and the final loss of its table."
                       if exact else ". Adam without bias correction is not in torch.optim: this is the closest torch "
                       "call, and its numbers differ from the page's."))
        st.code(network_snippet(*args), language="python")
        st.markdown("**With this app's engine** (pure NumPy)")
        st.code(network_engine_call(*args), language="python")
        st.markdown(
            "**What the article's listing leaves out.** Its loop stops after the forward pass: "
            "`output = model(X); loss = loss_fn(output, y)`. Without `loss.backward()` no gradient is computed, "
            "without `optimizer.step()` no parameter changes, and without `optimizer.zero_grad()` each epoch's "
            "gradients would add to the last one's. All three are in the code above.")
        st.caption("Same numbers: `tests/test_network_fidelity.py` checks 81 trainings by torch 2.13 (and the Lion and "
                   "Schedule-Free packages), every optimizer here, with and without ReLU/Tanh, against this engine to "
                   "1e-9 at every step.")
