"""The everyday elementwise ops beyond the basics: trig, reciprocals, log/exp in other bases,
rounding, fmod/remainder, lerp, nan_to_num and the inf predicates.

Differentiable ops are declared once for the shared harness (tests/harness.py); the tests
below it cover what the harness does not: integer and bool dtypes (against PyTorch), signs of
remainders, round-half-to-even, non-finite values, errors and empty tensors.
"""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from harness import OpSpec, OpSuite, away_from_zero, positive

UNARY = [((3, 4),), ((5,),), ((),), ((2, 3, 2),)]
BINARY = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((3, 1), (1, 3))]
TERNARY = [((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), (3, 1)), ((2, 1, 4), (3, 1), ()),
           ((), (2, 3), (2, 1))]


# --- value domains that keep the piecewise ops away from their jumps ---------------------------
def off_integers(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """k + u with u in [0.1, 0.4] or [0.6, 0.9]: no integer and no half-integer nearby, so
    floor/ceil/trunc/round/frac are smooth (constant or linear) around every value."""
    u = rng.uniform(0.1, 0.4, shape) + rng.choice([0.0, 0.5], shape)
    return rng.integers(-4, 4, shape) + u


def off_tenths(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Like off_integers at a tenth of the scale, for round(decimals=1)."""
    return off_integers(rng, shape) / 10


def wide(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Dividends a few divisors wide, so fmod/remainder wrap around more than once."""
    return rng.uniform(-6.0, 6.0, shape)


def _lerp(a, b, w):
    return a + w * (b - a)


EXTRA = [
    OpSpec("sin", lambda m, x: x.sin(), np.sin, UNARY),
    OpSpec("cos", lambda m, x: m.cos(x), np.cos, UNARY),
    OpSpec("square", lambda m, x: m.square(x), np.square, UNARY),
    OpSpec("rsqrt", lambda m, x: x.rsqrt(), lambda x: 1 / np.sqrt(x), UNARY, domain=positive),
    OpSpec("reciprocal", lambda m, x: x.reciprocal(), np.reciprocal, UNARY,
           domain=away_from_zero),
    OpSpec("log1p", lambda m, x: m.log1p(x), np.log1p, UNARY, domain=positive),
    OpSpec("expm1", lambda m, x: x.expm1(), np.expm1, UNARY),
    OpSpec("log2", lambda m, x: m.log2(x), np.log2, UNARY, domain=positive),
    OpSpec("log10", lambda m, x: x.log10(), np.log10, UNARY, domain=positive),
    OpSpec("exp2", lambda m, x: m.exp2(x), np.exp2, UNARY),
    OpSpec("floor", lambda m, x: x.floor(), np.floor, UNARY, domain=off_integers),
    OpSpec("ceil", lambda m, x: m.ceil(x), np.ceil, UNARY, domain=off_integers),
    OpSpec("trunc", lambda m, x: m.trunc(x), np.trunc, UNARY, domain=off_integers),
    OpSpec("fix", lambda m, x: x.fix(), np.trunc, UNARY, domain=off_integers),
    OpSpec("round", lambda m, x: m.round(x), np.round, UNARY, domain=off_integers),
    OpSpec("round_decimals", lambda m, x: x.round(decimals=1), lambda x: np.round(x, 1), UNARY,
           domain=off_tenths),
    OpSpec("frac", lambda m, x: x.frac(), lambda x: x - np.trunc(x), UNARY, domain=off_integers),
    OpSpec("fmod", lambda m, a, b: m.fmod(a, b), np.fmod, BINARY, domain=(wide, away_from_zero)),
    OpSpec("remainder", lambda m, a, b: m.remainder(a, b), np.remainder, BINARY,
           domain=(wide, away_from_zero)),
    OpSpec("mod_operator", lambda m, a, b: a % b, np.remainder, BINARY,
           domain=(wide, away_from_zero)),
    OpSpec("fmod_scalar", lambda m, x: x.fmod(-1.5), lambda x: np.fmod(x, -1.5), UNARY,
           domain=wide),
    OpSpec("remainder_scalar", lambda m, x: x.remainder(-1.5), lambda x: np.remainder(x, -1.5),
           UNARY, domain=wide),
    # torch has no derivative for remainder(Scalar, Tensor); compare with the tensor form
    OpSpec("rmod", lambda m, x: 2.5 % x, lambda x: np.remainder(2.5, x), UNARY,
           domain=away_from_zero, torch_fn=lambda t, x: t.remainder(t.full_like(x, 2.5), x)),
    OpSpec("lerp_scalar", lambda m, a, b: m.lerp(a, b, 0.3), lambda a, b: _lerp(a, b, 0.3),
           BINARY),
    OpSpec("lerp_scalar_far", lambda m, a, b: a.lerp(b, 0.8), lambda a, b: _lerp(a, b, 0.8),
           BINARY),
    OpSpec("lerp_tensor", lambda m, a, b, w: m.lerp(a, b, w), _lerp, TERNARY),
    OpSpec("nan_to_num_finite", lambda m, x: m.nan_to_num(x), np.nan_to_num, UNARY),
]


class TestElementwiseExtra(OpSuite):
    OPS = EXTRA


NAMES = ("sin", "cos", "square", "rsqrt", "reciprocal", "log1p", "expm1", "log2", "log10",
         "exp2", "lerp", "fmod", "remainder", "floor", "ceil", "round", "trunc", "fix", "frac",
         "isinf", "isposinf", "isneginf", "nan_to_num", "logical_xor", "logical_and",
         "logical_or")


@pytest.mark.parametrize("name", NAMES)
def test_each_op_is_a_function_and_a_method(name) -> None:
    assert callable(getattr(mg, name)) and callable(getattr(mg.Tensor, name))


@pytest.mark.parametrize("name", ["sign", "isnan", "isfinite", "neg", "pow", "logical_and",
                                  "logical_or", "logical_not"])
def test_existing_ops_are_exported_from_the_package(name) -> None:
    assert getattr(mg, name) is getattr(mg.ops, name)


# --- integer and bool inputs follow PyTorch's dtype rules ---------------------------------------
UNARY_NAMES = ["sin", "cos", "square", "rsqrt", "reciprocal", "log1p", "expm1", "log2", "log10",
               "exp2", "floor", "ceil", "round", "trunc", "fix", "frac", "nan_to_num", "isinf",
               "isposinf", "isneginf"]
INTEGER_VALUES = {"int64": [3, -2, 0, 7], "int32": [3, -2, 0, 7], "uint8": [3, 2, 0, 7],
                  "bool": [True, False, True, True]}


@pytest.mark.parametrize("dtype", list(INTEGER_VALUES))
@pytest.mark.parametrize("name", UNARY_NAMES)
def test_integer_and_bool_inputs_match_torch(name, dtype) -> None:
    """Same result dtype and values as PyTorch, or an error where PyTorch has no kernel."""
    torch = pytest.importorskip("torch")
    values = INTEGER_VALUES[dtype]
    t = torch.tensor(values, dtype=getattr(torch, dtype))
    try:
        expected = getattr(torch, name)(t)
    except (RuntimeError, NotImplementedError):  # e.g. floor of bool, frac of int
        with pytest.raises(RuntimeError, match=name if name != "fix" else "trunc"):
            getattr(mg, name)(mg.tensor(values, dtype=dtype))
        return
    out = getattr(mg, name)(mg.tensor(values, dtype=dtype))
    assert out.dtype == np.dtype(str(expected.dtype).replace("torch.", "")), \
        f"{name}({dtype}): {out.dtype} vs torch {expected.dtype}"
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "nan_to_num"])
def test_integer_identity_ops_return_a_copy(name) -> None:
    x = mg.tensor([1, -2, 3])
    out = getattr(mg, name)(x)
    with mg.no_grad():
        out.fill_(9)
    assert x.tolist() == [1, -2, 3]


