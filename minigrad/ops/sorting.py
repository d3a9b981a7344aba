"""Sorting along a dim: sort, argsort, topk.

The order itself (the indices) is not differentiable; the values are the input
gathered at those indices, so their gradient is scattered back to the chosen
positions (and double backward comes with ``gather``).
"""
from __future__ import annotations

import numbers
from typing import Any

from .. import dtypes
from ..tensor import Tensor
from .dims import normalize_dim
from .indexing import gather
from .reduction import ValuesIndices


def _argsort(x: Tensor, dim: int, descending: bool, stable: bool) -> Any:
    """Sorted order along ``dim`` as an int64 array. NaN sorts as the largest value (last
    ascending, first descending), as in PyTorch; with ``stable`` equal values keep their order
    in both directions."""
    xp = x.xp

    def order_of(a: Any) -> Any:
        return xp.argsort(a, axis=dim, kind="stable") if stable else xp.argsort(a, axis=dim)

    if not descending:
        return order_of(x.array).astype(dtypes.int64, copy=False)
    # Sort the reversed input ascending and reverse the result: ties keep their input order.
    order = xp.flip(order_of(xp.flip(x.array, axis=dim)), axis=dim)
    return (x.shape[dim] - 1 - order).astype(dtypes.int64, copy=False)


def _check_tensor(input: Any, op: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(input).__name__}")


def sort(input: Tensor, dim: int = -1, descending: bool = False,
         stable: bool = False) -> ValuesIndices:
    """(values, indices) sorted along ``dim``; ``values`` carries the gradient."""
    _check_tensor(input, "sort")
    dim = normalize_dim(dim, input.shape, "sort")
    if input.ndim == 0:
        return ValuesIndices(input.clone(), Tensor._make(input.xp.zeros((), dtype=dtypes.int64),
                                                         input.device))
    indices = Tensor._make(_argsort(input, dim, descending, stable), input.device)
    return ValuesIndices(gather(input, dim, indices), indices)


def argsort(input: Tensor, dim: int = -1, descending: bool = False,
            stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (not differentiable)."""
    _check_tensor(input, "argsort")
    normalize_dim(dim, input.shape, "argsort")  # a bad dim is reported as argsort's
    return sort(input, dim, descending, stable).indices


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True,
         sorted: bool = True) -> ValuesIndices:  # noqa: A002
    """The ``k`` largest (or smallest) values along ``dim`` and their indices. The result is
    always sorted; ``sorted=False`` allows any order in PyTorch, and sorted is one of them."""
    _check_tensor(input, "topk")
    if not isinstance(k, numbers.Integral) or isinstance(k, bool):
        raise TypeError(f"topk: k must be an int, got {type(k).__name__}")
    size = input.shape[normalize_dim(dim, input.shape, "topk")] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"topk: k={k} is out of range for dimension {dim} of size {size} "
                           f"(tensor of shape {tuple(input.shape)})")
    values, indices = sort(input, dim, descending=largest)
    if input.ndim == 0:
        return ValuesIndices(values, indices)
    dim = dim % input.ndim
    cut = (slice(None),) * dim + (slice(0, k),)
    indices = indices[cut]
    return ValuesIndices(gather(input, dim, indices), indices)
