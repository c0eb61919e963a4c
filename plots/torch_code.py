"""The race as runnable torch code: the surface written in torch, the start, and each optimizer with the values on
screen, so that torch.optim computes the same paths the page draws. Pure text; torch is only needed to run it.

Each surface is given as torch source for its value and its hand-derived gradient, operation for operation as in
surfaces/classic.py, so the gradient torch steps on is the engine's to the last bit (autograd would reorder the
arithmetic). tests/test_torch_code.py checks every formula against the engine and, where torch is installed,
runs the snippet and compares its paths with the engine's to 1e-9.
"""

from __future__ import annotations

import optimizers

# surface key -> (value, gradient) in x, y (0-d float64 tensors); TAU = 2π and math are in scope
SURFACES = {
    "rosenbrock": ("(1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2",
                   "-2.0 * (1.0 - x) - 4.0 * 100.0 * x * (y - x**2), 2.0 * 100.0 * (y - x**2)"),
    "beale": ("(1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2",
              "2.0 * ((1.5 - x + x * y) * (y - 1.0) + (2.25 - x + x * y**2) * (y**2 - 1.0) "
              "+ (2.625 - x + x * y**3) * (y**3 - 1.0)), "
              "2.0 * x * ((1.5 - x + x * y) + 2.0 * y * (2.25 - x + x * y**2) + 3.0 * y**2 * (2.625 - x + x * y**3))"),
    "saddle": ("x**2 - y**2", "2.0 * x, -2.0 * y"),
    "monkey_saddle": ("x**3 - 3.0 * x * y**2", "3.0 * x**2 - 3.0 * y**2, -6.0 * x * y"),
    "himmelblau": ("(x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2",
                   "4.0 * x * (x**2 + y - 11.0) + 2.0 * (x + y**2 - 7.0), "
                   "2.0 * (x**2 + y - 11.0) + 4.0 * y * (x + y**2 - 7.0)"),
    "booth": ("(x + 2.0 * y - 7.0) ** 2 + (2.0 * x + y - 5.0) ** 2",
              "2.0 * (x + 2.0 * y - 7.0) + 4.0 * (2.0 * x + y - 5.0), 4.0 * (x + 2.0 * y - 7.0) + 2.0 * (2.0 * x + y - 5.0)"),
    "rastrigin": ("20.0 + x**2 - 10.0 * torch.cos(TAU * x) + y**2 - 10.0 * torch.cos(TAU * y)",
                  "2.0 * x + 10.0 * TAU * torch.sin(TAU * x), 2.0 * y + 10.0 * TAU * torch.sin(TAU * y)"),
    "ackley": ("-20.0 * torch.expm1(-0.2 * torch.hypot(x, y) / math.sqrt(2.0)) "
               "+ (math.e - torch.exp(0.5 * (torch.cos(TAU * x) + torch.cos(TAU * y))))",
               "ackley_grad(x, y)"),
    "goldstein_price": ("goldstein_price(x, y)[0]", "goldstein_price(x, y)[1]"),
    "six_hump_camel": ("(4.0 - 2.1 * x**2 + x**4 / 3.0) * x**2 + x * y + (-4.0 + 4.0 * y**2) * y**2",
                       "8.0 * x - 8.4 * x**3 + 2.0 * x**5 + y, x - 8.0 * y + 16.0 * y**3"),
    "styblinski_tang": ("0.5 * (x**4 - 16.0 * x**2 + 5.0 * x + y**4 - 16.0 * y**2 + 5.0 * y)",
                        "2.0 * x**3 - 16.0 * x + 2.5, 2.0 * y**3 - 16.0 * y + 2.5"),
    "matyas": ("0.26 * (x**2 + y**2) - 0.48 * x * y", "0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x"),
    "three_hump_camel": ("2.0 * x**2 - 1.05 * x**4 + x**6 / 6.0 + x * y + y**2",
                         "4.0 * x - 4.2 * x**3 + x**5 + y, x + 2.0 * y"),
    "ravine": ("0.5 * (0.4 * (C * x + S * y) ** 2 + 20.0 * (-S * x + C * y) ** 2)",
               "C * (0.4 * (C * x + S * y)) - S * (20.0 * (-S * x + C * y)), "
               "S * (0.4 * (C * x + S * y)) + C * (20.0 * (-S * x + C * y))"),
    "stretched_bowl": ("0.5 * (0.4 * x**2 + 20.0 * y**2)", "0.4 * x, 20.0 * y"),
}

