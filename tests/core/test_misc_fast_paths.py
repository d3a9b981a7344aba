"""Fast paths for assorted ops: cumsum's blocked running sum (float32, long last
axis) and the others below, each against a float64 NumPy reference and PyTorch when present,
float32 kept, and against the cases handed back to the general code."""
import numpy as np
import pytest

import minigrad as mg

RNG = np.random.default_rng(10)


def _torch():
    return pytest.importorskip("torch")


# --- cumsum: blocks of 16 summed by a matmul, then the carries of the blocks before --------
# Shapes long enough (>= 32768 values, last axis >= 32) to take the blocked path; 1000 and 700
# pad the last block, 40000 is one long row. Float32 rounding differs from NumPy's one-by-one
# sum, so each result is compared with the float64 sum; a misplaced carry is off by O(1).
BLOCKED = [(64, 1024), (48, 1000), (3, 20, 700), (40000,)]


@pytest.mark.parametrize("shape", BLOCKED)
def test_cumsum_blocked_forward_and_backward_match_float64(shape):
    a = RNG.standard_normal(shape).astype(np.float32)
    g = RNG.standard_normal(shape).astype(np.float32)
    x = mg.tensor(a, requires_grad=True)
    out = mg.cumsum(x, -1)
    (out * mg.tensor(g)).sum().backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32
    assert x.grad.array.flags.c_contiguous and out.array.flags.c_contiguous
    want = np.cumsum(a.astype(np.float64), axis=-1)
    want_grad = np.flip(np.cumsum(np.flip(g.astype(np.float64), -1), axis=-1), -1)
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(x.grad.numpy(), want_grad, rtol=1e-5, atol=1e-4)


def test_cumsum_blocked_is_no_less_accurate_than_numpys():
    a = RNG.standard_normal((64, 1024)).astype(np.float32)
    exact = np.cumsum(a.astype(np.float64), axis=1)
    ours = np.abs(mg.cumsum(mg.tensor(a), 1).numpy() - exact).max()
    assert ours <= np.abs(np.cumsum(a, axis=1) - exact).max()


