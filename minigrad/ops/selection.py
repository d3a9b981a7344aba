"""Selecting, writing and counting by index: masked_select, take, index_add, index_copy,
index_fill (and their in-place forms), nonzero, searchsorted, bucketize, unique,
unique_consecutive, bincount, histc.

The differentiable ones are built on the gather / scatter-add pair (``GetItem`` /
``IndexAdd``) and ``where``, so their backwards are tensor ops. Index and counting results
are int64 (int32 where ``out_int32``) and carry no gradient, as in PyTorch.
"""
from __future__ import annotations

import builtins
import math
import numbers
from typing import Any

from .. import dtypes
from ..errors import DtypeError, InvalidIndexError
from ..tensor import Tensor
from .comparison import where
from .dims import normalize_dim
from .elementwise import _tensor_input, scalar_like
from .indexing import _check_range, _fill_value, _gather, _index, _no_grad, scatter
from .shape import IndexAdd


def _ints(array: Any, like: Tensor, int32: bool = False) -> Tensor:
    dtype = dtypes.int32 if int32 else dtypes.int64
    return Tensor._make(like.xp.asarray(array).astype(dtype, copy=False), like.device)


# --- reading ------------------------------------------------------------------------------------
def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``input`` where ``mask`` (broadcast together) is True, as a 1-D tensor;
    the gradient goes back to those elements."""
    _tensor_input(input, "masked_select")
    if not isinstance(mask, Tensor):
        raise TypeError(f"masked_select: mask must be a Tensor, got {type(mask).__name__}")
    if mask.dtype != dtypes.bool:
        raise RuntimeError(f"masked_select: expected a bool mask, got {mask.dtype}")
    from .broadcast import broadcast_shapes
    shape = broadcast_shapes("masked_select", tuple(input.shape), tuple(mask.shape))
    x = input.expand(shape) if tuple(input.shape) != shape else input
    if not shape:  # NumPy's nonzero refuses 0-d arrays
        return x.reshape(1)[input.xp.nonzero(mask.array.reshape(1))[0]]
    where_true = input.xp.nonzero(input.xp.broadcast_to(mask.array, shape))
    return _gather(x, tuple(i.astype(dtypes.int64) for i in where_true))


def take(input: Tensor, index: Tensor) -> Tensor:
    """``input`` read as if flattened, at ``index`` (negative counts from the end); the output
    has the index's shape."""
    _tensor_input(input, "take")
    index = _index(index, input, "take", dtypes_ok=(dtypes.int64,))
    n = input.numel()
    a = index.array
    if a.size and bool(((a < -n) | (a >= n)).any()):
        bad = int(a[(a < -n) | (a >= n)].reshape(-1)[0])
        raise IndexError(f"take: index {bad} is out of range for a tensor of {n} elements "
                         f"(shape {tuple(input.shape)})")
    flat = (a.reshape(-1) % max(n, 1)).astype(dtypes.int64)
    return _gather(input.reshape(-1), (flat,)).reshape(index.shape)


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or one 1-D tensor per dim
    with ``as_tuple`` (a 0-d input counts as one dim there, as in PyTorch)."""
    _tensor_input(input, "nonzero")
    xp = input.xp
    if input.ndim == 0:
        hit = bool(input.array != 0)
        if as_tuple:
            return (_ints(xp.zeros(int(hit)), input),)
        return _ints(xp.zeros((int(hit), 0)), input)
    found = xp.nonzero(input.array)
    if as_tuple:
        return tuple(_ints(i, input) for i in found)
    return _ints(xp.stack(found, axis=1), input)


# --- writing along a dim ---------------------------------------------------------------------

def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1) -> Tensor:  # noqa: A002
    """``nonzero`` with a fixed number of rows (for code that needs static shapes): the first
    ``size`` index rows, padded with rows of ``fill_value`` when there are fewer."""
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 0:
        raise RuntimeError(f"nonzero_static: 'size' must be a non-negative integer, got {size!r}")
    found = nonzero(input)
    if found.shape[0] >= size:
        return _ints(found.array[:size], input)
    padding = input.xp.full((size - found.shape[0], found.shape[1]), fill_value,
                            dtype=dtypes.int64)
    return _ints(input.xp.concatenate([found.array, padding]), input)

def _index_args(input: Tensor, dim: int, index: Any, op: str, source: Tensor | None = None
                ) -> tuple:
    """(axis, flat int64 index) after PyTorch's checks: a vector index in range whose length
    matches the source along ``dim``, and a source shaped like the input elsewhere."""
    _tensor_input(input, op)
    axis = normalize_dim(dim, input.shape, op)
    index = _index(index, input, op)
    if index.ndim > 1:
        raise InvalidIndexError(f"{op}: index must be a vector (0-d or 1-d), got shape "
                                f"{tuple(index.shape)}")
    size = (input.shape or (1,))[axis]
    negative = op == "index_fill"  # as PyTorch: only index_fill takes negative indices
    _check_range(index, size, op, axis, tuple(input.shape), negative)
    flat = index.array.reshape(-1).astype(dtypes.int64)
    if negative:
        flat = flat % max(size, 1)
    if source is not None:
        _tensor_input(source, op)
        sshape = source.shape or (1,)
        ishape = input.shape or (1,)
        if len(sshape) != len(ishape) or sshape[axis] != flat.size or any(
                s != i for d, (s, i) in enumerate(zip(sshape, ishape)) if d != axis):
            raise InvalidIndexError(f"{op}: source of shape {tuple(source.shape)} does not fit an "
                                    f"input of shape {tuple(input.shape)} with {flat.size} indices "
                                    f"along dim {axis}")
        if source.dtype != input.dtype:
            raise RuntimeError(f"{op}: source ({source.dtype}) and input ({input.dtype}) must "
                               "have the same dtype")
    return axis, flat


def _scatter_along(source: Tensor, shape: tuple, axis: int, flat: Any) -> Tensor:
    """``source`` added into zeros of ``shape`` at ``flat`` along ``axis`` (repeats add)."""
    s = source if source.ndim else source.reshape(1)
    out = IndexAdd.apply(s, tuple(shape or (1,)), (slice(None),) * axis + (flat,))
    return out if shape else out.reshape(())


def _hit_mask(input: Tensor, axis: int, flat: Any) -> Tensor:
    """A bool tensor broadcastable to ``input``: True on the slices at ``flat`` along ``axis``."""
    xp = input.xp
    size = (input.shape or (1,))[axis]
    hit = xp.zeros(size, dtype=bool)
    hit[flat] = True
    shape = [1] * max(input.ndim, 1)
    shape[axis] = size
    return Tensor._make(hit.reshape(shape if input.ndim else ()), input.device)


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *,
              alpha: Any = 1) -> Tensor:
    """``input`` with ``alpha * source`` slices added at ``index`` along ``dim`` (repeated
    indices add up). Both input and source get gradients."""
    axis, flat = _index_args(input, dim, index, "index_add", source)
    if not dtypes.is_floating(input.dtype) and isinstance(alpha, numbers.Real):
        alpha = int(alpha)  # as PyTorch: an integer tensor takes alpha truncated to an int
    if alpha != 1:
        source = source * alpha
    return input + _scatter_along(source, tuple(input.shape), axis, flat)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """``input`` with its slices at ``index`` along ``dim`` replaced by ``source``'s; the
    replaced slices pass no gradient to ``input``. Where an index repeats, the last of its
    source slices is written (as PyTorch on CPU) and, as in PyTorch, every source slice gets
    the gradient of the slot it was copied to."""
    axis, flat = _index_args(input, dim, index, "index_copy", source)
    xp = input.xp
    if xp.unique(flat).size < flat.size:
        if input.ndim:  # a scatter along dim: NumPy's assignment keeps the last write
            shape = [1] * input.ndim
            shape[axis] = flat.size
            spread = xp.ascontiguousarray(xp.broadcast_to(flat.reshape(shape), source.shape))
            return scatter(input, axis, Tensor._make(spread, input.device), source)
        _, first_from_end = xp.unique(flat[::-1], return_index=True)  # 0-d: keep the last
        last = xp.sort(flat.size - 1 - first_from_end)
        source, flat = _gather(source.reshape(-1), (last,)), flat[last]
    placed = _scatter_along(source, tuple(input.shape), axis, flat)
    return where(_hit_mask(input, axis, flat), placed, input)


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """``input`` with its slices at ``index`` along ``dim`` set to ``value`` (a number or a 0-d
    tensor, which gets the gradient of what it filled)."""
    axis, flat = _index_args(input, dim, index, "index_fill")
    value = _fill_value(input, value, "index_fill")
    if not isinstance(value, Tensor):
        value = scalar_like(value, input)
    out = where(_hit_mask(input, axis, flat), value, input)
    return out if out.dtype == input.dtype else out.to(input.dtype)


def _in_place(self: Tensor, op: str, value: Any, fn: Any, *args: Any, **kwargs: Any) -> Tensor:
    self._check_inplace(op, value)
    with _no_grad():
        out = fn(self, *args, **kwargs)
    self.array[...] = out.array
    return self


def index_add_(self: Tensor, dim: int, index: Tensor, source: Tensor, *,
               alpha: Any = 1) -> Tensor:
    """In-place ``index_add``."""
    return _in_place(self, "index_add_", source, index_add, dim, index, source, alpha=alpha)


def index_copy_(self: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """In-place ``index_copy``."""
    return _in_place(self, "index_copy_", source, index_copy, dim, index, source)


def index_fill_(self: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """In-place ``index_fill``."""
    return _in_place(self, "index_fill_", value, index_fill, dim, index, value)


# --- searching ---------------------------------------------------------------------------------
def searchsorted(sorted_sequence: Tensor, input: Any, *, out_int32: bool = False,
                 right: bool = False, side: str | None = None,
                 sorter: Tensor | None = None) -> Tensor:
    """Where each value of ``input`` would be inserted into the last dim of
    ``sorted_sequence`` to keep it sorted (``right``/``side='right'``: after equal values).
    An N-D sequence searches row by row; its leading dims must match ``input``'s."""
    _tensor_input(sorted_sequence, "searchsorted")
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
        if right and side == "left":
            raise RuntimeError("searchsorted: side and right can't be set to opposites, got "
                               "side of left while right was True")
        right = side == "right"
    seq, xp = sorted_sequence, sorted_sequence.xp
    scalar = not isinstance(input, Tensor)
    values = xp.asarray(input) if scalar else input.array
    if seq.ndim == 0:
        raise RuntimeError("searchsorted: sorted_sequence must have at least one dimension")
    if sorter is not None:
        sorter = _index(sorter, seq, "searchsorted", "sorter", (dtypes.int64,))
        if tuple(sorter.shape) != tuple(seq.shape):
            raise RuntimeError(f"searchsorted: sorter of shape {tuple(sorter.shape)} must match "
                               f"sorted_sequence of shape {tuple(seq.shape)}")
        n = seq.shape[-1]
        if sorter.numel() and bool(((sorter.array < 0) | (sorter.array >= n)).any()):
            raise RuntimeError(f"searchsorted: sorter index out of range (each must be in "
                               f"[0, {n}) for a sorted_sequence of shape {tuple(seq.shape)})")
        arr = xp.take_along_axis(seq.array, sorter.array, axis=-1)
    else:
        arr = seq.array
    how = "right" if right else "left"
    if seq.ndim == 1:
        out = xp.searchsorted(arr, values, side=how)
    else:
        if scalar or tuple(values.shape[:-1]) != tuple(seq.shape[:-1]):
            raise RuntimeError(f"searchsorted: boundaries of shape {tuple(seq.shape)} and input "
                               f"of shape {tuple(values.shape)} must match in all but the last "
                               "dim")
        rows = arr.reshape(math.prod(arr.shape[:-1]), arr.shape[-1])  # not -1: may be empty
        vals = values.reshape(rows.shape[0], values.shape[-1])
        out = xp.empty(vals.shape, dtype=dtypes.int64)
        for i, (r, v) in enumerate(zip(rows, vals)):
            out[i] = xp.searchsorted(r, v, side=how)
        out = out.reshape(values.shape)
    return _ints(out, seq, out_int32)


