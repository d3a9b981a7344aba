"""squeeze_ / unsqueeze_ / transpose_ / swapdims_ / swapaxes_ / t_: the same memory seen with
another shape, as PyTorch's in-place shape methods (before: AttributeError)."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

CALLS = [("squeeze_", ()), ("squeeze_", (1,)), ("squeeze_", (-1,)), ("unsqueeze_", (0,)),
         ("unsqueeze_", (-1,)), ("transpose_", (0, 2)), ("swapdims_", (1, -1)),
         ("swapaxes_", (0, 1))]


@pytest.mark.parametrize("name, args", CALLS)
def test_matches_torch_and_returns_self(name, args):
    torch = pytest.importorskip("torch")
    values = np.arange(6.0).reshape(2, 1, 3)
    ours, theirs = mg.tensor(values), torch.tensor(values)
    assert getattr(ours, name)(*args) is ours
    getattr(theirs, name)(*args)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_t_on_a_matrix_and_a_vector():
    m = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert m.t_() is m and m.tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]
    v = mg.tensor([1.0, 2.0])
    assert v.t_().tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match=r"t: expects a tensor with <= 2 dimensions.*\(2, 2, 2\)"):
        mg.zeros(2, 2, 2).t_()


def test_the_memory_is_shared_with_earlier_views():
    x = mg.zeros(2, 1, 3)
    row = x[0]  # a view taken before the shape change
    x.squeeze_(1)
    x[0, 2] = 5.0
    assert row.tolist() == [[0.0, 0.0, 5.0]]


def test_refused_on_a_tensor_that_requires_grad_and_allowed_under_no_grad():
    p = mg.zeros(3, 1, requires_grad=True)
    with pytest.raises(RuntimeError, match="unsqueeze_: a leaf tensor that requires grad cannot be"):
        p.unsqueeze_(0)
    with mg.no_grad():
        p.squeeze_(1)
    assert p.shape == (3,) and p.requires_grad


def test_a_tensor_saved_for_backward_cannot_change_shape_unnoticed():
    w = mg.ones(3, 1, requires_grad=True)
    x = mg.tensor([[1.0], [2.0], [3.0]])
    loss = (w * x).sum()  # saves x for w's gradient
    x.squeeze_()
    with pytest.raises(RuntimeError, match="modified in place after the forward pass saved it"):
        loss.backward()
