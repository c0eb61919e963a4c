"""When Adam fails: Reddi, Kale & Kumar (2018), run on the engine's own Adam and AMSGrad."""

import streamlit as st

from surfaces import online
from teaching import figures, reddi
from ui import adam_fails_settings, adam_fails_state, widgets
from ui.boot import through_app

through_app()  # a direct link on a fresh server: run through app.py

ADAM, AMS = "#D55E00", "#0072B2"
CONFIG = figures.CONFIG  # a short mode bar; the figures keep a strip at the top for it
adam_fails_state.load()  # each control from the link, or as the session left it


def pick(label: str, name: str, help: str | None = None):
    """Control `name` (its URL name; its stops and first value in ui.adam_fails_settings.PICKS)."""
    stops, default = adam_fails_settings.PICKS[name]
    return widgets.pick(label, adam_fails_settings.WIDGETS[name], list(stops), default, help=help)


st.title("When Adam fails")
st.markdown("Adam can fail even on a convex problem in one variable. Reddi, Kale & Kumar (2018) built such a problem "
            "and a one-line fix, AMSGrad. Every xₜ below is exactly what the engine's own Adam and AMSGrad compute, the "
            "same code as torch.optim.Adam with `amsgrad=False` and `amsgrad=True`.")
widgets.link_notices(adam_fails_state.notices())

# ------------------------------------------------------------------ Figure 1's problem
st.header("1. A loss that changes every step")
eq1, eq2 = st.columns(2)
eq1.latex(online.FIG1.latex)
eq2.latex(r"x_{t+1} = \Pi_{[-1,1]}\!\left(x_t - \frac{\alpha\, \hat m_t}{\sqrt{\hat v_t} + \epsilon}\right),"
          r"\quad \beta_1 = 0.9,\ \beta_2 = 0.99")
text, _ = st.columns([3, 1])
with text:
    st.markdown("This is online learning: each step t brings its own loss fₜ(x), and x must stay in [−1, 1] (after each "
                "step it is clipped back, the projection Π). On one step in 101 the loss is 1010x, on the other 100 "
                "it is −10x.")
    story = st.empty()  # the theory for the step size on screen, then where this run ends: written once it is in
    c1, c2, c3 = st.columns(3)
    with c1:
        lr = pick("α", "lr")
    with c2:
        periods = pick("periods of 101 steps", "periods")
    with c3:
        start = pick("start x₁", "start")

    widgets.keep(adam_fails_settings.WIDGETS["decay"], False)  # kept when the page is left and re-entered
    decay = st.toggle("αₜ = α/√t, as in the paper", key=adam_fails_settings.WIDGETS["decay"],
                      help="Reddi et al.'s analysis decays the step as α/√t (torch: a LambdaLR schedule, 1/√(t + 1)). "
                           "Adam is still pushed up, towards +1, and AMSGrad down, towards −1, but the steps shrink so "
                           "fast that within a run neither may get far: the paragraph above says where each run ends.")

SUM = "Over a period the losses add up to 1010x − 100·10x = 10x, so the best fixed choice is x = −1."
args = (float(lr), int(periods), float(start), bool(decay))
if reddi.fig1_ready(*args):
    runs = reddi.fig1_runs(*args)
    fig1_out = st.container()
else:  # about 0.1 s: the last results make way for a note at once, so none is shown stale meanwhile
    story.markdown(f"{SUM} {reddi.fig1_theory(bool(decay))} Where this run ends: running…")
    slot = st.empty()
    slot.caption(f"Running Adam and AMSGrad, {periods * online.FIG1.period:,} steps each"
                 f"{' with αₜ = α/√t' if decay else ''}…")
    runs = reddi.fig1_runs(*args)
    fig1_out = slot.container()
a, m = runs["adam"], runs["amsgrad"]
story.markdown(f"{SUM} {reddi.fig1_theory(bool(decay))} {reddi.fig1_measured(runs, float(start))}")
with fig1_out:
    k1, k2, k3 = st.columns(3)
    k1.metric("Adam: final x", f"{a['final']:+.3f}", help="x after the last step (a whole number of periods).")
    k2.metric("AMSGrad: final x", f"{m['final']:+.3f}", help="x after the last step (a whole number of periods).")
    k3.metric("steps", f"{periods * online.FIG1.period:,}")
    wobble = float(m["high"][-1] - m["low"][-1])  # AMSGrad's range over the last period, measured
    if decay:  # the step at the end of the run, α/√T: the wobble is a few of those, not of α
        last = lr / (periods * online.FIG1.period) ** 0.5
        lift = f"{wobble:.1e} in the last period ({wobble / last:.1f} times the last step size α/√T = {last:.1e})"
    else:
        lift = f"{wobble:.3f} in the last period ({wobble / lr:.1f}α)"
    st.caption(f"Final x is read just before the next large gradient. For AMSGrad that is the top of its wobble: the "
               f"large gradient pushes it down, and the 100 small ones lift it by {lift} before the next one. It ends "
               f"{abs(m['final'] + 1):.3f} from −1; Adam {abs(a['final'] - 1):.3f} from +1.")
    left, right = st.columns(2)
    left.plotly_chart(figures.online_x_figure(
        {"Adam": (a["ends"], a["mean"], a["low"], a["high"], ADAM),
         "AMSGrad": (m["ends"], m["mean"], m["low"], m["high"], AMS)}, optimum=online.FIG1.optimum,
        title="xₜ: mean over each period of 101 steps (band: its range)"), key="adam_fails.fig1.x", config=CONFIG)
    right.plotly_chart(figures.regret_figure({"Adam": (a["regret_t"], a["regret"], ADAM),
                                              "AMSGrad": (m["regret_t"], m["regret"], AMS)}),
                       key="adam_fails.fig1.regret", config=CONFIG)

