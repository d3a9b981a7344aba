"""The GRU ops, the step ``gru_update(x_gates, h_gates, h) -> h'`` and the sequence ``gru_scan``,
agree with the same arithmetic written as a composition of ops, in values and in gradients of
first and second order, and keep float32 as float32."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.ops import chunk, sigmoid, tanh
from minigrad.ops.gru_cell import gru_scan, gru_update


def composed(x_gates, h_gates, h):
    """The textbook GRU step, r, z, n in PyTorch's order, b_hn inside r * (...)."""
    xr, xz, xn = chunk(x_gates, 3, -1)
    hr, hz, hn = chunk(h_gates, 3, -1)
    r, z = sigmoid(xr + hr), sigmoid(xz + hz)
    n = tanh(xn + r * hn)
    return (1 - z) * n + z * h


def _inputs(shape, hidden, dtype=np.float64, scale=2.0, seed=0):
    rng = np.random.default_rng(seed)
    sizes = [shape + (3 * hidden,), shape + (3 * hidden,), shape + (hidden,)]
    return [mg.tensor((rng.standard_normal(s) * (scale if k < 2 else 1.0)).astype(dtype),
                      requires_grad=True) for k, s in enumerate(sizes)]


@pytest.mark.parametrize("shape, hidden", [((3,), 2), ((), 5), ((2, 3), 4)])
def test_gradcheck_and_gradgradcheck(shape, hidden):
    inputs = _inputs(shape, hidden)
    assert mg.gradcheck(gru_update, inputs)
    assert mg.gradgradcheck(gru_update, inputs)


@pytest.mark.parametrize("scale", [0.5, 3.0, 40.0])
def test_values_and_gradients_match_the_composition(scale):
    inputs = _inputs((6,), 7, scale=scale)
    upstream = mg.tensor(np.random.default_rng(1).standard_normal((6, 7)))
    results = []
    for step in (gru_update, composed):
        h_new = step(*inputs)
        grads = mg.autograd.grad(h_new, inputs, upstream)
        results.append([h_new.detach().numpy()] + [g.numpy() for g in grads])
    for fused, reference in zip(*results):
        np.testing.assert_allclose(fused, reference, rtol=1e-13, atol=1e-15)


def test_a_constant_hidden_state():
    x_gates, h_gates, h = _inputs((4,), 3)
    h = h.detach()
    grads = []
    for step in (gru_update, composed):
        x_gates.grad = h_gates.grad = None
        step(x_gates, h_gates, h).sum().backward()
        grads.append([x_gates.grad.numpy(), h_gates.grad.numpy()])
    for fused, reference in zip(*grads):
        np.testing.assert_allclose(fused, reference, rtol=1e-13, atol=1e-15)


def test_float32_stays_float32():
    inputs = _inputs((4,), 3, dtype=np.float32)
    h_new = gru_update(*inputs)
    h_new.sum().backward()
    assert {h_new.dtype} | {t.grad.dtype for t in inputs} == {np.dtype(np.float32)}


def test_create_graph_gives_second_derivatives_of_the_composition():
    inputs = _inputs((3,), 2)
    grads = []
    for step in (gru_update, composed):
        h_new = step(*inputs)
        first = mg.autograd.grad((h_new * h_new).sum(), inputs, create_graph=True)
        grads.append(mg.autograd.grad(sum((g * g).sum() for g in first), inputs))
    for fused, reference in zip(*grads):
        np.testing.assert_allclose(fused.numpy(), reference.numpy(), rtol=1e-12, atol=1e-14)


def test_bad_shapes_and_dtypes_name_the_op():
    x_gates, h_gates, h = _inputs((4,), 3)
    with pytest.raises(ValueError, match=r"gru_update: x_gates \(4, 9\), h_gates \(4, 9\) and h "
                                         r"\(4, 4\) do not fit"):
        gru_update(x_gates, h_gates, mg.zeros(4, 4, dtype=mg.float64))
    with pytest.raises(ValueError, match="gru_update"):
        gru_update(x_gates, h_gates[:, :6], h)
    with pytest.raises(ValueError, match="gru_update"):
        gru_update(x_gates, h_gates, mg.zeros(5, 3, dtype=mg.float64))
    with pytest.raises(TypeError, match="gru_update: mixed dtypes float64, float64, float32"):
        gru_update(x_gates, h_gates, mg.zeros(4, 3))


