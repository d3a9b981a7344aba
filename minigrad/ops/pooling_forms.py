"""PyTorch's top-level pooling names (``torch.max_pool1d/2d/3d``, ``torch.max_pool1d_with_indices``,
``torch.avg_pool1d``, ``torch.adaptive_avg_pool1d``, ``torch.adaptive_max_pool1d``), as
``mg.*``. They take no ``return_indices``; ``adaptive_max_pool1d`` and
``max_pool1d_with_indices`` always return (values, indices), as PyTorch's do.

The 1-D pools are written in ``minigrad/nn/pooling.py`` (a 2-D pool over a unit-height plane,
with 1-D checks); they are imported when first called, so ``import minigrad`` does not load
``nn``.
"""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from .pooling import max_pool
from .pooling3d import max_pool3d_op


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False) -> Tensor:
    """``torch.max_pool1d``: the largest value of each window along L."""
    from ..nn.pooling import _max_pool1d
    return _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, False,
                       "max_pool1d")


def max_pool1d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False) -> tuple:
    """``torch.max_pool1d_with_indices``: (values, indices) of ``max_pool1d``."""
    from ..nn.pooling import _max_pool1d
    return _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True,
                       "max_pool1d_with_indices")


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False) -> Tensor:
    """``torch.max_pool2d``: the largest value of each h x w window."""
    return max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, False,
                    "max_pool2d")


def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False) -> Tensor:
    """``torch.max_pool3d``: the largest value of each d x h x w window."""
    return max_pool3d_op(input, kernel_size, stride, padding, dilation, ceil_mode, False,
                         "max_pool3d")


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """``torch.avg_pool1d``: the mean of each window along L."""
    from ..nn.pooling import _avg_pool1d
    return _avg_pool1d(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       "avg_pool1d")


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """``torch.adaptive_avg_pool1d``: average over windows giving ``output_size`` positions."""
    from ..nn.pooling import _adaptive_avg_pool1d
    return _adaptive_avg_pool1d(input, output_size, "adaptive_avg_pool1d")


def adaptive_max_pool1d(input: Tensor, output_size: Any) -> tuple:
    """``torch.adaptive_max_pool1d``: (values, indices) of the max over windows giving
    ``output_size`` positions (unlike ``F.adaptive_max_pool1d``, always both)."""
    from ..nn.pooling import _adaptive_max_pool1d
    return _adaptive_max_pool1d(input, output_size, True, "adaptive_max_pool1d")
