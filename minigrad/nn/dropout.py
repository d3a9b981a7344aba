"""``Dropout``: zero activations at random while training, and its functional form ``dropout``;
``Dropout2d`` / ``dropout2d`` zero whole channels (feature maps) instead of single values.

Inverted dropout: kept values are scaled by 1/(1-p) during training, so the
layer is the identity in eval mode and needs no rescaling at inference. The mask
is drawn from the generator of the input's device, so ``mg.manual_seed`` makes
it repeatable. ``inplace`` is accepted so PyTorch code runs unchanged; the result
is always a new tensor.
"""
from __future__ import annotations

import warnings

from .. import dtypes
from ..errors import ShapeError
from ..tensor import Tensor
from .module import Module


def _check_p(p: float, op: str) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p!r}")
    return float(p)


def dropout(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
            inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (when training)."""
    p = _check_p(p, "dropout")
    if not isinstance(input, Tensor):
        raise TypeError(f"dropout: expected a Tensor, got {type(input).__name__}")
    if not training or p == 0.0:
        return input
    if not dtypes.is_floating(input.dtype):
        raise TypeError(f"dropout: expected a floating-point input, got {input.dtype}")
    xp = input.xp
    dtype = input.dtype
    if p == 1.0:
        mask = xp.zeros(input.shape, dtype=dtype)
    else:
        draw_dtype = dtype if dtype in (dtypes.float32, dtypes.float64) else dtypes.float32
        uniform = input.backend.rng.random(input.shape, dtype=draw_dtype)
        mask = (uniform >= p).astype(dtype) * dtype.type(1.0 / (1.0 - p))
    # The mask is a constant: the product's backward is grad * mask, and it differentiates again.
    return input * Tensor._make(mask, input.device)


def _feature_mask(input: Tensor, p: float) -> Tensor:
    """A (N, C, 1, ...) mask of 0 and 1/(1-p): one draw per (sample, channel)."""
    xp, dtype = input.xp, input.dtype
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    if p == 1.0:
        return Tensor._make(xp.zeros(shape, dtype=dtype), input.device)
    draw_dtype = dtype if dtype in (dtypes.float32, dtypes.float64) else dtypes.float32
    uniform = input.backend.rng.random(shape, dtype=draw_dtype)
    return Tensor._make((uniform >= p).astype(dtype) * dtype.type(1.0 / (1.0 - p)), input.device)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) with probability ``p`` and scale the rest by
    1/(1-p): neighbouring pixels are correlated, so single-pixel dropout barely regularises.

    As PyTorch 2.13: a 3-D input is taken as (N, C, L) (channel-wise 1-D dropout, with
    PyTorch's warning that this will change to unbatched (C, H, W)); other ranks than 3 and 4
    warn and drop per (dim 0, dim 1) entry."""
    p = _check_p(p, "dropout2d")
    if not isinstance(input, Tensor):
        raise TypeError(f"dropout2d: expected a Tensor, got {type(input).__name__}")
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is "
                      "deprecated and will result in an error in a future release. To retain the "
                      "behavior and silence this warning, please use dropout instead. Note that "
                      "dropout2d exists to provide channel-wise dropout on inputs with 2 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D "
                      "or 4D inputs).", UserWarning, stacklevel=2)
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim. This behavior will change in a future release "
                      "to interpret the input as one without a batch dimension, i.e. shape "
                      "(C, H, W). To maintain the 1D channel-wise dropout behavior, please switch "
                      "to using dropout1d instead.", UserWarning, stacklevel=2)
    if not training or p == 0.0:
        return input
    if input.ndim < 2:
        raise ShapeError(f"dropout2d: expected an input with a batch and a channel dimension, "
                         f"got shape {tuple(input.shape)}")
    if not dtypes.is_floating(input.dtype):
        raise TypeError(f"dropout2d: expected a floating-point input, got {input.dtype}")
    # The mask is a constant broadcast over H, W: backward is grad * mask, differentiable again.
    return input * _feature_mask(input, p)


class Dropout(Module):
    """Randomly zero elements with probability ``p`` in training; identity in eval."""

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        self.p = _check_p(p, "Dropout")
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Module):
    """Randomly zero whole channels of (N, C, H, W) with probability ``p`` in training, scaling
    the kept ones by 1/(1-p); identity in eval. 3-D input is (N, C, L), as PyTorch 2.13."""

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        self.p = _check_p(p, "Dropout2d")
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return dropout2d(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