@pytest.mark.parametrize("op", ["fmod", "remainder"])
@pytest.mark.parametrize("a_dtype, b", [("int64", 3), ("int64", -3), ("int64", 2.5),
                                        ("int32", 3), ("float32", 3), ("float32", -1.5),
                                        ("float64", 3)])
def test_fmod_remainder_dtypes_and_signs_with_a_scalar_match_torch(op, a_dtype, b) -> None:
    torch = pytest.importorskip("torch")
    values = [7, -7, 6, -6, 0, 5, -1]
    expected = getattr(torch, op)(torch.tensor(values, dtype=getattr(torch, a_dtype)), b)
    out = getattr(mg, op)(mg.tensor(values, dtype=a_dtype), b)
    assert out.dtype == np.dtype(str(expected.dtype).replace("torch.", ""))
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


@pytest.mark.parametrize("op", ["fmod", "remainder"])
@pytest.mark.parametrize("a_dtype, b_dtype", [("int64", "int64"), ("float32", "int64"),
                                              ("int32", "int64"), ("float32", "float64"),
                                              ("float64", "float64")])
def test_fmod_remainder_of_two_tensors_match_torch(op, a_dtype, b_dtype) -> None:
    """Every sign combination, zero dividends and exact multiples, with PyTorch's promotion."""
    torch = pytest.importorskip("torch")
    a = [7, -7, 7, -7, 0, 0, 6, -6, 1]
    b = [3, 3, -3, -3, 3, -3, 3, -3, 4]
    expected = getattr(torch, op)(torch.tensor(a, dtype=getattr(torch, a_dtype)),
                                  torch.tensor(b, dtype=getattr(torch, b_dtype)))
    out = getattr(mg, op)(mg.tensor(a, dtype=a_dtype), mg.tensor(b, dtype=b_dtype))
    assert out.dtype == np.dtype(str(expected.dtype).replace("torch.", ""))
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    # zero results keep PyTorch's sign of zero (fmod's: the dividend's)
    np.testing.assert_array_equal(np.signbit(out.numpy()), np.signbit(expected.numpy()))


