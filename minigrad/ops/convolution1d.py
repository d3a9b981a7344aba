"""1-D convolutions, PyTorch's ``conv1d`` and ``conv_transpose1d`` (N, C, L), as 2-D ones over a
plane of height 1.

A sequence (N, C, L) is an image (N, C, 1, L), and a (O, C/g, k) kernel a (O, C/g, 1, k) one,
so ``ops/convolution.py`` and ``ops/conv_transpose.py`` compute both (with their gradients of
any order). What this file adds is the checking in 1-D terms: an error names the 1-D op and
the 1-D shapes the user passed, never the unit-height plane.
"""
from __future__ import annotations

from typing import Any

from ..errors import ArgumentError, ShapeError
from ..tensor import Tensor
from .conv_transpose import conv_transpose
from .convolution import check_conv_tensors, convolve


def as_single(value: Any, name: str, op: str) -> int:
    """An int or a 1-tuple/list of an int -> the int (PyTorch's ``_single``)."""
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TypeError(f"{op}: {name} must be an int or a 1-tuple of an int, got {value!r}")


def _conv1d_padding(padding: Any, kernel: int, stride: int, dilation: int, op: str) -> Any:
    """The 2-D padding for the unit-height plane, or 'same'/'valid', checked in 1-D terms."""
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ArgumentError(f"{op}: padding must be an int, a 1-tuple, 'valid' or 'same', got "
                                f"{padding!r}")
        if padding == "same" and stride != 1:
            raise ArgumentError(f"{op}: padding='same' is not supported for strided convolutions "
                                f"(stride={stride})")
        return padding
    p = as_single(padding, "padding", op)
    if p < 0:
        raise ArgumentError(f"{op}: padding must be non-negative, got {padding!r}")
    return (0, p)


def convolve1d(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,
               dilation: Any, groups: int, op: str) -> Tensor:
    """``conv1d`` with ``op`` naming the caller in errors: the checks in 1-D terms, then
    ``conv2d`` over an (N, C, 1, L) plane with a (O, C/groups, 1, k) weight."""
    check_conv_tensors(input, weight, bias, op, 1, "(out_channels, in_channels/groups, kW)")
    if not isinstance(groups, int) or isinstance(groups, bool) or groups <= 0:
        raise ArgumentError(f"{op}: groups must be a positive int, got {groups!r}")
    out_channels, cg, k = weight.shape
    if out_channels % groups:
        raise ShapeError(f"{op}: out_channels ({out_channels}, weight shape "
                         f"{tuple(weight.shape)}) must be divisible by groups ({groups})")
    if input.shape[-2] != cg * groups:
        raise ShapeError(f"{op} expected {cg * groups} input channels, got {input.shape[-2]} "
                         f"(input shape {tuple(input.shape)}, weight shape "
                         f"{tuple(weight.shape)}, groups={groups})")
    s, d = as_single(stride, "stride", op), as_single(dilation, "dilation", op)
    for name, value in (("stride", s), ("dilation", d)):
        if value <= 0:
            raise ArgumentError(f"{op}: {name} must be positive, got {value}")
    pad = _conv1d_padding(padding, k, s, d, op)
    length, span = input.shape[-1], d * (k - 1) + 1
    padded = length if isinstance(pad, str) else length + 2 * pad[1]
    if pad != "same" and padded < span:
        raise ShapeError(f"{op}: the kernel ({span}, dilation included) is longer than the "
                         f"padded input ({padded}); input shape {tuple(input.shape)}, weight "
                         f"shape {tuple(weight.shape)}, padding {padding!r}")
    out = convolve(input.unsqueeze(-2), weight.unsqueeze(2), bias, (1, s), pad, (1, d), groups,
                   op)
    return out.squeeze(-2)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """PyTorch's ``F.conv1d``: cross-correlate an (N, C, L) batch with (O, C/groups, k)
    filters, for sequences and signals. ``padding``: an int, 'valid' or 'same' (stride 1).
    Gradients of any order (it runs ``conv2d`` on a unit-height plane)."""
    return convolve1d(input, weight, bias, stride, padding, dilation, groups, "conv1d")




def _transpose1d_args(input: Tensor, weight: Tensor, stride: Any, padding: Any,
                      output_padding: Any, groups: Any, dilation: Any, op: str) -> tuple:
    """conv_transpose1d's arguments checked in 1-D terms -> (stride, padding, output_padding,
    dilation) as ints."""
    if not isinstance(groups, int) or isinstance(groups, bool) or groups <= 0:
        raise ArgumentError(f"{op}: groups must be a positive int, got {groups!r}")
    in_channels, og, k = weight.shape
    if input.shape[-2] != in_channels:
        raise ShapeError(f"{op} expected {in_channels} input channels (weight shape "
                         f"{tuple(weight.shape)}), got {input.shape[-2]} (input shape "
                         f"{tuple(input.shape)})")
    if in_channels % groups:
        raise ShapeError(f"{op}: in_channels ({in_channels}, weight shape {tuple(weight.shape)}) "
                         f"must be divisible by groups ({groups})")
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int or a 1-tuple (PyTorch has no string "
                         f"padding for transposed convolutions), got {padding!r}")
    s, d = as_single(stride, "stride", op), as_single(dilation, "dilation", op)
    p, e = as_single(padding, "padding", op), as_single(output_padding, "output_padding", op)
    for name, value, low in (("stride", s, 1), ("dilation", d, 1), ("padding", p, 0),
                             ("output_padding", e, 0)):
        if value < low:
            raise ArgumentError(f"{op}: {name} must be {'positive' if low else 'non-negative'}, "
                                f"got {value}")
    if e >= s and e >= d:
        raise ArgumentError(f"{op}: output_padding must be smaller than either stride or dilation, "
                            f"got output_padding={e}, stride={s}, dilation={d}")
    length = (input.shape[-1] - 1) * s - 2 * p + d * (k - 1) + e + 1
    if length <= 0:
        raise ShapeError(f"{op}: the output would have length {length} (input shape "
                         f"{tuple(input.shape)}, weight shape {tuple(weight.shape)}, stride={s}, "
                         f"padding={p}, dilation={d}, output_padding={e}); it must be positive")
    return s, p, e, d


def conv_transpose_1d(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any,
                      padding: Any, output_padding: Any, groups: int, dilation: Any,
                      op: str) -> Tensor:
    """``conv_transpose1d`` with ``op`` naming the caller in errors: the checks in 1-D terms,
    then ``conv_transpose2d`` over an (N, C, 1, L) plane with a (C_in, C_out/g, 1, k) weight."""
    check_conv_tensors(input, weight, bias, op, 1, "(in_channels, out_channels/groups, kW)")
    s, p, e, d = _transpose1d_args(input, weight, stride, padding, output_padding, groups,
                                   dilation, op)
    out = conv_transpose(input.unsqueeze(-2), weight.unsqueeze(2), bias, (1, s), (0, p), (0, e),
                         groups, (1, d), op)
    return out.squeeze(-2)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """PyTorch's ``F.conv_transpose1d``: the adjoint of ``conv1d`` (learnable upsampling of
    sequences, e.g. audio decoders), (N, C_in, L) with a (C_in, C_out/groups, kW) weight.
    Gradients of any order."""
    return conv_transpose_1d(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, "conv_transpose1d")
