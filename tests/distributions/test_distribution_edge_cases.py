"""Edge cases found by a differential fuzzer against torch.distributions (float64 unless the
dtype is the point): gradients at logit 0, the Gamma implicit reparameterisation gradient at
large concentrations, and dtypes of results for 0-d float64 parameters."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.distributions as D

torch = pytest.importorskip("torch")
TD = torch.distributions


def _m(v, requires_grad=False):
    return mg.tensor(v, dtype=mg.float64, requires_grad=requires_grad)


def _t(v, requires_grad=False):
    return torch.tensor(v, dtype=torch.float64, requires_grad=requires_grad)


def _grad_pair(fn_mg, fn_torch, value):
    """Gradients of fn(param).sum() w.r.t. the parameter in both libraries."""
    pm, pt = _m(value, True), _t(value, True)
    fn_mg(pm).sum().backward()
    fn_torch(pt).sum().backward()
    return pm.grad.numpy(), pt.grad.numpy()


# --- softplus' gradient at 0 -----------------------------------------------------------------
# Bernoulli/Geometric entropy and log_prob and the Bernoulli KL go through softplus(logits);
# its gradient is sigmoid(x), 1/2 at x = 0 (probs = 1/2), where max(x, 0) by clamp gave 1.

@pytest.mark.parametrize("form", ["probs", "logits"])
def test_bernoulli_entropy_gradient_at_one_half(form: str) -> None:
    value = [0.5, 0.3, 0.9] if form == "probs" else [0.0, -1.2, 2.0]
    gm, gt = _grad_pair(lambda p: D.Bernoulli(**{form: p}).entropy(),
                        lambda p: TD.Bernoulli(**{form: p}).entropy(), value)
    np.testing.assert_allclose(gm, gt, rtol=1e-12, atol=1e-12)
    if form == "probs":  # dH/dp = log((1 - p) / p): 0 at p = 1/2
        p = np.array(value)
        np.testing.assert_allclose(gm, np.log((1 - p) / p), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("form", ["probs", "logits"])
def test_bernoulli_log_prob_gradient_at_one_half(form: str) -> None:
    value = [0.5, 0.5, 0.2] if form == "probs" else [0.0, 0.0, 1.5]
    x = [1.0, 0.0, 1.0]
    gm, gt = _grad_pair(lambda p: D.Bernoulli(**{form: p}).log_prob(_m(x)),
                        lambda p: TD.Bernoulli(**{form: p}).log_prob(_t(x)), value)
    np.testing.assert_allclose(gm, gt, rtol=1e-12, atol=1e-12)


def test_geometric_entropy_gradient_at_one_half() -> None:
    value = [0.5, 0.25]
    gm, gt = _grad_pair(lambda p: D.Geometric(probs=p).entropy(),
                        lambda p: TD.Geometric(probs=p).entropy(), value)
    np.testing.assert_allclose(gm, gt, rtol=1e-10, atol=1e-12)
    gm, gt = _grad_pair(lambda q: D.Geometric(logits=q).entropy(),
                        lambda q: TD.Geometric(logits=q).entropy(), [0.0, 0.7])
    np.testing.assert_allclose(gm, gt, rtol=1e-10, atol=1e-12)


def test_bernoulli_and_geometric_kl_gradient_at_one_half() -> None:
    q = [0.3, 0.5]
    for dm, dt in ((D.Bernoulli, TD.Bernoulli), (D.Geometric, TD.Geometric)):
        gm, gt = _grad_pair(lambda p: D.kl_divergence(dm(probs=p), dm(probs=_m(q))),
                            lambda p: TD.kl_divergence(dt(probs=p), dt(probs=_t(q))),
                            [0.5, 0.5])
        np.testing.assert_allclose(gm, gt, rtol=1e-10, atol=1e-12)


def test_softplus_values_unchanged_far_out() -> None:
    """softplus(x) = x / 2 + |x| / 2 + log1p(e^-|x|): exact max(x, 0) and no overflow."""
    from minigrad.distributions.utils import softplus
    x = np.array([-800.0, -30.0, -1e-300, 0.0, 1e-300, 0.5, 30.0, 800.0, 1e308])
    out = softplus(_m(x)).numpy()
    np.testing.assert_allclose(out, np.logaddexp(0.0, x), rtol=1e-15, atol=0)
    assert np.isfinite(out).all()


# --- Gamma rsample: the implicit gradient at large concentration ------------------------------
# dx/dalpha by a 5-point stencil in alpha used the step 1e-3 alpha: P(alpha, x) varies in alpha
# on the scale sqrt(alpha), so at alpha = 1e4 the step spanned 0.1 deviations and the stencil's
# error reached 2e-5 relative (mpmath reference). torch._standard_gamma_grad is accurate to
# ~7e-7 there (also measured against mpmath), so 3e-6 separates the two.

def test_gamma_rsample_gradient_large_concentration() -> None:
    if not hasattr(torch, "_standard_gamma_grad"):
        pytest.skip("torch without _standard_gamma_grad")
    alpha = 1e4
    mg.manual_seed(3)
    conc = mg.full((64,), alpha, dtype=mg.float64, requires_grad=True)
    x = D.Gamma(conc, 1.0).rsample()
    x.sum().backward()
    expected = torch._standard_gamma_grad(torch.full((64,), alpha, dtype=torch.float64),
                                          torch.tensor(x.detach().numpy()))
    np.testing.assert_allclose(conc.grad.numpy(), expected.numpy(), rtol=3e-6)


@pytest.mark.parametrize("alpha", [0.05, 1.5, 30.0, 3e3])
def test_gamma_rsample_gradient_matches_torch_elsewhere(alpha: float) -> None:
    """The step change keeps the small and moderate concentrations where they were (torch's
    own approximation is the looser side: ~1e-4 relative, so that is the tolerance)."""
    mg.manual_seed(5)
    conc = mg.full((32,), alpha, dtype=mg.float64, requires_grad=True)
    x = D.Gamma(conc, 2.0).rsample()
    x.sum().backward()
    xs = torch.tensor(x.detach().numpy()) * 2.0  # the standard Gamma draw
    expected = torch._standard_gamma_grad(torch.full((32,), alpha, dtype=torch.float64), xs) / 2
    np.testing.assert_allclose(conc.grad.numpy(), expected.numpy(), rtol=2e-4)


# --- Uniform.log_prob in the parameters' dtype -------------------------------------------------

def test_uniform_log_prob_float64_with_0d_parameters() -> None:
    """where(inside, 0.0, -inf) was float32 and, as a batch tensor, decided the dtype over the 0-d
    float64 log(high - low): a float64 Uniform gave float32 densities rounded to float32."""
    low, high = 0.1, 3.3
    x = [0.5, 3.3, -1.0, 2.0]
    dm = D.Uniform(_m(low), _m(high), validate_args=False)
    dt = TD.Uniform(_t(low), _t(high), validate_args=False)
    out = dm.log_prob(_m(x))
    assert out.dtype == mg.float64
    np.testing.assert_array_equal(out.numpy(), dt.log_prob(_t(x)).numpy())
    assert out.numpy()[0] == -np.log(3.2)


def test_uniform_log_prob_float32_stays_float32() -> None:
    dm = D.Uniform(mg.tensor(0.0), mg.tensor([1.0, 2.0]))
    out = dm.log_prob(mg.tensor([0.5, 1.5]))
    assert out.dtype == mg.float32
    dt = TD.Uniform(torch.tensor(0.0), torch.tensor([1.0, 2.0]))
    np.testing.assert_array_equal(out.numpy(), dt.log_prob(torch.tensor([0.5, 1.5])).numpy())


# --- Poisson draws at huge rates -----------------------------------------------------------------
# NumPy's sampler raised its own "ValueError: lam value too large" from ~9.2e18 on (torch returns
# -9.2e18, int64 overflow: wrong, so the math is the reference). Above 1e17 the draw is the normal
# limit; its moments are checked at 5 standard errors over n draws.

def test_poisson_sample_huge_rates() -> None:
    mg.manual_seed(11)
    n = 4000
    rates = [2.5, 1e19, 1e30, float("inf")]
    d = D.Poisson(_m(rates))
    s = d.sample((n,)).numpy()
    assert s.shape == (n, 4) and s.dtype == np.float64
    for j, rate in enumerate(rates[:3]):
        col = s[:, j]
        assert (col >= 0).all() and (col == np.round(col)).all()
        assert abs((col - rate).mean()) < 5 * np.sqrt(rate / n)
        assert abs(np.sqrt(((col - rate) ** 2).mean() / rate) - 1) < 5 / np.sqrt(2 * n)
    assert np.isposinf(s[:, 3]).all()
    nan_rate = D.Poisson(_m([float("nan"), 1.0]), validate_args=False).sample((3,)).numpy()
    assert np.isnan(nan_rate[:, 0]).all() and np.isfinite(nan_rate[:, 1]).all()


def test_poisson_sample_huge_rate_float32() -> None:
    mg.manual_seed(12)
    s = D.Poisson(mg.tensor([1e19, 4.0])).sample((500,))
    assert s.dtype == mg.float32
    a = s.numpy().astype(np.float64)
    np.testing.assert_allclose(a[:, 0].mean(), 1e19, rtol=1e-6)
    assert abs(a[:, 1].mean() - 4.0) < 5 * np.sqrt(4.0 / 500)


# --- MultivariateNormal.log_prob at infinite values ---------------------------------------------
# The density is 0 when any coordinate is infinite (the Mahalanobis term is at least
# |x|^2 / lambda_max); the triangular solve gave inf - inf = nan. torch gives -inf for [inf, 0]
# but nan for [inf, inf]; the math says -inf for both, nan only where a value is nan.

@pytest.mark.parametrize("dtype", [mg.float64, mg.float32])
def test_mvn_log_prob_infinite_values(dtype) -> None:
    cov = np.array([[1.3, 0.3], [0.3, 1.3]])
    d = D.MultivariateNormal(mg.zeros(3, 2, dtype=dtype), mg.tensor(cov, dtype=dtype),
                             validate_args=False)
    values = [[np.inf, 0.0], [np.inf, np.inf], [-np.inf, np.inf]]
    out = d.log_prob(mg.tensor(values, dtype=dtype))
    assert out.dtype == dtype
    assert np.isneginf(out.numpy()).all()
    nan_out = d.log_prob(mg.tensor([[np.nan, 0.0], [np.nan, np.inf], [0.5, -1.0]], dtype=dtype))
    assert np.isnan(nan_out.numpy()[:2]).all()
    t = TD.MultivariateNormal(torch.zeros(2, dtype=torch.float64), torch.tensor(cov))
    np.testing.assert_allclose(nan_out.numpy()[2], t.log_prob(_t([0.5, -1.0])).item(),
                               rtol=1e-6 if dtype == mg.float32 else 1e-13)
    np.testing.assert_allclose(d.log_prob(mg.tensor([0.5, -1.0], dtype=dtype)).numpy(),
                               t.log_prob(_t([0.5, -1.0])).item(),
                               rtol=1e-6 if dtype == mg.float32 else 1e-13)
