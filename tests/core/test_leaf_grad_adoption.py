"""A leaf's first gradient is kept without a copy only when nothing else can see its memory.

The engine takes over a gradient array that only it refers to (``engine._engine_only``);
every other gradient (the caller's seed, a tensor a hook kept, a constant a Function
returns, one tensor sent to two leaves, a view) is copied, so later accumulation into
``.grad`` never writes into someone else's memory.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import engine
from minigrad.autograd.function import Function


def _leaf(shape=(3, 4), value=1.0):
    return mg.tensor(np.full(shape, value, dtype=np.float32), requires_grad=True)


def _array_ids_seen_by_hook(x):
    ids = []
    x.register_hook(lambda g: ids.append(id(g.array)))  # keeps no reference to g
    return ids


@pytest.mark.skipif(mg.tensor([1.0]).device != "cpu", reason="adoption is a CPU (NumPy) path")
@pytest.mark.skipif(not engine.ADOPTS_LEAF_GRADS, reason="reference counts not exact here")
def test_a_fresh_gradient_is_kept_without_a_copy():
    x = _leaf()
    ids = _array_ids_seen_by_hook(x)
    (x * 2).sum().backward()
    assert ids[0] == id(x.grad.array)  # the very array the backward made
    np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 4), 2, np.float32))


def test_an_adopted_gradient_accumulates_correctly():
    x = _leaf()
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 4), 5, np.float32))


@pytest.mark.parametrize("through", ["leaf", "clone", "add_zero", "mul_one", "view", "detach_add"])
def test_the_callers_seed_is_never_written(through):
    x = _leaf()
    seed = mg.tensor(np.arange(12, dtype=np.float32).reshape(3, 4))
    keep = seed.numpy().copy()
    make = {"leaf": lambda: x, "clone": lambda: x.clone(), "add_zero": lambda: x + 0.0,
            "mul_one": lambda: x * 1.0, "view": lambda: x.view(3, 4),
            "detach_add": lambda: x + x.detach() * 0.0}[through]
    make().backward(seed)
    make().backward(seed)  # accumulates into x.grad
    np.testing.assert_array_equal(seed.numpy(), keep)
    np.testing.assert_array_equal(x.grad.numpy(), 2 * keep)
    assert not np.shares_memory(x.grad.numpy(), seed.numpy())


def test_a_gradient_a_hook_kept_is_not_taken_over():
    x = _leaf()
    kept = []
    x.register_hook(lambda g: kept.append(g))
    (x * 2).sum().backward()
    (x * 2).sum().backward()
    np.testing.assert_array_equal(kept[0].numpy(), np.full((3, 4), 2, np.float32))
    np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 4), 4, np.float32))


def test_a_tensor_a_hook_returns_and_the_caller_holds_is_not_taken_over():
    x = _leaf()
    mine = mg.tensor(np.full((3, 4), 7, dtype=np.float32))
    x.register_hook(lambda g: mine)
    (x * 2).sum().backward()
    (x * 2).sum().backward()
    np.testing.assert_array_equal(mine.numpy(), np.full((3, 4), 7, np.float32))
    np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 4), 14, np.float32))


class _ReturnsItsConstant(Function):
    """d out / d x is a constant tensor the Function keeps (and returns as it is)."""

    @staticmethod
    def forward(ctx, x, constant):
        ctx.constant = constant
        return x.array * 1

    @staticmethod
    def backward(ctx, grad):
        return ctx.constant, None


def test_a_constant_a_backward_returns_is_not_taken_over():
    constant = mg.tensor(np.full((3, 4), 5, dtype=np.float32))
    x = _leaf()
    for _ in range(2):
        _ReturnsItsConstant.apply(x, constant).backward(mg.ones(3, 4))
    np.testing.assert_array_equal(constant.numpy(), np.full((3, 4), 5, np.float32))
    np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 4), 10, np.float32))


def test_one_gradient_sent_to_two_leaves_gives_each_its_own_memory():
    x, y = _leaf(), _leaf()
    ((x + y) * 2).sum().backward()
    assert not np.shares_memory(x.grad.numpy(), y.grad.numpy())
    (x * 1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 4), 3, np.float32))
    np.testing.assert_array_equal(y.grad.numpy(), np.full((3, 4), 2, np.float32))


def test_a_view_of_a_fresh_array_is_copied():
    x = _leaf((12,))
    ids = _array_ids_seen_by_hook(x)
    (x.reshape(3, 4) * 2).sum().backward()  # x's gradient is a reshaped view
    assert ids[0] != id(x.grad.array)
    (x * 1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full(12, 3, np.float32))


def test_retain_graph_keeps_saved_arrays_intact():
    x, w = _leaf(), _leaf(value=3.0)
    loss = (x * w).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 4), 6, np.float32))
    np.testing.assert_array_equal(w.grad.numpy(), np.full((3, 4), 2, np.float32))
    np.testing.assert_array_equal(w.detach().numpy(), np.full((3, 4), 3, np.float32))


def test_channels_last_gradient_keeps_its_layout():
    x = mg.tensor(np.ones((2, 3, 4, 5), np.float32).transpose(0, 2, 3, 1).copy()
                  .transpose(0, 3, 1, 2), requires_grad=True)
    (x * 2).sum().backward()
    assert x.grad.numpy().strides == x.detach().numpy().strides


def test_without_exact_reference_counts_every_gradient_is_copied(monkeypatch):
    monkeypatch.setattr(engine, "ADOPTS_LEAF_GRADS", False)
    x = _leaf()
    ids = _array_ids_seen_by_hook(x)
    (x * 2).sum().backward()
    assert ids[0] != id(x.grad.array)
    np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 4), 2, np.float32))