# --- gru_scan: a whole sequence of one layer and direction ------------------------------------
def composed_scan(x_gates, h0, w_hh, b_hh, reverse):
    """The time loop written out step by step with ops."""
    steps = x_gates.shape[0]
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    h, hs = h0, [None] * steps
    for t in order:
        h_gates = h @ w_hh.T if b_hh is None else h @ w_hh.T + b_hh
        h = composed(x_gates[t], h_gates, h)
        hs[t] = h
    return mg.stack(hs, 0), h


def _scan_inputs(steps, batch, hidden, dtype=np.float64, seed=0, bias=True):
    rng = np.random.default_rng(seed)
    shapes = [(steps, batch, 3 * hidden), (batch, hidden), (3 * hidden, hidden), (3 * hidden,)]
    tensors = [mg.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True)
               for s in shapes]
    return tensors if bias else tensors[:3]


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_gradcheck_and_gradgradcheck(reverse):
    inputs = _scan_inputs(3, 2, 2)
    scan = lambda *a: gru_scan(*a, reverse=reverse)  # noqa: E731
    assert mg.gradcheck(scan, inputs)
    assert mg.gradgradcheck(scan, inputs)


def test_scan_without_bias_gradcheck_and_gradgradcheck():
    inputs = _scan_inputs(2, 2, 2, bias=False)
    assert mg.gradcheck(gru_scan, inputs)
    assert mg.gradgradcheck(gru_scan, inputs)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("steps", [1, 5])
def test_scan_matches_the_step_by_step_loop(reverse, steps, bias):
    inputs = _scan_inputs(steps, 4, 3, seed=steps, bias=bias)
    rng = np.random.default_rng(7)
    upstream = [mg.tensor(rng.standard_normal(s)) for s in ((steps, 4, 3), (4, 3))]
    args = inputs if bias else inputs + [None]
    results = []
    for run in (gru_scan, composed_scan):
        outputs = run(*args, reverse)
        grads = mg.autograd.grad(outputs, inputs, upstream)
        results.append([o.detach().numpy() for o in outputs] + [g.numpy() for g in grads])
    assert len(results[0]) == 2 + len(inputs)
    for fused, reference in zip(*results):
        np.testing.assert_allclose(fused, reference, rtol=1e-12, atol=1e-14)


def test_scan_only_the_final_state_used():
    inputs = _scan_inputs(4, 3, 2, seed=5)
    grads = []
    for run in (gru_scan, composed_scan):
        _, h = run(*inputs, False)
        grads.append(mg.autograd.grad(h.sum(), inputs))
    for fused, reference in zip(*grads):
        np.testing.assert_allclose(fused.numpy(), reference.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_second_derivatives_match_the_loop(reverse):
    inputs = _scan_inputs(3, 2, 2, seed=3)
    grads = []
    for run in (gru_scan, composed_scan):
        hs, h = run(*inputs, reverse)
        first = mg.autograd.grad((hs * hs).sum() + h.sum(), inputs, create_graph=True)
        grads.append(mg.autograd.grad(sum((g * g).sum() for g in first), inputs))
    for fused, reference in zip(*grads):
        np.testing.assert_allclose(fused.numpy(), reference.numpy(), rtol=1e-11, atol=1e-13)


def test_scan_float32_stays_float32():
    inputs = _scan_inputs(4, 3, 2, dtype=np.float32)
    hs, h = gru_scan(*inputs)
    (hs.sum() + h.sum()).backward()
    assert {hs.dtype, h.dtype} | {t.grad.dtype for t in inputs} == {np.dtype(np.float32)}


def test_scan_bad_shapes_and_dtypes_name_the_op():
    x_gates, h0, w_hh, b_hh = _scan_inputs(3, 2, 2)
    with pytest.raises(ValueError, match=r"gru_scan: x_gates \(3, 2, 6\), h0 \(2, 3\)"):
        gru_scan(x_gates, mg.zeros(2, 3, dtype=mg.float64), w_hh, b_hh)
    with pytest.raises(ValueError, match=r"gru_scan: .* b_hh \(4,\) do not fit"):
        gru_scan(x_gates, h0, w_hh, b_hh[:4])
    with pytest.raises(ValueError, match="gru_scan"):
        gru_scan(x_gates[:0], h0, w_hh, b_hh)
    with pytest.raises(TypeError, match="gru_scan: mixed dtypes float64, float64, float32, "
                                        "float64"):
        gru_scan(x_gates, h0, w_hh.float(), b_hh)
