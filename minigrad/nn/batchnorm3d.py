"""``BatchNorm3d``: batch norm over (N, C, D, H, W) volumes, one statistic per channel C.

The batch-norm op (``minigrad/ops/normalization.py``) reduces over every axis but the
channels whatever the rank, so the 3-D layer is the shared ``_BatchNorm`` with 5-D input.
``_NormBase`` adds PyTorch 2.13's keyword ``bias`` (``bias=False`` keeps the learned scale
but drops the shift), which InstanceNorm shares.
"""
from __future__ import annotations

from typing import Any

from . import init
from .normalization import _BatchNorm


class _NormBase(_BatchNorm):
    """``_BatchNorm`` with PyTorch 2.13's ``bias`` keyword and its ``extra_repr``."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        if affine and not bias:
            self.bias = None

    def reset_parameters(self) -> None:
        """Running statistics back to the start, and weight 1, bias 0."""
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm3d(_NormBase):
    """Batch norm over (N, C, D, H, W) volumes (3-D convolutions), one statistic per channel C."""

    _ranks = (5,)
    _shapes = "a 5-D (N, C, D, H, W)"
