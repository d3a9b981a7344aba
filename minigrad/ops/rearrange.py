"""Everyday rearrangements: cutting a tensor into pieces (split, chunk, unbind, narrow),
reordering it (flip, roll, movedim, t), repeating it (repeat, tile) and broadcasting it
(broadcast_to, broadcast_tensors, meshgrid), as PyTorch spells them.

Most are compositions of the primitives in ``shape.py`` (permute, reshape, expand,
indexing), so their gradients come from those. Three are their own Functions because
a composition would cost more: ``Split``/``Unbind`` return every piece from one node
(backward is one ``cat``/``stack`` of the pieces' gradients, with zeros for unused
pieces) and ``Flip``/``Roll`` are their own inverse up to a sign. Every backward is
written with tensor ops, so double backward works throughout.
"""
from __future__ import annotations

import operator
from typing import Any, Sequence

from ..autograd.function import Function
from ..errors import ArgumentError, InvalidIndexError, ShapeError
from ..tensor import Tensor
from .broadcast import broadcast_shapes as _broadcast_shapes
from .dims import normalize_dim
from .shape import Clone, cat, expand, getitem, infer_size, permute, reshape, stack, transpose


# --- argument helpers ----------------------------------------------------------------------------
def _int(value: Any, op: str, what: str) -> int:
    """An int from a Python/NumPy integer or a one-element integer tensor (as torch allows)."""
    if isinstance(value, bool):
        raise TypeError(f"{op}: {what} must be an int, got bool")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{op}: {what} must be an int, got {type(value).__name__}") from None


def _ints(values: Any, op: str, what: str) -> tuple:
    """A tuple of ints from one int or a sequence of them."""
    if isinstance(values, (list, tuple)):
        return tuple(_int(v, op, what) for v in values)
    return (_int(values, op, what),)


def _varargs(args: tuple) -> tuple:
    """``f(2, 3)`` and ``f((2, 3))`` mean the same, as in torch's Tensor methods."""
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (list, tuple)) else args


def _keyword(args: tuple, kwargs: dict, op: str, name: str) -> Any:
    """The one keyword argument ``name`` of a varargs method (``x.flip(dims=(0,))``)."""
    if args or set(kwargs) != {name}:
        raise TypeError(f"{op}: expected ints, one sequence of ints or {name}=, got "
                        f"{len(args)} positional and keywords {sorted(kwargs)}")
    return kwargs[name]


def _dims(dims: Any, x: Tensor, op: str) -> tuple:
    """Several distinct axes, in the order given."""
    dims = tuple(normalize_dim(d, x.shape, op) for d in _ints(dims, op, "dims"))
    if len(set(dims)) != len(dims):
        raise ArgumentError(f"{op}: dims {dims} repeat an axis of a tensor of shape "
                            f"{tuple(x.shape)}")
    return dims


def _at_least_1d(x: Tensor, op: str) -> None:
    if x.ndim == 0:
        # torch: RuntimeError for split/chunk, IndexError (no dim 0) for unbind
        raise InvalidIndexError(f"{op}: expected a tensor with at least 1 dimension, got a 0-d "
                                "tensor")


def _along(dim: int, index: Any) -> tuple:
    return (slice(None),) * dim + (index,)


# --- cutting into pieces -------------------------------------------------------------------------
class Split(Function):
    """All the pieces from one node; backward joins their gradients back in one ``cat``."""

    @staticmethod
    def forward(ctx, x, dim, sizes):
        ctx.dim, start, pieces = dim, 0, []
        for size in sizes:
            pieces.append(x.array[_along(dim, slice(start, start + size))])
            start += size
        return tuple(pieces)

    @staticmethod
    def backward(ctx, *grads):
        return cat(list(grads), ctx.dim), None, None


