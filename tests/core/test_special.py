"""Special functions: the gamma family (lgamma, digamma, polygamma, mvlgamma), erfinv, the
Bessel functions i0/i0e/i1/i1e, erfcx, ndtr/ndtri/log_ndtr, entr, xlog1py and the mg.special
namespace.

Each differentiable op is declared for the shared harness (gradcheck, gradgradcheck, float32,
hypothesis, PyTorch); its NumPy reference is Python's math module (lgamma, erf) or mpmath at
40 digits (mpmath comes with torch's sympy; those references skip cleanly without it). The tests
below check accuracy over wide ranges against those references, PyTorch's values at the poles
and domain edges, the in-place variants, and the errors.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from harness import OpSpec, OpSuite, normal, positive

UNARY = [((3, 4),), ((5,),), ((),), ((2, 3, 2),)]
NAN, INF = float("nan"), float("inf")


def _mp() -> object:
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    return mpmath


def _mp_ref(fn_name: str, *extra: object) -> object:
    """A float64 reference from mpmath, elementwise."""
    def ref(x: np.ndarray) -> np.ndarray:
        mpmath = _mp()
        fn = getattr(mpmath, fn_name)
        flat = [float(fn(*extra, mpmath.mpf(float(v)))) for v in np.ravel(x)]
        return np.array(flat, dtype=np.float64).reshape(np.shape(x))
    return ref


def _math_ref(fn: object) -> object:
    return lambda x: np.vectorize(fn, otypes=[np.float64])(x)


def negative_noninteger(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """(-3, 0) away from the poles at 0, -1, -2 (and from lgamma's sign changes there)."""
    return rng.integers(-3, 0, shape) + rng.uniform(0.15, 0.85, shape)


def inside_unit(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rng.uniform(-0.9, 0.9, shape)


def probability(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rng.uniform(0.05, 0.95, shape)


def wide(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Both sides of the Bessel series/asymptotic switch at |x| = 20, and near 0."""
    return rng.uniform(-25.0, 25.0, shape)


def _bessel_ref(nu: int, scaled: bool) -> object:
    def ref(x: np.ndarray) -> np.ndarray:
        mpmath = _mp()
        flat = [float(mpmath.besseli(nu, mpmath.mpf(float(v)))
                      * (mpmath.exp(-abs(mpmath.mpf(float(v)))) if scaled else 1))
                for v in np.ravel(x)]
        return np.array(flat).reshape(np.shape(x))
    return ref


def _erfcx_ref(x: np.ndarray) -> np.ndarray:
    mpmath = _mp()
    flat = [float(mpmath.exp(mpmath.mpf(float(v)) ** 2) * mpmath.erfc(mpmath.mpf(float(v))))
            for v in np.ravel(x)]
    return np.array(flat).reshape(np.shape(x))


def _ndtri_ref(p: np.ndarray) -> np.ndarray:
    mpmath = _mp()
    flat = [float(mpmath.sqrt(2) * mpmath.erfinv(2 * mpmath.mpf(float(v)) - 1)) for v in np.ravel(p)]
    return np.array(flat).reshape(np.shape(p))


def _log_ndtr_ref(x: np.ndarray) -> np.ndarray:
    mpmath = _mp()
    flat = [float(mpmath.log(mpmath.ncdf(mpmath.mpf(float(v))))) for v in np.ravel(x)]
    return np.array(flat).reshape(np.shape(x))


def wide_positive(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Both sides of the series / continued-fraction switch at x = a + 1."""
    return rng.uniform(0.2, 6.0, shape)


def _igamma_ref(a: np.ndarray, x: np.ndarray, upper: bool) -> np.ndarray:
    mpmath = _mp()
    a, x = np.broadcast_arrays(a, x)
    flat = [float(mpmath.gammainc(mpmath.mpf(float(s)), float(v), mpmath.inf, regularized=True)
                  if upper else mpmath.gammainc(mpmath.mpf(float(s)), 0, float(v),
                                                regularized=True))
            for s, v in zip(a.ravel(), x.ravel())]
    return np.array(flat).reshape(a.shape)


def _entr_ref(x: np.ndarray) -> np.ndarray:
    return -x * np.log(x)


class TestSpecialOps(OpSuite):
    OPS = [
        OpSpec("lgamma", lambda m, x: m.lgamma(x), _math_ref(math.lgamma), UNARY, positive),
        OpSpec("lgamma_negative", lambda m, x: m.lgamma(x), _math_ref(math.lgamma), UNARY,
               negative_noninteger),
        OpSpec("digamma", lambda m, x: m.digamma(x), _mp_ref("digamma"), UNARY, positive),
        OpSpec("digamma_negative", lambda m, x: m.digamma(x), _mp_ref("digamma"), UNARY,
               negative_noninteger),
        OpSpec("polygamma2", lambda m, x: m.polygamma(2, x), _mp_ref("polygamma", 2), UNARY,
               positive),
        OpSpec("polygamma3_negative", lambda m, x: m.polygamma(3, x), _mp_ref("polygamma", 3),
               UNARY, negative_noninteger),
        OpSpec("mvlgamma", lambda m, x: m.mvlgamma(x + 1.0, 3),
               lambda x: sum(_math_ref(math.lgamma)(x + 1.0 - i / 2) for i in range(3))
               + 1.5 * math.log(math.pi), UNARY, positive),
        OpSpec("erfinv", lambda m, x: m.erfinv(x), _mp_ref("erfinv"), UNARY, inside_unit),
        OpSpec("i0", lambda m, x: m.i0(x), _bessel_ref(0, False), UNARY, wide),
        OpSpec("i0e", lambda m, x: m.special.i0e(x), _bessel_ref(0, True), UNARY, wide),
        OpSpec("i1", lambda m, x: m.special.i1(x), _bessel_ref(1, False), UNARY, wide),
        OpSpec("i1e", lambda m, x: m.special.i1e(x), _bessel_ref(1, True), UNARY, wide),
        OpSpec("erfcx", lambda m, x: m.special.erfcx(x), _erfcx_ref, UNARY, normal),
        OpSpec("ndtr", lambda m, x: m.special.ndtr(x), _mp_ref("ncdf"), UNARY, normal),
        OpSpec("ndtri", lambda m, x: m.special.ndtri(x), _ndtri_ref, UNARY, probability),
        OpSpec("log_ndtr", lambda m, x: m.special.log_ndtr(x * 3.0), lambda x: _log_ndtr_ref(x * 3),
               UNARY, normal),
        OpSpec("entr", lambda m, x: m.special.entr(x), _entr_ref, UNARY, positive),
        OpSpec("igamma", lambda m, a, x: m.igamma(a, x), lambda a, x: _igamma_ref(a, x, False),
               [((3, 4), (3, 4)), ((3, 4), (4,)), ((), (2, 3))], [positive, positive],
               constant_inputs=(0,)),
        OpSpec("gammaincc", lambda m, a, x: m.special.gammaincc(a, x),
               lambda a, x: _igamma_ref(a, x, True),
               [((3, 4), (3, 4)), ((3, 1), (4,))], [positive, wide_positive],
               constant_inputs=(0,)),
        OpSpec("xlog1py", lambda m, x, y: m.special.xlog1py(x, y), lambda x, y: x * np.log1p(y),
               [((3, 4), (3, 4)), ((3, 4), (4,)), ((), (2, 3))], [normal, positive]),
    ]


# --- accuracy over wide ranges -------------------------------------------------------------------
def _f64(values: object) -> mg.Tensor:
    return mg.tensor(np.asarray(values, dtype=np.float64), dtype=mg.float64)


def test_lgamma_matches_math_lgamma_over_a_wide_range() -> None:
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(1e-3, 40, 400), np.geomspace(1e-300, 1e300, 60),
                        [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 9.999, 10.0, 10.001, 171.6]])
    out = mg.lgamma(_f64(x)).numpy()
    expected = np.array([math.lgamma(v) for v in x])
    # within 1e-14 relative (about 40 ulp at worst, where the series and the shifts meet),
    # absolute near lgamma's zeros at 1 and 2
    np.testing.assert_allclose(out, expected, rtol=1e-14, atol=3e-16)


def test_lgamma_negative_arguments_match_math_lgamma() -> None:
    rng = np.random.default_rng(1)
    x = -rng.uniform(0.01, 60, 300)
    x = x[np.abs(x - np.round(x)) > 0.01]
    out = mg.lgamma(_f64(x)).numpy()
    expected = np.array([math.lgamma(v) for v in x])
    np.testing.assert_allclose(out, expected, rtol=1e-13, atol=1e-13)


def test_digamma_and_polygamma_match_mpmath() -> None:
    mpmath = _mp()
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.uniform(1e-3, 50, 150), -rng.uniform(0.05, 20, 100), [1e-8, 1e5]])
    x = x[np.abs(x - np.round(x)) > 0.02]
    for n in (0, 1, 2, 5):
        out = mg.polygamma(n, _f64(x)).numpy()
        expected = np.array([float(mpmath.polygamma(n, mpmath.mpf(v))) for v in x])
        # digamma has a zero at 1.4616...: absolute accuracy there
        np.testing.assert_allclose(out, expected, rtol=5e-14, atol=1e-14, err_msg=f"n = {n}")


