"""What happened inside an optimizer at each step, derived from the engine's recorded state. Pure NumPy.

    traj = optimizers.simulate("adam", surface, start, 100)       # record="full", every=1
    ex = explain.explain(traj)
    ex.update[t - 1]           # θₜ₊₁ − θₜ: read off the path
    ex.step[t - 1]             # the same step rebuilt from the explained quantities (−lr_eff ⊙ direction + decay)
    ex.quantities["m̂"]         # (S, D): m̂ₜ = mₜ / (1 − β₁ᵗ) for t = 1..S
    ex.lr_eff                  # (S, D): the per-parameter learning rate, α / (√v̂ₜ + ε) for Adam
    explain.narrate(ex, t - 1) # the update of step t, sub-step by sub-step, with the numbers (and what each one draws)
    explain.aligned(sub.latex) # a sub-step's equation one "=" a line; explain.result(sub.latex): just what it computed

Nothing here runs an optimizer: every number comes from the Trajectory (path, grad, state) and the
resolved hyperparameters, following the rules in optimizers/*.py (and torch's, which they equal).
Row k of every (S, D) array belongs to step t = k + 1, the update from path[k] to path[k + 1].
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .adam import radam_rectifier
from .base import Optimizer


@dataclass
class Explanation:
    optimizer: str
    hyperparameters: dict  # every hyperparameter, the variant's fixed flags included
    t: np.ndarray  # (S,) step numbers 1..S
    theta: np.ndarray  # (S, D) θₜ: where step t starts
    grad: np.ndarray  # (S, D) gₜ as the optimizer used it (after noise, with L2 decay λθ added)
    update: np.ndarray  # (S, D) θₜ₊₁ − θₜ from the path
    step: np.ndarray  # (S, D) the step rebuilt from the quantities below
    lr_eff: np.ndarray  # (S, D) per-parameter effective learning rate
    direction: np.ndarray  # (S, D) what lr_eff multiplies: gₜ, m̂ₜ, the momentum buffer, …
    direction_name: str  # its symbol: "g", "m̂", "b", …
    quantities: dict[str, np.ndarray] = field(default_factory=dict)  # symbol -> (S, D), in display order
    first: str | None = None  # the symbol in `quantities` of the first moment / velocity (an arrow in the inspector)
    root: str | None = None  # the symbol in `quantities` of the per-axis scale the step is divided by (√v̂, √G, …)
    decay: np.ndarray | None = None  # (S, D) decoupled weight-decay step (AdamW), else None
    notes: tuple[str, ...] = ()  # what the family's derivation assumed

    @property
    def steps(self) -> int:
        return len(self.t)

    def row(self, k: int) -> dict[str, np.ndarray]:
        """Every per-step vector at row k (step t = k + 1), for a table."""
        out = {"θₜ": self.theta[k], "g": self.grad[k], **{n: q[k] for n, q in self.quantities.items()},
               "lr_eff": self.lr_eff[k], "update": self.update[k]}
        return out


def _get(name: str) -> Optimizer:
    from . import get  # the package registry; imported late so this module can load first

    return get(name)


def explain(traj, hyperparameters: dict | None = None) -> Explanation:
    """The Explanation of a single, fully recorded run (record="full", every=1)."""
    if np.ndim(traj.path) != 2:
        raise ValueError("explain() takes a single run, not a batch: index the batch first")
    if traj.grad is None:
        raise ValueError('explain() needs a run recorded with record="full"')
    if traj.index is not None and not np.array_equal(traj.index, np.arange(len(traj.path))):
        raise ValueError("explain() needs every step recorded (every=1)")
    return from_arrays(traj.optimizer, hyperparameters or traj.hyperparameters, traj.path, traj.grad, traj.state)


def from_arrays(optimizer: str, hyperparameters: dict, path, grad, state: dict) -> Explanation:
    """The same from plain arrays (what a cached page keeps): path (S+1, D), grad (S, D), state name -> (S+1, D)."""
    opt = _get(optimizer)
    hp = {**opt.fixed, **opt.resolve(**{k: v for k, v in hyperparameters.items() if k in opt.names()})}
    path = np.asarray(path, dtype=np.float64)
    raw = np.asarray(grad, dtype=np.float64)
    s = len(raw)
    base = dict(optimizer=opt.key, hyperparameters=hp, t=np.arange(1, s + 1), theta=path[:-1], update=np.diff(path, axis=0))
    with np.errstate(all="ignore"):
        ex = _FAMILY[opt.key](hp, base, raw, {k: np.asarray(v, dtype=np.float64) for k, v in state.items()})
    gone = ~np.isfinite(ex.update)  # once a run has diverged, inf − inf is NaN: the rebuilt step says the same
    ex.step[gone] = ex.update[gone]
    return ex


def _tcol(base) -> np.ndarray:
    return base["t"][:, None].astype(np.float64)


def _l2(raw, theta, hp):
    lam = hp.get("weight_decay", 0.0)
    return raw + lam * theta if lam else raw


def _sgd(hp, base, raw, state):
    g = _l2(raw, base["theta"], hp)
    lr = np.full_like(g, hp["lr"])
    if "momentum_buffer" not in state:  # gd, or momentum 0: torch keeps no buffer
        return Explanation(**base, grad=g, step=-lr * g, lr_eff=lr, direction=g, direction_name="g",
                           notes=("θₜ₊₁ = θₜ − α gₜ",))
    b = state["momentum_buffer"][1:]
    mu = hp["momentum"]
    direction, name = (g + mu * b, "g + γb") if hp.get("nesterov") else (b, "b")
    q = {"b": b, "v": hp["lr"] * b}  # torch's buffer, and the article's velocity vₜ = α·bₜ
    return Explanation(**base, grad=g, step=-lr * direction, lr_eff=lr, direction=direction, direction_name=name,
                       quantities=q, first="b",
                       notes=("torch's buffer b = v/α: vₜ = γvₜ₋₁ + αgₜ is α·bₜ",))


def _adagrad(hp, base, raw, state):
    g = _l2(raw, base["theta"], hp)
    big_g = state["sum"][1:]
    clr = hp["lr"] / (1.0 + (_tcol(base) - 1.0) * hp["lr_decay"])
    root = np.sqrt(big_g)
    lr_eff = clr / (root + hp["eps"])
    return Explanation(**base, grad=g, step=-lr_eff * g, lr_eff=lr_eff, direction=g, direction_name="g",
                       quantities={"G": big_g, "√G": root}, root="√G")


def _rmsprop(hp, base, raw, state):
    g = _l2(raw, base["theta"], hp)
    v = state["square_avg"][1:]
    q = {"E[g²]": v}
    if hp["centered"]:
        gbar = state["grad_avg"][1:]
        q["E[g]"] = gbar
        root = np.sqrt(v - gbar * gbar)
        q["√(E[g²] − E[g]²)"] = root
        root_name = "√(E[g²] − E[g]²)"
    else:
        root = np.sqrt(v)
        q["√E[g²]"] = root
        root_name = "√E[g²]"
    den = root + hp["eps"]
    lr_eff = hp["lr"] / den
    if "momentum_buffer" in state:
        b = state["momentum_buffer"][1:]
        q["b"] = b
        return Explanation(**base, grad=g, step=-hp["lr"] * b, lr_eff=lr_eff, direction=g, direction_name="g",
                           quantities=q, root=root_name,
                           notes=("with momentum μ: bₜ = μbₜ₋₁ + gₜ/(√E[g²]ₜ + ε), θₜ₊₁ = θₜ − α bₜ",))
    return Explanation(**base, grad=g, step=-lr_eff * g, lr_eff=lr_eff, direction=g, direction_name="g",
                       quantities=q, root=root_name)


def _adadelta(hp, base, raw, state):
    g = _l2(raw, base["theta"], hp)
    v = state["square_avg"][1:]
    u_prev = state["acc_delta"][:-1]
    ratio = np.sqrt(u_prev + hp["eps"]) / np.sqrt(v + hp["eps"])
    lr_eff = hp["lr"] * ratio
    q = {"E[g²]": v, "E[Δθ²]ₜ₋₁": u_prev, "√E[g²]": np.sqrt(v)}
    return Explanation(**base, grad=g, step=-hp["lr"] * (ratio * g), lr_eff=lr_eff, direction=g, direction_name="g",
                       quantities=q, root="√E[g²]")


def _moments_decay(hp, base, raw):
    """(gradient used, decoupled decay step or None) for the Adam family."""
    if hp.get("decoupled_weight_decay"):
        lam = hp["weight_decay"]
        return raw, (-hp["lr"] * lam * base["theta"] if lam else None)
    return _l2(raw, base["theta"], hp), None


def _plus(step, decay):
    return step if decay is None else step + decay


def _adam(hp, base, raw, state):
    g, decay = _moments_decay(hp, base, raw)
    t = _tcol(base)
    m, v = state["exp_avg"][1:], state["exp_avg_sq"][1:]
    corrected = hp["bias_correction"]
    bc1 = 1.0 - hp["beta1"] ** t if corrected else np.ones_like(t)
    bc2 = 1.0 - hp["beta2"] ** t if corrected else np.ones_like(t)
    q = {"m": m, "v": v}
    if hp["amsgrad"]:
        vmax = state["max_exp_avg_sq"][1:]
        q["v_max"] = vmax
        v_used = vmax
    else:
        v_used = v
    m_hat, v_hat = m / bc1, v_used / bc2
    q["m̂"], q["v̂"] = m_hat, v_hat
    q["√v̂"] = np.sqrt(v_hat)
    lr_eff = hp["lr"] / (q["√v̂"] + hp["eps"])
    notes = ("m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)" if corrected else "no bias correction: m̂ = m, v̂ = v",)
    if hp["amsgrad"]:
        notes += ("AMSGrad: v̂ = max(v_max)/(1 − β₂ᵗ), the running maximum of the raw v, corrected afterwards",)
    return Explanation(**base, grad=g, step=_plus(-lr_eff * m_hat, decay), lr_eff=lr_eff, direction=m_hat,
                       direction_name="m̂", quantities=q, first="m̂", root="√v̂", decay=decay, notes=notes)


def _nadam(hp, base, raw, state):
    g, decay = _moments_decay(hp, base, raw)
    t = _tcol(base)
    b1, b2, psi = hp["beta1"], hp["beta2"], hp["momentum_decay"]
    mu = b1 * (1.0 - 0.5 * 0.96 ** (t * psi))
    mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1.0) * psi))
    prod = np.cumprod(mu, axis=0)
    m, v = state["exp_avg"][1:], state["exp_avg_sq"][1:]
    v_hat = v / (1.0 - b2**t)
    look = (1.0 - mu) / (1.0 - prod) * g + mu_next / (1.0 - prod * mu_next) * m
    root = np.sqrt(v_hat)
    lr_eff = hp["lr"] / (root + hp["eps"])
    q = {"m": m, "v": v, "m̂": look, "v̂": v_hat, "√v̂": root}
    return Explanation(**base, grad=g, step=_plus(-lr_eff * look, decay), lr_eff=lr_eff, direction=look,
                       direction_name="m̂", quantities=q, first="m̂", root="√v̂", decay=decay,
                       notes=("NAdam's m̂ is the look-ahead (1 − μₜ)gₜ/(1 − Πμ) + μₜ₊₁mₜ/(1 − Πμ·μₜ₊₁)",))


def _adamax(hp, base, raw, state):
    g = _l2(raw, base["theta"], hp)
    t = _tcol(base)
    m, u = state["exp_avg"][1:], state["exp_inf"][1:]
    m_hat = m / (1.0 - hp["beta1"] ** t)
    lr_eff = hp["lr"] / u
    q = {"m": m, "u": u, "m̂": m_hat}
    return Explanation(**base, grad=g, step=-lr_eff * m_hat, lr_eff=lr_eff, direction=m_hat, direction_name="m̂",
                       quantities=q, first="m̂", root="u", notes=("u = max(β₂u, |g| + ε) replaces √v̂",))


def _radam(hp, base, raw, state):
    g, decay = _moments_decay(hp, base, raw)
    t = _tcol(base)
    b1, b2 = hp["beta1"], hp["beta2"]
    m, v = state["exp_avg"][1:], state["exp_avg_sq"][1:]
    bc2 = 1.0 - b2**t
    m_hat, v_hat = m / (1.0 - b1**t), v / bc2
    rho, r = radam_rectifier(t, np.asarray(b2, dtype=np.float64))  # the engine's own, for a column of steps
    adaptive = rho > 5.0
    rect = np.where(adaptive, r, 1.0)
    lr_eff = np.where(adaptive, hp["lr"] * rect * np.sqrt(bc2) / (np.sqrt(v) + hp["eps"]), hp["lr"])
    lr_eff = np.broadcast_to(lr_eff, g.shape).copy()
    q = {"m": m, "v": v, "m̂": m_hat, "v̂": v_hat, "√v̂": np.sqrt(v_hat),
         "r": np.broadcast_to(np.where(adaptive, r, np.nan), g.shape).copy()}
    return Explanation(**base, grad=g, step=_plus(-lr_eff * m_hat, decay), lr_eff=lr_eff, direction=m_hat,
                       direction_name="m̂", quantities=q, first="m̂", root="√v̂", decay=decay,
                       notes=("while ρₜ ≤ 5 the step is plain momentum α·m̂ (r undefined)",))


def _rprop(hp, base, raw, state):
    size = state["step_size"][1:]
    used = state["prev"][1:]  # g with the flipped coordinates zeroed: what the step used
    direction = np.sign(used)
    flips = np.sign(raw * state["prev"][:-1]) < 0
    return Explanation(**base, grad=raw, step=-direction * size, lr_eff=size / np.abs(raw), direction=direction,
                       direction_name="sign(g)", quantities={"Δ": size, "sign(g)": direction,
                                                             "flip": flips.astype(np.float64)},
                       notes=("a coordinate whose gradient flipped sign takes no step this time",))


def _lion(hp, base, raw, state):
    m_prev = state["exp_avg"][:-1]
    c = m_prev * hp["beta1"] + raw * (1.0 - hp["beta1"])
    u = np.sign(c)
    lam = hp["weight_decay"]
    decay = -hp["lr"] * lam * base["theta"] if lam else None
    lr = np.full_like(raw, hp["lr"])
    return Explanation(**base, grad=raw, step=_plus(-lr * u, decay), lr_eff=lr, direction=u, direction_name="sign(c)",
                       quantities={"c": c, "sign(c)": u, "m": state["exp_avg"][1:]}, first="c", decay=decay)


def _asgd(hp, base, raw, state):
    g = _l2(raw, base["theta"], hp)
    t = _tcol(base)
    eta = np.where(t == 1.0, hp["lr"], hp["lr"] / (1.0 + hp["lambd"] * hp["lr"] * (t - 1.0)) ** hp["alpha"])
    eta = np.broadcast_to(eta, g.shape).copy()
    direction = g + hp["lambd"] * base["theta"]
    return Explanation(**base, grad=g, step=-eta * direction, lr_eff=eta, direction=direction, direction_name="g + λθ",
                       quantities={"η": eta, "θ̄": state["ax"][1:]},
                       notes=("ηₜ = α / (1 + λα(t − 1))^a; θ̄ is the running average of the iterates",))


def _adafactor(hp, base, raw, state):
    g = raw
    theta, t = base["theta"], _tcol(base)
    v = state["variance"][1:]
    root = np.sqrt(np.maximum(v, hp["eps1"] ** 2))
    u = g / root
    n = theta.shape[-1]
    rms = lambda a: np.sqrt((a * a).sum(axis=-1, keepdims=True)) / np.sqrt(n)  # noqa: E731
    a_t = np.maximum(hp["eps2"], rms(theta)) * np.minimum(hp["lr"], 1.0 / np.sqrt(t))
    scale = a_t / np.maximum(1.0, rms(u) / hp["d"])
    lam = hp["weight_decay"]
    decay = -hp["lr"] * lam * theta if lam else None
    lr_eff = scale / root
    return Explanation(**base, grad=g, step=_plus(-lr_eff * g, decay), lr_eff=lr_eff, direction=g, direction_name="g",
                       quantities={"v": v, "√v": root, "aₜ": np.broadcast_to(a_t, g.shape).copy()}, root="√v",
                       decay=decay, notes=("aₜ = max(ε₂, RMS θ)·min(α, 1/√t); the update's RMS is clipped to d",))


def _schedule_free(hp, base, raw, state):
    y, t = base["theta"], _tcol(base)
    z_prev, z = state["z"][:-1], state["z"][1:]
    v = state["exp_avg_sq"][1:]
    k = t - 1.0
    sched = np.where(k < hp["warmup_steps"], (k + 1.0) / max(hp["warmup_steps"], 1), 1.0)
    lr_t = hp["lr"] * sched
    lr_max = np.maximum.accumulate(lr_t, axis=0)
    weight = (k + 1.0) ** hp["r"] * lr_max ** hp["weight_lr_power"]
    wsum = np.cumsum(weight, axis=0)
    c = np.where(wsum == 0, 0.0, weight / np.where(wsum == 0, 1.0, wsum))
    den = np.sqrt(v / (1.0 - hp["beta2"] ** t)) + hp["eps"]
    gn = raw / den + hp["weight_decay"] * y
    step = c * (z_prev - y) + lr_t * (hp["beta1"] * (1.0 - c) - 1.0) * gn
    lr_eff = np.broadcast_to(lr_t / den, raw.shape).copy()
    return Explanation(**base, grad=raw, step=step, lr_eff=lr_eff, direction=raw, direction_name="g",
                       quantities={"z": z, "x": state["x"][1:], "√v̂": den - hp["eps"]}, root="√v̂",
                       notes=("y (the path) = where gradients are taken; x = the average to evaluate",))


def _lbfgs(hp, base, raw, state):
    # one step is up to max_iter inner moves along changing directions: the step is the path's, not rebuilt
    update = base["update"]
    with np.errstate(divide="ignore", invalid="ignore"):
        lr_eff = np.where(raw != 0, -update / raw, 0.0)  # how far the step went per unit of −g, per coordinate
    return Explanation(**base, grad=raw, step=update.copy(), lr_eff=lr_eff, direction=raw, direction_name="g",
                       quantities={"d": state["d"][1:], "−Δθ/g": lr_eff},
                       notes=("one step = up to max_iter moves θ ← θ + t·d; d is the last direction of the step, "
                              "and α_eff = −Δθ/g says how far the step went compared with plain gradient descent",))


_FAMILY = {
    "lbfgs": _lbfgs,
    "gd": _sgd, "momentum": _sgd, "nag": _sgd,
    "adagrad": _adagrad, "rmsprop": _rmsprop, "adadelta": _adadelta,
    "adam": _adam, "amsgrad": _adam, "adamw": _adam, "nadam": _nadam, "adamax": _adamax, "radam": _radam,
    "rprop": _rprop, "lion": _lion, "asgd": _asgd, "adafactor": _adafactor, "schedule_free_adamw": _schedule_free,
}


# ---------------------------------------------------------------- narration


@dataclass(frozen=True)
class Substep:
    text: str  # one sentence, markdown
    latex: str  # the equation with this step's numbers in it
    shows: str = ""  # what the inspector's figure adds at this sub-step: one of SHOWS, "" for nothing new


# What a sub-step adds to the inspector's picture: the −g arrow, the first moment's arrow before its bias correction
# (−m), the first moment / velocity arrow as the step uses it (−Explanation.first), the per-axis scale box
# (Explanation.root), the step Δθ itself.
SHOWS = ("grad", "m", "first", "root", "step")


def vec(a, digits: int = 4) -> str:
    """A vector as LaTeX (x, y) with `digits` significant digits."""
    return r"\left(" + ",\\ ".join(num(x, digits) for x in np.atleast_1d(a)) + r"\right)"


def num(x, digits: int = 4) -> str:
    x = float(x)
    if not np.isfinite(x):
        return r"\text{" + str(x) + "}"
    if x == 0:
        return "0"
    text = f"{x:.{digits}g}"
    if "e" in text:
        mant, exp = text.split("e")
        return rf"{mant} \times 10^{{{int(exp)}}}"
    return text


def _split_top(latex: str, sep: str) -> list[str]:
    """`latex` split at every `sep` outside braces."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(latex):
        c = latex[i]
        if c == "\\":
            i += 2
            continue
        depth += (c == "{") - (c == "}")
        if depth == 0 and latex.startswith(sep, i):
            parts.append(latex[start:i])
            i = start = i + len(sep)
            continue
        i += 1
    return [*parts, latex[start:]]


