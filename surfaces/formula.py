"""A surface typed by a person: f(x, y) parsed against a whitelist, with its exact gradient and its LaTeX.

The text never reaches eval, exec, compile-and-run, sympify or parse_expr. Python's `ast.parse` only builds a syntax
tree; each node is checked against a whitelist (numbers, x, y, + − × ÷ and powers, the functions in FUNCTIONS, the
constants pi and e) and copied into this module's own small tree, which evaluates with NumPy, differentiates itself
by the chain rule and prints itself as LaTeX. What a formula may cost is bounded: its length, its depth, its number
of nodes, and the size of a constant exponent (9**9**9 is refused before anything is computed).
"""

from __future__ import annotations

import ast
import hashlib
import math
from dataclasses import dataclass

import numpy as np

MAX_LENGTH = 200
MAX_DEPTH = 24
MAX_NODES = 160
MAX_EXPONENT = 64.0
CONSTANTS = {"pi": math.pi, "e": math.e}
# name -> (NumPy function, derivative as a function of the argument node, LaTeX command)
FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh", "atan")


class FormulaError(ValueError):
    """What is wrong with a formula, and where (1-based column)."""


@dataclass(frozen=True)
class Node:
    op: str  # "num", "var", "neg", "+", "-", "*", "/", "**", or a function name
    args: tuple = ()
    value: float | str | None = None  # the number, or the variable's name


def num(v: float) -> Node:
    return Node("num", value=float(v))


X, Y, ZERO, ONE = Node("var", value="x"), Node("var", value="y"), num(0.0), num(1.0)


# ---------------------------------------------------------------------------------------------- parsing
def parse(text: str) -> Node:
    if not isinstance(text, str):
        raise FormulaError("The formula must be text")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"The formula is too long: {len(text)} characters (at most {MAX_LENGTH})")
    if not text.strip():
        raise FormulaError("The formula is empty: type f(x, y), e.g. x**2 + 10*sin(y)")
    source = text.replace("^", "**")  # x^2 as people write it; Python's ^ is xor, which is not allowed anyway
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as err:
        col = (err.offset or 1) + (len(source) - len(source.lstrip()))
        raise FormulaError(f"Syntax error at column {col}: {err.msg}") from None
    except (ValueError, MemoryError, RecursionError):
        raise FormulaError("The formula cannot be read (nested too deeply or not plain text)") from None
    count = [0]
    lead = len(source) - len(source.lstrip())
    node = _build(tree.body, 1, count, lead)
    if not _uses_variables(node):
        raise FormulaError("The formula uses neither x nor y: it would be a flat surface")
    return node


def _where(node: ast.AST, lead: int) -> str:
    return f"at column {getattr(node, 'col_offset', 0) + 1 + lead}"


def _build(node: ast.AST, depth: int, count: list, lead: int) -> Node:
    if depth > MAX_DEPTH:
        raise FormulaError(f"The formula is nested too deeply (more than {MAX_DEPTH} levels)")
    count[0] += 1
    if count[0] > MAX_NODES:
        raise FormulaError(f"The formula is too long: more than {MAX_NODES} terms")
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise FormulaError(f"Only numbers, x and y may appear: {node.value!r} {_where(node, lead)}")
        value = float(node.value) if abs(node.value) < 1e308 else math.inf
        if not math.isfinite(value):
            raise FormulaError(f"Number too large {_where(node, lead)}")
        return num(value)
    if isinstance(node, ast.Name):
        if node.id in ("x", "y"):
            return Node("var", value=node.id)
        if node.id in CONSTANTS:
            return num(CONSTANTS[node.id])
        if node.id in FUNCTIONS:
            raise FormulaError(f"{node.id} is a function: write {node.id}(…) {_where(node, lead)}")
        raise FormulaError(f"Unknown name {node.id!r} {_where(node, lead)} (use x, y, pi, e and "
                           f"{', '.join(FUNCTIONS)})")
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.USub):
            return Node("neg", (_build(node.operand, depth + 1, count, lead),))
        if isinstance(node.op, ast.UAdd):
            return _build(node.operand, depth + 1, count, lead)
        raise FormulaError(f"Operator not allowed {_where(node, lead)} (use + − * / **)")
    if isinstance(node, ast.BinOp):
        ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
        op = ops.get(type(node.op))
        if op is None:
            raise FormulaError(f"Operator not allowed {_where(node, lead)} (use + − * / **)")
        a = _build(node.left, depth + 1, count, lead)
        b = _build(node.right, depth + 1, count, lead)
        if op == "**" and not _uses_variables(b):
            p = _constant(b)
            if not math.isfinite(p) or abs(p) > MAX_EXPONENT:
                raise FormulaError(f"Exponent too large {_where(node.right, lead)} (at most {MAX_EXPONENT:g} in size)")
        return Node(op, (a, b))
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name is None:
            raise FormulaError(f"Only the functions {', '.join(FUNCTIONS)} may be called, by name {_where(node, lead)}")
        if name not in FUNCTIONS:
            raise FormulaError(f"Unknown function {name!r} {_where(node, lead)} (allowed: {', '.join(FUNCTIONS)})")
        if node.keywords or len(node.args) != 1:
            raise FormulaError(f"{name} takes exactly one argument {_where(node, lead)}")
        return Node(name, (_build(node.args[0], depth + 1, count, lead),))
    raise FormulaError(f"Not allowed in a formula {_where(node, lead)}: {type(node).__name__.lower()} "
                       "(only numbers, x, y, + − * / **, functions and parentheses)")


