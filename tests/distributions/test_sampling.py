"""Draws: shapes (sample_shape + batch_shape + event_shape), no grad from sample, repeatability
under mg.manual_seed, sample moments within a few standard errors of mean/variance, and
rsample's gradients (gradcheck in float64 with the seed fixed inside the function)."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.distributions as D

N = 20000


def _f64(values) -> mg.Tensor:
    return mg.tensor(values, dtype=mg.float64)


DISTS = {
    "Normal": lambda: D.Normal(_f64([0.0, -2.0]), _f64([1.0, 0.5])),
    "Bernoulli": lambda: D.Bernoulli(_f64([0.2, 0.7])),
    "Bernoulli-logits": lambda: D.Bernoulli(logits=_f64([-1.0, 2.0])),
    "Categorical": lambda: D.Categorical(_f64([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])),
    "OneHotCategorical": lambda: D.OneHotCategorical(_f64([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])),
    "Uniform": lambda: D.Uniform(_f64([0.0, -3.0]), _f64([1.0, 5.0])),
    "Exponential": lambda: D.Exponential(_f64([0.5, 3.0])),
    "Laplace": lambda: D.Laplace(_f64([1.0, -1.0]), _f64([0.5, 2.0])),
    "Gamma": lambda: D.Gamma(_f64([0.3, 2.5]), _f64([1.0, 4.0])),
    "Beta": lambda: D.Beta(_f64([0.5, 3.0]), _f64([2.0, 1.5])),
    "Dirichlet": lambda: D.Dirichlet(_f64([[0.5, 1.0, 3.0], [2.0, 2.0, 2.0]])),
    "Poisson": lambda: D.Poisson(_f64([0.5, 7.0])),
    "Binomial": lambda: D.Binomial(_f64([5.0, 20.0]), _f64([0.3, 0.8])),
    "Geometric": lambda: D.Geometric(_f64([0.2, 0.9])),
    "MultivariateNormal": lambda: D.MultivariateNormal(
        _f64([[1.0, -1.0], [0.0, 2.0]]), _f64([[2.0, 0.6], [0.6, 1.0]])),
    "LogNormal": lambda: D.LogNormal(_f64([0.0, 0.5]), _f64([0.25, 0.5])),
    "StudentT": lambda: D.StudentT(_f64([6.0, 10.0]), _f64([1.0, 0.0]), _f64([1.0, 2.0])),
    "Independent": lambda: D.Independent(D.Normal(_f64([[0.0, 1.0]]), _f64([[1.0, 2.0]])), 1),
}


@pytest.mark.parametrize("name", list(DISTS))
def test_sample_moments_within_five_standard_errors(name: str) -> None:
    mg.manual_seed(1234)
    d = DISTS[name]()
    x = d.sample((N,)).numpy().astype(np.float64)
    mean, var = d.mean.detach().numpy(), d.variance.detach().numpy()
    if name == "Categorical":  # mean/variance are nan as torch's: compare class frequencies
        p = d.probs.numpy()
        x = np.eye(p.shape[-1])[x.astype(np.int64)]
        mean, var = p, p * (1 - p)
    se_mean = np.sqrt(var / N)
    assert np.all(np.abs(x.mean(0) - mean) <= 5 * se_mean + 1e-12), (name, x.mean(0), mean)
    centred = x - x.mean(0)
    m4 = (centred ** 4).mean(0)
    se_var = np.sqrt(np.maximum(m4 - var ** 2, 0) / N)
    assert np.all(np.abs(x.var(0) - var) <= 5 * se_var + 1e-12), (name, x.var(0), var)


def test_cauchy_quantiles_match_icdf() -> None:
    """No moments to compare: the fraction of draws below icdf(q) is q within 5 SE."""
    mg.manual_seed(7)
    d = D.Cauchy(_f64([0.0, 3.0]), _f64([1.0, 0.5]))
    x = d.sample((N,))
    for q in (0.1, 0.5, 0.8):
        frac = (x <= d.icdf(_f64([q, q]))).double().mean(0).numpy()
        assert np.all(np.abs(frac - q) <= 5 * np.sqrt(q * (1 - q) / N)), (q, frac)


@pytest.mark.parametrize("name", list(DISTS))
@pytest.mark.parametrize("sample_shape", [(), (3,), (2, 4)])
def test_sample_shape_dtype_and_no_grad(name: str, sample_shape: tuple) -> None:
    d = DISTS[name]()
    s = d.sample(sample_shape)
    assert tuple(s.shape) == sample_shape + tuple(d.batch_shape) + tuple(d.event_shape)
    assert not s.requires_grad
    expected = mg.int64 if name == "Categorical" else mg.float64
    assert s.dtype == expected
    assert bool(d.support.check(s).all())
    if d.has_rsample:
        r = d.rsample(sample_shape)
        assert tuple(r.shape) == tuple(s.shape)


@pytest.mark.parametrize("name", list(DISTS))
def test_manual_seed_makes_samples_repeatable(name: str) -> None:
    d = DISTS[name]()
    mg.manual_seed(99)
    a = d.sample((5,)).numpy()
    mg.manual_seed(99)
    b = d.sample((5,)).numpy()
    np.testing.assert_array_equal(a, b)
    c = d.sample((5,)).numpy()
    assert not np.array_equal(a, c) or name == "Bernoulli"  # fresh draws differ


RSAMPLE = {
    "Normal": lambda loc, s: D.Normal(loc, s),
    "Uniform": lambda loc, s: D.Uniform(loc, loc + s),
    "Exponential": lambda loc, s: D.Exponential(s),
    "Laplace": lambda loc, s: D.Laplace(loc, s),
    "Cauchy": lambda loc, s: D.Cauchy(loc, s),
    "LogNormal": lambda loc, s: D.LogNormal(loc, s),
    "StudentT": lambda loc, s: D.StudentT(_f64([3.0, 5.0, 8.0]), loc, s),
    "Independent": lambda loc, s: D.Independent(D.Normal(loc, s), 1),
    "MVN-scale_tril": lambda loc, s: D.MultivariateNormal(loc, scale_tril=mg.diag_embed(s)
                                                          + _f64([[0, 0, 0], [0.3, 0, 0],
                                                                  [-0.2, 0.4, 0]]) * s[0]),
    "MVN-covariance": lambda loc, s: D.MultivariateNormal(
        loc, covariance_matrix=mg.diag_embed(s) + 0.3 * (s[0] * s[1])),
}


@pytest.mark.parametrize("name", list(RSAMPLE))
def test_rsample_gradcheck(name: str) -> None:
    loc = _f64([0.3, -1.0, 2.0]).requires_grad_()
    scale = _f64([0.5, 1.5, 2.0]).requires_grad_()

    def draw(loc, scale):
        mg.manual_seed(5)
        return RSAMPLE[name](loc, scale).rsample((4,))

    assert mg.gradcheck(draw, (loc, scale))


def test_rsample_gradients_are_the_reparameterisation() -> None:
    """d x / d loc = 1 and d x / d scale = eps = (x - loc) / scale, as torch's rsample."""
    loc = _f64([0.5, -1.0]).requires_grad_()
    scale = _f64([2.0, 0.5]).requires_grad_()
    x = D.Normal(loc, scale).rsample((10,))
    x.sum().backward()
    eps = (x.detach() - loc.detach()) / scale.detach()
    np.testing.assert_allclose(loc.grad.numpy(), [10.0, 10.0])
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0).numpy(), rtol=1e-12)


