"""More elementwise functions PyTorch users reach for: logaddexp/logaddexp2, logit, xlogy,
clamp_min/clamp_max, copysign, signbit, heaviside, fmax/fmin, float_power, true_divide and
floor_divide.

Grouped as the numerically careful or sign/rounding variants of the basic arithmetic: each is
a Function whose backward is written with tensor ops (double backward works), or a
composition of existing ops. Where PyTorch has no derivative (heaviside, floor_divide, signbit)
the result carries no gradient. NaN, 0 and +-inf follow PyTorch: xlogy(0, y) = 0 unless y is
nan, fmax/fmin ignore a nan operand, logit(0) = -inf.
"""
from __future__ import annotations

import numbers
from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor
from .activation_basic import sigmoid
from .arithmetic import div, pow
from .broadcast import sum_to_shape
from .comparison import clamp, isnan, where
from .elementwise import _float_input, _tensor_input, operands, scalar_like
from .trig import _float_pair, _floats_only
from .unary_math import log, sign

_LN2 = 0.6931471805599453


# --- log-domain sums and the log-odds ---------------------------------------------------------
class LogAddExp(Function):
    """log(e^a + e^b) without overflow; d/da = sigmoid(a - b), scaled by ln 2 for base 2
    (2^a / (2^a + 2^b) = sigmoid((a - b) ln 2))."""

    @staticmethod
    def forward(ctx, a, b, base2):
        ctx.save_for_backward(a, b)
        ctx.scale = _LN2 if base2 else 1.0
        return (a.xp.logaddexp2 if base2 else a.xp.logaddexp)(a.array, b.array)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        share = sigmoid((a - b) * ctx.scale)
        ga = sum_to_shape(grad * share, a.shape) if ctx.needs_input_grad[0] else None
        gb = sum_to_shape(grad * (1 - share), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb, None


class Logit(Function):
    """log(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps is given; the gradient
    1 / (x (1 - x)) is zero outside that range (PyTorch's rule), computed at a safe x there so
    double backward sees no 0/0. Without eps it is nan outside [0, 1], as in PyTorch."""

    @staticmethod
    def forward(ctx, x, eps):
        ctx.save_for_backward(x)
        ctx.eps = eps
        a, xp = x.array, x.xp
        if eps is not None:  # PyTorch's order, which matters for eps > 0.5: below eps first
            low, high = a.dtype.type(eps), a.dtype.type(1 - eps)
            a = xp.where(a < low, low, xp.where(a > high, high, a))
        return xp.log(a / (1 - a))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if ctx.eps is None:  # nan outside [0, 1], where logit itself is nan
            outside = (x < 0) | (x > 1)
            return where(outside, scalar_like(float("nan"), x), grad / (x * (1 - x))), None
        inside = (x >= ctx.eps) & (x <= 1 - ctx.eps)
        safe = where(inside, x, scalar_like(0.5, x))
        return where(inside, grad / (safe * (1 - safe)), scalar_like(0.0, x)), None


class XLogY(Function):
    """x * log(y), defined as 0 where x == 0 (unless y is nan), so entropies of
    distributions with zeros stay finite; d/dx = log(y) (0 where x == 0 and y <= 0, as in
    PyTorch), d/dy = x / y."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        xp, a, b = x.xp, x.array, y.array
        zero = a.dtype.type(0)
        out = xp.where(a == 0, zero, a * xp.log(b))
        return xp.where(xp.isnan(b), b, out)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        gx = gy = None
        if ctx.needs_input_grad[0]:  # log(y), but 0 where x == 0 and y <= 0 (PyTorch's rule)
            gx = where((x == 0) & (y <= 0), scalar_like(0.0, x), xlogy(grad, y))
            gx = sum_to_shape(gx, x.shape)
        if ctx.needs_input_grad[1]:
            gy = sum_to_shape(grad * x / y, y.shape)
        return gx, gy


def logaddexp(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """log(exp(input) + exp(other)) without overflow, for adding log-probabilities."""
    a, b = operands(input, other, "logaddexp")
    _floats_only(a, "logaddexp")
    return LogAddExp.apply(a, b, False)


def logaddexp2(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """log2(2^input + 2^other) without overflow, for adding log2-probabilities."""
    a, b = operands(input, other, "logaddexp2")
    _floats_only(a, "logaddexp2")
    return LogAddExp.apply(a, b, True)


def logit(input: Tensor, eps: float | None = None) -> Tensor:  # noqa: A002
    """The log-odds log(p / (1 - p)), inverse of sigmoid; ``eps`` clamps p away from 0 and 1
    first (so the result stays finite). Integers compute in the default float dtype."""
    if eps is not None and (not isinstance(eps, numbers.Real) or isinstance(eps, bool)):
        raise TypeError(f"logit: eps must be a float or None, got {type(eps).__name__}")
    return Logit.apply(_float_input(input, "logit"), None if eps is None else float(eps))


def xlogy(input: Any, other: Any) -> Tensor:  # noqa: A002
    """input * log(other) with 0 * log(0) = 0, for cross-entropies and KL terms."""
    x, y = _float_pair(input, other, "xlogy")
    return XLogY.apply(x, y)


# --- clamps with one bound ---------------------------------------------------------------------
def clamp_min(input: Tensor, min: Any) -> Tensor:  # noqa: A002
    """max(input, min) elementwise, with clamp's gradient rule (a tensor bound broadcasts)."""
    return clamp(_tensor_input(input, "clamp_min"), min=min)


def clamp_max(input: Tensor, max: Any) -> Tensor:  # noqa: A002
    """min(input, max) elementwise, with clamp's gradient rule (a tensor bound broadcasts)."""
    return clamp(_tensor_input(input, "clamp_max"), max=max)


# --- signs -----------------------------------------------------------------------------------
class CopySign(Function):
    """|a| with b's sign; d/da = sign(a) * (+-1 by b's sign bit), a constant (0 at a == 0, as
    in PyTorch), and d/db = 0."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.xp.copysign(a.array, b.array)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            flip = Tensor._make(a.xp.copysign(a.xp.ones_like(b.array), b.array), a.device)
            ga = sum_to_shape(grad * (sign(a) * flip), a.shape)
        if ctx.needs_input_grad[1]:
            gb = sum_to_shape(grad * 0, b.shape)
        return ga, gb


def copysign(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The magnitude of ``input`` with the sign of ``other`` (-0.0 counts as negative);
    integers give floats, as in PyTorch."""
    a, b = _float_pair(input, other, "copysign")
    return CopySign.apply(a, b)


def signbit(input: Tensor) -> Tensor:  # noqa: A002
    """Whether the sign bit is set (True for -0.0 and negatives): a bool tensor."""
    _tensor_input(input, "signbit")
    a = input.array
    if input.dtype == dtypes.bool:
        return Tensor._make(input.xp.zeros(a.shape, dtype=dtypes.bool), input.device)
    return Tensor._make(input.xp.signbit(a), input.device)


def heaviside(input: Tensor, values: Tensor) -> Tensor:  # noqa: A002
    """The step function: 0 below zero, 1 above, ``values`` at exactly zero. Not
    differentiable (PyTorch has no derivative either), so the result never requires grad."""
    _tensor_input(input, "heaviside")
    _tensor_input(values, "heaviside")
    if input.dtype != values.dtype:
        raise RuntimeError(f"heaviside: not implemented for tensors with different dtypes "
                           f"({input.dtype} and {values.dtype})")
    x, v = operands(input, values, "heaviside")
    xp, a = x.xp, x.array
    step = (a > 0).astype(a.dtype)
    return Tensor._make(xp.where(a == 0, v.array, step), x.device)


# --- nan-ignoring max/min ------------------------------------------------------------------
def fmax(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise max that ignores a nan operand (nan only where both are); the gradient goes
    to input where input >= other or other is nan, else to other, as in PyTorch (ties: input)."""
    a, b = operands(input, other, "fmax")
    return where((a >= b) | isnan(b), a, b)


def fmin(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise min that ignores a nan operand (nan only where both are); the gradient goes
    to input where input <= other or other is nan, else to other, as in PyTorch (ties: input)."""
    a, b = operands(input, other, "fmin")
    return where((a <= b) | isnan(b), a, b)


# --- division and powers with PyTorch's special dtypes/roundings --------------------------------
def float_power(input: Any, exponent: Any) -> Tensor:  # noqa: A002
    """input ** exponent computed in float64 whatever the inputs (the result is float64, as in
    PyTorch); gradients flow back to each input in its own dtype."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(f"float_power: expected a Tensor input, got {type(input).__name__} and "
                        f"{type(exponent).__name__}")
    base = input.to(dtypes.float64) if isinstance(input, Tensor) else float(input)
    if isinstance(exponent, Tensor):
        return pow(base, exponent.to(dtypes.float64))
    if not isinstance(exponent, numbers.Real):  # a bool counts as 0 or 1, as in PyTorch
        raise TypeError(f"float_power: exponent must be a number or a Tensor, got "
                        f"{type(exponent).__name__}")
    return pow(base, float(exponent))


def true_divide(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Division that always gives floats (PyTorch's alias of div)."""
    return div(input, other)


class _ZeroGradient(Function):
    """floor_divide and div(rounding_mode='trunc') in the graph: the quotient is piecewise
    constant, so both gradients are zeros (also where the divisor is 0), as in PyTorch."""

    @staticmethod
    def forward(ctx, a, b, trunc=False):
        ctx.shapes = a.shape, b.shape
        if trunc:
            return a.xp.trunc(a.array / b.array)
        return a.xp.floor_divide(a.array, b.array)

    @staticmethod
    def backward(ctx, grad):
        xp = grad.xp
        return tuple(Tensor._make(xp.zeros(shape, dtype=grad.dtype), grad.device)
                     for shape in ctx.shapes) + (None,)


def floor_divide(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The quotient rounded toward minus infinity (-7 // 2 = -4), integers staying integers;
    an integer division by zero raises, as in PyTorch."""
    a, b = operands(input, other, "floor_divide")
    if not dtypes.is_floating(a.dtype) and a.array.size and bool((b.array == 0).any()):
        raise RuntimeError(f"floor_divide: integer division by zero (ZeroDivisionError; "
                           f"{a.dtype} tensors of shapes {tuple(a.shape)} and {tuple(b.shape)})")
    if a.dtype == dtypes.bool:
        a, b = a.to(dtypes.int64), b.to(dtypes.int64)
    return _ZeroGradient.apply(a, b)


# --- in-place variants (Tensor.tan_, ...): no autograd, as minigrad's other in-place writes -----
def inplace(fn: Any, name: str) -> Any:
    """The in-place method ``name`` computing ``fn(self, ...)`` into self's memory; like
    PyTorch it refuses a result whose dtype self cannot hold (int.tan_())."""

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if self._records_inplace(*args, *kwargs.values()):  # a gradient is involved
            return self._record_inplace(name, lambda t: fn(t, *args, **kwargs))
        self._check_inplace(name, next((a for a in args if isinstance(a, Tensor)), None))
        from ..autograd.grad_mode import no_grad
        with no_grad():
            out = fn(self, *args, **kwargs)
        if out.dtype != self.dtype and not (dtypes.is_floating(self.dtype) and
                                            dtypes.is_floating(out.dtype)):
            raise RuntimeError(f"{name}: result type {out.dtype} can't be cast to the desired "
                               f"output type {self.dtype}")
        if tuple(out.shape) != tuple(self.shape):
            raise RuntimeError(f"{name}: the result's shape {tuple(out.shape)} does not match "
                               f"the tensor's shape {tuple(self.shape)} written in place")
        self.array[...] = out.array
        return self

    method.__name__ = name
    method.__doc__ = f"In-place {fn.__name__}."
    return method
