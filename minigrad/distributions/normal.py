"""Normal(loc, scale): the Gaussian, reparameterisable as loc + scale * eps."""
from __future__ import annotations

import math
from typing import Any

from ..ops import erf, erfinv, log
from ..tensor import Tensor
from .loc_scale import LocScale
from .utils import draw

__all__ = ["Normal"]


class Normal(LocScale):
    """Normal (Gaussian) distribution with mean ``loc`` and standard deviation ``scale``."""

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Normal":
        return self._expand_params(Normal, batch_shape, {"loc": (), "scale": ()}, _instance)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale ** 2

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = draw(self.loc, shape, "standard_normal")
        return self.loc + eps * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        var = self.scale ** 2
        return -((value - self.loc) ** 2) / (2 * var) - log(self.scale) \
            - math.log(math.sqrt(2 * math.pi))

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + erf((value - self.loc) * (1.0 / math.sqrt(2)) / self.scale))

    def icdf(self, value: Tensor) -> Tensor:
        return self.loc + self.scale * erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self) -> Tensor:
        return 0.5 + 0.5 * math.log(2 * math.pi) + log(self.scale)
