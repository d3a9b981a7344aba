"""Edge cases of the losses and assorted functionals found by a differential fuzz against
PyTorch (values, input and weight gradients in float64, output dtype in float32).

Each test failed before its fix:
- cross_entropy / nll_loss on (N, C, 1, ...) scores (trailing spatial sizes of 1) picked the
  wrong entries: the per-target flat positions broadcast (N,) against (N, 1) into (N, N).
- 'mean' with every target ignored: the loss is 0/0 = NaN (as PyTorch), but the gradient was
  NaN everywhere; PyTorch gives an ignored target a zero gradient.
- binary_cross_entropy_with_logits and soft_margin_loss on a 0-d input raised NumPy's
  "return arrays must be of ArrayType".
- cross_entropy with class-probability targets refused class weights that require a gradient;
  PyTorch differentiates them on that path (for class indices both refuse).
- normalize / pairwise_distance / pdist with p=inf refused an empty batch (norm refused any
  empty tensor, not just an empty reduced dimension).
- F.softmin over an empty dimension raised NumPy's "zero-size array to reduction".
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F


def _rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _mg(a, grad=True):
    return mg.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


# --- cross_entropy / nll_loss on (N, C, 1, ...) ------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 2, 1), (3, 4, 1, 1), (2, 3, 1, 1, 1)])
@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
def test_trailing_unit_dims_equal_the_squeezed_loss(shape, fn):
    """A size-1 spatial dim changes nothing: the loss per target is that of the (N', C) rows."""
    x = _rand(shape)
    t = np.random.default_rng(1).integers(0, shape[1], size=shape[:1] + shape[2:])
    flat_x = np.moveaxis(x, 1, -1).reshape(-1, shape[1])
    for reduction in ("none", "sum", "mean"):
        a, b = _mg(x), _mg(flat_x)
        out = getattr(F, fn)(a, mg.tensor(t), reduction=reduction)
        ref = getattr(F, fn)(b, mg.tensor(t.reshape(-1)), reduction=reduction)
        assert tuple(out.shape) == tuple(t.shape if reduction == "none" else ())
        np.testing.assert_allclose(out.detach().numpy().reshape(-1), ref.detach().numpy().reshape(-1),
                                   rtol=1e-12)
        out.sum().backward()
        ref.sum().backward()
        grad = np.moveaxis(a.grad.numpy(), 1, -1).reshape(-1, shape[1])
        np.testing.assert_allclose(grad, b.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("shape,reduction", [
    ((3, 2, 1), "none"), ((3, 2, 1), "mean"), ((3, 2, 1), "sum"), ((3, 4, 1, 1), "none"),
    ((3, 4, 1, 1), "mean"), ((3, 4, 1, 1), "sum"), ((0, 3, 1), "none")])
def test_trailing_unit_dims_match_torch(shape, reduction):
    torch = pytest.importorskip("torch")
    x = _rand(shape)
    t = np.random.default_rng(2).integers(0, shape[1], size=shape[:1] + shape[2:])
    t.reshape(-1)[:1] = 1 if t.size else 0
    w = np.abs(_rand(shape[1], 3))
    kw = dict(reduction=reduction, ignore_index=1)
    for fn, extra in (("cross_entropy", dict(label_smoothing=0.2)), ("nll_loss", {})):
        a, ta = _mg(x), torch.tensor(x, requires_grad=True)
        out = getattr(F, fn)(a, mg.tensor(t), weight=mg.tensor(w), **kw, **extra)
        ref = getattr(torch.nn.functional, fn)(ta, torch.tensor(t), weight=torch.tensor(w), **kw,
                                               **extra)
        assert tuple(out.shape) == tuple(ref.shape)
        np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10)
        g = _rand(tuple(ref.shape), 4)
        out.backward(mg.tensor(g))
        ref.backward(torch.tensor(g))
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-14)


# --- 'mean' over no kept target -------------------------------------------------------------
_ALL_IGNORED = [
    ("cross_entropy", {}), ("cross_entropy", {"label_smoothing": 0.3}),
    ("cross_entropy", {"weight": True}), ("nll_loss", {}), ("nll_loss", {"weight": True}),
]