def test_no_rsample_for_discrete_distributions() -> None:
    for d in (D.Poisson(1.0), D.Bernoulli(0.5), D.Categorical(mg.ones(3)), D.Geometric(0.5),
              D.Binomial(3, 0.5), D.OneHotCategorical(mg.ones(3))):
        assert not d.has_rsample
        with pytest.raises(NotImplementedError, match=type(d).__name__):
            d.rsample()


# --- the implicit reparameterisation of Gamma, Beta, Dirichlet, StudentT ---------------------
def test_gamma_draw_gradient_is_the_implicit_one() -> None:
    """dx/dalpha keeps the CDF fixed: P(alpha + d, x + d dx/dalpha) = P(alpha, x) + O(d^2).
    One leaf per draw (parameters of shape (50, 4)) gives each draw's own gradient."""
    a = np.broadcast_to(np.array([0.2, 1.0, 3.5, 40.0]), (50, 4)).copy()
    alpha = _f64(a).requires_grad_()
    x = D.Gamma(alpha, 1.0).rsample()
    x.sum().backward()
    xs, dx = x.detach().numpy(), alpha.grad.numpy()
    d = 1e-5
    before = mg.igamma(_f64(a), _f64(xs)).numpy()
    after = mg.igamma(_f64(a + d), _f64(xs + d * dx)).numpy()
    np.testing.assert_allclose(after, before, atol=1e-9)
    assert np.abs(after - before).max() < 1e-3 * np.abs(mg.igamma(_f64(a + d), _f64(xs)).numpy()
                                                       - before).max()


