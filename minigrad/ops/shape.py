"""Ops that move values without changing them: reshape, permute, expand, indexing,
cat/stack, pad, and the dtype/device conversions.

Each backward is the inverse movement (reshape back, permute back, sum over the
expanded axes, scatter-add into zeros), so each supports double backward.
"""
from __future__ import annotations

import numbers
import operator
from typing import Any, Sequence

from .. import dtypes
from ..autograd.function import Function
from ..backend import get_backend
from ..errors import ArgumentError, InvalidIndexError, ShapeError
from ..tensor import Tensor
from .broadcast import sum_to_shape


# --- reshaping ------------------------------------------------------------------------
def infer_size(sizes: tuple, numel: int) -> tuple | None:
    """``sizes`` (at most one -1) with the -1 worked out so that they hold ``numel``
    elements; None where no such sizes exist. reshape and unflatten word their own errors."""
    known = 1
    for s in sizes:
        if s != -1:
            known *= s
    if -1 not in sizes:
        return sizes if known == numel else None
    if known == 0 or numel % known:
        return None
    return tuple(numel // known if s == -1 else s for s in sizes)


def _size(s: Any, op: str, what: str = "a shape must be made of ints") -> int:
    """One size of a shape argument: an int (NumPy ints and 0-d int tensors too). A float or a
    dtype (``view(dtype)``, not supported) is a TypeError, not silently truncated."""
    try:
        return operator.index(s)
    except TypeError:
        raise TypeError(f"{op}: {what}, got {s!r} of type {type(s).__name__}") from None


def _resolve_shape(shape: Sequence, numel: int, op: str, old: tuple) -> tuple:
    shape = tuple(_size(s, op) for s in shape)
    if shape.count(-1) > 1:
        raise ShapeError(f"{op}: only one dimension can be -1, got {shape}")
    resolved = infer_size(shape, numel)
    if resolved is None:
        raise ShapeError(f"{op}: shape {shape} is invalid for a tensor of shape {old} "
                         f"({numel} elements)")
    return resolved


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.array.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None


class Permute(Function):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.array.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        inverse = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inverse[d] = i
        return grad.permute(*inverse), None


class Expand(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.xp.broadcast_to(x.array, shape)

    @staticmethod
    def backward(ctx, grad):
        return sum_to_shape(grad, ctx.shape), None


def _shape_args(shape: tuple, kwargs: dict | None = None, op: str = "",
                names: tuple = ()) -> tuple:
    """``f(2, 3)``, ``f((2, 3))`` or, with ``kwargs``, ``f(name=(2, 3))`` for one of ``names``
    (torch's keywords: reshape's shape=, view's size=, permute's dims=...)."""
    if kwargs:
        if shape or len(kwargs) != 1 or not set(kwargs) <= set(names):
            raise TypeError(f"{op}: expected ints, one sequence of ints or one of the keywords "
                            f"{', '.join(names)}; got {len(shape)} positional and keywords "
                            f"{sorted(kwargs)}")
        shape = tuple(kwargs.values())
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def reshape(x: Tensor, *shape: Any, **kwargs: Any) -> Tensor:
    shape = _shape_args(shape, kwargs, "reshape", ("shape", "size"))  # reshape's / view's name
    shape = _resolve_shape(shape, x.numel(), "reshape", tuple(x.shape))
    if shape == x.shape:
        return x
    return Reshape.apply(x, shape)


def permute(x: Tensor, *dims: Any, **kwargs: Any) -> Tensor:
    dims = _shape_args(dims, kwargs, "permute", ("dims",))
    if any(not -x.ndim <= d < max(x.ndim, 1) for d in dims) or \
            sorted(d % max(x.ndim, 1) for d in dims) != list(range(x.ndim)):
        # as PyTorch: IndexError for a dim out of range, RuntimeError for a repeat or a miscount
        error = InvalidIndexError if any(not -x.ndim <= d < max(x.ndim, 1) for d in dims) \
            else ArgumentError
        raise error(f"permute: dims {tuple(dims)} are not a permutation of the "
                    f"{x.ndim} dimensions of a tensor of shape {tuple(x.shape)}")
    return Permute.apply(x, tuple(d % x.ndim for d in dims))


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    dim0, dim1 = (_size(d, "transpose", "dims must be ints") for d in (dim0, dim1))
    dims = list(range(x.ndim))
    for d in (dim0, dim1):
        if not -max(x.ndim, 1) <= d < max(x.ndim, 1):  # a 0-d tensor has dim 0 (or -1)
            raise IndexError(f"transpose: dim {d} is out of range for shape {tuple(x.shape)}")
    if x.ndim == 0:
        return Permute.apply(x, ())
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return Permute.apply(x, tuple(dims))


def expand(x: Tensor, *shape: Any, **kwargs: Any) -> Tensor:
    shape = _shape_args(shape, kwargs, "expand", ("size",))
    lead = len(shape) - x.ndim
    if lead < 0:
        raise ShapeError(f"expand: cannot expand shape {tuple(x.shape)} to fewer dimensions "
                         f"{shape}")
    target = []
    for i, s in enumerate(shape):
        old = x.shape[i - lead] if i >= lead else 1
        if s == -1 and i < lead:
            raise ShapeError(f"expand: -1 is not allowed for the new leading dimension {i} "
                             f"when expanding shape {tuple(x.shape)} to {tuple(shape)}")
        s = old if s == -1 else s
        if old != 1 and old != s:
            raise ShapeError(f"expand: cannot expand shape {tuple(x.shape)} to {tuple(shape)}")
        target.append(s)
    target = tuple(target)
    return x if target == x.shape else Expand.apply(x, target)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    start_dim, end_dim = (_size(d, "flatten", "dims must be ints") for d in (start_dim, end_dim))
    if x.ndim == 0:
        return reshape(x, 1)
    for d in (start_dim, end_dim):
        if not -x.ndim <= d < x.ndim:
            raise IndexError(f"flatten: dim {d} is out of range for shape {tuple(x.shape)}")
    start, end = start_dim % x.ndim, end_dim % x.ndim
    if start > end:
        raise ArgumentError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    size = 1
    for s in x.shape[start:end + 1]:
        size *= s
    return reshape(x, x.shape[:start] + (size,) + x.shape[end + 1:])


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    dim = _size(dim, "unsqueeze", "dim must be an int")
    if not -x.ndim - 1 <= dim <= x.ndim:
        raise IndexError(f"unsqueeze: dim {dim} is out of range for shape {tuple(x.shape)}")
    dim = dim % (x.ndim + 1)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def squeeze(x: Tensor, dim: Any = None) -> Tensor:
    if dim is None:
        dims = {i for i, s in enumerate(x.shape) if s == 1}
    else:
        dims = tuple(dim) if isinstance(dim, (list, tuple)) else (dim,)
        dims = tuple(_size(d, "squeeze", "dims must be ints") for d in dims)  # or 0-d tensors
        for d in dims:
            if not -max(x.ndim, 1) <= d < max(x.ndim, 1):
                raise IndexError(f"squeeze: dim {d} is out of range for shape {tuple(x.shape)}")
        axes = [d % max(x.ndim, 1) for d in dims]
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"squeeze: dims {dims} name a dim more than once (shape "
                               f"{tuple(x.shape)})")
        dims = set(axes)
        dims = {d for d in dims if d < x.ndim and x.shape[d] == 1}  # a 0-d tensor stays 0-d
    return reshape(x, tuple(s for i, s in enumerate(x.shape) if i not in dims))


# --- indexing -----------------------------------------------------------------------------
def index_arrays(index: Any, x: Tensor) -> Any:
    """Tensor indices become arrays on ``x``'s device; integer arrays are bounds-checked
    (CuPy would otherwise wrap out-of-range indices silently)."""
    items = index if isinstance(index, tuple) else (index,)
    if not all(type(i) in _PLAIN_INDEX for i in items):  # lists and NumPy arrays as tensors
        items = tuple(Tensor(i, device=x.device) if isinstance(i, list) or _is_host_array(i)
                      else i for i in items)
    out, axis = [], 0
    n_specified = sum(i.ndim if isinstance(i, Tensor) and i.dtype.kind == "b"  # a mask: its dims
                      else i is not None and i is not Ellipsis for i in items)
    for item in items:
        if isinstance(item, list):
            item = Tensor(item, device=x.device)
        elif isinstance(item, numbers.Integral) and not isinstance(item, bool):
            item = int(item)  # NumPy integers index like Python ones
        if isinstance(item, Tensor):
            if item.device != x.device:
                if item.device != "cpu":
                    raise RuntimeError(f"index: indices on {item.device} cannot index a tensor "
                                       f"on {x.device}")
                item = item.to(x.device)  # CPU indices are moved, as PyTorch does
            if item.dtype.kind not in "iub":
                raise IndexError(f"index: tensors used as indices must be integer or bool, got "
                                 f"{item.dtype}")
            if item.dtype.kind == "b":
                size = x.shape[axis:axis + item.ndim]
                if tuple(item.shape) != tuple(size):
                    raise IndexError(f"index: boolean mask of shape {tuple(item.shape)} does not "
                                     f"match the indexed dimensions {tuple(size)} of shape "
                                     f"{tuple(x.shape)}")
                axis += item.ndim
            else:
                _check_bounds(item, x, axis)
                axis += 1
            out.append(item.array)
        elif item is Ellipsis:
            axis += x.ndim - n_specified
            out.append(item)
        elif item is None:
            out.append(item)
        else:
            if axis >= x.ndim:
                raise IndexError(f"index: too many indices for a tensor of shape {tuple(x.shape)}")
            if isinstance(item, int):
                if not -x.shape[axis] <= item < x.shape[axis]:
                    raise IndexError(f"index: index {item} is out of range for dimension {axis} "
                                     f"of a tensor of shape {tuple(x.shape)}")
            elif not isinstance(item, slice):
                raise IndexError(f"index: unsupported index of type {type(item).__name__}")
            axis += 1
            out.append(item)
    if axis > x.ndim:
        raise IndexError(f"index: too many indices ({axis}) for a tensor of shape {tuple(x.shape)}")
    return tuple(out)


def _check_bounds(item: Tensor, x: Tensor, axis: int) -> None:
    if axis >= x.ndim:
        raise IndexError(f"index: too many indices for a tensor of shape {tuple(x.shape)}")
    size = x.shape[axis]
    if item.numel() and bool(((item.array < -size) | (item.array >= size)).any()):
        bad = item.to_numpy()
        bad = bad[(bad < -size) | (bad >= size)][0]
        raise IndexError(f"index: index {int(bad)} is out of range for dimension {axis} with "
                         f"size {size} (tensor of shape {tuple(x.shape)})")


class GetItem(Function):
    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = x.shape, index
        if isinstance(index, tuple) and _is_basic(index) and x.ndim and \
                sum(isinstance(i, int) for i in index) == x.ndim and \
                not any(i is Ellipsis for i in index):
            # every dim picked by an int: NumPy would return a scalar (a copy); with ``...``
            # it returns a 0-d view, so that x[0].fill_(1) writes into x, as in PyTorch
            return x.array[index + (Ellipsis,)]
        return x.array[index]

    @staticmethod
    def backward(ctx, grad):
        return IndexAdd.apply(grad, ctx.shape, ctx.index), None


class IndexAdd(Function):
    """Scatter ``values`` into zeros of ``shape`` at ``index``; repeated indices add up."""

    @staticmethod
    def forward(ctx, values, shape, index):
        ctx.index = index
        out = values.xp.zeros(shape, dtype=values.dtype)
        if _is_basic(index):
            out[index] = values.array
        else:
            values.backend.scatter_add(out, index, values.array)
        return out

    @staticmethod
    def backward(ctx, grad):
        return GetItem.apply(grad, ctx.index), None, None


def _is_basic(index: tuple) -> bool:
    """Slices, ints, None and Ellipsis select each element at most once."""
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice)) for i in index)