def _equations(latex: str) -> list[list[str]]:
    """A sub-step's equation as its equations (they are separated by ",\\quad"), each as its sides."""
    return [[side.strip() for side in _split_top(eq, " = ")] for eq in _split_top(latex, r",\quad")]


def aligned(latex: str) -> str:
    """A sub-step's equation over several lines, one per "=", the "=" aligned: for a narrow column."""
    rows = []
    for lhs, *rhs in _equations(latex):
        rows += [f"{lhs} &= {rhs[0]}" if rhs else lhs] + [f"&= {side}" for side in rhs[1:]]
    return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"


def result(latex: str) -> str:
    """A sub-step's equation shortened to what it computed: the left side = the final value, for each equation."""
    return r",\ ".join(f"{lhs} = {rhs[-1]}" if rhs else lhs for lhs, *rhs in _equations(latex))


def narrate(ex: Explanation, k: int) -> list[Substep]:
    """The sub-steps of update t = k + 1, in the article's notation, with the recorded numbers."""
    if not 0 <= k < ex.steps:
        raise ValueError(f"step index {k} outside 0..{ex.steps - 1}")
    hp, t = ex.hyperparameters, int(ex.t[k])
    q = {n: a[k] for n, a in ex.quantities.items()}
    prev = {n: (a[k - 1] if k else np.zeros_like(a[k])) for n, a in ex.quantities.items()}
    coupled = bool(hp.get("weight_decay")) and not hp.get("decoupled_weight_decay")
    out = [Substep("**Take the gradient** at the current point: it points uphill, so the step goes against it."
                   + (" L2 weight decay adds λθ to it." if coupled else ""),
                   rf"g_{{{t}}} = \nabla f(\theta_{{{t}}})" + (r" + \lambda\theta" + f"_{{{t}}}" if coupled else "")
                   + f" = {vec(ex.grad[k])}", "grad")]
    key = ex.optimizer
    a = num(hp["lr"])
    if key == "gd" or (key in ("momentum", "nag") and ex.first is None):
        out.append(Substep("**Step** against the gradient, the same α for every coordinate.",
                           rf"\theta_{{{t + 1}}} = \theta_{{{t}}} - {a}\, g_{{{t}}} = {vec(ex.theta[k] + ex.update[k])}", "step"))
        return out
    if key in ("momentum", "nag"):
        g_ = num(hp["momentum"])
        first = t == 1
        damp = hp.get("dampening", 0.0)
        share = rf"(1 - {num(damp)})\, " if damp else ""
        out.append(Substep(
            "**Update the velocity**: keep a fraction γ of the previous one and add the new gradient"
            + (" (the first buffer is the gradient itself)." if first else "."),
            rf"b_{{{t}}} = {g_}\, b_{{{t - 1}}} + {share}g_{{{t}}} = {vec(q['b'])}" if not first
            else rf"b_{{1}} = g_1 = {vec(q['b'])}", "first"))
        if key == "nag":
            out.append(Substep("**Look ahead**: Nesterov steps along the gradient plus γ times the new velocity.",
                               rf"d = g_{{{t}}} + {g_}\, b_{{{t}}} = {vec(ex.direction[k])}"))
        out.append(Substep("**Step** along the velocity, scaled by α (the article's vₜ = α·bₜ).",
                           rf"\Delta\theta = -{a}\, {'d' if key == 'nag' else 'b_{' + str(t) + '}'} = {vec(ex.step[k])},"
                           rf"\quad \theta_{{{t + 1}}} = {vec(ex.theta[k] + ex.update[k])}", "step"))
        return out
    if key == "adagrad":
        out.append(Substep("**Add the squared gradient** to the running sum G, one number per coordinate.",
                           rf"G_{{{t}}} = G_{{{t - 1}}} + g_{{{t}}}^2 = {vec(q['G'])}"))
        out.append(Substep("**Divide α by √G**: coordinates that have seen large gradients get small steps, for good.",
                           rf"\frac{{\alpha_t}}{{\sqrt{{G_{{{t}}}}} + \epsilon}} = {vec(ex.lr_eff[k])}", "root"))
    elif key == "rmsprop":
        r = num(hp["alpha"])
        out.append(Substep("**Update the running mean of squared gradients**, one per coordinate.",
                           rf"E[g^2]_{{{t}}} = {r}\, E[g^2]_{{{t - 1}}} + (1 - {r})\, g_{{{t}}}^2 = {vec(q['E[g²]'])}"))
        if "E[g]" in q:  # centered: divide by the root of the variance estimate instead
            out.append(Substep("**Update the running mean of the gradient** too (centered): E[g]² is the part of E[g²] "
                               "that is the mean, not the spread.",
                               rf"E[g]_{{{t}}} = {r}\, E[g]_{{{t - 1}}} + (1 - {r})\, g_{{{t}}} = {vec(q['E[g]'])}"))
            root, root_now = r"\sqrt{E[g^2] - E[g]^2}", rf"\sqrt{{E[g^2]_{{{t}}} - E[g]_{{{t}}}^2}}"
            text = "**Divide α by the root of the variance** E[g²] − E[g]²: a coordinate whose gradient jumps about gets a brake."
        else:
            root, root_now = r"\sqrt{E[g^2]}", rf"\sqrt{{E[g^2]_{{{t}}}}}"
            text = "**Divide α by its root**: a steep coordinate gets a brake, a flat one a push."
        out.append(Substep(text, rf"\frac{{\alpha}}{{{root_now} + \epsilon}} = {vec(ex.lr_eff[k])}", "root"))
        if "b" in q:
            out.append(Substep("**Momentum** on the scaled gradient.",
                               rf"b_{{{t}}} = {num(hp['momentum'])}\, b_{{{t - 1}}} + g_{{{t}}}/({root} + \epsilon)"
                               rf" = {vec(q['b'])}"))
    elif key == "adadelta":
        r = num(hp["rho"])
        out.append(Substep("**Update the running mean of squared gradients.**",
                           rf"E[g^2]_{{{t}}} = {r}\, E[g^2]_{{{t - 1}}} + (1 - {r})\, g_{{{t}}}^2 = {vec(q['E[g²]'])}"))
        out.append(Substep("**Scale by the RMS of past steps over the RMS of gradients**: the units of θ, no α needed.",
                           rf"\frac{{\sqrt{{E[\Delta\theta^2]_{{{t - 1}}} + \epsilon}}}}{{\sqrt{{E[g^2]_{{{t}}} + \epsilon}}}}"
                           rf" = {vec(ex.lr_eff[k])}", "root"))
    elif key == "rprop":
        out.append(Substep("**Compare signs** with the last gradient: the same sign grows the step size by η₊, a flip "
                           "cuts it by η₋ (and skips this step).",
                           rf"\Delta_{{{t}}} = {vec(q['Δ'])}", "root"))
    elif key == "lion":
        b1 = num(hp["beta1"])
        out.append(Substep(f"**Blend** the momentum and the gradient with β₁ = {b1}, and keep only the sign.",
                           rf"c_{{{t}}} = {b1}\, m_{{{t - 1}}} + (1 - {b1})\, g_{{{t}}} = {vec(q['c'])},\quad "
                           rf"\operatorname{{sign}}(c) = {vec(q['sign(c)'])}", "first"))
        out.append(Substep(f"**Update the momentum** with the slower β₂ = {num(hp['beta2'])} (after the step).",
                           rf"m_{{{t}}} = {vec(q['m'])}"))
    elif key == "asgd":
        out.append(Substep("**The decaying step size** ηₜ = α/(1 + λα(t − 1))^a.", rf"\eta_{{{t}}} = {vec(q['η'])}"))
        out.append(Substep("**Average the iterates** (from step t₀ on): θ̄ is the running mean the method returns.",
                           rf"\bar\theta_{{{t + 1}}} = {vec(q['θ̄'])}"))
    elif key == "adafactor":
        out.append(Substep("**Update the second moment** with a decay that grows with t.",
                           rf"v_{{{t}}} = {vec(q['v'])}", "root"))
        out.append(Substep("**Scale relative to the parameters**: aₜ = max(ε₂, RMS θ)·min(α, 1/√t), then clip the "
                           "update's RMS to d.", rf"a_{{{t}}} = {num(q['aₜ'][0])}"))
    elif key == "lbfgs":
        out.append(Substep("**Search** (one `step(closure)`): build a direction d = −Hg from the last m pairs of "
                           "position and gradient changes, move along it by α (or where a line search finds enough "
                           "decrease), and repeat, up to max_iter times. The last direction:",
                           rf"d = {vec(q['d'])}"))
        out.append(Substep("**Step**: where the inner moves ended. Compared with gradient descent, each coordinate "
                           "went this many units of −g:",
                           rf"-\Delta\theta / g = {vec(ex.lr_eff[k])},\quad "
                           rf"\theta_{{{t + 1}}} = {vec(ex.theta[k] + ex.update[k])}", "step"))
        return out
    elif key == "schedule_free_adamw":
        out.append(Substep("**Normalise the gradient** by the root of its running mean of squares (as Adam).",
                           rf"\sqrt{{\hat v_{{{t}}}}} = {vec(q['√v̂'])}", "root"))
        out.append(Substep("**Step z** by γ times that, and **average**: x is the weighted mean of the z's, and the "
                           "next gradient is taken between them.",
                           rf"z_{{{t + 1}}} = {vec(q['z'])},\quad x_{{{t + 1}}} = {vec(q['x'])}"))
    else:  # the Adam family
        b1, b2 = num(hp["beta1"]), num(hp["beta2"])
        out.append(Substep(f"**Decay the first moment by β₁ = {b1}** and mix in the new gradient: a running mean (momentum).",
                           rf"m_{{{t}}} = {b1}\, m_{{{t - 1}}} + (1 - {b1})\, g_{{{t}}}"
                           rf" = {b1}\,{vec(prev['m'])} + {num(1 - hp['beta1'])}\,"
                           rf"{vec(ex.grad[k])} = {vec(q['m'])}", "m"))
        if key == "adamax":
            out.append(Substep(f"**Decay the largest recent |g| by β₂ = {b2}**, unless the new |g| is larger.",
                               rf"u_{{{t}}} = \max({b2}\, u_{{{t - 1}}},\ |g_{{{t}}}| + \epsilon) = {vec(q['u'])}"))
        else:
            out.append(Substep(f"**Decay the second moment by β₂ = {b2}** and mix in the squared gradient (RMSProp).",
                               rf"v_{{{t}}} = {b2}\, v_{{{t - 1}}} + (1 - {b2})\, g_{{{t}}}^2 = {vec(q['v'])}"))
        if key == "amsgrad" or (key in ("adam", "adamw") and hp.get("amsgrad")):
            out.append(Substep("**Keep the maximum** of every v so far (AMSGrad): the denominator never shrinks back.",
                               rf"v^{{\max}}_{{{t}}} = \max(v^{{\max}}_{{{t - 1}}},\ v_{{{t}}}) = {vec(q['v_max'])}"))
        if key == "nadam":
            out.append(Substep("**Look ahead** (Nesterov): mix the current gradient and the next momentum, bias-corrected "
                               "by the μ schedule.", rf"\hat m_{{{t}}} = {vec(q['m̂'])}", "first"))
            out.append(Substep("**Correct v for its zero start.**",
                               rf"\hat v_{{{t}}} = \frac{{v_{{{t}}}}}{{1 - {b2}^{{{t}}}}} = {vec(q['v̂'])}"))
        elif key == "adamax":
            out.append(Substep("**Correct m for its zero start**: early means are pulled towards 0.",
                               rf"\hat m_{{{t}}} = \frac{{m_{{{t}}}}}{{1 - {b1}^{{{t}}}}} = {vec(q['m̂'])}", "first"))
        elif hp.get("bias_correction", True):
            vname = "v^{\\max}" if "v_max" in q else "v"
            out.append(Substep("**Correct both for their zero start**: divide by 1 − βᵗ, which is small early on.",
                               rf"\hat m_{{{t}}} = \frac{{m_{{{t}}}}}{{1 - {b1}^{{{t}}}}} = {vec(q['m̂'])},\quad "
                               rf"\hat v_{{{t}}} = \frac{{{vname}_{{{t}}}}}{{1 - {b2}^{{{t}}}}} = {vec(q['v̂'])}", "first"))
        else:
            out.append(Substep("**No bias correction** (simplified Adam): m̂ = m and v̂ = v.",
                               rf"\hat m_{{{t}}} = {vec(q['m̂'])},\quad \hat v_{{{t}}} = {vec(q['v̂'])}", "first"))
        if key == "radam" and np.isfinite(q["r"]).all():
            out.append(Substep("**Rectify**: v̂ has enough history (ρₜ > 5), so the adaptive step is scaled by r.",
                               rf"r_{{{t}}} = {num(q['r'][0])},\quad \alpha_{{\text{{eff}}}} = "
                               rf"\frac{{\alpha\, r_{{{t}}} \sqrt{{1 - {b2}^{{{t}}}}}}}{{\sqrt{{v_{{{t}}}}} + \epsilon}}"
                               rf" = {vec(ex.lr_eff[k])}", "root"))
        elif key == "radam":
            out.append(Substep("**Too early to trust v̂** (ρₜ ≤ 5): take a plain momentum step, α for every coordinate.",
                               rf"\alpha_{{\text{{eff}}}} = \alpha = {a}"))
        else:
            denom = "u" if key == "adamax" else r"\sqrt{\hat v} + \epsilon"
            out.append(Substep("**The per-coordinate learning rate**: α divided by the size of recent gradients.",
                               rf"\frac{{\alpha}}{{{denom}}} = {vec(ex.lr_eff[k])}", "root"))
    # the step itself
    d = ex.direction_name
    dlatex = {"m̂": r"\hat m", "g": "g", "b": "b"}.get(d, d)
    if ex.decay is not None:
        out.append(Substep("**Decay the weights** (AdamW): shrink θ by αλ, outside the adaptive scaling.",
                           rf"-\alpha\lambda\,\theta_{{{t}}} = {vec(ex.decay[k])}"))
    if key == "rmsprop" and "b" in q:
        out.append(Substep("**Step** along the momentum buffer, scaled by α.",
                           rf"\Delta\theta = -{a}\, b_{{{t}}} = {vec(ex.step[k])},"
                           rf"\quad \theta_{{{t + 1}}} = {vec(ex.theta[k] + ex.update[k])}", "step"))
        return out
    out.append(Substep(f"**Step**: each coordinate moves by its own learning rate times {d}.",
                       rf"\Delta\theta = -\alpha_{{\text{{eff}}}} \odot {dlatex} = {vec(ex.step[k])},\quad "
                       rf"\theta_{{{t + 1}}} = {vec(ex.theta[k] + ex.update[k])}", "step"))
    return out
