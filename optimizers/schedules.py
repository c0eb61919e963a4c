"""Learning-rate schedules as torch.optim.lr_scheduler computes them, stepped once after every optimizer step.

    simulate("adam", surface, start, 200, lr=0.1, lr_schedule={"name": "CosineAnnealingLR", "T_max": 200})

A schedule sets the learning rate each step uses (and, for OneCycleLR and CyclicLR, the momentum or β₁ it cycles):
`lr_for(e)` is the value after e scheduler steps, so step t uses e = t − 1, as in a torch loop that calls
`scheduler.step()` after `optimizer.step()`. Closed forms stand in for torch's recursive updates (ExponentialLR's
lr ← γ·lr, CosineAnnealingLR's ratio of cosines): the same numbers up to rounding. ReduceLROnPlateau is the one with
state: it watches the loss of each step (the loss at the point where that step's gradient was taken).
"""

from __future__ import annotations

import bisect
import math

import numpy as np

INVERSE_SQRT = "InverseSqrt"  # Reddi et al.'s α/√t: torch's LambdaLR(lambda t: 1 / math.sqrt(t + 1))


class _Base:
    needs_loss = False
    cycles = None  # the hyperparameter a schedule cycles ("momentum" or "beta1"), if any

    def __init__(self, base_lr, **kw):
        self.base = base_lr
        self.kw = kw

    def lr_for(self, e):
        raise NotImplementedError

    def momentum_for(self, e):
        return None


def _need(kw, *names):
    for name in names:
        if name not in kw:
            raise ValueError(f"Missing {name} for this schedule")


def _int(kw, name, low=0, default=None):
    value = kw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"Invalid {name}: {value!r} (expected an integer ≥ {low})")
    return int(value)


def _float(kw, name, default=None, low=-math.inf, high=math.inf):
    value = kw.get(name, default)
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"Invalid {name}: {value!r} (expected a number)") from None
    if not (math.isfinite(value) and low <= value <= high):
        raise ValueError(f"Invalid {name}: {value!r} (expected a number from {low:g} to {high:g})")
    return value


