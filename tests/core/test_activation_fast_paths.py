"""The raw-array backwards of the everyday activations (tanh, sigmoid, silu, leaky_relu,
log_softmax: backward from the forward's saved output or sigmoid, used when no graph is built
for the backward) and leaky_relu's max/min forms: against PyTorch in float32 (which stays
float32), gradcheck in float64, and the same gradients whichever path backward takes."""
from __future__ import annotations

import math

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


# --- GELU: float32 in float32 (minigrad/ops/activation.py, _gelu_float32) ------------------------
_erfc = np.vectorize(math.erfc, otypes=[float])


def _gelu_reference(x32: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x Phi(x) and Phi(x) + x phi(x) in float64 from math.erfc, at the float32 inputs."""
    x = x32.astype(np.float64)
    cdf = 0.5 * _erfc(-x / math.sqrt(2))
    return x * cdf, cdf + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _float32_ulps(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    return np.abs(got.astype(np.float64) - want) / np.spacing(np.abs(want).astype(np.float32))


def test_float32_gelu_is_accurate_on_a_dense_grid():
    """The float32 form (rational tail of the normal times float32 exp) stays within 8 float32
    ulp of the exact value for x >= -3 (typically under 3) and, below -3 where the elements go
    the float64 way, within 1; its slope within 8 ulp except near its zero at x = -0.75, where
    any float32 evaluation cancels, and within 2 eps relative to |slope| + 1 everywhere.
    (PyTorch's float32 GELU: ~550 ulp at x = -3, all digits lost below -5.)"""
    x = np.concatenate([np.linspace(-16, 12, 300_001), RNG.standard_normal(50_000)])
    x = x.astype(np.float32)
    a = mg.tensor(x, requires_grad=True)
    y = F.gelu(a)
    y.sum().backward()
    y, d = y.detach().numpy(), a.grad.numpy()
    assert y.dtype == np.float32 and d.dtype == np.float32
    want, want_d = _gelu_reference(x)
    normal = np.abs(want) > 1e-37  # float32 subnormals keep fewer digits
    far = x < -3
    assert _float32_ulps(y, want)[normal & ~far].max() <= 8
    assert _float32_ulps(y, want)[normal & far].max() <= 1
    no_cancel = (x >= 0) | (x < -3)
    assert _float32_ulps(d, want_d)[no_cancel & (np.abs(want_d) > 1e-37)].max() <= 8
    eps = float(np.finfo(np.float32).eps)
    assert (np.abs(d - want_d) / (np.abs(want_d) + 1)).max() <= 2 * eps


def test_float32_gelu_special_values_and_layouts():
    torch = pytest.importorskip("torch")
    values = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 16.0, 17.0, -3.0, -3.0001,
                       1e-30, -1e-30, 3e38, -3e38], dtype=np.float32)
    a = mg.tensor(values, requires_grad=True)
    y = F.gelu(a)
    y.sum().backward()
    t = torch.tensor(values, requires_grad=True)
    ty = torch.nn.functional.gelu(t)
    ty.sum().backward()
    y, d = y.detach().numpy(), a.grad.numpy()
    # gelu(inf) = inf * Phi(inf) = inf, gelu(-inf) = -inf * 0 = nan, and every slope there is
    # 1 + x phi(x) with inf * 0 = nan: PyTorch's float64 values. (Its float32 vectorised erf
    # gives gelu(inf) = nan on some CPUs and inf on others, so it is not the reference here.)
    np.testing.assert_array_equal(y[:3], np.array([np.inf, np.nan, np.nan], np.float32))
    np.testing.assert_array_equal(d[:3], np.array([np.nan, np.nan, np.nan], np.float32))
    want, want_d = _gelu_reference(values[3:])  # PyTorch's float32 is off by 6e-5 at -3
    np.testing.assert_allclose(y[3:], want, rtol=1e-6, atol=1e-37)
    np.testing.assert_allclose(d[3:], want_d, rtol=1e-6, atol=1e-37)
    # a transposed (non-contiguous) input and a 0-d one give the contiguous results
    x = RNG.standard_normal((40, 70)).astype(np.float32) * 3
    np.testing.assert_array_equal(F.gelu(mg.tensor(x).T).numpy(), F.gelu(mg.tensor(x)).numpy().T)
    s = mg.tensor(np.float32(-0.5), requires_grad=True)
    F.gelu(s).backward()
    assert s.grad.shape == () and s.grad.dtype == mg.float32
    np.testing.assert_allclose(s.grad.item(), _gelu_reference(np.float32([-0.5]))[1][0], rtol=1e-6)


@pytest.mark.parametrize("dtype", [mg.float32, mg.float64])
def test_gelu_raw_and_graph_backwards_agree(dtype):
    """The slope the forward keeps (plain backward) and the tensor-op backward (create_graph)."""
    x = mg.tensor(RNG.standard_normal((5, 7)) * 3, dtype=dtype, requires_grad=True)
    g = mg.tensor(RNG.standard_normal((5, 7)), dtype=dtype)
    (raw,) = mg.autograd.grad((F.gelu(x) * g).sum(), (x,))
    (graph,) = mg.autograd.grad((F.gelu(x) * g).sum(), (x,), create_graph=True)
    tol = 4 * float(np.finfo(np.dtype(str(dtype))).eps)
    np.testing.assert_allclose(raw.numpy(), graph.detach().numpy(), rtol=tol, atol=tol)
    assert mg.gradcheck(F.gelu, (mg.tensor(RNG.standard_normal(9) * 3, requires_grad=True,
                                           dtype=mg.float64),))


# --- PReLU as max(x, 0) + w min(x, 0) ----------------------------------------------------------
@pytest.mark.parametrize("channels", [1, 3])
def test_prelu_float32_matches_torch_exactly(channels):
    """Values and both gradients as PyTorch's, bit for bit for x and the output (one of the two
    terms is always zero), with infinities, nan and zeros in x and a negative slope."""
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((4, 3, 5)).astype(np.float32)
    x[0, 0, :4] = [np.inf, -np.inf, 0.0, -0.0]
    x[1, 1, 0] = np.nan
    w = np.array([0.25, -0.5, 1.5][:channels], dtype=np.float32)
    g = RNG.standard_normal(x.shape).astype(np.float32)
    a, wt = mg.tensor(x, requires_grad=True), mg.tensor(w, requires_grad=True)
    y = F.prelu(a, wt)
    (y * mg.tensor(g)).sum().backward()
    ta, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    ty = torch.nn.functional.prelu(ta, tw)
    (ty * torch.from_numpy(g)).sum().backward()
    assert y.dtype == mg.float32 and a.grad.dtype == mg.float32 and wt.grad.dtype == mg.float32
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(a.grad.numpy(), ta.grad.numpy())
    np.testing.assert_allclose(wt.grad.numpy(), tw.grad.numpy(), rtol=1e-5)  # nan included


def test_prelu_raw_and_graph_backwards_agree():
    x = mg.tensor(RNG.standard_normal((4, 3, 5)), requires_grad=True)
    w = mg.tensor(RNG.standard_normal(3), requires_grad=True)
    g = mg.tensor(RNG.standard_normal((4, 3, 5)))
    raw = mg.autograd.grad((F.prelu(x, w) * g).sum(), (x, w))
    graph = mg.autograd.grad((F.prelu(x, w) * g).sum(), (x, w), create_graph=True)
    for r, t in zip(raw, graph):
        np.testing.assert_allclose(r.numpy(), t.detach().numpy(), rtol=1e-14, atol=1e-15)
