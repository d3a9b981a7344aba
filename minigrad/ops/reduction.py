"""Reductions over ``dim`` (an int, a tuple, or None for all): sum, mean, var, std, max, min.

``sum``, ``amax``/``amin`` and ``var`` are primitive Functions (var to use PyTorch's gradient
formula, see ``Var``); mean and std are compositions of them, so their gradients come from the
chain rule for free.
"""
from __future__ import annotations

import builtins
import math
import numbers
from collections import namedtuple
from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..errors import DtypeError
from ..tensor import Tensor
from .comparison import isfinite, where
from .dims import normalize_dim, normalize_dims
from .elementwise import scalar_like

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def _keepdim_shape(shape: tuple, dims: tuple) -> tuple:
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


class Sum(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return x.array.sum(axis=dims, keepdims=keepdim, dtype=x.dtype)  # NumPy widens int32

    @staticmethod
    def backward(ctx, grad):
        if not ctx.keepdim:
            grad = grad.reshape(_keepdim_shape(ctx.shape, ctx.dims))
        return grad.expand(ctx.shape), None, None


class AMax(Function):
    """max over dims; ties share the gradient evenly (PyTorch's amax rule)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, largest):
        reduce = x.array.max if largest else x.array.min
        out = reduce(axis=dims, keepdims=True)
        ctx.save_for_backward(x)
        ctx.dims, ctx.keepdim = dims, keepdim
        ctx.winners = x.array == out
        return out if keepdim else out.reshape(tuple(s for i, s in enumerate(x.shape) if i not in dims))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if not ctx.keepdim:
            grad = grad.reshape(_keepdim_shape(x.shape, ctx.dims))
        winners = Tensor._make(ctx.winners.astype(grad.dtype), grad.device)
        share = winners / winners.sum(dim=ctx.dims, keepdim=True)
        return grad * share, None, None, None


def _sum_dtype(x: Tensor) -> Any:
    return dtypes.int64 if x.dtype.kind in "bui" else x.dtype


def sum(x: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A001
        dtype: Any = None) -> Tensor:
    """Sum over ``dim``; integers and bools sum in int64, as PyTorch. ``dtype`` casts first."""
    x = _cast(x, dtype, "sum")
    if dtype is None and (x.dtype.kind in "bu" or x.dtype == dtypes.int32):
        x = x.to(_sum_dtype(x))
    return Sum.apply(x, normalize_dims(dim, x.shape, "sum"), keepdim)


def mean(x: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Mean over ``dim`` of a floating tensor (``dtype`` casts first, so an integer tensor
    can be averaged with ``dtype=float32``)."""
    x = _cast(x, dtype, "mean")
    if not dtypes.is_floating(x.dtype):
        raise DtypeError(f"mean: needs a floating tensor, got {x.dtype}; convert it with .float()")
    dims = normalize_dims(dim, x.shape, "mean")
    count = 1
    for d in dims:
        count *= x.shape[d]
    return sum(x, dims, keepdim) / count


def _correction(op: str, dim: Any, unbiased: Any, correction: Any) -> tuple:
    """(dim, correction) from PyTorch's overloads of var/std/var_mean/std_mean: (dim, unbiased)
    positionally, a bool in dim's place meaning ``unbiased``, or ``correction=``."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if correction is not None and unbiased is not None:
        raise TypeError(f"{op}: give either unbiased or correction, not both")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return dim, correction


def var(x: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """Variance; ``correction=1`` (default, unbiased) divides by N - 1 as PyTorch does. As in
    PyTorch the third positional argument is ``unbiased`` (``x.var(0, False)``), and a bool in
    ``dim``'s place is ``unbiased`` too (``x.var(False)``)."""
    if not dtypes.is_floating(x.dtype):
        raise DtypeError(f"var: needs a floating tensor, got {x.dtype}")
    dim, correction = _correction("var", dim, unbiased, correction)
    dims = normalize_dims(dim, x.shape, "var")
    return Var.apply(x, dims, keepdim, correction)


class Var(Function):
    """sum((x - mean)^2) / max(N - correction, 0) over ``dims``. Backward is PyTorch's formula,
    grad * 2 (x - mean) / (N - correction), in tensor ops (double backward works): the path
    through the mean adds nothing (the deviations sum to 0), and leaving it out keeps a
    correction >= N (an infinite 1 / (N - correction)) at +-inf as in PyTorch, not inf - inf."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, correction):
        count = math.prod(x.shape[d] for d in dims)
        a = x.array
        centred = a - a.sum(axis=dims, keepdims=True) / count  # an empty mean: NaN, no warning
        ctx.save_for_backward(x)
        ctx.dims, ctx.keepdim, ctx.steps = dims, keepdim, count - correction
        return (centred * centred).sum(axis=dims, keepdims=keepdim) / builtins.max(ctx.steps, 0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if not ctx.keepdim:
            grad = grad.reshape(_keepdim_shape(x.shape, ctx.dims))
        scale = 2 / ctx.steps if ctx.steps else math.inf
        return grad * scale * (x - mean(x, ctx.dims, keepdim=True)), None, None, None


class StdFromVar(Function):
    """sqrt of a variance. Its gradient where the variance is 0 (a constant slice) is 0, as in
    PyTorch, not sqrt's 0 * inf = NaN, which would poison every gradient after it."""

    @staticmethod
    def forward(ctx, v):
        ctx.save_for_backward(v)
        return v.xp.sqrt(v.array)

    @staticmethod
    def backward(ctx, grad):
        (v,) = ctx.saved_tensors
        zero = v == 0
        safe = where(zero, scalar_like(1, v), v)  # sqrt taken away from 0: no NaN in grad-of-grad
        return where(zero, scalar_like(0, grad), grad * 0.5 / safe.sqrt())


def std(x: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """Standard deviation; arguments as ``var``."""
    if not dtypes.is_floating(x.dtype):
        raise DtypeError(f"std: needs a floating tensor, got {x.dtype}")
    dim, correction = _correction("std", dim, unbiased, correction)
    return StdFromVar.apply(var(x, dim, keepdim=keepdim, correction=correction))


def _extreme_dims(x: Tensor, dim: Any, op: str) -> tuple:
    """The dims to reduce; a max/min over an empty dim has no value (an empty result, from
    non-empty dims of an empty tensor, is fine, as in PyTorch)."""
    dims = normalize_dims(dim, x.shape, op)
    if x.numel() == 0 and builtins.any(x.shape[d] == 0 for d in dims):
        raise RuntimeError(f"{op}: cannot reduce over an empty dim of a tensor of shape "
                           f"{tuple(x.shape)} (dims {dims})")
    return dims


def amax(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    return AMax.apply(x, _extreme_dims(x, dim, "amax"), keepdim, True)


def amin(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    return AMax.apply(x, _extreme_dims(x, dim, "amin"), keepdim, False)


def max(x: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    """``max()`` is a scalar (ties share its gradient); ``max(dim=int)`` is (values, indices)
    as in PyTorch, and the gradient goes to the element at the returned index; ``max(other)``
    with a tensor is ``maximum``."""
    if isinstance(dim, int):
        return _values_at(x, dim, _arg(x, dim, True, "argmax", "max"), keepdim)
    if isinstance(dim, Tensor):  # torch.max(input, other): the elementwise maximum
        from .comparison import maximum
        return maximum(x, dim)
    if dim is None:
        return _extreme_of_all(x, keepdim, "max")
    return amax(x, dim, keepdim)


def min(x: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    """``min()`` is a scalar; ``min(dim=int)`` is (values, indices), as ``max``."""
    if isinstance(dim, int):
        return _values_at(x, dim, _arg(x, dim, True, "argmin", "min"), keepdim)
    if isinstance(dim, Tensor):  # torch.min(input, other): the elementwise minimum
        from .comparison import minimum
        return minimum(x, dim)
    if dim is None:
        return _extreme_of_all(x, keepdim, "min")
    return amin(x, dim, keepdim)


def _extreme_of_all(x: Tensor, keepdim: bool, op: str) -> Tensor:
    """max()/min() of every element. Its gradient is shared evenly by the elements equal to it,
    or by the NaNs when it is NaN (PyTorch's rule for max(); amax gives NaN gradients there)."""
    dims = _extreme_dims(x, None, op)
    if not dtypes.is_floating(x.dtype):
        return amax(x, dims, keepdim) if op == "max" else amin(x, dims, keepdim)
    out = SpreadEvenly.apply(x, x.array.max() if op == "max" else x.array.min())
    return out.reshape((1,) * x.ndim) if keepdim else out


def _values_at(x: Tensor, dim: int, indices: Tensor, keepdim: bool) -> ValuesIndices:
    """(x at ``indices`` along ``dim``, indices): picked by indexing, so that backward sends
    each gradient to that one element, even where several elements tie for the max."""
    if x.ndim == 0:
        return ValuesIndices(x.clone(), indices.reshape(()))
    axis = dim % x.ndim
    index = []
    for i, size in enumerate(x.shape):  # broadcasting aranges select every other position
        shape = [1] * x.ndim
        shape[i] = size
        index.append(indices if i == axis else
                     Tensor._make(x.xp.arange(size, dtype=dtypes.int64).reshape(shape), x.device))
    values = x[tuple(index)]
    if not keepdim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return ValuesIndices(values, indices)


def argmax(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest value (not differentiable)."""
    return _arg(x, dim, keepdim, "argmax")


def argmin(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest value (not differentiable)."""
    return _arg(x, dim, keepdim, "argmin")


def _arg(x: Tensor, dim: int | None, keepdim: bool, fn_name: str, op: str | None = None) -> Tensor:
    """xp.argmax/argmin along one dim or over all; ``op`` names the caller (max/min) in errors,
    which PyTorch raises for an empty reduction where NumPy's message names neither."""
    op = op or fn_name
    if op == fn_name and x.dtype == dtypes.bool:
        raise TypeError(f"{op}: does not support bool input (shape {tuple(x.shape)}); convert "
                        "it with .long() first")
    fn = getattr(x.xp, fn_name)
    dims = None if dim is None else normalize_dims(dim, x.shape, op)
    if not dims and x.numel() == 0:
        raise IndexError(f"{op}: expected a dim to reduce over for an empty tensor of shape "
                         f"{tuple(x.shape)}")
    if dims and x.shape[dims[0]] == 0:
        raise IndexError(f"{op}: cannot reduce over dim {dims[0]} of size 0 (tensor of shape "
                         f"{tuple(x.shape)})")
    if not dims:  # every element (dim=None, or a 0-d tensor)
        out = fn(x.array.reshape(-1))
        if keepdim:
            out = out.reshape((1,) * x.ndim)
    else:
        (axis,) = dims
        out = fn(x.array, axis=axis)
        if keepdim:
            out = x.xp.expand_dims(out, axis)
    return Tensor._make(x.xp.asarray(out, dtype=dtypes.int64), x.device)


class LogSumExp(Function):
    """log(sum(exp(x))) over ``dims`` (kept), one op: as a composition of max, exp, sum and log
    its forward + backward took 1.8x PyTorch's time. The slice max m (0 where not finite) is
    taken out before exp. Backward: g * softmax(x) = g * e / s, from the forward's kept
    e = exp(x - m) and its sums s; under create_graph it is g * exp(x - out) in tensor ops."""

    @staticmethod
    def forward(ctx, x, dims):
        xp = x.xp
        m = x.array.max(axis=dims, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)  # a slice of -inf only: -inf - -inf would be nan
        e = xp.asarray(x.array - m)  # asarray: a 0-d difference is a NumPy scalar
        xp.exp(e, out=e)
        s = e.sum(axis=dims, keepdims=True)
        ctx.save_for_backward(x, e, s)  # saved, so freed after backward
        ctx.dims = dims
        return xp.log(s) + m

    @staticmethod
    def backward(ctx, grad):
        x, e, s = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: build the backward's own graph
            return grad * (x - LogSumExp.apply(x, ctx.dims)).exp(), None
        return Tensor._make(e * (grad.array / s), grad.device), None


def logsumexp(x: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) without overflow: the max is taken out first. As in PyTorch, an empty
    sum is log(0) = -inf, and so is a slice of -inf only (its max is not taken out: -inf - -inf
    would be nan)."""
    dims = normalize_dims(dim, x.shape, "logsumexp")
    if builtins.any(x.shape[d] == 0 for d in dims):
        out = x.sum(dim=dims, keepdim=True) + float("-inf")
    elif dtypes.is_floating(x.dtype):
        out = LogSumExp.apply(x, dims)
    else:
        m = amax(x, dims, keepdim=True).detach()
        m = where(isfinite(m), m, scalar_like(0, m))
        out = (x - m).exp().sum(dim=dims, keepdim=True).log() + m
    return out if keepdim else out.reshape(tuple(s for i, s in enumerate(x.shape) if i not in dims))


def all(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    return _bool_reduce(x, dim, keepdim, "all")


def any(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    return _bool_reduce(x, dim, keepdim, "any")


def _bool_reduce(x: Tensor, dim: Any, keepdim: bool, op: str) -> Tensor:
    """all/any over ``dim`` (an int, a tuple or None), naming a bad dim as PyTorch would."""
    dims = (dim,) if isinstance(dim, int) else dim
    for d in dims or ():
        if not -builtins.max(x.ndim, 1) <= d < builtins.max(x.ndim, 1):
            raise IndexError(f"{op}: dim {d} is out of range for a tensor of shape "
                             f"{tuple(x.shape)}")
    axis = None if dim is None or x.ndim == 0 else tuple(dims)
    out = x.xp.asarray(getattr(x.xp, op)(x.array, axis=axis, keepdims=keepdim))
    if x.dtype == dtypes.uint8:  # as PyTorch: uint8 in, uint8 (0/1) out
        out = out.astype(dtypes.uint8)
    return Tensor._make(out, x.device)


# --- products and running sums/products -------------------------------------------------------
def _flip(x: Tensor, dim: int) -> Tensor:
    """``x`` reversed along ``dim`` (a differentiable negative-step slice)."""
    return x[(slice(None),) * dim + (slice(None, None, -1),)]


def _to_last(x: Tensor, axis: int) -> Tensor:
    order = [d for d in range(x.ndim) if d != axis] + [axis]
    return x.permute(*order)


def _from_last(x: Tensor, axis: int) -> Tensor:
    order = list(range(x.ndim - 1))
    order.insert(axis, x.ndim - 1)
    return x.permute(*order)


def _with_one_replaced(x: Tensor) -> Tensor:
    """(..., N) -> (..., N, N): row i is ``x`` with element i replaced by 1, so reducing a row
    gives the product over the others without dividing by a possible zero."""
    n = x.shape[-1]
    eye = Tensor._make(x.xp.eye(n, dtype=bool), x.device)
    return where(eye, 1, x.unsqueeze(-2))


class Prod(Function):
    """Product along one axis. d out / d x_i is the product of the other elements: out / x_i
    when nothing is zero, else computed exactly (any number of zeros, as PyTorch) by a product
    over copies of the row with x_i set to 1. Both are tensor ops: double backward works."""

    @staticmethod
    def forward(ctx, x, axis, keepdim):
        ctx.save_for_backward(x)
        ctx.axis, ctx.keepdim = axis, keepdim
        return x.array.prod(axis=axis, keepdims=keepdim, dtype=x.dtype)  # NumPy widens int32

    @staticmethod
    def backward(ctx, grad):
        (x,), axis = ctx.saved_tensors, ctx.axis
        if not ctx.keepdim:
            grad = grad.unsqueeze(axis)
        if bool((x.array != 0).all()):
            return grad * Prod.apply(x, axis, True) / x, None, None
        others = Prod.apply(_with_one_replaced(_to_last(x, axis)), x.ndim, False)
        return grad * _from_last(others, axis), None, None


def _cast(input: Tensor, dtype: Any, op: str) -> Tensor:
    """``dtype=`` of prod/cumsum/cumprod/norm: cast first, as PyTorch, naming the op for a bad
    dtype (``Tensor.to`` would read an unknown string as a device name)."""
    if dtype is None:
        return input
    try:
        return input.to(dtype=dtypes.as_dtype(dtype))
    except TypeError as exc:
        raise TypeError(f"{op}: {exc}") from None


def _norm_cast(input: Tensor, dtype: Any, op: str) -> Tensor:
    """``dtype=`` of the norms: a floating input, cast to a dtype at least as wide (PyTorch
    refuses to narrow float64 to float32 there, or to take an integer input)."""
    if not isinstance(input, Tensor) or not dtypes.is_floating(input.dtype):
        error = DtypeError if isinstance(input, Tensor) else TypeError
        raise error(f"{op}: expected a floating-point tensor, got "
                    f"{getattr(input, 'dtype', type(input).__name__)}; convert it with .float()")
    x = _cast(input, dtype, op)
    if x.dtype.itemsize < input.dtype.itemsize:
        raise RuntimeError(f"{op}: the dtype of the input ({input.dtype}) should be convertible "
                           f"without narrowing to the specified dtype ({x.dtype})")
    return x


def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """Product of all elements, or along one ``dim`` (integers multiply in int64)."""
    x = _cast(input, dtype, "prod")
    if dtype is None and (x.dtype.kind in "bu" or x.dtype == dtypes.int32):
        x = x.to(dtypes.int64)
    if dim is None:
        out = Prod.apply(x.reshape(-1), 0, False)
        return out.reshape((1,) * x.ndim) if keepdim else out
    if not isinstance(dim, int):
        raise TypeError(f"prod: dim must be an int or None, got {dim!r}")
    axis = normalize_dim(dim, x.shape, "prod")
    if x.ndim == 0:
        return x.clone()
    return Prod.apply(x, axis, keepdim)


_SCAN_BLOCK = 16


def _running_sum(xp: Any, a: Any, axis: int, reverse: bool = False, cpu: bool = True) -> Any:
    """Running sum of array ``a`` along ``axis`` (from the end if ``reverse``), as a fresh
    C-contiguous array. NumPy's cumsum is slow in two common cases (a GPU's scan is not):
    along a non-last axis it walks one strided column at a time, ~2-6x slower than adding
    whole slices in turn (the same sums in the same order); along a long float32 last axis
    it adds one element at a time through memory (~3x PyTorch's time): see _blocked_rows."""
    if a.dtype == dtypes.float16:  # summed in float32 and rounded once, as PyTorch
        return _running_sum(xp, a.astype(dtypes.float32), axis, reverse, cpu).astype(a.dtype)
    n, out = a.shape[axis], xp.empty(a.shape, dtype=a.dtype)
    src, dst = (xp.flip(a, axis), xp.flip(out, axis)) if reverse else (a, out)
    slices_pay = axis < a.ndim - 1 and math.prod(a.shape[axis + 1:]) >= 128 and \
        a.size >= 256 * n  # runs of >= 128 and >= 256 values a step (measured)
    if cpu and n > 1 and slices_pay:
        head = (slice(None),) * axis
        dst[head + (0,)] = src[head + (0,)]
        for i in range(1, n):
            xp.add(dst[head + (i - 1,)], src[head + (i,)], out=dst[head + (i,)])
    elif cpu and a.dtype == dtypes.float32 and axis == a.ndim - 1 and n >= 2 * _SCAN_BLOCK \
            and a.size >= 1 << 15:
        return _blocked_rows(xp, a, reverse)
    else:
        xp.cumsum(src, axis=axis, dtype=a.dtype, out=dst)  # flipped views: no flipped copies
    return out


def _triangle(xp: Any, n: int, dtype: Any, reverse: bool, strict: bool = False) -> Any:
    """(n, n) ones where row i feeds column j: i <= j (i < j if ``strict``), or i >= j (i > j)
    if ``reverse``. ``v @ triangle`` is v's running sum along its last axis (from the end if
    ``reverse``; each element left out of its own sum if ``strict``)."""
    ones = xp.ones((n, n), dtype=dtype)
    return xp.tril(ones, -int(strict)) if reverse else xp.triu(ones, int(strict))


def _blocked_rows(xp: Any, a: Any, reverse: bool) -> Any:
    """Running sum along the last axis in blocks of 16, each summed by one matmul with a
    triangle of ones after its first element (last, if ``reverse``) has been given the total
    of the blocks before (after) it. Rounding differs from one-by-one, not accuracy."""
    n, b = a.shape[-1], _SCAN_BLOCK
    k = -(-n // b)  # blocks per row; the last one is padded with zeros, which add nothing
    buf = xp.empty(a.shape[:-1] + (k * b,), dtype=a.dtype)
    buf[..., :n] = a
    buf[..., n:] = 0
    blocks = buf.reshape(-1, k, b)
    totals = blocks @ xp.ones(b, dtype=a.dtype)  # (rows, k)
    if k <= 128:  # the carries as one more matmul, with a strict triangle (~10% faster)
        blocks[:, :, -1 if reverse else 0] += totals @ _triangle(xp, k, a.dtype, reverse, True)
    elif reverse:
        blocks[:, :-1, -1] += xp.flip(xp.cumsum(xp.flip(totals[:, 1:], 1), axis=1), 1)
    else:
        blocks[:, 1:, 0] += xp.cumsum(totals[:, :-1], axis=1)
    out = (blocks.reshape(-1, b) @ _triangle(xp, b, a.dtype, reverse)).reshape(buf.shape)
    return out if n == k * b else xp.ascontiguousarray(out[..., :n])


class Cumsum(Function):
    """Running sum; each input feeds every later output, so the gradient is the running sum of
    the gradient taken from the end. Plain backward writes that reversed sum straight into a
    fresh array (no flipped copy, and the leaf can keep it)."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        return _running_sum(x.xp, x.array, axis, cpu=x.device == "cpu")

    @staticmethod
    def backward(ctx, grad):
        axis = ctx.axis
        if is_grad_enabled():  # create_graph=True: build the backward's own graph
            return _flip(Cumsum.apply(_flip(grad, axis), axis), axis), None
        out = _running_sum(grad.xp, grad.array, axis, reverse=True, cpu=grad.device == "cpu")
        return Tensor._make(out, grad.device), None


class Cumprod(Function):
    """Running product. Without zeros: grad_i = (reverse running sum of grad * out)_i / x_i.
    With zeros, exactly: grad_i = sum over j >= i of grad_j * (running product up to j with x_i
    set to 1), computed on an N x N copy (only then). Tensor ops: double backward works."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.save_for_backward(x)
        ctx.axis = axis
        if x.dtype == dtypes.float16:  # multiplied in float32 and rounded once, as PyTorch
            return x.xp.cumprod(x.array, axis=axis, dtype=dtypes.float32).astype(x.dtype)
        return x.xp.cumprod(x.array, axis=axis, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,), axis = ctx.saved_tensors, ctx.axis
        if x.shape[axis] == 1:  # the identity: exact even for an inf/NaN (as PyTorch)
            return grad, None
        if bool((x.array != 0).all()):
            weighted = grad * Cumprod.apply(x, axis)
            return _flip(Cumsum.apply(_flip(weighted, axis), axis), axis) / x, None
        from .indexing import triu
        partial = Cumprod.apply(_with_one_replaced(_to_last(x, axis)), x.ndim)  # (..., i, j)
        g = _to_last(grad, axis).unsqueeze(-2)
        return _from_last((triu(partial) * g).sum(dim=-1), axis), None


def _running(input: Tensor, dim: int, dtype: Any, op: str, fn: Any) -> Tensor:
    x = _cast(input, dtype, op)
    if dtype is None and x.dtype.kind in "bui":  # an explicit dtype is kept, as PyTorch
        x = x.to(dtypes.int64)
    axis = normalize_dim(dim, x.shape, op)
    if x.ndim == 0:
        return x.clone()
    return fn.apply(x, axis)


def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sum along ``dim`` (integers sum in int64, as PyTorch)."""
    return _running(input, dim, dtype, "cumsum", Cumsum)


def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running product along ``dim``; the gradient is exact with zeros in the input."""
    return _running(input, dim, dtype, "cumprod", Cumprod)


# --- norms -----------------------------------------------------------------------------------
class VectorNorm(Function):
    """(sum |x|^p)^(1/p) over dims for a finite p. Backward follows PyTorch's subgradients:
    0 where the norm is 0 (p >= 1) or where x is 0 (p < 1), nothing for p = 0. Zeros are
    replaced before any power so that double backward stays finite too."""

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        ctx.save_for_backward(x)
        ctx.p, ctx.dims, ctx.keepdim = p, dims, keepdim
        a = x.xp.abs(x.array)
        if p == 0:
            return (a != 0).sum(axis=dims, keepdims=keepdim).astype(x.dtype)
        if p == 1:
            return a.sum(axis=dims, keepdims=keepdim)
        if p == 2:
            return x.xp.sqrt((a * a).sum(axis=dims, keepdims=keepdim))
        return (a ** p).sum(axis=dims, keepdims=keepdim) ** (1 / p)

    @staticmethod
    def backward(ctx, grad):
        (x,), p = ctx.saved_tensors, ctx.p
        if not ctx.keepdim:
            grad = grad.reshape(_keepdim_shape(x.shape, ctx.dims))
        if p == 0:
            return x * 0, None, None, None
        if p == 1:
            return grad * x.sign(), None, None, None
        norm = VectorNorm.apply(x, p, ctx.dims, True)
        safe_norm = where(norm == 0, 1, norm)
        if p == 2:
            return grad * x / safe_norm, None, None, None
        zero = x == 0
        safe_abs = where(zero, 1, x.abs())
        scaled = where(zero, 0, x.sign() * safe_abs ** (p - 1))  # sign(x) |x|^(p-1)
        if p < 1:
            return scaled * grad * norm ** (1 - p), None, None, None
        return where(norm == 0, 0, scaled * grad / safe_norm ** (p - 1)), None, None, None


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False,
         dtype: Any = None) -> Tensor:
    """torch.norm: the vector p-norm over ``dim`` (all elements by default); 'fro' is the 2-norm
    of the elements, inf / -inf the largest / smallest magnitude. The gradient at a zero norm
    is 0, PyTorch's subgradient."""
    x = _norm_cast(input, dtype, "norm")
    if isinstance(p, str):
        if p == "nuc":  # a matrix norm: over the last two dims, or the two given
            from .linalg_decomp import matrix_norm
            return matrix_norm(x, "nuc", (-2, -1) if dim is None else dim, keepdim)
        if p != "fro":
            raise RuntimeError(f"norm: p={p!r} is not supported (only 'fro', 'nuc' and numbers)")
        p = 2
    if not isinstance(p, numbers.Real) or isinstance(p, bool):
        raise TypeError(f"norm: p must be a number, 'fro', inf or -inf, got {p!r}")
    dims = normalize_dims(dim, x.shape, "norm")
    if p < 0 or p == float("inf"):
        if 0 in [x.shape[d] for d in dims]:  # no identity; other empty dims are fine
            raise RuntimeError(f"norm: p={p} over an empty dimension of shape {tuple(x.shape)}")
    if p in (float("inf"), float("-inf")):
        magnitudes = x.abs()
        return amax(magnitudes, dims, keepdim) if p > 0 else amin(magnitudes, dims, keepdim)
    return VectorNorm.apply(x, float(p), dims, keepdim)


def numel(input: Tensor) -> int:
    """How many elements ``input`` holds."""
    if not isinstance(input, Tensor):
        raise TypeError(f"numel: expected a Tensor, got {type(input).__name__}")
    return input.numel()


# --- median ----------------------------------------------------------------------------------
class SpreadEvenly(Function):
    """A value picked from ``x`` (a full median), whose gradient PyTorch spreads evenly over
    every element equal to it (every NaN, if it is NaN) rather than sending it to one."""

    @staticmethod
    def forward(ctx, x, value):
        out = x.xp.asarray(value, dtype=x.dtype)
        ctx.save_for_backward(x)
        ctx.value = out
        return out

    @staticmethod
    def backward(ctx, grad):  # the mask is found here: a forward without grad costs no pass
        (x,), xp = ctx.saved_tensors, grad.xp
        if x.dtype.kind == "f" and bool(xp.isnan(ctx.value)):
            mask = xp.isnan(x.array)
        else:
            mask = x.array == ctx.value
        if not is_grad_enabled():  # plain backward: one pass, mask * (grad / count)
            scale = (grad.array / mask.sum()).astype(x.dtype)
            return Tensor._make(xp.multiply(mask, scale, dtype=x.dtype), grad.device), None
        share = mask.astype(x.dtype) / x.dtype.type(mask.sum())
        return grad * Tensor._make(share, grad.device), None


def _stable_kth(xp: Any, a: Any, axis: int, k: Any) -> Any:
    """Index along ``axis`` of the element that a stable sort of ``a`` puts at position ``k``
    (an int array shaped like ``a`` with ``axis`` of size 1; NaN sorts last): the k-th smallest
    value and, among elements equal to it, the one that many places into them in input order.
    That is PyTorch's median index. One unstable sort finds the value and a running count of
    its copies the index: a stable argsort (3x slower) is not needed."""
    value = xp.take_along_axis(xp.sort(a, axis=axis), k, axis=axis)
    if a.dtype.kind == "f":
        nan, is_nan = xp.isnan(a), xp.isnan(value)
        equal = xp.where(is_nan, nan, a == value)
        smaller = xp.where(is_nan, ~nan, a < value).sum(axis=axis, keepdims=True)
    else:
        equal = a == value
        smaller = (a < value).sum(axis=axis, keepdims=True)
    seen = xp.cumsum(equal, axis=axis)  # copies of the value up to and including each place
    return xp.expand_dims(xp.argmax(seen > k - smaller, axis=axis), axis).astype(dtypes.int64)


def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The lower median (element (n - 1) // 2 of the sorted values), NaN if any value is NaN,
    as PyTorch. ``dim=None`` gives the value (its gradient shared by the elements equal to it);
    a ``dim`` gives (values, indices), the gradient going to the element at the index (among
    equal values, the one a stable sort puts at the median's place, as PyTorch)."""
    from .indexing import gather
    if dim is None:
        flat = input.reshape(-1)
        if flat.numel() == 0:  # NaN, as PyTorch; an integer tensor has no NaN to give
            if not dtypes.is_floating(input.dtype):
                raise RuntimeError(f"median: an empty {input.dtype} tensor of shape "
                                   f"{tuple(input.shape)} has no median")
            return SpreadEvenly.apply(input, float("nan"))  # keeps the graph: an empty gradient
        return SpreadEvenly.apply(input, median(flat.detach(), 0).values.array)
    axis = normalize_dim(dim, input.shape, "median")
    if input.ndim == 0:
        return ValuesIndices(input.clone(), Tensor._make(input.xp.zeros((), dtype=dtypes.int64),
                                                         input.device))
    n = input.shape[axis]
    if n == 0:
        raise IndexError(f"median: cannot take the median of an empty dimension {dim} of a "
                         f"tensor of shape {tuple(input.shape)}")
    xp = input.xp
    k = xp.full(tuple(1 if i == axis else s for i, s in enumerate(input.shape)), (n - 1) // 2)
    indices = Tensor._make(_stable_kth(xp, input.array, axis, k), input.device)
    if input.dtype.kind == "f":  # NaN wins: the index of the first NaN
        nan = input.xp.isnan(input.array)
        first_nan = input.xp.argmax(nan, axis=axis).astype(dtypes.int64)
        has_nan = nan.any(axis=axis)
        indices = Tensor._make(input.xp.where(input.xp.expand_dims(has_nan, axis),
                                              input.xp.expand_dims(first_nan, axis),
                                              indices.array), input.device)
    values = gather(input, axis, indices)
    if not keepdim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return ValuesIndices(values, indices)
