"""Integer and bit math: bitwise and/or/xor/not, shifts, gcd/lcm, and the float-bit helpers
ldexp, frexp and nextafter.

The bitwise ops and gcd/lcm take integer (and, except the shifts and gcd/lcm, bool) tensors
only, like PyTorch, which raises NotImplementedError for floats; they have no gradient. Shifts
follow PyTorch's rules where C leaves them undefined: a left shift by a negative amount or by
the bit width or more gives 0, a right shift then gives the sign fill (0 or -1). ldexp is
``input * 2^other`` (exact, as C's ldexp, for integer exponents); frexp and nextafter return
new tensors with no gradient (as in PyTorch, whose derivatives for them are not implemented).
"""
from __future__ import annotations

import numbers
from typing import Any, NamedTuple

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor
from .broadcast import sum_to_shape
from .elementwise import _tensor_input, float_operands, operands


def _is_integral(dtype: Any) -> bool:
    return dtype.kind in "iu"


def _int_operands(input: Any, other: Any, op: str, allow_bool: bool) -> tuple[Tensor, Tensor]:  # noqa: A002
    """Two integer (or bool) tensors at PyTorch's result dtype; floats are refused."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(input).__name__} and "
                        f"{type(other).__name__}")
    for value in (input, other):
        if isinstance(value, numbers.Number) and not isinstance(value, numbers.Integral):
            raise TypeError(f"{op}: expected an integer or bool operand, got the float {value!r}")
    a, b = operands(input, other, op)
    ok = _is_integral(a.dtype) or (allow_bool and a.dtype == dtypes.bool)
    if not ok:
        raise NotImplementedError(f"{op}: not implemented for {a.dtype} tensors (shapes "
                                  f"{tuple(a.shape)} and {tuple(b.shape)}); it needs integer"
                                  f"{' or bool' if allow_bool else ''} tensors")
    return a, b


def _result(array: Any, like: Tensor) -> Tensor:
    return Tensor._make(array, like.device)


def bitwise_and(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Bitwise AND of integers (logical AND of bools): masks and flag tests."""
    a, b = _int_operands(input, other, "bitwise_and", True)
    return _result(a.xp.bitwise_and(a.array, b.array), a)


