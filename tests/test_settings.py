"""The Playground's settings and their URL form (ui/settings.py): pure, no Streamlit run.

A share link must round-trip exactly, and a malformed one must never break the page: every bad value
falls back to its default with a notice that names the parameter.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest

import optimizers
import surfaces
from ui.settings import (
    DEFAULTS,
    LANDING_LR,
    NOISE,
    STEPS,
    VIEWS,
    Settings,
    check,
    entry_labels,
    from_query,
    morph_stops,
    num,
    on_slider,
    slider_options,
    slider_step,
    tidy_zero,
    to_query,
)


def _value(hp: optimizers.Hyperparameter, rng: random.Random):
    """A random value the UI can produce for `hp`, written so that it survives the URL's 10 digits."""
    if hp.is_flag:
        return rng.random() < 0.5
    if hp.kind == "int":
        lo, hi = hp.slider_range
        return rng.choice([int(lo), int(hi), rng.randint(int(lo), int(hi))])
    if hp.kind == "choice":
        return rng.choice([c for c in hp.choices if c is not None])
    stops = slider_options(hp)
    if stops is not None:
        return rng.choice(stops)
    lo, hi = hp.slider_range
    return rng.choice([lo, hi, round(rng.uniform(lo, hi), 3)])


def random_settings(rng: random.Random) -> Settings:
    surface = rng.choice(surfaces.names())
    (x0, x1), (y0, y1) = surfaces.get(surface).bounds
    keys = rng.sample(optimizers.names(), rng.randint(1, len(optimizers.names())))
    hps = {}
    for key in keys:
        ui = [hp for hp in optimizers.get(key).hyperparameters if hp.ui]
        hps[key] = {hp.name: _value(hp, rng) for hp in rng.sample(ui, rng.randint(0, len(ui)))}
    start = surfaces.get(surface).start if rng.random() < 0.3 else (round(rng.uniform(x0, x1), 3), round(rng.uniform(y0, y1), 3))
    return Settings(
        surface=surface, optimizers=tuple(keys), start=start,
        steps=rng.randrange(STEPS[0], STEPS[1] + 1, 10), noise=rng.choice([0.0, 0.01, 0.3, 10.0, NOISE[1], 2.5]),
        seed=rng.choice([0, 1, 12345, 2**31 - 1]), view=rng.choice(VIEWS), same_lr=rng.random() < 0.3,
        shared_lr=rng.choice(slider_options(optimizers.get("adam").hyperparameter("lr"))), hps=hps,
    )


def effective(s: Settings) -> dict:
    """What a Settings means for the page: chosen optimizers' full hyperparameters, the shared α only when on."""
    return dict(
        surface=s.surface, optimizers=s.optimizers, start=s.start, steps=s.steps, noise=s.noise, seed=s.seed,
        view=s.view, same_lr=s.same_lr, shared_lr=s.shared_lr if s.same_lr else None,
        hps={k: {**optimizers.get(k).defaults(), **s.hps.get(k, {})} for k in s.optimizers},  # as s.hyperparameters(k)
    )


# ---- round trips ---------------------------------------------------------------------------------------


def test_defaults_give_an_empty_query_and_back():
    assert to_query(DEFAULTS) == {}
    assert to_query(Settings()) == {}
    assert from_query({}) == (DEFAULTS, [])


def test_to_query_omits_values_equal_to_the_defaults():
    explicit = Settings(start=surfaces.get("rosenbrock").start, hps={"adam": {"lr": LANDING_LR["adam"], "beta1": 0.9},
                                                                     "nag": {"momentum": 0.9}})
    assert to_query(explicit) == {}
    assert to_query(Settings(surface="beale", start=surfaces.get("beale").start)) == {"surface": "beale"}
    assert to_query(replace(DEFAULTS, hps={**DEFAULTS.hps, "adam": {"lr": 0.01}})) == {"adam.lr": "0.01"}
    # torch's own default differs from the landing α, so it must be written out
    assert to_query(replace(DEFAULTS, hps={**DEFAULTS.hps, "adam": {"lr": 1e-3}})) == {"adam.lr": "0.001"}


def test_torch_defaults_that_differ_from_the_landing_alpha_are_written_out():
    s = replace(DEFAULTS, hps={})  # what the widgets report after Reset: nothing differs from torch
    assert s.hyperparameters("adam")["lr"] == 1e-3
    assert to_query(s) == {"adam.lr": "0.001"}
    assert from_query(to_query(s))[0].hyperparameters("adam")["lr"] == 1e-3


