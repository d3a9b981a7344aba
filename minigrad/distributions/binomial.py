"""Binomial(total_count, probs | logits): successes in total_count independent trials."""
from __future__ import annotations

from typing import Any

from ..ops import clamp, lgamma, log1p
from ..tensor import Tensor
from . import constraints
from .probs_logits import ProbsOrLogits
from .utils import broadcast_all, draw, support_values

__all__ = ["Binomial"]


def _clamp_by_zero(x: Tensor) -> Tensor:
    """max(x, 0) with gradient 1/2 at 0, as torch (so n * max(logits, 0) is smooth there)."""
    return (clamp(x, min=0.0) + x - clamp(x, max=0.0)) / 2


class Binomial(ProbsOrLogits):
    """Counts in [0, total_count]; the entropy needs one total_count for the whole batch."""
    arg_constraints = {"total_count": constraints.nonnegative_integer,
                       "probs": constraints.unit_interval, "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count: Any = 1, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        which, value = self._given("Binomial", probs, logits)
        total_count, param = broadcast_all(total_count, value)
        self._keep(which, param)
        self.total_count = total_count.to(param.dtype)
        super().__init__(tuple(self._param.shape), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Binomial":
        return self._expand_params(Binomial, batch_shape,
                                   {"total_count": (), "probs": (), "logits": ()}, _instance)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> Any:
        return constraints.integer_interval(0, self.total_count)

    @property
    def param_shape(self) -> tuple:
        return tuple(self._param.shape)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        return clamp(((self.total_count + 1) * self.probs).floor(), max=self.total_count)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        n = self.total_count.detach().to(self._param.dtype)
        return draw(self._param, shape, "binomial", n.long(), self.probs.detach())

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        log_factorial_n = lgamma(n + 1)
        log_factorial_k = lgamma(value + 1)
        log_factorial_nmk = lgamma(n - value + 1)
        normalize_term = (n * _clamp_by_zero(logits) + n * log1p((-logits.abs()).exp())
                          - log_factorial_n)
        return value * logits - log_factorial_k - log_factorial_nmk - normalize_term

    def entropy(self) -> Tensor:
        total = int(self.total_count.max().item())
        if not bool((self.total_count == total).all()):
            raise NotImplementedError("Inhomogeneous total count not supported by `entropy`.")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        from ..creation import arange
        total = int(self.total_count.max().item())
        if not bool((self.total_count == total).all()):
            raise NotImplementedError("Inhomogeneous total count not supported by "
                                      "`enumerate_support`.")
        values = arange(1 + total, dtype=self._param.dtype, device=self._param.device)
        return support_values(values, self._batch_shape, expand)
