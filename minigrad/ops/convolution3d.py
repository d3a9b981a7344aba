"""3-D (volumetric) convolution, PyTorch's ``conv3d`` and ``conv_transpose3d`` (NCDHW), run on
the 2-D convolution's kernels.

The idea: unfold the depth axis into channels. For every output depth position ``od``, the
kd depth slices its kernel reads, ``x[:, :, od*sd + i*dd]`` for i < kd, are stacked as
kd*C channels of one (H, W) plane; those planes, one per (n, od), form a batch of
N*Do images with kd*C channels. A 3-D kernel (O, C/g, kd, kh, kw) is then a 2-D kernel
(O, kd*C/g, kh, kw) on that batch, and ``Convolution`` (``ops/convolution.py``: im2col
over (kh, kw), one matmul, the bias inside it, channels-last output) does the rest::

    (N, C, D, H, W) --DepthUnfold--> (N*Do, g*kd*C/g, H, W) --conv2d--> (N*Do, O, Ho, Wo)
                                                          --view--> (N, O, Do, Ho, Wo)

The output is a view of the 2-D output's channels-last memory, (N, Do, Ho, Wo, O): no
transpose. ``DepthUnfold`` is one strided copy (a view of the kd depth taps, like im2col's
view of the (kh, kw) taps), and its adjoint ``DepthFold`` adds each tap's block back into
its strided depth slice (a loop over kd, never over voxels). Each is the other's backward,
and both are linear, so with the 2-D Functions (gradients of any order) conv3d has
gradients of any order too.

The transposed convolution is the adjoint of that chain, read backwards: the 2-D adjoint
``ConvolutionInputGrad`` on the (N*Di, C_in, H, W) planes, then ``DepthFold`` to scatter the
kd depth taps into the output volume (``conv_transpose.py`` does the same in 2-D).
"""
from __future__ import annotations

from typing import Any, NamedTuple

from ..autograd.function import Function
from ..errors import ArgumentError, ShapeError
from ..tensor import Tensor
from .conv_transpose import check_transposed_args, positive_tuple
from .convolution import (ConvGeometry, Convolution, ConvolutionInputGrad, _copy,
                          check_conv_tensors)


class DepthGeometry(NamedTuple):
    """The depth axis of a 3-D convolution: what DepthUnfold and DepthFold both need."""

    size: int         # D, the unpadded depth of the volume
    kernel: int       # kd
    stride: int       # sd
    padding: tuple    # (front, back)
    dilation: int     # dd
    blocks: int       # Do: kernel positions along depth
    groups: int


# --- the depth unfold and its adjoint (array kernels) -----------------------------------------
def _is_channels_last(array: Any) -> bool:
    """Whether an (N, C, D, H, W) array stores channels fastest (a conv3d output does)."""
    return array.strides[1] < array.strides[4]


def unfold_depth(x: Any, geo: DepthGeometry, backend: Any) -> Any:
    """(N, C, D, H, W) -> (N*Do, g*kd*C/g, H, W): for each output depth, its kd depth taps as
    channels, ordered (group, tap, channel) so that each 2-D group sees its own channels.
    The copy keeps the input's layout: channels-last stays channels-last (then the 2-D
    im2col copies runs of channels), NCDHW stays NCHW."""
    xp = backend.xp
    n, c, d, h, w = x.shape
    front, back = geo.padding
    g, kd, do = geo.groups, geo.kernel, geo.blocks
    cg = c // g
    channels_last = _is_channels_last(x)
    if front or back:
        memory = xp.zeros((n, d + front + back, h, w, c) if channels_last else
                          (n, c, d + front + back, h, w), dtype=x.dtype)
        padded = memory.transpose(0, 4, 1, 2, 3) if channels_last else memory
        padded[:, :, front:front + d] = x
        x = padded
    s_n, s_c, s_d, s_h, s_w = x.strides
    taps = backend.as_strided(x, (n, do, g, kd, cg, h, w), (
        s_n, geo.stride * s_d, cg * s_c, geo.dilation * s_d, s_c, s_h, s_w))
    if channels_last:
        out = xp.empty((n, do, h, w, g, kd, cg), dtype=x.dtype)
        _copy(out, taps.transpose(0, 1, 5, 6, 2, 3, 4), 0, backend)
        return out.reshape(n * do, h, w, g * kd * cg).transpose(0, 3, 1, 2)
    out = xp.empty((n, do, g, kd, cg, h, w), dtype=x.dtype)
    _copy(out, taps, 0, backend)
    return out.reshape(n * do, g * kd * cg, h, w)


