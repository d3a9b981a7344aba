"""Volumetric pooling layers and functionals: ``MaxPool3d``, ``AvgPool3d``,
``AdaptiveAvgPool3d``, ``AdaptiveMaxPool3d``, ``LPPool3d``, ``MaxUnpool3d`` (``adaptive_max_pool3d``,
``lp_pool3d``, ``max_unpool3d``), and PyTorch's ``*_with_indices`` spellings of the max pools,
which always return (values, indices).

The max, average and adaptive average pools live in ``minigrad/ops/pooling3d.py`` (a 2-D pool
over each depth slice, then one along depth). Adaptive max pooling splits the same way, over
the 2-D adaptive max pool of ``pooling.py``; LP pooling is average pooling of x^p, as the 1-D
and 2-D forms in ``pooling_more.py``; unpooling is the N-D scatter of ``ops/max_unpool.py``.
"""
from __future__ import annotations

import math
from typing import Any

from ..ops.max_unpool import max_unpool
from ..ops.pooling3d import (adaptive_avg_pool3d_op, adaptive_sizes3d, as_triple, avg_pool3d_op,
                             check_input3d, max_pool3d_op, volume_indices)
from ..tensor import Tensor
from .pooling import (_AdaptiveAvgPoolNd, _AdaptiveMaxPoolNd, _AvgPoolNd, _MaxPoolNd,
                      _adaptive_max_pool, _adaptive_max_pool1d, _max_pool1d, max_pool)
from .pooling_more import _check_norm_type, _LPPoolNd, _MaxUnpoolNd, _root, _unpool_args


# --- adaptive max pooling -------------------------------------------------------------------
def _adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool, op: str) -> Any:
    """The 2-D adaptive max over each depth slice, then the adaptive max along depth; each
    stage keeps its first maximum, so the winner is the first in (d, h, w) order (PyTorch's)."""
    x, unbatched = check_input3d(input, op)
    do, ho, wo = adaptive_sizes3d(x, output_size, op)
    n, c, d, h, w = x.shape
    if (do, ho, wo) == (1, 1, 1):  # global: one stage over each (D, H*W) plane, whose flat
        # index d * H*W + (h * W + w) is already the volume's
        result = _adaptive_max_pool(x.reshape(n, c, d, h * w), 1, return_indices, op)
        result = tuple(r.reshape(n, c, 1, 1, 1) for r in result) if return_indices else \
            result.reshape(n, c, 1, 1, 1)
        if unbatched:
            result = tuple(r.squeeze(0) for r in result) if return_indices else result.squeeze(0)
        return result
    plane, plane_index = _adaptive_max_pool(x.reshape(n, c * d, h, w), (ho, wo), True, op)
    value, depth_index = _adaptive_max_pool(plane.reshape(n, c, d, ho * wo), (do, ho * wo),
                                            True, op)
    value = value.reshape(n, c, do, ho, wo)
    result = (value, volume_indices(plane_index, depth_index, x.shape, (ho, wo))) \
        if return_indices else value
    if unbatched:
        result = tuple(r.squeeze(0) for r in result) if return_indices else result.squeeze(0)
    return result


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """PyTorch's ``F.adaptive_max_pool3d``: the max over windows chosen to give
    ``output_size``; with ``return_indices`` also each winner's flat d*H*W + h*W + w."""
    return _adaptive_max_pool3d(input, output_size, return_indices, "adaptive_max_pool3d")


# --- the *_with_indices spellings: always (values, indices) ---------------------------------
def max_pool1d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple:
    """PyTorch's ``F.max_pool1d_with_indices``: ``max_pool1d`` returning (values, indices)
    whatever ``return_indices`` says."""
    return _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True,
                       "max_pool1d_with_indices")


def max_pool2d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple:
    """PyTorch's ``F.max_pool2d_with_indices``: ``max_pool2d`` returning (values, indices)."""
    return max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True,
                    "max_pool2d_with_indices")


