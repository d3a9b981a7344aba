"""Arithmetic: + - * / ** and neg (the ops behind Tensor's operators), and lerp.

Grouped because they are the binary ops with the textbook derivatives: each backward is the
product rule or quotient rule, summed back to each input's shape with ``sum_to_shape``. lerp
is a weighted sum of two tensors, so it sits with them.
"""
from __future__ import annotations

import numbers
from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..errors import DtypeError
from ..tensor import Tensor
from .broadcast import broadcast_shapes, sum_to_shape
from .comparison import where
from .elementwise import _tensor_input, float_operands, operands, scalar_like
from .unary_math import log


# --- arithmetic -----------------------------------------------------------------------
class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = a.shape, b.shape
        return a.array + b.array

    @staticmethod
    def backward(ctx, grad):
        sa, sb = ctx.shapes
        return sum_to_shape(grad, sa), sum_to_shape(grad, sb)


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = a.shape, b.shape
        return a.array - b.array

    @staticmethod
    def backward(ctx, grad):
        sa, sb = ctx.shapes
        gb = -sum_to_shape(grad, sb) if ctx.needs_input_grad[1] else None
        return sum_to_shape(grad, sa), gb


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.array * b.array

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = sum_to_shape(grad * b, a.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to_shape(grad * a, b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.array / b.array

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = sum_to_shape(grad / b, a.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to_shape(-grad * a / (b * b), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Pow(Function):
    """a ** b for two tensors; d/db needs log(a), so it is defined where a > 0."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        if b.dtype.kind in "iu" and bool((b.array < 0).any()):
            return _integer_power(a.array, b.array, a.xp)
        return a.array ** b.array

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = gb = None
        zero = scalar_like(0, grad)
        if ctx.needs_input_grad[0]:  # b = 0: a**0 is constant (PyTorch's 0, not 0 * inf at a = 0)
            ga = sum_to_shape(where(b == 0, zero, grad * b * a ** (b - 1)), a.shape)
        if ctx.needs_input_grad[1]:  # 0**b for b >= 0 does not change with b: 0, not 0 * -inf
            flat = (a == 0) & (b >= 0)
            gb = sum_to_shape(where(flat, zero, grad * a ** b * log(a)), b.shape)
        return ga, gb


def _integer_power(a: Any, b: Any, xp: Any) -> Any:
    """Integer a ** b with some b < 0, which NumPy refuses: PyTorch's integer answer, the
    truncated 1 / a**|b|: 1 for a = 1, +-1 for a = -1 (by b's parity), else 0."""
    negative = b < 0
    out = a ** xp.where(negative, 0, b)
    odd = (b % 2) != 0
    small = xp.where(a == 1, 1, xp.where(a == -1, xp.where(odd, -1, 1), 0)).astype(out.dtype)
    return xp.where(negative, small, out)


class PowScalar(Function):
    """x ** p for a fixed Python number p (the common case: squares, square roots)."""

    @staticmethod
    def forward(ctx, x, p):
        ctx.save_for_backward(x)
        ctx.p = p
        return x.array ** x.xp.asarray(p, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return grad * 0, None
        return grad * (p * x ** (p - 1)), None


class Neg(Function):
    @staticmethod
    def forward(ctx, x):
        return -x.array

    @staticmethod
    def backward(ctx, grad):
        return -grad


def add(a: Any, b: Any) -> Tensor:
    return Add.apply(*operands(a, b, "add"))


def sub(a: Any, b: Any) -> Tensor:
    a, b = operands(a, b, "sub")
    if a.dtype == dtypes.bool:  # both bool after promotion; NumPy's own TypeError otherwise
        raise DtypeError(f"sub: the - operator on two bool tensors (shapes {tuple(a.shape)} and "
                         f"{tuple(b.shape)}) is not supported; use ^ or logical_xor")
    return Sub.apply(a, b)


def mul(a: Any, b: Any) -> Tensor:
    return Mul.apply(*operands(a, b, "mul"))


def div(a: Any, b: Any) -> Tensor:
    return Div.apply(*float_operands(a, b, "div"))  # true division of integers gives floats


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001
    if isinstance(a, Tensor) and isinstance(b, numbers.Number) and not isinstance(b, bool):
        if isinstance(b, float) and not dtypes.is_floating(a.dtype):
            a = a.to(dtypes.get_default_dtype())
        elif b < 0 and a.dtype.kind in "iub":  # as PyTorch (and NumPy) refuse
            raise RuntimeError(f"pow: integers to negative integer powers are not allowed "
                               f"({a.dtype} tensor of shape {tuple(a.shape)} ** {b})")
        elif a.dtype == dtypes.bool:  # bool ** int is int64, as PyTorch (NumPy would give int8)
            a = a.to(dtypes.int64)
        return PowScalar.apply(a, b)
    if isinstance(a, Tensor) and a.dtype == dtypes.bool and isinstance(b, bool):
        return pow(a.to(dtypes.int64), int(b)).to(dtypes.bool)  # PyTorch keeps bool here
    a, b = operands(a, b, "pow")
    if a.dtype == dtypes.bool:  # NumPy gives int8; PyTorch has no bool ** bool
        raise RuntimeError(f"pow: not implemented for bool tensors (shapes {tuple(a.shape)} and "
                           f"{tuple(b.shape)}); convert to an integer or floating dtype first")
    return Pow.apply(a, b)


def neg(x: Tensor) -> Tensor:
    """-x, as a function for the mg.* namespace (PyTorch's torch.neg)."""
    if _tensor_input(x, "neg").dtype == dtypes.bool:
        raise DtypeError(f"neg: the - operator on a bool tensor (shape {tuple(x.shape)}) is not "
                         f"supported; use ~ or logical_not")
    return Neg.apply(x)


# --- linear interpolation ------------------------------------------------------------------------
class Lerp(Function):
    """input + weight * (end - input), evaluated from the nearer end as PyTorch does, so that
    weight 1 gives exactly ``end``."""

    @staticmethod
    def forward(ctx, a, b, w):
        ctx.save_for_backward(a, b, w)
        xp, x, y, t = a.xp, a.array, b.array, w.array
        diff = y - x
        return xp.where(xp.abs(t) < 0.5, x + t * diff, y - diff * (1 - t))

    @staticmethod
    def backward(ctx, grad):
        a, b, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        ga = sum_to_shape(grad * (1 - w), a.shape) if need[0] else None
        gb = sum_to_shape(grad * w, b.shape) if need[1] else None
        gw = sum_to_shape(grad * (b - a), w.shape) if need[2] else None
        return ga, gb, gw


def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:  # noqa: A002
    """Blend from ``input`` toward ``end`` (EMA weights, interpolated images); ``weight`` is a
    number or a tensor, and every tensor argument gets a gradient."""
    if not isinstance(input, Tensor) or not isinstance(end, Tensor):
        raise TypeError(f"lerp: input and end must be Tensors, got {type(input).__name__} and "
                        f"{type(end).__name__}")
    if not dtypes.is_floating(input.dtype):
        raise RuntimeError(f"lerp: not implemented for {input.dtype} tensors (shape "
                           f"{tuple(input.shape)}); convert with .float() first")
    if end.dtype != input.dtype:
        raise RuntimeError(f"lerp: expected end to have dtype {input.dtype} like input, got "
                           f"{end.dtype}")
    if isinstance(weight, Tensor):
        if weight.dtype != input.dtype:  # PyTorch lets only a 0-d float weight differ
            if weight.ndim != 0 or not dtypes.is_floating(weight.dtype):
                raise RuntimeError(f"lerp: expected weight to have dtype {input.dtype} like "
                                   f"input, got {weight.dtype} (shape {tuple(weight.shape)})")
            weight = weight.to(input.dtype)
    elif isinstance(weight, numbers.Real) and not isinstance(weight, bool):
        weight = scalar_like(weight, input)
    else:
        raise TypeError(f"lerp: weight must be a number or a Tensor, got {type(weight).__name__}")
    broadcast_shapes("lerp", input.shape, end.shape, weight.shape)
    return Lerp.apply(input, end, weight)
