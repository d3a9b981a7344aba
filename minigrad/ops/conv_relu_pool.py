"""``max_pool2d(relu(conv2d(x, w, b, padding=p)), 2)`` as one op, a few images at a time.

Why (issue 6): run as three ops, a CNN block writes the convolution's output to memory,
ReLU reads and writes it again, pooling reads it a third time, and backward repeats that in
reverse; on the lesson CNN those passes over 11 MB arrays were a third of a training step.
Here each group of a few images goes through the whole block while it is in the CPU's cache:

- forward: im2col of the group, one product, the 2x2 max, and ReLU on the pooled values
  (max and ReLU commute, so ReLU runs on a quarter of the values). Kept for backward: the
  pooled output and which of the four positions won (a byte); not the im2col matrix or the
  convolution's output, which backward rebuilds per group.
- backward: the pooled gradient where the output is positive, placed at each window's
  winner; from it the weight (and bias) gradient, one product with the group's rebuilt im2col
  matrix, and the input gradient, the convolution's own ``_input_grad`` on the group.

Groups run on minigrad's threads (``parallel_for``), each multiplying single-threaded
(``blas_threads``). The output and the input gradient are the three ops' to the bit, the
weight gradient up to the order of its sums (ties go to the first maximum, as in max
pooling; a NaN propagates and gets no gradient, as through ReLU). With
``create_graph=True`` backward differentiates the three separate ops instead, so gradients of
any order are theirs. CPU only: ``nn.ConvReLUMaxPool2d`` runs the three ops elsewhere.
"""
from __future__ import annotations

from typing import Any

from .. import blas_threads
from ..autograd.function import Function
from ..autograd.grad_mode import enable_grad, is_grad_enabled
from ..tensor import Tensor
from .convolution import ConvGeometry, _im2col, _split_weight_grad, _weight_matrix
from .pooling import _keep_where

#: Bytes of im2col matrix and convolution output per group of images (the lesson CNN: 32 and
#: 22 images). Smaller groups stay in faster caches but make more, smaller calls; whole
#: training steps measured at 0.25-64 MiB: 4 MiB fastest, 2 MiB 1.1x, 256 KiB 4x slower.
GROUP_BYTES = 1 << 22


def block_geometry(input_shape: tuple, weight_shape: tuple, padding: tuple) -> ConvGeometry:
    """The convolution's geometry: stride 1, no dilation, one group, ``padding`` (ph, pw)."""
    (h, w), (kh, kw), (ph, pw) = input_shape[2:], weight_shape[2:], padding
    return ConvGeometry((h, w), (kh, kw), (1, 1), (ph, ph, pw, pw), (1, 1), 1,
                        (h + 2 * ph - kh + 1, w + 2 * pw - kw + 1))


