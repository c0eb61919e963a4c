"""Engine runs in a worker process, so that one session's long computation does not hold the server's GIL.

Every session's script runs in a thread of one server process: while one thread computes a costly view (every
optimizer × 2000 steps, ~2 s of NumPy and Python), the others' slider changes wait for the GIL. A run sent here is
computed in a worker process while the server thread waits on a future (the GIL released). Small runs stay in the
server: the round trip costs ~1 ms of the server's CPU, a 500-step run ~10 ms.

    trajectories = pool.run(calls)             # [optimizers.Trajectory, …]: split over the workers, or computed here
    jobs = pool.submit([[a], [b], [c]])        # a job each, all sent before the first is waited for
    [ta] = jobs[0].result()

No Streamlit here: a worker imports this module, numpy, optimizers and surfaces only.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import signal
import sys
import threading
import types
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import context
from typing import NamedTuple

import optimizers
import surfaces
from surfaces.formula import FormulaSurface

MAX_WORKERS = 2  # a classroom server has few cores; the server's own threads need one of them
THRESHOLD = 1500  # cost() from which work goes to the workers: ~40 ms of engine work (a 500-step run is 500)
BACKLOG = 4  # … unless each worker has more than this many times that work queued already: then it is faster here
MAX_BREAKS = 3  # after this many broken pools every run stays in the server (workers that keep dying)
NICE = 10  # a worker's CPU priority below the server's: when the cores are busy, slider changes come first


class Call(NamedTuple):
    """One optimizers.simulate call: simulate(opt_key, surface, start, steps, **kwargs)."""

    opt_key: str
    surface: object  # the surface object; a worker gets it as a key or, typed ones, as (formula, box): see _portable
    start: object
    steps: int
    kwargs: dict


def simulate(calls) -> list:
    """The runs of `calls` in order: what a worker executes, and the server too when it computes in place."""
    return [optimizers.simulate(c.opt_key, _surface(c.surface), c.start, c.steps, **c.kwargs) for c in calls]


def cost(calls) -> int:
    """About 25 µs of engine work per unit (benchmarks/README.md, "Worker processes"): one step of a single run is
    ~1 unit (14–45 µs by optimizer); a batch row adds little, as the step's Python overhead dominates."""
    total = 0
    for c in calls:
        rows = max([1, *(_size(v) for v in c.kwargs.values())])
        if optimizers.get(c.opt_key).step is not None:  # L-BFGS steps each row in Python, line searches and all
            total += c.steps * rows * 4
        else:  # 37 rows cost ~1.1× one row, 4096 rows ~3×
            total += c.steps * (1000 + rows) // 1000
    return total


