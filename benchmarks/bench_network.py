"""How fast does networks.train run, next to torch's own loop (1 thread), in this one run?

    python benchmarks/bench_network.py            # about half a minute; the torch column when torch imports
    python benchmarks/bench_network.py --reps 9   # steadier medians on a busy machine

Two models: the article's nn.Sequential(nn.Linear(10, 5), nn.Linear(5, 1)) on 200 points, and a 2-64-64-1 Tanh MLP
on 1 000 points (moons). Full batch, float64, Adam and SGD; time per training step (forward, loss, backward, update)
as the median of `reps` interleaved runs. Then what the page costs: the article's model with 6 optimizers for 100
steps (training, landscape slice), uncached, as a redraw after a slider change computes it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import table, timings  # noqa: E402

import networks  # noqa: E402

try:
    import torch
    from torch import nn
except ImportError:
    torch = None

STEPS = 100
CASES = {
    "article 10-5-1, 200 points": (networks.Sequential(networks.Linear(10, 5), networks.Linear(5, 1)), "mse",
                                   lambda: networks.data.regression(n=200, seed=0)),
    "MLP 2-64-64-1 tanh, 1000 points": (networks.mlp(2, 1, 64, 2, "tanh"), "bce",
                                        lambda: networks.data.classification("moons", n=1000, seed=0)),
}
TORCH = {"adam": lambda p: torch.optim.Adam(p, lr=1e-3), "gd": lambda p: torch.optim.SGD(p, lr=1e-3)}


def torch_loop(model, loss, X, y, params, key):
    kinds = {"Linear": lambda m: nn.Linear(m.in_features, m.out_features), "ReLU": lambda m: nn.ReLU(),
             "Tanh": lambda m: nn.Tanh()}
    net = nn.Sequential(*(kinds[type(m).__name__](m) for m in model.modules)).double()
    net.load_state_dict({k: torch.tensor(v) for k, v in params.items()})
    Xt, yt = torch.tensor(X), torch.tensor(y)
    loss_fn = nn.MSELoss() if loss == "mse" else nn.BCEWithLogitsLoss()

    def run():
        opt = TORCH[key](net.parameters())
        for _ in range(STEPS):
            opt.zero_grad()
            value = loss_fn(net(Xt), yt)
            value.backward()
            opt.step()
    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    if torch is not None:
        torch.set_num_threads(1)
    print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; numpy {np.__version__}"
          + (f", torch {torch.__version__} (1 thread)" if torch else ", torch not installed"))
    rows = []
    for name, (model, loss, data) in CASES.items():
        X, y = data()
        params = model.init(seed=0)
        for key in ("adam", "gd"):
            contenders = {"engine": lambda m=model, k=key, X=X, y=y, p=params, lo=loss:
                          networks.train(m, k, X, y, STEPS, params=p, loss=lo)}
            if torch is not None:
                contenders["torch"] = torch_loop(model, loss, X, y, params, key)
            t = {k: 1e6 * min(v) / STEPS for k, v in timings(contenders, args.reps).items()}  # min: the least disturbed
            ratio = f"{t['engine'] / t['torch']:.2f}" if "torch" in t else "-"
            rows.append((f"{name}, {key}", model.size, f"{t['engine']:.0f}", f"{t['torch']:.0f}" if "torch" in t else "-",
                         ratio))
    table(f"Time per training step (µs; best of {args.reps} runs of {STEPS} steps)",
          ("model, optimizer", "params", "engine", "torch", "engine / torch"), rows)

    # the page: 6 optimizers on the article's model, uncached, as after a slider change that touches all of them
    from ui import network_compute as nc
    from ui.network_settings import NetSettings

    s = NetSettings(optimizers=("adam", "gd", "momentum", "rmsprop", "adagrad", "nadam"))

    def page_compute():
        nc.train.cache_clear()
        nc.slice_of.cache_clear()
        keys = tuple(nc.run_key(s, k) for k in s.optimizers)
        for k in keys:
            nc.train(k)
        nc.slice_of(keys, None)

    lrs = iter(np.geomspace(1e-4, 1e-2, 1000))

    def one_run():  # a slider change: Adam's α moves, Adam retrains, the others come from the cache, the slice is redrawn
        moved = NetSettings(optimizers=s.optimizers, hps={"adam": {"lr": float(next(lrs))}})
        nc.slice_of(tuple(nc.run_key(moved, k) for k in moved.optimizers), None)

    t = timings({"all": page_compute}, args.reps)["all"]
    t1 = timings({"one": one_run}, args.reps)["one"]
    table("The page's computation, article's model, 6 optimizers × 100 steps (ms, median)",
          ("what", "ms"), [("train all 6 + landscape slice (cold)", f"{1e3 * np.median(t):.1f}"),
                           ("retrain 1 + landscape slice (a slider change)", f"{1e3 * np.median(t1):.1f}")])


if __name__ == "__main__":
    main()
