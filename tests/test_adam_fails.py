"""'When Adam fails' computes Figure 1 without the engine's step loop: the page still shows exactly what the engine computes.

teaching/online_scan.py takes the moments once per optimizer (the gradient of a linear loss does not depend on x) and
the iterate as a clipped cumulative sum, with the engine's floating-point operations. Every number is compared here,
bit for bit, with optimizers.simulate calls recorded at every step.

Then the page's settings in its URL (ui/adam_fails_settings.py): a link shows them, a change is written back, a bad
value falls back with one inert notice, and a visit to another page keeps them and puts them back in the address.
"""

from __future__ import annotations

import base64
import json
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import optimizers
from surfaces import online
from teaching import online_scan, reddi
from teaching.figures import thin
from ui import adam_fails_settings as afs
from ui.widgets import inert

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "pages/when_adam_fails.py"
P = online.FIG1.period


def direct(key: str, lr: float, periods: int, start: float, decay: bool = False) -> np.ndarray:
    """x after 0..T steps from the engine, recorded at every step: a row of one engine call per optimizer and
    schedule that runs every (α, start) of the tests below for the most periods any of them needs (a shorter run is a
    prefix of a longer one, and a row of a batch is that single run, bit for bit: test_optimizers.py's
    test_batch_rows_equal_single_runs). A pair not listed gets a call of its own."""
    pairs, longest = ENGINE_PAIRS[decay], ENGINE_PERIODS[decay]
    if (lr, start) in pairs and periods <= longest:
        return engine_batch(key, decay)[pairs.index((lr, start)), : periods * P + 1]
    return _direct(key, lr, max(periods, 200), start, decay)[: periods * P + 1]


@lru_cache(maxsize=64)
def _direct(key: str, lr: float, periods: int, start: float, decay: bool) -> np.ndarray:
    traj = optimizers.simulate(key, online.FIG1, np.array([start]), periods * P, record="path", lr=lr,
                               betas=reddi.FIG1_BETAS, lr_schedule={"name": "InverseSqrt"} if decay else None)
    return traj.path[:, 0]


@cache
def engine_batch(key: str, decay: bool) -> np.ndarray:
    """The engine's x for every pair of ENGINE_PAIRS[decay], ENGINE_PERIODS[decay] periods: one call, a row each."""
    rows = engine_rows(key, online.FIG1, ENGINE_PAIRS[decay], ENGINE_PERIODS[decay] * P, reddi.FIG1_BETAS, decay)
    rows.flags.writeable = False  # shared by the tests
    return rows


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


# ------------------------------------------------------------------ the fast path is the engine, step for step

# (α, start) pairs: every start of the sliders, both ends of [−1, 1], the largest and smallest α, and one off the sliders
PAIRS = ((0.005, -1.0), (0.01, 1.0), (0.02, 0.0), (0.05, -0.5), (0.05, 1.0), (0.005, 0.5), (0.03, 0.25), (0.02, -1.0))

# Every (α, start) the tests compare with the engine (PAIRS, and the page's settings below: STORIES, the sliders' walk,
# FULL_LINK, the cached runs), without α/√t and with it, and the most periods any of them runs: the engine's runs
# (1 000 periods, 101 000 steps, take it about 4 s) are made once per optimizer and schedule, all pairs at once.
ENGINE_PAIRS = {
    False: [*PAIRS, (0.05, 0.0), (0.005, -0.5), (0.05, -1.0), (0.02, 1.0)],
    True: [*PAIRS, (0.005, -0.5), (0.05, 0.5)],
}
ENGINE_PERIODS = {False: 1000, True: 2000}
# the tests that read those runs share one pytest-xdist worker (tests/run.sh: --dist loadgroup), so they are made once
ENGINE = pytest.mark.xdist_group("adam_fails_engine")


def engine_rows(key: str, problem, pairs, steps: int, betas, decay: bool = False) -> np.ndarray:
    """x after 0..steps steps for each (α, start), rows of one engine call recorded at every step: (len(pairs), steps + 1)."""
    lrs, starts = np.array([p[0] for p in pairs]), np.array([[p[1]] for p in pairs])
    traj = optimizers.simulate(key, problem, starts, steps, record="path", lr=lrs, betas=betas,
                               lr_schedule={"name": "InverseSqrt"} if decay else None)
    return traj.path[..., 0]


