"""How an activation sits in memory, for the ops that pick their loops by it.

A convolution leaves its output channels-last, (N, H, W, C) in memory, handed out as an
NCHW-shaped view; ReLU, pooling and batch norm keep that order rather than transpose.
"""
from __future__ import annotations

import math
from typing import Any


def is_channels_last(array: Any) -> bool:
    """Whether an (N, C, H, W) array stores channels fastest, as a convolution's output does."""
    return array.strides[1] < array.strides[3]


def as_rows(array: Any) -> Any:
    """``array`` as (N, rest) rows in its memory order (C or channels-last), with no copy;
    None for other layouts. Elementwise work along such rows runs NumPy's inner loop over a
    whole row, not over C values."""
    rest = math.prod(array.shape[1:])  # explicit: -1 is ambiguous for an empty batch
    if array.flags.c_contiguous:
        return array.reshape(array.shape[0], rest)
    if array.ndim == 4:
        nhwc = array.transpose(0, 2, 3, 1)
        if nhwc.flags.c_contiguous:
            return nhwc.reshape(array.shape[0], rest)
    return None
