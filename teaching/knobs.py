"""Adam's knobs: the computations behind pages/adams_knobs.py. Pure NumPy, no Streamlit.

Eight demos, each a run (or a batch of runs) of the engine, optimizers.simulate, and the numbers its claim rests on:

    sign_descent(β₁, β₂)      β₁ = β₂ = 0 and a tiny ε: every step is α·sign(g), the path that of sign descent
                              (Balles & Hennig 2018)
    eps_dial(ε)               ε ≫ √v̂: Adam is momentum SGD with learning rate α/ε
    scale_invariance(c)       the loss × c: Adam's path is unchanged up to ε, gradient descent's is not
    lagging_v(β₂)             a plateau, then a steep slope: a slow β₂ gives steps of several α (Shazeer & Stern 2018)
    weight_decay(λ)           Adam + L2 divides the decay by √v̂; AdamW decays every coordinate by αλ (Loshchilov & Hutter)
    gd_edge(δ), adam_edge(β₁) the stability limits 2/λ_max and, for Adam, (2 + 2β₁)/(1 − β₁)/α (Cohen et al. 2022)
    warmup(β₂, τ)             early v̂ is unreliable; RAdam's ρₜ > 5 rule and a linear warm-up (Liu et al. 2020)
    spot_the_bug()            correct Adam beside three common wrong ones

tests/test_knobs.py asserts every claim against these numbers. The small demo surfaces follow surfaces.base.Surface.
"""

from __future__ import annotations

import math

import numpy as np

import optimizers
import surfaces
from surfaces.base import Surface

# ------------------------------------------------------------------ helpers


def _surface(key: str, label: str, latex: str, fn, grad_fn, bounds, start, minima=(), min_value=None,
             log_contour: bool = False) -> Surface:
    return Surface(key=f"knobs_{key}", label=label, latex=latex, description=label, fn=fn, grad_fn=grad_fn,
                   bounds=bounds, start=start, minima=minima, min_value=min_value, log_contour=log_contour)


def scaled(surface: Surface, factor: float) -> Surface:
    """The same surface with its loss multiplied by `factor` (so is every gradient)."""
    c = float(factor)
    return _surface(f"{surface.key}_x{c:g}", f"{surface.label} × {c:g}", rf"{c:g}\cdot\left({surface.latex}\right)",
                    lambda x, y: c * surface.fn(x, y), lambda x, y: tuple(c * g for g in surface.grad_fn(x, y)),
                    surface.bounds, surface.start, surface.minima,
                    None if surface.min_value is None else c * surface.min_value, surface.log_contour)


def quadratic(lmax: float, lmin: float) -> Surface:
    """½(λ_max x² + λ_min y²): the Hessian is diag(λ_max, λ_min) everywhere."""
    return _surface(f"quadratic_{lmax:g}_{lmin:g}", "Quadratic", rf"f = \tfrac12\left({lmax:g}\,x^2 + {lmin:g}\,y^2\right)",
                    lambda x, y: 0.5 * (lmax * x * x + lmin * y * y), lambda x, y: (lmax * x, lmin * y),
                    ((-1.0, 1.0), (-1.0, 1.0)), (1.0, 1.0), ((0.0, 0.0),), 0.0)


def cliff(a: float = 0.01, b: float = 1.0, width: float = 0.05) -> Surface:
    """A plateau of slope a for x < 0, then a slope b for x > 0 (a smooth step of the given width); ½y² across."""
    def fn(x, y):
        return -a * x - (b - a) * width * np.logaddexp(0.0, x / width) + 0.5 * y * y

    def grad_fn(x, y):
        return -a - (b - a) * 0.5 * (1.0 + np.tanh(x / (2.0 * width))), y  # the logistic function, without overflow

    return _surface(f"cliff_{a:g}_{b:g}", "Plateau, then a steep slope",
                    rf"f = -{a:g}\,x - {b - a:g}\cdot{width:g}\,\log(1 + e^{{x/{width:g}}}) + \tfrac12 y^2",
                    fn, grad_fn, ((-6.0, 2.0), (-1.0, 1.0)), (-5.0, 0.0))


