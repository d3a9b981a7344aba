"""2-D convolution (PyTorch's ``conv2d``, NCHW) as one matrix product over an im2col view.

Where the time goes, and how it is kept small:

- Every receptive field is a strided *view* of the input; copying it into the im2col
  matrix is the only copy, and one matmul with the weight gives the output. The bias
  rides along as a column of ones in the im2col matrix and a row of the weight matrix,
  so it costs no extra pass, and its gradient is one more row of the weight gradient.
- The output comes out channels-last, (N, Ho, Wo, C), and is handed out as an
  NCHW-shaped view of that memory. ReLU, pooling and the next convolution keep the
  layout (NumPy ufuncs follow the input's memory order; pooling works channels-last),
  so nothing is transposed between layers, and the next im2col copies runs of C.
- Weight (and bias) gradient: one matmul of the saved im2col matrix with the output
  gradient. An NCHW output gradient (after a flatten, say) is read per image as a transposed
  view by both gradient products, never transposed to channels-last (a slow copy).
- Input gradient (any stride): one batched matmul gives, for each kernel offset, the
  gradient of the pixels that offset read, as one contiguous (N, Ho, Wo, C) block; col2im
  adds each block into its strided slice of the input gradient, one ``+=`` per kernel
  offset (kh*kw of them), split over the batch across the cores. Never a Python loop over
  pixels or channels.
- Depthwise (one channel per group, MobileNet): im2col's per-group matrices would be one
  column wide, so forward and both gradients are instead einsums over the kernel offsets'
  shifted views of one padded channels-last buffer (see the depthwise section).

Double backward: convolution is bilinear in (input, weight). Its two adjoints, the
input gradient (a transposed convolution) and the weight gradient, are each a
``Function`` too, and each of the three backwards is built from the other two, so
gradients of any order reuse the same three array kernels (gradgradcheck covers it).
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

from ..autograd.function import Function
from ..errors import ArgumentError, ShapeError
from ..tensor import Tensor
from .layout import is_channels_last


class ConvGeometry(NamedTuple):
    """Everything about one convolution's shapes that forward and backward both need."""

    in_size: tuple      # (H, W) of the input
    kernel: tuple       # (kh, kw)
    stride: tuple       # (sh, sw)
    padding: tuple      # (top, bottom, left, right)
    dilation: tuple     # (dh, dw)
    groups: int
    out_size: tuple     # (Ho, Wo)


# --- the array kernels (channels-last inside, NCHW-shaped outside) ---------------------------
def _im2col(x: Any, geo: ConvGeometry, backend: Any, ones: bool) -> Any:
    """(N, C, H, W) input -> (groups, N*Ho*Wo, kh*kw*C/groups [+ 1]) matrix, one copy from a
    strided view of every receptive field. ``ones`` appends a column of ones, so that a bias
    row in the weight matrix adds the bias inside the matmul, and the same row of the weight
    gradient is the bias gradient.

    The copy runs along whichever axis is contiguous in memory: channels (C, kw) for a
    channels-last input, giving rows (N, Ho, Wo | kh, kw, C); output columns (Wo) for an NCHW
    input such as images, giving the transposed layout (kh, kw, C | N, Ho, Wo), which matmul
    reads as a transposed matrix at no cost. (Copying 1-channel images row-wise is ~10x slower.)
    """
    xp = backend.xp
    n, c = x.shape[:2]
    (h, w), (kh, kw), (sh, sw) = geo.in_size, geo.kernel, geo.stride
    top, bottom, left, right = geo.padding
    (dh, dw), (ho, wo), g = geo.dilation, geo.out_size, geo.groups
    cg = c // g
    k, m = kh * kw * cg, n * ho * wo
    channels_last = is_channels_last(x)
    if top or bottom or left or right:
        padded = xp.zeros((n, h + top + bottom, w + left + right, c) if channels_last else
                          (n, c, h + top + bottom, w + left + right), dtype=x.dtype)
        if channels_last:
            padded[:, top:top + h, left:left + w] = x.transpose(0, 2, 3, 1)
            x = padded.transpose(0, 3, 1, 2)
        else:
            padded[:, :, top:top + h, left:left + w] = x
            x = padded
    s_n, s_c, s_h, s_w = x.strides
    if channels_last:
        fields = backend.as_strided(x, (g, n, ho, wo, kh, kw, cg), (
            cg * s_c, s_n, sh * s_h, sw * s_w, dh * s_h, dw * s_w, s_c))
        matrix = xp.empty((g, m, k + ones), dtype=x.dtype)
        _copy(matrix[:, :, :k].reshape(g, n, ho, wo, kh, kw, cg), fields, 1, backend)
        if ones:
            matrix[:, :, k] = 1
        return matrix
    fields = backend.as_strided(x, (g, kh, kw, cg, n, ho, wo), (
        cg * s_c, dh * s_h, dw * s_w, s_c, s_n, sh * s_h, sw * s_w))
    matrix = xp.empty((g, k + ones, m), dtype=x.dtype)
    _copy(matrix[:, :k].reshape(g, kh, kw, cg, n, ho, wo), fields, 4, backend)
    if ones:
        matrix[:, k] = 1
    return matrix.transpose(0, 2, 1)


