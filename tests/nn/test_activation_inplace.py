"""The in-place activation functions F.relu_, elu_, leaky_relu_, hardtanh_, celu_, selu_,
rrelu_, threshold_ (nn/activation_inplace.py): the same values as PyTorch's, written into the
input's own memory (views see it), dtype kept, and autograd kept correct through
Tensor._check_inplace: a tensor that requires grad is refused under grad mode, and a write to
a tensor saved for backward makes that backward fail instead of using overwritten values."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from tests.nn._torch_compare import rand

CASES = [("relu_", ()), ("elu_", ()), ("elu_", (0.5,)), ("leaky_relu_", ()),
         ("leaky_relu_", (0.2,)), ("hardtanh_", ()), ("hardtanh_", (-0.5, 2.0)), ("celu_", ()),
         ("celu_", (2.0,)), ("selu_", ()), ("rrelu_", ()), ("rrelu_", (0.1, 0.3)),
         ("threshold_", (0.2, -1.0))]


@pytest.mark.parametrize("name,args", CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matches_torch_in_place(name, args, dtype) -> None:
    torch = pytest.importorskip("torch")
    values = rand((3, 5)) * 2
    ours = mg.tensor(values, dtype=getattr(mg, dtype))
    theirs = torch.tensor(values, dtype=getattr(torch, dtype))
    view = ours[1]
    result = getattr(F, name)(ours, *args)
    expected = getattr(torch.nn.functional, name)(theirs, *args)
    assert result is ours and ours.dtype == getattr(mg, dtype)
    np.testing.assert_allclose(ours.numpy(), expected.numpy(), rtol=1e-6 if dtype == "float32"
                               else 1e-12, atol=1e-7)
    np.testing.assert_array_equal(view.numpy(), ours.numpy()[1])  # the memory itself changed


def test_rrelu_training_in_place() -> None:
    x = mg.tensor(-np.abs(rand((50, 40))) - 0.1)
    before = x.numpy().copy()
    mg.manual_seed(5)
    F.rrelu_(x, 0.1, 0.3, training=True)
    slopes = x.numpy() / before
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and np.unique(slopes).size > 100
    mg.manual_seed(5)
    np.testing.assert_array_equal(F.rrelu(mg.tensor(before), 0.1, 0.3, training=True).numpy(),
                                  x.numpy())


def test_refuses_leaves_that_require_grad() -> None:
    leaf = mg.tensor(rand((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match="relu_: a leaf tensor that requires grad"):
        F.relu_(leaf)
    y = leaf * 2.0
    assert F.elu_(y) is y and y.grad_fn is not None  # a graph tensor: recorded, as in PyTorch
    with mg.no_grad():  # allowed where no gradient is recorded
        F.hardtanh_(leaf, -0.1, 0.1)
    assert float(leaf.detach().abs().max().item()) <= 0.1


def test_write_to_a_saved_tensor_is_detected() -> None:
    w = mg.tensor(rand((2, 3)), requires_grad=True)
    x = mg.tensor(rand((2, 3), seed=1))
    y = (w * x).sum()  # x is saved for w's gradient
    F.relu_(x)
    with pytest.raises(RuntimeError, match="modified by an inplace operation|version"):
        y.backward()


def test_integer_result_types() -> None:
    x = mg.tensor([[-2, 3]], dtype=mg.int64)
    F.relu_(x)
    assert x.dtype == mg.int64 and x.tolist() == [[0, 3]]
    with pytest.raises(RuntimeError, match="elu"):
        F.elu_(mg.tensor([1, -1]))
