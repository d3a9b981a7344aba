"""Shrinkage activations: ``hardshrink`` and ``softshrink``.

Both zero the band [-lambd, lambd] around 0 (small activations, or small wavelet/sparse-code
coefficients, are treated as noise); hardshrink keeps larger values as they are, softshrink
moves them towards 0 by lambd, so it is continuous (the proximal map of lambd * |x|, used by
ISTA-style sparse coding). Each is a ``where`` over tensor ops, so gradients (1 outside the
band, 0 inside and at its edges, as PyTorch) and double backward follow; lambd is a Python
float, so float32 stays float32.
"""
from __future__ import annotations

import numbers
from typing import Any

from ..tensor import Tensor
from .activation import _floating
from .comparison import where


def _lambd(lambd: Any, op: str) -> float:
    if isinstance(lambd, bool) or not isinstance(lambd, numbers.Real):
        raise TypeError(f"{op}: lambd must be a number, got {lambd!r}")
    return float(lambd)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """x where |x| > lambd, else 0."""
    x = _floating(input, "hardshrink")
    lambd = _lambd(lambd, "hardshrink")
    return where((x > lambd) | (x < -lambd), x, 0.0)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """x - lambd above lambd, x + lambd below -lambd, 0 in between (lambd >= 0)."""
    x = _floating(input, "softshrink")
    lambd = _lambd(lambd, "softshrink")
    if lambd < 0:
        raise RuntimeError(f"softshrink: lambda must be greater or equal to 0, but found to be "
                           f"{lambd}.")
    return where(x > lambd, x - lambd, where(x < -lambd, x + lambd, 0.0))
