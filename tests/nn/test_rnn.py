"""RNN / LSTM / GRU and their cells: PyTorch parity (outputs, final states, every gradient) over
every option combination, gradcheck and gradgradcheck in float64, float32 end to end, init,
dropout, state_dict names, repr and errors."""
from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn

# (minigrad / torch class name, extra constructor kwargs)
SEQ_KINDS = {"rnn_tanh": ("RNN", {}), "rnn_relu": ("RNN", {"nonlinearity": "relu"}),
             "lstm": ("LSTM", {}), "gru": ("GRU", {})}
CELL_KINDS = {"rnn_tanh": ("RNNCell", {}), "rnn_relu": ("RNNCell", {"nonlinearity": "relu"}),
              "lstm": ("LSTMCell", {}), "gru": ("GRUCell", {})}
IN, HID, L, N = 3, 4, 5, 2


def _torch_twin(torch, mg_module, cls_name, **kwargs):
    """The torch layer with the same arguments and minigrad's weights (loaded strictly)."""
    twin = getattr(torch.nn, cls_name)(**kwargs).double()
    state = {k: torch.tensor(v.numpy()) for k, v in mg_module.state_dict().items()}
    twin.load_state_dict(state, strict=True)
    return twin


def _flat(result):
    """(output, h) or (output, (h, c)) or h or (h, c) as a flat list of tensors."""
    if not isinstance(result, tuple):
        return [result]
    out = []
    for r in result:
        out.extend(_flat(r))
    return out


