"""One-click scenarios: a Playground setting, what to watch in it, and the claims its run must show.

Each scenario is data: a title, two or three sentences on what to watch, the Playground settings that
show it, and claims (a sentence and a check over the runs). The tests run every scenario and check
every claim, so the text never promises what the run does not show.

    for sc in SCENARIOS:
        runs = simulate(sc)                    # optimizer key -> Trajectory
        [c.text for c in sc.claims if not c.holds(runs)]   # [] when the run shows what the text says
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

import optimizers
import surfaces
from surfaces.classic import TILT
from ui.settings import Settings

Runs = Mapping[str, object]  # optimizer key -> anything with .path (S+1, 2), .loss (S+1,), .diverged_at


@dataclass(frozen=True)
class Claim:
    text: str
    check: Callable[[Runs], bool]

    def holds(self, runs: Runs) -> bool:
        return bool(self.check(runs))


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    watch: str  # what to look for, two or three sentences
    settings: Settings
    claims: tuple[Claim, ...] = ()


def simulate(sc: Scenario) -> dict[str, optimizers.Trajectory]:
    """The scenario's runs, straight from the engine (what the Playground computes for the same link)."""
    s = sc.settings
    surface = surfaces.get(s.surface)
    return {key: optimizers.simulate(key, surface, np.array(s.start, dtype=float), s.steps, noise=s.noise, seed=s.seed,
                                     record="path", **s.hyperparameters(key))
            for key in s.optimizers}


# ------------------------------------------------------------------ helpers for the claims


def _escape_step(run, threshold: float = 1.0) -> int | None:
    """First step with |y| > threshold (left the saddle's ridge), or None."""
    y = np.abs(run.path[:, 1])
    hit = np.flatnonzero(y > threshold)
    return int(hit[0]) if hit.size else None


def _cross_valley_sign_changes(run) -> int:
    """How often the ravine's steep coordinate w = −x sin 30° + y cos 30° changes sign: one per zig-zag."""
    w = -np.sin(TILT) * run.path[:, 0] + np.cos(TILT) * run.path[:, 1]
    return int((np.diff(np.sign(w)) != 0).sum())


def _near(point, candidates, tol: float) -> bool:
    return bool(len(candidates)) and float(np.linalg.norm(np.asarray(candidates) - point, axis=1).min()) < tol


def _final(run) -> np.ndarray:
    return run.path[-1]


