"""Write tests/fixtures/torch_schedules.json: torch.optim.lr_scheduler driving torch.optim, step for step.

    pip install torch==2.13.0 && python tests/make_schedule_fixtures.py

torch's loop: optimizer.step(), then scheduler.step() (ReduceLROnPlateau: scheduler.step(loss), the loss at the
point where that step's gradient was taken). Recorded: the path, the lr each step used and, where a schedule
cycles it, the momentum or β₁. Cut, like the optimizer fixtures, where a 1e-15 nudge of the start changes torch's run.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_torch_fixtures import TORCH, split_pairs, stable_steps, torch_keywords  # noqa: E402

import surfaces  # noqa: E402

OUT = Path(__file__).parent / "fixtures" / "torch_schedules.json"
STEPS = 60
COS = {"name": "CosineAnnealingLR", "T_max": 40, "eta_min": 1e-4}
SCHEDULES = [
    {"name": "StepLR", "step_size": 15, "gamma": 0.5},
    {"name": "MultiStepLR", "milestones": [10, 25, 40], "gamma": 0.3},
    {"name": "ExponentialLR", "gamma": 0.97},
    COS,
    {"name": "CosineAnnealingWarmRestarts", "T_0": 10, "T_mult": 2, "eta_min": 1e-4},
    {"name": "LinearLR", "start_factor": 0.1, "end_factor": 1.0, "total_iters": 20},
    {"name": "ConstantLR", "factor": 0.25, "total_iters": 12},
    {"name": "PolynomialLR", "total_iters": 50, "power": 2.0},
    {"name": "OneCycleLR", "max_lr": 0.05, "total_steps": 60},
    {"name": "OneCycleLR", "max_lr": 0.05, "total_steps": 80, "anneal_strategy": "linear", "three_phase": True},
    {"name": "OneCycleLR", "max_lr": 0.05, "total_steps": 60, "cycle_momentum": False},
    {"name": "CyclicLR", "base_lr": 0.001, "max_lr": 0.02, "step_size_up": 8},
    {"name": "CyclicLR", "base_lr": 0.001, "max_lr": 0.02, "step_size_up": 5, "step_size_down": 10,
     "mode": "exp_range", "gamma": 0.97},
    {"name": "CyclicLR", "base_lr": 0.001, "max_lr": 0.02, "step_size_up": 6, "mode": "triangular2",
     "cycle_momentum": False},
    {"name": "ReduceLROnPlateau", "factor": 0.5, "patience": 2, "threshold": 0.05},
    {"name": "ReduceLROnPlateau", "mode": "min", "factor": 0.3, "patience": 1, "threshold": 0.01,
     "threshold_mode": "abs", "cooldown": 2, "min_lr": 1e-3},
    {"name": "SequentialLR", "schedulers": [{"name": "LinearLR", "start_factor": 0.1, "total_iters": 10}, COS],
     "milestones": [10]},
    {"name": "InverseSqrt"},
]
# (optimizer, its hyperparameters, surface, start): SGD with momentum cycles momentum, Adam β₁, RMSprop momentum
RUNS = [("momentum", {"lr": 0.01, "momentum": 0.9}, "himmelblau", [0.5, -0.5]),
        ("adam", {"lr": 0.05}, "rosenbrock", [-1.2, 1.0]),
        ("rmsprop", {"lr": 0.01, "momentum": 0.5}, "himmelblau", [-1.0, 1.0])]


def build(spec, opt):
    spec = dict(spec)
    name = spec.pop("name")
    if name == "InverseSqrt":
        return torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 1 / math.sqrt(t + 1))
    if name == "SequentialLR":
        children = [build(c, opt) for c in spec.pop("schedulers")]
        return torch.optim.lr_scheduler.SequentialLR(opt, children, **spec)
    return getattr(torch.optim.lr_scheduler, name)(opt, **spec)


def run(key, hp, surf, start, spec, steps):
    cls, pinned = TORCH[key]
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = cls([p], **torch_keywords(key, {**hp, **pinned}))
    sched = build(spec, opt)
    path, lrs, moms = [p.detach().numpy().copy()], [], []
    for _ in range(steps):
        group = opt.param_groups[0]
        lrs.append(float(group["lr"]))
        moms.append(float(group["betas"][0]) if "betas" in group else float(group.get("momentum", float("nan"))))
        loss = float(surf.value(p.detach().numpy()))
        p.grad = torch.from_numpy(np.asarray(surf.grad(p.detach().numpy()), dtype=np.float64).copy())
        opt.step()
        if spec["name"] == "ReduceLROnPlateau":
            sched.step(loss)
        else:
            sched.step()
        path.append(p.detach().numpy().copy())
    return np.array(path), np.array(lrs), np.array(moms)


def main():
    torch.set_default_dtype(torch.float64)
    cases = []
    for spec in SCHEDULES:
        for key, hp, surf_name, start in RUNS:
            surf = surfaces.get(surf_name)
            path, lrs, moms = run(key, split_pairs(key, hp), surf, start, spec, STEPS)
            other, _, _ = run(key, split_pairs(key, hp), surf, np.array(start) * (1 + 1e-15) + 1e-15, spec, STEPS)
            keep = stable_steps(path, other)
            if keep < 25:
                print(f"drop  {spec['name']:28s} {key:9s}: stable for {keep} steps only")
                continue
            cycled = spec["name"] in ("OneCycleLR", "CyclicLR") and spec.get("cycle_momentum", True)
            cases.append({"schedule": spec, "optimizer": key, "hyperparameters": hp, "surface": surf_name,
                          "start": start, "steps": keep, "path": path[: keep + 1].tolist(), "lr": lrs[:keep].tolist(),
                          "momentum": moms[:keep].tolist() if cycled else None})
            print(f"keep  {spec['name']:28s} {key:9s} {keep:3d} steps  lr {lrs[0]:.3g} -> {lrs[keep - 1]:.3g}")
    meta = {"torch": torch.__version__, "dtype": "float64"}
    OUT.write_text(json.dumps({"meta": meta, "cases": cases}, separators=(",", ":")))
    print(f"wrote {len(cases)} cases to {OUT} ({OUT.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
