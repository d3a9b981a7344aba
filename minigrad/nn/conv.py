"""Convolution layers: ``Conv2d``, ``Conv1d`` and ``ConvTranspose2d`` (``Conv3d``,
``ConvTranspose1d`` and ``ConvTranspose3d`` are in ``conv_nd.py``).

The arithmetic is in ``minigrad/ops/convolution.py`` (and ``conv_transpose.py``, which reuses
its kernels). A 1-D convolution is a 2-D one over a plane of height 1: ``conv1d``
(``ops/convolution1d.py``) checks its arguments in 1-D terms (so errors name 1-D shapes), then
runs ``conv2d`` on ``(N, C, 1, L)``.
"""
from __future__ import annotations

from typing import Any

from ..creation import empty
from ..ops.conv_transpose import conv_transpose, output_padding_for
from ..ops.convolution import as_pair, conv_padding, convolve
from ..ops.convolution1d import _conv1d_padding, as_single, conv1d, convolve1d  # noqa: F401
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter, parameter_dtype

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


# --- shared by the layers ----------------------------------------------------------------------
def _check_layer_args(op: str, in_channels: Any, out_channels: Any, groups: Any,
                      padding_mode: str) -> None:
    """The checks every convolution layer makes on its channel counts and padding mode."""
    for name, value in (("in_channels", in_channels), ("out_channels", out_channels),
                        ("groups", groups)):
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"{op}: {name} must be a positive int, got {value!r}")
    if in_channels % groups:
        raise ValueError(f"{op}: in_channels ({in_channels}) must be divisible by groups "
                         f"({groups})")
    if out_channels % groups:
        raise ValueError(f"{op}: out_channels ({out_channels}) must be divisible by groups "
                         f"({groups})")
    if padding_mode not in _PADDING_MODES:
        raise ValueError(f"{op}: padding_mode must be one of {_PADDING_MODES}, got "
                         f"{padding_mode!r}")
    if padding_mode != "zeros":
        raise NotImplementedError(f"{op}: padding_mode={padding_mode!r} is not supported "
                                  "by minigrad (only 'zeros')")


def _window_args(kernel_size: Any, stride: Any, dilation: Any, convert: Any, op: str) -> tuple:
    """kernel_size, stride and dilation in the layer's form (``convert`` is ``as_pair`` or
    ``as_single``), each refused unless positive."""
    values = []
    for name, value in (("kernel_size", kernel_size), ("stride", stride), ("dilation", dilation)):
        value = convert(value, name, op)
        if min(value if isinstance(value, tuple) else (value,)) <= 0:
            raise ValueError(f"{op}: {name} must be positive, got {value}")
        values.append(value)
    return tuple(values)


def _add_weight_and_bias(layer: Module, weight_shape: tuple, out_channels: int, bias: bool,
                         dtype: Any, device: Any) -> None:
    """Register ``weight`` (of the layer's own layout) and ``bias`` (or None), then give them
    PyTorch's default initialisation through the layer's ``reset_parameters``."""
    layer.weight = Parameter(empty(*weight_shape, dtype=dtype, device=device))
    if bias:
        layer.bias = Parameter(empty(out_channels, dtype=dtype, device=device))
    else:
        layer.register_parameter("bias", None)
    layer.reset_parameters()


def _conv_repr(layer: Module, padding_default: tuple, dilation_default: tuple) -> str:
    """PyTorch's ``_ConvNd.extra_repr``: only the arguments that differ from their defaults."""
    text = (f"{layer.in_channels}, {layer.out_channels}, kernel_size={layer.kernel_size}, "
            f"stride={layer.stride}")
    if layer.padding != padding_default:
        text += f", padding={layer.padding}"
    if layer.dilation != dilation_default:
        text += f", dilation={layer.dilation}"
    if getattr(layer, "output_padding", padding_default) != padding_default:
        text += f", output_padding={layer.output_padding}"
    if layer.groups != 1:
        text += f", groups={layer.groups}"
    if layer.bias is None:
        text += ", bias=False"
    return text