def test_gamma_draw_gradient_matches_torch_and_mpmath() -> None:
    torch = pytest.importorskip("torch")
    from minigrad.distributions.gamma_rsample import _dx_dalpha
    a = np.array([0.05, 0.3, 1.0, 2.5, 10.0, 100.0, 3.0, 3.0, 0.5])
    x = np.array([1e-5, 0.2, 1.0, 4.0, 9.0, 120.0, 0.01, 25.0, 3.0])
    ours = _dx_dalpha(a, x, np)
    theirs = torch._standard_gamma_grad(torch.tensor(a), torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=3e-4)  # torch's own approximation: ~2.5e-4
    mpmath = pytest.importorskip("mpmath")
    exact = []
    for ai, xi in zip(a, x):
        ai, xi = mpmath.mpf(ai), mpmath.mpf(xi)
        dp = mpmath.diff(lambda t: mpmath.gammainc(t, 0, xi, regularized=True), ai)
        exact.append(float(-dp / (xi ** (ai - 1) * mpmath.exp(-xi) / mpmath.gamma(ai))))
    np.testing.assert_allclose(ours, exact, rtol=1e-8)


EXPECTATION_GRADS = {
    # name -> (builder(params), f applied to draws, d E[f] / d params)
    "Gamma": (lambda a, b: D.Gamma(a, b), lambda x: x ** 2,
              lambda a, b: [(2 * a + 1) / b ** 2, -2 * a * (a + 1) / b ** 3]),
    "Beta": (lambda a, b: D.Beta(a, b), lambda x: x,
             lambda a, b: [b / (a + b) ** 2, -a / (a + b) ** 2]),
    "Dirichlet": (lambda a, b: D.Dirichlet(mg.stack([a, b], -1)), lambda x: x[..., 0],
                  lambda a, b: [b / (a + b) ** 2, -a / (a + b) ** 2]),
    "StudentT": (lambda a, b: D.StudentT(a + 4.0, 0.0, b), lambda x: x ** 2,
                 lambda a, b: [b ** 2 * (-2.0 / (a + 2.0) ** 2), 2 * b * (a + 4) / (a + 2)]),
}


@pytest.mark.parametrize("name", list(EXPECTATION_GRADS))
def test_rsample_gives_unbiased_gradients_of_expectations(name: str) -> None:
    """The mean over draws of d f(x) / d theta estimates d E[f(x)] / d theta within 5 SE
    (one leaf per draw, so each draw's own gradient is known)."""
    build, f, exact = EXPECTATION_GRADS[name]
    a_np, b_np = np.array([0.7, 2.0, 5.0]), np.array([1.5, 0.8, 3.0])
    n = 4000
    a = _f64(np.broadcast_to(a_np, (n, 3)).copy()).requires_grad_()
    b = _f64(np.broadcast_to(b_np, (n, 3)).copy()).requires_grad_()
    mg.manual_seed(11)
    f(build(a, b).rsample()).sum().backward()
    for got, want in zip((a.grad.numpy(), b.grad.numpy()), exact(a_np, b_np)):
        se = got.std(0, ddof=1) / np.sqrt(n)
        assert np.all(np.abs(got.mean(0) - want) <= 5 * se), (name, got.mean(0), want, se)


def test_rsample_gradcheck_in_the_rates() -> None:
    """With the concentration fixed the draw is g / rate: gradcheck holds with the seed fixed."""
    rate = _f64([0.5, 2.0]).requires_grad_()

    def gamma_draw(rate):
        mg.manual_seed(4)
        return D.Gamma(_f64([1.5, 3.0]), rate).rsample((3,))
    assert mg.gradcheck(gamma_draw, (rate,))
