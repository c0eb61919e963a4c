"""Starting values for the teaching pages' own controls (pure data)."""

from __future__ import annotations

# The Inspector's first α per optimizer: each makes visible progress in 100 steps on the stretched bowl.
INSPECT_LR = {"gd": 0.05, "momentum": 0.01, "nag": 0.01, "adagrad": 0.5, "rmsprop": 0.02, "adadelta": 1.0,
              "adam": 0.1, "amsgrad": 0.1, "adamw": 0.1, "nadam": 0.1, "adamax": 0.1, "radam": 0.1,
              "rprop": 0.05, "asgd": 0.05, "adafactor": 0.5, "lion": 0.05, "schedule_free_adamw": 0.1,
              "lbfgs": 0.1}
INSPECT_SURFACE = "stretched_bowl"
INSPECT_OPTIMIZER = "adam"
INSPECT_STEPS = 100

# "How Adam works", the alternatives: α for each beside Adam (α = 0.05) on Rosenbrock, 500 steps.
# Chosen from a sweep so each makes progress without diverging (RAdam diverges at 0.05: see its convention).
ALTERNATIVE_LR = {"momentum": 1e-3, "nag": 1e-3, "adagrad": 1.0, "rmsprop": 0.01, "adadelta": 1.0,
                  "amsgrad": 0.05, "nadam": 0.05, "adamw": 0.05, "adamax": 0.05, "radam": 0.01}
ALTERNATIVES = ("momentum", "nag", "adagrad", "rmsprop", "adadelta", "amsgrad", "nadam", "adamw", "adamax", "radam",
                "rprop", "asgd", "adafactor", "lbfgs", "lion", "schedule_free_adamw")
ALTERNATIVE_LR.update({"rprop": 0.01, "asgd": 1e-3, "adafactor": 1.0, "lbfgs": 1.0, "lion": 0.01,
                       "schedule_free_adamw": 0.1})

# "How Adam works": each section's control, as its URL name (its widget key without "lesson."): (stops, first value)
LESSON_PICKS = {
    "gd.lr_small": ((0.001, 0.002, 0.005, 0.01, 0.02), 0.01),
    "gd.lr_large": ((0.05, 0.08, 0.09, 0.095, 0.099, 0.105, 0.11), 0.095),
    "momentum.gamma": ((0.0, 0.5, 0.8, 0.9, 0.95, 0.99), 0.9),
    "rmsprop.lr": ((0.005, 0.01, 0.02, 0.05, 0.1), 0.05),
    "adam.beta1": ((0.0, 0.5, 0.8, 0.9, 0.95, 0.99), 0.9),
    "adam.beta2": ((0.9, 0.99, 0.999, 0.9999), 0.999),
    "bias.lr": ((0.01, 0.05, 0.1, 0.3), 0.3),
    "bias.beta2": ((0.9, 0.99, 0.999, 0.9999), 0.999),
    "hp.lr": ((0.001, 0.003, 0.01, 0.03, 0.05, 0.1, 0.3, 1.0), 0.1),
    "hp.beta1": ((0.0, 0.5, 0.8, 0.9, 0.95, 0.99), 0.0),
    "hp.beta2": ((0.5, 0.9, 0.99, 0.999, 0.9999), 0.9),
    "hp.eps": ((1e-8, 1e-4, 1e-3, 0.01, 0.1, 1.0), 0.1),
}
