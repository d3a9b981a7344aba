"""Activation ops (minigrad/ops/activation.py): the harness's checks for each op, erf/erfc
accuracy against math.erf/erfc, PyTorch's gradients exactly at the kinks, stability at large
|x|, float32 against PyTorch's float32, integer inputs and errors."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from harness import OpSpec, OpSuite, away_from_zero, normal

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_erf = np.vectorize(math.erf, otypes=[float])
_erfc = np.vectorize(math.erfc, otypes=[float])


def avoiding(*kinks: float, low: float = -5.0, high: float = 5.0):
    """Values spread over [low, high] but at least 0.05 from every kink (or jump), so central
    differences never straddle one; both sides of each kink are still visited."""
    def draw(rng: np.random.Generator, shape: tuple) -> np.ndarray:
        v = rng.uniform(low, high, shape)
        for k in kinks:
            near = np.abs(v - k) < 0.05
            v = np.where(near, k + np.where(v >= k, 0.05, -0.05) + (v - k), v)
        return v
    return draw


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.log1p(np.exp(x * beta)) / beta)


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


UNARY = [((2, 3),), ((4,),), ((),), ((2, 3, 4),)]


def fn(name, *args, **kwargs):
    """``F.<name>`` in minigrad and in torch, with the same arguments."""
    return lambda lib, x: getattr(lib.nn.functional, name)(x, *args, **kwargs)


OPS = [
    OpSpec("erf", lambda m, x: m.erf(x), _erf, UNARY, domain=avoiding(low=-3, high=3)),
    OpSpec("erf_method", lambda m, x: x.erf(), _erf, UNARY[:2]),
    OpSpec("erfc", lambda m, x: m.erfc(x), _erfc, UNARY, domain=avoiding(low=-3, high=5)),
    OpSpec("gelu", fn("gelu"), lambda x: 0.5 * x * _erfc(-x / math.sqrt(2)), UNARY,
           domain=avoiding(low=-6, high=6)),
    OpSpec("gelu_tanh", fn("gelu", approximate="tanh"), _gelu_tanh, UNARY,
           domain=avoiding(low=-6, high=6)),
    OpSpec("silu", fn("silu"), lambda x: x / (1 + np.exp(-x)), UNARY, domain=avoiding()),
    OpSpec("mish", fn("mish"), lambda x: x * np.tanh(np.log1p(np.exp(x))), UNARY,
           domain=avoiding()),
    OpSpec("softplus", fn("softplus"), _softplus, UNARY, domain=avoiding()),
    # beta = 2, threshold = 3: the switch to the linear function (a jump) sits at x = 1.5
    OpSpec("softplus_beta_threshold", fn("softplus", beta=2.0, threshold=3.0),
           lambda x: _softplus(x, 2.0, 3.0), UNARY, domain=avoiding(1.5)),
    OpSpec("elu", fn("elu"), lambda x: np.where(x > 0, x, np.expm1(x)), UNARY,
           domain=avoiding(0.0)),
    OpSpec("elu_alpha", fn("elu", alpha=0.7), lambda x: np.where(x > 0, x, 0.7 * np.expm1(x)),
           UNARY, domain=avoiding(0.0)),
    OpSpec("selu", fn("selu"),
           lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)), UNARY,
           domain=avoiding(0.0)),
    OpSpec("selu_top_level", lambda m, x: m.selu(x),
           lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)), UNARY[:2],
           domain=avoiding(0.0)),
    OpSpec("hardtanh", fn("hardtanh"), lambda x: np.clip(x, -1, 1), UNARY,
           domain=avoiding(-1.0, 1.0, low=-2, high=2)),
    OpSpec("hardtanh_bounds", fn("hardtanh", -0.5, 2.0), lambda x: np.clip(x, -0.5, 2),
           UNARY, domain=avoiding(-0.5, 2.0, low=-2, high=3)),
    OpSpec("relu6", fn("relu6"), lambda x: np.clip(x, 0, 6), UNARY,
           domain=avoiding(0.0, 6.0, low=-2, high=8)),
    OpSpec("hardsigmoid", fn("hardsigmoid"), lambda x: np.clip(x / 6 + 0.5, 0, 1), UNARY,
           domain=avoiding(-3.0, 3.0), torch=False),  # see test_hardsigmoid_gradient
    OpSpec("hardswish", fn("hardswish"), lambda x: x * np.clip(x + 3, 0, 6) / 6, UNARY,
           domain=avoiding(-3.0, 3.0)),
    OpSpec("logsigmoid", fn("logsigmoid"), lambda x: -np.logaddexp(0, -x), UNARY,
           domain=avoiding(low=-30, high=30)),
    OpSpec("softsign", fn("softsign"), lambda x: x / (1 + np.abs(x)), UNARY,
           domain=away_from_zero),
    OpSpec("threshold", fn("threshold", 0.5, -2.0), lambda x: np.where(x <= 0.5, -2.0, x),
           UNARY, domain=avoiding(0.5, low=-2, high=2)),
    OpSpec("threshold_top_level", lambda m, x: m.threshold(x, -0.3, 4.0),
           lambda x: np.where(x <= -0.3, 4.0, x), UNARY[:2], domain=avoiding(-0.3, low=-2, high=2)),
    OpSpec("softmin_dim1", fn("softmin", dim=1), lambda x: _softmax(-x, 1),
           [((3, 4),), ((2, 3, 4),)], min_dims=2),
    OpSpec("softmin_last", fn("softmin", dim=-1), lambda x: _softmax(-x, -1),
           [((5,),), ((2, 3),)], min_dims=1),
    # PReLU: one shared slope, or one per channel on dim 1 (weight gets its gradient too)
    OpSpec("prelu_channels", lambda m, x, w: m.nn.functional.prelu(x, w),
           lambda x, w: np.where(x > 0, x, w.reshape((1, -1) + (1,) * (x.ndim - 2)) * x),
           [((2, 3, 4), (3,)), ((5, 3), (3,))], domain=[away_from_zero, normal],
           hyp_shapes=lambda: st.tuples(st.integers(1, 3), st.integers(1, 4),
                                        st.integers(1, 3)).map(lambda s: (s, (s[1],)))),
    OpSpec("prelu_shared", lambda m, x, w: m.prelu(x, w),
           lambda x, w: np.where(x > 0, x, w.reshape(()) * x),
           [((2, 3), (1,)), ((4,), (1,)), ((), (1,))], domain=[away_from_zero, normal],
           hyp_shapes=lambda: st.lists(st.integers(1, 4), max_size=3).map(
               lambda s: (tuple(s), (1,)))),
]


class TestActivationOps(OpSuite):
    OPS = OPS


# --- erf and erfc ------------------------------------------------------------------------------
def test_erf_matches_math_erf_on_a_dense_grid():
    x = np.linspace(-10.0, 10.0, 400_001)
    got = mg.erf(mg.tensor(x, dtype=mg.float64)).numpy()
    ref = _erf(x)
    nonzero = ref != 0
    assert np.array_equal(got[~nonzero], ref[~nonzero])
    assert np.max(np.abs(got - ref)[nonzero] / np.abs(ref[nonzero])) <= 1e-15


def test_erfc_matches_math_erfc_into_the_far_tail():
    """Relative accuracy of erfc holds down to 1e-300 (x = 26), where 1 - erf is long gone."""
    x = np.linspace(-10.0, 26.0, 200_001)
    got = mg.erfc(mg.tensor(x, dtype=mg.float64)).numpy()
    ref = _erfc(x)
    assert np.max(np.abs(got - ref) / ref) <= 1e-15


def test_erf_and_erfc_special_values():
    x = mg.tensor([np.inf, -np.inf, np.nan, 0.0, -0.0, 1e-300, 5e-324, 30.0, -30.0],
                  dtype=mg.float64)
    e, c = mg.erf(x).numpy(), mg.erfc(x).numpy()
    np.testing.assert_array_equal(e[[0, 1, 7, 8]], [1.0, -1.0, 1.0, -1.0])
    np.testing.assert_array_equal(c[[0, 1, 7, 8]], [0.0, 2.0, 0.0, 2.0])
    assert np.isnan(e[2]) and np.isnan(c[2])
    assert e[3] == 0 and not np.signbit(e[3]) and e[4] == 0 and np.signbit(e[4])  # odd function
    assert e[5] == math.erf(1e-300) and e[6] == math.erf(5e-324)  # tiny and subnormal inputs
    assert c[3] == 1.0 and c[4] == 1.0


@pytest.mark.parametrize("op", ["erf", "erfc"])
def test_float32_erf_matches_torch_to_one_ulp(op):
    torch = pytest.importorskip("torch")
    x = np.linspace(-10.0, 10.0, 40_001, dtype=np.float32)
    got = getattr(mg, op)(mg.tensor(x)).numpy()
    want = getattr(torch, op)(torch.from_numpy(x)).numpy()
    assert got.dtype == np.float32
    ulp = np.spacing(np.abs(want)).astype(np.float64)
    assert np.all(np.abs(got.astype(np.float64) - want) <= ulp)


def test_erf_of_integers_computes_in_the_default_float_dtype():
    out = mg.erf(mg.tensor([0, 1, -2]))
    assert out.dtype == mg.float32
    np.testing.assert_allclose(out.numpy(), [0.0, math.erf(1), math.erf(-2)], rtol=1e-7)


# --- gradients exactly at the kinks, against PyTorch ---------------------------------------------
KINKS = [  # (name, args, inputs that sit on kinks)
    ("hardtanh", (), [-1.0, 1.0, 0.0, -2.0, 2.0]),
    ("hardtanh", (-0.5, 2.0), [-0.5, 2.0, 0.0]),
    ("relu6", (), [0.0, 6.0, 3.0, -1.0, 7.0]),
    ("hardswish", (), [-3.0, 3.0, 0.0, -4.0, 4.0]),
    ("elu", (), [0.0, -1.0, 1.0]),
    ("elu", (2.0,), [0.0]),
    ("selu", (), [0.0]),
    ("threshold", (1.0, -3.0), [1.0, 0.5, 2.0]),
    ("softplus", (2.0, 20.0), [10.0, 10.0000001, 9.9999999]),  # beta * x == threshold
    ("softsign", (), [0.0]),
    ("silu", (), [0.0]),
    ("mish", (), [0.0]),
    ("gelu", (), [0.0]),
    ("logsigmoid", (), [0.0]),
]


@pytest.mark.parametrize("name,args,values", KINKS, ids=[f"{k[0]}{k[1]}" for k in KINKS])
def test_gradient_at_the_kinks_matches_torch(name, args, values):
    torch = pytest.importorskip("torch")
    x = mg.tensor(values, dtype=mg.float64, requires_grad=True)
    t = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    y = getattr(F, name)(x, *args)
    ty = getattr(torch.nn.functional, name)(t, *args)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-15, atol=0)
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-15, atol=0)


def test_prelu_gradient_at_zero_matches_torch():
    torch = pytest.importorskip("torch")
    xs, ws = [0.0, -1.0, 2.0], [0.3]
    x = mg.tensor(xs, dtype=mg.float64, requires_grad=True)
    w = mg.tensor(ws, dtype=mg.float64, requires_grad=True)
    tx = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    tw = torch.tensor(ws, dtype=torch.float64, requires_grad=True)
    F.prelu(x, w).sum().backward()
    torch.nn.functional.prelu(tx, tw).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())  # 0.3 at x = 0
    np.testing.assert_array_equal(w.grad.numpy(), tw.grad.numpy())


def test_hardsigmoid_gradient():
    """1/6 strictly inside (-3, 3) and 0 at and beyond +-3, as in PyTorch. PyTorch's CPU kernel
    multiplies by the float32 constant 1.0f/6 even in float64 (0.16666667163...), so against it
    the float64 gradient can only agree to that constant's float32 rounding (6e-8 relative)."""
    values = [-4.0, -3.0, -1.5, 0.0, 2.0, 3.0, 5.0]
    x = mg.tensor(values, dtype=mg.float64, requires_grad=True)
    F.hardsigmoid(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0, 1 / 6, 1 / 6, 1 / 6, 0, 0])
    torch = pytest.importorskip("torch")
    t = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.hardsigmoid(t).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(),
                               rtol=abs(float(np.float32(1 / 6)) - 1 / 6) * 6, atol=0)
    assert not np.array_equal(x.grad.numpy(), t.grad.numpy())  # the quirk is still there
    # float32 agrees exactly (to the ulp of the float32 product)
    x32 = mg.tensor(values, requires_grad=True)
    t32 = torch.tensor(values, requires_grad=True)
    F.hardsigmoid(x32).sum().backward()
    torch.nn.functional.hardsigmoid(t32).sum().backward()
    np.testing.assert_allclose(x32.grad.numpy(), t32.grad.numpy(), rtol=2 ** -23, atol=0)


