"""Convolution layers: ``Conv2d``, ``Conv1d`` and ``ConvTranspose2d`` (``Conv3d``,
``ConvTranspose1d`` and ``ConvTranspose3d`` are in ``conv_nd.py``), on the bases they all share,
``_ConvNd`` and ``_ConvTransposeNd`` (as PyTorch): a concrete layer names its dimension count,
converter and padding check or functional form.

The arithmetic is in ``minigrad/ops/convolution.py`` (and ``conv_transpose.py``, which reuses
its kernels). A 1-D convolution is a 2-D one over a plane of height 1: ``conv1d``
(``ops/convolution1d.py``) checks its arguments in 1-D terms (so errors name 1-D shapes), then
runs ``conv2d`` on ``(N, C, 1, L)``.
"""
from __future__ import annotations

from typing import Any, Callable

from ..creation import empty
from ..errors import ArgumentError, ShapeError
from ..ops.conv_transpose import conv_transpose, output_padding_for
from ..ops.convolution import as_pair, conv_padding, convolve
from ..ops.convolution1d import _conv1d_padding, as_single, conv1d, convolve1d  # noqa: F401
from ..ops.padding import pad
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


def _check_input(input: Any, op: str, dims: int, channels: int, names: str) -> None:
    """A layer's input: a Tensor of ``dims`` (unbatched) or ``dims + 1`` dims with
    ``channels`` channels; ``names`` spells the batched layout for the message."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(input).__name__}")
    if input.ndim not in (dims, dims + 1):
        raise ShapeError(f"{op}: expected a {dims}-D (unbatched) or {dims + 1}-D {names} input, "
                         f"got shape {tuple(input.shape)}")
    if input.shape[-dims] != channels:
        raise ShapeError(f"{op} expected {channels} input channels, got {input.shape[-dims]} "
                         f"(input shape {tuple(input.shape)})")


def _as_tuple(value: Any) -> tuple:
    """A 1-D layer's int (from ``as_single``) as the 1-tuple PyTorch stores; tuples unchanged."""
    return value if isinstance(value, tuple) else (value,)


