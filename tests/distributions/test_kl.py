"""kl_divergence against torch for every same-family pair (values and gradients in both
distributions' parameters, with broadcasting batch shapes), the registry, and the refusals."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.distributions as D

torch = pytest.importorskip("torch")
TD = torch.distributions

# torch's float64 trigamma is accurate to ~1e-9 relative (see test_vs_torch.py)
TRIGAMMA_RTOL = 1e-7


def _pos(r, shape, lo=0.5, hi=2.5):
    return r.uniform(lo, hi, shape)


def _spd(r, batch, n):
    a = r.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _tril(r, batch, n):
    L = np.tril(r.normal(size=batch + (n, n)) * 0.5)
    idx = np.arange(n)
    L[..., idx, idx] = r.uniform(0.5, 1.5, batch + (n,))
    return L


# name -> (param maker for p, param maker for q, builder(lib, params)); q's batch shape differs
PAIRS = {
    "Normal": (lambda r: [r.normal(size=(2, 3)), _pos(r, (2, 3))],
               lambda r: [r.normal(size=(3,)), _pos(r, (3,))],
               lambda lib, a: lib.Normal(*a)),
    "LogNormal": (lambda r: [r.normal(size=(3,)), _pos(r, (3,))],
                  lambda r: [r.normal(size=(2, 1)), _pos(r, (2, 1))],
                  lambda lib, a: lib.LogNormal(*a)),
    # torch's Bernoulli/Categorical KL index with unbroadcast masks, so these pairs share shapes
    "Bernoulli": (lambda r: [r.uniform(0.05, 0.95, (2, 3))], lambda r: [r.uniform(0.05, 0.95, (2, 3))],
                  lambda lib, a: lib.Bernoulli(probs=a[0])),
    "Bernoulli-logits": (lambda r: [r.normal(size=(2, 4))], lambda r: [r.normal(size=(2, 4))],
                         lambda lib, a: lib.Bernoulli(logits=a[0])),
    "Categorical": (lambda r: [r.uniform(0.1, 1, (2, 4))], lambda r: [r.uniform(0.1, 1, (2, 4))],
                    lambda lib, a: lib.Categorical(probs=a[0])),
    "OneHotCategorical": (lambda r: [r.normal(size=(3, 4))], lambda r: [r.normal(size=(3, 4))],
                          lambda lib, a: lib.OneHotCategorical(logits=a[0])),
    "Uniform": (lambda r: [r.uniform(-1, 0, (3,)), r.uniform(1, 2, (3,))],
                lambda r: [r.uniform(-3, -0.5, (2, 3)), r.uniform(1.5, 3, (2, 3))],
                lambda lib, a: lib.Uniform(*a)),
    "Exponential": (lambda r: [_pos(r, (2, 3))], lambda r: [_pos(r, (3,))],
                    lambda lib, a: lib.Exponential(*a)),
    "Laplace": (lambda r: [r.normal(size=(2, 3)), _pos(r, (2, 3))],
                lambda r: [r.normal(size=(3,)), _pos(r, (3,))],
                lambda lib, a: lib.Laplace(*a)),
    "Gamma": (lambda r: [_pos(r, (2, 3), 0.5, 4), _pos(r, (2, 3))],
              lambda r: [_pos(r, (3,), 0.5, 4), _pos(r, (3,))],
              lambda lib, a: lib.Gamma(*a)),
    "Beta": (lambda r: [_pos(r, (2, 3), 0.5, 4), _pos(r, (2, 3), 0.5, 4)],
             lambda r: [_pos(r, (3,), 0.5, 4), _pos(r, (3,), 0.5, 4)],
             lambda lib, a: lib.Beta(*a)),
    "Dirichlet": (lambda r: [_pos(r, (2, 4), 0.5, 3)], lambda r: [_pos(r, (4,), 0.5, 3)],
                  lambda lib, a: lib.Dirichlet(*a)),
    "Poisson": (lambda r: [_pos(r, (2, 3), 0.5, 5)], lambda r: [_pos(r, (3,), 0.5, 5)],
                lambda lib, a: lib.Poisson(*a)),
    "Geometric": (lambda r: [r.uniform(0.1, 0.9, (2, 3))], lambda r: [r.uniform(0.1, 0.9, (3,))],
                  lambda lib, a: lib.Geometric(probs=a[0])),
    "Cauchy": (lambda r: [r.normal(size=(2, 3)), _pos(r, (2, 3))],
               lambda r: [r.normal(size=(3,)), _pos(r, (3,))],
               lambda lib, a: lib.Cauchy(*a)),
    "MultivariateNormal": (lambda r: [r.normal(size=(2, 3)), _spd(r, (2,), 3)],
                           lambda r: [r.normal(size=(3,)), _tril(r, (), 3)],
                           lambda lib, a: lib.MultivariateNormal(a[0], a[1])
                           if np.abs(a[1].detach().numpy()[..., 0, 1]).sum() > 0 else
                           lib.MultivariateNormal(a[0], scale_tril=a[1])),
    "MultivariateNormal-precision": (lambda r: [r.normal(size=(3,)), _spd(r, (2,), 3)],
                                     lambda r: [r.normal(size=(2, 3)), _spd(r, (), 3)],
                                     lambda lib, a: lib.MultivariateNormal(
                                         a[0], precision_matrix=a[1])),
    "Independent": (lambda r: [r.normal(size=(2, 3)), _pos(r, (2, 3))],
                    lambda r: [r.normal(size=(3,)), _pos(r, (3,))],
                    lambda lib, a: lib.Independent(lib.Normal(*a), 1)),
}
TRIGAMMA = {"Gamma", "Beta", "Dirichlet"}


def _close(a, b, what, rtol=1e-9):
    a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
    b = b.detach().numpy()
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs torch {b.shape}"
    np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-10, err_msg=what)


@pytest.mark.parametrize("name", list(PAIRS))
def test_kl_matches_torch_with_gradients(name: str) -> None:
    make_p, make_q, ctor = PAIRS[name]
    r = np.random.default_rng(0)
    arrays = make_p(r) + make_q(r)
    m = [mg.tensor(a, dtype=mg.float64, requires_grad=True) for a in arrays]
    t = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    k = len(make_p(np.random.default_rng(0)))
    m_kl = D.kl_divergence(ctor(D, m[:k]), ctor(D, m[k:]))
    t_kl = TD.kl_divergence(ctor(TD, t[:k]), ctor(TD, t[k:]))
    _close(m_kl, t_kl, f"KL {name}")
    w = np.random.default_rng(1).normal(size=tuple(t_kl.shape))
    (m_kl * mg.tensor(w)).sum().backward()
    (t_kl * torch.tensor(w)).sum().backward()
    rtol = TRIGAMMA_RTOL if name in TRIGAMMA else 1e-9
    for i, (mi, ti) in enumerate(zip(m, t)):
        _close(mi.grad, ti.grad, f"KL {name}: grad of parameter {i}", rtol)


def test_bernoulli_and_categorical_kl_broadcast() -> None:
    """minigrad broadcasts the two batch shapes here (torch raises an IndexError)."""
    p, q = mg.rand(2, 3, dtype=mg.float64), mg.rand(3, dtype=mg.float64)
    got = D.kl_divergence(D.Bernoulli(p), D.Bernoulli(q))
    want = D.kl_divergence(D.Bernoulli(p), D.Bernoulli(q.expand(2, 3)))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    got = D.kl_divergence(D.Categorical(p), D.Categorical(q))
    want = D.kl_divergence(D.Categorical(p), D.Categorical(q.expand(2, 3)))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    assert got.shape == (2,)


def test_kl_infinite_where_torch_is() -> None:
    """Disjoint supports and zero probabilities give inf, as torch."""
    cases = [(lambda lib, T: (lib.Uniform(T([0.0, 0.0]), T([1.0, 1.0])),
                              lib.Uniform(T([0.5, -1.0]), T([2.0, 2.0])))),
             (lambda lib, T: (lib.Bernoulli(T([0.3, 0.0, 1.0])), lib.Bernoulli(T([0.0, 0.5, 1.0])))),
             (lambda lib, T: (lib.Categorical(T([[0.5, 0.5, 0.0]])),
                              lib.Categorical(T([[0.5, 0.0, 0.5]]))))]
    for make in cases:
        m_kl = D.kl_divergence(*make(D, lambda v: mg.tensor(v, dtype=mg.float64)))
        t_kl = TD.kl_divergence(*make(TD, lambda v: torch.tensor(v, dtype=torch.float64)))
        np.testing.assert_array_equal(m_kl.numpy(), t_kl.numpy())


def test_kl_without_a_formula_raises_not_implemented() -> None:
    with pytest.raises(NotImplementedError, match="Normal.*Laplace"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Laplace(0.0, 1.0))
    p = D.Independent(D.Normal(mg.zeros(2, 3), 1.0), 1)
    q = D.Independent(D.Normal(mg.zeros(2, 3), 1.0), 2)
    with pytest.raises(NotImplementedError):
        D.kl_divergence(p, q)


def test_register_kl_dispatches_on_the_most_specific_pair() -> None:
    class MyNormal(D.Normal):
        pass

    p, q = MyNormal(0.0, 1.0), D.Normal(1.0, 2.0)
    expected = D.kl_divergence(D.Normal(0.0, 1.0), q)
    np.testing.assert_allclose(D.kl_divergence(p, q).numpy(), expected.numpy())

    @D.register_kl(MyNormal, D.Normal)
    def _mine(p, q):
        return mg.tensor(42.0)

    try:
        assert float(D.kl_divergence(p, q)) == 42.0
        np.testing.assert_allclose(D.kl_divergence(D.Normal(0.0, 1.0), q).numpy(),
                                   expected.numpy())
    finally:
        from minigrad.distributions import kl
        kl._KL_REGISTRY.pop((MyNormal, D.Normal))
        kl._KL_MEMOIZE.clear()
    with pytest.raises(TypeError):
        D.register_kl(int, D.Normal)


def test_mvn_kl_refuses_different_event_shapes() -> None:
    with pytest.raises(ValueError, match="event shapes"):
        D.kl_divergence(D.MultivariateNormal(mg.zeros(2), mg.eye(2)),
                        D.MultivariateNormal(mg.zeros(3), mg.eye(3)))


def test_kl_float32_stays_float32() -> None:
    loc = mg.zeros(3, requires_grad=True)
    kl = D.kl_divergence(D.Normal(loc, 1.0), D.Normal(mg.ones(3), 2.0))
    assert kl.dtype == mg.float32
    kl.sum().backward()
    assert loc.grad.dtype == mg.float32