_PLAIN_INDEX = (slice, int, type(None), type(Ellipsis))  # the common items, checked at once


def _is_host_array(item: Any) -> bool:
    """A NumPy array used as an index (PyTorch accepts them like tensors)."""
    return hasattr(item, "__array_interface__") and not isinstance(item, Tensor) and \
        getattr(item, "ndim", 0) > 0


def _is_advanced(item: Any) -> bool:
    return isinstance(item, (Tensor, list)) or _is_host_array(item)


def split_integer_index(index: Any) -> tuple:
    """(basic, advanced): PyTorch applies integer and slice indices first (as ``select`` and
    slicing) and only then the tensor indices, while NumPy treats integers mixed with arrays
    as arrays too, which moves dims: ``x[0, :, idx]`` is (5, k) in PyTorch, (k, 5) in NumPy.
    When an index mixes integers with tensor indices, it is split in these two steps; else
    ``basic`` is None and ``advanced`` the index unchanged."""
    if type(index) is not tuple or all(type(i) in _PLAIN_INDEX for i in index):
        return None, index  # one item, or basic indexing only: nothing to reorder
    items = index
    has_int = any(isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in items)
    if not has_int or not any(_is_advanced(i) for i in items):
        return None, index
    basic, advanced = [], []
    for item in items:
        if _is_advanced(item):
            mask = Tensor(item) if isinstance(item, list) else item
            width = mask.ndim if getattr(mask, "dtype", None) is not None and \
                mask.dtype.kind == "b" else 1
            basic += [slice(None)] * width
            advanced.append(item)
        elif isinstance(item, numbers.Integral) and not isinstance(item, bool):
            basic.append(item)  # its dim is gone after the first step
        elif item is Ellipsis:
            basic.append(item)
            advanced.append(item)
        else:  # a slice or None: applied in the first step, a whole dim in the second
            basic.append(item)
            advanced.append(slice(None))
    return tuple(basic), tuple(advanced)


