"""``BatchNorm3d``: batch norm over (N, C, D, H, W) volumes, one statistic per channel C.

The batch-norm op (``minigrad/ops/normalization.py``) reduces over every axis but the
channels whatever the rank, so the 3-D layer is the shared ``_BatchNorm`` with 5-D input.
"""
from __future__ import annotations

from .normalization import _BatchNorm


class BatchNorm3d(_BatchNorm):
    """Batch norm over (N, C, D, H, W) volumes (3-D convolutions), one statistic per channel C."""

    _ranks = (5,)
    _shapes = "a 5-D (N, C, D, H, W)"
