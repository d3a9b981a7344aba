"""gather / index_select as flat takes, logsumexp as one op, cumsum's array backward.

Each new path is checked against PyTorch (float64 and float32), by gradcheck and
gradgradcheck (its backward's backward is the forward op again), and against the cases
it must hand back to the general code (non-contiguous input, empty tensors, -inf rows).
"""
import numpy as np
import pytest

import minigrad as mg

RNG = np.random.default_rng(9)


def _torch():
    return pytest.importorskip("torch")


def _selection_matches_torch(name, x, dim, index, g):
    """``name`` (gather or index_select) forward and input gradient, exactly as PyTorch's."""
    torch = _torch()
    ours = mg.tensor(x, requires_grad=True)
    out = getattr(mg, name)(ours, dim, mg.tensor(index))
    (out * mg.tensor(g)).sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    want = getattr(torch, name)(theirs, dim, torch.tensor(index))
    (want * torch.tensor(g)).sum().backward()
    assert out.dtype == x.dtype and ours.grad.dtype == x.dtype
    np.testing.assert_array_equal(out.detach().numpy(), want.detach().numpy())
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_gather_matches_torch_with_repeats_and_a_smaller_index(dim, dtype):
    x = RNG.standard_normal((4, 5, 6)).astype(dtype)
    size = x.shape[dim]
    shape = [3, 4, 5]  # smaller than x on every dim
    index = RNG.integers(0, size, shape)
    index.reshape(-1)[:3] = index.reshape(-1)[0]  # repeats: backward must add them up
    g = RNG.standard_normal(shape).astype(dtype)
    _selection_matches_torch("gather", x, dim, index, g)


def test_gather_of_a_non_contiguous_input_agrees_with_its_copy():
    base = RNG.standard_normal((6, 5))
    index = mg.tensor(RNG.integers(0, 6, (4, 5)))
    view = mg.tensor(base).t()  # (5, 6), not C-contiguous
    copy = mg.tensor(np.ascontiguousarray(base.T))
    np.testing.assert_array_equal(mg.gather(view, 1, index[:, :4].t()).numpy(),
                                  mg.gather(copy, 1, index[:, :4].t()).numpy())


def test_gather_of_empty_and_0d_inputs():
    empty = mg.zeros(0, 3)
    assert tuple(mg.gather(empty, 0, mg.zeros(0, 3, dtype=mg.int64)).shape) == (0, 3)
    scalar = mg.tensor(2.5, requires_grad=True)
    out = mg.gather(scalar, 0, mg.tensor(0))
    out.backward()
    assert float(out) == 2.5 and float(scalar.grad) == 1.0


def test_gather_gradcheck_and_gradgradcheck():
    x = mg.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    index = mg.tensor(np.array([[0, 0, 2], [1, 1, 1], [2, 0, 0]]))
    assert mg.gradcheck(lambda t: mg.gather(t, 1, index), (x,))
    assert mg.gradgradcheck(lambda t: mg.gather(t, 1, index) ** 2, (x,))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("dim", [0, 1])
def test_index_select_matches_torch_with_repeats(dim, dtype):
    x = RNG.standard_normal((7, 5)).astype(dtype)
    index = np.array([3, 0, 3, 4, 3, 1])  # 3 repeats: added up in backward
    g = RNG.standard_normal((6, 5) if dim == 0 else (7, 6)).astype(dtype)
    _selection_matches_torch("index_select", x, dim, index, g)


def test_index_select_gradgradcheck_and_0d():
    x = mg.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    index = mg.tensor(np.array([2, 2, 0]))
    assert mg.gradcheck(lambda t: mg.index_select(t, 0, index), (x,))
    assert mg.gradgradcheck(lambda t: mg.index_select(t, 1, index) ** 2, (x,))
    scalar = mg.tensor(1.5, requires_grad=True)
    out = mg.index_select(scalar, 0, mg.tensor(0))
    out.backward()
    assert out.shape == () and float(scalar.grad) == 1.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logsumexp_matches_torch_with_infinities(dtype):
    torch = _torch()
    x = RNG.standard_normal((5, 6)).astype(dtype) * 30
    x[1] = -np.inf  # a row of -inf: -inf, gradient 0 (not nan)
    x[2, 3] = -np.inf
    x[3, 0] = np.inf
    g = RNG.standard_normal(5).astype(dtype)
    ours = mg.tensor(x, requires_grad=True)
    out = mg.logsumexp(ours, 1)
    (out * mg.tensor(g)).sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    want = torch.logsumexp(theirs, 1)
    (want * torch.tensor(g)).sum().backward()
    assert out.dtype == dtype and ours.grad.dtype == dtype
    tol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(out.detach().numpy(), want.detach().numpy(), rtol=tol)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=tol, atol=tol)


def test_logsumexp_over_several_dims_keepdim_and_its_derivatives():
    torch = _torch()
    x = RNG.standard_normal((3, 4, 5))
    out = mg.logsumexp(mg.tensor(x), (0, 2), keepdim=True)
    np.testing.assert_allclose(out.numpy(), torch.logsumexp(torch.tensor(x), (0, 2), True).numpy(),
                               rtol=1e-13)
    t = mg.tensor(x[:2, :3, :2].copy(), requires_grad=True)
    assert mg.gradcheck(lambda a: mg.logsumexp(a, (0, 2)), (t,))
    assert mg.gradgradcheck(lambda a: mg.logsumexp(a, 1), (t,))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum_backward_matches_torch(dim, dtype):
    torch = _torch()
    x = RNG.standard_normal((6, 7)).astype(dtype)
    g = RNG.standard_normal((6, 7)).astype(dtype)
    ours = mg.tensor(x, requires_grad=True)
    (mg.cumsum(ours, dim) * mg.tensor(g)).sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    (torch.cumsum(theirs, dim) * torch.tensor(g)).sum().backward()
    assert ours.grad.dtype == dtype
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_cumsum_gradgradcheck():
    x = mg.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    assert mg.gradcheck(lambda t: mg.cumsum(t, 1), (x,))
    assert mg.gradgradcheck(lambda t: mg.cumsum(t, 0) ** 2, (x,))
