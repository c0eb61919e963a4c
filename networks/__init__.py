"""Networks in torch's shape, trained by the optimizers of the registry. Pure NumPy: usable from a notebook.

    import networks
    X, y = networks.data.regression(n=200, noise=0.1, seed=0)
    model = networks.Sequential(networks.Linear(10, 5), networks.Linear(5, 1))
    params = model.init(seed=0)   # {"0.weight": (5, 10), "0.bias": (5,), "1.weight": (1, 5), "1.bias": (1,)}
    run = networks.train(model, "adam", X, y, steps=100, params=params, loss="mse", lr=1e-3, betas=(0.9, 0.999))
    run.loss, run.params, run.path
"""

from . import data, landscape, losses
from .layers import ACTIVATIONS, Linear, ReLU, Sequential, Tanh, mlp
from .train import Run, elementwise, loss_and_grad, loss_value, train

__all__ = ["ACTIVATIONS", "Linear", "ReLU", "Run", "Sequential", "Tanh", "data", "elementwise", "landscape", "loss_and_grad",
           "loss_value", "losses", "mlp", "train"]