def test_hyperparameters_of_optimizers_not_in_the_race_stay_out_of_the_link():
    s = replace(DEFAULTS, optimizers=("adam",), hps={"gd": {"lr": 0.5}, "adam": {"lr": 0.1}})
    assert to_query(s) == {"opt": "adam", "adam.lr": "0.1"}


@pytest.mark.parametrize("seed", range(8))
def test_random_valid_settings_round_trip(seed):
    rng = random.Random(seed)
    for _ in range(40):
        s = random_settings(rng)
        assert check(s) is None, s
        q = to_query(s)
        assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in q.items()), q
        back, notices = from_query(q)
        assert notices == [], (q, notices)
        assert effective(back) == effective(s), q
        assert to_query(back) == q  # the canonical form is a fixed point


def test_a_link_round_trips_through_settings():
    q = {"surface": "beale", "opt": "adam,nag", "adam.lr": "0.01", "nag.momentum": "0.5", "steps": "120",
         "noise": "0.3", "seed": "7", "view": "multiples", "x": "1.5", "y": "-2", "same_lr": "1", "lr": "0.1",
         "adam.amsgrad": "1"}
    s, notices = from_query(q)
    assert notices == []
    assert (s.surface, s.optimizers, s.steps, s.noise, s.seed, s.view, s.start) == ("beale", ("adam", "nag"), 120, 0.3, 7,
                                                                                    "multiples", (1.5, -2.0))
    assert s.same_lr and s.shared_lr == 0.1 and s.hyperparameters("adam")["lr"] == 0.1  # the shared α wins
    assert s.hps["adam"] == {"lr": 0.01, "amsgrad": True}
    assert to_query(s) == q


def test_order_and_duplicates_of_optimizers():
    """A name given twice races twice: the second is its own entry ("radam:2") with its own settings."""
    s, notices = from_query({"opt": "radam,adam,radam", "radam:2.lr": "0.003"})
    assert s.optimizers == ("radam", "adam", "radam:2") and notices == []
    assert s.hyperparameters("radam:2")["lr"] == 0.003 and s.hyperparameters("radam")["lr"] == LANDING_LR["radam"]
    assert to_query(s) == {"opt": "radam,adam,radam:2", "radam:2.lr": "0.003"}


def test_every_optimizer_lands_with_an_alpha_that_moves_it_on_rosenbrock():
    """Added to the race, each makes progress in 500 steps without diverging (torch's 1e-3 barely moves AdamW)."""
    rosen = surfaces.get("rosenbrock")
    for key in optimizers.names():
        hps = DEFAULTS.hyperparameters(key)
        traj = optimizers.simulate(key, rosen, rosen.start, 500, record="path", **hps)
        assert traj.diverged_at is None and traj.loss[-1] < 0.5 * traj.loss[0], key


def test_twins_are_bounded_and_named_by_what_differs():
    s, notices = from_query({"opt": "adam,adam,adam,adam,adam", "adam:3.beta1": "0.5", "adam:9.lr": "1"})
    assert s.optimizers == ("adam", "adam:2", "adam:3", "adam:4")
    assert any("At most 4" in n for n in notices) and any("adam:9.lr" in n for n in notices)
    labels = entry_labels(s)
    assert labels["adam:3"] == "Adam (β₁=0.5)" and labels["adam"] == "Adam (β₁=0.9)"
    for bad in ("adam:1", "adam:02", "adam:x", "nope:2", "adam:"):
        assert from_query({"opt": bad})[0].optimizers == DEFAULTS.optimizers, bad


# ---- malformed links: defaults plus a notice naming the parameter -----------------------------------------

NOT_NUMBERS = ["abc", "", "nan", "NaN", "inf", "-inf", "1e400", "0x10", "1,5"]

