"""Indexing along a dimension and structured selections: gather/scatter, index_select,
masked_fill, take_along_dim, tril/triu, diag/diagonal/trace.

Gather and its adjoint, scatter-add into zeros, are the advanced-indexing pair of
``shape.py`` (``GetItem`` and ``IndexAdd``), whose backwards call each other, so every op here
supports double backward.
Index tensors are bounds-checked before use: NumPy would raise an unreadable error and
CuPy would wrap out-of-range indices silently.
"""
from __future__ import annotations

import math
import numbers
from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..errors import DtypeError, InvalidIndexError
from ..tensor import Tensor
from .comparison import where
from .dims import normalize_dim
from .shape import GetItem, IndexAdd


# --- argument checks ------------------------------------------------------------------------
def _index(index: Any, like: Tensor, op: str, name: str = "index",
           dtypes_ok: tuple = (dtypes.int64, dtypes.int32)) -> Tensor:
    """``index`` checked as PyTorch does: a Tensor (a list is a TypeError, not converted), of
    dtype int64 or int32 (or only those in ``dtypes_ok``), on ``like``'s device."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(index).__name__}")
    if index.dtype not in dtypes_ok:
        wanted = " or ".join(str(d) for d in dtypes_ok)
        raise RuntimeError(f"{op}: expected {name} of dtype {wanted}, got {index.dtype}")
    if index.device != like.device:
        raise RuntimeError(f"{op}: index is on {index.device} but the input is on {like.device}")
    return index


def _check_range(index: Tensor, size: int, op: str, dim: int, shape: tuple,
                 negative: bool = False) -> None:
    """Every index in [0, size): PyTorch refuses negative indices here too (except where
    ``negative``: then [-size, size), for index_fill, which counts those from the end)."""
    a, low = index.array, -size if negative else 0
    if a.size and bool(((a < low) | (a >= size)).any()):
        bad = index.to_numpy()
        bad = bad[(bad < low) | (bad >= size)].reshape(-1)[0]
        raise InvalidIndexError(f"{op}: index {int(bad)} is out of bounds for dimension {dim} with "
                                f"size {size} (input of shape {shape})")


def _along(index: Tensor, dim: int) -> tuple:
    """The advanced-indexing tuple that reads ``x[..., index[i, j, k], ...]`` at every position
    of ``index``: ``index`` on axis ``dim`` and broadcasting aranges on the others."""
    xp, ndim = index.xp, max(index.ndim, 1)
    arr = index.array.reshape(index.shape or (1,)).astype(dtypes.int64, copy=False)
    out = []
    for d in range(ndim):
        if d == dim:
            out.append(arr)
        else:
            shape = [1] * ndim
            shape[d] = arr.shape[d]
            out.append(xp.arange(arr.shape[d], dtype=dtypes.int64).reshape(shape))
    return tuple(out)


def _check_along(x: Tensor, dim: int, index: Tensor, op: str, src: Tensor | None = None) -> None:
    """PyTorch's shape rule for gather/scatter: same number of dims; index no larger than the
    input outside ``dim`` (and no larger than ``src`` anywhere)."""
    shape = tuple(x.shape)
    if max(index.ndim, 1) != max(x.ndim, 1):
        raise RuntimeError(f"{op}: index must have as many dimensions as the input, got index "
                           f"of shape {tuple(index.shape)} for input of shape {shape}")
    ishape, xshape = index.shape or (1,), x.shape or (1,)
    for d, (i, s) in enumerate(zip(ishape, xshape)):
        # as PyTorch, an empty index (which reads or writes nothing) may be larger
        if d != dim and i > s and index.numel():
            raise RuntimeError(f"{op}: index of shape {tuple(index.shape)} is larger than the "
                               f"input of shape {shape} in dimension {d}")
    if src is not None:
        sshape = src.shape or (1,)
        if max(src.ndim, 1) != len(ishape) or any(i > s for i, s in zip(ishape, sshape)):
            raise RuntimeError(f"{op}: index of shape {tuple(index.shape)} is larger than src "
                               f"of shape {tuple(src.shape)}")
    _check_range(index, xshape[dim], op, dim, shape)


# --- the gather / scatter-add pair ------------------------------------------------------------
def _gather(x: Tensor, index: tuple) -> Tensor:
    """``x[index]`` for a precomputed advanced index tuple (repeated positions are fine), via
    ``GetItem``, whose backward scatter-adds; a 0-d ``x`` is indexed as a one-element vector."""
    return GetItem.apply(x if x.ndim else x.reshape(1), index)


def _scatter_add_into_zeros(values: Tensor, shape: tuple, index: tuple) -> Tensor:
    """The adjoint of ``_gather``: ``values`` added into zeros of ``shape`` at ``index``
    (repeated positions add up), via ``IndexAdd``, whose backward gathers; all 0-d (values
    and shape) is done as one-element vectors, so the backward's gradient fits ``values``."""
    if not shape and values.ndim == 0:
        values = values.reshape(1)
    out = IndexAdd.apply(values, shape or (1,), index)
    return out if shape else out.reshape(())


