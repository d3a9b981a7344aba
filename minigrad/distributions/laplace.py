"""Laplace(loc, scale): the double exponential, reparameterised by inverse CDF."""
from __future__ import annotations

import math
from typing import Any

from ..ops import log, log1p
from ..tensor import Tensor
from .loc_scale import LocScale
from .utils import draw

__all__ = ["Laplace"]


class Laplace(LocScale):
    """Density exp(-|x - loc| / scale) / (2 scale)."""

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Laplace":
        return self._expand_params(Laplace, batch_shape, {"loc": (), "scale": ()}, _instance)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return 2 * self.scale ** 2

    @property
    def stddev(self) -> Tensor:
        return math.sqrt(2) * self.scale

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        eps = float(self.loc.xp.finfo(self.loc.dtype).eps)
        u = draw(self.loc, self._extended_shape(sample_shape), "uniform", eps - 1, 1.0)
        return self.loc - self.scale * u.sign() * log1p(-u.abs())

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return -log(2 * self.scale) - (value - self.loc).abs() / self.scale

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 - 0.5 * (value - self.loc).sign() * (-(value - self.loc).abs()
                                                          / self.scale).expm1()

    def icdf(self, value: Tensor) -> Tensor:
        term = value - 0.5
        return self.loc - self.scale * term.sign() * log1p(-2 * term.abs())

    def entropy(self) -> Tensor:
        return 1 + log(2 * self.scale)
