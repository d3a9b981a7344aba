"""``Distribution``: the base class every distribution follows (torch.distributions' API).

Shapes: a draw has ``sample_shape + batch_shape + event_shape``; ``log_prob`` returns
``sample_shape + batch_shape``. Parameters are Tensors built with minigrad ops, so log_prob,
entropy, KL and rsample are differentiable in them. ``validate_args`` (default on, as torch
under ``__debug__``) refuses out-of-support parameters and values with a ValueError that names
the distribution, the parameter, its shape and the constraint.
"""
from __future__ import annotations

from typing import Any

from ..autograd import no_grad
from ..tensor import Tensor
from . import constraints
from .utils import as_size, lazy_property

__all__ = ["Distribution"]


class Distribution:
    """A parametrised family of probability distributions (batched)."""
    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__
    arg_constraints: dict = {}
    support: Any = None

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument validation on or off for every distribution created afterwards."""
        if value not in (True, False):
            raise ValueError("set_default_validate_args: expected True or False")
        Distribution._validate_args = value

    def __init__(self, batch_shape: Any = (), event_shape: Any = (),
                 validate_args: bool | None = None) -> None:
        self._batch_shape = as_size(batch_shape)
        self._event_shape = as_size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            arg_constraints = self.arg_constraints
            for param, constraint in arg_constraints.items():
                if constraints.is_dependent(constraint):
                    continue  # supports that depend on other parameters are checked elsewhere
                if param not in self.__dict__ and (
                        isinstance(getattr(type(self), param, None), lazy_property)
                        or not hasattr(type(self), param)):
                    continue  # a twin computed lazily (logits of a probs Bernoulli)
                value = getattr(self, param)
                valid = constraint.check(value)
                if not bool(valid.all()):
                    raise ValueError(
                        f"Expected parameter {param} ({type(value).__name__} of shape "
                        f"{tuple(value.shape)}) of distribution {self!r} to satisfy the "
                        f"constraint {constraint!r}, but found invalid values:\n{value}")
        super().__init__()

    # --- shapes ----------------------------------------------------------------------------
    @property
    def batch_shape(self) -> tuple:
        """Shape over which parameters are batched (independent, not identical)."""
        return self._batch_shape

    @property
    def event_shape(self) -> tuple:
        """Shape of a single draw (() for scalar distributions)."""
        return self._event_shape

    def _extended_shape(self, sample_shape: Any = ()) -> tuple:
        return as_size(sample_shape) + self._batch_shape + self._event_shape

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Distribution":
        """A view of this distribution with parameters expanded to ``batch_shape``."""
        raise NotImplementedError(f"{type(self).__name__}.expand is not implemented")

    def _expand_params(self, cls: type, batch_shape: Any, params: dict, _instance: Any,
                       event_shape: Any = None) -> "Distribution":
        """The expand() of a distribution whose parameters are ``params`` (name -> trailing
        event shape of that parameter): every one expanded to ``batch_shape`` + its trailing."""
        new = self._get_checked_instance(cls, _instance)
        batch_shape = as_size(batch_shape)
        for name, trailing in params.items():
            if name in self.__dict__:
                new.__dict__[name] = self.__dict__[name].expand(batch_shape + tuple(trailing))
        Distribution.__init__(new, batch_shape,
                              self._event_shape if event_shape is None else event_shape,
                              validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _get_checked_instance(self, cls: type, _instance: Any) -> Any:
        if _instance is None and type(self).__init__ != cls.__init__:
            raise NotImplementedError(
                f"Subclass {self.__class__.__name__} of {cls.__name__} that defines a custom "
                "__init__ method must also define a custom .expand() method.")
        return self.__new__(type(self)) if _instance is None else _instance

    # --- moments ---------------------------------------------------------------------------
    @property
    def mean(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def mode(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    @property
    def variance(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    # --- sampling --------------------------------------------------------------------------
    def sample(self, sample_shape: Any = ()) -> Tensor:
        """A draw of shape sample_shape + batch_shape + event_shape, outside the graph."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """A reparameterised draw: differentiable in the parameters."""
        raise NotImplementedError(f"{type(self).__name__} does not implement rsample "
                                  "(has_rsample is False)")

    def sample_n(self, n: int) -> Tensor:
        return self.sample((n,))

    # --- densities -------------------------------------------------------------------------
    def log_prob(self, value: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement log_prob")

    def cdf(self, value: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement cdf")

    def icdf(self, value: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement icdf")

    def entropy(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement entropy")

    def perplexity(self) -> Tensor:
        return self.entropy().exp()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement enumerate_support")

    # --- validation ------------------------------------------------------------------------
    def _validate_sample(self, value: Any) -> None:
        """Refuse a value whose shape does not fit or that lies outside the support."""
        name = type(self).__name__
        if not isinstance(value, Tensor):
            raise ValueError(f"{name}: the value argument to log_prob must be a Tensor, got "
                             f"{type(value).__name__}")
        shape = tuple(value.shape)
        event_dim_start = len(shape) - len(self._event_shape)
        if shape[event_dim_start:] != self._event_shape:
            raise ValueError(f"{name}: the right-most size of value must match event_shape: "
                             f"{shape} vs {self._event_shape}.")
        expected = self._batch_shape + self._event_shape
        for i, j in zip(reversed(shape), reversed(expected)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"{name}: value is not broadcastable with "
                                 f"batch_shape+event_shape: {shape} vs {expected}.")
        support = self.support
        if not bool(support.check(value).all()):
            raise ValueError(f"Expected value argument ({type(value).__name__} of shape "
                             f"{shape}) to be within the support ({support!r}) of the "
                             f"distribution {self!r}, but found invalid values:\n{value}")

    def __repr__(self) -> str:
        names = [k for k in self.arg_constraints if k in self.__dict__]
        args = ", ".join(f"{p}: {_short(self.__dict__[p])}" for p in names)
        return f"{type(self).__name__}({args})"


def _short(value: Tensor) -> str:
    """torch's repr of a parameter: its value when it has one element, else its shape."""
    if value.ndim == 0:
        return str(value.item())
    return str(value) if value.numel() == 1 else str(tuple(value.shape))
