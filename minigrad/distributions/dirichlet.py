"""Dirichlet(concentration): distributions over the probability simplex (event_shape (K,))."""
from __future__ import annotations

from typing import Any

from ..ops import clamp, digamma, lgamma, where, xlogy
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .gamma_rsample import standard_gamma_rsample
from .utils import finfo

__all__ = ["Dirichlet"]


class Dirichlet(Distribution):
    """Density prod x_k^(a_k - 1) / B(a) on the simplex. Draws are normalised Gamma draws, so
    rsample differentiates through the Gamma's implicit gradient (gamma_rsample.py)."""
    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: Tensor, validate_args: bool | None = None) -> None:
        if not isinstance(concentration, Tensor) or concentration.ndim < 1:
            shape = tuple(concentration.shape) if isinstance(concentration, Tensor) else ()
            raise ValueError("Dirichlet: `concentration` parameter must be at least "
                             f"one-dimensional, got shape {shape}")
        self.concentration = concentration
        super().__init__(tuple(concentration.shape[:-1]), tuple(concentration.shape[-1:]),
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Dirichlet":
        return self._expand_params(Dirichlet, batch_shape,
                                   {"concentration": self._event_shape}, _instance)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        c = self.concentration
        cm1 = clamp(c - 1, min=0.0)
        mode = cm1 / cm1.sum(-1, keepdim=True)
        all_below_one = (c < 1).all(-1, keepdim=True)
        from .categorical import _one_hot
        corner = _one_hot(c.argmax(-1), c.shape[-1], c.dtype)
        return where(all_below_one, corner, mode)

    @property
    def variance(self) -> Tensor:
        c = self.concentration
        c0 = c.sum(-1, keepdim=True)
        return c * (c0 - c) / (c0 ** 2 * (c0 + 1))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        g = standard_gamma_rsample(self.concentration, shape)
        x = g / g.sum(-1, keepdim=True)
        tiny = float(finfo(x).tiny)
        return clamp(x, tiny, 1 - float(finfo(x).eps))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return (xlogy(c - 1.0, value).sum(-1) + lgamma(c.sum(-1)) - lgamma(c).sum(-1))

    def entropy(self) -> Tensor:
        c = self.concentration
        k = c.shape[-1]
        a0 = c.sum(-1)
        return (lgamma(c).sum(-1) - lgamma(a0) - (k - a0) * digamma(a0)
                - ((c - 1.0) * digamma(c)).sum(-1))
