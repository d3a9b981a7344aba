"""Splitting, stacking and building tensors from pieces: tensor_split, hsplit, vsplit, dsplit,
hstack, vstack, row_stack, dstack, column_stack, atleast_1d/2d/3d, block_diag, cartesian_prod,
combinations, rot90, fliplr, flipud, select, repeat_interleave, diag_embed, diagflat, vander,
triu_indices, tril_indices, logspace.

Each is a composition of differentiable ops (slicing, cat, pad, flip, transpose, gather,
scatter-add), so gradients and double backward come from those; the index-building ones
(triu_indices, tril_indices, logspace) create new tensors with no graph.
"""
from __future__ import annotations

import itertools
import numbers
from typing import Any, Sequence

from .. import dtypes
from ..backend import get_backend
from ..tensor import Tensor
from .comparison import where
from .dims import normalize_dim
from .elementwise import _tensor_input
from .indexing import _gather
from .rearrange import flip, meshgrid
from .shape import IndexAdd, cat, pad, stack


def _tensors(tensors: Any, op: str) -> list:
    """A sequence of tensors given as one list/tuple or as separate arguments."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for t in tensors:
        _tensor_input(t, op)
    return list(tensors)


def _promoted(tensors: list, zero_d_weak: bool = False) -> list:
    """The tensors cast to one dtype by PyTorch's promotion (int + float32 -> float32). With
    ``zero_d_weak`` (block_diag, as torch.result_type) 0-d tensors decide the dtype only when
    their category is higher: float32 blocks and a float64 0-d block give float32."""
    if not tensors:
        return tensors

    def common(group: list) -> Any:
        dtype = group[0].dtype
        for t in group[1:]:
            dtype = dtypes.result_type(dtype, t.dtype, False, False)
        return dtype

    shaped = [t for t in tensors if t.ndim] if zero_d_weak else tensors
    scalars = [t for t in tensors if not t.ndim] if zero_d_weak else []
    if shaped and scalars:
        dtype = dtypes.result_type(common(shaped), common(scalars), False, True)
    else:
        dtype = common(shaped or scalars)
    return [t if t.dtype == dtype else t.to(dtype) for t in tensors]


# --- splits --------------------------------------------------------------------------------------
_SPLIT_KEYWORDS = ("sections", "indices", "tensor_indices_or_sections")  # torch's overloads


def _split_spec(spec: Any, kwargs: dict, op: str) -> Any:
    """indices_or_sections given positionally or as one of torch's keywords."""
    if kwargs:
        if spec is not None or len(kwargs) != 1 or not set(kwargs) <= set(_SPLIT_KEYWORDS):
            raise TypeError(f"{op}: give indices_or_sections or one of the keywords "
                            f"{', '.join(_SPLIT_KEYWORDS)}; got keywords {sorted(kwargs)}")
        return next(iter(kwargs.values()))
    if spec is None:
        raise TypeError(f"{op}: missing indices_or_sections")
    return spec


