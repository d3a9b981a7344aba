"""Fast paths: gather as a flat take (and its flat scatter-add), index_select as a
take (its backward writes rows picked once and scatter-adds only repeats), cumsum's plain
backward written into a fresh array, and logsumexp as one op with a kept exp.

These complement test_indexing_reduction_fast_paths_vs_torch.py (PyTorch comparisons, gradcheck and
gradgradcheck) with checks that need no PyTorch: each raw-array backward against an exact
NumPy reference that adds in the same order, float32 kept, and the layout of what it returns."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.backend import get_backend


def _leaf(a: np.ndarray) -> mg.Tensor:
    return mg.tensor(a, requires_grad=True)


def _backward(out: mg.Tensor, g: np.ndarray) -> None:
    (out * mg.tensor(g)).sum().backward()


# --- gather -----------------------------------------------------------------------------------
GATHER_CASES = [((6, 9), 1, (6, 12)), ((6, 9), 0, (4, 9)), ((3, 4, 5), 0, (7, 4, 2)),
                ((3, 4, 5), 1, (2, 6, 3)), ((3, 4, 5), 2, (3, 4, 9)), ((7,), 0, (11,))]


def _gather_reference(a: np.ndarray, dim: int, idx: np.ndarray, g: np.ndarray):
    """np.take_along_axis on the leading block, and its adjoint with np.add.at in C order."""
    block = a[tuple(slice(0, s) if d != dim else slice(None) for d, s in enumerate(idx.shape))]
    out = np.take_along_axis(block, idx, dim)
    grad = np.zeros_like(a)
    coords = list(np.indices(idx.shape))
    coords[dim] = idx
    np.add.at(grad, tuple(coords), g)
    return out, grad


@pytest.mark.parametrize("shape,dim,ishape", GATHER_CASES)
def test_gather_float32_matches_exact_reference(shape, dim, ishape):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape).astype(np.float32)
    idx = rng.integers(0, shape[dim], ishape)  # repeats are likely: their gradients add up
    g = rng.standard_normal(ishape).astype(np.float32)
    x = _leaf(a)
    out = mg.gather(x, dim, mg.tensor(idx))
    _backward(out, g)
    want_out, want_grad = _gather_reference(a, dim, idx, g)
    assert out.dtype == np.float32 and x.grad.dtype == np.float32
    np.testing.assert_array_equal(out.detach().numpy(), want_out)
    np.testing.assert_array_equal(x.grad.numpy(), want_grad)


def test_gather_int32_index_and_noncontiguous_input_agree():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((5, 8))
    idx = rng.integers(0, 5, (3, 8))
    x = _leaf(a)
    xt = _leaf(np.ascontiguousarray(a.T))
    flat = mg.gather(x, 0, mg.tensor(idx.astype(np.int32)))  # the flat-take path
    strided = mg.gather(xt.t(), 0, mg.tensor(idx))  # a transposed view: the indexed path
    np.testing.assert_array_equal(flat.detach().numpy(), strided.detach().numpy())
    g = rng.standard_normal((3, 8))
    _backward(flat, g)
    _backward(strided, g)
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy().T)


# --- index_select -----------------------------------------------------------------------------
@pytest.mark.parametrize("shape,dim,n", [((50, 4), 0, 40), ((3, 30, 2), 1, 45), ((4, 6), 1, 6),
                                         ((9,), 0, 20), ((8, 3), 0, 0)])
def test_index_select_float32_matches_exact_reference(shape, dim, n):
    rng = np.random.default_rng(4)
    a = rng.standard_normal(shape).astype(np.float32)
    idx = rng.integers(0, shape[dim], n)  # mixes rows picked once with repeated rows
    out_shape = shape[:dim] + (n,) + shape[dim + 1:]
    g = rng.standard_normal(out_shape).astype(np.float32)
    x = _leaf(a)
    out = mg.index_select(x, dim, mg.tensor(idx))
    _backward(out, g)
    want = np.zeros_like(a)
    np.add.at(want, (slice(None),) * dim + (idx,), g)  # in order, as PyTorch's index_add
    assert out.dtype == np.float32 and x.grad.dtype == np.float32
    np.testing.assert_array_equal(out.detach().numpy(), np.take(a, idx, axis=dim))
    np.testing.assert_array_equal(x.grad.numpy(), want)


def test_index_select_all_unique_and_all_repeated():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((6, 3)).astype(np.float32)
    for idx in (rng.permutation(6), np.full(7, 2)):
        x = _leaf(a)
        g = rng.standard_normal((len(idx), 3)).astype(np.float32)
        _backward(mg.index_select(x, 0, mg.tensor(idx)), g)
        want = np.zeros_like(a)
        np.add.at(want, idx, g)
        np.testing.assert_array_equal(x.grad.numpy(), want)


# --- the backend's 1-D scatter-add -------------------------------------------------------------
def test_backend_scatter_add_1d_repeats_and_negative_indices():
    rng = np.random.default_rng(8)
    be = get_backend("cpu")
    idx = rng.integers(-10, 10, 200)  # many repeats, negative indices count from the end
    values = rng.standard_normal(200).astype(np.float32)
    got = np.zeros(10, np.float32)
    be.scatter_add(got, (idx,), values)
    want = np.zeros(10, np.float32)
    np.add.at(want, idx, values)
    np.testing.assert_array_equal(got, want)


# --- cumsum -----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,dim", [((7, 9), 1), ((7, 9), 0), ((3, 4, 5), 1), ((11,), 0)])
def test_cumsum_backward_is_the_exact_reversed_running_sum(shape, dim):
    rng = np.random.default_rng(9)
    a = rng.standard_normal(shape).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    x = _leaf(a)
    out = mg.cumsum(x, dim)
    _backward(out, g)
    want = np.flip(np.cumsum(np.flip(g, dim), axis=dim, dtype=np.float32), dim)
    assert out.dtype == np.float32 and x.grad.dtype == np.float32
    np.testing.assert_array_equal(out.detach().numpy(), np.cumsum(a, axis=dim, dtype=np.float32))
    np.testing.assert_array_equal(x.grad.numpy(), want)
    assert x.grad.array.flags.c_contiguous  # written in place, not a flipped view


def test_cumsum_of_a_noncontiguous_gradient():
    rng = np.random.default_rng(10)
    x = _leaf(rng.standard_normal((4, 6)))
    g = rng.standard_normal((6, 4))
    (mg.cumsum(x, 1) * mg.tensor(g).t()).sum().backward()  # the gradient arrives transposed
    np.testing.assert_array_equal(x.grad.numpy(), np.flip(np.cumsum(np.flip(g.T, 1), 1), 1))


# --- logsumexp --------------------------------------------------------------------------------
def test_logsumexp_is_exp_weighted_gradient():
    """The kept-exp backward e * g / s equals softmax(x) * g, without PyTorch."""
    rng = np.random.default_rng(13)
    a = rng.standard_normal((5, 8))
    g = rng.standard_normal(5)
    x = _leaf(a)
    _backward(mg.logsumexp(x, 1), g)
    soft = np.exp(a - a.max(1, keepdims=True))
    soft /= soft.sum(1, keepdims=True)
    np.testing.assert_allclose(x.grad.numpy(), soft * g[:, None], rtol=1e-12, atol=1e-15)
