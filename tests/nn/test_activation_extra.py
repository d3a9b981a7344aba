"""The activation layers added after the first six (GELU, SiLU, Mish, Softplus, ELU, SELU,
Hardtanh, ReLU6, Hardsigmoid, Hardswish, LogSigmoid, Softsign, PReLU, Softmin, Threshold):
gradcheck/gradgradcheck in float64, NumPy and PyTorch parity (PReLU's weight included),
float32 end to end, reprs as PyTorch's, and errors that name the layer."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

from ._torch_compare import compare_with_torch

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_erfc = np.vectorize(math.erfc, otypes=[float])


def _softplus(x, beta, threshold):
    return np.where(x * beta > threshold, x, np.log1p(np.exp(x * beta)) / beta)


def _softmin(x, axis):
    e = np.exp(-x + x.min(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# name: (minigrad layer, (torch layer name, args), NumPy reference)
LAYERS = {
    "GELU": (lambda: nn.GELU(), ("GELU", ()), lambda x: 0.5 * x * _erfc(-x / math.sqrt(2))),
    "GELU_tanh": (lambda: nn.GELU(approximate="tanh"), ("GELU", ("tanh",)),
                  lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi)
                                                   * (x + 0.044715 * x ** 3)))),
    "SiLU": (lambda: nn.SiLU(), ("SiLU", ()), lambda x: x / (1 + np.exp(-x))),
    "Mish": (lambda: nn.Mish(), ("Mish", ()), lambda x: x * np.tanh(np.log1p(np.exp(x)))),
    "Softplus": (lambda: nn.Softplus(), ("Softplus", ()), lambda x: _softplus(x, 1.0, 20.0)),
    "Softplus_beta": (lambda: nn.Softplus(beta=2.0, threshold=1.0), ("Softplus", (2.0, 1.0)),
                      lambda x: _softplus(x, 2.0, 1.0)),
    "ELU": (lambda: nn.ELU(alpha=0.5), ("ELU", (0.5,)),
            lambda x: np.where(x > 0, x, 0.5 * np.expm1(x))),
    "SELU": (lambda: nn.SELU(), ("SELU", ()),
             lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x))),
    "Hardtanh": (lambda: nn.Hardtanh(-0.75, 1.25), ("Hardtanh", (-0.75, 1.25)),
                 lambda x: np.clip(x, -0.75, 1.25)),
    "ReLU6": (lambda: nn.ReLU6(), ("ReLU6", ()), lambda x: np.clip(x, 0, 6)),
    "Hardsigmoid": (lambda: nn.Hardsigmoid(), ("Hardsigmoid", ()),
                    lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    "Hardswish": (lambda: nn.Hardswish(), ("Hardswish", ()),
                  lambda x: x * np.clip(x + 3, 0, 6) / 6),
    "LogSigmoid": (lambda: nn.LogSigmoid(), ("LogSigmoid", ()), lambda x: -np.logaddexp(0, -x)),
    "Softsign": (lambda: nn.Softsign(), ("Softsign", ()), lambda x: x / (1 + np.abs(x))),
    "PReLU": (lambda: nn.PReLU(), ("PReLU", ()), lambda x: np.where(x > 0, x, 0.25 * x)),
    "PReLU_channels": (lambda: nn.PReLU(4, init=0.1), ("PReLU", (4, 0.1)),
                       # init fills the float32 weight; .double() then widens 0.1's rounding
                       lambda x: np.where(x > 0, x, float(np.float32(0.1)) * x)),
    "Softmin": (lambda: nn.Softmin(dim=1), ("Softmin", (1,)), lambda x: _softmin(x, 1)),
    "Threshold": (lambda: nn.Threshold(0.3, -1.5), ("Threshold", (0.3, -1.5)),
                  lambda x: np.where(x <= 0.3, -1.5, x)),
}

KINKS = (-3.0, -0.75, 0.0, 0.3, 0.5, 1.0, 1.25, 3.0, 6.0)  # every layer's kink or jump above


def _input(shape=(3, 4, 2), seed=0):
    """Values over [-7, 7] (both sides of every kink, saturation included) kept at least 0.05
    away from the kinks, so central differences never straddle one."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-7.0, 7.0, shape)
    for k in KINKS:
        near = np.abs(x - k) < 0.05
        x = np.where(near, x + np.where(x >= k, 0.05, -0.05), x)
    return x