# helpers some formulas call, as in surfaces/classic.py
HELPERS = {
    "ackley": '''
def ackley_grad(x, y):
    r = torch.hypot(x, y)
    r_safe = torch.where(r > 0.0, r, torch.ones_like(r))  # the cone's tip: a zero subgradient, not 0/0
    cone = 2.0 * math.sqrt(2.0) * torch.exp(-0.2 * r / math.sqrt(2.0)) / r_safe
    ripple = math.pi * torch.exp(0.5 * (torch.cos(TAU * x) + torch.cos(TAU * y)))
    return cone * x + ripple * torch.sin(TAU * x), cone * y + ripple * torch.sin(TAU * y)
''',
    "goldstein_price": '''
def goldstein_price(x, y):
    """(value, gradient) of Goldstein–Price."""
    s, d = x + y + 1.0, 2.0 * x - 3.0 * y
    p = 19.0 - 14.0 * x + 3.0 * x**2 - 14.0 * y + 6.0 * x * y + 3.0 * y**2
    q = 18.0 - 32.0 * x + 12.0 * x**2 + 48.0 * y - 36.0 * x * y + 27.0 * y**2
    a, b = 1.0 + s**2 * p, 30.0 + d**2 * q
    a_xy = 2.0 * s * p + s**2 * (-14.0 + 6.0 * x + 6.0 * y)
    b_x = 4.0 * d * q + d**2 * (-32.0 + 24.0 * x - 36.0 * y)
    b_y = -6.0 * d * q + d**2 * (48.0 - 36.0 * x + 54.0 * y)
    return a * b, (a_xy * b + a * b_x, a_xy * b + a * b_y)
''',
    "ravine": '''
C, S = math.cos(math.radians(30.0)), math.sin(math.radians(30.0))  # the valley is turned by 30°
''',
}

# the engine's keyword -> how torch spells it (betas are a pair), and keywords a variant pins
TORCH_CLASS = {"gd": "SGD", "momentum": "SGD", "nag": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop",
               "adadelta": "Adadelta", "adam": "Adam", "amsgrad": "Adam", "adamw": "AdamW", "nadam": "NAdam",
               "adamax": "Adamax", "radam": "RAdam", "rprop": "Rprop", "asgd": "ASGD", "adafactor": "Adafactor",
               "lion": "Lion", "schedule_free_adamw": "AdamWScheduleFree", "lbfgs": "LBFGS"}
# where the class lives, when it is not torch.optim: the package to import (pip name in the comment)
OUTSIDE = {"lion": ("lion_pytorch", "pip install lion-pytorch"),
           "schedule_free_adamw": ("schedulefree", "pip install schedulefree")}
PINNED = {"nag": {"nesterov": True}, "amsgrad": {"amsgrad": True}, "lion": {"use_triton": False}}
MACHINE_EPS = 2.220446049250313e-16  # float64's: what torch's Adafactor means by eps=(None, …)


def constructor(key: str) -> str:
    """torch.optim.Adam, lion_pytorch.Lion, …"""
    return f"{OUTSIDE[key][0] if key in OUTSIDE else 'torch.optim'}.{TORCH_CLASS[key]}"


def torch_kwargs(key: str, hps: dict) -> dict | None:
    """torch.optim keywords for the engine's hyperparameters; None for a variant torch does not have."""
    if key == "adam" and not hps.get("bias_correction", True):
        return None  # the textbook "simplified Adam": torch has no switch for it
    opt = optimizers.get(key)
    pairs = opt.pair_keywords()
    paired = {name for pair in pairs.values() for name in pair}
    out = {k: v for k, v in hps.items() if k not in paired and k != "bias_correction"}
    for pair, (a, b) in pairs.items():
        if a in hps:
            first = None if key == "adafactor" and a == "eps1" and hps[a] == MACHINE_EPS else hps[a]
            out[pair] = (first, hps[b])
    if key in ("gd",):
        out = {k: v for k, v in out.items() if k in ("lr", "weight_decay")}
    out.update(PINNED.get(key, {}))
    return out


