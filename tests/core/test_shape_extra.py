"""The everyday rearrangements (ops/rearrange.py: split, chunk, unbind, narrow, flip, roll,
movedim, t, unflatten, repeat, tile, broadcast_to, broadcast_tensors, meshgrid) declared for
the shared harness, plus their argument handling, errors, and the small Tensor methods
(new_*, is_*, element_size, nbytes, itemsize) that sit beside them."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from harness import OpSpec, OpSuite

CASES = [((3, 4),), ((2, 3, 4),)]


def _shapes(min_dims: int, max_dims: int = 4, min_side: int = 1):
    return lambda: hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                                    max_side=5).map(lambda s: (s,))


def _vectors(n: int):
    """``n`` 1-d shapes of independent lengths, for meshgrid."""
    return lambda: st.tuples(*[st.integers(1, 4)] * n).map(lambda t: tuple((k,) for k in t))


# NumPy references for the piece-returning ops: torch's sizing rules written out again.
def _np_split(x: np.ndarray, sizes: list, dim: int) -> list:
    return np.split(x, np.cumsum(sizes)[:-1], axis=dim)


def _np_chunk(x: np.ndarray, chunks: int, dim: int) -> list:
    n = x.shape[dim]
    size = -(-n // chunks)
    return [np.take(x, range(i, min(i + size, n)), axis=dim) for i in range(0, n, size)]


def _np_split_by(x: np.ndarray, size: int, dim: int) -> list:
    n = x.shape[dim]
    return _np_split(x, [min(size, n - i) for i in range(0, n, size)], dim)


REARRANGE_OPS = [
    OpSpec("t", lambda m, x: x.t(), lambda x: x.T, [((3, 4),), ((1, 5),)], min_dims=2,
           max_dims=2),
    OpSpec("t_function", lambda m, x: m.t(x), lambda x: x.T, [((4, 2),)], min_dims=2, max_dims=2),
    OpSpec("swapaxes", lambda m, x: x.swapaxes(0, -1), lambda x: np.swapaxes(x, 0, -1), CASES,
           min_dims=1),
    OpSpec("swapdims", lambda m, x: m.swapdims(x, 1, 0), lambda x: np.swapaxes(x, 1, 0), CASES,
           min_dims=2),
    OpSpec("movedim_int", lambda m, x: m.movedim(x, 0, -1), lambda x: np.moveaxis(x, 0, -1),
           CASES, min_dims=1),
    OpSpec("movedim_seq", lambda m, x: x.movedim((0, 1), (2, 0)),
           lambda x: np.moveaxis(x, (0, 1), (2, 0)), [((2, 3, 4),), ((2, 1, 3),)],
           hyp_shapes=_shapes(3, 3)),
    OpSpec("unflatten", lambda m, x: x.unflatten(1, (2, -1)),
           lambda x: x.reshape(x.shape[0], 2, -1, *x.shape[2:]), [((3, 4),), ((2, 6, 3),)],
           hyp_shapes=lambda: st.tuples(st.integers(1, 3), st.integers(1, 3)).map(
               lambda t: ((t[0], 2 * t[1], 2),))),
    OpSpec("unflatten_function", lambda m, x: m.unflatten(x, -1, [1, 3, 1]),
           lambda x: x.reshape(*x.shape[:-1], 1, 3, 1), [((3,),), ((2, 3),)],
           hyp_shapes=lambda: st.integers(1, 4).map(lambda n: ((n, 3),))),
    OpSpec("narrow", lambda m, x: x.narrow(-1, 1, 2), lambda x: x[..., 1:3], CASES, min_dims=1,
           hyp_shapes=_shapes(1, min_side=3)),
    OpSpec("narrow_negative_start", lambda m, x: m.narrow(x, 0, -2, 2), lambda x: x[-2:],
           [((3, 4),), ((2,),)], hyp_shapes=_shapes(1, min_side=2)),
    OpSpec("split_size", lambda m, x: m.cat([p * (i + 1) for i, p in enumerate(m.split(x, 2, 1))],
                                            1),
           lambda x: np.concatenate([p * (i + 1) for i, p in enumerate(_np_split_by(x, 2, 1))], 1),
           [((3, 5),), ((2, 4, 3),)], min_dims=2),
    OpSpec("split_sections_some_used", lambda m, x: m.cat(
        [x.split([1, 2, 1], -1)[2], x.split([1, 2, 1], -1)[0] * 3], -1),
           lambda x: np.concatenate([x[..., 3:4], x[..., 0:1] * 3], -1), [((3, 4),), ((4,),)],
           hyp_shapes=lambda: hnp.array_shapes(max_dims=2, max_side=3).map(lambda s: (s + (4,),))),
    OpSpec("chunk_some_used", lambda m, x: m.cat([m.chunk(x, 3, -1)[-1], m.chunk(x, 3, -1)[0] * 2],
                                                 -1),
           lambda x: np.concatenate([_np_chunk(x, 3, -1)[-1], _np_chunk(x, 3, -1)[0] * 2], -1),
           [((2, 5),), ((4,),), ((2, 3, 7),)], min_dims=1),
    OpSpec("unbind_some_used", lambda m, x: m.stack([x.unbind(1)[-1], m.unbind(x, 1)[0] * 2]),
           lambda x: np.stack([x[:, -1], x[:, 0] * 2]), CASES, min_dims=2),
    OpSpec("flip", lambda m, x: x.flip(0, -1), lambda x: np.flip(x, (0, -1)), CASES, min_dims=2),
    OpSpec("flip_last", lambda m, x: x.flip(-1), lambda x: np.flip(x, -1), CASES + [((5,),)],
           min_dims=1),
    OpSpec("flip_function", lambda m, x: m.flip(x, [1]), lambda x: np.flip(x, 1), CASES,
           min_dims=2),
    OpSpec("roll_flat", lambda m, x: m.roll(x, 2), lambda x: np.roll(x, 2), CASES + [((5,),)]),
    OpSpec("roll_dims", lambda m, x: x.roll((1, -3), (0, -1)),
           lambda x: np.roll(x, (1, -3), (0, -1)), CASES, min_dims=1),
    OpSpec("repeat", lambda m, x: x.repeat(2, 1, 3), lambda x: np.tile(x, (2, 1, 3)),
           [((3, 4),), ((2, 1, 3),), ((),)], max_dims=3),
    OpSpec("repeat_tuple_ones", lambda m, x: x.repeat((1,) * x.ndim) * 1, lambda x: x.copy(),
           CASES + [((),)]),
    OpSpec("tile_short_dims", lambda m, x: m.tile(x, (2,)), lambda x: np.tile(x, (2,)),
           CASES + [((),)]),
    OpSpec("tile_method", lambda m, x: x.tile(2, 1, 1, 2), lambda x: np.tile(x, (2, 1, 1, 2)),
           CASES + [((3,),)], max_dims=4),
    OpSpec("broadcast_to", lambda m, x: m.broadcast_to(x, (2, 3, 4)),
           lambda x: np.broadcast_to(x, (2, 3, 4)), [((3, 1),), ((4,),), ((1, 3, 4),), ((),)],
           hyp_shapes=lambda: st.sampled_from([(3, 1), (4,), (1, 3, 4), (1,), ()]).map(
               lambda s: (s,))),
    OpSpec("broadcast_to_minus_one", lambda m, x: x.broadcast_to((2, -1, 4)),
           lambda x: np.broadcast_to(x, (2, x.shape[0], 4)), [((3, 1),), ((2, 4),)],
           hyp_shapes=lambda: st.integers(1, 4).map(lambda n: ((n, 1),))),
    OpSpec("broadcast_tensors", lambda m, a, b: m.stack(m.broadcast_tensors(a, b)),
           lambda a, b: np.stack(np.broadcast_arrays(a, b)),
           [((3, 1), (4,)), ((2, 1, 3), (4, 1)), ((2, 3), (2, 3))]),
    OpSpec("meshgrid_ij", lambda m, a, b, c: m.stack(m.meshgrid(a, b, c, indexing="ij")),
           lambda a, b, c: np.stack(np.meshgrid(a, b, c, indexing="ij")),
           [((2,), (3,), (4,)), ((3,), (1,), (2,))], hyp_shapes=_vectors(3)),
    OpSpec("meshgrid_xy", lambda m, a, b, c: m.stack(m.meshgrid([a, b, c], indexing="xy")),
           lambda a, b, c: np.stack(np.meshgrid(a, b, c, indexing="xy")),
           [((2,), (3,), (4,)), ((4,), (), (2,))], hyp_shapes=_vectors(3)),
    OpSpec("meshgrid_two_xy", lambda m, a, b: m.stack(m.meshgrid(a, b, indexing="xy")) * 1,
           lambda a, b: np.stack(np.meshgrid(a, b, indexing="xy")), [((2,), (3,))],
           hyp_shapes=_vectors(2)),
]


class TestRearrangeOps(OpSuite):
    OPS = REARRANGE_OPS


# --- split, chunk, unbind -----------------------------------------------------------------------
@pytest.mark.parametrize("shape, arg, dim", [
    ((5, 3), 2, 0), ((5, 3), 5, 0), ((5, 3), 7, 0), ((5, 3), 1, -1), ((0, 3), 2, 0),
    ((0, 3), 0, 0), ((5, 3), [2, 0, 3], 0), ((5, 3), (3,), 1), ((2, 6), [6], -1)])
def test_split_pieces_match_torch(shape, arg, dim) -> None:
    torch = pytest.importorskip("torch")
    x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    got = mg.split(mg.tensor(x), arg, dim)
    want = torch.split(torch.tensor(x), arg, dim)
    assert isinstance(got, tuple) and len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.numpy(), w.numpy())


@pytest.mark.parametrize("n, chunks", [(6, 4), (5, 4), (6, 3), (2, 5), (7, 7), (0, 3), (1, 1)])
def test_chunk_sizes_follow_torchs_ceil_rule(n, chunks) -> None:
    torch = pytest.importorskip("torch")
    x = np.arange(2.0 * n).reshape(2, n)
    got = mg.tensor(x).chunk(chunks, dim=1)
    want = torch.tensor(x).chunk(chunks, dim=1)
    assert [tuple(g.shape) for g in got] == [tuple(w.shape) for w in want]
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.numpy(), w.numpy())


def test_chunk_of_six_into_four_gives_three_pieces_of_two() -> None:
    assert [p.shape for p in mg.chunk(mg.zeros(6), 4)] == [(2,), (2,), (2,)]


def test_only_the_used_pieces_get_gradient() -> None:
    x = mg.arange(12.0).reshape(3, 4).requires_grad_()
    a, b, c = x.split([1, 2, 1], dim=1)
    (b * mg.tensor([[1.0, 10.0]])).sum().backward()
    want = np.zeros((3, 4), dtype=np.float32)
    want[:, 1], want[:, 2] = 1.0, 10.0
    np.testing.assert_array_equal(x.grad.numpy(), want)
    assert x.grad.dtype == mg.float32

    y = mg.ones(3, 2, requires_grad=True)
    rows = y.unbind(0)
    (rows[2] * 5).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[0, 0], [0, 0], [5, 5]])


def test_pieces_used_twice_add_up_and_second_order_flows() -> None:
    x = mg.tensor([1.0, 2.0, 3.0, 4.0], dtype=mg.float64, requires_grad=True)
    p, q = mg.chunk(x, 2)
    y = (p * p).sum() + (p * q).sum()
    (g,) = mg.autograd.grad(y, [x], create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [2 * 1 + 3, 2 * 2 + 4, 1, 2])
    g.sum().backward()  # d/dx of sum(g) = [2+1, 2+1, 1, 1]
    np.testing.assert_allclose(x.grad.numpy(), [3, 3, 1, 1])


def test_unbind_shapes_and_empty_dim() -> None:
    x = mg.arange(24.0).reshape(2, 3, 4)
    parts = mg.unbind(x, dim=-1)
    assert len(parts) == 4 and all(p.shape == (2, 3) for p in parts)
    np.testing.assert_array_equal(parts[1].numpy(), x.numpy()[..., 1])
    assert mg.unbind(mg.zeros(0, 3)) == ()
    assert mg.zeros(0, 3).unbind(1)[0].shape == (0,)


def test_split_and_unbind_of_tensors_without_grad_are_plain() -> None:
    pieces = mg.split(mg.arange(6.0), 4)
    assert all(p.grad_fn is None and not p.requires_grad for p in pieces)
    np.testing.assert_array_equal(pieces[1].numpy(), [4.0, 5.0])


def test_split_chunk_unbind_errors() -> None:
    x = mg.zeros(2, 3)
    with pytest.raises(ValueError, match=r"split: split sizes \[1, 1\] must sum to 3.*dimension 1"
                                         r".*\(2, 3\)"):
        mg.split(x, [1, 1], 1)
    with pytest.raises(ValueError, match=r"split: split sizes must be non-negative.*\[-1, 4\]"):
        x.split([-1, 4], 1)
    with pytest.raises(ValueError, match=r"split: split_size must be positive.*got 0.*size 2"):
        x.split(0)
    with pytest.raises(ValueError, match="split: split_size must be positive.*got -2"):
        x.split(-2)
    with pytest.raises(IndexError, match=r"split: dim 2 is out of range.*\(2, 3\)"):
        x.split(1, 2)
    with pytest.raises(ValueError, match="split: expected a tensor with at least 1 dimension"):
        mg.split(mg.tensor(1.0), 1)
    with pytest.raises(TypeError, match="split: split_size must be an int, got float"):
        x.split(1.5)
    with pytest.raises(ValueError, match="chunk: chunks must be greater than 0, got 0"):
        x.chunk(0)
    with pytest.raises(IndexError, match=r"chunk: dim -3 is out of range.*\(2, 3\)"):
        x.chunk(2, -3)
    with pytest.raises(ValueError, match="unbind: expected a tensor with at least 1 dimension"):
        mg.tensor(2.0).unbind()
    with pytest.raises(IndexError, match=r"unbind: dim 2 is out of range.*\(2, 3\)"):
        x.unbind(2)


# --- narrow, t, movedim, unflatten ---------------------------------------------------------------
def test_narrow_is_a_view_and_accepts_tensor_start() -> None:
    x = mg.arange(12.0).reshape(3, 4)
    out = x.narrow(1, mg.tensor(1), 2)
    np.testing.assert_array_equal(out.numpy(), x.numpy()[:, 1:3])
    assert np.shares_memory(out.array, x.array)
    assert x.narrow(1, 4, 0).shape == (3, 0)  # start == size with length 0 is allowed


def test_narrow_errors() -> None:
    x = mg.zeros(2, 3)
    with pytest.raises(ValueError, match=r"narrow: start \(2\) \+ length \(2\) exceeds the size 3"
                                         r" of dimension 1.*\(2, 3\)"):
        x.narrow(1, 2, 2)
    with pytest.raises(IndexError, match=r"narrow: start 4 is out of range \[-3, 3\]"):
        x.narrow(1, 4, 0)
    with pytest.raises(IndexError, match=r"narrow: start -4 is out of range"):
        x.narrow(1, -4, 1)
    with pytest.raises(ValueError, match="narrow: length must be non-negative, got -1"):
        x.narrow(1, 0, -1)
    with pytest.raises(IndexError, match=r"narrow: dim 2 is out of range.*\(2, 3\)"):
        mg.narrow(x, 2, 0, 1)
    with pytest.raises(ValueError, match="narrow: cannot be applied to a 0-d tensor"):
        mg.tensor(1.0).narrow(0, 0, 1)


def test_t_keeps_0d_and_1d_and_refuses_3d() -> None:
    assert mg.zeros(3).t().shape == (3,)
    assert mg.tensor(2.0).t().shape == ()
    np.testing.assert_array_equal(mg.arange(6).reshape(2, 3).t().numpy(),
                                  np.arange(6).reshape(2, 3).T)
    with pytest.raises(ValueError, match=r"t: expects a tensor with <= 2 dimensions, got shape "
                                         r"\(2, 3, 4\)"):
        mg.zeros(2, 3, 4).t()


@pytest.mark.parametrize("source, destination", [(0, 2), (-1, 0), ((0, 2), (1, 0)),
                                                 ([1], [1]), ((0, 1, 2), (2, 1, 0)), ((), ())])
def test_movedim_matches_torch(source, destination) -> None:
    torch = pytest.importorskip("torch")
    x = np.arange(24.0).reshape(2, 3, 4)
    got = mg.movedim(mg.tensor(x), source, destination)
    src = source if isinstance(source, int) else tuple(source)
    dst = destination if isinstance(destination, int) else tuple(destination)
    want = torch.movedim(torch.tensor(x), src, dst)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert mg.tensor(x).moveaxis(source, destination).shape == tuple(want.shape)


def test_movedim_errors() -> None:
    x = mg.zeros(2, 3, 4)
    with pytest.raises(ValueError, match=r"movedim: repeated dim in source \(0, 0\)"):
        x.movedim((0, 0), (2, 1))
    with pytest.raises(ValueError, match=r"movedim: repeated dim in destination \(1, 1\)"):
        x.movedim((0, 2), (1, -2))
    with pytest.raises(ValueError, match=r"movedim: source \(0, 1\) and destination \(2,\) must"):
        mg.movedim(x, (0, 1), (2,))
    with pytest.raises(IndexError, match=r"movedim: dim 3 is out of range.*\(2, 3, 4\)"):
        x.movedim(0, 3)


def test_swapaxes_is_transpose() -> None:
    x = mg.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(x.swapaxes(0, 2).numpy(), x.transpose(0, 2).numpy())
    np.testing.assert_array_equal(mg.swapaxes(x, -1, 1).numpy(), np.swapaxes(x.numpy(), -1, 1))


@pytest.mark.parametrize("shape, dim, sizes", [((2, 6), 1, (2, 3)), ((2, 6), 1, (-1, 3)),
                                               ((2, 6), -2, [1, 2]), ((2, 0), 1, (0, 5)),
                                               ((4,), 0, (2, 1, -1)), ((2, 6), 0, (-1,))])
def test_unflatten_matches_torch(shape, dim, sizes) -> None:
    torch = pytest.importorskip("torch")
    x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    got = mg.tensor(x).unflatten(dim, sizes)
    want = torch.tensor(x).unflatten(dim, sizes)
    assert got.shape == tuple(want.shape)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_unflatten_errors() -> None:
    x = mg.zeros(2, 3)
    with pytest.raises(ValueError, match=r"unflatten: sizes \(2, 2\) don't multiply up to the "
                                         r"size 3 of dimension 1.*\(2, 3\)"):
        x.unflatten(1, (2, 2))
    with pytest.raises(ValueError, match="unflatten: sizes must be non-empty"):
        x.unflatten(1, ())
    with pytest.raises(ValueError, match=r"unflatten: sizes \(-1, -1\) may hold only one -1"):
        x.unflatten(1, (-1, -1))
    with pytest.raises(ValueError, match=r"unflatten: sizes \(2, -1\) cannot be resolved for "
                                         r"dimension 1 of size 3"):
        x.unflatten(1, (2, -1))
    with pytest.raises(ValueError, match=r"unflatten: sizes \(0, -1\) cannot be resolved"):
        mg.zeros(2, 0).unflatten(1, (0, -1))
    with pytest.raises(IndexError, match=r"unflatten: dim 2 is out of range.*\(2, 3\)"):
        mg.unflatten(x, 2, (3,))


# --- flip, roll -----------------------------------------------------------------------------------
def test_flip_argument_forms() -> None:
    x = mg.arange(6.0).reshape(2, 3)
    want = np.flip(x.numpy(), (0, 1))
    for out in (x.flip(0, 1), x.flip((0, 1)), x.flip([1, 0]), mg.flip(x, (-1, -2))):
        np.testing.assert_array_equal(out.numpy(), want)
    np.testing.assert_array_equal(mg.flip(x, 0).numpy(), x.numpy()[::-1])
    np.testing.assert_array_equal(x.flip(()).numpy(), x.numpy())
    assert mg.tensor(3.0).flip(()).item() == 3.0


def test_0d_dims_follow_torch() -> None:
    """flip and movedim take dim 0/-1 on a 0-d tensor, as torch does; roll and unflatten
    refuse it (torch: "tensor has no dimensions"). The gradient still reaches the scalar."""
    x = mg.tensor(3.0, dtype=mg.float64, requires_grad=True)
    for out in (x.flip(0), mg.flip(x, [-1]), x.movedim(0, -1), mg.movedim(x, -1, 0)):
        assert out.shape == () and out.item() == 3.0
        (g,) = mg.autograd.grad(out * 2.0, x)
        assert g.item() == 2.0
    with pytest.raises(IndexError, match=r"roll: dim 0 is out of range for a tensor of shape "
                                         r"\(\) \(it has no dimensions\)"):
        mg.roll(x, 1, 0)
    with pytest.raises(IndexError, match=r"unflatten: dim 0 is out of range.*\(\)"):
        mg.unflatten(x, 0, (1,))
    with pytest.raises(IndexError, match=r"flip: dim 1 is out of range for a tensor of shape "
                                         r"\(\) \(expected a dim in \[-1, 0\]\)"):
        x.flip(1)


def test_flip_and_roll_errors() -> None:
    x = mg.zeros(2, 3)
    with pytest.raises(ValueError, match=r"flip: dims \(0, 0\) repeat an axis.*\(2, 3\)"):
        mg.flip(x, (0, -2))
    with pytest.raises(IndexError, match=r"flip: dim 2 is out of range.*\(2, 3\)"):
        x.flip(2)
    with pytest.raises(ValueError, match=r"roll: shifts \(1, 2\) and dims \(0,\) must have the "
                                         "same length"):
        mg.roll(x, (1, 2), (0,))
    with pytest.raises(ValueError, match=r"roll: with dims=None, shifts must be a single int"):
        mg.roll(x, (1, 2))
    with pytest.raises(IndexError, match=r"roll: dim 3 is out of range.*\(2, 3\)"):
        x.roll(1, 3)
    with pytest.raises(TypeError, match="roll: shifts must be an int, got float"):
        x.roll(1.5)


@pytest.mark.parametrize("shape, shifts, dims", [((2, 3), 1, 0), ((2, 3), -7, None),
                                                 ((2, 3), (4, 1), (1, 1)), ((0, 3), 1, 0),
                                                 ((), 1, None), ((2, 3, 2), [1, -1], [-1, 0])])
def test_roll_matches_torch(shape, shifts, dims) -> None:
    torch = pytest.importorskip("torch")
    x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    got = mg.tensor(x).roll(shifts, dims)
    want = torch.roll(torch.tensor(x), shifts, dims)
    assert got.shape == tuple(want.shape)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


# --- repeat, tile ---------------------------------------------------------------------------------
@pytest.mark.parametrize("shape, sizes", [((2, 3), (2, 2)), ((2, 3), (3, 1, 2)), ((3,), (0,)),
                                          ((2, 3), (1, 0)), ((), (2, 3)), ((), ()),
                                          ((2, 1, 3), (1, 4, 1)), ((2, 3), (1, 1))])
def test_repeat_matches_torch_forward_and_backward(shape, sizes) -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape)
    mx, tx = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = mx.repeat(*sizes), tx.repeat(sizes)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    seed = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(mg.tensor(seed))
    tout.backward(torch.tensor(seed))
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_repeat_always_returns_new_memory() -> None:
    x = mg.arange(6.0).reshape(2, 3)
    for out in (x.repeat(1, 1), x.repeat(2, 1), mg.tile(x, (1,)), mg.tensor(1.0).repeat()):
        base = out.numpy().copy()
        out.array[...] = -1.0
        assert not np.shares_memory(out.array, x.array)
        assert (x.numpy() >= 0).all(), base


@pytest.mark.parametrize("shape, dims", [((2, 3), (2,)), ((2, 3), ()), ((2, 3), (2, 1, 2)),
                                         ((2, 1, 3), (3, 2)), ((), (2,)), ((3,), (0,))])
def test_tile_matches_torch(shape, dims) -> None:
    torch = pytest.importorskip("torch")
    x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    got = mg.tile(mg.tensor(x), dims)
    want = torch.tile(torch.tensor(x), dims)
    assert got.shape == tuple(want.shape)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    if dims:
        np.testing.assert_array_equal(mg.tensor(x).tile(*dims).numpy(), want.numpy())


def test_repeat_and_tile_errors() -> None:
    x = mg.zeros(2, 3)
    with pytest.raises(ValueError, match=r"repeat: got 1 repeat sizes \(2,\) for a tensor of "
                                         r"shape \(2, 3\)"):
        x.repeat(2)
    with pytest.raises(ValueError, match=r"repeat: repeat sizes must be non-negative, got \(2, -1\)"):
        x.repeat(2, -1)
    with pytest.raises(ValueError, match=r"tile: dims must be non-negative, got \(-1,\)"):
        mg.tile(x, (-1,))
    with pytest.raises(TypeError, match="tile: dims must be an int, got str"):
        mg.tile(x, ("a",))


# --- broadcasting -------------------------------------------------------------------------------
def test_broadcast_to_errors_and_method() -> None:
    x = mg.zeros(2, 3)
    with pytest.raises(ValueError, match=r"broadcast_to: cannot broadcast shape \(2, 3\) to "
                                         r"\(4, 3\)"):
        mg.broadcast_to(x, (4, 3))
    with pytest.raises(ValueError, match=r"broadcast_to: cannot broadcast shape \(2, 3\) to fewer "
                                         r"dimensions \(3,\)"):
        x.broadcast_to((3,))
    with pytest.raises(ValueError, match=r"broadcast_to: cannot broadcast shape \(2, 3\) to "
                                         r"\(-1, 2, 3\)"):
        x.broadcast_to((-1, 2, 3))  # -1 may only keep an existing dimension
    assert x.broadcast_to((4, -1, 3)).shape == (4, 2, 3)
    assert x.broadcast_to((2, 3)).shape == (2, 3)


def test_broadcast_tensors_shapes_and_errors() -> None:
    a, b, c = mg.zeros(3, 1), mg.ones(4), mg.tensor(2.0)
    outs = mg.broadcast_tensors(a, b, c)
    assert isinstance(outs, tuple) and [o.shape for o in outs] == [(3, 4)] * 3
    np.testing.assert_array_equal(outs[2].numpy(), np.full((3, 4), 2.0))
    assert [o.shape for o in mg.broadcast_tensors([a, b])] == [(3, 4)] * 2
    assert mg.broadcast_tensors(b)[0].shape == (4,)
    with pytest.raises(ValueError, match=r"broadcast_tensors: shapes \(2, 3\) and \(3, 1\) cannot "
                                         r"be broadcast"):
        mg.broadcast_tensors(mg.zeros(2, 3), mg.zeros(3, 1))
    with pytest.raises(TypeError, match="broadcast_tensors: expected Tensors, got list"):
        mg.broadcast_tensors(a, [1, 2])


@pytest.mark.parametrize("sizes, indexing", [((2, 3), "ij"), ((2, 3), "xy"), ((2, 3, 4), "xy"),
                                             ((2,), "xy"), ((2, None), "xy"), ((None, 3), "ij")])
def test_meshgrid_matches_torch(sizes, indexing) -> None:
    torch = pytest.importorskip("torch")
    arrays = [np.array(7.0) if n is None else np.arange(float(n)) + 10 * i
              for i, n in enumerate(sizes)]
    got = mg.meshgrid(*[mg.tensor(a) for a in arrays], indexing=indexing)
    want = torch.meshgrid(*[torch.tensor(a) for a in arrays], indexing=indexing)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == tuple(w.shape)
        np.testing.assert_array_equal(g.numpy(), w.numpy())


def test_meshgrid_defaults_to_ij_and_checks_inputs() -> None:
    a, b = mg.arange(2.0), mg.arange(3.0)
    assert [g.shape for g in mg.meshgrid(a, b)] == [(2, 3), (2, 3)]
    with pytest.raises(ValueError, match="meshgrid: indexing must be 'ij' or 'xy', got 'foo'"):
        mg.meshgrid(a, b, indexing="foo")
    with pytest.raises(ValueError, match="meshgrid: expected at least one tensor"):
        mg.meshgrid()
    with pytest.raises(ValueError, match=r"meshgrid: expected 0-d or 1-d tensors, got shape "
                                         r"\(3, 1\)"):
        mg.meshgrid(a, mg.zeros(3, 1))
    with pytest.raises(RuntimeError, match="meshgrid: all tensors must have the same dtype.*"
                                           "float32.*float64"):
        mg.meshgrid(a, mg.zeros(3, dtype=mg.float64))
    with pytest.raises(TypeError, match="meshgrid: expected Tensors, got list"):
        mg.meshgrid(a, [1, 2])


# --- small Tensor methods -------------------------------------------------------------------------
def test_new_methods_inherit_dtype_and_device(testdev) -> None:
    x = mg.zeros(2, dtype=mg.float64, device=testdev)
    for out, shape, value in [(x.new_zeros(2, 3), (2, 3), 0.0), (x.new_ones((4,)), (4,), 1.0),
                              (x.new_full((2, 2), 3.5), (2, 2), 3.5),
                              (x.new_empty(3), (3,), None),
                              (x.new_tensor([1, 2]), (2,), None)]:
        assert out.shape == shape and out.dtype == mg.float64 and out.device == testdev
        if value is not None:
            np.testing.assert_array_equal(out.numpy(), np.full(shape, value))
    i = x.new_ones(2, dtype=mg.int64, device="cpu")
    assert i.dtype == mg.int64 and i.device == "cpu"
    assert x.new_zeros(2, requires_grad=True).requires_grad
    assert mg.zeros(1, dtype=mg.int64).new_full((2,), 7).dtype == mg.int64


def test_new_tensor_copies_and_detaches() -> None:
    src = mg.tensor([1.0, 2.0], requires_grad=True)
    out = mg.zeros(1, dtype=mg.float64).new_tensor(src)
    assert out.dtype == mg.float64 and not out.requires_grad and out.grad_fn is None
    data = np.array([1.0, 2.0], dtype=np.float32)
    copy = mg.zeros(1).new_tensor(data)
    data[0] = 9.0
    np.testing.assert_array_equal(copy.numpy(), [1.0, 2.0])
    assert mg.zeros(1).new_tensor([1, 2]).dtype == mg.float32  # self's dtype, as torch


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "uint8",
                                   "bool"])
def test_metadata_methods_match_torch(dtype) -> None:
    torch = pytest.importorskip("torch")
    x = mg.zeros(3, 5, dtype=getattr(mg, dtype))
    tx = torch.zeros(3, 5, dtype=getattr(torch, dtype))
    assert x.is_floating_point() == tx.is_floating_point()
    assert x.element_size() == tx.element_size()
    assert x.itemsize == tx.itemsize and x.nbytes == tx.nbytes
    assert x.size() == tuple(tx.size()) and x.size(-1) == tx.size(-1)
    assert x.dim() == tx.dim() and x.numel() == tx.numel()


def test_is_contiguous_follows_the_memory_layout() -> None:
    torch = pytest.importorskip("torch")
    x, tx = mg.arange(12.0).reshape(3, 4), torch.arange(12.0).reshape(3, 4)
    for f in (lambda v: v, lambda v: v.t(), lambda v: v[:, ::2], lambda v: v[1:], lambda v: v[:, 1:],
              lambda v: v.unsqueeze(0).expand(2, 3, 4)):
        assert f(x).is_contiguous() == f(tx).is_contiguous()