def test_mod_operators_match_python() -> None:
    x = mg.tensor([7, -7, 7, -7])
    assert (x % 3).tolist() == [v % 3 for v in (7, -7, 7, -7)]
    assert (x % -3).tolist() == [v % -3 for v in (7, -7, 7, -7)]
    assert (10 % mg.tensor([3, -3, 4])).tolist() == [10 % 3, 10 % -3, 10 % 4]
    assert (x % 3).dtype == mg.int64 and (x % 2.5).dtype == mg.float32


def test_float32_stays_float32_with_python_scalars() -> None:
    x = mg.tensor([1.3, -2.7, 4.1], requires_grad=True)
    w = mg.tensor(0.25, dtype=mg.float64)  # a 0-d float64 weight does not promote (torch too)
    outs = [x % 1.5, 2.5 % x, x.fmod(0.7), x.lerp(x * 2, 0.3), x.lerp(x * 3, w),
            x.round(decimals=1), x.nan_to_num(posinf=1e300), x.frac(), x.log2(), x.exp2()]
    for out in outs:
        assert out.dtype == mg.float32, out
    sum(o.sum() for o in outs).backward()
    assert x.grad.dtype == mg.float32


@pytest.mark.parametrize("op", ["fmod", "remainder"])
def test_integer_division_by_zero_is_an_error(op) -> None:
    with pytest.raises(RuntimeError, match=f"{op}: integer division by zero"):
        getattr(mg, op)(mg.tensor([1, 2]), mg.tensor([1, 0]))
    with pytest.raises(RuntimeError, match=f"{op}: integer division by zero"):
        getattr(mg, op)(mg.tensor([1, 2]), 0)


@pytest.mark.parametrize("op", ["fmod", "remainder"])
def test_float_division_by_zero_gives_nan_as_torch(op) -> None:
    torch = pytest.importorskip("torch")
    values = [5.0, -5.0, 0.0]
    out = getattr(mg, op)(mg.tensor(values), 0.0)
    np.testing.assert_array_equal(out.numpy(), getattr(torch, op)(torch.tensor(values), 0.0))


