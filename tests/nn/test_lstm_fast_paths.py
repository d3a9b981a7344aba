"""lstm_scan's first-order backward on arrays (the steps' local derivatives
computed a few steps per pass, then scaled in place through time) agrees with its tensor-op
backward (the create_graph path, a different code path) and with PyTorch, including saturated
gates, batch 1, hidden 1, gradients entering only through c_T, passes of one step, of a few
steps and of all steps, and float32."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.ops import lstm_cell
from minigrad.ops.lstm_cell import lstm_scan


def _inputs(steps, batch, hidden, dtype=np.float64, scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(steps, batch, 4 * hidden), (batch, hidden), (batch, hidden), (4 * hidden, hidden)]
    return [mg.tensor((rng.standard_normal(s) * (scale if k == 0 else 1.0)).astype(dtype),
                      requires_grad=True) for k, s in enumerate(shapes)]


def _grads(inputs, reverse, upstream, create_graph):
    outputs = lstm_scan(*inputs, reverse=reverse)
    used = [(o, u) for o, u in zip(outputs, upstream) if u is not None]
    return mg.autograd.grad([o for o, _ in used], inputs, [u for _, u in used],
                            create_graph=create_graph)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("steps, batch, hidden, scale", [(6, 3, 4, 1.0), (4, 1, 1, 1.0),
                                                         (5, 2, 3, 8.0)])
@pytest.mark.parametrize("only_c", [False, True])
@pytest.mark.parametrize("span", [None, 1, 4])
def test_array_backward_equals_the_tensor_op_backward(reverse, steps, batch, hidden, scale,
                                                      only_c, span, monkeypatch):
    if span is not None:  # local derivatives `span` steps per pass (a last pass shorter)
        monkeypatch.setattr(lstm_cell, "_SPAN", span * batch * 4 * hidden)
    inputs = _inputs(steps, batch, hidden, scale=scale, seed=steps + hidden)
    rng = np.random.default_rng(1)
    upstream = [mg.tensor(rng.standard_normal(s)) for s in
                ((steps, batch, hidden), (batch, hidden), (batch, hidden))]
    if only_c:  # hs and h_T unused: the whole gradient runs through the cell state
        upstream[0] = upstream[1] = None
    fast = _grads(inputs, reverse, upstream, create_graph=False)
    graph = _grads(inputs, reverse, upstream, create_graph=True)
    for a, b in zip(fast, graph):
        a, b = a.numpy(), b.detach().numpy()
        assert np.abs(b).max() > 0
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dtype, rtol, atol", [(np.float64, 1e-10, 1e-12),
                                               (np.float32, 1e-4, 1e-5)])
def test_two_layer_bidirectional_lstm_matches_torch(dtype, rtol, atol):
    torch = pytest.importorskip("torch")
    mg.manual_seed(0)
    layer = mg.nn.LSTM(5, 6, num_layers=2, bidirectional=True, batch_first=True)
    if dtype == np.float64:
        layer = layer.double()
    twin = torch.nn.LSTM(5, 6, num_layers=2, bidirectional=True, batch_first=True,
                         dtype=torch.float64 if dtype == np.float64 else torch.float32)
    twin.load_state_dict({k: torch.tensor(v.numpy()) for k, v in layer.state_dict().items()})
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 7, 5)).astype(dtype) * 2
    states = [rng.standard_normal((4, 3, 6)).astype(dtype) for _ in range(2)]
    upstream = [rng.standard_normal(s).astype(dtype) for s in ((3, 7, 12), (4, 3, 6), (4, 3, 6))]
    mine = [mg.tensor(a, requires_grad=True) for a in [x] + states]
    theirs = [torch.tensor(a, requires_grad=True) for a in [x] + states]
    out, (h, c) = layer(mine[0], (mine[1], mine[2]))
    sum(((o * mg.tensor(u)).sum() for o, u in zip((out, h, c), upstream)), mg.tensor(0.0,
        dtype=dtype)).backward()
    t_out, (t_h, t_c) = twin(theirs[0], (theirs[1], theirs[2]))
    sum((o * torch.tensor(u)).sum() for o, u in zip((t_out, t_h, t_c), upstream)).backward()
    for a, b in zip(mine, theirs):
        assert a.grad.dtype == np.dtype(dtype)
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol)
    t_params = dict(twin.named_parameters())
    for name, p in layer.named_parameters():
        assert p.grad.dtype == np.dtype(dtype)
        np.testing.assert_allclose(p.grad.numpy(), t_params[name].grad.numpy(), rtol=rtol,
                                   atol=atol, err_msg=name)


def test_float32_scan_gradients_stay_float32():
    inputs = _inputs(3, 2, 4, dtype=np.float32)
    grads = _grads(inputs, True, [mg.ones(3, 2, 4), mg.ones(2, 4), mg.ones(2, 4)], False)
    assert {g.dtype for g in grads} == {np.dtype(np.float32)}
