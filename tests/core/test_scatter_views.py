"""Scatter views and index writes (ops/scatter_views.py, ops/index_writes.py):
diagonal/select/slice_scatter, Tensor.unfold, as_strided, split_with_sizes, sum_to_size,
index_put(_), put(_), masked_scatter(_), index_reduce(_). The differentiable ones go through
the OpSuite harness (gradcheck, gradgradcheck, NumPy reference, float32, torch); targeted
tests cover options, edge cases, in-place forms and errors."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st

import minigrad as mg
from harness import OpSpec, OpSuite, distinct


def _np_slice_scatter(x, s, dim, start, end, step):
    out = x.copy()
    out[(slice(None),) * dim + (slice(start, end, step),)] = s
    return out


def _np_select_scatter(x, s, dim, i):
    out = x.copy()
    out[(slice(None),) * dim + (i,)] = s
    return out


def _np_diagonal_scatter(x, s, offset, d1, d2):
    out = np.moveaxis(x.copy(), (d1, d2), (-2, -1))
    n = s.shape[-1]
    r, c = max(-offset, 0), max(offset, 0)
    out[..., np.arange(n) + r, np.arange(n) + c] = s
    return np.moveaxis(out, (-2, -1), (d1, d2))


def _np_unfold(x, dim, size, step):
    count = (x.shape[dim] - size) // step + 1
    windows = [np.take(x, np.arange(i * step, i * step + size), axis=dim) for i in range(count)]
    return np.moveaxis(np.stack(windows, axis=dim), dim + 1, -1)


def _np_index_put(x, rows, cols, v, accumulate):
    out = x.copy()
    if accumulate:
        np.add.at(out, (rows, cols), np.broadcast_to(v, rows.shape))
    else:
        out[rows, cols] = v
    return out


def _np_put(x, idx, s, accumulate):
    out = x.copy().reshape(-1)
    idx = idx.reshape(-1) % out.size
    if accumulate:
        np.add.at(out, idx, s.reshape(-1))
    else:
        out[idx] = s.reshape(-1)
    return out.reshape(x.shape)


_MASK = np.array([[True, False, True, True], [False, False, True, False],
                  [True, True, False, False]])


def _np_masked_scatter(x, s):
    out = x.copy()
    out[_MASK] = s.reshape(-1)[:_MASK.sum()]
    return out


def _np_index_reduce(x, dim, idx, s, reduce, include_self):
    out = np.moveaxis(x.copy(), dim, 0)
    src = np.moveaxis(s, dim, 0)
    for target in set(idx.tolist()):
        parts = [src[j] for j in range(len(idx)) if idx[j] == target]
        if include_self:
            parts.append(out[target])
        stack = np.stack(parts)
        out[target] = {"prod": stack.prod(0), "mean": stack.mean(0), "amax": stack.max(0),
                       "amin": stack.min(0)}[reduce]
    return np.moveaxis(out, 0, dim)


def _shifted(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """``distinct`` moved off its grid: the source never ties with the input (amax/amin)."""
    return distinct(rng, shape) + 0.05


_ROWS, _COLS = [0, 2, 1, 0], [1, 3, 3, 2]   # distinct positions: the write is deterministic
_REP = [0, 2, 0]                             # a repeated target for the reductions

OPS = [
    OpSpec("slice_scatter", lambda m, x, s: m.slice_scatter(x, s, 1, 1, None, 2),
           lambda x, s: _np_slice_scatter(x, s, 1, 1, None, 2), [((3, 5, 2), (3, 2, 2))],
           hyp_shapes=lambda: st.integers(1, 3).map(lambda n: ((n, 5), (n, 2)))),
    OpSpec("slice_scatter_dim0_neg", lambda m, x, s: m.slice_scatter(x, s, -2, -3, -1),
           lambda x, s: _np_slice_scatter(x, s, 0, -3, -1, 1), [((4, 3), (2, 3))],
           hyp_shapes=lambda: st.integers(1, 3).map(lambda n: ((4, n), (2, n)))),
    OpSpec("select_scatter", lambda m, x, s: m.select_scatter(x, s, 1, -1),
           lambda x, s: _np_select_scatter(x, s, 1, -1), [((3, 4), (3,)), ((2, 3, 4), (2, 4))],
           hyp_shapes=lambda: st.integers(1, 3).map(lambda n: ((n, 4), (n,)))),
    OpSpec("diagonal_scatter", lambda m, x, s: m.diagonal_scatter(x, s, 1, 0, 2),
           lambda x, s: _np_diagonal_scatter(x, s, 1, 0, 2), [((3, 2, 4), (2, 3))],
           hyp_shapes=lambda: st.integers(1, 3).map(lambda n: ((3, n, 4), (n, 3)))),
    OpSpec("diagonal_scatter_neg", lambda m, x, s: m.diagonal_scatter(x, s, -1),
           lambda x, s: _np_diagonal_scatter(x, s, -1, 0, 1), [((4, 3), (3,)), ((3, 3), (2,))],
           hyp_shapes=lambda: st.just(((4, 3), (3,)))),
    OpSpec("unfold", lambda m, x: x.unfold(1, 3, 2), lambda x: _np_unfold(x, 1, 3, 2),
           [((2, 7, 3),), ((1, 3),)],
           hyp_shapes=lambda: st.integers(3, 8).map(lambda n: ((2, n),))),
    OpSpec("unfold_overlap_last", lambda m, x: x.unfold(-1, 2, 1), lambda x: _np_unfold(x, 1, 2, 1),
           [((3, 5),)], hyp_shapes=lambda: st.integers(2, 6).map(lambda n: ((2, n),))),
    OpSpec("as_strided_overlap", lambda m, x: m.as_strided(x, (3, 3), (2, 1), 1),
           lambda x: x.reshape(-1)[1 + np.arange(3)[:, None] * 2 + np.arange(3)], [((3, 4),)],
           hyp_shapes=lambda: st.just(((3, 4),))),
    OpSpec("sum_to_size", lambda m, x: x.sum_to_size(3, 1),
           lambda x: x.sum(0).sum(-1, keepdims=True), [((2, 3, 4),)],
           hyp_shapes=lambda: st.just(((2, 3, 4),))),
    OpSpec("split_with_sizes", lambda m, x: m.cat([p * (i + 1) for i, p in
                                                   enumerate(x.split_with_sizes([1, 0, 3], 1))], 1),
           lambda x: np.concatenate([x[:, :1], x[:, 1:] * 3], 1), [((2, 4),)],
           hyp_shapes=lambda: st.just(((2, 4),))),
    OpSpec("index_put", lambda m, x, v: m.index_put(x, (m.tensor(_ROWS), m.tensor(_COLS)), v),
           lambda x, v: _np_index_put(x, np.array(_ROWS), np.array(_COLS), v, False),
           [((3, 4), (4,)), ((3, 4), (1,))], hyp_shapes=lambda: st.just(((3, 4), (4,)))),
    OpSpec("index_put_accumulate",
           lambda m, x, v: x.index_put((m.tensor([0, 2, 0]), m.tensor([1, 3, 1])), v, True),
           lambda x, v: _np_index_put(x, np.array([0, 2, 0]), np.array([1, 3, 1]), v, True),
           [((3, 4), (3,))], hyp_shapes=lambda: st.just(((3, 4), (3,)))),
    OpSpec("index_put_rows", lambda m, x, v: m.index_put(x, (m.tensor([2, 0]),), v),
           lambda x, v: _np_select_rows(x, v), [((3, 4), (2, 4)), ((3, 4), (4,))],
           hyp_shapes=lambda: st.just(((3, 4), (4,)))),
    OpSpec("put", lambda m, x, s: m.put(x, m.tensor([[0, -1], [5, 2]]), s),
           lambda x, s: _np_put(x, np.array([[0, -1], [5, 2]]), s, False), [((3, 4), (2, 2))],
           hyp_shapes=lambda: st.just(((3, 4), (2, 2)))),
    OpSpec("put_accumulate", lambda m, x, s: x.put(m.tensor([1, -1, 1]), s, True),
           lambda x, s: _np_put(x, np.array([1, -1, 1]), s, True), [((3, 4), (3,))],
           hyp_shapes=lambda: st.just(((3, 4), (3,)))),
    OpSpec("masked_scatter", lambda m, x, s: m.masked_scatter(x, m.tensor(_MASK), s),
           _np_masked_scatter, [((3, 4), (2, 5)), ((3, 4), (6,))],
           hyp_shapes=lambda: st.just(((3, 4), (7,)))),
]
for _reduce in ("prod", "mean", "amax", "amin"):
    for _incl in (True, False):
        OPS.append(OpSpec(
            f"index_reduce_{_reduce}_{_incl}",
            lambda m, x, s, r=_reduce, i=_incl: x.index_reduce(1, m.tensor(_REP), s, r,
                                                               include_self=i),
            lambda x, s, r=_reduce, i=_incl: _np_index_reduce(x, 1, np.array(_REP), s, r, i),
            [((2, 4), (2, 3))], domain=[distinct, _shifted],
            hyp_shapes=lambda: st.just(((2, 4), (2, 3)))))


def _np_select_rows(x, v):
    out = x.copy()
    out[[2, 0]] = v
    return out


class TestScatterViews(OpSuite):
    OPS = OPS


# --- torch agreement beyond the harness --------------------------------------------------
def test_index_put_bool_and_broadcast_match_torch() -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    mask = x > 0
    for idx_mg, idx_t in (((mg.tensor(mask),), (torch.tensor(mask),)),
                          ((mg.tensor(mask[:, 0]),), (torch.tensor(mask[:, 0]),))):
        for acc in (False, True):
            a, ta = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
            v, tv = mg.tensor([2.5], requires_grad=True), torch.tensor([2.5], requires_grad=True)
            out, tout = mg.index_put(a, idx_mg, v, acc), torch.index_put(ta, idx_t, tv, acc)
            np.testing.assert_allclose(out.to_numpy(), tout.detach().numpy())
            w = np.arange(12.0).reshape(3, 4)
            (out * mg.tensor(w)).sum().backward()
            (tout * torch.tensor(w)).sum().backward()
            np.testing.assert_allclose(a.grad.to_numpy(), ta.grad.numpy())
            np.testing.assert_allclose(v.grad.to_numpy(), tv.grad.numpy())


def test_scatter_views_match_torch_edge_cases() -> None:
    torch = pytest.importorskip("torch")
    x = np.arange(24.0).reshape(2, 3, 4)
    cases = [
        (lambda m, a: m.slice_scatter(a, m.zeros(2, 3, 0, dtype=a.dtype), 2, 4)),
        (lambda m, a: m.slice_scatter(a, m.ones(2, 3, 2, dtype=a.dtype), -1, step=3)),
        (lambda m, a: m.select_scatter(a, m.ones(3, 4, dtype=a.dtype), 0, 1)),
        (lambda m, a: m.diagonal_scatter(a, m.ones(2, 0, dtype=a.dtype), 5, 1, 2)),
        (lambda m, a: m.diagonal_scatter(a, m.ones(3, 2, dtype=a.dtype), 0, -1, 0)),
        (lambda m, a: a.unfold(2, 4, 3)),
        (lambda m, a: a.unfold(0, 1, 5)),
        (lambda m, a: a.unfold(1, 0, 1)),
        (lambda m, a: m.as_strided(a, (2, 2, 2), (1, 6, 3), 2)),
        (lambda m, a: m.as_strided(a, (0, 3), (1, 1))),
        (lambda m, a: a.sum_to_size(1, 3, 1)),
        (lambda m, a: a.sum_to_size((2, 3, 4))),
        (lambda m, a: m.put(a, m.tensor([], dtype=m.int64), m.tensor([], dtype=a.dtype))),
    ]
    for case in cases:
        np.testing.assert_array_equal(case(mg, mg.tensor(x)).to_numpy(),
                                      case(torch, torch.tensor(x)).numpy())
    np.testing.assert_array_equal(mg.tensor(3.0).unfold(0, 1, 1).to_numpy(),
                                  torch.tensor(3.0).unfold(0, 1, 1).numpy())
    pieces = mg.split_with_sizes(mg.tensor(x), [3, 0, 1], -1)
    tpieces = torch.split_with_sizes(torch.tensor(x), [3, 0, 1], -1)
    for p, tp in zip(pieces, tpieces):
        np.testing.assert_array_equal(p.to_numpy(), tp.numpy())


def test_masked_scatter_broadcast_mask_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    x = np.zeros((2, 3))
    mask = np.array([True, False, True])
    src = np.arange(10.0).reshape(2, 5)
    out = mg.masked_scatter(mg.tensor(x), mg.tensor(mask), mg.tensor(src))
    np.testing.assert_array_equal(out.to_numpy(), torch.tensor(x).masked_scatter(
        torch.tensor(mask), torch.tensor(src)).numpy())
    y = mg.tensor(x)
    assert y.masked_scatter_(mg.tensor(mask), mg.tensor(src)) is y
    np.testing.assert_array_equal(y.to_numpy(), out.to_numpy())


def test_index_reduce_int_and_in_place_match_torch() -> None:
    torch = pytest.importorskip("torch")
    x = np.arange(12).reshape(3, 4)
    src = np.arange(6).reshape(3, 2) + 1
    idx = np.array([3, 3])
    for reduce in ("prod", "mean", "amax", "amin"):
        for incl in (True, False):
            a = mg.tensor(x)
            out = a.index_reduce_(1, mg.tensor(idx), mg.tensor(src), reduce, include_self=incl)
            t = torch.tensor(x).index_reduce_(1, torch.tensor(idx), torch.tensor(src), reduce,
                                              include_self=incl)
            assert out is a and a.dtype == mg.int64
            np.testing.assert_array_equal(a.to_numpy(), t.numpy())


def test_in_place_forms_write_and_refuse_leaves() -> None:
    x = mg.zeros(3, 4)
    x.index_put_((mg.tensor([0, 0]), mg.tensor([1, 1])), mg.tensor([1.0, 2.0]), accumulate=True)
    x.put_(mg.tensor([11]), mg.tensor([5.0]))
    assert x.to_numpy()[0, 1] == 3.0 and x.to_numpy()[2, 3] == 5.0
    assert x.dtype == mg.float32
    leaf = mg.zeros(3, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match="index_put_"):
        leaf.index_put_((mg.tensor([0]),), mg.ones(4))
    with pytest.raises(RuntimeError, match="put_"):
        leaf.put_(mg.tensor([0]), mg.ones(1))


@pytest.mark.parametrize("call, exc, match", [
    (lambda: mg.slice_scatter(mg.zeros(3, 4), mg.zeros(3, 3), 1, 0, 2), RuntimeError,
     r"slice_scatter.*src size = \(3, 3\), slice size = \(3, 2\)"),
    (lambda: mg.select_scatter(mg.zeros(3, 4), mg.zeros(3), 1, 4), IndexError,
     r"select_scatter: index 4 out of range.*size 4"),
    (lambda: mg.diagonal_scatter(mg.zeros(3), mg.zeros(3)), RuntimeError,
     r"diagonal_scatter.*at least 2 dimensions"),
    (lambda: mg.diagonal_scatter(mg.zeros(3, 3), mg.zeros(3, dtype=mg.float64)), RuntimeError,
     r"diagonal_scatter.*dtype"),
    (lambda: mg.zeros(3, 4).unfold(1, 5, 1), RuntimeError, r"unfold: maximum size.*is 4"),
    (lambda: mg.zeros(3, 4).unfold(1, 2, 0), RuntimeError, r"unfold: step is 0"),
    (lambda: mg.as_strided(mg.zeros(2, 2), (3,), (2,)), RuntimeError,
     r"as_strided.*out of\s+bounds.*\(2, 2\)"),
    (lambda: mg.split_with_sizes(mg.zeros(5), [2, 2]), RuntimeError,
     r"split_with_sizes.*sum exactly to 5"),
    (lambda: mg.zeros(2, 3).sum_to_size(3, 3), RuntimeError, r"sum_to_size.*not expandable"),
    (lambda: mg.index_put(mg.zeros(3), (mg.tensor([0]),), mg.zeros(1, dtype=mg.float64)),
     RuntimeError, r"index_put.*dtypes match"),
    (lambda: mg.index_put(mg.zeros(3), (mg.tensor([0, 1]),), mg.zeros(3)), RuntimeError,
     r"index_put: shape mismatch.*\(3,\).*\(2,\)"),
    (lambda: mg.index_put(mg.zeros(3), (mg.tensor([3]),), mg.zeros(1)), IndexError,
     r"out of range"),
    (lambda: mg.index_put(mg.zeros(3), [0], mg.zeros(1)), TypeError, r"index_put.*Tensors"),
    (lambda: mg.put(mg.zeros(3), mg.tensor([0, 1]), mg.zeros(3)), RuntimeError,
     r"put: Expected source and index to have the same number"),
    (lambda: mg.put(mg.zeros(3), mg.tensor([-4]), mg.zeros(1)), IndexError,
     r"put: index -4 is out of range.*3 elements"),
    (lambda: mg.masked_scatter(mg.zeros(3), mg.tensor([True, True, False]), mg.zeros(1)),
     RuntimeError, r"masked_scatter: Number of elements of source < number of ones"),
    (lambda: mg.masked_scatter(mg.zeros(3), mg.ones(3), mg.zeros(3)), RuntimeError,
     r"masked_scatter: expected mask to be a bool"),
    (lambda: mg.index_reduce(mg.zeros(3), 0, mg.tensor([0]), mg.zeros(1), "sum"), RuntimeError,
     r"index_reduce: reduce argument must be either prod, mean, amax or amin"),
    (lambda: mg.index_reduce(mg.zeros(3, 2), 0, mg.tensor([0]), mg.zeros(2, 2), "amax"),
     IndexError, r"index_reduce: source of shape \(2, 2\)"),
])
def test_errors_name_the_op_and_shapes(call, exc, match) -> None:
    with pytest.raises(exc, match=match):
        call()


def test_errors_match_torch_types() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.slice_scatter(torch.zeros(3, 4), torch.zeros(3, 3), 1, 0, 2)
    with pytest.raises(RuntimeError):
        torch.zeros(3, 4).unfold(1, 5, 1)
    with pytest.raises(RuntimeError):
        torch.zeros(2, 3).sum_to_size(3, 3)
    with pytest.raises(RuntimeError):
        torch.masked_scatter(torch.zeros(3), torch.tensor([True, True, False]), torch.zeros(1))
    with pytest.raises(IndexError):
        torch.put(torch.zeros(3), torch.tensor([-4]), torch.zeros(1))
