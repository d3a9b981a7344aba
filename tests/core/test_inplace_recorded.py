"""In-place ops on tensors of the autograd graph, and in-place writes of values that require
grad, are recorded as PyTorch records them (``Tensor._record_inplace``): values and float64
gradients against torch, the memory written in place, what stays refused (leaves that require
grad; memory other tensors share, since minigrad does not track views), saved tensors written
afterwards, retain_grad, gradgradcheck, and the no-grad paths unchanged."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.gradcheck import gradcheck, gradgradcheck


def _set(t, index, value):
    t[index] = value
    return t


# name -> fn(lib, x, w) returning a tensor written in place; x and w are (3, 4) leaves
CASES = {
    "mul_": lambda L, x, w: (x * 1).mul_(w),
    "add_ alpha": lambda L, x, w: (x * 2).add_(w, alpha=3),
    "sub_": lambda L, x, w: (x * 2).sub_(w),
    "div_": lambda L, x, w: (x * 2).div_(w),
    "exp_": lambda L, x, w: (x * 1).exp_(),
    "mul_ then sigmoid_": lambda L, x, w: (x * 1).mul_(w).sigmoid_(),
    "clamp_": lambda L, x, w: (x * 1).clamp_(-0.5, 0.5),
    "setitem column": lambda L, x, w: _set(x * 1, (slice(None), 1), w[:, 0]),
    "setitem into zeros": lambda L, x, w: _set(L.zeros(3, 4, dtype=L.float64), slice(1, None),
                                               w[1:] * x[1:]),
    "setitem bool mask": lambda L, x, w: _set(x * w, (x * w) > 0, 0.0),
    "setitem advanced": lambda L, x, w: _set(x * 1, (L.tensor([0, 2]), L.tensor([1, 3])),
                                             w[0, :2]),
    "masked_fill_": lambda L, x, w: (x * w).masked_fill_(w > 0, 2.0),
    "copy_ broadcast": lambda L, x, w: (x * 1).copy_(w[0]),
    "fill_ tensor": lambda L, x, w: (x * 1).fill_(w[0, 0]),
    "zero_ then add_": lambda L, x, w: (x * 1).zero_().add_(w),
    "scatter_": lambda L, x, w: (x * 1).scatter_(1, L.tensor([[0, 1], [2, 3], [1, 0]]),
                                                 w[:, :2]),
    "scatter_add_": lambda L, x, w: (x * 1).scatter_add_(0, L.tensor([[0, 1, 2, 0]]),
                                                         w[:1]),
    "index_put_ accumulate": lambda L, x, w: (x * 1).index_put_((L.tensor([0, 2, 0]),),
                                                               w[0], accumulate=True),
    "written twice": lambda L, x, w: (x * 1).mul_(w).add_(x).mul_(x),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_agree_with_torch(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    xa, wa = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    weights = np.arange(12.0).reshape(3, 4)
    results = []
    for lib in (torch, mg):
        x = lib.tensor(xa, requires_grad=True)
        w = lib.tensor(wa, requires_grad=True)
        y = CASES[name](lib, x, w)
        (y * lib.tensor(weights)).sum().backward()
        results.append([y.detach().numpy()] + [
            None if t.grad is None else t.grad.numpy() for t in (x, w)])
    for theirs, ours in zip(*results):
        if theirs is None:
            assert ours is None or not np.any(ours)
        else:
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_the_write_lands_in_the_tensors_memory_and_it_joins_the_graph():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    target = mg.zeros(3)
    address = target.array.__array_interface__["data"][0]  # (holding the array would share it)
    before = target.grad_fn
    target[1:] = x[1:] * 2.0
    assert before is None and target.grad_fn is not None and target.requires_grad
    assert target.array.__array_interface__["data"][0] == address
    np.testing.assert_array_equal(target.detach().numpy(), [0.0, 4.0, 6.0])
    (target * mg.tensor([5.0, 6.0, 7.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 12.0, 14.0])


def test_leaves_that_require_grad_are_still_refused():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    for write in (lambda: x.mul_(2.0), lambda: x.add_(x * 1), lambda: _set(x, 0, 1.0),
                  lambda: x.exp_(), lambda: x.masked_fill_(x > 1, 0.0)):
        with pytest.raises(RuntimeError, match="a leaf tensor that requires grad"):
            write()
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 2.0])


def test_memory_other_tensors_share_is_refused():
    """A live view of the tensor, or the tensor a view belongs to, would keep a graph that no
    longer matches its values: minigrad refuses rather than give it a wrong gradient."""
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], device="cpu", requires_grad=True)
    y = x * 2.0
    row = y[0]  # a view of y's memory (NumPy's basic indexing; the test device may copy)
    with pytest.raises(RuntimeError, match="mul_: this tensor shares its memory"):
        y.mul_(3.0)
    with pytest.raises(RuntimeError, match="add_: this tensor shares its memory"):
        row.add_(1.0)
    np.testing.assert_array_equal(y.detach().numpy(), [[2.0, 4.0], [6.0, 8.0]])
    del row
    y.mul_(3.0)  # no other tensor shares y's memory now
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 2), 6.0))


def test_a_saved_tensor_written_afterwards_fails_backward_as_in_torch():
    x = mg.tensor([0.5, 1.5], requires_grad=True)
    y = x * 2.0
    z = y.sin()  # saves y
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified in place"):
        z.sum().backward()


def test_retain_grad_follows_the_new_value_as_in_torch():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 3.0
    y.retain_grad()
    y.mul_(2.0)
    (y * mg.tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [1.0, 10.0, 100.0])  # torch: the same
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 60.0, 600.0])


def test_gradcheck_and_gradgradcheck_through_in_place_ops():
    rng = np.random.default_rng(1)
    x = mg.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((3, 4)), requires_grad=True)

    def fn(x, w):
        y = x * w
        y.tanh_()
        y[:, 1] = x[:, 0] * w[:, 2]
        return y.mul_(x)
    assert gradcheck(fn, (x, w))
    assert gradgradcheck(fn, (x, w))


def test_without_a_gradient_the_write_is_plain():
    """No gradient involved (grad mode off, or nothing requires grad): written in place,
    nothing recorded, as before."""
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    made_by = y.grad_fn
    with mg.no_grad():
        y.mul_(3.0)
    assert y.grad_fn is made_by and y.detach().numpy().tolist() == [6.0, 12.0]
    c = mg.ones(2)
    c.mul_(5.0)
    assert c.grad_fn is None and not c.requires_grad


def test_an_element_picked_by_ints_is_a_view_as_in_torch():
    """x[0] of a vector (every dim picked by an int) is a 0-d view of x, as in PyTorch: writing
    into it writes into x (NumPy's own x[0] is a copy, and the write was lost)."""
    x = mg.zeros(3, device="cpu")
    x[0].fill_(1.0)
    x[2].add_(5.0)
    m = mg.zeros(2, 2, device="cpu")
    m[1, 0].mul_(3.0).add_(7.0)
    np.testing.assert_array_equal(x.numpy(), [1.0, 0.0, 5.0])
    np.testing.assert_array_equal(m.numpy(), [[0.0, 0.0], [7.0, 0.0]])
    a = mg.arange(4.0, requires_grad=True)
    (a[2] * 3.0).backward()  # the gradient of an element is unchanged
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.0, 3.0, 0.0])


def test_a_write_that_fails_changes_nothing():
    """A refused or failing in-place op leaves the tensor, its graph and its version alone, so
    what a forward pass saved of it still passes backward's check."""
    x = mg.tensor([0.5, 1.5, 2.5], requires_grad=True)
    y = x * 2.0
    z = y.sin()  # saves y
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        y.add_(mg.ones(4))
    np.testing.assert_array_equal(y.detach().numpy(), [1.0, 3.0, 5.0])
    z.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2.0 * np.cos([1.0, 3.0, 5.0]), rtol=1e-6)
