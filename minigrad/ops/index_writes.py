"""Writing values at index positions, out of place and in place: index_put (``x[indices] =
values`` as a function, ``accumulate`` adding instead), put (flat indices), masked_scatter
(a source's leading elements written where a mask is True) and index_reduce (prod / mean /
amax / amin of slices along a dim).

They reuse the indexing pairs: ``indexing.Scatter`` for a write (the base keeps its gradient
where nothing was written, the values read theirs back from the written place) and
``IndexAdd`` for an accumulation; index_reduce is ``scatter_reduce.ScatterReduce`` at a
slice index, with its gradients. Backwards are tensor ops (double backward). In-place forms
run the out-of-place op under no_grad, as the other in-place index ops do.
"""
from __future__ import annotations

from typing import Any

from .. import dtypes
from ..tensor import Tensor
from .elementwise import _tensor_input
from .indexing import Scatter, _index, _no_grad
from .scatter_reduce import ScatterReduce
from .shape import IndexAdd, index_arrays


def _values(op: str, input: Tensor, values: Any, name: str = "values") -> Tensor:
    if not isinstance(values, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(values).__name__}")
    if values.dtype != input.dtype:
        raise RuntimeError(f"{op}: Index put requires the source and destination dtypes match, "
                           f"got {input.dtype} for the destination and {values.dtype} for the "
                           f"source.")
    if values.device != input.device:
        raise RuntimeError(f"{op}: {name} is on {values.device} but the input is on "
                           f"{input.device}")
    return values


def _int_positions(index: tuple) -> tuple:
    """Boolean masks as the integer positions they select (``IndexAdd`` needs integers)."""
    out = []
    for item in index:
        if hasattr(item, "dtype") and item.dtype == dtypes.bool:
            out.extend(i.astype(dtypes.int64) for i in item.nonzero())
        else:
            out.append(item)
    return tuple(out)


def _write_or_add(x: Tensor, values: Tensor, index: tuple, accumulate: bool, op: str) -> Tensor:
    """``x[index] = values`` (or ``+=``) with ``values`` broadcast to the indexed region."""
    region = x.xp.empty(x.shape, dtype=bool)[index].shape
    try:
        from .broadcast import broadcast_shapes
        if broadcast_shapes(op, tuple(values.shape), region) != region:
            raise ValueError
    except (ValueError, RuntimeError):
        raise RuntimeError(f"{op}: shape mismatch: value tensor of shape {tuple(values.shape)} "
                           f"cannot be broadcast to indexing result of shape {region} (input of "
                           f"shape {tuple(x.shape)})") from None
    v = values.expand(region) if tuple(values.shape) != region else values
    if accumulate:
        return x + IndexAdd.apply(v, tuple(x.shape), index)
    return Scatter.apply(x, v, index)


def index_put(input: Tensor, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
    """``input`` with ``input[indices] = values`` (a tuple of int64 / bool index tensors, one
    per leading dim; values broadcast), or ``+= values`` with ``accumulate`` (repeated
    positions add up; without it which repeat lands is unspecified, as in torch)."""
    op = "index_put"
    _tensor_input(input, op)
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"{op}: indices must be a tuple of Tensors, got "
                        f"{type(indices).__name__}")
    for i in indices:
        if not isinstance(i, Tensor):
            raise TypeError(f"{op}: indices must be Tensors, got {type(i).__name__}")
        if i.dtype.kind not in "iub":
            raise IndexError(f"{op}: tensors used as indices must be long, int or bool tensors, "
                             f"got {i.dtype}")
    values = _values(op, input, values)
    if len(indices) > max(input.ndim, 0) and not (input.ndim == 0 and len(indices) <= 1):
        raise IndexError(f"{op}: too many indices for tensor of dimension {input.ndim} (got "
                         f"{len(indices)})")
    if input.ndim == 0:  # a 0-d tensor indexed by a 0-d bool / int 0
        return index_put(input.reshape(1), tuple(i.reshape(1) for i in indices),
                         values.reshape(-1) if values.ndim else values, accumulate).reshape(())
    try:
        arrays = index_arrays(tuple(indices), input)
    except IndexError as error:  # worded for x[...]; say which op it was
        raise IndexError(f"{op}: {str(error).removeprefix('index: ')}") from None
    return _write_or_add(input, values, _int_positions(arrays), bool(accumulate), op)


