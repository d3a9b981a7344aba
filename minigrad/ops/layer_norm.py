"""Per-sample normalisation: ``layer_norm`` (PyTorch's ``F.layer_norm``) and ``group_norm``.

Both standardise each sample over a block of trailing values, with no running statistics
and the same computation in training and eval:

    layer_norm: over the last len(normalized_shape) dims, then weight/bias of that shape
    group_norm: (N, C, *) viewed as (N, G, C/G * prod(*)), then weight/bias per channel

Each is one fused Function. With x^ = (x - mean) * rstd (biased variance) and gy = g * weight,
both backwards are the textbook

    dx = rstd * (gy - mean(gy) - x^ * mean(gy * x^)),   dweight = sum(g * x^),  dbias = sum(g)

Why fused: as separate standardise, multiply and add nodes these took 3-4x PyTorch's time
(benchmarks/bench_layers.py), each broadcast's backward a slow NumPy reduction. Row sums are
matrix-vector products with ones (BLAS, ~3x NumPy's ``sum(axis=-1)``) and sums of products
``einsum``, which makes no array for the product (LayerNorm's backward needs two sums of
g * (x - mean), so it makes that product once and takes both by BLAS). NumPy's broadcast
passes (a per-row or per-column operand) cost ~1.5-2x a same-shape pass, so they are kept few.

Double backward: ordinary backward computes on arrays saved by forward; under
``create_graph=True`` the same formulas are built with tensor ops from ``x``, so the
dependence of x^ and rstd on ``x`` is differentiated too.
"""
from __future__ import annotations

import numbers
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from .. import dtypes
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..errors import DtypeError, ShapeError
from ..tensor import Tensor


class LayerNorm(Function):
    """x seen as ``rows`` = (R, D): standardise each row, then ``* weight + bias`` per column
    (weight and bias of the normalized shape, D values). The reshapes are of arrays inside
    the op: as graph nodes, the four of them cost ~3% of the layer's forward + backward.

    Forward keeps x - mean and ``scale`` = rstd (x) weight (an (R, D) outer product, or
    rstd alone): y = centred * scale + bias is then one full pass instead of scaling by rstd
    and weight in turn, and backward's rstd * weight * g is one pass too. NumPy runs a
    per-row broadcast at about 1.6x the time of a same-shape operation, so both directions
    avoid them where a same-shape array is at hand."""

    @staticmethod
    def forward(ctx, x, weight, bias, eps, rows):
        xp, a, size = x.xp, x.array.reshape(rows), rows[1]
        with _long_rows(xp, size):
            centred = a - (a @ xp.ones(size, dtype=a.dtype) / size)[:, None]
            var = xp.einsum("ij,ij->i", centred, centred) / size  # centred: float32 is precise
            rstd = 1.0 / xp.sqrt(var + eps)
            # einsum writes the outer product ~25% faster than a broadcast multiply
            scale = rstd[:, None] if weight is None else \
                xp.einsum("i,j->ij", rstd, weight.array.reshape(size))
            out = centred * scale
            if bias is not None:
                out += bias.array.reshape(size)
        ctx.save_for_backward(x, weight)
        ctx.eps, ctx.rows, ctx.centred, ctx.rstd, ctx.scale = eps, rows, centred, rstd, scale
        ctx.bias_shape = None if bias is None else bias.shape
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: build the backward's own graph
            return _layer_norm_backward_with_tensors(ctx, x, weight, grad)
        xp, g, centred, rstd = x.xp, grad.array.reshape(ctx.rows), ctx.centred, ctx.rstd
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        size = ctx.rows[1]
        gx = gw = gb = None
        # Every sum below is a BLAS product of gc = g * (x - mean) or g with a vector.
        gc = g * centred if need_x or need_w else None
        if need_w:
            gw = (rstd @ gc).reshape(weight.shape)  # sum over rows of g * x^
        if need_b:
            gb = (xp.ones(g.shape[0], dtype=g.dtype) @ g).reshape(ctx.bias_shape)
        if need_x:  # gy = g * weight; rstd * (gy - mean(gy) - x^ * mean(gy x^))
            w = xp.ones(size, dtype=g.dtype) if weight is None else weight.array.reshape(size)
            gy_mean = rstd * (g @ w) / size  # times rstd, as is the next
            gyx_mean = rstd * rstd * rstd * (gc @ w) / size  # x^ = centred * rstd
            with _long_rows(xp, size):
                gx = g * ctx.scale
                gx -= xp.multiply(centred, gyx_mean[:, None], out=gc)  # gc is no longer needed
                gx -= gy_mean[:, None]
            gx = gx.reshape(x.shape)
        return gx, gw, gb, None, None