def shifted_bowl(cx: float = 2.0, cy: float = 1.0, lx: float = 0.4, ly: float = 20.0) -> Surface:
    """The stretched bowl's curvatures (0.4 along x, 20 along y) around a minimum away from the origin."""
    return _surface("shifted_bowl", "Stretched bowl, minimum at (2, 1)",
                    rf"f = \tfrac12\left({lx:g}(x - {cx:g})^2 + {ly:g}(y - {cy:g})^2\right)",
                    lambda x, y: 0.5 * (lx * (x - cx) ** 2 + ly * (y - cy) ** 2), lambda x, y: (lx * (x - cx), ly * (y - cy)),
                    ((-1.0, 3.0), (-0.5, 3.0)), (-0.5, 2.5), ((cx, cy),), 0.0)


FLAT = _surface("flat", "Flat: the gradient is pure noise", r"f = 0", lambda x, y: np.zeros_like(x),
                lambda x, y: (np.zeros_like(x), np.zeros_like(y)), ((-1.0, 1.0), (-1.0, 1.0)), (0.0, 0.0))


def moments(traj, beta1: float, beta2: float) -> tuple[np.ndarray, np.ndarray]:
    """(m̂, v̂) of steps t = 1..S, from the engine's recorded state (torch's exp_avg, exp_avg_sq)."""
    m, v = traj.state["exp_avg"][..., 1:, :], traj.state["exp_avg_sq"][..., 1:, :]
    t = np.arange(1, m.shape[-2] + 1)[:, None]
    return m / (1.0 - np.asarray(beta1)[..., None, None] ** t), v / (1.0 - np.asarray(beta2)[..., None, None] ** t)


def steps_of(traj) -> np.ndarray:
    """Δθₜ = θₜ − θₜ₋₁ of steps t = 1..S."""
    return np.diff(traj.path, axis=-2)


# ------------------------------------------------------------------ 1. sign descent

SIGN_SURFACE = "stretched_bowl"
SIGN_START = (-2.45, 1.35)  # off the α-grid around the minimum: no step lands on g = 0
SIGN_LR, SIGN_STEPS, SIGN_EPS = 0.1, 40, 1e-12


def sign_path(surface, start, steps: int, lr: float) -> np.ndarray:
    """The reference the sign-descent claim is checked against, written out: θ ← θ − α·sign(∇f(θ)), no Adam at all."""
    path = np.empty((steps + 1, 2))
    path[0] = start
    for t in range(steps):
        path[t + 1] = path[t] - lr * np.sign(np.asarray(surface.grad(path[t]), dtype=np.float64))
    return path


def sign_descent(beta1: float = 0.0, beta2: float = 0.0, lr: float = SIGN_LR, steps: int = SIGN_STEPS,
                 eps: float = SIGN_EPS) -> dict:
    """Sign descent written out (`path_sign`), Adam with β₁ = β₂ = 0 and Adam with the chosen β₁, β₂ (`path`).

    `ratio_sign`, `ratio`: |Δθ|/α per coordinate and step of the reference and of the run. `deviation`: the largest
    |(|Δθ|/α − 1)| of Adam at β₁ = β₂ = 0 (ε/|g|). `gap`: the largest distance between the run's path and the
    reference's, point by point; `gap_zero` the same for Adam at β₁ = β₂ = 0: where the two lines lie on each other."""
    surface = surfaces.get(SIGN_SURFACE)
    sign = sign_path(surface, SIGN_START, steps, lr)
    zero = optimizers.simulate("adam", surface, SIGN_START, steps, lr=lr, betas=(0.0, 0.0), eps=eps)
    run = optimizers.simulate("adam", surface, SIGN_START, steps, lr=lr, betas=(beta1, beta2), eps=eps)
    ratio_sign, ratio = np.abs(np.diff(sign, axis=0)) / lr, np.abs(steps_of(run)) / lr
    return dict(path_sign=sign, path=run.path, ratio_sign=ratio_sign, ratio=ratio,
                deviation=float(np.max(np.abs(np.abs(steps_of(zero)) / lr - 1.0))),  # 0 for exact sign descent
                gap=float(np.max(np.linalg.norm(run.path - sign, axis=-1))),
                gap_zero=float(np.max(np.linalg.norm(zero.path - sign, axis=-1))),
                spread=(float(ratio.min()), float(ratio.max())))


# ------------------------------------------------------------------ 2. ε as a dial

EPS_SURFACE = "stretched_bowl"
EPS_LR, EPS_STEPS, EPS_BETA1 = 0.05, 200, 0.9


