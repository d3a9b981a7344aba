"""RelaxedBernoulli and RelaxedOneHotCategorical: the Concrete / Gumbel-softmax relaxations of
coin flips and one-hot draws, reparameterisable, with a ``temperature`` that sharpens them.

torch builds both as TransformedDistributions (a logit-space base and a sigmoid / exp
transform); minigrad writes the change of variables out: log_prob(y) = base.log_prob(x) -
log|dy/dx| with x = logit(y) or log(y).
"""
from __future__ import annotations

import math
from typing import Any

from ..ops import log, log1p, logsumexp, sigmoid
from ..tensor import Tensor
from . import constraints
from .categorical import Categorical, CategoricalWrapper
from .probs_logits import ProbsOrLogits
from .utils import broadcast_all, clamp_probs, draw, softplus

__all__ = ["RelaxedBernoulli", "RelaxedOneHotCategorical"]


def _temperature(value: Any, like: Tensor) -> Tensor:
    if isinstance(value, Tensor):
        return value
    from ..creation import tensor
    return tensor(float(value), dtype=like.dtype, device=like.device)


class RelaxedBernoulli(ProbsOrLogits):
    """sigmoid((logits + logistic noise) / temperature): values in (0, 1) that approach a
    Bernoulli(probs) draw as the temperature goes to 0."""
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        which, value = self._given("RelaxedBernoulli", probs, logits)
        self._keep(which, broadcast_all(value)[0])
        self.temperature = _temperature(temperature, self._param)
        super().__init__(tuple(self._param.shape), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "RelaxedBernoulli":
        new = self._expand_params(RelaxedBernoulli, batch_shape, {"probs": (), "logits": ()},
                                  _instance)
        new.temperature = self.temperature
        return new

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        probs = clamp_probs(self.probs.expand(shape))
        u = clamp_probs(draw(self._param, shape, "random"))
        x = (log(u) - log1p(-u) + log(probs) - log1p(-probs)) / self.temperature
        return clamp_probs(sigmoid(x))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        finfo = value.xp.finfo(value.dtype)
        y = value.clamp(float(finfo.tiny), 1.0 - float(finfo.eps))
        x = log(y) - log1p(-y)
        diff = self.logits - x * self.temperature
        base = log(self.temperature) + diff - 2 * softplus(diff)
        return base + softplus(-x) + softplus(x)

    def __repr__(self) -> str:
        return "RelaxedBernoulli()"


class RelaxedOneHotCategorical(CategoricalWrapper):
    """softmax((logits + Gumbel noise) / temperature): points of the simplex that approach a
    OneHotCategorical draw as the temperature goes to 0 (the Gumbel-softmax)."""
    arg_constraints = {"probs": constraints.simplex,
                       "logits": constraints.independent(constraints.real, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits)
        self.temperature = _temperature(temperature, self._categorical._param)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "RelaxedOneHotCategorical":
        new = self._expand_categorical(RelaxedOneHotCategorical, batch_shape, _instance)
        new.temperature = self.temperature
        return new

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        u = clamp_probs(draw(self._categorical._param, shape, "random"))
        gumbels = -log(-log(u))
        scores = (self.logits + gumbels) / self.temperature
        return (scores - logsumexp(scores, -1, keepdim=True)).exp()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        k = self._event_shape[0]
        x = log(value)
        log_scale = math.lgamma(k) + (k - 1) * log(self.temperature)
        score = self.logits - x * self.temperature
        score = (score - logsumexp(score, -1, keepdim=True)).sum(-1)
        return score + log_scale - x.sum(-1)

    def __repr__(self) -> str:
        return "RelaxedOneHotCategorical()"


