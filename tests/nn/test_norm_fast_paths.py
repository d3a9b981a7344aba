"""Norm fast paths: LayerNorm's backward from the kept x - mean and rstd (x) weight
(each mix of weight / bias / wanted gradients against PyTorch in float64, float32 stays
float32), and batch norm on (N, C) features, whose per-channel rows are the features
themselves (no spread or fold) and whose batch is one block or several."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F


def _grads(ts):
    return [None if t is None or t.grad is None else t.grad.numpy() for t in ts]


@pytest.mark.parametrize("affine, need", [
    (affine, need) for affine in ["both", "weight", "none"]
    for need in [(True, True, True), (True, False, False), (False, True, True)]
    if affine != "none" or need[0]])  # (no weight and no input gradient: nothing to check)
def test_layer_norm_matches_torch_float64(affine, need):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, g = rng.standard_normal((7, 3, 10)) * 3 + 1, rng.standard_normal((7, 3, 10))
    w, b = rng.uniform(0.5, 1.5, 10), rng.standard_normal(10)
    w, b = (w if affine != "none" else None), (b if affine == "both" else None)
    ours = [None if v is None else mg.tensor(v, requires_grad=r) for v, r in zip((x, w, b), need)]
    theirs = [None if v is None else torch.tensor(v, requires_grad=r)
              for v, r in zip((x, w, b), need)]
    out = F.layer_norm(ours[0], (10,), ours[1], ours[2])
    ref = torch.nn.functional.layer_norm(theirs[0], (10,), theirs[1], theirs[2])
    out.backward(mg.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-10)
    for a, t in zip(_grads(ours), theirs):
        expected = None if t is None or t.grad is None else t.grad.numpy()
        assert (a is None) == (expected is None)
        if a is not None:
            np.testing.assert_allclose(a, expected, rtol=1e-9, atol=1e-9)


def test_layer_norm_float32_stays_float32_and_gradchecks():
    x = mg.randn(4, 6, dtype=mg.float32, requires_grad=True)
    w = mg.ones(6, dtype=mg.float32, requires_grad=True)
    out = F.layer_norm(x, (6,), w, None)
    (out * mg.randn(4, 6, dtype=mg.float32)).sum().backward()
    assert out.dtype == x.grad.dtype == w.grad.dtype == mg.float32
    x64 = mg.randn(3, 5, dtype=mg.float64, requires_grad=True)
    w64 = mg.randn(5, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(lambda a, b: F.layer_norm(a, (5,), b, None), (x64, w64))


@pytest.mark.parametrize("batch", [12, 1100])  # one block; several (grain 1024 rows of 128)
def test_batch_norm_features_match_torch(batch):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x, g = rng.standard_normal((batch, 128)) * 2 + 3, rng.standard_normal((batch, 128))
    ours, theirs = mg.nn.BatchNorm1d(128, dtype=mg.float64), torch.nn.BatchNorm1d(128).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(rng.uniform(0.5, 1.5, 128)))
        theirs.bias.copy_(torch.tensor(rng.standard_normal(128)))
    ours.weight.data.copy_(mg.tensor(theirs.weight.detach().numpy()))
    ours.bias.data.copy_(mg.tensor(theirs.bias.detach().numpy()))
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = ours(xm), theirs(xt)
    out.backward(mg.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-10)
    for a, b in ((xm.grad, xt.grad), (ours.weight.grad, theirs.weight.grad),
                 (ours.bias.grad, theirs.bias.grad), (ours.running_mean, theirs.running_mean),
                 (ours.running_var, theirs.running_var)):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-9)


def test_batch_norm_features_float32_stays_float32():
    layer = mg.nn.BatchNorm1d(16)
    x = mg.randn(8, 16, dtype=mg.float32, requires_grad=True)
    out = layer(x)
    (out * mg.randn(8, 16, dtype=mg.float32)).sum().backward()
    assert out.dtype == x.grad.dtype == layer.weight.grad.dtype == layer.bias.grad.dtype \
        == layer.running_var.dtype == mg.float32