def _group_size(geo: ConvGeometry, weight_shape: tuple, x: Tensor) -> int:
    """Images per group: at most ``GROUP_BYTES`` of im2col matrix and output, and as many
    groups for each thread (each thread takes a run of consecutive groups)."""
    (ho, wo), (o, c, kh, kw) = geo.out_size, weight_shape
    per_image = ho * wo * (kh * kw * c + 1 + o) * x.dtype.itemsize
    per_thread = -(-x.shape[0] // getattr(x.backend, "threads", 1))
    groups = -(-per_thread // max(1, GROUP_BYTES // per_image))  # per thread
    return -(-per_thread // groups)


def _windows(y: Any, hp: int, wp: int) -> tuple:
    """The four positions of every 2x2 window of a (G, Ho, Wo, O) array, as four views."""
    q = y[:, :2 * hp, :2 * wp].reshape(y.shape[0], hp, 2, wp, 2, y.shape[3])
    return q[:, :, 0, :, 0], q[:, :, 0, :, 1], q[:, :, 1, :, 0], q[:, :, 1, :, 1]


def _pool_relu(y: Any, out: Any, won: Any, xp: Any) -> None:
    """out = relu(2x2 max of y); won = the winner of each window (0-3, row-major, first
    maximum), unless ``won`` is None (no backward)."""
    a, b, c, d = _windows(y, out.shape[1], out.shape[2])
    top, low = xp.maximum(a, b), xp.maximum(c, d)
    xp.maximum(top, low, out=out)
    xp.maximum(out, 0, out=out)
    if won is None:
        return
    right, right_low, bottom = b > a, d > c, low > top  # strict: ties keep the first
    right ^= (right ^ right_low) & bottom  # the winner's column, in its row
    xp.left_shift(bottom.view(xp.uint8), 1, out=won)
    won |= right.view(xp.uint8)


class ConvReLUMaxPool(Function):
    """y = max_pool2d(relu(conv2d(x, w, b, padding)), 2): forward and backward per group."""

    piecewise_linear = True  # (double backward goes through the separate ops; see backward)

    @staticmethod
    def forward(ctx, x, weight, bias, geo):
        xp, backend = x.xp, x.backend
        n, o = x.shape[0], weight.shape[0]
        (ho, wo), with_bias = geo.out_size, bias is not None
        hp, wp = ho // 2, wo // 2
        w = _weight_matrix(weight.array, 1, bias.array if with_bias else None, xp)[0]
        out = xp.empty((n, hp, wp, o), dtype=x.dtype)  # channels-last, like a convolution's
        track = any(ctx.needs_input_grad[:3])
        won = xp.empty(out.shape, dtype=xp.uint8) if track else None

        def part(s):  # one group of images
            y = (_im2col(x.array[s], geo, backend, ones=with_bias)[0] @ w).reshape(-1, ho, wo, o)
            _pool_relu(y, out[s], won[s] if track else None, xp)
        _in_groups(part, n, _group_size(geo, weight.shape, x), backend)
        ctx.geo, ctx.with_bias, ctx.out, ctx.won = geo, with_bias, out, won
        ctx.save_for_backward(x, weight, bias)
        return out.transpose(0, 3, 1, 2)

    @staticmethod
    def backward(ctx, grad):
        x, weight, bias = ctx.saved_tensors
        if is_grad_enabled():  # create_graph=True: differentiate the three separate ops
            return _composed_backward(ctx, grad, x, weight, bias)
        xp, backend, geo = x.xp, x.backend, ctx.geo
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        n, c, h, w_in = x.shape
        o, (ho, wo) = weight.shape[0], geo.out_size
        out, won = ctx.out, ctx.won
        g_pooled = grad.array.transpose(0, 2, 3, 1)  # (N, Hp, Wp, O) view, any memory order
        (kh, kw), (top, _, left, _) = geo.kernel, geo.padding
        if need_x:  # channels-last, with the padding (cut off at the end)
            padded_dx = xp.empty((n, h + 2 * top, w_in + 2 * left, c), dtype=x.dtype)
            per_offset = xp.ascontiguousarray(weight.array.transpose(2, 3, 0, 1))  # (kh,kw,O,C)
        partial: dict = {}  # group start -> its weight-gradient product (summed in order)

        def part(s):  # one group of images
            g = g_pooled[s]
            kept = xp.empty(g.shape, dtype=g.dtype)
            _keep_where(out[s] > 0, g, kept, xp)  # ReLU's gradient, on the pooled values
            dy = xp.zeros((kept.shape[0], ho, wo, o), dtype=g.dtype)  # conv output gradient
            mask = xp.empty(kept.shape, dtype=xp.bool_)
            for k, window in enumerate(_windows(dy, kept.shape[1], kept.shape[2])):
                xp.equal(won[s], k, out=mask)
                _keep_where(mask, kept, window, xp)  # the windows tile: each written once
            if need_w or need_b:
                cols = _im2col(x.array[s], geo, backend, ones=ctx.with_bias)[0]
                partial[s.start] = cols.T @ dy.reshape(-1, o)
            if need_x:  # col2im: what each kernel offset read gets rows @ (its weight)
                rows, target = dy.reshape(-1, o), padded_dx[s]
                target[...] = 0
                for i in range(kh):
                    for j in range(kw):
                        target[:, i:i + ho, j:j + wo] += (rows @ per_offset[i, j]).reshape(
                            -1, ho, wo, c)
        _in_groups(part, n, _group_size(geo, weight.shape, x), backend)
        gw = gb = None
        if need_w or need_b:
            product = sum(partial[k] for k in sorted(partial))
            gw, gb = _split_weight_grad(product[None], tuple(weight.shape), ctx.with_bias)
        dx = padded_dx[:, top:top + h, left:left + w_in] if need_x else None
        return (Tensor._make(dx.transpose(0, 3, 1, 2), x.device) if need_x else None,
                Tensor._make(gw, x.device) if need_w else None,
                Tensor._make(gb, x.device) if need_b else None, None)


def _in_groups(part: Any, n: int, group: int, backend: Any) -> None:
    """``part(s)`` for consecutive groups ``s`` of the batch, the groups spread over the cores;
    products single-threaded while they are (see ``blas_threads``), unless there is one core."""
    work = 1 << 40  # always worth splitting: each group is a whole block's work
    if getattr(backend, "threads", 1) < 2:
        backend.parallel_for(part, n, work, grain=group)
        return
    with blas_threads.single_threaded_blas():
        backend.parallel_for(part, n, work, grain=group)


def _composed_backward(ctx: Any, grad: Tensor, x: Tensor, weight: Tensor,
                       bias: Tensor | None) -> tuple:
    """Gradients through conv2d, relu and max_pool2d as separate ops, recorded (for
    gradients of gradients)."""
    from ..autograd import grad as autograd_grad
    from .activation_basic import relu
    from .convolution import Convolution
    from .pooling import max_pool2d
    inputs = [t for t, need in zip((x, weight, bias), ctx.needs_input_grad) if need]
    with enable_grad():
        y = max_pool2d(relu(Convolution.apply(x, weight, bias, ctx.geo)), 2)
        found = iter(autograd_grad([y], inputs, [grad], create_graph=True, allow_unused=True))
    return tuple(next(found) if need else None for need in ctx.needs_input_grad[:3]) + (None,)


def conv_relu_max_pool2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                         padding: Any = 0) -> Tensor:
    """``max_pool2d(relu(conv2d(input, weight, bias, padding=padding)), 2)`` in one op (CPU,
    4-D floating input, stride 1; see the module docstring). The arguments are checked as
    ``conv2d`` checks them."""
    from .convolution import as_pair, check_conv_tensors, conv_geometry
    op = "conv_relu_max_pool2d"
    check_conv_tensors(input, weight, bias, op, 2, "(out_channels, in_channels, kH, kW)")
    if input.ndim != 4 or input.device != "cpu":
        raise ValueError(f"{op}: expects a 4-D (batched) cpu input, got shape "
                         f"{tuple(input.shape)} on {input.device}; use the separate ops")
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ValueError(f"{op}: bias must have shape ({weight.shape[0]},) to match weight shape "
                         f"{tuple(weight.shape)}, got {tuple(bias.shape)}")
    pad = as_pair(padding, "padding", op)
    conv_geometry(tuple(input.shape), tuple(weight.shape), 1, pad, 1, 1, op)  # checks
    geo = block_geometry(tuple(input.shape), tuple(weight.shape), pad)
    if min(geo.out_size) < 2:
        raise ValueError(f"{op}: the convolution's output {geo.out_size} is smaller than the 2x2 "
                         f"pooling window (input shape {tuple(input.shape)}, weight shape "
                         f"{tuple(weight.shape)}, padding {pad})")
    return ConvReLUMaxPool.apply(input, weight, bias, geo)
