"""``gumbel_softmax``: a differentiable sample from the categorical distribution softmax(logits).

Adding Gumbel(0, 1) noise g = -log(E), E ~ Exp(1), to the logits and taking the argmax draws
class i with probability softmax(logits)_i (the Gumbel-max trick). Replacing the argmax by a
softmax at temperature ``tau`` makes the sample a smooth function of the logits (Jang et al.
2017, Maddison et al. 2017): low tau is close to one-hot, high tau close to uniform. With
``hard=True`` the forward value is the one-hot argmax while the gradient is the soft sample's
(straight-through: y_hard - y_soft.detach() + y_soft). The noise comes from the device
generator, so ``mg.manual_seed`` repeats a draw.
"""
from __future__ import annotations

import numbers
import warnings

from .. import dtypes
from ..creation import empty_like, zeros_like
from ..tensor import Tensor
from .dims import normalize_dim
from .indexing import scatter
from .softmax import softmax
from .unary_math import log


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """A relaxed (or, with ``hard``, straight-through one-hot) sample of the categorical
    distribution over ``dim`` with unnormalised log-probabilities ``logits``."""
    if not isinstance(logits, Tensor):
        raise TypeError(f"gumbel_softmax: expected a Tensor of logits, got "
                        f"{type(logits).__name__}")
    if not dtypes.is_floating(logits.dtype):
        raise RuntimeError(f"gumbel_softmax: expected floating-point logits, got {logits.dtype}")
    if isinstance(tau, bool) or not isinstance(tau, numbers.Real):
        raise TypeError(f"gumbel_softmax: tau must be a number, got {tau!r}")
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", UserWarning,
                      stacklevel=2)
    dim = normalize_dim(dim, logits.shape, "gumbel_softmax")
    noise = empty_like(logits).exponential_()
    gumbels = (logits - log(noise)) / float(tau)
    y_soft = softmax(gumbels, dim)
    if not hard:
        return y_soft
    index = y_soft.detach().argmax(dim, keepdim=True)
    y_hard = scatter(zeros_like(logits), dim, index, value=1.0)
    return y_hard - y_soft.detach() + y_soft