def run(calls) -> list:
    """simulate(calls), in the workers when it is worth it (split over them), else here."""
    calls = list(calls)
    n = min(workers(), len(calls))
    groups = [calls[i * len(calls) // n:(i + 1) * len(calls) // n] for i in range(n)]
    return [t for job in submit(groups) for t in job.result()]


def submit(groups, send: bool | None = None) -> list[Job]:
    """A job per group of calls, all sent to the workers (several at once: each worker takes the next) when their
    total cost is worth it, or all computed here when result() is asked for."""
    jobs = [Job(list(g)) for g in groups]
    if send is None:
        send = worth_sending(sum(cost(j.calls) for j in jobs))
    if send and all(_portable(c.surface) is not None for j in jobs for c in j.calls):
        for job in jobs:
            job._send()
    return jobs


def worth_sending(work: int) -> bool:
    """Enough work to beat the round trip, and workers not so far behind that waiting for them takes longer than
    computing here (another session's costly view queued ahead: a mid-sized run then stays in the server)."""
    return work >= THRESHOLD and _backlog / workers() <= BACKLOG * work


class Job:
    """A pending run: result() waits for the worker (or computes here) and re-raises what simulate() raised."""

    def __init__(self, calls: list):
        self.calls, self.future, self.tries = calls, None, 0

    def _send(self) -> None:
        self.tries += 1
        self.future = _submit([c._replace(surface=_portable(c.surface)) for c in self.calls], cost(self.calls))

    def result(self) -> list:
        while self.future is not None:
            try:
                return self.future.result()  # a ValueError from the engine is re-raised here as it was raised there
            except BrokenProcessPool:  # a worker died (killed, out of memory): a new pool, once, else compute here
                _broken(self.future)
                self.future = None
                if self.tries < 2:
                    self._send()
        return simulate(self.calls)

    def cancel(self) -> None:
        """No longer needed: a job not started yet is dropped from the queue."""
        if self.future is not None:
            self.future.cancel()


# ---- the surface a worker rebuilds ------------------------------------------------------------------------------


def _portable(surface):
    """What a worker rebuilds `surface` from: a registry key, or a typed surface's (formula, box), whose key is
    registered only in the process where it was typed. None: this surface cannot travel (it stays in process)."""
    key = getattr(surface, "key", None)
    if key in surfaces.names() and surfaces.get(key) is surface:
        return key
    if isinstance(surface, FormulaSurface):
        return ("formula", surface.formula, surface.bounds)
    return None


def _surface(ref):
    if isinstance(ref, str):
        return surfaces.get(ref)
    if isinstance(ref, tuple) and ref[:1] == ("formula",):
        return surfaces.custom(ref[1], ref[2])
    return ref  # the surface object itself: computed in the process that has it


def _size(value) -> int:
    """The rows an array hyperparameter asks for (a tuple such as betas is one value)."""
    return int(value.size) if getattr(value, "shape", ()) else 1


# ---- the pool ---------------------------------------------------------------------------------------------------

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_breaks = 0
_backlog = 0  # cost of the jobs sent and not finished


def _submit(calls, work: int) -> Future | None:
    """simulate(calls) in a worker; None when there is no pool (it broke too often, or cannot start here)."""
    global _pool, _breaks
    with _lock:
        if _pool is None and _breaks < MAX_BREAKS:
            try:
                _pool = ProcessPoolExecutor(max_workers=workers(), mp_context=_Context(), initializer=_worker_init)
            except (OSError, ValueError, ImportError):  # no processes here (a sandbox): compute in process
                _breaks = MAX_BREAKS
        pool = _pool
    if pool is None:
        return None
    try:
        future = pool.submit(simulate, calls)
    except (BrokenProcessPool, OSError) as e:  # broken already, or no new worker could start: as if it broke now
        future = Future()
        future.set_exception(BrokenProcessPool(f"the pool broke before the job was sent: {e}"))
    except RuntimeError:  # shut down: the interpreter is exiting
        return None
    future.pool = pool
    _queued(work)
    future.add_done_callback(lambda _: _queued(-work))
    return future


def _queued(work: int) -> None:
    global _backlog
    with _lock:  # never held while a future may finish: a done callback runs at once in the thread that finishes it
        _backlog += work


def _broken(future) -> None:
    """Drop the pool `future` ran on, unless another thread has replaced it already."""
    global _pool, _breaks
    with _lock:
        pool = getattr(future, "pool", None)
        if _pool is None or _pool is not pool:
            return
        _breaks += 1
        _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def workers() -> int:
    return min(MAX_WORKERS, max(1, (os.cpu_count() or 1) - 1))


def shutdown() -> None:
    """Stop the workers (at exit, and in tests): no process outlives the server or a test run."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown)


def _worker_init() -> None:
    """A worker yields the CPU to the server (NICE), ignores Ctrl-C (the terminal sends it to the whole process group;
    the server stops the workers) and ends when the server does, however it ended: killed, a worker would wait for
    work forever (it holds both ends of its queue's pipe, so it never reads an end of file)."""
    os.nice(NICE)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    server = multiprocessing.parent_process()
    if server is not None:
        threading.Thread(target=lambda: (server.join(), os._exit(0)), daemon=True).start()


# ---- workers that do not run the app ----------------------------------------------------------------------------

_main_lock = threading.Lock()
_BARE_MAIN = types.ModuleType("__main__")  # no __file__: a new worker has no main script to run


class _Process(context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj):
        """Start a worker while sys.modules["__main__"] is a bare module. Streamlit installs each script run's module
        as __main__, with __file__ = app.py; multiprocessing would run that file in every new worker (to rebuild
        __main__), i.e. the whole app. Only while a worker starts (ms; the first ~0.5 s, the forkserver's imports),
        and put back unless a script run replaced it meanwhile: no code of this app looks __main__ up."""
        with _main_lock:
            main = sys.modules["__main__"]
            sys.modules["__main__"] = _BARE_MAIN
            try:
                return context.ForkServerProcess._Popen(process_obj)
            finally:
                if sys.modules["__main__"] is _BARE_MAIN:
                    sys.modules["__main__"] = main


class _Context(context.ForkServerContext):
    """forkserver, not fork: forking a threaded server copies locks other threads hold. Workers fork from a small
    server process that imported this module (and so numpy, optimizers and surfaces) once."""

    Process = _Process

    def __init__(self):
        super().__init__()
        self.set_forkserver_preload([__name__])