def tensor_split(input: Tensor, indices_or_sections: Any = None, dim: int = 0,
                 **kwargs: Any) -> tuple:
    """Views of ``input`` along ``dim``: ``n`` near-equal parts (the first ``size % n`` one
    longer), or the pieces between the given indices (which may run past the end, or be
    negative: counted from the end, as in a slice). torch's keywords sections=, indices=
    and tensor_indices_or_sections= are accepted too."""
    indices_or_sections = _split_spec(indices_or_sections, kwargs, "tensor_split")
    _tensor_input(input, "tensor_split")
    if input.ndim == 0:
        raise RuntimeError("tensor_split: expected at least a 1-dimensional tensor")
    axis = normalize_dim(dim, input.shape, "tensor_split")
    spec = indices_or_sections
    if isinstance(spec, Tensor):
        if spec.dtype.kind not in "iu" or spec.ndim > 1:
            raise RuntimeError(f"tensor_split: a tensor indices_or_sections must be a 0-d or "
                               f"1-d integer tensor, got shape {tuple(spec.shape)} of "
                               f"{spec.dtype}")
        spec = int(spec.item()) if spec.ndim == 0 else [int(i) for i in spec.to_numpy()]
    size = input.shape[axis]
    if isinstance(spec, numbers.Integral) and not isinstance(spec, bool):
        if spec <= 0:
            raise RuntimeError(f"tensor_split: number of sections must be larger than 0, got "
                               f"{spec}")
        small, extra = divmod(size, spec)
        bounds, at = [], 0
        for i in range(spec - 1):
            at += small + (1 if i < extra else 0)
            bounds.append(at)
    elif isinstance(spec, (list, tuple)):
        bounds = [int(i) for i in spec]
    else:
        raise TypeError(f"tensor_split: indices_or_sections must be an int, a list of ints or "
                        f"a tensor, got {type(spec).__name__}")
    # Each piece is input[edges[i]:edges[i + 1]] by Python's slice rules: a negative index
    # counts from the end, then both ends are clamped to [0, size].
    edges = [0] + [i + size if i < 0 else i for i in bounds] + [size]
    before = (slice(None),) * axis
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        lo, hi = min(max(lo, 0), size), min(max(hi, 0), size)
        out.append(input[before + (slice(lo, max(lo, hi)),)])
    return tuple(out)


def _direction_split(input: Tensor, spec: Any, dim: int, need: int, op: str) -> tuple:
    _tensor_input(input, op)
    if input.ndim < need:
        raise RuntimeError(f"{op}: requires a tensor with at least {need} dimension(s), got a "
                           f"tensor of shape {tuple(input.shape)}")
    if isinstance(spec, numbers.Integral) and not isinstance(spec, bool):
        size = input.shape[dim]
        if spec == 0 or size % spec:
            raise RuntimeError(f"{op}: attempted to split along dimension {dim}, but the size "
                               f"of the dimension {size} is not divisible by the split_size "
                               f"{spec}!")
    return tensor_split(input, spec, dim)


def hsplit(input: Tensor, indices_or_sections: Any = None, **kwargs: Any) -> tuple:
    """Split along the columns: dim 1 (dim 0 for a 1-D tensor); an int must divide evenly."""
    indices_or_sections = _split_spec(indices_or_sections, kwargs, "hsplit")
    dim = 1 if isinstance(input, Tensor) and input.ndim >= 2 else 0
    return _direction_split(input, indices_or_sections, dim, 1, "hsplit")


def vsplit(input: Tensor, indices_or_sections: Any = None, **kwargs: Any) -> tuple:
    """Split along the rows (dim 0) of a tensor of at least 2 dims."""
    indices_or_sections = _split_spec(indices_or_sections, kwargs, "vsplit")
    return _direction_split(input, indices_or_sections, 0, 2, "vsplit")


def dsplit(input: Tensor, indices_or_sections: Any = None, **kwargs: Any) -> tuple:
    """Split along the depth (dim 2) of a tensor of at least 3 dims."""
    indices_or_sections = _split_spec(indices_or_sections, kwargs, "dsplit")
    return _direction_split(input, indices_or_sections, 2, 3, "dsplit")


