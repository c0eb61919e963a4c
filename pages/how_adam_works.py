"""How Adam works: gradient descent to Adam in small steps, each with a live mini-playground."""

import numpy as np
import streamlit as st

import optimizers
import plots
import surfaces
from optimizers import explain
from teaching import figures, links, presets
from ui import compute, lesson_state, widgets
from ui.boot import through_app
from ui.settings import Settings
from ui.widgets import fmt_value

through_app()  # a direct link on a fresh server: run through app.py

ss = st.session_state
HEIGHT = 420
CONFIG = figures.CONFIG  # a short mode bar; the figures keep a strip at the top for it
SLIDER_STEPS = 50  # stops on each race's scrubber: nine races on this page, and plotly.js draws a slider per stop
lesson_state.load()  # each section's control from the link, or as the session left it


def pick(label: str, name: str, help: str | None = None):
    """Section control `name` (its URL name; its stops and first value in teaching.presets.LESSON_PICKS)."""
    stops, default = presets.LESSON_PICKS[name]
    return widgets.pick(label, lesson_state.P + name, list(stops), default, help=help)


@st.cache_resource(max_entries=18, show_spinner=False)  # ~2.4 MB each: two per race (its first setting, the last)
def race_figure(surface_key: str, runs: list, start: tuple, steps: int, view: str, noise: float, seed: int, height: int,
                _drawn: list):
    """The animated race of `runs` (_drawn: their cached runs, which those arguments determine), built once for every
    session: a race of 150 frames takes plotly 30-50 ms, and a rerun of this page (any slider) built all nine again,
    0.4 s of its 0.7 s. Shared, not copied: nothing changes a figure after this (st.plotly_chart serializes it)."""
    surface = surfaces.get(surface_key)
    return figures.tidy(plots.race_figure(surface, _drawn, start=start, view=view, height=height,
                                          image=compute.race_image(surface_key, start, view), slider_steps=SLIDER_STEPS),
                        view)


def race(chart_key: str, surface_key: str, runs: list, *, start=None, steps: int = 100, view: str = "multiples",
         noise: float = 0.0, seed: int = 0, height: int = HEIGHT) -> dict:
    """Run each (label, optimizer, hyperparameters) through the cached engine and draw the animated race."""
    start = tuple(start or surfaces.get(surface_key).start)
    drawn, outs = compute.race_runs(surface_key, runs, start, steps, noise, seed)
    height = height if view == "multiples" else height + 100  # one wide panel needs the height to stay undistorted
    fig = race_figure(surface_key, runs, start, steps, view, noise, seed, height, drawn)
    st.plotly_chart(fig, key=chart_key, config=CONFIG)
    for label, out in outs.items():
        if out["diverged_at"] is not None:
            st.badge(f"{label} diverged at step {out['diverged_at']}", icon=":material/error:", color="red")
    return outs


def section(title: str, equations: list[str], *paragraphs: str):
    """A header, the idea in a few sentences (left) and its equations (right); returns both columns."""
    st.header(title)
    text, eqs = st.columns([3, 2], gap="large")
    with eqs:
        for eq in equations:
            st.latex(eq)
    with text:
        for p in paragraphs:
            st.markdown(p)
    return text, eqs


st.title("How Adam works")
st.markdown("Adam is the default optimizer of deep learning. This page builds it from plain gradient descent in a few "
            "small steps. Every picture is a live run of the same engine as the Playground: move a slider and press "
            "▶ Play.")
widgets.link_notices(lesson_state.notices())

def _curvature_ratio(key: str) -> float:
    """The ratio of the Hessian's eigenvalues at the minimum, from the surface itself (central differences)."""
    surf = surfaces.get(key)
    m, h = np.array(surf.minima[0], dtype=float), 1e-4
    hess = np.array([(surf.grad(m + h * e) - surf.grad(m - h * e)) / (2 * h) for e in np.eye(2)])
    lo, hi = np.linalg.eigvalsh((hess + hess.T) / 2)
    return float(hi / lo)


def _start(key: str) -> str:
    x, y = surfaces.get(key).start
    return f"({x:g}, {y:g})"


def _grad_at_start(key: str) -> str:
    gx, gy = surfaces.get(key).grad(np.array(surfaces.get(key).start, dtype=float))
    return f"({gx:g}, {gy:g})"


