"""nn.utils: clip_grad_value_, parameters_to_vector and vector_to_parameters against torch."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.nn.utils import clip_grad_value_, parameters_to_vector, vector_to_parameters

SHAPES = [(3, 4), (4,), (2, 1, 3)]


def _pair(torch, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    ours = [mg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return ours, theirs


@pytest.mark.parametrize("clip", [0.5, 2, 0.0])
def test_clip_grad_value_matches_torch(clip):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch)
    rng = np.random.default_rng(1)
    for i, (p, q) in enumerate(zip(ours, theirs)):
        if i == 1:
            continue  # a parameter without a gradient is skipped
        g = (3 * rng.standard_normal(p.shape)).astype(np.float32)
        p.grad, q.grad = mg.tensor(g), torch.tensor(g)
    assert clip_grad_value_(ours, clip) is None
    torch.nn.utils.clip_grad_value_(theirs, clip, foreach=None)
    for p, q in zip(ours, theirs):
        if q.grad is None:
            assert p.grad is None
            continue
        assert p.grad.dtype == mg.float32
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
    one = mg.randn(5, requires_grad=True)
    one.grad = mg.tensor([-3.0, -0.1, 0.0, 0.2, 9.0])
    clip_grad_value_(one, 1.0, foreach=True)  # a single tensor, and torch's foreach flag
    np.testing.assert_array_equal(one.grad.numpy(), np.float32([-1, -0.1, 0, 0.2, 1]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parameters_to_vector_matches_torch_and_is_differentiable(dtype):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch, dtype)
    v, w = parameters_to_vector(ours), torch.nn.utils.parameters_to_vector(theirs)
    assert v.dtype == np.dtype(dtype) and v.shape == (sum(p.numel() for p in ours),)
    np.testing.assert_array_equal(v.detach().numpy(), w.detach().numpy())
    weights = np.random.default_rng(2).standard_normal(v.shape).astype(dtype)
    (v * mg.tensor(weights)).sum().backward()
    (w * torch.tensor(weights)).sum().backward()
    for p, q in zip(ours, theirs):
        assert p.grad.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


def test_parameters_to_vector_gradcheck():
    ps = [mg.randn(*s, dtype=mg.float64, requires_grad=True) for s in SHAPES]
    assert mg.gradcheck(lambda *xs: parameters_to_vector(xs) ** 2, ps)


def test_vector_to_parameters_matches_torch_and_shares_memory():
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch)
    vec = np.arange(sum(p.numel() for p in ours), dtype=np.float32)
    ours_vec = mg.tensor(vec)
    vector_to_parameters(ours_vec, ours)
    torch.nn.utils.vector_to_parameters(torch.tensor(vec), theirs)
    for p, q in zip(ours, theirs):
        assert p.shape == tuple(q.shape) and p.requires_grad and p.is_leaf
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    ours_vec.add_(1.0)  # as in torch, the parameters are views of vec
    np.testing.assert_array_equal(ours[0].detach().numpy().ravel(), vec[:12] + 1)
    np.testing.assert_array_equal(parameters_to_vector(ours).detach().numpy(), vec + 1)


def test_vector_round_trip_on_a_model_keeps_float32_and_trains():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    flat = parameters_to_vector(model.parameters()).detach()
    assert flat.shape == (3 * 4 + 4 + 4 * 2 + 2,)
    doubled = (flat * 2.0).double()  # another dtype is converted, so the model stays float32
    vector_to_parameters(doubled, model.parameters())
    assert all(p.dtype == mg.float32 for p in model.parameters())
    np.testing.assert_allclose(parameters_to_vector(model.parameters()).detach().numpy(),
                               2 * flat.numpy(), rtol=1e-7)
    opt = mg.optim.SGD(model.parameters(), lr=0.1)
    model(mg.randn(5, 3)).sum().backward()
    opt.step()
    assert all(p.dtype == mg.float32 for p in model.parameters())


def test_vector_to_parameters_errors_name_the_function():
    ps = [mg.randn(2, 2, requires_grad=True), mg.randn(3, requires_grad=True)]
    with pytest.raises(TypeError, match="vector_to_parameters: expected vec to be a Tensor"):
        vector_to_parameters(np.zeros(7), ps)
    with pytest.raises(ValueError, match=r"vec has 6 elements but the parameters have 7"):
        vector_to_parameters(mg.zeros(6), ps)
    with pytest.raises(ValueError, match=r"vector_to_parameters: expected a 1-D vec, got shape "
                                         r"\(7, 1\)"):
        vector_to_parameters(mg.zeros(7, 1), ps)
    with pytest.raises(TypeError, match="parameters_to_vector: expected an iterable of Tensors, "
                                        "but element 1 is ndarray"):
        parameters_to_vector([ps[0], np.zeros(3)])
    with pytest.raises(ValueError, match="parameters_to_vector: got no parameters"):
        parameters_to_vector([])
