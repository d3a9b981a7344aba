"""gather/scatter family, index_select, masked_fill, take_along_dim, tril/triu, diag/diagonal/trace.

Index tensors are built from the input's shape with a fixed seed, so the same indices reach
minigrad, NumPy and torch. scatter is only checked with unique indices: with repeated ones
PyTorch's result is unspecified.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from harness import OpSpec, OpSuite, distinct


def _dup_index(shape: tuple, dim: int, n: int, seed: int = 0) -> np.ndarray:
    """Indices into ``shape`` along ``dim`` (repeats likely), ``n`` of them along ``dim``."""
    out_shape = tuple(n if d == dim else s for d, s in enumerate(shape))
    return np.random.default_rng(seed).integers(0, shape[dim], size=out_shape)


def _unique_index(shape: tuple, dim: int, n: int, seed: int = 0) -> np.ndarray:
    """``n`` distinct indices along ``dim`` for each position of the other dims."""
    keys = np.random.default_rng(seed).random(shape)
    order = np.argsort(keys, axis=dim)
    return np.take(order, np.arange(min(n, shape[dim])), axis=dim)


def _as(lib, a: np.ndarray):
    return lib.tensor(a)


def _torch_unique(torch, x, dim: int, n: int):
    return torch.tensor(_unique_index(tuple(x.shape), dim, n))


def _mask(shape: tuple) -> np.ndarray:
    """A fixed pattern over the last dim (broadcast over the others)."""
    return (np.arange(shape[-1]) % 3 == 1) if shape else np.array(True)


def _put_along(x: np.ndarray, idx: np.ndarray, src: np.ndarray, axis: int) -> np.ndarray:
    out = x.copy()
    np.put_along_axis(out, idx, src[tuple(slice(0, s) for s in idx.shape)], axis=axis)
    return out


def _scatter_add_ref(x: np.ndarray, idx: np.ndarray, src: np.ndarray, axis: int) -> np.ndarray:
    out = x.copy()
    src = src[tuple(slice(0, s) for s in idx.shape)]
    for pos in np.ndindex(*idx.shape):
        target = list(pos)
        target[axis] = idx[pos]
        out[tuple(target)] += src[pos]
    return out


def _min_dims(n: int) -> callable:
    return lambda: hnp.array_shapes(min_dims=n, max_dims=3, min_side=1, max_side=4).map(
        lambda s: (s,))


def _x_and_bigger_src() -> st.SearchStrategy:
    return hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4).map(
        lambda s: (s, tuple(d + 1 for d in s)))


def _x_and_scalar() -> st.SearchStrategy:
    return hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4).map(lambda s: (s, ()))


def _square_batches() -> st.SearchStrategy:
    return hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4).map(lambda s: (s,))


OPS = [
    OpSpec("gather_dim1_repeats",
           lambda m, x: m.gather(x, 1, _as(m, _dup_index(tuple(x.shape), 1, 5))),
           lambda x: np.take_along_axis(x, _dup_index(x.shape, 1, 5), 1),
           [((3, 4),), ((2, 3, 4),)], hyp_shapes=_min_dims(2)),
    OpSpec("gather_neg_dim_smaller_index",
           lambda m, x: x.gather(-2, _as(m, _dup_index(tuple(x.shape), -2, 2)[..., :1])),
           lambda x: np.take_along_axis(x[..., :1], _dup_index(x.shape, -2, 2)[..., :1], -2),
           [((3, 4),), ((2, 4, 3),)], hyp_shapes=_min_dims(2)),
    OpSpec("take_along_dim_broadcast",
           lambda m, x: m.take_along_dim(x, _as(m, _dup_index((1,) + tuple(x.shape[1:]), 1, 3)),
                                         dim=1),
           lambda x: np.take_along_axis(x, _dup_index((1,) + x.shape[1:], 1, 3), 1),
           [((3, 4),), ((2, 3, 4),)], hyp_shapes=_min_dims(2)),
    OpSpec("take_along_dim_flat",
           lambda m, x: m.take_along_dim(x, _as(m, _dup_index((x.numel(),), 0, 4))),
           lambda x: x.reshape(-1)[_dup_index((x.size,), 0, 4)],
           [((3, 4),), ((5,),)], hyp_shapes=_min_dims(1),
           torch_fn=lambda t, x: t.take_along_dim(x, t.tensor(_dup_index((x.numel(),), 0, 4)))),
    OpSpec("scatter_src_unique",
           lambda m, x, s: m.scatter(x, 1, _as(m, _unique_index(tuple(x.shape), 1, 2)), s),
           lambda x, s: _put_along(x, _unique_index(x.shape, 1, 2), s, 1),
           [((3, 4), (3, 2)), ((2, 3, 4), (3, 4, 5))], hyp_shapes=_x_and_bigger_src,
           # torch's own backward fails for a src larger than index: give it the used block.
           torch_fn=lambda t, x, s: t.scatter(x, 1, _torch_unique(t, x, 1, 2),
                                              s[tuple(slice(0, n) for n in
                                                      _torch_unique(t, x, 1, 2).shape)])),
    OpSpec("scatter_value_dim0",
           lambda m, x: x.scatter(0, _as(m, _unique_index(tuple(x.shape), 0, 1)), 2.5),
           lambda x: _put_along(x, _unique_index(x.shape, 0, 1),
                                np.full(x.shape, 2.5), 0),
           [((3, 4),), ((4,),)], hyp_shapes=_min_dims(1),
           torch_fn=lambda t, x: x.scatter(0, t.tensor(_unique_index(tuple(x.shape), 0, 1)),
                                           value=2.5)),
    OpSpec("scatter_add_repeats",
           lambda m, x, s: m.scatter_add(x, 1, _as(m, _dup_index(tuple(x.shape), 1, 5)), s),
           lambda x, s: _scatter_add_ref(x, _dup_index(x.shape, 1, 5), s, 1),
           [((3, 4), (3, 5)), ((2, 3, 2), (3, 5, 6))],
           torch_fn=lambda t, x, s: t.scatter_add(
               x, 1, t.tensor(_dup_index(tuple(x.shape), 1, 5)),
               s[tuple(slice(0, n) for n in _dup_index(tuple(x.shape), 1, 5).shape)]),
           hyp_shapes=lambda: hnp.array_shapes(min_dims=2, max_dims=3, min_side=1,
                                               max_side=4).map(
               lambda s: (s, tuple(d + 1 if i != 1 else 5 for i, d in enumerate(s))))),
    OpSpec("index_select_dim0_repeats",
           lambda m, x: m.index_select(x, 0, _as(m, _dup_index((x.shape[0],), 0, 4))),
           lambda x: x[_dup_index((x.shape[0],), 0, 4)],
           [((3, 4),), ((5,),), ((2, 3, 4),)], hyp_shapes=_min_dims(1)),
    OpSpec("index_select_last_dim",
           lambda m, x: x.index_select(-1, _as(m, np.array([x.shape[-1] - 1, 0]))),
           lambda x: x[..., [x.shape[-1] - 1, 0]],
           [((3, 4),), ((2, 3, 2),)], hyp_shapes=_min_dims(1)),
    OpSpec("masked_fill_scalar_broadcast_mask",
           lambda m, x: m.masked_fill(x, _as(m, _mask(tuple(x.shape))), -1.5),
           lambda x: np.where(_mask(x.shape), -1.5, x),
           [((3, 4),), ((2, 3, 4),), ((),)], hyp_shapes=_min_dims(0)),
    OpSpec("masked_fill_tensor_value",
           lambda m, x, v: x.masked_fill(_as(m, _mask(tuple(x.shape))), v),
           lambda x, v: np.where(_mask(x.shape), v, x),
           [((3, 4), ()), ((2, 3, 5), ())], hyp_shapes=_x_and_scalar),
    OpSpec("tril", lambda m, x: m.tril(x), np.tril, [((3, 4),), ((2, 4, 3),)],
           hyp_shapes=_square_batches),
    OpSpec("triu_offsets", lambda m, x: m.triu(x, 1) + x.triu(-1) * 2,
           lambda x: np.triu(x, 1) + np.triu(x, -1) * 2, [((3, 4),), ((2, 4, 3),)],
           hyp_shapes=_square_batches),
    OpSpec("diag_vector_to_matrix", lambda m, x: m.diag(x, 1) + x.diag(-1).T,
           lambda x: np.diag(x, 1) + np.diag(x, -1).T, [((3,),), ((1,),)],
           hyp_shapes=lambda: st.integers(1, 5).map(lambda n: ((n,),))),
    OpSpec("diag_matrix_to_vector", lambda m, x: x.diag() * 2 + m.diag(x, 1)[:1].sum(),
           lambda x: np.diag(x) * 2 + np.diag(x, 1)[:1].sum(), [((3, 4),), ((4, 3),)],
           hyp_shapes=lambda: st.tuples(st.integers(1, 4), st.integers(2, 5)).map(
               lambda t: (t,))),
    OpSpec("diagonal_dims_offset", lambda m, x: m.diagonal(x, -1, 2, 0),
           lambda x: np.diagonal(x, -1, 2, 0), [((3, 2, 4),), ((2, 3, 2),)],
           hyp_shapes=lambda: hnp.array_shapes(min_dims=3, max_dims=3, min_side=1,
                                               max_side=4).map(lambda s: (s,))),
    OpSpec("diagonal_default", lambda m, x: x.diagonal(), lambda x: np.diagonal(x),
           [((3, 4),), ((3, 2, 2),)], hyp_shapes=_square_batches),
    OpSpec("trace", lambda m, x: m.trace(x), np.trace, [((3, 4),), ((4, 3),)],
           hyp_shapes=lambda: st.tuples(st.integers(1, 4), st.integers(1, 4)).map(
               lambda t: (t,))),
]


class TestIndexingOps(OpSuite):
    OPS = OPS


# --- arguments and edge cases --------------------------------------------------------------------
def test_gather_matches_torch_on_integers_and_empty_index() -> None:
    torch = pytest.importorskip("torch")
    x = np.arange(12).reshape(3, 4)
    idx = _dup_index((3, 4), 1, 6, seed=3)
    out = mg.gather(mg.tensor(x), 1, mg.tensor(idx))
    assert out.dtype == mg.int64
    np.testing.assert_array_equal(out.numpy(), torch.gather(torch.tensor(x), 1,
                                                            torch.tensor(idx)).numpy())
    empty = mg.gather(mg.tensor(x, dtype=mg.float64), 1, mg.zeros(3, 0, dtype=mg.int64))
    assert empty.shape == (3, 0)


def test_gather_backward_adds_repeated_positions() -> None:
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mg.gather(x, 0, mg.tensor([2, 2, 0, 2])).sum().backward()
    expected = np.bincount([2, 2, 0, 2], minlength=3).astype(np.float32)
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_gather_0d() -> None:
    x = mg.tensor(3.0, requires_grad=True)
    out = mg.gather(x, 0, mg.tensor(0))
    assert out.shape == () and out.item() == 3.0
    out.backward()
    assert x.grad.shape == () and x.grad.item() == 1.0


@pytest.mark.parametrize("bad", [3, -1])
def test_gather_index_out_of_bounds_is_a_clear_error(bad) -> None:
    with pytest.raises(IndexError, match=rf"gather: index {bad} is out of bounds for dimension 1 "
                                         r"with size 3 \(input of shape \(2, 3\)\)"):
        mg.gather(mg.zeros(2, 3), 1, mg.tensor([[0, bad]]))


def test_gather_and_scatter_shape_errors() -> None:
    x = mg.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"gather: index must have as many dimensions as the "
                                           r"input, got index of shape \(2,\)"):
        mg.gather(x, 1, mg.tensor([0, 1]))
    with pytest.raises(RuntimeError, match=r"gather: index of shape \(3, 1\) is larger than the "
                                           r"input of shape \(2, 3\) in dimension 0"):
        mg.gather(x, 1, mg.zeros(3, 1, dtype=mg.int64))
    with pytest.raises(RuntimeError, match="gather: expected index of dtype int64 or int32, "
                                           "got float32"):  # torch: RuntimeError too
        mg.gather(x, 1, mg.zeros(2, 1))
    with pytest.raises(IndexError, match=r"gather: dim 2 is out of range for a tensor of shape "
                                         r"\(2, 3\)"):
        mg.gather(x, 2, mg.zeros(2, 1, dtype=mg.int64))
    for bad_dim, kind in ((1.0, "float"), (True, "bool")):  # torch: TypeError, not a range error
        with pytest.raises(TypeError, match=f"gather: dim must be an int, got {kind}"):
            mg.gather(x, bad_dim, mg.zeros(2, 1, dtype=mg.int64))
    with pytest.raises(RuntimeError, match=r"scatter: index of shape \(2, 2\) is larger than src "
                                           r"of shape \(2, 1\)"):
        mg.scatter(x, 1, mg.zeros(2, 2, dtype=mg.int64), mg.zeros(2, 1))
    with pytest.raises(RuntimeError, match="scatter: expected src of dtype float32"):
        mg.scatter(x, 1, mg.zeros(2, 1, dtype=mg.int64), mg.zeros(2, 1, dtype=mg.float64))
    with pytest.raises(IndexError, match="scatter_add: index 5 is out of bounds"):
        mg.scatter_add(x, 1, mg.tensor([[5]]), mg.zeros(1, 1))
    with pytest.raises(RuntimeError, match="scatter: reduce argument must be either add or "
                                           "multiply, got 'max'"):
        mg.scatter(x, 1, mg.zeros(2, 1, dtype=mg.int64), 1.0, reduce="max")


def test_scatter_add_repeats_match_torch_in_float32() -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    src = np.random.default_rng(2).standard_normal((3, 6)).astype(np.float32)
    idx = _dup_index((3, 4), 1, 6, seed=4)
    out = mg.scatter_add(mg.tensor(x), 1, mg.tensor(idx), mg.tensor(src))
    assert out.dtype == mg.float32
    expected = torch.scatter_add(torch.tensor(x), 1, torch.tensor(idx), torch.tensor(src))
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6, atol=1e-6)


def test_scatter_inplace_one_hot_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    labels = np.array([2, 0, 3])
    out = mg.zeros(3, 4).scatter_(1, mg.tensor(labels).unsqueeze(1), 1.0)
    expected = torch.zeros(3, 4).scatter_(1, torch.tensor(labels).unsqueeze(1), 1.0)
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    acc = mg.zeros(4).scatter_add_(0, mg.tensor([1, 1, 3]), mg.ones(3))
    np.testing.assert_array_equal(acc.numpy(), [0, 2, 0, 1])


def test_scatter_inplace_refuses_a_leaf_that_requires_grad() -> None:
    x = mg.zeros(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="scatter_: a leaf tensor that requires grad"):
        x.scatter_(1, mg.zeros(2, 1, dtype=mg.int64), 1.0)


def test_scatter_gradients_mask_overwritten_input_and_gather_src() -> None:
    x = mg.tensor(np.arange(6.0).reshape(2, 3), dtype=mg.float64, requires_grad=True)
    src = mg.tensor(np.ones((2, 2)), dtype=mg.float64, requires_grad=True)
    idx = np.array([[2, 0], [1, 2]])
    g = np.arange(6.0).reshape(2, 3) + 10
    mg.scatter(x, 1, mg.tensor(idx), src).backward(mg.tensor(g, dtype=mg.float64))
    keep = np.ones((2, 3))
    np.put_along_axis(keep, idx, 0, 1)
    np.testing.assert_array_equal(x.grad.numpy(), g * keep)
    np.testing.assert_array_equal(src.grad.numpy(), np.take_along_axis(g, idx, 1))


def test_index_select_errors_and_0d() -> None:
    x = mg.zeros(2, 3)
    with pytest.raises(IndexError, match=r"index_select: index must be a vector \(0-d or 1-d\), "
                                         r"got shape \(1, 1\)"):
        mg.index_select(x, 1, mg.tensor([[0]]))
    with pytest.raises(IndexError, match="index_select: index -1 is out of bounds for "
                                         "dimension 1 with size 3"):
        mg.index_select(x, 1, mg.tensor([-1]))
    out = mg.index_select(mg.tensor([[1.0, 2.0], [3.0, 4.0]]), 1, mg.tensor(1))
    np.testing.assert_array_equal(out.numpy(), [[2.0], [4.0]])


def test_masked_fill_errors() -> None:
    x = mg.zeros(2, 3)
    with pytest.raises(TypeError, match="masked_fill: only boolean masks are supported, got a "
                                        "int64 mask"):
        mg.masked_fill(x, mg.tensor([1, 0, 1]), 0.0)
    # out of place a larger mask broadcasts the result (as PyTorch); in place it cannot
    assert mg.masked_fill(x, mg.ones(4, 2, 3, dtype=mg.bool), 1.0).shape == (4, 2, 3)
    with pytest.raises(RuntimeError, match=r"masked_fill_: mask of shape \(4, 2, 3\) does not "
                                           r"broadcast to the input's shape \(2, 3\)"):
        x.masked_fill_(mg.ones(4, 2, 3, dtype=mg.bool), 0.0)
    with pytest.raises(ValueError, match="masked_fill"):
        mg.masked_fill(x, mg.ones(4, dtype=mg.bool), 0.0)
    with pytest.raises(RuntimeError, match=r"masked_fill: value must be a number or a 0-d "
                                           r"tensor, got a tensor of shape \(1,\)"):
        mg.masked_fill(x, mg.ones(3, dtype=mg.bool), mg.tensor([1.0]))


def test_masked_fill_keeps_float32_with_a_float64_value() -> None:
    x = mg.zeros(2, 3, requires_grad=True)
    v = mg.tensor(2.0, dtype=mg.float64, requires_grad=True)
    out = x.masked_fill(mg.tensor([True, False, True]), v)
    assert out.dtype == mg.float32
    out.sum().backward()
    assert x.grad.dtype == mg.float32 and v.grad.dtype == mg.float64
    assert v.grad.item() == 4.0


def test_masked_fill_minus_inf_before_softmax_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    scores = np.random.default_rng(5).standard_normal((2, 4))
    causal = np.triu(np.ones((4, 4), dtype=bool), 1)[:2]
    g = np.random.default_rng(6).standard_normal((2, 4))
    x = mg.tensor(scores, requires_grad=True)
    out = x.masked_fill(mg.tensor(causal), float("-inf")).softmax(-1)
    out.backward(mg.tensor(g))
    t = torch.tensor(scores, requires_grad=True)
    tout = t.masked_fill(torch.tensor(causal), float("-inf")).softmax(-1)
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-14)
    assert np.isfinite(x.grad.numpy()).all()


def test_masked_fill_inplace() -> None:
    x = mg.zeros(2, 3)
    y = x.masked_fill_(mg.tensor([False, True, False]), 7.0)
    assert y is x
    np.testing.assert_array_equal(x.numpy(), [[0, 7, 0], [0, 7, 0]])
    w = mg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="masked_fill_: a leaf tensor that requires grad"):
        w.masked_fill_(mg.tensor([True, False, False]), 1.0)
    with mg.no_grad():
        w.masked_fill_(mg.tensor([True, False, False]), 1.0)
    np.testing.assert_array_equal(w.detach().numpy(), [1, 0, 0])


def test_masked_fill_inplace_invalidates_saved_tensors() -> None:
    x = mg.ones(3, requires_grad=True)
    y = x * 1
    z = (y.detach() * x).sum()  # saves y's memory... and x
    with pytest.raises(RuntimeError, match="masked_fill_: this tensor shares its memory"):
        y.masked_fill_(mg.tensor([True, False, False]), 0.0)  # y.detach() in z's graph
    d = mg.ones(3)
    out = (x * d).sum()
    d.masked_fill_(mg.tensor([True, False, False]), 0.0)
    with pytest.raises(RuntimeError, match="modified in place"):
        out.backward()
    z.backward()


def test_triangle_diag_trace_errors() -> None:
    with pytest.raises(RuntimeError, match=r"tril: input must have at least 2 dimensions, got "
                                           r"shape \(3,\)"):
        mg.tril(mg.zeros(3))
    with pytest.raises(RuntimeError, match=r"triu: input must have at least 2 dimensions"):
        mg.zeros(3).triu()
    with pytest.raises(RuntimeError, match=r"diag: supports 1-D or 2-D tensors, got shape "
                                           r"\(2, 3, 4\)"):
        mg.diag(mg.zeros(2, 3, 4))
    with pytest.raises(RuntimeError, match=r"diagonal: dim1 and dim2 cannot be the same "
                                           r"dimension \(1, -2\)"):
        mg.diagonal(mg.zeros(2, 3, 4), 0, 1, -2)
    with pytest.raises(RuntimeError, match=r"trace: expected a matrix, got a tensor of shape "
                                           r"\(2, 3, 4\)"):
        mg.trace(mg.zeros(2, 3, 4))


def test_integer_inputs_and_far_offsets_match_torch() -> None:
    torch = pytest.importorskip("torch")
    a = np.arange(12).reshape(3, 4)
    for fn in (lambda m, x: m.trace(x), lambda m, x: m.tril(x, -5), lambda m, x: m.triu(x, 2),
               lambda m, x: m.diagonal(x, 7), lambda m, x: m.diag(x, -2),
               lambda m, x: m.diag(x[0], 2)):
        out, expected = fn(mg, mg.tensor(a)), fn(torch, torch.tensor(a))
        assert out.dtype == mg.int64
        assert tuple(out.shape) == tuple(expected.shape)
        np.testing.assert_array_equal(out.numpy(), expected.numpy())


# --- sort, argsort, topk (values through the harness; indices against torch) -------------------
def _sorted(x: np.ndarray, axis: int, descending: bool = False) -> np.ndarray:
    out = np.sort(x, axis=axis)
    return np.flip(out, axis=axis) if descending else out


def _topk(x: np.ndarray, k: int, axis: int, largest: bool) -> np.ndarray:
    return np.take(_sorted(x, axis, largest), np.arange(k), axis=axis)


SORTING = [
    OpSpec("sort_values", lambda m, x: m.sort(x).values, lambda x: _sorted(x, -1),
           [((3, 4),), ((5,),), ((2, 3, 4),)], domain=distinct, min_dims=1),
    OpSpec("sort_descending_dim0", lambda m, x: x.sort(0, descending=True)[0],
           lambda x: _sorted(x, 0, True), [((4, 3),), ((3, 2, 2),)], domain=distinct,
           min_dims=1),
    OpSpec("sort_stable_dim1", lambda m, x: x.sort(dim=1, stable=True).values,
           lambda x: _sorted(x, 1), [((3, 4),)], domain=distinct, min_dims=2),
    OpSpec("topk_largest", lambda m, x: m.topk(x, 2).values, lambda x: _topk(x, 2, -1, True),
           [((3, 4),), ((2, 3, 5),)], domain=distinct,
           hyp_shapes=lambda: hnp.array_shapes(min_dims=1, max_dims=3, min_side=2,
                                               max_side=4).map(lambda s: (s,))),
    OpSpec("topk_smallest_dim0", lambda m, x: x.topk(1, dim=0, largest=False)[0],
           lambda x: _topk(x, 1, 0, False), [((3, 4),), ((4,),)], domain=distinct, min_dims=1),
]


class TestSorting(OpSuite):
    OPS = SORTING


def _assert_same_sort(out, expected) -> None:
    np.testing.assert_array_equal(out[0].detach().numpy(), expected[0].detach().numpy())
    np.testing.assert_array_equal(out[1].numpy(), expected[1].numpy())
    assert out[1].dtype == mg.int64


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_indices_match_torch(dim, descending) -> None:
    torch = pytest.importorskip("torch")
    a = distinct(np.random.default_rng(7), (3, 4, 5))
    _assert_same_sort(mg.tensor(a).sort(dim, descending),
                      torch.tensor(a).sort(dim, descending))
    np.testing.assert_array_equal(mg.argsort(mg.tensor(a), dim, descending).numpy(),
                                  torch.argsort(torch.tensor(a), dim, descending).numpy())


@pytest.mark.parametrize("descending", [False, True])
def test_stable_sort_keeps_ties_in_order_and_nan_is_largest_like_torch(descending) -> None:
    torch = pytest.importorskip("torch")
    nan = float("nan")
    a = np.array([[2.0, 1.0, 2.0, nan, 1.0, 0.0, nan, 2.0],
                  [1.0, 1.0, 1.0, 0.0, 0.0, 3.0, 3.0, 1.0]])
    out = mg.tensor(a).sort(-1, descending=descending, stable=True)
    expected = torch.tensor(a).sort(dim=-1, descending=descending, stable=True)
    _assert_same_sort(out, expected)
    ints = np.array([3, 1, 3, 2, 1, 3])
    _assert_same_sort(mg.tensor(ints).sort(descending=descending, stable=True),
                      torch.tensor(ints).sort(descending=descending, stable=True))


@pytest.mark.parametrize("k, dim, largest", [(2, -1, True), (1, 0, False), (3, 1, True),
                                             (0, -1, True), (5, 2, False)])
def test_topk_matches_torch(k, dim, largest) -> None:
    torch = pytest.importorskip("torch")
    a = distinct(np.random.default_rng(8), (3, 4, 5))
    _assert_same_sort(mg.tensor(a).topk(k, dim, largest),
                      torch.tensor(a).topk(k, dim, largest))


def test_topk_gradient_goes_to_the_chosen_positions() -> None:
    x = mg.tensor([[0.5, 3.0, -1.0, 2.0]], dtype=mg.float64, requires_grad=True)
    values, indices = x.topk(2)
    values.backward(mg.tensor([[10.0, 20.0]], dtype=mg.float64))
    expected = np.zeros((1, 4))
    expected[0, indices.numpy()[0]] = [10.0, 20.0]
    assert sorted(indices.numpy()[0].tolist()) == [1, 3]
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_sort_of_0d_and_empty() -> None:
    values, indices = mg.tensor(3.0).sort()
    assert values.shape == () and indices.shape == () and indices.item() == 0
    values, indices = mg.zeros(2, 0).sort()
    assert values.shape == (2, 0) and indices.shape == (2, 0)
    assert mg.tensor(3.0).topk(1).values.item() == 3.0


def test_sorting_errors() -> None:
    x = mg.zeros(2, 3)
    with pytest.raises(IndexError, match=r"sort: dim 2 is out of range for a tensor of shape "
                                         r"\(2, 3\)"):
        x.sort(2)
    with pytest.raises(IndexError, match="argsort: dim -3 is out of range|sort: dim -3"):
        mg.argsort(x, -3)
    with pytest.raises(RuntimeError, match=r"topk: k=4 is out of range for dimension -1 of size "
                                           r"3 \(tensor of shape \(2, 3\)\)"):
        x.topk(4)
    with pytest.raises(RuntimeError, match="topk: k=-1 is out of range"):
        x.topk(-1)
    with pytest.raises(TypeError, match="topk: k must be an int, got float"):
        x.topk(1.0)