# --- the shared bases --------------------------------------------------------------------------
class _ConvNd(Module):
    """What every convolution layer shares (PyTorch's ``_ConvNd``): argument checks, the
    attributes, weight and bias, default initialisation and ``extra_repr``. A subclass names its
    dimension count, its int-or-tuple converter (``as_single``/``as_pair``/``as_triple``) and
    its padding check, and writes its ``forward`` (the functional call, kept direct so that
    ``Conv2d.forward`` costs nothing extra)."""

    _dims: int
    _convert: Callable[..., Any]
    _check_padding: Callable[..., Any]

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None):
        super().__init__()
        op = type(self).__name__
        _check_layer_args(op, in_channels, out_channels, groups, padding_mode)
        kernel, stride, dilation = _window_args(kernel_size, stride, dilation, self._convert, op)
        self._check_padding(padding, kernel, stride, dilation, op)  # refuse bad padding now
        if not isinstance(padding, str):
            padding = _as_tuple(self._convert(padding, "padding", op))
        dtype = parameter_dtype(dtype, op)
        self._set_arguments(in_channels, out_channels, kernel, stride, padding, dilation, groups,
                            padding_mode)
        _add_weight_and_bias(self, (out_channels, in_channels // groups, *self.kernel_size),
                             out_channels, bias, dtype, device)

    def _set_arguments(self, in_channels: int, out_channels: int, kernel: Any, stride: Any,
                       padding: Any, dilation: Any, groups: int, padding_mode: str) -> None:
        """The attributes PyTorch's layers have, with 1-D values stored as 1-tuples."""
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = _as_tuple(kernel), _as_tuple(stride)
        self.padding, self.dilation = padding, _as_tuple(dilation)
        self.groups, self.padding_mode = groups, padding_mode

    def _pad_input(self, input: Tensor) -> tuple:
        """(input, padding) for the convolution: unchanged for padding_mode 'zeros'; for
        'reflect', 'replicate' or 'circular' the input padded by ``F.pad`` in that mode and a
        padding of 0 (PyTorch's way; 'same' splits each kernel's reach as the zeros mode does,
        the extra element after)."""
        if self.padding_mode == "zeros":
            return input, self.padding
        widths = []  # F.pad's order: (before, after) of the last dim first
        for i in reversed(range(self._dims)):
            if self.padding == "valid":
                widths += [0, 0]
            elif self.padding == "same":
                reach = self.dilation[i] * (self.kernel_size[i] - 1)
                widths += [reach // 2, reach - reach // 2]
            else:
                widths += [self.padding[i], self.padding[i]]
        return pad(input, widths, mode=self.padding_mode), (0,) * self._dims

    def reset_parameters(self) -> None:
        """PyTorch's default: U(+-1/sqrt(fan_in)) for weight and bias, fan_in from the weight's
        dim 1 (C/groups, or out_channels/groups when transposed) times the kernel's size."""
        init.default_layer_init_(self.weight, self.bias)

    def extra_repr(self) -> str:
        """PyTorch's ``_ConvNd.extra_repr``: only the arguments that differ from their
        defaults."""
        zeros, ones = (0,) * self._dims, (1,) * self._dims
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != zeros:
            text += f", padding={self.padding}"
        if self.dilation != ones:
            text += f", dilation={self.dilation}"
        if getattr(self, "output_padding", zeros) != zeros:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class _ConvTransposeNd(_ConvNd):
    """What the transposed convolutions share (PyTorch's ``_ConvTransposeNd``): their own
    argument order and checks (output_padding, no string padding), weight layout
    (in_channels, out_channels/groups, *kernel) and ``forward(input, output_size=None)``. A
    subclass names its dimension count, converter, functional form and input layout."""

    _function: Callable[..., Tensor]
    _layout: str
    _padding_words = "an int or a tuple of ints"

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None):
        Module.__init__(self)  # _ConvNd's checks are not these
        op, convert = type(self).__name__, self._convert
        _check_layer_args(op, in_channels, out_channels, groups, padding_mode)
        if padding_mode != "zeros":
            raise ValueError(f'{op}: only "zeros" padding mode is supported (as PyTorch), got '
                             f"{padding_mode!r}")
        kernel, stride, dilation = (_as_tuple(v) for v in
                                    _window_args(kernel_size, stride, dilation, convert, op))
        if isinstance(padding, str):
            raise ValueError(f"{op}: padding must be {self._padding_words} (PyTorch has no "
                             f"string padding for transposed convolutions), got {padding!r}")
        padding = _as_tuple(convert(padding, "padding", op))
        extra = _as_tuple(convert(output_padding, "output_padding", op))
        if min(padding) < 0 or min(extra) < 0:
            raise ValueError(f"{op}: padding and output_padding must be non-negative, got "
                             f"padding={padding}, output_padding={extra}")
        if any(e >= s and e >= d for e, s, d in zip(extra, stride, dilation)):
            raise ArgumentError(f"{op}: output_padding must be smaller than either stride or "
                             f"dilation, got output_padding={extra}, stride={stride}, "
                             f"dilation={dilation}")
        dtype = parameter_dtype(dtype, op)
        self._set_arguments(in_channels, out_channels, kernel, stride, padding, dilation, groups,
                            padding_mode)
        self.output_padding = extra
        _add_weight_and_bias(self, (in_channels, out_channels // groups, *kernel), out_channels,
                             bias, dtype, device)

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


# --- 2-D convolution ---------------------------------------------------------------------------
class Conv2d(_ConvNd):
    """Learnable filters slid over an (N, C, H, W) batch, with PyTorch's arguments, shapes and
    default initialisation (Kaiming uniform with a = sqrt(5), bias U(+-1/sqrt(fan_in)))."""

    _dims = 2
    _convert = staticmethod(as_pair)
    _check_padding = staticmethod(conv_padding)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        _check_input(input, "Conv2d", 3, self.in_channels, "(N, C, H, W)")
        input, padding = self._pad_input(input)
        return convolve(input, self.weight, self.bias, self.stride, padding, self.dilation,
                        self.groups, "Conv2d")


# --- 1-D convolution ---------------------------------------------------------------------------
class Conv1d(_ConvNd):
    """Learnable filters slid along an (N, C, L) sequence, with PyTorch's arguments, weight
    layout (out_channels, in_channels/groups, kernel_size) and default initialisation."""

    _dims = 1
    _convert = staticmethod(as_single)
    _check_padding = staticmethod(_conv1d_padding)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        _check_input(input, "Conv1d", 2, self.in_channels, "(N, C, L)")
        input, padding = self._pad_input(input)
        return convolve1d(input, self.weight, self.bias, self.stride, padding, self.dilation,
                          self.groups, "Conv1d")


# --- transposed convolution --------------------------------------------------------------------
class ConvTranspose2d(_ConvTransposeNd):
    """The adjoint of ``Conv2d`` as a layer: a learnable upsampling (decoders, generators,
    segmentation heads). Weight layout (in_channels, out_channels/groups, kH, kW) and default
    initialisation as PyTorch (its fan_in is out_channels/groups * kH * kW)."""

    _dims, _layout = 2, "(N, C, H, W)"
    _convert = staticmethod(as_pair)
    _function = staticmethod(conv_transpose)
    _padding_words = "an int or a pair of ints"