@pytest.mark.parametrize("fn,kw", _ALL_IGNORED)
@pytest.mark.parametrize("shape", [(3, 2), (2, 3, 2)])
@pytest.mark.parametrize("create_graph", [False, True])
def test_all_targets_ignored_mean_gives_zero_gradient(fn, kw, shape, create_graph):
    """0/0 = NaN for the loss, but an ignored target contributes nothing: its gradient is 0."""
    kw = dict(kw)
    if kw.pop("weight", False):
        kw["weight"] = mg.tensor(np.array([0.5, 2.0] + [1.0] * (shape[1] - 2)))
    x = _mg(_rand(shape))
    t = mg.tensor(np.full(shape[:1] + shape[2:], 1, dtype=np.int64))
    loss = getattr(F, fn)(x, t, ignore_index=1, **kw)
    assert math.isnan(loss.item())
    (gx,) = mg.autograd.grad(loss, [x], create_graph=create_graph)
    np.testing.assert_array_equal(gx.detach().numpy(), np.zeros(shape))


@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
def test_ignored_and_zero_weight_targets_match_torch(fn):
    """Kept targets of weight 0 only: the total weight is 0; PyTorch's gradient is NaN on the
    kept targets' entries (0 * g / 0) and 0 on the ignored ones; minigrad now agrees."""
    torch = pytest.importorskip("torch")
    x = _rand((4, 3))
    t = np.array([2, 0, 2, 0])
    w = np.array([0.0, 1.0, 3.0])
    for create_graph in (False, True):
        a, ta = _mg(x), torch.tensor(x, requires_grad=True)
        out = getattr(F, fn)(a, mg.tensor(t), weight=mg.tensor(w), ignore_index=2)
        ref = getattr(torch.nn.functional, fn)(ta, torch.tensor(t), weight=torch.tensor(w),
                                               ignore_index=2)
        assert math.isnan(out.item()) and math.isnan(ref.item())
        (gx,) = mg.autograd.grad(out, [a], create_graph=create_graph)
        (tg,) = torch.autograd.grad(ref, [ta])
        np.testing.assert_array_equal(np.isnan(gx.detach().numpy()), np.isnan(tg.numpy()))
        np.testing.assert_array_equal(np.nan_to_num(gx.detach().numpy(), nan=7.0),
                                      np.nan_to_num(tg.numpy(), nan=7.0))


# --- 0-d logits ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_bce_with_logits_and_soft_margin_on_0d_inputs(dtype, reduction):
    torch = pytest.importorskip("torch")
    cases = [("binary_cross_entropy_with_logits", 0.7, 1.0), ("binary_cross_entropy_with_logits",
             -30.0, 0.25), ("soft_margin_loss", 0.7, -1.0), ("soft_margin_loss", -2.0, 1.0)]
    for fn, xv, yv in cases:
        a = mg.tensor(np.array(xv, dtype=dtype), requires_grad=True)
        ta = torch.tensor(np.array(xv, dtype=dtype), requires_grad=True)
        out = getattr(F, fn)(a, mg.tensor(np.array(yv, dtype=dtype)), reduction=reduction)
        ref = getattr(torch.nn.functional, fn)(ta, torch.tensor(np.array(yv, dtype=dtype)),
                                               reduction=reduction)
        assert out.shape == () and out.dtype == dtype
        rtol = 1e-12 if dtype == np.float64 else 1e-6
        np.testing.assert_allclose(out.item(), ref.item(), rtol=rtol)
        out.backward()
        ref.backward()
        np.testing.assert_allclose(a.grad.item(), ta.grad.item(), rtol=rtol)


