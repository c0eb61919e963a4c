"""The Sweeps page's batched runs, cached on plain values. A cache whose membership can be asked: the page shows a
progress bar and a Cancel button only for work that is not cached and takes more than about a second."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

import surfaces
import sweeps

RUN_STEPS_PER_SECOND = 2.0e7  # runs × steps the engine does per second here (Adam, Rosenbrock: bench_sweeps.py)


class _Cache:
    """A small LRU shared by every session (as st.cache_data would be), holding read-only results."""

    def __init__(self, size: int):
        self.size, self.data, self.lock = size, OrderedDict(), threading.Lock()

    def __contains__(self, key) -> bool:
        with self.lock:
            return key in self.data

    def get(self, key, make):
        with self.lock:
            if key in self.data:
                self.data.move_to_end(key)
                return self.data[key]
        value = make()
        for a in vars(value).values() if hasattr(value, "__dict__") else ():
            if isinstance(a, np.ndarray):
                a.flags.writeable = False
        with self.lock:
            self.data[key] = value
            while len(self.data) > self.size:
                self.data.popitem(last=False)
        return value


CACHE = _Cache(48)


def cost(runs: int, steps: int) -> float:
    """Seconds the engine needs, roughly: the page shows a progress bar above one."""
    return runs * steps / RUN_STEPS_PER_SECOND


def grid_key(opt, surface, start, steps, xhp, xv, yhp, yv, fixed_items, noise, seed):
    return ("grid", opt, surface, tuple(start), int(steps), xhp, tuple(xv), yhp, tuple(yv), fixed_items, float(noise),
            int(seed))


def grid(key, progress=None) -> sweeps.Sweep:
    _, opt, surface, start, steps, xhp, xv, yhp, yv, fixed_items, noise, seed = key
    hps = {k: v for k, v in fixed_items if k not in (xhp, yhp)}
    return CACHE.get(key, lambda: sweeps.grid(opt, surfaces.get(surface), start, steps, x=(xhp, np.array(xv)),
                                              y=(yhp, np.array(yv)), hps=hps, noise=noise, seed=seed,
                                              progress=progress))


def curve_key(opt, surface, start, steps, name, values, fixed_items, noise, seeds):
    return ("curve", opt, surface, tuple(start), int(steps), name, tuple(values), fixed_items, float(noise), tuple(seeds))


def curve(key, progress=None) -> sweeps.Sweep:
    _, opt, surface, start, steps, name, values, fixed_items, noise, seeds = key
    hps = {k: v for k, v in fixed_items if k != name}
    return CACHE.get(key, lambda: sweeps.curve(opt, surfaces.get(surface), start, steps, name, np.array(values), hps,
                                               noise, seeds, progress=progress))


def basins_key(opt, surface, n, steps, fixed_items, noise, seed):
    return ("basins", opt, surface, int(n), int(steps), fixed_items, float(noise), int(seed))


def basins(key, progress=None) -> sweeps.Sweep:
    _, opt, surface, n, steps, fixed_items, noise, seed = key
    return CACHE.get(key, lambda: sweeps.basins(opt, surfaces.get(surface), n, steps, dict(fixed_items), noise, seed,
                                                progress=progress))


def seeds_key(opt, surface, start, steps, fixed_items, noise, first, count):
    return ("seeds", opt, surface, tuple(start), int(steps), fixed_items, float(noise), int(first), int(count))


def seeds(key, progress=None) -> sweeps.Sweep:
    _, opt, surface, start, steps, fixed_items, noise, first, count = key
    return CACHE.get(key, lambda: sweeps.seeds(opt, surfaces.get(surface), start, steps, dict(fixed_items), noise,
                                               range(first, first + count), progress=progress))
