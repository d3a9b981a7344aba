"""In-place writes never leave a silently wrong gradient.

minigrad does not record in-place ops in the graph, so writes whose gradient would be lost are
refused with grad mode on, and memory that an op saved for backward may not be written before
backward runs (PyTorch's version-counter check, through any view of the memory)."""
import gc
import sys

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim


def _graph_tensor():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    return x, x * 3.0


# Writes into graph tensors, and of values that require grad, are recorded in the graph (as in
# PyTorch): see tests/core/test_inplace_recorded.py.


def test_under_no_grad_the_write_happens_and_the_graph_is_unchanged():
    x, y = _graph_tensor()
    with mg.no_grad():
        y.mul_(2.0)  # y's memory is not saved by the Mul that made it
    np.testing.assert_array_equal(y.detach().numpy(), [6.0, 12.0, 18.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0, 3.0])  # as in PyTorch


def test_backward_refuses_a_saved_tensor_written_after_forward():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    c = mg.tensor([5.0, 5.0])
    y = x * c
    c.mul_(10.0)
    with pytest.raises(RuntimeError, match=r"Mul: saved tensor 1 \(shape \(2,\), float32\) was "
                                           r"modified in place .* \(version 0, now 1\)"):
        y.sum().backward()


def test_writes_through_views_are_seen():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    base = mg.tensor([5.0, 6.0, 7.0])
    y = x * base[0:2]          # saves a view of base
    base.add_(1.0)             # written through the base
    with pytest.raises(RuntimeError, match="modified in place"):
        y.sum().backward()

    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    base = mg.tensor([5.0, 6.0, 7.0])
    y = x * base               # saves the base
    base.reshape(3, 1)[0] = 0.0  # written through a view
    with pytest.raises(RuntimeError, match="modified in place"):
        y.sum().backward()


def test_writing_other_memory_leaves_backward_alone():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    c = mg.tensor([5.0, 7.0])
    y = x * c
    copy = c.clone()
    copy.mul_(10.0)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 7.0])


def test_where_checks_its_saved_condition():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    cond = mg.tensor([True, False])
    out = mg.where(cond, a, mg.zeros(2))
    cond[1] = True
    with pytest.raises(RuntimeError, match="Where: saved tensor 0"):
        out.sum().backward()


def test_retain_graph_then_write_then_backward_again():
    x = mg.tensor([2.0], requires_grad=True)
    c = mg.tensor([3.0])
    y = (x * c).sum()
    y.backward(retain_graph=True)
    c.fill_(4.0)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_optimizer_step_between_forward_and_backward_is_caught():
    mg.manual_seed(0)
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    inputs = mg.randn(4, 3)
    model(inputs).sum().backward()     # gradients exist, so step() updates the weight
    out = model(inputs).sum()          # this graph saved the weight
    opt.step()
    with pytest.raises(RuntimeError, match="modified in place"):
        out.backward()


def test_an_ordinary_training_loop_is_unaffected():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    opt = optim.Adam(model.parameters(), lr=0.05)
    inputs, targets = mg.randn(16, 3), mg.randn(16, 1)
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = ((model(inputs) - targets) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize("index, value", [
    (1, 5.0),
    (slice(0, 2), -1.0),
    ((slice(None), 1), 9.0),
    (mg.tensor([0, 2]), mg.tensor([[1.0, 2.0, 3.0]])),
    (mg.tensor([True, False, True]), 7.0),
    (Ellipsis, mg.tensor([1.0, 2.0, 3.0])),
])
def test_setitem_matches_numpy(index, value):
    t = mg.arange(9, dtype=mg.float32).reshape(3, 3)
    expected = np.arange(9, dtype=np.float32).reshape(3, 3)
    np_index = index.numpy() if isinstance(index, mg.Tensor) else index
    expected[np_index] = value.numpy() if isinstance(value, mg.Tensor) else value
    t[index] = value
    np.testing.assert_array_equal(t.numpy(), expected)


def test_setitem_errors_name_the_op_and_shapes():
    t = mg.zeros(3, 4)
    with pytest.raises(ValueError, match=r"setitem: cannot write a value of shape \(3,\) into the "
                                         r"selected elements \(shape \(4,\)\) of a tensor of "
                                         r"shape \(3, 4\)"):
        t[0] = mg.ones(3)
    with pytest.raises(IndexError, match="index: index 5 is out of range"):
        t[5] = 1.0


def test_version_counts_are_forgotten_with_their_memory():
    tensor_module = sys.modules["minigrad.tensor"]  # the name minigrad.tensor is the function
    gc.collect()
    before = len(tensor_module._versions)
    temporaries = [mg.zeros(4) for _ in range(10)]
    for t in temporaries:
        t.add_(1.0)
    assert len(tensor_module._versions) == before + 10
    del temporaries, t
    gc.collect()
    assert len(tensor_module._versions) == before


# --- augmented assignment: x += y ---------------------------------------------------------
def test_manual_sgd_step_under_no_grad_updates_the_parameters():
    mg.manual_seed(0)
    model = nn.Linear(2, 1)
    before = [p.detach().numpy().copy() for p in model.parameters()]
    model(mg.ones(1, 2)).sum().backward()
    grads = [p.grad.numpy().copy() for p in model.parameters()]
    with mg.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad  # must change the parameter, not rebind the loop variable
    for p, b, g in zip(model.parameters(), before, grads):
        np.testing.assert_allclose(p.detach().numpy(), b - np.float32(0.1) * g, rtol=1e-6)


@pytest.mark.parametrize("op, expected", [
    (lambda t: t.__iadd__(2.0), [3.0, 4.0]),
    (lambda t: t.__isub__(mg.tensor([1.0, 1.0])), [0.0, 1.0]),
    (lambda t: t.__imul__(3.0), [3.0, 6.0]),
    (lambda t: t.__itruediv__(2.0), [0.5, 1.0]),
])
def test_augmented_assignment_writes_into_the_same_memory(op, expected):
    t = mg.tensor([1.0, 2.0])
    view = t[0:2]
    result = op(t)
    assert result is t
    np.testing.assert_array_equal(view.numpy(), expected)


def test_augmented_assignment_inside_the_graph_records_the_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    h += x          # a residual connection: out += identity
    h *= x
    h.sum().backward()  # h = 3x * x: dh/dx = 6x
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 12.0])


def test_augmented_assignment_on_a_leaf_that_requires_grad_is_refused():
    w = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="add_: a leaf tensor that requires grad cannot be "
                                           "modified in place"):
        w += 1.0


def test_in_place_results_must_keep_dtype_and_shape():
    i = mg.tensor([1, 2])
    with pytest.raises(TypeError, match="add_: the result has dtype float64, which cannot be "
                                        "written back into a tensor of dtype int64"):
        i += 0.5
    with pytest.raises(TypeError, match="div_: the result has dtype float64"):
        i.div_(2)
    i *= 3
    np.testing.assert_array_equal(i.numpy(), [3, 6])
    f = mg.zeros(3)
    with pytest.raises(ValueError, match=r"mul_: a value of shape \(2, 3\) does not fit a "
                                         r"tensor of shape \(3,\) in place"):
        f.mul_(mg.ones(2, 3))
