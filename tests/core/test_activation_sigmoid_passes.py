"""Shorter forms of the activations: sigmoid as 1 / (1 + e^-x) in four passes
(also behind silu, glu and the recurrent cells), and the other rewritten forwards/backwards,
each against PyTorch and float64 references, float32 kept float32."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.ops.activation_basic import sigmoid_array

RNG = np.random.default_rng(9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_array_is_accurate_over_the_whole_range(dtype):
    """Within 3 ulp of the longdouble value from -80 to 80 (the old e^-|x| form measured the
    same, 2.5), and exact at the ends: 1 for large x, 0 once e^-x overflows, NaN for NaN."""
    x = np.concatenate([RNG.uniform(-80, 80, 20000), RNG.standard_normal(20000)]).astype(dtype)
    ends = np.array([-np.inf, -1e4, -800.0, 40.0, 800.0, np.inf, np.nan], dtype=dtype)
    with np.errstate(over="ignore"):  # as inside an op's forward
        got = sigmoid_array(x, np)
        out = sigmoid_array(ends, np)
    assert got.dtype == dtype
    wide = x.astype(np.longdouble)
    want = 1 / (1 + np.exp(-wide))
    assert np.all(np.abs(got - want) <= 3 * np.spacing(want.astype(dtype)))
    np.testing.assert_array_equal(out[:3], 0.0)
    np.testing.assert_array_equal(out[3:6], 1.0)
    assert np.isnan(out[6])
    assert float(sigmoid_array(np.asarray(0.5, dtype=dtype), np)) == pytest.approx(
        1 / (1 + np.exp(-0.5)), rel=2 * float(np.finfo(dtype).eps))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["sigmoid", "silu", "glu"])
def test_sigmoid_family_matches_torch_with_large_inputs(name, dtype):
    """Values and gradients against PyTorch's float64 at the same float inputs, including
    -100 and +100 (where e^-x over- or underflows): 4 ulp of the value + 1 (glu: 32)."""
    torch = pytest.importorskip("torch")
    x = np.concatenate([RNG.uniform(-8, 8, 998), [-100.0, 100.0]]).astype(dtype)
    x = x.reshape(10, 100)
    a = mg.tensor(x, requires_grad=True)
    y = getattr(F, name)(a)
    y.sum().backward()
    t = torch.tensor(x.astype(np.float64), requires_grad=True)
    ty = getattr(torch.nn.functional, name)(t)
    ty.sum().backward()
    assert y.dtype == a.dtype and a.grad.dtype == a.dtype
    # glu's d/db = a s (1 - s): 1 - s carries s's rounding (an ulp of 1), times |a| <= 8
    tol = (32 if name == "glu" else 4) * float(np.finfo(dtype).eps)
    for got, want in ((y.detach().numpy(), ty.detach().numpy()), (a.grad.numpy(), t.grad.numpy())):
        err = np.abs(got.astype(np.float64) - want) / (np.abs(want) + 1)
        assert err.max() <= tol


def test_sigmoid_gradgradcheck():
    x = mg.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    assert mg.gradcheck(F.sigmoid, (x,))
    assert mg.gradgradcheck(F.sigmoid, (x,))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("alpha,scale", [(2.0, 1.0), (0.5, 1.0), (1.6732632423543772, 1.0507009873554805)])
def test_elu_slope_with_alpha_matches_torch_at_edges(alpha, scale, dtype):
    """The plain backward's slope (u - p) alpha scale + p scale, p = ceil(clip(x, 0, 1)):
    scale exactly for x > 0 (tiny and subnormal x included), alpha scale e^x at and below
    0; against PyTorch's elu/selu gradient in the same dtype. nan gives nan (as minigrad did
    before; PyTorch's kernel gives scale there)."""
    torch = pytest.importorskip("torch")
    tiny = float(np.finfo(dtype).smallest_subnormal)
    x = np.array([0.0, -0.0, tiny, -tiny, 1e-30, -1e-30, 0.5, -0.5, 3.0, -3.0, 40.0, -40.0,
                  np.inf, -np.inf, np.nan], dtype=dtype)
    a = mg.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    if scale == 1.0:
        F.elu(a, alpha=alpha).sum().backward()
        torch.nn.functional.elu(t, alpha=alpha).sum().backward()
    else:
        F.selu(a).sum().backward()
        torch.nn.functional.selu(t).sum().backward()
    assert a.grad.dtype == a.dtype
    np.testing.assert_allclose(a.grad.numpy()[:-1], t.grad.numpy()[:-1],
                               rtol=4 * np.finfo(dtype).eps)
    assert np.isnan(a.grad.numpy()[-1])
    np.testing.assert_array_equal(a.grad.numpy()[[2, 4, 6, 8, 10, 12]], np.float64(scale).astype(dtype))


