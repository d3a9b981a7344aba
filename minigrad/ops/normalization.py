"""Batch normalisation (PyTorch's ``F.batch_norm``) as one fused Function.

Composed from tensor ops, batch norm would be a dozen graph nodes and as many full
passes over the activations in each direction. Here forward and backward are each a
few array passes, with the textbook fused gradient (M values per channel, x^ the
normalised input):

    dx = w / sigma * (dy - mean(dy) - x^ * mean(dy * x^))     (training: batch statistics)
    dx = w / sigma * dy                                        (eval: running statistics)
    dw = sum(dy * x^),  db = sum(dy)

Speed (benchmarks/bench_batchnorm.py, benchmarks/RESULTS.md): all per-channel work runs
along whole rows of the activation in its own memory order (``_ChannelRows``), so that
NumPy's inner loops are thousands of values long rather than C; that made the forward
~30% faster. The passes are split over the batch on the CPU backend's threads, in blocks of
about half a megabyte, so that the passes one block needs (centre, square-sum, scale,
shift) run back to back while it is in the core's cache.

Double backward: when the graph of the backward itself is being recorded
(``create_graph=True``), the same formulas are evaluated with tensor ops instead, so
batch norm supports higher-order gradients; ordinary backward stays on the fast path.
"""
from __future__ import annotations

from typing import Any

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..errors import ArgumentError, DtypeError, ShapeError
from ..tensor import Tensor
from .layout import as_rows


def _reduce_axes(ndim: int) -> tuple:
    """Every axis but the channels (axis 1): batch and spatial positions."""
    return (0,) + tuple(range(2, ndim))


class _ChannelRows:
    """An (N, C, ...) array seen as (N, rest) rows in its memory order, and where its
    channels sit along a row.

    Channels-last activations (what a convolution leaves) repeat the C channels every C
    values; C-contiguous arrays hold each channel in one run of rest / C values. Per-
    channel work then runs along whole rows: a per-channel vector is spread into a row
    once (``spread``), and a row of column sums folds back into C values (``fold``).
    NumPy's inner loop is then a whole row instead of C values, which made these
    broadcasts and sums about 3x faster. An array with neither layout is copied into a
    C-contiguous one first (``array``)."""

    def __init__(self, a: Any, xp: Any) -> None:
        rows = as_rows(a)
        if rows is None:
            a = xp.ascontiguousarray(a)
            rows = as_rows(a)
        self.array, self.rows, self.xp = a, rows, xp
        self.channels_last = not a.flags.c_contiguous
        self.repeats = rows.shape[1] // max(1, a.shape[1])

    def spread(self, per_channel: Any) -> Any:
        """(C,) -> a (rest,) row with each channel's value wherever that channel sits."""
        v = per_channel.reshape(-1)
        if self.repeats == 1:  # (N, C) features: the row already is the channels
            return v
        return self.xp.tile(v, self.repeats) if self.channels_last else \
            self.xp.repeat(v, self.repeats)

    def fold(self, row: Any) -> Any:
        """A (rest,) row of column sums -> the (C,) per-channel sums."""
        if self.repeats == 1:
            return row
        return row.reshape(self.repeats, -1).sum(0) if self.channels_last else \
            row.reshape(-1, self.repeats).sum(1)

    def like(self, a: Any) -> Any:
        """``a`` (same shape) as rows laid out like these, copied only if its layout differs."""
        rows = as_rows(a)
        if rows is None or (not a.flags.c_contiguous) != self.channels_last:
            same = self.xp.empty_like(self.array)
            same[...] = a
            rows = as_rows(same)
        return rows


#: Elements in one block of the batch (512 KiB of float32): what one core's cache holds
#: comfortably while several passes go over it. Smaller blocks pay more in per-call overhead.
_BLOCK_ELEMENTS = 1 << 17


