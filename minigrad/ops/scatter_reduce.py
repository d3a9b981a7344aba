"""scatter_reduce: ``src`` combined into a copy of ``input`` at ``index`` along a dim by sum,
prod, mean, amax or amin, repeated indices combining: a segment reduction (a per-node
message sum, a per-graph max). It also backs ``scatter(..., reduce='add' | 'multiply')``.

The gradients are PyTorch's: sum passes the gradient on and mean divides it by the count;
amax/amin split it evenly among the elements equal to the result; prod gives each factor
the product of the other factors, computed without dividing by zero (one zero in a group
gets the product of the rest, the others 0). With ``include_self=False`` the input gets no
gradient where something was scattered. Backward is written with tensor ops (double
backward; prod's is exact away from zeros).
"""
from __future__ import annotations

from typing import Any

from ..autograd.function import Function
from ..tensor import Tensor
from .comparison import where
from .dims import normalize_dim
from .indexing import _along, _check_along, _gather, _index, _leading, _src_tensor

#: reduce name -> the ufunc that combines repeated positions (``backend.scatter_reduce``)
_UFUNCS = {"sum": "add", "prod": "multiply", "mean": "add", "amax": "maximum", "amin": "minimum"}


def _identity(reduce: str, dtype: Any, xp: Any) -> Any:
    """The value a position starts from when the input itself is left out."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "b":
        return reduce == "amin"
    if dtype.kind == "f":
        return -float("inf") if reduce == "amax" else float("inf")
    info = xp.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


class ScatterReduce(Function):
    """``reduce`` of ``x`` (unless ``include_self`` is False) and the ``src`` values landing
    on each position; ``index`` is the advanced-index tuple of ``_along``, ``src`` is cut to
    the index's shape."""

    @staticmethod
    def forward(ctx, x, src, index, reduce, include_self):
        xp = x.xp
        out = x.array.copy()  # C order: backend.scatter_reduce may write through a flat view
        if not include_self:
            out[index] = _identity(reduce, out.dtype, xp)
        x.backend.scatter_reduce(out, index, src.array, _UFUNCS[reduce])
        scattered = xp.zeros(out.shape, dtype=bool)
        scattered[index] = True
        ctx.save_for_backward(x, src)
        ctx.index, ctx.reduce, ctx.include_self = index, reduce, include_self
        ctx.scattered = scattered
        if reduce == "mean":
            count = xp.full(out.shape, 1 if include_self else 0, dtype=out.dtype)
            x.backend.scatter_reduce(count, index, xp.ones(src.shape, dtype=out.dtype), "add")
            count[count == 0] = 1
            out = out / count if out.dtype.kind == "f" else out // count
            ctx.count = count
        ctx.result = out
        return out

    @staticmethod
    def backward(ctx, grad):
        x, src = ctx.saved_tensors
        xp, index, reduce, incl = x.xp, ctx.index, ctx.reduce, ctx.include_self
        dev, dtype = x.device, x.dtype

        def const(a: Any) -> Tensor:
            return Tensor._make(xp.asarray(a), dev)

        def gather(t: Tensor) -> Tensor:
            return _gather(t, index).reshape(src.shape)

        if reduce == "sum":
            gx, gs = grad, gather(grad)
        elif reduce == "mean":
            share = grad / const(ctx.count)
            gx, gs = share, gather(share)
        elif reduce in ("amax", "amin"):
            result = ctx.result
            self_is = (x.array == result) & (incl | ~ctx.scattered)  # the excluded input is no tie
            src_is = src.array == result[index].reshape(src.shape)
            ties = self_is.astype(dtype)
            x.backend.scatter_reduce(ties, index, src_is.astype(dtype), "add")
            share = grad / const(ties)
            gx = share * const(self_is.astype(dtype))
            gs = gather(share) * const(src_is.astype(dtype))
        else:
            gx, gs = _prod_grads(x, src, grad, index, incl, ctx.scattered, const, gather)
        if not incl:  # where, not a product with 0: an excluded NaN/inf input gets 0, not NaN
            gx = where(const(ctx.scattered), 0.0, gx)
        return (gx if ctx.needs_input_grad[0] else None,
                gs if ctx.needs_input_grad[1] else None, None, None, None)


def _prod_grads(x: Tensor, src: Tensor, grad: Tensor, index: tuple, incl: bool,
                scattered: Any, const: Any, gather: Any) -> tuple:
    """Each factor's gradient is the product of the other factors of its group: the product
    of the nonzero factors divided by it when the group has no zero, the product of the
    nonzero ones for a group's only zero, and 0 otherwise (no 0/0)."""
    xp, dtype = x.xp, x.dtype
    x_zero, s_zero = x.array == 0, src.array == 0
    zeros = (x_zero & (incl | ~scattered)).astype(dtype)
    x.backend.scatter_reduce(zeros, index, s_zero.astype(dtype), "add")
    x_safe = where(const(x_zero), 1.0, x)
    s_safe = where(const(s_zero), 1.0, src)
    nonzero_product = ScatterReduce.apply(x_safe, s_safe, index, "prod", incl)
    zeros_at_src = zeros[index].reshape(src.shape)

    def others(product: Tensor, safe: Tensor, is_zero: Any, group_zeros: Any) -> Tensor:
        return where(const(is_zero), where(const(group_zeros == 1), product, 0.0),
                     where(const(group_zeros == 0), product / safe, 0.0))

    gx = grad * others(nonzero_product, x_safe, x_zero, zeros)
    gs = gather(grad) * others(gather(nonzero_product), s_safe, s_zero, zeros_at_src)
    return gx, gs


def reduce_along(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str,
                 include_self: bool) -> Tensor:
    """The checked-arguments core of scatter_reduce (and scatter with reduce): a 0-d input is
    reduced as a one-element vector."""
    if input.ndim == 0:
        return reduce_along(input.reshape(1), 0, index.reshape(1), src.reshape(1), reduce,
                            include_self).reshape(())
    return ScatterReduce.apply(input, _leading(src, index.shape), _along(index, dim), reduce,
                               include_self)


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """Out of place: ``src`` reduced into ``input`` at ``index`` along ``dim`` with 'sum',
    'prod', 'mean', 'amax' or 'amin'; ``include_self=False`` leaves the input's own value out
    where something lands. The segment reductions of graph and set models."""
    op = "scatter_reduce"
    if reduce not in _UFUNCS:
        raise RuntimeError(f"{op}: reduce argument must be either sum, prod, mean, amax or "
                           f"amin, got {reduce!r}")
    dim = normalize_dim(dim, input.shape, op)
    index = _index(index, input, op)
    if not isinstance(src, Tensor):
        raise TypeError(f"{op}: src must be a Tensor, got {type(src).__name__}")
    src = _src_tensor(input, src, None, index, op)
    _check_along(input, dim, index, op, src)
    return reduce_along(input, dim, index, src, reduce, bool(include_self))


def scatter_reduce_(self: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                    include_self: bool = True) -> Tensor:
    """In-place ``scatter_reduce`` (under no_grad, or on tensors that do not require grad)."""
    from ..autograd.grad_mode import no_grad
    self._check_inplace("scatter_reduce_", src)
    with no_grad():
        self.array[...] = scatter_reduce(self, dim, index, src, reduce,
                                         include_self=include_self).array
    return self
