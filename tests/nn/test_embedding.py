"""Embedding and F.embedding: lookups, gradients (gradcheck, gradgradcheck, repeated indices,
padding_idx, scale_grad_by_freq) and max_norm against PyTorch, initialisation, float32,
from_pretrained, state_dict/repr parity and index errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

INDICES = np.array([[1, 3, 3, 0], [4, 1, 1, 1]])


def _table(rows=5, cols=3, seed=0, dtype=mg.float64):
    values = np.random.default_rng(seed).standard_normal((rows, cols))
    return mg.tensor(values, dtype=dtype, requires_grad=True), values


def test_lookup_is_the_rows_at_the_indices():
    w, values = _table()
    for idx in (INDICES, INDICES[0], np.array(2), np.zeros((0, 2), dtype=np.int64)):
        out = F.embedding(mg.tensor(idx), w)
        assert tuple(out.shape) == idx.shape + (3,)
        np.testing.assert_array_equal(out.detach().numpy(), values[idx])
    out = F.embedding(mg.tensor(INDICES.astype(np.int32)), w)  # int32 indices work too
    np.testing.assert_array_equal(out.detach().numpy(), values[INDICES])


def test_gradcheck_and_gradgradcheck_with_repeated_indices():
    w, _ = _table()
    idx = mg.tensor(INDICES)
    assert mg.gradcheck(lambda w: F.embedding(idx, w), (w,))
    assert mg.gradgradcheck(lambda w: F.embedding(idx, w), (w,))
    # Through a non-linear use, so the second derivative is not trivially zero.
    assert mg.gradgradcheck(lambda w: F.embedding(idx, w).tanh() * 2, (w,))


def test_gradient_adds_up_repeated_indices():
    w, _ = _table()
    F.embedding(mg.tensor(INDICES), w).sum().backward()
    counts = np.bincount(INDICES.ravel(), minlength=5)
    np.testing.assert_array_equal(w.grad.numpy(), np.repeat(counts[:, None], 3, axis=1))


@pytest.mark.parametrize("padding_idx", [None, 1, -1, 0])
@pytest.mark.parametrize("scale_grad_by_freq", [False, True])
def test_gradients_match_torch(padding_idx, scale_grad_by_freq):
    torch = pytest.importorskip("torch")
    w, values = _table(seed=1)
    wt = torch.tensor(values, requires_grad=True)
    out = F.embedding(mg.tensor(INDICES), w, padding_idx=padding_idx,
                      scale_grad_by_freq=scale_grad_by_freq)
    out_t = torch.nn.functional.embedding(torch.tensor(INDICES), wt, padding_idx=padding_idx,
                                          scale_grad_by_freq=scale_grad_by_freq)
    np.testing.assert_array_equal(out.detach().numpy(), out_t.detach().numpy())
    g = np.random.default_rng(2).standard_normal(INDICES.shape + (3,))
    out.backward(mg.tensor(g, dtype=mg.float64))
    out_t.backward(torch.tensor(g))
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-12, atol=1e-15)
    if padding_idx is not None:
        assert not w.grad.numpy()[padding_idx].any()


@pytest.mark.parametrize("max_norm,norm_type", [(1.0, 2.0), (0.5, 1.0), (2.0, 3.0),
                                                (0.3, float("inf"))])
def test_max_norm_renormalises_looked_up_rows_like_torch(max_norm, norm_type):
    torch = pytest.importorskip("torch")
    values = np.random.default_rng(3).standard_normal((6, 4)) * 1.5
    layer = nn.Embedding(6, 4, max_norm=max_norm, norm_type=norm_type, dtype=mg.float64)
    layer_t = torch.nn.Embedding(6, 4, max_norm=max_norm, norm_type=norm_type).double()
    with mg.no_grad():
        layer.weight.copy_(mg.tensor(values, dtype=mg.float64))
    with torch.no_grad():
        layer_t.weight.copy_(torch.tensor(values))
    idx = np.array([[0, 2, 2], [5, 0, 3]])
    out, out_t = layer(mg.tensor(idx)), layer_t(torch.tensor(idx))
    np.testing.assert_allclose(out.detach().numpy(), out_t.detach().numpy(), rtol=1e-12)
    # The table itself was rescaled in place (rows 1 and 4 were not looked up: untouched).
    np.testing.assert_allclose(layer.weight.detach().numpy(), layer_t.weight.detach().numpy(),
                               rtol=1e-12)
    np.testing.assert_array_equal(layer.weight.detach().numpy()[[1, 4]], values[[1, 4]])
    g = np.random.default_rng(4).standard_normal(idx.shape + (4,))
    out.backward(mg.tensor(g, dtype=mg.float64))
    out_t.backward(torch.tensor(g))
    np.testing.assert_allclose(layer.weight.grad.numpy(), layer_t.weight.grad.numpy(), rtol=1e-12)


def test_module_init_padding_row_and_repr_match_torch():
    torch = pytest.importorskip("torch")
    layer = nn.Embedding(2000, 50, padding_idx=-3)
    assert layer.padding_idx == 1997
    values = layer.weight.detach().numpy()
    assert values.dtype == np.float32
    assert not values[1997].any()
    rest = np.delete(values, 1997, axis=0)
    assert abs(rest.mean()) < 0.01 and abs(rest.std() - 1.0) < 0.01  # N(0, 1), 99,950 draws
    for kwargs in ({}, {"padding_idx": 2}, {"max_norm": 1.0, "norm_type": 1.0},
                   {"scale_grad_by_freq": True}):
        ours, theirs = nn.Embedding(10, 3, **kwargs), torch.nn.Embedding(10, 3, **kwargs)
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]


def test_module_training_step_keeps_padding_row_and_float32():
    layer = nn.Embedding(7, 4, padding_idx=0)
    out = layer(mg.tensor([[0, 2, 0], [3, 0, 6]]))
    assert out.dtype == mg.float32
    (out * out).sum().backward()
    assert layer.weight.grad.dtype == mg.float32
    assert not layer.weight.grad.numpy()[0].any()
    assert layer.weight.grad.numpy()[[2, 3, 6]].all()
    with mg.no_grad():
        layer.weight.sub_(layer.weight.grad)
    assert not layer.weight.detach().numpy()[0].any()


def test_from_pretrained_freezes_by_default_and_shares_memory():
    table = mg.tensor(np.arange(12.0).reshape(4, 3))
    layer = nn.Embedding.from_pretrained(table)
    assert not layer.weight.requires_grad
    np.testing.assert_array_equal(layer(mg.tensor([3, 1])).numpy(), [[9, 10, 11], [3, 4, 5]])
    trainable = nn.Embedding.from_pretrained(table, freeze=False, padding_idx=0)
    assert trainable.weight.requires_grad and trainable.padding_idx == 0
    # The given table is used as is: from_pretrained does not zero the padding row.
    np.testing.assert_array_equal(trainable.weight.detach().numpy()[0], [0, 1, 2])


def test_index_errors_are_clear():
    w, _ = _table()
    with pytest.raises(IndexError, match=r"embedding: index 5 is out of range for an embedding "
                                         r"table of 5 rows \(weight of shape \(5, 3\); valid "
                                         r"indices are 0..4\)"):
        F.embedding(mg.tensor([0, 5]), w)
    with pytest.raises(IndexError, match="embedding: index -1 is out of range"):
        nn.Embedding(5, 3)(mg.tensor([[-1, 2]]))
    with pytest.raises(TypeError, match="embedding: expected an integer tensor of indices "
                                        r"\(int64 or int32\), got float32"):
        F.embedding(mg.tensor([0.0, 1.0]), w)
    with pytest.raises(ValueError, match=r"embedding: weight must be 2-D"):
        F.embedding(mg.tensor([0]), mg.ones(5))
    with pytest.raises(ValueError, match="Embedding: padding_idx=5 must be within "
                                         "num_embeddings=5"):
        nn.Embedding(5, 3, padding_idx=5)
    with pytest.raises(ValueError, match="embedding: padding_idx=-6 must be within"):
        F.embedding(mg.tensor([0]), w, padding_idx=-6)
    with pytest.raises(NotImplementedError, match="sparse=True is not supported"):
        nn.Embedding(5, 3, sparse=True)
    with pytest.raises(NotImplementedError, match="sparse=True is not supported"):
        F.embedding(mg.tensor([0]), w, sparse=True)
    with pytest.raises(ValueError, match=r"Embedding: _weight of shape \(5, 3\) does not match"):
        nn.Embedding(4, 3, _weight=w.detach())
    with pytest.raises(ValueError, match="Embedding: num_embeddings must be a non-negative int"):
        nn.Embedding(-1, 3)


def test_one_hot_matches_torch():
    torch = pytest.importorskip("torch")
    idx = np.array([[0, 3], [2, 1]])
    for n in (-1, 5):
        ours = F.one_hot(mg.tensor(idx), n)
        theirs = torch.nn.functional.one_hot(torch.tensor(idx), n)
        assert ours.dtype == mg.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scatter_rows_adds_repeats_exactly_across_slices(dtype):
    # 2500 rows of 1024 values: three slices of scatter_rows' million-element loop, with
    # repeated indices (including a row that repeats across slices)
    from minigrad.nn.sparse import scatter_rows
    rng = np.random.default_rng(5)
    idx = rng.integers(0, 40, (50, 50))
    idx[:, 0] = 7
    rows = rng.standard_normal((50, 50, 1024)).astype(dtype)
    expected = np.zeros((40, 1024), dtype)
    np.add.at(expected, idx.reshape(-1), rows.reshape(-1, 1024))
    got = scatter_rows(rows, idx.astype(np.int32), 40, np)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, expected)  # the same additions in the same order


def test_first_order_gradient_equals_the_create_graph_one():
    # the plain-array backward and the tensor-op backward (create_graph=True) agree
    w, _ = _table(6, 4, seed=3)
    idx = mg.tensor([[0, 5, 5, 2], [2, 2, 1, 0]])
    g = mg.tensor(np.random.default_rng(4).standard_normal((2, 4, 4)),
                  requires_grad=True)  # so that the graph path builds a graph
    for kwargs in ({}, {"padding_idx": 2}, {"scale_grad_by_freq": True}):
        out = F.embedding(idx, w, **kwargs)
        (fast,) = mg.autograd.grad(out, w, g, retain_graph=True)
        (graph,) = mg.autograd.grad(out, w, g, create_graph=True)
        assert graph.requires_grad
        np.testing.assert_allclose(fast.numpy(), graph.detach().numpy(), rtol=1e-15)