@pytest.mark.parametrize("key", reddi.KEYS)
@pytest.mark.parametrize("decay", [False, True])
@ENGINE
def test_the_fast_path_is_the_engines_run_at_every_step(key, decay):
    periods = 300
    want = np.array([direct(key, lr, periods, start, decay) for lr, start in PAIRS])  # one engine call, a row a pair
    for (lr, start), row in zip(PAIRS, want, strict=True):
        got = reddi.fig1_path(key, lr, periods, start, decay)
        np.testing.assert_array_equal(got, row, err_msg=f"{key}, α={lr}, start={start}, decay={decay}")
    # the moments were computed until they repeat, then tiled: the comparison above covers the tiled part too
    m, _, periodic = online_scan._moments(online.FIG1, *reddi.FIG1_BETAS, key == "amsgrad", periods * P)
    assert periodic and len(m) < periods * P / 2
    # and what is compared is no constant: every run differs from the others and visits thousands of points
    assert len({row.tobytes() for row in want}) == len(PAIRS) and np.unique(want).size > 5000


@ENGINE
def test_a_run_shorter_than_the_moments_take_to_repeat_is_computed_step_by_step_then_extended():
    online_scan.clear_cache()
    for periods in (1, 5, 300):  # 1 and 5: the moments are not periodic yet, computed for those steps only
        got = reddi.fig1_path("amsgrad", 0.05, periods, 0.5, True)
        np.testing.assert_array_equal(got, direct("amsgrad", 0.05, periods, 0.5, True))
        m, _, periodic = online_scan._moments(online.FIG1, *reddi.FIG1_BETAS, True, periods * P)
        assert periodic == (periods == 300) and (periodic or len(m) == periods * P)
    assert reddi.fig1_path("adam", 0.02, 0, 0.5).tolist() == [0.5]


@pytest.mark.parametrize("C", [2.5, 10.0])
def test_the_fast_path_holds_on_theorem1s_problem_too(C):
    """β₁ = 0 and a period of 3: nothing in online_scan is particular to Figure 1."""
    problem, betas = online.theorem1(C), (0.0, online.theorem1_beta2(C))
    for key in reddi.KEYS:
        want = engine_rows(key, problem, [(0.01, 0.0), (0.1, 1.0)], reddi.THEOREM1_STEPS, betas)
        for (lr, start), row in zip([(0.01, 0.0), (0.1, 1.0)], want, strict=True):
            got = online_scan.adam_path(key, problem, start, reddi.THEOREM1_STEPS, lr=lr, betas=betas)
            np.testing.assert_array_equal(got, row)


def test_the_fast_path_is_for_adam_and_amsgrad_only():
    for key in ("adamw", "nadam", "radam"):  # weight decay puts x in the gradient; the others update otherwise
        with pytest.raises(ValueError, match="Adam or AMSGrad only"):
            online_scan.adam_steps(key, online.FIG1, 10, lr=0.02, betas=reddi.FIG1_BETAS)


# ------------------------------------------------------------------ what the page draws, cached


@ENGINE
def test_the_runs_are_cached_per_setting_and_read_only():
    reddi.clear_cache()
    assert not reddi.fig1_ready(0.02, 200, 0.0)
    runs = reddi.fig1_runs(0.02, 200, 0.0)
    assert reddi.fig1_ready(0.02, 200, 0.0) and reddi.fig1_runs(0.02, 200, 0.0) is runs
    assert not reddi.fig1_ready(0.02, 100, 0.0) and not reddi.fig1_ready(0.02, 200, 0.0, decay=True)
    for lr, periods, start in ((0.02, 200, 0.0), (0.05, 100, -1.0), (0.005, 200, 0.5)):
        runs = reddi.fig1_runs(lr, periods, start)
        for key in reddi.KEYS:
            assert_same(runs[key], drawn(direct(key, lr, periods, start), periods))
            for name in ("ends", "mean", "low", "high", "regret_t", "regret"):
                assert not runs[key][name].flags.writeable, "shared by every session: read-only"


