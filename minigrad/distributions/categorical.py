"""Categorical(probs | logits) over {0, ..., K-1}, and OneHotCategorical, the same draw as a
one-hot vector (event_shape (K,))."""
from __future__ import annotations

from typing import Any

from .. import dtypes
from ..creation import arange, full
from ..ops import clamp
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .probs_logits import ProbsOrLogits
from .utils import draw, normalize_logits, support_values

__all__ = ["Categorical", "OneHotCategorical"]


def _checked_param(name: str, arg: str, value: Any) -> Tensor:
    if not isinstance(value, Tensor):
        from ..creation import tensor
        value = tensor(value)
    if value.ndim < 1:
        raise ValueError(f"{name}: `{arg}` parameter must be at least one-dimensional, got "
                         f"shape {tuple(value.shape)}")
    return value


class Categorical(ProbsOrLogits):
    """Draws an index in [0, K) with the probabilities of the last dim of ``probs`` (normalised
    to sum to 1) or ``logits`` (unnormalised log-probabilities)."""
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(
        constraints.real, 1)}
    has_enumerate_support = True
    _binary = False

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        which, value = self._given("Categorical", probs, logits)
        value = _checked_param("Categorical", which, value)
        if which == "probs":
            self._keep("probs", value / value.sum(-1, keepdim=True))
        else:
            self._keep("logits", normalize_logits(value))
        self._num_events = self._param.shape[-1]
        super().__init__(tuple(self._param.shape[:-1]), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Categorical":
        new = self._expand_params(type(self) if _instance is None else type(_instance),
                                  batch_shape, {"probs": (self._num_events,),
                                                "logits": (self._num_events,)}, _instance)
        new._num_events = self._num_events
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> Any:
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def param_shape(self) -> tuple:
        return tuple(self._param.shape)

    @property
    def mean(self) -> Tensor:
        return full(self._extended_shape(), float("nan"), dtype=self._param.dtype,
                    device=self._param.device)

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(-1)

    @property
    def variance(self) -> Tensor:
        return self.mean

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Inverse-CDF draws: the index of the first cumulative probability above u."""
        shape = self._extended_shape(sample_shape)
        probs = self.probs.detach()
        u = draw(probs, shape + (1,), "random")
        cdf = probs.cumsum(-1)
        total = cdf[..., -1:]
        index = (cdf < u * total).sum(-1)
        return clamp(index, max=self._num_events - 1).to(dtypes.int64)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        from ..ops import broadcast_tensors
        value = value.to(dtypes.int64).unsqueeze(-1)
        value, log_pmf = broadcast_tensors(value, self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self) -> Tensor:
        logits = self.logits
        min_real = float(logits.xp.finfo(logits.dtype).min)
        logits = clamp(logits, min=min_real)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = arange(self._num_events, dtype=dtypes.int64, device=self._param.device)
        return support_values(values, self._batch_shape, expand)


class CategoricalWrapper(Distribution):
    """Base of the distributions whose parameters live in a ``Categorical`` (``_categorical``):
    OneHotCategorical and RelaxedOneHotCategorical read probs and logits from it, and expand
    it to expand themselves."""
    _categorical: Categorical

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    def _expand_categorical(self, cls: type, batch_shape: Any, _instance: Any) -> Any:
        """expand(): a ``cls`` around the expanded Categorical (``_instance`` if given)."""
        new = self._get_checked_instance(cls, _instance)
        new._categorical = self._categorical.expand(batch_shape)
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new


class OneHotCategorical(CategoricalWrapper):
    """A Categorical draw written as a one-hot vector of length K (event_shape (K,))."""
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(
        constraints.real, 1)}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "OneHotCategorical":
        return self._expand_categorical(OneHotCategorical, batch_shape, _instance)

    @property
    def _param(self) -> Tensor:
        return self._categorical._param

    @property
    def param_shape(self) -> tuple:
        return self._categorical.param_shape

    @property
    def mean(self) -> Tensor:
        return self._categorical.probs

    @property
    def mode(self) -> Tensor:
        probs = self._categorical.probs
        return _one_hot(probs.argmax(-1), probs.shape[-1], probs.dtype)

    @property
    def variance(self) -> Tensor:
        probs = self._categorical.probs
        return probs * (1 - probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        indices = self._categorical.sample(sample_shape)
        probs = self._categorical._param
        return _one_hot(indices, self._event_shape[0], probs.dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(value.argmax(-1))

    def entropy(self) -> Tensor:
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        n = self._event_shape[0]
        values = _one_hot(arange(n, device=self._param.device), n, self._param.dtype)
        return support_values(values, self._batch_shape, expand)

    def __repr__(self) -> str:
        names = [k for k in self.arg_constraints if k in self._categorical.__dict__]
        from .distribution import _short
        args = ", ".join(f"{p}: {_short(self._categorical.__dict__[p])}" for p in names)
        return f"OneHotCategorical({args})"


def _one_hot(indices: Tensor, n: int, dtype: Any) -> Tensor:
    """Rows of the n x n identity picked by integer ``indices`` (no gradient)."""
    xp = indices.xp
    eye = xp.eye(n, dtype=dtype)
    return Tensor._make(eye[indices.array], indices.device)


