"""tensor_split, hsplit/vsplit/dsplit, hstack/vstack/row_stack/dstack/column_stack,
atleast_1d/2d/3d, block_diag, cartesian_prod, combinations, rot90, fliplr, flipud, select,
repeat_interleave, diag_embed, diagflat, vander, triu_indices, tril_indices, logspace: the
harness for the differentiable ones, PyTorch agreement over options, and errors naming the op."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st

import minigrad as mg
from harness import OpSpec, OpSuite, away_from_zero

REPEATS = np.array([1, 0, 3, 2])


def _joined(m, parts):
    """Tuple outputs as one tensor, each part weighted differently so a mix-up shows."""
    return m.cat([p.reshape(-1) * (i + 1) for i, p in enumerate(parts)])


def _np_split(x, spec, axis):
    return np.concatenate([p.reshape(-1) * (i + 1) for i, p in
                           enumerate(np.array_split(x, spec, axis))])


def _np_rot90(x, k, axes):
    return np.rot90(x, k, axes)


def _np_diag_embed(x, offset, d1, d2):
    n = x.shape[-1] + abs(offset)
    out = np.zeros(x.shape[:-1] + (n, n))
    i = np.arange(x.shape[-1])
    out[..., i + max(-offset, 0), i + max(offset, 0)] = x
    return np.moveaxis(out, (-2, -1), (d1, d2))


def _np_block_diag(*xs):
    blocks = [np.atleast_2d(x) for x in xs]
    out = np.zeros((sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)))
    r = c = 0
    for b in blocks:
        out[r:r + b.shape[0], c:c + b.shape[1]] = b
        r, c = r + b.shape[0], c + b.shape[1]
    return out


def _np_combinations(x, r, replacement):
    import itertools
    pick = itertools.combinations_with_replacement if replacement else itertools.combinations
    return np.array(list(pick(x, r))).reshape(-1, r)


def fixed(*shapes):
    return lambda: st.just(shapes)


OPS = [
    OpSpec("tensor_split_sections", lambda m, x: _joined(m, m.tensor_split(x, 3, 1)),
           lambda x: _np_split(x, 3, 1), [((2, 7),), ((3, 4, 2),)], hyp_shapes=fixed((4, 5))),
    OpSpec("tensor_split_indices", lambda m, x: _joined(m, x.tensor_split([1, 3, 9], 0)),
           lambda x: _np_split(x, [1, 3, 9], 0), [((5, 2),), ((4,),)], hyp_shapes=fixed((6,))),
    OpSpec("hsplit", lambda m, x: _joined(m, m.hsplit(x, 2)), lambda x: _np_split(x, 2, 1),
           [((3, 4),), ((2, 6, 3),)], hyp_shapes=fixed((1, 2))),
    OpSpec("vsplit_dsplit", lambda m, x: _joined(m, m.vsplit(x, [1]) + m.dsplit(x, [1])),
           lambda x: np.concatenate([_np_split(x, [1], 0), _np_split(x, [1], 2) * 0 +
                                     np.concatenate([p.reshape(-1) * (i + 3) for i, p in
                                                     enumerate(np.array_split(x, [1], 2))])]),
           [((3, 2, 4),)], hyp_shapes=fixed((2, 2, 2))),
    OpSpec("hstack", lambda m, a, b: m.hstack([a, b]), lambda a, b: np.hstack([a, b]),
           [((3, 2), (3, 4)), ((4,), (2,))], hyp_shapes=fixed((2, 3), (2, 1))),
    OpSpec("vstack", lambda m, a, b: m.vstack((a, b)), lambda a, b: np.vstack([a, b]),
           [((3,), (2, 3)), ((2, 3, 2), (1, 3, 2))], hyp_shapes=fixed((4,), (4,))),
    OpSpec("row_stack", lambda m, a, b: m.row_stack([a, b]), lambda a, b: np.vstack([a, b]),
           [((2, 3), (1, 3))], hyp_shapes=fixed((), ())),
    OpSpec("dstack", lambda m, a, b: m.dstack([a, b]), lambda a, b: np.dstack([a, b]),
           [((3,), (3,)), ((2, 3), (2, 3)), ((2, 3, 1), (2, 3, 2))], hyp_shapes=fixed((), ())),
    OpSpec("column_stack", lambda m, a, b: m.column_stack([a, b]),
           lambda a, b: np.column_stack([a, b]), [((3,), (3, 2)), ((), ())],
           hyp_shapes=fixed((2,), (2,))),
    OpSpec("atleast_nd", lambda m, x: m.atleast_1d(x).sum() + m.atleast_2d(x).sum(0).sum() * 2
           + m.atleast_3d(x).sum(-1).sum() * 3,
           lambda x: np.atleast_1d(x).sum() + np.atleast_2d(x).sum(0).sum() * 2
           + np.atleast_3d(x).sum(-1).sum() * 3, [((),), ((3,),), ((2, 3),), ((2, 1, 2),)]),
    OpSpec("block_diag", lambda m, a, b, c: m.block_diag(a, b, c),
           _np_block_diag, [((2, 3), (4,), ()), ((1, 1), (2, 2), (3,))],
           hyp_shapes=fixed((2,), (1, 3), ())),
    OpSpec("cartesian_prod", lambda m, a, b, c: m.cartesian_prod(a, b, c),
           lambda a, b, c: np.array(np.meshgrid(a, b, c, indexing="ij")).reshape(3, -1).T,
           [((3,), (2,), (4,))], hyp_shapes=fixed((2,), (1,), (3,))),
    OpSpec("combinations", lambda m, x: m.combinations(x, 3), lambda x: _np_combinations(x, 3,
                                                                                         False),
           [((5,),), ((3,),)], hyp_shapes=fixed((4,))),
    OpSpec("combinations_replacement", lambda m, x: m.combinations(x, with_replacement=True),
           lambda x: _np_combinations(x, 2, True), [((4,),)], hyp_shapes=fixed((2,))),
    OpSpec("rot90", lambda m, x: m.rot90(x, 1, [0, 1]), lambda x: _np_rot90(x, 1, (0, 1)),
           [((3, 4),), ((2, 3, 4),)], min_dims=2),
    OpSpec("rot90_k3_dims", lambda m, x: x.rot90(-5, [2, 0]), lambda x: _np_rot90(x, -5, (2, 0)),
           [((2, 3, 4),)], min_dims=3),
    OpSpec("fliplr_flipud", lambda m, x: m.fliplr(x) * 2 + m.flipud(x),
           lambda x: np.fliplr(x) * 2 + np.flipud(x), [((3, 4),), ((2, 3, 2),)], min_dims=2),
    OpSpec("select", lambda m, x: m.select(x, 1, -1) + x.select(0, 0).sum(),
           lambda x: x[:, -1] + x[0].sum(), [((3, 4),), ((2, 3, 2),)], min_dims=2),
    OpSpec("repeat_interleave_int", lambda m, x: m.repeat_interleave(x, 2),
           lambda x: np.repeat(x, 2), [((3, 2),), ((),)]),
    OpSpec("repeat_interleave_tensor_dim",
           lambda m, x: x.repeat_interleave(m.tensor(REPEATS), dim=1),
           lambda x: np.repeat(x, REPEATS, 1), [((3, 4),), ((2, 4, 2),)],
           hyp_shapes=fixed((1, 4))),
    OpSpec("diag_embed", lambda m, x: m.diag_embed(x), lambda x: _np_diag_embed(x, 0, -2, -1),
           [((3,),), ((2, 3),), ((2, 1, 3),)], min_dims=1),
    OpSpec("diag_embed_offset_dims", lambda m, x: m.diag_embed(x, -1, 0, 2),
           lambda x: _np_diag_embed(x, -1, 0, 2), [((2, 3),), ((4, 2),)],
           hyp_shapes=fixed((3, 2))),
    OpSpec("diagflat", lambda m, x: m.diagflat(x, 2), lambda x: np.diagflat(x, 2),
           [((2, 3),), ((4,),)]),
    # torch.vander's backward fails in torch 2.13 (it modifies a saved tensor in place), so
    # there is no torch gradient to compare; its forward is compared in a test below.
    OpSpec("vander", lambda m, x: m.vander(x), lambda x: np.vander(x), [((4,),), ((1,),)],
           hyp_shapes=fixed((3,)), torch=False),
    OpSpec("vander_n_increasing", lambda m, x: m.vander(x, N=5, increasing=True),
           lambda x: np.vander(x, 5, increasing=True), [((3,),)], domain=away_from_zero,
           hyp_shapes=fixed((2,)), torch=False),
]


class TestStackingMore(OpSuite):
    OPS = OPS


def _t(torch, a):
    return torch.tensor(np.asarray(a))


def _agree(ours, theirs):
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _agree(o, t)
        return
    ours, theirs = ours.detach().numpy(), theirs.detach().numpy()
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, (ours.shape, theirs.shape,
                                                                      ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)


def test_splits_match_torch_over_specs():
    torch = pytest.importorskip("torch")
    a = np.arange(105.0).reshape(3, 5, 7)
    for spec in (1, 2, 3, 4, 8, [1, 3], [2, 10], (0, 0, 4), [], [4, 2]):
        for dim in (0, 1, 2, -1):
            _agree(mg.tensor_split(mg.tensor(a), spec, dim), torch.tensor_split(_t(torch, a), spec,
                                                                                 dim))
    _agree(mg.tensor_split(mg.tensor(a), mg.tensor([1, 2]), 1),
           torch.tensor_split(_t(torch, a), _t(torch, [1, 2]), 1))
    _agree(mg.tensor_split(mg.tensor(a), mg.tensor(2), 2),
           torch.tensor_split(_t(torch, a), _t(torch, 2), 2))
    _agree(mg.hsplit(mg.tensor(a[0, 0, :6]), 3), torch.hsplit(_t(torch, a[0, 0, :6]), 3))
    _agree(mg.tensor(a).vsplit([1, 2]), _t(torch, a).vsplit([1, 2]))
    _agree(mg.tensor(a).dsplit(7), _t(torch, a).dsplit(7))


def test_stacks_promote_and_match_torch():
    torch = pytest.importorskip("torch")
    i, f = np.arange(6).reshape(2, 3), np.ones((2, 3), dtype=np.float32)
    for fn in ("hstack", "vstack", "dstack", "column_stack", "row_stack"):
        _agree(getattr(mg, fn)([mg.tensor(i), mg.tensor(f)]),
               getattr(torch, fn)([_t(torch, i), _t(torch, f)]))
    _agree(mg.block_diag(mg.tensor([1, 2]), mg.tensor(np.float32(3.0))),
           torch.block_diag(_t(torch, [1, 2]), _t(torch, np.float32(3.0))))
    _agree(mg.block_diag(), torch.block_diag())
    _agree(mg.cartesian_prod(mg.tensor([1, 2])), torch.cartesian_prod(_t(torch, [1, 2])))
    one, two = np.array(1.0), np.array([2.0])
    _agree(mg.atleast_2d(mg.tensor(one), mg.tensor(two)),
           torch.atleast_2d(_t(torch, one), _t(torch, two)))
    v = np.array([3, 1, 4, 1, 5])
    for r in (0, 1, 2, 5, 6):
        for replacement in (False, True):
            _agree(mg.combinations(mg.tensor(v), r, replacement),
                   torch.combinations(_t(torch, v), r, replacement))


def test_rot90_repeat_interleave_diag_embed_vander_match_torch():
    torch = pytest.importorskip("torch")
    a = np.arange(24).reshape(2, 3, 4)
    for k in range(-5, 6):
        for dims in ((0, 1), (2, 0), (1, -1), (-1, -3)):
            _agree(mg.rot90(mg.tensor(a), k, dims), torch.rot90(_t(torch, a), k, dims))
    counts = np.array([2, 0, 3])
    _agree(mg.repeat_interleave(mg.tensor(counts)), torch.repeat_interleave(_t(torch, counts)))
    _agree(mg.repeat_interleave(mg.tensor(a), mg.tensor(counts), 1),
           torch.repeat_interleave(_t(torch, a), _t(torch, counts), 1))
    _agree(mg.repeat_interleave(mg.tensor(a), mg.tensor([2]), 0, output_size=4),
           torch.repeat_interleave(_t(torch, a), _t(torch, [2]), 0, output_size=4))
    _agree(mg.tensor(a).repeat_interleave(3), _t(torch, a).repeat_interleave(3))
    for offset in (-2, 0, 1, 3):
        for d1, d2 in ((-2, -1), (0, 2), (2, 0), (1, 3), (-1, 0)):
            _agree(mg.diag_embed(mg.tensor(a), offset, d1, d2),
                   torch.diag_embed(_t(torch, a), offset, d1, d2))
        _agree(mg.diagflat(mg.tensor(a[0]), offset), torch.diagflat(_t(torch, a[0]), offset))
        _agree(mg.tensor(a[0]).diag_embed(offset), _t(torch, a[0]).diag_embed(offset))
    x = np.array([2, -1, 0, 3])
    for n in (None, 0, 1, 3, 6):
        for increasing in (False, True):
            _agree(mg.vander(mg.tensor(x), n, increasing), torch.vander(_t(torch, x), n,
                                                                        increasing))
            _agree(mg.vander(mg.tensor(x * 0.5), n, increasing),
                   torch.vander(_t(torch, x * 0.5), n, increasing))


def test_vander_gradient_at_zero():
    """torch.vander's own backward fails in torch 2.13 (an in-place write it then needs), so
    the gradient is checked numerically here, with a zero among the points."""
    x = mg.tensor(np.array([0.0, 1.5, -2.0]), requires_grad=True)
    assert mg.gradcheck(lambda t: mg.vander(t, 4), (x,))
    assert mg.gradgradcheck(lambda t: mg.vander(t, 4, increasing=True), (x,))


def test_index_builders_and_logspace_match_torch():
    torch = pytest.importorskip("torch")
    for args in ((3, 4), (4, 3, 1), (3, 3, -1), (0, 3), (5, 2, -7), (3, 4, 10), (1, 1)):
        _agree(mg.triu_indices(*args), torch.triu_indices(*args))
        _agree(mg.tril_indices(*args), torch.tril_indices(*args))
    _agree(mg.tril_indices(3, 3, dtype=mg.int32), torch.tril_indices(3, 3, dtype=torch.int32))
    for args in ((0, 2, 3), (-1, 1, 5), (0, 3, 4, 2.0), (1, 1, 1), (0, 1, 0)):
        _agree(mg.logspace(*args), torch.logspace(*args))
        _agree(mg.logspace(*args, dtype=mg.float64), torch.logspace(*args, dtype=torch.float64))
    assert mg.logspace(0, 1, 3, requires_grad=True).requires_grad


def test_float32_stays_float32():
    x = mg.randn(3, 4).float().requires_grad_()
    outs = [mg.cat([p.reshape(-1) for p in mg.tensor_split(x, 3, 1)]), mg.hstack([x, x]),
            mg.dstack([x, x]), mg.block_diag(x, x[0]), mg.combinations(x[0]),
            mg.rot90(x, 3), mg.repeat_interleave(x, 2, 0), mg.diag_embed(x, 1),
            mg.vander(x[0], 3), mg.cartesian_prod(x[0], x[1])]
    for out in outs:
        assert out.dtype == mg.float32
        x.grad = None
        out.sum().backward()
        assert x.grad.dtype == mg.float32
    assert mg.logspace(0, 1, 3).dtype == mg.float32
    assert mg.triu_indices(3, 3).dtype == mg.int64


@pytest.mark.parametrize("call, exc, words", [
    (lambda x: mg.tensor_split(x, 0), RuntimeError, "tensor_split: number of sections"),
    (lambda x: mg.tensor_split(x.sum(), 2), RuntimeError, "tensor_split"),
    (lambda x: mg.tensor_split(x, 2.5), TypeError, "tensor_split"),
    (lambda x: mg.tensor_split(x, mg.tensor([[1]])), RuntimeError, "tensor_split"),
    (lambda x: mg.hsplit(x, 3), RuntimeError, "hsplit: attempted to split along dimension 1"),
    (lambda x: mg.vsplit(x[0], 2), RuntimeError, "vsplit: requires a tensor with at least 2"),
    (lambda x: mg.dsplit(x, 2), RuntimeError, "dsplit"),
    (lambda x: mg.hstack([]), RuntimeError, "hstack"),
    (lambda x: mg.vstack(x), TypeError, "vstack: expected a list"),
    (lambda x: mg.block_diag(x.reshape(1, 3, 4)), RuntimeError, "block_diag"),
    (lambda x: mg.cartesian_prod(x), RuntimeError, "cartesian_prod: expects 1-D"),
    (lambda x: mg.combinations(x), RuntimeError, "combinations: expects a 1-D"),
    (lambda x: mg.rot90(x, 1, (0, 0)), RuntimeError, "rot90"),
    (lambda x: mg.rot90(x[0]), RuntimeError, "rot90: expected total dims >= 2"),
    (lambda x: mg.fliplr(x[0]), RuntimeError, "fliplr"),
    (lambda x: mg.select(x, 1, 4), IndexError, "select: index 4 out of range"),
    (lambda x: mg.select(x, 2, 0), IndexError, "select: dim 2"),
    (lambda x: mg.repeat_interleave(x, mg.tensor([1, 2]), 1), RuntimeError, "repeat_interleave"),
    (lambda x: mg.repeat_interleave(x, mg.tensor([-1, 1, 1]), 0), RuntimeError,
     "repeat_interleave: repeats can not be negative"),
    (lambda x: mg.repeat_interleave(x, 2.0), TypeError, "repeat_interleave"),
    (lambda x: mg.diag_embed(x, 0, 1, -2), RuntimeError, "diag_embed: diagonal dimensions"),
    (lambda x: mg.diag_embed(x, 0, 3), IndexError, "diag_embed: dim 3"),
    (lambda x: mg.vander(x), RuntimeError, "vander: x must be a 1-D"),
    (lambda x: mg.triu_indices(-1, 3), RuntimeError, "triu_indices"),
    (lambda x: mg.tril_indices(3, 3, dtype=mg.float32), RuntimeError, "tril_indices: dtype"),
    (lambda x: mg.logspace(0, 1, -2), RuntimeError, "logspace"),
])
def test_errors_name_the_op(call, exc, words):
    x = mg.tensor(np.arange(12.0).reshape(3, 4))
    with pytest.raises(exc, match=words):
        call(x)