MALFORMED = [
    *[({"surface": v}, "surface") for v in ["nope", "", "Rosenbrock", "rosenbrock "]],
    *[({"opt": v}, "optimizer") for v in ["", ",,", "nope", "Adam", "sgd"]],
    *[({"steps": v}, "steps") for v in [*NOT_NUMBERS, "-10", "0", "5", "2010", "500.0", "1e3", "9" * 30, "9" * 400]],
    *[({"noise": v}, "noise") for v in [*NOT_NUMBERS, "-1", "101", "1e308"]],
    *[({"seed": v}, "seed") for v in [*NOT_NUMBERS, "-1", "1.5", str(2**31), "9" * 400]],
    *[({"x": v}, "x=") for v in [*NOT_NUMBERS, "1e9", "-1e300"]],
    *[({"y": v}, "y=") for v in ["abc", "nan", "inf", "1e9"]],
    *[({"view": v}, "view") for v in ["", "4d", "Overlay"]],
    *[({"same_lr": v}, "same_lr") for v in ["", "maybe", "2"]],
    *[({"same_lr": "1", "lr": v}, "lr=") for v in [*NOT_NUMBERS, "0", "-0.1", "11", "1e-6"]],
    *[({"adam.lr": v}, "adam.lr") for v in [*NOT_NUMBERS, "0", "-0.1", "11", "1e9", "1e-6"]],
    *[({"adam.beta1": v}, "adam.beta1") for v in ["1", "1.0", "0.9995", "-0.1", "nan"]],  # β₁ = 1 never learns
    *[({"adam.beta2": v}, "adam.beta2") for v in ["1", "0.4", "inf"]],
    *[({"adam.eps": v}, "adam.eps") for v in ["0", "-1e-8", "2"]],
    *[({"adam.amsgrad": v}, "adam.amsgrad") for v in ["", "maybe", "0.5", "nan"]],
    *[({k: "1"}, repr(k)) for k in ["foo", "utm_source", "adam.foo", "foo.lr", "adam.", ".lr", "adam.lr.x", "Adam.lr",
                                    "adam.betas"]],
    # Nesterov needs momentum > 0 and zero dampening (torch raises otherwise)
    ({"opt": "nag", "nag.momentum": "0"}, "nag.momentum"),
    ({"opt": "nag", "nag.momentum": "-0.5"}, "nag.momentum"),
    ({"opt": "nag", "nag.dampening": "0.5"}, "nag.dampening"),
    ({"opt": "nag", "nag.dampening": "0"}, "nag.dampening"),  # valid for torch, but not a setting of the page
]


@pytest.mark.parametrize(("query", "name"), MALFORMED, ids=[repr(q)[:60] for q, _ in MALFORMED])
def test_malformed_value_falls_back_with_a_notice(query, name):
    s, notices = from_query(query)
    assert notices, f"no notice for {query}"
    assert any(name in n for n in notices), notices
    # the offending parameter (the last one) falls back; everything the link got right is kept
    rest = dict(list(query.items())[:-1])
    expected, none = from_query(rest)
    assert none == []
    assert effective(s) == effective(expected)
    assert check(s) is None


def test_notice_for_a_fixed_hyperparameter_does_not_claim_a_range():
    _, notices = from_query({"opt": "nag", "nag.dampening": "0.5"})
    assert len(notices) == 1
    assert "number from" not in notices[0], "0.5 is a number from 0 to 1: the notice must say the setting is fixed"


def test_one_bad_value_keeps_the_good_ones():
    s, notices = from_query({"surface": "beale", "opt": "adam,nope", "adam.lr": "0.02", "adam.beta1": "abc",
                             "steps": "-5", "view": "3d"})
    assert (s.surface, s.optimizers, s.view, s.steps) == ("beale", ("adam",), "3d", DEFAULTS.steps)
    assert s.hps["adam"] == {"lr": 0.02}
    assert len(notices) == 3 and sum("'nope'" in n for n in notices) == 1
    assert any("adam.beta1" in n for n in notices) and any("steps" in n for n in notices)


def test_every_notice_is_short_and_quotes_the_bad_value():
    for query, _ in MALFORMED:
        for note in from_query(query)[1]:
            key, value = list(query.items())[-1]
            assert len(note) < 240, note  # a long value is cut: the notice does not grow with the link
            quoted = repr(value) if len(value) <= 60 else repr(value[:60] + "…")
            assert quoted in note or repr(key) in note or "no known optimizer" in note, (query, note)


def test_huge_numbers_do_not_raise():
    for text in ["9" * 400, "1" + "0" * 5000, "1e99999", "-" + "9" * 400]:
        for name in ("steps", "seed", "noise", "x", "adam.lr", "lr"):
            s, notices = from_query({name: text, "same_lr": "1"})
            assert notices, (name, text)


def test_start_point_is_kept_outside_the_box_but_not_absurdly_far():
    (x0, x1), _ = surfaces.get("rosenbrock").bounds
    s, notices = from_query({"x": str(x1 + 0.5)})
    assert notices == [] and s.start[0] == x1 + 0.5
    s, notices = from_query({"x": str(x1 + 100 * (x1 - x0))})
    assert notices and s.start == DEFAULTS.start


