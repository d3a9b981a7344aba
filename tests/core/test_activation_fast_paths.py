"""The raw-array backwards of the everyday activations (tanh, sigmoid, silu, leaky_relu,
log_softmax: backward from the forward's saved output or sigmoid, used when no graph is built
for the backward) and leaky_relu's max/min forms: against PyTorch in float32 (which stays
float32), gradcheck in float64, and the same gradients whichever path backward takes."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

RNG = np.random.default_rng(7)
X32 = np.concatenate([RNG.standard_normal(500) * 4, [0.0, -0.0, 30.0, -30.0, 1e-30, -1e-30]])
X32 = X32.astype(np.float32)

OPS = {  # name: (minigrad function, torch function name, kwargs)
    "tanh": (mg.tanh, "tanh", {}),
    "sigmoid": (mg.sigmoid, "sigmoid", {}),
    "silu": (F.silu, "silu", {}),
    "leaky_relu": (F.leaky_relu, "leaky_relu", {"negative_slope": 0.1}),
    "leaky_relu_1": (F.leaky_relu, "leaky_relu", {"negative_slope": 1.0}),
    "leaky_relu_0": (F.leaky_relu, "leaky_relu", {"negative_slope": 0.0}),
    "leaky_relu_neg": (F.leaky_relu, "leaky_relu", {"negative_slope": -0.5}),
    "leaky_relu_steep": (F.leaky_relu, "leaky_relu", {"negative_slope": 3.0}),
    "log_softmax": (F.log_softmax, "log_softmax", {"dim": -1}),
}


def _run_both(name, x):
    torch = pytest.importorskip("torch")
    fn, tname, kwargs = OPS[name]
    g = RNG.standard_normal(x.shape).astype(x.dtype)
    a = mg.tensor(x, requires_grad=True)
    y = fn(a, **kwargs)
    (y * mg.tensor(g)).sum().backward()
    t = torch.tensor(x, requires_grad=True)
    ty = getattr(torch.nn.functional, tname)(t, **kwargs)
    (ty * torch.from_numpy(g)).sum().backward()
    return y, a.grad, ty.detach().numpy(), t.grad.numpy()


@pytest.mark.parametrize("name", list(OPS))
def test_float32_matches_torch_and_stays_float32(name):
    x = X32.reshape(2, -1) if name == "log_softmax" else X32
    y, gx, ty, tgx = _run_both(name, x)
    assert y.dtype == mg.float32 and gx.dtype == mg.float32
    np.testing.assert_allclose(y.detach().numpy(), ty, rtol=4e-7, atol=4e-7)
    np.testing.assert_allclose(gx.numpy(), tgx, rtol=4e-6, atol=4e-7)


@pytest.mark.parametrize("slope", [0.1, 1.0, 0.0, -0.5, 3.0])
def test_leaky_relu_is_exact_in_float32_with_infinities(slope):
    """max(x, slope x) (min for slope > 1) and the gradient factor max(x > 0, slope) give
    PyTorch's values bit for bit, inf included; slopes <= 0 keep the where() form, so an
    infinite input times a zero slope stays what PyTorch gives."""
    torch = pytest.importorskip("torch")
    x = np.concatenate([X32, [np.inf, -np.inf]]).astype(np.float32)
    a = mg.tensor(x, requires_grad=True)
    F.leaky_relu(a, slope).sum().backward()
    t = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.leaky_relu(t, slope)
    ty.sum().backward()
    np.testing.assert_array_equal(F.leaky_relu(mg.tensor(x), slope).numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(a.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("name", list(OPS))
def test_gradcheck_float64(name):
    fn, _, kwargs = OPS[name]
    x = RNG.standard_normal((3, 5))
    x[np.abs(x) < 0.05] = 0.3  # away from leaky_relu's kink
    assert mg.gradcheck(lambda t: fn(t, **kwargs), (mg.tensor(x, requires_grad=True),))
    assert mg.gradgradcheck(lambda t: fn(t, **kwargs), (mg.tensor(x, requires_grad=True),))


@pytest.mark.parametrize("name", list(OPS))
def test_raw_and_graph_backwards_agree(name):
    """create_graph=True takes the tensor-op backward; a plain backward the raw-array one."""
    fn, _, kwargs = OPS[name]
    x = mg.tensor(RNG.standard_normal((4, 6)), requires_grad=True)
    g = mg.tensor(RNG.standard_normal((4, 6)))
    (raw,) = mg.autograd.grad((fn(x, **kwargs) * g).sum(), (x,))
    (graph,) = mg.autograd.grad((fn(x, **kwargs) * g).sum(), (x,), create_graph=True)
    np.testing.assert_allclose(raw.numpy(), graph.detach().numpy(), rtol=1e-14, atol=1e-15)


def test_log_softmax_backward_twice_with_retain_graph():
    x = mg.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    y = F.log_softmax(x, dim=0)
    y.sum().backward(retain_graph=True)
    first = x.grad.numpy().copy()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first, rtol=1e-15)


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "silu", "leaky_relu", "log_softmax"])
def test_0d_inputs(name):
    fn, _, kwargs = OPS[name]
    kwargs = dict(kwargs, dim=0) if name == "log_softmax" else kwargs
    x = mg.tensor(0.7, requires_grad=True)
    fn(x, **kwargs).backward()
    assert x.grad.shape == () and np.isfinite(x.grad.item())
