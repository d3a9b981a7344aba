"""``LazyConv3d``, ``LazyConvTranspose1d``, ``LazyConvTranspose3d``: the lazy forms
(``lazy.py``) of the layers in ``conv_nd.py``."""
from __future__ import annotations

from .conv_nd import Conv3d, ConvTranspose1d, ConvTranspose3d
from .lazy import _lazy_conv, _lazy_conv_transpose

LazyConv3d = _lazy_conv(Conv3d, 3)
LazyConvTranspose1d = _lazy_conv_transpose(ConvTranspose1d, 1)
LazyConvTranspose3d = _lazy_conv_transpose(ConvTranspose3d, 3)

__all__ = ["LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose3d"]
