"""Many runs at once: hyperparameter grids, sensitivity curves, basins of attraction, seeds of noise.

Pure NumPy on top of `optimizers.simulate`: one batched call per chunk of runs, recording only the start and the end
(`record="path"`, `every=steps`), while a watcher in the gradient hook keeps the per-run numbers a metric needs
(the first step within reach of a minimum). Every run of a batch equals the single run with the same settings,
including its gradient noise: each run draws the noise of its own seed, exactly as a single run with that seed does.

    import sweeps, surfaces
    rosen = surfaces.get("rosenbrock")
    sw = sweeps.grid("adam", rosen, (-1.5, 2.0), 500, x=("lr", sweeps.axis("adam", "lr", 32)),
                     y=("beta2", sweeps.axis("adam", "beta2", 32)))
    sw.gap          # (32, 32) final loss − the minimum value
    sw.reached_at   # (32, 32) first step within `tolerance` of a minimum, −1 never
"""

from .core import METRICS, Sweep, axis, basins, curve, grid, optimizer_names, run, seeds, start_grid, tolerance

__all__ = ["METRICS", "Sweep", "axis", "basins", "curve", "grid", "optimizer_names", "run", "seeds", "start_grid",
           "tolerance"]
