"""torch.special's Bessel functions (J0, J1, Y0, Y1, K0, K1 and their scaled forms, spherical
j0, Airy Ai) and orthogonal polynomials (Chebyshev T/U/V/W and shifted, Hermite H/He, Laguerre L,
Legendre P) against PyTorch, mpmath and hard-coded values.

Accuracy is judged against the truth (hard-coded mpmath values, and mpmath itself when installed)
at 2-4e-15 in float64 and one float32 ulp in float32. PyTorch 2.13 is the oracle for
special values, dtypes, broadcasting and the polynomials' conventions; its own float64 J/Y are
only good to about 1e-8 for 2 <= |x| < 25 (2e-6 near x = 5) and its airy_ai to 4e-6 for
2 <= -x < 5 (measured against mpmath), so the value comparisons with it are that loose there
and tight elsewhere. Errors of oscillating functions are measured against max(|f|, envelope),
since near a zero only the absolute error is meaningful.

PyTorch defines no derivative for any of these. minigrad gives the exact derivative of the
Bessel functions (J0' = -J1, ...; checked by gradcheck and gradgradcheck in float64) and raises
NotImplementedError for the polynomials.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from harness import OpSpec, OpSuite

NAN, INF = float("nan"), float("inf")
BESSEL = ["bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_k0",
          "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
          "spherical_bessel_j0", "airy_ai"]
POLYNOMIALS = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
               "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
               "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
               "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
               "laguerre_polynomial_l", "legendre_polynomial_p"]


def _torch():
    return pytest.importorskip("torch")


def _mp():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    return mpmath


def _mp_function(name: str):
    """The mpmath twin of a Bessel-family function, on one mpf."""
    mp = _mp()
    return {
        "bessel_j0": lambda x: mp.besselj(0, x), "bessel_j1": lambda x: mp.besselj(1, x),
        "bessel_y0": lambda x: mp.bessely(0, x), "bessel_y1": lambda x: mp.bessely(1, x),
        "modified_bessel_k0": lambda x: mp.besselk(0, x),
        "modified_bessel_k1": lambda x: mp.besselk(1, x),
        "scaled_modified_bessel_k0": lambda x: mp.besselk(0, x) * mp.exp(x),
        "scaled_modified_bessel_k1": lambda x: mp.besselk(1, x) * mp.exp(x),
        "spherical_bessel_j0": lambda x: mp.sin(x) / x if x else mp.mpf(1),
        "airy_ai": mp.airyai,
    }[name]


def _mp_ref(name: str):
    def ref(x: np.ndarray) -> np.ndarray:
        fn = _mp_function(name)
        flat = [float(fn(_mp().mpf(float(v)))) for v in np.ravel(x)]
        return np.array(flat, dtype=np.float64).reshape(np.shape(x))
    return ref


def _envelope(name: str, x: np.ndarray) -> np.ndarray:
    """Half the size of the oscillation at x (0 for the monotone functions): the scale of the
    absolute error where an oscillating function passes through 0."""
    a = np.abs(x)
    with np.errstate(divide="ignore"):
        if name.startswith("bessel"):  # J^2 + Y^2 ~ 2 / (pi x)
            return np.minimum(1.0, 0.5 * np.sqrt(2.0 / (math.pi * a)))
        if name == "airy_ai":  # Ai^2 + Bi^2 ~ 1 / (pi sqrt(-x)) for x < 0
            return np.where(x < 0, 0.5 / math.sqrt(math.pi) * np.maximum(a, 1.0) ** -0.25, 0.0)
        if name == "spherical_bessel_j0":
            return 0.5 / np.maximum(a, 1.0)
    return np.zeros_like(a)


def _condition(name: str, x: np.ndarray) -> np.ndarray:
    """Ai's condition number |x Ai'(x) / Ai(x)| grows like |x|^(3/2) (its phase for x < 0, its
    exponent for x > 0 are 2/3 |x|^(3/2)): that much of the input's rounding is inherent."""
    if name == "airy_ai":
        return np.maximum(1.0, 2.0 / 3.0 * np.abs(x) ** 1.5)
    return np.ones_like(x)