# torch 2.13's own defaults, for the keywords a call must spell out (the registry's momentum is 0.9; torch's SGD's is 0)
_ADAM = {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0}
TORCH_DEFAULTS = {
    "SGD": {"lr": 1e-3, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False},
    "Adagrad": {"lr": 1e-2, "lr_decay": 0.0, "weight_decay": 0.0, "initial_accumulator_value": 0.0, "eps": 1e-10},
    "RMSprop": {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0, "centered": False},
    "Adadelta": {"lr": 1.0, "rho": 0.9, "eps": 1e-6, "weight_decay": 0.0},
    "Adam": {"lr": 1e-3, **_ADAM, "amsgrad": False},
    "AdamW": {"lr": 1e-3, **_ADAM, "weight_decay": 1e-2, "amsgrad": False},
    "NAdam": {"lr": 2e-3, **_ADAM, "momentum_decay": 4e-3, "decoupled_weight_decay": False},
    "Adamax": {"lr": 2e-3, **_ADAM},
    "RAdam": {"lr": 1e-3, **_ADAM, "decoupled_weight_decay": False},
    "Rprop": {"lr": 1e-2, "etas": (0.5, 1.2), "step_sizes": (1e-6, 50.0)},
    "ASGD": {"lr": 1e-2, "lambd": 1e-4, "alpha": 0.75, "t0": 1e6, "weight_decay": 0.0},
    "Adafactor": {"lr": 1e-2, "beta2_decay": -0.8, "eps": (None, 1e-3), "d": 1.0, "weight_decay": 0.0},
    "LBFGS": {"lr": 1.0, "max_iter": 20, "max_eval": None, "tolerance_grad": 1e-7, "tolerance_change": 1e-9,
              "history_size": 100, "line_search_fn": None},
    "Lion": {"lr": 1e-4, "betas": (0.9, 0.99), "weight_decay": 0.0, "use_triton": False},
    "AdamWScheduleFree": {"lr": 0.0025, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "warmup_steps": 0,
                          "r": 0.0, "weight_lr_power": 2.0},
}


def torch_call(key: str, hps: dict, params: str = "params") -> str | None:
    """`torch.optim.Adam(params, lr=0.02, betas=(0.9, 0.999))`: α and β always (as the article writes them), the
    rest only where it differs from torch's default. None for a variant torch does not have."""
    kwargs = torch_kwargs(key, hps)
    if kwargs is None:
        return None
    defaults = TORCH_DEFAULTS[TORCH_CLASS[key]]
    shown = {k: v for k, v in kwargs.items() if k in ("lr", "betas") or k not in defaults or v != defaults[k]}
    shown.pop("use_triton", None)  # Lion's default already
    return f"{constructor(key)}({params}, {', '.join(f'{k}={_py(v)}' for k, v in shown.items())})"


def _outside_imports(keys) -> list[str]:
    """import lines for the optimizers that are not in torch.optim, with how to install them."""
    return [f"import {OUTSIDE[k][0]}  # {OUTSIDE[k][1]}" for k in dict.fromkeys(keys) if k in OUTSIDE]


def _py(v) -> str:
    if v is None:
        return "None"
    if isinstance(v, tuple):
        return "(" + ", ".join(_py(x) for x in v) + ")"
    return repr(float(v)) if isinstance(v, float) else repr(v)


def scheduler_code(spec: dict | None) -> str | None:
    """An lr_schedule as the torch expression that builds it on `opt`."""
    if spec is None:
        return None
    name, kw = spec["name"], {k: v for k, v in spec.items() if k != "name"}
    if name == "InverseSqrt":
        return "torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 1 / math.sqrt(t + 1))"
    if name == "SequentialLR":
        inner = ", ".join(scheduler_code(c) for c in kw.pop("schedulers"))
        return f"torch.optim.lr_scheduler.SequentialLR(opt, [{inner}], milestones={kw['milestones']!r})"
    return f"torch.optim.lr_scheduler.{name}(opt, {', '.join(f'{k}={v!r}' for k, v in kw.items())})"


