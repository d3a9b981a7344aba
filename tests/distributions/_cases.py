"""Shared cases for the distribution tests: each builds the same distribution in minigrad and
in torch from float64 NumPy parameters, with a value generator inside the support."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import minigrad as mg
import minigrad.distributions as D


@dataclass
class Case:
    name: str                     # the class name in both libraries
    params: Callable[[Any], dict]  # rng -> {param: float64 array or number}
    value: Callable[[Any, tuple], Any]  # rng, batch + event shape -> values in the support
    int_params: tuple = ()        # parameters that are counts (no gradient)
    discrete: bool = False
    long_values: bool = False     # torch wants int64 values (Categorical)
    id: str = ""
    ctor: Callable | None = None  # (lib_module, params) -> distribution, when not cls(**params)
    event_ndim: int = 0
    no_grad_params: tuple = field(default=())


def _pos(rng, shape, lo=0.5, hi=2.5):
    return rng.uniform(lo, hi, shape)


def _spd(rng, batch, n):
    a = rng.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _tril(rng, batch, n):
    L = np.tril(rng.normal(size=batch + (n, n)) * 0.5)
    idx = np.arange(n)
    L[..., idx, idx] = rng.uniform(0.5, 1.5, batch + (n,))
    return L


def _simplex(rng, shape):
    x = rng.uniform(0.1, 1.0, shape)
    return x / x.sum(-1, keepdims=True)


def _onehot(rng, shape):
    k = shape[-1]
    idx = rng.integers(0, k, shape[:-1])
    return np.eye(k)[idx]


CASES = [
    Case("Normal", lambda r: dict(loc=r.normal(size=(3, 1)), scale=_pos(r, (4,))),
         lambda r, s: r.normal(size=s), id="Normal-broadcast"),
    Case("Normal", lambda r: dict(loc=r.normal(size=(5,)), scale=1.5),
         lambda r, s: r.normal(size=s), id="Normal-scalar-scale"),
    Case("Bernoulli", lambda r: dict(probs=r.uniform(0.1, 0.9, (2, 3))),
         lambda r, s: r.integers(0, 2, s).astype(float), discrete=True, id="Bernoulli-probs"),
    Case("Bernoulli", lambda r: dict(logits=r.normal(size=(4,)) * 2),
         lambda r, s: r.integers(0, 2, s).astype(float), discrete=True, id="Bernoulli-logits"),
    Case("Categorical", lambda r: dict(probs=r.uniform(0.1, 1.0, (2, 3, 4))),
         lambda r, s: r.integers(0, 4, s), discrete=True, long_values=True,
         id="Categorical-probs"),
    Case("Categorical", lambda r: dict(logits=r.normal(size=(5,))),
         lambda r, s: r.integers(0, 5, s), discrete=True, long_values=True,
         id="Categorical-logits"),
    Case("OneHotCategorical", lambda r: dict(logits=r.normal(size=(3, 4))),
         lambda r, s: _onehot(r, s), discrete=True, event_ndim=1,
         id="OneHotCategorical-logits"),
    Case("OneHotCategorical", lambda r: dict(probs=_simplex(r, (2, 3))),
         lambda r, s: _onehot(r, s), discrete=True, event_ndim=1,
         id="OneHotCategorical-probs"),
    Case("Uniform", lambda r: dict(low=r.normal(size=(3,)) - 2, high=r.normal(size=(2, 1)) + 2),
         lambda r, s: r.uniform(-0.9, 0.9, s), id="Uniform"),
    Case("Exponential", lambda r: dict(rate=_pos(r, (2, 3))),
         lambda r, s: _pos(r, s, 0.0, 3.0), id="Exponential"),
    Case("Laplace", lambda r: dict(loc=r.normal(size=(3,)), scale=_pos(r, (2, 3))),
         lambda r, s: r.normal(size=s) * 2, id="Laplace"),
    Case("Gamma", lambda r: dict(concentration=_pos(r, (2, 3), 0.5, 4.0), rate=_pos(r, (3,))),
         lambda r, s: _pos(r, s, 0.1, 3.0), id="Gamma"),
    Case("Beta", lambda r: dict(concentration1=_pos(r, (3,), 0.5, 4.0),
                                concentration0=_pos(r, (2, 1), 0.5, 4.0)),
         lambda r, s: r.uniform(0.05, 0.95, s), id="Beta"),
    Case("Dirichlet", lambda r: dict(concentration=_pos(r, (2, 4), 0.5, 3.0)),
         lambda r, s: _simplex(r, s), event_ndim=1, id="Dirichlet"),
    Case("Poisson", lambda r: dict(rate=_pos(r, (2, 3), 0.5, 6.0)),
         lambda r, s: r.integers(0, 8, s).astype(float), discrete=True, id="Poisson"),
    Case("Binomial", lambda r: dict(total_count=r.integers(3, 10, (3,)).astype(float),
                                    probs=r.uniform(0.1, 0.9, (2, 3))),
         lambda r, s: r.integers(0, 3, s).astype(float), discrete=True,
         int_params=("total_count",), id="Binomial-probs"),
    Case("Binomial", lambda r: dict(total_count=6.0, logits=r.normal(size=(4,))),
         lambda r, s: r.integers(0, 7, s).astype(float), discrete=True,
         int_params=("total_count",), id="Binomial-logits"),
    Case("Geometric", lambda r: dict(probs=r.uniform(0.1, 0.9, (2, 3))),
         lambda r, s: r.integers(0, 6, s).astype(float), discrete=True, id="Geometric-probs"),
    Case("Geometric", lambda r: dict(logits=r.normal(size=(4,))),
         lambda r, s: r.integers(0, 6, s).astype(float), discrete=True, id="Geometric-logits"),
    Case("MultivariateNormal", lambda r: dict(loc=r.normal(size=(2, 3)),
                                              covariance_matrix=_spd(r, (), 3)),
         lambda r, s: r.normal(size=s), event_ndim=1, id="MVN-covariance"),
    Case("MultivariateNormal", lambda r: dict(loc=r.normal(size=(3,)),
                                              precision_matrix=_spd(r, (2,), 3)),
         lambda r, s: r.normal(size=s), event_ndim=1, id="MVN-precision"),
    Case("MultivariateNormal", lambda r: dict(loc=r.normal(size=(4, 1, 2)),
                                              scale_tril=_tril(r, (3,), 2)),
         lambda r, s: r.normal(size=s), event_ndim=1, id="MVN-scale_tril"),
    Case("LogNormal", lambda r: dict(loc=r.normal(size=(3,)) * 0.5, scale=_pos(r, (2, 3), 0.3, 1.0)),
         lambda r, s: _pos(r, s, 0.1, 4.0), id="LogNormal"),
    Case("Cauchy", lambda r: dict(loc=r.normal(size=(3,)), scale=_pos(r, (2, 3))),
         lambda r, s: r.normal(size=s) * 3, id="Cauchy"),
    Case("StudentT", lambda r: dict(df=np.array([0.8, 1.5, 3.0, 7.0]), loc=r.normal(size=(4,)),
                                    scale=_pos(r, (2, 4))),
         lambda r, s: r.normal(size=s) * 2, id="StudentT"),
    Case("Independent", lambda r: dict(loc=r.normal(size=(2, 3)), scale=_pos(r, (2, 3))),
         lambda r, s: r.normal(size=s), id="Independent-Normal", event_ndim=1,
         ctor=lambda lib, p: lib.Independent(lib.Normal(p["loc"], p["scale"]), 1)),
]


def batch_event_shape(case: Case, params: dict) -> tuple:
    """Shape of one value (batch + event) from a minigrad build of the case."""
    dist = build(mg, D, case, {k: mg.tensor(v, dtype=mg.float64) if isinstance(v, np.ndarray)
                               else v for k, v in params.items()})
    return tuple(dist.batch_shape) + tuple(dist.event_shape)


def build(lib: Any, dist_module: Any, case: Case, params: dict) -> Any:
    if case.ctor is not None:
        return case.ctor(dist_module, params)
    return getattr(dist_module, case.name)(**params)