def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False,
              right: bool = False) -> Tensor:
    """The bucket of each value between 1-D ``boundaries``: i with boundaries[i-1] < x <=
    boundaries[i] (``right``: boundaries[i-1] <= x < boundaries[i])."""
    _tensor_input(boundaries, "bucketize")
    if boundaries.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries must be 1-D, got shape "
                           f"{tuple(boundaries.shape)}")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


# --- counting ----------------------------------------------------------------------------------
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None) -> Any:
    """The distinct values (always sorted, which PyTorch's CPU kernel also returns for
    ``sorted=False``), with the inverse map (input's shape) and counts on request; with
    ``dim``, the distinct slices along it."""
    _tensor_input(input, "unique")
    if dim is not None:
        return _unique_dim(input, dim, False, return_inverse, return_counts, "unique")
    xp = input.xp
    flat = input.array.reshape(-1)
    # As PyTorch, every NaN is a value of its own (NaN != NaN); NumPy merges them by default.
    apart = {"equal_nan": False} if flat.dtype.kind == "f" and bool(xp.isnan(flat).any()) else {}
    values, inverse, counts = xp.unique(flat, return_inverse=True, return_counts=True, **apart)
    out = [Tensor._make(values, input.device)]
    if return_inverse:
        out.append(_ints(inverse.reshape(input.shape), input))
    if return_counts:
        out.append(_ints(counts, input))
    return out[0] if len(out) == 1 else tuple(out)