def _check_input(input: Any, op: str, dims: int, channels: int, names: str) -> None:
    """A layer's input: a Tensor of ``dims`` (unbatched) or ``dims + 1`` dims with
    ``channels`` channels; ``names`` spells the batched layout for the message."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(input).__name__}")
    if input.ndim not in (dims, dims + 1):
        raise ValueError(f"{op}: expected a {dims}-D (unbatched) or {dims + 1}-D {names} input, "
                         f"got shape {tuple(input.shape)}")
    if input.shape[-dims] != channels:
        raise ValueError(f"{op} expected {channels} input channels, got {input.shape[-dims]} "
                         f"(input shape {tuple(input.shape)})")


# --- 2-D convolution ---------------------------------------------------------------------------
class Conv2d(Module):
    """Learnable filters slid over an (N, C, H, W) batch, with PyTorch's arguments, shapes and
    default initialisation (Kaiming uniform with a = sqrt(5), bias U(+-1/sqrt(fan_in)))."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None):
        super().__init__()
        _check_layer_args("Conv2d", in_channels, out_channels, groups, padding_mode)
        kernel, stride, dilation = _window_args(kernel_size, stride, dilation, as_pair, "Conv2d")
        conv_padding(padding, kernel, stride, dilation, "Conv2d")  # refuse bad padding now
        dtype = parameter_dtype(dtype, "Conv2d")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.dilation = kernel, stride, dilation
        self.padding = padding if isinstance(padding, str) else as_pair(padding, "padding", "Conv2d")
        self.groups, self.padding_mode = groups, padding_mode
        _add_weight_and_bias(self, (out_channels, in_channels // groups, *kernel), out_channels,
                             bias, dtype, device)

    def reset_parameters(self) -> None:
        """PyTorch's default: U(+-1/sqrt(fan_in)) for weight and bias, fan_in = C/groups*kh*kw."""
        init.default_layer_init_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        _check_input(input, "Conv2d", 3, self.in_channels, "(N, C, H, W)")
        return convolve(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups, "Conv2d")

    def extra_repr(self) -> str:
        return _conv_repr(self, (0, 0), (1, 1))


# --- 1-D convolution ---------------------------------------------------------------------------
class Conv1d(Module):
    """Learnable filters slid along an (N, C, L) sequence, with PyTorch's arguments, weight
    layout (out_channels, in_channels/groups, kernel_size) and default initialisation."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None):
        super().__init__()
        _check_layer_args("Conv1d", in_channels, out_channels, groups, padding_mode)
        kernel, stride, dilation = _window_args(kernel_size, stride, dilation, as_single,
                                                "Conv1d")
        pad = _conv1d_padding(padding, kernel, stride, dilation, "Conv1d")  # refuse bad ones now
        dtype = parameter_dtype(dtype, "Conv1d")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.dilation = (kernel,), (stride,), (dilation,)
        self.padding = padding if isinstance(pad, str) else (pad[1],)
        self.groups, self.padding_mode = groups, padding_mode
        _add_weight_and_bias(self, (out_channels, in_channels // groups, kernel), out_channels,
                             bias, dtype, device)

    def reset_parameters(self) -> None:
        """PyTorch's default: U(+-1/sqrt(fan_in)) for weight and bias, fan_in = C/groups*k."""
        init.default_layer_init_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        _check_input(input, "Conv1d", 2, self.in_channels, "(N, C, L)")
        return convolve1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                          self.groups, "Conv1d")

    def extra_repr(self) -> str:
        return _conv_repr(self, (0,), (1,))


# --- transposed convolution --------------------------------------------------------------------
class ConvTranspose2d(Module):
    """The adjoint of ``Conv2d`` as a layer: a learnable upsampling (decoders, generators,
    segmentation heads). Weight layout (in_channels, out_channels/groups, kH, kW) and default
    initialisation as PyTorch (its fan_in is out_channels/groups * kH * kW)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None):
        super().__init__()
        op = "ConvTranspose2d"
        _check_layer_args(op, in_channels, out_channels, groups, padding_mode)
        kernel, stride, dilation = _window_args(kernel_size, stride, dilation, as_pair, op)
        if isinstance(padding, str):
            raise ValueError(f"{op}: padding must be an int or a pair of ints (PyTorch has no "
                             f"string padding for transposed convolutions), got {padding!r}")
        padding, extra = as_pair(padding, "padding", op), as_pair(output_padding,
                                                                  "output_padding", op)
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

    def reset_parameters(self) -> None:
        """PyTorch's default: U(+-1/sqrt(fan_in)), fan_in from the weight's dim 1 as for every
        layer, here out_channels/groups * kH * kW."""
        init.default_layer_init_(self.weight, self.bias)

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:  # noqa: A002
        """``output_size`` picks the output_padding that gives that size (as PyTorch), since
        several input sizes of a strided convolution map to one output size."""
        op = "ConvTranspose2d"
        _check_input(input, op, 3, self.in_channels, "(N, C, H, W)")
        extra = self.output_padding
        if output_size is not None:
            extra = output_padding_for(tuple(input.shape), tuple(self.weight.shape), output_size,
                                       self.stride, self.padding, self.dilation, op)
        return conv_transpose(input, self.weight, self.bias, self.stride, self.padding, extra,
                              self.groups, self.dilation, op)

    def extra_repr(self) -> str:
        return _conv_repr(self, (0, 0), (1, 1))