# --- differentiable class weights with probability targets ------------------------------------
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 2, 2), (4,), (0, 3)])
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_probability_targets_weight_gradient_matches_torch(shape, smoothing, reduction):
    torch = pytest.importorskip("torch")
    cdim = 0 if len(shape) == 1 else 1
    x = _rand(shape)
    p = np.random.default_rng(5).random(shape)
    p = p / p.sum(axis=cdim, keepdims=True) if p.size else p
    w = np.abs(_rand(shape[cdim], 6))
    xs = [_mg(x), _mg(p), _mg(w)]
    ts = [torch.tensor(v, requires_grad=True) for v in (x, p, w)]
    out = F.cross_entropy(xs[0], xs[1], weight=xs[2], label_smoothing=smoothing,
                          reduction=reduction)
    ref = torch.nn.functional.cross_entropy(ts[0], ts[1], weight=ts[2], label_smoothing=smoothing,
                                            reduction=reduction)
    assert tuple(out.shape) == tuple(ref.shape)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10)
    g = _rand(tuple(ref.shape), 7)
    out.backward(mg.tensor(g))
    ref.backward(torch.tensor(g))
    for a, b in zip(xs, ts):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-14)
    assert mg.gradcheck(lambda u, v: F.cross_entropy(u, xs[1].detach(), weight=v,
                                                     label_smoothing=smoothing,
                                                     reduction=reduction),
                        (_mg(x), _mg(w)))


def test_probability_targets_weight_gradient_stays_float32():
    x = mg.tensor(_rand((3, 4)).astype(np.float32), requires_grad=True)
    p = mg.tensor(np.full((3, 4), 0.25, dtype=np.float32))
    w = mg.tensor(np.array([1.0, 2.0, 0.5, 1.0], dtype=np.float32), requires_grad=True)
    out = F.cross_entropy(x, p, weight=w, label_smoothing=0.1)
    out.backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32 and w.grad.dtype == np.float32
    # class indices still refuse it, as PyTorch does (at backward there): a clear message
    with pytest.raises(RuntimeError, match="cross_entropy: the derivative for 'weight'"):
        F.cross_entropy(x, mg.tensor(np.array([0, 1, 3])), weight=w)


# --- inf norms of empty batches ---------------------------------------------------------------
@pytest.mark.parametrize("p", [math.inf, -math.inf])
def test_inf_norm_distances_of_empty_batches_match_torch(p):
    torch = pytest.importorskip("torch")
    cases = [
        ("normalize", lambda lib, a: lib.normalize(a, p=p, dim=1), [(0, 3)]),
        ("normalize", lambda lib, a: lib.normalize(a, p=p, dim=0), [(3, 0, 2)]),
        ("pairwise_distance", lambda lib, a, b: lib.pairwise_distance(a, b, p=p), [(0, 3), (0, 3)]),
        ("pairwise_distance", lambda lib, a, b: lib.pairwise_distance(a, b, p=p, keepdim=True),
         [(0, 2), (1, 2)]),
    ]
    if p > 0:  # (pdist takes no negative p, in both)
        cases += [("pdist", lambda lib, a: lib.pdist(a, p=p), [(1, 3)]),
                  ("pdist", lambda lib, a: lib.pdist(a, p=p), [(0, 3)])]
    for name, fn, shapes in cases:
        arrays = [_rand(s, i) for i, s in enumerate(shapes)]
        out = fn(F, *[_mg(a) for a in arrays])
        ref = fn(torch.nn.functional, *[torch.tensor(a) for a in arrays])
        assert tuple(out.shape) == tuple(ref.shape), name
        assert out.numel() == 0


def test_inf_norm_still_refuses_an_empty_reduced_dim():
    with pytest.raises(RuntimeError, match="norm: p=inf over an empty dimension"):
        F.normalize(_mg(np.zeros((2, 0))), p=math.inf, dim=1)


# --- softmin over an empty dim ----------------------------------------------------------------
@pytest.mark.parametrize("shape,dim", [((0,), 0), ((2, 0), 1), ((0, 3), 0)])
def test_softmin_over_an_empty_dim(shape, dim):
    x = mg.tensor(np.zeros(shape, dtype=np.float32), requires_grad=True)
    out = F.softmin(x, dim)
    assert tuple(out.shape) == shape and out.dtype == np.float32
    out.sum().backward()
    assert tuple(x.grad.shape) == shape
    out64 = F.softmin(x, dim, dtype=mg.float64)
    assert out64.dtype == np.float64
