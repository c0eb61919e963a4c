"""The 2-D test functions of the optimization literature, plus two quadratics for teaching.

Each surface is a value function and its hand-derived gradient over coordinate arrays x, y of
any (equal) shape; tests check every gradient against central differences and every declared
minimum, saddle and maximum numerically. Minima given to 6 digits in the literature were refined
with mpmath (40 digits) and are stored to 17 significant digits.

Powers above 2 are written as products (x * x * x, not x**3): NumPy's x**k calls pow(), which takes a slow path
once a value overflows, 30–50× slower than the products on the 1e200 values of a diverging run (7.8 ms against
0.16 ms on 65 536 points), and a basin map diverges in many of its runs every step.
"""

from __future__ import annotations

import numpy as np

from .base import Surface

TAU = 2.0 * np.pi
# Styblinski–Tang is a sum of 1-D quartics; their critical points: global min, local min, local max.
ST_LOW, ST_HIGH, ST_TOP = -2.9035340277711771, 2.7468027709908370, 0.1567312567803401


def _pm(*points):
    """Each point and its mirror through the origin: the camels are symmetric under (x, y) -> (-x, -y)."""
    return tuple(q for x, y in points for q in ((x, y), (-x, -y)))


def _rosenbrock(x, y, a=1.0, b=100.0):
    return (a - x) ** 2 + b * (y - x**2) ** 2


def _rosenbrock_grad(x, y, a=1.0, b=100.0):
    return -2.0 * (a - x) - 4.0 * b * x * (y - x**2), 2.0 * b * (y - x**2)


def _beale_residuals(x, y):
    return 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * (y * y * y)


def _beale(x, y):
    r1, r2, r3 = _beale_residuals(x, y)
    return r1**2 + r2**2 + r3**2


def _beale_grad(x, y):
    r1, r2, r3 = _beale_residuals(x, y)
    gx = 2.0 * (r1 * (y - 1.0) + r2 * (y**2 - 1.0) + r3 * (y * y * y - 1.0))
    gy = 2.0 * x * (r1 + 2.0 * y * r2 + 3.0 * y**2 * r3)
    return gx, gy