def momentum_limit(surface, start, steps: int, lr: float, beta1: float = EPS_BETA1) -> np.ndarray:
    """The reference the large-ε claim is checked against, written out: θ ← θ − lr·m̂ₜ, with Adam's bias-corrected
    first moment m̂ₜ and no division at all (momentum SGD in its averaged form). Rows after an overflow are NaN."""
    theta, m = np.array(start, dtype=np.float64), np.zeros(2)
    path = np.full((steps + 1, 2), np.nan)
    path[0] = theta
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            m = beta1 * m + (1.0 - beta1) * surface.grad(theta)
            theta = theta - lr * m / (1.0 - beta1**t)
            if not np.isfinite(theta).all():
                break
            path[t] = theta
    return path


def eps_dial(eps: float, lr: float = EPS_LR, steps: int = EPS_STEPS) -> dict:
    """Adam at this ε, at the default ε = 1e-8, and the momentum limit with learning rate α/ε.

    `step_gap` is the largest relative gap between each engine step and −(α/ε)·m̂ₜ from the engine's own m̂:
    exactly √v̂/(√v̂ + ε) per coordinate, so at most G/ε with G the largest |gradient| of the run (`bound`).
    `path_gap` is the largest distance between Adam's path and the momentum limit's, over the limit's largest
    displacement from the start: each step differs by that same factor, so it stays of the order of G/ε too."""
    surface = surfaces.get(EPS_SURFACE)
    run = optimizers.simulate("adam", surface, surface.start, steps, lr=lr, eps=eps, beta1=EPS_BETA1)
    default = optimizers.simulate("adam", surface, surface.start, steps, lr=lr, beta1=EPS_BETA1)
    limit = momentum_limit(surface, surface.start, steps, lr / eps)
    m_hat, _ = moments(run, EPS_BETA1, 0.999)
    predicted = -(lr / eps) * m_hat
    with np.errstate(all="ignore"):
        step_gap = float(np.max(np.abs(steps_of(run) - predicted) / np.abs(predicted)))
        path_gap = float(np.max(np.abs(run.path - limit)) / np.max(np.abs(limit - limit[0])))
    grad_max = float(np.max(np.abs(run.grad)))
    return dict(path=run.path, default=default.path, limit=limit, grad_max=grad_max, bound=grad_max / eps,
                step_gap=step_gap, path_gap=path_gap if np.isfinite(path_gap) else math.inf)


# ------------------------------------------------------------------ 3. scale invariance

SCALE_SURFACE = "rosenbrock"
SCALE_ADAM_LR, SCALE_GD_LR, SCALE_STEPS = 0.05, 0.001, 300


def scale_invariance(factor: float = 1000.0, eps: float = 1e-8, steps: int = SCALE_STEPS) -> dict:
    """Adam and gradient descent on Rosenbrock and on Rosenbrock × factor, same hyperparameters."""
    base = surfaces.get(SCALE_SURFACE)
    big = scaled(base, factor)
    out = {}
    for name, key, hps in (("adam", "adam", dict(lr=SCALE_ADAM_LR, eps=eps)), ("gd", "gd", dict(lr=SCALE_GD_LR))):
        one = optimizers.simulate(key, base, base.start, steps, **hps)
        many = optimizers.simulate(key, big, base.start, steps, **hps)
        with np.errstate(invalid="ignore"):
            gap = np.abs(many.path - one.path)
        out[name] = one.path
        out[f"{name}_scaled"] = many.path
        out[f"{name}_gap"] = math.inf if np.isnan(gap).any() else float(gap.max())
        out[f"{name}_diverged_at"] = many.diverged_at
    return out


# ------------------------------------------------------------------ 4. β₂ and a lagging v

CLIFF_LR, CLIFF_AFTER, CLIFF_BETA1, CLIFF_FAST = 0.01, 150, 0.9, 0.9
CLIFF_PLATEAU_SLOPE, CLIFF_SLOPE = 0.01, 1.0


