"""The raw-array backwards and SIMD-only forwards of softplus, mish, logsigmoid, elu, selu,
celu, hardtanh, relu6, hardsigmoid and hardswish (minigrad/ops/activation.py and
activation_more.py): float32 stays float32 and agrees with PyTorch's float64, gradcheck in
float64, the plain and create_graph backwards agree, and the log1p / expm1 replacements keep
their digits at the extremes."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.ops.activation import _log1p_small, expm1_nonpositive

RNG = np.random.default_rng(11)
X32 = np.concatenate([RNG.standard_normal(600) * 5, [0.0, -0.0, 3.0, -3.0, 6.0, 25.0, -25.0,
                                                       90.0, -90.0, 1e-30, -1e-30, 1e-6]])
X32 = X32.astype(np.float32)

OPS = {  # name: (minigrad function, torch function name, kwargs)
    "softplus": (F.softplus, "softplus", {}),
    "softplus_beta": (F.softplus, "softplus", {"beta": 2.0, "threshold": 3.0}),
    "mish": (F.mish, "mish", {}),
    "logsigmoid": (F.logsigmoid, "logsigmoid", {}),
    "elu": (F.elu, "elu", {}),
    "elu_alpha": (F.elu, "elu", {"alpha": 0.7}),
    "selu": (F.selu, "selu", {}),
    "celu": (F.celu, "celu", {"alpha": 0.5}),
    "celu_negative": (F.celu, "celu", {"alpha": -0.5}),
    "hardtanh": (F.hardtanh, "hardtanh", {"min_val": -2.0, "max_val": 0.5}),
    "relu6": (F.relu6, "relu6", {}),
    "hardsigmoid": (F.hardsigmoid, "hardsigmoid", {}),
    "hardswish": (F.hardswish, "hardswish", {}),
}


@pytest.mark.parametrize("name", list(OPS))
def test_float32_stays_float32_and_matches_torch_float64(name):
    """Within 4 float32 ulp of PyTorch's float64 at the same inputs, relative to |value| + 1
    (the bound of test_activation_ops' float32 test), for values and input gradients."""
    torch = pytest.importorskip("torch")
    fn, tname, kwargs = OPS[name]
    x = X32 if name != "celu_negative" else X32[np.abs(X32) < 20]  # e^(x/alpha) overflows
    g = RNG.standard_normal(x.shape).astype(np.float32)
    a = mg.tensor(x, requires_grad=True)
    y = fn(a, **kwargs)
    (y * mg.tensor(g)).sum().backward()
    t = torch.tensor(x.astype(np.float64), requires_grad=True)
    ty = getattr(torch.nn.functional, tname)(t, **kwargs)
    (ty * torch.from_numpy(g.astype(np.float64))).sum().backward()
    assert y.dtype == mg.float32 and a.grad.dtype == mg.float32
    tol = 4 * float(np.finfo(np.float32).eps)
    for got, want in ((y.detach().numpy(), ty.detach().numpy()), (a.grad.numpy(), t.grad.numpy())):
        err = np.abs(got.astype(np.float64) - want) / (np.abs(want) + 1)
        assert err.max() <= tol, f"{name}: {err.max() / tol * 4:.1f} ulp at x={x[err.argmax()]}"


@pytest.mark.parametrize("name", list(OPS))
def test_gradcheck_float64(name):
    fn, _, kwargs = OPS[name]
    x = RNG.standard_normal((3, 5)) * 3
    for kink in (0.0, 3.0, -3.0, 6.0, 0.5, -2.0):  # away from the piecewise ops' kinks
        x[np.abs(x - kink) < 0.05] = kink + 0.2
    assert mg.gradcheck(lambda v: fn(v, **kwargs), (mg.tensor(x, requires_grad=True),))
    assert mg.gradgradcheck(lambda v: fn(v, **kwargs), (mg.tensor(x, requires_grad=True),))


@pytest.mark.parametrize("name", list(OPS))
def test_raw_and_graph_backwards_agree(name):
    """create_graph=True takes the tensor-op backward; a plain backward the raw-array one."""
    fn, _, kwargs = OPS[name]
    x = mg.tensor(np.concatenate([RNG.standard_normal(20) * 4, [-3.0, 3.0, 0.0, 30.0]]),
                  requires_grad=True)
    g = mg.tensor(RNG.standard_normal(24))
    (raw,) = mg.autograd.grad((fn(x, **kwargs) * g).sum(), (x,))
    (graph,) = mg.autograd.grad((fn(x, **kwargs) * g).sum(), (x,), create_graph=True)
    np.testing.assert_allclose(raw.numpy(), graph.detach().numpy(), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", list(OPS))
def test_0d_inputs(name):
    fn, tname, kwargs = OPS[name]
    x = mg.tensor(-0.7, requires_grad=True)
    y = fn(x, **kwargs)
    y.backward()
    assert y.shape == () and x.grad.shape == () and np.isfinite(x.grad.item())


def test_softplus_switches_to_x_above_the_threshold():
    """Some elements past beta x > threshold: the output is x itself and the slope 1 there,
    bit for bit as PyTorch."""
    torch = pytest.importorskip("torch")
    x = np.array([-4.0, 0.5, 1.4, 1.6, 5.0, 1e6], dtype=np.float64)
    a = mg.tensor(x, requires_grad=True)
    F.softplus(a, beta=2.0, threshold=3.0).sum().backward()
    t = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.softplus(t, beta=2.0, threshold=3.0)
    ty.sum().backward()
    out = F.softplus(mg.tensor(x), beta=2.0, threshold=3.0).numpy()
    np.testing.assert_array_equal(out[3:], x[3:])
    np.testing.assert_allclose(out, ty.detach().numpy(), rtol=4e-16)
    np.testing.assert_array_equal(a.grad.numpy()[3:], 1.0)
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=4e-16)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_elu_saturates_exactly_and_keeps_tiny_inputs(dtype):
    """-alpha exactly far out (PyTorch's value), and x itself (to an ulp: NumPy's log of
    1 - epsneg is an ulp off in float32) for |x| far below 1."""
    x = np.array([-np.inf, -1e4, -90.0, -40.0, 0.0, -1e-20, -1e-30], dtype=dtype)
    out = F.elu(mg.tensor(x)).numpy()
    np.testing.assert_array_equal(out[:5], [-1, -1, -1, -1, 0])
    assert np.all(np.abs(out[5:] - x[5:]) <= np.spacing(np.abs(x[5:])))
    np.testing.assert_array_equal(F.elu(mg.tensor(x), alpha=2.0).numpy()[:4], [-2] * 4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_expm1_and_log1p_replacements_are_accurate(dtype):
    """Against NumPy's own expm1 and log1p (scalar loops, correctly rounded or nearly), over
    inputs from 1e-30 to far out: within 5 ulp (float32's SIMD log is good to ~4)."""
    m = -np.concatenate([np.logspace(-30, 2.5, 4000), RNG.uniform(0, 3, 4000)]).astype(dtype)
    got, u = expm1_nonpositive(m, np)
    assert got.dtype == dtype and u.dtype == dtype
    want = np.expm1(m.astype(np.float64))
    assert np.all(np.abs(got - want) <= 5 * np.spacing(np.abs(want).astype(dtype)))
    e = np.exp(m)
    got, u = _log1p_small(e, np)
    assert got.dtype == dtype and np.array_equal(u, e + dtype(1))
    want = np.log1p(e.astype(np.float64))
    assert np.all(np.abs(got - want) <= 5 * np.spacing(np.abs(want).astype(dtype)))