def _compare(torch, mine, theirs, inputs, states, rtol=1e-10, atol=1e-12):
    """Run both on the same float64 arrays, backprop the same random cotangents, compare all."""
    xs_mg = [mg.tensor(a, dtype=mg.float64, requires_grad=True) for a in inputs]
    xs_t = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in inputs]
    st_mg = [mg.tensor(a, dtype=mg.float64, requires_grad=True) for a in states]
    st_t = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in states]

    def pack(s):
        if not s:
            return ()
        return (tuple(s),) if len(s) == 2 else (s[0],)

    out_mg = _flat(mine(*xs_mg, *pack(st_mg)))
    out_t = _flat(theirs(*xs_t, *pack(st_t)))
    assert len(out_mg) == len(out_t)
    rng = np.random.default_rng(7)
    loss_mg, loss_t = None, None
    for i, (a, b) in enumerate(zip(out_mg, out_t)):
        assert tuple(a.shape) == tuple(b.shape), f"output {i}"
        assert a.dtype == mg.float64
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"output {i}")
        g = rng.standard_normal(tuple(b.shape))
        term_mg = (a * mg.tensor(g, dtype=mg.float64)).sum()
        term_t = (b * torch.tensor(g, dtype=torch.float64)).sum()
        loss_mg = term_mg if loss_mg is None else loss_mg + term_mg
        loss_t = term_t if loss_t is None else loss_t + term_t
    loss_mg.backward()
    loss_t.backward()
    for i, (a, b) in enumerate(zip(xs_mg + st_mg, xs_t + st_t)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input/state {i}")
    mine_p, theirs_p = dict(mine.named_parameters()), dict(theirs.named_parameters())
    assert list(mine_p) == list(theirs_p)
    for name, p in theirs_p.items():
        np.testing.assert_allclose(mine_p[name].grad.numpy(), p.grad.numpy(), rtol=rtol,
                                   atol=atol, err_msg=f"gradient of parameter {name}")


# --- sequence layers against torch ---------------------------------------------------------------
@pytest.mark.parametrize("with_h0", [False, True], ids=["no_h0", "h0"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["tmajor", "bfirst"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2], ids=["1layer", "2layers"])
@pytest.mark.parametrize("kind", list(SEQ_KINDS))
def test_sequence_layer_matches_torch(kind, num_layers, bidirectional, batch_first, bias,
                                      with_h0):
    torch = pytest.importorskip("torch")
    cls_name, extra = SEQ_KINDS[kind]
    kwargs = dict(input_size=IN, hidden_size=HID, num_layers=num_layers, bias=bias,
                  batch_first=batch_first, bidirectional=bidirectional, **extra)
    mine = getattr(nn, cls_name)(**kwargs, dtype=mg.float64)
    theirs = _torch_twin(torch, mine, cls_name, **kwargs)
    rng = np.random.default_rng(num_layers * 8 + bidirectional * 4 + batch_first * 2 + bias)
    x = rng.standard_normal((N, L, IN) if batch_first else (L, N, IN))
    count = num_layers * (2 if bidirectional else 1)
    n_states = 2 if cls_name == "LSTM" else 1
    states = [rng.standard_normal((count, N, HID)) for _ in range(n_states)] if with_h0 else []
    _compare(torch, mine, theirs, [x], states)


@pytest.mark.parametrize("with_h0", [False, True], ids=["no_h0", "h0"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("kind", list(SEQ_KINDS))
def test_unbatched_sequence_matches_torch(kind, bidirectional, with_h0):
    torch = pytest.importorskip("torch")
    cls_name, extra = SEQ_KINDS[kind]
    # batch_first must not change how an unbatched (L, H_in) input is read.
    kwargs = dict(input_size=IN, hidden_size=HID, num_layers=2, bidirectional=bidirectional,
                  batch_first=True, **extra)
    mine = getattr(nn, cls_name)(**kwargs, dtype=mg.float64)
    theirs = _torch_twin(torch, mine, cls_name, **kwargs)
    rng = np.random.default_rng(3)
    count = 2 * (2 if bidirectional else 1)
    n_states = 2 if cls_name == "LSTM" else 1
    states = [rng.standard_normal((count, HID)) for _ in range(n_states)] if with_h0 else []
    _compare(torch, mine, theirs, [rng.standard_normal((L, IN))], states)


@pytest.mark.parametrize("kind", list(SEQ_KINDS))
def test_shapes_and_final_states_relate_to_output(kind):
    cls_name, extra = SEQ_KINDS[kind]
    m = getattr(nn, cls_name)(IN, HID, num_layers=2, bidirectional=True, batch_first=True,
                              **extra)
    out, state = m(mg.randn(N, L, IN))
    h_n = state[0] if cls_name == "LSTM" else state
    assert out.shape == (N, L, 2 * HID)
    assert h_n.shape == (4, N, HID)
    if cls_name == "LSTM":
        assert state[1].shape == (4, N, HID)
    o, h = out.detach().numpy(), h_n.detach().numpy()
    # Last layer: forward's final state is the last step, the reverse one's the first step.
    np.testing.assert_array_equal(h[2], o[:, -1, :HID])
    np.testing.assert_array_equal(h[3], o[:, 0, HID:])


def test_empty_batch_gives_empty_outputs():
    out, (h, c) = nn.LSTM(IN, HID, num_layers=2)(mg.randn(L, 0, IN))
    assert out.shape == (L, 0, HID) and h.shape == (2, 0, HID) and c.shape == (2, 0, HID)


# --- cells against torch -------------------------------------------------------------------------
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("with_hx", [False, True], ids=["no_hx", "hx"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize("kind", list(CELL_KINDS))
def test_cell_matches_torch(kind, bias, with_hx, batched):
    torch = pytest.importorskip("torch")
    cls_name, extra = CELL_KINDS[kind]
    kwargs = dict(input_size=IN, hidden_size=HID, bias=bias, **extra)
    mine = getattr(nn, cls_name)(**kwargs, dtype=mg.float64)
    theirs = _torch_twin(torch, mine, cls_name, **kwargs)
    rng = np.random.default_rng(11)
    lead = (N,) if batched else ()
    n_states = 2 if cls_name == "LSTMCell" else 1
    states = [rng.standard_normal(lead + (HID,)) for _ in range(n_states)] if with_hx else []
    _compare(torch, mine, theirs, [rng.standard_normal(lead + (IN,))], states)


def test_cells_unrolled_equal_the_sequence_layer():
    """One LSTMCell stepped by hand over time is the one-layer LSTM with the same weights."""
    seq = nn.LSTM(IN, HID, dtype=mg.float64)
    cell = nn.LSTMCell(IN, HID, dtype=mg.float64)
    cell.load_state_dict({k[:-3]: v for k, v in seq.state_dict().items()})
    x = mg.randn(L, N, IN, dtype=mg.float64)
    out, (h_n, c_n) = seq(x)
    state = None
    for t in range(L):
        state = cell(x[t], state)
        np.testing.assert_allclose(state[0].detach().numpy(), out[t].detach().numpy(),
                                   rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(state[1].detach().numpy(), c_n[0].detach().numpy(), rtol=1e-12,
                               atol=1e-14)


# --- gradcheck / gradgradcheck -------------------------------------------------------------------
class _Flatten(nn.Module):
    """Returns the layer's outputs as a flat tuple, so gradcheck sees (output, h_n, c_n)."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x, *states):
        if isinstance(self.layer, (nn.LSTM, nn.LSTMCell)) and states:
            states = (tuple(states),)
        return tuple(_flat(self.layer(x, *states)))


@pytest.mark.parametrize("kind", list(SEQ_KINDS))
def test_gradcheck_sequence_layer(kind):
    cls_name, extra = SEQ_KINDS[kind]
    mg.manual_seed(0)
    layer = getattr(nn, cls_name)(2, 2, num_layers=2, bidirectional=True, dtype=mg.float64,
                                  **extra)
    x = mg.randn(3, 2, 2, dtype=mg.float64, requires_grad=True)
    states = [mg.randn(4, 2, 2, dtype=mg.float64, requires_grad=True)
              for _ in range(2 if cls_name == "LSTM" else 1)]
    if kind == "rnn_relu":
        # Keep pre-activations away from relu's kink, where finite differences are unreliable.
        with mg.no_grad():
            for p in layer.parameters():
                p.mul_(0.5)
            x.mul_(2.0)
    assert mg.gradcheck_module(_Flatten(layer), (x, *states))


@pytest.mark.parametrize("kind", list(CELL_KINDS))
def test_gradcheck_cell(kind):
    cls_name, extra = CELL_KINDS[kind]
    mg.manual_seed(1)
    cell = getattr(nn, cls_name)(3, 2, dtype=mg.float64, **extra)
    x = mg.randn(2, 3, dtype=mg.float64, requires_grad=True)
    states = [mg.randn(2, 2, dtype=mg.float64, requires_grad=True)
              for _ in range(2 if cls_name == "LSTMCell" else 1)]
    assert mg.gradcheck_module(_Flatten(cell), (x, *states))


@pytest.mark.parametrize("cls_name", ["LSTM", "GRU"])
def test_gradgradcheck_sequence_layer(cls_name):
    """Second derivatives with respect to the input and the weights flow through the unrolled
    graph (all of it is tensor ops)."""
    mg.manual_seed(2)
    layer = getattr(nn, cls_name)(2, 2, dtype=mg.float64)
    x = mg.randn(2, 1, 2, dtype=mg.float64, requires_grad=True)
    w = layer.weight_hh_l0
    assert mg.gradgradcheck(lambda x, w: layer(x)[0], (x, w))


@pytest.mark.parametrize("kind", ["rnn_tanh", "lstm", "gru"])
def test_gradgradcheck_cell(kind):
    cls_name, extra = CELL_KINDS[kind]
    mg.manual_seed(3)
    cell = getattr(nn, cls_name)(2, 2, dtype=mg.float64, **extra)
    x = mg.randn(2, 2, dtype=mg.float64, requires_grad=True)
    h = mg.randn(2, 2, dtype=mg.float64, requires_grad=True)
    if cls_name == "LSTMCell":
        assert mg.gradgradcheck(lambda x, h: cell(x, (h, h * h))[1], (x, h))
    else:
        assert mg.gradgradcheck(lambda x, h: cell(x, h), (x, h))


# --- dtype ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(SEQ_KINDS))
def test_float32_stays_float32(kind):
    cls_name, extra = SEQ_KINDS[kind]
    layer = getattr(nn, cls_name)(IN, HID, num_layers=2, bidirectional=True, dropout=0.3,
                                  **extra)
    cell = getattr(nn, CELL_KINDS[kind][0])(IN, HID, **extra)
    x = mg.randn(L, N, IN, requires_grad=True)
    out = _flat(layer(x)) + _flat(cell(x[0]))
    assert all(o.dtype == mg.float32 for o in out)
    sum(o.sum() for o in out).backward()
    assert x.grad.dtype == mg.float32
    for name, p in itertools.chain(layer.named_parameters(), cell.named_parameters()):
        assert p.dtype == mg.float32 and p.grad.dtype == mg.float32, name


# --- init, parameters, state_dict, repr ----------------------------------------------------------
@pytest.mark.parametrize("cls_name", ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"])
def test_default_init_is_uniform_one_over_sqrt_hidden(cls_name):
    hidden = 16  # small, so that 1/sqrt(hidden) is told apart from e.g. 1/sqrt(hidden + 1)
    layer = getattr(nn, cls_name)(500, hidden)
    bound = 1 / math.sqrt(hidden)
    values = np.concatenate([p.detach().numpy().ravel() for p in layer.parameters()])
    assert values.dtype == np.float32
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.99 * bound
    np.testing.assert_allclose(values.std(), bound / math.sqrt(3), rtol=0.02)
    assert abs(values.mean()) < 0.02 * bound
    mg.manual_seed(5)
    a = getattr(nn, cls_name)(3, 2).state_dict()
    mg.manual_seed(5)
    b = getattr(nn, cls_name)(3, 2).state_dict()
    for k in a:
        np.testing.assert_array_equal(a[k].numpy(), b[k].numpy())


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("cls_name", ["RNN", "LSTM", "GRU"])
def test_state_dict_names_and_shapes_equal_torch(cls_name, bidirectional, bias):
    torch = pytest.importorskip("torch")
    kwargs = dict(input_size=3, hidden_size=5, num_layers=3, bias=bias,
                  bidirectional=bidirectional)
    mine = {k: tuple(v.shape) for k, v in getattr(nn, cls_name)(**kwargs).state_dict().items()}
    theirs = {k: tuple(v.shape)
              for k, v in getattr(torch.nn, cls_name)(**kwargs).state_dict().items()}
    assert list(mine.items()) == list(theirs.items())


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("cls_name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_state_dict_names_and_shapes_equal_torch(cls_name, bias):
    torch = pytest.importorskip("torch")
    mine = getattr(nn, cls_name)(3, 5, bias=bias)
    theirs = getattr(torch.nn, cls_name)(3, 5, bias=bias)
    assert ([(k, tuple(v.shape)) for k, v in mine.state_dict().items()]
            == [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()])
    assert mine.bias == bias and (mine.bias_ih is None) == (not bias)


def test_all_weights_groups_parameters_like_torch():
    torch = pytest.importorskip("torch")
    mine = nn.GRU(3, 4, num_layers=2, bidirectional=True)
    theirs = torch.nn.GRU(3, 4, num_layers=2, bidirectional=True)
    assert ([[tuple(p.shape) for p in group] for group in mine.all_weights]
            == [[tuple(p.shape) for p in group] for group in theirs.all_weights])
    assert mine.all_weights[1][0] is mine.weight_ih_l0_reverse


@pytest.mark.parametrize("cls_name, kwargs", [
    ("RNN", {}), ("RNN", dict(nonlinearity="relu", num_layers=2, bias=False, batch_first=True,
                              dropout=0.5, bidirectional=True)),
    ("LSTM", dict(num_layers=3)), ("LSTM", dict(dropout=0.25, num_layers=2, batch_first=True)),
    ("GRU", dict(bias=False)), ("GRU", dict(bidirectional=True)),
    ("RNNCell", {}), ("RNNCell", dict(bias=False, nonlinearity="relu")),
    ("LSTMCell", dict(bias=False)), ("GRUCell", {}),
])
def test_repr_equals_torch(cls_name, kwargs):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert repr(getattr(nn, cls_name)(3, 4, **kwargs)) == repr(
            getattr(torch.nn, cls_name)(3, 4, **kwargs))


def test_attributes_follow_torch():
    m = nn.RNN(3, 4, 2, "relu", False, True, 0.5, True)
    assert (m.mode, m.input_size, m.hidden_size, m.num_layers, m.nonlinearity, m.bias,
            m.batch_first, m.dropout, m.bidirectional, m.proj_size) == (
        "RNN_RELU", 3, 4, 2, "relu", False, True, 0.5, True, 0)
    assert nn.LSTM(3, 4).mode == "LSTM" and nn.GRU(3, 4).mode == "GRU"
    assert nn.RNN(3, 4).mode == "RNN_TANH"
    assert nn.LSTM(3, 4, dtype=mg.float64).weight_hh_l0.dtype == mg.float64


# --- dropout between layers ----------------------------------------------------------------------
def test_dropout_only_between_layers_and_only_in_training():
    mg.manual_seed(0)
    m = nn.GRU(IN, HID, num_layers=2, dropout=0.5)
    x = mg.randn(L, N, IN)
    train_a, train_b = m(x)[0].detach().numpy(), m(x)[0].detach().numpy()
    assert not np.allclose(train_a, train_b)  # a fresh mask each call
    m.eval()
    eval_a, eval_b = m(x)[0].detach().numpy(), m(x)[0].detach().numpy()
    np.testing.assert_array_equal(eval_a, eval_b)
    no_dropout = nn.GRU(IN, HID, num_layers=2)
    no_dropout.load_state_dict(m.state_dict())
    np.testing.assert_array_equal(no_dropout(x)[0].detach().numpy(), eval_a)


def test_full_dropout_matches_torch_in_training_mode():
    """With p = 1 the second layer sees zeros: deterministic, so comparable with torch."""
    torch = pytest.importorskip("torch")
    kwargs = dict(input_size=IN, hidden_size=HID, num_layers=2, dropout=1.0, bidirectional=True)
    mine = nn.LSTM(**kwargs, dtype=mg.float64)
    theirs = _torch_twin(torch, mine, "LSTM", **kwargs)
    assert mine.training and theirs.training
    rng = np.random.default_rng(4)
    _compare(torch, mine, theirs, [rng.standard_normal((L, N, IN))], [])


def test_dropout_on_a_single_layer_warns_like_torch():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.2)


# --- errors --------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls_name", ["RNN", "LSTM", "GRU"])
def test_sequence_input_errors_name_layer_and_shapes(cls_name):
    m = getattr(nn, cls_name)(3, 4, num_layers=2)
    with pytest.raises(ValueError, match=rf"{cls_name}: expected input with last dimension 3 "
                                         r"\(input_size\), got input of shape \(5, 2, 4\)"):
        m(mg.randn(5, 2, 4))
    with pytest.raises(ValueError, match=rf"{cls_name}: expected input to be 2-D .* got 4-D "
                                         r"input of shape \(5, 2, 3, 1\)"):
        m(mg.randn(5, 2, 3, 1))
    with pytest.raises(ValueError, match=rf"{cls_name}: expected input to be 2-D .* got 1-D"):
        m(mg.randn(3))
    with pytest.raises(RuntimeError, match=rf"{cls_name}: expected sequence length to be larger "
                                           r"than 0, got input of shape \(0, 2, 3\)"):
        m(mg.randn(0, 2, 3))
    with pytest.raises(TypeError, match=rf"{cls_name}: input dtype float64 does not match "
                                        "parameter dtype float32"):
        m(mg.randn(5, 2, 3, dtype=mg.float64))
    with pytest.raises(TypeError, match=rf"{cls_name}: expected a Tensor input, got list"):
        m([[[1.0, 2.0, 3.0]]])


@pytest.mark.parametrize("cls_name", ["RNN", "GRU"])
def test_bad_h0_is_a_clear_error(cls_name):
    m = getattr(nn, cls_name)(3, 4, num_layers=2, bidirectional=True)
    x = mg.randn(5, 2, 3)
    with pytest.raises(RuntimeError, match=rf"{cls_name}: expected hx of shape \(4, 2, 4\), got "
                                           r"\(2, 2, 4\)"):
        m(x, mg.zeros(2, 2, 4))
    with pytest.raises(RuntimeError, match=rf"{cls_name}: for batched 3-D input, hx should be "
                                           r"3-D but got a 2-D tensor of shape \(4, 4\)"):
        m(x, mg.zeros(4, 4))
    with pytest.raises(RuntimeError, match=rf"{cls_name}: for unbatched 2-D input, hx should be "
                                           r"2-D but got a 3-D tensor of shape \(4, 1, 4\)"):
        m(mg.randn(5, 3), mg.zeros(4, 1, 4))
    with pytest.raises(RuntimeError, match=r"expected hx of shape \(4, 4\), got \(4, 3\)"):
        m(mg.randn(5, 3), mg.zeros(4, 3))
    on = mg.get_default_device()
    with pytest.raises(TypeError, match=rf"{cls_name}: hx is float64 on {on} but the input is "
                                        rf"float32 on {on}"):
        m(x, mg.zeros(4, 2, 4, dtype=mg.float64))


def test_bad_lstm_state_is_a_clear_error():
    m = nn.LSTM(3, 4)
    x = mg.randn(5, 2, 3)
    with pytest.raises(TypeError, match="LSTM: hx must be a tuple"):
        m(x, mg.zeros(1, 2, 4))
    with pytest.raises(RuntimeError, match=r"LSTM: expected c_0 of shape \(1, 2, 4\), got "
                                           r"\(1, 3, 4\)"):
        m(x, (mg.zeros(1, 2, 4), mg.zeros(1, 3, 4)))
    with pytest.raises(RuntimeError, match=r"LSTM: expected h_0 of shape \(1, 2, 4\), got "
                                           r"\(1, 2, 5\)"):
        m(x, (mg.zeros(1, 2, 5), mg.zeros(1, 2, 4)))


@pytest.mark.parametrize("cls_name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_errors_name_layer_and_shapes(cls_name):
    cell = getattr(nn, cls_name)(3, 4)
    with pytest.raises(ValueError, match=rf"{cls_name}: expected input to be 1-D .* got 3-D "
                                         r"input of shape \(2, 2, 3\)"):
        cell(mg.randn(2, 2, 3))
    with pytest.raises(ValueError, match=rf"{cls_name}: expected input with last dimension 3 "
                                         r"\(input_size\), got input of shape \(2, 5\)"):
        cell(mg.randn(2, 5))
    x = mg.randn(2, 3)
    if cls_name == "LSTMCell":
        with pytest.raises(RuntimeError, match=r"LSTMCell: expected h_0 of shape \(2, 4\), got "
                                               r"\(3, 4\)"):
            cell(x, (mg.zeros(3, 4), mg.zeros(2, 4)))
        with pytest.raises(TypeError, match="LSTMCell: hx must be a tuple"):
            cell(x, mg.zeros(2, 4))
    else:
        with pytest.raises(RuntimeError, match=rf"{cls_name}: expected hx of shape \(2, 4\), got "
                                               r"\(2, 5\)"):
            cell(x, mg.zeros(2, 5))
        with pytest.raises(RuntimeError, match=rf"{cls_name}: expected hx of shape \(4,\), got "
                                               r"\(1, 4\)"):
            cell(mg.randn(3), mg.zeros(1, 4))


def test_constructor_errors():
    with pytest.raises(ValueError, match="LSTM: proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="RNN: unknown nonlinearity 'gelu'"):
        nn.RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match="RNNCell: unknown nonlinearity 'gelu'"):
        nn.RNNCell(3, 4, nonlinearity="gelu")
    for bad in (1.5, -0.1, True, "0.5"):
        with pytest.raises(ValueError, match="GRU: dropout should be a number in range"):
            nn.GRU(3, 4, num_layers=2, dropout=bad)
    with pytest.raises(ValueError, match="LSTM: num_layers must be a positive int, got 0"):
        nn.LSTM(3, 4, num_layers=0)
    with pytest.raises(ValueError, match="GRU: hidden_size must be a positive int, got 0"):
        nn.GRU(3, 0)
    with pytest.raises(ValueError, match="LSTMCell: input_size must be a non-negative int"):
        nn.LSTMCell(2.5, 4)
    with pytest.raises(TypeError, match="RNN: parameters need a floating dtype"):
        nn.RNN(3, 4, dtype=mg.int64)


# --- LSTM with projections (proj_size > 0) -------------------------------------------------------
PROJ = 2


@pytest.mark.parametrize("with_h0", [False, True], ids=["no_h0", "h0"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["tmajor", "bfirst"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2], ids=["1layer", "2layers"])
def test_lstm_proj_size_matches_torch(num_layers, bidirectional, batch_first, with_h0):
    torch = pytest.importorskip("torch")
    kwargs = dict(input_size=IN, hidden_size=HID, num_layers=num_layers, proj_size=PROJ,
                  batch_first=batch_first, bidirectional=bidirectional)
    mine = nn.LSTM(**kwargs, dtype=mg.float64)
    theirs = _torch_twin(torch, mine, "LSTM", **kwargs)
    rng = np.random.default_rng([num_layers, bidirectional, batch_first, with_h0])
    x = rng.standard_normal((N, L, IN) if batch_first else (L, N, IN))
    count = num_layers * (2 if bidirectional else 1)
    states = ([rng.standard_normal((count, N, PROJ)), rng.standard_normal((count, N, HID))]
              if with_h0 else [])
    _compare(torch, mine, theirs, [x], states)


@pytest.mark.parametrize("with_h0", [False, True], ids=["no_h0", "h0"])
def test_unbatched_lstm_proj_size_matches_torch(with_h0):
    torch = pytest.importorskip("torch")
    kwargs = dict(input_size=IN, hidden_size=HID, num_layers=2, proj_size=PROJ,
                  bidirectional=True)
    mine = nn.LSTM(**kwargs, dtype=mg.float64)
    theirs = _torch_twin(torch, mine, "LSTM", **kwargs)
    rng = np.random.default_rng(11)
    states = [rng.standard_normal((4, PROJ)), rng.standard_normal((4, HID))] if with_h0 else []
    _compare(torch, mine, theirs, [rng.standard_normal((L, IN))], states)


def test_lstm_proj_size_loads_torch_state_dict_strictly_and_shapes_follow():
    torch = pytest.importorskip("torch")
    kwargs = dict(input_size=3, hidden_size=5, num_layers=3, proj_size=2, bidirectional=True)
    theirs = torch.nn.LSTM(**kwargs)
    mine = nn.LSTM(**kwargs)
    assert ([(k, tuple(v.shape)) for k, v in mine.state_dict().items()]
            == [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()])
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    mine.load_state_dict({k: mg.tensor(v.numpy()) for k, v in theirs.state_dict().items()},
                         strict=True)
    np.testing.assert_array_equal(mine.weight_hr_l2_reverse.detach().numpy(),
                                  theirs.weight_hr_l2_reverse.detach().numpy())
    assert ([[tuple(p.shape) for p in group] for group in mine.all_weights]
            == [[tuple(p.shape) for p in group] for group in theirs.all_weights])
    out, (h, c) = mine(mg.randn(4, 2, 3))
    assert out.shape == (4, 2, 4) and h.shape == (6, 2, 2) and c.shape == (6, 2, 5)
    assert mine.proj_size == 2
    for extra in ({}, dict(num_layers=2, bias=False, batch_first=True, bidirectional=True)):
        assert repr(nn.LSTM(3, 4, proj_size=3, **extra)) == repr(
            torch.nn.LSTM(3, 4, proj_size=3, **extra))


def test_lstm_proj_size_projects_the_cell_output():
    """h = (o * tanh(c)) W_hr^T: the same LSTM without projection, times W_hr^T, for one step."""
    mg.manual_seed(12)
    proj = nn.LSTM(IN, HID, proj_size=PROJ, dtype=mg.float64)
    plain = nn.LSTM(IN, HID, dtype=mg.float64)
    with mg.no_grad():
        for name in ("weight_ih_l0", "bias_ih_l0", "bias_hh_l0"):
            getattr(plain, name).copy_(getattr(proj, name))
    x = mg.randn(1, N, IN, dtype=mg.float64)
    out_p, (h_p, c_p) = proj(x)
    out_q, (h_q, c_q) = plain(x)  # from h_0 = 0, weight_hh plays no part in the first step
    np.testing.assert_allclose(c_p.detach().numpy(), c_q.detach().numpy(), rtol=1e-13)
    np.testing.assert_allclose(out_p.detach().numpy(),
                               (out_q @ proj.weight_hr_l0.T).detach().numpy(), rtol=1e-12)


def test_gradcheck_lstm_proj_size():
    mg.manual_seed(13)
    layer = nn.LSTM(2, 3, num_layers=2, proj_size=2, bidirectional=True, dtype=mg.float64)
    x = mg.randn(3, 2, 2, dtype=mg.float64, requires_grad=True)
    h0 = mg.randn(4, 2, 2, dtype=mg.float64, requires_grad=True)
    c0 = mg.randn(4, 2, 3, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck_module(_Flatten(layer), (x, h0, c0))


def test_lstm_proj_size_float32_stays_float32():
    layer = nn.LSTM(IN, HID, num_layers=2, proj_size=PROJ, bidirectional=True)
    x = mg.randn(L, N, IN, requires_grad=True)
    out, (h, c) = layer(x, (mg.zeros(4, N, PROJ), mg.zeros(4, N, HID)))
    assert out.dtype == h.dtype == c.dtype == mg.float32
    (out.sum() + h.sum() + c.sum()).backward()
    assert x.grad.dtype == mg.float32
    assert all(p.grad.dtype == mg.float32 for p in layer.parameters())


def test_lstm_proj_size_errors():
    layer = nn.LSTM(IN, HID, num_layers=2, proj_size=PROJ)
    with pytest.raises(RuntimeError, match=r"LSTM: expected h_0 of shape \(2, 2, 2\), got "
                                           r"\(2, 2, 4\)"):
        layer(mg.randn(L, N, IN), (mg.zeros(2, N, HID), mg.zeros(2, N, HID)))
    with pytest.raises(RuntimeError, match=r"LSTM: expected c_0 of shape \(2, 2, 4\), got "
                                           r"\(2, 2, 2\)"):
        layer(mg.randn(L, N, IN), (mg.zeros(2, N, PROJ), mg.zeros(2, N, PROJ)))
    with pytest.raises(ValueError, match="LSTM: proj_size has to be smaller than hidden_size, "
                                         "got proj_size=5 and hidden_size=4"):
        nn.LSTM(IN, HID, proj_size=5)
    with pytest.raises(ValueError, match="LSTM: proj_size should be a positive integer or zero"):
        nn.LSTM(IN, HID, proj_size=-1)
    with pytest.raises(ValueError, match="GRU: proj_size argument is only supported for LSTM"):
        nn.RNNBase("GRU", IN, HID, proj_size=2)