class StepLR(_Base):
    def __init__(self, base, step_size, gamma=0.1):
        super().__init__(base)
        self.step_size, self.gamma = _int({"step_size": step_size}, "step_size", 1), _float({"gamma": gamma}, "gamma")

    def lr_for(self, e):
        return self.base * self.gamma ** (e // self.step_size)


class MultiStepLR(_Base):
    def __init__(self, base, milestones, gamma=0.1):
        super().__init__(base)
        try:
            self.milestones = sorted(int(m) for m in milestones)
        except (TypeError, ValueError):
            raise ValueError(f"Invalid milestones: {milestones!r} (expected a list of integers)") from None
        self.gamma = _float({"gamma": gamma}, "gamma")

    def lr_for(self, e):
        return self.base * self.gamma ** bisect.bisect_right(self.milestones, e)


class ExponentialLR(_Base):
    def __init__(self, base, gamma):
        super().__init__(base)
        self.gamma = _float({"gamma": gamma}, "gamma", low=0.0)

    def lr_for(self, e):
        return self.base * self.gamma**e


class CosineAnnealingLR(_Base):
    def __init__(self, base, T_max, eta_min=0.0):
        super().__init__(base)
        if isinstance(T_max, bool) or not isinstance(T_max, (int, np.integer, float)) or not T_max > 0:
            raise ValueError(f"Invalid T_max: {T_max!r} (expected a number > 0; torch divides by it)")
        self.T_max, self.eta_min = T_max, _float({"eta_min": eta_min}, "eta_min")

    def lr_for(self, e):
        return self.eta_min + (self.base - self.eta_min) * (1.0 + math.cos(math.pi * e / self.T_max)) / 2.0


class CosineAnnealingWarmRestarts(_Base):
    def __init__(self, base, T_0, T_mult=1, eta_min=0.0):
        super().__init__(base)
        self.T_0, self.T_mult = _int({"T_0": T_0}, "T_0", 1), _int({"T_mult": T_mult}, "T_mult", 1)
        self.eta_min = _float({"eta_min": eta_min}, "eta_min")

    def lr_for(self, e):
        t_cur, t_i = 0, self.T_0
        for _ in range(e):  # torch's step(): T_cur += 1, and a restart when it reaches T_i
            t_cur += 1
            if t_cur >= t_i:
                t_cur %= t_i
                t_i *= self.T_mult
        return self.eta_min + (self.base - self.eta_min) * (1.0 + math.cos(math.pi * t_cur / t_i)) / 2.0


class LinearLR(_Base):
    def __init__(self, base, start_factor=1.0 / 3, end_factor=1.0, total_iters=5):
        super().__init__(base)
        self.start = _float({"start_factor": start_factor}, "start_factor", low=1e-300, high=1.0)
        self.end = _float({"end_factor": end_factor}, "end_factor", low=0.0, high=1.0)
        self.total = _int({"total_iters": total_iters}, "total_iters", 1)

    def lr_for(self, e):
        return self.base * (self.start + (self.end - self.start) * min(self.total, e) / self.total)


class ConstantLR(_Base):
    def __init__(self, base, factor=1.0 / 3, total_iters=5):
        super().__init__(base)
        self.factor = _float({"factor": factor}, "factor", low=0.0, high=1.0)
        self.total = _int({"total_iters": total_iters}, "total_iters", 0)

    def lr_for(self, e):
        return self.base * (self.factor if e < self.total else 1.0)


class PolynomialLR(_Base):
    def __init__(self, base, total_iters=5, power=1.0):
        super().__init__(base)
        self.total = _int({"total_iters": total_iters}, "total_iters", 1)
        self.power = _float({"power": power}, "power")

    def lr_for(self, e):
        return self.base * (1.0 - min(self.total, e) / self.total) ** self.power


class InverseSqrt(_Base):
    def lr_for(self, e):
        return self.base / math.sqrt(e + 1)


def _momentum_target(opt, values) -> str:
    """Which hyperparameter torch cycles: β₁ where the optimizer has betas, else momentum (torch's rule)."""
    if "beta1" in opt.names():
        return "beta1"
    if opt.key == "gd":
        raise ValueError("cycle_momentum=True would give gradient descent a momentum (torch's SGD has a momentum "
                         "of 0 to cycle): race 'momentum' instead, or pass cycle_momentum=False")
    if "momentum" in opt.names():
        return "momentum"
    raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled "
                     f"({opt.label} has neither: pass cycle_momentum=False)")


