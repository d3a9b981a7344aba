"""More reductions and running ops: nansum, nanmean, var_mean, std_mean, count_nonzero, aminmax,
cummax, cummin, logcumsumexp, diff, kthvalue, mode, quantile, nanquantile, msort.

Most are compositions of differentiable ops (where, sum, sort, gather), so their gradients
come from the chain rule. The ops that return indices compute them on raw arrays (indices are
not differentiable) and take their values with ``gather``, so the gradient goes to the chosen
element, as PyTorch's does.
"""
from __future__ import annotations

import numbers
from collections import namedtuple
from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..errors import ArgumentError, DtypeError, InvalidIndexError
from ..tensor import Tensor
from .comparison import isnan, where
from .dims import normalize_dim, normalize_dims
from .elementwise import _tensor_input, scalar_like
from .indexing import gather
from .reduction import ValuesIndices, _cast, _correction, amax, amin, mean, std, sum, var
from .shape import cat
from .sorting import sort

MinMax = namedtuple("MinMax", ["min", "max"])


def _float_only(input: Tensor, op: str) -> None:
    _tensor_input(input, op)
    if not dtypes.is_floating(input.dtype):
        raise DtypeError(f"{op}: expected a floating-point tensor, got {input.dtype}")


def _int_tensor(array: Any, like: Tensor) -> Tensor:
    return Tensor._make(like.xp.asarray(array).astype(dtypes.int64, copy=False), like.device)


# --- NaN-ignoring reductions -----------------------------------------------------------------
class NanToZero(Function):
    """NaN -> 0. Backward multiplies by the not-NaN mask (PyTorch's nansum rule), so an
    infinite incoming gradient (nanmean of an all-NaN slice) gives NaN there, as in torch."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.where(x.xp.isnan(x.array), 0, x.array).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (~isnan(x)).to(grad.dtype)


def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Sum treating NaN as zero; a NaN element gets zero gradient (as PyTorch)."""
    x = _cast(_tensor_input(input, "nansum"), dtype, "nansum")
    if dtypes.is_floating(x.dtype):
        x = NanToZero.apply(x)
    return sum(x, dim, keepdim)


def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False, *,
            dtype: Any = None) -> Tensor:
    """Mean of the non-NaN elements (NaN where there are none)."""
    x = _cast(_tensor_input(input, "nanmean"), dtype, "nanmean")
    _float_only(x, "nanmean")
    dims = normalize_dims(dim, x.shape, "nanmean")
    kept = (~isnan(x)).to(x.dtype)
    return nansum(x, dims, keepdim) / sum(kept, dims, keepdim)


def var_mean(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None) -> tuple:
    """(variance, mean) in one call; correction 1 (default) divides by N - 1."""
    _float_only(input, "var_mean")
    dim, correction = _correction("var_mean", dim, unbiased, correction)
    return var(input, dim, keepdim=keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None) -> tuple:
    """(standard deviation, mean) in one call; correction as ``var_mean``."""
    _float_only(input, "std_mean")
    dim, correction = _correction("std_mean", dim, unbiased, correction)
    return std(input, dim, keepdim=keepdim, correction=correction), mean(input, dim, keepdim)


def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:
    """How many elements are not zero (int64), over ``dim`` (an int, a tuple or all)."""
    _tensor_input(input, "count_nonzero")
    dims = normalize_dims(dim, input.shape, "count_nonzero")
    return _int_tensor((input.array != 0).sum(axis=dims), input)


def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False) -> MinMax:
    """(amin, amax) together; ties share the gradient as in amin/amax."""
    _tensor_input(input, "aminmax")
    if dim is not None:
        normalize_dim(dim, input.shape, "aminmax")
    if input.numel() == 0 and 0 in [input.shape[d] for d in normalize_dims(dim, input.shape,
                                                                             "aminmax")]:
        raise InvalidIndexError(f"aminmax: cannot reduce an empty dim of a tensor of shape "
                                f"{tuple(input.shape)} (dim {dim})")
    if dim is None and keepdim:
        return MinMax(amin(input, None, False).reshape((1,) * input.ndim),
                      amax(input, None, False).reshape((1,) * input.ndim))
    return MinMax(amin(input, dim, keepdim), amax(input, dim, keepdim))


# --- running max/min and logcumsumexp ----------------------------------------------------------
def _along_last(array: Any, xp: Any, axis: int) -> Any:
    return xp.moveaxis(array, axis, -1)