def index_put_(self: Tensor, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
    """In-place ``index_put`` (recorded in the graph when a gradient is involved)."""
    if self._records_inplace(values):
        return self._record_inplace("index_put_", lambda t: index_put(t, indices, values,
                                                                     accumulate))
    self._check_inplace("index_put_", values)
    with _no_grad():
        self.array[...] = index_put(self, indices, values, accumulate).array
    return self


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """``input`` (read as flattened) with ``source`` written at the flat positions ``index``
    (negative count from the end), or added there with ``accumulate``."""
    op = "put"
    _tensor_input(input, op)
    index = _index(index, input, op, dtypes_ok=(dtypes.int64,))
    source = _values(op, input, source, "source")
    if index.numel() != source.numel():
        raise RuntimeError(f"{op}: Expected source and index to have the same number of "
                           f"elements, but got {source.numel()} for source and {index.numel()} "
                           f"for index")
    n = input.numel()
    a = index.array.reshape(-1)
    if a.size and bool(((a < -n) | (a >= n)).any()):
        bad = int(a[(a < -n) | (a >= n)][0])
        raise IndexError(f"{op}: index {bad} is out of range for a tensor of {n} elements "
                         f"(shape {tuple(input.shape)})")
    flat = (a % max(n, 1)).astype(dtypes.int64)
    out = _write_or_add(input.reshape(-1), source.reshape(-1), (flat,), bool(accumulate), op)
    return out.reshape(input.shape)


def put_(self: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """In-place ``put``."""
    self._check_inplace("put_", source)
    with _no_grad():
        self.array[...] = put(self, index, source, accumulate).array
    return self


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """``input`` with the positions where ``mask`` (broadcast with it) is True filled, in
    row-major order, by ``source``'s leading elements. The unused rest of ``source`` gets a
    zero gradient."""
    op = "masked_scatter"
    _tensor_input(input, op)
    if not isinstance(mask, Tensor) or mask.dtype != dtypes.bool:
        raise RuntimeError(f"{op}: expected mask to be a bool Tensor, got "
                           f"{getattr(mask, 'dtype', type(mask).__name__)}")
    source = _values(op, input, source, "source")
    from .broadcast import broadcast_shapes
    shape = broadcast_shapes(op, tuple(input.shape), tuple(mask.shape))
    x = input.expand(shape) if tuple(input.shape) != shape else input
    m = input.xp.broadcast_to(mask.array, shape)
    count = int(m.sum())
    if count > source.numel():
        raise RuntimeError(f"{op}: Number of elements of source < number of ones in mask "
                           f"({source.numel()} < {count}; source of shape "
                           f"{tuple(source.shape)}, mask of shape {tuple(mask.shape)})")
    if not shape:
        x, m = x.reshape(1), m.reshape(1)
    where = tuple(i.astype(dtypes.int64) for i in input.xp.nonzero(m))
    out = Scatter.apply(x, source.reshape(-1)[:count], where)
    return out.reshape(shape)


def masked_scatter_(self: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """In-place ``masked_scatter`` (the mask broadcasts to ``self``'s shape)."""
    self._check_inplace("masked_scatter_", source)
    with _no_grad():
        out = masked_scatter(self, mask, source)
        if tuple(out.shape) != tuple(self.shape):
            raise RuntimeError(f"masked_scatter_: mask of shape {tuple(mask.shape)} does not "
                               f"broadcast to self of shape {tuple(self.shape)}")
        self.array[...] = out.array
    return self


_REDUCES = ("prod", "mean", "amax", "amin")


def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    """The slices of ``source`` combined into ``input`` at the positions ``index`` along
    ``dim`` by 'prod', 'mean', 'amax' or 'amin' (repeats combine; ``include_self=False``
    leaves the input's own value out where something lands). Gradients as scatter_reduce."""
    from .selection import _index_args
    op = "index_reduce"
    if reduce not in _REDUCES:
        raise RuntimeError(f"{op}: reduce argument must be either prod, mean, amax or amin, got "
                           f"{reduce!r}")
    axis, flat = _index_args(input, dim, index, op, source)
    if input.ndim == 0:
        return index_reduce(input.reshape(1), 0, index.reshape(-1), source.reshape(1), reduce,
                            include_self=include_self).reshape(())
    return ScatterReduce.apply(input, source, (slice(None),) * axis + (flat,), reduce,
                               bool(include_self))


def index_reduce_(self: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                  include_self: bool = True) -> Tensor:
    """In-place ``index_reduce``."""
    self._check_inplace("index_reduce_", source)
    with _no_grad():
        self.array[...] = index_reduce(self, dim, index, source, reduce,
                                       include_self=include_self).array
    return self
