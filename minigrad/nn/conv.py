"""``Conv2d``: the 2-D convolution layer (the arithmetic is in ``minigrad/ops/convolution.py``)."""
from __future__ import annotations

from typing import Any

from .. import dtypes
from ..creation import empty
from ..ops.convolution import as_pair, conv_padding, convolve
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class Conv2d(Module):
    """Learnable filters slid over an (N, C, H, W) batch, with PyTorch's arguments, shapes and
    default initialisation (Kaiming uniform with a = sqrt(5), bias U(+-1/sqrt(fan_in)))."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None):
        super().__init__()
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels),
                            ("groups", groups)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Conv2d: {name} must be a positive int, got {value!r}")
        if in_channels % groups:
            raise ValueError(f"Conv2d: in_channels ({in_channels}) must be divisible by groups "
                             f"({groups})")
        if out_channels % groups:
            raise ValueError(f"Conv2d: out_channels ({out_channels}) must be divisible by groups "
                             f"({groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"Conv2d: padding_mode must be one of {_PADDING_MODES}, got "
                             f"{padding_mode!r}")
        if padding_mode != "zeros":
            raise NotImplementedError(f"Conv2d: padding_mode={padding_mode!r} is not supported "
                                      "by minigrad (only 'zeros')")
        kernel = as_pair(kernel_size, "kernel_size", "Conv2d")
        stride, dilation = as_pair(stride, "stride", "Conv2d"), as_pair(dilation, "dilation", "Conv2d")
        for name, value in (("kernel_size", kernel), ("stride", stride), ("dilation", dilation)):
            if min(value) <= 0:
                raise ValueError(f"Conv2d: {name} must be positive, got {value}")
        conv_padding(padding, kernel, stride, dilation, "Conv2d")  # refuse bad padding now
        dtype = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
        if not dtypes.is_floating(dtype):
            raise TypeError(f"Conv2d: parameters need a floating dtype, got {dtype}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.dilation = kernel, stride, dilation
        self.padding = padding if isinstance(padding, str) else as_pair(padding, "padding", "Conv2d")
        self.groups, self.padding_mode = groups, padding_mode
        self.weight = Parameter(empty(out_channels, in_channels // groups, *kernel, dtype=dtype,
                                      device=device))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: U(+-1/sqrt(fan_in)) for weight and bias, fan_in = C/groups*kh*kw."""
        init.default_layer_init_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if not isinstance(input, Tensor):
            raise TypeError(f"Conv2d: expected a Tensor input, got {type(input).__name__}")
        if input.ndim not in (3, 4):
            raise ValueError(f"Conv2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got "
                             f"shape {tuple(input.shape)}")
        channels = input.shape[-3]
        if channels != self.in_channels:
            raise ValueError(f"Conv2d expected {self.in_channels} input channels, got {channels} "
                             f"(input shape {tuple(input.shape)})")
        return convolve(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups, "Conv2d")

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0, 0):
            text += f", padding={self.padding!r}" if isinstance(self.padding, str) else \
                f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text
