"""Cauchy(loc, scale): the ratio of two standard normals, with no mean or variance."""
from __future__ import annotations

import math
from typing import Any

from ..ops import atan, log, log1p, tan
from ..tensor import Tensor
from .loc_scale import LocScale
from .utils import draw

__all__ = ["Cauchy"]


class Cauchy(LocScale):
    """Density 1 / (pi scale (1 + ((x - loc) / scale)^2)); mean nan, variance inf as torch."""

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Cauchy":
        return self._expand_params(Cauchy, batch_shape, {"loc": (), "scale": ()}, _instance)

    @property
    def mean(self) -> Tensor:
        return (self.loc * 0.0 + float("nan")).detach()

    @property
    def variance(self) -> Tensor:
        return (self.loc * 0.0 + float("inf")).detach()

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        eps = draw(self.loc, self._extended_shape(sample_shape), "standard_cauchy")
        return self.loc + eps * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return -math.log(math.pi) - log(self.scale) - log1p(((value - self.loc) / self.scale) ** 2)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value: Tensor) -> Tensor:
        return tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self) -> Tensor:
        return math.log(4 * math.pi) + log(self.scale)
