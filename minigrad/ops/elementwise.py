"""What every elementwise op shares: turning operands into tensors of one dtype, and checking
one-tensor inputs.

The ops themselves live by topic, each file holding forwards and backwards side by side:

- ``arithmetic``: + - * / **, neg, lerp
- ``rounding``: floor, ceil, trunc/fix, round, frac, and the remainders fmod and remainder
- ``unary_math``: exp/log in any base, sqrt/rsqrt, square, reciprocal, sin/cos, abs, sign
- ``activation_basic``: relu, leaky_relu, sigmoid, tanh (the rest are in ``activation``)
- ``comparison``: eq/ne/lt/..., logical ops, isnan/isinf/..., and the ops that choose by a
  comparison: where, maximum/minimum, clamp, nan_to_num

Binary ops broadcast like NumPy; their backward sums the gradient back to
each input's shape (``sum_to_shape``). Backwards are written with tensor ops,
so every op there supports double backward.
"""
from __future__ import annotations

import numbers
from typing import Any

from .. import dtypes
from ..tensor import Tensor
from .broadcast import broadcast_shapes


# --- turning operands into tensors of one dtype ------------------------------------
def scalar_like(value: Any, like: Tensor) -> Tensor:
    """A 0-d constant on ``like``'s device; Python numbers are 'weak' and take its dtype."""
    dtype = dtypes.scalar_result_type(like.dtype, value)
    try:
        array = like.xp.asarray(value, dtype=dtype)
    except OverflowError:  # e.g. -1 meeting a uint8 tensor: PyTorch wraps it around (to 255)
        if dtype.kind not in "iu" or not -2**63 <= value < 2**63:
            raise OverflowError(f"the Python number {value} does not fit in {dtype}") from None
        array = like.xp.asarray(value, dtype=dtypes.int64).astype(dtype)
    return Tensor._make(array, like.device)


def operands(a: Any, b: Any, op: str) -> tuple[Tensor, Tensor]:
    """Two tensors with PyTorch's result dtype (float32 + int64 stays float32)."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}: expected a Tensor operand, got {type(a).__name__} and "
                        f"{type(b).__name__}")
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


def float_operands(a: Any, b: Any, op: str) -> tuple[Tensor, Tensor]:
    """Operands of an op whose result is floating (true division, atan2, copysign, ...):
    integer and bool tensors move to the default float *before* promotion, as in PyTorch, so
    an int32 -1 meeting a uint8 tensor stays -1 instead of wrapping to 255."""
    if not any(_is_floating_operand(x) for x in (a, b)):
        a, b = (x.to(dtypes.get_default_dtype()) if isinstance(x, Tensor) else x for x in (a, b))
    return operands(a, b, op)


def _is_floating_operand(x: Any) -> bool:
    if isinstance(x, Tensor):
        return dtypes.is_floating(x.dtype)
    return isinstance(x, numbers.Number) and not isinstance(x, numbers.Integral)


# --- checking one-tensor inputs ---------------------------------------------------------
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
