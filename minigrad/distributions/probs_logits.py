"""``ProbsOrLogits``: the parameter pair of the discrete distributions (Bernoulli, Geometric,
Binomial, RelaxedBernoulli, Categorical), given as ``probs`` or as ``logits``, never both.

The one given is stored under its name and as ``_param`` (the source of the batch shape, dtype
and device); its twin is a ``lazy_property`` computed on first use, so that validation and
``repr`` see only what the user passed, as in torch.
"""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from .distribution import Distribution
from .utils import lazy_property, logits_to_probs, probs_to_logits

__all__ = ["ProbsOrLogits"]


class ProbsOrLogits(Distribution):
    """Base of those distributions; ``_binary`` picks log-odds and sigmoid (True) or
    log-probabilities and softmax over the last dim (False)."""
    _binary = True
    _param: Tensor

    @staticmethod
    def _given(name: str, probs: Any, logits: Any) -> tuple:
        """(``"probs"`` or ``"logits"``, its value): exactly one of the two must be given."""
        if (probs is None) == (logits is None):
            raise ValueError(f"{name}: either `probs` or `logits` must be specified, but not "
                             "both.")
        return ("probs", probs) if probs is not None else ("logits", logits)

    def _keep(self, which: str, value: Tensor) -> Tensor:
        """Store the given parameter under its name and as ``_param``; returns it."""
        self.__dict__[which] = value
        self._param = value
        return value

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=self._binary)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=self._binary)

    def _expand_params(self, cls: type, batch_shape: Any, params: dict, _instance: Any,
                       event_shape: Any = None) -> Any:
        """Distribution._expand_params, and the expanded twin of the given one as ``_param``."""
        new = super()._expand_params(cls, batch_shape, params, _instance, event_shape)
        new._param = new.__dict__["probs" if "probs" in self.__dict__ else "logits"]
        return new