def test_cumsum_blocked_matches_torch():
    torch = _torch()
    a = RNG.standard_normal((48, 1000)).astype(np.float32)
    g = RNG.standard_normal((48, 1000)).astype(np.float32)
    ours = mg.tensor(a, requires_grad=True)
    (mg.cumsum(ours, 1) * mg.tensor(g)).sum().backward()
    theirs = torch.tensor(a, requires_grad=True)
    want = torch.cumsum(theirs, 1)
    (want * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(mg.cumsum(mg.tensor(a), 1).numpy(), want.detach().numpy(),
                               rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-4)


def test_cumsum_blocked_of_a_transposed_input_and_gradient():
    base = RNG.standard_normal((1000, 40)).astype(np.float32)
    g = RNG.standard_normal((1000, 40)).astype(np.float32)
    x = mg.tensor(base, requires_grad=True)
    (mg.cumsum(x.t(), 1) * mg.tensor(g).t()).sum().backward()  # input and gradient transposed
    want_grad = np.flip(np.cumsum(np.flip(g.T.astype(np.float64), 1), 1), 1).T
    np.testing.assert_allclose(mg.cumsum(x.t(), 1).detach().numpy(),
                               np.cumsum(base.T.astype(np.float64), 1), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(x.grad.numpy(), want_grad, rtol=1e-5, atol=1e-4)


def test_cumsum_blocked_double_backward_in_float32():
    """create_graph=True goes through tensor ops (each a blocked cumsum again)."""
    a = RNG.standard_normal((64, 600)).astype(np.float32)
    x = mg.tensor(a, requires_grad=True)
    (gx,) = mg.autograd.grad((mg.cumsum(x, 1) ** 2).sum(), (x,), create_graph=True)
    gx.sum().backward()  # sum of 2 * revcumsum(cumsum(x)) = 2 * sum_i (i + 1) * cumsum(x)_i
    c = np.cumsum(a.astype(np.float64), 1)
    want = np.broadcast_to(2 * np.cumsum(np.arange(600, 0, -1))[::-1], a.shape)
    assert gx.dtype == np.float32 and x.grad.dtype == np.float32
    np.testing.assert_allclose(gx.detach().numpy(), 2 * np.flip(np.cumsum(np.flip(c, 1), 1), 1),
                               rtol=1e-5, atol=1e-2)
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-5)


# --- pad: the kept block copied as one slice each way, only the borders gathered -----------
@pytest.mark.parametrize("mode,pad,grad", [
    ("reflect", (3, -2), [1, 2, 1, 1]),      # reads 3 2 1 0 1: input 3 cropped, then read back
    ("circular", (-1, 2), [1, 2, 1, 1]),     # reads 1 2 3 0 1
    ("replicate", (-1, -1), [0, 1, 1, 0]),   # a crop at both ends: zero gradient there
    ("reflect", (2, 3), [2, 3, 3, 1]),       # reads 2 1 0 1 2 3 2 1 0
])
def test_pad_gradient_counts_every_read_and_zeros_the_cropped(mode, pad, grad):
    x = mg.arange(4.0, dtype=mg.float32).reshape(1, 1, 4).requires_grad_()
    out = mg.nn.functional.pad(x, pad, mode=mode)
    out.sum().backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32
    assert x.grad.reshape(-1).tolist() == grad


@pytest.mark.parametrize("mode,pad", [("reflect", (3, -2, 1, 2)), ("circular", (-1, 2, 2, -3)),
                                      ("replicate", (-2, -1, 0, 3))])
def test_pad_with_crops_gradcheck_and_gradgradcheck(mode, pad):
    x = mg.tensor(RNG.standard_normal((2, 5, 4)), requires_grad=True)
    assert mg.gradcheck(lambda t: mg.nn.functional.pad(t, pad, mode=mode), (x,))
    assert mg.gradgradcheck(lambda t: mg.nn.functional.pad(t, pad, mode=mode) ** 2, (x,))


@pytest.mark.parametrize("shape,pad", [((4, 3, 9, 10), (2, 2, 2, 2)), ((2, 3, 300), (100, 20)),
                                       ((2, 3, 5, 6, 7), (1, 2, 2, 1, 3, 0))])
def test_reflect_pad_float32_matches_torch(shape, pad):
    torch = _torch()
    a = RNG.standard_normal(shape).astype(np.float32)
    x = mg.tensor(a, requires_grad=True)
    out = mg.nn.functional.pad(x, pad, mode="reflect")
    g = RNG.standard_normal(tuple(out.shape)).astype(np.float32)
    (out * mg.tensor(g)).sum().backward()
    theirs = torch.tensor(a, requires_grad=True)
    want = torch.nn.functional.pad(theirs, pad, mode="reflect")
    (want * torch.tensor(g)).sum().backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32
    np.testing.assert_array_equal(out.detach().numpy(), want.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), theirs.grad.numpy(), rtol=1e-6, atol=1e-6)


# --- embedding / embedding_bag: rows whose index occurs once are written, repeats added -------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scatter_rows_writes_single_rows_and_adds_repeats_in_order(dtype):
    from minigrad.nn.sparse import scatter_rows
    idx = np.concatenate([np.arange(100, 1400),                 # each once
                          RNG.integers(0, 60, 1200),             # repeats, across slices of 1024
                          np.array([1500, 7, 1500])]).astype(np.int32)
    RNG.shuffle(idx)
    rows = RNG.standard_normal((idx.size, 1024)).astype(dtype)
    expected = np.zeros((1600, 1024), dtype)
    np.add.at(expected, idx, rows)
    got = scatter_rows(rows, idx, 1600, np)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, expected)  # the same additions in the same order


