"""L-BFGS (torch.optim.LBFGS): a quasi-Newton method that calls the function itself, several times per step.

Every other optimizer here takes one gradient per step. L-BFGS (Liu & Nocedal 1989) takes a *closure*: one step is up
to `max_iter` inner iterations, each building a direction from the last `history_size` pairs of position and gradient
changes (sₖ, yₖ) by the two-loop recursion, then moving along it by a fixed α (torch's default) or by a strong-Wolfe
line search (Nocedal & Wright 2006, Alg. 3.5/3.6):

    d = −H g,  H ≈ ∇²f⁻¹ from (sₖ = θₖ₊₁ − θₖ, yₖ = gₖ₊₁ − gₖ), H₀ = (sᵀy / yᵀy) I;   θ ← θ + t d

The first direction is −g with t = min(1, 1/‖g‖₁)·α. The step ends early when max|g| ≤ tolerance_grad, when the
loss or the move changes by less than tolerance_change, or after `max_eval` evaluations.

This is a line-by-line port of torch 2.13's lbfgs.py on one row (a flattened parameter vector, as torch flattens
every parameter of its single group); a batch runs row by row, since each row's inner loop and line search take
their own branches. `step` returns the points where the function was evaluated, in order: what a learner should see
of a line search.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .base import Hyperparameter, Optimizer


class LBFGSState(NamedTuple):
    d: np.ndarray  # torch's state["d"]: the last search direction
    prev_flat_grad: np.ndarray  # torch's state["prev_flat_grad"]
    memory: list  # per row: torch's other state (t, old_dirs, old_stps, ro, H_diag, prev_loss, n_iter, func_evals)


def lbfgs_init(theta, hp):
    n = theta.shape[0]
    return LBFGSState(np.zeros_like(theta), np.zeros_like(theta), [{"n_iter": 0, "func_evals": 0} for _ in range(n)])


def _row(v, i):
    return v if np.ndim(v) == 0 else float(np.reshape(v, (-1,))[i])


def lbfgs_step(fg, state, theta, t, hp):
    """One optimizer.step(closure) per row. `fg(i, x) -> (f, g)` evaluates row i's function at x (shape (D,)).

    Returns (new theta, state, evaluations): evaluations[i] lists the points row i evaluated, the step's start first.
    """
    new = theta.copy()
    d_all, prev_all = state.d.copy(), state.prev_flat_grad.copy()
    memory = [dict(m) for m in state.memory]
    evals = []
    for i in range(theta.shape[0]):
        points = []

        def closure(x, i=i, points=points):
            points.append(x)
            f, g = fg(i, np.array(x))
            return f, g.tolist()

        x, d, prev = _step(closure, theta[i].tolist(), memory[i], _row(hp.lr, i), hp.max_iter,
                           hp.max_eval if hp.max_eval is not None else hp.max_iter * 5 // 4,
                           _row(hp.tolerance_grad, i), _row(hp.tolerance_change, i), hp.history_size,
                           hp.line_search_fn)
        new[i] = x
        if d is not None:
            d_all[i] = d
        if prev is not None:
            prev_all[i] = prev
        evals.append([np.array(p) for p in points])
    return new, LBFGSState(d_all, prev_all, memory), evals


# Vectors are lists of floats inside a step: the problems here have a handful of coordinates, where a NumPy call
# costs more than the arithmetic (the two-loop recursion makes hundreds of them per iteration: 3× slower).
def _dot(a, b):
    return sum(p * q for p, q in zip(a, b, strict=True))


def _axpy(x, alpha, y):
    """x + alpha·y (torch's x.add(y, alpha=alpha))."""
    return [p + alpha * q for p, q in zip(x, y, strict=True)]


def _scale(a, c):
    return [p * c for p in a]


def _absmax(a):
    return max(abs(p) for p in a)


def _two_loop(flat_grad, old_dirs, old_stps, ro, H_diag):
    """−H·g by the two-loop recursion over the stored (s, y) pairs, as torch computes it."""
    num_old = len(old_dirs)
    al = [0.0] * num_old
    if len(flat_grad) == 2:  # the surfaces' case, unrolled: ~10× faster than the general loop with 100 pairs
        q0, q1 = -flat_grad[0], -flat_grad[1]
        for k in range(num_old - 1, -1, -1):
            (s0, s1), (y0, y1) = old_stps[k], old_dirs[k]
            a = (s0 * q0 + s1 * q1) * ro[k]
            al[k] = a
            q0, q1 = q0 + (-a) * y0, q1 + (-a) * y1
        r0, r1 = q0 * H_diag, q1 * H_diag
        for k in range(num_old):
            (s0, s1), (y0, y1) = old_stps[k], old_dirs[k]
            c = al[k] - (y0 * r0 + y1 * r1) * ro[k]
            r0, r1 = r0 + c * s0, r1 + c * s1
        return [r0, r1]
    q = _scale(flat_grad, -1.0)
    for k in range(num_old - 1, -1, -1):
        al[k] = _dot(old_stps[k], q) * ro[k]
        q = _axpy(q, -al[k], old_dirs[k])
    r = _scale(q, H_diag)
    for k in range(num_old):
        be_k = _dot(old_dirs[k], r) * ro[k]
        r = _axpy(r, al[k] - be_k, old_stps[k])
    return r


def _step(closure, x, state, lr, max_iter, max_eval, tolerance_grad, tolerance_change, history_size, line_search_fn):
    """torch.optim.LBFGS.step on one flat vector x (a list); returns (x, d, prev_flat_grad), `state` updated."""
    loss, flat_grad = closure(x)
    current_evals = 1
    state["func_evals"] += 1
    opt_cond = _absmax(flat_grad) <= tolerance_grad
    if opt_cond:
        return x, state.get("d"), state.get("prev_flat_grad")

    d, t = state.get("d"), state.get("t")
    old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
    H_diag, prev_flat_grad, prev_loss = state.get("H_diag"), state.get("prev_flat_grad"), state.get("prev_loss")

    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        state["n_iter"] += 1
        if state["n_iter"] == 1:
            d = _scale(flat_grad, -1.0)
            old_dirs, old_stps, ro = [], [], []
            H_diag = 1
        else:
            y = _axpy(flat_grad, -1.0, prev_flat_grad)
            s = _scale(d, t)
            ys = _dot(y, s)
            if ys > 1e-10:
                if len(old_dirs) == history_size:
                    old_dirs, old_stps, ro = old_dirs[1:], old_stps[1:], ro[1:]
                old_dirs, old_stps, ro = old_dirs + [y], old_stps + [s], ro + [1.0 / ys]
                H_diag = ys / _dot(y, y)
            d = _two_loop(flat_grad, old_dirs, old_stps, ro, H_diag)

        prev_flat_grad = list(flat_grad)
        prev_loss = loss

        t = min(1.0, 1.0 / sum(abs(p) for p in flat_grad)) * lr if state["n_iter"] == 1 else lr
        gtd = _dot(flat_grad, d)
        if gtd > -tolerance_change:
            break

        ls_func_evals = 0
        if line_search_fn == "strong_wolfe":
            loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                lambda x0, step, dd: closure(_axpy(x0, step, dd)), x, t, d, loss, flat_grad, gtd,
                max_ls=max_eval - current_evals)  # torch passes no tolerance_change: its own 1e-9
            x = _axpy(x, t, d)
            opt_cond = _absmax(flat_grad) <= tolerance_grad
        else:
            x = _axpy(x, t, d)
            if n_iter != max_iter:  # torch re-evaluates only if another iteration may follow
                loss, flat_grad = closure(x)
                opt_cond = _absmax(flat_grad) <= tolerance_grad
                ls_func_evals = 1

        current_evals += ls_func_evals
        state["func_evals"] += ls_func_evals
        if n_iter == max_iter or current_evals >= max_eval or opt_cond:
            break
        if _absmax(_scale(d, t)) <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
            break

    state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=H_diag,
                 prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
    return x, d, prev_flat_grad


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clipped to the bounds (torch's port)."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Bracket then zoom until the strong Wolfe conditions hold (torch's _strong_wolfe, from lswolfe.lua).

    torch calls it with its default tolerance_change (1e-9), whatever the optimizer's: so does step().
    """
    d_norm = _absmax(d)
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = _dot(g_new, d)

    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f, bracket_g, bracket_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], \
                [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f, bracket_g, bracket_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], \
                [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new, gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1

    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) else min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False

        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1

        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos], bracket_g[high_pos], bracket_gtd[high_pos] = t, f_new, g_new, gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos], bracket_g[high_pos], bracket_gtd[high_pos] = \
                    bracket[low_pos], bracket_f[low_pos], bracket_g[low_pos], bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos], bracket_g[low_pos], bracket_gtd[low_pos] = t, f_new, g_new, gtd_new

    t = bracket[low_pos]
    return bracket_f[low_pos], bracket_g[low_pos], t, ls_func_evals


def _check(values: dict) -> None:
    if values["max_eval"] is not None and values["max_eval"] < 1:
        raise ValueError(f"Invalid max_eval: {values['max_eval']} (expected None or an integer ≥ 1)")


LBFGS = Optimizer(
    key="lbfgs", label="L-BFGS",
    torch="torch.optim.LBFGS(params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-07, tolerance_change=1e-09, "
          "history_size=100, line_search_fn=None)",
    summary="Quasi-Newton: a curvature model from the last few steps, and many function evaluations per step.",
    hyperparameters=(
        Hyperparameter("lr", "α", 1.0, 0.0, slider=(1e-3, 10.0), scale="log", error="Invalid learning rate",
                       help="Step length along the L-BFGS direction (the line search's first guess when it is on)."),
        Hyperparameter("max_iter", "max_iter", 20, 1, 10_000, integer=True, slider=(1, 100),
                       help="Inner iterations per optimizer.step(closure): each one a direction and a move."),
        Hyperparameter("max_eval", "max_eval", None, 1, 100_000, integer=True, optional=True, ui=False,
                       help="Function evaluations per step; None: max_iter × 5 // 4, as torch."),
        Hyperparameter("tolerance_grad", "tol_grad", 1e-7, 0.0, slider=(1e-12, 1e-1), scale="log",
                       help="A step stops once max|g| falls to this."),
        Hyperparameter("tolerance_change", "tol_change", 1e-9, 0.0, slider=(1e-15, 1e-1), scale="log",
                       help="A step stops once the loss or the move changes by less than this."),
        Hyperparameter("history_size", "m", 100, 1, 10_000, integer=True, slider=(1, 100),
                       help="How many (s, y) pairs the curvature model remembers."),
        Hyperparameter("line_search_fn", "line search", None, choices=(None, "strong_wolfe"),
                       help="None: fixed steps of α. 'strong_wolfe': search along each direction for a point with "
                            "enough decrease and a flat enough slope."),
    ),
    equations=(
        r"d_k = -H_k\, g_k,\qquad H_k \approx \nabla^2 f^{-1} \text{ from } s_i = \theta_{i+1}-\theta_i,\ "
        r"y_i = g_{i+1}-g_i,\ \ i > k - m",
        r"\theta_{k+1} = \theta_k + t_k d_k,\qquad t_k = \alpha \text{ or a strong-Wolfe line search;}\quad "
        r"\text{up to max\_iter } k \text{ per step}",
    ),
    init=lbfgs_init, update=None, step=lbfgs_step, check=_check, elementwise=False,
    convention="torch's LBFGS: one recorded step is one optimizer.step(closure) call, which may move up to max_iter "
    "times and evaluate the function up to max_eval times; the path shows where each step ended, and the evaluations "
    "inside it are recorded (traj.evals). Equal to torch on one flattened parameter vector; torch's line search uses "
    "its own tolerance_change of 1e-9 whatever the optimizer's.",
    reference="Liu & Nocedal 1989, 'On the limited memory BFGS method for large scale optimization'; "
              "Nocedal & Wright 2006, 'Numerical Optimization', Alg. 3.5–3.6",
)
