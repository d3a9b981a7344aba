"""The other convolution layers: ``Conv3d``, ``ConvTranspose1d`` and ``ConvTranspose3d``.

Same arguments, weight layouts, defaults, initialisation, ``extra_repr`` and state_dict keys
as PyTorch's, built from the helpers ``conv.py`` uses for ``Conv2d`` / ``ConvTranspose2d``.
The arithmetic: ``ops/convolution3d.py`` (3-D, on the 2-D kernels with the depth taps
unfolded into channels) and ``ops/convolution1d.py`` (1-D, a unit-height 2-D plane).
"""
from __future__ import annotations

from typing import Any, Callable

from ..ops.conv_transpose import output_padding_for
from ..ops.convolution1d import as_single, conv_transpose_1d
from ..ops.convolution3d import as_triple, conv3d_padding, conv_transpose_3d, convolve3d
from ..tensor import Tensor
from . import init
from .conv import (_add_weight_and_bias, _check_input, _check_layer_args, _conv_repr,
                   _window_args)
from .module import Module
from .parameter import parameter_dtype


class Conv3d(Module):
    """Learnable filters slid through an (N, C, D, H, W) batch of volumes (video clips, scans),
    with PyTorch's arguments, weight layout (out_channels, in_channels/groups, kD, kH, kW) and
    default initialisation (U(+-1/sqrt(fan_in)), fan_in = C/groups * kD * kH * kW)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None):
        super().__init__()
        _check_layer_args("Conv3d", in_channels, out_channels, groups, padding_mode)
        kernel, stride, dilation = _window_args(kernel_size, stride, dilation, as_triple,
                                                "Conv3d")
        conv3d_padding(padding, kernel, stride, dilation, "Conv3d")  # refuse bad padding now
        dtype = parameter_dtype(dtype, "Conv3d")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.dilation = kernel, stride, dilation
        self.padding = padding if isinstance(padding, str) else \
            as_triple(padding, "padding", "Conv3d")
        self.groups, self.padding_mode = groups, padding_mode
        _add_weight_and_bias(self, (out_channels, in_channels // groups, *kernel), out_channels,
                             bias, dtype, device)

    def reset_parameters(self) -> None:
        """PyTorch's default: U(+-1/sqrt(fan_in)) for weight and bias."""
        init.default_layer_init_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        _check_input(input, "Conv3d", 4, self.in_channels, "(N, C, D, H, W)")
        return convolve3d(input, self.weight, self.bias, self.stride, self.padding,
                          self.dilation, self.groups, "Conv3d")

    def extra_repr(self) -> str:
        return _conv_repr(self, (0, 0, 0), (1, 1, 1))


class _ConvTransposeNd(Module):
    """What ConvTranspose1d and ConvTranspose3d share; a subclass names its dimensionality,
    its int-or-tuple converter, its functional form and its input layout."""

    _dims: int
    _convert: Callable[..., Any]
    _function: Callable[..., Tensor]
    _layout: str

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None):
        super().__init__()
        op, convert = type(self).__name__, type(self)._convert
        _check_layer_args(op, in_channels, out_channels, groups, padding_mode)
        kernel, stride, dilation = (self._tuple(v) for v in
                                    _window_args(kernel_size, stride, dilation, convert, op))
        if isinstance(padding, str):
            raise ValueError(f"{op}: padding must be an int or a tuple of ints (PyTorch has no "
                             f"string padding for transposed convolutions), got {padding!r}")
        padding = self._tuple(convert(padding, "padding", op))
        extra = self._tuple(convert(output_padding, "output_padding", op))
        if min(padding) < 0 or min(extra) < 0:
            raise ValueError(f"{op}: padding and output_padding must be non-negative, got "
                             f"padding={padding}, output_padding={extra}")
        if any(e >= s and e >= d for e, s, d in zip(extra, stride, dilation)):
            raise ValueError(f"{op}: output_padding must be smaller than either stride or "
                             f"dilation, got output_padding={extra}, stride={stride}, "
                             f"dilation={dilation}")
        dtype = parameter_dtype(dtype, op)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = kernel, stride, padding
        self.dilation, self.output_padding = dilation, extra
        self.groups, self.padding_mode = groups, padding_mode
        _add_weight_and_bias(self, (in_channels, out_channels // groups, *kernel), out_channels,
                             bias, dtype, device)

    @staticmethod
    def _tuple(value: Any) -> tuple:
        return value if isinstance(value, tuple) else (value,)

    def reset_parameters(self) -> None:
        """PyTorch's default: U(+-1/sqrt(fan_in)), fan_in from the weight's dim 1 as for every
        layer, here out_channels/groups * the kernel's volume."""
        init.default_layer_init_(self.weight, self.bias)

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:  # noqa: A002
        """``output_size`` picks the output_padding that gives that size (as PyTorch), since
        several input sizes of a strided convolution map to one output size."""
        op = type(self).__name__
        _check_input(input, op, self._dims + 1, self.in_channels, self._layout)
        extra = self.output_padding
        if output_size is not None:
            extra = output_padding_for(tuple(input.shape), tuple(self.weight.shape), output_size,
                                       self.stride, self.padding, self.dilation, op, self._dims)
        unpack = (lambda t: t[0]) if self._dims == 1 else (lambda t: t)
        return type(self)._function(input, self.weight, self.bias, unpack(self.stride),
                                    unpack(self.padding), unpack(extra), self.groups,
                                    unpack(self.dilation), op)

    def extra_repr(self) -> str:
        return _conv_repr(self, (0,) * self._dims, (1,) * self._dims)


class ConvTranspose1d(_ConvTransposeNd):
    """The adjoint of ``Conv1d`` as a layer: learnable upsampling of (N, C, L) sequences
    (audio decoders). Weight layout (in_channels, out_channels/groups, kW) as PyTorch."""

    _dims, _layout = 1, "(N, C, L)"
    _convert = staticmethod(as_single)
    _function = staticmethod(conv_transpose_1d)


class ConvTranspose3d(_ConvTransposeNd):
    """The adjoint of ``Conv3d`` as a layer: learnable upsampling of (N, C, D, H, W) volumes
    (3-D U-Net decoders). Weight layout (in_channels, out_channels/groups, kD, kH, kW)."""

    _dims, _layout = 3, "(N, C, D, H, W)"
    _convert = staticmethod(as_triple)
    _function = staticmethod(conv_transpose_3d)