def test_erfinv_round_trips_through_math_erf_and_reaches_the_tails() -> None:
    mpmath = _mp()
    y = np.concatenate([np.linspace(-0.999, 0.999, 201), [1e-300, 1e-12, 1 - 1e-10, 1 - 2 ** -52,
                                                         -(1 - 2 ** -53)]])
    out = mg.erfinv(_f64(y)).numpy()
    np.testing.assert_allclose([math.erf(v) for v in out], y, rtol=4e-16, atol=0)
    expected = [float(mpmath.erfinv(mpmath.mpf(v))) for v in y]
    np.testing.assert_allclose(out, expected, rtol=2e-15, atol=0)


def test_ndtri_in_the_far_tail() -> None:
    mpmath = _mp()
    p = np.array([1e-300, 1e-100, 1e-20, 1e-5, 0.3, 0.5, 0.8, 1 - 1e-12])
    out = mg.special.ndtri(_f64(p)).numpy()
    expected = [float(-mpmath.sqrt(2) * mpmath.erfinv(1 - 2 * mpmath.mpf(v)))
                if v > 1e-30 else
                float(mpmath.findroot(lambda t: mpmath.log(mpmath.ncdf(t)) - mpmath.log(v), -20))
                for v in p]
    np.testing.assert_allclose(out, expected, rtol=2e-14)