class Unbind(Function):
    """Every slice along ``dim`` from one node; backward stacks their gradients."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return tuple(x.array[_along(dim, i)] for i in range(x.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        return stack(list(grads), ctx.dim), None


def split(tensor: Tensor, split_size_or_sections: Any = None, dim: int = 0,
          **kwargs: Any) -> tuple:
    """Cut ``tensor`` along ``dim`` into pieces of one size (the last may be smaller) or of
    the listed sizes; the pieces are views and gradients flow back into their slices.
    (``split_size=``, the Tensor method's keyword in torch, is accepted too.)"""
    if kwargs:
        given = () if split_size_or_sections is None else (split_size_or_sections,)
        split_size_or_sections = _keyword(given, kwargs, "split", "split_size")
    if split_size_or_sections is None:
        raise TypeError("split: missing split_size_or_sections")
    _at_least_1d(tensor, "split")
    dim = normalize_dim(dim, tensor.shape, "split")
    length = tensor.shape[dim]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = _ints(split_size_or_sections, "split", "split sizes")
        if any(s < 0 for s in sizes):
            raise ShapeError(f"split: split sizes must be non-negative, got {list(sizes)}")
        if sum(sizes) != length:
            raise ShapeError(f"split: split sizes {list(sizes)} must sum to {length}, the size of "
                             f"dimension {dim} of a tensor of shape {tuple(tensor.shape)}")
    else:
        size = _int(split_size_or_sections, "split", "split_size")
        if size < 0 or (size == 0 and length != 0):
            raise ShapeError(f"split: split_size must be positive (0 only for an empty "
                             f"dimension), got {size} for dimension {dim} of size {length}")
        if length == 0:
            sizes = (0,)
        else:
            sizes = (size,) * (length // size) + ((length % size,) if length % size else ())
    return Split.apply(tensor, dim, sizes)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` pieces of ceil(size / chunks) each, torch's rule (so chunk(6, 4)
    gives 3 pieces of 2)."""
    _at_least_1d(input, "chunk")
    chunks = _int(chunks, "chunk", "chunks")
    if chunks <= 0:
        raise ArgumentError(f"chunk: chunks must be greater than 0, got {chunks}")
    dim = normalize_dim(dim, input.shape, "chunk")
    length = input.shape[dim]
    if length == 0:  # torch returns `chunks` empty pieces here
        return split(input, [0] * chunks, dim)
    return split(input, -(-length // chunks), dim)


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices along ``dim``, each without that dimension (``tuple(x)`` for dim 0)."""
    _at_least_1d(input, "unbind")
    return Unbind.apply(input, normalize_dim(dim, input.shape, "unbind"))


def narrow(input: Tensor, dim: int, start: Any, length: Any) -> Tensor:
    """``length`` elements along ``dim`` from ``start`` (negative counts from the end): a view."""
    if input.ndim == 0:
        raise ShapeError("narrow: cannot be applied to a 0-d tensor")
    dim = normalize_dim(dim, input.shape, "narrow")
    start, length = _int(start, "narrow", "start"), _int(length, "narrow", "length")
    size = input.shape[dim]
    if not -size <= start <= size:
        raise IndexError(f"narrow: start {start} is out of range [-{size}, {size}] for dimension "
                         f"{dim} of a tensor of shape {tuple(input.shape)}")
    if length < 0:
        raise ShapeError(f"narrow: length must be non-negative, got {length}")
    if start < 0:  # not start % size: start == size is an empty piece at the end, not 0
        start += size
    if start + length > size:
        raise ShapeError(f"narrow: start ({start}) + length ({length}) exceeds the size {size} of "
                         f"dimension {dim} of a tensor of shape {tuple(input.shape)}")
    return getitem(input, _along(dim, slice(start, start + length)))


# --- reordering --------------------------------------------------------------------------------
class Flip(Function):
    """A copy, as in PyTorch (NumPy's flip is a view: writing to it would change the input)."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.xp.flip(x.array, dims).copy()

    @staticmethod
    def backward(ctx, grad):
        return Flip.apply(grad, ctx.dims), None


class Roll(Function):
    """``dims=None`` rolls the flattened tensor (NumPy's ``axis=None`` does the same)."""

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return x.xp.roll(x.array, shifts, axis=dims)

    @staticmethod
    def backward(ctx, grad):
        back = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
        return Roll.apply(grad, back, ctx.dims), None, None


def flip(input: Tensor, dims: Any) -> Tensor:
    """Reverse the order of elements along each of ``dims`` (a 0-d tensor comes back as a
    copy, as in torch)."""
    dims = _dims(dims, input, "flip")
    return Flip.apply(input, dims) if input.ndim else input.clone()


def _flip_method(self: Tensor, *dims: Any, **kwargs: Any) -> Tensor:
    """``x.flip(0, 1)``, ``x.flip((0, 1))`` or ``x.flip(dims=(0, 1))``."""
    return flip(self, _varargs(dims) if not kwargs else _keyword(dims, kwargs, "flip", "dims"))


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """Shift elements along ``dims`` with wrap-around; with ``dims=None`` the tensor is
    flattened, rolled and given its shape back."""
    shifts = _ints(shifts, "roll", "shifts")
    if not shifts:  # as torch: an empty shifts list is refused, even with empty dims
        raise RuntimeError("roll: shifts must hold at least one int, got []")
    if dims is None:
        if len(shifts) != 1:
            raise ArgumentError(f"roll: with dims=None, shifts must be a single int, got {shifts}")
        return Roll.apply(input, shifts[0], None)
    dims = tuple(normalize_dim(d, input.shape, "roll", scalar=False)  # torch refuses 0-d here
                 for d in _ints(dims, "roll", "dims"))
    if len(shifts) != len(dims):
        raise ArgumentError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    return Roll.apply(input, shifts, dims)


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    """Move the axes ``source`` to positions ``destination``; the others keep their order."""
    src = tuple(normalize_dim(d, input.shape, "movedim")
                for d in _ints(source, "movedim", "source"))
    dst = tuple(normalize_dim(d, input.shape, "movedim")
                for d in _ints(destination, "movedim", "destination"))
    if len(src) != len(dst):
        raise ArgumentError(f"movedim: source {src} and destination {dst} must name the same "
                            f"number of dims")
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise ArgumentError(f"movedim: repeated dim in {name} {dims}")
    if input.ndim == 0:  # a 0-d tensor's one "axis" 0 stays where it is, as in torch
        return input
    order = [None] * input.ndim
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(input.ndim) if d not in src)
    order = tuple(next(rest) if o is None else o for o in order)
    return input if order == tuple(range(input.ndim)) else permute(input, order)


def t(input: Tensor) -> Tensor:
    """Transpose a matrix; 0-d and 1-d tensors come back as they are (torch's ``t``)."""
    if input.ndim > 2:
        raise ShapeError(f"t: expects a tensor with <= 2 dimensions, got shape "
                         f"{tuple(input.shape)}; use transpose(dim0, dim1) or mT")
    return transpose(input, 0, 1) if input.ndim == 2 else input


def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of the last two dims; minigrad tensors are real, so ``mT``."""
    if input.ndim < 2:
        raise RuntimeError(f"adjoint: expects a matrix or a batch of matrices, got shape "
                           f"{tuple(input.shape)}")
    return transpose(input, -2, -1)


def _H(input: Tensor) -> Tensor:
    """``Tensor.H``: the conjugate transpose of a matrix (a 0-d tensor comes back as it is)."""
    if input.ndim not in (0, 2):
        raise RuntimeError(f"H: expects a matrix (2-D tensor), got shape {tuple(input.shape)}; "
                           f"for batches of matrices use mH")
    return transpose(input, 0, 1) if input.ndim == 2 else input


def narrow_copy(input: Tensor, dim: int, start: Any, length: Any) -> Tensor:
    """``narrow`` as a new tensor rather than a view."""
    return narrow(input, dim, start, length).clone()


def broadcast_shapes(*shapes: Any) -> tuple:
    """The shape that tensors of the given shapes broadcast to (an int is a 1-D shape), as
    ``torch.broadcast_shapes``; no tensors are made."""
    sizes = [_ints(s, "broadcast_shapes", "shape") for s in shapes]
    if any(n < 0 for s in sizes for n in s):
        raise ValueError(f"broadcast_shapes: a size is negative in {shapes}")
    return _broadcast_shapes("broadcast_shapes", *sizes) if sizes else ()


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split one dimension into several (the inverse of ``flatten``); one size may be -1."""
    dim = normalize_dim(dim, input.shape, "unflatten", scalar=False)  # torch refuses 0-d
    sizes = _ints(sizes, "unflatten", "sizes")
    size = input.shape[dim]
    if not sizes:
        raise ShapeError("unflatten: sizes must be non-empty")
    if sizes.count(-1) > 1 or any(s < -1 for s in sizes):
        raise ShapeError(f"unflatten: sizes {sizes} may hold only one -1 and no other negative")
    resolved = infer_size(sizes, size)
    if resolved is None and -1 in sizes:
        raise ShapeError(f"unflatten: sizes {sizes} cannot be resolved for dimension {dim} "
                         f"of size {size} (tensor of shape {tuple(input.shape)})")
    if resolved is None:
        raise ShapeError(f"unflatten: sizes {sizes} don't multiply up to the size {size} of "
                         f"dimension {dim} (tensor of shape {tuple(input.shape)})")
    return reshape(input, input.shape[:dim] + resolved + input.shape[dim + 1:])


# --- repeating -------------------------------------------------------------------------------------
def repeat(self: Tensor, *sizes: Any, **kwargs: Any) -> Tensor:
    """Tile the tensor ``sizes[i]`` times along each dimension; extra sizes add leading dims.

    Built as reshape -> expand -> reshape (each dimension s becomes (1, s), expanded to
    (r, s), then merged), so the gradient is expand's: a sum over the copies."""
    sizes = _ints(_varargs(sizes) if not kwargs else _keyword(sizes, kwargs, "repeat", "repeats"),
                  "repeat", "sizes")
    if len(sizes) < self.ndim:
        raise ShapeError(f"repeat: got {len(sizes)} repeat sizes {sizes} for a tensor of shape "
                         f"{tuple(self.shape)}; give at least one per dimension")
    if any(r < 0 for r in sizes):
        raise ShapeError(f"repeat: repeat sizes must be non-negative, got {sizes}")
    shape = (1,) * (len(sizes) - self.ndim) + tuple(self.shape)
    pairs = tuple(v for s in shape for v in (1, s))
    target = tuple(v for r, s in zip(sizes, shape) for v in (r, s))
    out = reshape(expand(reshape(self, pairs), target),
                  tuple(r * s for r, s in zip(sizes, shape)))
    # Like torch, always new memory: with every size 1 the reshapes alone would give a view.
    return Clone.apply(out) if all(r == 1 for r in sizes) else out


def tile(input: Tensor, dims: Any) -> Tensor:
    """``repeat`` with too-short ``dims`` padded with leading 1s (torch's tile rule)."""
    dims = _ints(dims, "tile", "dims")
    if any(r < 0 for r in dims):
        raise ShapeError(f"tile: dims must be non-negative, got {dims}")
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


def _tile_method(self: Tensor, *dims: Any, **kwargs: Any) -> Tensor:
    """``x.tile(2, 3)``, ``x.tile((2, 3))`` or ``x.tile(dims=(2, 3))``."""
    return tile(self, _varargs(dims) if not kwargs else _keyword(dims, kwargs, "tile", "dims"))


# --- broadcasting ------------------------------------------------------------------------------
def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:
    """A read-only broadcast view of ``input`` with shape ``size`` (-1 keeps a dimension)."""
    shape = _ints(size, "broadcast_to", "shape")
    lead = len(shape) - input.ndim
    if lead < 0:
        raise ShapeError(f"broadcast_to: cannot broadcast shape {tuple(input.shape)} to fewer "
                         f"dimensions {shape}")
    for i, s in enumerate(shape):
        old = input.shape[i - lead] if i >= lead else None
        if s == -1 and old is not None:
            continue
        if s < 0 or (old is not None and old not in (1, s)):
            raise ShapeError(f"broadcast_to: cannot broadcast shape {tuple(input.shape)} to "
                             f"{shape}")
    return expand(input, shape)


def broadcast_tensors(*tensors: Tensor) -> tuple:
    """Every tensor expanded to their common broadcast shape."""
    tensors = _varargs(tensors)
    for x in tensors:
        if not isinstance(x, Tensor):
            raise TypeError(f"broadcast_tensors: expected Tensors, got {type(x).__name__}")
    devices = sorted({x.device for x in tensors})
    if len(devices) > 1:  # expand is a view, so no Function would catch the mix
        raise RuntimeError(f"broadcast_tensors: expected all tensors on the same device, got "
                           f"{' and '.join(devices)}")
    shape = _broadcast_shapes("broadcast_tensors", *(tuple(x.shape) for x in tensors)) \
        if tensors else ()
    return tuple(expand(x, shape) for x in tensors)


def meshgrid(*tensors: Tensor, indexing: str = "ij") -> tuple:
    """Coordinate grids from 1-d tensors: with 'ij' output i varies along axis i; with 'xy'
    the first two axes are swapped (Cartesian, as NumPy's default).

    torch warns when ``indexing`` is not given and means 'ij'; minigrad means 'ij' silently."""
    tensors = _varargs(tensors)
    if indexing not in ("ij", "xy"):
        raise ArgumentError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if not tensors:
        raise ArgumentError("meshgrid: expected at least one tensor")
    for x in tensors:
        if not isinstance(x, Tensor):
            raise TypeError(f"meshgrid: expected Tensors, got {type(x).__name__}")
        if x.ndim > 1:
            raise ShapeError(f"meshgrid: expected 0-d or 1-d tensors, got shape {tuple(x.shape)}")
        if x.dtype != tensors[0].dtype or x.device != tensors[0].device:
            raise RuntimeError(f"meshgrid: all tensors must have the same dtype and device, got "
                               f"{tensors[0].dtype} on {tensors[0].device} and {x.dtype} on "
                               f"{x.device}")
    n = len(tensors)
    axes = list(range(n))
    if indexing == "xy" and n >= 2:
        axes[0], axes[1] = 1, 0
    shape = [0] * n
    for x, axis in zip(tensors, axes):
        shape[axis] = x.numel()
    grids = []
    for x, axis in zip(tensors, axes):
        along = tuple(x.numel() if i == axis else 1 for i in range(n))
        grids.append(expand(reshape(x, along), tuple(shape)))
    return tuple(grids)


# --- small Tensor methods PyTorch users reach for next to these ---------------------------------
def _new_like(self: Tensor, dtype: Any, device: Any) -> dict:
    return {"dtype": self.dtype if dtype is None else dtype,
            "device": self.device if device is None else device}


def _new_size(op: str, args: tuple, size: Any) -> tuple:
    """The shape given as ``new_zeros(2, 3)``, ``new_zeros((2, 3))`` or ``size=(2, 3)``."""
    if size is None:
        return args
    if args:
        raise TypeError(f"{op}() got multiple values for argument 'size'")
    return (size,)


def new_zeros(self: Tensor, *args: Any, size: Any = None, dtype: Any = None,
              device: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with this tensor's dtype and device unless told otherwise."""
    from ..creation import zeros
    return zeros(*_new_size("new_zeros", args, size), requires_grad=requires_grad,
                 **_new_like(self, dtype, device))


def new_ones(self: Tensor, *args: Any, size: Any = None, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with this tensor's dtype and device unless told otherwise."""
    from ..creation import ones
    return ones(*_new_size("new_ones", args, size), requires_grad=requires_grad,
                **_new_like(self, dtype, device))


def new_empty(self: Tensor, *args: Any, size: Any = None, dtype: Any = None,
              device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uninitialised in torch; minigrad fills it with zeros (its ``empty`` does the same)."""
    from ..creation import empty
    return empty(*_new_size("new_empty", args, size), requires_grad=requires_grad,
                 **_new_like(self, dtype, device))


def new_full(self: Tensor, size: Sequence[int], fill_value: Any, *, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere, with this tensor's dtype and device unless told otherwise."""
    from ..creation import full
    return full(size, fill_value, requires_grad=requires_grad, **_new_like(self, dtype, device))


def new_tensor(self: Tensor, data: Any, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """A copy of ``data`` with this tensor's dtype and device (even for integer data, as
    in torch), cut off from any graph."""
    from ..creation import tensor
    return tensor(data, requires_grad=requires_grad, **_new_like(self, dtype, device))


def is_floating_point(self: Tensor) -> bool:
    """Whether the dtype is a float (the tensors a gradient can flow into), as torch."""
    return self.dtype.kind == "f"


def is_contiguous(self: Tensor) -> bool:
    """Whether the memory is in C order with no gaps.

    minigrad returns views freely (transpose, permute, expand, slicing), and its
    ops accept any layout, so this is only informative; ``contiguous()`` copies when it is
    False."""
    return bool(self.array.flags.c_contiguous)


def element_size(self: Tensor) -> int:
    """Bytes per element."""
    return int(self.dtype.itemsize)


swapdims = transpose  # torch's alias, with the same dim0/dim1 keywords


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """torch's NumPy-flavoured ``transpose``, with NumPy's keywords axis0/axis1."""
    return transpose(input, axis0, axis1)
moveaxis = movedim
