"""Anomaly detection, and the rest of PyTorch's Function ctx: mark_non_differentiable,
set_materialize_grads, once_differentiable, mark_dirty (refused)."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import (Function, detect_anomaly, is_anomaly_enabled, once_differentiable,
                               set_detect_anomaly)


def _nan_grad_loss(x):
    return (mg.sqrt(x) * 0).sum()  # d sqrt / dx at 0 is inf, and inf * 0 is nan


def test_detect_anomaly_names_the_op_and_where_it_was_called():
    x = mg.tensor([0.0, 1.0], requires_grad=True)
    _nan_grad_loss(x).backward()  # without anomaly mode the nan lands silently
    assert np.isnan(x.grad.numpy()[0])
    x.grad = None
    with detect_anomaly():
        assert is_anomaly_enabled()
        loss = _nan_grad_loss(x)
        with pytest.raises(RuntimeError) as info:
            loss.backward()
    assert not is_anomaly_enabled()
    message = str(info.value)
    assert "Function 'Sqrt' returned nan values in its gradient for input 0 (shape (2,))" in message
    assert "test_anomaly_and_ctx.py" in message and "_nan_grad_loss" in message  # the forward call
    assert x.grad is None  # nothing was accumulated


def test_anomaly_mode_adds_the_forward_stack_to_a_backward_error():
    class Broken(Function):
        @staticmethod
        def forward(ctx, x):
            return x.array * 2

        @staticmethod
        def backward(ctx, grad):
            raise ValueError("broken backward")

    def build(x):
        return Broken.apply(x).sum()

    x = mg.ones(3, requires_grad=True)
    with detect_anomaly():
        loss = build(x)
        with pytest.raises(ValueError, match="broken backward") as info:
            loss.backward()
    notes = "".join(getattr(info.value, "__notes__", []))
    assert "Error detected in Broken's backward" in notes and "in build" in notes


def test_set_detect_anomaly_as_call_and_block_and_decorator():
    set_detect_anomaly(True)
    try:
        assert is_anomaly_enabled()
    finally:
        set_detect_anomaly(False)
    assert not is_anomaly_enabled()
    with set_detect_anomaly(True):
        assert is_anomaly_enabled()
    assert not is_anomaly_enabled()

    @detect_anomaly()
    def step(x):
        assert is_anomaly_enabled()
        _nan_grad_loss(x).backward()

    with pytest.raises(RuntimeError, match="returned nan values"):
        step(mg.tensor([0.0], requires_grad=True))
    with detect_anomaly(check_nan=False):  # only the stacks, no nan check
        x = mg.tensor([0.0], requires_grad=True)
        _nan_grad_loss(x).backward()
        assert np.isnan(x.grad.numpy()).all()


class SortWithIndices(Function):
    """Values and their positions; only the values are differentiable."""

    @staticmethod
    def forward(ctx, x):
        order = x.array.argsort()
        values = mg.tensor(x.array[order])
        positions = mg.tensor(order.astype(np.float64))  # a float output that must not get grad
        ctx.mark_non_differentiable(positions)
        ctx.order = order
        return values, positions

    @staticmethod
    def backward(ctx, grad_values, grad_positions):
        assert grad_positions is None or not grad_positions.numpy().any()
        out = np.zeros_like(grad_values.numpy())
        out[ctx.order] = grad_values.numpy()
        return mg.tensor(out)


def test_mark_non_differentiable_as_pytorch():
    torch = pytest.importorskip("torch")
    x = mg.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, positions = SortWithIndices.apply(x)
    assert values.requires_grad and not positions.requires_grad and positions.grad_fn is None
    (values * mg.tensor([1.0, 10.0, 100.0])).sum().backward()

    class TorchSort(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            v, i = x.sort()
            i = i.double()
            ctx.mark_non_differentiable(i)
            ctx.save_for_backward(x.argsort())
            return v, i

        @staticmethod
        def backward(ctx, gv, gi):
            (order,) = ctx.saved_tensors
            out = torch.zeros_like(gv)
            out[order] = gv
            return out

    t = torch.tensor([3.0, 1.0, 2.0], dtype=torch.float64, requires_grad=True)
    tv, ti = TorchSort.apply(t)
    assert not ti.requires_grad
    (tv * torch.tensor([1.0, 10.0, 100.0], dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


class Pair(Function):
    @staticmethod
    def forward(ctx, x, materialize):
        ctx.set_materialize_grads(materialize)
        return x.array * 2, x.array * 3

    @staticmethod
    def backward(ctx, ga, gb):
        ctx.seen = (ga is None, gb is None)
        total = 0
        if ga is not None:
            total = total + ga * 2
        if gb is not None:
            total = total + gb * 3
        return total, None


@pytest.mark.parametrize("materialize", [True, False])
def test_set_materialize_grads(materialize):
    x = mg.ones(2, requires_grad=True)
    a, b = Pair.apply(x, materialize)
    a.sum().backward()  # b gets no gradient
    assert a.grad_fn.seen == (False, not materialize)
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.array ** 3

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return mg.tensor(3 * x.array ** 2 * grad.array)


def test_once_differentiable_decorator():
    assert Cube.once_differentiable and not Pair.once_differentiable
    x = mg.tensor([2.0], requires_grad=True, dtype=mg.float64)
    (g,) = mg.autograd.grad(Cube.apply(x).sum(), x)
    assert g.item() == 12.0
    with pytest.raises(RuntimeError, match="cannot be differentiated again"):
        mg.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    assert mg.autograd.gradcheck(Cube.apply, (x,))


def test_mark_dirty_is_refused_clearly():
    class AddOneInPlace(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(RuntimeError, match="mark_dirty is not supported"):
        AddOneInPlace.apply(mg.ones(2, requires_grad=True) * 1)
