"""Writes into, and window views of, a tensor's regular sub-blocks: diagonal_scatter,
select_scatter, slice_scatter (the out-of-place adjoints of diagonal / select / slicing),
Tensor.unfold (sliding windows), as_strided and as_strided_scatter, split_with_sizes and
sum_to_size.

The scatters are ``indexing.Scatter`` at a basic or diagonal index: the base gets the
gradient where it was not overwritten, the source gets the gradient read back at the written
place. The window ops are gathers (``GetItem``), whose backward scatter-adds, so overlapping
windows sum their gradients. All backwards are tensor ops (double backward).
"""
from __future__ import annotations

import numbers
from typing import Any, Sequence

from .. import dtypes
from ..errors import InvalidIndexError
from ..tensor import Tensor
from .dims import normalize_dim
from .elementwise import _tensor_input
from .indexing import Scatter, _diagonal_index
from .shape import GetItem


def _check_src(op: str, input: Tensor, src: Any, expected: tuple) -> None:
    """torch's rule: src has exactly the shape of the region it is written to."""
    _tensor_input(input, op)
    if not isinstance(src, Tensor):
        raise TypeError(f"{op}: src must be a Tensor, got {type(src).__name__}")
    if tuple(src.shape) != tuple(expected):
        raise RuntimeError(f"{op}: expected src to have a size equal to the slice of self. src "
                           f"size = {tuple(src.shape)}, slice size = {tuple(expected)} (input "
                           f"of shape {tuple(input.shape)})")
    if src.dtype != input.dtype:
        raise RuntimeError(f"{op}: expected src of dtype {input.dtype} (the input's), got "
                           f"{src.dtype}")
    if src.device != input.device:
        raise RuntimeError(f"{op}: src is on {src.device} but the input is on {input.device}")


def _write(input: Tensor, src: Tensor, index: tuple) -> Tensor:
    return Scatter.apply(input, src, index)


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None,
                  end: int | None = None, step: int = 1) -> Tensor:
    """``input`` with ``input[..., start:end:step, ...]`` (along ``dim``) replaced by ``src``:
    the functional form of a slice assignment, differentiable in both."""
    _tensor_input(input, "slice_scatter")
    axis = normalize_dim(dim, input.shape, "slice_scatter", scalar=False) if input.ndim else 0
    if input.ndim == 0:
        raise RuntimeError("slice_scatter: cannot slice a 0-d tensor")
    if not isinstance(step, numbers.Integral) or step <= 0:
        raise RuntimeError(f"slice_scatter: slice step must be positive, got {step!r}")
    index = (slice(None),) * axis + (slice(start, end, int(step)),)
    _check_src("slice_scatter", input, src, input.xp.empty(input.shape, dtype=bool)[index].shape)
    return _write(input, src, index)


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """``input`` with the slice ``input.select(dim, index)`` replaced by ``src`` (which has one
    dim fewer)."""
    _tensor_input(input, "select_scatter")
    if input.ndim == 0:
        raise IndexError("select_scatter: select() cannot be applied to a 0-dim tensor")
    axis = normalize_dim(dim, input.shape, "select_scatter")
    size = input.shape[axis]
    if not isinstance(index, numbers.Integral) or not -size <= index < size:
        raise IndexError(f"select_scatter: index {index} out of range for dimension {axis} of "
                         f"size {size} (input of shape {tuple(input.shape)})")
    where = (slice(None),) * axis + (int(index) % size,)
    expected = tuple(s for d, s in enumerate(input.shape) if d != axis)
    _check_src("select_scatter", input, src, expected)
    return _write(input, src, where)


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0,
                     dim2: int = 1) -> Tensor:
    """``input`` with its diagonal ``offset`` of dims ``dim1``/``dim2`` replaced by ``src``,
    shaped like ``input.diagonal(offset, dim1, dim2)`` (the diagonal as the last dim)."""
    _tensor_input(input, "diagonal_scatter")
    shape = tuple(input.shape)
    if input.ndim < 2:
        raise InvalidIndexError(f"diagonal_scatter: input must have at least 2 dimensions, got "
                                f"shape {shape}")
    d1 = normalize_dim(dim1, shape, "diagonal_scatter")
    d2 = normalize_dim(dim2, shape, "diagonal_scatter")
    if d1 == d2:
        raise RuntimeError(f"diagonal_scatter: dim1 and dim2 cannot be the same dimension "
                           f"({dim1}, {dim2}) of a tensor of shape {shape}")
    moved = input.movedim((d1, d2), (-2, -1))
    n, r, c = _diagonal_index(tuple(moved.shape), int(offset))
    _check_src("diagonal_scatter", input, src, tuple(moved.shape[:-2]) + (n,))
    ar = input.xp.arange(n, dtype=dtypes.int64)
    out = _write(moved, src, (Ellipsis, ar + r, ar + c))
    return out.movedim((-2, -1), (d1, d2))


def unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Tensor.unfold: every window of ``size`` elements, ``step`` apart, along ``dimension``,
    which becomes the number of windows while a new last dim holds each window. torch returns
    a view; this is a gather (a copy) whose backward sums the gradients of overlapping
    windows."""
    _tensor_input(self, "unfold")
    x = self if self.ndim else self.reshape(1)
    axis = normalize_dim(dimension, x.shape, "unfold")
    length = x.shape[axis]
    if not isinstance(size, numbers.Integral) or size < 0 or size > length:
        raise RuntimeError(f"unfold: maximum size for tensor at dimension {axis} is {length} "
                           f"but size is {size} (shape {tuple(self.shape)})")
    if not isinstance(step, numbers.Integral) or step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    xp = x.xp
    count = (length - size) // step + 1
    windows = (xp.arange(count, dtype=dtypes.int64)[:, None] * step +
               xp.arange(size, dtype=dtypes.int64)[None, :])
    out = GetItem.apply(x, (slice(None),) * axis + (windows,))  # (..., count, size, ...)
    out = out.movedim(axis + 1, -1)
    return out.reshape(out.shape[1:]) if self.ndim == 0 else out


def as_strided(input: Tensor, size: Sequence[int], stride: Sequence[int],
               storage_offset: int | None = None) -> Tensor:
    """torch.as_strided read as a copy: element ``i`` of the result is the input's element
    ``storage_offset + sum(i_k * stride_k)`` in row-major (contiguous) order, which is what
    torch gives for a contiguous input. Overlapping reads sum their gradients, as torch's
    backward does. (minigrad tensors have no shared storage, so the result is not a view and
    a non-contiguous input is addressed by its logical row-major order.)"""
    _tensor_input(input, "as_strided")
    flat = _strided_index(input, size, stride, storage_offset, "as_strided")
    return GetItem.apply(input.reshape(-1), (flat,))


def as_strided_scatter(input: Tensor, src: Tensor, size: Sequence[int], stride: Sequence[int],
                       storage_offset: int | None = None) -> Tensor:
    """``input`` with the elements that ``as_strided(size, stride, storage_offset)`` reads
    replaced by ``src`` (of shape ``size``): the out-of-place write into a strided window,
    differentiable in both. A window that reaches one place twice is refused, as in torch."""
    _tensor_input(input, "as_strided_scatter")
    flat = _strided_index(input, size, stride, storage_offset, "as_strided_scatter")
    if flat.size != input.xp.unique(flat).size:
        raise RuntimeError(f"as_strided_scatter: more than one element of the window (size "
                           f"{tuple(flat.shape)}, stride {tuple(stride)}) refers to the same "
                           "place of the input, so the result would not be defined")
    _check_src("as_strided_scatter", input, src, tuple(flat.shape))
    return _write(input.reshape(-1), src, (flat,)).reshape(input.shape)


def _strided_index(input: Tensor, size: Sequence[int], stride: Sequence[int],
                   storage_offset: int | None, op: str) -> Any:
    """The row-major positions in ``input`` of the elements of a strided window (shape
    ``size``), checked to lie inside it."""
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    offset = 0 if storage_offset is None else int(storage_offset)
    if len(size) != len(stride):
        raise RuntimeError(f"{op}: mismatch in length of strides and shape: size {size}, "
                           f"stride {stride}")
    if any(s < 0 for s in size) or any(s < 0 for s in stride) or offset < 0:
        raise RuntimeError(f"{op}: negative sizes, strides or offset are not supported "
                           f"(size {size}, stride {stride}, offset {offset})")
    xp, n = input.xp, input.numel()
    flat = xp.full(size, offset, dtype=dtypes.int64)
    for d, (s, st) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[d] = s
        flat = flat + xp.arange(s, dtype=dtypes.int64).reshape(shape) * st
    if flat.size and int(flat.max()) >= n:
        raise RuntimeError(f"{op}: size {size}, stride {stride} and storage offset "
                           f"{offset} need a storage of {int(flat.max()) + 1} elements, out of "
                           f"bounds for the input of shape {tuple(input.shape)} ({n} elements)")
    return flat


def split_with_sizes(self: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple:
    """Cut along ``dim`` into pieces of exactly the listed sizes (which must sum to its
    length)."""
    from .rearrange import Split
    _tensor_input(self, "split_with_sizes")
    if self.ndim == 0:
        raise RuntimeError("split_with_sizes: expected at least a 1-dimensional tensor")
    axis = normalize_dim(dim, self.shape, "split_with_sizes")
    sizes = tuple(int(s) for s in split_sizes)
    if any(s < 0 for s in sizes) or sum(sizes) != self.shape[axis]:
        raise RuntimeError(f"split_with_sizes: expects split_sizes to sum exactly to "
                           f"{self.shape[axis]} (input tensor's size at dimension {axis}), but "
                           f"got split_sizes={list(sizes)}")
    return Split.apply(self, axis, sizes)


def sum_to_size(self: Tensor, *size: Any) -> Tensor:
    """Sum ``self`` down to ``size``, a shape it broadcasts from: the adjoint of expand
    (the reduction a broadcasting op's backward needs)."""
    _tensor_input(self, "sum_to_size")
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    size = tuple(int(s) for s in size)
    shape = tuple(self.shape)
    lead = len(shape) - len(size)
    if lead < 0 or any(s != 1 and s != t for s, t in zip(size, shape[lead:])):
        raise RuntimeError(f"sum_to_size: size {list(size)} is not expandable to size "
                           f"{list(shape)}")
    out = self.sum(tuple(range(lead))) if lead else self
    axes = tuple(i for i, s in enumerate(size) if s == 1 and out.shape[i] != 1)
    return out.sum(axes, keepdim=True) if axes else (out if lead else out.clone())
