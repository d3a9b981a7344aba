"""nn.utils.rnn (PackedSequence, pack/pad helpers) and RNN/LSTM/GRU over packed batches:
PyTorch parity (values, indices, every gradient), each sequence run alone as a torch-free
reference, gradcheck in float64, float32 end to end, and errors naming the function."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.nn.utils import rnn as rnn_utils
from minigrad.nn.utils.rnn import (PackedSequence, pack_padded_sequence, pack_sequence,
                                   pad_packed_sequence, pad_sequence, unpack_sequence,
                                   unpad_sequence)

IN, HID, PROJ, L, N = 3, 4, 2, 5, 4
SORTED, UNSORTED = [5, 5, 3, 1], [3, 5, 1, 4]
# name: (class name, constructor kwargs)
KINDS = {"rnn_tanh": ("RNN", {}), "rnn_relu": ("RNN", {"nonlinearity": "relu"}),
         "lstm": ("LSTM", {}), "gru": ("GRU", {}), "lstm_proj": ("LSTM", {"proj_size": PROJ})}


def _padded(rng, batch_first, lengths=None, shape=(L, N, IN)):
    """A random padded batch whose padding is nan-free garbage (so it must be ignored)."""
    steps, batch = shape[:2]
    x = rng.standard_normal((batch, steps) + shape[2:] if batch_first else shape)
    return x


def _state_shapes(cls_name, kwargs, count, batch):
    h = kwargs.get("proj_size") or HID
    return [(count, batch, h), (count, batch, HID)] if cls_name == "LSTM" else [(count, batch, h)]


def _torch_twin(torch, mine, cls_name, **kwargs):
    twin = getattr(torch.nn, cls_name)(**kwargs).double()
    twin.load_state_dict({k: torch.tensor(v.numpy()) for k, v in mine.state_dict().items()},
                         strict=True)
    return twin


def _hx(states):
    if not states:
        return ()
    return (tuple(states),) if len(states) == 2 else (states[0],)


def _flat_state(state):
    return list(state) if isinstance(state, tuple) else [state]


# --- pack / pad against torch --------------------------------------------------------------------
@pytest.mark.parametrize("enforce_sorted", [True, False], ids=["sorted", "unsorted"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["tmajor", "bfirst"])
def test_pack_then_pad_matches_torch(batch_first, enforce_sorted):
    torch = pytest.importorskip("torch")
    tr = torch.nn.utils.rnn
    lengths = SORTED if enforce_sorted else UNSORTED
    x = _padded(np.random.default_rng(0), batch_first, shape=(L, N, 2, 3))
    x_mg = mg.tensor(x, requires_grad=True)
    x_t = torch.tensor(x, requires_grad=True)
    p_mg = pack_padded_sequence(x_mg, lengths, batch_first=batch_first,
                                enforce_sorted=enforce_sorted)
    p_t = tr.pack_padded_sequence(x_t, lengths, batch_first=batch_first,
                                  enforce_sorted=enforce_sorted)
    np.testing.assert_array_equal(p_mg.data.detach().numpy(), p_t.data.detach().numpy())
    assert p_mg.batch_sizes.tolist() == p_t.batch_sizes.tolist()
    assert p_mg.batch_sizes.dtype == mg.int64 and p_mg.batch_sizes.device == "cpu"
    for a, b in [(p_mg.sorted_indices, p_t.sorted_indices),
                 (p_mg.unsorted_indices, p_t.unsorted_indices)]:
        assert (a is None) == (b is None) and (a is None or a.tolist() == b.tolist())
    out_mg, len_mg = pad_packed_sequence(p_mg, batch_first=batch_first, padding_value=-2.5,
                                         total_length=L + 2)
    out_t, len_t = tr.pad_packed_sequence(p_t, batch_first=batch_first, padding_value=-2.5,
                                          total_length=L + 2)
    np.testing.assert_array_equal(out_mg.detach().numpy(), out_t.detach().numpy())
    assert len_mg.tolist() == len_t.tolist() == lengths and len_mg.dtype == mg.int64
    g = np.random.default_rng(1).standard_normal(tuple(out_t.shape))
    (out_mg * mg.tensor(g)).sum().backward()
    (out_t * torch.tensor(g)).sum().backward()
    np.testing.assert_array_equal(x_mg.grad.numpy(), x_t.grad.numpy())


def test_lengths_may_be_an_int64_cpu_tensor():
    x = mg.randn(L, N, IN)
    a = pack_padded_sequence(x, mg.tensor(UNSORTED, dtype=mg.int64, device="cpu"),
                             enforce_sorted=False)
    b = pack_padded_sequence(x, UNSORTED, enforce_sorted=False)
    np.testing.assert_array_equal(a.data.numpy(), b.data.numpy())
    assert a.batch_sizes.tolist() == b.batch_sizes.tolist() == [4, 3, 3, 2, 1]
    assert a.sorted_indices.tolist() == [1, 3, 0, 2]
    assert a.unsorted_indices.tolist() == [2, 0, 3, 1]


@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["tmajor", "bfirst"])
def test_pad_sequence_matches_torch(batch_first, padding_side):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    seqs = [rng.standard_normal((n, 2, 3)) for n in (2, 4, 0, 1)]
    mine = [mg.tensor(s, requires_grad=True) for s in seqs]
    theirs = [torch.tensor(s, requires_grad=True) for s in seqs]
    out_mg = pad_sequence(mine, batch_first, 7.0, padding_side)
    out_t = torch.nn.utils.rnn.pad_sequence(theirs, batch_first, 7.0, padding_side)
    np.testing.assert_array_equal(out_mg.detach().numpy(), out_t.detach().numpy())
    g = rng.standard_normal(tuple(out_t.shape))
    (out_mg * mg.tensor(g)).sum().backward()
    (out_t * torch.tensor(g)).sum().backward()
    for a, b in zip(mine, theirs):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


@pytest.mark.parametrize("enforce_sorted", [True, False], ids=["sorted", "unsorted"])
def test_pack_sequence_matches_torch_and_unpacks(enforce_sorted):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    lengths = [4, 3, 3, 1] if enforce_sorted else [2, 4, 1, 3]
    seqs = [rng.standard_normal((n, IN)) for n in lengths]
    p_mg = pack_sequence([mg.tensor(s) for s in seqs], enforce_sorted=enforce_sorted)
    p_t = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs],
                                           enforce_sorted=enforce_sorted)
    np.testing.assert_array_equal(p_mg.data.numpy(), p_t.data.numpy())
    assert p_mg.batch_sizes.tolist() == p_t.batch_sizes.tolist()
    for back, ref in zip(unpack_sequence(p_mg), seqs):
        np.testing.assert_array_equal(back.numpy(), ref)
    padded = pad_sequence([mg.tensor(s) for s in seqs], batch_first=True)
    for back, ref in zip(unpad_sequence(padded, lengths, batch_first=True), seqs):
        np.testing.assert_array_equal(back.numpy(), ref)


def test_packed_sequence_is_a_namedtuple_like_torch():
    p = PackedSequence(mg.randn(3, 2), mg.tensor([2, 1], dtype=mg.int64, device="cpu"),
                       mg.tensor([1, 0], dtype=mg.int64))
    assert isinstance(p, tuple) and p._fields == ("data", "batch_sizes", "sorted_indices",
                                                  "unsorted_indices")
    assert p.unsorted_indices.tolist() == [1, 0]  # derived from sorted_indices, as torch
    q = p.double()
    assert q.data.dtype == mg.float64 and q.batch_sizes is p.batch_sizes
    assert q.sorted_indices is p.sorted_indices and q.float().data.dtype == mg.float32
    assert p.to(mg.float32) is p and not p.is_cuda
    assert PackedSequence(mg.randn(3, 2), [2, 1]).batch_sizes.dtype == mg.int64


def test_pack_and_pad_keep_float32_and_gradcheck_in_float64():
    x = mg.randn(L, N, IN, requires_grad=True)
    p = pack_padded_sequence(x, UNSORTED, enforce_sorted=False)
    out, _ = pad_packed_sequence(p, padding_value=1.5)
    seq = pad_sequence([x[:, 0], x[:3, 1]], padding_value=0.5)
    assert p.data.dtype == out.dtype == seq.dtype == mg.float32
    (out.sum() + seq.sum()).backward()
    assert x.grad.dtype == mg.float32
    x64 = mg.randn(L, 3, 2, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(lambda x: pad_packed_sequence(
        pack_padded_sequence(x, [2, 5, 3], enforce_sorted=False), batch_first=True)[0], (x64,))
    assert mg.gradcheck(lambda x: pad_sequence([x[:, 0], x[:2, 1]], padding_side="left"), (x64,))


def test_pack_and_pad_errors_name_the_function():
    x = mg.randn(L, N, IN)
    with pytest.raises(RuntimeError, match=r"pack_padded_sequence: `lengths` array must be "
                                           r"sorted in decreasing order"):
        pack_padded_sequence(x, UNSORTED)
    with pytest.raises(RuntimeError, match="pack_sequence: `lengths` array must be sorted"):
        pack_sequence([mg.randn(1, 2), mg.randn(2, 2)])
    with pytest.raises(RuntimeError, match="pack_padded_sequence: Length of all samples has to "
                                           "be greater than 0"):
        pack_padded_sequence(x, [5, 3, 2, 0])
    with pytest.raises(RuntimeError, match="pack_sequence: Length of all samples"):
        pack_sequence([mg.randn(2, 2), mg.randn(0, 2)])
    with pytest.raises(ValueError, match=r"pack_padded_sequence: a sequence of length 6 is "
                                         r"longer than the input's 5 time steps \(input of "
                                         r"shape \(5, 4, 3\)"):
        pack_padded_sequence(x, [6, 3, 2, 1])
    with pytest.raises(ValueError, match="longer than the input's 4 time steps"):
        pack_padded_sequence(mg.randn(5, 4, 3), [5, 3, 2, 1, 1], batch_first=True)
    with pytest.raises(RuntimeError, match=r"pack_padded_sequence: Expected `len\(lengths\)` to "
                                           r"be equal to batch_size, but got 3 \(batch_size=4\)"):
        pack_padded_sequence(x, [5, 3, 2])
    with pytest.raises(RuntimeError, match="'lengths' argument should be a 1D CPU int64 tensor"):
        pack_padded_sequence(x, mg.tensor([[5, 3, 2, 1]], dtype=mg.int64))
    with pytest.raises(TypeError, match="pack_padded_sequence: 'lengths' must hold integers"):
        pack_padded_sequence(x, mg.tensor([5.0, 3.0, 2.0, 1.0], device="cpu"))
    with pytest.raises(TypeError, match=r"pack_padded_sequence: 'lengths' must hold ints, got "
                                        r"2\.5"):
        pack_padded_sequence(x, [5, 3, 2.5, 1])
    with pytest.raises(ValueError, match=r"pack_padded_sequence: expected an input of at least 2"
                                         r" dimensions .* got shape \(5,\)"):
        pack_padded_sequence(mg.randn(5), [5])
    p = pack_padded_sequence(x, SORTED)
    with pytest.raises(ValueError, match="pad_packed_sequence: Expected total_length to be at "
                                         "least the length of the longest sequence in input, "
                                         "but got total_length=4 and max sequence length being "
                                         "5"):
        pad_packed_sequence(p, total_length=4)
    with pytest.raises(TypeError, match="pad_packed_sequence: expected a PackedSequence, got "
                                        "Tensor"):
        pad_packed_sequence(x)
    with pytest.raises(RuntimeError, match="pad_sequence: received an empty list of sequences"):
        pad_sequence([])
    with pytest.raises(RuntimeError, match=r"pad_sequence: every sequence needs the same "
                                           r"trailing shape, but sequence 0 has shape \(2, 3\) "
                                           r"and sequence 1 has shape \(2, 4\)"):
        pad_sequence([mg.randn(2, 3), mg.randn(2, 4)])
    with pytest.raises(TypeError, match=f"pad_sequence: sequence 0 is float32 on "
                                        f"{mg.get_default_device()} but sequence 1 is float64"):
        pad_sequence([mg.randn(2, 3), mg.randn(2, 3, dtype=mg.float64)])
    with pytest.raises(ValueError, match="pad_sequence: padding_side must be 'left' or 'right'"):
        pad_sequence([mg.randn(2, 3)], padding_side="middle")
    with pytest.raises(TypeError, match="PackedSequence: batch_sizes must be a 1-D CPU int64"):
        PackedSequence(mg.randn(3, 2), mg.tensor([2.0, 1.0]))


# --- recurrent layers over packed batches --------------------------------------------------------
def _packed_run(lib, utils, layer, x, states, lengths, batch_first, enforce_sorted):
    """pack -> layer -> pad; returns (packed output, padded output, lengths, final states)."""
    packed = utils.pack_padded_sequence(x, lengths, batch_first=batch_first,
                                        enforce_sorted=enforce_sorted)
    out, state = layer(packed, *_hx(states))
    padded, out_lengths = utils.pad_packed_sequence(out, batch_first=batch_first)
    return out, padded, out_lengths, _flat_state(state)


@pytest.mark.parametrize("with_h0", [False, True], ids=["no_h0", "h0"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["tmajor", "bfirst"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("enforce_sorted", [True, False], ids=["sorted", "unsorted"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_packed_layer_matches_torch(kind, enforce_sorted, bidirectional, batch_first, with_h0):
    torch = pytest.importorskip("torch")
    cls_name, extra = KINDS[kind]
    kwargs = dict(input_size=IN, hidden_size=HID, num_layers=2, batch_first=batch_first,
                  bidirectional=bidirectional, **extra)
    mine = getattr(nn, cls_name)(**kwargs, dtype=mg.float64)
    theirs = _torch_twin(torch, mine, cls_name, **kwargs)
    rng = np.random.default_rng([len(kind), enforce_sorted, bidirectional, batch_first, with_h0])
    lengths = SORTED if enforce_sorted else UNSORTED
    x = _padded(rng, batch_first)
    count = 2 * (2 if bidirectional else 1)
    states = ([rng.standard_normal(s) for s in _state_shapes(cls_name, extra, count, N)]
              if with_h0 else [])
    xs_mg = [mg.tensor(a, requires_grad=True) for a in [x] + states]
    xs_t = [torch.tensor(a, requires_grad=True) for a in [x] + states]
    p_mg, out_mg, len_mg, fin_mg = _packed_run(mg, rnn_utils, mine, xs_mg[0], xs_mg[1:],
                                               lengths, batch_first, enforce_sorted)
    p_t, out_t, len_t, fin_t = _packed_run(torch, torch.nn.utils.rnn, theirs, xs_t[0], xs_t[1:],
                                           lengths, batch_first, enforce_sorted)
    assert isinstance(p_mg, PackedSequence)
    assert p_mg.batch_sizes.tolist() == p_t.batch_sizes.tolist()
    assert (p_mg.sorted_indices is None) == enforce_sorted
    if not enforce_sorted:
        assert p_mg.sorted_indices.tolist() == p_t.sorted_indices.tolist()
        assert p_mg.unsorted_indices.tolist() == p_t.unsorted_indices.tolist()
    assert len_mg.tolist() == len_t.tolist()
    outs_mg, outs_t = [p_mg.data, out_mg] + fin_mg, [p_t.data, out_t] + fin_t
    loss_mg, loss_t = 0, 0
    for i, (a, b) in enumerate(zip(outs_mg, outs_t)):
        assert tuple(a.shape) == tuple(b.shape) and a.dtype == mg.float64, f"output {i}"
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10,
                                   atol=1e-12, err_msg=f"output {i}")
        g = rng.standard_normal(tuple(b.shape))
        loss_mg = loss_mg + (a * mg.tensor(g)).sum()
        loss_t = loss_t + (b * torch.tensor(g)).sum()
    loss_mg.backward()
    loss_t.backward()
    for i, (a, b) in enumerate(zip(xs_mg, xs_t)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=f"gradient of input/state {i}")
    theirs_p = dict(theirs.named_parameters())
    assert list(dict(mine.named_parameters())) == list(theirs_p)
    for name, p in mine.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_p[name].grad.numpy(), rtol=1e-10,
                                   atol=1e-12, err_msg=f"gradient of parameter {name}")


@pytest.mark.parametrize("kind", list(KINDS))
def test_packed_single_layer_matches_torch(kind):
    torch = pytest.importorskip("torch")
    cls_name, extra = KINDS[kind]
    kwargs = dict(input_size=IN, hidden_size=HID, bidirectional=True, **extra)
    mine = getattr(nn, cls_name)(**kwargs, dtype=mg.float64)
    theirs = _torch_twin(torch, mine, cls_name, **kwargs)
    x = np.random.default_rng(4).standard_normal((L, N, IN))
    res_mg = _packed_run(mg, rnn_utils, mine, mg.tensor(x), [], UNSORTED, False, False)
    res_t = _packed_run(torch, torch.nn.utils.rnn, theirs, torch.tensor(x), [], UNSORTED,
                        False, False)
    for a, b in zip([res_mg[0].data, res_mg[1]] + res_mg[3], [res_t[0].data, res_t[1]] +
                    res_t[3]):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)


@pytest.mark.parametrize("kind", list(KINDS))
def test_packed_equals_each_sequence_run_alone(kind):
    """No torch needed: sequence b of a packed batch gives exactly what it gives on its own
    (its outputs, and final states taken at its own last step, both directions)."""
    cls_name, extra = KINDS[kind]
    mg.manual_seed(5)
    layer = getattr(nn, cls_name)(IN, HID, num_layers=2, bidirectional=True, batch_first=True,
                                  dtype=mg.float64, **extra)
    lengths = [3, 5, 1, 5]
    x = mg.randn(N, L, IN, dtype=mg.float64)
    shapes = _state_shapes(cls_name, extra, 4, N)
    states = [mg.randn(*s, dtype=mg.float64) for s in shapes]
    with mg.no_grad():
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, state = layer(packed, *_hx(states))
        padded, _ = pad_packed_sequence(out, batch_first=True)
        finals = _flat_state(state)
        for b, n in enumerate(lengths):
            alone_out, alone_state = layer(x[b:b + 1, :n], *_hx([s[:, b:b + 1] for s in states]))
            np.testing.assert_allclose(padded[b, :n].numpy(), alone_out[0].numpy(), rtol=1e-12,
                                       atol=1e-13)
            assert not padded[b, n:].numpy().any()
            for f, a in zip(finals, _flat_state(alone_state)):
                np.testing.assert_allclose(f[:, b].numpy(), a[:, 0].numpy(), rtol=1e-12,
                                           atol=1e-13)


def test_gradcheck_tiny_packed_lstm():
    mg.manual_seed(6)
    layer = nn.LSTM(2, 2, bidirectional=True, dtype=mg.float64)
    x = mg.randn(3, 3, 2, dtype=mg.float64, requires_grad=True)
    h0, c0 = (mg.randn(2, 3, 2, dtype=mg.float64, requires_grad=True) for _ in range(2))

    class Packed(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = layer

        def forward(self, x, h0, c0):
            packed = pack_padded_sequence(x, [2, 3, 1], enforce_sorted=False)
            out, (h, c) = self.layer(packed, (h0, c0))
            return pad_packed_sequence(out)[0], h, c

    assert mg.gradcheck_module(Packed(), (x, h0, c0))


def test_packed_float32_stays_float32():
    layer = nn.LSTM(IN, HID, num_layers=2, bidirectional=True, proj_size=PROJ, dropout=0.2)
    gru = nn.GRU(IN, HID, batch_first=True)
    x = mg.randn(L, N, IN, requires_grad=True)
    out, (h, c) = layer(pack_padded_sequence(x, UNSORTED, enforce_sorted=False))
    out2, h2 = gru(pack_sequence([x[:4, 0], x[:2, 1]]))
    padded, _ = pad_packed_sequence(out)
    assert all(t.dtype == mg.float32 for t in (out.data, padded, h, c, out2.data, h2))
    (padded.sum() + h.sum() + c.sum() + out2.data.sum() + h2.sum()).backward()
    assert x.grad.dtype == mg.float32
    for p in itertools.chain(layer.parameters(), gru.parameters()):
        assert p.grad.dtype == mg.float32


def test_packed_input_errors_name_the_layer():
    lstm = nn.LSTM(IN, HID, num_layers=2)
    packed = pack_padded_sequence(mg.randn(L, N, IN), UNSORTED, enforce_sorted=False)
    with pytest.raises(RuntimeError, match=r"LSTM: expected h_0 of shape \(2, 4, 4\), got "
                                           r"\(2, 3, 4\)"):
        lstm(packed, (mg.zeros(2, 3, HID), mg.zeros(2, 4, HID)))
    with pytest.raises(ValueError, match=r"GRU: expected packed data of shape \(sum\(lengths\), "
                                         r"2\), got shape \(13, 3\)"):
        nn.GRU(2, HID)(packed)
    with pytest.raises(ValueError, match=r"RNN: batch_sizes \[3, 1\] are not positive, "
                                         r"non-increasing and summing to the 5 rows"):
        nn.RNN(IN, HID)(PackedSequence(mg.randn(5, IN), [3, 1]))
    with pytest.raises(TypeError, match="RNN: input dtype float64 does not match parameter "
                                        "dtype float32"):
        nn.RNN(IN, HID)(PackedSequence(mg.randn(4, IN, dtype=mg.float64), [3, 1]))