st.subheader("Why Adam drifts the wrong way")
st.markdown("Adam divides each step by √v̂, a running mean of recent squared gradients; with β₂ = 0.99 it remembers "
            "about 100 steps. The big gradient 1010 arrives once, inflates v, and is divided by that large √v: its step "
            "is small. Over the next 100 steps v fades again, so the small gradients −10 get steps of almost full size.")
st.markdown("So the hundred small pushes up beat the one large push down, although the large one carries more "
            "weight in the sum of the losses.")
st.subheader("About α, and the regret")
st.markdown("The paper shrinks the step as αₜ = α/√t; torch.optim.Adam without a scheduler, and this page with the "
            "switch above off, keeps α constant. That is enough: Adam heads for +1 at every α (given enough steps: "
            "the paragraph above the sliders says where this run got). AMSGrad drifts to −1 at a speed proportional to "
            "α and wobbles inside each period (the shaded band; its size in the last period is measured above the "
            "charts). A smaller α wobbles less but needs more steps to get there; with αₜ = α/√t both runs slow down "
            "so much that AMSGrad may not reach −1 within the run at all.")
st.markdown("The regret Rₜ = Σₛ fₛ(xₛ) − min over x of Σₛ fₛ(x) is what a run lost against the best fixed x chosen "
            "in hindsight. With a constant α both runs pay for their wobble (about 33α per step here), so neither "
            "curve falls to 0; the gap between them is the price of sitting at the worst point (at most 20/101 ≈ 0.2 "
            "per step). The next problem has no such wobble to speak of.")

# ------------------------------------------------------------------ Theorem 1
st.header("2. Theorem 1: the smallest example")
text, eqs = st.columns([1, 1], gap="large")
with text:
    st.markdown("The paper's Theorem 1 has a period of 3: the loss is Cx on one step and −x on the next two. For "
                "C > 2 the sum points to x = −1 again. Adam with β₁ = 0 and β₂ = 1/(1 + C²) provably goes to +1 (the proof "
                "takes αₜ = α/√t; the run below keeps α constant, and goes there too).")
    C = pick("C", "C", help="Any C > 2. β₂ follows as 1/(1 + C²).")
with eqs:
    st.latex(online.theorem1(C).latex)
    st.latex(rf"\beta_1 = 0,\quad \beta_2 = \frac{{1}}{{1 + C^2}} = {online.theorem1_beta2(C):.4g},\quad \alpha = "
             rf"{reddi.THEOREM1_LR:g}")
thm = reddi.theorem1_runs(float(C), reddi.THEOREM1_LR, reddi.THEOREM1_STEPS)
ta, tm = thm["adam"], thm["amsgrad"]
k1, k2, _ = st.columns(3)
k1.metric("Adam: final x", f"{ta['final']:+.3f}")
k2.metric("AMSGrad: final x", f"{tm['final']:+.3f}")
left, right = st.columns(2)
left.plotly_chart(figures.online_x_figure({"Adam": (ta["t"], ta["x"], None, None, ADAM),
                                           "AMSGrad": (tm["t"], tm["x"], None, None, AMS)},
                                          optimum=-1.0, title="xₜ"), key="adam_fails.thm1.x", config=CONFIG)
right.plotly_chart(figures.regret_figure({"Adam": (ta["regret_t"], ta["regret"], ADAM),
                                          "AMSGrad": (tm["regret_t"], tm["regret"], AMS)}),
                   key="adam_fails.thm1.regret", config=CONFIG)

st.subheader("Why the max in AMSGrad fixes it")
text, eqs = st.columns([3, 2], gap="large")
with eqs:
    st.latex(r"v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2")
    st.latex(r"\text{Adam: } \frac{\alpha\, g_t}{\sqrt{v_t}} \qquad \text{AMSGrad: } \frac{\alpha\, g_t}{\sqrt{\max_{s \le t} v_s}}")
with text:
    st.markdown("With β₂ = 1/(1 + C²), v forgets within a step. On the step with gradient C, v ≈ C², so Adam moves "
                "down by about α·C/C = α; on the next two steps v is back near 1 and each moves up by about α. Net: "
                "up, every period.")
    st.markdown("AMSGrad divides by the largest v seen so far, so every gradient gets the same denominator and the "
                "steps are proportional to the gradients: C down, 2 up. Since C > 2 it goes down, to −1, and its "
                "average regret falls towards 0 while Adam's stays put.")

adam_fails_state.save(adam_fails_state.current())  # the settings shown: the page's state and its address