def getitem(x: Tensor, index: Any) -> Tensor:
    basic, index = split_integer_index(index)
    if basic is not None:
        x = GetItem.apply(x, index_arrays(basic, x))
    return GetItem.apply(x, index_arrays(index, x))


# --- joining and padding --------------------------------------------------------------------
class Cat(Function):
    @staticmethod
    def forward(ctx, dim, *tensors):
        ctx.dim = dim
        ctx.sizes = [t.shape[dim] for t in tensors]
        return tensors[0].xp.concatenate([t.array for t in tensors], axis=dim)

    @staticmethod
    def backward(ctx, grad):
        grads, start = [None], 0
        for size, need in zip(ctx.sizes, ctx.needs_input_grad[1:]):
            index = (slice(None),) * ctx.dim + (slice(start, start + size),)
            grads.append(grad[index] if need else None)
            start += size
        return tuple(grads)


def _tensor_list(tensors: Any, op: str) -> list:
    """``tensors`` as a list, refused as torch refuses them: one Tensor rather than a sequence
    (iterating it would split it silently), or an element that is not a Tensor."""
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}: expected a sequence of Tensors, got one Tensor of shape "
                        f"{tuple(tensors.shape)}")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected a Tensor as element {i}, got {type(t).__name__}")
    return tensors


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension."""
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    # As in PyTorch, a 1-D empty tensor (shape (0,)) joins anything: it is skipped in the
    # shape checks and contributes nothing (``out = cat([tensor([]), x])`` in a loop works).
    # Kept in the graph (reshaped to an empty piece of the others' shape) so it gets a grad.
    shaped = [t for t in tensors if t.shape != (0,)]
    first = shaped[0] if shaped else tensors[0]
    if not -first.ndim <= dim < first.ndim:
        raise IndexError(f"cat: dim {dim} is out of range for shape {tuple(first.shape)}")
    dim %= first.ndim
    if shaped and len(shaped) < len(tensors):
        empty = tuple(0 if i == dim else n for i, n in enumerate(first.shape))
        tensors = [t if t.shape != (0,) else reshape(t, empty) for t in tensors]
    for t in tensors[1:]:
        if t.ndim != first.ndim or any(a != b for i, (a, b) in enumerate(zip(t.shape, first.shape))
                                       if i != dim):
            raise ShapeError(f"cat: shapes {tuple(first.shape)} and {tuple(t.shape)} do not match "
                             f"outside dimension {dim}")
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = dtypes.result_type(dtype, t.dtype)
    tensors = [t.to(dtype) for t in tensors]
    return Cat.apply(dim, *tensors)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join same-shaped tensors along a new dimension."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise ArgumentError("stack: expected a non-empty list of tensors")
    ndim = tensors[0].ndim
    if not -ndim - 1 <= dim <= ndim:
        raise IndexError(f"stack: dim {dim} is out of range for tensors of shape "
                         f"{tuple(tensors[0].shape)} (expected a dim in [{-ndim - 1}, {ndim}])")
    for t in tensors[1:]:
        if t.shape != tensors[0].shape:
            raise ShapeError(f"stack: all tensors must have the same shape, got "
                             f"{tuple(tensors[0].shape)} and {tuple(t.shape)}")
    return cat([unsqueeze(t, dim) for t in tensors], dim)


class Pad(Function):
    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.slices = tuple(slice(lo, lo + s) for (lo, _), s in zip(widths, x.shape))
        return x.xp.pad(x.array, widths, constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.slices], None, None


def pad(x: Tensor, pad: Sequence[int], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """PyTorch's F.pad: ``pad`` lists (before, after) pairs starting from the last dimension.
    All four modes and negative (cropping) widths live in ``ops/padding.py``."""
    from .padding import pad as pad_any_mode  # padding.py builds on Pad and GetItem above
    return pad_any_mode(x, pad, mode, value)


# --- dtype and device -------------------------------------------------------------------------
class Cast(Function):
    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.array.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return (grad.to(ctx.dtype) if ctx.dtype.kind == "f" else None), None


class ToDevice(Function):
    @staticmethod
    def forward(ctx, x, device):
        ctx.device = x.device
        host = x.backend.to_numpy(x.array)
        return Tensor._make(get_backend(device).asarray(host), device)

    @staticmethod
    def backward(ctx, grad):
        return grad.to(ctx.device), None


class Clone(Function):
    @staticmethod
    def forward(ctx, x):
        return x.array.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad
