"""``Dropout``: zero activations at random while training, and its functional form ``dropout``.

Inverted dropout: kept values are scaled by 1/(1-p) during training, so the
layer is the identity in eval mode and needs no rescaling at inference. The mask
is drawn from the generator of the input's device, so ``mg.manual_seed`` makes
it repeatable. ``inplace`` is accepted so PyTorch code runs unchanged; the result
is always a new tensor.
"""
from __future__ import annotations

from .. import dtypes
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
