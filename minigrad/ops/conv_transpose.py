"""2-D transposed convolution (PyTorch's ``conv_transpose2d``, NCHW), with no kernel of its own.

A transposed convolution is the adjoint of a convolution: its forward is exactly the input
gradient of the convolution that maps its *output* back to its *input*. With ConvTranspose's
weight layout (in_channels, out_channels/groups, kH, kW), that convolution takes
out_channels to in_channels with the same weight, stride, padding, dilation and groups. So
``conv_transpose2d(x, w)`` is ``ConvolutionInputGrad(x, w)`` on a geometry whose "input" is
our output and whose "output" is our input; that Function already has its double backward
(a convolution and a weight gradient), so gradients of any order come for free.

``output_padding`` only makes the output taller/wider than the natural size: the extra rows
and columns are read by no input pixel (they get the bias alone). The col2im in
``_input_grad`` sizes its work array from the requested shape and reads ``out_size``
windows, so the geometry below simply records the larger size.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..errors import ArgumentError, ShapeError
from .convolution import ConvGeometry, ConvolutionInputGrad, as_pair, check_conv_tensors
from ..tensor import Tensor


def positive_tuple(value: Any, name: str, op: str, convert: Any, minimum: int = 1) -> tuple:
    """``convert(value)`` (``as_pair`` or ``as_triple``), refused below ``minimum``."""
    values = convert(value, name, op)
    if min(values) < minimum:
        raise ArgumentError(f"{op}: {name} must be {'positive' if minimum else 'non-negative'}, "
                            f"got {value!r}")
    return values


_TUPLE_WORDS = {2: "a pair of ints", 3: "a triple of ints"}


def check_transposed_args(input_shape: tuple, weight_shape: tuple, stride: Any, padding: Any,
                          output_padding: Any, groups: Any, dilation: Any, convert: Any,
                          op: str) -> tuple:
    """What the 2-D and 3-D transposed convolutions check against the batched shapes
    (``convert`` is ``as_pair`` or ``as_triple``); returns (stride, padding, dilation,
    output_padding, output size) as tuples, with PyTorch's output size per axis:
    (size - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1."""
    c, sizes = input_shape[1], input_shape[2:]
    in_channels, og, *kernel = weight_shape
    if not isinstance(groups, int) or isinstance(groups, bool) or groups <= 0:
        raise ArgumentError(f"{op}: groups must be a positive int, got {groups!r}")
    if c != in_channels:
        raise ShapeError(f"{op} expected {in_channels} input channels (weight shape "
                         f"{weight_shape}), got {c} (input shape {input_shape})")
    if in_channels % groups:
        raise ShapeError(f"{op}: in_channels ({in_channels}, weight shape {weight_shape}) must be "
                         f"divisible by groups ({groups})")
    if min(og, *kernel) <= 0:
        raise ShapeError(f"{op}: weight shape {weight_shape} has an empty dimension")
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int or {_TUPLE_WORDS[len(sizes)]} (PyTorch "
                         f"has no string padding for transposed convolutions), got {padding!r}")
    stride = positive_tuple(stride, "stride", op, convert)
    dilation = positive_tuple(dilation, "dilation", op, convert)
    padding = positive_tuple(padding, "padding", op, convert, minimum=0)
    extra = positive_tuple(output_padding, "output_padding", op, convert, minimum=0)
    if any(e >= s and e >= d for e, s, d in zip(extra, stride, dilation)):
        raise ArgumentError(f"{op}: output_padding must be smaller than either stride or dilation, "
                            f"got output_padding={extra}, stride={stride}, dilation={dilation}")
    out = tuple((size - 1) * s - 2 * p + d * (k - 1) + e + 1 for size, s, p, d, k, e in
                zip(sizes, stride, padding, dilation, kernel, extra))
    if min(out) <= 0:
        raise ShapeError(f"{op}: the output would be {' x '.join(map(str, out))} (input shape "
                         f"{input_shape}, weight shape {weight_shape}, stride={stride}, "
                         f"padding={padding}, dilation={dilation}, output_padding={extra}); "
                         f"it must be positive")
    return stride, padding, dilation, extra, out


def transposed_geometry(input_shape: tuple, weight_shape: tuple, stride: Any, padding: Any,
                        output_padding: Any, groups: Any, dilation: Any, op: str) -> ConvGeometry:
    """The geometry of the convolution whose input gradient is this transposed convolution:
    its in_size is our output size, its out_size our input size."""
    stride, (ph, pw), dilation, _, out = check_transposed_args(
        input_shape, weight_shape, stride, padding, output_padding, groups, dilation, as_pair, op)
    return ConvGeometry(out, tuple(weight_shape[2:]), stride, (ph, ph, pw, pw), dilation, groups,
                        tuple(input_shape[2:]))


_SPATIAL_NAMES = {1: "one int (L)", 2: "two ints (H, W)", 3: "three ints (D, H, W)"}


def output_padding_for(input_shape: tuple, weight_shape: tuple, output_size: Sequence[int],
                       stride: Any, padding: Any, dilation: Any, op: str,
                       dims: int = 2) -> tuple:
    """The output_padding that makes the output ``output_size`` (the last ``dims`` entries
    are used, as PyTorch): it must lie between the natural size and that plus stride - 1.
    For ``dims`` other than 2, stride, padding and dilation come as ``dims``-tuples (as the
    layers store them)."""
    sizes = tuple(output_size)[-dims:]
    if len(sizes) != dims or not all(isinstance(s, int) and not isinstance(s, bool)
                                     for s in sizes):
        raise ValueError(f"{op}: output_size must end in {_SPATIAL_NAMES[dims]}, got "
                         f"{output_size!r}")
    if dims == 2:
        stride, dilation = as_pair(stride, "stride", op), as_pair(dilation, "dilation", op)
        padding = as_pair(padding, "padding", op)
    extra = []
    for size, want, s, p, d, k in zip(input_shape[-dims:], sizes, stride, padding, dilation,
                                      weight_shape[-dims:]):
        smallest = (size - 1) * s - 2 * p + d * (k - 1) + 1
        if not smallest <= want < smallest + s:
            raise ValueError(f"{op}: requested an output size of {sizes}, but valid sizes for "
                             f"an input of shape {tuple(input_shape)} range from "
                             f"{smallest} to {smallest + s - 1} along each dimension")
        extra.append(want - smallest)
    return tuple(extra)


def conv_transpose(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any,
                   padding: Any, output_padding: Any, groups: int, dilation: Any,
                   op: str) -> Tensor:
    """``conv_transpose2d`` with ``op`` naming the caller in errors."""
    check_conv_tensors(input, weight, bias, op, 2, "(in_channels, out_channels/groups, kH, kW)")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    geo = transposed_geometry(tuple(x.shape), tuple(weight.shape), stride, padding,
                              output_padding, groups, dilation, op)
    if bias is not None and tuple(bias.shape) != (weight.shape[1] * groups,):
        raise ShapeError(f"{op}: bias must have shape ({weight.shape[1] * groups},) to match "
                         f"weight shape {tuple(weight.shape)} and groups={groups}, got "
                         f"{tuple(bias.shape)}")
    out_shape = (x.shape[0], weight.shape[1] * groups) + geo.in_size
    out = ConvolutionInputGrad.apply(x, weight, geo, out_shape)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    return out.squeeze(0) if unbatched else out


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """PyTorch's ``F.conv_transpose2d``: the adjoint of ``conv2d`` (a learnable upsampling),
    (N, C_in, H, W) with a (C_in, C_out/groups, kH, kW) weight. Gradients of any order."""
    return conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                          dilation, "conv_transpose2d")