def _himmelblau(x, y):
    return (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2


def _himmelblau_grad(x, y):
    a, b = x**2 + y - 11.0, x + y**2 - 7.0
    return 4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b


def _booth(x, y):
    return (x + 2.0 * y - 7.0) ** 2 + (2.0 * x + y - 5.0) ** 2


def _booth_grad(x, y):
    a, b = x + 2.0 * y - 7.0, 2.0 * x + y - 5.0
    return 2.0 * a + 4.0 * b, 4.0 * a + 2.0 * b


def _rastrigin(x, y):
    return 20.0 + x**2 - 10.0 * np.cos(TAU * x) + y**2 - 10.0 * np.cos(TAU * y)


def _rastrigin_grad(x, y):
    return 2.0 * x + 10.0 * TAU * np.sin(TAU * x), 2.0 * y + 10.0 * TAU * np.sin(TAU * y)


def _ackley(x, y):
    s = np.hypot(x, y) / np.sqrt(2.0)  # hypot: no overflow for huge x, y
    # Grouped so that both brackets are exactly 0 at the origin (no 4e-16 residue).
    return -20.0 * np.expm1(-0.2 * s) + (np.e - np.exp(0.5 * (np.cos(TAU * x) + np.cos(TAU * y))))


def _ackley_grad(x, y):
    r = np.hypot(x, y)
    # The cone's tip at the origin has no gradient; report 0 there (a valid subgradient), not 0/0.
    r_safe = np.where(r > 0.0, r, 1.0)
    cone = 2.0 * np.sqrt(2.0) * np.exp(-0.2 * r / np.sqrt(2.0)) / r_safe
    ripple = np.pi * np.exp(0.5 * (np.cos(TAU * x) + np.cos(TAU * y)))
    return cone * x + ripple * np.sin(TAU * x), cone * y + ripple * np.sin(TAU * y)


def _goldstein_price_parts(x, y):
    s, d = x + y + 1.0, 2.0 * x - 3.0 * y
    p = 19.0 - 14.0 * x + 3.0 * x**2 - 14.0 * y + 6.0 * x * y + 3.0 * y**2
    q = 18.0 - 32.0 * x + 12.0 * x**2 + 48.0 * y - 36.0 * x * y + 27.0 * y**2
    return s, d, p, q, 1.0 + s**2 * p, 30.0 + d**2 * q


def _goldstein_price(x, y):
    *_, a, b = _goldstein_price_parts(x, y)
    return a * b


def _goldstein_price_grad(x, y):
    s, d, p, q, a, b = _goldstein_price_parts(x, y)
    a_xy = 2.0 * s * p + s**2 * (-14.0 + 6.0 * x + 6.0 * y)  # dA/dx = dA/dy
    b_x = 4.0 * d * q + d**2 * (-32.0 + 24.0 * x - 36.0 * y)
    b_y = -6.0 * d * q + d**2 * (48.0 - 36.0 * x + 54.0 * y)
    return a_xy * b + a * b_x, a_xy * b + a * b_y


def _six_hump_camel(x, y):
    x2 = x * x
    return (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (-4.0 + 4.0 * y**2) * y**2


def _six_hump_camel_grad(x, y):
    x3 = x * x * x
    return 8.0 * x - 8.4 * x3 + 2.0 * (x3 * x * x) + y, x - 8.0 * y + 16.0 * (y * y * y)


def _styblinski_tang(x, y):
    x2, y2 = x * x, y * y
    return 0.5 * (x2 * x2 - 16.0 * x2 + 5.0 * x + y2 * y2 - 16.0 * y2 + 5.0 * y)


def _styblinski_tang_grad(x, y):
    return 2.0 * (x * x * x) - 16.0 * x + 2.5, 2.0 * (y * y * y) - 16.0 * y + 2.5


def _matyas(x, y):
    return 0.26 * (x**2 + y**2) - 0.48 * x * y


def _matyas_grad(x, y):
    return 0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x


def _three_hump_camel(x, y):
    x2 = x * x
    return 2.0 * x2 - 1.05 * (x2 * x2) + (x2 * x2 * x2) / 6.0 + x * y + y**2


def _three_hump_camel_grad(x, y):
    x3 = x * x * x
    return 4.0 * x - 4.2 * x3 + x3 * x * x + y, x + 2.0 * y


def _saddle(x, y):
    return x**2 - y**2


def _saddle_grad(x, y):
    return 2.0 * x, -2.0 * y


def _monkey_saddle(x, y):
    return x * x * x - 3.0 * x * y**2


def _monkey_saddle_grad(x, y):
    return 3.0 * x**2 - 3.0 * y**2, -6.0 * x * y


# The two ill-conditioned bowls share their curvatures (condition number 50); only the tilt differs,
# which is exactly what per-coordinate methods (RMSProp, Adam) can and cannot fix.
CURV_LOW, CURV_HIGH = 0.4, 20.0  # gradient descent diverges above lr = 2 / CURV_HIGH = 0.1
TILT = np.deg2rad(30.0)
_C, _S = np.cos(TILT), np.sin(TILT)


def _ravine(x, y):
    u, w = _C * x + _S * y, -_S * x + _C * y
    return 0.5 * (CURV_LOW * u**2 + CURV_HIGH * w**2)


def _ravine_grad(x, y):
    u, w = _C * x + _S * y, -_S * x + _C * y
    gu, gw = CURV_LOW * u, CURV_HIGH * w
    return _C * gu - _S * gw, _S * gu + _C * gw  # rotate back: R^T (gu, gw)


def _stretched_bowl(x, y):
    return 0.5 * (CURV_LOW * x**2 + CURV_HIGH * y**2)


def _stretched_bowl_grad(x, y):
    return CURV_LOW * x, CURV_HIGH * y


SURFACES = (
    Surface(
        key="rosenbrock", label="Rosenbrock",
        latex=r"f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2",
        description="A long curved valley: easy to find, hard to follow to the minimum at (1, 1).",
        fn=_rosenbrock, grad_fn=_rosenbrock_grad,
        bounds=((-2.0, 2.0), (-1.0, 3.0)), start=(-1.5, 2.0),
        minima=((1.0, 1.0),), min_value=0.0, log_contour=True,
    ),
    Surface(
        key="beale", label="Beale",
        latex=r"f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
        description=(
            "Steep walls around a nearly flat plateau and a narrow valley: the gradient's size "
            "changes by orders of magnitude, which punishes a single fixed step size."
        ),
        fn=_beale, grad_fn=_beale_grad,
        bounds=((-4.5, 4.5), (-4.5, 4.5)), start=(1.0, 1.5),
        minima=((3.0, 0.5),), min_value=0.0, log_contour=True,
        saddle_points=((0.0, 1.0), (0.10053793732415836, -2.644513585023125)),
    ),
    Surface(
        key="saddle", label="Saddle",
        latex=r"f(x, y) = x^2 - y^2",
        description=(
            "A saddle point at the origin: the gradient vanishes there although it is no minimum, "
            "and a start just off the ridge escapes only slowly."
        ),
        fn=_saddle, grad_fn=_saddle_grad,
        bounds=((-2.0, 2.0), (-2.0, 2.0)), start=(-1.5, 0.001),
        minima=(), min_value=None,
        saddle_points=((0.0, 0.0),),
    ),
    Surface(
        key="monkey_saddle", label="Monkey saddle",
        latex=r"f(x, y) = x^3 - 3xy^2",
        description=(
            "A flat, degenerate saddle with three downhill valleys: near the origin even the "
            "curvature vanishes, so gradient methods crawl."
        ),
        fn=_monkey_saddle, grad_fn=_monkey_saddle_grad,
        bounds=((-2.0, 2.0), (-2.0, 2.0)), start=(1.5, 0.01),
        minima=(), min_value=None,
        saddle_points=((0.0, 0.0),),
    ),
    Surface(
        key="himmelblau", label="Himmelblau",
        latex=r"f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        description="Four equally good minima: which one you reach depends on the start and the optimizer.",
        fn=_himmelblau, grad_fn=_himmelblau_grad,
        bounds=((-5.0, 5.0), (-5.0, 5.0)), start=(0.0, -0.75),
        minima=(
            (3.0, 2.0),
            (-2.8051180869527449, 3.1313125182505730),
            (-3.7793102533777469, -3.2831859912861694),
            (3.5844283403304917, -1.8481265269644036),
        ),
        min_value=0.0, log_contour=True,
        local_maxima=((-0.27084459066734761, -0.92303855647998146),),
        saddle_points=(
            (0.086677504555396352, 2.8842547011747761),
            (-3.0730257507643896, -0.081353044287967512),
            (3.3851541836070209, 0.073851879837749288),
            (-0.12796134673068007, -1.9537149802445764),
        ),
    ),
    Surface(
        key="booth", label="Booth",
        latex=r"f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2",
        description="A plain tilted bowl (a quadratic, condition number 9): every method should succeed here.",
        fn=_booth, grad_fn=_booth_grad,
        bounds=((-10.0, 10.0), (-10.0, 10.0)), start=(-8.0, 8.0),
        minima=((1.0, 3.0),), min_value=0.0,
    ),
    Surface(
        key="rastrigin", label="Rastrigin",
        latex=r"f(x, y) = 20 + \sum_{i=1}^{2} \left[x_i^2 - 10\cos(2\pi x_i)\right]",
        description="A bowl covered in a regular grid of local minima: gradient steps get trapped in the nearest dip.",
        fn=_rastrigin, grad_fn=_rastrigin_grad,
        bounds=((-5.12, 5.12), (-5.12, 5.12)), start=(-4.3, 3.6),
        minima=((0.0, 0.0),), min_value=0.0,
    ),
    Surface(
        key="ackley", label="Ackley",
        latex=(
            r"f(x, y) = -20\,e^{-0.2\sqrt{\frac{1}{2}(x^2 + y^2)}}"
            r" - e^{\frac{1}{2}(\cos 2\pi x + \cos 2\pi y)} + 20 + e"
        ),
        description=(
            "A nearly flat, bumpy plain around one sharp funnel: local dips trap small steps, "
            "and the minimum is a cone tip with no gradient."
        ),
        fn=_ackley, grad_fn=_ackley_grad,
        bounds=((-5.0, 5.0), (-5.0, 5.0)), start=(-4.2, 3.4),
        minima=((0.0, 0.0),), min_value=0.0,
    ),
    Surface(
        key="goldstein_price", label="Goldstein–Price",
        latex=(
            r"f(x, y) = \left[1 + (x + y + 1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)\right]"
            r" \left[30 + (2x - 3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2)\right]"
        ),
        description=(
            "Values from 3 to about a million and several local minima: "
            "a step size that suits one region explodes in another."
        ),
        fn=_goldstein_price, grad_fn=_goldstein_price_grad,
        bounds=((-2.0, 2.0), (-2.0, 2.0)), start=(0.5, 0.5),
        minima=((0.0, -1.0),), min_value=3.0, log_contour=True,
        local_minima=((-0.6, -0.4), (1.8, 0.2), (1.2, 0.8)),
        local_maxima=((0.8, 0.2),),
        saddle_points=((-0.4, -0.6), (1.2, -0.2), (1.4, 0.6), (0.6, 0.4)),
    ),
    Surface(
        key="six_hump_camel", label="Six-hump camel",
        latex=r"f(x, y) = \left(4 - 2.1x^2 + \frac{x^4}{3}\right)x^2 + xy + (-4 + 4y^2)\,y^2",
        description="Two equally deep minima among four shallower ones: the start decides where you settle.",
        fn=_six_hump_camel, grad_fn=_six_hump_camel_grad,
        bounds=((-3.0, 3.0), (-2.0, 2.0)), start=(-2.0, 1.5),
        minima=_pm((0.089842013100318062, -0.71265640302073963)),
        min_value=-1.0316284534898774,
        local_minima=_pm((1.7036067149699808, -0.79608356867262512), (1.6071047529201972, 0.56865145488413137)),
        local_maxima=_pm((1.2302298765166526, 0.16233458445899497)),
        saddle_points=((0.0, 0.0),) + _pm(
            (1.1092053368047864, -0.76826809250953984),
            (1.6380679841897786, 0.22867406904439407),
            (1.2960702671671092, 0.6050843880386585),
        ),
    ),
    Surface(
        key="styblinski_tang", label="Styblinski–Tang",
        latex=r"f(x, y) = \frac{1}{2}\sum_{i=1}^{2}\left(x_i^4 - 16x_i^2 + 5x_i\right)",
        description="Four basins of different depths: only one holds the global minimum, and greedy steps take the nearest.",
        fn=_styblinski_tang, grad_fn=_styblinski_tang_grad,
        bounds=((-5.0, 5.0), (-5.0, 5.0)), start=(4.0, 4.0),
        minima=((ST_LOW, ST_LOW),),
        min_value=-78.332331407542831,
        local_minima=((ST_HIGH, ST_HIGH), (ST_LOW, ST_HIGH), (ST_HIGH, ST_LOW)),
        local_maxima=((ST_TOP, ST_TOP),),
        saddle_points=((ST_TOP, ST_LOW), (ST_LOW, ST_TOP), (ST_TOP, ST_HIGH), (ST_HIGH, ST_TOP)),
    ),
    Surface(
        key="matyas", label="Matyas",
        latex=r"f(x, y) = 0.26\,(x^2 + y^2) - 0.48\,xy",
        description="A shallow bowl stretched along the diagonal (condition number 25): slow progress along the flat direction.",
        fn=_matyas, grad_fn=_matyas_grad,
        bounds=((-10.0, 10.0), (-10.0, 10.0)), start=(-8.0, -6.0),
        minima=((0.0, 0.0),), min_value=0.0,
    ),
    Surface(
        key="three_hump_camel", label="Three-hump camel",
        latex=r"f(x, y) = 2x^2 - 1.05x^4 + \frac{x^6}{6} + xy + y^2",
        description="One global minimum flanked by two shallow local ones: momentum can carry you over a hump, or into one.",
        fn=_three_hump_camel, grad_fn=_three_hump_camel_grad,
        bounds=((-2.0, 2.0), (-2.0, 2.0)), start=(-1.75, -1.75),
        minima=((0.0, 0.0),), min_value=0.0,
        local_minima=_pm((1.7475523458302889, -0.87377617291514445)),
        saddle_points=_pm((1.07054229182366, -0.53527114591182999)),
    ),
    Surface(
        key="ravine", label="Ravine",
        latex=(
            r"f = \tfrac{1}{2}\left(0.4\,u^2 + 20\,w^2\right),\quad "
            r"u = x\cos 30^\circ + y\sin 30^\circ,\; w = -x\sin 30^\circ + y\cos 30^\circ"
        ),
        description=(
            "A narrow valley tilted by 30°, curving 50 times more sharply across than along: gradient descent with "
            "a step near its limit (lr < 0.1) zig-zags across while creeping along, and per-axis "
            "scaling cannot undo the tilt."
        ),
        fn=_ravine, grad_fn=_ravine_grad,
        bounds=((-3.0, 3.0), (-3.0, 3.0)), start=(-2.5, -0.5),
        minima=((0.0, 0.0),), min_value=0.0,
    ),
    Surface(
        key="stretched_bowl", label="Stretched bowl",
        latex=r"f(x, y) = \tfrac{1}{2}\left(0.4\,x^2 + 20\,y^2\right)",
        description=(
            "The ravine's curvatures aligned with the axes: a curvature 50 times larger along y than "
            "along x, which RMSProp and Adam even out by giving each coordinate its own step."
        ),
        fn=_stretched_bowl, grad_fn=_stretched_bowl_grad,
        bounds=((-3.0, 3.0), (-3.0, 3.0)), start=(-2.5, 1.0),
        minima=((0.0, 0.0),), min_value=0.0,
    ),
)
