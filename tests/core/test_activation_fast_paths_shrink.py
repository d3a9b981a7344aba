"""The where-free forwards and mask backwards of softshrink, hardshrink and threshold
(minigrad/ops/shrink.py, ops/activation.py), and the fused glu and softmin
(ops/activation_more.py): exact agreement with PyTorch at the special values (band edges,
nan, inf, signed zeros where PyTorch's are kept), float32 stays float32, gradcheck and
gradgradcheck in float64, and the plain and create_graph backwards agree."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

RNG = np.random.default_rng(5)
SPECIAL = [np.nan, 0.0, -0.0, 0.5, -0.5, 0.1, -0.1, 0.3, -0.3, np.inf, -np.inf, 1e-30, -1e-30,
           0.7, -0.7, 40.0, -40.0]
X = np.concatenate([SPECIAL, RNG.standard_normal(200)])

OPS = {  # name: (minigrad function, torch function name, kwargs, PyTorch's signed zeros kept)
    "softshrink": (F.softshrink, "softshrink", {"lambd": 0.5}, False),
    "softshrink_0": (F.softshrink, "softshrink", {"lambd": 0.0}, False),
    "hardshrink": (F.hardshrink, "hardshrink", {"lambd": 0.5}, True),
    "hardshrink_negative": (F.hardshrink, "hardshrink", {"lambd": -0.3}, True),
    "threshold": (F.threshold, "threshold", {"threshold": 0.1, "value": 20.0}, True),
    "threshold_relu": (F.threshold, "threshold", {"threshold": 0.0, "value": 0.0}, True),
    "threshold_negative": (F.threshold, "threshold", {"threshold": -0.3, "value": -2.0}, False),
    "threshold_inf_value": (F.threshold, "threshold", {"threshold": 0.1, "value": -np.inf}, True),
    "threshold_inf": (F.threshold, "threshold", {"threshold": np.inf, "value": 1.0}, True),
}


def _run_both(name, x, dtype):
    torch = pytest.importorskip("torch")
    fn, tname, kwargs, _ = OPS[name]
    g = RNG.standard_normal(x.shape)
    a = mg.tensor(x.astype(dtype), requires_grad=True)
    y = fn(a, **kwargs)
    y.backward(mg.tensor(g.astype(dtype)))
    t = torch.tensor(x.astype(dtype), requires_grad=True)
    ty = getattr(torch.nn.functional, tname)(t, **kwargs)
    ty.backward(torch.tensor(g.astype(dtype)))
    return y, a.grad, ty.detach().numpy(), t.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(OPS))
def test_exactly_pytorch(name, dtype):
    """Bit for bit: values (nan, inf, band edges) and input gradients. At nan PyTorch's
    gradient depends on the kernel path (1 in its scalar tail, 0 in its vector loop for
    softshrink); ours is 1, the gradient of the identity nan came through."""
    y, gx, ty, tgx = _run_both(name, X, dtype)
    assert y.dtype == dtype and gx.dtype == dtype
    np.testing.assert_array_equal(y.detach().numpy(), ty)
    number = ~np.isnan(X)
    np.testing.assert_array_equal(gx.numpy()[number], tgx[number])
    assert np.all(gx.numpy()[~number] != 0)
    if OPS[name][3]:
        np.testing.assert_array_equal(np.signbit(y.detach().numpy()), np.signbit(ty))


def test_softshrink_zero_sign_differs_only_inside_band():
    """Documented difference: PyTorch's band gives x * 0 (-0.0 for negative x), ours +0.0."""
    y, _, ty, _ = _run_both("softshrink", X, np.float32)
    differ = np.signbit(y.detach().numpy()) != np.signbit(ty)
    assert np.all(np.abs(X[differ]) <= 0.5) and np.all(X[differ] <= 0)
    assert not np.signbit(y.detach().numpy()[np.abs(X) <= 0.5]).any()


@pytest.mark.parametrize("name", [n for n in OPS if "inf" not in n])
def test_gradcheck_and_gradgradcheck_float64(name):
    fn, _, kwargs, _ = OPS[name]
    a = RNG.standard_normal((3, 5))
    a[np.abs(np.abs(a) - 0.5) < 1e-3] += 0.01  # away from the kinks
    a[np.abs(a - 0.1) < 1e-3] += 0.01
    a[np.abs(a + 0.3) < 1e-3] += 0.01
    x = mg.tensor(a, requires_grad=True)
    assert mg.gradcheck(lambda t: fn(t, **kwargs), (x,))
    assert mg.gradgradcheck(lambda t: fn(t, **kwargs), (x,))


@pytest.mark.parametrize("name", list(OPS))
def test_create_graph_backward_matches_plain(name):
    fn, _, kwargs, _ = OPS[name]
    x = mg.tensor(X.astype(np.float32), requires_grad=True)
    g = mg.tensor(RNG.standard_normal(X.shape).astype(np.float32))
    (plain,) = mg.autograd.grad(fn(x, **kwargs), x, g)
    (graph,) = mg.autograd.grad(fn(x, **kwargs), x, g, create_graph=True)
    np.testing.assert_array_equal(plain.numpy(), graph.detach().numpy())
    assert graph.dtype == mg.float32