def _uses_variables(node: Node) -> bool:
    return node.op == "var" or any(_uses_variables(a) for a in node.args)


def _constant(node: Node) -> float:
    """A subtree without x and y, as a float (overflow is inf, never a Python big integer)."""
    with np.errstate(all="ignore"):
        return float(evaluate(node, np.float64(0.0), np.float64(0.0)))


# ---------------------------------------------------------------------------------------------- evaluation
_NP = {"sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs,
       "tanh": np.tanh, "sinh": np.sinh, "cosh": np.cosh, "atan": np.arctan}


def evaluate(node: Node, x, y):
    """The formula at x, y (arrays of one shape): NumPy floats, inf and NaN where the formula has them."""
    op = node.op
    if op == "num":
        return node.value
    if op == "var":
        return x if node.value == "x" else y
    if op == "neg":
        return -evaluate(node.args[0], x, y)
    if op in _NP:
        return _NP[op](evaluate(node.args[0], x, y))
    a, b = evaluate(node.args[0], x, y), evaluate(node.args[1], x, y)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return np.divide(a, b)
    b_node = node.args[1]
    if b_node.op == "num" and float(b_node.value).is_integer() and 0 <= b_node.value <= 8:
        out = np.ones_like(np.asarray(a, dtype=float)) if b_node.value == 0 else a
        for _ in range(int(b_node.value) - 1):  # products, not pow(): pow is slow once values overflow
            out = out * a
        return out
    return np.power(a, b)


# ---------------------------------------------------------------------------------------------- derivative
def _add(a, b):
    if a == ZERO:
        return b
    if b == ZERO:
        return a
    if a.op == "num" and b.op == "num":
        return num(a.value + b.value)
    return Node("+", (a, b))


def _sub(a, b):
    if b == ZERO:
        return a
    if a == ZERO:
        return _neg(b)
    return Node("-", (a, b))


def _mul(a, b):
    if a == ZERO or b == ZERO:
        return ZERO
    if a == ONE:
        return b
    if b == ONE:
        return a
    if a.op == "num" and b.op == "num":
        return num(a.value * b.value)
    return Node("*", (a, b))


def _div(a, b):
    if a == ZERO:
        return ZERO
    if b == ONE:
        return a
    return Node("/", (a, b))


def _neg(a):
    if a == ZERO:
        return ZERO
    if a.op == "num":
        return num(-a.value)
    if a.op == "neg":
        return a.args[0]
    return Node("neg", (a,))


