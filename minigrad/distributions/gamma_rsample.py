"""Reparameterised Gamma draws: the implicit gradient of a standard Gamma(alpha) draw x.

x = F^-1(u; alpha) with F = P(alpha, .) the regularized incomplete gamma, so at fixed u
    dx/dalpha = -(dP/dalpha)(alpha, x) / p(x; alpha),  p(x; alpha) = x^(alpha-1) e^-x / Gamma(alpha)
(Figurnov et al. 2018, "Implicit reparameterization gradients"). dP/dalpha has no closed form;
it is taken here by a fourth-order central difference of minigrad's igamma (relative accuracy
~1e-14) in alpha, on Q = 1 - P where x >= alpha + 1 so that the tails keep their relative
accuracy: about 1e-10 relative for the gradient. Beta and Dirichlet draws are normalised Gamma
draws, so their rsample differentiates through this one op.
"""
from __future__ import annotations

from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..ops.gamma import lgamma_array
from ..ops.incomplete_gamma import igamma_array
from ..tensor import Tensor
from .utils import draw, finfo


def _dx_dalpha(alpha: Any, x: Any, xp: Any) -> Any:
    """-dP/dalpha / density at (alpha, x), in float64, by a 5-point stencil in alpha."""
    a = alpha.astype(dtypes.float64)
    x = x.astype(dtypes.float64)
    upper = x >= a + 1.0
    # P(alpha, x) varies in alpha on the scale of the smaller of alpha and the standard
    # deviation sqrt(alpha): a step of 1e-3 alpha at large alpha spans many deviations and
    # the stencil's h^4 error takes over (6e-2 relative at alpha = 1e6 with h = 1e-3 alpha)
    h = 1e-3 * xp.minimum(a, xp.sqrt(a))

    def cdf(shift: float) -> Any:  # P below the mode region, -Q above it (same derivative)
        at = a + shift * h
        return xp.where(upper, -igamma_array(at, x, xp, True), igamma_array(at, x, xp, False))

    dp = (cdf(-2.0) - 8.0 * cdf(-1.0) + 8.0 * cdf(1.0) - cdf(2.0)) / (12.0 * h)
    log_density = (a - 1.0) * xp.log(x) - x - lgamma_array(a, xp)
    return -dp * xp.exp(-log_density)


class StandardGammaRsample(Function):
    """The draw ``x`` of Gamma(alpha, 1) as a function of alpha (u held fixed)."""
    once_differentiable = True

    @staticmethod
    def forward(ctx, alpha, x):
        ctx.save_for_backward(alpha, x)
        return x.array.copy()

    @staticmethod
    def backward(ctx, grad):
        alpha, x = ctx.saved_tensors
        d = _dx_dalpha(alpha.array, x.array, alpha.xp).astype(alpha.dtype, copy=False)
        return grad * Tensor._make(d, alpha.device), None


def standard_gamma_rsample(concentration: Tensor, shape: tuple) -> Tensor:
    """Draws of Gamma(concentration, 1) of ``shape``, differentiable in concentration."""
    alpha = concentration.expand(shape)
    x = draw(concentration, shape, "standard_gamma", concentration)
    x = x.clamp(min=float(finfo(x).tiny))  # torch keeps draws away from 0 too
    return StandardGammaRsample.apply(alpha, x)
