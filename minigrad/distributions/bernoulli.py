"""Bernoulli(probs | logits): a coin flip, parameterised by its probability or its log-odds."""
from __future__ import annotations

from typing import Any

from ..ops import where
from ..tensor import Tensor
from . import constraints
from .probs_logits import ProbsOrLogits
from .utils import broadcast_all, draw, softplus, support_values

__all__ = ["Bernoulli"]


class Bernoulli(ProbsOrLogits):
    """1 with probability ``probs`` (or sigmoid(``logits``)), else 0."""
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        which, value = self._given("Bernoulli", probs, logits)
        param = self._keep(which, broadcast_all(value)[0])
        super().__init__(tuple(param.shape), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Bernoulli":
        return self._expand_params(Bernoulli, batch_shape, {"probs": (), "logits": ()},
                                   _instance)

    @property
    def param_shape(self) -> tuple:
        return tuple(self._param.shape)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        p = self.probs
        mode = (p >= 0.5).to(p.dtype)
        return where(p == 0.5, float("nan"), mode)

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        u = draw(self._param, shape, "random")
        p = self.probs.detach()
        return (u < p).to(u.dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -(softplus(logits) - logits * value)

    def entropy(self) -> Tensor:
        logits, probs = self.logits, self.probs
        return softplus(logits) - logits * probs

    def enumerate_support(self, expand: bool = True) -> Tensor:
        from ..creation import arange
        values = arange(2, dtype=self._param.dtype, device=self._param.device)
        return support_values(values, self._batch_shape, expand)
