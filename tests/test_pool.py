"""Engine runs in worker processes (ui.pool): the same arrays, the same errors, a fallback, and no stray process."""

import os
import subprocess
import sys
import textwrap
import time
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
import pytest

import optimizers
import surfaces
from plots.race_data import morph_blobs
from ui import compute, pool

ROOT = Path(__file__).resolve().parents[1]
START = np.array([-1.5, 2.0])


def _clear():
    for cached in (compute._trajectory, compute._prefix, compute._morph_runs, compute.morph_paths):
        cached.cache_clear()


@pytest.fixture(scope="module", autouse=True)
def _stop_workers():
    yield
    pool.shutdown()


@pytest.fixture
def sent(monkeypatch):
    """Every run goes to a worker (threshold 0), caches empty; yields the list of the jobs sent (their calls)."""
    monkeypatch.setattr(pool, "THRESHOLD", 0)
    log, submit = [], pool._submit
    monkeypatch.setattr(pool, "_submit", lambda calls, work: log.append(calls) or submit(calls, work))
    _clear()
    yield log
    _clear()


def _same(got, want):
    """A trajectory dict from ui.compute against an optimizers.Trajectory: bit for bit, and read-only."""
    for name in ("path", "loss", "grad", "lr", "evals", "evaluations"):
        a, b = got[name], getattr(want, name)
        assert (a is None) == (b is None), name
        if a is not None:
            assert np.array_equal(a, b, equal_nan=True) and a.dtype == b.dtype, name
            assert not a.flags.writeable, name
    assert got["diverged_at"] == want.diverged_at
    assert set(got["state"]) == set(want.state)
    for name, values in want.state.items():
        assert np.array_equal(got["state"][name], values, equal_nan=True), name


@pytest.mark.parametrize("key, hps, noise, record, schedule", [
    ("adam", {}, 0.0, "path", "none"),
    ("adam", {"lr": 0.05}, 0.5, "full", "none"),  # noise: the same draws in the worker
    ("gd", {"lr": 0.05}, 0.0, "full", "none"),  # diverges
    ("lbfgs", {}, 0.0, "full", "none"),  # its evaluations too
    ("schedule_free_adamw", {}, 0.3, "full", "cosine"),
])
def test_a_run_from_a_worker_is_the_run_computed_here(sent, key, hps, noise, record, schedule):
    steps = 200
    got = compute.trajectory(key, "rosenbrock", compute.hp_key(hps), tuple(START), steps, noise, 3, record, schedule)
    spec = compute.schedule_spec(schedule, key, steps, hps.get("lr", optimizers.get(key).defaults()["lr"]))
    want = optimizers.simulate(key, surfaces.get("rosenbrock"), START, steps, noise=noise, seed=3, record=record,
                               lr_schedule=spec, **hps)
    assert len(sent) == 1
    _same(got, want)
    if key == "gd":
        assert want.diverged_at is not None


def test_race_runs_sends_its_uncached_runs_together_and_the_cached_ones_not_at_all(sent, monkeypatch):
    entries = [(k, k, {"lr": 0.05}) for k in ("adam", "gd", "nadam")] + [("rms", "rmsprop", {}, "step")]
    results = []
    result = pool.Job.result
    monkeypatch.setattr(pool.Job, "result", lambda job: results.append(len(sent)) or result(job))
    _, outs = compute.race_runs("rosenbrock", entries, tuple(START), 510, 0.2, 1)
    assert len(sent) == 4 and results[0] == 4  # all four sent before the first result was awaited
    for label, key, hps, *schedule in entries:
        lr = hps.get("lr", optimizers.get(key).defaults()["lr"])
        spec = compute.schedule_spec(schedule[0], key, 510, lr) if schedule else None
        want = optimizers.simulate(key, surfaces.get("rosenbrock"), START, 510, noise=0.2, seed=1, record="full",
                                   lr_schedule=spec, **hps)
        _same(outs[label], want)
    compute.race_runs("rosenbrock", entries, tuple(START), 510, 0.2, 1)
    compute.race_runs("rosenbrock", entries, tuple(START), 700, 0.2, 1)  # cut from the same runs (horizon 1000)
    assert len(sent) == 4 + 1  # only the scheduled run, which is sized to its steps


def test_the_morph_from_workers_is_the_morph_computed_here(sent):
    stops = (0.01, 0.05, 0.2)
    for noise in (0.0, 0.3):  # one batched call; one call per stop, split over the workers
        got = compute.morph_paths("adam", "rosenbrock", (), "lr", stops, tuple(START), 130, noise, 3)
        want = [optimizers.simulate("adam", surfaces.get("rosenbrock"), START, 130, noise=noise, seed=3, record="path",
                                    lr=v) for v in stops]
        assert got == morph_blobs(surfaces.get("rosenbrock"), [(t.path, t.loss) for t in want])
    assert len(sent) == 1 + pool.workers()