def _copy(target: Any, source: Any, batch_axis: int, backend: Any) -> None:
    """``target[...] = source``, split over the batch axis across the CPU's cores (the im2col
    copy is memory-bound, and a NumPy copy uses one core)."""
    lead = (slice(None),) * batch_axis

    def part(s):
        target[lead + (s,)] = source[lead + (s,)]
    backend.parallel_for(part, target.shape[batch_axis], target.size)


def _weight_matrix(weight: Any, g: int, bias: Any = None, xp: Any = None) -> Any:
    """(O, C/g, kh, kw) weight -> (g, kh*kw*C/g [+ 1], O/g), rows ordered like the im2col
    columns; the bias, when given, is the last row (it meets the im2col column of ones)."""
    o, cg, kh, kw = weight.shape
    matrix = weight.reshape(g, o // g, cg, kh, kw).transpose(0, 3, 4, 2, 1).reshape(
        g, kh * kw * cg, o // g)
    if bias is None:
        return matrix
    return xp.concatenate([matrix, bias.reshape(g, 1, o // g)], axis=1)


def _split_weight_grad(matrix: Any, weight_shape: tuple, bias: bool) -> tuple:
    """(g, kh*kw*C/g [+ 1], O/g) product -> the weight gradient (O, C/g, kh, kw), and the
    bias gradient (O,) from the ones column's row."""
    o, cg, kh, kw = weight_shape
    g, k = matrix.shape[0], kh * kw * cg
    gw = matrix[:, :k].reshape(g, kh, kw, cg, o // g).transpose(0, 4, 3, 1, 2).reshape(
        weight_shape)
    return gw, (matrix[:, k].reshape(o) if bias else None)


def _grad_matrix(grad: Any, g: int) -> Any:
    """(N, O, Ho, Wo) output gradient -> (g, N*Ho*Wo, O/g); free when it is channels-last."""
    n, o, ho, wo = grad.shape
    rows = grad.transpose(0, 2, 3, 1)
    if g == 1:
        return rows.reshape(1, n * ho * wo, o)
    return rows.reshape(n * ho * wo, g, o // g).transpose(1, 0, 2)


def _grad_images(grad: Any, g: int) -> Any:
    """(N, O, Ho, Wo) output gradient -> (g, N, Ho*Wo, O/g): one (Ho*Wo, O/g) matrix per image
    and group. For an NCHW gradient (the next op did not keep channels-last, e.g. a flatten)
    this is a free transposed view that BLAS reads as it is; ``_grad_matrix`` would copy it to
    channels-last first, a transpose of whole planes that ran slower than the products."""
    n, o, ho, wo = grad.shape
    return grad.reshape(n, g, o // g, ho * wo).transpose(1, 0, 3, 2)


def _output(cols: Any, w: Any, n: int, geo: ConvGeometry, xp: Any) -> Any:
    """(g, N*Ho*Wo, K) @ (g, K, O/g) -> (N, Ho, Wo, O) channels-last output. With groups, the
    product writes each group's columns straight into place (transposing it afterwards, a
    copy in runs of O/g values, took longer than the product)."""
    (g, m, _), og = cols.shape, w.shape[2]
    ho, wo = geo.out_size
    if g == 1:
        return xp.matmul(cols, w).reshape(n, ho, wo, og)
    out = xp.empty((m, g, og), dtype=cols.dtype)
    xp.matmul(cols, w, out=out.transpose(1, 0, 2))
    return out.reshape(n, ho, wo, g * og)


def _input_grad(grad: Any, weight: Any, geo: ConvGeometry, input_shape: tuple,
                backend: Any) -> Any:
    """dL/dx (any stride, padding, dilation): each output position's gradient, times the
    weight at one kernel offset, is the gradient of the input pixel that offset read. So: one
    batched product per offset, then col2im, one ``+=`` of each offset's block into the strided
    slice of the (padded) input it came from.

    The product is laid out offset-major, (kh*kw, g, N*Ho*Wo, C/g), so that every block is one
    contiguous (g, N, Ho, Wo, C/g) array and each ``+=`` runs along whole rows; the same sums with
    the offsets interleaved (N*Ho*Wo, kh*kw*C) ran ~3x slower, in runs of only C floats."""
    xp = backend.xp
    n, c, h, w = input_shape
    o, cg, kh, kw = weight.shape
    (sh, sw), (dh, dw), g, (ho, wo) = geo.stride, geo.dilation, geo.groups, geo.out_size
    top, bottom, left, right = geo.padding
    if grad.flags.c_contiguous and g == 1 and c < 8:
        return _input_grad_planes(grad, weight, geo, input_shape, xp)
    # (kh*kw, g, O/g, C/g): the weight at each offset, mapping output to input channels.
    per_offset = xp.ascontiguousarray(
        weight.reshape(g, o // g, cg, kh * kw).transpose(3, 0, 1, 2))
    if grad.flags.c_contiguous:  # NCHW: one product per image, no transposing copy
        blocks = xp.matmul(_grad_images(grad, g), per_offset[:, :, None])
    else:
        blocks = xp.matmul(_grad_matrix(grad, g), per_offset)
    blocks = blocks.reshape(kh, kw, g, n, ho, wo, cg)
    # The padded input gradient is held split by group and stride phase: pixel (y, x) of
    # group k at [k, :, y % sh, x % sw, y // sh, x // sw]. What one offset read is then a
    # (Ho, Wo*C/g) block of whole rows at any stride; += along runs of C (stride 2) or C/g
    # (groups) values ran 3-4x slower. Without groups, at stride 1, this is the plain padded
    # layout and the final reshape is free; otherwise it is one copy.
    hq, wq = -(-(h + top + bottom) // sh), -(-(w + left + right) // sw)
    phases = xp.empty((g, n, sh, sw, hq, wq, cg), dtype=grad.dtype)

    def part(s):  # one block of the batch
        target = phases[:, s]
        target[...] = 0
        for i in range(kh):
            for j in range(kw):
                (qi, a), (qj, b) = divmod(i * dh, sh), divmod(j * dw, sw)
                target[:, :, a, b, qi:qi + ho, qj:qj + wo] += blocks[i, j, :, s]
    backend.parallel_for(part, n, phases.size * kh * kw)
    padded = phases.transpose(1, 4, 2, 5, 3, 0, 6).reshape(n, hq * sh, wq * sw, c)
    return padded[:, top:top + h, left:left + w].transpose(0, 3, 1, 2)


def _input_grad_planes(grad: Any, weight: Any, geo: ConvGeometry, input_shape: tuple,
                       xp: Any) -> Any:
    """``_input_grad`` for an NCHW gradient and few input channels (images: the ResNet stem's
    3): per image one (kh*kw*C, O) @ (O, Ho*Wo) product, then col2im on NCHW planes, each
    ``+=`` along rows of Wo values. The channels-last col2im would add runs of only C values
    and its products would be (Ho*Wo, O) @ (O, C) per image and offset: 3.7x slower for the
    stem (8x3x64x64, 7x7 s2), 1.3x for 3->16 5x5 s2; slower here from C = 16 on."""
    n, c, h, w = input_shape
    o, _, kh, kw = weight.shape
    (sh, sw), (dh, dw), (ho, wo) = geo.stride, geo.dilation, geo.out_size
    top, bottom, left, right = geo.padding
    per_offset = weight.reshape(o, c, kh * kw).transpose(2, 1, 0).reshape(kh * kw * c, o)
    blocks = xp.matmul(per_offset, grad.reshape(n, o, ho * wo)).reshape(n, kh, kw, c, ho, wo)
    # Pixel (y, x) of the padded input gradient at [:, :, y // sh, y % sh, x // sw, x % sw]:
    # what one offset read is a (Ho, Wo) block of it at any stride.
    hq, wq = -(-(h + top + bottom) // sh), -(-(w + left + right) // sw)
    phases = xp.zeros((n, c, hq, sh, wq, sw), dtype=grad.dtype)
    for i in range(kh):
        for j in range(kw):
            (qi, a), (qj, b) = divmod(i * dh, sh), divmod(j * dw, sw)
            phases[:, :, qi:qi + ho, a, qj:qj + wo, b] += blocks[:, i, j]
    padded = phases.reshape(n, c, hq * sh, wq * sw)
    return padded[:, :, top:top + h, left:left + w]


# --- depthwise convolution (one channel per group): a sum of shifted products ----------------
def _is_depthwise(geo: ConvGeometry, weight_shape: tuple) -> bool:
    """Whether each group maps one input channel to one output channel (MobileNet's depthwise
    layers). Batched over groups, im2col's matrices are one column wide and ran ~15x slower
    than PyTorch; a sum of kh*kw shifted products runs along all channels at once. (One
    input channel in all, groups == 1, keeps im2col; so does a channel multiplier > 1.)"""
    return geo.groups > 1 and weight_shape[:2] == (geo.groups, 1)


def _padded_size(geo: ConvGeometry) -> tuple:
    """(Hp, Wp): the input's height and width with the padding."""
    (h, w), (top, bottom, left, right) = geo.in_size, geo.padding
    return h + top + bottom, w + left + right


def _grid_width(geo: ConvGeometry) -> int:
    """Output columns computed: at stride 1 the whole padded width Wp, so that each image's
    rows run into each other and what a kernel offset reads is one contiguous run per image
    (see ``_windows``). The Wp - Wo extra columns are cut off (forward) or zero (gradients)."""
    return _padded_size(geo)[1] if geo.stride[1] == 1 else geo.out_size[1]


def _run_shape(geo: ConvGeometry, c: int, rows: int) -> tuple:
    """The grid of one image, (rows, grid, C), as one axis at stride 1 (see ``_windows``)."""
    shape = (rows, _grid_width(geo), c)
    return (math.prod(shape),) if geo.stride == (1, 1) else shape


def _padded_buffer(n: int, c: int, geo: ConvGeometry, dtype: Any, xp: Any) -> Any:
    """Zeros for a padded channels-last input, (N, Hp, Wp, C), flat and with slack after it
    so that the run read by every kernel offset fits inside."""
    (hp, wp), (kh, kw), (dh, dw) = _padded_size(geo), geo.kernel, geo.dilation
    return xp.zeros(n * hp * wp * c + ((kh - 1) * dh * wp + (kw - 1) * dw) * c, dtype=dtype)


def _image(buffer: Any, n: int, c: int, geo: ConvGeometry) -> Any:
    """The (N, Hp, Wp, C) padded input inside a ``_padded_buffer``."""
    hp, wp = _padded_size(geo)
    return buffer[:n * hp * wp * c].reshape(n, hp, wp, c)


def _padded_input(x: Any, geo: ConvGeometry, xp: Any) -> Any:
    """(N, C, H, W) input -> its ``_padded_buffer``, filled: one copy."""
    n, c, h, w = x.shape
    top, left = geo.padding[0], geo.padding[2]
    buffer = _padded_buffer(n, c, geo, x.dtype, xp)
    _image(buffer, n, c, geo)[:, top:top + h, left:left + w] = x.transpose(0, 2, 3, 1)
    return buffer


def _on_grid(grad: Any, geo: ConvGeometry, xp: Any) -> Any:
    """(N, C, Ho, Wo) output gradient -> (N, *run) copy on the output grid, extra columns 0."""
    n, c, ho, wo = grad.shape
    rows = xp.empty((n, ho, _grid_width(geo), c), dtype=grad.dtype)
    rows[:, :, :wo] = grad.transpose(0, 2, 3, 1)
    rows[:, :, wo:] = 0
    return rows.reshape(n, *_run_shape(geo, c, ho))


def _windows(buffer: Any, n: int, c: int, geo: ConvGeometry, backend: Any, rows: int) -> Any:
    """(N, kh, kw, *run) read-only view: for each kernel offset, the padded pixels it reads at
    every position of the grid (``rows`` rows of it: Ho for the output). At stride 1 the grid
    spans the padded width, so each offset reads the buffer shifted by (i*dh*Wp + j*dw)*C:
    one contiguous run per image, which einsum multiplies in one long loop; runs of C values
    (strided grid) ran ~3x slower, and einsum does not merge the axes itself."""
    (hp, wp), (kh, kw), (sh, sw), (dh, dw) = _padded_size(geo), geo.kernel, geo.stride, \
        geo.dilation
    item = buffer.itemsize
    lead = (hp * wp * c * item, dh * wp * c * item, dw * c * item)
    run = _run_shape(geo, c, rows)
    strides = (item,) if len(run) == 1 else (sh * wp * c * item, sw * c * item, item)
    return backend.as_strided(buffer, (n, kh, kw, *run), lead + strides)


def _tiled_weight(weight: Any, geo: ConvGeometry, xp: Any, rows: int) -> Any:
    """(C, 1, kh, kw) -> (kh, kw, *run): each offset's C weights repeated over one image's
    grid, so that einsum's loop runs over whole images (broadcast weights would cut it into
    runs of C values again)."""
    c, _, kh, kw = weight.shape
    grid = (rows, _grid_width(geo), c)
    per_offset = weight.reshape(c, kh, kw).transpose(1, 2, 0)[:, :, None, None, :]
    return xp.ascontiguousarray(xp.broadcast_to(per_offset, (kh, kw, *grid))).reshape(
        kh, kw, *_run_shape(geo, c, rows))


def _depthwise_forward(x: Any, weight: Any, bias: Any, geo: ConvGeometry, backend: Any,
                       buffer: Any = None) -> tuple:
    """y = bias + the sum over kernel offsets of (the pixels the offset reads) * (its weights):
    one einsum. Returns y channels-last, (N, Ho, Wo, C), and the padded input buffer, which
    the weight gradient reads again."""
    xp = backend.xp
    n, c = x.shape[:2]
    (ho, wo) = geo.out_size
    if buffer is None:
        buffer = _padded_input(x, geo, xp)
    total = xp.einsum("nij...,ij...->n...", _windows(buffer, n, c, geo, backend, ho),
                      _tiled_weight(weight, geo, xp, ho)).reshape(n, ho, _grid_width(geo), c)
    # contiguous: elementwise ops on the (N, Ho, Wo, C) view of the grid ran ~4x slower
    out = total[:, :, :wo] + bias if bias is not None else xp.ascontiguousarray(total[:, :, :wo])
    return out, buffer


def _depthwise_weight_grad(x: Any, grad: Any, geo: ConvGeometry, with_bias: bool,
                           buffer: Any, backend: Any) -> tuple:
    """dL/dw[c, 0, i, j] = sum over the batch and the output grid of the pixels offset (i, j)
    reads times the output gradient (zero on the extra columns): one einsum, then a sum over
    positions. dL/db sums the output gradient."""
    xp = backend.xp
    n, c = x.shape[:2]
    kh, kw = geo.kernel
    if buffer is None:
        buffer = _padded_input(x, geo, xp)
    rows = _on_grid(grad, geo, xp)
    windows = _windows(buffer, n, c, geo, backend, geo.out_size[0])
    per_position = xp.einsum("nij...,n...->ij...", windows, rows)
    gw = per_position.reshape(kh, kw, -1, c).sum(axis=2).transpose(2, 0, 1)
    return gw.reshape(c, 1, kh, kw), (rows.reshape(-1, c).sum(axis=0) if with_bias else None)


def _depthwise_input_grad(grad: Any, weight: Any, geo: ConvGeometry, input_shape: tuple,
                          backend: Any) -> Any:
    """dL/dx: the output gradient times an offset's weights is the gradient of the pixels that
    offset read. At stride 1 that is a full convolution of the gradient with the flipped
    kernel, the forward's einsum again (~2x faster); otherwise each offset's product is added
    into the strided slice it read (col2im)."""
    xp = backend.xp
    n, c, h, w = input_shape
    (hp, wp), (kh, kw), (sh, sw), (dh, dw) = _padded_size(geo), geo.kernel, geo.stride, \
        geo.dilation
    (ho, wo), top, left = geo.out_size, geo.padding[0], geo.padding[2]
    shift = ((kh - 1) * dh * wp + (kw - 1) * dw) * c  # the farthest offset's, in the buffer
    buffer = xp.zeros(shift + n * hp * wp * c, dtype=grad.dtype)
    padded = buffer[shift:].reshape(n, hp, wp, c)
    if geo.stride == (1, 1):
        # Each image's gradient sits at the top left of its padded block, after `shift` zeros:
        # flipped offset (i, j) reads it shifted back by offset (kh-1-i, kw-1-j), and every
        # read past an edge lands on zeros (the rows and columns beyond Ho, Wo, or the start).
        padded[:, :ho, :wo] = grad.transpose(0, 2, 3, 1)
        # Only the rows of the unpadded input are computed: the buffer from row `top` on.
        flipped, rows_from = weight[:, :, ::-1, ::-1], buffer[top * wp * c:]
        total = xp.einsum("nij...,ij...->n...", _windows(rows_from, n, c, geo, backend, h),
                          _tiled_weight(flipped, geo, xp, h)).reshape(n, h, wp, c)
        return total[:, :, left:left + w].transpose(0, 3, 1, 2)
    rows, per_offset = grad.transpose(0, 2, 3, 1), weight.reshape(c, kh, kw)
    for i in range(kh):
        for j in range(kw):
            padded[:, i * dh:i * dh + sh * (ho - 1) + 1:sh, j * dw:j * dw + sw * (wo - 1) + 1:sw] \
                += rows * per_offset[:, i, j]
    return padded[:, top:top + h, left:left + w].transpose(0, 3, 1, 2)


def _fields(x: Any, geo: ConvGeometry, weight_shape: tuple, backend: Any) -> Any:
    """What a convolution and its weight gradient both read of x (no bias column): the
    im2col matrix, or the padded buffer of a depthwise convolution."""
    if _is_depthwise(geo, weight_shape):
        return _padded_input(x, geo, backend.xp)
    return _im2col(x, geo, backend, ones=False)


# --- the three Functions: convolution and its two adjoints ------------------------------------
class Convolution(Function):
    """y = conv(x, w) + b; backward: ConvolutionInputGrad (x), ConvolutionWeightGrad (w, b)."""

    @staticmethod
    def forward(ctx, x, weight, bias, geo, cols=None):
        # ``cols``: x's im2col matrix (padded buffer if depthwise), when the caller has it
        with_bias = bias is not None
        ctx.geo, ctx.with_bias = geo, with_bias
        if _is_depthwise(geo, weight.shape):
            out, padded = _depthwise_forward(x.array, weight.array,
                                             bias.array if with_bias else None, geo, x.backend,
                                             cols)
            keep = ctx.needs_input_grad[1] or with_bias and ctx.needs_input_grad[2]
            ctx.save_for_backward(x, weight, Tensor._make(padded, x.device) if keep else None)
            return out.transpose(0, 3, 1, 2)
        if cols is None:
            cols = _im2col(x.array, geo, x.backend, ones=with_bias)
        w = _weight_matrix(weight.array, geo.groups, bias.array if with_bias else None, x.xp)
        out = _output(cols, w, x.shape[0], geo, x.xp)
        # The im2col matrix is kept for the weight gradient (and freed with the graph).
        keep = ctx.needs_input_grad[1] or with_bias and ctx.needs_input_grad[2]
        ctx.save_for_backward(x, weight, Tensor._make(cols, x.device) if keep else None)
        return out.transpose(0, 3, 1, 2)

    @staticmethod
    def backward(ctx, grad):
        x, weight, cols = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx = ConvolutionInputGrad.apply(grad, weight, ctx.geo, x.shape) if need_x else None
        gw = gb = None
        if need_w or need_b:
            result = ConvolutionWeightGrad.apply(x, grad, ctx.geo, weight.shape, ctx.with_bias,
                                                 None if cols is None else cols.array)
            gw, gb = result if ctx.with_bias else (result, None)
        return gx, gw if need_w else None, gb if need_b else None, None, None


class ConvolutionInputGrad(Function):
    """dL/dx = conv^T(grad, w): the transposed convolution, linear in grad and in w."""

    @staticmethod
    def forward(ctx, grad, weight, geo, input_shape):
        ctx.geo, ctx.input_shape = geo, input_shape
        ctx.save_for_backward(grad, weight)
        if _is_depthwise(geo, weight.shape):
            return _depthwise_input_grad(grad.array, weight.array, geo, input_shape, grad.backend)
        return _input_grad(grad.array, weight.array, geo, input_shape, grad.backend)

    @staticmethod
    def backward(ctx, gg):
        # <gg, conv^T(grad, w)> = <conv(gg, w), grad>: differentiate that in grad and in w.
        grad, weight = ctx.saved_tensors
        need_grad, need_w = ctx.needs_input_grad[:2]
        # Both read gg's im2col matrix (a transposed convolution's backward needs both): one copy.
        cols = _fields(gg.array, ctx.geo, weight.shape, gg.backend) if need_grad and need_w \
            else None
        g_grad = Convolution.apply(gg, weight, None, ctx.geo, cols) if need_grad else None
        g_w = ConvolutionWeightGrad.apply(gg, grad, ctx.geo, weight.shape, False, cols) \
            if need_w else None
        return g_grad, g_w, None, None


class ConvolutionWeightGrad(Function):
    """(dL/dw, dL/db) = im2col(x)^T @ grad, with a ones column for the bias: linear in x and in
    grad. Returns the bias gradient too when ``with_bias``."""

    @staticmethod
    def forward(ctx, x, grad, geo, weight_shape, with_bias, cols):
        ctx.geo, ctx.with_bias = geo, with_bias
        ctx.save_for_backward(x, grad)
        if _is_depthwise(geo, weight_shape):
            gw, gb = _depthwise_weight_grad(x.array, grad.array, geo, with_bias, cols, x.backend)
            return (gw, gb) if with_bias else gw
        if cols is None:
            cols = _im2col(x.array, geo, x.backend, ones=with_bias)
        g, rows = geo.groups, cols.transpose(0, 2, 1)
        if grad.array.flags.c_contiguous:  # NCHW gradient: per image, then summed (no copy)
            n, k = grad.shape[0], rows.shape[1]
            images = rows.reshape(g, k, n, -1).transpose(0, 2, 1, 3)  # (g, N, K, Ho*Wo)
            product = x.xp.matmul(images, _grad_images(grad.array, g)).sum(axis=1)
        else:
            product = x.xp.matmul(rows, _grad_matrix(grad.array, g))
        gw, gb = _split_weight_grad(product, weight_shape, with_bias)
        return (gw, gb) if with_bias else gw

    @staticmethod
    def backward(ctx, ggw, ggb=None):
        # <ggw, dw(x, grad)> + <ggb, db(grad)> = <conv(x, ggw) + ggb, grad>: differentiate that.
        x, grad = ctx.saved_tensors
        g_x = ConvolutionInputGrad.apply(grad, ggw, ctx.geo, x.shape) \
            if ctx.needs_input_grad[0] else None
        g_grad = Convolution.apply(x, ggw, ggb, ctx.geo) if ctx.needs_input_grad[1] else None
        return g_x, g_grad, None, None, None, None


# --- argument handling ------------------------------------------------------------------------
def as_pair(value: Any, name: str, op: str) -> tuple:
    """An int or a pair of ints -> (h, w)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and \
            all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return tuple(value)
    raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")


def conv_padding(padding: Any, kernel: tuple, stride: tuple, dilation: tuple, op: str) -> tuple:
    """(top, bottom, left, right) from an int, a pair, 'valid' or 'same' (PyTorch's split:
    an odd total puts the extra row/column at the bottom/right)."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise ArgumentError(f"{op}: padding must be an int, a pair of ints, 'valid' or 'same', "
                             f"got {padding!r}")
        if stride != (1, 1):
            raise ArgumentError(f"{op}: padding='same' is not supported for strided convolutions "
                             f"(stride={stride})")
        total = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return (total[0] // 2, total[0] - total[0] // 2, total[1] // 2, total[1] - total[1] // 2)
    ph, pw = as_pair(padding, "padding", op)
    if ph < 0 or pw < 0:
        raise ArgumentError(f"{op}: padding must be non-negative, got {padding!r}")
    return (ph, ph, pw, pw)


def _check_positive(value: tuple, name: str, op: str) -> None:
    if any(v <= 0 for v in value):
        raise ArgumentError(f"{op}: {name} must be positive, got {value}")


def conv_geometry(input_shape: tuple, weight_shape: tuple, stride: Any, padding: Any,
                  dilation: Any, groups: int, op: str) -> ConvGeometry:
    """Check a convolution's arguments against the shapes and work out the output size."""
    n, c, h, w = input_shape
    out_channels, cg, kh, kw = weight_shape
    if not isinstance(groups, int) or isinstance(groups, bool) or groups <= 0:
        raise ArgumentError(f"{op}: groups must be a positive int, got {groups!r}")
    if out_channels % groups:
        raise ShapeError(f"{op}: out_channels ({out_channels}, weight shape {weight_shape}) must "
                         f"be divisible by groups ({groups})")
    if c != cg * groups:
        raise ShapeError(f"{op} expected {cg * groups} input channels, got {c} (input shape "
                         f"{input_shape}, weight shape {weight_shape}, groups={groups})")
    if kh <= 0 or kw <= 0:
        raise ShapeError(f"{op}: kernel size must be positive, got weight shape {weight_shape}")
    stride, dilation = as_pair(stride, "stride", op), as_pair(dilation, "dilation", op)
    _check_positive(stride, "stride", op)
    _check_positive(dilation, "dilation", op)
    pads = conv_padding(padding, (kh, kw), stride, dilation, op)
    padded = (h + pads[0] + pads[1], w + pads[2] + pads[3])
    span = (dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)
    if padded[0] < span[0] or padded[1] < span[1]:
        raise ShapeError(f"{op}: the kernel ({span[0]} x {span[1]}, dilation included) is larger "
                         f"than the padded input ({padded[0]} x {padded[1]}); input shape "
                         f"{input_shape}, weight shape {weight_shape}, padding {padding!r}")
    out = ((padded[0] - span[0]) // stride[0] + 1, (padded[1] - span[1]) // stride[1] + 1)
    return ConvGeometry((h, w), (kh, kw), stride, pads, dilation, groups, out)


def check_conv_tensors(input: Tensor, weight: Tensor, bias: Tensor | None, op: str,
                       spatial: int, weight_layout: str) -> None:
    """What every convolution (1-D, 2-D, transposed) asks of its tensors before their shapes:
    Tensors, an unbatched or batched input, a weight of ``weight_layout``, one floating
    dtype and one device, each refused with a message naming ``op``."""
    named = [(n, t) for n, t in (("input", input), ("weight", weight), ("bias", bias))
             if t is not None]
    for name, t in named:
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
    if input.ndim not in (spatial + 1, spatial + 2):
        raise ShapeError(f"{op}: expected a {spatial + 1}-D (unbatched) or {spatial + 2}-D "
                         f"(batched) input, got shape {tuple(input.shape)}")
    if weight.ndim != spatial + 2:
        raise ShapeError(f"{op}: expected a {spatial + 2}-D weight {weight_layout}, got shape "
                         f"{tuple(weight.shape)}")
    if len({t.dtype for _, t in named}) > 1 or input.dtype.kind != "f":
        names = ", ".join(f"{n} {t.dtype}" for n, t in named)
        raise TypeError(f"{op}: input, weight and bias must share one floating dtype, got {names}")
    if len({t.device for _, t in named}) > 1:
        names = ", ".join(f"{n} on {t.device}" for n, t in named)
        raise RuntimeError(f"{op}: input, weight and bias must be on one device, got {names}")


def convolve(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,
             dilation: Any, groups: int, op: str) -> Tensor:
    """``conv2d`` with ``op`` naming the caller in errors (``Conv2d`` from the layer)."""
    check_conv_tensors(input, weight, bias, op, 2, "(out_channels, in_channels/groups, kH, kW)")
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ShapeError(f"{op}: bias must have shape ({weight.shape[0]},) to match weight shape "
                         f"{tuple(weight.shape)}, got {tuple(bias.shape)}")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    geo = conv_geometry(tuple(x.shape), tuple(weight.shape), stride, padding, dilation, groups, op)
    out = Convolution.apply(x, weight, bias, geo)
    return out.squeeze(0) if unbatched else out


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """PyTorch's ``F.conv2d``: cross-correlate an (N, C, H, W) batch with (O, C/groups, kH, kW)
    filters. ``padding`` is an int, a pair, 'valid' or 'same' (stride 1 only). Supports
    gradients of any order."""
    return convolve(input, weight, bias, stride, padding, dilation, groups, "conv2d")
