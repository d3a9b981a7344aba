"""The pointwise losses written as single ops (MSELoss, BCEWithLogits in ops/loss.py): PyTorch
agreement of values and both gradients over the reductions, their plain-array first-order
backward against their tensor-op (create_graph) backward, float32 end to end, and the accuracy
of the log1p helper on every float32 scale."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.ops.loss import _log1p_unit

REDUCTIONS = ["none", "mean", "sum"]
LOSSES = {
    "mse": (F.mse_loss, "mse_loss", lambda rng, shape: rng.standard_normal(shape)),
    "bce_with_logits": (F.binary_cross_entropy_with_logits, "binary_cross_entropy_with_logits",
                        lambda rng, shape: rng.uniform(0, 1, shape)),
}


def _inputs(name, seed=0, shape=(4, 5)):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 8  # logits far into both tails
    x.reshape(-1)[:3] = [-60.0, 0.0, 60.0]
    return x, LOSSES[name][2](rng, shape), rng


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_matches_torch_values_and_both_gradients(name, reduction):
    torch = pytest.importorskip("torch")
    x, y, rng = _inputs(name)
    fn, torch_name = LOSSES[name][:2]
    xm, ym = (mg.tensor(v, requires_grad=True) for v in (x, y))
    xt, yt = (torch.tensor(v, requires_grad=True) for v in (x, y))
    lm = fn(xm, ym, reduction=reduction)
    lt = getattr(torch.nn.functional, torch_name)(xt, yt, reduction=reduction)
    np.testing.assert_allclose(lm.detach().numpy(), lt.detach().numpy(), rtol=1e-12,
                               atol=1e-300)
    g = rng.standard_normal(tuple(lt.shape))
    lm.backward(mg.tensor(g))
    lt.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ym.grad.numpy(), yt.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_first_order_backward_equals_the_create_graph_one(name, reduction):
    x, y, rng = _inputs(name, seed=1)
    xm, ym = (mg.tensor(v, requires_grad=True) for v in (x, y))
    out = LOSSES[name][0](xm, ym, reduction=reduction)
    g = mg.tensor(rng.standard_normal(tuple(out.shape)), requires_grad=True)
    fast = mg.autograd.grad(out, (xm, ym), g, retain_graph=True)
    graph = mg.autograd.grad(out, (xm, ym), g, create_graph=True)
    for a, b in zip(fast, graph):
        assert b.requires_grad
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_gradcheck_and_gradgradcheck(name):
    x, y, _ = _inputs(name, seed=2, shape=(3, 3))
    x = x / 4  # keep the sigmoid's derivative away from 0 for the finite differences
    xm, ym = (mg.tensor(v, requires_grad=True) for v in (x, y))
    for reduction in REDUCTIONS:
        fn = lambda a, b: LOSSES[name][0](a, b, reduction=reduction)  # noqa: E731
        assert mg.gradcheck(fn, (xm, ym)) and mg.gradgradcheck(fn, (xm, ym))


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_float32_stays_float32_and_matches_torch(name):
    torch = pytest.importorskip("torch")
    x, y, _ = _inputs(name, seed=3, shape=(64, 33))
    xm, ym = (mg.tensor(v.astype(np.float32), requires_grad=True) for v in (x, y))
    xt, yt = (torch.tensor(v.astype(np.float32), requires_grad=True) for v in (x, y))
    lm = LOSSES[name][0](xm, ym, reduction="none")
    lt = getattr(torch.nn.functional, LOSSES[name][1])(xt, yt, reduction="none")
    assert lm.dtype == mg.float32
    np.testing.assert_allclose(lm.detach().numpy(), lt.detach().numpy(), rtol=1e-5, atol=1e-7)
    lm.sum().backward()
    lt.sum().backward()
    assert xm.grad.dtype == mg.float32 and ym.grad.dtype == mg.float32
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log1p_unit_is_accurate_to_a_few_ulps(dtype):
    e = np.concatenate([[0.0, 1.0, 1e-30, 2.0 ** -24, 2.0 ** -53],
                        np.exp(-np.linspace(0, 100, 20001))]).astype(dtype)
    got = _log1p_unit(e.copy(), np)
    assert got.dtype == dtype
    exact = np.log1p(e.astype(np.longdouble))
    rel = np.abs(got - exact) / np.maximum(exact, np.finfo(dtype).tiny)
    assert rel.max() <= 4 * np.finfo(dtype).eps
