"""Elementwise ops: arithmetic, exp/log/trig family, rounding, fmod/remainder, lerp,
activations, clamp, maximum/minimum, where, comparisons and predicates.

Binary ops broadcast like NumPy; their backward sums the gradient back to
each input's shape (``sum_to_shape``). Backwards are written with tensor ops,
so every op here supports double backward.
"""
from __future__ import annotations

import math
import numbers
from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor
from .broadcast import broadcast_shapes, sum_to_shape
from .layout import as_rows


# --- turning operands into tensors of one dtype ------------------------------------
def scalar_like(value: Any, like: Tensor) -> Tensor:
    """A 0-d constant on ``like``'s device; Python numbers are 'weak' and take its dtype."""
    dtype = dtypes.scalar_result_type(like.dtype, value)
    return Tensor._make(like.xp.asarray(value, dtype=dtype), like.device)


def operands(a: Any, b: Any, op: str) -> tuple[Tensor, Tensor]:
    """Two tensors with PyTorch's result dtype (float32 + int64 stays float32)."""
    if not isinstance(a, Tensor):
        a = scalar_like(a, b) if isinstance(a, numbers.Number) else Tensor(a, device=b.device)
    if not isinstance(b, Tensor):
        b = scalar_like(b, a) if isinstance(b, numbers.Number) else Tensor(b, device=a.device)
    if a.dtype != b.dtype:
        dtype = dtypes.result_type(a.dtype, b.dtype, a.ndim == 0, b.ndim == 0)
        a, b = a.to(dtype), b.to(dtype)
    if a.shape != b.shape:
        broadcast_shapes(op, a.shape, b.shape)
    return a, b


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
        return a.array ** b.array

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = sum_to_shape(grad * b * a ** (b - 1), a.shape)
        if ctx.needs_input_grad[1]:
            gb = sum_to_shape(grad * a ** b * log(a), b.shape)
        return ga, gb


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
    return Sub.apply(*operands(a, b, "sub"))


def mul(a: Any, b: Any) -> Tensor:
    return Mul.apply(*operands(a, b, "mul"))


def div(a: Any, b: Any) -> Tensor:
    a, b = operands(a, b, "div")
    if not dtypes.is_floating(a.dtype):  # true division of integers gives floats
        a, b = a.to(dtypes.get_default_dtype()), b.to(dtypes.get_default_dtype())
    return Div.apply(a, b)


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001
    if isinstance(a, Tensor) and isinstance(b, numbers.Number) and not isinstance(b, bool):
        if isinstance(b, float) and not dtypes.is_floating(a.dtype):
            a = a.to(dtypes.get_default_dtype())
        return PowScalar.apply(a, b)
    return Pow.apply(*operands(a, b, "pow"))


def neg(x: Tensor) -> Tensor:
    """-x, as a function for the mg.* namespace (PyTorch's torch.neg)."""
    return Neg.apply(_tensor_input(x, "neg"))


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
    if not dtypes.is_floating(b.dtype) and bool((b.array == 0).any()):
        raise RuntimeError(f"{op}: integer division by zero (ZeroDivisionError); the divisor "
                           f"({b.dtype}, shape {tuple(b.shape)}) holds a 0")
    return a, b


def fmod(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Remainder with the dividend's sign (C's fmod), for periodic quantities kept symmetric."""
    return Fmod.apply(*_division_operands(input, other, "fmod"))


def remainder(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Remainder with the divisor's sign (Python's %), e.g. to wrap indices or angles."""
    return Remainder.apply(*_division_operands(input, other, "remainder"))


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


