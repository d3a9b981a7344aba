"""F.pdist / mg.pdist (ops/pdist.py): PyTorch parity forward and backward over p (0, 1, 1.5,
2, 3, inf), duplicate rows, the condensed pair order, edge sizes (one row, no columns),
gradcheck / gradgradcheck, float32 kept, errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from tests.nn._torch_compare import compare_fn, rand


@pytest.mark.parametrize("p", [2.0, 1.0, 1.5, 3.0, 0.0, float("inf")])
def test_matches_torch(p) -> None:
    torch = pytest.importorskip("torch")
    compare_fn(lambda x: F.pdist(x, p), lambda x: torch.nn.functional.pdist(x, p),
               rand((5, 3)))
    assert mg.pdist is F.pdist


def test_default_p_and_pair_order() -> None:
    x = rand((4, 3))
    out = F.pdist(mg.tensor(x)).numpy()
    pairs = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    np.testing.assert_allclose(out, [np.linalg.norm(x[i] - x[j]) for i, j in pairs], rtol=1e-13)


def test_duplicate_rows_have_zero_gradient_as_torch() -> None:
    torch = pytest.importorskip("torch")
    x = rand((4, 3))
    x[2] = x[0]
    compare_fn(F.pdist, torch.nn.functional.pdist, x)


@pytest.mark.parametrize("shape", [(1, 3), (0, 3), (4, 0)])
def test_edge_sizes(shape) -> None:
    torch = pytest.importorskip("torch")
    ours = F.pdist(mg.tensor(np.zeros(shape)))
    theirs = torch.nn.functional.pdist(torch.zeros(shape, dtype=torch.float64))
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("p", [2.0, 1.5, 3.0])
def test_gradcheck_and_gradgradcheck(p) -> None:
    x = mg.tensor(rand((4, 3)), requires_grad=True)
    fn = lambda a: F.pdist(a, p)  # noqa: E731
    assert mg.gradcheck(fn, (x,)) and mg.gradgradcheck(fn, (x,))
    assert mg.gradcheck(lambda a: F.pdist(a.t(), p), (mg.tensor(rand((3, 5)),
                                                                  requires_grad=True),))


def test_float32_stays_float32() -> None:
    x = mg.randn(4, 3).requires_grad_()
    out = F.pdist(x) + F.pdist(x, np.float64(1.5))
    assert out.dtype == mg.float32
    out.sum().backward()
    assert x.grad.dtype == mg.float32


def test_errors() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match=r"pdist: only supports 2D tensors, got: 3D"):
        F.pdist(mg.zeros(2, 3, 4))
    with pytest.raises(RuntimeError):
        torch.nn.functional.pdist(torch.zeros(2, 3, 4))
    with pytest.raises(RuntimeError, match="non-negative p"):
        F.pdist(mg.zeros(3, 2), -1.0)
    with pytest.raises(RuntimeError):
        torch.nn.functional.pdist(torch.zeros(3, 2), -1.0)
    with pytest.raises(RuntimeError, match="floating-point"):
        F.pdist(mg.zeros((3, 2), dtype=mg.int64))
