"""PyTorch's deprecated resizing functions ``F.upsample``, ``F.upsample_nearest`` and
``F.upsample_bilinear``: old code still calls them, so they exist, warn as PyTorch does, and
forward to ``interpolate`` (``minigrad/ops/upsample.py``). ``upsample_bilinear`` keeps its
historical ``align_corners=True``."""
from __future__ import annotations

import warnings
from typing import Any

from ..ops.upsample import resize
from ..tensor import Tensor


def _deprecated(name: str) -> None:
    warnings.warn(f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", UserWarning, stacklevel=3)


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None,  # noqa: A002
             mode: str = "nearest", align_corners: bool | None = None) -> Tensor:
    """Deprecated spelling of ``interpolate`` (same arguments but the last two)."""
    _deprecated("upsample")
    return resize(input, size, scale_factor, mode, align_corners, None, False, "upsample")


def upsample_nearest(input: Tensor, size: Any = None,  # noqa: A002
                     scale_factor: Any = None) -> Tensor:
    """Deprecated: ``interpolate(input, size, scale_factor, mode='nearest')``."""
    _deprecated("upsample_nearest")
    return resize(input, size, scale_factor, "nearest", None, None, False, "upsample_nearest")


def upsample_bilinear(input: Tensor, size: Any = None,  # noqa: A002
                      scale_factor: Any = None) -> Tensor:
    """Deprecated: ``interpolate(input, size, scale_factor, mode='bilinear',
    align_corners=True)`` for 4-D input."""
    _deprecated("upsample_bilinear")
    return resize(input, size, scale_factor, "bilinear", True, None, False, "upsample_bilinear")
