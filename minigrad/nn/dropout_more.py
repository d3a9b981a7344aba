"""More dropout: ``Dropout1d`` / ``Dropout3d`` drop whole channels of sequences and volumes
(as ``Dropout2d`` does for images); ``AlphaDropout`` / ``FeatureAlphaDropout`` drop values
(or channels) of a SELU network without disturbing its self-normalisation.

Alpha dropout sets a dropped value to SELU's negative saturation -alpha' (alpha' =
SELU's scale * alpha = 1.7580993...) rather than 0, then applies the affine map
x -> a x + b that brings mean 0 and variance 1 back, with PyTorch's constants:

    a = 1 / sqrt((alpha'^2 p + 1) (1 - p)),   b = (mask - 1) * alpha' a + alpha' a p

so out = x * (mask * a) + b: a kept value becomes a x + alpha' a p, a dropped one
alpha' a (p - 1). As PyTorch, p = 1 gives zeros, and eval is the identity. Masks are
drawn from the input device's generator, so ``mg.manual_seed`` repeats them; the mask is
a constant in the graph, so the gradient is ``grad * mask * a`` and differentiates again.
"""
from __future__ import annotations

import math
import warnings

from .. import dtypes
from ..tensor import Tensor
from .dropout import _check_p, _feature_mask
from .module import Module

#: SELU's scale times its alpha: where SELU saturates for large negative inputs (negated).
_SELU_NEGATIVE_SATURATION = 1.7580993408473766


def _check_input(input: object, op: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")


def _check_float(input: Tensor, op: str) -> None:
    if not dtypes.is_floating(input.dtype):
        raise TypeError(f"{op}: expected a floating-point input, got {input.dtype}")


def _channel_dropout(input: Tensor, p: float, batched: bool, op: str) -> Tensor:
    """Whole (sample, channel) entries dropped; an unbatched input is one sample."""
    _check_float(input, op)
    x = input if batched else input.unsqueeze(0)
    if x.ndim < 2:
        raise RuntimeError(f"{op}: Feature dropout requires at least 2 dimensions in the input, "
                           f"got shape {tuple(input.shape)}")
    out = x * _feature_mask(x, p)
    return out if batched else out.squeeze(0)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or unbatched (C, L) with probability ``p`` and scale
    the rest by 1/(1-p): neighbouring positions of a sequence are correlated."""
    p = _check_p(p, "dropout1d")
    _check_input(input, "dropout1d")
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D "
                           f"input (shape {tuple(input.shape)}). Note that dropout1d exists to "
                           "provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or 3D "
                           "inputs).")
    if not training or p == 0.0 or input.numel() == 0:
        return input
    return _channel_dropout(input, p, input.ndim == 3, "dropout1d")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or unbatched (C, D, H, W) with probability
    ``p`` and scale the rest by 1/(1-p). Other ranks warn (as PyTorch 2.13) and are taken as
    unbatched."""
    p = _check_p(p, "dropout3d")
    _check_input(input, "dropout3d")
    if input.ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is "
                      "deprecated and will result in an error in a future release. To retain the "
                      "behavior and silence this warning, please use dropout instead. Note that "
                      "dropout3d exists to provide channel-wise dropout on inputs with 3 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. 4D "
                      "or 5D inputs).", UserWarning, stacklevel=2)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    return _channel_dropout(input, p, input.ndim == 5, "dropout3d")


def _alpha_dropout(input: Tensor, p: float, training: bool, feature: bool, op: str) -> Tensor:
    """x * (mask * a) + b with PyTorch's a and b (module docstring); one draw per element, or
    per (sample, channel) when ``feature``."""
    p = _check_p(p, op)
    _check_input(input, op)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    _check_float(input, op)
    if feature and input.ndim < 2:
        raise RuntimeError(f"{op}: Feature dropout requires at least 2 dimensions in the input, "
                           f"got shape {tuple(input.shape)}")
    if p == 1.0:  # PyTorch multiplies by zero here, without the affine correction
        return input * 0.0
    dtype = input.dtype
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2) if feature else tuple(input.shape)
    draw_dtype = dtype if dtype in (dtypes.float32, dtypes.float64) else dtypes.float32
    keep = (input.backend.rng.random(shape, dtype=draw_dtype) >= p).astype(dtype)
    alpha = _SELU_NEGATIVE_SATURATION
    a = 1.0 / math.sqrt((alpha * alpha * p + 1.0) * (1.0 - p))
    shift = (keep - 1.0) * (alpha * a) + alpha * a * p  # Python floats: dtype is kept
    scale = keep * a
    return input * Tensor._make(scale, input.device) + Tensor._make(shift, input.device)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,  # noqa: A002
                  inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: dropped values go to SELU's saturation and an affine map
    keeps mean 0 and variance 1. ``training`` defaults to False, as PyTorch's."""
    return _alpha_dropout(input, p, training, False, "alpha_dropout")


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,  # noqa: A002
                          inplace: bool = False) -> Tensor:
    """Alpha dropout of whole (sample, channel) entries of (N, C, *) input. ``training``
    defaults to False, as PyTorch's."""
    return _alpha_dropout(input, p, training, True, "feature_alpha_dropout")


class _DropoutNd(Module):
    """The ``p`` and ``inplace`` every dropout layer holds (``inplace`` is accepted so that
    PyTorch code runs; the result is always a new tensor)."""

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        self.p = _check_p(p, type(self).__name__)
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(_DropoutNd):
    """Randomly zero whole channels of (N, C, L) or (C, L) in training; identity in eval."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return dropout1d(input, self.p, self.training)


class Dropout3d(_DropoutNd):
    """Randomly zero whole channels of (N, C, D, H, W) or (C, D, H, W) in training."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return dropout3d(input, self.p, self.training)


class AlphaDropout(_DropoutNd):
    """Alpha dropout for SELU networks in training (keeps mean 0, variance 1); identity in
    eval."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels for SELU networks in training; identity in eval."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return feature_alpha_dropout(input, self.p, self.training)
