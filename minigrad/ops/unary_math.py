"""Math functions of one tensor: exp and log (also base 2 and 10, log1p, expm1), sqrt and
rsqrt, square, reciprocal, sin and cos, abs and sign.

Grouped because each applies one function f per element and its backward is grad * f'(x),
with f' written from the same family (exp's from exp, sin's from cos, abs's from sign). Integer
inputs compute in the default float dtype, as in PyTorch, except for abs, square and sign,
which keep integers.
"""
from __future__ import annotations

import math

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor
from .elementwise import _float_input, _tensor_input


# --- unary math -------------------------------------------------------------------------
class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.exp(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * exp(x)


class Log(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.log(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Sqrt(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.sqrt(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (2 * sqrt(x))


class Abs(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.abs(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * sign(x)


def exp(x: Tensor) -> Tensor:
    return Exp.apply(_float_input(x, "exp"))


def log(x: Tensor) -> Tensor:
    return Log.apply(_float_input(x, "log"))


def sqrt(x: Tensor) -> Tensor:
    return Sqrt.apply(_float_input(x, "sqrt"))


def abs(x: Tensor) -> Tensor:  # noqa: A001
    return Abs.apply(x)


class Sign(Function):
    """-1, 0 or 1: piecewise constant, so its gradient is zero, as in PyTorch (where
    ``x.sign().sum().backward()`` works and leaves x.grad zeros)."""

    @staticmethod
    def forward(ctx, x):
        if x.dtype == x.xp.bool_:  # NumPy has no bool sign; PyTorch's is the input itself
            return x.array.copy()
        return x.xp.sign(x.array)

    @staticmethod
    def backward(ctx, grad):
        return Tensor._make(grad.xp.zeros_like(grad.array), grad.device)


def sign(x: Tensor) -> Tensor:
    """-1, 0 or 1, with a zero gradient."""
    return Sign.apply(_tensor_input(x, "sign"))


# --- more unary math: trig, reciprocals, log/exp in other bases ---------------------------
# Integer inputs compute in the default float dtype (``_float_input``), as in PyTorch; the
# constants ln 2 and ln 10 are Python floats, so float32 stays float32.
class Sin(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.sin(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * cos(x)


class Cos(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.cos(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -(grad * sin(x))


class Square(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.array * x.array

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (2 * x)


class Rsqrt(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.reciprocal(x.xp.sqrt(x.array))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        r = rsqrt(x)
        return grad * (r * r * r) * -0.5


class Reciprocal(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.reciprocal(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        r = reciprocal(x)
        return -(grad * r * r)


class Log1p(Function):
    """log(1 + x), accurate for tiny x where 1 + x would round to 1."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.log1p(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x + 1)


class Expm1(Function):
    """e^x - 1, accurate for tiny x where e^x - 1 would cancel to 0."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.expm1(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * exp(x)


class Log2(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.log2(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * math.log(2.0))


class Log10(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.log10(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * math.log(10.0))


class Exp2(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.exp2(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * exp2(x) * math.log(2.0)


def sin(x: Tensor) -> Tensor:
    """Sine; integers compute in the default float dtype."""
    return Sin.apply(_float_input(x, "sin"))


def cos(x: Tensor) -> Tensor:
    """Cosine; integers compute in the default float dtype."""
    return Cos.apply(_float_input(x, "cos"))


def square(x: Tensor) -> Tensor:
    """x * x; integers stay integers (bools count as int64), as in PyTorch."""
    _tensor_input(x, "square")
    return Square.apply(x.to(dtypes.int64) if x.dtype == dtypes.bool else x)


def rsqrt(x: Tensor) -> Tensor:
    """1 / sqrt(x), the normalisation factor of BatchNorm/LayerNorm/RMSNorm, in one op."""
    return Rsqrt.apply(_float_input(x, "rsqrt"))


def reciprocal(x: Tensor) -> Tensor:
    """1 / x; integers give floats (PyTorch's rule, unlike integer division)."""
    return Reciprocal.apply(_float_input(x, "reciprocal"))


def log1p(x: Tensor) -> Tensor:
    """log(1 + x), accurate for tiny x where log(1 + x) rounds 1 + x away."""
    return Log1p.apply(_float_input(x, "log1p"))


def expm1(x: Tensor) -> Tensor:
    """exp(x) - 1, accurate for tiny x where exp(x) - 1 cancels."""
    return Expm1.apply(_float_input(x, "expm1"))


def log2(x: Tensor) -> Tensor:
    """Base-2 logarithm (bits); integers give floats."""
    return Log2.apply(_float_input(x, "log2"))


def log10(x: Tensor) -> Tensor:
    """Base-10 logarithm (decibels, orders of magnitude); integers give floats."""
    return Log10.apply(_float_input(x, "log10"))


def exp2(x: Tensor) -> Tensor:
    """2 ** x with a tensor exponent; integers give floats."""
    return Exp2.apply(_float_input(x, "exp2"))