def _scan(a: Any, combine: Any) -> Any:
    """Inclusive scan of ``a`` along its last axis with the associative ``combine``, in
    log2(n) vectorised steps (Hillis-Steele doubling) instead of a loop over the n elements."""
    out, shift, n = a.copy(), 1, a.shape[-1]
    while shift < n:
        out[..., shift:] = combine(out[..., shift:], out[..., :-shift].copy())
        shift *= 2
    return out


def _running_index(input: Tensor, axis: int, largest: bool) -> Tensor:
    """Index of the running max (min) along ``axis``: a tie or a NaN takes the later index, and
    NaN, once seen, stays the winner (PyTorch's CPU rule). The running value is a scan; its
    index is the last position so far holding it (the last NaN once there is one)."""
    xp = input.xp
    a = _along_last(input.array, xp, axis)
    best = _scan(a, xp.maximum if largest else xp.minimum)  # NaN propagates through both
    hit = a == best
    if a.dtype.kind in "fc":
        hit = hit | xp.isnan(a)
    positions = xp.where(hit, xp.arange(a.shape[-1], dtype=dtypes.int64), 0)
    out = _scan(positions, xp.maximum)
    return _int_tensor(xp.moveaxis(out, -1, axis), input)


def _cumulative(input: Tensor, dim: int, op: str, largest: bool) -> ValuesIndices:
    _tensor_input(input, op)
    axis = normalize_dim(dim, input.shape, op)
    if input.ndim == 0:
        return ValuesIndices(input.clone(), _int_tensor(input.xp.zeros(()), input))
    if input.shape[axis] == 0:
        return ValuesIndices(input.clone(), _int_tensor(input.xp.zeros(input.shape), input))
    indices = _running_index(input, axis, largest)
    return ValuesIndices(gather(input, axis, indices), indices)


def cummax(input: Tensor, dim: int) -> ValuesIndices:
    """Running maximum along ``dim`` and where it was found; the gradient goes there."""
    return _cumulative(input, dim, "cummax", True)


def cummin(input: Tensor, dim: int) -> ValuesIndices:
    """Running minimum along ``dim`` and where it was found; the gradient goes there."""
    return _cumulative(input, dim, "cummin", False)


def _flip(x: Tensor, axis: int) -> Tensor:
    return x[(slice(None),) * axis + (slice(None, None, -1),)]


class LogCumsumExp(Function):
    """log(cumsum(exp(x))) computed step by step with logaddexp, so no element under- or
    overflows however far apart they are. grad x_j = sum over i >= j of g_i exp(x_j - out_i);
    the positive and negative parts of g are each summed in log space with this same op (a
    reversed logcumsumexp), so backward is tensor ops and double backward works."""

    @staticmethod
    def forward(ctx, x, axis):
        xp = x.xp
        a = _along_last(x.array, xp, axis)
        if a.dtype == dtypes.float16:  # accumulated in float32 and rounded once, as PyTorch
            a = a.astype(dtypes.float32)
        out = xp.empty_like(a)
        acc = a[..., 0]
        out[..., 0] = acc
        for j in range(1, a.shape[-1]):
            acc = xp.logaddexp(acc, a[..., j])
            out[..., j] = acc
        result = xp.moveaxis(out, -1, axis).astype(x.dtype, copy=False)
        ctx.save_for_backward(x)
        ctx.axis = axis
        return result

    @staticmethod
    def backward(ctx, grad):
        (x,), axis = ctx.saved_tensors, ctx.axis
        out = LogCumsumExp.apply(x, axis)
        total = None
        for sign in (1, -1):
            part = where(grad * sign > 0, grad * sign, scalar_like(1, grad))
            log_part = where(grad * sign > 0, part.log() - out, scalar_like(float("-inf"), grad))
            rev = _flip(LogCumsumExp.apply(_flip(log_part, axis), axis), axis)
            term = (rev + x).exp() * sign
            total = term if total is None else total + term
        return total, None


def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """log of the running sum of exp along ``dim``, stable for any spread of values."""
    _float_only(input, "logcumsumexp")
    axis = normalize_dim(dim, input.shape, "logcumsumexp")
    if input.ndim == 0 or input.shape[axis] == 0:
        return input.clone()
    return LogCumsumExp.apply(input, axis)


