"""ops/rnn_cell.py's rnn_scan (the plain RNN's time loop as one op) against the per-step
composition it replaces: values and every gradient in float64 for tanh and relu, both
directions; its plain-array backward against its tensor-op (create_graph) backward;
gradgradcheck through the RNN layer; float32 end to end; shape errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.ops import relu, stack, tanh
from minigrad.ops.rnn_cell import rnn_scan

ACT = {"tanh": tanh, "relu": relu}


def _inputs(seed, steps=4, batch=3, hidden=5, dtype=mg.float64):
    rng = np.random.default_rng(seed)
    make = lambda *shape: mg.tensor(rng.standard_normal(shape) * 0.7, dtype=dtype,  # noqa: E731
                                    requires_grad=True)
    return make(steps, batch, hidden), make(batch, hidden), make(hidden, hidden), rng


def _composition(xg, h0, w, nonlinearity, reverse):
    order = range(xg.shape[0] - 1, -1, -1) if reverse else range(xg.shape[0])
    hs, h = [None] * xg.shape[0], h0
    for t in order:
        h = hs[t] = ACT[nonlinearity](xg[t] + h @ w.T)
    return stack(hs, 0), h


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("reverse", [False, True])
def test_scan_equals_the_step_composition(nonlinearity, reverse):
    xg, h0, w, rng = _inputs(0)
    ours = rnn_scan(xg, h0, w, nonlinearity, reverse)
    ref = _composition(xg, h0, w, nonlinearity, reverse)
    gs = [mg.tensor(rng.standard_normal(tuple(r.shape))) for r in ref]
    grads = [mg.autograd.grad(out, (xg, h0, w), gs) for out in (ours, ref)]
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-13)
    for a, b in zip(*grads):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_first_order_backward_equals_the_create_graph_one(nonlinearity):
    xg, h0, w, rng = _inputs(1)
    hs, h_n = rnn_scan(xg, h0, w, nonlinearity, reverse=True)
    gs = [mg.tensor(rng.standard_normal(tuple(o.shape)), requires_grad=True) for o in (hs, h_n)]
    fast = mg.autograd.grad((hs, h_n), (xg, h0, w), gs, retain_graph=True)
    graph = mg.autograd.grad((hs, h_n), (xg, h0, w), gs, create_graph=True)
    for a, b in zip(fast, graph):
        assert b.requires_grad
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_gradgradcheck_rnn_layer(nonlinearity):
    mg.manual_seed(3)
    layer = nn.RNN(2, 3, nonlinearity=nonlinearity, bidirectional=True, dtype=mg.float64)
    x = mg.randn(3, 2, 2, dtype=mg.float64, requires_grad=True)
    h0 = mg.randn(2, 2, 3, dtype=mg.float64, requires_grad=True)
    if nonlinearity == "relu":  # pre-activations away from relu's kink
        x = (x.detach() * 2 + 0.5).requires_grad_()
    w = layer.weight_hh_l0
    assert mg.gradcheck(lambda x, h, w: layer(x, h)[0], (x, h0, w))
    assert mg.gradgradcheck(lambda x, h, w: layer(x, h)[0], (x, h0, w))


def test_float32_stays_float32():
    xg, h0, w, _ = _inputs(4, dtype=mg.float32)
    hs, h_n = rnn_scan(xg, h0, w)
    (hs.sum() + h_n.sum()).backward()
    assert hs.dtype == h_n.dtype == mg.float32
    assert xg.grad.dtype == h0.grad.dtype == w.grad.dtype == mg.float32


def test_errors_name_the_op_and_shapes():
    xg, h0, w, _ = _inputs(5)
    with pytest.raises(ValueError, match=r"rnn_scan: x_gates \(4, 3, 5\), h0 \(3, 4\)"):
        rnn_scan(xg, h0[:, :4], w)
    with pytest.raises(ValueError, match="rnn_scan: nonlinearity must be 'tanh' or 'relu'"):
        rnn_scan(xg, h0, w, "gelu")
    with pytest.raises(TypeError, match="rnn_scan: mixed dtypes"):
        rnn_scan(xg, h0.float(), w)