# --- PyTorch: values, poles and domain edges ------------------------------------------------------
POINTS = [0.0, -0.0, -1.0, -2.0, -7.0, 1.0, 2.0, 0.5, -0.5, -2.5, 1e-8, 1e-300, 171.0, 1e6, INF,
          -INF, NAN]


@pytest.mark.parametrize("name", ["lgamma", "digamma"])
def test_gamma_poles_and_edges_match_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    out = getattr(mg, name)(_f64(POINTS)).numpy()
    expected = getattr(torch, name)(torch.tensor(POINTS, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-13, atol=1e-15, equal_nan=True)
    assert np.array_equal(np.signbit(out[np.isinf(out)]), np.signbit(expected[np.isinf(out)]))


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_polygamma_matches_torch(n: int) -> None:
    """torch's trigamma (n = 1) is a short asymptotic series accurate to about 1e-10, so n = 1
    is compared at that accuracy (mpmath above checks ours to 5e-14). Where we differ on
    purpose: at the poles torch's trigamma gives huge finite numbers (sin(pi x) rounds to
    1e-16, not 0) where we give inf, and at +-inf torch gives nan/inf for n >= 2 where we give
    the limit 0 at +inf and nan at -inf."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(n)
    x = np.concatenate([rng.uniform(-8, 15, 300), [0.0, 1e-8, 0.5, 1.0, 30.0, NAN]])
    x = x[(x >= 0) | (np.abs(x - np.round(x)) > 0.05)]
    out = mg.polygamma(n, _f64(x)).numpy()
    expected = torch.polygamma(n, torch.tensor(x)).numpy()
    rtol = 1e-9 if n == 1 else 1e-12
    np.testing.assert_allclose(out, expected, rtol=rtol, equal_nan=True)
    assert mg.polygamma(n, _f64([INF])).item() == 0.0
    poles = mg.polygamma(n, _f64([-1.0, -2.0])).numpy()
    assert np.all(np.isinf(poles))


@pytest.mark.parametrize("name", ["erfinv", "i0"])
def test_torch_top_level_edges(name: str) -> None:
    torch = pytest.importorskip("torch")
    points = [-1.0, 1.0, 1.5, -2.0, 0.0, -0.0, 0.3, 40.0, 700.0, NAN]
    out = getattr(mg, name)(_f64(points)).numpy()
    expected = getattr(torch, name)(torch.tensor(points, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-14, equal_nan=True)
    assert np.array_equal(np.signbit(out), np.signbit(expected))


@pytest.mark.parametrize("name", ["i0", "i0e", "i1", "i1e", "erfcx", "log_ndtr", "entr", "ndtri",
                                  "ndtr"])
def test_special_namespace_matches_torch(name: str) -> None:
    """i0/i1 at +-inf: torch gives nan, we give the limits (+-inf); not compared. ndtr: torch
    computes (1 + erf(x/sqrt 2))/2, which is 0 below x = -8.3 and loses digits from x = -3
    down; ours is erfc(-x/sqrt 2)/2 (mpmath-checked above), so the lower tail is compared with
    an absolute tolerance at torch's accuracy."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    if name == "ndtri":
        x = np.concatenate([rng.uniform(0, 1, 200), [0.0, 1.0, 1e-300, -0.1, 1.1, NAN]])
    else:
        x = np.concatenate([rng.uniform(-30, 30, 200), rng.uniform(-2, 2, 50),
                            [0.0, -0.0, 1e-10, 700.0, -700.0, NAN]])
        if name in ("entr",):
            x = np.concatenate([x, [INF, -INF]])
    out = getattr(mg.special, name)(_f64(x)).numpy()
    expected = getattr(torch.special, name)(torch.tensor(x)).numpy()
    atol = 1e-15 if name == "ndtr" else 0
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=atol, equal_nan=True)


