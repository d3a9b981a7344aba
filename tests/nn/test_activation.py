"""Activation layers: gradcheck/gradgradcheck in float64, NumPy and PyTorch parity, dtypes, repr."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

from ._torch_compare import compare_with_torch


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# (minigrad layer, torch layer name and args, NumPy reference)
LAYERS = {
    "ReLU": (lambda: nn.ReLU(), ("ReLU", ()), lambda x: np.maximum(x, 0)),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), ("LeakyReLU", (0.2,)),
                  lambda x: np.where(x > 0, x, 0.2 * x)),
    "Sigmoid": (lambda: nn.Sigmoid(), ("Sigmoid", ()), lambda x: 1 / (1 + np.exp(-x))),
    "Tanh": (lambda: nn.Tanh(), ("Tanh", ()), np.tanh),
    "Softmax": (lambda: nn.Softmax(dim=1), ("Softmax", (1,)), lambda x: _softmax(x, 1)),
    "LogSoftmax": (lambda: nn.LogSoftmax(dim=-1), ("LogSoftmax", (-1,)),
                   lambda x: np.log(_softmax(x, -1))),
}


def _input(shape=(3, 4, 2), seed=0):
    """Values at least 0.1 away from 0, where ReLU and LeakyReLU have their kink."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


@pytest.mark.parametrize("name", list(LAYERS))
def test_forward_matches_numpy(name):
    make, _, ref = LAYERS[name]
    x = _input()
    out = make()(mg.tensor(x, dtype=mg.float64))
    np.testing.assert_allclose(out.numpy(), ref(x), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", list(LAYERS))
def test_gradcheck_and_gradgradcheck(name):
    make, _, _ = LAYERS[name]
    layer = make()
    x = mg.tensor(_input((2, 3, 2)), dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck_module(layer, (x,))
    assert mg.gradgradcheck(layer, (x,))


@pytest.mark.parametrize("name", list(LAYERS))
def test_matches_torch(name):
    torch = pytest.importorskip("torch")
    make, (torch_name, args), _ = LAYERS[name]
    compare_with_torch(make(), getattr(torch.nn, torch_name)(*args), _input(seed=3))


@pytest.mark.parametrize("name", list(LAYERS))
def test_float32_in_float32_out(name):
    make, _, _ = LAYERS[name]
    x = mg.tensor(_input(), dtype=mg.float32, requires_grad=True)
    out = make()(x)
    assert out.dtype == mg.float32
    (out * out).sum().backward()
    assert x.grad.dtype == mg.float32


def test_extreme_inputs_stay_finite():
    x = mg.tensor([[-1000.0, 0.0, 1000.0]])
    for layer in (nn.Sigmoid(), nn.Tanh(), nn.Softmax(dim=1), nn.LogSoftmax(dim=1)):
        assert np.isfinite(layer(x).numpy()).all(), type(layer).__name__
    np.testing.assert_allclose(nn.Sigmoid()(x).numpy(), [[0.0, 0.5, 1.0]], atol=1e-30)
    np.testing.assert_allclose(nn.LogSoftmax(dim=1)(x).numpy(), [[-2000.0, -1000.0, 0.0]])


def test_softmax_without_dim_uses_pytorch_legacy_choice_and_warns():
    x = mg.randn(2, 3, 4)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = nn.Softmax()(x)  # 3-D input: dim 0
    np.testing.assert_allclose(out.numpy().sum(axis=0), np.ones((3, 4)), rtol=1e-6)
    with pytest.warns(UserWarning, match="log_softmax"):
        out = F.log_softmax(mg.randn(2, 3))  # 2-D input: dim 1
    np.testing.assert_allclose(np.exp(out.numpy()).sum(axis=1), np.ones(2), rtol=1e-6)


def test_functional_softmax_dtype_argument():
    x = mg.randn(2, 3)
    assert F.softmax(x, dim=1, dtype=mg.float64).dtype == mg.float64
    assert F.log_softmax(x, dim=1).dtype == mg.float32


def test_reprs():
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(nn.LogSoftmax(dim=0)) == "LogSoftmax(dim=0)"


def test_inplace_flag_gives_the_same_values():
    x = mg.tensor([-1.0, 2.0])
    assert nn.ReLU(inplace=True)(x).tolist() == [0.0, 2.0]
    assert nn.LeakyReLU(0.5, inplace=True)(x).tolist() == [-0.5, 2.0]
    assert F.relu(x, inplace=True).tolist() == [0.0, 2.0]


def test_activations_have_no_parameters():
    for make, _, _ in LAYERS.values():
        layer = make()
        assert list(layer.parameters()) == [] and layer.state_dict() == {}


@pytest.mark.parametrize("layout", ["contiguous", "channels_last"])
def test_relu_takes_an_empty_batch(layout):
    """Zero samples: shapes come through both passes (the row view must not guess a -1)."""
    x = mg.zeros(0, 4, 5, 3)
    x = (x if layout == "contiguous" else x.permute(0, 3, 1, 2)).detach().requires_grad_()
    y = F.relu(x)
    y.sum().backward()
    assert tuple(y.shape) == tuple(x.shape) and tuple(x.grad.shape) == tuple(x.shape)