def _row_op_backward_matches_torch(name, dim, x):
    """F.<name> along ``dim``: float32 input gradient against PyTorch's, float64 by gradcheck
    and gradgradcheck."""
    torch = pytest.importorskip("torch")
    x = x.astype(np.float32)
    g = RNG.standard_normal(x.shape).astype(np.float32)
    a = mg.tensor(x, requires_grad=True)
    (getattr(F, name)(a, dim=dim) * mg.tensor(g)).sum().backward()
    t = torch.tensor(x, requires_grad=True)
    (getattr(torch, name)(t, dim=dim) * torch.tensor(g)).sum().backward()
    assert a.grad.dtype == mg.float32
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-6)
    x64 = mg.tensor(RNG.standard_normal((3, 4, 2)), requires_grad=True)
    assert mg.gradcheck(lambda v: getattr(F, name)(v, dim=dim), (x64,))
    assert mg.gradgradcheck(lambda v: getattr(F, name)(v, dim=dim), (x64,))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_backward_by_row_dots_matches_torch(dim):
    """(g - sum(g s)) s with the sums by einsum, on a 3-D input along each dim: float32 against
    PyTorch, float64 by gradcheck/gradgradcheck; 0-d gives a zero gradient."""
    _row_op_backward_matches_torch("softmax", dim, RNG.standard_normal((4, 5, 6)) * 3)
    z = mg.tensor(np.float32(2.0), requires_grad=True)
    (F.softmax(z, dim=0) * 3.0).backward()
    assert float(z.grad.numpy()) == 0.0


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_leaky_hardsigmoid_hardswish_plain_backwards_match_torch_exactly(dtype):
    """Factors built in one fresh array (leaky: greater into floats then clip; hardsigmoid:
    |x| < 3 into floats, times g, times 1/6; hardswish: x clipped to [-3, 3] first, so +-inf
    gives 1 and 0, not nan): PyTorch's values, kinks, inf and 0-d included; bit for bit
    except hardsigmoid's float64 gradient (PyTorch's float64 kernel multiplies by a float32
    1/6: the quirk test_activation_ops checks, with its tolerance)."""
    torch = pytest.importorskip("torch")
    x = np.concatenate([RNG.uniform(-5, 5, 200), [-3.0, 3.0, 0.0, -0.0, np.inf, -np.inf]])
    x = x.astype(dtype)
    g = RNG.standard_normal(x.shape).astype(dtype)
    for name, kwargs in (("leaky_relu", {"negative_slope": 0.1}), ("hardsigmoid", {}),
                         ("hardswish", {})):
        for values, grads in ((x, g), (x[0].reshape(()), g[0].reshape(()))):
            a = mg.tensor(values, requires_grad=True)
            y = getattr(F, name)(a, **kwargs)
            (y * mg.tensor(grads)).sum().backward()
            t = torch.tensor(values, requires_grad=True)
            ty = getattr(torch.nn.functional, name)(t, **kwargs)
            (ty * torch.tensor(grads)).sum().backward()
            assert y.dtype == a.dtype and a.grad.dtype == a.dtype
            np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
            if name == "hardsigmoid" and dtype == "float64":
                np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(),
                                           rtol=abs(float(np.float32(1 / 6)) - 1 / 6) * 6)
            else:
                np.testing.assert_array_equal(a.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_log_softmax_backward_from_exp_and_row_sums_matches_torch(dim):
    """g - e * (sum(g) / sum(e)) from the forward's unnormalised exp: float32 against PyTorch
    (rows with a -inf entry included), float64 gradcheck and gradgradcheck."""
    x = RNG.standard_normal((4, 5, 6)) * 4
    x[0, 0, 0] = -np.inf
    _row_op_backward_matches_torch("log_softmax", dim, x)


def test_silu_output_may_be_written_before_backward():
    """Only x is saved (as in PyTorch): an in-place write into the output leaves the gradient
    s (1 + x (1 - s)) unchanged."""
    x = np.array([-3.0, -0.5, 0.0, 0.5, 3.0], dtype=np.float32)
    a = mg.tensor(x, requires_grad=True)
    y = F.silu(a)
    with mg.no_grad():
        y.add_(1.0)
    y.sum().backward()
    s = 1 / (1 + np.exp(-x.astype(np.float64)))
    np.testing.assert_allclose(a.grad.numpy(), s * (1 + x * (1 - s)), rtol=1e-6)