def test_xlog1py_edges_match_torch() -> None:
    torch = pytest.importorskip("torch")
    x = [0.0, 0.0, 0.0, 1.0, 2.0, -1.0, 0.0]
    y = [0.0, -1.0, NAN, -1.0, 3.0, -0.5, -2.0]
    out = mg.special.xlog1py(_f64(x), _f64(y)).numpy()
    expected = torch.special.xlog1py(torch.tensor(x, dtype=torch.float64),
                                     torch.tensor(y, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(out, expected, equal_nan=True)


def test_gradients_at_edges_match_torch() -> None:
    """i1' and i1e' at 0 (the limit 1/2), entr' and xlog1py's x-gradient where x == 0."""
    torch = pytest.importorskip("torch")
    x = np.array([0.0, 0.5, -3.0, 25.0])
    for name in ("i0", "i0e", "i1", "i1e", "erfcx", "log_ndtr"):
        a = _f64(x).requires_grad_()
        getattr(mg.special, name)(a).sum().backward()
        t = torch.tensor(x, requires_grad=True)
        getattr(torch.special, name)(t).sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-12, err_msg=name)
    xs, ys = np.array([0.0, 0.0, 1.0]), np.array([-1.0, 0.5, 0.5])
    a, b = _f64(xs).requires_grad_(), _f64(ys).requires_grad_()
    mg.special.xlog1py(a, b).sum().backward()
    ta, tb = torch.tensor(xs, requires_grad=True), torch.tensor(ys, requires_grad=True)
    torch.special.xlog1py(ta, tb).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy())
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), equal_nan=True)


def test_mvlgamma_matches_torch_for_several_p() -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(4).uniform(3.0, 8.0, (3, 4))
    for p in (1, 2, 5):
        a = _f64(x).requires_grad_()
        mg.mvlgamma(a, p).sum().backward()
        t = torch.tensor(x, requires_grad=True)
        torch.mvlgamma(t, p).sum().backward()
        np.testing.assert_allclose(mg.mvlgamma(_f64(x), p).numpy(),
                                   torch.mvlgamma(torch.tensor(x), p).numpy(), rtol=1e-13)
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-12)


