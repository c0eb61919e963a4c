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