def test_scatter_rows_of_no_rows():
    from minigrad.nn.sparse import scatter_rows
    got = scatter_rows(np.zeros((0, 3), np.float32), np.zeros(0, np.int64), 5, np)
    assert got.dtype == np.float32 and not got.any() and got.shape == (5, 3)


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_and_embedding_gradients_match_torch(mode):
    torch = _torch()
    table = RNG.standard_normal((300, 16)).astype(np.float32)
    idx = RNG.integers(0, 300, (40, 12))  # 480 lookups of 300 rows: singles and repeats
    g = RNG.standard_normal((40, 16)).astype(np.float32)
    ours = mg.nn.EmbeddingBag(300, 16, mode=mode)
    theirs = torch.nn.EmbeddingBag(300, 16, mode=mode)
    with mg.no_grad():
        ours.weight.copy_(mg.tensor(table))
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(table))
    (ours(mg.tensor(idx)) * mg.tensor(g)).sum().backward()
    (theirs(torch.tensor(idx)) * torch.tensor(g)).sum().backward()
    assert ours.weight.grad.dtype == np.float32
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(),
                               rtol=1e-5, atol=1e-5)
    x = mg.tensor(table, requires_grad=True)
    ge = RNG.standard_normal((40, 12, 16)).astype(np.float32)
    (mg.nn.functional.embedding(mg.tensor(idx), x) * mg.tensor(ge)).sum().backward()
    want = torch.tensor(table, requires_grad=True)
    (torch.nn.functional.embedding(torch.tensor(idx), want) * torch.tensor(ge)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), want.grad.numpy(), rtol=1e-5, atol=1e-5)


# --- index_select backward: repeated slices added at flat positions ---------------------------
@pytest.mark.parametrize("shape,dim", [((50, 6), 0), ((3, 40, 5), 1), ((4, 3, 30), 2),
                                       ((3, 40, 5), -2)])
