"""Trig/hyperbolic functions, the log-domain and sign helpers, nan-ignoring max/min, PyTorch's
division/power variants, and the functional spellings (torch.eq, torch.concat, torch.mv, ...).

Differentiable ops are declared once for the shared harness (tests/harness.py); the tests below
it compare with PyTorch at the domain edges (nan outside asin's domain, +-inf at atanh(+-1),
logit at 0 and 1, xlogy(0, 0), sinc at 0, fmax with nan), integer promotion, the in-place
variants, errors, and the non-differentiable and dtype-query functions.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st

import minigrad as mg
from harness import OpSpec, OpSuite, away_from_zero, distinct, normal, positive

UNARY = [((3, 4),), ((5,),), ((),), ((2, 3, 2),)]
BINARY = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((3, 1), (1, 3))]
NAN, INF = float("nan"), float("inf")


def inside_unit(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """(-0.9, 0.9): inside asin/acos/atanh's domain, away from the singular ends."""
    return rng.uniform(-0.9, 0.9, shape)


def above_one(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """acosh's domain, away from its singular point 1."""
    return rng.uniform(1.2, 3.0, shape)


def probability(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rng.uniform(0.1, 0.9, shape)


def around_eps(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Values on both sides of logit's eps = 0.1 clamp (and of 1 - eps), but not near them."""
    low = rng.uniform(0.01, 0.07, shape)
    high = rng.uniform(0.93, 0.99, shape)
    mid = rng.uniform(0.15, 0.85, shape)
    pick = rng.integers(0, 3, shape)
    return np.where(pick == 0, low, np.where(pick == 1, high, mid))


def _logit(x, eps=None):
    if eps is not None:
        x = np.clip(x, eps, 1 - eps)
    return np.log(x / (1 - x))


def _nan_pick(cmp):
    return lambda a, b: np.where(cmp(a, b) | np.isnan(b), a, b)


OPS = [
    OpSpec("tan", lambda m, x: m.tan(x), np.tan, UNARY, domain=inside_unit),
    OpSpec("asin", lambda m, x: x.asin(), np.arcsin, UNARY, domain=inside_unit),
    OpSpec("acos", lambda m, x: m.acos(x), np.arccos, UNARY, domain=inside_unit),
    OpSpec("atan", lambda m, x: x.atan(), np.arctan, UNARY),
    OpSpec("arcsin", lambda m, x: m.arcsin(x), np.arcsin, UNARY, domain=inside_unit),
    OpSpec("atan2", lambda m, y, x: m.atan2(y, x), np.arctan2, BINARY,
           domain=[normal, away_from_zero]),
    OpSpec("arctan2", lambda m, y, x: y.arctan2(x), np.arctan2, BINARY[:2],
           domain=[away_from_zero, normal]),
    OpSpec("sinh", lambda m, x: x.sinh(), np.sinh, UNARY),
    OpSpec("cosh", lambda m, x: m.cosh(x), np.cosh, UNARY),
    OpSpec("asinh", lambda m, x: m.asinh(x), np.arcsinh, UNARY),
    OpSpec("acosh", lambda m, x: x.acosh(), np.arccosh, UNARY, domain=above_one),
    OpSpec("atanh", lambda m, x: m.atanh(x), np.arctanh, UNARY, domain=inside_unit),
    OpSpec("hypot", lambda m, a, b: m.hypot(a, b), np.hypot, BINARY, domain=away_from_zero),
    OpSpec("sinc", lambda m, x: m.sinc(x), np.sinc, UNARY, domain=away_from_zero),
    OpSpec("deg2rad", lambda m, x: x.deg2rad(), np.deg2rad, UNARY),
    OpSpec("rad2deg", lambda m, x: m.rad2deg(x), np.rad2deg, UNARY),
    OpSpec("logaddexp", lambda m, a, b: m.logaddexp(a, b), np.logaddexp, BINARY),
    OpSpec("logaddexp2", lambda m, a, b: a.logaddexp2(b), np.logaddexp2, BINARY),
    OpSpec("logit", lambda m, x: m.logit(x), _logit, UNARY, domain=probability),
    OpSpec("logit_eps", lambda m, x: x.logit(eps=0.1), lambda x: _logit(x, 0.1), UNARY,
           domain=around_eps),
    OpSpec("xlogy", lambda m, x, y: m.xlogy(x, y), lambda x, y: x * np.log(y), BINARY,
           domain=[normal, positive]),
    OpSpec("clamp_min", lambda m, x: m.clamp_min(x, 0.25), lambda x: np.maximum(x, 0.25),
           UNARY, domain=distinct),
    OpSpec("clamp_max", lambda m, x: x.clamp_max(-0.25), lambda x: np.minimum(x, -0.25),
           UNARY, domain=distinct),
    OpSpec("clamp_min_tensor", lambda m, x, lo: m.clamp_min(x, lo), np.maximum, BINARY,
           torch_fn=lambda t, x, lo: t.clamp(x, min=lo)),
    OpSpec("copysign", lambda m, a, b: m.copysign(a, b), np.copysign, BINARY,
           domain=away_from_zero),
    OpSpec("fmax", lambda m, a, b: m.fmax(a, b), _nan_pick(np.greater_equal), BINARY),
    OpSpec("fmin", lambda m, a, b: a.fmin(b), _nan_pick(np.less_equal), BINARY),
    OpSpec("true_divide", lambda m, a, b: m.true_divide(a, b), np.true_divide, BINARY,
           domain=[normal, away_from_zero]),
    OpSpec("mv", lambda m, a, v: m.mv(a, v), np.matmul, [((3, 4), (4,)), ((1, 2), (2,))],
           hyp_shapes=lambda: st.tuples(st.integers(1, 4), st.integers(1, 4)).map(
               lambda nm: (nm, (nm[1],)))),
]


class TestElementwiseMore(OpSuite):
    OPS = OPS


# --- domain edges, against PyTorch -------------------------------------------------------------
EDGES = {
    "asin": [-2.0, -1.0, 1.0, 1.5, NAN, INF],
    "acos": [-2.0, -1.0, 1.0, 1.5, NAN],
    "atan": [-INF, INF, 0.0, NAN],
    "tan": [0.0, -0.0, INF, NAN],
    "atanh": [-1.0, 1.0, 2.0, -0.0, NAN],
    "acosh": [0.5, 1.0, INF, NAN],
    "asinh": [-INF, INF, -0.0],
    "sinh": [800.0, -800.0, NAN],
    "cosh": [800.0, -800.0],
    "logit": [0.0, 1.0, -0.5, 1.5, 0.5, NAN],
    "sinc": [0.0, -0.0, 1.0, -2.0, INF, NAN],
    "deg2rad": [180.0, -90.0, INF],
    "rad2deg": [np.pi, INF, NAN],
    "signbit": [-0.0, 0.0, -1.0, 2.0, -INF, NAN],
}


@pytest.mark.parametrize("name", sorted(EDGES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_edges_forward_match_torch(name: str, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    values = np.array(EDGES[name], dtype=dtype)
    out = getattr(mg, name)(mg.tensor(values))
    expected = getattr(torch, name)(torch.tensor(values))
    assert str(out.dtype) == str(expected.dtype).replace("torch.", "")
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


BINARY_EDGES = {
    "atan2": ([0.0, -0.0, 1.0, -1.0, INF, NAN], [0.0, -1.0, 0.0, -INF, INF, 1.0]),
    "hypot": ([INF, 3.0, NAN, 0.0, 1e30], [NAN, 4.0, 1.0, 0.0, 1e30]),
    "logaddexp": ([-INF, INF, 1000.0, -1000.0, NAN], [-INF, 1.0, 1000.0, -1000.0, 1.0]),
    "logaddexp2": ([-INF, INF, 1000.0, -1000.0, 0.0], [-INF, 1.0, 1000.0, -1000.0, 0.0]),
    "xlogy": ([0.0, 0.0, 0.0, 1.0, 2.0, -1.0, NAN], [0.0, NAN, INF, 0.0, 0.5, -1.0, 0.0]),
    "copysign": ([1.0, 2.0, -3.0, 0.0, NAN, INF], [-0.0, 0.0, 1.0, -1.0, -1.0, -2.0]),
    "fmax": ([1.0, NAN, NAN, 2.0, -0.0], [NAN, 1.0, NAN, 2.0, 0.0]),
    "fmin": ([1.0, NAN, NAN, 2.0, -INF], [NAN, 1.0, NAN, 2.0, 0.0]),
    "floor_divide": ([-7.0, 7.0, -7.0, 1.0, 0.0, 5.5], [2.0, -2.0, -2.0, 0.0, 0.0, 0.5]),
    "true_divide": ([1.0, -1.0, 0.0], [0.0, 0.0, 0.0]),
}


@pytest.mark.parametrize("name", sorted(BINARY_EDGES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_binary_edges_forward_match_torch(name: str, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    a, b = (np.array(v, dtype=dtype) for v in BINARY_EDGES[name])
    out = getattr(mg, name)(mg.tensor(a), mg.tensor(b))
    expected = getattr(torch, name)(torch.tensor(a), torch.tensor(b))
    assert str(out.dtype) == str(expected.dtype).replace("torch.", "")
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


def _grads_match_torch(name: str, arrays: list, **kwargs) -> None:
    torch = pytest.importorskip("torch")
    xs = [mg.tensor(np.array(a), requires_grad=True) for a in arrays]
    ts = [torch.tensor(np.array(a), requires_grad=True) for a in arrays]
    getattr(mg, name)(*xs, **kwargs).sum().backward()
    getattr(torch, name)(*ts, **kwargs).sum().backward()
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=0)


@pytest.mark.parametrize("name, arrays, kwargs", [
    ("logit", [[0.0, 1.0, 0.5, -1.0, 2.0]], {}),
    ("logit", [[0.0, 0.05, 0.1, 0.5, 0.9, 0.95, 1.0, 2.0]], {"eps": 0.1}),
    ("xlogy", [[0.0, 0.0, 0.0, 1.0, 0.0, 2.0, 0.0], [0.0, 3.0, INF, 0.0, NAN, NAN, -1.0]], {}),
    ("sinc", [[0.0, 1.0, -1.0, 0.5]], {}),
    ("copysign", [[0.0, -0.0, 1.0, -2.0], [-1.0, 1.0, -0.0, 3.0]], {}),
    ("fmax", [[1.0, NAN, 2.0, 3.0, NAN], [NAN, 1.0, 2.0, -1.0, NAN]], {}),
    ("fmin", [[1.0, NAN, 2.0, 3.0], [NAN, 1.0, 2.0, -1.0]], {}),
    ("atanh", [[1.0, -1.0, 0.5]], {}),
    ("asin", [[1.0, -1.0, 2.0]], {}),
    ("hypot", [[0.0, 3.0], [0.0, 4.0]], {}),
    ("atan2", [[0.0, 1.0], [0.0, 0.0]], {}),
])
def test_edge_gradients_match_torch(name: str, arrays: list, kwargs: dict) -> None:
    _grads_match_torch(name, arrays, **kwargs)


def test_sinc_and_logit_eps_double_backward_at_their_special_points() -> None:
    x = mg.tensor([0.0, 0.3, -1.2], dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(mg.sinc, (x,)) and mg.gradgradcheck(mg.sinc, (x,))
    p = mg.tensor([0.02, 0.5, 0.97], dtype=mg.float64, requires_grad=True)
    fn = lambda t: mg.logit(t, eps=0.1)  # noqa: E731
    assert mg.gradcheck(fn, (p,)) and mg.gradgradcheck(fn, (p,))


# --- dtypes: integers promote as in PyTorch, float32 stays float32 ----------------------------
INT_UNARY = ["tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "sinc",
             "deg2rad", "rad2deg", "logit", "signbit"]


@pytest.mark.parametrize("name", INT_UNARY)
def test_integer_inputs_promote_as_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    values = np.array([-2, 0, 1, 3])
    out = getattr(mg, name)(mg.tensor(values))
    expected = getattr(torch, name)(torch.tensor(values))
    assert str(out.dtype) == str(expected.dtype).replace("torch.", "")
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize("name", ["atan2", "xlogy", "copysign", "fmax", "fmin", "floor_divide",
                                  "true_divide", "float_power"])
def test_integer_binary_dtypes_as_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    a, b = np.array([-7, 0, 3, 5]), np.array([2, 3, -2, 1])
    out = getattr(mg, name)(mg.tensor(a), mg.tensor(b))
    expected = getattr(torch, name)(torch.tensor(a), torch.tensor(b))
    assert str(out.dtype) == str(expected.dtype).replace("torch.", "")
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)


def test_int_and_float32_mixes_stay_float32() -> None:
    x = mg.tensor([1.0, 2.0], dtype=mg.float32)
    i = mg.tensor([2, 3])
    for fn in (mg.atan2, mg.hypot, mg.logaddexp, mg.xlogy, mg.copysign, mg.fmax, mg.fmin,
               mg.floor_divide, mg.true_divide):
        assert fn(x, i).dtype == mg.float32, fn.__name__
    assert mg.clamp_min(x, np.float64(0.5)).dtype == mg.float32
    assert mg.clamp_min(i, 1.5).dtype == mg.float32  # int with a float bound, as torch


def test_integer_hypot_and_logaddexp_are_not_implemented_as_in_torch() -> None:
    for fn in (mg.hypot, mg.logaddexp, mg.logaddexp2):
        with pytest.raises(NotImplementedError, match=fn.__name__ + ".*int64"):
            fn(mg.tensor([3]), mg.tensor([4]))


# --- float_power: always float64 -------------------------------------------------------------
def test_float_power_float64_result_and_gradients_against_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    base, exp = rng.uniform(0.5, 2.0, (3, 4)), rng.standard_normal((4,))
    for dtype, tdtype in ((mg.float32, torch.float32), (mg.float64, torch.float64)):
        x = mg.tensor(base, dtype=dtype, requires_grad=True)
        e = mg.tensor(exp, dtype=dtype, requires_grad=True)
        tx = torch.tensor(base, dtype=tdtype, requires_grad=True)
        te = torch.tensor(exp, dtype=tdtype, requires_grad=True)
        out, tout = mg.float_power(x, e), torch.float_power(tx, te)
        assert out.dtype == mg.float64 and tout.dtype == torch.float64
        np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
        out.sum().backward()
        tout.sum().backward()
        assert x.grad.dtype == dtype and e.grad.dtype == dtype
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
        np.testing.assert_allclose(e.grad.numpy(), te.grad.numpy(), rtol=1e-6)
    assert mg.float_power(mg.tensor([2], dtype=mg.int32), 3).dtype == mg.float64
    assert float(mg.float_power(2, mg.tensor([3.0]))[0]) == 8.0


def test_float_power_gradcheck() -> None:
    x = mg.tensor(np.random.default_rng(1).uniform(0.5, 2, (3,)), requires_grad=True)
    e = mg.tensor(np.random.default_rng(2).standard_normal((2, 1)), requires_grad=True)
    assert mg.gradcheck(mg.float_power, (x, e)) and mg.gradgradcheck(mg.float_power, (x, e))
    assert mg.gradgradcheck(lambda t: mg.float_power(t, 2.5), (x,))


# --- floor_divide, heaviside, signbit ----------------------------------------------------------
def test_floor_divide_rounds_toward_minus_infinity_like_torch() -> None:
    torch = pytest.importorskip("torch")
    a, b = np.array([-7, 7, -7, 7, 0, -1]), np.array([2, -2, -2, 2, 3, 5])
    out = mg.floor_divide(mg.tensor(a), mg.tensor(b))
    assert out.dtype == mg.int64
    np.testing.assert_array_equal(out.numpy(), torch.floor_divide(torch.tensor(a),
                                                                  torch.tensor(b)).numpy())
    np.testing.assert_array_equal(mg.tensor(a).floor_divide(2).numpy(), a // 2)
    with pytest.raises(RuntimeError, match="floor_divide: integer division by zero"):
        mg.floor_divide(mg.tensor([1, 2]), mg.tensor([1, 0]))


def test_floor_divide_gradient_is_zero() -> None:
    x = mg.tensor([1.5, -2.5], requires_grad=True)
    mg.floor_divide(x, 0.7).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


def test_heaviside_matches_torch_and_refuses_mixed_dtypes() -> None:
    torch = pytest.importorskip("torch")
    x, v = np.array([-1.5, 0.0, -0.0, 2.0, NAN]), np.array([0.5])
    out = mg.heaviside(mg.tensor(x), mg.tensor(v))
    np.testing.assert_array_equal(out.numpy(),
                                  torch.heaviside(torch.tensor(x), torch.tensor(v)).numpy())
    ints = mg.heaviside(mg.tensor([-2, 0, 3]), mg.tensor([7]))
    assert ints.dtype == mg.int64 and ints.tolist() == [0, 7, 1]
    with pytest.raises(RuntimeError, match="heaviside.*different dtypes"):
        mg.heaviside(mg.tensor([1, 0]), mg.tensor([0.5]))


def test_signbit_on_integers_and_bools() -> None:
    assert mg.signbit(mg.tensor([-3, 0, 2])).tolist() == [True, False, False]
    assert mg.signbit(mg.tensor([True, False])).tolist() == [False, False]


# --- in-place variants ---------------------------------------------------------------------------
@pytest.mark.parametrize("name, args", [("tan_", ()), ("asin_", ()), ("atanh_", ()),
                                        ("sinc_", ()), ("logit_", (0.2,)), ("clamp_min_", (0.1,)),
                                        ("clamp_max_", (0.1,)), ("deg2rad_", ()),
                                        ("hypot_", ("t",)), ("xlogy_", ("t",)),
                                        ("copysign_", ("t",)), ("atan2_", ("t",)),
                                        ("floor_divide_", ("t",)), ("true_divide_", ("t",))])
def test_inplace_variants_match_torch(name: str, args: tuple) -> None:
    torch = pytest.importorskip("torch")
    values = np.array([0.1, -0.4, 0.7, 0.05], dtype=np.float32)
    other = np.array([0.3, 0.2, -0.6, 0.9], dtype=np.float32)
    x, t = mg.tensor(values), torch.tensor(values)
    margs = [mg.tensor(other) if a == "t" else a for a in args]
    targs = [torch.tensor(other) if a == "t" else a for a in args]
    memory = x.array
    assert getattr(x, name)(*margs) is x
    getattr(t, name)(*targs)
    assert x.array is memory and x.dtype == mg.float32
    np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-6)


def test_inplace_refuses_what_torch_refuses() -> None:
    with pytest.raises(RuntimeError, match="tan_: result type float32 can't be cast"):
        mg.tensor([1, 2]).tan_()
    leaf = mg.tensor([0.5], requires_grad=True)
    with pytest.raises(RuntimeError, match="asin_: a leaf tensor that requires grad"):
        leaf.asin_()
    with pytest.raises(RuntimeError, match="hypot_: the result's shape"):
        mg.tensor([1.0]).hypot_(mg.tensor([1.0, 2.0]))


# --- errors name the op ------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [mg.tan, mg.asin, mg.sinc, mg.logit, mg.signbit, mg.deg2rad])
def test_non_tensor_input_is_a_type_error_naming_the_op(fn) -> None:
    with pytest.raises(TypeError, match=fn.__name__ + ": expected a Tensor"):
        fn([0.5])


def test_binary_shape_mismatch_names_the_op() -> None:
    for fn in (mg.atan2, mg.hypot, mg.logaddexp, mg.xlogy, mg.copysign, mg.fmax):
        with pytest.raises((ValueError, RuntimeError), match=fn.__name__):
            fn(mg.ones(2, 3), mg.ones(4))


def test_logit_eps_must_be_a_number() -> None:
    with pytest.raises(TypeError, match="logit: eps"):
        mg.logit(mg.tensor([0.5]), eps="small")


# --- functional spellings ---------------------------------------------------------------------
@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparison_functions_match_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    a, b = np.array([[1.0, 2.0, NAN], [0.0, -1.0, 3.0]]), np.array([2.0, 2.0, NAN])
    out = getattr(mg, name)(mg.tensor(a), mg.tensor(b))
    assert out.dtype == mg.bool
    np.testing.assert_array_equal(out.numpy(),
                                  getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy())
    np.testing.assert_array_equal(getattr(mg, name)(mg.tensor(a), 1.0).numpy(),
                                  getattr(torch, name)(torch.tensor(a), 1.0).numpy())


@pytest.mark.parametrize("name", ["all", "any"])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), (1, True), (-1, False),
                                          (-2, True), ((0, 2), False), ((0, 2), True)])
def test_all_any_dim_keepdim_match_torch(name: str, dim, keepdim: bool) -> None:
    torch = pytest.importorskip("torch")
    values = np.random.default_rng(3).integers(0, 3, (2, 3, 4)) > 0
    x, t = mg.tensor(values), torch.tensor(values)
    out = getattr(mg, name)(x, dim, keepdim) if dim is not None else getattr(mg, name)(x)
    expected = getattr(torch, name)(t, dim, keepdim) if dim is not None else getattr(torch, name)(t)
    assert out.dtype == mg.bool and tuple(out.shape) == tuple(expected.shape)
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    if dim is not None:
        method = getattr(x, name)(dim=dim, keepdim=keepdim)
        np.testing.assert_array_equal(method.numpy(), expected.numpy())


def test_all_any_bad_dim_names_the_op() -> None:
    with pytest.raises(IndexError, match="all: dim 2 is out of range for a tensor of shape"):
        mg.all(mg.ones(2, 3), 2)
    with pytest.raises(IndexError, match="any: dim -3"):
        mg.tensor([[True]]).any(-3)


def test_clone_detach_and_cat_aliases() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    c = mg.clone(x)
    assert c.requires_grad and c.array is not x.array
    (c * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
    d = mg.detach(x)
    assert not d.requires_grad and d.tolist() == [1.0, 2.0]
    a, b = mg.ones(2, 1), mg.zeros(2, 2)
    assert mg.concat([a, b], dim=1).tolist() == [[1, 0, 0], [1, 0, 0]]
    assert mg.concatenate([a, b], axis=1).tolist() == [[1, 0, 0], [1, 0, 0]]
    assert mg.concat([a, a]).shape == (4, 1)


def test_mv_and_ger_match_torch_and_refuse_bad_shapes() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    m, v = rng.standard_normal((3, 4)), rng.standard_normal(4)
    np.testing.assert_allclose(mg.tensor(m).mv(mg.tensor(v)).numpy(),
                               torch.mv(torch.tensor(m), torch.tensor(v)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(mg.ger(mg.tensor(v), mg.tensor(v[:2])).numpy(),
                               torch.ger(torch.tensor(v), torch.tensor(v[:2])).numpy())
    np.testing.assert_allclose(mg.tensor(v).ger(mg.tensor(v)).numpy(), np.outer(v, v))
    with pytest.raises(RuntimeError, match=r"mv: shapes \(3, 4\) and \(3,\)"):
        mg.mv(mg.tensor(m), mg.tensor(v[:3]))
    with pytest.raises(RuntimeError, match="mv: expected vec to be 1-D"):
        mg.mv(mg.tensor(m), mg.tensor(m))
    with pytest.raises(RuntimeError, match="mv: expected both operands to have the same dtype"):
        mg.mv(mg.tensor(m), mg.tensor(v, dtype=mg.float32))


DTYPES = ["bool", "uint8", "int32", "int64", "float16", "float32", "float64"]  # minigrad's


def test_promote_types_and_can_cast_match_torch_for_every_pair() -> None:
    torch = pytest.importorskip("torch")
    for a in DTYPES:
        for b in DTYPES:
            ta, tb = getattr(torch, a), getattr(torch, b)
            expected = str(torch.promote_types(ta, tb)).replace("torch.", "")
            assert str(mg.promote_types(getattr(mg, a), getattr(mg, b))) == expected, (a, b)
            assert mg.can_cast(getattr(mg, a), getattr(mg, b)) == torch.can_cast(ta, tb), (a, b)


@pytest.mark.parametrize("x, y", [
    (("int32", (3,)), 2.0), (("float32", (3,)), ("float64", ())), (("int64", ()), ("int32", (3,))),
    (("bool", (2,)), 3), (("float16", (2,)), ("int64", (2,))), (2, 3.0), (True, 2), (1, 2),
    (("uint8", (2,)), ("int32", ())),
])
def test_result_type_matches_torch(x, y) -> None:
    torch = pytest.importorskip("torch")

    def make(spec, lib):
        if not isinstance(spec, tuple):
            return spec
        return lib.zeros(spec[1], dtype=getattr(lib, spec[0]))

    if not isinstance(x, tuple) and not isinstance(y, tuple):
        expected = torch.promote_types(torch.tensor(x).dtype, torch.tensor(y).dtype)
    else:
        expected = torch.result_type(make(x, torch), make(y, torch))
    assert str(mg.result_type(make(x, mg), make(y, mg))) == str(expected).replace("torch.", "")


def test_is_floating_point() -> None:
    assert mg.is_floating_point(mg.tensor([1.0])) and not mg.is_floating_point(mg.tensor([1]))
    with pytest.raises(TypeError, match="is_floating_point: expected a Tensor"):
        mg.is_floating_point(1.0)
