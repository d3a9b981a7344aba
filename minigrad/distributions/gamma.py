"""Gamma(concentration, rate): the conjugate prior of a Poisson rate or a Normal precision."""
from __future__ import annotations

from typing import Any

from ..ops import clamp, digamma, igamma, lgamma, log, xlogy
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .gamma_rsample import standard_gamma_rsample
from .utils import broadcast_all, finfo

__all__ = ["Gamma"]


class Gamma(Distribution):
    """Density rate^c x^(c-1) e^(-rate x) / Gamma(c) on x >= 0.

    rsample is differentiable in both parameters: in the concentration by the implicit
    gradient of the draw (gamma_rsample.py). cdf is igamma(concentration, rate * value),
    differentiable in rate and value (torch's has no gradient in the concentration either)."""
    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(tuple(self.rate.shape), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Gamma":
        return self._expand_params(Gamma, batch_shape, {"concentration": (), "rate": ()},
                                   _instance)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return clamp((self.concentration - 1) / self.rate, min=0.0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate ** 2

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        x = standard_gamma_rsample(self.concentration, shape) / self.rate.expand(shape)
        return clamp(x, min=float(finfo(x).tiny))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        c, r = self.concentration, self.rate
        return xlogy(c, r) + xlogy(c - 1, value) - r * value - lgamma(c)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return igamma(self.concentration, self.rate * value)

    def entropy(self) -> Tensor:
        c = self.concentration
        return c - log(self.rate) + lgamma(c) + (1.0 - c) * digamma(c)
