"""RelaxedBernoulli and RelaxedOneHotCategorical against torch: log_prob and its gradients in
the temperature, the parameters and the value; rsample shapes, support and gradcheck; float32."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.distributions as D

torch = pytest.importorskip("torch")
TD = torch.distributions


def _value(name, rng, shape):
    v = rng.uniform(0.05, 0.95, shape)
    return v / v.sum(-1, keepdims=True) if name == "RelaxedOneHotCategorical" else v


@pytest.mark.parametrize("name", ["RelaxedBernoulli", "RelaxedOneHotCategorical"])
@pytest.mark.parametrize("param", ["probs", "logits"])
@pytest.mark.parametrize("value_shape", [(), (2,)])
def test_log_prob_and_gradients_match_torch(name, param, value_shape) -> None:
    rng = np.random.default_rng(0)
    temp = np.array([0.6, 1.3, 2.0])
    p = rng.uniform(0.1, 0.9, (2, 3)) if param == "probs" else rng.normal(size=(2, 3))
    if name == "RelaxedOneHotCategorical" and param == "probs":
        p = p / p.sum(-1, keepdims=True)
    if name == "RelaxedOneHotCategorical":  # a batched temperature divides the event dim
        temp = np.array(0.8)
    v = _value(name, rng, value_shape + (2, 3))
    m = [mg.tensor(a, dtype=mg.float64, requires_grad=True) for a in (temp, p, v)]
    t = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (temp, p, v)]
    m_out = getattr(D, name)(m[0], **{param: m[1]}).log_prob(m[2])
    t_out = getattr(TD, name)(t[0], **{param: t[1]}).log_prob(t[2])
    np.testing.assert_allclose(m_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-9)
    w = np.random.default_rng(1).normal(size=tuple(t_out.shape))
    (m_out * mg.tensor(w)).sum().backward()
    (t_out * torch.tensor(w)).sum().backward()
    for a, b, label in zip(m, t, ("temperature", param, "value")):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=f"{name} grad of {label}")


@pytest.mark.parametrize("name", ["RelaxedBernoulli", "RelaxedOneHotCategorical"])
def test_rsample_shapes_support_and_gradcheck(name) -> None:
    logits = mg.tensor([[0.3, -1.0, 2.0], [0.0, 0.5, -0.5]], dtype=mg.float64,
                       requires_grad=True)
    temp = mg.tensor(0.7, dtype=mg.float64, requires_grad=True)
    d = getattr(D, name)(temp, logits=logits)
    td = getattr(TD, name)(torch.tensor(0.7), logits=torch.zeros(2, 3))
    assert (d.batch_shape, d.event_shape) == (tuple(td.batch_shape), tuple(td.event_shape))
    for shape in [(), (4,), (2, 5)]:
        s = d.rsample(shape)
        assert tuple(s.shape) == tuple(td.rsample(shape).shape)
        assert bool(d.support.check(s).all())
        assert not d.sample(shape).requires_grad

    def draw(temp, logits):
        mg.manual_seed(3)
        return getattr(D, name)(temp, logits=logits).rsample((3,))
    assert mg.gradcheck(draw, (temp, logits))


def test_low_temperature_approaches_the_discrete_draw() -> None:
    mg.manual_seed(0)
    probs = mg.tensor([0.2, 0.9], dtype=mg.float64)
    x = D.RelaxedBernoulli(0.05, probs=probs).sample((4000,))
    np.testing.assert_allclose((x > 0.5).double().mean(0).numpy(), [0.2, 0.9], atol=0.04)
    y = D.RelaxedOneHotCategorical(0.05, probs=mg.tensor([0.2, 0.3, 0.5], dtype=mg.float64))
    freq = (y.sample((4000,)).argmax(-1).unsqueeze(-1) == mg.arange(3)).double().mean(0)
    np.testing.assert_allclose(freq.numpy(), [0.2, 0.3, 0.5], atol=0.04)


def test_float32_stays_float32() -> None:
    logits = mg.randn(2, 3).requires_grad_()
    for cls in (D.RelaxedBernoulli, D.RelaxedOneHotCategorical):
        d = cls(0.5, logits=logits)
        s = d.rsample((2,))
        out = d.log_prob(s.detach())
        assert s.dtype == mg.float32 and out.dtype == mg.float32
        (out.sum() + s.sum()).backward()
        assert logits.grad.dtype == mg.float32
        logits.grad = None