# --- dtypes, methods, in-place, namespace, errors ---------------------------------------------
def test_integer_inputs_give_the_default_float() -> None:
    x = mg.tensor([1, 2, 3])
    for fn in (mg.lgamma, mg.digamma, mg.erfinv, mg.i0, mg.special.i1e, mg.special.ndtr):
        assert fn(x).dtype == mg.float32
    assert mg.polygamma(1, x).dtype == mg.float32


def test_float32_outputs_are_rounded_from_float64() -> None:
    x = np.linspace(0.1, 9.0, 50)
    out = mg.lgamma(mg.tensor(x, dtype=mg.float32)).numpy()
    exact = np.array([math.lgamma(float(np.float32(v))) for v in x])
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, exact.astype(np.float32), rtol=1.2e-7, atol=1e-7)


def test_tensor_methods_and_inplace_variants() -> None:
    x = _f64([0.3, 1.7, 4.2])
    np.testing.assert_array_equal(x.lgamma().numpy(), mg.lgamma(x).numpy())
    np.testing.assert_array_equal(x.polygamma(2).numpy(), mg.polygamma(2, x).numpy())
    np.testing.assert_array_equal(x.mvlgamma(1).numpy(), mg.lgamma(x).numpy())
    for name, expected in (("lgamma_", mg.lgamma(x)), ("digamma_", mg.digamma(x)),
                           ("i0_", mg.i0(x)), ("erfinv_", mg.erfinv(x * 0.1))):
        y = x.clone() * (0.1 if name == "erfinv_" else 1.0)
        assert getattr(y, name)() is y
        np.testing.assert_array_equal(y.numpy(), expected.numpy())
    y = x.clone()
    y.polygamma_(1)
    np.testing.assert_array_equal(y.numpy(), mg.polygamma(1, x).numpy())
    with pytest.raises(RuntimeError, match="lgamma_"):
        mg.tensor([1, 2]).lgamma_()
    leaf = _f64([1.0]).requires_grad_()
    with pytest.raises(RuntimeError):
        leaf.lgamma_()


def test_special_namespace_names_are_the_same_functions() -> None:
    sp = mg.special
    assert sp.gammaln is mg.lgamma and sp.psi is mg.digamma and sp.digamma is mg.digamma
    assert sp.polygamma is mg.polygamma and sp.multigammaln is mg.mvlgamma
    assert sp.erfinv is mg.erfinv and sp.i0 is mg.i0 and sp.expit is mg.sigmoid
    assert sp.logit is mg.logit and sp.sinc is mg.sinc and sp.xlogy is mg.xlogy
    assert sp.round is mg.round and sp.logsumexp is mg.logsumexp and sp.exp2 is mg.exp2
    assert sp.expm1 is mg.expm1 and sp.log1p is mg.log1p and sp.erf is mg.erf
    x = mg.randn(3, 4)
    out = sp.softmax(x, 1, dtype=mg.float64)
    assert out.dtype == mg.float64
    np.testing.assert_allclose(out.numpy(), mg.softmax(x.double(), 1).numpy())
    np.testing.assert_allclose(sp.log_softmax(x, 0).numpy(), mg.log_softmax(x, 0).numpy())


def test_errors() -> None:
    with pytest.raises(RuntimeError, match="negative n"):
        mg.polygamma(-1, _f64([1.0]))
    with pytest.raises(TypeError, match="polygamma"):
        mg.polygamma(1.5, _f64([1.0]))
    with pytest.raises(RuntimeError, match=r"mvlgamma.*\(p-1\)/2"):
        mg.mvlgamma(_f64([0.9, 3.0]), 3)
    with pytest.raises(RuntimeError, match="mvlgamma: p"):
        mg.mvlgamma(_f64([3.0]), 0)
    for fn in (mg.lgamma, mg.erfinv, mg.i0, mg.special.ndtri):
        with pytest.raises(TypeError, match="expected a Tensor"):
            fn([1.0, 2.0])


def test_empty_and_zero_dim() -> None:
    for fn in (mg.lgamma, mg.digamma, mg.erfinv, mg.i0, mg.special.i1, mg.special.ndtri,
               mg.special.erfcx, mg.special.log_ndtr):
        assert fn(mg.zeros(0, 3)).shape == (0, 3)
        assert fn(mg.tensor(0.25)).shape == ()
    assert mg.polygamma(2, mg.zeros(0)).shape == (0,)
    assert mg.mvlgamma(mg.ones(0, 2) * 3, 2).shape == (0, 2)


