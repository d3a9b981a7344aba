"""Elementwise ops: arithmetic, exp/log family, activations, clamp, maximum/minimum, where.

Binary ops broadcast like NumPy; their backward sums the gradient back to
each input's shape (``sum_to_shape``). Backwards are written with tensor ops,
so every op here supports double backward.
"""
from __future__ import annotations

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
    return Neg.apply(x)


# --- unary math -------------------------------------------------------------------------
def _float_input(x: Tensor, op: str) -> Tensor:
    """exp/log/... of an integer tensor computes in the default float dtype, as PyTorch does."""
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


class Sigmoid(Function):
    """1 / (1 + e^-x), computed as exp(-log(1 + e^-x)) so it never overflows."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        xp = x.xp
        return xp.exp(-xp.logaddexp(x.array.dtype.type(0), -x.array))

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
    return Tensor._make(x.xp.sign(x.array), x.device)


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