def _grad_ratio() -> str:
    gx, gy = surfaces.get("stretched_bowl").grad(np.array(surfaces.get("stretched_bowl").start, dtype=float))
    return f"{abs(gy / gx):.0f}"


# ------------------------------------------------------------------ 1. gradient descent
text, _ = section(
    "1. Gradient descent, and why one α is not enough",
    [r"g_t = \nabla_\theta J(\theta_t)", r"\theta_{t+1} = \theta_t - \alpha\, g_t"],
    "The gradient gₜ points uphill, so we step against it. The learning rate α sets the step size, and it is one "
    "number for every parameter.",
    f"In a ravine that is a problem: this one curves {_curvature_ratio('ravine'):.0f} times more sharply across "
    "than along. A large α bounces between the walls (above α = 0.1 it blows up); a small α no longer bounces but "
    "crawls along the floor.")
with text:
    c1, c2 = st.columns(2)
    with c1:
        lr_small = pick("small α", "gd.lr_small")
    with c2:
        lr_large = pick("large α", "gd.lr_large")
race("lesson.gd.race", "ravine", [(f"GD, α = {lr_small:g}", "gd", {"lr": lr_small}),
                                  (f"GD, α = {lr_large:g}", "gd", {"lr": lr_large})], steps=100)

# ------------------------------------------------------------------ 2. momentum
text, eqs = section(
    "2. Momentum: a ball rolling downhill",
    [r"v_t = \gamma\, v_{t-1} + \eta\, g_t", r"\theta_{t+1} = \theta_t - v_t"],
    "Momentum keeps a velocity vₜ. Where the gradient keeps pointing the same way, the velocity builds up, like a "
    "ball gaining speed downhill; the back-and-forth across the ravine cancels out.",
    "γ is the share of the velocity that survives each step. Near 1 the ball is heavy: it overshoots and swings "
    "around the minimum before it settles.")
with text:
    gamma = pick("γ (momentum)", "momentum.gamma", help="0 is plain gradient descent; 0.9 remembers about 10 steps.")
with eqs:
    st.caption("Both runs use α = η = 0.01, the small α that crawled above.")
race("lesson.momentum.race", "ravine", [("GD, α = 0.01", "gd", {"lr": 0.01}),
                                        (f"Momentum, γ = {gamma:g}", "momentum", {"lr": 0.01, "momentum": gamma})],
     steps=100)

# ------------------------------------------------------------------ 3. RMSProp
text, eqs = section(
    "3. RMSProp: a step size per parameter",
    [r"E[g^2]_t = \rho\, E[g^2]_{t-1} + (1-\rho)\, g_t^2",
     r"\theta_{t+1} = \theta_t - \frac{\alpha}{\sqrt{E[g^2]_t} + \epsilon}\, g_t"],
    f"On this stretched bowl the curvature along y is {_curvature_ratio('stretched_bowl'):.0f} times the one along x; "
    f"at the start {_start('stretched_bowl')} the gradient is {_grad_at_start('stretched_bowl')}, {_grad_ratio()} "
    "times larger along y: y needs a brake, x a push. RMSProp keeps a running mean of each parameter's squared "
    "gradient, E[g²], and divides by its root.",
    "Once E[g²] has caught up with the gradients (the steady state), each parameter's step is then about α, whatever "
    "the scale of its gradient. Gradient descent, held back by the steep y, can only creep along x.")
with text:
    lr_rms = pick("α for RMSProp", "rmsprop.lr")
with eqs:
    st.caption("Gradient descent gets α = 0.09, just under its limit of 0.1 here.")
race("lesson.rmsprop.race", "stretched_bowl", [("GD, α = 0.09", "gd", {"lr": 0.09}),
                                               (f"RMSProp, α = {lr_rms:g}", "rmsprop", {"lr": lr_rms})], steps=100)

# ------------------------------------------------------------------ 4. Adam, simplified
text, _ = section(
    "4. Adam: momentum plus RMSProp",
    [r"m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t", r"v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2",
     r"\theta_{t+1} = \theta_t - \frac{\alpha\, m_t}{\sqrt{v_t} + \epsilon}"],
    "Adam runs both ideas at once. mₜ, the first moment, is momentum's running mean of the gradients; vₜ, the second "
    "moment, is RMSProp's running mean of their squares.",
    "β₁ and β₂ set how long each memory is. The step is the average direction divided by the typical size, per "
    "parameter. (This is the simplified form; section 5 adds the last piece.)")