def test_threshold_integer_and_0d():
    np.testing.assert_array_equal(F.threshold(mg.tensor([1, 2, 3]), 2, 7).numpy(), [7, 7, 3])
    s = mg.tensor(np.float32(-1.0), requires_grad=True)
    y = F.threshold(s, 0.0, 3.0)
    y.backward()
    assert y.shape == () and float(y) == 3.0 and float(s.grad) == 0.0


def test_numpy_scalar_arguments_keep_float32():
    x = mg.tensor(X.astype(np.float32), requires_grad=True)
    for y in (F.threshold(x, np.float64(0.1), np.float64(20.0)),
              F.softshrink(x, np.float64(0.5)), F.hardshrink(x, np.float64(0.5))):
        y.sum().backward()
        assert y.dtype == mg.float32 and x.grad.dtype == mg.float32
        x.grad = None


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_glu_matches_torch_and_keeps_float32(dim):
    torch = pytest.importorskip("torch")
    x = (RNG.standard_normal((4, 6, 8)) * 4).astype(np.float32)
    g = RNG.standard_normal(x.shape[:dim % 3] + (x.shape[dim] // 2,) + x.shape[dim % 3 + 1:])
    for dtype, tol in ((np.float32, 1e-6), (np.float64, 1e-14)):
        a = mg.tensor(x.astype(dtype), requires_grad=True)
        y = F.glu(a, dim)
        y.backward(mg.tensor(g.astype(dtype)))
        t = torch.tensor(x.astype(dtype), requires_grad=True)
        ty = torch.nn.functional.glu(t, dim)
        ty.backward(torch.tensor(g.astype(dtype)))
        assert y.dtype == dtype and a.grad.dtype == dtype
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("dim", [0, -1])
def test_glu_gradcheck_gradgradcheck_and_graph_backward(dim):
    x = mg.tensor(RNG.standard_normal((4, 6)), requires_grad=True)
    assert mg.gradcheck(lambda t: F.glu(t, dim), (x,))
    assert mg.gradgradcheck(lambda t: F.glu(t, dim), (x,))
    g = mg.tensor(RNG.standard_normal((2, 6) if dim == 0 else (4, 3)))
    y = F.glu(x, dim)
    (plain,) = mg.autograd.grad(y, x, g, retain_graph=True)
    (again,) = mg.autograd.grad(y, x, g, retain_graph=True)  # the kept sigmoid is unchanged
    (graph,) = mg.autograd.grad(y, x, g, create_graph=True)
    np.testing.assert_array_equal(plain.numpy(), again.numpy())
    np.testing.assert_allclose(plain.numpy(), graph.detach().numpy(), rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmin_matches_torch_and_keeps_float32(dim):
    torch = pytest.importorskip("torch")
    x = (RNG.standard_normal((4, 6, 8)) * 30).astype(np.float32)
    x[0, 0, :3] = [np.inf, -np.inf, 1e4]  # -inf takes all the weight; inf none
    g = RNG.standard_normal(x.shape)
    for dtype, tol in ((np.float32, 1e-6), (np.float64, 1e-14)):
        a = mg.tensor(x.astype(dtype), requires_grad=True)
        y = F.softmin(a, dim)
        y.backward(mg.tensor(g.astype(dtype)))
        t = torch.tensor(x.astype(dtype), requires_grad=True)
        ty = torch.nn.functional.softmin(t, dim)
        ty.backward(torch.tensor(g.astype(dtype)))
        assert y.dtype == dtype and a.grad.dtype == dtype
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("dim", [0, -1])
def test_softmin_gradcheck_gradgradcheck_and_graph_backward(dim):
    x = mg.tensor(RNG.standard_normal((4, 6)), requires_grad=True)
    assert mg.gradcheck(lambda t: F.softmin(t, dim), (x,))
    assert mg.gradgradcheck(lambda t: F.softmin(t, dim), (x,))
    g = mg.tensor(RNG.standard_normal((4, 6)))
    (plain,) = mg.autograd.grad(F.softmin(x, dim), x, g)
    (graph,) = mg.autograd.grad(F.softmin(x, dim), x, g, create_graph=True)
    np.testing.assert_allclose(plain.numpy(), graph.detach().numpy(), rtol=1e-14, atol=1e-15)


def test_softmin_0d():
    x = mg.tensor(np.float32(3.0), requires_grad=True)
    y = F.softmin(x, 0)
    y.backward()
    assert y.shape == () and float(y) == 1.0 and float(x.grad) == 0.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rrelu_eval_exactly_pytorch(dtype):
    """Eval-mode rrelu is leaky_relu with slope (lower + upper) / 2: its clip-made gradient
    factor gives PyTorch's values bit for bit."""
    torch = pytest.importorskip("torch")
    x = X[~np.isnan(X)].astype(dtype)
    g = RNG.standard_normal(x.shape).astype(dtype)
    a = mg.tensor(x, requires_grad=True)
    y = F.rrelu(a, 0.1, 0.3, training=False)
    y.backward(mg.tensor(g))
    t = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.rrelu(t, 0.1, 0.3, training=False)
    ty.backward(torch.tensor(g))
    assert y.dtype == dtype and a.grad.dtype == dtype
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(a.grad.numpy(), t.grad.numpy())
