"""softmax and log_softmax along a dimension, stable for any input size (|x| = 1000 included):
the row maximum is subtracted before exponentiating."""
from __future__ import annotations

from .. import dtypes
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from .dims import normalize_dim


def _softmax_array(a, dim, xp):
    """exp(a - max) / sum, in one fresh array (the passes after the first work in place)."""
    if a.ndim == 0:
        return xp.ones_like(a)
    e = a - a.max(axis=dim, keepdims=True)
    xp.exp(e, out=e)
    e /= _sum_along(e, dim, xp)
    return e


def _sum_along(a, dim, xp):
    """sum(a) along ``dim``, kept as a size-1 dim. Along the last dim as a matrix-vector
    product with ones (BLAS: ~3x faster than NumPy's pairwise sum on 1024x1024 float32)."""
    if dim == a.ndim - 1:
        return xp.expand_dims(a @ xp.ones(a.shape[-1], dtype=a.dtype), dim)
    return a.sum(axis=dim, keepdims=True)


def _dot_along(g, s, dim, xp):
    """sum(g * s) along ``dim``, kept as a size-1 dim, with no product array: along the last
    dim as stacked row-times-column products (BLAS, ~1.5x the einsum), else one einsum."""
    if s.ndim == 0:  # a 0-d softmax (dim None): the sum of one product
        return g * s
    if dim == s.ndim - 1:
        return (g[..., None, :] @ s[..., :, None])[..., 0]
    axes = "abcdefghijklmnopqrstuvwxyz"[:s.ndim]
    kept = axes[:dim] + axes[dim + 1:]
    return xp.expand_dims(xp.einsum(f"{axes},{axes}->{kept}", g, s), dim)


class Softmax(Function):
    """Backward from the output s: s * (g - sum(g * s)). The output is kept (as a saved tensor,
    so writing into it before backward is caught) rather than recomputed from x."""

    @staticmethod
    def forward(ctx, x, dim):
        out = _softmax_array(x.array, dim, x.xp)
        ctx.save_for_backward(x, Tensor._make(out, x.device))
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: s as an op of x, differentiable again
            s = Softmax.apply(x, ctx.dim)
            return s * (grad - (grad * s).sum(dim=ctx.dim, keepdim=True)), None
        s, g, xp = out.array, grad.array, x.xp
        # (g - sum(g s)) s as PyTorch forms it; the row sums by einsum (no g * s array),
        # then two passes over one fresh array
        gx = xp.subtract(g, _dot_along(g, s, ctx.dim, xp), out=xp.empty_like(s))
        gx *= s
        return Tensor._make(gx, x.device), None


class LogSoftmax(Function):
    """Backward g - softmax(x) * sum(g), with the softmax kept from the forward's exp (exp is
    most of the op's time) as e = exp(x - max) and its row sums: softmax * sum(g) is
    e * (sum(g) / sum(e)), a division of two small arrays instead of a pass dividing e."""

    @staticmethod
    def forward(ctx, x, dim):
        xp, a = x.xp, x.array
        ctx.dim, ctx.exp = dim, None
        if a.ndim == 0:
            ctx.save_for_backward(x)
            return xp.zeros_like(a)
        out = a - a.max(axis=dim, keepdims=True)
        e = xp.exp(out)
        total = _sum_along(e, dim, xp)
        out -= xp.log(total)
        if ctx.needs_input_grad[0]:
            ctx.exp, ctx.total = e, total
        # the output is kept as PyTorch keeps it: writing into it before backward is an error
        ctx.save_for_backward(x, Tensor._make(out, x.device))
        return out

    @staticmethod
    def backward(ctx, grad):
        x = ctx.saved_tensors[0]
        if is_grad_enabled() or ctx.exp is None:  # softmax as an op of x: differentiable
            return grad - Softmax.apply(x, ctx.dim) * grad.sum(dim=ctx.dim, keepdim=True), None
        g = grad.array
        gx = ctx.exp * (_sum_along(g, ctx.dim, x.xp) / ctx.total)
        x.xp.subtract(g, gx, out=gx)  # in place: a fresh array costs about a pass
        return Tensor._make(gx, x.device), None


def _check_floating(x: Tensor, op: str) -> None:
    if not dtypes.is_floating(x.dtype):  # as PyTorch, which has no integer softmax kernel
        raise NotImplementedError(f"{op}: not implemented for {x.dtype} tensors (shape "
                                  f"{tuple(x.shape)}); pass dtype= or convert with .float()")


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    _check_floating(x, "softmax")
    axis = normalize_dim(dim, x.shape, "softmax") if x.ndim else None  # None: a 0-d tensor
    if x.numel() == 0:  # nothing to normalise (NumPy's max has no identity): an empty copy
        return x.clone()
    return Softmax.apply(x, axis)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    _check_floating(x, "log_softmax")
    axis = normalize_dim(dim, x.shape, "log_softmax") if x.ndim else None  # None: a 0-d tensor
    if x.numel() == 0:
        return x.clone()
    return LogSoftmax.apply(x, axis)