def snippet(surface, start, steps: int, entries: list, noise: float = 0.0, seed: int = 0) -> str:
    """Runnable Python: `entries` are (label, optimizer key, hyperparameters[, lr_schedule]) as on the page."""
    if getattr(surface, "formula", None):  # typed: the same tree the engine evaluates, printed over torch
        from surfaces.formula import python

        gx, gy = surface.gradient
        value, grad = python(surface.tree), f"torch.as_tensor({python(gx)}), torch.as_tensor({python(gy)})"
    else:
        value, grad = SURFACES[surface.key]
    lines = [
        f'"""{surface.label}: the race of the Optimizer Playground in torch.optim (float64, {steps} steps)."""',
        "import math", "", "import torch", "",
        "torch.set_default_dtype(torch.float64)",
        "TAU = 2.0 * math.pi",
    ]
    if noise:
        lines.insert(3, "import numpy as np  # the page draws its gradient noise with NumPy's generator")
    lines[4:4] = _outside_imports(e[1] for e in entries)
    helper = HELPERS.get(surface.key)
    if helper:
        lines.append(helper.rstrip())
    lines += ["", "", "def f(x, y):", f"    return {value}", "", "", "def grad(x, y):",
              "    \"\"\"The gradient, derived by hand as on the page (autograd would round differently).\"\"\"",
              f"    return {grad}", "", "",
              f"def race(make_optimizer, make_scheduler=None, steps={int(steps)}, "
              f"start=({float(start[0])!r}, {float(start[1])!r})):",
              "    theta = torch.tensor(start)",
              "    optimizer = make_optimizer([theta])",
              "    scheduler = make_scheduler(optimizer) if make_scheduler else None  # stepped after every step",
              "    if hasattr(optimizer, 'train'):  # schedule-free: gradients are taken in train mode",
              "        optimizer.train()"]
    if noise:
        lines += [f"    rng = np.random.default_rng({int(seed)})"]
    lines += ["",
              "    def closure():  # the loss at theta, with the gradient set (L-BFGS calls it several times per step)",
              "        with torch.no_grad():",
              "            theta.grad = torch.stack(grad(*theta))"]
    if noise:
        lines += [f"            theta.grad += {float(noise)!r} * torch.from_numpy(rng.standard_normal(2))"]
    lines += ["        return f(*theta)",
              "",
              "    path, loss = [theta.clone()], [f(*theta).item()]",
              "    for _ in range(steps):",
              "        optimizer.step(closure)",
              "        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):",
              "            scheduler.step(loss[-1])  # the loss where this step's gradient was taken",
              "        elif scheduler is not None:",
              "            scheduler.step()",
              "        path.append(theta.detach().clone())",
              "        loss.append(f(*theta).item())",
              "    return torch.stack(path), loss", "", ""]
    lines.append("paths = {")
    skipped = []
    for label, key, hps, *spec in entries:
        kwargs = torch_kwargs(key, hps)
        if kwargs is None:
            skipped.append(label)
            continue
        args = ", ".join(f"{k}={_py(v)}" for k, v in kwargs.items())
        sched = scheduler_code(spec[0]) if spec else None
        lines.append(f"    {label!r}: race(lambda params: {constructor(key)}(params, {args})"
                     + (f",\n{' ' * 8}lambda opt: {sched})," if sched else "),"))
    lines.append("}")
    if skipped:
        lines.append(f"# not in torch.optim (bias correction switched off): {', '.join(skipped)}")
    lines += ["for name, (path, loss) in paths.items():",
              "    x, y = path[-1].tolist()",
              "    print(f\"{name}: ends at ({x:.6g}, {y:.6g}), loss {loss[-1]:.6g}\")", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- the network page
def _modules(modules: list, prefix: str) -> str:
    """[["Linear", 10, 5], ["ReLU"], …] as "nn.Linear(10, 5), nn.ReLU(), …" (or networks.…)."""
    return ", ".join(f"{prefix}{m[0]}({', '.join(str(int(v)) for v in m[1:])})" for m in modules)


def network_snippet(modules: list, loss: str, data_call: str, key: str, hps: dict, steps: int, batch: int = 0,
                    seed: int = 0) -> str:
    """The article's training loop, complete, for one optimizer of the page: runnable, float64, from the page's data
    and starting parameters (made by this app's `networks`), so torch prints the numbers the page shows."""
    kwargs = torch_kwargs(key, hps)
    loss_fn = {"mse": "nn.MSELoss()", "bce": "nn.BCEWithLogitsLoss()"}[loss]
    lines = [
        '"""The page\'s network in PyTorch: the same loss curve as the Optimizer Playground\'s engine (float64)."""',
        "import numpy as np", "import torch", "from torch import nn", *_outside_imports([key]), "",
        "import networks  # this app's engine, here only to make the same data and the same starting parameters", "",
        "torch.set_default_dtype(torch.float64)  # the engine computes in float64", "",
        f"X, y = networks.data.{data_call}",
        f"model = nn.Sequential({_modules(modules, 'nn.')})",
        f"start = networks.Sequential({_modules(modules, 'networks.')}).init(seed={int(seed)})",
        "model.load_state_dict({name: torch.tensor(value) for name, value in start.items()})", "",
        f"loss_fn = {loss_fn}",
    ]
    if kwargs is None:
        lines += ["# Adam without bias correction (the textbook's simplified Adam) is not in torch.optim:",
                  "# torch.optim.Adam always corrects the bias. This is the closest torch call:"]
        hps = {**hps, "bias_correction": True}
    lines += [f"optimizer = {torch_call(key, hps, 'model.parameters()')}",
              *(["optimizer.train()  # schedule-free: gradients are taken in train mode"] if key in OUTSIDE and
                key == "schedule_free_adamw" else []),
              "X, y = torch.tensor(X), torch.tensor(y)", "losses = []"]
    if batch:
        lines += [f"rng = np.random.default_rng({int(seed)})  # the page's mini-batches: NumPy's shuffle, one per epoch",
                  "order, cursor = None, len(X)",
                  f"for step in range({int(steps)}):",
                  f"    if cursor + {int(batch)} > len(X):  # a new epoch (a short last batch is dropped)",
                  "        order, cursor = rng.permutation(len(X)), 0",
                  f"    rows = torch.from_numpy(order[cursor:cursor + {int(batch)}])",
                  f"    cursor += {int(batch)}",
                  "    optimizer.zero_grad()        # clear the last step's gradients: backward() adds to them",
                  "    loss = loss_fn(model(X[rows]), y[rows])"]
    else:
        lines += [f"for epoch in range({int(steps)}):",
                  "    optimizer.zero_grad()        # clear the last step's gradients: backward() adds to them",
                  "    output = model(X)",
                  "    loss = loss_fn(output, y)"]
    lines += ["    loss.backward()              # the gradient of the loss for every parameter",
              "    optimizer.step()             # the update: without it the model never changes",
              "    losses.append(loss.item())",
              "",
              "with torch.no_grad():  # after the last step, on the whole data set: the table's final loss",
              "    final = loss_fn(model(X), y).item()",
              "print(f\"loss before the first step {losses[0]:.10g}, before the last {losses[-1]:.10g}, "
              "after it {final:.10g}\")", ""]
    return "\n".join(lines)


def network_engine_call(modules: list, loss: str, data_call: str, key: str, hps: dict, steps: int, batch: int = 0,
                        seed: int = 0) -> str:
    """The same training with this app's engine (pure NumPy): the optimizer is the registry's, with torch's keywords."""
    kwargs = {k: v for k, v in hps.items() if k not in ("beta1", "beta2")}
    if "beta1" in hps:
        kwargs = {"betas": (hps["beta1"], hps["beta2"]), **kwargs}
    args = "".join(f", {k}={_py(v)}" for k, v in kwargs.items())
    extra = f", batch_size={int(batch)}, seed={int(seed)}" if batch else ""
    return "\n".join([
        "import networks", "",
        f"X, y = networks.data.{data_call}",
        f"model = networks.Sequential({_modules(modules, 'networks.')})",
        f"run = networks.train(model, {key!r}, X, y, steps={int(steps)}, params=model.init(seed={int(seed)}), "
        f"loss={loss!r}{extra}{args})",
        "run.loss      # the loss at each step, as losses in the torch loop",
        "run.params    # the final parameters, named as torch's state_dict", ""])