# --- large |x|, infinities, float32 ---------------------------------------------------------------
STABLE = ["gelu", "silu", "mish", "softplus", "logsigmoid", "elu", "selu", "hardswish",
          "hardsigmoid"]


def _gelu_and_grad_float64(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact GELU and its derivative Phi(x) + x phi(x) from math.erfc: PyTorch's float64 GELU
    forms 1 + erf(x / sqrt 2), which cancels to nothing for x << 0 (gelu(-30) comes out 0)."""
    cdf = 0.5 * _erfc(-x / math.sqrt(2))
    return x * cdf, cdf + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", STABLE)
def test_large_inputs_are_finite_and_accurate(name, dtype):
    """No overflow warning, no inf/nan, and values and gradients close to float64 references
    at the same inputs (PyTorch's; math.erfc for GELU). Results below 1e-30 count as equal
    (where a value underflows, formulas differ in when they reach 0). Tolerance: 4 ulp, except
    16 for exact GELU in float64: erfc(-x/sqrt 2) amplifies the half-ulp rounding of x/sqrt 2
    by about x^2 (~12 ulp at x = -5); float32 GELU is computed in float64, so it escapes."""
    torch = pytest.importorskip("torch")
    values = np.array([-1e4, -1000.0, -100.0, -30.0, -5.0, 5.0, 30.0, 100.0, 1000.0, 1e4],
                      dtype=dtype)
    x = mg.tensor(values, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow/invalid RuntimeWarning from NumPy
        y = getattr(F, name)(x)
        y.sum().backward()
    if name == "gelu":
        want, want_grad = _gelu_and_grad_float64(values.astype(np.float64))
    else:
        t = torch.tensor(values.astype(np.float64), requires_grad=True)
        ty = getattr(torch.nn.functional, name)(t)
        ty.sum().backward()
        want, want_grad = ty.detach().numpy(), t.grad.numpy()
    assert y.dtype == x.dtype and x.grad.dtype == x.dtype
    assert np.isfinite(y.detach().numpy()).all() and np.isfinite(x.grad.numpy()).all()
    rtol = (16 if name == "gelu" and dtype == "float64" else 4) * float(np.finfo(dtype).eps)
    np.testing.assert_allclose(y.detach().numpy(), want, rtol=rtol, atol=1e-30)
    np.testing.assert_allclose(x.grad.numpy(), want_grad, rtol=rtol, atol=1e-30)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softsign_gradient_is_exact_for_large_inputs(dtype):
    """1 / (1 + |x|)^2 directly: the quotient rule's two terms (PyTorch's composite form)
    cancel, leaving its float64 gradient at x = 1e4 wrong in the 14th digit."""
    values = np.array([-1e4, -1000.0, -30.0, 30.0, 1000.0, 1e4], dtype=dtype)
    x = mg.tensor(values, requires_grad=True)
    y = F.softsign(x)
    y.sum().backward()
    v = values.astype(np.float64)
    eps = float(np.finfo(dtype).eps)
    np.testing.assert_allclose(y.detach().numpy(), v / (1 + np.abs(v)), rtol=2 * eps)
    np.testing.assert_allclose(x.grad.numpy(), 1 / (1 + np.abs(v)) ** 2, rtol=4 * eps)


def test_logsigmoid_and_softplus_keep_digits_far_out():
    x = mg.tensor([-800.0, -40.0, 40.0, 800.0], dtype=mg.float64)
    np.testing.assert_array_equal(F.logsigmoid(x).numpy()[:2], [-800.0, -40.0 - math.exp(-40)])
    np.testing.assert_allclose(F.logsigmoid(x).numpy()[2:], [-math.exp(-40), 0.0], rtol=1e-15)
    sp = F.softplus(x, threshold=1e9).numpy()  # no switch: logaddexp itself must not overflow
    np.testing.assert_allclose(sp, [0.0, math.exp(-40), 40.0, 800.0], rtol=1e-15, atol=0)


def test_infinities_follow_torch():
    torch = pytest.importorskip("torch")
    values = [-np.inf, np.inf]
    for name in ["gelu", "silu", "softplus", "logsigmoid", "elu", "hardtanh", "relu6",
                 "hardswish", "hardsigmoid", "softsign"]:
        got = getattr(F, name)(mg.tensor(values, dtype=mg.float64)).numpy()
        want = getattr(torch.nn.functional, name)(torch.tensor(values, dtype=torch.float64))
        np.testing.assert_array_equal(got, want.numpy(), err_msg=name)


FLOAT32_OPS = [("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("mish", {}),
               ("softplus", {}), ("softplus", {"beta": 2.0, "threshold": 3.0}), ("elu", {}),
               ("selu", {}), ("hardswish", {}), ("logsigmoid", {}), ("softsign", {}),
               ("hardtanh", {}), ("relu6", {}), ("threshold", {"threshold": 0.5, "value": -2.0})]


@pytest.mark.parametrize("name,kwargs", FLOAT32_OPS,
                         ids=[f"{n}{k or ''}" for n, k in FLOAT32_OPS])
def test_float32_is_accurate_to_float32_rounding(name, kwargs):
    """float32 in, float32 out (no float64 leaking in from constants), and within 4 float32 ulp
    of PyTorch's float64 at the same inputs, relative to |value| + 1: the +1 admits rounding
    of O(1) terms that cancel where the value crosses zero. (PyTorch's own float32 meets the
    same bound except for the tanh-GELU gradient, about 9 ulp from 1 + tanh cancelling.)"""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).uniform(-8, 8, 2000).astype(np.float32)
    a = mg.tensor(x, requires_grad=True)
    t = torch.tensor(x.astype(np.float64), requires_grad=True)
    y = getattr(F, name)(a, **kwargs)
    ty = getattr(torch.nn.functional, name)(t, **kwargs)
    y.sum().backward()
    ty.sum().backward()
    assert y.dtype == mg.float32 and a.grad.dtype == mg.float32
    tol = 4 * float(np.finfo(np.float32).eps)
    for got, want in ((y.detach().numpy(), ty.detach().numpy()), (a.grad.numpy(), t.grad.numpy())):
        err = np.abs(got.astype(np.float64) - want) / (np.abs(want) + 1)
        assert err.max() <= tol, f"{name}: {err.max() / tol * 4:.1f} ulp at x={x[err.argmax()]}"


# --- integer inputs, empty tensors, errors --------------------------------------------------------
def test_piecewise_ops_keep_integer_dtypes_like_torch():
    torch = pytest.importorskip("torch")
    values = [-3, -1, 0, 2, 7]
    for name, args in [("hardtanh", ()), ("hardtanh", (-2, 3)), ("relu6", ()),
                       ("threshold", (1, 5)), ("softsign", ())]:
        got = getattr(F, name)(mg.tensor(values), *args)
        want = getattr(torch.nn.functional, name)(torch.tensor(values), *args)
        assert str(got.dtype) == str(want.dtype).replace("torch.", "")
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-7)


@pytest.mark.parametrize("name", ["gelu", "silu", "mish", "softplus", "elu", "selu",
                                  "hardsigmoid", "hardswish", "logsigmoid"])
def test_smooth_ops_refuse_integer_tensors(name):
    with pytest.raises(RuntimeError, match=f"{name}: not implemented for int64 tensors"):
        getattr(F, name)(mg.tensor([1, 2]))


@pytest.mark.parametrize("name,args", [("gelu", ()), ("silu", ()), ("softplus", (2.0, 1.0)),
                                       ("hardtanh", ()), ("hardswish", ()), ("threshold", (0, 1)),
                                       ("softsign", ()), ("logsigmoid", ()), ("elu", ())])
def test_empty_tensors_pass_through(name, args):
    x = mg.zeros(0, 3, requires_grad=True)
    y = getattr(F, name)(x, *args)
    y.sum().backward()
    assert tuple(y.shape) == (0, 3) and tuple(x.grad.shape) == (0, 3)


def test_argument_errors_name_the_op():
    x = mg.randn(2, 3)
    with pytest.raises(RuntimeError, match="gelu: approximate argument must be either none or "
                                           "tanh, got 'fast'"):
        F.gelu(x, approximate="fast")
    with pytest.raises(ValueError, match="hardtanh: min_val cannot be greater than max_val"):
        F.hardtanh(x, 2.0, 1.0)
    with pytest.raises(TypeError, match="silu: expected a Tensor input, got list"):
        F.silu([1.0, 2.0])
    with pytest.raises(TypeError, match="threshold: value must be a number, got str"):
        F.threshold(x, 0.5, "zero")
    with pytest.raises(TypeError, match="erf: expected a Tensor input, got float"):
        mg.erf(0.5)


def test_prelu_errors_name_shapes():
    x = mg.randn(2, 3, 4)
    with pytest.raises(RuntimeError, match=r"prelu: mismatch .* weight has 4 parameters but the "
                                           r"input of shape \(2, 3, 4\) has 3 channels"):
        F.prelu(x, mg.ones(4))
    with pytest.raises(RuntimeError, match=r"prelu: a 0-d input cannot take 3"):
        F.prelu(mg.tensor(1.0), mg.ones(3))
    with pytest.raises(RuntimeError, match="prelu: expected weight to have the input's dtype "
                                           "float32, got float64"):
        F.prelu(x, mg.ones(3, dtype=mg.float64))
    with pytest.raises(TypeError, match="prelu: expected weight to be a Tensor"):
        F.prelu(x, 0.25)


def test_softmin_without_dim_warns_and_uses_the_legacy_choice():
    x = mg.randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin") as record:
        out = F.softmin(x)
    assert record[0].filename == __file__  # the warning points at the caller
    np.testing.assert_allclose(out.numpy(), _softmax(-x.numpy(), 1), rtol=1e-6)
    assert F.softmin(x, dim=0, dtype=mg.float64).dtype == mg.float64
    with pytest.raises(RuntimeError, match="softmin: not implemented for int64"):
        F.softmin(mg.tensor([1, 2]), dim=0)


def test_top_level_names_and_methods():
    x = mg.tensor([-1.0, 0.5], dtype=mg.float64)
    w = mg.tensor([0.1], dtype=mg.float64)
    np.testing.assert_array_equal(x.erf().numpy(), mg.erf(x).numpy())
    np.testing.assert_array_equal(x.erfc().numpy(), mg.erfc(x).numpy())
    np.testing.assert_array_equal(x.prelu(w).numpy(), [-0.1, 0.5])
    np.testing.assert_array_equal(mg.selu(x).numpy(), F.selu(x).numpy())
    np.testing.assert_array_equal(mg.threshold(x, 0.0, 7.0).numpy(), [7.0, 0.5])


def test_inplace_flags_are_accepted_and_leave_the_input_alone():
    x = mg.tensor([-2.0, 0.5, 7.0])
    for name, args in [("silu", ()), ("mish", ()), ("elu", (1.0,)), ("selu", ()),
                       ("hardtanh", (-1.0, 1.0)), ("relu6", ()), ("hardsigmoid", ()),
                       ("hardswish", ()), ("threshold", (0.0, 1.0))]:
        out = getattr(F, name)(x, *args, inplace=True)
        assert out is not x and x.tolist() == [-2.0, 0.5, 7.0], name
