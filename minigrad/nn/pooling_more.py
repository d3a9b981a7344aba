"""More pooling: power-average pooling ``LPPool1d`` / ``LPPool2d`` (``lp_pool1d``,
``lp_pool2d``) and max unpooling ``MaxUnpool1d`` / ``MaxUnpool2d`` (``max_unpool1d``,
``max_unpool2d``; the op is in ``minigrad/ops/max_unpool.py``).

LP pooling is (sum over the window of x^p)^(1/p): p = 1 is sum pooling, large p tends to
max pooling. As PyTorch it is computed as the average pool of x^p (no padding) times the
kernel area, through sign(s) * relu(|s|) before the root, so values and gradients match
PyTorch's, ceil_mode's clipped edge windows included; p = +-inf is the max (min) of |x|.
The 3-D forms (LPPool3d, MaxUnpool3d) are in ``pooling3d.py``.
"""
from __future__ import annotations

import math
from typing import Any

from ..ops.comparison import where
from ..ops.convolution import as_pair
from ..ops.max_unpool import max_unpool
from ..ops.pooling import avg_pool, check_pool_input, max_pool
from ..tensor import Tensor
from .conv import as_single
from .module import Module
from .pooling import _avg_pool1d, _max_pool1d


def _check_norm_type(norm_type: Any, op: str) -> float:
    if isinstance(norm_type, bool) or not isinstance(norm_type, (int, float)) or norm_type == 0:
        raise ValueError(f"{op}: norm_type must be a non-zero number, got {norm_type!r}")
    return norm_type


def _root(pooled: Tensor, area: int, norm_type: float) -> Tensor:
    """PyTorch's last step, (sign(s) * relu(|s|) * area) ** (1 / p). sign(s) * relu(|s|) is s
    with gradient 1 where s != 0, and 0 with gradient 0 where s == 0 (PyTorch's relu
    backward selects, so an all-zero window gets a zero gradient rather than 0 * inf)."""
    cleaned = where(pooled != 0, pooled, 0.0)
    return (cleaned * area) ** (1.0 / norm_type)


def _lp_pool1d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any,
               ceil_mode: bool, op: str) -> Tensor:
    norm_type = _check_norm_type(norm_type, op)
    check_pool_input(input, op, 1)
    k = as_single(kernel_size, "kernel_size", op)
    if math.isinf(norm_type):  # the max (or, for -inf, the min) of |x| over each window
        sign = 1.0 if norm_type > 0 else -1.0
        return _max_pool1d(input.abs() * sign, k, stride, 0, 1, ceil_mode, False, op) * sign
    pooled = _avg_pool1d(input ** norm_type, k, stride, 0, ceil_mode, True, op)
    return _root(pooled, k, norm_type)


def _lp_pool2d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any,
               ceil_mode: bool, op: str) -> Tensor:
    norm_type = _check_norm_type(norm_type, op)
    check_pool_input(input, op, 2)
    kh, kw = as_pair(kernel_size, "kernel_size", op)
    if math.isinf(norm_type):  # the max (or, for -inf, the min) of |x| over each window
        sign = 1.0 if norm_type > 0 else -1.0
        return max_pool(input.abs() * sign, (kh, kw), stride, 0, 1, ceil_mode, False, op) * sign
    pooled = avg_pool(input ** norm_type, (kh, kw), stride, 0, ceil_mode, True, None, op)
    return _root(pooled, kh * kw, norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: int,  # noqa: A002
              stride: Any = None, ceil_mode: bool = False) -> Tensor:
    """PyTorch's ``F.lp_pool1d``: (sum of x^p over each window along L)^(1/p)."""
    return _lp_pool1d(input, norm_type, kernel_size, stride, ceil_mode, "lp_pool1d")


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Any,  # noqa: A002
              stride: Any = None, ceil_mode: bool = False) -> Tensor:
    """PyTorch's ``F.lp_pool2d``: (sum of x^p over each window of the plane)^(1/p)."""
    return _lp_pool2d(input, norm_type, kernel_size, stride, ceil_mode, "lp_pool2d")


class _LPPoolNd(Module):
    """The arguments LPPool1d/2d/3d share (PyTorch's ``_LPPoolNd``); ``stride`` defaults to
    ``kernel_size`` in the functional form."""

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None,
                 ceil_mode: bool = False):
        super().__init__()
        self.norm_type = _check_norm_type(norm_type, type(self).__name__)
        self.kernel_size, self.stride, self.ceil_mode = kernel_size, stride, ceil_mode

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """(sum of x^p over each window along L)^(1/p): between sum (p=1) and max (large p)."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return _lp_pool1d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode,
                          "LPPool1d")


class LPPool2d(_LPPoolNd):
    """(sum of x^p over each window of the plane)^(1/p): between sum and max pooling."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return _lp_pool2d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode,
                          "LPPool2d")


# --- max unpooling ----------------------------------------------------------------------------
def _unpool_args(kernel_size: Any, stride: Any, padding: Any, convert: Any, op: str) -> tuple:
    """(kernel, stride, padding) as the tuples ``convert`` makes (``stride`` defaults to the
    kernel), as every max_unpool stores and checks them."""
    k = convert(kernel_size, "kernel_size", op)
    s = k if stride is None else convert(stride, "stride", op)
    return k, s, convert(padding, "padding", op)


def _as_1tuple(value: Any, name: str, op: str) -> tuple:
    """An int or a 1-tuple -> the 1-tuple PyTorch stores for 1-D layers."""
    return (as_single(value, name, op),)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: Any,  # noqa: A002
                 stride: Any = None, padding: Any = 0, output_size: Any = None) -> Tensor:
    """PyTorch's ``F.max_unpool1d``: each value of (N, C, L) put back at the position
    ``max_pool1d(..., return_indices=True)`` gave it, zeros elsewhere."""
    k, s, p = _unpool_args(kernel_size, stride, padding, _as_1tuple, "max_unpool1d")
    return max_unpool(input, indices, k, s, p, output_size, "max_unpool1d")


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: Any,  # noqa: A002
                 stride: Any = None, padding: Any = 0, output_size: Any = None) -> Tensor:
    """PyTorch's ``F.max_unpool2d``: each value of (N, C, H, W) put back at the position
    ``max_pool2d(..., return_indices=True)`` gave it, zeros elsewhere."""
    k, s, p = _unpool_args(kernel_size, stride, padding, as_pair, "max_unpool2d")
    return max_unpool(input, indices, k, s, p, output_size, "max_unpool2d")


class _MaxUnpoolNd(Module):
    """What MaxUnpool1d/2d/3d share (PyTorch's ``_MaxUnpoolNd``): forward(input, indices,
    output_size=None); a subclass names the converter its arguments are stored through."""

    _convert = staticmethod(_as_1tuple)

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0):
        super().__init__()
        self.kernel_size, self.stride, self.padding = _unpool_args(
            kernel_size, stride, padding, self._convert, type(self).__name__)

    def forward(self, input: Tensor, indices: Tensor,  # noqa: A002
                output_size: Any = None) -> Tensor:
        return max_unpool(input, indices, self.kernel_size, self.stride, self.padding,
                          output_size, type(self).__name__)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Undo MaxPool1d's selection: values back at their argmax positions, zeros elsewhere.
    Stores its arguments as 1-tuples, as PyTorch does."""

    _convert = staticmethod(_as_1tuple)


class MaxUnpool2d(_MaxUnpoolNd):
    """Undo MaxPool2d's selection: values back at their argmax positions, zeros elsewhere.
    Stores its arguments as pairs, as PyTorch does."""

    _convert = staticmethod(as_pair)
