"""F.gumbel_softmax (ops/gumbel_softmax.py). PyTorch draws its noise from its own generator,
so parity is checked on the same Exp(1) draws (torch's ``exponential_`` patched to return the
ones minigrad drew after the same ``mg.manual_seed``); the sampling itself is checked
statistically (the Gumbel-max trick picks class i with probability softmax(logits)_i)."""
from __future__ import annotations

from unittest import mock

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from tests.nn._torch_compare import rand


def _noise(shape, seed, dtype=mg.float64):
    """The Exp(1) draws gumbel_softmax makes after mg.manual_seed(seed)."""
    mg.manual_seed(seed)
    return mg.empty(*shape, dtype=dtype).exponential_().numpy()


@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize("tau,dim", [(1.0, -1), (0.5, 0), (2.0, 1)])
def test_matches_torch_on_the_same_noise(tau, hard, dim) -> None:
    torch = pytest.importorskip("torch")
    logits = rand((3, 4, 5))
    noise = torch.tensor(_noise(logits.shape, 7))
    g = rand(logits.shape, seed=2)
    x_t = torch.tensor(logits, requires_grad=True)
    with mock.patch.object(torch.Tensor, "exponential_", lambda self, *a, **k: self.copy_(noise)):
        out_t = torch.nn.functional.gumbel_softmax(x_t, tau, hard, dim=dim)
    out_t.backward(torch.tensor(g))
    x = mg.tensor(logits, requires_grad=True)
    mg.manual_seed(7)
    out = F.gumbel_softmax(x, tau, hard, dim=dim)
    out.backward(mg.tensor(g))
    np.testing.assert_allclose(out.detach().numpy(), out_t.detach().numpy(), rtol=1e-12,
                               atol=1e-14)
    np.testing.assert_allclose(x.grad.numpy(), x_t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_hard_is_one_hot_with_the_soft_gradient() -> None:
    x = mg.tensor(rand((6, 5)), requires_grad=True)
    mg.manual_seed(3)
    hard = F.gumbel_softmax(x, 0.7, hard=True)
    mg.manual_seed(3)
    soft = F.gumbel_softmax(x, 0.7)
    h = hard.detach().numpy()
    assert set(np.unique(h)) == {0.0, 1.0} and np.all(h.sum(1) == 1)
    np.testing.assert_array_equal(h.argmax(1), soft.detach().numpy().argmax(1))
    g = mg.tensor(rand((6, 5), seed=1))
    (gh,) = mg.autograd.grad(hard, x, g)
    (gs,) = mg.autograd.grad(soft, x, g)
    np.testing.assert_allclose(gh.numpy(), gs.numpy(), rtol=1e-12)


def test_samples_follow_softmax_probabilities() -> None:
    logits = np.log(np.array([0.5, 0.3, 0.15, 0.05]))
    x = mg.tensor(np.tile(logits, (20000, 1)))
    mg.manual_seed(0)
    picks = F.gumbel_softmax(x, 0.3, hard=True).numpy().mean(0)
    np.testing.assert_allclose(picks, [0.5, 0.3, 0.15, 0.05], atol=0.015)
    soft = F.gumbel_softmax(x, 1.0).numpy()
    np.testing.assert_allclose(soft.sum(1), 1.0, rtol=1e-12)
    assert np.all(soft > 0)


def test_seeding_repeats_and_draws_differ() -> None:
    x = mg.tensor(rand((3, 4)))
    mg.manual_seed(11)
    a = F.gumbel_softmax(x).numpy()
    mg.manual_seed(11)
    np.testing.assert_array_equal(F.gumbel_softmax(x).numpy(), a)
    assert not np.array_equal(F.gumbel_softmax(x).numpy(), a)


def test_gradcheck_and_gradgradcheck_with_fixed_noise() -> None:
    x = mg.tensor(rand((3, 4)), requires_grad=True)

    def fn(a):
        mg.manual_seed(5)
        return F.gumbel_softmax(a, 0.8, dim=0)
    assert mg.gradcheck(fn, (x,)) and mg.gradgradcheck(fn, (x,))


def test_float32_and_eps_warning() -> None:
    x = mg.randn(3, 4).requires_grad_()
    out = F.gumbel_softmax(x, np.float64(0.5)) + F.gumbel_softmax(x, hard=True)
    assert out.dtype == mg.float32
    out.sum().backward()
    assert x.grad.dtype == mg.float32
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
        F.gumbel_softmax(x.detach(), eps=1e-5)


def test_errors() -> None:
    with pytest.raises(IndexError, match="gumbel_softmax"):
        F.gumbel_softmax(mg.zeros(2, 3), dim=2)
    with pytest.raises(RuntimeError, match="floating-point logits"):
        F.gumbel_softmax(mg.zeros((2, 3), dtype=mg.int64))
    with pytest.raises(TypeError, match="expected a Tensor"):
        F.gumbel_softmax([1.0, 2.0])