def test_incomplete_gamma_accuracy_edges_and_torch() -> None:
    """Against mpmath to 1e-13 over a up to 60; against torch at its own accuracy (its large-a
    asymptotic branch is good to ~2e-9) with torch's values at a = 0, x = 0, inf and negatives."""
    rng = np.random.default_rng(5)
    a = rng.uniform(0.05, 60, 150)
    x = rng.uniform(0.0, 90, 150)
    for upper, fn in ((False, mg.special.gammainc), (True, mg.special.gammaincc)):
        out = fn(_f64(a), _f64(x)).numpy()
        np.testing.assert_allclose(out, _igamma_ref(a, x, upper), rtol=1e-13, atol=1e-300)
    torch = pytest.importorskip("torch")
    a_edge = [0.0, 0.0, 2.0, 2.0, -1.0, 3.0, INF, 1.5, NAN, 4.0]
    x_edge = [1.0, 0.0, 0.0, INF, 1.0, -1.0, 2.0, NAN, 1.0, 3.0]
    for name in ("igamma", "igammac"):
        out = getattr(mg, name)(_f64(a_edge), _f64(x_edge)).numpy()
        expected = getattr(torch, name)(torch.tensor(a_edge, dtype=torch.float64),
                                        torch.tensor(x_edge, dtype=torch.float64)).numpy()
        np.testing.assert_allclose(out, expected, rtol=1e-14, equal_nan=True)
        out = getattr(mg, name)(_f64(a), _f64(x)).numpy()
        expected = getattr(torch, name)(torch.tensor(a), torch.tensor(x)).numpy()
        np.testing.assert_allclose(out, expected, rtol=5e-9, atol=1e-300)


def test_incomplete_gamma_methods_dtypes_and_errors() -> None:
    a, x = mg.tensor([1.0, 2.0]), mg.tensor([0.5, 3.0])
    assert mg.igamma(a, x).dtype == mg.float32
    assert mg.igamma(mg.tensor([1, 2]), mg.tensor([1, 2])).dtype == mg.float32
    np.testing.assert_allclose((a.igamma(x) + a.igammac(x)).numpy(), [1.0, 1.0], rtol=1e-6)
    y = x.clone()
    y.igammac_(mg.tensor(2.0))
    np.testing.assert_array_equal(y.numpy(), mg.igammac(x, mg.tensor(2.0)).numpy())
    assert mg.special.gammainc is mg.igamma and mg.special.gammaincc is mg.igammac
    out = mg.igamma(_f64([1.0]).requires_grad_(), _f64([1.0]))
    with pytest.raises(NotImplementedError, match="igamma: the derivative with respect to"):
        out.sum().backward()


def test_zeta_matches_torch_and_mpmath() -> None:
    s = np.array([2.0, 1.0, 0.5, 3.5, 2.0, 3.0, 2.5, 1.5, 60.0, 300.0, 1.0001, 7.0, 4.0, NAN])
    q = np.array([1.0, 2.0, 1.0, 0.3, 0.0, -1.5, -1.5, 1e-3, 2.0, 1.0, 5.0, -2.0, INF, 1.0])
    out = mg.special.zeta(_f64(s), _f64(q)).numpy()
    torch = pytest.importorskip("torch")
    expected = torch.special.zeta(torch.tensor(s), torch.tensor(q)).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-13, equal_nan=True)
    mpmath = _mp()
    rng = np.random.default_rng(6)
    s, q = rng.uniform(1.05, 30, 60), rng.uniform(0.01, 20, 60)
    out = mg.special.zeta(_f64(s), _f64(q)).numpy()
    np.testing.assert_allclose(out, [float(mpmath.zeta(a, b)) for a, b in zip(s, q)], rtol=1e-13)
    assert mg.special.zeta(mg.tensor([2, 3]), 1).dtype == mg.float32
    x = _f64([2.0]).requires_grad_()
    with pytest.raises(NotImplementedError, match="zeta"):
        mg.special.zeta(x, _f64([1.0])).sum().backward()
