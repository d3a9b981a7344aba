"""Convolution layers: ``Conv2d``, ``Conv1d`` (with ``conv1d``) and ``ConvTranspose2d``.

The arithmetic is in ``minigrad/ops/convolution.py`` (and ``conv_transpose.py``, which reuses
its kernels). A 1-D convolution is a 2-D one over a plane of height 1: ``conv1d`` checks its
arguments in 1-D terms (so errors name 1-D shapes), then runs ``conv2d`` on ``(N, C, 1, L)``.
"""
from __future__ import annotations

from typing import Any

from ..creation import empty
from ..ops.conv_transpose import conv_transpose, output_padding_for
from ..ops.convolution import as_pair, check_conv_tensors, conv_padding, convolve
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
            raise ValueError(f"{op}: padding must be an int, a 1-tuple, 'valid' or 'same', got "
                             f"{padding!r}")
        if padding == "same" and stride != 1:
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions "
                             f"(stride={stride})")
        return padding
    p = as_single(padding, "padding", op)
    if p < 0:
        raise ValueError(f"{op}: padding must be non-negative, got {padding!r}")
    return (0, p)


def convolve1d(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,
               dilation: Any, groups: int, op: str) -> Tensor:
    """``conv1d`` with ``op`` naming the caller in errors: the checks in 1-D terms, then
    ``conv2d`` over an (N, C, 1, L) plane with a (O, C/groups, 1, k) weight."""
    check_conv_tensors(input, weight, bias, op, 1, "(out_channels, in_channels/groups, kW)")
    if not isinstance(groups, int) or isinstance(groups, bool) or groups <= 0:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    out_channels, cg, k = weight.shape
    if out_channels % groups:
        raise ValueError(f"{op}: out_channels ({out_channels}, weight shape "
                         f"{tuple(weight.shape)}) must be divisible by groups ({groups})")
    if input.shape[-2] != cg * groups:
        raise ValueError(f"{op} expected {cg * groups} input channels, got {input.shape[-2]} "
                         f"(input shape {tuple(input.shape)}, weight shape "
                         f"{tuple(weight.shape)}, groups={groups})")
    s, d = as_single(stride, "stride", op), as_single(dilation, "dilation", op)
    for name, value in (("stride", s), ("dilation", d)):
        if value <= 0:
            raise ValueError(f"{op}: {name} must be positive, got {value}")
    pad = _conv1d_padding(padding, k, s, d, op)
    length, span = input.shape[-1], d * (k - 1) + 1
    padded = length if isinstance(pad, str) else length + 2 * pad[1]
    if pad != "same" and padded < span:
        raise ValueError(f"{op}: the kernel ({span}, dilation included) is longer than the "
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