# --- differences ---------------------------------------------------------------------------------
def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """n-th forward difference along ``dim``, after joining ``prepend``/``append`` there."""
    _tensor_input(input, "diff")
    if input.ndim == 0:
        raise RuntimeError("diff: expected at least a 1-dimensional tensor, got a 0-d tensor")
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 0:
        raise RuntimeError(f"diff: order n must be a non-negative int, got {n!r}")
    axis = normalize_dim(dim, input.shape, "diff")
    parts = []
    for name, extra in (("prepend", prepend), ("append", append)):
        if extra is None:
            continue
        if not isinstance(extra, Tensor):
            raise TypeError(f"diff: {name} must be a Tensor, got {type(extra).__name__}")
        if extra.ndim != input.ndim or any(s != e for i, (s, e) in
                                           enumerate(zip(input.shape, extra.shape)) if i != axis):
            raise RuntimeError(f"diff: {name} of shape {tuple(extra.shape)} does not match the "
                               f"input of shape {tuple(input.shape)} except in dim {axis}")
    if n == 0:  # the input itself (a copy), prepend/append unused: as PyTorch and NumPy
        return input.clone()
    x = input
    if prepend is not None:
        x = cat([prepend, x], axis)
    if append is not None:
        x = cat([x, append], axis)
    before = (slice(None),) * axis
    for _ in range(n):
        if x.shape[axis] == 0:
            break
        if x.dtype == dtypes.bool:
            x = x[before + (slice(1, None),)] != x[before + (slice(None, -1),)]
        else:
            x = x[before + (slice(1, None),)] - x[before + (slice(None, -1),)]
    return x


# --- order statistics ---------------------------------------------------------------------------
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """The k-th smallest value along ``dim`` (NaN counts as the largest) and its index. Where
    several elements tie PyTorch returns the index of any of them (its selection algorithm
    decides); here it is the tie's k-th element in a stable sort."""
    _tensor_input(input, "kthvalue")
    if not isinstance(k, numbers.Integral) or isinstance(k, bool):
        raise TypeError(f"kthvalue: k must be an int, got {type(k).__name__}")
    axis = normalize_dim(dim, input.shape, "kthvalue")
    size = input.shape[axis] if input.ndim else 1
    if not 1 <= k <= size:
        raise InvalidIndexError(f"kthvalue: k={k} is out of range for dimension {dim} of size "
                                f"{size} (tensor of shape {tuple(input.shape)})")
    if input.ndim == 0:
        return ValuesIndices(input.clone(), _int_tensor(input.xp.zeros(()), input))
    order = sort(input, axis, stable=True).indices
    indices = order[(slice(None),) * axis + (slice(k - 1, k),)]
    values = gather(input, axis, indices)
    if not keepdim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return ValuesIndices(values, indices)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """The most frequent value along ``dim`` (the smallest of equally frequent ones) and the
    index of its last occurrence, as PyTorch's CPU kernel; the gradient goes to that element."""
    _tensor_input(input, "mode")
    axis = normalize_dim(dim, input.shape, "mode")
    if input.ndim == 0:
        return ValuesIndices(input.clone(), _int_tensor(input.xp.zeros(()), input))
    n = input.shape[axis]
    if n == 0:
        raise IndexError(f"mode: cannot take the mode of an empty dimension {dim} of a tensor "
                         f"of shape {tuple(input.shape)}")
    xp = input.xp
    a = _along_last(input.array, xp, axis)
    s = xp.sort(a, axis=-1)
    pos = xp.arange(n, dtype=dtypes.int64)
    start = xp.ones(s.shape, dtype=bool)
    start[..., 1:] = s[..., 1:] != s[..., :-1]
    end = xp.ones(s.shape, dtype=bool)
    end[..., :-1] = start[..., 1:]
    first = xp.maximum.accumulate(xp.where(start, pos, 0), axis=-1)
    last = xp.flip(xp.minimum.accumulate(xp.flip(xp.where(end, pos, n), axis=-1), axis=-1),
                   axis=-1)
    counts = last - first + 1
    value = xp.take_along_axis(s, xp.argmax(counts, axis=-1)[..., None], axis=-1)
    hits = xp.flip(a == value, axis=-1)
    index = (n - 1 - xp.argmax(hits, axis=-1))[..., None]
    indices = _int_tensor(xp.moveaxis(index, -1, axis), input)
    values = gather(input, axis, indices)
    if not keepdim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return ValuesIndices(values, indices)