@pytest.mark.parametrize("op", ["fmod", "remainder"])
def test_fmod_remainder_gradients_match_torch_for_both_inputs(op) -> None:
    """d/da = 1, d/db = -trunc(a/b) (fmod) or -floor(a/b) (remainder), as PyTorch defines it."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a_np, b_np = rng.uniform(-8, 8, (4, 5)), away_from_zero(rng, (5,))
    a, b = mg.tensor(a_np, requires_grad=True), mg.tensor(b_np, requires_grad=True)
    ta, tb = torch.tensor(a_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
    seed = rng.standard_normal((4, 5))
    getattr(mg, op)(a, b).backward(mg.tensor(seed))
    getattr(torch, op)(ta, tb).backward(torch.tensor(seed))
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-12)


# --- rounding --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("decimals", [0, 1, 2, -1, -2])
def test_round_halves_to_even_and_decimals_match_torch(dtype, decimals) -> None:
    torch = pytest.importorskip("torch")
    values = [0.5, 1.5, 2.5, -0.5, -2.5, 1.25, 1.35, -1.25, 0.125, 125.0, 150.0, 250.0, 1234.5678,
              -0.049, 3.14159, 2.675, float("inf"), float("-inf"), float("nan")]
    expected = torch.round(torch.tensor(values, dtype=getattr(torch, dtype)), decimals=decimals)
    out = mg.round(mg.tensor(values, dtype=dtype), decimals=decimals)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_round_half_to_even_without_torch() -> None:
    out = mg.tensor([0.5, 1.5, 2.5, 3.5, -0.5, -1.5]).round()
    np.testing.assert_array_equal(out.numpy(), [0.0, 2.0, 2.0, 4.0, -0.0, -2.0])


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "fix", "frac"])
def test_floor_family_non_finite_and_signs_match_torch(name) -> None:
    torch = pytest.importorskip("torch")
    values = [2.5, -2.5, 0.0, -0.0, 1e20, -0.3, float("inf"), float("-inf"), float("nan")]
    expected = getattr(torch, name)(torch.tensor(values))
    out = getattr(mg, name)(mg.tensor(values))
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    np.testing.assert_array_equal(np.signbit(out.numpy()), np.signbit(expected.numpy()))


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "frac"])
def test_rounding_gradients_match_torch_even_at_the_jumps(name) -> None:
    """Zero for the piecewise-constant ops (a tensor of zeros, not None), one for frac."""
    torch = pytest.importorskip("torch")
    values = [1.0, 1.5, -2.5, 0.3, -0.7]
    x = mg.tensor(values, dtype=mg.float64, requires_grad=True)
    t = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    y, ty = getattr(mg, name)(x), getattr(torch, name)(t)
    assert y.requires_grad and y.grad_fn is not None
    y.backward(mg.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=mg.float64))
    ty.backward(torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=torch.float64))
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_zero_gradient_of_floor_stays_zero_for_a_non_finite_incoming_gradient() -> None:
    """torch.floor's gradient is zeros_like(grad): inf * 0 must not leak a nan."""
    x = mg.tensor([1.2, 2.7], requires_grad=True)
    x.floor().backward(mg.tensor([float("inf"), float("nan")]))
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


def test_round_refuses_decimals_on_integers_and_non_integer_decimals() -> None:
    with pytest.raises(RuntimeError, match=r"round: decimals=1 is not implemented for int64"):
        mg.round(mg.tensor([1, 2]), decimals=1)
    with pytest.raises(TypeError, match="round: decimals must be an int, got float"):
        mg.round(mg.tensor([1.0]), decimals=1.5)


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "frac"])
def test_rounding_a_bool_tensor_is_an_error_naming_the_op(name) -> None:
    with pytest.raises(RuntimeError, match=rf"{name}: not implemented for bool tensors \(shape "
                                           r"\(2,\)\)"):
        getattr(mg, name)(mg.tensor([True, False]))


# --- lerp --------------------------------------------------------------------------------------------
def test_lerp_hits_both_ends_exactly() -> None:
    a = mg.tensor([0.1, -3.7, 1e8])
    b = mg.tensor([0.7, 2.9, -1e-8])
    np.testing.assert_array_equal(mg.lerp(a, b, 0.0).numpy(), a.numpy())
    np.testing.assert_array_equal(mg.lerp(a, b, 1.0).numpy(), b.numpy())


