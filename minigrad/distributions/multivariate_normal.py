"""MultivariateNormal(loc, covariance_matrix | precision_matrix | scale_tril), batched.

Everything goes through the lower Cholesky factor L of the covariance (Sigma = L L^T): draws
are loc + L eps, log_prob needs one triangular solve, and log det Sigma = 2 sum log diag L.
"""
from __future__ import annotations

import math
from typing import Any

from ..linalg import cholesky, inv, solve_triangular
from ..ops import isinf, where
from ..ops.broadcast import broadcast_shapes
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .utils import draw

__all__ = ["MultivariateNormal"]


def _batch_mahalanobis(L: Tensor, x: Tensor) -> Tensor:
    """x^T (L L^T)^-1 x over broadcast batches: |L^-1 x|^2 by one triangular solve."""
    n = x.shape[-1]
    batch = broadcast_shapes("MultivariateNormal", tuple(L.shape[:-2]), tuple(x.shape[:-1]))
    L = L.expand(batch + (n, n))
    x = x.expand(batch + (n,))
    y = solve_triangular(L, x.unsqueeze(-1), upper=False).squeeze(-1)
    return (y ** 2).sum(-1)


def _half_log_det(L: Tensor) -> Tensor:
    return L.diagonal(0, -2, -1).log().sum(-1)


class MultivariateNormal(Distribution):
    """Gaussian over vectors of size n (event_shape (n,)), given exactly one of the covariance,
    the precision or the lower Cholesky factor of the covariance."""
    arg_constraints = {"loc": constraints.real_vector,
                       "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Tensor, covariance_matrix: Tensor | None = None,
                 precision_matrix: Tensor | None = None, scale_tril: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        if not isinstance(loc, Tensor) or loc.ndim < 1:
            raise ValueError("MultivariateNormal: loc must be at least one-dimensional, got "
                             f"{tuple(loc.shape) if isinstance(loc, Tensor) else type(loc)}")
        given = [m is not None for m in (covariance_matrix, precision_matrix, scale_tril)]
        if sum(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or "
                             "scale_tril may be specified.")
        name, matrix = next((n, m) for n, m in (("covariance_matrix", covariance_matrix),
                                                 ("precision_matrix", precision_matrix),
                                                 ("scale_tril", scale_tril)) if m is not None)
        if matrix.ndim < 2:
            raise ValueError(f"MultivariateNormal: {name} matrix must be at least "
                             f"two-dimensional, with optional leading batch dimensions, got "
                             f"shape {tuple(matrix.shape)}")
        n = loc.shape[-1]
        if tuple(matrix.shape[-2:]) != (n, n):
            raise ValueError(f"MultivariateNormal: {name} of shape {tuple(matrix.shape)} does "
                             f"not match loc of shape {tuple(loc.shape)} (expected (..., {n}, "
                             f"{n}))")
        batch_shape = broadcast_shapes("MultivariateNormal", tuple(matrix.shape[:-2]),
                                       tuple(loc.shape[:-1]))
        setattr(self, name, matrix.expand(batch_shape + (n, n)))
        self.loc = loc.expand(batch_shape + (n,))
        super().__init__(batch_shape, (n,), validate_args=validate_args)
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = cholesky(covariance_matrix)
        else:
            self._unbroadcasted_scale_tril = cholesky(inv(precision_matrix))

    def expand(self, batch_shape: Any, _instance: Any = None) -> "MultivariateNormal":
        n = self._event_shape[0]
        new = self._expand_params(MultivariateNormal, batch_shape, {
            "loc": (n,), "covariance_matrix": (n, n), "precision_matrix": (n, n),
            "scale_tril": (n, n)}, _instance)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        return new

    def __getattr__(self, name: str) -> Any:
        """scale_tril, covariance_matrix and precision_matrix are computed from L on demand."""
        if name in ("scale_tril", "covariance_matrix", "precision_matrix") and \
                "_unbroadcasted_scale_tril" in self.__dict__:
            L = self._unbroadcasted_scale_tril
            shape = self._batch_shape + self._event_shape + self._event_shape
            if name == "scale_tril":
                return L.expand(shape)
            if name == "covariance_matrix":
                return (L @ L.mT).expand(shape)
            eye = L.xp.eye(L.shape[-1], dtype=L.dtype)
            L_inv = solve_triangular(L, Tensor._make(eye, L.device), upper=False)
            return (L_inv.mT @ L_inv).expand(shape)
        raise AttributeError(f"'MultivariateNormal' object has no attribute {name!r}")

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        L = self._unbroadcasted_scale_tril
        return (L ** 2).sum(-1).expand(self._batch_shape + self._event_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = draw(self.loc, shape, "standard_normal")
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        L = self._unbroadcasted_scale_tril
        M = _batch_mahalanobis(L, diff)
        # an infinite coordinate puts x^T Sigma^-1 x >= |x|^2 / lambda_max at +inf; the solve
        # would give inf - inf = nan (log_prob nan where the density is 0); a nan stays nan
        M = where(isinf(diff).any(-1) & (diff == diff).all(-1), float("inf"), M)
        n = self._event_shape[0]
        return -0.5 * (n * math.log(2 * math.pi) + M) - _half_log_det(L)

    def entropy(self) -> Tensor:
        n = self._event_shape[0]
        H = 0.5 * n * (1.0 + math.log(2 * math.pi)) + _half_log_det(self._unbroadcasted_scale_tril)
        return H.expand(self._batch_shape) if self._batch_shape else H

    def __repr__(self) -> str:
        names = [k for k in ("loc", "covariance_matrix", "precision_matrix", "scale_tril")
                 if k in self.__dict__]
        from .distribution import _short
        return f"MultivariateNormal({', '.join(f'{k}: {_short(self.__dict__[k])}' for k in names)})"
