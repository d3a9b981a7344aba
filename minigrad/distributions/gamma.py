"""Gamma(concentration, rate): the conjugate prior of a Poisson rate or a Normal precision."""
from __future__ import annotations

from typing import Any

from ..ops import clamp, digamma, igamma, lgamma, log, xlogy
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, draw, finfo

__all__ = ["Gamma"]


class Gamma(Distribution):
    """Density rate^c x^(c-1) e^(-rate x) / Gamma(c) on x >= 0.

    torch's Gamma.rsample differentiates the draw through the implicit gradient of the
    incomplete gamma function in its shape parameter; minigrad's igamma has no gradient in
    the shape (torch's has none either), so ``has_rsample`` is False and rsample raises
    NotImplementedError (sample works). cdf is igamma(concentration, rate * value),
    differentiable in rate and value as torch's."""
    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = False

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

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        x = draw(self.rate, shape, "standard_gamma", self.concentration) / self.rate.detach()
        return clamp(x, min=float(finfo(x).tiny))  # torch keeps draws away from 0 too

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
