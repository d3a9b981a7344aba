"""EmbeddingBag / F.embedding_bag: PyTorch agreement (forward, table and per_sample_weights
gradients) over modes, input forms, include_last_offset, padding_idx, per_sample_weights and
max_norm; scale_grad_by_freq against its documented meaning; gradcheck in float64; float32
end to end; errors as PyTorch."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

from ._torch_compare import copy_torch_weights

# (input, offsets, include_last_offset): 2-D bags; 1-D with offsets (an empty bag in the
# middle and at the end); CSR-style offsets whose last entry closes the last bag.
FORMS = {
    "2d": ([[1, 2, 3], [4, 0, 4], [6, 6, 5]], None, False),
    "offsets": ([1, 2, 3, 4, 5, 6, 0, 2], [0, 2, 2, 5, 8], False),
    "last_offset": ([1, 2, 3, 4, 5, 6, 0], [0, 2, 2, 5, 7], True),
}


def _run(torch, form, mode, padding_idx=None, psw=False, max_norm=None, seed=0):
    inp, offsets, last = FORMS[form]
    rng = np.random.default_rng(seed)
    layer = nn.EmbeddingBag(7, 3, mode=mode, padding_idx=padding_idx, max_norm=max_norm,
                            include_last_offset=last).double()
    twin = torch.nn.EmbeddingBag(7, 3, mode=mode, padding_idx=padding_idx, max_norm=max_norm,
                                 include_last_offset=last).double()
    copy_torch_weights(layer, twin)
    weights = rng.uniform(0.5, 1.5, np.shape(inp)) if psw else None
    w_mg = mg.tensor(weights, requires_grad=True) if psw else None
    w_t = torch.tensor(weights, requires_grad=True) if psw else None
    off_mg = None if offsets is None else mg.tensor(offsets)
    off_t = None if offsets is None else torch.tensor(offsets)
    out = layer(mg.tensor(inp), off_mg, per_sample_weights=w_mg)
    ref = twin(torch.tensor(inp), off_t, per_sample_weights=w_t)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12,
                               atol=1e-14)
    g = rng.standard_normal(tuple(ref.shape))
    out.backward(mg.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(layer.weight.grad.numpy(), twin.weight.grad.numpy(), rtol=1e-12,
                               atol=1e-14)
    if psw:
        np.testing.assert_allclose(w_mg.grad.numpy(), w_t.grad.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(layer.weight.detach().numpy(), twin.weight.detach().numpy(),
                               rtol=1e-12)  # max_norm renormalised the same rows
    return out


@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_matches_torch_over_modes_forms_and_padding(form, mode, padding_idx):
    torch = pytest.importorskip("torch")
    out = _run(torch, form, mode, padding_idx)
    assert out.shape == (len(FORMS[form][1]) - FORMS[form][2] if FORMS[form][1] else 3, 3)


@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("padding_idx", [None, 4])
def test_per_sample_weights_match_torch(form, padding_idx):
    torch = pytest.importorskip("torch")
    _run(torch, form, "sum", padding_idx, psw=True)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_max_norm_matches_torch(mode):
    torch = pytest.importorskip("torch")
    _run(torch, "offsets", mode, max_norm=0.7)


def test_empty_bags_give_zeros_and_no_bags_an_empty_output():
    torch = pytest.importorskip("torch")
    w = np.random.default_rng(1).standard_normal((5, 2))
    for mode in ("sum", "mean", "max"):
        out = F.embedding_bag(mg.tensor([1, 3]), mg.tensor(w), mg.tensor([0, 0, 2]), mode=mode)
        ref = torch.nn.functional.embedding_bag(torch.tensor([1, 3]), torch.tensor(w),
                                                torch.tensor([0, 0, 2]), mode=mode)
        np.testing.assert_array_equal(out.numpy(), ref.numpy())
        assert not out.numpy()[[0, 2]].any()
    none = F.embedding_bag(mg.tensor([1, 2]), mg.tensor(w), mg.tensor([], dtype=mg.int64))
    assert none.shape == (0, 2)
    all_empty = F.embedding_bag(mg.tensor([], dtype=mg.int64), mg.tensor(w), mg.tensor([0, 0]),
                                mode="max")
    assert all_empty.shape == (2, 2) and not all_empty.numpy().any()


def test_int32_indices_and_offsets():
    torch = pytest.importorskip("torch")
    w = np.random.default_rng(2).standard_normal((6, 3))
    out = F.embedding_bag(mg.tensor([1, 2, 5], dtype=mg.int32), mg.tensor(w),
                          mg.tensor([0, 1], dtype=mg.int32), mode="sum")
    ref = torch.nn.functional.embedding_bag(torch.tensor([1, 2, 5], dtype=torch.int32),
                                            torch.tensor(w), torch.tensor([0, 1], dtype=torch.int32),
                                            mode="sum")
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-12)


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_scale_grad_by_freq_divides_by_the_index_count_as_embedding(mode):
    """The documented rule (as F.embedding): each row's gradient divided by how often its
    index occurs in the input. The oracle is torch's F.embedding plus the bag reduction
    (PyTorch 2.13's embedding_bag CPU kernel divides some rows by another index's count)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    w = rng.standard_normal((6, 3))
    idx, offsets = [2, 3, 3, 1, 1, 1, 5], [0, 3, 4]
    w_mg = mg.tensor(w, requires_grad=True)
    out = F.embedding_bag(mg.tensor(idx), w_mg, mg.tensor(offsets), mode=mode,
                          scale_grad_by_freq=True)
    w_t = torch.tensor(w, requires_grad=True)
    rows = torch.nn.functional.embedding(torch.tensor(idx), w_t, scale_grad_by_freq=True)
    bounds = offsets + [len(idx)]
    reduce = torch.sum if mode == "sum" else torch.mean
    ref = torch.stack([reduce(rows[a:b], 0) for a, b in zip(bounds[:-1], bounds[1:])])
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
    g = rng.standard_normal(tuple(ref.shape))
    out.backward(mg.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(w_mg.grad.numpy(), w_t.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_gradcheck_and_gradgradcheck(mode):
    rng = np.random.default_rng(4)
    w = mg.tensor(rng.standard_normal((6, 3)), requires_grad=True)
    idx, offsets = mg.tensor([1, 2, 3, 2, 5, 0, 4]), mg.tensor([0, 3, 3, 5])
    assert mg.gradcheck(lambda w: F.embedding_bag(idx, w, offsets, mode=mode, padding_idx=0),
                        (w,))
    assert mg.gradgradcheck(lambda w: F.embedding_bag(idx, w, offsets, mode=mode) ** 2, (w,))
    if mode == "sum":
        psw = mg.tensor(rng.uniform(0.5, 1.5, 7), requires_grad=True)
        assert mg.gradcheck(lambda w, p: F.embedding_bag(idx, w, offsets, mode="sum",
                                                         per_sample_weights=p), (w, psw))
        assert mg.gradgradcheck(lambda w, p: F.embedding_bag(idx, w, offsets, mode="sum",
                                                             per_sample_weights=p) ** 2, (w, psw))
    layer = nn.EmbeddingBag(6, 3, mode=mode).double()
    assert mg.gradcheck_module(layer, (mg.tensor([[1, 2], [3, 3]]),))


def test_float32_stays_float32():
    layer = nn.EmbeddingBag(6, 3, mode="sum", padding_idx=1)
    psw = mg.rand(5).requires_grad_()
    for mode in ("sum", "mean", "max"):
        layer.mode = mode
        out = layer(mg.tensor([1, 2, 3, 4, 5]), mg.tensor([0, 2]),
                    per_sample_weights=psw if mode == "sum" else None)
        out.sum().backward()
        assert out.dtype == mg.float32 and layer.weight.grad.dtype == mg.float32
    assert psw.grad.dtype == mg.float32


def test_module_init_repr_state_dict_and_from_pretrained():
    torch = pytest.importorskip("torch")
    for kwargs in ({}, {"mode": "sum", "padding_idx": 1, "max_norm": 1.0},
                   {"mode": "max", "norm_type": 3.0, "include_last_offset": True},
                   {"scale_grad_by_freq": True}):
        ours, theirs = nn.EmbeddingBag(5, 3, **kwargs), torch.nn.EmbeddingBag(5, 3, **kwargs)
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
    mg.manual_seed(0)
    big = nn.EmbeddingBag(1000, 50, padding_idx=3).weight.detach().numpy()
    assert not big[3].any() and abs(big.std() - 1.0) < 0.02 and abs(big.mean()) < 0.02
    table = mg.randn(4, 2)
    frozen = nn.EmbeddingBag.from_pretrained(table, mode="sum")
    assert not frozen.weight.requires_grad and frozen.mode == "sum"
    np.testing.assert_array_equal(frozen(mg.tensor([[0, 1]])).detach().numpy(),
                                  (table[0] + table[1]).numpy()[None])
    assert nn.EmbeddingBag.from_pretrained(table, freeze=False).weight.requires_grad


def test_errors_as_torch():
    w = mg.randn(6, 3)
    with pytest.raises(RuntimeError, match="embedding_bag: offsets\\[0\\] has to be 0"):
        F.embedding_bag(mg.tensor([1, 2, 3]), w, mg.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="offsets\\[-1\\] can not be greater than input's "
                                           "length 3 but got offsets\\[-1\\] of 5"):
        F.embedding_bag(mg.tensor([1, 2, 3]), w, mg.tensor([0, 5]))
    with pytest.raises(RuntimeError, match="offsets must be non-decreasing"):
        F.embedding_bag(mg.tensor([1, 2, 3]), w, mg.tensor([0, 2, 1]))
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        F.embedding_bag(mg.tensor([1, 2, 3]), w)
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        F.embedding_bag(mg.tensor([[1, 2]]), w, mg.tensor([0]))
    with pytest.raises(ValueError, match="input has to be 1D or 2D Tensor, but got Tensor of "
                                         "dimension 3"):
        F.embedding_bag(mg.tensor([[[1, 2]]]), w)
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for "
                                                  "mode='sum' \\(got mode='mean'\\)"):
        F.embedding_bag(mg.tensor([[1, 2]]), w, per_sample_weights=mg.ones(1, 2))
    with pytest.raises(ValueError, match=r"If per_sample_weights \(\(1, 3\)\) is not None, then "
                                         r"it must have the same shape as the input \(\(1, 2\)\)"):
        F.embedding_bag(mg.tensor([[1, 2]]), w, mode="sum", per_sample_weights=mg.ones(1, 3))
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
        F.embedding_bag(mg.tensor([[1, 2]]), w, mode="median")
    with pytest.raises(ValueError, match="max mode does not support scaling the gradient"):
        F.embedding_bag(mg.tensor([[1, 2]]), w, mode="max", scale_grad_by_freq=True)
    with pytest.raises(IndexError, match="embedding_bag: index 7 is out of range for an "
                                         "embedding table of 6 rows"):
        F.embedding_bag(mg.tensor([[1, 7]]), w)
    with pytest.raises(TypeError, match="expected an integer tensor of indices"):
        F.embedding_bag(mg.tensor([[1.0, 2.0]]), w)
    with pytest.raises(ValueError, match="weight has to be a 2D Tensor"):
        F.embedding_bag(mg.tensor([[1, 2]]), w[0])
    with pytest.raises(ValueError, match="EmbeddingBag: padding_idx=9 must be within "
                                         "num_embeddings=6"):
        nn.EmbeddingBag(6, 3, padding_idx=9)
    with pytest.raises(ValueError, match="EmbeddingBag: mode has to be one of"):
        nn.EmbeddingBag(6, 3, mode="min")
    with pytest.raises(NotImplementedError, match="sparse=True is not supported"):
        nn.EmbeddingBag(6, 3, sparse=True)


@pytest.mark.parametrize("mode", ["sum", "mean"])
@pytest.mark.parametrize("form", sorted(FORMS))
def test_bag_sum_first_order_gradient_equals_the_create_graph_one(mode, form):
    # BagSum's plain-array backward and its tensor-op backward (create_graph=True) agree
    inp, offsets, last = FORMS[form]
    w = mg.tensor(np.random.default_rng(6).standard_normal((7, 3)), requires_grad=True)
    out = F.embedding_bag(mg.tensor(inp), w, None if offsets is None else mg.tensor(offsets),
                          mode=mode, include_last_offset=last, padding_idx=2)
    g = mg.tensor(np.random.default_rng(7).standard_normal(tuple(out.shape)),
                  requires_grad=True)  # so that the graph path builds a graph
    (fast,) = mg.autograd.grad(out, w, g, retain_graph=True)
    (graph,) = mg.autograd.grad(out, w, g, create_graph=True)
    assert graph.requires_grad
    np.testing.assert_allclose(fast.numpy(), graph.detach().numpy(), rtol=1e-15)
