"""Write tests/fixtures/torch_networks.json: torch trainings of small networks that networks.train must reproduce.

    pip install torch==2.13.0 && python tests/make_network_fixtures.py

Every case is torch's own loop in float64, full batch (zero_grad, forward, loss, backward, step), from parameters
drawn by networks' init and loaded with load_state_dict, on data made by networks.data (stored in the file, so the
test does not depend on the generators). Each case is also run from parameters moved by 1e-15 and cut where the two
loss curves part by more than 1e-11 relative, so a 1e-9 tolerance is meaningful.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_torch_fixtures import CONFIGS, FAMILY, TORCH, split_pairs, torch_keywords  # noqa: E402

import networks  # noqa: E402
import optimizers  # noqa: E402

OUT = Path(__file__).parent / "fixtures" / "torch_networks.json"
STEPS = 100
MIN_STEPS = 40
STABLE = 1e-11
TINY = 1e-10  # a loss this small: cut the case there
LR = {"sgd": 0.05, "adagrad": 0.1, "rmsprop": 0.01, "adadelta": 1.0, "adam": 0.01, "radam": 0.01}

# name -> (modules as [kind, in, out], loss, data)
MODELS = {
    "article": ([["Linear", 10, 5], ["Linear", 5, 1]], "mse", ("regression", "linear", 64, 0.1, 0)),
    "relu": ([["Linear", 10, 8], ["ReLU"], ["Linear", 8, 1]], "mse", ("regression", "nonlinear", 64, 0.1, 1)),
    "tanh": ([["Linear", 2, 8], ["Tanh"], ["Linear", 8, 8], ["Tanh"], ["Linear", 8, 1]], "bce",
             ("classification", "moons", 64, 0.1, 2)),
}


def ours(spec):
    kinds = {"Linear": networks.Linear, "ReLU": networks.ReLU, "Tanh": networks.Tanh}
    return networks.Sequential(*(kinds[m[0]](*m[1:]) for m in spec))


def theirs(spec):
    kinds = {"Linear": nn.Linear, "ReLU": nn.ReLU, "Tanh": nn.Tanh}
    return nn.Sequential(*(kinds[m[0]](*m[1:]) for m in spec)).double()


def dataset(kind, name, n, noise, seed):
    if kind == "regression":
        return networks.data.regression(n=n, noise=noise, seed=seed, kind=name)
    return networks.data.classification(name, n=n, noise=noise, seed=seed)


def torch_train(spec, loss, key, X, y, params, steps, hp):
    cls, pinned = TORCH[key]
    kwargs = torch_keywords(key, {**hp, **pinned})
    model = theirs(spec)
    model.load_state_dict({k: torch.tensor(v) for k, v in params.items()})
    opt = cls(model.parameters(), **kwargs)
    if hasattr(opt, "train"):  # schedule-free: train mode before the first step
        opt.train()
    loss_fn = nn.MSELoss() if loss == "mse" else nn.BCEWithLogitsLoss()
    Xt, yt = torch.tensor(X), torch.tensor(y)
    curve, path = [], []
    for _ in range(steps):
        opt.zero_grad()
        value = loss_fn(model(Xt), yt)
        value.backward()
        opt.step()
        curve.append(value.item())
        path.append(torch.cat([p.detach().flatten() for p in model.parameters()]).numpy().copy())
    final = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    return np.array(curve), np.array(path), final


def stable_steps(a, b, path_a, path_b):
    """How many steps the two runs agree on, in the loss and in every parameter."""
    with np.errstate(invalid="ignore"):
        off = ~(np.abs(a - b) <= STABLE * np.maximum(1.0, np.abs(a)))
        off |= ~(np.abs(path_a - path_b) <= STABLE * np.maximum(1.0, np.abs(path_a))).all(axis=1)
    return int(off.argmax()) if off.any() else a.size


def main():
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(0)
    data, cases = {}, []
    for model_name, (spec, loss, source) in MODELS.items():
        X, y = dataset(*source)
        data[model_name] = {"modules": spec, "loss": loss, "source": list(source), "X": X.tolist(), "y": y.tolist()}
        params = ours(spec).init(seed=7)
        data[model_name]["params"] = {k: v.tolist() for k, v in params.items()}
        for key, configs in CONFIGS.items():
            if not optimizers.get(key).elementwise:  # networks.train takes elementwise optimizers only
                continue
            # every configuration on the article's model; the first one (torch's defaults) on the others
            for config in configs if model_name == "article" else configs[:1]:
                hp = split_pairs(key, config)
                hp.setdefault("lr", LR[FAMILY.get(key, "adam")])
                optimizers.get(key).resolve(**hp)
                curve, path, _ = torch_train(spec, loss, key, X, y, params, STEPS, hp)
                nudged = {k: v * (1 + 1e-15) for k, v in params.items()}
                other, other_path, _ = torch_train(spec, loss, key, X, y, nudged, STEPS, hp)
                keep = stable_steps(curve, other, path, other_path)
                tiny = np.flatnonzero(curve < TINY)  # below it a gradient is rounding noise, whose sign Rprop follows
                keep = min(keep, int(tiny[0])) if tiny.size else keep
                if keep < MIN_STEPS:
                    print(f"drop  {key:9s} {model_name:8s} {hp}: stable for {keep} steps only")
                    continue
                curve, _, final = torch_train(spec, loss, key, X, y, params, keep, hp)
                cases.append({"model": model_name, "optimizer": key, "steps": keep, "hyperparameters": hp,
                              "loss": curve.tolist(), "params": {k: v.tolist() for k, v in final.items()}})
                print(f"keep  {key:9s} {model_name:8s} {keep:4d} steps  loss {curve[0]:.4g} -> {curve[-1]:.4g}  {hp}")
    meta = {"torch": torch.__version__, "dtype": "float64", "stable_within": STABLE, "init_seed": 7}
    OUT.write_text(json.dumps({"meta": meta, "models": data, "cases": cases}, separators=(",", ":")))
    print(f"wrote {len(cases)} cases to {OUT} ({OUT.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
