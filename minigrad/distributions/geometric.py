"""Geometric(probs | logits): the number of failures before the first success."""
from __future__ import annotations

from typing import Any

from ..ops import log, log1p, where
from ..tensor import Tensor
from . import constraints
from .probs_logits import ProbsOrLogits
from .utils import broadcast_all, draw, finfo, softplus

__all__ = ["Geometric"]


class Geometric(ProbsOrLogits):
    """P(k) = (1 - p)^k p for k = 0, 1, 2, ..."""
    arg_constraints = {"probs": constraints.interval(0.0, 1.0), "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        which, value = self._given("Geometric", probs, logits)
        self._keep(which, broadcast_all(value)[0])
        super().__init__(tuple(self._param.shape), validate_args=validate_args)
        if self._validate_args and probs is not None and not bool((self.probs > 0).all()):
            raise ValueError(f"Expected parameter probs (Tensor of shape "
                             f"{tuple(self.probs.shape)}) of distribution {self!r} to be "
                             f"positive but found invalid values:\n{self.probs}")

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Geometric":
        return self._expand_params(Geometric, batch_shape, {"probs": (), "logits": ()},
                                   _instance)

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        return (self.probs * 0.0).detach()

    @property
    def variance(self) -> Tensor:
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        probs = self.probs.detach()
        u = draw(probs, shape, "random").clamp(min=float(finfo(probs).tiny))
        return (log(u) / log1p(-probs)).floor()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        safe = where((probs == 1) & (value == 0), 0.0, probs)
        return value * log1p(-safe) + log(self.probs)

    def entropy(self) -> Tensor:
        logits, probs = self.logits, self.probs
        return (softplus(logits) - logits * probs) / probs