def unique_consecutive(input: Tensor, return_inverse: bool = False,
                       return_counts: bool = False, dim: int | None = None) -> Any:
    """``input`` (flattened) with each run of equal neighbours collapsed to one value."""
    _tensor_input(input, "unique_consecutive")
    if dim is not None:
        return _unique_dim(input, dim, True, return_inverse, return_counts,
                           "unique_consecutive")
    xp = input.xp
    flat = input.array.reshape(-1)
    start = xp.ones(flat.shape, dtype=bool)
    start[1:] = flat[1:] != flat[:-1]
    out = [Tensor._make(flat[start], input.device)]
    if return_inverse:
        out.append(_ints((xp.cumsum(start) - 1).reshape(input.shape), input))
    if return_counts:
        edges = xp.concatenate([xp.nonzero(start)[0], xp.asarray([flat.size])])
        out.append(_ints(xp.diff(edges), input))
    return out[0] if len(out) == 1 else tuple(out)


def _unique_dim(input: Tensor, dim: int, consecutive: bool, return_inverse: bool,
                return_counts: bool, op: str) -> Any:
    """The distinct slices along ``dim``: sorted lexicographically (as torch), or with runs
    of equal neighbours collapsed; inverse and counts index the slices."""
    xp = input.xp
    axis = normalize_dim(dim, input.shape, op, scalar=False)
    moved = xp.moveaxis(input.array, axis, 0)
    n = moved.shape[0]
    rows = moved.reshape(n, math.prod(moved.shape[1:]))  # not -1: n may be 0
    if consecutive or rows.shape[1] == 0:
        order = xp.arange(n)
    else:  # lexsort's last key is the primary one: the slices' first element
        order = xp.lexsort(rows.T[::-1])
    ranked = rows[order]
    start = xp.ones(n, dtype=bool)
    start[1:] = (ranked[1:] != ranked[:-1]).any(axis=1)
    out = [Tensor._make(xp.moveaxis(moved[order][start], 0, axis), input.device)]
    if return_inverse:
        inverse = xp.empty(n, dtype=dtypes.int64)
        inverse[order] = xp.cumsum(start) - 1
        out.append(_ints(inverse, input))
    if return_counts:
        edges = xp.concatenate([xp.nonzero(start)[0], xp.asarray([n])])
        out.append(_ints(xp.diff(edges), input))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each non-negative int occurs in the 1-D ``input`` (summing ``weights``
    instead when given: float32 weights give float32, other weights float64, as PyTorch)."""
    _tensor_input(input, "bincount")
    if input.dtype.kind not in "iu" or input.ndim != 1 or (
            input.numel() and bool((input.array < 0).any())):
        error = DtypeError if input.dtype.kind not in "iu" else RuntimeError  # as PyTorch
        raise error(f"bincount: only supports 1-d non-negative integral inputs, got "
                    f"shape {tuple(input.shape)} of {input.dtype}")
    if not isinstance(minlength, numbers.Integral) or minlength < 0:
        raise RuntimeError(f"bincount: minlength must be a non-negative int, got {minlength!r}")
    xp = input.xp
    if weights is None:
        return _ints(xp.bincount(input.array, minlength=minlength), input)
    _tensor_input(weights, "bincount")
    if tuple(weights.shape) != tuple(input.shape):
        raise RuntimeError(f"bincount: weights of shape {tuple(weights.shape)} must match the "
                           f"input of shape {tuple(input.shape)}")
    dtype = dtypes.float32 if weights.dtype == dtypes.float32 else dtypes.float64
    size = builtins.max(int(input.array.max()) + 1 if input.numel() else 0, minlength)
    counts = xp.zeros(size, dtype=dtype)   # summed in order in the output dtype, as PyTorch
    input.backend.scatter_add(counts, (input.array,), weights.array.astype(dtype))
    return Tensor._make(counts, input.device)


def histc(input: Tensor, bins: int = 100, min: Any = 0, max: Any = 0) -> Tensor:  # noqa: A002
    """A histogram of ``bins`` equal bins over [min, max] (the data's range when both are 0);
    values outside are ignored and ``max`` itself falls in the last bin."""
    _tensor_input(input, "histc")
    if not dtypes.is_floating(input.dtype):
        raise NotImplementedError(f"histc: not implemented for {input.dtype} (needs a floating "
                                  "tensor)")
    if not isinstance(bins, numbers.Integral) or bins <= 0:
        raise RuntimeError(f"histc: bins must be > 0, got {bins!r}")
    xp, a = input.xp, input.array.reshape(-1)
    scalar = input.dtype.type  # the edges and bin positions in the input's dtype, as PyTorch
    lo, hi = scalar(min), scalar(max)
    if lo == hi and a.size:
        lo, hi = a.min(), a.max()
    if lo == hi:
        lo, hi = lo - scalar(1), hi + scalar(1)
    if lo > hi:
        raise RuntimeError(f"histc: max must be larger than min, got min={min} and max={max}")
    if not (xp.isfinite(xp.asarray(lo)) and xp.isfinite(xp.asarray(hi))):
        raise RuntimeError(f"histc: range of [{lo}, {hi}] is not finite")
    keep = a[(a >= lo) & (a <= hi)]
    pos = ((keep - lo) * scalar(bins) / (hi - lo)).astype(dtypes.int64)
    pos = xp.minimum(pos, bins - 1)
    counts = xp.bincount(pos, minlength=bins)[:bins]
    return Tensor._make(counts.astype(input.dtype), input.device)
