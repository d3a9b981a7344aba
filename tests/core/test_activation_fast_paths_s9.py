"""Session 9's shorter forms of the activations: sigmoid as 1 / (1 + e^-x) in four passes
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
        1 / (1 + np.exp(-0.5)), rel=2 * np.finfo(dtype).eps)


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