# --- unary math -------------------------------------------------------------------------
def _tensor_input(x: Any, op: str) -> Tensor:
    """The one-tensor ops take a Tensor only (as PyTorch): a list or a number gets a TypeError
    naming the op, not an AttributeError from inside it."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(x).__name__}")
    return x


def _float_input(x: Tensor, op: str) -> Tensor:
    """exp/log/... of an integer tensor computes in the default float dtype, as PyTorch does."""
    _tensor_input(x, op)
    return x if dtypes.is_floating(x.dtype) else x.to(dtypes.get_default_dtype())


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


class Tanh(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.tanh(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        t = tanh(x)
        return grad * (1 - t * t)


def sigmoid_array(a: Any, xp: Any) -> Any:
    """1 / (1 + e^-a), from e = e^-|a| <= 1 so nothing overflows: 1 / (1 + e) for a >= 0 and
    e / (1 + e) below. Accurate to an ulp or two for any a (exp(-log(1 + e^-a)) loses ~|a|
    ulp, because log's output is rounded before exp amplifies it).

    The numerator is max(e, a >= 0): 1 where a >= 0 (as e <= 1) and e elsewhere, the same
    values as ``where(a >= 0, 1, e)`` in a third of the time (NumPy's ``where`` against a
    scalar is a slow, unvectorised loop); a NaN stays NaN through ``maximum``."""
    e = xp.exp(-xp.abs(a))
    return xp.maximum(e, a >= 0) / (1 + e)


class Sigmoid(Function):
    """1 / (1 + e^-x), without overflow and to an ulp or two (see ``sigmoid_array``)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return sigmoid_array(x.array, x.xp)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        s = sigmoid(x)
        return grad * s * (1 - s)


class ReLU(Function):
    """max(x, 0). Keeps only the bool mask x > 0 for backward (a quarter of x's memory), and
    splits both passes over the CPU's cores: on a CNN's activations they are memory-bound."""

    @staticmethod
    def forward(ctx, x):
        xp, a, zero = x.xp, x.array, x.array.dtype.type(0)
        track = ctx.needs_input_grad[0]
        fused = x.backend.kernel("relu_forward")
        if a.ndim == 0:
            out, mask = xp.maximum(a, zero), (a > zero) if track else None
        elif fused is not None:  # one GPU kernel for the max and the mask
            out, mask = fused(a)
        else:  # outputs in the input's memory order (channels-last stays channels-last)
            out = xp.empty_like(a)
            mask = xp.empty_like(a, dtype=xp.bool_) if track else None
            src, dst, keep, zeros = a, out, mask, zero
            rows = as_rows(a)
            if rows is not None:
                # Seen as rows in memory order, max against a row of zeros: NumPy's loop for
                # two contiguous operands is ~3x faster than its loop against a scalar.
                src, dst = rows, as_rows(out)
                keep = as_rows(mask) if track else None
                zeros = xp.zeros(src.shape[1], dtype=a.dtype)

            def part(s):
                xp.maximum(src[s], zeros, out=dst[s])
                if track:
                    xp.greater(src[s], zero, out=keep[s])
            x.backend.parallel_for(part, a.shape[0], a.size)
        ctx.save_for_backward(Tensor._make(mask, x.device) if track else None)
        return out

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        return ReLUMask.apply(grad, mask.array)


class ReLUMask(Function):
    """ReLU's backward, grad * (x > 0), in one pass over the saved bool mask (no float copy of
    it). Linear in grad with a constant mask, so it is its own adjoint (double backward)."""

    @staticmethod
    def forward(ctx, grad, mask):
        ctx.mask = mask
        xp, g = grad.xp, grad.array
        if g.ndim == 0:
            return g * mask
        out = xp.empty_like(g)
        grad.backend.parallel_for(lambda s: xp.multiply(g[s], mask[s], out=out[s]),
                                  g.shape[0], g.size)
        return out

    @staticmethod
    def backward(ctx, gg):
        return ReLUMask.apply(gg, ctx.mask), None


class LeakyReLU(Function):
    @staticmethod
    def forward(ctx, x, negative_slope):
        ctx.save_for_backward(x)
        ctx.slope = negative_slope
        a = x.array
        return x.xp.where(a > 0, a, a * a.dtype.type(negative_slope))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return where(x > 0, grad, grad * ctx.slope), None


class Clamp(Function):
    """Gradient passes where min <= x <= max (ends included, as in PyTorch)."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.bounds = lo, hi
        cast = x.array.dtype.type  # NumPy 2 would promote float32 to a np.float64 bound's dtype
        return x.xp.clip(x.array, None if lo is None else cast(lo), None if hi is None else cast(hi))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        mask = ones_mask = None
        if lo is not None:
            mask = x >= lo
        if hi is not None:
            ones_mask = x <= hi
            mask = ones_mask if mask is None else mask & ones_mask
        return (grad if mask is None else grad * mask), None, None


def exp(x: Tensor) -> Tensor:
    return Exp.apply(_float_input(x, "exp"))


def log(x: Tensor) -> Tensor:
    return Log.apply(_float_input(x, "log"))


def sqrt(x: Tensor) -> Tensor:
    return Sqrt.apply(_float_input(x, "sqrt"))


def abs(x: Tensor) -> Tensor:  # noqa: A001
    return Abs.apply(x)


def tanh(x: Tensor) -> Tensor:
    return Tanh.apply(_float_input(x, "tanh"))


def sigmoid(x: Tensor) -> Tensor:
    return Sigmoid.apply(_float_input(x, "sigmoid"))


def relu(x: Tensor) -> Tensor:
    return ReLU.apply(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return LeakyReLU.apply(x, negative_slope)


def clamp(x: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Limit x to [min, max]; tensor bounds broadcast and get gradients where they bind."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = x
        if min is not None:
            out = where(out >= min, out, min)
        if max is not None:
            out = where(out <= max, out, max)
        return out
    if not dtypes.is_floating(x.dtype) and any(isinstance(v, float) for v in (min, max)):
        x = x.to(dtypes.get_default_dtype())
    return Clamp.apply(x, min, max)


def sign(x: Tensor) -> Tensor:
    """-1, 0 or 1 (not differentiable: its derivative is zero almost everywhere)."""
    _tensor_input(x, "sign")
    return Tensor._make(x.xp.sign(x.array), x.device)


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


# --- two-input selection ----------------------------------------------------------------
class Where(Function):
    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        ctx.shapes = a.shape, b.shape
        return a.xp.where(cond.array, a.array, b.array)

    @staticmethod
    def backward(ctx, grad):
        (cond,), (sa, sb) = ctx.saved_tensors, ctx.shapes
        zero = scalar_like(0, grad)
        ga = sum_to_shape(where(cond, grad, zero), sa) if ctx.needs_input_grad[1] else None
        gb = sum_to_shape(where(cond, zero, grad), sb) if ctx.needs_input_grad[2] else None
        return None, ga, gb


def where(condition: Tensor, a: Any, b: Any) -> Tensor:
    """Pick from ``a`` where ``condition`` holds, else from ``b`` (gradients follow the pick)."""
    if not isinstance(condition, Tensor):
        device = next((t.device for t in (a, b) if isinstance(t, Tensor)), None)
        condition = Tensor(condition, device=device)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):  # where(cond, 1.0, -1.0)
        a = Tensor(a, device=condition.device)
    if condition.dtype != dtypes.bool:
        condition = Tensor._make(condition.array != 0, condition.device)
    a, b = operands(a, b, "where")
    broadcast_shapes("where", condition.shape, a.shape, b.shape)
    return Where.apply(condition, a, b)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise max; at ties the gradient is split evenly, as in PyTorch."""
    a, b = operands(a, b, "maximum")
    return _select(a, b, a > b, a == b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise min; at ties the gradient is split evenly, as in PyTorch."""
    a, b = operands(a, b, "minimum")
    return _select(a, b, a < b, a == b)


def _select(a: Tensor, b: Tensor, a_wins: Tensor, tie: Tensor) -> Tensor:
    half = scalar_like(0.5, a)
    return where(a_wins, a, b) * (1 - tie.to(a.dtype)) + (a + b) * half * tie.to(a.dtype) \
        if bool(tie.array.any()) else where(a_wins, a, b)


# --- comparisons (no gradient) --------------------------------------------------------------
def _compare(a: Any, b: Any, op: str, fn: Any) -> Tensor:
    if not isinstance(a, Tensor):
        a, b = b, a
        fn = {"lt": "greater", "le": "greater_equal", "gt": "less", "ge": "less_equal"}.get(op, fn)
    if isinstance(b, Tensor):
        if b.device != a.device:
            raise RuntimeError(f"{op}: expected both tensors on the same device, got {a.device} and "
                               f"{b.device}")
        if a.shape != b.shape:
            broadcast_shapes(op, a.shape, b.shape)
        b = b.array
    return Tensor._make(getattr(a.xp, fn)(a.array, b), a.device)


def eq(a: Any, b: Any) -> Tensor:
    return _compare(a, b, "eq", "equal")


def ne(a: Any, b: Any) -> Tensor:
    return _compare(a, b, "ne", "not_equal")


def lt(a: Any, b: Any) -> Tensor:
    return _compare(a, b, "lt", "less")


def le(a: Any, b: Any) -> Tensor:
    return _compare(a, b, "le", "less_equal")


def gt(a: Any, b: Any) -> Tensor:
    return _compare(a, b, "gt", "greater")


def ge(a: Any, b: Any) -> Tensor:
    return _compare(a, b, "ge", "greater_equal")


def logical_and(a: Tensor, b: Tensor) -> Tensor:
    return _compare(a, b, "logical_and", "logical_and")


def logical_or(a: Tensor, b: Tensor) -> Tensor:
    return _compare(a, b, "logical_or", "logical_or")


def logical_not(a: Tensor) -> Tensor:
    return Tensor._make(a.xp.logical_not(a.array), a.device)


def isnan(a: Tensor) -> Tensor:
    return Tensor._make(a.xp.isnan(a.array), a.device)


def isfinite(a: Tensor) -> Tensor:
    return Tensor._make(a.xp.isfinite(a.array), a.device)


def logical_xor(a: Tensor, b: Tensor) -> Tensor:
    """Exactly one of a, b is nonzero (e.g. where two masks disagree); a bool tensor."""
    return _compare(a, b, "logical_xor", "logical_xor")


def isinf(a: Tensor) -> Tensor:
    """Where a is +inf or -inf (never, for integer and bool tensors)."""
    _tensor_input(a, "isinf")
    if not dtypes.is_floating(a.dtype):
        return Tensor._make(a.xp.zeros(a.shape, dtype=dtypes.bool), a.device)
    return Tensor._make(a.xp.isinf(a.array), a.device)


def isposinf(a: Tensor) -> Tensor:
    """Where a is +inf, e.g. to find overflowed activations (never for integers)."""
    _tensor_input(a, "isposinf")
    if not dtypes.is_floating(a.dtype):
        return Tensor._make(a.xp.zeros(a.shape, dtype=dtypes.bool), a.device)
    return Tensor._make(a.xp.isinf(a.array) & (a.array > 0), a.device)


def isneginf(a: Tensor) -> Tensor:
    """Where a is -inf, e.g. masked logits (never for integers)."""
    _tensor_input(a, "isneginf")
    if not dtypes.is_floating(a.dtype):
        return Tensor._make(a.xp.zeros(a.shape, dtype=dtypes.bool), a.device)
    return Tensor._make(a.xp.isinf(a.array) & (a.array < 0), a.device)


class NanToNum(Function):
    """Replace nan/+inf/-inf by finite numbers; the gradient flows only where x was finite."""

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        a, xp = x.array, x.xp
        if not dtypes.is_floating(x.dtype):
            return a.copy()
        info, cast = xp.finfo(a.dtype), a.dtype.type  # cast: no float64 promotion under NumPy 2
        out = xp.where(xp.isnan(a), cast(nan), a)
        out = xp.where(a == cast("inf"), cast(info.max if posinf is None else posinf), out)
        return xp.where(a == cast("-inf"), cast(info.min if neginf is None else neginf), out)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * isfinite(x).to(grad.dtype), None, None, None


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,  # noqa: A002
               neginf: float | None = None) -> Tensor:
    """Make a tensor finite (nan -> ``nan``, +-inf -> ``posinf``/``neginf``, by default the
    dtype's largest finite values), e.g. before a loss that must not see inf."""
    _tensor_input(input, "nan_to_num")
    for name, value in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if value is not None and (not isinstance(value, numbers.Real) or isinstance(value, bool)):
            raise TypeError(f"nan_to_num: {name} must be a number or None, got {type(value).__name__}")
    return NanToNum.apply(input, nan, posinf, neginf)
