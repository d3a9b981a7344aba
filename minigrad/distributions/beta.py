"""Beta(concentration1, concentration0) on [0, 1]: the conjugate prior of a Bernoulli."""
from __future__ import annotations

from typing import Any

from ..ops import clamp, digamma, lgamma, where, xlogy
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .gamma_rsample import standard_gamma_rsample
from .utils import broadcast_all, finfo

__all__ = ["Beta"]


class Beta(Distribution):
    """Density x^(a-1) (1-x)^(b-1) / B(a, b) with a = concentration1, b = concentration0.

    Draws are g1 / (g1 + g0) of Gamma(a) and Gamma(b) draws, so rsample differentiates
    through the Gamma's implicit gradient (torch differentiates the Beta CDF instead: another
    unbiased pathwise gradient, not the same per draw)."""
    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1: Any, concentration0: Any,
                 validate_args: bool | None = None) -> None:
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        super().__init__(tuple(self.concentration1.shape), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Beta":
        return self._expand_params(Beta, batch_shape,
                                   {"concentration1": (), "concentration0": ()}, _instance)

    @property
    def mean(self) -> Tensor:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        """Dirichlet's rule on (a, b), as torch: (a-1)/(a+b-2) with a-1 and b-1 clamped at 0;
        when both are below 1 (a U-shaped density) the larger one's end, 1 if a > b else 0."""
        a, b = self.concentration1, self.concentration0
        am1, bm1 = clamp(a - 1, min=0.0), clamp(b - 1, min=0.0)
        mode = am1 / (am1 + bm1)
        corner = (b < a).to(a.dtype) if a.dtype == b.dtype else (b < a).to(mode.dtype)
        return where((a < 1) & (b < 1), corner, mode)

    @property
    def variance(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        total = a + b
        return a * b / (total ** 2 * (total + 1))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        g1 = standard_gamma_rsample(self.concentration1, shape)
        g0 = standard_gamma_rsample(self.concentration0, shape)
        eps = float(finfo(g1).eps)
        return clamp(g1 / (g1 + g0), float(finfo(g1).tiny), 1.0 - eps)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        a, b = self.concentration1, self.concentration0
        return (xlogy(a - 1, value) + xlogy(b - 1, 1 - value)
                + lgamma(a + b) - lgamma(a) - lgamma(b))

    def entropy(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        total = a + b
        return (lgamma(a) + lgamma(b) - lgamma(total) - (a - 1) * digamma(a)
                - (b - 1) * digamma(b) + (total - 2) * digamma(total))
