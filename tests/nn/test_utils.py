"""nn.utils.clip_grad_norm_ / clip_grad_value_: PyTorch's norm, scaling and return value."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.nn.utils import clip_grad_norm_, clip_grad_value_


def _params_with_grads(seed=0, dtype=mg.float64):
    rng = np.random.default_rng(seed)
    params = [nn.Parameter(mg.tensor(rng.standard_normal(s), dtype=dtype)) for s in
              [(3, 4), (4,), (2, 2, 2)]]
    for p in params:
        p.grad = mg.tensor(rng.standard_normal(p.shape) * 3, dtype=dtype)
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
def test_clips_to_max_norm_and_returns_the_total_norm(norm_type):
    params = _params_with_grads()
    flat = np.concatenate([p.grad.numpy().ravel() for p in params])
    expected = np.abs(flat).max() if norm_type == math.inf else \
        (np.abs(flat) ** norm_type).sum() ** (1 / norm_type)
    total = clip_grad_norm_(params, max_norm=1.5, norm_type=norm_type)
    assert isinstance(total, mg.Tensor) and total.shape == ()
    np.testing.assert_allclose(total.item(), expected, rtol=1e-12)
    clipped = np.concatenate([p.grad.numpy().ravel() for p in params])
    np.testing.assert_allclose(clipped, flat * 1.5 / (expected + 1e-6), rtol=1e-12)


def test_small_gradients_are_left_alone():
    params = _params_with_grads()
    before = [p.grad.numpy().copy() for p in params]
    grads = [p.grad for p in params]
    total = clip_grad_norm_(params, max_norm=1e6)
    assert total.item() > 0
    for p, b, g in zip(params, before, grads):
        assert p.grad is g  # scaled in place
        np.testing.assert_array_equal(p.grad.numpy(), b)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_matches_torch(norm_type):
    torch = pytest.importorskip("torch")
    params = _params_with_grads(seed=1)
    tparams = [torch.tensor(p.detach().numpy(), requires_grad=True) for p in params]
    for tp, p in zip(tparams, params):
        tp.grad = torch.tensor(p.grad.numpy())
    total = clip_grad_norm_(params, 0.7, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tparams, 0.7, norm_type=norm_type)
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-12)
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-12)


def test_model_parameters_single_tensor_and_missing_grads():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    assert clip_grad_norm_(model.parameters(), 1.0).item() == 0.0  # no gradients yet
    model(mg.randn(8, 3) * 100).sum().backward()
    model[2].bias.grad = None  # parameters without gradients are skipped
    total = clip_grad_norm_(model.parameters(), 1.0)
    assert total.dtype == mg.float32  # float32 model, float32 norm
    assert all(p.grad is None or p.grad.dtype == mg.float32 for p in model.parameters())
    norm_after = math.sqrt(sum(float((p.grad * p.grad).sum().item())
                               for p in model.parameters() if p.grad is not None))
    assert norm_after == pytest.approx(1.0, rel=1e-4)
    single = _params_with_grads()[0]
    expected = np.linalg.norm(single.grad.numpy())
    assert clip_grad_norm_(single, 1.0).item() == pytest.approx(expected)


def test_nonfinite_norm_and_bad_norm_type():
    params = _params_with_grads()
    params[0].grad.array[0, 0] = np.inf
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="norm_type must be positive"):
        clip_grad_norm_(_params_with_grads(), 1.0, norm_type=0)


def test_clip_grad_value():
    params = _params_with_grads()
    before = [p.grad.numpy().copy() for p in params]
    clip_grad_value_(params, 0.5)
    for p, b in zip(params, before):
        np.testing.assert_array_equal(p.grad.numpy(), np.clip(b, -0.5, 0.5))
