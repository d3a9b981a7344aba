"""Vector norms put to use: ``normalize``, ``cosine_similarity``, ``pairwise_distance``.

All three are compositions of tensor ops over ``norm`` (``ops/reduction.py``), whose
gradient at a zero norm is 0 as in PyTorch, so they differentiate twice and a zero
vector gives a zero gradient rather than NaN.
"""
from __future__ import annotations

import numbers
from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor
from .comparison import clamp
from .dims import normalize_dim, normalize_dims
from .reduction import norm


def _check_tensor(x: Any, name: str, op: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected {name} to be a Tensor, got {type(x).__name__}")
    if not dtypes.is_floating(x.dtype):
        raise TypeError(f"{op}: expected a floating-point {name}, got {x.dtype}")


def _check_p(p: Any, op: str) -> float:
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"{op}: p must be a number (inf allowed), got {p!r}")
    return float(p)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,  # noqa: A002
              out: Any = None) -> Tensor:
    """x / max(||x||_p, eps) along ``dim``: unit vectors (e.g. embeddings before a dot product),
    with ``eps`` keeping a zero vector at zero instead of NaN."""
    op = "normalize"
    if out is not None:
        raise NotImplementedError(f"{op}: out= is not supported; use the returned tensor")
    _check_tensor(input, "input", op)
    # dim: an int, or a tuple of ints (one norm over those dims; () is all), as PyTorch
    d = normalize_dims(dim, input.shape, op) if isinstance(dim, (tuple, list)) else \
        normalize_dim(dim, input.shape, op)
    denom = clamp(norm(input, _check_p(p, op), d, keepdim=True), min=float(eps))
    return input / denom


def _broadcast_pair(x1: Tensor, x2: Tensor, op: str) -> tuple:
    from .broadcast import broadcast_shapes
    if x1.device != x2.device:
        raise RuntimeError(f"{op}: expected x1 and x2 on the same device, got {x1.device} and "
                           f"{x2.device}")
    shape = broadcast_shapes(op, tuple(x1.shape), tuple(x2.shape))
    if x1.dtype != x2.dtype:
        dtype = dtypes.result_type(x1.dtype, x2.dtype, x1.ndim == 0, x2.ndim == 0)
        x1, x2 = x1.to(dtype), x2.to(dtype)
    return x1.expand(shape), x2.expand(shape), shape


class _ClampMinKeepGrad(Function):
    """max(x, lo) whose gradient is that of x: PyTorch's clamp_min_ under no_grad, which
    cosine_similarity applies to the norms (the graph still sees the unclamped norm)."""

    @staticmethod
    def forward(ctx, x, lo):
        return x.xp.maximum(x.array, x.array.dtype.type(lo))

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """<x1, x2> / (||x1|| ||x2||) along ``dim`` (inputs broadcast), in PyTorch's current form:
    each input is divided by max(||x||, eps) first, so the result stays within [-1, 1] up to
    rounding, and the product of the norms is never formed. As in
    PyTorch the clamp is applied outside autograd: the gradient treats the divisor as ||x||
    even where eps replaced it."""
    op = "cosine_similarity"
    _check_tensor(x1, "x1", op)
    _check_tensor(x2, "x2", op)
    x1, x2, shape = _broadcast_pair(x1, x2, op)
    d = normalize_dim(dim, shape, op)

    def unit(x: Tensor) -> Tensor:
        return x / _ClampMinKeepGrad.apply(norm(x, 2, d, keepdim=True), float(eps))

    return (unit(x1) * unit(x2)).sum(dim=d)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dimension (inputs broadcast): distances between rows
    of two batches; ``eps`` keeps the gradient finite when two rows coincide."""
    op = "pairwise_distance"
    _check_tensor(x1, "x1", op)
    _check_tensor(x2, "x2", op)
    p = _check_p(p, op)
    x1, x2, shape = _broadcast_pair(x1, x2, op)
    diff = x1 - x2 + eps
    if len(shape) == 0:
        normalize_dim(-1, (), op)
        return diff.abs() if p != 0 else (diff != 0).to(diff.dtype)
    return norm(diff, p, len(shape) - 1, keepdim=keepdim)