# --- at-least-n-d and stacks -------------------------------------------------------------------
def _atleast(tensors: tuple, ndim: int, shape_of: Any) -> Any:
    items = _tensors(tensors, f"atleast_{ndim}d")
    out = tuple(t.reshape(shape_of(t)) if t.ndim < ndim else t for t in items)
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    return out[0] if single else out


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least 1 dim (a 0-d one becomes shape (1,))."""
    return _atleast(tensors, 1, lambda t: (1,))


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least 2 dims: () -> (1, 1), (n,) -> (1, n)."""
    return _atleast(tensors, 2, lambda t: (1,) * (2 - t.ndim) + tuple(t.shape))


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least 3 dims: () -> (1, 1, 1), (n,) -> (1, n, 1), (m, n) -> (m, n, 1)."""
    def shape(t: Tensor) -> tuple:
        return {0: (1, 1, 1), 1: (1,) + tuple(t.shape) + (1,), 2: tuple(t.shape) + (1,)}[t.ndim]
    return _atleast(tensors, 3, shape)


def _stack_args(tensors: Any, op: str) -> list:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expected a list or tuple of tensors, got "
                        f"{type(tensors).__name__}")
    if not tensors:
        raise RuntimeError(f"{op}: expects a non-empty list of tensors")
    return _promoted(_tensors((tensors,), op))


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join horizontally: along dim 0 for 1-D tensors, else dim 1."""
    items = [atleast_1d(t) for t in _stack_args(tensors, "hstack")]
    return cat(items, 0 if all(t.ndim == 1 for t in items) else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join vertically: 1-D tensors become rows, then cat along dim 0."""
    return cat([atleast_2d(t) for t in _stack_args(tensors, "vstack")], 0)


def row_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Alias of ``vstack``."""
    return vstack(tensors)


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along depth: each made at least 3-D, then cat along dim 2."""
    return cat([atleast_3d(t) for t in _stack_args(tensors, "dstack")], 2)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """0-d and 1-d tensors become columns (n, 1); then cat along dim 1."""
    items = _stack_args(tensors, "column_stack")
    return cat([t.reshape(t.numel(), 1) if t.ndim <= 1 else t for t in items], 1)


def block_diag(*tensors: Tensor) -> Tensor:
    """A 2-D tensor with the given (0-, 1- or 2-D) tensors on its diagonal, zeros elsewhere."""
    items = _promoted(_tensors(tensors, "block_diag"), zero_d_weak=True)
    blocks = []
    for t in items:
        if t.ndim > 2:
            raise RuntimeError(f"block_diag: input tensors must have 2 or fewer dimensions, got "
                               f"a tensor of shape {tuple(t.shape)}")
        blocks.append(t.reshape(1, t.numel()) if t.ndim < 2 else t)
    if not blocks:
        from ..creation import zeros
        return zeros(1, 0)
    width = sum(b.shape[1] for b in blocks)
    rows, at = [], 0
    for b in blocks:
        rows.append(pad(b, (at, width - at - b.shape[1])))
        at += b.shape[1]
    return cat(rows, 0)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of one element from each 1-D tensor, as rows (itertools.product)."""
    items = _promoted(_tensors(tensors, "cartesian_prod"))
    for t in items:
        if t.ndim != 1:
            raise RuntimeError(f"cartesian_prod: expects 1-D tensors, got shape "
                               f"{tuple(t.shape)}")
    if len(items) == 1:
        return items[0]
    grids = meshgrid(*items, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-``r`` combinations of a 1-D tensor's elements, as rows (itertools order)."""
    _tensor_input(input, "combinations")
    if input.ndim != 1:
        raise RuntimeError(f"combinations: expects a 1-D tensor, got shape {tuple(input.shape)}")
    if not isinstance(r, numbers.Integral) or r < 0:
        raise RuntimeError(f"combinations: r must be a non-negative int, got {r!r}")
    if r == 0:
        return input[0:0]
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    rows = list(pick(range(input.shape[0]), r))
    index = input.xp.asarray(rows, dtype=dtypes.int64).reshape(len(rows), r)
    return _gather(input, (index,))


# --- flips, rotations and picks -------------------------------------------------------------------
def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times in the plane ``dims``, from the first towards the
    second axis."""
    _tensor_input(input, "rot90")
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, got {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"rot90: expected total dims >= 2, got a tensor of shape "
                           f"{tuple(input.shape)}")
    d0, d1 = (normalize_dim(d, input.shape, "rot90") for d in dims)
    if d0 == d1:
        raise RuntimeError(f"rot90: rotation dims must differ, got {tuple(dims)}")
    k %= 4
    if k == 1:
        return flip(input, (d1,)).transpose(d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return flip(input, (d0,)).transpose(d0, d1)
    return input.clone()


def fliplr(input: Tensor) -> Tensor:
    """Reverse the columns (dim 1) of a tensor of at least 2 dims."""
    _tensor_input(input, "fliplr")
    if input.ndim < 2:
        raise RuntimeError(f"fliplr: input must be >= 2-d, got shape {tuple(input.shape)}")
    return flip(input, (1,))


def flipud(input: Tensor) -> Tensor:
    """Reverse the rows (dim 0) of a tensor of at least 1 dim."""
    _tensor_input(input, "flipud")
    if input.ndim < 1:
        raise RuntimeError("flipud: input must be >= 1-d, got a 0-d tensor")
    return flip(input, (0,))


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim`` (that dim removed): ``input[:, index]`` for dim 1."""
    _tensor_input(input, "select")
    axis = normalize_dim(dim, input.shape, "select", scalar=False)
    size = input.shape[axis]
    if not isinstance(index, numbers.Integral) or isinstance(index, bool):
        raise TypeError(f"select: index must be an int, got {type(index).__name__}")
    if not -size <= index < size:
        raise IndexError(f"select: index {index} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {dim}")
    return input[(slice(None),) * axis + (int(index) % size,)]


def repeat_interleave(input: Any, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Each element (or slice along ``dim``) repeated ``repeats`` times in place
    (``[1, 2] -> [1, 1, 2, 2]``); ``repeats`` is an int or one count per element. With only a
    tensor of counts it gives the indices repeated by those counts."""
    if repeats is None:
        counts = input
        _tensor_input(counts, "repeat_interleave")
        if counts.ndim != 1:
            raise RuntimeError(f"repeat_interleave: repeats alone must be a 1-D tensor, got "
                               f"shape {tuple(counts.shape)}")
        from ..creation import arange
        return repeat_interleave(arange(counts.numel(), device=counts.device), counts, 0)
    _tensor_input(input, "repeat_interleave")
    x = input.reshape(-1) if dim is None else input
    # torch flattens a 0-d input only when dim is None; a dim on a 0-d tensor is out of range
    axis = 0 if dim is None else normalize_dim(dim, x.shape, "repeat_interleave", scalar=False)
    if x.ndim == 0:
        x = x.reshape(1)
    size = x.shape[axis]
    xp = x.xp
    if isinstance(repeats, Tensor):
        if repeats.dtype.kind not in "iu" or repeats.ndim > 1:
            raise RuntimeError(f"repeat_interleave: repeats must be an int or a 0-d/1-d "
                               f"integer tensor, got shape {tuple(repeats.shape)} of "
                               f"{repeats.dtype}")
        counts = repeats.array.reshape(-1)
        if counts.size == 1:
            counts = xp.full(size, int(counts[0]))
    elif isinstance(repeats, numbers.Integral) and not isinstance(repeats, bool):
        if repeats < 0:  # checked here too, as the counts below may be empty
            raise RuntimeError(f"repeat_interleave: repeats can not be negative, got {repeats}")
        counts = xp.full(size, int(repeats))
    else:
        raise TypeError(f"repeat_interleave: repeats must be an int or a tensor, got "
                        f"{type(repeats).__name__}")
    if counts.size != size:
        raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along "
                           f"dim {axis}, got {counts.size} repeats for size {size}")
    if counts.size and bool((counts < 0).any()):
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    index = xp.repeat(xp.arange(size, dtype=dtypes.int64), counts.astype(dtypes.int64))
    if output_size is not None and output_size != index.size:
        raise RuntimeError(f"repeat_interleave: output_size {output_size} does not match the "
                           f"{index.size} repeated elements")
    return _gather(x, (slice(None),) * axis + (index,))


# --- diagonals and structured matrices --------------------------------------------------------
def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Put the last dim of ``input`` on the ``offset`` diagonal of new 2-D planes spanning
    ``dim1`` and ``dim2`` of the output (one dim more than the input)."""
    _tensor_input(input, "diag_embed")
    shape = tuple(input.shape) + (1,)   # the output's rank, for checking the dims
    d1, d2 = (normalize_dim(d, shape, "diag_embed") for d in (dim1, dim2))
    if d1 == d2:
        raise RuntimeError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, {dim2}")
    x = input if input.ndim else input.reshape(1)
    n = x.shape[-1]
    m = n + abs(offset)
    xp = x.xp
    rows = xp.arange(n, dtype=dtypes.int64) + max(-offset, 0)
    cols = xp.arange(n, dtype=dtypes.int64) + max(offset, 0)
    planes = IndexAdd.apply(x, tuple(x.shape[:-1]) + (m, m),
                            (slice(None),) * (x.ndim - 1) + (rows, cols))
    return planes.movedim((-2, -1), (d1, d2))


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """A 2-D tensor with the flattened input on its ``offset`` diagonal."""
    _tensor_input(input, "diagflat")
    return diag_embed(input.reshape(-1), offset)


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:  # noqa: N803
    """The Vandermonde matrix of a 1-D tensor: columns x^(N-1), ..., x^0 (reversed with
    ``increasing``), built as running products so the gradient is exact at x = 0."""
    _tensor_input(x, "vander")
    if x.ndim != 1:
        raise RuntimeError(f"vander: x must be a 1-D tensor, got shape {tuple(x.shape)}")
    n = x.shape[0] if N is None else N
    if not isinstance(n, numbers.Integral) or n < 0:
        raise RuntimeError(f"vander: N must be non-negative, got {N!r}")
    if x.dtype.kind in "bui":
        x = x.to(dtypes.int64)
    from .reduction import cumprod
    column = x.reshape(-1, 1)
    # the x^0 column: ones, still in the graph (zero gradient, no NaN at x = 0)
    ones = where(Tensor._make(x.xp.ones((x.shape[0], 1), dtype=bool), x.device), 1, column)
    out = ones if n <= 1 else cat([ones, cumprod(x.reshape(-1, 1).expand(x.shape[0], n - 1),
                                                 1)], 1)
    out = out[:, :n]
    return out if increasing else flip(out, (1,))


def _triangle_indices(row: int, col: int, offset: int, dtype: Any, device: Any, upper: bool,
                      op: str) -> Tensor:
    for name, v in (("row", row), ("col", col), ("offset", offset)):
        if not isinstance(v, numbers.Integral) or isinstance(v, bool):
            raise TypeError(f"{op}: {name} must be an int, got {type(v).__name__}")
    if row < 0 or col < 0:
        raise RuntimeError(f"{op}: row and col must be non-negative, got {row} and {col}")
    from ..creation import _device
    device = _device(device)
    dtype = dtypes.int64 if dtype is None else dtypes.as_dtype(dtype)
    if dtype.kind not in "iu":
        raise RuntimeError(f"{op}: dtype must be an integer type, got {dtype}")
    xp = get_backend(device).xp
    found = xp.triu_indices(row, offset, col) if upper else xp.tril_indices(row, offset, col)
    return Tensor._make(xp.stack(found).astype(dtype).reshape(2, -1), device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None) -> Tensor:
    """(2, N) row/column indices of the upper triangle of a row x col matrix, row by row."""
    return _triangle_indices(row, col, offset, dtype, device, True, "triu_indices")


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None) -> Tensor:
    """(2, N) row/column indices of the lower triangle of a row x col matrix, row by row."""
    return _triangle_indices(row, col, offset, dtype, device, False, "tril_indices")


def logspace(start: float, end: float, steps: int, base: float = 10.0, *, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """``steps`` points from base**start to base**end, evenly spaced in the exponent."""
    if not isinstance(steps, numbers.Integral) or steps < 0:
        raise RuntimeError(f"logspace: number of steps must be non-negative, got {steps!r}")
    from ..creation import _device
    device = _device(device)
    dtype = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
    xp = get_backend(device).xp
    exponents = xp.linspace(float(start), float(end), int(steps), dtype=dtypes.float64)
    values = xp.power(float(base), exponents)
    out = Tensor._make(values.astype(dtype), device)
    if requires_grad:
        out.requires_grad = True
    return out
