"""The three cross-entropy ops of ops/cross_entropy.py and how cross_entropy picks one.

CrossEntropyKernel runs the GPU backend's fused kernels, which CI cannot run. Here the CPU
backend is given NumPy stand-ins with the kernels' contract (minigrad/cuda_kernels.py), so the
op's own code (the range check, the mean over kept targets, the create_graph fallback) is
checked against CrossEntropyIndices everywhere.
"""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.backend import get_backend
from minigrad.ops import cross_entropy as ce_ops


def _forward_kernel(x, target, ignore_index):
    """(softmax, per-row loss, per-row 1/0 kept, per-row bad target), as the CUDA kernel."""
    n, c = x.shape
    valid = target != ignore_index
    bad = valid & ((target < 0) | (target >= c))
    safe = np.where(valid & ~bad, target, 0)
    shifted = x - x.max(axis=1, keepdims=True)
    total = np.exp(shifted).sum(axis=1)
    loss = np.where(valid & ~bad, np.log(total) - shifted[np.arange(n), safe], 0.0)
    return np.exp(shifted) / total[:, None], loss.astype(x.dtype), valid.astype(x.dtype), bad


def _backward_kernel(softmax, target, scale, ignore_index):
    """(softmax - onehot(target)) * scale on kept rows, 0 on ignored rows."""
    valid = target != ignore_index
    grad = softmax.copy()
    rows = np.flatnonzero(valid)
    grad[rows, target[rows]] -= 1
    grad *= scale
    grad[~valid] = 0  # exactly 0, even where scale is 1/0
    return grad


@pytest.fixture
def fake_kernels(monkeypatch):
    """The CPU backend offering the two cross-entropy kernels; counts their calls."""
    calls = {"cross_entropy_forward": 0, "cross_entropy_backward": 0}
    table = {"cross_entropy_forward": _forward_kernel, "cross_entropy_backward": _backward_kernel}
    backend = get_backend("cpu")

    def kernel(name):
        if name not in table:
            return None

        def counted(*args):
            calls[name] += 1
            return table[name](*args)
        return counted
    monkeypatch.setattr(backend, "kernel", kernel)
    return calls


def _scores(seed=0, n=6, c=5):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c)) * 3
    t = rng.integers(0, c, n)
    t[1] = -100  # one ignored target
    return x, t


def _loss_and_grad(x, t, **kw):
    xm = mg.tensor(x, requires_grad=True, device="cpu")
    loss = F.cross_entropy(xm, mg.tensor(t, device="cpu"), **kw)
    loss.backward()
    return loss.item(), xm.grad.numpy()


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_kernel_op_matches_the_indices_op(fake_kernels, monkeypatch, reduction):
    x, t = _scores()
    got = _loss_and_grad(x, t, reduction=reduction)
    assert fake_kernels == {"cross_entropy_forward": 1, "cross_entropy_backward": 1}
    monkeypatch.setattr(get_backend("cpu"), "kernel", lambda name: None)  # the plain op
    want = _loss_and_grad(x, t, reduction=reduction)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-13)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-13, atol=1e-15)


def test_kernel_op_all_ignored_is_nan_with_zero_gradient(fake_kernels):
    x, _ = _scores()
    t = np.full(x.shape[0], -100)
    loss, grad = _loss_and_grad(x, t)
    assert np.isnan(loss)  # 0/0, as PyTorch
    np.testing.assert_array_equal(grad, np.zeros_like(x))


def test_kernel_op_refuses_out_of_range_target(fake_kernels):
    x, t = _scores()
    t[3] = 7
    with pytest.raises(ValueError, match=r"cross_entropy: target 7 is out of bounds for 5 classes"):
        F.cross_entropy(mg.tensor(x, device="cpu"), mg.tensor(t, device="cpu"))
    assert fake_kernels["cross_entropy_forward"] == 1  # the kernel's own check caught it


def test_kernel_op_double_backward_matches_the_indices_op(fake_kernels, monkeypatch):
    """create_graph=True leaves the kernels for tensor ops that can be differentiated again."""
    x, t = _scores(seed=1)
    v = np.random.default_rng(2).standard_normal(x.shape)

    def hessian_vector():
        xm = mg.tensor(x, requires_grad=True, device="cpu")
        loss = F.cross_entropy(xm, mg.tensor(t, device="cpu"))
        (g,) = mg.autograd.grad(loss, xm, create_graph=True)
        (g * mg.tensor(v, device="cpu")).sum().backward()
        return g.detach().numpy(), xm.grad.numpy()

    got = hessian_vector()
    assert fake_kernels == {"cross_entropy_forward": 1, "cross_entropy_backward": 0}
    monkeypatch.setattr(get_backend("cpu"), "kernel", lambda name: None)
    want = hessian_vector()
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("kwargs, shape", [
    ({"reduction": "none"}, (6, 5)),
    ({"label_smoothing": 0.1}, (6, 5)),
    ({"weight": mg.tensor(np.linspace(0.5, 2.0, 5), device="cpu")}, (6, 5)),
    ({}, (6, 5, 3)),
])
def test_kernel_op_only_for_the_case_it_implements(fake_kernels, kwargs, shape):
    rng = np.random.default_rng(3)
    x = mg.tensor(rng.standard_normal(shape), requires_grad=True, device="cpu")
    t = mg.tensor(rng.integers(0, 5, (shape[0],) + shape[2:]), device="cpu")
    F.cross_entropy(x, t, **kwargs).sum().backward()
    assert fake_kernels == {"cross_entropy_forward": 0, "cross_entropy_backward": 0}


def test_each_target_kind_records_its_own_op():
    """A reader following loss.grad_fn lands on the op for the target kind at hand."""
    x = mg.tensor(np.random.default_rng(4).standard_normal((3, 4)), requires_grad=True)
    by_index = F.cross_entropy(x, mg.tensor([0, 3, 1]))
    by_probability = F.cross_entropy(x, mg.tensor(np.full((3, 4), 0.25)))
    assert type(by_index.grad_fn).__name__.startswith("CrossEntropyIndices")
    assert type(by_probability.grad_fn).__name__.startswith("CrossEntropyProbabilities")
    assert ce_ops.CrossEntropyIndices is not ce_ops.CrossEntropyProbabilities