def _grain(a: Any) -> int:
    """Samples per block: about ``_BLOCK_ELEMENTS`` values."""
    return max(1, _BLOCK_ELEMENTS // max(1, a.size // max(1, a.shape[0])))


def _blocked(fn: Any, a: Any, backend: Any) -> None:
    """``fn(s)`` for cache-sized slices ``s`` of the batch, spread over the cores."""
    if a.shape[0] <= _grain(a):  # one block: skip parallel_for's bookkeeping (small inputs)
        fn(slice(0, a.shape[0]))
        return
    backend.parallel_for(fn, a.shape[0], a.size, grain=_grain(a))


def _blocked_sum(fn: Any, a: Any, backend: Any) -> Any:
    """``fn(s)`` summed over the blocks ``s`` of ``_blocked``, in batch order: the blocks do not
    depend on the thread count, so neither does the result."""
    if a.shape[0] <= _grain(a):
        return fn(slice(0, a.shape[0]))
    parts: dict = {}
    _blocked(lambda s: parts.__setitem__(s.start, fn(s)), a, backend)
    return sum(parts[start] for start in sorted(parts))


class BatchNorm(Function):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, statistics per channel (axis 1)."""

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        xp, backend = x.xp, x.backend
        layout = _ChannelRows(x.array, xp)
        a, rows = layout.array, layout.rows
        out = xp.empty_like(a)  # in a's memory order, so it has the same rows
        out_rows = as_rows(out)
        if training:
            count = a.size // a.shape[1]
            mean = layout.fold(xp.ones(rows.shape[0], dtype=a.dtype) @ rows) / count
            mean_row = layout.spread(mean)

            def centre(s):  # x - mean into out, and its square-sum while the block is cached
                block = out_rows[s]
                xp.subtract(rows[s], mean_row, out=block)
                return xp.einsum("nr,nr->r", block, block)
            var = layout.fold(_blocked_sum(centre, a, backend)) / count  # biased: normalises
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
            mean_row = layout.spread(mean)
        inv_std = 1.0 / xp.sqrt(var + eps)
        scale_row = layout.spread(inv_std if weight is None else inv_std * weight.array)
        shift_row = None if bias is None else layout.spread(bias.array)

        def normalise(s):  # (x - mean) * scale + shift, block by block, in out
            block = out_rows[s]
            if not training:  # (training: centred above)
                xp.subtract(rows[s], mean_row, out=block)
            block *= scale_row
            if shift_row is not None:
                block += shift_row
        _blocked(normalise, a, backend)
        shape = (1, a.shape[1]) + (1,) * (a.ndim - 2)  # a per-channel value, broadcastable
        ctx.training, ctx.eps = training, eps
        ctx.mean, ctx.inv_std = mean.reshape(shape), inv_std.reshape(shape)
        ctx.save_for_backward(x, weight)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: build the backward's own graph
            return _backward_with_tensors(ctx, x, weight, grad)
        xp, backend = x.xp, x.backend
        layout = _ChannelRows(x.array, xp)
        a, rows = layout.array, layout.rows
        g_rows = layout.like(grad.array)
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        count = a.size // a.shape[1]
        batch_stats = ctx.training and need_x  # dx then depends on the sums below
        mean_row, inv_std = layout.spread(ctx.mean), ctx.inv_std.reshape(-1)
        # training dx starts from x - mean: sums() leaves it in gx's memory for combine()
        gx = xp.empty_like(a) if batch_stats else None
        gx_rows = None if gx is None else as_rows(gx)
        g_sum = gx_sum = None
        if need_w or batch_stats:
            def sums(s):  # sum(dy) and sum(dy * (x - mean)) of one block; x - mean in cache
                centred = xp.subtract(rows[s], mean_row, out=None if gx is None else gx_rows[s])
                ones = xp.ones(centred.shape[0], dtype=centred.dtype)
                return xp.stack([ones @ g_rows[s],  # BLAS: faster than sum(axis=0)
                                 xp.einsum("nr,nr->r", g_rows[s], centred)])
            g_sum, gx_sum = _blocked_sum(sums, a, backend)
            # sum(dy * x^) = inv_std * sum(dy * (x - mean))
            g_sum, gx_sum = layout.fold(g_sum), layout.fold(gx_sum) * inv_std
        elif need_b:
            g_sum = layout.fold(g_rows.sum(axis=0))
        if need_x:
            scale = inv_std if weight is None else inv_std * weight.array
            scale_row = layout.spread(scale)
            if ctx.training:  # w / sigma * (dy - mean(dy) - x^ * mean(dy * x^)), block by block
                coef_row = layout.spread(inv_std * gx_sum * (-1.0 / count))
                g_mean_row = layout.spread(g_sum / count)

                def combine(s):
                    part = gx_rows[s]  # x - mean, from sums()
                    part *= coef_row
                    part += g_rows[s]
                    part -= g_mean_row
                    part *= scale_row
            else:
                gx = xp.empty_like(a)
                gx_rows = as_rows(gx)

                def combine(s):
                    xp.multiply(g_rows[s], scale_row, out=gx_rows[s])
            _blocked(combine, a, backend)
        return gx, gx_sum if need_w else None, g_sum if need_b else None, None, None, None, \
            None, None


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
        raise ShapeError(f"{op}: {name} has shape {tuple(t.shape)}, but the input of shape "
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
        raise ShapeError(f"{op}: expected an input with a batch and a channel dimension (at "
                         f"least 2-D), got shape {tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise DtypeError(f"{op}: expected a floating-point input, got {input.dtype}")
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_channel_tensor(t, name, channels, input, op)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.dtype != input.dtype:
            raise DtypeError(f"{op}: {name} is {t.dtype} but the input is {input.dtype}")
    if training:
        if input.numel() // max(channels, 1) <= 1:
            raise ValueError(f"{op}: Expected more than 1 value per channel when training, got "
                             f"input size {tuple(input.shape)}")
    elif running_mean is None or running_var is None:
        raise ArgumentError(f"{op}: running_mean and running_var must be given in evaluation mode "
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
