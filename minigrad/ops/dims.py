"""Turning a user's ``dim`` argument into a non-negative axis: one place for every op.

PyTorch counts negative dims from the end and lets a 0-d tensor be addressed as if it had one
axis (dim 0 or -1), so ``x.sum(0)`` works on a scalar. A few ops refuse that (``roll``,
``unflatten``), which they say with ``scalar=False``. Every op that takes a dim names itself,
the dim and the tensor's shape when the dim is out of range, in the same words.
"""
from __future__ import annotations

import operator
from typing import Any

from ..errors import ArgumentError


def normalize_dim(dim: Any, shape: tuple, op: str, *, scalar: bool = True) -> int:
    """``dim`` as an axis in [0, ndim), checked once here so every op words the error alike.
    A 0-d tensor has the one axis 0 (dim 0 or -1) unless ``scalar=False``."""
    if isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got bool")
    try:
        dim = operator.index(dim)  # Python/NumPy ints, one-element integer tensors
    except TypeError:
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}") from None
    shape = tuple(shape)
    n = max(len(shape), 1) if scalar else len(shape)
    if not -n <= dim < n:
        expected = f"expected a dim in [{-n}, {n - 1}]" if n else "it has no dimensions"
        raise IndexError(f"{op}: dim {dim} is out of range for a tensor of shape {shape} "
                         f"({expected})")
    return dim % n


def normalize_dims(dim: Any, shape: tuple, op: str) -> tuple:
    """``dim`` (an int, a list/tuple of them, or None for every axis) as a sorted tuple of
    distinct axes, for reductions. An empty tuple/list also means every axis, as in PyTorch
    (``amax``'s default ``dim=()``). A 0-d tensor's dim 0/-1 is the tensor itself: no axis."""
    shape = tuple(shape)
    if dim is None or (isinstance(dim, (list, tuple)) and not dim):
        return tuple(range(len(shape)))
    dims = tuple(dim) if isinstance(dim, (list, tuple)) else (dim,)
    axes = tuple(normalize_dim(d, shape, op) for d in dims)
    if len(set(axes)) != len(axes):
        raise ArgumentError(f"{op}: dim {dim} repeats an axis")
    return tuple(sorted(axes)) if shape else ()
