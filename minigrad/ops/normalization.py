"""Batch normalisation (PyTorch's ``F.batch_norm``) as one fused Function.

Composed from tensor ops, batch norm would be a dozen graph nodes and as many full
passes over the activations in each direction. Here forward and backward are each a
few array passes, with the textbook fused gradient (M values per channel, x^ the
normalised input):

    dx = w / sigma * (dy - mean(dy) - x^ * mean(dy * x^))     (training: batch statistics)
    dx = w / sigma * dy                                        (eval: running statistics)
    dw = sum(dy * x^),  db = sum(dy)

Speed (measured in benchmarks/bench_batchnorm.py): per-channel sums of a channels-last
activation run as BLAS matrix-vector products and einsums over its (M, C) rows, and the
elementwise passes are split over the batch on the CPU backend's threads.

Double backward: when the graph of the backward itself is being recorded
(``create_graph=True``), the same formulas are evaluated with tensor ops instead, so
batch norm supports higher-order gradients; ordinary backward stays on the fast path.
"""
from __future__ import annotations

from typing import Any

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor


def _reduce_axes(ndim: int) -> tuple:
    """Every axis but the channels (axis 1): batch and spatial positions."""
    return (0,) + tuple(range(2, ndim))


def _channel_rows(a: Any) -> Any:
    """``a`` as an (M, C) matrix with a row per (sample, position), or None.

    A view exists when the channels are the fastest-varying axis in memory: always for
    (N, C), and for the channels-last activations the convolutions produce. Then per-
    channel sums are one matrix-vector product and sums of products one einsum, several
    times faster than NumPy reductions over axes (0, 2, 3) of a 4-D array.
    """
    rows = a if a.ndim == 2 else a.transpose(0, *range(2, a.ndim), 1)
    return rows.reshape(-1, a.shape[1]) if rows.flags.c_contiguous else None


def _channel_sum(a: Any, xp: Any) -> Any:
    """Sum over every axis but the channels (axis 1): shape (C,)."""
    rows = _channel_rows(a)
    if rows is None:
        return a.sum(axis=_reduce_axes(a.ndim))
    return xp.ones(rows.shape[0], dtype=a.dtype) @ rows


def _channel_dot(a: Any, b: Any, xp: Any) -> Any:
    """Per-channel sum of ``a * b`` (shape (C,)) without an array for the product."""
    rows_a, rows_b = _channel_rows(a), _channel_rows(b)
    if rows_a is None or rows_b is None:
        return (a * b).sum(axis=_reduce_axes(a.ndim))
    return xp.einsum("mc,mc->c", rows_a, rows_b)


def _sliced_sum(fn: Any, a: Any, backend: Any) -> Any:
    """``fn(s)`` summed over slices ``s`` of the batch, the slices spread over the cores and
    added in batch order (so the result does not depend on which thread finished first)."""
    parts: dict = {}
    backend.parallel_for(lambda s: parts.__setitem__(s.start, fn(s)), a.shape[0], a.size)
    return sum(parts[start] for start in sorted(parts))


def _centred(a: Any, mean: Any, backend: Any) -> Any:
    """``a - mean`` in ``a``'s memory order, the batch spread over the cores."""
    out = backend.xp.empty_like(a)
    backend.parallel_for(lambda s: backend.xp.subtract(a[s], mean, out=out[s]), a.shape[0],
                         a.size)
    return out


