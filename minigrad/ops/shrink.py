"""Shrinkage activations: ``hardshrink`` and ``softshrink``.

Both zero the band [-lambd, lambd] around 0 (small activations, or small wavelet/sparse-code
coefficients, are treated as noise); hardshrink keeps larger values as they are, softshrink
moves them towards 0 by lambd, so it is continuous (the proximal map of lambd * |x|, used by
ISTA-style sparse coding). Each is one ``Function`` written with clip and multiplies by a
mask (NumPy's ``where`` over a random mask is a branchy loop ~10x slower). The gradient is
grad * mask, mask = "outside the band" (0 inside and at its edges, 1 for nan, as PyTorch),
through ``ReLUMask``: linear in grad with a constant mask, so double backward works (the
second derivative in x is 0). lambd is a Python float, so float32 stays float32.
"""
from __future__ import annotations

import numbers
from typing import Any

from ..autograd.function import Function
from ..tensor import Tensor
from .activation import _floating
from .activation_basic import ReLUMask


def _lambd(lambd: Any, op: str) -> float:
    if isinstance(lambd, bool) or not isinstance(lambd, numbers.Real):
        raise TypeError(f"{op}: lambd must be a number, got {lambd!r}")
    return float(lambd)


class Hardshrink(Function):
    """x * mask, mask = not |x| <= lambd (so nan stays nan, with gradient 1, as PyTorch)."""

    piecewise_linear = True  # (double backward: see Function.piecewise_linear)

    @staticmethod
    def forward(ctx, x, lambd):
        xp, a = x.xp, x.array
        mask = xp.asarray(xp.abs(a) <= lambd)  # asarray: a 0-d input gives a NumPy bool
        xp.logical_not(mask, out=mask)
        out = a * mask
        if lambd >= 0:  # -x * 0 is -0.0, PyTorch's band gives +0.0 (and y + 0 is y elsewhere)
            out += 0.0
        ctx.mask = mask
        return out

    @staticmethod
    def backward(ctx, grad):
        return ReLUMask.apply(grad, ctx.mask), None


class Softshrink(Function):
    """x - clip(x, -lambd, lambd): x - lambd above the band, x + lambd below it, x - x = 0
    inside (+0.0; PyTorch gives x * 0, -0.0 for negative x), nan for nan. The result is 0
    exactly inside the band and nowhere else (x - c of two different floats is never 0), so
    the gradient mask is out != 0 (true for nan, as PyTorch's gradient)."""

    piecewise_linear = True  # (double backward: see Function.piecewise_linear)

    @staticmethod
    def forward(ctx, x, lambd):
        xp, a = x.xp, x.array
        out = a - xp.clip(a, -lambd, lambd)  # clip with two bounds: NumPy's fast loop
        ctx.mask = out != 0
        return out

    @staticmethod
    def backward(ctx, grad):
        return ReLUMask.apply(grad, ctx.mask), None


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """x where |x| > lambd, else 0."""
    x = _floating(input, "hardshrink")
    return Hardshrink.apply(x, _lambd(lambd, "hardshrink"))


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """x - lambd above lambd, x + lambd below -lambd, 0 in between (lambd >= 0)."""
    x = _floating(input, "softshrink")
    lambd = _lambd(lambd, "softshrink")
    if lambd < 0:
        raise RuntimeError(f"softshrink: lambda must be greater or equal to 0, but found to be "
                           f"{lambd}.")
    return Softshrink.apply(x, lambd)