def diff(node: Node, var: str) -> Node:
    """∂node/∂var by the chain rule, lightly simplified (0 and 1 folded away)."""
    op = node.op
    if op == "num":
        return ZERO
    if op == "var":
        return ONE if node.value == var else ZERO
    if op == "neg":
        return _neg(diff(node.args[0], var))
    if op in ("+", "-"):
        a, b = (diff(c, var) for c in node.args)
        return _add(a, b) if op == "+" else _sub(a, b)
    if op == "*":
        u, v = node.args
        return _add(_mul(diff(u, var), v), _mul(u, diff(v, var)))
    if op == "/":
        u, v = node.args
        return _div(_sub(_mul(diff(u, var), v), _mul(u, diff(v, var))), Node("**", (v, num(2.0))))
    if op == "**":
        u, v = node.args
        du, dv = diff(u, var), diff(v, var)
        if dv == ZERO:  # u**c: c u**(c − 1) u'
            if v.op == "num" and v.value == 0.0:
                return ZERO
            c = v.value if v.op == "num" else None
            lower = num(c - 1.0) if c is not None else _sub(v, ONE)
            power = ONE if c == 1.0 else (u if c == 2.0 else Node("**", (u, lower)))
            return _mul(_mul(v, power), du)
        # general: u**v (v' log u + v u'/u)
        return _mul(node, _add(_mul(dv, Node("log", (u,))), _div(_mul(v, du), u)))
    (u,) = node.args
    du = diff(u, var)
    if du == ZERO:
        return ZERO
    outer = {
        "sin": lambda: Node("cos", (u,)),
        "cos": lambda: _neg(Node("sin", (u,))),
        "tan": lambda: _add(ONE, Node("**", (Node("tan", (u,)), num(2.0)))),
        "exp": lambda: Node("exp", (u,)),
        "log": lambda: _div(ONE, u),
        "sqrt": lambda: _div(num(0.5), Node("sqrt", (u,))),
        "abs": lambda: _div(u, Node("abs", (u,))),  # sign(u); undefined at 0, as the function's kink
        "tanh": lambda: _sub(ONE, Node("**", (Node("tanh", (u,)), num(2.0)))),
        "sinh": lambda: Node("cosh", (u,)),
        "cosh": lambda: Node("sinh", (u,)),
        "atan": lambda: _div(ONE, _add(ONE, Node("**", (u, num(2.0))))),
    }[op]()
    return _mul(outer, du)


# ---------------------------------------------------------------------------------------------- printing
_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "**": 4}
_LATEX_FN = {"sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "exp": r"\exp", "log": r"\log", "tanh": r"\tanh",
             "sinh": r"\sinh", "cosh": r"\cosh", "atan": r"\arctan"}


def _fmt_num(v: float) -> str:
    if v == math.pi:
        return r"\pi"
    if v == math.e:
        return "e"
    return f"{v:.6g}".replace("e+0", "e").replace("e-0", "e-")


def latex(node: Node) -> str:
    op = node.op
    if op == "num":
        text = _fmt_num(node.value)
        return rf"{text.split('e')[0]} \cdot 10^{{{int(text.split('e')[1])}}}" if "e" in text and text != "e" else text
    if op == "var":
        return node.value
    if op == "neg":
        inner = latex(node.args[0])
        return f"-{_paren(node.args[0], inner, 3)}"
    if op == "/":
        return rf"\frac{{{latex(node.args[0])}}}{{{latex(node.args[1])}}}"
    if op == "**":
        base = latex(node.args[0])
        base = base if node.args[0].op in ("num", "var") else rf"\left({base}\right)"
        return f"{base}^{{{latex(node.args[1])}}}"
    if op in ("+", "-", "*"):
        a, b = node.args
        left = _paren(a, latex(a), _PREC[op])
        right = _paren(b, latex(b), _PREC[op] + (op != "+"))
        sym = {"+": " + ", "-": " - ", "*": r" \cdot "}[op]
        return f"{left}{sym}{right}"
    if op == "sqrt":
        return rf"\sqrt{{{latex(node.args[0])}}}"
    if op == "abs":
        return rf"\left|{latex(node.args[0])}\right|"
    return rf"{_LATEX_FN[op]}\left({latex(node.args[0])}\right)"


def _paren(node: Node, text: str, prec: int) -> str:
    own = _PREC.get(node.op, 5)
    return rf"\left({text}\right)" if own < prec else text


def python(node: Node, lib: str = "torch") -> str:
    """The formula as Python over `lib` (torch or np): for the torch code of a race on a typed surface."""
    op = node.op
    if op == "num":
        return repr(node.value)
    if op == "var":
        return node.value
    if op == "neg":
        return f"(-{python(node.args[0], lib)})"
    if op in ("+", "-", "*", "/", "**"):
        return f"({python(node.args[0], lib)} {op} {python(node.args[1], lib)})"
    name = {"atan": "atan" if lib == "torch" else "arctan"}.get(op, op)
    return f"{lib}.{name}({python(node.args[0], lib)})"


