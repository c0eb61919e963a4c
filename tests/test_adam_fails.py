"""'When Adam fails' after batching and caching: the page shows exactly what the engine computes.

Figure 1's runs are batched (every α × start of the sliders per optimizer), recorded through a Tape (the engine
keeps the start and the end, every=steps) and cached as what is drawn; a shorter run is read from a longer one.
Every number is compared here with a plain optimizers.simulate call recorded at every step.
"""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import optimizers
from surfaces import online
from teaching import reddi
from teaching.figures import thin

APP = str(Path(__file__).resolve().parents[1] / "app.py")
P = online.FIG1.period


def direct(key: str, lr: float, periods: int, start: float, decay: bool = False) -> np.ndarray:
    """x after 0..T steps from one plain engine call, recorded at every step (a shorter run is a prefix of a
    longer one: one call of 200 periods serves them all)."""
    return _direct(key, lr, max(periods, 200), start, decay)[: periods * P + 1]


@lru_cache(maxsize=64)
def _direct(key: str, lr: float, periods: int, start: float, decay: bool) -> np.ndarray:
    traj = optimizers.simulate(key, online.FIG1, np.array([start]), periods * P, record="path", lr=lr,
                               betas=reddi.FIG1_BETAS, lr_schedule={"name": "InverseSqrt"} if decay else None)
    return traj.path[:, 0]


def drawn(path: np.ndarray, periods: int) -> dict:
    """What the page draws of one run, computed the way the page did before the batching."""
    path = path[: periods * P + 1, None]
    ends, mean, low, high = online.period_stats(online.FIG1, path)
    regret = online.average_regret(online.FIG1, path)
    keep = thin(len(regret), period=P)
    return dict(ends=ends, mean=mean, low=low, high=high, regret_t=keep + 1, regret=regret[keep],
                final=float(path[-1, 0]))


def assert_same(got: dict, want: dict) -> None:
    for name, value in want.items():
        np.testing.assert_array_equal(got[name], value, err_msg=name)  # bit for bit, not approximately


# ------------------------------------------------------------------ the engine, batched and strided


@pytest.mark.parametrize("key", reddi.KEYS)
@pytest.mark.parametrize("decay", [False, True])
def test_strided_recording_is_the_full_run_at_the_recorded_steps(key, decay):
    sched = {"name": "InverseSqrt"} if decay else None
    kw = dict(record="path", lr=0.02, betas=reddi.FIG1_BETAS, lr_schedule=sched)
    full = optimizers.simulate(key, online.FIG1, np.array([0.5]), 20 * P, **kw)
    for every in (P, 7, 20 * P):
        part = optimizers.simulate(key, online.FIG1, np.array([0.5]), 20 * P, every=every, **kw)
        np.testing.assert_array_equal(part.index, np.unique(np.r_[np.arange(0, 20 * P + 1, every), 20 * P]))
        np.testing.assert_array_equal(part.path, full.path[part.index])


@pytest.mark.parametrize("key", reddi.KEYS)
@pytest.mark.parametrize("decay", [False, True])
def test_one_batched_call_over_every_alpha_and_start_is_each_plain_run(key, decay):
    paths = reddi.fig1_paths(key, reddi.FIG1_LRS, reddi.FIG1_STARTS, 6, decay)
    assert paths.shape == (len(reddi.FIG1_LRS), len(reddi.FIG1_STARTS), 6 * P + 1)
    for i, lr in enumerate(reddi.FIG1_LRS):
        for j, start in enumerate(reddi.FIG1_STARTS):
            one = optimizers.simulate(key, online.FIG1, np.array([start]), 6 * P, record="path", lr=lr,
                                      betas=reddi.FIG1_BETAS, lr_schedule={"name": "InverseSqrt"} if decay else None)
            np.testing.assert_array_equal(paths[i, j], one.path[:, 0], err_msg=f"{lr}, {start}")


def test_the_tape_reports_progress_and_keeps_every_point():
    seen = []
    paths = reddi.fig1_paths("adam", (0.02,), (0.0,), 50, progress=seen.append)
    assert seen == list(range(2048, 50 * P + 1, 2048))
    np.testing.assert_array_equal(paths[0, 0], direct("adam", 0.02, 50, 0.0))


def test_a_shorter_run_and_any_alpha_or_start_are_read_from_the_cached_batch():
    reddi.clear_cache()
    assert not reddi.fig1_ready(0.02, 200, 0.0)
    fractions = []
    reddi.fig1_runs(0.02, 200, 0.0, progress=fractions.append)
    assert fractions[-1] == 1.0 and fractions == sorted(fractions) and len(fractions) > 4
    for lr in reddi.FIG1_LRS:
        for start in reddi.FIG1_STARTS:
            for periods in (100, 200):
                assert reddi.fig1_ready(lr, periods, start)
    assert not reddi.fig1_ready(0.02, 400, 0.0) and not reddi.fig1_ready(0.02, 200, 0.0, decay=True)
    for lr, periods, start in ((0.05, 100, -1.0), (0.005, 200, 0.5)):
        runs = reddi.fig1_runs(lr, periods, start)
        for key in reddi.KEYS:
            assert_same(runs[key], drawn(direct(key, lr, periods, start), periods))
            assert not runs[key]["regret"].flags.writeable, "shared by every session: read-only"


def test_a_value_off_the_sliders_is_run_too():
    runs = reddi.fig1_runs(0.03, 3, 0.25, decay=True)
    for key in reddi.KEYS:
        assert_same(runs[key], drawn(direct(key, 0.03, 3, 0.25, decay=True), 3))


