"""A surface typed as f(x, y): parsed against a whitelist (never evaluated as Python), exact gradients, LaTeX, cost
bounds, errors that say where, and a fuzz test with random and hostile text."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import optimizers
import surfaces
from surfaces import formula as F

FORMULAS = ["x**2 + 10*sin(y)", "log(1 + (x - 1)**2 + 100*(y - x**2)**2)", "x^2 + y^2", "exp(-x**2 - y**2) * cos(3*x)",
            "sqrt(1 + x**2 + y**2)", "tanh(x*y) + abs(x - 2)", "x/(1 + y**2)", "2**x + y**3", "(x**2 + y - 11)**2 + (x + y**2 - 7)**2",
            "sinh(x)/cosh(y) + atan(x*y) - tan(0.1*x)", "x**y + 1", "-x**2 + pi*e*y"]


@pytest.mark.parametrize("text", FORMULAS)
def test_the_gradient_is_exact(text):
    s = F.make(text)
    rng = np.random.default_rng(0)
    pts = rng.uniform(0.2, 2.0, (50, 2))  # away from the kinks and poles of abs, log and x**y
    g = s.grad(pts)
    h = 1e-6
    for i in range(2):
        e = np.zeros(2)
        e[i] = h
        numeric = (s.value(pts + e) - s.value(pts - e)) / (2 * h)
        np.testing.assert_allclose(g[:, i], numeric, rtol=1e-6, atol=1e-6)


def test_the_value_is_the_formula():
    s = F.make("log(1 + (x - 1)**2 + 100*(y - x**2)**2)")
    x, y = 0.3, -0.4
    assert s.value(np.array([x, y])) == pytest.approx(np.log(1 + (x - 1) ** 2 + 100 * (y - x**2) ** 2), rel=1e-15)
    assert F.make("x^2 + y^2").value(np.array([3.0, 4.0])) == 25.0  # ^ is a power, as people write it


def test_latex_reads_as_math():
    assert F.make("x**2 + 10*sin(y)").latex == r"f(x, y) = x^{2} + 10 \cdot \sin\left(y\right)"
    assert r"\frac{x}{1 + y^{2}}" in F.make("x/(1 + y**2)").latex
    assert r"\pi" in F.make("pi*x + y").latex


@pytest.mark.parametrize("text,message", [
    ("x + z", "Unknown name 'z' at column 5"),
    ("9**9**9", "Exponent too large at column 4"),
    ("x**1000 + y", "Exponent too large"),
    ("__import__('os').system('ls')", "at column"),
    ("x.real + y", "attribute"),
    ("[x, y]", "Not allowed"),
    ("x if y else 1", "Not allowed"),
    ("lambda: 1", "Not allowed"),
    ("sin(x, y)", "takes exactly one argument"),
    ("sin", "is a function"),
    ("open('f')", "Unknown function 'open'"),
    ("x % y", "Operator not allowed"),
    ("x // y", "Operator not allowed"),
    ("~x", "Operator not allowed"),
    ("'x' + y", "Only numbers"),
    ("(x", "Syntax error"),
    ("", "empty"),
    ("3 + 4", "neither x nor y"),
    ("x" * 300, "too long"),
    ("sin(" * 30 + "x" + ")" * 30, "nested too deeply"),
    ("+".join(["x"] * 200), "too long"),
    ("1e400 * x", "too large"),
    ("x**True", "Only numbers"),
    ("1j * x", "Only numbers"),
])
def test_bad_formulas_say_what_and_where(text, message):
    with pytest.raises(F.FormulaError, match=message.replace("(", r"\(").replace("[", r"\[")):
        F.make(text)


def test_a_typed_surface_races_like_the_others():
    s = surfaces.custom("(x - 1)**2 + 10*(y + 2)**2", bounds=((-3, 3), (-4, 2)))
    assert surfaces.get(s.key) is s and s.key.startswith("custom:")
    traj = optimizers.simulate("adam", s, s.start, 400, lr=0.1)
    assert traj.diverged_at is None and np.allclose(traj.path[-1], [1.0, -2.0], atol=1e-2)
    with pytest.raises(F.FormulaError, match="Invalid box"):
        surfaces.custom("x + y", bounds=((1, 0), (0, 1)))
    assert s.bounds == ((-3.0, 3.0), (-4.0, 2.0))
    auto = surfaces.custom("(x - 4)**2 + (y + 1)**2")
    assert auto.bounds == ((1.0, 7.0), (-4.0, 2.0))  # around the lowest point found


def test_overflow_and_domain_errors_are_values_not_exceptions():
    s = F.make("log(x) + sqrt(y) + exp(x*y)")
    with np.errstate(all="raise"):
        v = s.value(np.array([[-1.0, -1.0], [1e3, 1e3]]))
        g = s.grad(np.array([[-1.0, -1.0], [1e3, 1e3]]))
    assert not np.isfinite(v).any() and not np.isfinite(g).all()


@settings(max_examples=400, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=120))
def test_fuzz_random_text_never_escapes(text):
    _check(text)


ATOMS = st.sampled_from(["x", "y", "pi", "e", "1", "2.5", "9", "1e308", "0", "sin", "exp", "log", "__import__",
                         "os", "(", ")", "**", "*", "/", "+", "-", "^", ",", ".", "[", "]", "lambda", ":", "'", "j",
                         "abs", "tanh", " ", "9**9", "x**x", "open", "eval", "__class__", "{", "}", "@", "%"])


@settings(max_examples=600, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ATOMS, max_size=40).map("".join))
def test_fuzz_hostile_tokens_never_escape(text):
    _check(text)


def _check(text):
    """Either a surface whose value and gradient evaluate, or a FormulaError: nothing else, and fast."""
    t0 = time.perf_counter()
    try:
        s = F.make(text)
    except F.FormulaError:
        assert time.perf_counter() - t0 < 1.0
        return
    pts = np.random.default_rng(0).uniform(-3, 3, (64, 2))
    with np.errstate(all="ignore"):
        assert s.value(pts).shape == (64,) and s.grad(pts).shape == (64, 2)
    assert time.perf_counter() - t0 < 1.0


# ---- in the Playground -----------------------------------------------------------------------------------------
def test_a_link_with_a_formula_races_on_it_and_keeps_it_in_the_address():
    from test_playground import chart, start

    at = start({"f": "x^2 + 10*sin(y)", "opt": "adam,gd"})
    assert at.session_state["surface"] == "custom" and at.session_state["formula"] == "x^2 + 10*sin(y)"
    assert at.query_params["f"] in ("x^2 + 10*sin(y)", ["x^2 + 10*sin(y)"])
    data = chart(at)
    surface = surfaces.custom("x^2 + 10*sin(y)")
    assert [round(v, 6) for v in data["start"]] == list(surface.start)
    assert any(r"\sin" in m.value for m in at.get("latex") or []) or any(r"\sin" in getattr(e, "value", "")
                                                                           for e in at.markdown)


def test_typing_a_formula_moves_the_start_and_a_bad_one_says_where_and_keeps_the_last():
    from test_playground import start

    at = start({"f": "x^2 + y^2"})
    at.text_input(key="formula").set_value("(x-1)**2 + (y+2)**2").run()
    assert not at.exception
    assert (at.session_state["start_x"], at.session_state["start_y"]) == (-0.8, -0.2)
    assert at.query_params["f"] in ("(x-1)**2 + (y+2)**2", ["(x-1)**2 + (y+2)**2"])
    at.text_input(key="formula").set_value("x +* y").run()
    assert not at.exception and any("Syntax error at column 4" in e.value.replace("\\", "") for e in at.error)
    assert at.query_params["f"] in ("(x-1)**2 + (y+2)**2", ["(x-1)**2 + (y+2)**2"])  # the last good one races on
    at.text_input(key="formula").set_value("(x-1)**2 + (y+2)**2").run()
    at.text_input(key="box").set_value("-3, 3, -4, 2").run()
    assert at.query_params["box"] in ("-3,3,-4,2", ["-3,3,-4,2"])


def test_a_bad_formula_in_a_link_is_named_and_the_page_works():
    from test_playground import start

    at = start({"f": "__import__('os').system('x')", "box": "1,0,0"})
    text = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "may be called, by name at column 1" in text and "box=" in text
    assert at.session_state["surface"] == "rosenbrock"


def test_the_torch_code_of_a_typed_surface_gives_the_pages_path():
    torch = pytest.importorskip("torch")
    from plots import torch_code

    s = surfaces.custom("log(1 + (x - 1)**2 + 100*(y - x**2)**2) + 0.1*abs(x)")
    entries = [("Adam", "adam", {"lr": 0.02}), ("Momentum", "momentum", {"lr": 1e-3, "momentum": 0.9})]
    ns: dict = {}
    exec(torch_code.snippet(s, s.start, 150, entries), ns)  # noqa: S102 - generated code under test
    for label, key, hps in entries:
        engine = optimizers.simulate(key, s, s.start, 150, **hps).path
        np.testing.assert_allclose(ns["paths"][label][0].numpy(), engine, rtol=1e-9, atol=1e-12)
    assert torch.get_default_dtype() == torch.float64