def _leading(t: Tensor, shape: tuple) -> Tensor:
    """``t`` cut to its leading ``shape`` block (src may be larger than index)."""
    if tuple(t.shape) == tuple(shape):
        return t
    return t[tuple(slice(0, s) for s in shape)]


# --- gather and index_select as flat takes ---------------------------------------------------
def _positions(index: Tensor, dim: int, shape: tuple) -> Any:
    """Flat positions, in a C-ordered array of ``shape``, of what gather reads: ``index`` along
    ``dim`` and each element's own coordinate on the other dims (int64, ``index``'s shape)."""
    xp, shape = index.xp, shape or (1,)
    pos = index.array.reshape(index.shape or (1,)).astype(dtypes.int64)  # our own copy
    stride = 1
    strides = []
    for size in reversed(shape):
        strides.insert(0, stride)
        stride *= size
    if strides[dim] != 1:
        pos *= strides[dim]
    offsets = 0  # the other dims' coordinates, as small broadcasting aranges
    for d, size in enumerate(pos.shape):
        if d != dim and size > 1:
            offsets = offsets + xp.arange(0, size * strides[d], strides[d],
                                          dtype=dtypes.int64).reshape(_axis_shape(pos.ndim, d, size))
    pos += offsets
    return pos


def _axis_shape(ndim: int, axis: int, size: int) -> tuple:
    return (1,) * axis + (size,) + (1,) * (ndim - axis - 1)


class Gather(Function):
    """``x`` (C-contiguous) read at flat ``positions``: one ``take``, ~10x faster than advanced
    indexing with an index array per dim. Backward is the adjoint ``ScatterAddFlat``, whose
    backward is this op again, so double backward works."""

    @staticmethod
    def forward(ctx, x, positions):
        ctx.shape, ctx.positions = x.shape, positions
        return x.array.reshape(-1).take(positions)

    @staticmethod
    def backward(ctx, grad):
        return ScatterAddFlat.apply(grad, ctx.shape, ctx.positions), None


class ScatterAddFlat(Function):
    """``values`` added into zeros of ``shape`` at flat ``positions`` (of ``values``' shape;
    repeats add up in order). The gradient written into one fresh array, the leaf's own."""

    @staticmethod
    def forward(ctx, values, shape, positions):
        ctx.positions = positions
        out = values.xp.zeros(shape, dtype=values.dtype)
        values.backend.scatter_add(out.reshape(-1), (positions.reshape(-1),),
                                   values.array.reshape(-1))
        return out

    @staticmethod
    def backward(ctx, grad):
        return Gather.apply(grad, ctx.positions), None, None


