"""Elementwise math, dtype rules and tensor creation that a differential run against PyTorch
found wrong: pow of bools, ops with floating results on mixed integer dtypes,
uint8 wrap-around, integer division by zero of empty tensors, exact ldexp, zero gradients of
sign and rounded division, Bessel/zeta/lgamma at extreme arguments, in-place arithmetic
(sub_, **=, //=, %=, clamp_, float_power_), comparisons at the promoted dtype, and the
creators (arange, linspace, full, tensor()).

Expected values are written from the math where that is easy (ldexp(1e-310, 2000) is
np.ldexp's exact answer, I_0(x) e^-x ~ 1 / sqrt(2 pi x)); the few torch-oracle checks skip
without PyTorch.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg


# --- pow of bool tensors -------------------------------------------------------------------------
def test_bool_tensor_to_an_int_power_is_int64() -> None:
    b = mg.tensor([True, False])
    for out, expected in ((b ** 0, [1, 1]), (b ** 3, [1, 0]), (mg.pow(b, 2), [1, 0])):
        assert out.dtype == mg.int64  # NumPy's bool ** int is int8
        assert out.tolist() == expected


def test_bool_tensor_to_a_bool_power_stays_bool() -> None:
    b = mg.tensor([True, False])
    assert (b ** True).dtype == mg.bool and (b ** True).tolist() == [True, False]
    assert (b ** False).tolist() == [True, True]


def test_pow_of_two_bool_tensors_and_negative_powers_of_bools_raise() -> None:
    b = mg.tensor([True, False])
    with pytest.raises(RuntimeError, match="pow: not implemented for bool tensors"):
        b ** b
    with pytest.raises(RuntimeError, match="negative integer powers"):
        b ** -1


def test_float_power_takes_a_bool_exponent() -> None:
    x = mg.tensor([3, 5])
    assert mg.float_power(x, True).tolist() == [3.0, 5.0]
    assert mg.float_power(x, False).tolist() == [1.0, 1.0]
    assert mg.float_power(x, True).dtype == mg.float64


# --- ops with floating results convert integers before promotion ---------------------------------
def _neg_one_int32() -> mg.Tensor:
    return mg.tensor(-1, dtype=mg.int32)  # 0-d: the uint8 tensor decides the promoted dtype


def test_copysign_of_int32_and_uint8_keeps_the_negative_value() -> None:
    out = mg.copysign(_neg_one_int32(), mg.tensor([3, 200], dtype=mg.uint8))
    assert out.dtype == mg.float32 and out.tolist() == [1.0, 1.0]  # was 255 (-1 as a uint8)


def test_true_division_and_atan2_of_int32_and_uint8() -> None:
    u = mg.tensor([4, 200], dtype=mg.uint8)
    np.testing.assert_allclose((_neg_one_int32() / u).numpy(), [-0.25, -0.005], rtol=1e-7)
    np.testing.assert_allclose(mg.atan2(_neg_one_int32(), u).numpy(),
                               np.arctan2(-1.0, [4.0, 200.0]).astype(np.float32), rtol=1e-6)


def test_ldexp_of_int64_0d_and_uint8_exponents() -> None:
    out = mg.ldexp(mg.tensor(-3), mg.tensor([5, 15, 1], dtype=mg.uint8))
    assert out.dtype == mg.float32 and out.tolist() == [-96.0, -98304.0, -6.0]


def test_negative_python_ints_wrap_around_for_uint8_tensors() -> None:
    u = mg.tensor([1, 17], dtype=mg.uint8)
    assert (u + -4).tolist() == [253, 13]  # was NumPy's OverflowError
    assert (u * -1).tolist() == [255, 239]
    assert mg.bitwise_and(u, -1).tolist() == [1, 17]
    assert (u + -4).dtype == mg.uint8
    with pytest.raises(OverflowError, match="does not fit in int64"):
        mg.tensor([1]) + 2 ** 70


def test_comparisons_of_two_tensors_happen_at_the_promoted_dtype() -> None:
    half = mg.tensor([2.0, 3.0, 0.0], dtype=mg.float16)
    near_three = mg.tensor(2.9995, dtype=mg.float32)  # 0-d: float16 decides, 2.9995 -> 3.0
    assert (near_three >= half).tolist() == [True, True, True]  # was [True, False, True]
    assert (half == near_three).tolist() == [False, True, False]
    assert mg.lt(mg.tensor([1.0, 2.0]), mg.tensor([2, 1])).tolist() == [True, False]


@pytest.mark.parametrize("fn", [mg.isnan, mg.isfinite, mg.logical_not])
def test_predicates_name_themselves_for_a_non_tensor_input(fn) -> None:
    with pytest.raises(TypeError, match=f"{fn.__name__}: expected a Tensor input, got list"):
        fn([1.0])  # was AttributeError: 'list' object has no attribute 'xp'


@pytest.mark.parametrize("fn", [mg.add, mg.div, mg.pow, mg.remainder, mg.maximum, mg.eq, mg.lt,
                                mg.logical_and])
def test_binary_ops_of_two_python_numbers_raise_a_type_error(fn) -> None:
    with pytest.raises(TypeError, match=f"{fn.__name__}: expected a Tensor operand, got int"):
        fn(5, 2)  # was AttributeError: 'int' object has no attribute 'dtype' (or 'xp')


# --- integer division by zero --------------------------------------------------------------------
@pytest.mark.parametrize("fn", [mg.remainder, mg.fmod, mg.floor_divide,
                                lambda a, b: mg.div(a, b, rounding_mode="trunc")])
def test_integer_division_of_an_empty_tensor_by_zero_is_empty(fn) -> None:
    out = fn(mg.tensor([], dtype=mg.int64), 0)
    assert out.shape == (0,) and out.dtype == mg.int64
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        fn(mg.tensor([3, 4]), mg.tensor([1, 0]))


# --- ldexp with integer exponents is exact -------------------------------------------------------
def test_ldexp_integer_exponents_do_not_overflow_on_the_way() -> None:
    x = np.array([0.0, 1e-310, 1.0, math.inf, 1e300, -0.0])
    e = np.array([2000, 2000, 2000, -1100, -1100, 5000])
    out = mg.ldexp(mg.tensor(x), mg.tensor(e)).numpy()
    with np.errstate(over="ignore"):
        expected = np.ldexp(x, e.astype(np.int32))
    np.testing.assert_array_equal(out, expected)  # was nan for 0 * 2^2000 and inf * 2^-1100
    assert out[1] == pytest.approx(1.1481307e292, rel=1e-7) and np.signbit(out[5])
    small = mg.ldexp(mg.tensor([0.0, 1e-40]), mg.tensor([200]))
    assert small.dtype == mg.float32
    assert small.tolist() == [0.0, float(np.float32(1e-40)) * 2.0 ** 200]


def test_ldexp_integer_exponent_gradient() -> None:
    x = mg.tensor([[1.5], [2.0]], dtype=mg.float64, requires_grad=True)
    e = mg.tensor([[3, -1]])
    mg.ldexp(x, e).sum().backward()
    assert x.grad.tolist() == [[8.5], [8.5]]  # 2^3 + 2^-1 for each row
    assert mg.gradcheck(lambda t: mg.ldexp(t, e) ** 2, [x])
    assert mg.gradgradcheck(lambda t: mg.ldexp(t, e) ** 2, [x])


def test_ldexp_float_exponent_still_differentiable_in_both() -> None:
    x = mg.tensor([1.5, 2.0], dtype=mg.float64, requires_grad=True)
    e = mg.tensor([3.0, -1.0], dtype=mg.float64, requires_grad=True)
    mg.ldexp(x, e).sum().backward()
    assert x.grad.tolist() == [8.0, 0.5]
    np.testing.assert_allclose(e.grad.numpy(), [12 * math.log(2), math.log(2)], rtol=1e-15)


# --- small argument rules ------------------------------------------------------------------------
def test_isclose_refuses_negative_tolerances() -> None:
    a = mg.tensor([1.0])
    with pytest.raises(RuntimeError, match="isclose: rtol must be greater than or equal to zero"):
        mg.isclose(a, a, rtol=-1)
    with pytest.raises(RuntimeError, match="atol must be greater than or equal to zero"):
        mg.allclose(a, a, atol=-1e-3)


def test_addcdiv_with_one_integer_tensor_divides_in_floats() -> None:
    out = mg.addcdiv(mg.tensor([1.0]), mg.tensor([3]), mg.tensor([2.0]))
    assert out.tolist() == [2.5]
    assert mg.addcdiv(mg.tensor([1.0]), mg.tensor([3.0]), mg.tensor([2])).tolist() == [2.5]
    with pytest.raises(RuntimeError, match="addcdiv: integer division"):
        mg.addcdiv(mg.tensor([1.0]), mg.tensor([3]), mg.tensor([2]))


def test_clamp_refuses_a_bound_that_is_not_a_number() -> None:
    with pytest.raises(TypeError, match="clamp: min and max must be numbers or Tensors, got str"):
        mg.clamp(mg.ones(2), "x")  # was NumPy's ValueError: could not convert string to float


@pytest.mark.parametrize("fn", [mg.softmax, mg.log_softmax, mg.special.softmax,
                                mg.nn.functional.softmax])
def test_softmax_of_an_integer_tensor_names_the_op(fn) -> None:
    x = mg.tensor([1, 2, 3])
    with pytest.raises(NotImplementedError, match="softmax: not implemented for int64 tensors"):
        fn(x, 0)  # was NumPy's UFuncTypeError (exp's float64 output cast to int64)
    np.testing.assert_allclose(mg.special.softmax(x, 0, dtype=mg.float64).numpy(),
                               np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum(), rtol=1e-15)


def test_clamp_of_bools_with_int_bounds_is_int64() -> None:
    b = mg.tensor([True, False])
    assert mg.clamp(b, 0, 1).dtype == mg.int64 and mg.clamp(b, 0, 1).tolist() == [1, 0]
    assert mg.clip(b, max=0).tolist() == [0, 0]
    assert mg.clamp(b, min=True).dtype == mg.bool


# --- zero gradients of piecewise constant ops -----------------------------------------------------
@pytest.mark.parametrize("fn", [mg.sign, mg.sgn], ids=["sign", "sgn"])
def test_sign_has_a_zero_gradient(fn) -> None:
    x = mg.tensor([1.5, -2.0, 0.0], requires_grad=True)
    y = fn(x)
    assert y.requires_grad  # was a constant: y.sum().backward() raised
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    assert fn(mg.tensor([True, False])).tolist() == [True, False]


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_rounded_division_gradient_is_zero_also_at_a_zero_divisor(mode: str) -> None:
    a = mg.tensor([1.5, -0.5, 0.5, -7.0], dtype=mg.float64, requires_grad=True)
    b = mg.tensor([-2.0, 3.0, 0.0, 2.0], dtype=mg.float64, requires_grad=True)
    out = mg.div(a, b, rounding_mode=mode)
    expected = [-0.0, -0.0, math.inf, -3.0] if mode == "trunc" else [-1.0, -1.0, math.inf, -4.0]
    assert out.tolist() == expected
    out.sum().backward()
    assert a.grad.tolist() == [0.0] * 4 and b.grad.tolist() == [0.0] * 4  # trunc had nan, -0.0
    assert not np.signbit(a.grad.numpy()).any()


def test_logit_eps_above_one_half_clamps_below_first() -> None:
    # PyTorch: x < eps -> eps, else x > 1 - eps -> 1 - eps (for eps = 0.6 the bounds cross)
    x = mg.tensor([0.0, 0.5, 1.0], dtype=mg.float64, requires_grad=True)
    out = mg.logit(x, eps=0.6)
    expected = [math.log(0.6 / 0.4)] * 2 + [math.log(0.4 / 0.6)]  # was log(0.4/0.6) everywhere
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-15)
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


# --- Bessel I at huge arguments ------------------------------------------------------------------
def test_bessel_i_at_the_largest_doubles() -> None:
    x = mg.tensor([1e308, -1e308], dtype=mg.float64)
    assert mg.i0(x).tolist() == [math.inf, math.inf]  # was nan (0 * inf)
    assert mg.special.i1(x).tolist() == [math.inf, -math.inf]
    scaled = 1.0 / math.sqrt(2 * math.pi * 1e292) * 1e-8  # e^-x I_0(x) ~ 1 / sqrt(2 pi x)
    np.testing.assert_allclose(mg.special.i0e(x).numpy(), [scaled, scaled], rtol=1e-12)
    np.testing.assert_allclose(mg.special.i1e(x).numpy(), [scaled, -scaled], rtol=1e-12)
    assert mg.i0(mg.tensor([1e38, 3e38])).tolist() == [math.inf, math.inf]


def test_lgamma_at_tiny_negative_subnormals() -> None:
    x = mg.tensor([-1e-320, -5e-324, -1e-300], dtype=mg.float64)
    tiny = np.array([-1e-320, -5e-324, -1e-300])
    # lgamma(x) = -log|x| - euler * x + ..., and euler * x is far below one ulp here
    np.testing.assert_allclose(mg.lgamma(x).numpy(), -np.log(-tiny), rtol=1e-15)  # 9e-8 off


# --- the Hurwitz zeta function at huge s ---------------------------------------------------------
def test_zeta_at_huge_s_is_its_first_term() -> None:
    s = mg.tensor([1e300, 1e10, 400.0, 1e300, 1e300], dtype=mg.float64)
    q = mg.tensor([1.0, 1.0, 1.0, 2.0, 0.5], dtype=mg.float64)
    # sum_k (q + k)^-s: 1 at q = 1 (every later term underflows), 0 for q > 1, inf for q < 1
    assert mg.special.zeta(s, q).tolist() == [1.0, 1.0, 1.0, 0.0, math.inf]  # 1e300, 1e10 gave nan


# --- in-place arithmetic -------------------------------------------------------------------------
def test_integer_sub_in_place() -> None:
    a = mg.tensor([1, 2, 3])
    a.sub_(mg.tensor([1, 1, 1]))  # raised: the default alpha was the float -1.0
    assert a.tolist() == [0, 1, 2] and a.dtype == mg.int64
    a.sub_(2, alpha=3)
    assert a.tolist() == [-6, -5, -4]
    a.add_(mg.tensor([1, 1, 1]), alpha=2)
    assert a.tolist() == [-4, -3, -2]
    with pytest.raises(RuntimeError, match="add_: for integral input tensors .* alpha must not"):
        a.add_(mg.tensor([1, 1, 1]), alpha=0.5)
    with pytest.raises(RuntimeError, match="sub_: subtraction of a bool tensor"):
        mg.tensor([True]).sub_(True)


def test_pow_floordiv_mod_augmented_assignment_write_in_place() -> None:
    x = mg.tensor([3.0, 5.0])
    alias = x
    x **= 2
    assert x is alias and alias.tolist() == [9.0, 25.0]  # was a new tensor; alias unchanged
    x //= 4
    assert x is alias and alias.tolist() == [2.0, 6.0]
    x %= 4
    assert x is alias and alias.tolist() == [2.0, 2.0]
    i = mg.tensor([7, -7])
    i //= 2
    assert i.tolist() == [3, -4] and i.dtype == mg.int64
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        i %= 0


def test_augmented_pow_in_the_graph_is_out_of_place() -> None:
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    y = w * 1
    y **= 2
    y.sum().backward()
    assert w.grad.tolist() == [2.0, 4.0]
    with pytest.raises(RuntimeError, match="leaf"):
        w **= 2


def test_clamp_in_place_follows_clamp() -> None:
    x = mg.tensor([[-2.0, 0.5, 3.0], [1.0, -1.0, 0.0]])
    x.clamp_(mg.tensor([0.0, 1.0, -1.0]), mg.tensor([1.0, 0.0, 2.0]))  # min > max gives max
    assert x.tolist() == [[0.0, 0.0, 2.0], [1.0, 0.0, 0.0]]
    i = mg.tensor([1, 5, -3])
    with pytest.raises(RuntimeError, match="clamp_: result type float32 can't be cast"):
        i.clamp_(0.5, 2)  # was NumPy's UFuncTypeError
    with pytest.raises(RuntimeError, match=r"clamp_: the result's shape \(2, 3\)"):
        i.clamp_(mg.zeros(2, 3, dtype=mg.int64))
    assert i.clip_(-1, 1).tolist() == [1, 1, -1]


def test_float_power_in_place_needs_a_float64_tensor() -> None:
    with pytest.raises(RuntimeError, match="float_power_: the base has dtype float32"):
        mg.tensor([1.0, 2.0]).float_power_(2)
    d = mg.tensor([1.0, 3.0], dtype=mg.float64)
    assert d.float_power_(2).tolist() == [1.0, 9.0]


# --- arange --------------------------------------------------------------------------------------
def test_arange_float_values_are_rounded_once_from_float64() -> None:
    out = mg.arange(-1, 1, 0.2).numpy()
    assert out.dtype == np.float32
    # NumPy's float32 arange drifts (index 5 was -5.96e-08, index 7 0.39999986)
    np.testing.assert_array_equal(out, (-1 + np.arange(10) * 0.2).astype(np.float32))
    np.testing.assert_array_equal(mg.arange(0, 3, 0.1).numpy(),
                                  (np.arange(30) * 0.1).astype(np.float32))


def test_arange_with_an_integer_dtype_truncates_the_arguments() -> None:
    assert mg.arange(2.5, dtype=mg.int64).tolist() == [0, 1]
    assert mg.arange(0.5, dtype=mg.int64).tolist() == []
    assert mg.arange(1, 2.5, dtype=mg.int64).tolist() == [1]
    with pytest.raises(ValueError, match="arange: step must be nonzero"):
        mg.arange(0, 1, 0.1, dtype=mg.int64)  # the step truncates to 0


def test_arange_argument_kinds() -> None:
    assert mg.arange(mg.tensor(3)).tolist() == [0, 1, 2]
    assert mg.arange(np.float32(1.5)).dtype == mg.float32
    assert mg.arange(np.int64(3)).dtype == mg.int64
    with pytest.raises(ValueError, match="arange: unsupported range"):
        mg.arange(math.inf)
    with pytest.raises(ValueError, match="arange: unsupported range"):
        mg.arange(0, math.nan)


# --- full and tensor(): dtype inference ----------------------------------------------------------
def test_full_infers_the_dtype_of_numpy_and_tensor_fill_values() -> None:
    assert mg.full((2,), np.float32(1.5)).dtype == mg.float32  # was int64 (values 1)
    assert mg.full((2,), np.float32(1.5)).tolist() == [1.5, 1.5]
    assert mg.full((2,), np.int32(3)).dtype == mg.int64
    assert mg.full((2,), mg.tensor(3.5)).tolist() == [3.5, 3.5]
    assert mg.full((2,), mg.tensor(3.5)).dtype == mg.float32


def test_full_refuses_a_nan_fill_for_integers() -> None:
    with pytest.raises(RuntimeError, match="full: the fill value nan cannot be converted"):
        mg.full((2,), math.nan, dtype=mg.int64)
    with pytest.raises(RuntimeError, match="cannot be converted to int64"):
        mg.full_like(mg.tensor([1, 2]), math.inf)


def test_tensor_promotes_numpy_scalars_in_lists() -> None:
    assert mg.tensor([np.float64(1.0)]).dtype == mg.float64  # was float32
    assert mg.tensor([np.float64(1.0), 2]).dtype == mg.float64
    assert mg.tensor([np.float32(1.0), 2]).dtype == mg.float32  # was float64
    assert mg.tensor([np.int32(1), 2.0]).dtype == mg.float32
    assert mg.tensor([np.int32(1), 2]).dtype == mg.int64
    assert mg.tensor([1, 2.5]).dtype == mg.float32
    zero_d = [mg.tensor(1.0, dtype=mg.float64), mg.tensor(2.0, dtype=mg.float64)]
    assert mg.tensor(zero_d).dtype == mg.float64


def test_tensor_with_a_dtype_still_checks_the_items() -> None:
    with pytest.raises(TypeError, match="tensor: cannot make a tensor from NoneType"):
        mg.tensor([1, None], dtype=mg.float64)  # was [1, nan]
    with pytest.raises(TypeError, match="tensor: cannot make a tensor from str"):
        mg.tensor(["a", "b"], dtype=mg.bool)  # was [True, True]


def test_tensor_wraps_negative_ints_into_uint8_and_refuses_other_overflows() -> None:
    assert mg.tensor([-1, -255, 255], dtype=mg.uint8).tolist() == [255, 1, 255]  # was NumPy's
    with pytest.raises(RuntimeError, match="cannot be converted to uint8 without overflow"):
        mg.tensor([256], dtype=mg.uint8)
    with pytest.raises(RuntimeError, match="cannot be converted to int32 without overflow"):
        mg.tensor([2 ** 31], dtype=mg.int32)
    with pytest.raises(RuntimeError, match="cannot be converted to int64 without overflow"):
        mg.tensor([2 ** 64])


def test_tensor_of_a_range_and_of_tensors_that_require_grad() -> None:
    assert mg.tensor(range(3)).tolist() == [0, 1, 2]
    w = mg.tensor(1.5, requires_grad=True)
    out = mg.tensor([w, 2.0])  # raised: numpy() of a tensor that requires grad
    assert out.tolist() == [1.5, 2.0] and not out.requires_grad


def test_from_numpy_refuses_what_a_tensor_cannot_share() -> None:
    with pytest.raises(TypeError, match="from_numpy: cannot share a NumPy array of dtype"):
        mg.from_numpy(np.array([1 + 2j]))  # was a tensor of dtype complex128
    with pytest.raises(TypeError, match="from_numpy: cannot share"):
        mg.from_numpy(np.array(["a"]))
    with pytest.raises(ValueError, match="byte order"):
        mg.from_numpy(np.arange(3, dtype=">f8"))  # was a '>f8' tensor: dtype checks failed
    with pytest.raises(TypeError, match="from_numpy: expected a NumPy array, got list"):
        mg.from_numpy([1, 2])
    shared = np.arange(3.0)
    mg.from_numpy(shared).add_(1)
    assert shared.tolist() == [1.0, 2.0, 3.0]


def test_tensor_of_a_big_endian_array_is_native() -> None:
    out = mg.tensor(np.arange(3, dtype=">f8"))
    assert out.dtype == mg.float64  # was '>f8', which compares unequal to float64
    assert (out + mg.tensor([1.0, 1.0, 1.0], dtype=mg.float64)).tolist() == [1.0, 2.0, 3.0]


# --- linspace and the *_like creators ------------------------------------------------------------
def test_linspace_with_an_integer_dtype_truncates_toward_zero() -> None:
    # -10 + i * 20/6 = -6.67, -3.33: PyTorch truncates (NumPy's integer linspace floors: -7, -4)
    assert mg.linspace(-10, 10, 7, dtype=mg.int64).tolist() == [-10, -6, -3, 0, 3, 6, 10]
    assert mg.linspace(10, -10, 7, dtype=mg.int64).tolist() == [10, 6, 3, 0, -3, -6, -10]
    assert mg.linspace(mg.tensor(0.0), 1, 3).tolist() == [0.0, 0.5, 1.0]


def test_creators_take_requires_grad() -> None:
    assert mg.linspace(0, 1, 3, requires_grad=True).requires_grad
    assert mg.full_like(mg.ones(2), 3.0, requires_grad=True).requires_grad
    assert mg.empty_like(mg.ones(2), requires_grad=True).requires_grad
    assert not mg.full_like(mg.ones(2, requires_grad=True), 3.0).requires_grad


# --- a small grid against PyTorch ----------------------------------------------------------------
_MIXED = {"int32_0d": (np.array(-3), "int32"), "uint8": (np.array([2, 7, 200]), "uint8"),
          "int64": (np.array([-5, 0, 4]), "int64"), "bool": (np.array([True, False, True]), "bool"),
          "float32_0d": (np.array(-2.5), "float32")}


def _ldexp_runs_in_torch(left: str, right: str) -> bool:
    """PyTorch's ldexp has no bool exponents, and resizes a 0-d float input."""
    (_, da), (b, db) = _MIXED[left], _MIXED[right]
    return not (db == "bool" or b.ndim == 0 or da == "float32")


@pytest.mark.parametrize("op, left, right", [
    (op, left, right) for op in ["div", "atan2", "copysign", "ldexp", "xlogy"]
    for left in sorted(_MIXED) for right in sorted(_MIXED)
    if op != "ldexp" or _ldexp_runs_in_torch(left, right)])
def test_floating_result_ops_on_mixed_integer_dtypes_match_torch(op: str, left: str,
                                                                 right: str) -> None:
    torch = pytest.importorskip("torch")
    (a, da), (b, db) = _MIXED[left], _MIXED[right]
    ma, mb = mg.tensor(a, dtype=getattr(mg, da)), mg.tensor(b, dtype=getattr(mg, db))
    ta, tb = torch.tensor(a, dtype=getattr(torch, da)), torch.tensor(b, dtype=getattr(torch, db))
    expected = getattr(torch, op)(ta, tb)
    out = getattr(mg, op)(ma, mb)
    assert str(out.dtype) == str(expected.dtype).replace("torch.", "")
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6, equal_nan=True)
