"""The Tensor object itself: metadata, conversions, repr and the in-place helpers."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from devices import TEST_DEVICE


def test_metadata() -> None:
    t = mg.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and t.ndim == 3 and t.dim() == 3
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and t.numel() == 24 and len(t) == 2
    assert t.dtype == mg.float32 and t.device == TEST_DEVICE
    assert t.is_leaf and t.grad is None and t.grad_fn is None and not t.requires_grad
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(mg.tensor(1.0))


def test_python_conversions() -> None:
    assert mg.tensor([[2.5]]).item() == 2.5
    assert float(mg.tensor(1.5)) == 1.5 and int(mg.tensor(3)) == 3
    assert bool(mg.tensor([1.0])) is True
    assert mg.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert [r.tolist() for r in mg.tensor([[1, 2], [3, 4]])] == [[1, 2], [3, 4]]
    assert [10, 20, 30][mg.tensor(1)] == 20  # __index__


def test_dtype_conversions() -> None:
    t = mg.tensor([1.7, -2.2])
    assert t.double().dtype == mg.float64 and t.float().dtype == mg.float32
    np.testing.assert_array_equal(t.long().numpy(), [1, -2])
    assert t.int().dtype == mg.int32 and t.bool().dtype == mg.bool
    assert t.type_as(mg.zeros(1, dtype=mg.float64)).dtype == mg.float64
    assert t.to(mg.float32) is t


def test_repr_mentions_grad_state() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    assert "requires_grad=True" in repr(x)
    assert "grad_fn=<MulBackward>" in repr(x * 2)
    assert repr(mg.tensor([1, 2])).startswith("tensor([1, 2]")


def test_clone_copies_and_is_differentiable() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert y.grad_fn is not None
    with mg.no_grad():
        x.mul_(3.0)
    np.testing.assert_array_equal(y.detach().numpy(), [1.0, 2.0])
    (y * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_in_place_helpers() -> None:
    t = mg.zeros(2, 2)
    t.fill_(3.0)
    np.testing.assert_array_equal(t.numpy(), np.full((2, 2), 3.0))
    t.copy_(mg.tensor([1.0, 2.0]))  # broadcasts
    np.testing.assert_array_equal(t.numpy(), [[1, 2], [1, 2]])
    t.sub_(1.0).div_(2.0).clamp_(0.25, 0.4)
    np.testing.assert_array_equal(t.numpy(), np.float32([[0.25, 0.4], [0.25, 0.4]]))
    assert t.zero_().numpy().sum() == 0 and t.dtype == mg.float32
    with pytest.raises(RuntimeError, match=r"copy_: cannot copy shape \(3,\) into shape \(2, 2\)"):
        t.copy_(mg.zeros(3))


def test_data_setter_swaps_the_array() -> None:
    p = mg.zeros(2, requires_grad=True)
    p.data = mg.ones(2)
    np.testing.assert_array_equal(p.detach().numpy(), [1.0, 1.0])
    assert p.requires_grad
    with pytest.raises(TypeError, match="data: expected a Tensor"):
        p.data = [1.0, 2.0]


def test_views_and_aliases() -> None:
    x = mg.arange(6.0).reshape(2, 3)
    assert x.T.shape == (3, 2) and x.mT.shape == (3, 2)
    assert x.view(3, 2).shape == (3, 2) and x.view_as(mg.zeros(6)).shape == (6,)
    assert x[0].expand_as(x).shape == (2, 3) and x.reshape_as(mg.zeros(3, 2)).shape == (3, 2)
    assert x.contiguous() is x
    np.testing.assert_array_equal(x.clip(1, 3).numpy(), np.clip(np.arange(6.0), 1, 3).reshape(2, 3))


def test_contiguous_copies_only_when_needed_and_passes_the_gradient():
    x = mg.arange(6, dtype=mg.float64).reshape(2, 3).requires_grad_()
    assert x.contiguous() is x
    t = x.transpose(0, 1)
    assert not t.is_contiguous()
    c = t.contiguous()
    assert c.is_contiguous() and c is not t
    np.testing.assert_array_equal(c.detach().numpy(), t.detach().numpy())
    (c * mg.tensor([[1.0, 2.0]], dtype=mg.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])


def test_size_of_a_dim_checks_the_dim():
    x = mg.zeros(2, 3)
    assert (x.size(), x.size(1), x.size(-2)) == ((2, 3), 3, 2)
    with pytest.raises(IndexError, match=r"size: dim 2 is out of range for a tensor of shape "
                                         r"\(2, 3\)"):
        x.size(2)
