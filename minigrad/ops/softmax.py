"""softmax and log_softmax along a dimension, stable for any input size (|x| = 1000 included):
the row maximum is subtracted before exponentiating."""
from __future__ import annotations

from ..autograd.function import Function
from ..tensor import Tensor
from .dims import normalize_dim


class Softmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.save_for_backward(x)
        ctx.dim = dim
        xp = x.xp
        e = xp.exp(x.array - x.array.max(axis=dim, keepdims=True))
        return e / e.sum(axis=dim, keepdims=True)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        s = Softmax.apply(x, ctx.dim)
        return s * (grad - (grad * s).sum(dim=ctx.dim, keepdim=True)), None


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.save_for_backward(x)
        ctx.dim = dim
        xp = x.xp
        shifted = x.array - x.array.max(axis=dim, keepdims=True)
        return shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad - Softmax.apply(x, ctx.dim) * grad.sum(dim=ctx.dim, keepdim=True), None


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    axis = normalize_dim(dim, x.shape, "softmax") if x.ndim else None  # None: a 0-d tensor
    return Softmax.apply(x, axis)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    axis = normalize_dim(dim, x.shape, "log_softmax") if x.ndim else None  # None: a 0-d tensor
    return LogSoftmax.apply(x, axis)