def test_a_session_asking_for_a_batch_being_run_waits_for_it_and_sees_its_progress(monkeypatch):
    import threading

    calls, seen = [], []
    compute = reddi._compute

    def counted(*args):
        calls.append(args[0])
        threading.Event().wait(0.6)  # long enough for the waiting session to look at least twice
        return compute(*args)

    monkeypatch.setattr(reddi, "_compute", counted)
    args = (0.0123, 40, 0.1, False)  # off the sliders: a batch of its own, not cached by another test
    first = threading.Thread(target=reddi.fig1_runs, args=args, kwargs=dict(progress=lambda f: None))
    first.start()
    while not calls:
        threading.Event().wait(0.01)
    runs = reddi.fig1_runs(*args, progress=seen.append)
    first.join()
    assert len(calls) == 1, "run once for both sessions"
    assert seen and seen == sorted(seen) and all(0.0 <= f <= 1.0 for f in seen)
    assert runs["adam"]["final"] == direct("adam", 0.0123, 40, 0.1)[-1]


@pytest.mark.parametrize("C", [2.5, 10.0])
def test_theorem1_in_one_call_is_each_plain_run(C):
    runs = reddi.theorem1_runs(C)
    problem = online.theorem1(C)
    for key in reddi.KEYS:
        traj = optimizers.simulate(key, problem, np.array([0.0]), reddi.THEOREM1_STEPS, record="path",
                                   lr=reddi.THEOREM1_LR, betas=(0.0, online.theorem1_beta2(C)))
        keep = thin(len(traj.path))
        regret = online.average_regret(problem, traj.path)
        assert_same(runs[key], dict(t=keep, x=traj.path[keep, 0], regret_t=np.arange(1, len(regret) + 1),
                                    regret=regret, final=float(traj.path[-1, 0])))


# ------------------------------------------------------------------ the page


def arrays(at: AppTest, key: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """A figure's line traces by name: (x, y) decoded from the plotly spec the server sends."""
    el = next(e for e in at.get("plotly_chart") if e.proto.id.endswith(key))
    out = {}
    for trace in json.loads(el.proto.spec)["data"]:
        if trace.get("showlegend") is False:
            continue
        out[trace["name"]] = tuple(_decode(trace[axis]) for axis in ("x", "y"))
    return out


def _decode(value) -> np.ndarray:
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    return np.asarray(value, dtype=float)


def metrics(at: AppTest) -> list[tuple[str, str]]:
    return [(m.label, m.value) for m in at.metric]


def check_fig1(at: AppTest, lr: float, periods: int, start: float, decay: bool) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.get("progress"), "no progress bar is left once the runs are in"
    shown = dict(metrics(at)[:3])
    assert shown["steps"] == f"{periods * P:,}"
    want = {key: drawn(direct(key, lr, periods, start, decay), periods) for key in reddi.KEYS}
    assert shown["Adam: final x"] == f"{want['adam']['final']:+.3f}"
    assert shown["AMSGrad: final x"] == f"{want['amsgrad']['final']:+.3f}"
    regret, x = arrays(at, "adam_fails.fig1.regret"), arrays(at, "adam_fails.fig1.x")
    for label, key in (("Adam", "adam"), ("AMSGrad", "amsgrad")):
        np.testing.assert_array_equal(regret[label][0], want[key]["regret_t"])
        np.testing.assert_array_equal(regret[label][1], want[key]["regret"])
        np.testing.assert_array_equal(x[label][0], want[key]["ends"])
        np.testing.assert_array_equal(x[label][1], want[key]["mean"])
    # the caption's numbers are the run's: AMSGrad's range in the last period, and how far each run ends from its point
    caption = next(c.value for c in at.caption if "Final x is read" in c.value)
    m = want["amsgrad"]
    assert f"lift it by {m['high'][-1] - m['low'][-1]:.3f} in the last period" in caption
    assert f"It ends {abs(m['final'] + 1):.3f} from −1; Adam {abs(want['adam']['final'] - 1):.3f} from +1" in caption


def test_every_slider_of_the_page_shows_the_engines_numbers():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.session_state["adam_fails.fig1.periods"] = 100  # a short first batch: this test is about the sliders
    at.switch_page("pages/when_adam_fails.py").run()
    state = dict(lr=reddi.FIG1_LR, periods=100, start=reddi.FIG1_START, decay=False)
    check_fig1(at, **state)
    for name, value in (("lr", 0.05), ("start", -0.5), ("periods", 200), ("lr", 0.005), ("periods", 100)):
        at.select_slider(key=f"adam_fails.fig1.{name}").set_value(value).run()
        state[name] = value
        check_fig1(at, **state)
    at.toggle(key="adam_fails.fig1.decay").set_value(True).run()
    state["decay"] = True
    check_fig1(at, **state)
    for C in (2.5, 20.0):
        at.select_slider(key="adam_fails.thm1.C").set_value(C).run()
        assert not at.exception
        finals = [value for label, value in metrics(at)[3:] if label.endswith("final x")]
        want = [reddi.theorem1(key, C).path[-1, 0] for key in reddi.KEYS]
        assert finals == [f"{w:+.3f}" for w in want]
    check_fig1(at, **state)  # the theorem's slider left Figure 1 alone


def test_the_page_says_the_proof_takes_alpha_over_root_t():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.session_state["adam_fails.fig1.periods"] = 100
    at.switch_page("pages/when_adam_fails.py").run()
    assert not at.exception
    toggle = at.toggle(key="adam_fails.fig1.decay")
    assert "α/√t" in toggle.label and "paper" in toggle.label
    text = " ".join(md.value for md in at.markdown)
    claim = next(s for s in text.split(". ") if "provably goes to +1" in s)
    assert "the proof takes αₜ = α/√t" in claim and "keeps α constant" in claim
    assert "The paper shrinks the step as αₜ = α/√t" in text
