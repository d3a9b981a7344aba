"""Reductions over ``dim`` (an int, a tuple, or None for all): sum, mean, var, std, max, min.

Only ``sum`` and ``amax``/``amin`` are primitive Functions; mean, var and std are
compositions of them, so their gradients come from the chain rule for free.
"""
from __future__ import annotations

import builtins
from collections import namedtuple
from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def normalize_dims(dim: Any, ndim: int, op: str) -> tuple:
    """``dim`` as a sorted tuple of non-negative axes; None means every axis."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    out = []
    for d in dims:
        if not -builtins.max(ndim, 1) <= d < builtins.max(ndim, 1):
            raise IndexError(f"{op}: dim {d} is out of range for a tensor with {ndim} dimensions")
        out.append(d % ndim if ndim else None)  # a 0-d tensor's dim 0/-1 is itself
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: dim {dim} repeats an axis")
    return tuple(sorted(d for d in out if d is not None))


def _keepdim_shape(shape: tuple, dims: tuple) -> tuple:
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


class Sum(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return x.array.sum(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.keepdim:
            grad = grad.reshape(_keepdim_shape(ctx.shape, ctx.dims))
        return grad.expand(ctx.shape), None, None


class AMax(Function):
    """max over dims; ties share the gradient evenly (PyTorch's amax rule)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, largest):
        reduce = x.array.max if largest else x.array.min
        out = reduce(axis=dims, keepdims=True)
        ctx.save_for_backward(x)
        ctx.dims, ctx.keepdim = dims, keepdim
        ctx.winners = x.array == out
        return out if keepdim else out.reshape(tuple(s for i, s in enumerate(x.shape) if i not in dims))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if not ctx.keepdim:
            grad = grad.reshape(_keepdim_shape(x.shape, ctx.dims))
        winners = Tensor._make(ctx.winners.astype(grad.dtype), grad.device)
        share = winners / winners.sum(dim=ctx.dims, keepdim=True)
        return grad * share, None, None, None


def _sum_dtype(x: Tensor) -> Any:
    return dtypes.int64 if x.dtype.kind in "bui" else x.dtype


def sum(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    if x.dtype.kind in "bu" or x.dtype == dtypes.int32:
        x = x.to(_sum_dtype(x))
    return Sum.apply(x, normalize_dims(dim, x.ndim, "sum"), keepdim)


def mean(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    if not dtypes.is_floating(x.dtype):
        raise TypeError(f"mean: needs a floating tensor, got {x.dtype}; convert it with .float()")
    dims = normalize_dims(dim, x.ndim, "mean")
    count = 1
    for d in dims:
        count *= x.shape[d]
    return sum(x, dims, keepdim) / count


def var(x: Tensor, dim: Any = None, keepdim: bool = False, unbiased: bool = True,
        correction: int | None = None) -> Tensor:
    """Variance; ``correction=1`` (default, unbiased) divides by N - 1 as PyTorch does."""
    if not dtypes.is_floating(x.dtype):
        raise TypeError(f"var: needs a floating tensor, got {x.dtype}")
    dims = normalize_dims(dim, x.ndim, "var")
    if correction is None:
        correction = 1 if unbiased else 0
    count = 1
    for d in dims:
        count *= x.shape[d]
    centred = x - mean(x, dims, keepdim=True)
    return sum(centred * centred, dims, keepdim) / builtins.max(count - correction, 0)


def std(x: Tensor, dim: Any = None, keepdim: bool = False, unbiased: bool = True,
        correction: int | None = None) -> Tensor:
    return var(x, dim, keepdim, unbiased, correction).sqrt()


def amax(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    if x.numel() == 0:
        raise RuntimeError(f"amax: cannot reduce an empty tensor of shape {tuple(x.shape)}")
    return AMax.apply(x, normalize_dims(dim, x.ndim, "amax"), keepdim, True)


def amin(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    if x.numel() == 0:
        raise RuntimeError(f"amin: cannot reduce an empty tensor of shape {tuple(x.shape)}")
    return AMax.apply(x, normalize_dims(dim, x.ndim, "amin"), keepdim, False)


def max(x: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    """``max()`` is a scalar (ties share its gradient); ``max(dim=int)`` is (values, indices)
    as in PyTorch, and the gradient goes to the element at the returned index."""
    if isinstance(dim, int):
        return _values_at(x, dim, argmax(x, dim, keepdim=True), keepdim)
    return amax(x, dim, keepdim)


def min(x: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    """``min()`` is a scalar; ``min(dim=int)`` is (values, indices), as ``max``."""
    if isinstance(dim, int):
        return _values_at(x, dim, argmin(x, dim, keepdim=True), keepdim)
    return amin(x, dim, keepdim)


def _values_at(x: Tensor, dim: int, indices: Tensor, keepdim: bool) -> ValuesIndices:
    """(x at ``indices`` along ``dim``, indices): picked by indexing, so that backward sends
    each gradient to that one element, even where several elements tie for the max."""
    if x.ndim == 0:
        return ValuesIndices(x.clone(), indices.reshape(()))
    axis = dim % x.ndim
    index = []
    for i, size in enumerate(x.shape):  # broadcasting aranges select every other position
        shape = [1] * x.ndim
        shape[i] = size
        index.append(indices if i == axis else
                     Tensor._make(x.xp.arange(size, dtype=dtypes.int64).reshape(shape), x.device))
    values = x[tuple(index)]
    if not keepdim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return ValuesIndices(values, indices)


def argmax(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest value (not differentiable)."""
    return _arg(x, dim, keepdim, "argmax")


def argmin(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest value (not differentiable)."""
    return _arg(x, dim, keepdim, "argmin")


def _arg(x: Tensor, dim: int | None, keepdim: bool, op: str) -> Tensor:
    fn = getattr(x.xp, op)
    dims = None if dim is None else normalize_dims(dim, x.ndim, op)
    if not dims:  # every element (dim=None, or a 0-d tensor)
        out = fn(x.array.reshape(-1))
        if keepdim:
            out = out.reshape((1,) * x.ndim)
    else:
        (axis,) = dims
        out = fn(x.array, axis=axis)
        if keepdim:
            out = x.xp.expand_dims(out, axis)
    return Tensor._make(x.xp.asarray(out, dtype=dtypes.int64), x.device)


def logsumexp(x: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) without overflow: the max is taken out first."""
    dims = normalize_dims(dim, x.ndim, "logsumexp")
    m = amax(x, dims, keepdim=True).detach()
    out = (x - m).exp().sum(dim=dims, keepdim=True).log() + m
    return out if keepdim else out.reshape(tuple(s for i, s in enumerate(x.shape) if i not in dims))


def all(x: Tensor, dim: Any = None) -> Tensor:  # noqa: A001
    return Tensor._make(x.xp.asarray(x.xp.all(x.array, axis=dim)), x.device)


def any(x: Tensor, dim: Any = None) -> Tensor:  # noqa: A001
    return Tensor._make(x.xp.asarray(x.xp.any(x.array, axis=dim)), x.device)
