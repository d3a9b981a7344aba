"""The losses given single ops with a plain-array first-order backward in session 8 (Huber for
smooth_l1/huber, ...): PyTorch agreement of values and every gradient over the reductions
(float64 and float32), the plain-array backward against the tensor-op (create_graph) one, and
gradcheck/gradgradcheck of both paths."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

REDUCTIONS = ["none", "mean", "sum"]


def _regression(rng, shape):
    """x, y with differences on both sides of 1 and 0.5, one exact tie at 0.5 and one at 0."""
    x, y = rng.standard_normal(shape) * 2, rng.standard_normal(shape)
    x.reshape(-1)[:2] = y.reshape(-1)[:2] + [0.5, 0.0]
    return x, y


# name -> (call(F-like module, *tensors, reduction), inputs(rng, shape) -> arrays,
#          which inputs are differentiable)
CASES = {
    "smooth_l1 beta 1": (lambda f, x, y, r: f.smooth_l1_loss(x, y, reduction=r), _regression),
    "smooth_l1 beta 0.5": (lambda f, x, y, r: f.smooth_l1_loss(x, y, reduction=r, beta=0.5),
                           _regression),
    "huber delta 1": (lambda f, x, y, r: f.huber_loss(x, y, reduction=r), _regression),
    "huber delta 0.5": (lambda f, x, y, r: f.huber_loss(x, y, reduction=r, delta=0.5),
                        _regression),
}


def _run(fw, name, arrays, reduction, dtype):
    ts = [fw.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    return CASES[name][0](fw.nn.functional, *ts, reduction), ts


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_matches_torch_values_and_gradients_float64(name, reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = CASES[name][1](rng, (5, 7))
    (lm, ms), (lt, ts) = (_run(fw, name, arrays, reduction, np.float64) for fw in (mg, torch))
    np.testing.assert_allclose(lm.detach().numpy(), lt.detach().numpy(), rtol=1e-12, atol=1e-300)
    g = rng.standard_normal(tuple(lt.shape))
    lm.backward(mg.tensor(g))
    lt.backward(torch.tensor(g))
    for a, b in zip(ms, ts):
        if b.grad is not None:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32_stays_float32_and_matches_torch(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    arrays = CASES[name][1](rng, (64, 33))
    for reduction in REDUCTIONS:
        (lm, ms), (lt, ts) = (_run(fw, name, arrays, reduction, np.float32) for fw in (mg, torch))
        assert lm.dtype == mg.float32
        np.testing.assert_allclose(lm.detach().numpy(), lt.detach().numpy(), rtol=1e-5,
                                   atol=1e-7)
        (lm.sum() if reduction == "none" else lm).backward()
        (lt.sum() if reduction == "none" else lt).backward()
        for a, b in zip(ms, ts):
            if b.grad is not None:
                assert a.grad.dtype == mg.float32
                np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_first_order_backward_equals_the_create_graph_one(name, reduction):
    rng = np.random.default_rng(2)
    out, ts = _run(mg, name, CASES[name][1](rng, (4, 6)), reduction, np.float64)
    ts = [t for t in ts if t.requires_grad]
    g = mg.tensor(rng.standard_normal(tuple(out.shape)), requires_grad=True)
    fast = mg.autograd.grad(out, ts, g, retain_graph=True, allow_unused=True)
    graph = mg.autograd.grad(out, ts, g, create_graph=True, allow_unused=True)
    for a, b in zip(fast, graph):
        assert (a is None) == (b is None)
        if a is not None:
            assert b.requires_grad
            np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck_and_gradgradcheck(name):
    rng = np.random.default_rng(3)
    arrays = CASES[name][1](rng, (3, 4))
    arrays[0].reshape(-1)[:2] += 0.1  # no finite difference across a kink
    ts = [mg.tensor(a, requires_grad=True) for a in arrays]
    for reduction in REDUCTIONS:
        fn = lambda *a: CASES[name][0](F, *a, reduction)  # noqa: E731
        assert mg.gradcheck(fn, ts) and mg.gradgradcheck(fn, ts)