def _layer_norm_backward_with_tensors(ctx: Any, x: Tensor, weight: Tensor | None,
                                      grad: Tensor) -> tuple:
    """LayerNorm's backward as differentiable tensor ops (for double backward)."""
    shape, size = x.shape, ctx.rows[1]
    x, grad = x.reshape(ctx.rows), grad.reshape(ctx.rows)
    w = None if weight is None else weight.reshape(size)
    centred = x - x.mean(dim=1, keepdim=True)
    rstd = ((centred * centred).mean(dim=1, keepdim=True) + ctx.eps) ** -0.5
    xhat = centred * rstd
    gy = grad if w is None else grad * w
    gx = rstd * (gy - gy.mean(dim=1, keepdim=True) -
                 xhat * (gy * xhat).mean(dim=1, keepdim=True))
    need_x, need_w, need_b = ctx.needs_input_grad[:3]
    return (gx.reshape(shape) if need_x else None,
            (grad * xhat).sum(dim=0).reshape(weight.shape) if need_w else None,
            grad.sum(dim=0).reshape(ctx.bias_shape) if need_b else None, None, None)


class GroupNorm(Function):
    """x (N, C, *) seen as (N * G, C / G * S) group rows: standardise each row (a sample's
    group of channels; the views are of arrays inside the op, not reshape graph nodes), then
    ``* weight + bias`` per channel. ``stats`` (a list or None) receives each group's mean and
    biased variance as (N, groups) arrays, for instance norm's running statistics.

    Per-group factors broadcast along whole group rows; per-channel weight and bias along
    whole (N, C * S) samples, as a (C * S,) row made once (``_spread``). Both keep NumPy's
    inner loop long (see ``_long_rows``); per-(sample, channel) factors, whose rows are
    only S long, ran each full pass at ~2x a same-shape one."""

    @staticmethod
    def forward(ctx, x, weight, bias, groups, eps, stats=None):
        n, c = x.shape[:2]
        xp, s = x.xp, _prod(x.shape[2:])
        size = c // groups * s  # values per (sample, group)
        a = x.array.reshape(n * groups, size)
        mean = a @ xp.ones(size, dtype=a.dtype) / size  # BLAS: ~3x NumPy's sum(axis=1)
        with _long_rows(xp, size):
            centred = a - mean[:, None]
            var = xp.einsum("ij,ij->i", centred, centred) / size  # centred: float32 is precise
            rstd = 1.0 / xp.sqrt(var + eps)
            # one channel per group (instance norm): weight folds into the row factor
            per_row = weight is not None and groups == c
            out = centred * (rstd * xp.tile(weight.array, n) if per_row else rstd)[:, None]
            sample = out.reshape(n, c * s)
            if weight is not None and not per_row:
                sample *= _spread(weight.array, s)
            if bias is not None:
                sample += _spread(bias.array, s)
        if stats is not None:
            stats += [mean.reshape(n, groups), var.reshape(n, groups)]
        ctx.save_for_backward(x, weight)
        ctx.groups, ctx.eps, ctx.centred, ctx.rstd = groups, eps, centred, rstd
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: build the backward's own graph
            return _group_norm_backward_with_tensors(ctx, x, weight, grad)
        xp, centred, rstd, groups = x.xp, ctx.centred, ctx.rstd, ctx.groups
        n, c = x.shape[:2]
        size = centred.shape[1]
        s = size * groups // c
        g = grad.array.reshape(n * c, s)
        # per (sample, channel): sum(g) and sum(g * (x - mean)), BLAS and einsum (no product array)
        g_sum = (g @ xp.ones(s, dtype=g.dtype)).reshape(n, c)
        gc_sum = xp.einsum("ij,ij->i", g, centred.reshape(n * c, s)).reshape(n, c)
        rstd_c = xp.repeat(rstd.reshape(n, groups), c // groups, axis=1)  # (N, C)
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gw = (gc_sum * rstd_c).sum(axis=0) if need_w else None  # sum(g * x^)
        gb = g_sum.sum(axis=0) if need_b else None
        gx = None
        if need_x:  # gy = g * weight: its sums per channel, then per group
            if weight is not None:
                g_sum, gc_sum = g_sum * weight.array, gc_sum * weight.array
            gy_mean = g_sum.reshape(n * groups, -1).sum(axis=1) / size
            gyx_mean = gc_sum.reshape(n * groups, -1).sum(axis=1) * rstd / size  # mean(gy x^)
            with _long_rows(xp, size):  # rstd * (gy - mean(gy) - x^ * mean(gy x^)), group rows
                if weight is None or groups == c:  # g's factor rstd * weight is per group row
                    a = rstd if weight is None else rstd * xp.tile(weight.array, n)
                    gx = g.reshape(centred.shape) * a[:, None]
                else:  # weight per channel: along whole samples, then rstd per group row
                    gx = (g.reshape(n, c * s) * _spread(weight.array, s)).reshape(centred.shape)
                    gx *= rstd[:, None]
                gx -= centred * (rstd * rstd * gyx_mean)[:, None]
                gx -= (rstd * gy_mean)[:, None]
            gx = gx.reshape(x.shape)
        return gx, gw, gb, None, None, None


def _spread(per_channel: Any, s: int) -> Any:
    """(C,) -> (C * S,): each channel's value over its S positions, one sample's layout."""
    return per_channel.repeat(s)


@contextmanager
def _long_rows(xp: Any, row: int) -> Iterator[None]:
    """Broadcasts over rows of ``row`` values run with NumPy's ufunc buffer no longer than a row.

    With the default buffer (8192 values) NumPy copies a broadcast operand through it whenever
    rows are shorter, which makes e.g. (256, 2048) * (256, 1) ~2x a same-shape pass; with a
    buffer that fits in one row it reads the operands in place. Rows under 512 values keep the
    buffer: unbuffered, their per-row cost made them slower (rows of 100: ~2x; 256: ~10%).
    (CuPy has no such buffer.)"""
    setbufsize = getattr(xp, "setbufsize", None)
    if setbufsize is None or row < 512 or row >= xp.getbufsize():
        yield
        return
    old = setbufsize(row // 16 * 16)  # NumPy wants a multiple of 16
    try:
        yield
    finally:
        setbufsize(old)


def _group_norm_backward_with_tensors(ctx: Any, x: Tensor, weight: Tensor | None,
                                      grad: Tensor) -> tuple:
    """GroupNorm's backward as differentiable tensor ops (for double backward)."""
    shape, (n, c), rows = x.shape, x.shape[:2], ctx.centred.shape  # rows: (N * G, C / G * S)
    x, grad = x.reshape(n, c, _prod(shape[2:])), grad.reshape(n, c, _prod(shape[2:]))
    flat = x.reshape(rows)
    centred = flat - flat.mean(dim=1, keepdim=True)
    rstd = ((centred * centred).mean(dim=1, keepdim=True) + ctx.eps) ** -0.5
    xhat = centred * rstd
    gy = (grad if weight is None else grad * weight.reshape(-1, 1)).reshape(rows)
    gx = rstd * (gy - gy.mean(dim=1, keepdim=True) -
                 xhat * (gy * xhat).mean(dim=1, keepdim=True))
    need_x, need_w, need_b = ctx.needs_input_grad[:3]
    return (gx.reshape(shape) if need_x else None,
            (grad * xhat.reshape(x.shape)).sum(dim=(0, 2)) if need_w else None,
            grad.sum(dim=(0, 2)) if need_b else None, None, None, None)


def _check_float(x: Any, op: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(x).__name__}")
    if not dtypes.is_floating(x.dtype):
        raise DtypeError(f"{op}: expected a floating-point input, got {x.dtype}")


def _check_param(t: Any, name: str, shape: tuple, x: Tensor, op: str) -> None:
    if t is None:
        return
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor or None, got {type(t).__name__}")
    if t.device != x.device:
        raise RuntimeError(f"{op}: {name} is on {t.device} but the input is on {x.device}")
    if t.dtype != x.dtype:  # as PyTorch: no silent promotion of a float32 model to float64
        raise RuntimeError(f"{op}: expected {name} of the input's dtype {x.dtype}, got {t.dtype}")
    if tuple(t.shape) != shape:
        raise ShapeError(f"{op}: expected {name} of shape {shape}, got {tuple(t.shape)}")


def as_shape(normalized_shape: Any, op: str) -> tuple:
    """An int or a sequence of ints as a tuple of positive sizes."""
    if isinstance(normalized_shape, numbers.Integral) and not isinstance(normalized_shape, bool):
        normalized_shape = (int(normalized_shape),)
    if isinstance(normalized_shape, str) or not hasattr(normalized_shape, "__iter__") or \
            not all(isinstance(s, numbers.Integral) and not isinstance(s, bool)
                    for s in normalized_shape):
        raise TypeError(f"{op}: normalized_shape must be an int or a sequence of ints, got "
                        f"{normalized_shape!r}")
    shape = tuple(int(s) for s in normalized_shape)
    if any(s < 0 for s in shape):
        raise ShapeError(f"{op}: normalized_shape {shape} has a negative size")
    return shape


def layer_norm(input: Tensor, normalized_shape: Sequence[int],  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise each sample over its last dims (transformers' per-token norm): independent of
    the batch, so training and eval compute the same thing."""
    op = "layer_norm"
    _check_float(input, op)
    shape = as_shape(normalized_shape, op)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise ShapeError(f"{op}: given normalized_shape={list(shape)}, expected input with shape "
                         f"[*, {', '.join(map(str, shape))}], but got input of shape "
                         f"{tuple(input.shape)}")
    _check_param(weight, "weight", shape, input, op)
    _check_param(bias, "bias", shape, input, op)
    rows = (_prod(input.shape[:input.ndim - k]), _prod(shape))  # weight and bias per column
    return LayerNorm.apply(input, weight, bias, float(eps), rows)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise each sample's channels in ``num_groups`` groups: batch-size independent, for
    small batches where batch norm's statistics are too noisy."""
    op = "group_norm"
    _check_float(input, op)
    if input.ndim < 2:
        raise ShapeError(f"{op}: expected an input of shape (N, C, *) with at least 2 dims, got "
                         f"shape {tuple(input.shape)}")
    if not isinstance(num_groups, numbers.Integral) or isinstance(num_groups, bool) or \
            num_groups <= 0:
        raise ValueError(f"{op}: num_groups must be a positive int, got {num_groups!r}")
    c = input.shape[1]
    if c % num_groups:
        raise ShapeError(f"{op}: expected the number of channels in the input to be divisible "
                         f"by num_groups, but got input of shape {tuple(input.shape)} and "
                         f"num_groups={num_groups}")
    _check_param(weight, "weight", (c,), input, op)
    _check_param(bias, "bias", (c,), input, op)
    if input.numel() == 0:
        return affine_of_empty(input, weight, bias)
    return GroupNorm.apply(input, weight, bias, int(num_groups), float(eps))


def affine_of_empty(input: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:  # noqa: A002
    """An empty (N, C, *) input normalised per channel: empty too, as in PyTorch, and still in
    the graph, so that weight and bias get their (zero) gradients."""
    shape = (1, -1) + (1,) * (input.ndim - 2)
    out = input * 1.0
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def _prod(shape: Sequence[int]) -> int:
    out = 1
    for s in shape:
        out *= s
    return out