class OneCycleLR(_Base):
    def __init__(self, base, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95, div_factor=25.0,
                 final_div_factor=1e4, three_phase=False, *, _opt=None, _values=None):
        super().__init__(base)
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
            total_steps = _int({"epochs": epochs}, "epochs", 1) * _int({"steps_per_epoch": steps_per_epoch},
                                                                       "steps_per_epoch", 1)
        self.total = _int({"total_steps": total_steps}, "total_steps", 1)
        pct = _float({"pct_start": pct_start}, "pct_start", low=0.0, high=1.0)
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self.cos = anneal_strategy == "cos"
        max_lr = _float({"max_lr": max_lr}, "max_lr", low=0.0)
        initial = max_lr / _float({"div_factor": div_factor}, "div_factor", low=1e-300)
        lrs = {"initial_lr": initial, "max_lr": max_lr,
               "min_lr": initial / _float({"final_div_factor": final_div_factor}, "final_div_factor", low=1e-300)}
        mom = {"max_momentum": _float({"max_momentum": max_momentum}, "max_momentum", low=0.0, high=1.0),
               "base_momentum": _float({"base_momentum": base_momentum}, "base_momentum", low=0.0, high=1.0)}
        self.values = {**lrs, **mom}
        if three_phase:
            self.phases = [(float(pct * self.total) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                           (float(2 * pct * self.total) - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                           (self.total - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        else:
            self.phases = [(float(pct * self.total) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                           (self.total - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        self.cycles = _momentum_target(_opt, _values) if cycle_momentum else None

    def _anneal(self, start, end, pct):
        if self.cos:
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def _at(self, e, lr: bool):
        start_step = 0.0
        for i, (end_step, s_lr, e_lr, s_m, e_m) in enumerate(self.phases):
            if e <= end_step or i == len(self.phases) - 1:
                pct = (e - start_step) / (end_step - start_step)
                a, b = (s_lr, e_lr) if lr else (s_m, e_m)
                return self._anneal(self.values[a], self.values[b], pct)
            start_step = end_step

    def lr_for(self, e):
        return self._at(e, True)

    def momentum_for(self, e):
        return self._at(e, False) if self.cycles else None


class CyclicLR(_Base):
    def __init__(self, base, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular", gamma=1.0,
                 scale_mode="cycle", cycle_momentum=True, base_momentum=0.8, max_momentum=0.9, *, _opt=None,
                 _values=None):
        super().__init__(base)
        self.base_lr, self.max_lr = _float({"base_lr": base_lr}, "base_lr", low=0.0), _float({"max_lr": max_lr}, "max_lr")
        up = float(_int({"step_size_up": step_size_up}, "step_size_up", 1))
        down = float(_int({"step_size_down": step_size_down}, "step_size_down", 1)) if step_size_down is not None else up
        self.total, self.ratio = up + down, up / (up + down)
        if mode not in ("triangular", "triangular2", "exp_range"):
            raise ValueError("mode is invalid and scale_fn is None")
        self.mode, self.gamma = mode, _float({"gamma": gamma}, "gamma")
        self.scale_mode = "iterations" if mode == "exp_range" else "cycle"
        self.base_m = _float({"base_momentum": base_momentum}, "base_momentum", low=0.0, high=1.0)
        self.max_m = _float({"max_momentum": max_momentum}, "max_momentum", low=0.0, high=1.0)
        self.cycles = _momentum_target(_opt, _values) if cycle_momentum else None

    def _scale(self, x):
        return {"triangular": 1.0, "triangular2": 1 / (2.0 ** (x - 1))}.get(self.mode, None) or self.gamma**x

    def _parts(self, e):
        cycle = math.floor(1 + e / self.total)
        x = 1.0 + e / self.total - cycle
        factor = x / self.ratio if x <= self.ratio else (x - 1) / (self.ratio - 1)
        return factor, self._scale(cycle if self.scale_mode == "cycle" else e)

    def lr_for(self, e):
        factor, scale = self._parts(e)
        return self.base_lr + (self.max_lr - self.base_lr) * factor * scale

    def momentum_for(self, e):
        if not self.cycles:
            return None
        factor, scale = self._parts(e)
        return self.max_m - (self.max_m - self.base_m) * factor * scale


class ReduceLROnPlateau(_Base):
    needs_loss = True

    def __init__(self, base, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel", cooldown=0,
                 min_lr=0.0, eps=1e-8):
        super().__init__(base)
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode} is unknown!")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold mode {threshold_mode} is unknown!")
        self.factor = _float({"factor": factor}, "factor", low=0.0)
        if self.factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        self.mode, self.threshold_mode = mode, threshold_mode
        self.patience, self.cooldown = _int({"patience": patience}, "patience"), _int({"cooldown": cooldown}, "cooldown")
        self.threshold, self.min_lr, self.eps = (_float({"threshold": threshold}, "threshold"),
                                                 _float({"min_lr": min_lr}, "min_lr"), _float({"eps": eps}, "eps"))

    def start(self, shape):
        """Per-row state: the lr, the best loss, bad epochs and cooldown, shaped like the batch's lr column."""
        self.lr = np.broadcast_to(np.asarray(self.base, dtype=float), shape).copy()
        self.best = np.full(shape, math.inf if self.mode == "min" else -math.inf)
        self.bad = np.zeros(shape, dtype=int)
        self.cool = np.zeros(shape, dtype=int)

    def observe(self, loss):
        """torch's step(metric), row by row."""
        loss = np.asarray(loss, dtype=float).reshape(self.lr.shape)
        if self.mode == "min":
            better = loss < self.best * (1.0 - self.threshold) if self.threshold_mode == "rel" else loss < self.best - self.threshold
        else:
            better = loss > self.best * (1.0 + self.threshold) if self.threshold_mode == "rel" else loss > self.best + self.threshold
        self.best = np.where(better, loss, self.best)
        self.bad = np.where(better, 0, self.bad + 1)
        cooling = self.cool > 0
        self.cool = np.where(cooling, self.cool - 1, self.cool)
        self.bad = np.where(cooling, 0, self.bad)
        reduce = self.bad > self.patience
        new = np.maximum(self.lr * self.factor, self.min_lr)
        self.lr = np.where(reduce & (self.lr - new > self.eps), new, self.lr)
        self.cool = np.where(reduce, self.cooldown, self.cool)
        self.bad = np.where(reduce, 0, self.bad)


class SequentialLR(_Base):
    def __init__(self, base, schedulers, milestones, *, _opt=None, _values=None):
        super().__init__(base)
        if not isinstance(schedulers, (list, tuple)) or not schedulers:
            raise ValueError(f"Invalid schedulers: {schedulers!r} (expected a list of schedule dicts)")
        try:
            self.milestones = [int(m) for m in milestones]
        except (TypeError, ValueError):
            raise ValueError(f"Invalid milestones: {milestones!r} (expected a list of integers)") from None
        if len(self.milestones) != len(schedulers) - 1:
            raise ValueError(f"Sequential Schedulers expects number of schedulers provided to be one more than the "
                             f"number of milestone points, but got number of schedulers {len(schedulers)} and the "
                             f"number of milestones to be equal to {len(self.milestones)}")
        self.children = []
        for spec in schedulers:
            child = build(spec, base, _opt, _values)
            if isinstance(child, (ReduceLROnPlateau, SequentialLR, OneCycleLR, CyclicLR)):
                raise ValueError(f"{type(child).__name__} cannot be part of a SequentialLR here")
            self.children.append(child)

    def lr_for(self, e):
        i = bisect.bisect_right(self.milestones, e)
        return self.children[i].lr_for(e - (self.milestones[i - 1] if i else 0))


SCHEDULES = {c.__name__: c for c in (StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, CosineAnnealingWarmRestarts,
                                     LinearLR, ConstantLR, PolynomialLR, OneCycleLR, CyclicLR, ReduceLROnPlateau,
                                     SequentialLR, InverseSqrt)}
_NEEDS_OPTIMIZER = (OneCycleLR, CyclicLR, SequentialLR)


def build(spec, base_lr, opt, values):
    """A schedule from {"name": …, keyword: value, …}; ValueError naming what is wrong."""
    if not isinstance(spec, dict) or "name" not in spec:
        raise ValueError(f"Invalid lr_schedule: {spec!r} (expected a dict with a 'name', e.g. "
                         "{'name': 'CosineAnnealingLR', 'T_max': 100})")
    kw = {k: v for k, v in spec.items() if k != "name"}
    cls = SCHEDULES.get(spec["name"])
    if cls is None:
        raise ValueError(f"Unknown schedule {spec['name']!r}. Valid: {', '.join(SCHEDULES)}")
    if cls in _NEEDS_OPTIMIZER:
        kw.update(_opt=opt, _values=values)
    try:
        return cls(base_lr, **kw)
    except TypeError as err:  # an unknown or missing keyword
        raise ValueError(f"Invalid keywords for {spec['name']}: {err}".replace("__init__() ", "")) from None