def test_lerp_forward_and_gradients_match_torch_on_both_branches() -> None:
    """|weight| < 0.5 and >= 0.5 use different formulas in PyTorch. Its CPU kernel fuses the
    multiply-add (one rounding fewer), so float32 values agree to an ulp or two, not bitwise."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    a_np, b_np = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    w_np = np.array([[-0.7], [0.2], [0.5]])
    for dtype, tol in (("float32", 1e-6), ("float64", 1e-14)):
        xs = [mg.tensor(v, dtype=dtype, requires_grad=True) for v in (a_np, b_np, w_np)]
        ts = [torch.tensor(v, dtype=getattr(torch, dtype), requires_grad=True)
              for v in (a_np, b_np, w_np)]
        out, tout = mg.lerp(*xs), torch.lerp(*ts)
        assert out.dtype == np.dtype(dtype)
        np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=tol, atol=tol)
        out.sum().backward()
        tout.sum().backward()
        for x, t in zip(xs, ts):
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol)


def test_lerp_errors_name_the_dtypes() -> None:
    f32, f64 = mg.ones(2), mg.ones(2, dtype=mg.float64)
    with pytest.raises(RuntimeError, match="lerp: expected end to have dtype float32 like input, "
                                           "got float64"):
        mg.lerp(f32, f64, 0.5)
    with pytest.raises(RuntimeError, match=r"lerp: expected weight to have dtype float32 like "
                                           r"input, got float64 \(shape \(2,\)\)"):
        mg.lerp(f32, f32, f64)
    with pytest.raises(RuntimeError, match=r"lerp: not implemented for int64 tensors"):
        mg.lerp(mg.tensor([1, 2]), mg.tensor([3, 4]), 0.5)
    with pytest.raises(ValueError, match=r"lerp: shapes \(2,\) and \(3,\) and \(\) cannot be "
                                         "broadcast"):
        mg.lerp(f32, mg.ones(3), 0.5)
    with pytest.raises(TypeError, match="lerp: weight must be a number or a Tensor, got str"):
        mg.lerp(f32, f32, "half")


# --- non-finite values ---------------------------------------------------------------------------
NON_FINITE = [1.5, float("nan"), float("inf"), float("-inf"), -0.0, 3e38]


@pytest.mark.parametrize("kwargs", [{}, {"nan": 2.0}, {"posinf": 10.0, "neginf": -20.0},
                                    {"nan": -1.0, "posinf": 1e300}])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_nan_to_num_values_and_gradient_match_torch(kwargs, dtype) -> None:
    """The gradient passes where x was finite and is zero where a value was replaced."""
    torch = pytest.importorskip("torch")
    x = mg.tensor(NON_FINITE, dtype=dtype, requires_grad=True)
    t = torch.tensor(NON_FINITE, dtype=getattr(torch, dtype), requires_grad=True)
    out, tout = mg.nan_to_num(x, **kwargs), torch.nan_to_num(t, **kwargs)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    seed = np.arange(1.0, 7.0)
    out.backward(mg.tensor(seed, dtype=dtype))
    tout.backward(torch.tensor(seed, dtype=getattr(torch, dtype)))
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("name", ["isinf", "isposinf", "isneginf", "isnan", "isfinite"])
def test_inf_predicates_match_torch(name) -> None:
    torch = pytest.importorskip("torch")
    values = [[1.0, float("inf")], [float("-inf"), float("nan")]]
    out = getattr(mg.tensor(values, requires_grad=True), name)()
    assert out.dtype == mg.bool and not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), getattr(torch, name)(torch.tensor(values)).numpy())


def test_inf_predicates_without_torch() -> None:
    x = mg.tensor([1.0, float("inf"), float("-inf"), float("nan")])
    assert mg.isinf(x).tolist() == [False, True, True, False]
    assert mg.isposinf(x).tolist() == [False, True, False, False]
    assert mg.isneginf(x).tolist() == [False, False, True, False]


@pytest.mark.parametrize("b", [[[1.0], [0.0]], [0, 3, 0], 1, 0.0])
def test_logical_xor_broadcasts_and_mixes_dtypes_like_torch(b) -> None:
    torch = pytest.importorskip("torch")
    a = [0.0, 2.0, -1.0]
    out = mg.logical_xor(mg.tensor(a), mg.tensor(b) if isinstance(b, list) else b)
    expected = torch.logical_xor(torch.tensor(a), torch.tensor(b))
    assert out.dtype == mg.bool
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_logical_xor_truth_table() -> None:
    a = mg.tensor([True, True, False, False])
    b = mg.tensor([True, False, True, False])
    assert a.logical_xor(b).tolist() == [False, True, True, False]
    assert a.logical_and(b).tolist() == [True, False, False, False]
    assert a.logical_or(b).tolist() == [True, True, True, False]


# --- shapes -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["sin", "square", "rsqrt", "floor", "round", "frac", "isinf",
                                  "nan_to_num", "exp2"])
def test_unary_ops_keep_empty_and_size_one_shapes(name) -> None:
    for shape in [(0, 3), (1, 1, 2), ()]:
        x = mg.ones(shape)
        assert getattr(mg, name)(x).shape == shape


def test_binary_ops_with_empty_tensors() -> None:
    a, b = mg.ones((0, 3), requires_grad=True), mg.ones(3, requires_grad=True)
    for out in (mg.fmod(a, b), a % b, mg.lerp(a, b, 0.5), mg.lerp(a, b, mg.ones((1, 3)))):
        assert out.shape == (0, 3)
        out.sum().backward()
    assert b.grad.shape == (3,) and a.grad.shape == (0, 3)


def test_remainder_refuses_mismatched_shapes_naming_them() -> None:
    with pytest.raises(ValueError, match=r"remainder: shapes \(2, 3\) and \(2,\) cannot be "
                                         "broadcast"):
        mg.ones((2, 3)) % mg.ones(2)
