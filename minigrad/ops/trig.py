"""Trigonometric and hyperbolic functions beyond sin/cos: tan, the inverse functions asin,
acos, atan and atan2, sinh/cosh and their inverses, hypot, sinc, and degree/radian conversion.

Grouped because each derivative is an algebraic expression in the same family (tan' = 1 +
tan^2, asin' = 1/sqrt(1 - x^2), atan2's pair x/r^2 and -y/r^2), written with tensor ops so that
double backward works. Outside an inverse function's domain the forward gives nan (asin(2)) or
+-inf (atanh(+-1)), exactly as PyTorch and NumPy do; integers compute in the default float dtype.
"""
from __future__ import annotations

import math
from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor
from .broadcast import sum_to_shape
from .comparison import where
from .elementwise import _float_input, float_operands, operands, scalar_like
from .unary_math import cos, rsqrt, sin


# --- tan and the inverse trig functions ------------------------------------------------------
class Tan(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.tan(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        t = tan(x)
        return grad * (t * t + 1)


class Asin(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.arcsin(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * rsqrt(1 - x * x)


class Acos(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.arccos(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -(grad * rsqrt(1 - x * x))


class Atan(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.arctan(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * x + 1)


class Atan2(Function):
    """The angle of the point (x, y): d/dy = x / r^2 and d/dx = -y / r^2 (0 at the origin)."""

    @staticmethod
    def forward(ctx, y, x):
        ctx.save_for_backward(y, x)
        return y.xp.arctan2(y.array, x.array)

    @staticmethod
    def backward(ctx, grad):
        y, x = ctx.saved_tensors
        r2 = x * x + y * y  # at the origin the gradient is 0, as in PyTorch
        origin = r2 == 0
        scaled = where(origin, scalar_like(0.0, r2), grad / where(origin, scalar_like(1.0, r2), r2))
        gy = sum_to_shape(scaled * x, y.shape) if ctx.needs_input_grad[0] else None
        gx = sum_to_shape(-(scaled * y), x.shape) if ctx.needs_input_grad[1] else None
        return gy, gx


def tan(x: Tensor) -> Tensor:
    """Tangent; integers compute in the default float dtype."""
    return Tan.apply(_float_input(x, "tan"))


def asin(x: Tensor) -> Tensor:
    """Inverse sine; nan outside [-1, 1], as in PyTorch."""
    return Asin.apply(_float_input(x, "asin"))


def acos(x: Tensor) -> Tensor:
    """Inverse cosine; nan outside [-1, 1], as in PyTorch."""
    return Acos.apply(_float_input(x, "acos"))


def atan(x: Tensor) -> Tensor:
    """Inverse tangent, in (-pi/2, pi/2)."""
    return Atan.apply(_float_input(x, "atan"))


def atan2(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """The angle of (other, input) in (-pi, pi], the quadrant-aware atan(input / other)."""
    y, x = _float_pair(input, other, "atan2")
    return Atan2.apply(y, x)


# --- hyperbolic functions and their inverses -------------------------------------------------
class Sinh(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.sinh(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * cosh(x)


class Cosh(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.cosh(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * sinh(x)


class Asinh(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.arcsinh(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * rsqrt(x * x + 1)


class Acosh(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.arccosh(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * rsqrt((x - 1) * (x + 1))


class Atanh(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.arctanh(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1 - x * x)


def sinh(x: Tensor) -> Tensor:
    """Hyperbolic sine; integers compute in the default float dtype."""
    return Sinh.apply(_float_input(x, "sinh"))


def cosh(x: Tensor) -> Tensor:
    """Hyperbolic cosine; integers compute in the default float dtype."""
    return Cosh.apply(_float_input(x, "cosh"))


def asinh(x: Tensor) -> Tensor:
    """Inverse hyperbolic sine, defined everywhere."""
    return Asinh.apply(_float_input(x, "asinh"))


def acosh(x: Tensor) -> Tensor:
    """Inverse hyperbolic cosine; nan below 1, as in PyTorch."""
    return Acosh.apply(_float_input(x, "acosh"))


def atanh(x: Tensor) -> Tensor:
    """Inverse hyperbolic tangent; +-inf at +-1 and nan beyond, as in PyTorch."""
    return Atanh.apply(_float_input(x, "atanh"))


# --- hypot, sinc and angle units ---------------------------------------------------------------
class Hypot(Function):
    """sqrt(a^2 + b^2) without overflow; d/da = a / hypot(a, b)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.xp.hypot(a.array, b.array)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        scaled = grad / hypot(a, b)
        ga = sum_to_shape(scaled * a, a.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to_shape(scaled * b, b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Sinc(Function):
    """sin(pi x) / (pi x), 1 at 0; the derivative (cos(pi x) - sinc(x)) / x is 0 at 0. The
    backward divides by a safe x (1 where x is 0) so double backward sees no 0/0 there."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        xp, a = x.xp, x.array
        pix = a * a.dtype.type(math.pi)
        safe = xp.where(a == 0, a.dtype.type(1), pix)
        return xp.where(a == 0, a.dtype.type(1), xp.sin(safe) / safe)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        zero = x == 0
        safe = where(zero, scalar_like(1.0, x), x)
        slope = (cos(safe * math.pi) - sinc(safe)) / safe
        # at 0 the slope's own Taylor term -pi^2 x / 3 (0 there, with the true second derivative)
        return grad * where(zero, x * (-math.pi ** 2 / 3), slope)


def hypot(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """The Euclidean length sqrt(input^2 + other^2), computed without overflow."""
    a, b = operands(input, other, "hypot")
    _floats_only(a, "hypot")
    return Hypot.apply(a, b)


def sinc(x: Tensor) -> Tensor:
    """The normalised sinc, sin(pi x) / (pi x) (1 at 0), e.g. for resampling filters."""
    return Sinc.apply(_float_input(x, "sinc"))


def deg2rad(x: Tensor) -> Tensor:
    """Degrees to radians (x * pi / 180); integers compute in the default float dtype."""
    return _float_input(x, "deg2rad") * (math.pi / 180.0)


def rad2deg(x: Tensor) -> Tensor:
    """Radians to degrees (x * 180 / pi); integers compute in the default float dtype."""
    return _float_input(x, "rad2deg") * (180.0 / math.pi)


# --- operand helpers ----------------------------------------------------------------------------
def _floats_only(a: Tensor, op: str) -> None:
    """PyTorch has no integer kernel for hypot/logaddexp: say so, naming the op and dtype."""
    if not dtypes.is_floating(a.dtype):
        raise NotImplementedError(f"{op}: not implemented for {a.dtype} tensors (shape "
                                  f"{tuple(a.shape)}); convert with .float() first")


def _float_pair(a: Any, b: Any, op: str) -> tuple[Tensor, Tensor]:
    """Two operands at PyTorch's result dtype, integers then moved to the default float."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    return float_operands(a, b, op)