def test_index_select_backward_adds_repeats_exactly_in_order(shape, dim):
    n = shape[dim]
    index = np.concatenate([np.arange(n // 2), RNG.integers(0, n // 3, 2 * n)])  # both kinds
    RNG.shuffle(index)
    x = mg.tensor(RNG.standard_normal(shape).astype(np.float32), requires_grad=True)
    out = mg.index_select(x, dim, mg.tensor(index))
    g = RNG.standard_normal(tuple(out.shape)).astype(np.float32)
    (out * mg.tensor(g)).sum().backward()
    want = np.zeros(shape, np.float32)
    axis = dim % len(shape)
    np.add.at(want, (slice(None),) * axis + (index,), g)  # add.at: one at a time, in order
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), want)


def test_index_select_gradgradcheck_with_repeats():
    x = mg.tensor(RNG.standard_normal((3, 7, 4)), requires_grad=True)
    index = mg.tensor(np.array([6, 1, 1, 0, 6, 6, 2]))
    assert mg.gradcheck(lambda t: mg.index_select(t, 1, index), (x,))
    assert mg.gradgradcheck(lambda t: mg.index_select(t, 1, index) ** 2, (x,))


# --- adaptive max pooling: the running max over offsets in a (K, P, B) layout ---------------
# Small inputs take argmax (the loop pays only for many windows per offset), so these tests
# lower the threshold to put small cases through the loop; one case is large enough as is.
ADAPTIVE = [((2, 3, 13, 13), 3), ((2, 3, 8, 8), 2), ((1, 2, 5, 7), (3, 2)), ((1, 2, 4, 3), (7, 5)),
            ((3, 6, 9), 1)]


@pytest.fixture
def loop_always(monkeypatch):
    from minigrad.nn import pooling
    monkeypatch.setattr(pooling, "_LOOP_MIN_PASS", 0)


@pytest.mark.parametrize("shape,size", ADAPTIVE, ids=str)
def test_adaptive_max_loop_gradcheck(shape, size, loop_always):
    n = int(np.prod(shape))  # distinct values: the max is differentiable everywhere
    x = mg.tensor((RNG.permutation(n) * 0.1).reshape(shape), requires_grad=True)
    f = mg.nn.functional.adaptive_max_pool2d
    assert mg.gradcheck(lambda t: f(t, size), (x,))
    assert mg.gradgradcheck(lambda t: f(t, size) ** 2, (x,))


def _adaptive_max_matches_torch(x, size):
    torch = _torch()
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, idx = mg.nn.functional.adaptive_max_pool2d(xm, size, return_indices=True)
    tout, tidx = torch.nn.functional.adaptive_max_pool2d(xt, size, return_indices=True)
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    g = RNG.standard_normal(tuple(out.shape)).astype(np.float32)
    (out * mg.tensor(g)).sum().backward()
    (tout * torch.tensor(g)).sum().backward()
    assert out.dtype == np.float32 and xm.grad.dtype == np.float32
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
@pytest.mark.parametrize("shape,size", ADAPTIVE, ids=str)
def test_adaptive_max_loop_matches_torch(shape, size, ties, loop_always):
    x = RNG.standard_normal(shape).astype(np.float32)
    _adaptive_max_matches_torch(np.round(x) if ties else x, size)  # ties: the first max wins


def test_adaptive_max_large_input_takes_the_loop_and_matches_torch():
    from minigrad.nn import pooling
    shape, k, p = (16, 48, 13, 13), 25, 9  # 13 -> 3: windows of 5 x 5
    assert k <= pooling._LOOP_WINDOW and k * pooling._LOOP_MIN_PASS <= 16 * 48 * p
    _adaptive_max_matches_torch(np.round(RNG.standard_normal(shape) * 2).astype(np.float32), 3)


# --- cumsum along a non-last axis: whole slices added in turn (NumPy's own order) ------------
SLICED = [((300, 256), 0), ((4, 50, 128), 1), ((3, 20, 130), -2), ((6, 40, 2, 64), 1)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,dim", SLICED)
def test_cumsum_by_slices_is_numpys_running_sum_exactly(shape, dim, dtype):
    a = RNG.standard_normal(shape).astype(dtype)
    g = RNG.standard_normal(shape).astype(dtype)
    x = mg.tensor(a, requires_grad=True)
    out = mg.cumsum(x, dim)
    (out * mg.tensor(g)).sum().backward()
    assert out.dtype == dtype and x.grad.dtype == dtype and x.grad.array.flags.c_contiguous
    np.testing.assert_array_equal(out.detach().numpy(), np.cumsum(a, axis=dim, dtype=dtype))
    want = np.flip(np.cumsum(np.flip(g, dim), axis=dim, dtype=dtype), dim)
    np.testing.assert_array_equal(x.grad.numpy(), want)


def test_cumsum_by_slices_of_integers_and_of_a_transposed_input():
    ints = RNG.integers(-5, 5, (40, 300)).astype(np.int32)
    out = mg.cumsum(mg.tensor(ints), 0)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.numpy(), np.cumsum(ints, axis=0, dtype=np.int64))
    base = RNG.standard_normal((256, 30)).astype(np.float32)
    np.testing.assert_array_equal(mg.cumsum(mg.tensor(base).t(), 0).numpy(),
                                  np.cumsum(base.T, axis=0))


def test_cumsum_by_slices_gradgradcheck():
    x = mg.tensor(RNG.standard_normal((3, 2, 128)), requires_grad=True)  # 128-long slices
    assert mg.gradcheck(lambda t: mg.cumsum(t, 1), (x,))
    assert mg.gradgradcheck(lambda t: mg.cumsum(t, 1) ** 2, (x,))


def test_cumsum_matches_torch_along_every_dim():
    torch = _torch()
    a = RNG.standard_normal((4, 40, 256)).astype(np.float32)
    for dim in (0, 1, 2):
        want = torch.cumsum(torch.tensor(a), dim).numpy()
        np.testing.assert_allclose(mg.cumsum(mg.tensor(a), dim).numpy(), want,
                                   rtol=1e-5, atol=1e-4)