def max_pool3d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple:
    """PyTorch's ``F.max_pool3d_with_indices``: ``max_pool3d`` returning (values, indices)."""
    return max_pool3d_op(input, kernel_size, stride, padding, dilation, ceil_mode, True,
                         "max_pool3d_with_indices")


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple:
    """PyTorch's ``F.adaptive_max_pool1d_with_indices``: always (values, indices)."""
    return _adaptive_max_pool1d(input, output_size, True, "adaptive_max_pool1d_with_indices")


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple:
    """PyTorch's ``F.adaptive_max_pool2d_with_indices``: always (values, indices)."""
    return _adaptive_max_pool(input, output_size, True, "adaptive_max_pool2d_with_indices")


def adaptive_max_pool3d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple:
    """PyTorch's ``F.adaptive_max_pool3d_with_indices``: always (values, indices)."""
    return _adaptive_max_pool3d(input, output_size, True, "adaptive_max_pool3d_with_indices")


# --- LP pooling and unpooling ---------------------------------------------------------------
def _lp_pool3d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any,
               ceil_mode: bool, op: str) -> Tensor:
    norm_type = _check_norm_type(norm_type, op)
    check_input3d(input, op)
    kernel = as_triple(kernel_size, "kernel_size", op)
    if math.isinf(norm_type):  # the max (or, for -inf, the min) of |x| over each window
        sign = 1.0 if norm_type > 0 else -1.0
        return max_pool3d_op(input.abs() * sign, kernel, stride, 0, 1, ceil_mode, False,
                             op) * sign
    pooled = avg_pool3d_op(input ** norm_type, kernel, stride, 0, ceil_mode, True, None, op)
    return _root(pooled, kernel[0] * kernel[1] * kernel[2], norm_type)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size: Any,  # noqa: A002
              stride: Any = None, ceil_mode: bool = False) -> Tensor:
    """PyTorch's ``F.lp_pool3d``: (sum of x^p over each d x h x w window)^(1/p)."""
    return _lp_pool3d(input, norm_type, kernel_size, stride, ceil_mode, "lp_pool3d")


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size: Any,  # noqa: A002
                 stride: Any = None, padding: Any = 0, output_size: Any = None) -> Tensor:
    """PyTorch's ``F.max_unpool3d``: each value of (N, C, D, H, W) put back at the position
    ``max_pool3d(..., return_indices=True)`` gave it, zeros elsewhere."""
    k, s, p = _unpool_args(kernel_size, stride, padding, as_triple, "max_unpool3d")
    return max_unpool(input, indices, k, s, p, output_size, "max_unpool3d")


# --- layers ---------------------------------------------------------------------------------
class MaxPool3d(_MaxPoolNd):
    """The largest value of each d x h x w window (video, volumes); ``stride`` defaults to
    ``kernel_size``; the gradient goes to each window's first maximum."""

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return max_pool3d_op(input, self.kernel_size, self.stride, self.padding, self.dilation,
                             self.ceil_mode, self.return_indices, "MaxPool3d")


class AvgPool3d(_AvgPoolNd):
    """The mean of each d x h x w window; ``stride`` defaults to ``kernel_size``; zero padding
    is counted in the mean unless ``count_include_pad=False``."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return avg_pool3d_op(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                             self.count_include_pad, self.divisor_override, "AvgPool3d")


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """Average pooling that picks its windows to give ``output_size`` whatever the volume
    (``1`` gives global average pooling; None keeps a dimension)."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return adaptive_avg_pool3d_op(input, self.output_size, "AdaptiveAvgPool3d")


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max pooling that picks its windows to give ``output_size`` whatever the volume."""

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return _adaptive_max_pool3d(input, self.output_size, self.return_indices,
                                    "AdaptiveMaxPool3d")


class LPPool3d(_LPPoolNd):
    """(sum of x^p over each d x h x w window)^(1/p): between sum (p=1) and max pooling."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return _lp_pool3d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode,
                          "LPPool3d")


class MaxUnpool3d(_MaxUnpoolNd):
    """Undo MaxPool3d's selection: values back at their argmax positions, zeros elsewhere.
    Stores its arguments as triples, as PyTorch does."""

    _convert = staticmethod(as_triple)