def msort(input: Tensor) -> Tensor:
    """``input`` sorted along its first dim (values only)."""
    _tensor_input(input, "msort")
    return sort(input, 0).values


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input: Tensor, q: Any, dim: Any, keepdim: bool, interpolation: str, op: str,
              ignore_nan: bool) -> Tensor:
    _float_only(input, op)
    if interpolation not in _INTERPOLATIONS:
        raise ArgumentError(f"{op}: interpolation must be one of {_INTERPOLATIONS}, got "
                            f"{interpolation!r}")
    xp = input.xp
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{op}: q must be a scalar or 1-D tensor, got shape "
                               f"{tuple(q.shape)}")
        if q.dtype != input.dtype:
            raise RuntimeError(f"{op}: q ({q.dtype}) must have the input's dtype "
                               f"({input.dtype})")
        qs, q_dims = q.array.reshape(-1), q.ndim
    elif isinstance(q, numbers.Real) and not isinstance(q, bool):
        qs, q_dims = xp.asarray([q], dtype=input.dtype), 0
    else:
        raise TypeError(f"{op}: q must be a float or a Tensor, got {type(q).__name__}")
    if qs.size and not bool(((qs >= 0) & (qs <= 1)).all()):
        raise RuntimeError(f"{op}: q values must be in the range [0, 1]")
    if input.numel() == 0:
        raise IndexError(f"{op}: input tensor of shape {tuple(input.shape)} is empty")
    if dim is None:
        x, out_shape = input.reshape(-1), ((1,) * input.ndim if keepdim else ())
        axis = 0
    else:
        axis = normalize_dim(dim, input.shape, op)
        x = input if input.ndim else input.reshape(1)
        out_shape = tuple(1 if i == axis else s for i, s in enumerate(input.shape)) if keepdim \
            else tuple(s for i, s in enumerate(input.shape) if i != axis)
        x = x.movedim(axis if input.ndim else 0, -1)
    s = sort(x, -1).values                                   # NaN sorts last
    nan = xp.isnan(x.array)
    count = (~nan).sum(axis=-1, keepdims=True) if ignore_nan else \
        xp.full(x.shape[:-1] + (1,), x.shape[-1])
    pos = qs * (count - 1).astype(input.dtype)                   # (..., Q)
    # quantile: a slice with a NaN reads its last sorted element, a NaN; nanquantile: an all-NaN
    # slice reads its first. Either way the output is NaN and the gradient goes to the element
    # PyTorch picks.
    invalid = xp.zeros_like(count, dtype=bool) if ignore_nan else nan.any(axis=-1, keepdims=True)
    pos = xp.where(invalid, x.shape[-1] - 1, xp.maximum(pos, 0)).astype(input.dtype)
    lo = xp.floor(pos).astype(dtypes.int64)
    hi = xp.ceil(pos).astype(dtypes.int64)
    if interpolation == "nearest":
        lo = hi = xp.round(pos).astype(dtypes.int64)
    if interpolation == "lower":
        hi = lo
    if interpolation == "higher":
        lo = hi
    low, high = gather(s, -1, _int_tensor(lo, x)), gather(s, -1, _int_tensor(hi, x))
    if interpolation == "linear":
        weight = Tensor._make((pos - lo).astype(input.dtype), input.device)
        if isinstance(q, Tensor) and q.requires_grad:  # d weight / d q = count - 1, except
            # where the rank was fixed (a slice with a NaN, or all NaN): no gradient there
            qv = q.reshape(-1)
            moving = weight + (qv - qv.detach()) * Tensor._make((count - 1).astype(input.dtype),
                                                                 input.device)
            fixed = Tensor._make(invalid | (count < 1), input.device)
            weight = where(fixed, weight, moving)
        out = low + (high - low) * weight
    elif interpolation == "midpoint":
        out = (low + high) * 0.5
    else:
        out = low
    out = out.movedim(-1, 0)                                     # (Q, ...)
    out = out.reshape((qs.size,) + out_shape)
    return out if q_dims else out.reshape(out_shape)


def quantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The q-th quantiles along ``dim`` (all elements for None), NaN where a slice has a NaN.
    A tensor ``q`` adds a leading dim of its length. Values interpolate between sorted
    neighbours, so the gradient splits between the two; with 'linear' a tensor ``q`` gets a
    gradient too (the slope between those neighbours), as in PyTorch."""
    return _quantile(input, q, dim, keepdim, interpolation, "quantile", False)


def nanquantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:
    """``quantile`` ignoring NaNs (NaN only where a slice is all NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, "nanquantile", True)