def lagging_v(beta2_slow: float = 0.999, plateau: int = 500, beta2_fast: float = CLIFF_FAST,
              lr: float = CLIFF_LR) -> dict:
    """Adam with a slow and a fast β₂ on a plateau (slope 0.01) that turns into a slope 100 times steeper.

    The start is `plateau`·α before the edge: on the plateau Adam steps about α, so it reaches the edge after about
    `plateau` steps. `change[i]` is run i's first step whose gradient is 1% above the plateau's (where it starts to
    grow); `before`, `after` are the largest |Δx|/α before and from that step on."""
    surface = cliff(CLIFF_PLATEAU_SLOPE, CLIFF_SLOPE)
    b2 = np.array([beta2_slow, beta2_fast])
    run = optimizers.simulate("adam", surface, (-plateau * lr, 0.0), plateau + CLIFF_AFTER, lr=lr, beta1=CLIFF_BETA1,
                              beta2=b2)
    ratio = np.abs(steps_of(run)[..., 0]) / lr  # (2, S)
    grad = np.abs(run.grad[..., 0])
    change = np.argmax(grad > 1.01 * CLIFF_PLATEAU_SLOPE, axis=1)  # index k: step t = k + 1
    before = np.array([ratio[i, :change[i]].max() for i in range(2)])
    after = np.array([ratio[i, change[i]:].max() for i in range(2)])
    return dict(t=np.arange(1, ratio.shape[1] + 1), ratio=ratio, grad=grad, change=change + 1, before=before,
                after=after, betas2=(float(beta2_slow), float(beta2_fast)))


# ------------------------------------------------------------------ 5. Adam + L2 against AdamW

DECAY_LR, DECAY_STEPS = 0.05, 400


def weight_decay(lam: float = 0.4, lr: float = DECAY_LR, steps: int = DECAY_STEPS) -> dict:
    """Adam with weight_decay = λ (L2: λθ joins the gradient) and AdamW with the same λ, on the shifted bowl.

    `kappa` (S, 2): the L2 run's decay rate per coordinate, αλ/(√v̂ₜ + ε): the step λθ contributes, per unit of θ,
    once it has passed through m̂ and been divided like the gradient. AdamW's rate is αλ for every coordinate.
    `ratio`: κ_x/κ_y at the last step, how many times harder x (the shallow coordinate) is decayed than y.
    `adamw_decay` (S, 2): AdamW's step minus its Adam part −α·m̂/(√v̂ + ε), from the engine's state: −αλθₜ₋₁."""
    surface = shifted_bowl()
    l2 = optimizers.simulate("adam", surface, surface.start, steps, lr=lr, weight_decay=lam)
    adamw = optimizers.simulate("adamw", surface, surface.start, steps, lr=lr, weight_decay=lam)
    _, v_hat = moments(l2, 0.9, 0.999)
    kappa = lr * lam / (np.sqrt(v_hat) + 1e-8)
    m_w, v_w = moments(adamw, 0.9, 0.999)
    adamw_decay = steps_of(adamw) + lr * m_w / (np.sqrt(v_w) + 1e-8)
    cx, cy = surface.minima[0]
    return dict(l2=l2.path, adamw=adamw.path, kappa=kappa, kappa_w=lr * lam, ratio=float(kappa[-1, 0] / kappa[-1, 1]),
                adamw_decay=adamw_decay, theta_w=adamw.path[:-1],
                regularized_min=(0.4 * cx / (0.4 + lam), 20.0 * cy / (20.0 + lam)))


# ------------------------------------------------------------------ 6. edge of stability

EOS_LMAX, EOS_LMIN = 100.0, 1.0
EOS_GD_STEPS = 300
EOS_ADAM_LR, EOS_ADAM_BETA2, EOS_ADAM_STEPS = 0.05, 0.99, 3000


def momentum_threshold(beta1: float) -> float:
    """The largest stable αλ of momentum in Adam's averaged form, m ← β₁m + (1 − β₁)g, θ ← θ − αm: 38 at β₁ = 0.9."""
    return (2.0 + 2.0 * beta1) / (1.0 - beta1)


def gd_edge(delta: float = 0.1, steps: int = EOS_GD_STEPS) -> dict:
    """Gradient descent on ½(λ_max x² + λ_min y²) at α = (2 − δ)/λ_max and (2 + δ)/λ_max: |x| and |θ| per step."""
    surface = quadratic(EOS_LMAX, EOS_LMIN)
    lrs = np.array([2.0 - delta, 2.0 + delta]) / EOS_LMAX
    run = optimizers.simulate("gd", surface, surface.start, steps, record="path", lr=lrs)
    return dict(lrs=lrs, x=np.abs(run.path[..., 0]), norm=np.linalg.norm(run.path, axis=-1), diverged_at=run.diverged_at,
                limit=2.0 / EOS_LMAX)