def bitwise_or(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Bitwise OR of integers (logical OR of bools): setting flags."""
    a, b = _int_operands(input, other, "bitwise_or", True)
    return _result(a.xp.bitwise_or(a.array, b.array), a)


def bitwise_xor(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Bitwise XOR of integers (logical XOR of bools): toggling flags, hashing."""
    a, b = _int_operands(input, other, "bitwise_xor", True)
    return _result(a.xp.bitwise_xor(a.array, b.array), a)


def bitwise_not(input: Tensor) -> Tensor:  # noqa: A002
    """Bitwise NOT (~x = -x - 1 for signed integers; logical NOT for bools)."""
    x = _tensor_input(input, "bitwise_not")
    if not (_is_integral(x.dtype) or x.dtype == dtypes.bool):
        raise NotImplementedError(f"bitwise_not: not implemented for {x.dtype} tensors (shape "
                                  f"{tuple(x.shape)}); it needs integer or bool tensors")
    return _result(x.xp.invert(x.array), x)


def _shift(input: Any, other: Any, op: str, left: bool) -> Tensor:  # noqa: A002
    a, b = _int_operands(input, other, op, True)
    if a.dtype == dtypes.bool:  # PyTorch shifts bools as integers
        a, b = a.to(dtypes.int64), b.to(dtypes.int64)
    xp, x, s = a.xp, a.array, b.array
    bits = x.dtype.itemsize * 8
    x, s = xp.broadcast_arrays(x, s)
    inside = (s >= 0) & (s < bits)
    amount = xp.where(inside, s, 0).astype(x.dtype)
    if left:  # shift the unsigned bit pattern: overflow wraps instead of being undefined
        unsigned = x.view(x.dtype.str.replace("i", "u")) if x.dtype.kind == "i" else x
        shifted = xp.left_shift(unsigned, amount.view(unsigned.dtype)).view(x.dtype)
        return _result(xp.where(inside, shifted, x.dtype.type(0)), a)
    fill = xp.right_shift(x, x.dtype.type(bits - 1)) if x.dtype.kind == "i" else \
        x.dtype.type(0)  # the sign fill: 0 or -1 (unsigned: 0)
    return _result(xp.where(inside, xp.right_shift(x, amount), fill), a)


def bitwise_left_shift(input: Any, other: Any) -> Tensor:  # noqa: A002
    """input << other (multiplying by 2^other with wrap-around), elementwise."""
    return _shift(input, other, "bitwise_left_shift", True)


def bitwise_right_shift(input: Any, other: Any) -> Tensor:  # noqa: A002
    """input >> other (an arithmetic shift: floor division by 2^other), elementwise."""
    return _shift(input, other, "bitwise_right_shift", False)


def gcd(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Greatest common divisor (non-negative; gcd(0, 0) = 0)."""
    a, b = _int_operands(input, other, "gcd", False)
    return _result(a.xp.gcd(a.array, b.array), a)


def lcm(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Least common multiple (non-negative; 0 if either is 0)."""
    a, b = _int_operands(input, other, "lcm", False)
    return _result(a.xp.lcm(a.array, b.array), a)


# --- float bits ------------------------------------------------------------------------------------
class FrexpResult(NamedTuple):
    """(mantissa, exponent) with input = mantissa * 2^exponent, as torch.return_types.frexp."""

    mantissa: Tensor
    exponent: Tensor


def frexp(input: Tensor) -> FrexpResult:  # noqa: A002
    """Split floats into a mantissa in [0.5, 1) (sign kept) and an int32 power of two."""
    x = _tensor_input(input, "frexp")
    if not dtypes.is_floating(x.dtype):
        raise RuntimeError(f"frexp: only supports floating-point dtypes, got {x.dtype} (shape "
                           f"{tuple(x.shape)})")
    mantissa, exponent = x.xp.frexp(x.array)
    return FrexpResult(_result(mantissa, x), _result(exponent.astype(dtypes.int32), x))


class _LdexpInt(Function):
    """x * 2^e for integer exponents e, exact as C's ldexp: no overflow of 2^e on the way, so
    ldexp(0, 2000) = 0 and ldexp(1e-310, 2000) = 1.1e292 (as PyTorch). Linear in x, with
    gradient 2^e; PyTorch 2.13 gives 0 for e < 0 (it forms 2^e in integers), a deliberate
    difference."""

    @staticmethod
    def forward(ctx, x, e):
        ctx.save_for_backward(e)
        ctx.shape = x.shape
        xp = x.xp  # beyond +-4000 every float saturates to 0 or inf; int32 is what ldexp takes
        return xp.ldexp(x.array, xp.clip(e.array, -4000, 4000).astype(dtypes.int32))

    @staticmethod
    def backward(ctx, grad):
        (e,) = ctx.saved_tensors
        return sum_to_shape(_LdexpInt.apply(grad, e), ctx.shape), None


def ldexp(input: Any, other: Any) -> Tensor:  # noqa: A002
    """input * 2^other, building floats from mantissas and exponents; integers give the default
    float dtype. Differentiable (both inputs, as in PyTorch); integer exponents are exact."""
    from .arithmetic import mul
    from .unary_math import exp2
    a, b = float_operands(input, other, "ldexp")
    if isinstance(other, Tensor) and _is_integral(other.dtype):
        return _LdexpInt.apply(a, other)
    return mul(a, exp2(b))


def nextafter(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The next representable float after ``input`` toward ``other`` (for ulp-level tests)."""
    a, b = operands(input, other, "nextafter")
    if not dtypes.is_floating(a.dtype):
        raise RuntimeError(f"nextafter: not implemented for {a.dtype} tensors (shapes "
                           f"{tuple(a.shape)} and {tuple(b.shape)}); it needs floating tensors")
    return _result(a.xp.nextafter(a.array, b.array), a)
