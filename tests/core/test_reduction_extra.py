"""prod, cumsum, cumprod, norm, median, numel: the harness plus gradients at zeros, dtypes and
errors. prod and cumprod are multilinear, so gradcheck's finite differences are exact even at
the zeros their backward treats specially."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis.extra import numpy as hnp

import minigrad as mg
from harness import OpSpec, OpSuite, away_from_zero, distinct

CASES = [((3, 4),), ((2, 3, 4),)]
INF = float("inf")


def one_zero_per_row(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Normal values with one exact zero in every row of the last dim."""
    x = rng.standard_normal(shape)
    if x.ndim and shape[-1]:
        np.put_along_axis(x, rng.integers(0, shape[-1], shape[:-1] + (1,)), 0.0, axis=-1)
    return x


def two_zeros_per_row(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Normal values with two exact zeros in every row of the last dim (when it has two)."""
    x = rng.standard_normal(shape)
    if x.ndim and shape[-1] >= 2:
        cols = np.argsort(rng.random(shape), axis=-1)[..., :2]
        np.put_along_axis(x, cols, 0.0, axis=-1)
    return x


def _shapes(min_dims: int) -> callable:
    return lambda: hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=4).map(
        lambda s: (s,))


def _norm(x: np.ndarray, p: float, axis=None, keepdims: bool = False) -> np.ndarray:
    a = np.abs(x)
    if p == INF:
        return a.max(axis=axis, keepdims=keepdims)
    if p == -INF:
        return a.min(axis=axis, keepdims=keepdims)
    return (a ** p).sum(axis=axis, keepdims=keepdims) ** (1 / p)


def _lower_median(x: np.ndarray, axis: int) -> np.ndarray:
    return np.take(np.sort(x, axis=axis), (x.shape[axis] - 1) // 2, axis=axis)


OPS = [
    OpSpec("prod_all", lambda m, x: m.prod(x), np.prod, [((3, 4),), ((5,),), ((),)]),
    OpSpec("prod_dim", lambda m, x: x.prod(1), lambda x: x.prod(axis=1), CASES,
           hyp_shapes=_shapes(2)),
    OpSpec("prod_neg_dim_keepdim", lambda m, x: x.prod(-1, keepdim=True),
           lambda x: x.prod(axis=-1, keepdims=True), CASES, hyp_shapes=_shapes(1)),
    OpSpec("prod_one_zero", lambda m, x: x.prod(-1), lambda x: x.prod(axis=-1),
           [((3, 4),), ((2, 3, 5),), ((1,),)], domain=one_zero_per_row, hyp_shapes=_shapes(1)),
    OpSpec("prod_two_zeros", lambda m, x: x.prod(-1), lambda x: x.prod(axis=-1),
           [((3, 4),), ((2, 3, 5),)], domain=two_zeros_per_row, hyp_shapes=_shapes(1)),
    OpSpec("prod_all_with_a_zero", lambda m, x: x.prod(), np.prod, [((3, 4),)],
           domain=one_zero_per_row, hyp_shapes=_shapes(1)),
    OpSpec("prod_dim0_with_zeros", lambda m, x: x.prod(0), lambda x: x.prod(axis=0),
           [((4, 3),), ((3, 2, 4),)], domain=two_zeros_per_row, hyp_shapes=_shapes(1)),
    OpSpec("cumsum_dim0", lambda m, x: m.cumsum(x, 0), lambda x: np.cumsum(x, axis=0), CASES,
           hyp_shapes=_shapes(1)),
    OpSpec("cumsum_neg_dim", lambda m, x: x.cumsum(-1), lambda x: np.cumsum(x, axis=-1), CASES,
           hyp_shapes=_shapes(1)),
    OpSpec("cumprod_dim1", lambda m, x: m.cumprod(x, 1), lambda x: np.cumprod(x, axis=1), CASES,
           hyp_shapes=_shapes(2)),
    OpSpec("cumprod_one_zero", lambda m, x: x.cumprod(-1), lambda x: np.cumprod(x, axis=-1),
           [((3, 4),), ((2, 3, 5),)], domain=one_zero_per_row, hyp_shapes=_shapes(1)),
    OpSpec("cumprod_two_zeros", lambda m, x: x.cumprod(-1), lambda x: np.cumprod(x, axis=-1),
           [((3, 4),), ((2, 3, 5),)], domain=two_zeros_per_row, hyp_shapes=_shapes(1)),
    OpSpec("norm_fro_all", lambda m, x: m.norm(x), lambda x: np.sqrt((x * x).sum()),
           [((3, 4),), ((5,),), ((2, 3, 4),)]),
    OpSpec("norm_fro_dims_keepdim", lambda m, x: x.norm("fro", dim=(0, 1), keepdim=True),
           lambda x: np.sqrt((x * x).sum(axis=(0, 1), keepdims=True)), CASES,
           hyp_shapes=_shapes(2)),
    OpSpec("norm_2_dim", lambda m, x: x.norm(2, dim=1), lambda x: _norm(x, 2, 1), CASES,
           hyp_shapes=_shapes(2)),
    OpSpec("norm_1_dim", lambda m, x: x.norm(1, dim=-1), lambda x: _norm(x, 1, -1), CASES,
           domain=away_from_zero, hyp_shapes=_shapes(1)),
    OpSpec("norm_3_all", lambda m, x: x.norm(3), lambda x: _norm(x, 3), CASES),
    OpSpec("norm_1_5_dim", lambda m, x: x.norm(1.5, dim=0), lambda x: _norm(x, 1.5, 0), CASES,
           domain=away_from_zero, hyp_shapes=_shapes(1)),
    OpSpec("norm_0_5_dim", lambda m, x: x.norm(0.5, dim=1), lambda x: _norm(x, 0.5, 1), CASES,
           domain=away_from_zero, hyp_shapes=_shapes(2)),
    OpSpec("norm_inf", lambda m, x: x.norm(INF, dim=1), lambda x: _norm(x, INF, 1), CASES,
           domain=distinct, hyp_shapes=_shapes(2)),
    OpSpec("norm_neg_inf_all", lambda m, x: x.norm(-INF), lambda x: _norm(x, -INF), CASES,
           domain=distinct),
    OpSpec("median_dim_values", lambda m, x: x.median(1).values, lambda x: _lower_median(x, 1),
           [((3, 4),), ((2, 5, 3),)], domain=distinct, hyp_shapes=_shapes(2)),
    OpSpec("median_all", lambda m, x: m.median(x), lambda x: _lower_median(x.reshape(-1), 0),
           [((3, 4),), ((5,),)], domain=distinct, min_dims=1),
    OpSpec("median_keepdim", lambda m, x: x.median(-1, keepdim=True)[0],
           lambda x: np.expand_dims(_lower_median(x, -1), -1), CASES, domain=distinct,
           hyp_shapes=_shapes(1)),
]


class TestReductionExtra(OpSuite):
    OPS = OPS


# --- gradients at zeros, exactly --------------------------------------------------------------
@pytest.mark.parametrize("values", [[2.0, 0.0, 3.0, -1.5], [0.0, 4.0, 0.0, 2.0], [5.0, 0.0]])
def test_prod_gradient_is_the_product_of_the_others(values) -> None:
    x = mg.tensor(values, dtype=mg.float64, requires_grad=True)
    x.prod().backward()
    expected = [np.prod(np.delete(values, i)) for i in range(len(values))]
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_cumprod_gradient_with_a_zero_matches_the_jacobian() -> None:
    values = np.array([2.0, 0.0, 3.0, -1.5])
    g = np.array([0.5, -1.0, 2.0, 0.25])
    x = mg.tensor(values, dtype=mg.float64, requires_grad=True)
    x.cumprod(0).backward(mg.tensor(g, dtype=mg.float64))
    jac = np.zeros((4, 4))  # d out_j / d x_i = product of x_k, k <= j, k != i
    for i in range(4):
        for j in range(i, 4):
            jac[i, j] = np.prod(np.delete(values[:j + 1], i))
    np.testing.assert_array_equal(x.grad.numpy(), jac @ g)


@pytest.mark.parametrize("p", ["fro", 2, 3, 1.5, 1])
def test_norm_gradient_at_zero_is_zero(p) -> None:
    x = mg.zeros(2, 3, dtype=mg.float64, requires_grad=True)
    x.norm(p).backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 3)))
    y = mg.tensor([[0.0, 0.0], [3.0, 4.0]], dtype=mg.float64, requires_grad=True)
    y.norm(p, dim=1).sum().backward()
    assert np.isfinite(y.grad.numpy()).all()
    np.testing.assert_array_equal(y.grad.numpy()[0], [0.0, 0.0])


def test_norm_gradients_with_zeros_match_torch() -> None:
    torch = pytest.importorskip("torch")
    values = np.array([[0.0, 0.0, 0.0], [0.0, -2.0, 1.0], [3.0, 0.0, -4.0]])
    for p in ("fro", 2, 3, 1.5, 1, 0.5, 0, INF, -INF):
        x = mg.tensor(values, requires_grad=True)
        t = torch.tensor(values, requires_grad=True)
        out, tout = x.norm(p, dim=1), torch.norm(t, p, dim=1)
        np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
        out.sum().backward()
        tout.sum().backward()
        # torch leaves p=0's gradient undefined (None): it is zero everywhere.
        expected = np.zeros_like(values) if t.grad is None else t.grad.numpy()
        np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12, atol=0,
                                   err_msg=f"p={p}")


# --- dtypes ------------------------------------------------------------------------------------
def test_integer_products_and_running_sums_are_int64_like_torch() -> None:
    torch = pytest.importorskip("torch")
    a = np.array([[1, 2, 3], [4, 0, 6]], dtype=np.int32)
    for fn in (lambda m, x: m.prod(x), lambda m, x: x.prod(1), lambda m, x: m.cumsum(x, 1),
               lambda m, x: x.cumprod(0), lambda m, x: x.bool().cumsum(1),
               lambda m, x: m.cumsum(x, 0, dtype=m.float64)):
        out, expected = fn(mg, mg.tensor(a)), fn(torch, torch.tensor(a))
        assert str(out.dtype) == str(expected.dtype).replace("torch.", "")
        np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_float32_cumsum_and_prod_backward_stay_float32_with_zeros() -> None:
    x = mg.tensor([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0]], requires_grad=True)
    out = x.prod(1).sum() + x.cumprod(1).sum() + x.cumsum(0).sum()
    assert out.dtype == mg.float32
    out.backward()
    assert x.grad.dtype == mg.float32


def test_prod_and_running_ops_of_0d_and_empty() -> None:
    torch = pytest.importorskip("torch")
    for fn in (lambda m, x: m.prod(x, 0), lambda m, x: m.cumsum(x, -1), lambda m, x: x.cumprod(0),
               lambda m, x: m.prod(m.zeros(0, 3, dtype=x.dtype), 0),
               lambda m, x: m.cumsum(m.zeros(2, 0, dtype=x.dtype), 1)):
        out = fn(mg, mg.tensor(2.5, dtype=mg.float64))
        expected = fn(torch, torch.tensor(2.5, dtype=torch.float64))
        assert tuple(out.shape) == tuple(expected.shape)
        np.testing.assert_array_equal(out.numpy(), expected.numpy())


# --- median --------------------------------------------------------------------------------------
def test_median_nan_and_indices_match_torch() -> None:
    torch = pytest.importorskip("torch")
    nan = float("nan")
    a = np.array([[1.0, nan, 0.0, nan], [3.0, 1.0, 2.0, 0.5], [2.0, 2.5, -1.0, nan]])
    out, expected = mg.tensor(a).median(1), torch.tensor(a).median(1)
    np.testing.assert_array_equal(out.values.numpy(), expected.values.numpy())
    np.testing.assert_array_equal(out.indices.numpy(), expected.indices.numpy())
    assert np.isnan(mg.median(mg.tensor(a)).item())
    assert np.isnan(torch.median(torch.tensor(a)).item())
    assert np.isnan(mg.median(mg.zeros(0)).item())
    ints = np.array([[5, 1, 4, 2], [0, 9, 3, 7]])
    out, expected = mg.tensor(ints).median(-1), torch.tensor(ints).median(-1)
    np.testing.assert_array_equal(out.values.numpy(), expected.values.numpy())
    np.testing.assert_array_equal(out.indices.numpy(), expected.indices.numpy())


def test_median_gradient_goes_to_the_median_element() -> None:
    x = mg.tensor([[3.0, 1.0, 2.0, 5.0]], dtype=mg.float64, requires_grad=True)
    values, indices = x.median(1)
    values.sum().backward()
    expected = np.zeros((1, 4))
    expected[0, int(indices.item())] = 1.0
    assert x[0, int(indices.item())].item() == sorted([3.0, 1.0, 2.0, 5.0])[1]
    np.testing.assert_array_equal(x.grad.numpy(), expected)


# --- arguments and errors -----------------------------------------------------------------------
def test_numel() -> None:
    assert mg.numel(mg.zeros(2, 3, 4)) == 24 and mg.numel(mg.tensor(1.0)) == 1
    assert mg.numel(mg.zeros(0, 3)) == 0


def test_errors_name_the_op() -> None:
    x = mg.zeros(2, 3)
    with pytest.raises(TypeError, match=r"prod: dim must be an int or None, got \(0, 1\)"):
        mg.prod(x, (0, 1))
    with pytest.raises(IndexError, match=r"prod: dim 2 is out of range for a tensor of "
                                         r"shape \(2, 3\)"):
        x.prod(2)
    with pytest.raises(IndexError, match="cumsum: dim -3 is out of range"):
        x.cumsum(-3)
    with pytest.raises(IndexError, match="cumprod: dim 5 is out of range"):
        x.cumprod(5)
    with pytest.raises(TypeError, match="norm: expected a floating-point tensor, got int64"):
        mg.norm(mg.zeros(2, dtype=mg.int64))
    with pytest.raises(RuntimeError, match="norm: p='foo' is not supported"):
        x.norm("foo")
    with pytest.raises(TypeError, match="norm: p must be a number"):
        x.norm([2])
    with pytest.raises(IndexError, match="norm: dim 3 is out of range"):
        x.norm(dim=3)
    with pytest.raises(IndexError, match=r"median: cannot take the median of an empty "
                                         r"dimension 0 of a tensor of shape \(0, 3\)"):
        mg.zeros(0, 3).median(0)