class IndexSelect(Function):
    """The slices of ``x`` at ``index`` (a vector) along ``dim``: one ``take``. Backward is the
    adjoint ``IndexAddZeros``, whose backward is this op again (double backward works)."""

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim, ctx.index = x.shape, dim, index
        return x.xp.take(x.array, index, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return IndexAddZeros.apply(grad, ctx.shape, ctx.dim, ctx.index), None, None


class IndexAddZeros(Function):
    """``values`` added into zeros of ``shape`` at the slices ``index`` along ``dim``; repeated
    slices add up, in order. Slices picked once are just written (0 + v is v), so only the
    repeated ones pay for the backend's ordered scatter-add (a 1-D add.at at flat positions)."""

    @staticmethod
    def forward(ctx, values, shape, dim, index):
        ctx.dim, ctx.index = dim, index
        xp, head = values.xp, (slice(None),) * dim
        out = xp.zeros(shape, dtype=values.dtype)
        once = xp.bincount(index, minlength=shape[dim])[index] == 1
        picked = xp.flatnonzero(once)
        out[head + (index[picked],)] = xp.take(values.array, picked, axis=dim)
        repeated = xp.flatnonzero(~once)
        if repeated.size:  # as flat positions: the backend's 1-D add.at, ~1.5x its row rounds
            pre, post = math.prod(shape[:dim]), math.prod(shape[dim + 1:])
            flat = (xp.arange(pre).reshape(-1, 1, 1) * shape[dim] +
                    index[repeated].reshape(1, -1, 1)) * post + xp.arange(post)
            values.backend.scatter_add(out.reshape(-1), (flat.reshape(-1),),
                                       xp.take(values.array, repeated, axis=dim).reshape(-1))
        return out

    @staticmethod
    def backward(ctx, grad):
        return IndexSelect.apply(grad, ctx.dim, ctx.index), None, None, None


# --- public ops -------------------------------------------------------------------------------
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` (dim 0): picks one element per index position,
    e.g. the log-probability of each target class. Backward is a scatter-add. ``sparse_grad``
    is accepted for PyTorch compatibility; the gradient is dense either way (same values)."""
    return _checked_gather(input, dim, index, "gather")


def _checked_gather(input: Tensor, dim: int, index: Any, op: str) -> Tensor:
    """gather with its checks worded for ``op`` (gather, or take_along_dim built on it)."""
    dim = normalize_dim(dim, input.shape, op)
    index = _index(index, input, op)
    _check_along(input, dim, index, op)
    if input.array.flags.c_contiguous and input.array.size:
        out = Gather.apply(input, _positions(index, dim, tuple(input.shape)))
    else:  # e.g. take_along_dim's broadcast views: index them rather than copy them whole
        out = _gather(input, _along(index, dim))
    return out.reshape(index.shape)


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """NumPy's take_along_axis: like gather, but ``input`` and ``indices`` broadcast outside
    ``dim``; ``dim=None`` indexes the flattened input."""
    if dim is None:  # a gather on the flattened input: int32 indices pass, as in PyTorch
        indices = _index(indices, input, "take_along_dim", "indices")
        return _checked_gather(input.reshape(-1), 0, indices.reshape(-1), "take_along_dim")
    indices = _index(indices, input, "take_along_dim", "indices", (dtypes.int64,))
    dim = normalize_dim(dim, input.shape, "take_along_dim", scalar=False)  # as torch, for 0-d
    if indices.ndim != input.ndim:
        raise RuntimeError(f"take_along_dim: input of shape {tuple(input.shape)} and indices of "
                           f"shape {tuple(indices.shape)} need the same number of dimensions")
    from .broadcast import broadcast_shapes
    outer = broadcast_shapes("take_along_dim",
                             tuple(1 if d == dim else s for d, s in enumerate(input.shape)),
                             tuple(1 if d == dim else s for d, s in enumerate(indices.shape)))
    x_shape = tuple(input.shape[d] if d == dim else s for d, s in enumerate(outer))
    i_shape = tuple(indices.shape[d] if d == dim else s for d, s in enumerate(outer))
    # along a dim (not flattened) PyTorch counts negative indices from the end, as NumPy does;
    # checked on the broadcast indices, so an empty result reads nothing and is never refused
    size = input.shape[dim]
    if math.prod(i_shape):
        _check_range(indices, size, "take_along_dim", dim, tuple(input.shape), negative=True)
        if bool((indices.array < 0).any()):
            indices = Tensor._make(indices.array % size, indices.device)
    return _checked_gather(input.expand(x_shape), dim, indices.expand(i_shape), "take_along_dim")


class Scatter(Function):
    """``input`` with ``src`` written at ``index`` along a dim. The gradient of ``input`` is
    masked where it was overwritten; the gradient of ``src`` is gathered from there."""

    @staticmethod
    def forward(ctx, x, src, index):
        ctx.index, ctx.src_shape = index, src.shape
        out = x.array.copy().reshape(x.shape or (1,))
        out[index] = src.array.reshape(out[index].shape)
        keep = x.xp.ones(out.shape, dtype=x.dtype)
        keep[index] = 0
        ctx.keep = Tensor._make(keep.reshape(x.shape), x.device)
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        gx = grad * ctx.keep if ctx.needs_input_grad[0] else None
        gs = _gather(grad, ctx.index).reshape(ctx.src_shape) if ctx.needs_input_grad[1] else None
        return gx, gs, None


def _src_tensor(input: Tensor, src: Any, value: Any, index: Tensor, op: str) -> Tensor:
    if src is None and value is None:
        raise TypeError(f"{op}: expected src (a tensor) or value (a number)")
    if src is not None and value is not None:
        raise TypeError(f"{op}: give src or value, not both")
    if src is None:
        src = value
    if isinstance(src, Tensor):
        if src.device != input.device:
            raise RuntimeError(f"{op}: src is on {src.device} but the input is on {input.device}")
        if src.dtype != input.dtype:
            raise RuntimeError(f"{op}: expected src of dtype {input.dtype} (the input's), got "
                               f"{src.dtype}")
        return src
    if not isinstance(src, numbers.Number):
        raise TypeError(f"{op}: src must be a tensor or a number, got {type(src).__name__}")
    _check_fits(src, input.dtype, op, input.xp)
    if input.dtype.kind == "u" and src < 0:  # an int: -1 -> 255, as PyTorch (NumPy refuses)
        src += 2 ** (8 * input.dtype.itemsize)
    return Tensor._make(input.xp.full(index.shape, src, dtype=input.dtype), input.device)


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:
    """Out of place: a copy of ``input`` with ``src`` (a tensor, or a number) written at
    ``index`` along ``dim`` (e.g. one-hot rows). With repeated indices the value that lands
    is unspecified, as in PyTorch, and each copy of src still gets a gradient.
    ``reduce='add'`` or ``'multiply'`` combines instead of writing (repeats combine): that is
    scatter_reduce's 'sum' / 'prod' with the input included, and differentiable here (PyTorch
    has no derivative for it)."""
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError(f"scatter: reduce argument must be either add or multiply, got "
                           f"{reduce!r}")
    dim = normalize_dim(dim, input.shape, "scatter")
    index = _index(index, input, "scatter")
    src = _src_tensor(input, src, value, index, "scatter")
    _check_along(input, dim, index, "scatter", src)
    if reduce is not None:
        from .scatter_reduce import reduce_along
        return reduce_along(input, dim, index, src, "sum" if reduce == "add" else "prod", True)
    return Scatter.apply(input, _leading(src, index.shape), _along(index, dim))


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """Out of place: ``input`` plus ``src`` added at ``index`` along ``dim``; repeated indices
    add up (a histogram, a segment sum)."""
    dim = normalize_dim(dim, input.shape, "scatter_add")
    index = _index(index, input, "scatter_add")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add: src must be a tensor, got {type(src).__name__}")
    src = _src_tensor(input, src, None, index, "scatter_add")
    _check_along(input, dim, index, "scatter_add", src)
    added = _scatter_add_into_zeros(_leading(src, index.shape), tuple(input.shape),
                                    _along(index, dim))
    return input + added


def scatter_(self: Tensor, dim: int, index: Tensor, src: Any = None, *,
             value: Any = None, reduce: str | None = None) -> Tensor:
    """In-place ``scatter`` (recorded in the graph when a gradient is involved)."""
    if self._records_inplace(src, value):
        return self._record_inplace("scatter_", lambda t: scatter(t, dim, index, src,
                                                                 value=value, reduce=reduce))
    self._check_inplace("scatter_", src)
    with _no_grad():
        self.array[...] = scatter(self, dim, index, src, value=value, reduce=reduce).array
    return self


def scatter_add_(self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """In-place ``scatter_add`` (recorded in the graph when a gradient is involved)."""
    if self._records_inplace(src):
        return self._record_inplace("scatter_add_", lambda t: scatter_add(t, dim, index, src))
    self._check_inplace("scatter_add_", src)
    with _no_grad():
        self.array[...] = scatter_add(self, dim, index, src).array
    return self


def _no_grad() -> Any:
    from ..autograd.grad_mode import no_grad
    return no_grad()


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices of ``input`` at the positions ``index`` (a vector) along ``dim``; repeated
    positions are allowed and their gradients add up."""
    dim = normalize_dim(dim, input.shape, "index_select")
    index = _index(index, input, "index_select")
    if index.ndim > 1:
        raise IndexError(f"index_select: index must be a vector (0-d or 1-d), got shape "
                         f"{tuple(index.shape)}")
    if input.ndim == 0 and index.numel() != 1:
        raise IndexError(f"index_select: an index into a 0-d tensor must hold exactly one "
                         f"value, got {index.numel()}")
    _check_range(index, (input.shape or (1,))[dim], "index_select", dim, tuple(input.shape))
    flat = index.array.reshape(-1)
    out = IndexSelect.apply(input if input.ndim else input.reshape(1), dim, flat)
    return out if input.ndim else out.reshape(())


def _mask(input: Tensor, mask: Tensor, op: str, grow: bool = False) -> Tensor:
    """``mask`` checked as a bool tensor on ``input``'s device that broadcasts to ``input``'s
    shape (with ``grow``, that broadcasts with it: an out-of-place result may be larger)."""
    if not isinstance(mask, Tensor):
        mask = Tensor(mask, device=input.device)
    if mask.dtype != dtypes.bool:
        raise DtypeError(f"{op}: only boolean masks are supported, got a {mask.dtype} mask")
    if mask.device != input.device:
        raise RuntimeError(f"{op}: mask is on {mask.device} but the input is on {input.device}")
    from .broadcast import broadcast_shapes
    if broadcast_shapes(op, tuple(input.shape), tuple(mask.shape)) != tuple(input.shape) \
            and not grow:
        raise RuntimeError(f"{op}: mask of shape {tuple(mask.shape)} does not broadcast to the "
                           f"input's shape {tuple(input.shape)}")
    return mask


def _check_fits(number: Any, dtype: Any, op: str, xp: Any) -> None:
    """A fill value must be representable in the tensor's dtype, as PyTorch checks: NumPy would
    silently write -2**63 for inf/NaN/1e30 in an int64 tensor, or wrap 300 in a uint8 one.
    Like PyTorch, an unsigned tensor takes negative ints down to -max (-1 -> 255) but no
    negative float, and a float tensor takes inf and NaN, but not a finite value past its max."""
    if dtype.kind == "b" or isinstance(number, bool):
        return
    if dtype.kind == "f":
        fits = not math.isfinite(number) or abs(number) <= float(xp.finfo(dtype).max)
    else:
        bits = 8 * dtype.itemsize
        high = 2 ** bits - 1 if dtype.kind == "u" else 2 ** (bits - 1) - 1
        if dtype.kind == "u":
            low = -high if isinstance(number, numbers.Integral) else 0
        else:
            low = -high - 1
        fits = math.isfinite(number) and low <= number <= high
    if not fits:
        raise RuntimeError(f"{op}: value {number} cannot be converted to {dtype} without "
                           f"overflow")


def _fill_value(input: Tensor, value: Any, op: str) -> Any:
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"{op}: value must be a number or a 0-d tensor, got a tensor of "
                               f"shape {tuple(value.shape)}")
        if value.dtype != input.dtype:
            _check_fits(value.item(), input.dtype, op, input.xp)
        return value.to(input.dtype)
    if not isinstance(value, numbers.Number):
        raise TypeError(f"{op}: value must be a number or a 0-d tensor, got "
                        f"{type(value).__name__}")
    _check_fits(value, input.dtype, op, input.xp)
    return value


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``value`` where ``mask`` is True (e.g. -inf before a softmax), ``input`` elsewhere;
    the input's dtype is kept and a 0-d tensor value gets the gradient of what it filled.
    As in PyTorch, a mask with more or larger dims broadcasts the result to its shape."""
    mask = _mask(input, mask, "masked_fill", grow=True)
    value = _fill_value(input, value, "masked_fill")
    out = where(mask, value, input)
    return out if out.dtype == input.dtype else out.to(input.dtype)


def masked_fill_(self: Tensor, mask: Tensor, value: Any) -> Tensor:
    """In-place ``masked_fill`` (recorded in the graph when a gradient is involved)."""
    if self._records_inplace(value):
        return self._record_inplace("masked_fill_", lambda t: masked_fill(t, mask, value))
    self._check_inplace("masked_fill_", value)
    mask = _mask(self, mask, "masked_fill_")
    value = _fill_value(self, value, "masked_fill_")
    fill = value.array if isinstance(value, Tensor) else value
    self.array[self.xp.broadcast_to(mask.array, self.shape)] = fill
    return self


# --- triangles and diagonals ------------------------------------------------------------------
class Triangle(Function):
    """tril/triu: a selection, so the backward selects the same triangle of the gradient."""

    @staticmethod
    def forward(ctx, x, diagonal, upper):
        ctx.diagonal, ctx.upper = diagonal, upper
        return (x.xp.triu if upper else x.xp.tril)(x.array, diagonal)

    @staticmethod
    def backward(ctx, grad):
        return Triangle.apply(grad, ctx.diagonal, ctx.upper), None, None


def _triangle(input: Tensor, diagonal: int, upper: bool) -> Tensor:
    op = "triu" if upper else "tril"
    if input.ndim < 2:
        raise RuntimeError(f"{op}: input must have at least 2 dimensions, got shape "
                           f"{tuple(input.shape)}")
    if isinstance(diagonal, bool) or not isinstance(diagonal, numbers.Integral):
        raise TypeError(f"{op}: diagonal must be an int, got {type(diagonal).__name__}")
    return Triangle.apply(input, int(diagonal), upper)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims (on and below ``diagonal``), zeros elsewhere."""
    return _triangle(input, diagonal, False)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims (on and above ``diagonal``), zeros elsewhere."""
    return _triangle(input, diagonal, True)


def _diagonal_index(shape: tuple, offset: int) -> tuple:
    """Row and column positions of diagonal ``offset`` in the last two dims of ``shape``."""
    rows, cols = shape[-2], shape[-1]
    length = max(0, min(rows + min(offset, 0), cols - max(offset, 0)))
    return length, max(-offset, 0), max(offset, 0)


class Diagonal(Function):
    """The diagonal of dims ``dim1``/``dim2`` as a new last dim (a copy, unlike PyTorch's view)."""

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.shape, ctx.args = x.shape, (offset, dim1, dim2)
        moved = x.xp.moveaxis(x.array, (dim1, dim2), (-2, -1))
        n, r, c = _diagonal_index(moved.shape, offset)
        ar = x.xp.arange(n)
        return moved[..., ar + r, ar + c]

    @staticmethod
    def backward(ctx, grad):
        return DiagonalEmbed.apply(grad, ctx.shape, *ctx.args), None, None, None


class DiagonalEmbed(Function):
    """Zeros of ``shape`` with ``values`` on a diagonal: the adjoint of ``Diagonal``."""

    @staticmethod
    def forward(ctx, values, shape, offset, dim1, dim2):
        ctx.args = (offset, dim1, dim2)
        xp = values.xp
        order = [d for d in range(len(shape)) if d not in (dim1, dim2)] + [dim1, dim2]
        out = xp.zeros(tuple(shape[d] for d in order), dtype=values.dtype)
        n, r, c = _diagonal_index(out.shape, offset)
        ar = xp.arange(n)
        out[..., ar + r, ar + c] = values.array
        return xp.moveaxis(out, (-2, -1), (dim1, dim2))

    @staticmethod
    def backward(ctx, grad):
        return Diagonal.apply(grad, *ctx.args), None, None, None, None


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal (shifted by ``offset``) of the 2-D slices spanned by ``dim1`` and ``dim2``,
    appended as the last dim."""
    shape = tuple(input.shape)
    if input.ndim < 2:
        # as torch: IndexError (dim 1 is out of range); it was RuntimeError here
        raise InvalidIndexError(f"diagonal: input must have at least 2 dimensions, got shape "
                                f"{shape}")
    d1, d2 = normalize_dim(dim1, shape, "diagonal"), normalize_dim(dim2, shape, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal: dim1 and dim2 cannot be the same dimension ({dim1}, "
                           f"{dim2}) of a tensor of shape {shape}")
    return Diagonal.apply(input, int(offset), d1, d2)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A vector becomes a square matrix with it on diagonal ``diagonal``; a matrix gives that
    diagonal as a vector (the two are each other's adjoint)."""
    if input.ndim == 1:
        n = input.shape[0] + abs(int(diagonal))
        return DiagonalEmbed.apply(input, (n, n), int(diagonal), 0, 1)
    if input.ndim == 2:
        return Diagonal.apply(input, int(diagonal), 0, 1)
    raise RuntimeError(f"diag: supports 1-D or 2-D tensors, got shape {tuple(input.shape)}")


def trace(input: Tensor) -> Tensor:
    """Sum of the main diagonal of a matrix (int inputs give int64, as sum does)."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, got a tensor of shape {tuple(input.shape)}")
    return Diagonal.apply(input, 0, 0, 1).sum()
