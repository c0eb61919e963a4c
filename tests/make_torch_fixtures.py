"""Write tests/fixtures/torch_reference.json: torch.optim trajectories the engine must reproduce.

    pip install torch==2.13.0 && python tests/make_torch_fixtures.py

Every case runs torch.optim in float64 (default dtype float64, so the step counter and NAdam's
mu_product are float64 too) on a gradient computed by our own surface code, so the fixtures test
the optimizers alone. Paths through chaotic stretches amplify torch's fused multiply-adds, so each
case is also run from a start moved by 1e-15 and cut where the two runs part by more than 1e-11:
what is kept is insensitive to round-off, and a 1e-9 tolerance then means something.
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import version
from pathlib import Path

import lion_pytorch
import numpy as np
import schedulefree
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import optimizers  # noqa: E402
import surfaces  # noqa: E402

OUT = Path(__file__).parent / "fixtures" / "torch_reference.json"
STEPS = 80
MIN_STEPS = 25  # a case that cannot keep this many round-off-stable steps is dropped
MIN_CLOSURE_STEPS = 4  # LBFGS: each step is up to max_iter moves, and it converges in a handful
STABLE = 1e-11

TORCH = {  # our key -> (torch class, keywords pinned by the variant)
    "gd": (torch.optim.SGD, {}), "momentum": (torch.optim.SGD, {}), "nag": (torch.optim.SGD, {"nesterov": True}),
    "adagrad": (torch.optim.Adagrad, {}), "rmsprop": (torch.optim.RMSprop, {}),
    "adadelta": (torch.optim.Adadelta, {}), "adam": (torch.optim.Adam, {}),
    "amsgrad": (torch.optim.Adam, {"amsgrad": True}), "adamw": (torch.optim.AdamW, {}),
    "nadam": (torch.optim.NAdam, {}), "adamax": (torch.optim.Adamax, {}), "radam": (torch.optim.RAdam, {}),
    "rprop": (torch.optim.Rprop, {}), "asgd": (torch.optim.ASGD, {}), "adafactor": (torch.optim.Adafactor, {}),
    "lbfgs": (torch.optim.LBFGS, {}),
    # beyond torch: the reference packages, named with their versions in the fixture file
    "lion": (lion_pytorch.Lion, {"use_triton": False}), "schedule_free_adamw": (schedulefree.AdamWScheduleFree, {}),
}
REFERENCES = {"lion": f"lion-pytorch {version('lion-pytorch')}", "schedule_free_adamw": f"schedulefree {version('schedulefree')}"}

# Non-default hyperparameters, every flag at least once. lr is scaled per surface below.
CONFIGS = {
    "gd": [{}, {"weight_decay": 0.1}],
    "momentum": [{"momentum": 0.9}, {"momentum": 0.5, "dampening": 0.5}, {"momentum": 0.8, "weight_decay": 0.05}],
    "nag": [{"momentum": 0.9}, {"momentum": 0.5, "weight_decay": 0.05}],
    "adagrad": [{}, {"lr_decay": 0.01, "initial_accumulator_value": 0.1}, {"weight_decay": 0.1, "eps": 1e-3}],
    "rmsprop": [{}, {"alpha": 0.9}, {"centered": True}, {"momentum": 0.5},
                {"centered": True, "momentum": 0.3, "weight_decay": 0.05, "eps": 1e-4}],
    "adadelta": [{}, {"rho": 0.95, "eps": 1e-4}, {"weight_decay": 0.1}],
    "adam": [{}, {"betas": (0.8, 0.99), "eps": 1e-6}, {"amsgrad": True}, {"weight_decay": 0.1},
             {"betas": (0.3, 0.6)}],
    "amsgrad": [{}, {"betas": (0.5, 0.9), "weight_decay": 0.05}, {"eps": 1e-4}],
    "adamw": [{}, {"weight_decay": 0.1, "amsgrad": True}, {"betas": (0.8, 0.99), "eps": 1e-6}],
    "nadam": [{}, {"momentum_decay": 0.01, "betas": (0.8, 0.99), "eps": 1e-6}, {"weight_decay": 0.1},
              {"weight_decay": 0.1, "decoupled_weight_decay": True}],
    "adamax": [{}, {"betas": (0.8, 0.99), "weight_decay": 0.05, "eps": 1e-4}],
    "radam": [{}, {"betas": (0.9, 0.99), "eps": 1e-6}, {"weight_decay": 0.1, "decoupled_weight_decay": True},
              {"betas": (0.9, 0.6)}],
    "rprop": [{}, {"etas": (0.4, 1.3)}, {"step_sizes": (1e-4, 0.5)}],
    "asgd": [{}, {"lambd": 0.01, "alpha": 0.5, "t0": 20.0}, {"weight_decay": 0.05, "t0": 5.0}],
    "adafactor": [{}, {"beta2_decay": -0.5, "eps": (None, 1e-2)}, {"d": 2.0, "weight_decay": 0.05},
                  {"eps": (1e-10, 1e-3)}],
    "lion": [{}, {"betas": (0.8, 0.95)}, {"weight_decay": 0.1}],
    "lbfgs": [{}, {"line_search_fn": "strong_wolfe"}, {"max_iter": 5, "history_size": 3},
              {"line_search_fn": "strong_wolfe", "max_eval": 8, "tolerance_grad": 1e-5, "tolerance_change": 1e-6},
              {"history_size": 2, "line_search_fn": "strong_wolfe", "max_iter": 3}],
    "schedule_free_adamw": [{}, {"warmup_steps": 10, "betas": (0.8, 0.99)},
                            {"r": 1.0, "weight_lr_power": 1.0, "weight_decay": 0.01, "eps": 1e-6}],
}

# (surface, start, base lr per optimizer family). quad5 is a 5-D diagonal quadratic: D is not always 2.
QUAD5_SCALES = [1.0, 3.0, 0.5, 10.0, 0.1]
SURFACES = [
    ("rosenbrock", [-1.2, 1.0],
     {"sgd": 1e-3, "adagrad": 0.3, "rmsprop": 0.01, "adadelta": 1.0, "adam": 0.05, "radam": 1e-3, "lbfgs": 0.2}),
    ("himmelblau", [0.5, -0.5],
     {"sgd": 0.005, "adagrad": 0.5, "rmsprop": 0.05, "adadelta": 1.0, "adam": 0.1, "radam": 0.01, "lbfgs": 0.5}),
    ("quad5", [1.0, -2.0, 0.5, 1.5, 3.0],
     {"sgd": 0.05, "adagrad": 0.5, "rmsprop": 0.05, "adadelta": 1.0, "adam": 0.1, "radam": 0.05, "lbfgs": 1.0}),
]
FAMILY = {"gd": "sgd", "momentum": "sgd", "nag": "sgd", "adagrad": "adagrad", "rmsprop": "rmsprop",
          "adadelta": "adadelta", "radam": "radam", "asgd": "sgd", "rprop": "rmsprop", "lion": "radam",
          "adafactor": "adagrad", "lbfgs": "lbfgs"}


class Quad5:
    """f = ½ Σ aᵢ xᵢ² : a flat parameter vector of length 5, like a small network's."""

    scales = np.array(QUAD5_SCALES)

    def value(self, x):
        return 0.5 * (self.scales * np.asarray(x) ** 2).sum(axis=-1)

    def grad(self, x):
        return self.scales * np.asarray(x)