def _assert_close(name: str, x: np.ndarray, got: np.ndarray, want: np.ndarray, tol: object,
                  what: str) -> None:
    scale = np.maximum(np.abs(want), _envelope(name, x)) * _condition(name, x)
    err = np.abs(got - want) / scale
    bad = ~(err <= tol)
    assert not bad.any(), (f"{name} {what}: at x = {x[bad][:5]}, got {got[bad][:5]}, want "
                           f"{want[bad][:5]} (relative error {err[bad][:5]}, tolerance {tol})")


def _points(name: str) -> np.ndarray:
    """Small, medium and large |x| (negative x where the function is defined there)."""
    rng = np.random.default_rng(7)
    base = np.concatenate([np.geomspace(1e-12, 1, 30), np.linspace(0.05, 30, 300),
                           rng.uniform(30, 200, 100), np.geomspace(200, 1e4, 40)])
    if name.startswith(("bessel_j", "spherical")):
        return np.concatenate([base, -base])
    if name == "airy_ai":
        return np.concatenate([base[base < 100], -base])
    if name.startswith("modified"):
        return base[base < 700]
    return base


def _run(name: str, x: np.ndarray, dtype=mg.float64) -> np.ndarray:
    return getattr(mg.special, name)(mg.tensor(x, dtype=dtype)).numpy()


# --- exact values (always run) ------------------------------------------------------------------
EXACT = {  # mpmath at 40 digits, rounded to 17
    "bessel_j0": [
        (-30.5, -0.019389754517762152), (-2.0, 0.22389077914123567), (1e-08, 0.99999999999999997),
        (0.75, 0.86424227516664862), (1.0, 0.76519768655796655), (2.5, -0.048383776468197996),
        (8.0, 0.17165080713755391), (50.0, 0.055812327669251815),
        (10000.0, -0.0070961603533888015),
    ],
    "bessel_j1": [
        (-30.5, 0.14349430015097094), (-2.0, -0.57672480775687339), (1e-08, 5.0e-9),
        (0.75, 0.34924360217486219), (1.0, 0.44005058574493352), (2.5, 0.49709410246427404),
        (8.0, 0.23463634685391462), (50.0, -0.097511828125175138),
        (10000.0, 0.0036474507555295803),
    ],
    "bessel_y0": [
        (1e-08, -11.800773877179531), (0.75, -0.1371727693857724), (1.0, 0.088256964215676958),
        (2.5, 0.49807035961523189), (8.0, 0.22352148938756622), (50.0, -0.098064995470077079),
        (10000.0, 0.0036478055589866059),
    ],
    "bessel_y1": [
        (1e-08, -63661977.236758194), (0.75, -1.0375945507692854), (1.0, -0.78121282130028872),
        (2.5, 0.1459181379667858), (8.0, -0.15806046173124749), (50.0, -0.056795668562014768),
        (10000.0, 0.0070963427525364951),
    ],
    "modified_bessel_k0": [
        (1e-08, 18.536612259610778), (0.75, 0.61058242211646412), (1.0, 0.42102443824070833),
        (2.5, 0.062347553200366186), (8.0, 0.00014647070522281539), (50.0, 3.4101677497894955e-23),
        (600.0, 1.3558285309948524e-262),
    ],
    "modified_bessel_k1": [
        (1e-08, 99999999.999999903), (0.75, 0.94958046696214023), (1.0, 0.60190723019723457),
        (2.5, 0.073890816347747064), (8.0, 0.00015536921180500113), (50.0, 3.4441022267175556e-23),
        (600.0, 1.3569579181128061e-262),
    ],
    "scaled_modified_bessel_k0": [
        (1e-08, 18.536612444976902), (0.75, 1.2926029977639617), (1.0, 1.144463079806895),
        (2.5, 0.75954869032809958), (8.0, 0.43662301860158611), (50.0, 0.17680715585742934),
        (1000000.0, 0.0012533139806513212),
    ],
    "scaled_modified_bessel_k1": [
        (1e-08, 100000000.99999991), (0.75, 2.0102618643339222), (1.0, 1.6361534862632582),
        (2.5, 0.90017442390787809), (8.0, 0.46314909287049611), (50.0, 0.17856655855881557),
        (1000000.0, 0.0012533146073081549),
    ],
    "spherical_bessel_j0": [
        (-7.5, 0.12506666356996518), (1e-08, 0.99999999999999998), (0.75, 0.90885168003111222),
        (3.0, 0.047040002686622407), (100.0, -0.0050636564110975879),
    ],
    "airy_ai": [
        (-50.0, -0.16188142361232092), (-7.25, 0.32374057321118615), (-2.5, -0.11232506769296609),
        (-1.0, 0.53556088329235212), (-0.5, 0.47572809161053959), (0.0, 0.35502805388781724),
        (0.5, 0.23169360648083349), (1.0, 0.13529241631288142), (2.5, 0.01572592338047049),
        (10.0, 1.1047532552898686e-10), (60.0, 2.7831487094969355e-136),
    ],
}