@ENGINE
def test_a_value_off_the_sliders_is_run_too():
    runs = reddi.fig1_runs(0.03, 3, 0.25, decay=True)
    for key in reddi.KEYS:
        assert_same(runs[key], drawn(direct(key, 0.03, 3, 0.25, decay=True), 3))


@pytest.mark.parametrize("C", [2.5, 10.0])
def test_theorem1s_runs_are_the_engines(C):
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


def open_page(query: dict | None = None) -> AppTest:
    """The app at "/" (its st.navigation), then the page with `query` in its address, as a link opens it."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()  # a page with its own url_path is only found once app.py's navigation has run
    at.query_params.clear()
    at.query_params.update(query or {})
    at.switch_page(PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


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
    assert not any("Running" in c.value for c in at.caption), "no note is left once the runs are in"
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
    wobble = m["high"][-1] - m["low"][-1]
    if decay:  # in units of the last step size α/√T, not of α (the wobble is a few of those)
        last = lr / (periods * P) ** 0.5
        assert f"lift it by {wobble:.1e} in the last period ({wobble / last:.1f} times the last step size" in caption
        assert f"α/√T = {last:.1e})" in caption and "α at the" not in caption
    else:
        assert f"lift it by {wobble:.3f} in the last period ({wobble / lr:.1f}α)" in caption
    assert f"It ends {abs(m['final'] + 1):.3f} from −1; Adam {abs(want['adam']['final'] - 1):.3f} from +1" in caption
    check_story(at, want, start, decay)


def check_story(at: AppTest, want: dict, start: float, decay: bool) -> None:
    """The paragraph on where the runs go says what the theory says for the step size on screen, and where each run
    of the engine ended: its final x, and on which side of 0 (or at +1, or wobbling at −1) it ends."""
    text = next(md.value for md in at.markdown if md.value.startswith("Over a period the losses add up"))
    assert ("Adam is driven to +1" in text) == (not decay) and ("α/√t" in text) == decay
    assert "Running" not in text
    measured = text[text.index("In this run"):]
    adam, ams = measured.split("; AMSGrad ends ")
    for clause, key in ((adam, "adam"), (ams, "amsgrad")):
        final = want[key]["final"]
        x = f"{final:+.3f}".replace("-", "−")
        assert f"at x = {x}" in clause, (clause, final)
        at_top, at_bottom = x == "+1.000", want[key]["low"][-1] <= -1.0
        assert ("the worst point" in clause) == at_top
        assert ("wobble at −1, the best point" in clause) == (at_bottom and not at_top)
        if not (at_top or at_bottom):
            assert ("x > 0" in clause) == (final > 0) and ("x < 0" in clause) == (final < 0), clause
            assert ("up from" in clause) == (final > start + 5e-4) and ("down from" in clause) == (final < start - 5e-4)
        else:
            assert "x > 0" not in clause and "x < 0" not in clause
    # the switch's help promises no side: with α/√t Adam may stay at x < 0 within the run
    help_text = at.toggle(key="adam_fails.fig1.decay").help
    assert "x > 0" not in help_text and "neither may get far" in help_text


# (α, periods, start, α/√t): the review's case first (Adam ends at −0.915, not on the wrong side), then Adam at +0.187
# with α/√t, at +1 with α/√t, short of +1 with a constant α, at +1 while AMSGrad is still above 0, and both arrived
STORIES = [(0.005, 2000, -1.0, True), (0.02, 1000, 0.0, True), (0.05, 2000, 0.5, True), (0.005, 100, -1.0, False),
           (0.02, 100, 1.0, False), (0.02, 1000, 0.0, False)]


@pytest.mark.parametrize("lr, periods, start, decay", STORIES)
@ENGINE
def test_the_text_says_where_the_engines_runs_end(lr, periods, start, decay):
    at = open_page({"lr": f"{lr:g}", "periods": str(periods), "start": f"{start:g}", "decay": "1" if decay else "0"})
    check_fig1(at, lr, periods, start, decay)
    if (lr, periods, start, decay) == STORIES[0]:  # the review's reading, spelled out
        text = next(md.value for md in at.markdown if md.value.startswith("Over a period the losses add up"))
        assert "Adam ends at x = −0.915, up from x₁ = −1, on the good side (x < 0)" in text
        assert "AMSGrad ends at x = −1.000" in text


@ENGINE
def test_every_slider_of_the_page_shows_the_engines_numbers():
    at = open_page({"periods": "100"})  # a short first batch: this test is about the sliders
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
    at = open_page({"periods": "100"})
    toggle = at.toggle(key="adam_fails.fig1.decay")
    assert "α/√t" in toggle.label and "paper" in toggle.label
    text = " ".join(md.value for md in at.markdown)
    claim = next(s for s in text.split(". ") if "provably goes to +1" in s)
    assert "the proof takes αₜ = α/√t" in claim and "keeps α constant" in claim
    assert "The paper shrinks the step as αₜ = α/√t" in text


# ------------------------------------------------------------------ the page's settings in its URL

FULL_LINK = {"lr": "0.05", "periods": "200", "start": "0.5", "decay": "1", "C": "10"}  # every setting off its first value


def query(at: AppTest) -> dict[str, str]:
    return {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()}


def notices(at: AppTest) -> list[str]:
    """The link notices, as shown: one box (several problems are one box with a list), backslash-escaped (inert)."""
    return [w.value for w in at.warning if w.proto.icon == ":material/link_off:"]


def shown(at: AppTest) -> dict:
    """Each setting as its widget holds it, by URL name."""
    return {name: (at.toggle(key=key) if name == "decay" else at.select_slider(key=key)).value
            for name, key in afs.WIDGETS.items()}


@ENGINE
def test_a_link_with_every_setting_shows_them():
    at = open_page(FULL_LINK)
    assert not notices(at)
    assert shown(at) == {"lr": 0.05, "periods": 200, "start": 0.5, "decay": True, "C": 10.0}
    check_fig1(at, lr=0.05, periods=200, start=0.5, decay=True)  # drawn from those settings, not only shown
    finals = [value for label, value in metrics(at)[3:] if label.endswith("final x")]
    assert finals == [f"{reddi.theorem1(key, 10.0).path[-1, 0]:+.3f}" for key in reddi.KEYS]
    assert query(at) == FULL_LINK


def test_the_page_as_it_opens_has_an_empty_query_and_a_change_is_written_to_it():
    at = open_page()
    assert query(at) == {} and shown(at) == afs.DEFAULTS
    at.run()
    assert query(at) == {}
    at.select_slider(key=afs.WIDGETS["periods"]).set_value(100).run()
    assert query(at) == {"periods": "100"}
    at.select_slider(key=afs.WIDGETS["lr"]).set_value(0.005).run()
    at.select_slider(key=afs.WIDGETS["start"]).set_value(-1.0).run()
    at.toggle(key=afs.WIDGETS["decay"]).set_value(True).run()
    at.select_slider(key=afs.WIDGETS["C"]).set_value(2.5).run()
    assert not at.exception
    q = {"periods": "100", "lr": "0.005", "start": "-1", "decay": "1", "C": "2.5"}
    assert query(at) == q
    at.select_slider(key=afs.WIDGETS["lr"]).set_value(reddi.FIG1_LR).run()
    del q["lr"]
    assert query(at) == q, "back at its first value: nothing to say"
    again = open_page(q)  # the address reopens what was shown
    assert not notices(again) and shown(again) == shown(at) and query(again) == q


@pytest.mark.parametrize("bad, named", [
    ({"lr": "0.03"}, "lr='0.03'"),  # a number, but not one of the slider's stops
    ({"periods": "lots"}, "periods='lots'"),
    ({"start": "nan"}, "start='nan'"),
    ({"decay": "maybe"}, "decay='maybe'"),
    ({"C": "2"}, "C='2'"),  # C must be > 2: not a stop
    ({"alpha": "0.05", "x1": "0.5"}, "'alpha', 'x1'"),  # unknown keys: one notice for all
    ({"lr": "[x](javascript:alert(1))"}, "lr='[x](javascript:alert(1))'"),  # shown as typed, no link
])
def test_a_bad_link_gives_one_notice_and_the_defaults(bad, named):
    at = open_page({**bad, "periods": "100"} if "periods" not in bad else bad)
    boxes = notices(at)
    assert len(boxes) == 1 and inert(named) in boxes[0], boxes  # inert: Markdown characters backslash-escaped
    assert shown(at) == {**afs.DEFAULTS, "periods": 100 if "periods" not in bad else afs.DEFAULTS["periods"]}
    assert query(at) == ({} if "periods" in bad else {"periods": "100"})  # the bad value is gone from the address
    at.select_slider(key=afs.WIDGETS["C"]).set_value(4.0).run()
    assert not notices(at), "the notice goes with the first change"


def test_many_bad_values_give_a_few_notices_in_one_box():
    bad = {"lr": "x", "periods": "x", "start": "x", "decay": "x", "C": "x", "zz": "1", "yy": "2"}
    v, problems = afs.from_query(bad)  # six problems: five bad values and one notice for the unknown keys
    assert v == afs.DEFAULTS and len(problems) == 5 and problems[-1].startswith("…and 2 more")
    at = open_page(bad)
    assert len(at.warning) == 1 and at.warning[0].value.count("\n- ") == 5
    assert shown(at) == afs.DEFAULTS and query(at) == {}


def test_the_settings_and_their_query_survive_a_visit_to_another_page():
    at = open_page({"periods": "100", "decay": "1"})
    at.select_slider(key=afs.WIDGETS["C"]).set_value(20.0).run()
    before = shown(at)
    assert query(at) == {"periods": "100", "decay": "1", "C": "20"}
    at.switch_page("pages/inspector.py").run()
    assert not at.exception
    at.query_params.clear()  # another page's address carries no query of this page
    at.switch_page(PAGE).run()
    assert not at.exception and not notices(at)
    assert shown(at) == before
    # the address comes back without a history entry: written by the browser (a zero-height script)
    assert any("replaceState" in el.proto.srcdoc and "?periods=100&decay=1&C=20" in el.proto.srcdoc
               for el in at.get("iframe"))


# the pure round trip: every stop of every slider, both positions of the switch

SETTINGS = [(name, value) for name, (stops, _) in afs.PICKS.items() for value in stops] + [("decay", True), ("decay", False)]


@pytest.mark.parametrize("name, value", SETTINGS)
def test_every_stop_round_trips_through_the_url(name, value):
    v = {**afs.DEFAULTS, name: value}
    q = afs.to_query(v)
    assert q == ({} if value == afs.DEFAULTS[name] else {name: q[name]})
    assert afs.from_query(q) == (v, [])
    assert afs.from_query({name: afs._fmt(value)}) == (v, [])  # a default written out is read too


def test_every_setting_at_once_round_trips_and_other_spellings_are_read():
    v, problems = afs.from_query(FULL_LINK)
    assert problems == [] and afs.to_query(v) == FULL_LINK and list(afs.to_query(v)) == list(afs.ORDER)
    for name, (stops, default) in afs.PICKS.items():  # the other end of every slider
        v = {**afs.DEFAULTS, name: stops[0] if stops[0] != default else stops[-1]}
        assert afs.from_query(afs.to_query(v)) == (v, [])
    spelled = {"lr": "5e-2", "periods": "2e3", "start": "-.5", "decay": "true", "C": "10.0"}
    v, problems = afs.from_query(spelled)
    assert problems == [] and v == {"lr": 0.05, "periods": 2000, "start": -0.5, "decay": True, "C": 10.0}
    assert afs.to_query(v) == {"lr": "0.05", "periods": "2000", "start": "-0.5", "decay": "1", "C": "10"}
    assert afs.from_query({}) == (afs.DEFAULTS, []) and afs.to_query(afs.DEFAULTS) == {}