SIX_HUMP = surfaces.get("six_hump_camel")
RASTRIGIN = surfaces.get("rastrigin")


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        key="ravine_zigzag", title="Zig-zag in a ravine",
        watch="Gradient descent at α = 0.095, just under its limit of 0.1, bounces from wall to wall on every step "
              "while it creeps along the valley floor. Momentum at a ten times smaller α cancels the bouncing and "
              "keeps the along-valley speed; Adam rescales each axis but cannot undo the 30° tilt.",
        settings=Settings(surface="ravine", optimizers=("gd", "momentum", "adam"), steps=100,
                          start=surfaces.get("ravine").start,
                          hps={"gd": {"lr": 0.095}, "momentum": {"lr": 0.01}, "adam": {"lr": 0.1}}),
        claims=(
            Claim("Gradient descent crosses the valley floor on at least 9 steps out of 10.",
                  lambda r: _cross_valley_sign_changes(r["gd"]) >= 90),
            Claim("Momentum crosses it far less often (fewer than 20 times).",
                  lambda r: _cross_valley_sign_changes(r["momentum"]) < 20),
        ),
    ),
    Scenario(
        key="saddle_escape", title="Escaping a saddle",
        watch="The start is 0.001 off the saddle's ridge, where the downhill gradient along y is tiny. Gradient "
              "descent and momentum need about 70 steps to notice it; Adam divides by the size of the gradient, so "
              "even a tiny y-gradient gets a full-size step and it escapes within about 20.",
        settings=Settings(surface="saddle", optimizers=("gd", "momentum", "adam"), steps=100,
                          start=(-1.5, 0.001), hps={"gd": {"lr": 0.05}, "momentum": {"lr": 0.01}, "adam": {"lr": 0.05}}),
        claims=(
            Claim("Adam leaves the ridge (|y| > 1) before step 30.", lambda r: (_escape_step(r["adam"]) or 999) < 30),
            Claim("Gradient descent leaves it too, but more than twice as late.",
                  lambda r: _escape_step(r["gd"]) is not None and _escape_step(r["gd"]) > 2 * _escape_step(r["adam"])),
        ),
    ),
    Scenario(
        key="saddle_stuck", title="Stuck exactly on a saddle",
        watch="Start exactly on the ridge, y = 0. The y-gradient −2y is then exactly 0 on every step, so no "
              "optimizer ever moves in y: all of them slide to the saddle point (0, 0) and stop there, although it "
              "is no minimum. A little noise (or the 0.001 of the previous scenario) is enough to escape.",
        settings=Settings(surface="saddle", optimizers=("gd", "momentum", "adam"), steps=300, start=(-1.5, 0.0),
                          hps={"gd": {"lr": 0.05}, "momentum": {"lr": 0.01}, "adam": {"lr": 0.05}}),
        claims=(
            Claim("Every optimizer keeps y exactly 0 on every step.",
                  lambda r: all(np.all(run.path[:, 1] == 0.0) for run in r.values())),
            Claim("Every optimizer ends within 0.01 of the saddle point (0, 0).",
                  lambda r: all(np.linalg.norm(_final(run)) < 0.01 for run in r.values())),
        ),
    ),
    Scenario(
        key="divergence", title="Divergence at a large α",
        watch="All three get the same α = 0.003 on Rosenbrock. Gradient descent and momentum take steps of α times "
              "the gradient; on the steep wall that overshoots, the next gradient is larger still, and within ten "
              "steps the numbers overflow. Adam's step is about α whatever the gradient, so it survives (at α = 0.002 "
              "gradient descent converges).",
        settings=Settings(surface="rosenbrock", optimizers=("gd", "momentum", "adam"), steps=300,
                          same_lr=True, shared_lr=0.003,
                          hps={"gd": {"lr": 1e-3}, "momentum": {"lr": 1e-3}, "adam": {"lr": 5e-2}}),  # the link's own α
        claims=(
            Claim("Gradient descent diverges within 20 steps.", lambda r: (r["gd"].diverged_at or 999) <= 20),
            Claim("Momentum diverges within 20 steps.", lambda r: (r["momentum"].diverged_at or 999) <= 20),
            Claim("Adam does not diverge.", lambda r: r["adam"].diverged_at is None),
        ),
    ),
    Scenario(
        key="local_minimum", title="Trapped in a local minimum",
        watch="The six-hump camel has two global minima and four shallower local ones. From (−2, 1.5) gradient "
              "descent and Adam both settle in the nearest dip, a local minimum at (−1.70, 0.80). Momentum (γ = 0.9) "
              "builds up enough speed to roll over the hump and reaches a global minimum.",
        settings=Settings(surface="six_hump_camel", optimizers=("gd", "momentum", "adam"), steps=500,
                          start=SIX_HUMP.start, hps={"gd": {"lr": 0.01}, "momentum": {"lr": 0.01}, "adam": {"lr": 0.05}}),
        claims=(
            Claim("Gradient descent ends in a local minimum that is not a global one.",
                  lambda r: _near(_final(r["gd"]), SIX_HUMP.local_minima, 1e-3)),
            Claim("Adam ends in the same local minimum.", lambda r: _near(_final(r["adam"]), SIX_HUMP.local_minima, 1e-3)),
            Claim("Momentum ends in a global minimum.", lambda r: _near(_final(r["momentum"]), SIX_HUMP.minima, 1e-3)),
        ),
    ),
    Scenario(
        key="rastrigin_trap", title="A field of traps",
        watch="Rastrigin is a bowl covered in a grid of dips. Every optimizer here stops in the dip next to its "
              "start, near (−3.98, 3.98), with a loss of about 32 instead of 0: a gradient only sees its "
              "neighbourhood. Try a larger α or noise in the Playground to hop between dips.",
        settings=Settings(surface="rastrigin", optimizers=("gd", "momentum", "adam"), steps=300,
                          start=RASTRIGIN.start, hps={"gd": {"lr": 0.002}, "momentum": {"lr": 0.002}, "adam": {"lr": 0.05}}),
        claims=(
            Claim("Gradient descent stops (gradient below 1e-3) with a loss above 30.",
                  lambda r: np.linalg.norm(RASTRIGIN.grad(_final(r["gd"]))) < 1e-3 and r["gd"].loss[-1] > 30),
            Claim("So does Adam.", lambda r: np.linalg.norm(RASTRIGIN.grad(_final(r["adam"]))) < 1e-3 and r["adam"].loss[-1] > 30),
        ),
    ),
    Scenario(
        key="plateau", title="Crawling along a plateau",
        watch="On Beale from (4, 1) every optimizer drops into the valley within a few dozen steps; then the floor "
              "is nearly flat and the gradient tiny. Gradient descent crawls and is still far from the minimum "
              "(3, 0.5) after 500 steps; Adam's steps do not shrink with the gradient, so it gets there.",
        settings=Settings(surface="beale", optimizers=("gd", "momentum", "adam"), steps=500, start=(4.0, 1.0),
                          hps={"gd": {"lr": 0.003}, "momentum": {"lr": 0.001}, "adam": {"lr": 0.05}}),
        claims=(
            Claim("Gradient descent's loss falls by less than half between step 100 and step 500.",
                  lambda r: r["gd"].loss[500] > 0.5 * r["gd"].loss[100]),
            Claim("Adam reaches a loss below 1e-6.", lambda r: r["adam"].loss[-1] < 1e-6),
        ),
    ),
    Scenario(
        key="noisy", title="Noisy gradients",
        watch="Every gradient gets Gaussian noise of σ = 2, as with small mini-batches. Without noise all three reach "
              "the minimum to many digits; with it they stall at a noise floor and keep jittering around it. "
              "Momentum and Adam's first moment average the noise over about 10 steps.",
        settings=Settings(surface="stretched_bowl", optimizers=("gd", "momentum", "adam"), steps=500, noise=2.0, seed=0,
                          start=surfaces.get("stretched_bowl").start,
                          hps={"gd": {"lr": 0.05}, "momentum": {"lr": 0.005}, "adam": {"lr": 0.05}}),
        claims=(
            Claim("Every optimizer's loss over the last 100 steps stays above 0.001 (the noise floor).",
                  lambda r: all(np.mean(run.loss[-100:]) > 1e-3 for run in r.values())),
            Claim("No optimizer diverges.", lambda r: all(run.diverged_at is None for run in r.values())),
        ),
    ),
)


def get(key: str) -> Scenario:
    for sc in SCENARIOS:
        if sc.key == key:
            return sc
    raise ValueError(f"Unknown scenario {key!r}. Valid: {', '.join(s.key for s in SCENARIOS)}")