with text:
    c1, c2 = st.columns(2)
    with c1:
        b1 = pick("β₁", "adam.beta1")
    with c2:
        b2 = pick("β₂", "adam.beta2")
race("lesson.adam.race", "ravine",
     [("Momentum", "momentum", {"lr": 0.01, "momentum": 0.9}), ("RMSProp", "rmsprop", {"lr": 0.05}),
      ("Adam (simplified)", "adam", {"lr": 0.05, "beta1": b1, "beta2": b2, "bias_correction": False})],
     steps=150, view="overlay")

# ------------------------------------------------------------------ 5. bias correction
text, eqs = section(
    "5. Bias correction: the warm start",
    [r"\hat m_t = \frac{m_t}{1-\beta_1^t}, \qquad \hat v_t = \frac{v_t}{1-\beta_2^t}",
     r"\theta_{t+1} = \theta_t - \frac{\alpha\, \hat m_t}{\sqrt{\hat v_t} + \epsilon}"],
    "m and v start at zero, so their first values are mostly that zero: m₁ = 0.1·g₁ and v₁ = 0.001·g₁². Dividing by "
    "1 − βᵗ undoes exactly this (m̂₁ = g₁, v̂₁ = g₁²), and the correction fades away as t grows.",
    "v is hit harder than m, since β₂ is closer to 1. Without the correction the first steps are therefore several "
    "times α (up to about 6α around t = 10 with the defaults), which can throw a run off course.")
with text:
    c1, c2 = st.columns(2)
    with c1:
        lr_bc = pick("α", "bias.lr")
    with c2:
        b2_bc = pick("β₂", "bias.beta2")
beale = surfaces.get("beale")
warm = compute.trajectory("adam", "beale", compute.hp_key({"lr": 0.001, "beta2": b2_bc}), beale.start, 30)
ex = explain.from_arrays("adam", optimizers.get("adam").resolve(lr=0.001, beta2=b2_bc), warm["path"], warm["grad"],
                         warm["state"])
q = ex.quantities
fig_col, note_col = st.columns([3, 1], vertical_alignment="center")
fig_col.plotly_chart(figures.moments_figure(ex.t, ex.grad[:, 0], q["m"][:, 0], q["m̂"][:, 0], q["v"][:, 0], q["v̂"][:, 0],
                                            height=320), key="lesson.bias.moments", config=CONFIG)
note_col.caption(f"The first 30 steps of Adam on Beale (α = 0.001, β₂ = {b2_bc:g}; the gradient barely changes), read "
                 "from the engine's recorded state: m and v creep up from 0, while m̂ and v̂ are right from step 1.")
race("lesson.bias.race", "beale",
     [("Adam", "adam", {"lr": lr_bc, "beta2": b2_bc}),
      ("Adam without correction", "adam", {"lr": lr_bc, "beta2": b2_bc, "bias_correction": False})], steps=200)
st.caption("torch.optim.Adam always corrects. 'Without correction' is the textbook simplified Adam of section 4.")

# ------------------------------------------------------------------ 6. the hyperparameters
st.header("6. The four knobs: α, β₁, β₂, ε")
text, eqs = st.columns([3, 2], gap="large")
text.markdown("torch's defaults, α = 0.001, β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸, work for most networks. Each tab changes "
              "one of them and races it against the default.")
eqs.latex(r"\theta_{t+1} = \theta_t - \alpha\, \frac{\hat m_t(\beta_1)}{\sqrt{\hat v_t(\beta_2)} + \epsilon}")
tab_a, tab_b1, tab_b2, tab_e = st.tabs(list(lesson_state.TABS.values()), key=lesson_state.TAB, on_change="rerun")
with tab_a:
    st.markdown("α is roughly the length of each step, whatever the gradient. Too small and the run barely moves; "
                "too large and it rattles around the minimum instead of settling.")
    with st.columns(2)[0]:
        lr_hp = pick("α", "hp.lr")
    race("lesson.hp.lr.race", "rosenbrock", [(f"Adam, α = {lr_hp:g}", "adam", {"lr": lr_hp}),
                                             ("Adam, α = 0.001 (default)", "adam", {"lr": 0.001})], steps=300)