def test_an_engine_error_reaches_the_caller_as_the_same_value_error(sent):
    with pytest.raises(ValueError) as here:
        optimizers.simulate("adam", surfaces.get("rosenbrock"), START, 10, betas=(0.9, 1.5))
    with pytest.raises(ValueError) as there:
        compute.trajectory("adam", "rosenbrock", compute.hp_key({"betas": (0.9, 1.5)}), tuple(START), 10)
    assert len(sent) == 1
    assert type(there.value) is type(here.value) and str(there.value) == str(here.value)
    with pytest.raises(ValueError, match="Invalid learning rate"):  # in a race: the other runs are dropped
        compute.race_runs("rosenbrock", [("a", "adam", {}), ("b", "gd", {"lr": -1.0})], tuple(START), 100)


def test_a_typed_surface_is_rebuilt_in_the_worker(sent):
    """Its key is registered in this process only: the worker gets the formula and the box."""
    s = surfaces.custom(" log(1 + (x - 1)**2 + 100*(y - x**2)**2) + 0.1*abs(x)", ((-2.0, 2.0), (-1.0, 3.0)))
    got = compute.trajectory("adam", s.key, compute.hp_key({"lr": 0.05}), (-1.0, 2.0), 300, 0.1, 2, "full")
    want = optimizers.simulate("adam", s, np.array([-1.0, 2.0]), 300, noise=0.1, seed=2, record="full", lr=0.05)
    assert sent and sent[0][0].surface == ("formula", s.formula, s.bounds)
    _same(got, want)


def test_a_broken_pool_is_replaced_once_then_the_run_is_computed_here(monkeypatch):
    calls = [pool.Call("lbfgs", surfaces.get("rosenbrock"), START, 2000, {"record": "full"})] * 4
    want = pool.simulate(calls)
    monkeypatch.setattr(pool, "_breaks", 0)
    job = pool.submit([calls], send=True)[0]
    for pid in pool._pool._processes:  # a worker dies mid-run (killed, out of memory)
        os.kill(pid, 9)
    got = job.result()
    assert pool._breaks == 1 and pool._pool is not None and job.tries == 2  # sent again, to a new pool
    for a, b in zip(got, want, strict=True):
        assert np.array_equal(a.path, b.path, equal_nan=True) and np.array_equal(a.evals, b.evals, equal_nan=True)

    def broken(calls, work):
        future = Future()
        future.set_exception(BrokenProcessPool("a worker died"))
        return future

    monkeypatch.setattr(pool, "_submit", broken)  # breaks again: computed in this process
    job = pool.submit([calls[:1]], send=True)[0]
    assert np.array_equal(job.result()[0].path, want[0].path) and job.tries == 2


def test_without_a_pool_runs_are_computed_here(monkeypatch):
    monkeypatch.setattr(pool, "_breaks", pool.MAX_BREAKS)
    monkeypatch.setattr(pool, "_pool", None)
    calls = [pool.Call("adam", surfaces.get("rosenbrock"), START, 50, {})]
    job = pool.submit([calls], send=True)[0]
    assert job.future is None and np.array_equal(job.result()[0].path, pool.simulate(calls)[0].path)


def test_small_runs_stay_here_and_a_busy_pool_keeps_mid_sized_ones(monkeypatch):
    one = pool.Call("adam", surfaces.get("rosenbrock"), START, 500, {})
    assert pool.cost([one]) < pool.THRESHOLD <= pool.cost([one._replace(steps=2000)])
    assert pool.submit([[one]])[0].future is None
    monkeypatch.setattr(pool, "_backlog", 40_000)  # another session's costliest view is queued
    assert not pool.worth_sending(2000) and pool.worth_sending(40_000 // pool.workers() // pool.BACKLOG)


@pytest.mark.parametrize("end", ["exit", "killed"])
def test_workers_do_not_run_the_main_script_and_end_with_the_process(tmp_path, end):
    """Streamlit's __main__ is the app script (multiprocessing would run it in each new worker); when the process
    exits, or is killed, no worker, forkserver or resource tracker is left."""
    marker = tmp_path / "ran"
    script = tmp_path / "app.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('the app ran in a worker')\n")
    code = textwrap.dedent(f"""
        import sys, time, types
        import numpy as np
        import surfaces
        from multiprocessing import forkserver, resource_tracker
        from ui import pool
        main = types.ModuleType("__main__")
        main.__file__ = {str(script)!r}
        sys.modules["__main__"] = main  # as Streamlit's script runner does
        job = pool.submit([[pool.Call("adam", surfaces.get("rosenbrock"), np.array([-1.5, 2.0]), 50, {{}})]], send=True)[0]
        job.result()
        assert sys.modules["__main__"] is main
        print(*pool._pool._processes, forkserver._forkserver._forkserver_pid, resource_tracker._resource_tracker._pid,
              flush=True)
        if {end == "killed"}:
            time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        pids = [int(p) for p in proc.stdout.readline().split()]
        if end == "killed":
            proc.kill()
        assert proc.wait(timeout=60) == (0 if end == "exit" else -9), proc.stderr.read()
    finally:
        proc.kill()
        proc.communicate()
    assert len(pids) >= 3 and not marker.exists()
    deadline = time.monotonic() + 10
    while [p for p in pids if _alive(p)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in pids if _alive(p)]


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False