@pytest.mark.parametrize("name", BESSEL)
def test_exact_values_float64(name: str) -> None:
    x, want = (np.array(v) for v in zip(*EXACT[name]))
    _assert_close(name, x, _run(name, x), want, 4e-15, "float64 vs mpmath's digits")


# PyTorch's values (checked against it below), hard-coded so they hold without torch as well
SPECIAL_X = [-INF, -1.0, -0.0, 0.0, 1e-300, INF, NAN]
SPECIAL = {
    "bessel_j0": [NAN, 0.7651976865579666, 1.0, 1.0, 1.0, NAN, NAN],
    "bessel_j1": [NAN, -0.44005058574493355, -0.0, 0.0, 5e-301, NAN, NAN],
    "bessel_y0": [NAN, NAN, -INF, -INF, -439.8351636227653, NAN, NAN],
    "bessel_y1": [NAN, NAN, -INF, -INF, -6.366197723675813e+299, NAN, NAN],
    "modified_bessel_k0": [NAN, NAN, INF, INF, 690.8914594138721, 0.0, NAN],
    "modified_bessel_k1": [NAN, NAN, INF, INF, 1e300, 0.0, NAN],
    "scaled_modified_bessel_k0": [NAN, NAN, INF, INF, 690.8914594138721, 0.0, NAN],
    "scaled_modified_bessel_k1": [NAN, NAN, INF, INF, 1e300, 0.0, NAN],
    "spherical_bessel_j0": [0.0, 0.8414709848078965, 1.0, 1.0, 1.0, 0.0, NAN],
    "airy_ai": [NAN, 0.5355608832923521, 0.3550280538878172, 0.3550280538878172,
                0.3550280538878172, NAN, NAN],
}