class BatchNorm(Function):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, statistics per channel (axis 1)."""

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        xp, a, backend = x.xp, x.array, x.backend
        shape = (1, a.shape[1]) + (1,) * (a.ndim - 2)  # a per-channel value, broadcastable
        if training:
            count = a.size // a.shape[1]
            mean = _channel_sum(a, xp) / count
            centred = _centred(a, mean.reshape(shape), backend)
            var = _sliced_sum(lambda s: _channel_dot(centred[s], centred[s], xp), a,
                              backend) / count  # biased: normalises
            if running_mean is not None:
                # PyTorch's update, with the unbiased variance for running_var.
                running_mean.array *= 1.0 - momentum
                running_mean.array += momentum * mean
            if running_var is not None:
                running_var.array *= 1.0 - momentum
                running_var.array += (momentum * count / (count - 1)) * var
        else:
            # Copies: backward must see these values even if the buffers change meanwhile.
            mean = running_mean.array.astype(a.dtype)
            var = running_var.array.astype(a.dtype)
            centred = _centred(a, mean.reshape(shape), backend)
        mean, inv_std = mean.reshape(shape), (1.0 / xp.sqrt(var + eps)).reshape(shape)
        scale = inv_std if weight is None else inv_std * weight.array.reshape(shape)
        shift = None if bias is None else bias.array.reshape(shape)
        out = centred  # normalised, scaled and shifted in place

        def scale_and_shift(s):
            out[s] *= scale
            if shift is not None:
                out[s] += shift
        backend.parallel_for(scale_and_shift, a.shape[0], a.size)
        ctx.training, ctx.eps = training, eps
        ctx.mean, ctx.inv_std = mean, inv_std
        ctx.save_for_backward(x, weight)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: build the backward's own graph
            return _backward_with_tensors(ctx, x, weight, grad)
        xp, g, a, backend = x.xp, grad.array, x.array, x.backend
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        count = a.size // a.shape[1]
        batch_stats = ctx.training and need_x  # dx then depends on the sums below
        g_sum = _channel_sum(g, xp).reshape(ctx.mean.shape) if need_b or batch_stats else None
        if need_w or batch_stats:
            centred = _centred(a, ctx.mean, backend)
            # sum(dy * x^) = inv_std * sum(dy * (x - mean)), with no array for either product
            gx_sum = _sliced_sum(lambda s: _channel_dot(g[s], centred[s], xp), a,
                                 backend).reshape(ctx.mean.shape) * ctx.inv_std
        gx = None
        if need_x:
            scale = ctx.inv_std if weight is None else ctx.inv_std * weight.array.reshape(
                ctx.mean.shape)
            if ctx.training:  # w / sigma * (dy - mean(dy) - x^ * mean(dy * x^)), in place
                x_hat_coef, g_mean = ctx.inv_std * gx_sum * (-1.0 / count), g_sum / count

                def combine(s):
                    part = centred[s]
                    part *= x_hat_coef
                    part += g[s]
                    part -= g_mean
                    part *= scale
                backend.parallel_for(combine, a.shape[0], a.size)
                gx = centred
            else:
                gx = g * scale
        gw = gx_sum.reshape(-1) if need_w else None
        gb = g_sum.reshape(-1) if need_b else None
        return gx, gw, gb, None, None, None, None, None


def _backward_with_tensors(ctx: Any, x: Tensor, weight: Tensor | None, grad: Tensor) -> tuple:
    """The backward formulas as differentiable tensor ops (for double backward)."""
    axes = _reduce_axes(x.ndim)
    if ctx.training:  # the statistics depend on x: recompute them with tensor ops
        mean = x.mean(dim=axes, keepdim=True)
        centred = x - mean
        inv_std = ((centred * centred).mean(dim=axes, keepdim=True) + ctx.eps) ** -0.5
    else:
        centred = x - Tensor._make(ctx.mean, x.device)
        inv_std = Tensor._make(ctx.inv_std, x.device)
    normalised = centred * inv_std
    g_sum = grad.sum(dim=axes, keepdim=True)
    gx_sum = (grad * normalised).sum(dim=axes, keepdim=True)
    scale = inv_std if weight is None else inv_std * weight.reshape(ctx.mean.shape)
    if ctx.training:
        count = x.numel() // x.shape[1]
        gx = scale * (grad - g_sum / count - normalised * gx_sum / count)
    else:
        gx = scale * grad
    need_x, need_w, need_b = ctx.needs_input_grad[:3]
    return (gx if need_x else None, gx_sum.reshape(-1) if need_w else None,
            g_sum.reshape(-1) if need_b else None, None, None, None, None, None)


def _check_channel_tensor(t: Tensor | None, name: str, channels: int, x: Tensor, op: str) -> None:
    if t is None:
        return
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor or None, got {type(t).__name__}")
    if tuple(t.shape) != (channels,):
        raise ValueError(f"{op}: {name} has shape {tuple(t.shape)}, but the input of shape "
                         f"{tuple(x.shape)} has {channels} channels")
    if t.device != x.device:
        raise RuntimeError(f"{op}: {name} is on {t.device} but the input is on {x.device}")


def normalize(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
              weight: Tensor | None, bias: Tensor | None, training: bool, momentum: float,
              eps: float, op: str) -> Tensor:
    """``batch_norm`` with ``op`` naming the caller in errors (``BatchNorm2d`` from the layer)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"{op}: expected an input with a batch and a channel dimension (at "
                         f"least 2-D), got shape {tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {input.dtype}")
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_channel_tensor(t, name, channels, input, op)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.dtype != input.dtype:
            raise TypeError(f"{op}: {name} is {t.dtype} but the input is {input.dtype}")
    if training:
        if input.numel() // max(channels, 1) <= 1:
            raise ValueError(f"{op}: Expected more than 1 value per channel when training, got "
                             f"input size {tuple(input.shape)}")
    elif running_mean is None or running_var is None:
        raise ValueError(f"{op}: running_mean and running_var must be given in evaluation mode "
                         "(training=False)")
    return BatchNorm.apply(input, weight, bias, running_mean, running_var, bool(training),
                           float(momentum), float(eps))


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """PyTorch's ``F.batch_norm``: normalise each channel (axis 1) of an (N, C, ...) input with
    the batch's statistics (training, updating the running ones in place) or the running ones."""
    return normalize(input, running_mean, running_var, weight, bias, training, momentum, eps,
                     "batch_norm")