def fold_depth(cols: Any, geo: DepthGeometry, backend: Any) -> Any:
    """(N*Do, g*kd*C/g, H, W) -> (N, C, D, H, W), unfold_depth's adjoint: each depth tap's
    block is added into the strided depth slice it was read from (overlaps sum), in the
    layout the columns come in; the padding is cut off at the end."""
    xp = backend.xp
    nd, k, h, w = cols.shape
    g, kd, do, dd, sd = geo.groups, geo.kernel, geo.blocks, geo.dilation, geo.stride
    n, cg = nd // do, k // (g * kd)
    front, back = geo.padding
    depth = geo.size + front + back
    blocks = cols.reshape(n, do, g, kd, cg, h, w)
    channels_last = cols.strides[1] < cols.strides[3]
    memory = xp.empty((n, depth, h, w, g, cg) if channels_last else (n, g, cg, depth, h, w),
                      dtype=cols.dtype)
    out = memory.transpose(0, 4, 5, 1, 2, 3) if channels_last else memory  # (n, g, cg, D, h, w)

    def part(s):  # one block of the batch
        target = out[s]
        target[...] = 0
        for i in range(kd):
            target[:, :, :, i * dd:i * dd + sd * (do - 1) + 1:sd] += \
                blocks[s, :, :, i].transpose(0, 2, 3, 1, 4, 5)
    backend.parallel_for(part, n, memory.size * kd)
    volume = out.reshape(n, g * cg, depth, h, w) if not channels_last else \
        memory.reshape(n, depth, h, w, g * cg).transpose(0, 4, 1, 2, 3)
    return volume[:, :, front:front + geo.size]


class DepthUnfold(Function):
    """Depth taps as channels; backward is DepthFold (its adjoint), so any order stays linear."""

    @staticmethod
    def forward(ctx, x, geo):
        ctx.geo = geo
        return unfold_depth(x.array, geo, x.backend)

    @staticmethod
    def backward(ctx, grad):
        return DepthFold.apply(grad, ctx.geo), None


class DepthFold(Function):
    """Depth taps added back into the volume; backward is DepthUnfold (its adjoint)."""

    @staticmethod
    def forward(ctx, cols, geo):
        ctx.geo = geo
        return fold_depth(cols.array, geo, cols.backend)

    @staticmethod
    def backward(ctx, grad):
        return DepthUnfold.apply(grad, ctx.geo), None


