"""mg.gradcheck (float64 finite differences) of log_prob, entropy and kl_divergence in every
parameter, for each distribution of the shared cases; gradgradcheck for Normal and MVN."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.distributions as D

from ._cases import CASES, Case, batch_event_shape, build


def _inputs(case: Case, seed: int = 0):
    rng = np.random.default_rng(seed)
    params = case.params(rng)
    names = [k for k, v in params.items() if isinstance(v, np.ndarray) and k not in case.int_params]
    fixed = {k: mg.tensor(v, dtype=mg.float64) if isinstance(v, np.ndarray) else v
             for k, v in params.items() if k not in names}
    tensors = [mg.tensor(params[k], dtype=mg.float64, requires_grad=True) for k in names]
    value = case.value(rng, (2,) + batch_event_shape(case, params))
    value = mg.tensor(value, dtype=mg.int64 if case.long_values else mg.float64)
    return names, fixed, tensors, value


# finite differences must stay on the parameter's manifold: a covariance is perturbed
# symmetrically (Cholesky reads one triangle) and a scale_tril only in its lower triangle
_ON_MANIFOLD = {"covariance_matrix": lambda t: (t + t.mT) / 2,
                "precision_matrix": lambda t: (t + t.mT) / 2,
                "scale_tril": lambda t: t.tril()}


def _dist(case, names, fixed, tensors):
    params = dict(fixed)
    params.update((k, _ON_MANIFOLD.get(k, lambda t: t)(t)) for k, t in zip(names, tensors))
    return build(mg, D, case, params)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_log_prob_and_entropy_gradcheck(case: Case) -> None:
    names, fixed, tensors, value = _inputs(case)
    assert mg.gradcheck(lambda *ts: _dist(case, names, fixed, ts).log_prob(value), tensors)
    if case.name != "Poisson" and case.id != "Binomial-probs":  # no entropy / inhomogeneous n
        assert mg.gradcheck(lambda *ts: _dist(case, names, fixed, ts).entropy(), tensors)


KL_CASES = [c for c in CASES if c.name not in ("StudentT", "Uniform")]  # Uniform: below


@pytest.mark.parametrize("case", KL_CASES, ids=[c.id for c in KL_CASES])
def test_kl_gradcheck(case: Case) -> None:
    names, fixed, p_tensors, _ = _inputs(case, 0)
    _, _, q_tensors, _ = _inputs(case, 1)
    k = len(p_tensors)

    def kl(*ts):
        return D.kl_divergence(_dist(case, names, fixed, ts[:k]), _dist(case, names, fixed, ts[k:]))
    assert mg.gradcheck(kl, p_tensors + q_tensors)


def test_uniform_kl_gradcheck_where_finite() -> None:
    """q's support contains p's, so KL is finite and smooth (elsewhere it is inf, as torch)."""
    lo_p = mg.tensor([0.0, -1.0], dtype=mg.float64, requires_grad=True)
    hi_p = mg.tensor([1.0, 0.5], dtype=mg.float64, requires_grad=True)
    lo_q = mg.tensor([-0.5, -2.0], dtype=mg.float64, requires_grad=True)
    hi_q = mg.tensor([1.5, 3.0], dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(lambda a, b, c, d: D.kl_divergence(D.Uniform(a, b), D.Uniform(c, d)),
                        (lo_p, hi_p, lo_q, hi_q))


def test_normal_and_mvn_gradgradcheck() -> None:
    loc = mg.tensor([0.3, -0.5], dtype=mg.float64, requires_grad=True)
    scale = mg.tensor([1.2, 0.7], dtype=mg.float64, requires_grad=True)
    x = mg.tensor([0.1, 0.4], dtype=mg.float64)
    assert mg.gradgradcheck(lambda m, s: D.Normal(m, s).log_prob(x), (loc, scale))
    L = mg.tensor([[1.0, 0.0], [0.4, 0.8]], dtype=mg.float64, requires_grad=True)
    assert mg.gradgradcheck(lambda m, L: D.MultivariateNormal(m, scale_tril=L.tril()).log_prob(x),
                            (loc, L))