with tab_b1:
    st.markdown("β₁ sets how many past gradients the first moment averages: about 1/(1 − β₁), so 10 at 0.9. "
                "With noisy gradients (σ = 3 here) a small β₁ jitters; near 1 it overshoots like a heavy ball.")
    with st.columns(2)[0]:
        b1_hp = pick("β₁", "hp.beta1")
    race("lesson.hp.beta1.race", "stretched_bowl", [(f"Adam, β₁ = {b1_hp:g}", "adam", {"lr": 0.05, "beta1": b1_hp}),
                                                    ("Adam, β₁ = 0.9 (default)", "adam", {"lr": 0.05})],
         steps=200, noise=3.0, seed=0)
with tab_b2:
    st.markdown("β₂ sets the memory of the second moment: about 1/(1 − β₂) steps, so 1000 at 0.999. A long memory "
                "still remembers the steep wall where Rosenbrock starts and keeps the steps small down in the flat "
                "valley; a short one adapts within a few steps.")
    with st.columns(2)[0]:
        b2_hp = pick("β₂", "hp.beta2")
    race("lesson.hp.beta2.race", "rosenbrock", [(f"Adam, β₂ = {b2_hp:g}", "adam", {"lr": 0.05, "beta2": b2_hp}),
                                                ("Adam, β₂ = 0.999 (default)", "adam", {"lr": 0.05})], steps=300)
with tab_e:
    st.markdown("ε keeps the division safe when √v̂ is near 0. It only matters when gradients are tiny: here the "
                "start is 0.001 off a saddle's ridge, where the y-gradient is 0.002. With ε far below that Adam "
                "still takes a full step and escapes; a large ε turns the step into a tiny one.")
    with st.columns(2)[0]:
        eps_hp = pick("ε", "hp.eps")
    race("lesson.hp.eps.race", "saddle", [(f"Adam, ε = {fmt_value(eps_hp)}", "adam", {"lr": 0.05, "eps": eps_hp}),
                                          ("Adam, ε = 1e-8 (default)", "adam", {"lr": 0.05})],
         start=(-1.5, 0.001), steps=100)

# ------------------------------------------------------------------ 7. PyTorch
st.header("7. The same Adam in PyTorch")
left, right = st.columns(2)
with left:
    st.markdown("**PyTorch**")
    st.code("""import torch

model = torch.nn.Linear(10, 1)
optimizer = torch.optim.Adam(
    model.parameters(), lr=0.001, betas=(0.9, 0.999))

for x, y in batches:
    optimizer.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()     # gₜ
    optimizer.step()    # mₜ, vₜ, m̂ₜ, v̂ₜ, the step
""", language="python")
with right:
    st.markdown("**This app's engine**")
    st.code("""import optimizers, surfaces

traj = optimizers.simulate(
    "adam", surfaces.get("rosenbrock"),
    start=(-1.5, 2.0), steps=500,
    lr=0.001, betas=(0.9, 0.999))

traj.path                 # θ₀ … θ₅₀₀: (501, 2)
traj.state["exp_avg"]     # mₜ (torch's name)
traj.state["exp_avg_sq"]  # vₜ
""", language="python")
st.markdown("Our trajectories equal PyTorch's step for step: `tests/test_torch_fidelity.py` checks 165 cases, every "
            "optimizer and option, to 1e-9 (Lion and Schedule-Free AdamW against their own packages). "
            "The state keeps torch's names, so the Inspector shows what "
            "`optimizer.state` would hold.")

# ------------------------------------------------------------------ 8. the alternatives
st.header("8. The alternatives")
st.markdown("Each of these changes one thing about the methods above. Open one in the Playground to race it "
            "beside Adam on Rosenbrock.")
for key in presets.ALTERNATIVES:
    opt = optimizers.get(key)
    settings = Settings(surface="rosenbrock", optimizers=("adam", key), start=surfaces.get("rosenbrock").start,
                        hps={"adam": {"lr": 0.05}, key: {"lr": presets.ALTERNATIVE_LR[key]}})
    c1, c2, c3 = st.columns([2, 7, 2], vertical_alignment="center")
    c1.markdown(f"**{opt.label}**")
    c2.markdown(opt.summary + ("" if opt.torch.startswith("torch.optim") else f" *Not in torch.optim: `{opt.torch}`.*"))
    c3.link_button("Race beside Adam ↗", url=links.playground_url(settings), width="stretch")

lesson_state.save(lesson_state.current())
