"""Rounding and remainders: floor, ceil, trunc (fix), round, frac, fmod and remainder.

Grouped because they are the two halves of one division, a = q * b + r: rounding gives the
integer part q (piecewise constant, so its gradient is zero) and fmod/remainder give r, whose
gradient with respect to the divisor is minus that rounded quotient.
"""
from __future__ import annotations

import numbers
from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor
from .broadcast import sum_to_shape
from .elementwise import _tensor_input, operands


# --- rounding: piecewise constant, so the gradient is zero everywhere (as in PyTorch) --------
class _PiecewiseConstant(Function):
    """Shared backward of floor/ceil/trunc/round: a zero gradient of grad's shape, not None,
    so x.grad exists (zeros) after backward exactly as in PyTorch."""

    @staticmethod
    def backward(ctx, grad):
        zeros = Tensor._make(grad.xp.zeros_like(grad.array), grad.device)
        return (zeros,) + (None,) * (len(ctx.needs_input_grad) - 1)


class Floor(_PiecewiseConstant):
    @staticmethod
    def forward(ctx, x):
        return x.xp.floor(x.array) if dtypes.is_floating(x.dtype) else x.array.copy()


class Ceil(_PiecewiseConstant):
    @staticmethod
    def forward(ctx, x):
        return x.xp.ceil(x.array) if dtypes.is_floating(x.dtype) else x.array.copy()


class Trunc(_PiecewiseConstant):
    @staticmethod
    def forward(ctx, x):
        return x.xp.trunc(x.array) if dtypes.is_floating(x.dtype) else x.array.copy()


class Round(_PiecewiseConstant):
    """Halves go to the even neighbour (IEEE nearbyint), as in PyTorch and NumPy. With
    ``decimals`` it scales by 10^|decimals| in x's own dtype, the way PyTorch does."""

    @staticmethod
    def forward(ctx, x, decimals):
        a, xp = x.array, x.xp
        if not dtypes.is_floating(x.dtype):
            return a.copy()
        if decimals == 0:
            return xp.rint(a)
        scale = a.dtype.type(10.0 ** (decimals if decimals > 0 else -decimals))
        return xp.rint(a * scale) / scale if decimals > 0 else xp.rint(a / scale) * scale


class Frac(Function):
    """x - trunc(x): the fractional part, with trunc's sign (frac(-1.5) = -0.5); gradient 1."""

    @staticmethod
    def forward(ctx, x):
        return x.array - x.xp.trunc(x.array)

    @staticmethod
    def backward(ctx, grad):
        return grad


def _check_rounding_dtype(x: Tensor, op: str, integers: bool = True) -> None:
    """Rounding a bool is an error in PyTorch (and frac of an integer); say so, naming the op."""
    _tensor_input(x, op)
    if x.dtype == dtypes.bool or (not integers and not dtypes.is_floating(x.dtype)):
        raise RuntimeError(f"{op}: not implemented for {x.dtype} tensors (shape "
                           f"{tuple(x.shape)}); convert with .float() first")


def floor(x: Tensor) -> Tensor:
    """Round down; an integer tensor comes back unchanged (a copy, same dtype)."""
    _check_rounding_dtype(x, "floor")
    return Floor.apply(x)


def ceil(x: Tensor) -> Tensor:
    """Round up; an integer tensor comes back unchanged (a copy, same dtype)."""
    _check_rounding_dtype(x, "ceil")
    return Ceil.apply(x)


def trunc(x: Tensor) -> Tensor:
    """Round toward zero; an integer tensor comes back unchanged (a copy, same dtype)."""
    _check_rounding_dtype(x, "trunc")
    return Trunc.apply(x)


fix = trunc


def round(x: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001
    """Round half to even (0.5 -> 0, 1.5 -> 2), to ``decimals`` places (negative: tens, ...)."""
    _check_rounding_dtype(x, "round")
    if not isinstance(decimals, numbers.Integral) or isinstance(decimals, bool):
        raise TypeError(f"round: decimals must be an int, got {type(decimals).__name__}")
    if decimals != 0 and not dtypes.is_floating(x.dtype):
        raise RuntimeError(f"round: decimals={decimals} is not implemented for {x.dtype} "
                           f"tensors (shape {tuple(x.shape)}); convert with .float() first")
    return Round.apply(x, int(decimals))


def frac(x: Tensor) -> Tensor:
    """x - trunc(x), the fractional part with x's sign (floats only, as in PyTorch)."""
    _check_rounding_dtype(x, "frac", integers=False)
    return Frac.apply(x)


# --- remainders of division --------------------------------------------------------------------
# Gradients as PyTorch defines them: 1 for the dividend, and for the divisor minus the rounded
# quotient (trunc for fmod, floor for remainder), which is constant between the jumps.
class Fmod(Function):
    """C's fmod: the result has the dividend's sign (fmod(-5, 3) = -2)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.xp.fmod(a.array, b.array)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = sum_to_shape(grad, a.shape) if ctx.needs_input_grad[0] else None
        gb = None
        if ctx.needs_input_grad[1]:
            q = Tensor._make(a.xp.trunc(a.array / b.array), a.device)
            gb = sum_to_shape(-(grad * q), b.shape)
        return ga, gb


class Remainder(Function):
    """Python's %: the result has the divisor's sign (remainder(-5, 3) = 1)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        xp, x, y = a.xp, a.array, b.array
        if not dtypes.is_floating(a.dtype):
            return xp.remainder(x, y)
        m = xp.fmod(x, y)  # PyTorch's float formula (it keeps fmod's sign on a zero result)
        return xp.where(xp.logical_and(m != 0, xp.not_equal(y < 0, m < 0)), m + y, m)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = sum_to_shape(grad, a.shape) if ctx.needs_input_grad[0] else None
        gb = None
        if ctx.needs_input_grad[1]:
            q = Tensor._make(a.xp.floor_divide(a.array, b.array), a.device)
            gb = sum_to_shape(-(grad * q), b.shape)
        return ga, gb


def _division_operands(a: Any, b: Any, op: str) -> tuple[Tensor, Tensor]:
    """Operands of fmod/remainder; integer division by zero is an error, as in PyTorch."""
    a, b = operands(a, b, op)
    if a.dtype == dtypes.bool:
        raise RuntimeError(f"{op}: not implemented for bool tensors (shapes {tuple(a.shape)} and "
                           f"{tuple(b.shape)})")
    if not dtypes.is_floating(b.dtype) and a.array.size and bool((b.array == 0).any()):
        raise RuntimeError(f"{op}: integer division by zero (ZeroDivisionError); the divisor "
                           f"({b.dtype}, shape {tuple(b.shape)}) holds a 0")
    return a, b


def fmod(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Remainder with the dividend's sign (C's fmod), for periodic quantities kept symmetric."""
    return Fmod.apply(*_division_operands(input, other, "fmod"))


def remainder(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Remainder with the divisor's sign (Python's %), e.g. to wrap indices or angles."""
    return Remainder.apply(*_division_operands(input, other, "remainder"))