def surface(name):
    return Quad5() if name == "quad5" else surfaces.get(name)


def torch_keywords(key, hp):
    """Our split names back into torch's tuples: beta1, beta2 -> betas=(…), etaminus, etaplus -> etas=(…), …"""
    out = dict(hp)
    for pair, (a, b) in optimizers.get(key).pair_keywords().items():
        if a in out or b in out:
            defaults = optimizers.get(key).defaults()
            out[pair] = (out.pop(a, defaults[a]), out.pop(b, defaults[b]))
    return out


def split_pairs(key, config):
    """A config in torch's spelling, with our names: {"etas": (0.4, 1.3)} -> {"etaminus": 0.4, "etaplus": 1.3}."""
    hp = dict(config)
    for pair, (a, b) in optimizers.get(key).pair_keywords().items():
        if pair in hp:
            hp[a], hp[b] = hp.pop(pair)
    return hp


def _call_args(key, hp):
    return ", ".join(f"{k}={v!r}" for k, v in torch_keywords(key, {**hp, **TORCH[key][1]}).items())


def torch_run(key, surf, start, steps, hp):
    cls, pinned = TORCH[key]
    kwargs = torch_keywords(key, {**hp, **pinned})
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = cls([p], **kwargs)
    if hasattr(opt, "train"):  # schedule-free: train mode before the first step
        opt.train()
    path, states, evals = [p.detach().numpy().copy()], {}, []

    def closure():  # LBFGS: the loss, and the gradient set, at wherever the optimizer has put p
        x = p.detach().numpy().copy()
        evals[-1].append(x.tolist())
        p.grad = torch.from_numpy(np.asarray(surf.grad(x), dtype=np.float64).copy())
        return torch.tensor(float(surf.value(x)))

    for _ in range(steps):
        if key == "lbfgs":
            evals.append([])
            opt.step(closure)
        else:
            p.grad = torch.from_numpy(np.asarray(surf.grad(p.detach().numpy()), dtype=np.float64).copy())
            opt.step()
        path.append(p.detach().numpy().copy())
        for name, value in opt.state[p].items():
            if torch.is_tensor(value) and value.shape == p.shape:
                states.setdefault(name, []).append(value.numpy().copy())
    return np.array(path), {k: np.array(v) for k, v in states.items()}, evals


