"""``ConvReLUMaxPool2d``: Conv2d -> ReLU -> MaxPool2d(2) as one layer, for speed on the CPU.

The same parameters (``weight``, ``bias``) and the same results as the three layers; on the
CPU the forward and backward run as one op over cache-sized groups of images
(``ops/conv_relu_pool.py``), elsewhere as the three ops. ``nn.utils.fuse_modules`` makes one
from a model's own layers, keeping their parameter objects, so an optimizer made before the
fusion and a saved ``state_dict`` still fit.
"""
from __future__ import annotations

from typing import Any

from .. import dtypes
from ..ops.conv_relu_pool import conv_relu_max_pool2d
from ..ops.convolution import conv2d
from ..ops.activation_basic import relu
from ..ops.pooling import max_pool2d
from ..tensor import Tensor
from .activation import ReLU
from .conv import Conv2d
from .module import Module
from .pooling import MaxPool2d
from .utils.fusion import FusionError


def _pair(value: Any) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def _conv_padding(conv: Conv2d) -> tuple | None:
    """The convolution's (ph, pw) zero padding, or None where it is not the same on both
    sides ('same' with an even kernel)."""
    if conv.padding == "valid":
        return (0, 0)
    if conv.padding == "same":
        if any(k % 2 == 0 for k in conv.kernel_size):
            return None
        return tuple((k - 1) // 2 for k in conv.kernel_size)
    return tuple(conv.padding)


def why_not_fusable(conv: Any, relu_layer: Any, pool: Any) -> str | None:
    """Why these three layers cannot become one ``ConvReLUMaxPool2d`` (None when they can)."""
    if not (type(conv) is Conv2d and type(relu_layer) is ReLU and type(pool) is MaxPool2d):
        return (f"expected (Conv2d, ReLU, MaxPool2d), got ({type(conv).__name__}, "
                f"{type(relu_layer).__name__}, {type(pool).__name__})")
    if conv.stride != (1, 1) or conv.dilation != (1, 1) or conv.groups != 1:
        return (f"the convolution must have stride 1, dilation 1 and groups 1 (got stride "
                f"{conv.stride}, dilation {conv.dilation}, groups {conv.groups})")
    if conv.padding_mode != "zeros" or _conv_padding(conv) is None:
        return (f"the convolution's padding must be zeros, the same on both sides (got "
                f"padding {conv.padding!r}, padding_mode {conv.padding_mode!r})")
    if (_pair(pool.kernel_size), _pair(pool.stride), _pair(pool.padding), _pair(pool.dilation),
            pool.ceil_mode, pool.return_indices) != ((2, 2), (2, 2), (0, 0), (1, 1), False, False):
        return (f"the pooling must be MaxPool2d(2) (2x2 windows, stride 2, no padding, "
                f"dilation, ceil_mode or indices), got {pool!r}")
    for layer in (conv, relu_layer, pool):
        if layer._forward_hooks or layer._forward_pre_hooks or layer._backward_hooks:
            return f"{type(layer).__name__} has hooks, which the fused layer would not call"
    return None


class ConvReLUMaxPool2d(Module):
    """``MaxPool2d(2)(ReLU()(Conv2d(...)(x)))`` in one layer: stride-1 convolution with zero
    padding, then ReLU, then 2x2 max pooling. Parameters and results as the three layers'."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, padding: Any = 0,
                 bias: bool = True, device: Any = None, dtype: Any = None):
        super().__init__()
        self._adopt(Conv2d(in_channels, out_channels, kernel_size, padding=padding, bias=bias,
                           device=device, dtype=dtype))

    @classmethod
    def fuse(cls, conv: Conv2d, relu_layer: ReLU, pool: MaxPool2d) -> "ConvReLUMaxPool2d":
        """The fused layer of ``conv``, ``relu_layer`` and ``pool``, sharing conv's parameters
        (the very same objects) and its train/eval mode."""
        why = why_not_fusable(conv, relu_layer, pool)
        if why is not None:
            raise FusionError(f"ConvReLUMaxPool2d.fuse: {why}")
        fused = cls.__new__(cls)
        Module.__init__(fused)
        fused._adopt(conv)
        fused.train(conv.training)
        return fused

    def _adopt(self, conv: Conv2d) -> None:
        self.in_channels, self.out_channels = conv.in_channels, conv.out_channels
        self.kernel_size, self.padding = conv.kernel_size, _conv_padding(conv)
        self.weight = conv.weight
        if conv.bias is None:
            self.register_parameter("bias", None)
        else:
            self.bias = conv.bias

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if input.device == "cpu" and input.ndim == 4 and \
                input.dtype in (dtypes.float32, dtypes.float64):
            return conv_relu_max_pool2d(input, self.weight, self.bias, self.padding)
        return max_pool2d(relu(conv2d(input, self.weight, self.bias, padding=self.padding)), 2)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"padding={self.padding}, bias={self.bias is not None}, pool=2")