def test_a_new_surface_brings_its_own_start():
    s, _ = from_query({"surface": "himmelblau"})
    assert s.start == surfaces.get("himmelblau").start


@pytest.mark.parametrize("text", ["1_000", "١٠٠", " 500", "500 ", "+ 5", "0x1f4", "٥٠٠"])
def test_odd_numerals_are_refused_with_a_notice(text):
    s, notices = from_query({"steps": text})
    assert s.steps == DEFAULTS.steps and any("steps=" in n for n in notices)


def test_a_thousand_unknown_keys_make_one_notice():
    s, notices = from_query({f"k{i}": str(i) for i in range(1000)})
    assert s == DEFAULTS and len(notices) == 1
    assert "'k0', 'k1', 'k2' and 997 more" in notices[0] and len(notices[0]) < 200


# ---- numbers as the sliders and the notices show them ----------------------------------------------------------


def _on_grid(hp, value) -> bool:
    """A value the slider itself can hold: one of its stops, or lo + k·step."""
    stops = slider_options(hp)
    if stops is not None:
        return value in stops
    lo, _ = hp.slider_range
    k = (value - lo) / slider_step(hp)
    return abs(k - round(k)) < 1e-6 and f"{value:.10g}" == f"{lo + round(k) * slider_step(hp):.10g}"


def test_a_released_morph_keeps_a_value_of_the_sliders_own_grid():
    """Releasing the morph on β₁ ≈ 0.1998 keeps 0.2, the slider's stop; a log slider's nearest stop likewise."""
    beta1 = optimizers.get("adam").hyperparameter("beta1")
    assert on_slider(beta1, 0.1998) == 0.2 and on_slider(beta1, 0.20049) == 0.2
    assert on_slider(beta1, -0.0001) == 0.0 and math.copysign(1, on_slider(beta1, -0.0001)) == 1
    assert on_slider(optimizers.get("adam").hyperparameter("lr"), 0.0503) in slider_options(
        optimizers.get("adam").hyperparameter("lr"))
    assert on_slider(optimizers.get("lbfgs").hyperparameter("max_iter"), 20.4) == 20
    for name in optimizers.names():  # every sweepable hyperparameter: the morph's stops are the slider's values
        for hp in optimizers.get(name).hyperparameters:
            if hp.ui and not hp.is_flag and hp.kind == "float":
                stops = morph_stops(hp, hp.default)
                assert hp.default in stops and len(stops) >= 10, (name, hp.name)
                assert all(_on_grid(hp, v) for v in stops if v != hp.default), (name, hp.name, stops)
                assert all(on_slider(hp, v) == v for v in stops if _on_grid(hp, v)), (name, hp.name)
    assert 0.2 in morph_stops(beta1, 0.9) and 0.1998 not in morph_stops(beta1, 0.9)


def test_negative_zero_is_written_as_zero():
    """A click on the map near 0 (round(-0.0004, 3) is -0.0) or a link's x=-0 gives 0, never "-0"."""
    assert math.copysign(1, tidy_zero(round(-0.0004, 3))) == 1
    s, notices = from_query({"x": "-0", "y": "-0.0"})
    assert notices == [] and all(math.copysign(1, v) == 1 for v in s.start)
    assert to_query(replace(DEFAULTS, start=(-0.0, 1.0)))["x"] == "0"


def test_notices_write_integers_with_all_their_digits():
    """Never %g on an integer: 2147483647, not 2.14748e+09; 1000000, not 1e+06."""
    assert (num(2**31 - 1), num(1e6), num(-0.0), num(1e-05), num(0.05)) == ("2147483647", "1000000", "0", "1e-05", "0.05")
    _, notices = from_query({"seed": "2147483648"})
    assert notices == ["seed='2147483648' in the link must be an integer from 0 to 2147483647: using 0."]
    _, notices = from_query({"opt": "asgd", "asgd.t0": "0"})
    assert "from 1 to 1000000" in notices[0] and "'1000000'" in notices[0]
    for query in ({"steps": "1e9"}, {"seed": "-1"}, {"opt": "asgd", "asgd.t0": "1e9"}, {"noise": "1e9"},
                  {"x": "1e9"}, {"lr": "1e9", "same_lr": "1"}):
        for note in from_query(query)[1]:
            assert "e+" not in note, note
