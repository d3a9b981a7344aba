"""masked_select, take, index_add/index_copy/index_fill (and their in-place forms), nonzero,
searchsorted, bucketize, unique, unique_consecutive, bincount, histc: the harness for the
differentiable ones, PyTorch agreement for index and count outputs, and errors naming the op."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from harness import OpSpec, OpSuite

MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, True]])
TAKE = np.array([[0, -1, 5], [11, 3, 3]])
COLS = np.array([0, 2, 0])   # a repeated index: index_add sums it
ROWS = np.array([2, 0])


def _np_index_add(x, src, axis, idx, alpha=1.0):
    out = x.copy()
    np.add.at(out, (slice(None),) * axis + (idx,), alpha * src)
    return out


def _np_index_copy(x, src, idx):
    out = x.copy()
    out[idx] = src
    return out


def _np_index_fill(x, v, idx):
    out = x.copy()
    out[:, idx] = v
    return out


def _mt(m, a, dtype=None):
    """An index/mask tensor for either library."""
    return m.tensor(a) if dtype is None else m.tensor(a, dtype=dtype)


OPS = [
    OpSpec("masked_select", lambda m, x: m.masked_select(x, _mt(m, MASK)),
           lambda x: x[MASK], [((3, 4),)]),
    OpSpec("masked_select_broadcast", lambda m, x: x.masked_select(_mt(m, MASK[:1])),
           lambda x: np.broadcast_to(x, (3, 4))[np.broadcast_to(MASK[:1], (3, 4))],
           [((3, 4),), ((3, 1),)]),
    OpSpec("take", lambda m, x: m.take(x, _mt(m, TAKE)), lambda x: x.reshape(-1)[TAKE],
           [((3, 4),), ((2, 6),)]),
    OpSpec("index_add", lambda m, x, s: m.index_add(x, 1, _mt(m, COLS), s, alpha=-1.5),
           lambda x, s: _np_index_add(x, s, 1, COLS, -1.5), [((3, 4), (3, 3))]),
    OpSpec("index_add_dim0", lambda m, x, s: x.index_add(0, _mt(m, ROWS), s),
           lambda x, s: _np_index_add(x, s, 0, ROWS), [((3, 4), (2, 4)), ((4, 2, 3), (2, 2, 3))]),
    OpSpec("index_copy", lambda m, x, s: m.index_copy(x, 0, _mt(m, ROWS), s),
           lambda x, s: _np_index_copy(x, s, ROWS), [((3, 4), (2, 4)), ((4, 2, 3), (2, 2, 3))]),
    OpSpec("index_fill_tensor_value", lambda m, x, v: m.index_fill(x, 1, _mt(m, ROWS), v),
           lambda x, v: _np_index_fill(x, v, ROWS), [((3, 4), ())]),
    OpSpec("index_fill_number", lambda m, x: x.index_fill(1, _mt(m, ROWS), 2.5),
           lambda x: _np_index_fill(x, 2.5, ROWS), [((3, 4),), ((2, 3, 5),)]),
]
for _spec in OPS:  # the index/mask arrays are fixed, so random shapes do not apply
    _spec.hyp_shapes = (lambda shapes: lambda: __import__("hypothesis").strategies.just(
        shapes))(_spec.shapes[0])


class TestSelectionMore(OpSuite):
    OPS = OPS


def _t(torch, a):
    return torch.tensor(np.asarray(a))


def _agree(ours, theirs):
    ours, theirs = ours.detach().numpy(), theirs.detach().numpy()
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, (ours.shape, theirs.shape,
                                                                      ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0, equal_nan=True)


def _agree_all(ours, theirs):
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        _agree(o, t)


def test_nonzero_matches_torch():
    torch = pytest.importorskip("torch")
    for a in (MASK, MASK.astype(np.float64) * 2.5, np.zeros((2, 0)), np.array(3.0),
              np.array(0), np.arange(-2, 3)):
        _agree(mg.nonzero(mg.tensor(a)), torch.nonzero(_t(torch, a)))
        _agree(mg.tensor(a).nonzero(), _t(torch, a).nonzero())
        _agree_all(mg.nonzero(mg.tensor(a), as_tuple=True),
                   torch.nonzero(_t(torch, a), as_tuple=True))


def test_searchsorted_and_bucketize_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    seq = np.array([1.0, 3.0, 3.0, 5.0, 7.0])
    values = np.array([[0.0, 3.0, 5.5], [7.0, 8.0, 3.0]])
    for kwargs in ({}, {"right": True}, {"side": "right"}, {"side": "left"},
                   {"out_int32": True}, {"right": True, "side": "right"}):
        _agree(mg.searchsorted(mg.tensor(seq), mg.tensor(values), **kwargs),
               torch.searchsorted(_t(torch, seq), _t(torch, values), **kwargs))
    for right in (False, True):
        for int32 in (False, True):
            _agree(mg.bucketize(mg.tensor(values), mg.tensor(seq), right=right, out_int32=int32),
                   torch.bucketize(_t(torch, values), _t(torch, seq), right=right,
                                   out_int32=int32))
        _agree(mg.bucketize(3.0, mg.tensor(seq), right=right),
               torch.bucketize(3.0, _t(torch, seq), right=right))
    rows = np.sort(rng.integers(0, 6, (2, 3, 6)), -1)
    vals = rng.integers(-1, 7, (2, 3, 4))
    _agree(mg.searchsorted(mg.tensor(rows), mg.tensor(vals), right=True),
           torch.searchsorted(_t(torch, rows), _t(torch, vals), right=True))
    unsorted = np.array([4.0, 1.0, 3.0, 2.0])
    sorter = np.argsort(unsorted)
    _agree(mg.searchsorted(mg.tensor(unsorted), mg.tensor(values), sorter=mg.tensor(sorter)),
           torch.searchsorted(_t(torch, unsorted), _t(torch, values), sorter=_t(torch, sorter)))
    _agree(mg.searchsorted(mg.tensor(seq), 3.0), torch.searchsorted(_t(torch, seq), 3.0))


def test_unique_and_unique_consecutive_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    for a in (rng.integers(0, 5, (3, 4)), np.array([2.5, np.nan, -1.0, 2.5]), np.zeros(0),
              np.array(3), np.array([True, False, True])):
        for inverse in (False, True):
            for counts in (False, True):
                for fn in ("unique", "unique_consecutive"):
                    ours = getattr(mg, fn)(mg.tensor(a), return_inverse=inverse,
                                           return_counts=counts)
                    theirs = getattr(torch, fn)(_t(torch, a), return_inverse=inverse,
                                                return_counts=counts)
                    if isinstance(theirs, tuple):
                        _agree_all(ours, theirs)
                    else:
                        _agree(ours, theirs)
    a = np.array([1, 1, 2, 2, 3, 1, 1])
    _agree_all(mg.tensor(a).unique_consecutive(return_counts=True),
               _t(torch, a).unique_consecutive(return_counts=True))
    _agree(mg.tensor(a).unique(sorted=False), _t(torch, a).unique(sorted=False))


def test_bincount_and_histc_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.integers(0, 6, 20)
    for minlength in (0, 3, 10):
        _agree(mg.bincount(mg.tensor(x), minlength=minlength),
               torch.bincount(_t(torch, x), minlength=minlength))
    for w in (rng.random(20).astype(np.float32), rng.random(20), rng.integers(0, 3, 20)):
        _agree(mg.bincount(mg.tensor(x), mg.tensor(w)), torch.bincount(_t(torch, x), _t(torch, w)))
    _agree(mg.bincount(mg.tensor(np.zeros(0, dtype=np.int64))),
           torch.bincount(_t(torch, np.zeros(0, dtype=np.int64))))
    h = rng.standard_normal(200)
    for dtype in (np.float64, np.float32):
        for args in ((), (7,), (5, -1, 1), (4, 0.5, 0.5), (10, -3.0, 2.0)):
            _agree(mg.histc(mg.tensor(h.astype(dtype)), *args),
                   torch.histc(_t(torch, h.astype(dtype)), *args))
    _agree(mg.tensor(np.array([2.0, 2.0])).histc(4), _t(torch, [2.0, 2.0]).histc(4))
    _agree(mg.histc(mg.tensor(np.zeros(0)), 3), torch.histc(_t(torch, np.zeros(0)), 3))


@pytest.mark.parametrize("name, args", [
    ("index_add_", lambda m, lib: (1, _mt(lib, COLS), m(np.ones((3, 3))))),
    ("index_copy_", lambda m, lib: (0, _mt(lib, ROWS), m(np.full((2, 4), 7.0)))),
    ("index_fill_", lambda m, lib: (1, _mt(lib, ROWS), -2.0)),
])
def test_in_place_variants_match_torch_and_refuse_lost_gradients(name, args):
    torch = pytest.importorskip("torch")
    base = np.arange(12.0).reshape(3, 4)
    ours, theirs = mg.tensor(base), _t(torch, base)
    assert getattr(ours, name)(*args(mg.tensor, mg)) is ours
    getattr(theirs, name)(*args(lambda a: _t(torch, a), torch))
    _agree(ours, theirs)
    leaf = mg.tensor(base, requires_grad=True)
    with pytest.raises(RuntimeError, match=name):
        getattr(leaf, name)(*args(mg.tensor, mg))
    with mg.no_grad():
        getattr(leaf, name)(*args(mg.tensor, mg))
    _agree(leaf, theirs)


def test_integer_and_float32_dtypes_are_kept():
    x = mg.tensor(np.arange(12).reshape(3, 4))
    assert mg.index_add(x, 0, mg.tensor(ROWS), mg.ones(2, 4, dtype=mg.int64)).dtype == mg.int64
    assert mg.index_fill(x, 1, mg.tensor(ROWS), 3).dtype == mg.int64
    f = mg.randn(3, 4).float().requires_grad_()
    for out in (mg.masked_select(f, mg.tensor(MASK)), mg.take(f, mg.tensor(TAKE)),
                mg.index_fill(f, 1, mg.tensor(ROWS), 2.5),
                mg.index_copy(f, 0, mg.tensor(ROWS), mg.ones(2, 4).float()),
                mg.index_add(f, 1, mg.tensor(COLS), mg.ones(3, 3).float(), alpha=0.5)):
        assert out.dtype == mg.float32
        f.grad = None
        out.sum().backward()
        assert f.grad.dtype == mg.float32
    assert mg.histc(mg.randn(5).float()).dtype == mg.float32
    assert mg.nonzero(f).dtype == mg.int64 and mg.unique(x, return_counts=True)[1].dtype == mg.int64


@pytest.mark.parametrize("call, exc, words", [
    (lambda x: mg.masked_select(x, mg.tensor(MASK.astype(np.int64))), RuntimeError,
     "masked_select: expected a bool mask"),
    (lambda x: mg.masked_select(x, mg.tensor(np.ones((2, 4), bool))), ValueError, "masked_select"),
    (lambda x: mg.take(x, mg.tensor([12])), IndexError, "take: index 12 is out of range"),
    (lambda x: mg.take(x, mg.tensor([-13])), IndexError, "take: index -13"),
    (lambda x: mg.take(x, [1]), TypeError, "take: index must be a Tensor"),
    (lambda x: mg.index_add(x, 0, mg.tensor([3]), mg.ones(1, 4, dtype=mg.float64)), IndexError,
     "index_add: index 3 is out of bounds"),
    (lambda x: mg.index_add(x, 0, mg.tensor([0]), mg.ones(2, 4, dtype=mg.float64)), IndexError,
     "index_add: source of shape"),
    (lambda x: mg.index_copy(x, 0, mg.tensor([0]), mg.ones(1, 4)), RuntimeError,
     "index_copy: source"),
    (lambda x: mg.index_fill(x, 2, mg.tensor([0]), 1.0), IndexError, "index_fill: dim 2"),
    (lambda x: mg.index_fill(x, 0, mg.tensor([[0]]), 1.0), IndexError, "index_fill: index must"),
    (lambda x: mg.searchsorted(x, mg.tensor([1.0])), RuntimeError, "searchsorted: boundaries"),
    (lambda x: mg.searchsorted(x[0], x, side="left", right=True), RuntimeError,
     "searchsorted: side and right"),
    (lambda x: mg.searchsorted(x[0], x, side="middle"), RuntimeError, "searchsorted: side"),
    (lambda x: mg.bucketize(x, x), RuntimeError, "bucketize: boundaries must be 1-D"),
    (lambda x: mg.bincount(mg.tensor([-1, 2])), RuntimeError, "bincount: only supports 1-d"),
    (lambda x: mg.bincount(x), RuntimeError, "bincount"),
    (lambda x: mg.bincount(mg.tensor([1, 2]), mg.ones(3)), RuntimeError, "bincount: weights"),
    (lambda x: mg.histc(mg.tensor([1, 2])), NotImplementedError, "histc"),
    (lambda x: mg.histc(x, 4, 2, 1), RuntimeError, "histc: max must be larger than min"),
    (lambda x: mg.histc(x, 0), RuntimeError, "histc: bins"),
    (lambda x: mg.unique(x, dim=2), IndexError, "unique: dim 2 is out of range"),
    (lambda x: mg.nonzero([1, 0]), TypeError, "nonzero"),
])
def test_errors_name_the_op(call, exc, words):
    x = mg.tensor(np.arange(12.0).reshape(3, 4))
    with pytest.raises(exc, match=words):
        call(x)