@pytest.mark.parametrize("name", list(LAYERS))
def test_forward_matches_numpy(name):
    make, _, ref = LAYERS[name]
    x = _input()
    out = make().double()(mg.tensor(x, dtype=mg.float64))
    np.testing.assert_allclose(out.detach().numpy(), ref(x), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", list(LAYERS))
def test_gradcheck_and_gradgradcheck(name):
    make, _, _ = LAYERS[name]
    layer = make().double()
    x = mg.tensor(_input((2, 4, 3), seed=1), dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck_module(layer, (x,))  # the input and any parameter (PReLU's weight)
    assert mg.gradgradcheck(layer, (x,))


@pytest.mark.parametrize("name", list(LAYERS))
def test_matches_torch(name):
    """Outputs, input gradients and (PReLU) weight gradients; weights go through state_dict."""
    torch = pytest.importorskip("torch")
    make, (torch_name, args), _ = LAYERS[name]
    compare_with_torch(make(), getattr(torch.nn, torch_name)(*args), _input(seed=3))


@pytest.mark.parametrize("name", list(LAYERS))
def test_float32_in_float32_out(name):
    make, _, _ = LAYERS[name]
    layer = make()
    x = mg.tensor(_input(), dtype=mg.float32, requires_grad=True)
    out = layer(x)
    assert out.dtype == mg.float32
    (out * out).sum().backward()
    assert x.grad.dtype == mg.float32
    for p in layer.parameters():
        assert p.dtype == mg.float32 and p.grad.dtype == mg.float32


def test_a_float32_network_stays_float32_and_trains():
    layers = [nn.Linear(6, 8), nn.GELU(), nn.Linear(8, 8), nn.SiLU(), nn.Linear(8, 8), nn.Mish(),
              nn.Linear(8, 8), nn.PReLU(), nn.Linear(8, 8), nn.ELU(), nn.Linear(8, 8),
              nn.Hardswish(), nn.Linear(8, 8), nn.Softplus(), nn.Linear(8, 1)]
    model = nn.Sequential(*layers)
    x, y = mg.randn(32, 6), mg.randn(32, 1)
    opt = mg.optim.SGD(model.parameters(), lr=0.05)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert loss.dtype == mg.float32
    assert all(p.dtype == mg.float32 and p.grad.dtype == mg.float32 for p in model.parameters())
    assert losses[-1] < 0.9 * losses[0]


REPRS = [("GELU", ()), ("GELU", ("tanh",)), ("SiLU", ()), ("SiLU", (True,)), ("Mish", ()),
         ("Softplus", ()), ("Softplus", (2, 10)), ("ELU", ()), ("ELU", (0.5, True)), ("SELU", ()),
         ("SELU", (True,)), ("Hardtanh", ()), ("Hardtanh", (-2, 3, True)), ("ReLU6", ()),
         ("ReLU6", (True,)), ("Hardsigmoid", ()), ("Hardsigmoid", (True,)), ("Hardswish", ()),
         ("LogSigmoid", ()), ("Softsign", ()), ("PReLU", ()), ("PReLU", (3,)), ("Softmin", ()),
         ("Softmin", (1,)), ("Threshold", (0.1, 20)), ("Threshold", (0.1, 20.0, True))]


@pytest.mark.parametrize("name,args", REPRS, ids=[f"{n}{a}" for n, a in REPRS])
def test_repr_matches_torch(name, args):
    torch = pytest.importorskip("torch")
    assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


def test_reprs_without_torch():
    assert repr(nn.GELU()) == "GELU(approximate='none')"
    assert repr(nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)"
    assert repr(nn.Hardtanh()) == "Hardtanh(min_val=-1.0, max_val=1.0)"
    assert repr(nn.ReLU6(inplace=True)) == "ReLU6(inplace=True)"
    assert repr(nn.PReLU(3)) == "PReLU(num_parameters=3)"
    assert repr(nn.Threshold(0.1, 20)) == "Threshold(threshold=0.1, value=20)"


def test_prelu_weight_state_dict_and_init():
    layer = nn.PReLU(3, init=0.1)
    assert list(layer.state_dict()) == ["weight"]
    assert layer.weight.shape == (3,) and layer.weight.dtype == mg.float32
    np.testing.assert_array_equal(layer.weight.detach().numpy(), np.full(3, 0.1, np.float32))
    with mg.no_grad():
        layer.weight.fill_(0.7)
    layer.reset_parameters()
    np.testing.assert_array_equal(layer.weight.detach().numpy(), np.full(3, 0.1, np.float32))
    assert nn.PReLU(dtype=mg.float64).weight.dtype == mg.float64


def test_prelu_per_channel_on_images_and_channels_last_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(5).standard_normal((2, 3, 4, 5))
    compare_with_torch(nn.PReLU(3, init=0.3), torch.nn.PReLU(3, init=0.3), x)
    # the same values stored channels-last: the slope still follows dim 1
    stored = mg.tensor(x.transpose(0, 2, 3, 1).copy(), dtype=mg.float64)
    layer = nn.PReLU(3).double()
    with mg.no_grad():
        layer.weight.copy_(mg.tensor([0.1, 0.2, 0.3], dtype=mg.float64))
    got = layer(stored.permute(0, 3, 1, 2))
    expected = np.where(x > 0, x, np.array([0.1, 0.2, 0.3])[:, None, None] * x)
    np.testing.assert_allclose(got.detach().numpy(), expected, rtol=1e-15)


def test_prelu_slope_learns_with_an_optimizer():
    """The weight is a Parameter: it gets a gradient (sum of x * grad where x <= 0) and moves."""
    layer = nn.PReLU()
    x = mg.tensor([-2.0, -1.0, 3.0])
    opt = mg.optim.SGD(layer.parameters(), lr=0.1)
    layer(x).sum().backward()
    np.testing.assert_allclose(layer.weight.grad.numpy(), [-3.0])
    opt.step()
    np.testing.assert_allclose(layer.weight.detach().numpy(), [0.25 + 0.3], rtol=1e-6)


def test_layer_errors_name_the_layer():
    with pytest.raises(RuntimeError, match=r"PReLU\(num_parameters=3\) expected an input with 3 "
                                           r"channels on dim 1, got input of shape \(2, 4\)"):
        nn.PReLU(3)(mg.randn(2, 4))
    with pytest.raises(ValueError, match="PReLU: num_parameters must be a positive int, got 0"):
        nn.PReLU(0)
    with pytest.raises(ValueError, match="Hardtanh: min_val cannot be greater than max_val"):
        nn.Hardtanh(1.0, -1.0)
    with pytest.raises(ValueError, match="GELU: approximate must be 'none' or 'tanh', got 'erf'"):
        nn.GELU("erf")
    with pytest.raises(RuntimeError, match="silu: not implemented for int64 tensors"):
        nn.SiLU()(mg.tensor([1, 2]))


def test_softmin_without_dim_warns_at_the_callers_line():
    x = mg.randn(2, 3, 4)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin") as record:
        out = nn.Softmin()(x)  # 3-D input: dim 0, PyTorch's legacy choice
    assert record[0].filename == __file__
    np.testing.assert_allclose(out.numpy().sum(axis=0), np.ones((3, 4)), rtol=1e-6)


def test_inplace_flags_give_new_tensors_with_the_same_values():
    x = mg.tensor([-4.0, -0.5, 0.5, 7.0])
    for layer, fn in [(nn.SiLU(inplace=True), F.silu), (nn.Mish(inplace=True), F.mish),
                      (nn.ELU(inplace=True), F.elu), (nn.SELU(inplace=True), F.selu),
                      (nn.Hardtanh(inplace=True), F.hardtanh), (nn.ReLU6(inplace=True), F.relu6),
                      (nn.Hardsigmoid(inplace=True), F.hardsigmoid),
                      (nn.Hardswish(inplace=True), F.hardswish),
                      (nn.Threshold(0.0, 9.0, inplace=True), lambda t: F.threshold(t, 0.0, 9.0))]:
        out = layer(x)
        assert out is not x and x.tolist() == [-4.0, -0.5, 0.5, 7.0], type(layer).__name__
        np.testing.assert_array_equal(out.numpy(), fn(x).numpy())


def test_only_prelu_has_parameters():
    for name, (make, _, _) in LAYERS.items():
        layer = make()
        expected = ["weight"] if name.startswith("PReLU") else []
        assert list(layer.state_dict()) == expected, name
