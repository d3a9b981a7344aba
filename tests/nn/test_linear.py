"""Linear: shapes, gradients (gradcheck in float64), PyTorch parity, default init, errors."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

from ._torch_compare import compare_with_torch


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,)])
def test_forward_matches_numpy(shape):
    lin = nn.Linear(4, 3).double()
    x = np.random.default_rng(0).standard_normal(shape)
    out = lin(mg.tensor(x, dtype=mg.float64))
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    assert out.shape == shape[:-1] + (3,)
    np.testing.assert_allclose(out.detach().numpy(), x @ w.T + b, rtol=1e-12)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(3, 4), (2, 2, 4)])
def test_gradcheck_input_and_parameters(bias, shape):
    lin = nn.Linear(4, 3, bias=bias, dtype=mg.float64)
    x = mg.randn(*shape, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck_module(lin, (x,))


def test_gradgradcheck_functional_linear():
    x = mg.randn(3, 4, dtype=mg.float64, requires_grad=True)
    w = mg.randn(2, 4, dtype=mg.float64, requires_grad=True)
    b = mg.randn(2, dtype=mg.float64, requires_grad=True)
    # Linear alone has zero curvature; square it so second derivatives are not trivial.
    assert mg.gradgradcheck(lambda x, w, b: F.linear(x, w, b) ** 2, (x, w, b))


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(6, 5), (2, 3, 5)])
def test_matches_torch(bias, shape):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal(shape)
    compare_with_torch(nn.Linear(5, 4, bias=bias), torch.nn.Linear(5, 4, bias=bias), x)


def test_default_init_matches_pytorch_bounds_and_spread():
    fan_in, fan_out = 400, 300
    lin = nn.Linear(fan_in, fan_out)
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) reduces to this bound
    w = lin.weight.detach().numpy()
    b = lin.bias.detach().numpy()
    assert w.dtype == np.float32 and b.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    np.testing.assert_allclose(w.std(), bound / math.sqrt(3), rtol=0.02)
    assert abs(w.mean()) < 0.01 * bound
    assert np.abs(b).max() <= bound
    np.testing.assert_allclose(b.std(), bound / math.sqrt(3), rtol=0.15)  # 300 samples only


def test_default_init_has_the_same_distribution_as_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = torch.nn.Linear(256, 512).weight.detach().numpy()
    mine = nn.Linear(256, 512).weight.detach().numpy()
    assert abs(np.abs(mine).max() - np.abs(theirs).max()) < 1e-3 * np.abs(theirs).max()
    np.testing.assert_allclose(mine.std(), theirs.std(), rtol=0.02)


def test_init_is_reproducible_under_manual_seed():
    mg.manual_seed(123)
    a = nn.Linear(3, 2).state_dict()
    mg.manual_seed(123)
    b = nn.Linear(3, 2).state_dict()
    for k in a:
        np.testing.assert_array_equal(a[k].numpy(), b[k].numpy())
    c = nn.Linear(3, 2).state_dict()
    assert not np.array_equal(a["weight"].numpy(), c["weight"].numpy())


def test_dtype_and_attributes():
    lin = nn.Linear(3, 2, bias=False, dtype=mg.float64)
    assert lin.weight.dtype == mg.float64 and lin.bias is None
    assert (lin.in_features, lin.out_features) == (3, 2)
    assert repr(lin) == "Linear(in_features=3, out_features=2, bias=False)"
    assert [n for n, _ in lin.named_parameters()] == ["weight"]
    assert nn.Linear(3, 2).weight.shape == (2, 3)


def test_float32_stays_float32_through_backward():
    lin = nn.Linear(4, 3)
    x = mg.randn(5, 4, requires_grad=True)
    out = lin(x)
    assert out.dtype == mg.float32
    out.sum().backward()
    assert x.grad.dtype == mg.float32
    assert lin.weight.grad.dtype == mg.float32 and lin.bias.grad.dtype == mg.float32


def test_wrong_input_size_is_a_clear_error():
    lin = nn.Linear(4, 3)
    with pytest.raises(ValueError, match=r"Linear expected input with last dimension 4 "
                                         r"\(in_features\), got input of shape \(2, 5\)"):
        lin(mg.randn(2, 5))
    with pytest.raises(ValueError, match="Linear expected"):
        lin(mg.tensor(1.0))
    with pytest.raises(TypeError, match="expected a Tensor"):
        lin([[1.0, 2.0, 3.0, 4.0]])
    with pytest.raises(ValueError, match="in_features must be a non-negative int"):
        nn.Linear(2.5, 3)
    with pytest.raises(TypeError, match="floating dtype"):
        nn.Linear(2, 3, dtype=mg.int64)
    with pytest.raises(ValueError, match=r"linear: input of shape \(2, 5\) does not match weight "
                                         r"of shape \(3, 4\)"):
        F.linear(mg.randn(2, 5), mg.randn(3, 4))


def test_zero_in_features_gives_zero_bias_bound():
    lin = nn.Linear(0, 3)
    assert lin.weight.shape == (3, 0)
    assert lin.bias.tolist() == [0.0, 0.0, 0.0]
    assert lin(mg.zeros(2, 0)).tolist() == [[0.0] * 3] * 2


@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3), (3,)])
@pytest.mark.parametrize("needs", [(True, False, False), (False, True, True), (True, True, False)])
def test_gradients_of_each_input_alone_match_the_composition(shape, needs):
    # F.linear is one op (ops/affine.py) that computes only the gradients asked for; each must
    # equal the gradient of the composition x @ W^T + b
    rng = np.random.default_rng(3)
    x, w, b = (mg.tensor(rng.standard_normal(s), requires_grad=n)
               for s, n in ((shape, needs[0]), ((2, 3), needs[1]), ((2,), needs[2])))
    g = mg.tensor(rng.standard_normal(shape[:-1] + (2,)))
    wanted = [t for t in (x, w, b) if t.requires_grad]
    fused = mg.autograd.grad(F.linear(x, w, b), wanted, g)
    composed = mg.autograd.grad(x @ w.T + b, wanted, g)
    for a, c in zip(fused, composed):
        np.testing.assert_allclose(a.numpy(), c.numpy(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("which", ["input", "weight", "bias"])
def test_functional_linear_names_a_non_tensor_argument(which):
    """A list for any argument is a TypeError naming linear and the argument (before, a list
    weight or bias failed inside with "'list' object has no attribute 'ndim'/'dtype'")."""
    args = {"input": mg.randn(2, 3), "weight": mg.randn(4, 3), "bias": mg.randn(4)}
    args[which] = args[which].tolist()
    with pytest.raises(TypeError, match=f"linear: expected a Tensor {which}, got list"):
        F.linear(**args)
