"""Poisson(rate): counts of events at a constant rate."""
from __future__ import annotations

from typing import Any

from ..autograd import no_grad
from ..ops import isinf, lgamma, round as round_, where, xlogy
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, draw

__all__ = ["Poisson"]

_NORMAL_ABOVE = 1e17


class Poisson(Distribution):
    """P(k) = rate^k e^-rate / k!. No entropy (torch has none either)."""
    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(tuple(self.rate.shape), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Poisson":
        return self._expand_params(Poisson, batch_shape, {"rate": ()}, _instance)

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate.detach().floor()

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Counts from the generator's Poisson sampler; rates above ``_NORMAL_ABOVE`` (which
        NumPy refuses from ~9.2e18 on, and where torch returns int64 overflow) by the normal
        limit round(rate + sqrt(rate) z), whose skewness 1/sqrt(rate) is below 1e-8 there;
        an infinite rate gives inf and a nan rate (validate_args=False) nan."""
        shape = self._extended_shape(sample_shape)
        rate = self.rate.detach().expand(shape)
        beyond = ~(rate <= _NORMAL_ABOVE)  # also nan and inf
        if not bool(beyond.any()):
            return draw(self.rate, shape, "poisson", rate)
        counts = draw(self.rate, shape, "poisson", where(beyond, 0.0, rate))
        z = draw(self.rate, shape, "standard_normal")
        with no_grad():
            limit = where(isinf(rate), rate, round_(rate + rate.sqrt() * z))
        return where(beyond, limit, counts)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return xlogy(value, rate) - rate - lgamma(value + 1)