def adam_edge(beta1: float = 0.9, lr: float = EOS_ADAM_LR, beta2: float = EOS_ADAM_BETA2,
              steps: int = EOS_ADAM_STEPS) -> dict:
    """Adam on the same quadratic: its preconditioned sharpness max_i λ_i/(√v̂ᵢ + ε) per step, against the limit
    momentum_threshold(β₁)/α. `late` is its median over the second half of the run, as a share of that limit."""
    surface = quadratic(EOS_LMAX, EOS_LMIN)
    run = optimizers.simulate("adam", surface, surface.start, steps, lr=lr, beta1=beta1, beta2=beta2)
    _, v_hat = moments(run, beta1, beta2)
    sharpness = np.max(np.array([EOS_LMAX, EOS_LMIN]) / (np.sqrt(v_hat) + 1e-8), axis=-1)
    limit = momentum_threshold(beta1) / lr
    late = sharpness[steps // 2:] / limit
    return dict(t=np.arange(1, steps + 1), sharpness=sharpness, limit=limit, late=float(np.median(late)),
                late_band=(float(np.quantile(late, 0.1)), float(np.quantile(late, 0.9))))


# ------------------------------------------------------------------ 7. warm-up and RAdam

WARMUP_STEPS, WARMUP_RUNS, WARMUP_BAND_STEPS, WARMUP_LR, WARMUP_SIGMA = 2000, 200, 500, 0.001, 1.0


def rho(t, beta2: float):
    """RAdam's ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ), ρ∞ = 2/(1 − β₂) − 1: the length of the average v̂ₜ stands for."""
    t = np.asarray(t, dtype=np.float64)
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    return rho_inf - 2.0 * t * beta2**t / (1.0 - beta2**t)


def first_adaptive_step(beta2: float, threshold: float = 5.0) -> int:
    """The first t with ρₜ > threshold: torch's RAdam uses 5, the paper's Algorithm 2 writes 4."""
    t = 1
    while not rho(t, beta2) > threshold:
        t += 1
    return t


def radam_steps(beta2: float = 0.999, steps: int = 12, lr: float = 0.01) -> dict:
    """RAdam on the stretched bowl: each step against the un-adapted momentum step −α·m̂ₜ, from the engine's state.
    `momentum[k]` is True where step t = k + 1 equals −α·m̂ₜ (to 1e-12 relative): RAdam's warm-up steps."""
    surface = surfaces.get("stretched_bowl")
    run = optimizers.simulate("radam", surface, surface.start, steps, lr=lr, beta2=beta2)
    m_hat, _ = moments(run, 0.9, beta2)
    gap = np.max(np.abs(steps_of(run) + lr * m_hat) / np.abs(lr * m_hat), axis=-1)
    return dict(t=np.arange(1, steps + 1), gap=gap, momentum=gap < 1e-12)


def warmup(beta2: float = 0.999, warmup_steps: int = 2000, steps: int = WARMUP_STEPS, runs: int = WARMUP_RUNS,
           band_steps: int = WARMUP_BAND_STEPS, seed: int = 0) -> dict:
    """Why early v̂ is unreliable, and the two cures.

    `band` (3, band_steps): the 10th, 50th and 90th percentile, over `runs` Adam runs on pure noise of σ = 1, of the
    adaptive step size α/(√v̂ₜ + ε) in units of α/σ, over the first `band_steps` steps. `rectifier` (S,): RAdam's
    multiplier of Adam's step measured from the engine (NaN while it takes momentum steps). `warm` (S,): the factor
    LinearLR(1/τ → 1 over τ steps) puts on α, from the engine's record of the learning rate each step used."""
    noisy = optimizers.simulate("adam", FLAT, np.zeros((runs, 2)), band_steps, noise=WARMUP_SIGMA, seed=seed, lr=WARMUP_LR,
                                beta2=beta2)
    _, v_hat = moments(noisy, 0.9, beta2)
    adaptive = WARMUP_SIGMA / (np.sqrt(v_hat[..., 0]) + 1e-8)  # (runs, S), units of α/σ
    band = np.quantile(adaptive, [0.1, 0.5, 0.9], axis=0)
    radam = optimizers.simulate("radam", FLAT, (0.0, 0.0), steps, noise=WARMUP_SIGMA, seed=seed, lr=WARMUP_LR, beta2=beta2)
    m_hat, _ = moments(radam, 0.9, beta2)
    t = np.arange(1, steps + 1)
    v = radam.state["exp_avg_sq"][1:, 0]
    adam_like = -WARMUP_LR * m_hat[:, 0] * np.sqrt(1.0 - beta2**t) / (np.sqrt(v) + 1e-8)
    rectifier = steps_of(radam)[:, 0] / adam_like
    start = first_adaptive_step(beta2)
    rectifier[: start - 1] = np.nan
    warmed = optimizers.simulate("adam", FLAT, (0.0, 0.0), steps, record="path", lr=WARMUP_LR, beta2=beta2,
                                 lr_schedule={"name": "LinearLR", "start_factor": 1.0 / warmup_steps,
                                              "total_iters": warmup_steps})
    return dict(t=t, band=band, rho=rho(t, beta2), rectifier=rectifier, warm=warmed.lr / WARMUP_LR, start=start,
                start_paper=first_adaptive_step(beta2, 4.0))


# ------------------------------------------------------------------ 8. spot the bug

BUG_SCALE, BUG_LR, BUG_STEPS = 1e-6, 0.05, 300
BUGS = {  # key -> (what it is, how to see it)
    "correct": ("Correct Adam (torch.optim.Adam, the engine)",
                "Its first step is exactly α in each coordinate (m̂₁/√v̂₁ = sign g₁), and it follows the valley floor."),
    "no_bias_correction": ("Bias correction forgotten: θ ← θ − α·mₜ/(√vₜ + ε)",
                           "Its first step is 0.1/√0.001 ≈ 3.2 α per coordinate: v starts even further below its "
                           "target than m. Here the oversized early steps happen to carry it furthest."),
    "eps_in_root": ("ε inside the root: θ ← θ − α·m̂ₜ/√(v̂ₜ + ε)",
                    "√(v̂ + 10⁻⁸) is at least 10⁻⁴, as large as these gradients: its first step is already short of α "
                    "and it crawls."),
    "betas_swapped": ("β₁ and β₂ swapped: β₁ = 0.999, β₂ = 0.9",
                      "Its first step is α too, but v̂ then forgets within about ten steps while m̂ averages every "
                      "gradient so far alike: it zigzags down the valley wall and falls behind."),
}
QUIZ = ("no_bias_correction", "betas_swapped", "correct", "eps_in_root")  # lines A, B, C, D


def bug_surface() -> Surface:
    """Rosenbrock × 10⁻⁶: gradients of about 10⁻⁴ at the start, as small as a network's often are."""
    return scaled(surfaces.get("rosenbrock"), BUG_SCALE)


def adam_loop(surface, start, steps: int, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
              eps_inside_root: bool = False) -> np.ndarray:
    """Adam written out as a plain loop, for the one bug the engine cannot make. DELIBERATELY WRONG with
    eps_inside_root=True: the denominator is √(v̂ₜ + ε) instead of √v̂ₜ + ε. With it False this is Kingma & Ba's
    Algorithm 1 (the tests check it against the engine)."""
    theta, m, v = np.array(start, dtype=np.float64), np.zeros(2), np.zeros(2)
    path = np.empty((steps + 1, 2))
    path[0] = theta
    for t in range(1, steps + 1):
        g = surface.grad(theta)
        m = beta1 * m + (1.0 - beta1) * g
        v = beta2 * v + (1.0 - beta2) * g * g
        m_hat, v_hat = m / (1.0 - beta1**t), v / (1.0 - beta2**t)
        den = np.sqrt(v_hat + eps) if eps_inside_root else np.sqrt(v_hat) + eps
        theta = theta - lr * m_hat / den
        path[t] = theta
    return path


def spot_the_bug(steps: int = BUG_STEPS, lr: float = BUG_LR) -> dict[str, np.ndarray]:
    """Each line of the quiz: correct Adam and the wrong ones the engine can run come from the engine, ε inside the
    root from adam_loop."""
    surface = bug_surface()
    start = surface.start
    return {
        "correct": optimizers.simulate("adam", surface, start, steps, lr=lr).path,
        "no_bias_correction": optimizers.simulate("adam", surface, start, steps, lr=lr, bias_correction=False).path,
        "eps_in_root": adam_loop(surface, start, steps, lr, eps_inside_root=True),
        "betas_swapped": optimizers.simulate("adam", surface, start, steps, lr=lr, betas=(0.999, 0.9)).path,
    }