def stable_evals(evals, other):
    """The steps before the first whose evaluations differ in number or part by more than STABLE."""
    for k, (a, b) in enumerate(zip(evals, other, strict=True)):
        if len(a) != len(b) or stable_steps(np.array(a), np.array(b)) < len(a) - 1:
            return k
    return len(evals)


def stable_steps(path, other):
    with np.errstate(invalid="ignore", over="ignore"):
        return _stable_steps(path, other)


def _stable_steps(path, other):
    scale = np.maximum(1.0, np.abs(path))
    off = np.abs(path - other) > STABLE * scale
    off |= ~np.isfinite(path) | ~np.isfinite(other)
    bad = off.any(axis=1)
    return int(bad.argmax()) - 1 if bad.any() else path.shape[0] - 1


def main():
    torch.set_default_dtype(torch.float64)
    cases = []
    for key, configs in CONFIGS.items():
        for surf_name, start, lrs in SURFACES:
            for config in configs:
                hp = split_pairs(key, config)
                hp.setdefault("lr", lrs[FAMILY.get(key, "adam")])
                optimizers.get(key).resolve(**hp)  # the same keywords must be valid for the engine
                surf = surface(surf_name)
                path, states, evals = torch_run(key, surf, start, STEPS, hp)
                nudged = np.array(start) * (1 + 1e-15) + 1e-15
                other, _, other_evals = torch_run(key, surf, nudged, STEPS, hp)
                keep = stable_steps(path, other)
                if evals:  # L-BFGS: the evaluations inside each step must be as insensitive as the path
                    keep = min(keep, stable_evals(evals, other_evals))
                if keep < (MIN_CLOSURE_STEPS if key == "lbfgs" else MIN_STEPS):
                    print(f"drop  {key:9s} {surf_name:10s} {hp}: stable for {keep} steps only")
                    continue
                cases.append({
                    "optimizer": key, "surface": surf_name, "start": start, "steps": keep,
                    "hyperparameters": hp,
                    "torch": f"{TORCH[key][0].__name__}({_call_args(key, hp)})",
                    "reference": REFERENCES.get(key, f"torch {torch.__version__}"),
                    "path": path[: keep + 1].tolist(),
                    "state": {k: v[:keep].tolist() for k, v in states.items()},
                    **({"evals": evals[:keep]} if evals else {}),
                })
                print(f"keep  {key:9s} {surf_name:10s} {keep:4d} steps {hp}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    meta = {"torch": torch.__version__, "references": REFERENCES, "dtype": "float64", "stable_within": STABLE,
            "quad5_scales": QUAD5_SCALES}
    OUT.write_text(json.dumps({"meta": meta, "cases": cases}, separators=(",", ":")))
    print(f"wrote {len(cases)} cases to {OUT} ({OUT.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
