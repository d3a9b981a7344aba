"""F.normalize, F.cosine_similarity, F.pairwise_distance and nn.CosineSimilarity /
nn.PairwiseDistance: the op harness (gradcheck, gradgradcheck, NumPy, float32, hypothesis,
torch) over dims, p and broadcasting, plus PyTorch parity at zero and tiny norms, where eps
decides, and errors."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from harness import OpSpec, OpSuite, away_from_zero

INF = float("inf")


def _pnorm(x, p, axis, keepdims=False):
    a = np.abs(x)
    if p == INF:
        return a.max(axis=axis, keepdims=keepdims)
    if p == -INF:
        return a.min(axis=axis, keepdims=keepdims)
    return (a ** p).sum(axis=axis, keepdims=keepdims) ** (1 / p)


def _normalize_ref(x, p, dim):
    return x / np.maximum(_pnorm(x, p, dim, True), 1e-12)


def _cos_ref(a, b, dim):
    a, b = np.broadcast_arrays(a, b)
    na = np.maximum(np.sqrt((a * a).sum(dim, keepdims=True)), 1e-8)
    nb = np.maximum(np.sqrt((b * b).sum(dim, keepdims=True)), 1e-8)
    return (a / na * b / nb).sum(dim)


def _pd_ref(a, b, p, keepdim=False):
    d = a - b + 1e-6
    return _pnorm(d, p, d.ndim - 1, keepdim)


def _min_dims_shapes(min_dims, n=1):
    if n == 1:
        return lambda: hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1,
                                        max_side=4).map(lambda s: (s,))
    return lambda: hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=3, min_side=1, max_side=4).map(
        lambda b: b.input_shapes).filter(
        lambda s: len(np.broadcast_shapes(*s)) >= min_dims)


SPECS = []
for _p in (2.0, 1.0, 3.0, INF):
    for _dim in (1, -1, 0):
        SPECS.append(OpSpec(f"normalize-p{_p}-dim{_dim}",
                            lambda m, x, p=_p, d=_dim: m.nn.functional.normalize(x, p, d),
                            lambda x, p=_p, d=_dim: _normalize_ref(x, p, d),
                            [((3, 4),), ((2, 3, 2),)], domain=away_from_zero,
                            hyp_shapes=_min_dims_shapes(2)))
for _dim in (1, -1, 0):
    SPECS.append(OpSpec(f"cosine_similarity-dim{_dim}",
                        lambda m, a, b, d=_dim: m.nn.functional.cosine_similarity(a, b, d),
                        lambda a, b, d=_dim: _cos_ref(a, b, d),
                        [((3, 4), (3, 4)), ((2, 3, 4), (3, 4)), ((2, 1, 3), (1, 4, 3))],
                        hyp_shapes=_min_dims_shapes(2, 2)))
for _p in (2.0, 1.0, 3.0, 0.5, INF, -INF):
    for _keepdim in (False, True):
        SPECS.append(OpSpec(
            f"pairwise_distance-p{_p}-keepdim{_keepdim}",
            lambda m, a, b, p=_p, k=_keepdim: m.nn.functional.pairwise_distance(a, b, p,
                                                                                keepdim=k),
            lambda a, b, p=_p, k=_keepdim: _pd_ref(a, b, p, k),
            [((4, 5), (4, 5)), ((4, 5), (5,)), ((2, 3, 4), (3, 1)), ((5,), (5,))],
            # differences well away from zero: |x|^p and max|x| have kinks there
            domain=[lambda rng, s: rng.uniform(1.0, 2.0, s) * rng.choice([-1.0, 1.0], s),
                    lambda rng, s: rng.uniform(-0.4, 0.4, s)],
            hyp_shapes=_min_dims_shapes(1, 2)))


class TestDistanceOps(OpSuite):
    OPS = SPECS


# --- where eps decides: PyTorch parity -----------------------------------------------------
def _both(torch, *arrays):
    return ([mg.tensor(a, dtype=mg.float64, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def _check(torch, out, out_t, xs, ts, rtol=1e-10):
    np.testing.assert_allclose(out.detach().numpy(), out_t.detach().numpy(), rtol=rtol, atol=0)
    g = np.random.default_rng(9).standard_normal(tuple(out_t.shape))
    out.backward(mg.tensor(g, dtype=mg.float64))
    out_t.backward(torch.tensor(g))
    for x, t in zip(xs, ts):
        assert np.isfinite(x.grad.numpy()).all()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=1e-300)


def test_normalize_zero_and_tiny_vectors_match_torch():
    torch = pytest.importorskip("torch")
    x = np.array([[0.0, 0.0, 0.0], [1e-13, -2e-13, 0.0], [3.0, 4.0, 0.0]])
    for p in (2.0, 1.0):
        (xm,), (xt,) = _both(torch, x)
        _check(torch, F.normalize(xm, p), torch.nn.functional.normalize(xt, p), [xm], [xt])


def test_cosine_similarity_tiny_norms_follow_torch_current_formula():
    """PyTorch divides each input by max(||x||, eps) but clamps outside autograd, so the
    gradient sees ||x||."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((4, 6)) * 1e-10, rng.standard_normal((4, 6))
    a[1] = 0.0  # a zero vector: similarity 0 and a finite gradient
    (am, bm), (at, bt) = _both(torch, a, b)
    out = F.cosine_similarity(am, bm)
    assert out.detach().numpy()[1] == 0.0
    _check(torch, out, torch.nn.functional.cosine_similarity(at, bt), [am, bm], [at, bt])
    # Norms that overflow to inf give 0 (x / inf), as torch; parallel vectors give 1.
    huge = np.array([[1e200, 1e200]])
    np.testing.assert_array_equal(
        F.cosine_similarity(mg.tensor(huge, dtype=mg.float64), mg.tensor(huge)).numpy(),
        torch.nn.functional.cosine_similarity(torch.tensor(huge), torch.tensor(huge)).numpy())
    v = rng.standard_normal((200, 7))
    cos = F.cosine_similarity(mg.tensor(v, dtype=mg.float64), mg.tensor(v * 3.7)).numpy()
    np.testing.assert_allclose(cos, 1.0, rtol=1e-15)  # a few ulps of rounding