@pytest.mark.parametrize("name", BESSEL)
def test_special_values(name: str) -> None:
    """+-inf, -1, +-0, a tiny x and nan: the table above, and PyTorch's values when installed."""
    got = _run(name, np.array(SPECIAL_X))
    numbers = ~np.isnan(got)  # the sign of 0 too (J1 is odd: J1(-0.0) = -0.0)
    np.testing.assert_allclose(got, SPECIAL[name], rtol=4e-16, atol=0, err_msg=name)
    assert np.array_equal(np.signbit(got[numbers]), np.signbit(np.array(SPECIAL[name])[numbers]))
    try:
        import torch
    except ImportError:
        return
    want = getattr(torch.special, name)(torch.tensor(SPECIAL_X, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(got, want, rtol=4e-16, atol=0, err_msg=f"{name} vs torch")
    assert np.array_equal(np.signbit(got[numbers]), np.signbit(want[numbers])), (name, want)


# --- against mpmath, dense -----------------------------------------------------------------------
@pytest.mark.parametrize("name", BESSEL)
def test_dense_float64_vs_mpmath(name: str) -> None:
    x = _points(name)[::4]
    _assert_close(name, x, _run(name, x), _mp_ref(name)(x), 2e-15, "float64 vs mpmath")


@pytest.mark.parametrize("name", BESSEL)
def test_dense_float32_within_one_ulp_of_the_truth(name: str) -> None:
    """float32 in, the float64 computation rounded once: within one float32 ulp of the exact
    value at the float32 input (up to the envelope near zeros), the subnormals aside."""
    x = _points(name)[2::4].astype(np.float32).astype(np.float64)
    want = _mp_ref(name)(x)
    keep = np.maximum(np.abs(want), _envelope(name, x)) > 1.2e-38
    got = _run(name, x[keep].astype(np.float32), mg.float32).astype(np.float64)
    _assert_close(name, x[keep], got, want[keep], 2.0 ** -23, "float32 vs mpmath")


# --- against PyTorch ----------------------------------------------------------------------------
# (tolerance where PyTorch is accurate, |x| range where it is not, the tolerance there)
TORCH_F64 = {
    "bessel_j0": (1e-13, (2, 25), 1e-5), "bessel_j1": (1e-13, (2, 25), 1e-5),
    "bessel_y0": (1e-13, (2, 25), 1e-5), "bessel_y1": (1e-13, (2, 25), 1e-5),
    "modified_bessel_k0": (4e-15, None, 0), "modified_bessel_k1": (4e-15, None, 0),
    "scaled_modified_bessel_k0": (4e-15, None, 0), "scaled_modified_bessel_k1": (4e-15, None, 0),
    "spherical_bessel_j0": (4e-16, None, 0), "airy_ai": (3e-13, (2, 5), 1e-5),
}


@pytest.mark.parametrize("name", BESSEL)
def test_values_match_torch_float64(name: str) -> None:
    torch = _torch()
    x = _points(name)
    want = getattr(torch.special, name)(torch.tensor(x)).numpy()
    tight, window, loose = TORCH_F64[name]
    tol = np.full_like(x, tight)
    if name.startswith("bessel"):  # PyTorch reduces x - pi/4 in float64: error ~ x eps
        tol = tol * np.maximum(1.0, np.abs(x) / 25)
    if window is not None:
        tol = np.where((np.abs(x) >= window[0]) & (np.abs(x) < window[1]), loose, tol)
    _assert_close(name, x, _run(name, x), want, tol, "float64 vs torch")


@pytest.mark.parametrize("name", BESSEL)
def test_values_match_torch_float32(name: str) -> None:
    """PyTorch's float32 results carry its own float32 rounding (up to 2e-5 here); minigrad's
    are the float64 values rounded once (see the mpmath test above)."""
    torch = _torch()
    x = _points(name).astype(np.float32)
    x = x[np.abs(x) <= 25]
    want = getattr(torch.special, name)(torch.tensor(x)).numpy()
    got = _run(name, x, mg.float32)
    assert got.dtype == np.float32
    tol = 1e-6 if name.startswith(("modified", "scaled", "spherical")) else 3e-5
    keep = np.maximum(np.abs(want), _envelope(name, x)) > 1.2e-38
    _assert_close(name, x[keep].astype(np.float64), got[keep].astype(np.float64),
                  want[keep].astype(np.float64), tol, "float32 vs torch")


@pytest.mark.parametrize("name", BESSEL)
def test_result_dtypes_follow_torch(name: str) -> None:
    fn = getattr(mg.special, name)
    assert fn(mg.tensor([1, 2])).dtype == mg.float32  # integers compute in the default float
    assert fn(mg.tensor([True])).dtype == mg.float32
    assert fn(mg.tensor([1.5], dtype=mg.float32)).dtype == mg.float32
    assert fn(mg.tensor([1.5], dtype=mg.float64)).dtype == mg.float64
    np.testing.assert_allclose(fn(mg.tensor([1, 2])).numpy(),
                               _run(name, np.array([1.0, 2.0]), mg.float32))
    torch = pytest.importorskip("torch")
    assert getattr(torch.special, name)(torch.tensor([1, 2])).dtype == torch.float32


@pytest.mark.parametrize("name", BESSEL)
def test_bad_inputs_are_refused(name: str) -> None:
    fn = getattr(mg.special, name)
    with pytest.raises(NotImplementedError, match=f"{name}: not implemented for float16"):
        fn(mg.tensor([1.0], dtype=mg.float16))  # PyTorch: "not implemented for 'Half'"
    with pytest.raises(TypeError, match=f"{name}: expected a Tensor"):
        fn(1.0)


# --- gradients (PyTorch has none; minigrad gives the exact derivative) ------------------------
def _uniform(lo: float, hi: float):
    return lambda rng, shape: rng.uniform(lo, hi, shape)


SHAPES = [((3, 4),), ((5,),), ((),)]


class TestBesselGradients(OpSuite):
    """gradcheck, gradgradcheck, float32 and forward vs mpmath through the shared harness;
    torch=False because PyTorch defines no derivative (its values are compared above)."""

    OPS = [
        OpSpec(name, (lambda n: lambda m, x: getattr(m.special, n)(x))(name), _mp_ref(name),
               SHAPES, domain, torch=False)
        for name, domain in [
            ("bessel_j0", _uniform(-25, 25)), ("bessel_j1", _uniform(-25, 25)),
            ("bessel_y0", _uniform(0.3, 25)), ("bessel_y1", _uniform(0.3, 25)),
            ("modified_bessel_k0", _uniform(0.3, 25)), ("modified_bessel_k1", _uniform(0.3, 25)),
            ("scaled_modified_bessel_k0", _uniform(0.3, 25)),
            ("scaled_modified_bessel_k1", _uniform(0.3, 25)),
            ("spherical_bessel_j0", _uniform(-25, 25)), ("airy_ai", _uniform(-12, 6)),
        ]
    ]


@pytest.mark.parametrize("name", ["bessel_j1", "spherical_bessel_j0", "airy_ai", "bessel_j0"])
def test_gradcheck_at_and_near_zero(name: str) -> None:
    """J1' = 1/2 at 0; spherical j0's derivative switches to its Taylor series for |x| < 0.1;
    the Airy function's switches from its Maclaurin series at |x| = 1."""
    x = mg.tensor([-1.0, -0.05, 0.0, 1e-3, 0.07, 0.3, 0.999, 1.001], dtype=mg.float64,
                  requires_grad=True)
    fn = getattr(mg.special, name)
    assert mg.gradcheck(fn, (x,))
    assert mg.gradgradcheck(fn, (x,))


def test_derivatives_are_the_classical_identities() -> None:
    """J0' = -J1, Y0' = -Y1, K0' = -K1, against PyTorch's own J1, Y1, K1."""
    torch = _torch()
    x = np.array([0.3, 0.9, 1.7, 3.3, 12.0, 40.0])
    for f, g in [("bessel_j0", "bessel_j1"), ("bessel_y0", "bessel_y1"),
                 ("modified_bessel_k0", "modified_bessel_k1")]:
        t = mg.tensor(x, requires_grad=True)
        getattr(mg.special, f)(t).sum().backward()
        want = -getattr(torch.special, g)(torch.tensor(x)).numpy()
        np.testing.assert_allclose(t.grad.numpy(), want, rtol=1e-5, err_msg=f)  # torch's J/Y 1e-8


# --- orthogonal polynomials -----------------------------------------------------------------------
def _poly_grid(name: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(-1, 1, 60), rng.uniform(-3, 3, 40), rng.uniform(0, 1, 30),
                        [-1.0, 1.0, 0.0, 0.5, -0.5, 2.0, -2.0, 1e-20, INF, -INF]])
    n = np.concatenate([np.arange(-3, 41), [50, 64, 100, 300],
                        [2.5, -0.5, 7.9, 9.99, NAN, INF, -INF, 1e30, -1e30]]).astype(np.float64)
    xs, ns = np.meshgrid(x, n)
    return xs, ns


def _polynomial_tolerance(name: str, n: np.ndarray) -> np.ndarray:
    """Both sides evaluate the same recurrences and trigonometric forms, whose rounding grows
    with the degree (and, for Hermite, with the cancellation between its huge terms)."""
    degree = np.where(np.isfinite(n) & (np.abs(n) < 1e6), np.abs(n), 0)
    return (1e-14 if name.startswith("hermite") else 1e-15) * (degree + 1) ** 2


@pytest.mark.parametrize("name", POLYNOMIALS)
def test_polynomial_matches_torch_float64(name: str) -> None:
    """Negative, non-integer, nan and infinite n, |x| = 1, |x| > 1 and x = +-inf included
    (overflow to inf and then inf - inf = nan, as in PyTorch's recurrence)."""
    torch = _torch()
    xs, ns = _poly_grid(name)
    got = getattr(mg.special, name)(mg.tensor(xs), mg.tensor(ns)).numpy()
    want = getattr(torch.special, name)(torch.tensor(xs), torch.tensor(ns)).numpy()
    assert got.dtype == np.float64
    finite = np.isfinite(want)
    assert np.array_equal(np.isfinite(got), finite), name
    same = np.isnan(got) == np.isnan(want)
    assert same.all(), (name, xs[~same][:5], ns[~same][:5], got[~same][:5], want[~same][:5])
    assert np.array_equal(got[np.isinf(want)], want[np.isinf(want)])
    err = np.abs(got[finite] - want[finite]) / np.maximum(np.abs(want[finite]), 1.0)
    tol = _polynomial_tolerance(name, ns[finite])
    bad = err > tol
    assert not bad.any(), (name, xs[finite][bad][:5], ns[finite][bad][:5], err[bad][:5])


SMALL_DEGREES = {  # degrees 1, 2, 3 in closed form (A&S table 22.3; DLMF 18.3 for V and W)
    "chebyshev_polynomial_t": [lambda t: t, lambda t: 2 * t**2 - 1, lambda t: 4 * t**3 - 3 * t],
    "chebyshev_polynomial_u": [lambda t: 2 * t, lambda t: 4 * t**2 - 1, lambda t: 8 * t**3 - 4 * t],
    "chebyshev_polynomial_v": [lambda t: 2 * t - 1, lambda t: 4 * t**2 - 2 * t - 1,
                               lambda t: 8 * t**3 - 4 * t**2 - 4 * t + 1],
    "chebyshev_polynomial_w": [lambda t: 2 * t + 1, lambda t: 4 * t**2 + 2 * t - 1,
                               lambda t: 8 * t**3 + 4 * t**2 - 4 * t - 1],
    "hermite_polynomial_h": [lambda t: 2 * t, lambda t: 4 * t**2 - 2, lambda t: 8 * t**3 - 12 * t],
    "hermite_polynomial_he": [lambda t: t, lambda t: t**2 - 1, lambda t: t**3 - 3 * t],
    "laguerre_polynomial_l": [lambda t: 1 - t, lambda t: (t**2 - 4 * t + 2) / 2,
                              lambda t: (-t**3 + 9 * t**2 - 18 * t + 6) / 6],
    "legendre_polynomial_p": [lambda t: t, lambda t: (3 * t**2 - 1) / 2,
                              lambda t: (5 * t**3 - 3 * t) / 2],
}


@pytest.mark.parametrize("name", POLYNOMIALS)
def test_polynomial_exact_small_degrees(name: str) -> None:
    """Degrees 0-3 against their closed forms (shifted: at 2x - 1); n is truncated toward 0
    (3.75 -> 3, -0.5 -> 0) and n < 0 gives 0."""
    x = np.array([-2.0, -1.0, -0.3, 0.0, 0.25, 1.0, 1.5])
    t = 2 * x - 1 if name.startswith("shifted") else x
    fn = getattr(mg.special, name)
    forms = [lambda t: np.ones_like(t)] + SMALL_DEGREES[name.replace("shifted_", "")]
    for n, form in enumerate(forms):
        for degree in (n, n + 0.75):
            got = fn(mg.tensor(x, dtype=mg.float64), degree).numpy()
            np.testing.assert_allclose(got, form(t), rtol=1e-15, atol=1e-15,
                                       err_msg=f"{name} n={degree}")
    assert (fn(mg.tensor(x, dtype=mg.float64), -1).numpy() == 0).all()
    assert (fn(mg.tensor(x, dtype=mg.float64), -0.5).numpy() == 1).all()


@pytest.mark.parametrize("name", POLYNOMIALS)
def test_polynomial_nan_x(name: str) -> None:
    """Degree 0 is 1, higher degrees nan, n < 0 still 0. PyTorch 2.13 agrees for T, H and He;
    for the others it returns uninitialised memory at nan."""
    got = getattr(mg.special, name)(mg.tensor([NAN] * 4, dtype=mg.float64),
                                    mg.tensor([-1.0, 0.0, 1.0, 7.0], dtype=mg.float64)).numpy()
    np.testing.assert_array_equal(got, [0.0, 1.0, NAN, NAN])
    if name in ("chebyshev_polynomial_t", "hermite_polynomial_h", "hermite_polynomial_he"):
        torch = _torch()
        want = getattr(torch.special, name)(torch.tensor([NAN] * 4, dtype=torch.float64),
                                            torch.tensor([-1.0, 0.0, 1.0, 7.0])).numpy()
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", POLYNOMIALS)
def test_polynomial_float32_is_the_float64_value_rounded(name: str) -> None:
    """float32 stays float32; its values are PyTorch's float64 values at the same inputs
    rounded to float32 (PyTorch's own float32 recurrence drifts up to 1e-4 for He_10, and
    overflows to nan where the float64 value is a float32 inf)."""
    torch = _torch()
    xs, ns = _poly_grid(name)
    keep = np.isfinite(xs) & np.isfinite(ns) & (np.abs(ns) <= 64)
    x32 = xs[keep].astype(np.float32)
    n32 = ns[keep].astype(np.float32)
    got = getattr(mg.special, name)(mg.tensor(x32), mg.tensor(n32)).numpy()
    assert got.dtype == np.float32
    want64 = getattr(torch.special, name)(torch.tensor(x32.astype(np.float64)),
                                          torch.tensor(n32.astype(np.float64))).numpy()
    with np.errstate(over="ignore"):
        want = want64.astype(np.float32)
    assert np.array_equal(np.isinf(got), np.isinf(want)), name
    assert np.array_equal(got[np.isinf(want)], want[np.isinf(want)])
    finite = np.isfinite(want)
    err = np.abs(got[finite].astype(np.float64) - want64[finite])
    tol = 2.0 ** -24 * np.abs(want64[finite]) + _polynomial_tolerance(name, n32[finite]) \
        * np.maximum(np.abs(want64[finite]), 1.0)
    assert (err <= tol).all(), (name, x32[finite][err > tol][:5], n32[finite][err > tol][:5])


def test_polynomial_broadcasting_and_scalars() -> None:
    torch = _torch()
    rng = np.random.default_rng(0)
    x = rng.uniform(-1.2, 1.2, (2, 1, 3))
    n = np.array([[0.0], [3.0], [9.0], [12.0]])
    for name in POLYNOMIALS:
        fn, tfn = getattr(mg.special, name), getattr(torch.special, name)
        got = fn(mg.tensor(x), mg.tensor(n))
        want = tfn(torch.tensor(x), torch.tensor(n)).numpy()
        assert tuple(got.shape) == want.shape == (2, 4, 3)
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-13, atol=1e-13, err_msg=name)
        np.testing.assert_allclose(fn(0.3, mg.tensor([2, 5])).numpy(),
                                   tfn(0.3, torch.tensor([2, 5])).numpy(), rtol=1e-6)
        np.testing.assert_allclose(fn(mg.tensor(x), 4).numpy(), tfn(torch.tensor(x), 4).numpy(),
                                   rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(fn(mg.tensor(x), 4.9).numpy(),
                                   tfn(torch.tensor(x), 4.9).numpy(), rtol=1e-13, atol=1e-13)


DTYPE_CASES = [  # (x, n) builders for minigrad and torch, and PyTorch's result dtype
    (lambda m: (m.tensor([1, 2]), 3), "float32"),
    (lambda m: (m.tensor([1, 2]), m.tensor([3, 3])), "float32"),
    (lambda m: (m.tensor([True, False]), 3), "float32"),
    (lambda m: (m.tensor([0.5], dtype=m.float32), m.tensor([3.0], dtype=m.float64)), "float64"),
    (lambda m: (m.tensor([0.5], dtype=m.float32), m.tensor(3.0, dtype=m.float64)), "float32"),
    (lambda m: (m.tensor([0.5], dtype=m.float32), m.tensor([3])), "float32"),
    (lambda m: (m.tensor([0.5], dtype=m.float64), m.tensor([3.0], dtype=m.float32)), "float64"),
    (lambda m: (0.5, m.tensor([3, 4])), "float32"),
    (lambda m: (2, m.tensor([3])), "float32"),
    (lambda m: (m.tensor([0.5], dtype=m.float32), 3.7), "float32"),
]


@pytest.mark.parametrize("case", range(len(DTYPE_CASES)))
def test_polynomial_result_dtype(case: int) -> None:
    build, dtype = DTYPE_CASES[case]
    for name in ("chebyshev_polynomial_t", "laguerre_polynomial_l"):
        assert getattr(mg.special, name)(*build(mg)).dtype == getattr(mg, dtype), (name, case)
    torch = pytest.importorskip("torch")
    assert torch.special.chebyshev_polynomial_t(*build(torch)).dtype == getattr(torch, dtype)


@pytest.mark.parametrize("name", POLYNOMIALS)
def test_polynomial_errors(name: str) -> None:
    fn = getattr(mg.special, name)
    with pytest.raises(TypeError, match=name):
        fn(0.5, 3)  # PyTorch too: one of the two must be a tensor
    with pytest.raises(Exception, match=f"{name}: shapes \\(2, 3\\) and \\(4,\\)"):
        fn(mg.zeros(2, 3), mg.zeros(4))
    with pytest.raises(NotImplementedError, match=f"{name}: not implemented for float16"):
        fn(mg.tensor([0.5], dtype=mg.float16), 2)
    x = mg.tensor([0.5, 0.25], dtype=mg.float64, requires_grad=True)
    out = fn(x, 3)
    with pytest.raises(NotImplementedError, match=f"{name}: the derivative is not implemented"):
        out.sum().backward()


def test_polynomial_large_degrees_follow_torch() -> None:
    """Large n: the trigonometric forms inside (-1, 1), the closed forms at +-1 and 0, and past
    overflow the recurrence's nan (inf - inf) - each without running n steps."""
    torch = _torch()
    x = np.array([2.0, -2.0, 0.5, 1.0, -1.0, 0.0])
    for name in ("chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_w",
                 "legendre_polynomial_p", "hermite_polynomial_h"):
        n = 10**9 if name != "legendre_polynomial_p" else 10**9 + 1
        keep = slice(None) if name.startswith("chebyshev") else [0, 1, 3, 4]
        got = getattr(mg.special, name)(mg.tensor(x[keep]), n).numpy()
        want = getattr(torch.special, name)(torch.tensor(x[keep]), n).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6, err_msg=name)
    got = mg.special.laguerre_polynomial_l(mg.tensor([0.0, 1e300], dtype=mg.float64), 10**9).numpy()
    np.testing.assert_array_equal(got, [1.0, torch.special.laguerre_polynomial_l(
        torch.tensor([1e300], dtype=torch.float64), 10**9).item()])
