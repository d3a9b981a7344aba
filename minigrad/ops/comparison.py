"""Comparisons and the ops that choose by them.

eq/ne/lt/le/gt/ge, logical_and/or/xor/not and the predicates isnan/isfinite/isinf/isposinf/
isneginf give bool tensors and no gradient. where, maximum/minimum, clamp and nan_to_num use
such a test to pick, per element, one of two values (a or b, the larger or smaller, x or a
bound, x or a replacement), so their gradient follows the pick: it flows to the value chosen.
"""
from __future__ import annotations

import numbers
from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..errors import ArgumentError
from ..tensor import Tensor
from .broadcast import broadcast_shapes, sum_to_shape
from .elementwise import _tensor_input, operands, scalar_like


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


_NOT_GIVEN = object()


def where(condition: Tensor, input: Any = _NOT_GIVEN, other: Any = _NOT_GIVEN) -> Tensor:
    """Pick from ``input`` where ``condition`` holds, else from ``other`` (gradients follow the
    pick). ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``, as in PyTorch."""
    a, b = input, other
    if a is _NOT_GIVEN and b is _NOT_GIVEN:
        from .selection import nonzero  # selection builds on where
        return nonzero(condition, as_tuple=True)
    if a is _NOT_GIVEN or b is _NOT_GIVEN:
        raise TypeError("where: expected where(condition) or where(condition, input, other)")
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


class Extremum(Function):
    """maximum / minimum: NumPy's, so NaN propagates and the dtype is kept (ints stay ints).

    Gradient as PyTorch's: all of it to the winner, half to each at a tie; where a NaN is
    involved neither input "loses", so both get all of it."""

    @staticmethod
    def forward(ctx, a, b, largest):
        ctx.save_for_backward(a, b)
        ctx.largest = largest
        return (a.xp.maximum if largest else a.xp.minimum)(a.array, b.array)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        dtype = grad.dtype
        lower, higher = (a.array < b.array), (a.array > b.array)
        a_loses, b_loses = (lower, higher) if ctx.largest else (higher, lower)
        half_tie = (a.array == b.array).astype(dtype) * dtype.type(0.5)
        # share = 1 - loses - tie/2: 1 to the winner (and to both where a NaN is involved),
        # 1/2 at a tie, 0 to the loser. A constant, so grad * share has a double backward.
        ga = gb = None
        if ctx.needs_input_grad[0]:
            share = dtype.type(1) - a_loses.astype(dtype) - half_tie
            ga = sum_to_shape(grad * Tensor._make(share, grad.device), a.shape)
        if ctx.needs_input_grad[1]:
            share = dtype.type(1) - b_loses.astype(dtype) - half_tie
            gb = sum_to_shape(grad * Tensor._make(share, grad.device), b.shape)
        return ga, gb, None


class Maximum(Extremum):
    pass


class Minimum(Extremum):
    pass


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise max (NaN wins, as in PyTorch); at ties the gradient is split evenly."""
    a, b = operands(a, b, "maximum")
    return Maximum.apply(a, b, True)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise min (NaN wins, as in PyTorch); at ties the gradient is split evenly."""
    a, b = operands(a, b, "minimum")
    return Minimum.apply(a, b, False)


# --- clamp: where against fixed or tensor bounds ----------------------------------------
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


def clamp(x: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Limit x to [min, max]; tensor bounds broadcast and get gradients where they bind."""
    if min is None and max is None:
        raise ArgumentError("clamp: at least one of min and max must be given")
    for bound in (min, max):
        if bound is not None and not isinstance(bound, (Tensor, numbers.Number)):
            raise TypeError(f"clamp: min and max must be numbers or Tensors, got "
                            f"{type(bound).__name__}")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = x
        if min is not None:
            out = where(out >= min, out, min)
        if max is not None:
            out = where(out <= max, out, max)
        return out
    if not dtypes.is_floating(x.dtype) and any(isinstance(v, float) for v in (min, max)):
        x = x.to(dtypes.get_default_dtype())
    elif x.dtype == dtypes.bool and any(v is not None and not isinstance(v, bool) for v in (min, max)):
        x = x.to(dtypes.int64)  # an int bound makes bools int64, as in PyTorch
    return Clamp.apply(x, min, max)


# --- comparisons (no gradient) --------------------------------------------------------------
def _compare(a: Any, b: Any, op: str, fn: Any) -> Tensor:
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}: expected a Tensor operand, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    if not isinstance(a, Tensor):
        a, b = b, a
        fn = {"lt": "greater", "le": "greater_equal", "gt": "less", "ge": "less_equal"}.get(op, fn)
    if not isinstance(b, (Tensor, numbers.Number)):  # a list or a host array: a tensor on a's
        b = Tensor(b, device=a.device)                # device (CuPy refuses NumPy operands)
    if isinstance(b, Tensor):
        if b.device != a.device:
            raise RuntimeError(f"{op}: expected both tensors on the same device, got {a.device} and "
                               f"{b.device}")
        if a.dtype != b.dtype:  # compare at PyTorch's promoted dtype (float16 tensor vs a
            a, b = operands(a, b, op)  # float32 0-d one: in float16), not NumPy's widest
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
    _tensor_input(a, "logical_not")
    return Tensor._make(a.xp.logical_not(a.array), a.device)


def isnan(a: Tensor) -> Tensor:
    _tensor_input(a, "isnan")
    return Tensor._make(a.xp.isnan(a.array), a.device)


def isfinite(a: Tensor) -> Tensor:
    _tensor_input(a, "isfinite")
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
