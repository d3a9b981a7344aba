"""Reductions, scans, sorting and selection checked against PyTorch: each test
pins one difference found by differential fuzzing and fixed in minigrad. Expected values come
from the math where that is easy; the others compare with PyTorch (skipped without it)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg

NAN = float("nan")


def _leaf(values, dtype=mg.float64):
    return mg.tensor(values, dtype=dtype, requires_grad=True)


# --- var / std: PyTorch's positional (dim, unbiased, keepdim) ----------------------------------
@pytest.mark.parametrize("op", ["var", "std"])
def test_third_positional_argument_is_unbiased(op):
    x = mg.tensor([[1.0, 2.0, 4.0], [0.0, 0.0, 3.0]], dtype=mg.float64)
    biased = np.var(x.numpy(), axis=1)
    expected = biased if op == "var" else np.sqrt(biased)
    out = getattr(x, op)(1, False)  # torch: x.var(dim, unbiased)
    assert out.shape == (2,)
    np.testing.assert_allclose(out.numpy(), expected)
    kept = getattr(mg, op)(x, 1, False, True)  # (dim, unbiased, keepdim)
    assert kept.shape == (2, 1)
    np.testing.assert_allclose(kept.numpy()[:, 0], expected)


@pytest.mark.parametrize("op", ["var", "std"])
def test_bool_in_dims_place_is_unbiased(op):
    x = mg.tensor([1.0, 2.0, 4.0], dtype=mg.float64)
    expected = np.var(x.numpy())
    out = getattr(x, op)(False)
    np.testing.assert_allclose(out.numpy(), expected if op == "var" else math.sqrt(expected))


def test_var_rejects_unbiased_and_correction_together():
    with pytest.raises(TypeError, match="var"):
        mg.var(mg.ones(3), 0, True, correction=1)


# --- an empty dim tuple reduces every dim (PyTorch's dim=() default of amax) --------------------
@pytest.mark.parametrize("op", ["sum", "mean", "amax", "amin", "var", "nansum", "count_nonzero"])
def test_empty_dim_tuple_reduces_everything(op):
    x = mg.tensor([[1.0, 5.0, 2.0], [4.0, 0.0, 3.0]], dtype=mg.float64)
    expected = {"sum": 15.0, "mean": 2.5, "amax": 5.0, "amin": 0.0, "nansum": 15.0,
                "var": np.var(x.numpy(), ddof=1), "count_nonzero": 5}[op]
    out = getattr(mg, op)(x, ())
    assert out.shape == ()
    np.testing.assert_allclose(out.numpy(), expected)


def test_amax_empty_dim_tuple_keepdim_keeps_every_dim():
    assert mg.amax(mg.ones(2, 3), (), keepdim=True).shape == (1, 1)


# --- max() / min() of everything: NaN takes the gradient ---------------------------------------
@pytest.mark.parametrize("op", ["max", "min"])
def test_full_max_min_with_nan_spreads_gradient_over_the_nans(op):
    x = _leaf([1.0, NAN, 3.0, NAN])
    out = getattr(mg, op)(x)
    assert math.isnan(out.item())
    out.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.5, 0.0, 0.5])


@pytest.mark.parametrize("op", ["max", "min"])
def test_full_max_min_ties_share_gradient(op):
    x = _leaf([[2.0, -1.0], [2.0, -1.0]])
    getattr(x, op)().backward()
    col = 0 if op == "max" else 1
    expected = np.zeros((2, 2))
    expected[:, col] = 0.5
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_full_max_keepdim_and_integer_input():
    assert mg.max(mg.ones(2, 3), keepdim=True).shape == (1, 1)
    out = mg.max(mg.tensor([[3, 7], [1, 2]]))
    assert out.dtype == mg.int64 and out.item() == 7


@pytest.mark.parametrize("op", ["max", "min"])
def test_full_max_min_of_empty_raises(op):
    with pytest.raises(RuntimeError, match=op):
        getattr(mg, op)(mg.zeros(0, 2))


# --- argmax / argmin refuse bool (PyTorch does) ------------------------------------------------
@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_argmax_argmin_reject_bool(op):
    with pytest.raises(TypeError, match=op):
        getattr(mg, op)(mg.tensor([True, False]))
    with pytest.raises(TypeError, match=op):
        getattr(mg, op)(mg.tensor([[True, False]]), dim=1)


def test_max_with_dim_still_accepts_bool():
    values, indices = mg.max(mg.tensor([[False, True, True]]), 1)
    assert values.tolist() == [True] and indices.tolist() == [1]


# --- aminmax over a non-empty dim of an empty tensor -------------------------------------------
def test_aminmax_empty_tensor_reduced_along_a_nonempty_dim():
    lo, hi = mg.aminmax(mg.zeros(3, 0, 1), dim=0)
    assert lo.shape == (0, 1) and hi.shape == (0, 1)
    lo, hi = mg.aminmax(mg.zeros(3, 0, 1), dim=0, keepdim=True)
    assert lo.shape == (1, 0, 1)
    with pytest.raises(RuntimeError, match="aminmax"):
        mg.aminmax(mg.zeros(3, 0, 1), dim=1)
    with pytest.raises(RuntimeError, match="aminmax"):
        mg.aminmax(mg.zeros(3, 0, 1))


# --- cumprod along a dim of size 1 is the identity, also for inf/NaN ----------------------------
@pytest.mark.parametrize("value", [NAN, math.inf, 0.0, 2.0])
def test_cumprod_size_one_dim_gradient_is_the_incoming_gradient(value):
    x = _leaf([[value, 1.0, -3.0]])
    mg.cumprod(x, 0).backward(mg.tensor([[2.0, 3.0, 4.0]], dtype=mg.float64))
    np.testing.assert_array_equal(x.grad.numpy(), [[2.0, 3.0, 4.0]])


# --- diff with n=0: the input (a copy), prepend/append unused ----------------------------------
def test_diff_n_zero_ignores_prepend_and_append():
    x = _leaf([[1.0, 4.0], [2.0, 8.0]])
    out = mg.diff(x, n=0, dim=0, prepend=mg.zeros(1, 2, dtype=mg.float64),
                  append=mg.zeros(3, 2, dtype=mg.float64))
    assert out.shape == (2, 2)
    np.testing.assert_array_equal(out.detach().numpy(), x.detach().numpy())
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 2)))


# --- median / nanmedian of an empty tensor -------------------------------------------------------
@pytest.mark.parametrize("op", ["median", "nanmedian"])
def test_median_of_empty_float_is_nan_and_differentiable(op):
    x = mg.zeros(0, 3, dtype=mg.float64, requires_grad=True)
    out = getattr(mg, op)(x)
    assert math.isnan(out.item())
    out.backward()
    assert x.grad.shape == (0, 3)


@pytest.mark.parametrize("op", ["median", "nanmedian"])
def test_median_of_empty_int_raises_naming_the_op(op):
    with pytest.raises(RuntimeError, match=op):
        getattr(mg, op)(mg.zeros(0, dtype=mg.int64))


# --- quantile: a tensor q gets a gradient with 'linear' (PyTorch's is differentiable in q) -------
@pytest.mark.parametrize("op", ["quantile", "nanquantile"])
def test_linear_quantile_gradient_flows_to_q(op):
    # d/dq of low + (high - low) * (q * (n - 1) - floor) is (high - low) * (n - 1)
    x = _leaf([[1.0, 5.0, 2.0, 3.0], [3.0, 1.0, 0.0, 2.0]])
    q = _leaf([0.3, 0.6])
    getattr(mg, op)(x, q, dim=1).sum().backward()
    # sorted rows [1, 2, 3, 5] and [0, 1, 2, 3]: ranks 0.9 and 1.8, slopes (2-1)+(1-0), (3-2)+(2-1)
    np.testing.assert_allclose(q.grad.numpy(), [3 * 2.0, 3 * 2.0])


def test_linear_quantile_q_gets_no_gradient_from_nan_slices():
    x = _leaf([[1.0, 5.0, 2.0, NAN], [3.0, 1.0, 0.0, 2.0], [NAN, NAN, NAN, NAN]])
    q = _leaf([0.3, 0.6])
    mg.quantile(x, q, dim=1).sum().backward()
    np.testing.assert_allclose(q.grad.numpy(), [3.0, 3.0])  # the NaN-free row only
    q = _leaf([0.3, 0.6])
    mg.nanquantile(x, q, dim=1).sum().backward()
    # non-NaN counts 3 and 4: slopes (2-1)*2 + (1-0)*3 at q=0.3, (5-2)*2 + (2-1)*3 at q=0.6
    np.testing.assert_allclose(q.grad.numpy(), [5.0, 9.0])


@pytest.mark.parametrize("mode", ["lower", "higher", "nearest", "midpoint"])
def test_stepwise_quantile_gives_q_no_gradient(mode):
    x = _leaf([1.0, 5.0, 2.0])
    q = _leaf([0.3, 0.6])
    mg.quantile(x, q, interpolation=mode).sum().backward()
    assert q.grad is None


# --- linalg.vector_norm(ord=0): keepdim without dim, and a graph (zero gradient) -----------------
def test_vector_norm_ord_zero_keepdim_and_gradient():
    x = _leaf([[0.0, 2.0], [0.0, -3.0]])
    out = mg.linalg.vector_norm(x, 0, keepdim=True)
    assert out.shape == (1, 1) and out.item() == 2.0
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 2)))


# --- a negative p-norm over an empty dim has no value (no identity) -----------------------------
@pytest.mark.parametrize("p", [-1, -0.5, -math.inf, math.inf])
def test_negative_norm_over_empty_dim_raises(p):
    with pytest.raises(RuntimeError, match="norm"):
        mg.norm(mg.zeros(2, 0), p)
    with pytest.raises(RuntimeError, match="norm"):
        mg.linalg.vector_norm(mg.zeros(2, 0), p, dim=1)
    assert mg.linalg.vector_norm(mg.zeros(2, 0), p, dim=0).shape == (0,)  # nothing to reduce


@pytest.mark.parametrize("p", [0, 0.5, 1, 2, 3])
def test_nonnegative_norm_over_empty_dim_is_zero(p):
    np.testing.assert_array_equal(mg.linalg.vector_norm(mg.zeros(2, 0), p, dim=1).numpy(),
                                  [0.0, 0.0])


# --- histogram: one edge is no bin -----------------------------------------------------------
def test_histogram_needs_two_edges():
    with pytest.raises(RuntimeError, match="histogram"):
        mg.histogram(mg.ones(3), mg.tensor([0.5]))
    hist, edges = mg.histogram(mg.tensor([0.2, 0.7, 0.9]), mg.tensor([0.0, 1.0]))
    assert hist.tolist() == [3.0] and edges.tolist() == [0.0, 1.0]


# --- dtype= of sum/mean; max(a, b); all/any of uint8; norm 'nuc' --------------------------------
def test_sum_and_mean_take_dtype():
    x = mg.tensor([[1, 2], [3, 5]])
    out = mg.sum(x, dtype=mg.float32)
    assert out.dtype == mg.float32 and out.item() == 11.0
    out = x.sum(dtype=mg.int32)  # an explicit dtype is kept, not widened to int64
    assert out.dtype == mg.int32 and out.item() == 11
    out = mg.mean(x, 1, dtype=mg.float64)
    assert out.dtype == mg.float64 and out.tolist() == [1.5, 4.0]
    assert x.mean(dtype=mg.float32).item() == 2.75
    with pytest.raises(TypeError, match="mean"):
        x.mean()


@pytest.mark.parametrize("op, expected", [("max", [[2.0, 2.0], [3.0, 5.0]]),
                                          ("min", [[1.0, 2.0], [2.0, 2.0]])])
def test_max_min_of_two_tensors_is_elementwise(op, expected):
    x = _leaf([[1.0, 2.0], [3.0, 5.0]])
    out = getattr(mg, op)(x, mg.tensor(2.0, dtype=mg.float64))
    assert out.tolist() == expected
    assert getattr(x, op)(mg.tensor(2.0, dtype=mg.float64)).tolist() == expected


@pytest.mark.parametrize("op, expected", [("all", [1, 0]), ("any", [1, 1])])
def test_all_any_of_uint8_give_uint8(op, expected):
    x = mg.tensor([[1, 7], [0, 3]], dtype=mg.uint8)
    out = getattr(mg, op)(x, 1)
    assert out.dtype == mg.uint8 and out.tolist() == expected
    assert getattr(mg, op)(x).dtype == mg.uint8


def test_norm_nuc_is_the_sum_of_singular_values():
    a = np.array([[3.0, 0.0], [4.0, 5.0]])
    x = _leaf(a)
    out = mg.norm(x, "nuc")
    np.testing.assert_allclose(out.item(), np.linalg.svd(a, compute_uv=False).sum())
    out.backward()  # d nuc / dA = U V^T
    u, _, vt = np.linalg.svd(a)
    np.testing.assert_allclose(x.grad.numpy(), u @ vt, atol=1e-12)
    assert x.norm("nuc", keepdim=True).shape == (1, 1)
    batched = mg.stack([x, 2 * x], 0)
    np.testing.assert_allclose(mg.norm(batched, "nuc", dim=(1, 2)).detach().numpy(),
                               [out.item(), 2 * out.item()])


# --- searchsorted with an N-D sequence whose rows (or values) are empty ------------------------
@pytest.mark.parametrize("seq_shape, val_shape", [((1, 0), (1, 3)), ((0, 3), (0, 2)),
                                                  ((2, 0), (2, 0)), ((2, 3), (2, 0))])
def test_searchsorted_nd_with_empty_rows(seq_shape, val_shape):
    out = mg.searchsorted(mg.zeros(seq_shape), mg.ones(val_shape))
    assert out.shape == val_shape and out.dtype == mg.int64
    assert not out.numpy().any()  # an empty row puts everything at 0
    both = mg.searchsorted(mg.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]),
                           mg.tensor([[1.0, 2.5], [0.0, 9.0]]), right=True)
    assert both.tolist() == [[2, 3], [0, 3]]


# --- unique: each NaN is a value of its own (NaN != NaN), as PyTorch --------------------------
def test_unique_keeps_every_nan_apart():
    values, inverse, counts = mg.unique(mg.tensor([3.0, NAN, 1.0, NAN]), return_inverse=True,
                                        return_counts=True)
    assert values.shape == (4,)
    np.testing.assert_array_equal(values.numpy(), [1.0, 3.0, NAN, NAN])
    assert inverse.tolist() == [1, 2, 0, 3] and counts.tolist() == [1, 1, 1, 1]
    assert mg.unique(mg.tensor([2.0, 1.0, 2.0])).tolist() == [1.0, 2.0]


# --- var's gradient: 2 (x - mean) / (N - correction), also where N - correction <= 0 ----------
@pytest.mark.parametrize("values, correction, expected", [
    ([1.0, 3.0], 2, [-math.inf, math.inf]),      # 2 / 0: signed infinities, as torch with a dim
    ([2.0, 2.0], 2, [NAN, NAN]),                 # inf * 0
    ([1.0, 3.0], 3, [2.0, -2.0]),                # N - correction = -1
    ([1.0, 3.0, 5.0], 1.5, [-8 / 3, 0.0, 8 / 3]),
    ([math.inf, 2.0, 2.0], 1, [NAN, -math.inf, -math.inf]),
])
def test_var_gradient_is_torchs_formula(values, correction, expected):
    x = _leaf([values])
    mg.var(x, 1, correction=correction).sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[0], expected)


def test_var_double_backward_is_the_centring_matrix():
    # d^2 var / dx dx = 2 / (N - 1) (I - 1/N): the first gradient keeps the mean's dependence
    x = _leaf([1.0, 4.0, 2.0])
    (g,) = mg.autograd.grad(mg.var(x), x, create_graph=True)
    (h,) = mg.autograd.grad(g[0], x)
    np.testing.assert_allclose(h.numpy(), (np.eye(3)[0] - 1 / 3) * 2 / 2)


# --- matrix norms of repeated singular values / eigenvalues: finite gradients ------------------
@pytest.mark.parametrize("ord, expected", [(2, 0.5), (-2, 0.5), ("nuc", 1.0)])
def test_matrix_norm_gradient_with_repeated_singular_values(ord, expected):
    # A = -0.5 [I | 0]: both singular values 0.5; the max/min shares its gradient evenly,
    # and d s_i / dA = u_i v_i^T needs no 1 / (s_i^2 - s_j^2) terms
    x = _leaf([[-0.5, 0.0, 0.0], [0.0, -0.5, 0.0]])
    mg.linalg.matrix_norm(x, ord).backward()
    np.testing.assert_allclose(x.grad.numpy(), [[-expected, 0, 0], [0, -expected, 0]],
                               atol=1e-12)


def test_svdvals_and_eigvalsh_gradients_with_repeated_values():
    x = _leaf(2 * np.eye(3))
    mg.linalg.eigvalsh(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.eye(3), atol=1e-12)
    x = _leaf(2 * np.eye(3))
    mg.linalg.svdvals(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.eye(3), atol=1e-12)


# --- matrix norms of empty matrices: the max of nothing is 0, the min has no value ----------------
@pytest.mark.parametrize("ord", [1, math.inf, 2])
@pytest.mark.parametrize("shape", [(3, 0), (0, 3), (0, 0)])
def test_max_matrix_norms_of_empty_matrices_are_zero(ord, shape):
    out = mg.linalg.matrix_norm(mg.ones((2,) + shape), ord)
    assert out.shape == (2,) and out.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("ord, shape", [(-1, (3, 0)), (-math.inf, (0, 3)), (-2, (0, 3)),
                                        (-2, (3, 0))])
def test_min_matrix_norms_over_an_empty_dim_raise(ord, shape):
    with pytest.raises(RuntimeError, match="matrix_norm"):
        mg.linalg.matrix_norm(mg.ones(shape), ord)


@pytest.mark.parametrize("ord, shape", [(-1, (0, 3)), (-math.inf, (3, 0))])
def test_min_matrix_norms_over_a_nonempty_dim_are_zero(ord, shape):
    # -1: min over the 3 columns of empty column sums; -inf: min over the 3 rows
    assert mg.linalg.matrix_norm(mg.ones(shape), ord).item() == 0.0


@pytest.mark.parametrize("bad", [7, -1])
def test_searchsorted_sorter_out_of_range_raises(bad):
    with pytest.raises(RuntimeError, match="searchsorted: sorter index out of range"):
        mg.searchsorted(mg.arange(4.0), mg.ones(2), sorter=mg.tensor([0, 1, 2, bad]))
    out = mg.searchsorted(mg.tensor([3.0, 1.0, 2.0]), mg.tensor([2.5]), sorter=mg.tensor([1, 2, 0]))
    assert out.tolist() == [2]

# --- float16 running ops accumulate in float32 and round once, as PyTorch ----------------------
def test_float16_cumsum_accumulates_in_float32():
    # in float16 2048 + 1 rounds back to 2048 at every step; in float32 the sums are 2049, 2050
    out = mg.cumsum(mg.tensor(np.float16([2048, 1, 1])), 0)
    assert out.dtype == mg.float16 and out.tolist() == [2048.0, 2048.0, 2050.0]


@pytest.mark.parametrize("op", ["cumsum", "cumprod", "logcumsumexp"])
def test_float16_running_ops_match_torch(op):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = (rng.standard_normal((3, 400)) * (0.2 if op == "cumprod" else 1) + (1 if op == "cumprod"
                                                                             else 0))
    a = a.astype(np.float16)
    ours = getattr(mg, op)(mg.tensor(a), 1)
    theirs = getattr(torch, op)(torch.from_numpy(a), 1)
    assert ours.dtype == mg.float16
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# --- histogramdd (new): D-dimensional histogram of the points in the last dim --------------------
def test_histogramdd_counts_and_edges():
    points = mg.tensor([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0]], dtype=mg.float64)
    hist, edges = mg.histogramdd(points, bins=[2, 2])
    # bins [0, .5) and [.5, 1] per dim: (0, 1) -> [0][1], (1, 0) -> [1][0], the others -> [1][1]
    assert hist.tolist() == [[0.0, 1.0], [1.0, 2.0]] and hist.dtype == mg.float64
    assert [e.tolist() for e in edges] == [[0.0, 0.5, 1.0], [0.0, 0.5, 1.0]]
    hist, edges = mg.histogramdd(points, bins=2, range=[0.0, 1.0, 0.0, 2.0], density=True)
    assert edges[1].tolist() == [0.0, 1.0, 2.0]
    np.testing.assert_allclose(hist.numpy(), [[0.0, 0.5], [1.0, 0.5]])  # integrates to 1
    hist, _ = mg.histogramdd(points, bins=[mg.tensor([0.0, 0.5, 1.0]), mg.tensor([0.0, 1.0])],
                             weight=mg.tensor([1.0, 2.0, 3.0, 4.0]))
    assert hist.tolist() == [[1.0], [9.0]]


def test_histogramdd_shapes_and_errors():
    assert mg.histogramdd(mg.ones(2, 3, 2), bins=3).hist.shape == (3, 3)
    hist, edges = mg.histogramdd(mg.ones(4, 2, dtype=mg.float32), bins=2)
    assert hist.dtype == mg.float32 and all(e.dtype == mg.float32 for e in edges)
    assert mg.histogramdd(mg.zeros(0, 2), bins=3).bin_edges[0].tolist()[-1] == 1.0
    with pytest.raises(RuntimeError, match="histogramdd: bins"):
        mg.histogramdd(mg.ones(4, 2), bins=[2, 2, 2])
    with pytest.raises(RuntimeError, match="histogramdd: range"):
        mg.histogramdd(mg.ones(4, 2), bins=2, range=[0.0, 1.0])
    with pytest.raises(NotImplementedError, match="histogramdd"):
        mg.histogramdd(mg.ones(4, 2, dtype=mg.int64), bins=2)


def test_histogramdd_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a = np.round(rng.standard_normal((50, 3)) * 4) / 4
    w = np.abs(rng.standard_normal(50))
    for kwargs in [dict(bins=4), dict(bins=[2, 3, 5], density=True), dict(bins=3, weight=True)]:
        weight = kwargs.pop("weight", None)
        ours = mg.histogramdd(mg.tensor(a), weight=None if weight is None else mg.tensor(w),
                              **kwargs)
        theirs = torch.histogramdd(torch.tensor(a),
                                   weight=None if weight is None else torch.tensor(w), **kwargs)
        np.testing.assert_allclose(ours.hist.numpy(), theirs.hist.numpy(), rtol=1e-12)
        for e, f in zip(ours.bin_edges, theirs.bin_edges):
            np.testing.assert_allclose(e.numpy(), f.numpy(), rtol=1e-12)


# --- histc places float32 values with float32 arithmetic, as PyTorch ---------------------------
def test_histc_float32_bin_positions_in_float32():
    # (1 - 0.3f) * 9 / (2.4f - 0.3f) is 2.99999.. in float32 (bin 2), exactly 3.0 in float64
    x = mg.tensor([1.0], dtype=mg.float32)
    assert mg.histc(x, bins=9, min=0.3, max=2.4).tolist() == [0, 0, 1, 0, 0, 0, 0, 0, 0]
    x64 = mg.tensor([1.0], dtype=mg.float64)
    assert mg.histc(x64, bins=9, min=0.3, max=2.4).tolist() == [0, 0, 0, 1, 0, 0, 0, 0, 0]


def test_histc_matches_torch_on_grid_values():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    for _ in range(300):
        a = (np.round(rng.standard_normal(20) * 4) / 3).astype(np.float32)
        bins = int(rng.integers(1, 12))
        lo, hi = sorted(np.round(rng.standard_normal(2) * 2, 1).tolist())
        if lo == hi:
            continue
        np.testing.assert_array_equal(mg.histc(mg.tensor(a), bins, lo, hi).numpy(),
                                      torch.histc(torch.from_numpy(a), bins, lo, hi).numpy())


# --- an explicit integer dtype= is kept by prod/cumsum/cumprod; cumsum_ keeps the tensor's dtype ---
@pytest.mark.parametrize("call", [lambda x: mg.prod(x, dtype=mg.int32),
                                  lambda x: mg.prod(x, 1, dtype=mg.int32),
                                  lambda x: mg.cumsum(x, 0, dtype=mg.int32),
                                  lambda x: mg.cumprod(x, 1, dtype=mg.int32)])
def test_explicit_int32_dtype_is_kept(call):
    assert call(mg.tensor([[1, 2], [3, 4]], dtype=mg.int32)).dtype == mg.int32


def test_default_integer_running_ops_still_widen_to_int64():
    x = mg.tensor([[1, 2], [3, 4]], dtype=mg.int32)
    assert mg.cumsum(x, 0).dtype == mg.int64 and mg.prod(x).dtype == mg.int64


def test_in_place_cumsum_of_int32_stays_int32():
    x = mg.tensor([[1, 2], [3, 4]], dtype=mg.int32)
    x.cumsum_(0)
    assert x.dtype == mg.int32 and x.tolist() == [[1, 2], [4, 6]]
    x.cumprod_(1)
    assert x.tolist() == [[1, 2], [4, 24]]


# --- median/nanmedian(dim) index at ties: the k-th element of a stable sort, as PyTorch ----------
@pytest.mark.parametrize("values, expected", [([1, 1, 0, 0, 0, 0, 0, 0], 5),
                                              ([2, 2, 1, 2, 2, 1, 2, 2], 1),
                                              ([1, 1, 2, 1, 2, 0, 1, 2], 3),
                                              ([2, 0, 1, 1, 0, 1, 1], 3)])
@pytest.mark.parametrize("op", ["median", "nanmedian"])
def test_median_index_at_ties_is_the_stable_kth(op, values, expected):
    # k = (n - 1) // 2; the values below the median fill the first places, then its copies
    # in input order: e.g. [1, 1, 0 x 6] -> k = 3 is the 4th zero, at index 5
    x = _leaf([values])
    out = getattr(mg, op)(x, 1)
    assert out.indices.tolist() == [expected]
    out.values.sum().backward()
    assert x.grad.numpy()[0].tolist() == [float(i == expected) for i in range(len(values))]


def test_nanmedian_index_skips_nans_before_ties():
    x = mg.tensor([[NAN, 1.0, NAN, 1.0, 0.0, 1.0]])  # non-NaN [1, 1, 0, 1]: k = 1, 1st one
    assert mg.nanmedian(x, 1).indices.tolist() == [1]
    assert mg.median(x, 1).indices.tolist() == [0]  # a NaN wins median: its first


def test_median_dim_matches_torch_on_random_ties():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    for n in (3, 8, 17, 100):
        a = rng.integers(0, 4, (6, n)).astype(np.float64)
        a[rng.random(a.shape) < 0.1] = np.nan
        for op in ("median", "nanmedian"):
            ours = getattr(mg, op)(mg.tensor(a), 1)
            theirs = getattr(torch, op)(torch.from_numpy(a), 1)
            assert ours.indices.tolist() == theirs.indices.tolist()
            np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())


# --- dtype= of the norms: no narrowing, no integer input (as PyTorch) ---------------------------
@pytest.mark.parametrize("call", [lambda x, d: mg.norm(x, dtype=d),
                                  lambda x, d: mg.linalg.vector_norm(x, dtype=d),
                                  lambda x, d: mg.linalg.matrix_norm(x, dtype=d)])
def test_norm_dtype_must_not_narrow(call):
    with pytest.raises(RuntimeError, match="without narrowing"):
        call(mg.ones(2, 2, dtype=mg.float64), mg.float32)
    with pytest.raises(RuntimeError, match="without narrowing"):
        call(mg.ones(2, 2, dtype=mg.float32), mg.float16)
    with pytest.raises((TypeError, RuntimeError), match="floating"):  # linalg's own check
        call(mg.ones(2, 2, dtype=mg.int64), mg.float32)
    out = call(mg.ones(2, 2, dtype=mg.float32), mg.float64)
    assert out.dtype == mg.float64 and out.item() == 2.0