# ---------------------------------------------------------------------------------------------- the surface
@dataclass(frozen=True)
class FormulaSurface:
    """A typed f(x, y) that behaves as the registry's surfaces: value, exact gradient, bounds, a start."""

    formula: str
    tree: Node
    bounds: tuple[tuple[float, float], tuple[float, float]]

    key: str = ""
    minima: tuple = ()
    min_value: float | None = None
    log_contour: bool = False
    local_minima: tuple = ()
    local_maxima: tuple = ()
    saddle_points: tuple = ()

    @property
    def label(self) -> str:
        return f"f = {self.formula}" if len(self.formula) <= 40 else f"f = {self.formula[:37]}…"

    @property
    def latex(self) -> str:
        return f"f(x, y) = {latex(self.tree)}"

    @property
    def description(self) -> str:
        return "Your own surface: its gradient is derived exactly from the formula (the chain rule, not differences)."

    @property
    def start(self) -> tuple[float, float]:
        (x0, x1), (y0, y1) = self.bounds
        return (round(x0 + 0.2 * (x1 - x0), 3), round(y1 - 0.2 * (y1 - y0), 3))

    @property
    def gradient(self) -> tuple[Node, Node]:
        return _gradients(self.tree)

    def value(self, xy) -> np.ndarray:
        xy = np.asarray(xy, dtype=np.float64)
        with np.errstate(all="ignore"):
            out = evaluate(self.tree, xy[..., 0], xy[..., 1])
            return np.broadcast_to(out, xy.shape[:-1]).astype(np.float64)

    def grad(self, xy) -> np.ndarray:
        with np.errstate(all="ignore"):
            return self.raw_grad(np.asarray(xy, dtype=np.float64))

    def raw_grad(self, xy) -> np.ndarray:
        gx, gy = self.gradient
        x, y = xy[..., 0], xy[..., 1]
        return np.stack([np.broadcast_to(evaluate(gx, x, y), x.shape),
                         np.broadcast_to(evaluate(gy, x, y), x.shape)], axis=-1).astype(np.float64)


_GRADIENTS: dict = {}


def _gradients(tree: Node) -> tuple[Node, Node]:
    if tree not in _GRADIENTS:
        _GRADIENTS[tree] = (diff(tree, "x"), diff(tree, "y"))
    return _GRADIENTS[tree]


def auto_bounds(tree: Node) -> tuple[tuple[float, float], tuple[float, float]]:
    """A box around the lowest point found on a grid over [−10, 10]² (±3 around it), or [−5, 5]² without one."""
    g = np.linspace(-10.0, 10.0, 201)
    X_, Y_ = np.meshgrid(g, g)
    with np.errstate(all="ignore"):
        z = np.broadcast_to(evaluate(tree, X_, Y_), X_.shape)
    ok = np.isfinite(z)
    if not ok.any():
        return ((-5.0, 5.0), (-5.0, 5.0))
    i = np.nanargmin(np.where(ok, z, np.nan))
    cx, cy = round(float(X_.flat[i]), 1), round(float(Y_.flat[i]), 1)
    return ((round(cx - 3.0, 6), round(cx + 3.0, 6)), (round(cy - 3.0, 6), round(cy + 3.0, 6)))


def make(formula: str, bounds=None) -> FormulaSurface:
    """The surface of a typed formula; FormulaError says what is wrong and where."""
    tree = parse(formula)
    if bounds is None:
        bounds = auto_bounds(tree)
    else:
        try:
            (x0, x1), (y0, y1) = ((float(a), float(b)) for a, b in bounds)
        except (TypeError, ValueError):
            raise FormulaError(f"Invalid box: {bounds!r} (expected ((x0, x1), (y0, y1)))") from None
        if not all(math.isfinite(v) and abs(v) <= 1e6 for v in (x0, x1, y0, y1)) or not (x0 < x1 and y0 < y1):
            raise FormulaError(f"Invalid box: x from {x0:g} to {x1:g}, y from {y0:g} to {y1:g} "
                               "(each must run from a smaller to a larger finite number, within ±10⁶)")
        bounds = ((x0, x1), (y0, y1))
    digest = hashlib.sha1(f"{formula}|{bounds}".encode()).hexdigest()[:10]
    return FormulaSurface(formula=formula.strip(), tree=tree, bounds=bounds, key=f"custom:{digest}")
