"""The torch tutorial patterns ported by changing the import: a VAE's ELBO (Normal posterior,
rsample, KL to a standard normal, Bernoulli / Independent likelihood) and REINFORCE
(Categorical sample, log_prob times return), compared with torch on the same weights."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.distributions as D
import minigrad.nn as nn

torch = pytest.importorskip("torch")


def _linear_pair(n_in: int, n_out: int, seed: int):
    r = np.random.default_rng(seed)
    w, b = r.normal(size=(n_out, n_in)) * 0.3, r.normal(size=(n_out,)) * 0.1
    m = nn.Linear(n_in, n_out).double()
    t = torch.nn.Linear(n_in, n_out).double()
    with mg.no_grad():
        m.weight.copy_(mg.tensor(w, dtype=mg.float64))
        m.bias.copy_(mg.tensor(b, dtype=mg.float64))
    with torch.no_grad():
        t.weight.copy_(torch.tensor(w))
        t.bias.copy_(torch.tensor(b))
    return m, t


def _elbo(lib, dist, enc, dec, x, eps):
    """The VAE loss of the PyTorch examples, z = mu + std * eps with eps given."""
    h = enc(x)
    mu, logvar = h[:, :2], h[:, 2:]
    q = dist.Normal(mu, (0.5 * logvar).exp())
    z = q.mean + q.stddev * eps
    prior = dist.Normal(lib.zeros_like(mu), lib.ones_like(mu))
    kl = dist.kl_divergence(q, prior).sum(-1)
    likelihood = dist.Independent(dist.Bernoulli(logits=dec(z)), 1)
    return (kl - likelihood.log_prob(x)).mean()


def test_vae_elbo_and_gradients_match_torch() -> None:
    r = np.random.default_rng(0)
    x = (r.uniform(size=(5, 6)) > 0.5).astype(np.float64)
    eps = r.normal(size=(5, 2))
    m_enc, t_enc = _linear_pair(6, 4, 1)
    m_dec, t_dec = _linear_pair(2, 6, 2)
    m_loss = _elbo(mg, D, m_enc, m_dec, mg.tensor(x, dtype=mg.float64), mg.tensor(eps, dtype=mg.float64))
    t_loss = _elbo(torch, torch.distributions, t_enc, t_dec, torch.tensor(x), torch.tensor(eps))
    np.testing.assert_allclose(m_loss.item(), t_loss.item(), rtol=1e-10)
    m_loss.backward()
    t_loss.backward()
    for m, t in [(m_enc, t_enc), (m_dec, t_dec)]:
        np.testing.assert_allclose(m.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_vae_training_step_with_rsample_lowers_the_loss() -> None:
    mg.manual_seed(0)
    x = (mg.rand(16, 6) > 0.5).float()
    enc, dec = nn.Linear(6, 4), nn.Linear(2, 6)
    opt = mg.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=0.05)

    def loss_fn():
        h = enc(x)
        q = D.Normal(h[:, :2], (0.5 * h[:, 2:]).exp())
        z = q.rsample()
        kl = D.kl_divergence(q, D.Normal(0.0, 1.0)).sum(-1)
        return (kl - D.Bernoulli(logits=dec(z)).log_prob(x).sum(-1)).mean()

    mg.manual_seed(1)
    start = float(np.mean([loss_fn().item() for _ in range(20)]))
    for _ in range(60):
        opt.zero_grad()
        loss = loss_fn()
        assert loss.dtype == mg.float32
        loss.backward()
        opt.step()
    end = float(np.mean([loss_fn().item() for _ in range(20)]))
    assert end < start - 0.5, (start, end)


def test_reinforce_loss_matches_torch() -> None:
    r = np.random.default_rng(3)
    states = r.normal(size=(4, 5))
    m_pol, t_pol = _linear_pair(5, 3, 4)
    m_probs = m_pol(mg.tensor(states, dtype=mg.float64)).softmax(-1)
    t_probs = t_pol(torch.tensor(states)).softmax(-1)
    m_dist, t_dist = D.Categorical(m_probs), torch.distributions.Categorical(t_probs)
    action = m_dist.sample()
    assert action.dtype == mg.int64 and action.shape == (4,)
    returns = r.normal(size=4)
    m_loss = (-m_dist.log_prob(action) * mg.tensor(returns, dtype=mg.float64)).sum() \
        - 0.01 * m_dist.entropy().sum()
    t_loss = (-t_dist.log_prob(torch.tensor(action.numpy())) * torch.tensor(returns)).sum() \
        - 0.01 * t_dist.entropy().sum()
    np.testing.assert_allclose(m_loss.item(), t_loss.item(), rtol=1e-10)
    m_loss.backward()
    t_loss.backward()
    np.testing.assert_allclose(m_pol.weight.grad.numpy(), t_pol.weight.grad.numpy(), rtol=1e-9,
                               atol=1e-12)