# --- argument handling -------------------------------------------------------------------------
def as_triple(value: Any, name: str, op: str) -> tuple:
    """An int or a triple of ints -> (d, h, w) (PyTorch's ``_triple``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value, value)
    if isinstance(value, (tuple, list)) and len(value) == 3 and \
            all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return tuple(value)
    raise TypeError(f"{op}: {name} must be an int or a triple of ints, got {value!r}")


def _positive_triple(value: Any, name: str, op: str, minimum: int = 1) -> tuple:
    return positive_tuple(value, name, op, as_triple, minimum)


def conv3d_padding(padding: Any, kernel: tuple, stride: tuple, dilation: tuple, op: str) -> tuple:
    """((front, back), (top, bottom), (left, right)) from an int, a triple, 'valid' or 'same'
    (PyTorch's split: an odd total puts the extra plane at the back/bottom/right)."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * 3
        if padding != "same":
            raise ArgumentError(f"{op}: padding must be an int, a triple of ints, 'valid' or "
                                f"'same', got {padding!r}")
        if stride != (1, 1, 1):
            raise ArgumentError(f"{op}: padding='same' is not supported for strided convolutions "
                                f"(stride={stride})")
        totals = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return tuple((t // 2, t - t // 2) for t in totals)
    return tuple((p, p) for p in _positive_triple(padding, "padding", op, minimum=0))


def _check_groups(groups: Any, op: str) -> None:
    if not isinstance(groups, int) or isinstance(groups, bool) or groups <= 0:
        raise ArgumentError(f"{op}: groups must be a positive int, got {groups!r}")


def conv3d_geometry(input_shape: tuple, weight_shape: tuple, stride: Any, padding: Any,
                    dilation: Any, groups: Any, op: str) -> tuple:
    """Check a 3-D convolution's arguments against the shapes; return the depth geometry and
    the 2-D geometry of the (H, W) planes."""
    n, c, d, h, w = input_shape
    out_channels, cg, kd, kh, kw = weight_shape
    _check_groups(groups, op)
    if out_channels % groups:
        raise ShapeError(f"{op}: out_channels ({out_channels}, weight shape {weight_shape}) must "
                         f"be divisible by groups ({groups})")
    if c != cg * groups:
        raise ShapeError(f"{op} expected {cg * groups} input channels, got {c} (input shape "
                         f"{input_shape}, weight shape {weight_shape}, groups={groups})")
    if min(kd, kh, kw) <= 0:
        raise ShapeError(f"{op}: kernel size must be positive, got weight shape {weight_shape}")
    stride = _positive_triple(stride, "stride", op)
    dilation = _positive_triple(dilation, "dilation", op)
    pads = conv3d_padding(padding, (kd, kh, kw), stride, dilation, op)
    sizes = [s + a + b for s, (a, b) in zip((d, h, w), pads)]
    spans = [dl * (k - 1) + 1 for dl, k in zip(dilation, (kd, kh, kw))]
    if any(s < k for s, k in zip(sizes, spans)):
        raise ShapeError(f"{op}: the kernel ({' x '.join(map(str, spans))}, dilation included) "
                         f"is larger than the padded input ({' x '.join(map(str, sizes))}); "
                         f"input shape {input_shape}, weight shape {weight_shape}, padding "
                         f"{padding!r}")
    out = [(s - k) // st + 1 for s, k, st in zip(sizes, spans, stride)]
    depth = DepthGeometry(d, kd, stride[0], pads[0], dilation[0], out[0], groups)
    plane = ConvGeometry((h, w), (kh, kw), stride[1:], pads[1] + pads[2], dilation[1:], groups,
                         tuple(out[1:]))
    return depth, plane


def conv_transpose3d_geometry(input_shape: tuple, weight_shape: tuple, stride: Any,
                              padding: Any, output_padding: Any, groups: Any, dilation: Any,
                              op: str) -> tuple:
    """The geometries of the 3-D convolution whose adjoint this transposed convolution is
    (its input is our output); the checks and output size are the 2-D form's."""
    d, h, w = input_shape[2:]
    kd, kh, kw = weight_shape[2:]
    stride, padding, dilation, _, out = check_transposed_args(
        input_shape, weight_shape, stride, padding, output_padding, groups, dilation, as_triple,
        op)
    depth = DepthGeometry(out[0], kd, stride[0], (padding[0], padding[0]), dilation[0], d, groups)
    (ph, pw) = padding[1:]
    plane = ConvGeometry(out[1:], (kh, kw), stride[1:], (ph, ph, pw, pw), dilation[1:], groups,
                         (h, w))
    return depth, plane


# --- the public functions ----------------------------------------------------------------------
def convolve3d(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,
               dilation: Any, groups: int, op: str) -> Tensor:
    """``conv3d`` with ``op`` naming the caller in errors (``Conv3d`` from the layer)."""
    check_conv_tensors(input, weight, bias, op, 3,
                       "(out_channels, in_channels/groups, kD, kH, kW)")
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ShapeError(f"{op}: bias must have shape ({weight.shape[0]},) to match weight shape "
                         f"{tuple(weight.shape)}, got {tuple(bias.shape)}")
    unbatched = input.ndim == 4
    x = input.unsqueeze(0) if unbatched else input
    depth, plane = conv3d_geometry(tuple(x.shape), tuple(weight.shape), stride, padding,
                                   dilation, groups, op)
    o, cg, kd, kh, kw = weight.shape
    # (O, C/g, kd, kh, kw) -> (O, kd*C/g, kh, kw): rows ordered (tap, channel) as the unfold.
    planar_weight = weight.permute(0, 2, 1, 3, 4).reshape(o, kd * cg, kh, kw)
    planes = Convolution.apply(DepthUnfold.apply(x, depth), planar_weight, bias, plane)
    out = planes.reshape(x.shape[0], depth.blocks, o, *plane.out_size).permute(0, 2, 1, 3, 4)
    return out.squeeze(0) if unbatched else out


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """PyTorch's ``F.conv3d``: cross-correlate an (N, C, D, H, W) batch of volumes (video
    clips, medical scans) with (O, C/groups, kD, kH, kW) filters. ``padding``: an int, a
    triple, 'valid' or 'same' (stride 1). Gradients of any order."""
    return convolve3d(input, weight, bias, stride, padding, dilation, groups, "conv3d")


def conv_transpose_3d(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any,
                      padding: Any, output_padding: Any, groups: int, dilation: Any,
                      op: str) -> Tensor:
    """``conv_transpose3d`` with ``op`` naming the caller in errors."""
    check_conv_tensors(input, weight, bias, op, 3,
                       "(in_channels, out_channels/groups, kD, kH, kW)")
    unbatched = input.ndim == 4
    x = input.unsqueeze(0) if unbatched else input
    depth, plane = conv_transpose3d_geometry(tuple(x.shape), tuple(weight.shape), stride,
                                             padding, output_padding, groups, dilation, op)
    if bias is not None and tuple(bias.shape) != (weight.shape[1] * groups,):
        raise ShapeError(f"{op}: bias must have shape ({weight.shape[1] * groups},) to match "
                         f"weight shape {tuple(weight.shape)} and groups={groups}, got "
                         f"{tuple(bias.shape)}")
    n, c, d, h, w = x.shape
    _, og, kd, kh, kw = weight.shape
    planar_weight = weight.permute(0, 2, 1, 3, 4).reshape(c, kd * og, kh, kw)
    planes_in = x.permute(0, 2, 1, 3, 4).reshape(n * d, c, h, w)
    planes = ConvolutionInputGrad.apply(planes_in, planar_weight, plane,
                                        (n * d, groups * kd * og) + plane.in_size)
    out = DepthFold.apply(planes, depth)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1, 1)
    return out.squeeze(0) if unbatched else out


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """PyTorch's ``F.conv_transpose3d``: the adjoint of ``conv3d`` (learnable volumetric
    upsampling), (N, C_in, D, H, W) with a (C_in, C_out/groups, kD, kH, kW) weight.
    Gradients of any order."""
    return conv_transpose_3d(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, "conv_transpose3d")