def test_pairwise_distance_of_identical_rows_is_finite_as_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, 0.5]])
    for p in (2.0, 1.0, INF):
        (am, bm), (at, bt) = _both(torch, a, a.copy())
        _check(torch, F.pairwise_distance(am, bm, p),
               torch.nn.functional.pairwise_distance(at, bt, p), [am, bm], [at, bt])


def test_pairwise_distance_p0_counts_nonzero_and_0d_inputs():
    torch = pytest.importorskip("torch")
    a, b = np.array([[1.0, 2.0, 3.0]]), np.array([[1.0, 0.0, 3.0]])
    ours = F.pairwise_distance(mg.tensor(a), mg.tensor(b), p=0)
    # eps is added to the difference, so every element is non-zero: 3, as torch.
    np.testing.assert_array_equal(ours.numpy(), torch.nn.functional.pairwise_distance(
        torch.tensor(a), torch.tensor(b), p=0).numpy())
    np.testing.assert_allclose(F.pairwise_distance(mg.tensor(1.0), mg.tensor(3.0)).numpy(),
                               torch.nn.functional.pairwise_distance(
                                   torch.tensor(1.0), torch.tensor(3.0)).numpy(), rtol=1e-7)


@pytest.mark.parametrize("kwargs", [{}, {"dim": 0, "eps": 1e-3}])
def test_cosine_similarity_module_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    a, b = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    (am, bm), (at, bt) = _both(torch, a, b)
    layer, layer_t = nn.CosineSimilarity(**kwargs), torch.nn.CosineSimilarity(**kwargs)
    _check(torch, layer(am, bm), layer_t(at, bt), [am, bm], [at, bt])
    assert repr(layer) == repr(layer_t) and list(layer.state_dict()) == []


@pytest.mark.parametrize("kwargs", [{}, {"p": 1.0, "eps": 0.0, "keepdim": True}, {"p": 3.5}])
def test_pairwise_distance_module_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    (am, bm), (at, bt) = _both(torch, a, b)
    layer, layer_t = nn.PairwiseDistance(**kwargs), torch.nn.PairwiseDistance(**kwargs)
    _check(torch, layer(am, bm), layer_t(at, bt), [am, bm], [at, bt])
    assert repr(layer) == repr(layer_t)


def test_float32_stays_float32():
    a = mg.randn(3, 4, requires_grad=True)
    b = mg.randn(3, 4, requires_grad=True)
    for out in (F.normalize(a), F.normalize(a, p=INF, dim=0), F.cosine_similarity(a, b),
                F.pairwise_distance(a, b, p=3.0), nn.PairwiseDistance(p=1.0)(a, b)):
        assert out.dtype == mg.float32
        a.grad = b.grad = None
        out.sum().backward()
        assert a.grad.dtype == mg.float32
        if b.grad is not None:
            assert b.grad.dtype == mg.float32


def test_errors_name_the_op():
    x = mg.randn(3, 4)
    with pytest.raises(IndexError, match=r"normalize: dim 2 is out of range for a tensor of "
                                         r"shape \(3, 4\)"):
        F.normalize(x, dim=2)
    with pytest.raises(IndexError, match=r"cosine_similarity: dim 1 is out of range for a "
                                         r"tensor of shape \(4,\)"):
        F.cosine_similarity(mg.randn(4), mg.randn(4))
    with pytest.raises(ValueError, match="cosine_similarity"):
        F.cosine_similarity(mg.randn(3, 4), mg.randn(3, 5))
    with pytest.raises(ValueError, match="pairwise_distance"):
        F.pairwise_distance(mg.randn(3, 4), mg.randn(2, 4))
    with pytest.raises(TypeError, match="pairwise_distance: expected a floating-point x1"):
        F.pairwise_distance(mg.tensor([1, 2]), mg.tensor([1, 2]))
    with pytest.raises(TypeError, match="normalize: p must be a number"):
        F.normalize(x, p="fro")
    with pytest.raises(TypeError, match="cosine_similarity: expected x2 to be a Tensor"):
        F.cosine_similarity(x, [1.0, 2.0])
