"""Reductions over dim (int, tuple or all) with keepdim, declared for the shared harness."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from harness import OpSpec, OpSuite, distinct

CASES_3D = [((2, 3, 4),), ((3, 1, 2),)]
CASES = [((3, 4),), ((2, 3, 4),)]


def _logsumexp(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return np.squeeze(np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m, axis=axis)


def _shapes_3d() -> st.SearchStrategy:
    return hnp.array_shapes(min_dims=3, max_dims=4, min_side=1, max_side=4).map(lambda s: (s,))


def _shapes_2d_2wide() -> st.SearchStrategy:
    """At least two dims and two elements along dim 1 (unbiased variance needs N > 1)."""
    return st.tuples(st.integers(1, 4), st.integers(2, 4), st.lists(st.integers(1, 3), max_size=1)
                     ).map(lambda t: ((t[0], t[1], *t[2]),))


REDUCTIONS = [
    OpSpec("sum_all", lambda m, x: x.sum(), np.sum, [((3, 4),), ((5,),), ((),)]),
    OpSpec("sum_dim", lambda m, x: x.sum(dim=1), lambda x: x.sum(axis=1), CASES, min_dims=2),
    OpSpec("sum_neg_dim_keepdim", lambda m, x: x.sum(dim=-1, keepdim=True),
           lambda x: x.sum(axis=-1, keepdims=True), CASES, min_dims=1),
    OpSpec("sum_tuple_dim", lambda m, x: x.sum(dim=(0, 2)), lambda x: x.sum(axis=(0, 2)), CASES_3D,
           hyp_shapes=_shapes_3d),
    OpSpec("sum_tuple_keepdim", lambda m, x: x.sum(dim=(0, 2), keepdim=True),
           lambda x: x.sum(axis=(0, 2), keepdims=True), CASES_3D, hyp_shapes=_shapes_3d),
    OpSpec("mean_all", lambda m, x: x.mean(), np.mean, [((3, 4),), ((5,),)], min_dims=1),
    OpSpec("mean_dim", lambda m, x: x.mean(dim=0), lambda x: x.mean(axis=0), CASES, min_dims=1),
    OpSpec("mean_tuple_keepdim", lambda m, x: x.mean(dim=(1, 2), keepdim=True),
           lambda x: x.mean(axis=(1, 2), keepdims=True), CASES_3D, hyp_shapes=_shapes_3d),
    OpSpec("var_all", lambda m, x: x.var(), lambda x: x.var(ddof=1), [((3, 4),), ((6,),)],
           hyp_shapes=_shapes_2d_2wide),
    OpSpec("var_dim", lambda m, x: x.var(dim=1), lambda x: x.var(axis=1, ddof=1), CASES,
           hyp_shapes=_shapes_2d_2wide),
    OpSpec("var_biased_keepdim", lambda m, x: x.var(dim=(0, 2), keepdim=True, correction=0),
           lambda x: x.var(axis=(0, 2), keepdims=True), CASES_3D, hyp_shapes=_shapes_3d),
    OpSpec("var_unbiased_false", lambda m, x: x.var(dim=1, unbiased=False),
           lambda x: x.var(axis=1), CASES, min_dims=2),
    OpSpec("std_all", lambda m, x: x.std(), lambda x: x.std(ddof=1), [((3, 4),), ((6,),)],
           hyp_shapes=_shapes_2d_2wide),
    OpSpec("std_dim", lambda m, x: x.std(dim=1), lambda x: x.std(axis=1, ddof=1), CASES,
           hyp_shapes=_shapes_2d_2wide),
    OpSpec("amax_all", lambda m, x: x.amax(), np.max, [((3, 4),), ((5,),)], domain=distinct,
           min_dims=1),
    OpSpec("amax_tuple", lambda m, x: x.amax(dim=(0, 2)), lambda x: x.max(axis=(0, 2)), CASES_3D,
           domain=distinct, hyp_shapes=_shapes_3d),
    OpSpec("amin_keepdim", lambda m, x: x.amin(dim=1, keepdim=True),
           lambda x: x.min(axis=1, keepdims=True), CASES, domain=distinct, min_dims=2),
    OpSpec("max_all", lambda m, x: x.max(), np.max, [((3, 4),)], domain=distinct, min_dims=1),
    OpSpec("max_dim_values", lambda m, x: x.max(dim=1)[0], lambda x: x.max(axis=1), CASES,
           domain=distinct, min_dims=2),
    OpSpec("min_dim_values", lambda m, x: x.min(dim=0, keepdim=True).values,
           lambda x: x.min(axis=0, keepdims=True), CASES, domain=distinct, min_dims=1),
    OpSpec("logsumexp", lambda m, x: x.logsumexp(dim=1), lambda x: _logsumexp(x, 1), CASES,
           min_dims=2),
    # A 0-d tensor reduces over dim 0 / -1 as PyTorch allows: each of these is the identity
    # (softmax gives 1, log_softmax 0).
    OpSpec("reductions_of_0d", lambda m, x: x.sum(dim=0) + x.amax(dim=-1) + x.mean(0) +
           x.logsumexp(0) + x.softmax(0) * x + x.log_softmax(-1) + x.max(dim=0)[0],
           lambda x: 6 * x, [((),)], hyp_shapes=lambda: st.just(((),))),
]


class TestReductions(OpSuite):
    OPS = REDUCTIONS


def test_amax_shares_the_gradient_between_ties() -> None:
    x = mg.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]], requires_grad=True)
    x.amax(dim=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0.5, 0.5], [1, 0, 0]])


def test_max_with_dim_returns_values_and_indices() -> None:
    x = mg.tensor([[1.0, 5.0, 3.0], [7.0, 0.0, 1.0]])
    values, indices = x.max(dim=1)
    np.testing.assert_array_equal(values.numpy(), [5.0, 7.0])
    np.testing.assert_array_equal(indices.numpy(), [1, 0])
    assert indices.dtype == mg.int64
    vmin = x.min(dim=0, keepdim=True)
    assert vmin.values.shape == (1, 3) and vmin.indices.shape == (1, 3)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_argmax_argmin_match_numpy_and_are_not_differentiable(dim, keepdim) -> None:
    data = np.random.default_rng(0).standard_normal((3, 5))
    x = mg.tensor(data, requires_grad=True)
    for op in ("argmax", "argmin"):
        out = getattr(x, op)(dim=dim, keepdim=keepdim)
        expected = getattr(np, op)(data, axis=dim, keepdims=keepdim)
        assert out.dtype == mg.int64 and not out.requires_grad and out.grad_fn is None
        np.testing.assert_array_equal(out.numpy(), expected)


def test_sum_of_integers_and_bools_counts_in_int64() -> None:
    assert mg.tensor([True, True, False]).sum().item() == 2
    assert mg.tensor([True, False]).sum().dtype == mg.int64
    assert mg.tensor([1, 2, 3], dtype=mg.int32).sum().dtype == mg.int64


def test_mean_of_an_integer_tensor_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="mean.*int64"):
        mg.tensor([1, 2, 3]).mean()


def test_reduction_dim_out_of_range_names_the_op() -> None:
    with pytest.raises(IndexError, match=r"sum: dim 2 is out of range for a tensor of "
                                          r"shape \(2, 3\) \(expected a dim in \[-2, 1\]\)"):
        mg.zeros(2, 3).sum(dim=2)
    with pytest.raises(ValueError, match="mean: dim .* repeats"):
        mg.zeros(2, 3).mean(dim=(1, -1))


def test_logsumexp_is_stable_for_large_inputs() -> None:
    x = mg.tensor([[1000.0, 1000.0], [-1000.0, -1000.0]], dtype=mg.float64, requires_grad=True)
    out = x.logsumexp(dim=1)
    np.testing.assert_allclose(out.detach().numpy(), [1000 + np.log(2), -1000 + np.log(2)])
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 2), 0.5))


@pytest.mark.parametrize("op, expected", [
    ("max", [[0, 1, 0], [1, 0, 0]]),   # ties (3, 3) and (2, 2): the first index wins, alone
    ("min", [[1, 0, 0], [0, 0, 1]])])
def test_max_min_with_dim_send_the_gradient_to_the_returned_index(op, expected) -> None:
    """torch.max(x, dim) backpropagates through its indices, unlike amax, which shares."""
    x = mg.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]], requires_grad=True)
    values, indices = getattr(x, op)(dim=1)
    values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    assert values.shape == (2,) and indices.shape == (2,)


@pytest.mark.parametrize("keepdim", [False, True])
def test_max_with_dim_gradchecks_and_matches_torch(keepdim) -> None:
    data = np.random.default_rng(3).standard_normal((3, 4, 5))
    x = mg.tensor(data, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(lambda t: t.max(dim=1, keepdim=keepdim).values, (x,))
    torch = pytest.importorskip("torch")
    tied = np.round(data)  # many ties
    ours = mg.tensor(tied, dtype=mg.float64, requires_grad=True)
    theirs = torch.tensor(tied, requires_grad=True)
    v, i = ours.max(dim=-1, keepdim=keepdim)
    tv, ti = theirs.max(dim=-1, keepdim=keepdim)
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    weights = np.arange(1.0, v.numel() + 1).reshape(v.shape)
    (v * mg.tensor(weights, dtype=mg.float64)).sum().backward()
    (tv * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


def test_logsumexp_of_empty_and_of_infinite_slices_follows_pytorch():
    """log(0) = -inf for an empty sum and for a slice of -inf only (taking the max out first
    would give -inf - -inf = nan); +inf stays +inf."""
    inf = float("inf")
    x = mg.tensor([[1.0, 2.0], [-inf, -inf], [inf, 1.0]])
    np.testing.assert_allclose(x.logsumexp(1).numpy(), [np.logaddexp(1.0, 2.0), -inf, inf],
                               rtol=1e-6)
    empty = mg.zeros(2, 0, requires_grad=True)
    out = empty.logsumexp(1)
    np.testing.assert_array_equal(out.detach().numpy(), [-inf, -inf])
    assert empty.logsumexp(1, keepdim=True).shape == (2, 1)
    out.sum().backward()
    assert empty.grad.shape == (2, 0)
