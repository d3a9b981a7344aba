"""nansum, nanmean, var_mean, std_mean, count_nonzero, aminmax, cummax, cummin, logcumsumexp,
diff, kthvalue, mode, quantile, nanquantile, msort: the harness for the differentiable ones,
PyTorch agreement for indices, ties, NaNs and options, and errors naming the op."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis.extra import numpy as hnp

import minigrad as mg
from harness import OpSpec, OpSuite, distinct

CASES = [((3, 4),), ((2, 3, 4),)]
INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _shapes(min_dims: int, min_side: int = 1) -> callable:
    return lambda: hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=min_side,
                                    max_side=4).map(
        lambda s: (s,))


def _np_running(x: np.ndarray, axis: int, fn) -> np.ndarray:
    return fn.accumulate(x, axis=axis)


def _np_logcumsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    return np.logaddexp.accumulate(x, axis=axis)


def _np_kth(x: np.ndarray, k: int, axis: int) -> np.ndarray:
    return np.take(np.sort(x, axis=axis), k - 1, axis=axis)


def _np_quantile(x, q, axis=None, keepdims=False, method="linear"):
    return np.quantile(x, q, axis=axis, keepdims=keepdims, method=method)


def _quantile_spec(interp: str) -> OpSpec:
    return OpSpec(f"quantile_{interp}",
                  lambda m, x, i=interp: m.quantile(x, 0.37, 1, interpolation=i),
                  lambda x, i=interp: _np_quantile(x, 0.37, 1, method=i), CASES,
                  domain=distinct, hyp_shapes=_shapes(2))


OPS = [
    OpSpec("nansum", lambda m, x: m.nansum(x, 1), lambda x: np.nansum(x, 1), CASES,
           hyp_shapes=_shapes(2)),
    OpSpec("nansum_all", lambda m, x: m.nansum(x), np.nansum, CASES),
    OpSpec("nanmean", lambda m, x: m.nanmean(x, (0, -1), keepdim=True),
           lambda x: np.nanmean(x, (0, -1), keepdims=True), CASES, hyp_shapes=_shapes(2)),
    OpSpec("var_mean", lambda m, x: (lambda r: r[0] + 2 * r[1])(m.var_mean(x, 1)),
           lambda x: x.var(1, ddof=1) + 2 * x.mean(1), CASES, hyp_shapes=_shapes(2, 2)),
    OpSpec("var_mean_correction0", lambda m, x: (lambda r: r[0] * r[1])(
        m.var_mean(x, -1, correction=0, keepdim=True)),
        lambda x: x.var(-1, keepdims=True) * x.mean(-1, keepdims=True), CASES,
        hyp_shapes=_shapes(1)),
    OpSpec("std_mean", lambda m, x: (lambda r: r[0] - r[1])(m.std_mean(x, 0, False)),
           lambda x: x.std(0) - x.mean(0), CASES, hyp_shapes=_shapes(1, 2)),
    OpSpec("std_mean_all", lambda m, x: (lambda r: r[0] + r[1])(m.std_mean(x)),
           lambda x: x.std(ddof=1) + x.mean(), CASES, hyp_shapes=_shapes(1, 2)),
    OpSpec("aminmax", lambda m, x: (lambda r: r.min * 3 + r.max)(m.aminmax(x, dim=1)),
           lambda x: x.min(1) * 3 + x.max(1), CASES, domain=distinct, hyp_shapes=_shapes(2)),
    OpSpec("aminmax_all", lambda m, x: (lambda r: r[0] - r[1])(m.aminmax(x)),
           lambda x: x.min() - x.max(), CASES, domain=distinct),
    OpSpec("cummax", lambda m, x: m.cummax(x, 1).values,
           lambda x: _np_running(x, 1, np.maximum), CASES, domain=distinct,
           hyp_shapes=_shapes(2)),
    OpSpec("cummin", lambda m, x: m.cummin(x, -1)[0],
           lambda x: _np_running(x, -1, np.minimum), CASES, domain=distinct,
           hyp_shapes=_shapes(1)),
    OpSpec("logcumsumexp", lambda m, x: m.logcumsumexp(x, 1),
           lambda x: _np_logcumsumexp(x, 1), CASES, hyp_shapes=_shapes(2)),
    OpSpec("logcumsumexp_dim0", lambda m, x: x.logcumsumexp(0),
           lambda x: _np_logcumsumexp(x, 0), CASES + [((5,),)], hyp_shapes=_shapes(1)),
    OpSpec("diff", lambda m, x: m.diff(x), lambda x: np.diff(x), CASES, hyp_shapes=_shapes(1)),
    OpSpec("diff_n2_dim0", lambda m, x: x.diff(2, 0), lambda x: np.diff(x, 2, 0),
           [((4, 3),), ((5, 2, 3),)], hyp_shapes=_shapes(1)),
    OpSpec("diff_prepend_append", lambda m, x, p, a: m.diff(x, 2, 1, prepend=p, append=a),
           lambda x, p, a: np.diff(x, 2, 1, prepend=p, append=a),
           [((3, 4), (3, 2), (3, 1)), ((2, 3, 2), (2, 1, 2), (2, 2, 2))],
           hyp_shapes=lambda: hnp.array_shapes(min_dims=2, max_dims=2, max_side=4).map(
               lambda s: (s, (s[0], 2), (s[0], 1)))),
    OpSpec("kthvalue", lambda m, x: m.kthvalue(x, 2, 1).values, lambda x: _np_kth(x, 2, 1),
           CASES, domain=distinct, hyp_shapes=_shapes(2, 2)),
    OpSpec("kthvalue_keepdim", lambda m, x: x.kthvalue(1, -1, keepdim=True)[0],
           lambda x: np.sort(x, -1)[..., :1], CASES, domain=distinct, hyp_shapes=_shapes(1)),
    OpSpec("mode_distinct", lambda m, x: m.mode(x, 1).values, lambda x: x.min(1), CASES,
           domain=distinct, hyp_shapes=_shapes(2)),
    OpSpec("msort", lambda m, x: m.msort(x), lambda x: np.sort(x, 0), CASES, domain=distinct,
           hyp_shapes=_shapes(1)),
    OpSpec("quantile_all_tensor_q",
           lambda m, x: m.quantile(x, m.tensor(np.array([0.1, 0.5, 1.0]), dtype=x.dtype)),
           lambda x: _np_quantile(x, [0.1, 0.5, 1.0]), CASES, domain=distinct,
           torch_fn=lambda t, x: t.quantile(x, t.tensor([0.1, 0.5, 1.0], dtype=x.dtype))),
    OpSpec("quantile_keepdim", lambda m, x: x.quantile(0.8, 0, keepdim=True),
           lambda x: _np_quantile(x, 0.8, 0, keepdims=True), CASES, domain=distinct,
           hyp_shapes=_shapes(1)),
    OpSpec("nanquantile", lambda m, x: m.nanquantile(x, 0.25, -1),
           lambda x: _np_quantile(x, 0.25, -1), CASES, domain=distinct, hyp_shapes=_shapes(1)),
] + [_quantile_spec(i) for i in INTERPOLATIONS]


class TestReductionMore(OpSuite):
    OPS = OPS


def _t(torch, a):
    return torch.tensor(np.asarray(a))


def _agree(ours, theirs):
    theirs = theirs.detach().numpy()
    ours = ours.detach().numpy()
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12, equal_nan=True)


TIES = np.array([[1., 3., 3., 2., 3., 0., 5., 5.], [3., 1., 2., 1., 0., 0., 4., 4.],
                 [2., np.nan, 3., np.nan, 1., 7., 7., 0.]])


@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cummax_cummin_ties_nan_match_torch(name, dim):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(mg, name)(mg.tensor(TIES), dim), getattr(torch, name)(_t(torch, TIES), dim)
    _agree(ours.values, theirs.values)
    _agree(ours.indices, theirs.indices)
    ints = TIES[:2].astype(np.int64)
    ours, theirs = getattr(mg, name)(mg.tensor(ints), dim), getattr(torch, name)(_t(torch, ints), dim)
    _agree(ours.values, theirs.values)
    _agree(ours.indices, theirs.indices)


def test_cummax_gradient_goes_to_the_index_torch():
    torch = pytest.importorskip("torch")
    x, t = mg.tensor(TIES[:2], requires_grad=True), _t(torch, TIES[:2]).requires_grad_()
    g = np.arange(16.).reshape(2, 8)
    mg.cummax(x, 1).values.backward(mg.tensor(g))
    torch.cummax(t, 1).values.backward(_t(torch, g))
    _agree(x.grad, t.grad)


def test_mode_ties_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a = rng.integers(0, 4, (5, 3, 9)).astype(np.float64)
    for dim in (0, 1, 2, -1):
        for keepdim in (False, True):
            ours = mg.mode(mg.tensor(a), dim, keepdim)
            theirs = torch.mode(_t(torch, a), dim, keepdim)
            _agree(ours.values, theirs.values)
            _agree(ours.indices, theirs.indices)
    ints = a.astype(np.int64)
    _agree(mg.mode(mg.tensor(ints)).indices, torch.mode(_t(torch, ints)).indices)


def test_kthvalue_matches_torch_and_ties_pick_an_equal_element():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    a = rng.standard_normal((4, 6))
    for k in range(1, 7):
        for dim, keepdim in ((1, False), (-1, True)):
            ours = mg.kthvalue(mg.tensor(a), k, dim, keepdim)
            theirs = torch.kthvalue(_t(torch, a), k, dim, keepdim)
            _agree(ours.values, theirs.values)
            _agree(ours.indices, theirs.indices)
    ties = rng.integers(0, 3, (4, 7)).astype(np.float64)
    for k in range(1, 8):
        ours = mg.kthvalue(mg.tensor(ties), k, 1)
        _agree(ours.values, torch.kthvalue(_t(torch, ties), k, 1).values)
        picked = np.take_along_axis(ties, ours.indices.numpy()[:, None], 1)[:, 0]
        np.testing.assert_array_equal(picked, ours.values.numpy())
    nan = np.array([1., np.nan, 3.])
    for k in (1, 2, 3):
        _agree(mg.kthvalue(mg.tensor(nan), k).values, torch.kthvalue(_t(torch, nan), k).values)


@pytest.mark.parametrize("interp", INTERPOLATIONS)
def test_quantile_options_match_torch_forward_and_backward(interp):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    a = rng.standard_normal((3, 4, 5))
    for q in (0.0, 0.5, 1.0, 0.33, [0.0, 0.2, 0.5, 0.9, 1.0]):
        for dim in (None, 0, 1, -1):
            for keepdim in (False, True):
                x, t = mg.tensor(a, requires_grad=True), _t(torch, a).requires_grad_()
                mq = mg.tensor(np.array(q)) if isinstance(q, list) else q
                tq = _t(torch, q) if isinstance(q, list) else q
                ours = mg.quantile(x, mq, dim, keepdim, interpolation=interp)
                theirs = torch.quantile(t, tq, dim, keepdim, interpolation=interp)
                _agree(ours, theirs)
                g = rng.standard_normal(tuple(theirs.shape))
                ours.backward(mg.tensor(g))
                theirs.backward(_t(torch, g))
                _agree(x.grad, t.grad)


@pytest.mark.parametrize("interp", INTERPOLATIONS)
def test_quantile_and_nanquantile_with_nans_match_torch(interp):
    torch = pytest.importorskip("torch")
    a = np.array([[0.5, np.nan, 2.0, -1.0, 3.0], [np.nan] * 5, [4.0, 1.0, 2.5, 0.0, -2.0]])
    for fn in ("quantile", "nanquantile"):
        for q in (0.3, [0.1, 0.75]):
            for dim in (None, 1):
                x, t = mg.tensor(a, requires_grad=True), _t(torch, a).requires_grad_()
                mq = mg.tensor(np.array(q)) if isinstance(q, list) else q
                tq = _t(torch, q) if isinstance(q, list) else q
                ours = getattr(mg, fn)(x, mq, dim, interpolation=interp)
                theirs = getattr(torch, fn)(t, tq, dim, interpolation=interp)
                _agree(ours, theirs)
                if dim == 1:
                    ours.backward(mg.ones_like(ours))
                    theirs.backward(torch.ones_like(theirs))
                    _agree(x.grad, t.grad)


def test_nan_reductions_match_torch_and_zero_the_nan_gradient():
    torch = pytest.importorskip("torch")
    a = np.array([[1.0, np.nan, 2.0], [np.nan, np.nan, np.nan], [0.5, -1.0, 4.0]])
    for fn, args in (("nansum", ()), ("nansum", (1,)), ("nanmean", ()), ("nanmean", (0,)),
                     ("nanmean", (1, True))):
        x, t = mg.tensor(a, requires_grad=True), _t(torch, a).requires_grad_()
        ours, theirs = getattr(mg, fn)(x, *args), getattr(torch, fn)(t, *args)
        _agree(ours, theirs)
        ours.sum().backward()
        theirs.sum().backward()
        _agree(x.grad, t.grad)
    ints = np.array([[1, 2], [3, 4]], dtype=np.int32)
    _agree(mg.nansum(mg.tensor(ints)), torch.nansum(_t(torch, ints)))
    _agree(mg.nansum(mg.tensor(ints), 0, dtype=mg.float64),
           torch.nansum(_t(torch, ints), 0, dtype=torch.float64))


def test_var_std_mean_overloads_match_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(6).standard_normal((3, 4))
    x, t = mg.tensor(a), _t(torch, a)
    for fn in ("var_mean", "std_mean"):
        for args, kwargs in (((), {}), ((1,), {}), ((1, False), {}), ((True,), {}),
                             ((False,), {}), (((0, 1),), {"correction": 0}),
                             ((0,), {"correction": 2, "keepdim": True}),
                             ((-1, True, True), {})):
            ours, theirs = getattr(mg, fn)(x, *args, **kwargs), getattr(torch, fn)(t, *args, **kwargs)
            _agree(ours[0], theirs[0])
            _agree(ours[1], theirs[1])


def test_count_nonzero_aminmax_diff_match_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    for dim in (None, 0, 1, (0, 1), -1):
        _agree(mg.count_nonzero(mg.tensor(a), dim), torch.count_nonzero(_t(torch, a), dim))
    _agree(mg.tensor(a > 0).count_nonzero(), torch.count_nonzero(_t(torch, a > 0)))
    for kwargs in ({}, {"dim": 0}, {"dim": 1, "keepdim": True}, {"keepdim": True}):
        ours, theirs = mg.aminmax(mg.tensor(a), **kwargs), torch.aminmax(_t(torch, a), **kwargs)
        _agree(ours.min, theirs.min)
        _agree(ours.max, theirs.max)
    ints = np.array([[3, 1, 4, 1], [5, 9, 2, 6]])
    for n in (0, 1, 2, 3, 5):
        _agree(mg.diff(mg.tensor(ints), n), torch.diff(_t(torch, ints), n))
    bools = ints > 2
    _agree(mg.diff(mg.tensor(bools), 1, 1), torch.diff(_t(torch, bools), 1, 1))
    _agree(mg.diff(mg.tensor(ints), 1, 0, append=mg.tensor(ints[:1])),
           torch.diff(_t(torch, ints), 1, 0, append=_t(torch, ints[:1])))


def test_logcumsumexp_is_stable_far_apart_and_with_inf():
    torch = pytest.importorskip("torch")
    a = np.array([[-1000.0, 0.0, 3.0, -2000.0, 800.0], [-np.inf, -np.inf, 1.0, np.inf, 2.0]])
    x, t = mg.tensor(a[:1], requires_grad=True), _t(torch, a[:1]).requires_grad_()
    _agree(mg.logcumsumexp(x, 1), torch.logcumsumexp(t, 1))
    g = np.array([[1.0, -2.0, 0.5, 3.0, -1.0]])
    mg.logcumsumexp(x, 1).backward(mg.tensor(g))
    torch.logcumsumexp(t, 1).backward(_t(torch, g))
    _agree(x.grad, t.grad)
    _agree(mg.logcumsumexp(mg.tensor(a[1:]), 1), torch.logcumsumexp(_t(torch, a[1:]), 1))


def test_empty_and_zero_dim_inputs_match_torch():
    torch = pytest.importorskip("torch")
    e = np.zeros((0, 3))
    for fn in ("cummax", "cummin"):
        ours, theirs = getattr(mg, fn)(mg.tensor(e), 0), getattr(torch, fn)(_t(torch, e), 0)
        assert ours.values.shape == tuple(theirs.values.shape)
        assert ours.indices.dtype == mg.int64
    s = np.array(2.5)
    _agree(mg.logcumsumexp(mg.tensor(s), 0), torch.logcumsumexp(_t(torch, s), 0))
    _agree(mg.cummax(mg.tensor(s), 0).indices, torch.cummax(_t(torch, s), 0).indices)
    _agree(mg.kthvalue(mg.tensor(s), 1).values, torch.kthvalue(_t(torch, s), 1).values)
    _agree(mg.mode(mg.tensor(s)).indices, torch.mode(_t(torch, s)).indices)
    _agree(mg.quantile(mg.tensor(s), 0.5), torch.quantile(_t(torch, s), 0.5))
    _agree(mg.nansum(mg.tensor(e)), torch.nansum(_t(torch, e)))
    _agree(mg.count_nonzero(mg.tensor(e), 0), torch.count_nonzero(_t(torch, e), 0))


def test_float32_stays_float32_for_indices_ops():
    x = mg.tensor(TIES[:2], dtype=mg.float32)
    for out in (mg.cummax(x, 1).values, mg.kthvalue(x, 2).values, mg.mode(x).values,
                mg.quantile(x, 0.3, 1), mg.nanquantile(x, mg.tensor([0.2, 0.9], dtype=mg.float32)),
                mg.nanmean(x), mg.logcumsumexp(x, 0), mg.diff(x, 1, 0)):
        assert out.dtype == mg.float32
    assert mg.cummin(x, 0).indices.dtype == mg.int64
    assert mg.count_nonzero(x).dtype == mg.int64


@pytest.mark.parametrize("call, exc, words", [
    (lambda x: mg.cummax(x, 2), IndexError, "cummax: dim 2"),
    (lambda x: mg.logcumsumexp(x.long(), 0), TypeError, "logcumsumexp"),
    (lambda x: mg.kthvalue(x, 5, 1), IndexError, "kthvalue: k=5"),
    (lambda x: mg.kthvalue(x, 0), IndexError, "kthvalue"),
    (lambda x: mg.mode(x, 3), IndexError, "mode: dim 3"),
    (lambda x: mg.quantile(x, 1.5), RuntimeError, "quantile: q values must be in the range"),
    (lambda x: mg.quantile(x, mg.tensor([[0.5]])), RuntimeError, "quantile: q must be a scalar"),
    (lambda x: mg.quantile(x, mg.tensor([0.5], dtype=mg.float32)), RuntimeError, "quantile: q"),
    (lambda x: mg.nanquantile(x, 0.5, interpolation="cubic"), ValueError, "nanquantile"),
    (lambda x: mg.quantile(x.long(), 0.5), TypeError, "quantile"),
    (lambda x: mg.diff(x, -1), RuntimeError, "diff: order n"),
    (lambda x: mg.diff(x.sum(), 1), RuntimeError, "diff"),
    (lambda x: mg.diff(x, 1, 1, prepend=mg.zeros(2, 2, dtype=mg.float64)), RuntimeError,
     "diff: prepend of shape (2, 2)"),
    (lambda x: mg.nanmean(x.long()), TypeError, "nanmean"),
    (lambda x: mg.var_mean(x.long()), TypeError, "var_mean"),
    (lambda x: mg.std_mean(x, 0, True, correction=1), TypeError, "std_mean"),
    (lambda x: mg.aminmax(mg.zeros(0)), RuntimeError, "aminmax: cannot reduce an empty"),
    (lambda x: mg.count_nonzero(x, 4), IndexError, "count_nonzero: dim 4"),
    (lambda x: mg.msort([1.0]), TypeError, "msort"),
])
def test_errors_name_the_op(call, exc, words):
    x = mg.tensor(np.arange(12.0).reshape(3, 4))
    with pytest.raises(exc, match=words.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        call(x)
