"""``rms_norm`` (PyTorch's ``F.rms_norm``): scale each sample by the inverse root mean square
of its last len(normalized_shape) dims, then an optional elementwise weight.

    y = x / sqrt(mean(x^2) + eps) * weight

Unlike layer norm nothing is subtracted (no mean, no bias): Zhang & Sennrich (2019) found the
re-scaling is what matters and the centring can go, which is cheaper (LLaMA, T5). A
composition of tensor ops (square, mean, rsqrt, multiply), so it has a double backward.
"""
from __future__ import annotations

import numbers
from typing import Sequence

from ..tensor import Tensor
from .layer_norm import _check_float, as_shape
from .unary_math import rsqrt


def rms_norm(input: Tensor, normalized_shape: Sequence[int],  # noqa: A002
             weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """Root-mean-square normalisation over the last dims; ``eps=None`` uses the machine
    epsilon of the input's dtype (``torch.finfo(dtype).eps``), as PyTorch."""
    op = "rms_norm"
    _check_float(input, op)
    shape = as_shape(normalized_shape, op)
    k = len(shape)
    if k == 0:
        raise RuntimeError(f"{op}: expected normalized_shape to be at least 1-dimensional, i.e., "
                           f"containing at least one element, but got normalized_shape = []")
    if input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise RuntimeError(f"{op}: given normalized_shape={list(shape)}, expected input with "
                           f"shape [*, {', '.join(map(str, shape))}], but got input of shape "
                           f"{tuple(input.shape)}")
    if weight is not None:
        if not isinstance(weight, Tensor):
            raise TypeError(f"{op}: weight must be a Tensor or None, got "
                            f"{type(weight).__name__}")
        if tuple(weight.shape) != shape:
            raise RuntimeError(f"{op}: expected weight to be of same shape as normalized_shape, "
                               f"but got weight of shape {tuple(weight.shape)} and "
                               f"normalized_shape={list(shape)}")
        if weight.device != input.device:
            raise RuntimeError(f"{op}: weight is on {weight.device} but the input is on "
                               f"{input.device}")
    if eps is None:
        eps = float(input.xp.finfo(input.dtype).eps)
    elif isinstance(eps, bool) or not isinstance(eps, numbers.Real):
        raise TypeError(f"{op}: eps must be a number or None, got {eps!r}")
    dims = tuple(range(input.ndim - k, input.ndim))
    y = input * rsqrt((input * input).mean(dim=dims, keepdim=True) + float(eps))
    return y if weight is None else y * weight
