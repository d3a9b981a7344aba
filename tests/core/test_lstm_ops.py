"""The LSTM ops, the step ``lstm_update(gates, c) -> (h', c')`` and the sequence ``lstm_scan``,
agree with the same arithmetic written as a composition of ops, in values and in gradients of
first and second order, and keep float32 as float32."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.ops import chunk, sigmoid, tanh
from minigrad.ops.lstm_cell import lstm_scan, lstm_update


def composed(gates, c):
    """The textbook LSTM step, i, f, g, o in PyTorch's order."""
    i, f, g, o = chunk(gates, 4, -1)
    c_new = sigmoid(f) * c + sigmoid(i) * tanh(g)
    return sigmoid(o) * tanh(c_new), c_new


def _inputs(shape, hidden, dtype=np.float64, scale=2.0, seed=0):
    rng = np.random.default_rng(seed)
    gates = mg.tensor((rng.standard_normal(shape + (4 * hidden,)) * scale).astype(dtype),
                      requires_grad=True)
    c = mg.tensor(rng.standard_normal(shape + (hidden,)).astype(dtype), requires_grad=True)
    return gates, c


@pytest.mark.parametrize("shape, hidden", [((3,), 2), ((), 5), ((2, 3), 4)])
def test_gradcheck_and_gradgradcheck(shape, hidden):
    gates, c = _inputs(shape, hidden)
    assert mg.gradcheck(lstm_update, (gates, c))
    assert mg.gradgradcheck(lstm_update, (gates, c))


@pytest.mark.parametrize("scale", [0.5, 3.0, 40.0])
def test_values_and_gradients_match_the_composition(scale):
    gates, c = _inputs((6,), 7, scale=scale)
    rng = np.random.default_rng(1)
    gh, gc = (mg.tensor(rng.standard_normal((6, 7))) for _ in range(2))
    results = []
    for step in (lstm_update, composed):
        gates.grad = c.grad = None
        h, c_new = step(gates, c)
        mg.autograd.backward([h, c_new], [gh, gc])
        results.append([h.detach().numpy(), c_new.detach().numpy(), gates.grad.numpy(),
                        c.grad.numpy()])
    for fused, reference in zip(*results):
        np.testing.assert_allclose(fused, reference, rtol=1e-13, atol=1e-15)


def test_an_unused_cell_output_and_a_constant_cell_state():
    gates, c = _inputs((4,), 3)
    c = c.detach()
    h, _ = lstm_update(gates, c)
    h.sum().backward()
    fused = gates.grad.numpy()
    gates.grad = None
    composed(gates, c)[0].sum().backward()
    np.testing.assert_allclose(fused, gates.grad.numpy(), rtol=1e-13, atol=1e-15)


def test_float32_stays_float32():
    gates, c = _inputs((4,), 3, dtype=np.float32)
    h, c_new = lstm_update(gates, c)
    (h.sum() + c_new.sum()).backward()
    assert {h.dtype, c_new.dtype, gates.grad.dtype, c.grad.dtype} == {np.dtype(np.float32)}


def test_create_graph_gives_second_derivatives_of_the_composition():
    gates, c = _inputs((3,), 2)
    grads = []
    for step in (lstm_update, composed):
        h, c_new = step(gates, c)
        (g_gates,) = mg.autograd.grad((h * h).sum() + c_new.sum(), (gates,), create_graph=True)
        grads.append(mg.autograd.grad((g_gates * g_gates).sum(), (gates, c)))
    for fused, reference in zip(*grads):
        np.testing.assert_allclose(fused.numpy(), reference.numpy(), rtol=1e-12, atol=1e-14)


def test_bad_shapes_and_dtypes_name_the_op():
    gates, c = _inputs((4,), 3)
    with pytest.raises(ValueError, match=r"lstm_update: gates of shape \(4, 12\) do not match a "
                                         r"cell state of shape \(4, 4\)"):
        lstm_update(gates, mg.zeros(4, 4, dtype=mg.float64))
    with pytest.raises(ValueError, match="lstm_update"):
        lstm_update(gates, mg.zeros(5, 3, dtype=mg.float64))
    with pytest.raises(TypeError, match="lstm_update: gates are float64 but the cell state is "
                                        "float32"):
        lstm_update(gates, mg.zeros(4, 3))


# --- lstm_scan: a whole sequence of one layer and direction -----------------------------------
def composed_scan(x_gates, h0, c0, w_hh, reverse):
    """The time loop written out step by step with ops."""
    steps = x_gates.shape[0]
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    h, c, hs = h0, c0, [None] * steps
    for t in order:
        h, c = composed(x_gates[t] + h @ w_hh.T, c)
        hs[t] = h
    return mg.stack(hs, 0), h, c


def _scan_inputs(steps, batch, hidden, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(steps, batch, 4 * hidden), (batch, hidden), (batch, hidden), (4 * hidden, hidden)]
    return [mg.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in shapes]


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_gradcheck_and_gradgradcheck(reverse):
    inputs = _scan_inputs(3, 2, 2)
    scan = lambda *a: lstm_scan(*a, reverse=reverse)  # noqa: E731
    assert mg.gradcheck(scan, inputs)
    assert mg.gradgradcheck(scan, inputs)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("steps", [1, 5])
def test_scan_matches_the_step_by_step_loop(reverse, steps):
    inputs = _scan_inputs(steps, 4, 3, seed=steps)
    rng = np.random.default_rng(7)
    upstream = [mg.tensor(rng.standard_normal(s)) for s in ((steps, 4, 3), (4, 3), (4, 3))]
    results = []
    for run in (lstm_scan, composed_scan):
        outputs = run(*inputs, reverse)
        grads = mg.autograd.grad(outputs, inputs, upstream)
        results.append([o.detach().numpy() for o in outputs] + [g.numpy() for g in grads])
    for fused, reference in zip(*results):
        np.testing.assert_allclose(fused, reference, rtol=1e-12, atol=1e-14)


def test_scan_second_derivatives_match_the_loop():
    inputs = _scan_inputs(3, 2, 2, seed=3)
    grads = []
    for run in (lstm_scan, composed_scan):
        hs, h, c = run(*inputs, True)
        first = mg.autograd.grad((hs * hs).sum() + c.sum(), inputs, create_graph=True)
        grads.append(mg.autograd.grad(sum((g * g).sum() for g in first), inputs))
    for fused, reference in zip(*grads):
        np.testing.assert_allclose(fused.numpy(), reference.numpy(), rtol=1e-11, atol=1e-13)


def test_scan_float32_stays_float32():
    inputs = _scan_inputs(4, 3, 2, dtype=np.float32)
    hs, h, c = lstm_scan(*inputs)
    (hs.sum() + h.sum() + c.sum()).backward()
    assert {hs.dtype, h.dtype, c.dtype} | {t.grad.dtype for t in inputs} == \
        {np.dtype(np.float32)}


def test_scan_bad_shapes_and_dtypes_name_the_op():
    x_gates, h0, c0, w_hh = _scan_inputs(3, 2, 2)
    with pytest.raises(ValueError, match=r"lstm_scan: x_gates \(3, 2, 8\), h0 \(2, 3\)"):
        lstm_scan(x_gates, mg.zeros(2, 3, dtype=mg.float64), c0, w_hh)
    with pytest.raises(ValueError, match="lstm_scan"):
        lstm_scan(x_gates[:0], h0, c0, w_hh)
    with pytest.raises(TypeError, match="lstm_scan: mixed dtypes"):
        lstm_scan(x_gates, h0, c0, w_hh.float())
