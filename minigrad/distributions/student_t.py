"""StudentT(df, loc=0, scale=1): heavy-tailed; a Normal whose precision is Gamma distributed."""
from __future__ import annotations

import math
from typing import Any

from ..ops import digamma, lgamma, log, log1p, where
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .gamma_rsample import standard_gamma_rsample
from .utils import broadcast_all, draw

__all__ = ["StudentT"]


class StudentT(Distribution):
    """Student's t with ``df`` degrees of freedom, shifted by ``loc`` and scaled by ``scale``:
    loc + scale * X / sqrt(Z / df) with X ~ N(0, 1) and Z ~ chi2(df) = 2 Gamma(df / 2), so
    rsample is differentiable in all three (df through the Gamma's implicit gradient)."""
    arg_constraints = {"df": constraints.positive, "loc": constraints.real,
                       "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df: Any, loc: Any = 0.0, scale: Any = 1.0,
                 validate_args: bool | None = None) -> None:
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        super().__init__(tuple(self.df.shape), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "StudentT":
        return self._expand_params(StudentT, batch_shape, {"df": (), "loc": (), "scale": ()},
                                   _instance)

    @property
    def mean(self) -> Tensor:
        return where(self.df > 1, self.loc, float("nan"))

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        df = self.df
        finite = self.scale ** 2 * df / where(df > 2, df - 2, 1.0)
        return where(df > 2, finite, where(df > 1, float("inf"), float("nan")))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        x = draw(self.df, shape, "standard_normal")
        z = 2.0 * standard_gamma_rsample(0.5 * self.df, shape)
        y = x * (z / self.df).rsqrt()
        return self.loc + self.scale * y

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        df = self.df
        y = (value - self.loc) / self.scale
        z = (log(self.scale) + 0.5 * log(df) + 0.5 * math.log(math.pi) + lgamma(0.5 * df)
             - lgamma(0.5 * (df + 1.0)))
        return -0.5 * (df + 1.0) * log1p(y ** 2 / df) - z

    def entropy(self) -> Tensor:
        df = self.df
        lbeta = lgamma(0.5 * df) + math.lgamma(0.5) - lgamma(0.5 * (df + 1))
        return (log(self.scale) + 0.5 * (df + 1) * (digamma(0.5 * (df + 1)) - digamma(0.5 * df))
                + 0.5 * log(df) + lbeta)
