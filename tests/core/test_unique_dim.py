"""unique(dim=...) and unique_consecutive(dim=...) (ops/selection.py) against torch over
their options and edge cases, and the vectorised running index of cummax / cummin
(ops/reduction_more.py's doubling scan): ties, NaN and integer inputs agree with torch."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


def _inputs() -> list:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 2, (6, 3, 2)).astype(np.float32), rng.integers(0, 3, (5, 4)),
            np.array([[1, 1], [1, 1]]), rng.integers(0, 2, (1, 4, 1)).astype(np.float64),
            np.array([[True, False], [True, False], [False, True]])]


@pytest.mark.parametrize("consecutive", [False, True])
@pytest.mark.parametrize("inverse", [False, True])
@pytest.mark.parametrize("counts", [False, True])
def test_unique_dim_matches_torch(consecutive: bool, inverse: bool, counts: bool) -> None:
    torch = pytest.importorskip("torch")
    for x in _inputs():
        for dim in range(-x.ndim, x.ndim):
            if consecutive:
                out = mg.unique_consecutive(mg.tensor(x), return_inverse=inverse,
                                            return_counts=counts, dim=dim)
                ref = torch.unique_consecutive(torch.tensor(x), return_inverse=inverse,
                                               return_counts=counts, dim=dim)
            else:
                out = mg.tensor(x).unique(return_inverse=inverse, return_counts=counts, dim=dim)
                ref = torch.unique(torch.tensor(x), return_inverse=inverse,
                                   return_counts=counts, dim=dim)
            out = out if isinstance(out, tuple) else (out,)
            ref = ref if isinstance(ref, tuple) else (ref,)
            assert len(out) == len(ref)
            for mine, theirs in zip(out, ref):
                assert str(mine.dtype) == str(theirs.dtype).replace("torch.", "")
                np.testing.assert_array_equal(mine.to_numpy(), theirs.numpy())


def test_unique_dim_sorts_rows_lexicographically() -> None:
    x = mg.tensor([[2, 0], [1, 5], [2, 0], [1, 3]])
    values, inverse, counts = mg.unique(x, return_inverse=True, return_counts=True, dim=0)
    np.testing.assert_array_equal(values.to_numpy(), [[1, 3], [1, 5], [2, 0]])
    np.testing.assert_array_equal(inverse.to_numpy(), [2, 1, 2, 0])
    np.testing.assert_array_equal(counts.to_numpy(), [1, 1, 2])


def test_unique_dim_errors_name_the_op() -> None:
    with pytest.raises(IndexError, match="unique_consecutive: dim 3 is out of range"):
        mg.unique_consecutive(mg.ones(2, 2), dim=3)


@pytest.mark.parametrize("op", ["cummax", "cummin"])
def test_running_index_matches_torch_on_ties_nan_and_ints(op: str) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    floats = rng.integers(0, 4, (5, 37)).astype(np.float64)
    floats[1, 3] = floats[2, 30] = floats[2, 31] = np.nan
    cases = [floats, floats.astype(np.float32), rng.integers(-3, 3, (4, 9, 3)),
             np.array([[True, False, True, True]]), np.array([2.0]), np.zeros((2, 0))]
    for x in cases:
        for dim in range(-x.ndim, x.ndim):
            values, indices = getattr(mg, op)(mg.tensor(x), dim)
            t_values, t_indices = getattr(torch, op)(torch.tensor(x), dim)
            np.testing.assert_array_equal(indices.to_numpy(), t_indices.numpy())
            np.testing.assert_array_equal(values.to_numpy(), t_values.numpy())
