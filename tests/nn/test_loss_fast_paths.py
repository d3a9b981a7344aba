"""The losses given single ops with a plain-array first-order backward in session 8: Huber
(smooth_l1/huber); cross_entropy and nll_loss on class indices (weights, label smoothing,
ignore_index, (N, C, d1, ...) scores) without a one-hot, and on class probabilities;
binary_cross_entropy_with_logits with constant weights (also multilabel_soft_margin);
soft_margin; poisson_nll; cosine_embedding. Checked: PyTorch agreement of values and every
gradient over the reductions (float64 and float32), the plain-array backward against the
tensor-op (create_graph) one, and gradcheck/gradgradcheck."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

REDUCTIONS = ["none", "mean", "sum"]


def _regression(rng, shape):
    """x, y with differences on both sides of 1 and 0.5, one exact tie at 0.5 and one at 0."""
    x, y = rng.standard_normal(shape) * 2, rng.standard_normal(shape)
    x.reshape(-1)[:2] = y.reshape(-1)[:2] + [0.5, 0.0]
    return x, y


def _classes(c, ignore=None, shape=(6,)):
    """Scores x of shape (N, C, ...) and class targets; ``ignore``: a third of them set to it,
    with an ignored row's scores made -inf (0 * -inf must not leak a NaN), and one other
    row's non-target score -inf."""
    def make(rng, _):
        x = rng.standard_normal(shape[:1] + (c,) + shape[1:]) * 3
        t = rng.integers(0, c, shape)
        flat_t = t.reshape(-1)
        if ignore is not None:
            flat_t[::3] = ignore
            x[0, :] = -np.inf if len(shape) == 1 else x[0, :]
        x[1, (t.reshape(shape[0], -1)[1, 0] + 1) % c] = -np.inf if len(shape) == 1 else 0.0
        return x, t
    return make


def _logits(rng, shape):
    """Logits far into both tails (and +-60, 0) and probability targets."""
    x = rng.standard_normal(shape) * 8
    x.reshape(-1)[:3] = [-60.0, 0.0, 60.0]
    return x, rng.uniform(0, 1, shape)


def _signs(rng, shape):
    return rng.standard_normal(shape) * 3, np.where(rng.random(shape) < 0.5, -1.0, 1.0)


def _counts(rng, shape):
    """Log-rates and Poisson counts (0, 1 and more: the Stirling term's both sides)."""
    return rng.standard_normal(shape), rng.poisson(2.0, shape) + 0.0


def _rates(rng, shape):
    """Rates and counts of at least 2 (PyTorch's Stirling term has a NaN gradient below)."""
    return rng.uniform(0.2, 3.0, shape), rng.poisson(2.0, shape) + 2.0


def _probabilities(shape):
    """Scores and class-probability targets (axis 1), one target row one-hot (zeros)."""
    def make(rng, _):
        x = rng.standard_normal(shape) * 3
        p = rng.random(shape) ** 3
        p[0] = 0.0
        p[0, 1] = 1.0
        return x, p / p.sum(axis=1, keepdims=True)
    return make


def _pairs_and_signs(rows):
    """Two embedding batches (rows=None: single vectors) and +-1 targets (and a 0: neither
    term, as PyTorch); the second pair is x1 itself, cos = 1."""
    def make(rng, _):
        shape = (8,) if rows is None else (rows, 8)
        x1, x2 = rng.standard_normal(shape), rng.standard_normal(shape)
        y = np.where(rng.random(shape[:-1]) < 0.5, -1.0, 1.0)
        if rows is not None:
            x2[1] = x1[1]
            y[2] = 0.0
        return x1, x2, y
    return make


def _weight(fw, x, c):
    return fw.tensor(np.linspace(0.2, 2.0, c), dtype=x.dtype)


# name -> (call(framework, *tensors, reduction), inputs(rng, shape) -> arrays[, the inputs
# PyTorch cannot differentiate, constants when comparing with it])
CASES = {
    "smooth_l1 beta 1": (lambda fw, x, y, r: fw.nn.functional.smooth_l1_loss(x, y, reduction=r),
                         _regression),
    "smooth_l1 beta 0.5": (lambda fw, x, y, r: fw.nn.functional.smooth_l1_loss(
        x, y, reduction=r, beta=0.5), _regression),
    "huber delta 1": (lambda fw, x, y, r: fw.nn.functional.huber_loss(x, y, reduction=r),
                      _regression),
    "huber delta 0.5": (lambda fw, x, y, r: fw.nn.functional.huber_loss(
        x, y, reduction=r, delta=0.5), _regression),
    "cross_entropy ignore": (lambda fw, x, t, r: fw.nn.functional.cross_entropy(
        x, t, reduction=r, ignore_index=2), _classes(5, ignore=2)),
    "cross_entropy weight ignore": (lambda fw, x, t, r: fw.nn.functional.cross_entropy(
        x, t, reduction=r, weight=_weight(fw, x, 5), ignore_index=-1), _classes(5, ignore=-1)),
    "cross_entropy smoothing": (lambda fw, x, t, r: fw.nn.functional.cross_entropy(
        x, t, reduction=r, label_smoothing=0.2), _classes(4)),
    "cross_entropy weight smoothing 4-D": (lambda fw, x, t, r: fw.nn.functional.cross_entropy(
        x, t, reduction=r, weight=_weight(fw, x, 3), label_smoothing=0.3, ignore_index=1),
        _classes(3, ignore=1, shape=(2, 3, 4))),
    "cross_entropy 3-D": (lambda fw, x, t, r: fw.nn.functional.cross_entropy(x, t, reduction=r),
                          _classes(4, shape=(3, 5))),
    "bce_with_logits weight": (lambda fw, x, y, r: fw.nn.functional.
                               binary_cross_entropy_with_logits(
                                   x, y, reduction=r, weight=_weight(fw, x, x.shape[-1])),
                               _logits),
    "bce_with_logits pos_weight": (lambda fw, x, y, r: fw.nn.functional.
                                   binary_cross_entropy_with_logits(
                                       x, y, reduction=r, pos_weight=_weight(fw, x, x.shape[-1])),
                                   _logits),
    "bce_with_logits both weights": (lambda fw, x, y, r: fw.nn.functional.
                                     binary_cross_entropy_with_logits(
                                         x, y, reduction=r, weight=_weight(fw, x, 1),
                                         pos_weight=_weight(fw, x, x.shape[-1]) * 3),
                                     _logits),
    "soft_margin": (lambda fw, x, y, r: fw.nn.functional.soft_margin_loss(x, y, reduction=r),
                    _signs, (1,)),
    "multilabel_soft_margin": (lambda fw, x, y, r: fw.nn.functional.multilabel_soft_margin_loss(
        x, y, reduction=r), _logits),
    "multilabel_soft_margin weight": (lambda fw, x, y, r: fw.nn.functional.
                                      multilabel_soft_margin_loss(
                                          x, y, weight=_weight(fw, x, x.shape[-1]), reduction=r),
                                      _logits),
    "poisson_nll log_input": (lambda fw, x, t, r: fw.nn.functional.poisson_nll_loss(
        x, t, reduction=r), _counts),
    "poisson_nll rates full": (lambda fw, x, t, r: fw.nn.functional.poisson_nll_loss(
        x, t, log_input=False, full=True, reduction=r), _rates),
    "cross_entropy probabilities": (lambda fw, x, p, r: fw.nn.functional.cross_entropy(
        x, p, reduction=r), _probabilities((6, 5))),
    "cross_entropy probabilities weight smoothing 3-D": (
        lambda fw, x, p, r: fw.nn.functional.cross_entropy(
            x, p, reduction=r, weight=_weight(fw, x, 4), label_smoothing=0.1),
        _probabilities((3, 4, 5))),
    "cosine_embedding": (lambda fw, a, b, y, r: fw.nn.functional.cosine_embedding_loss(
        a, b, y, reduction=r), _pairs_and_signs(7), (2,)),
    "cosine_embedding margin": (lambda fw, a, b, y, r: fw.nn.functional.cosine_embedding_loss(
        a, b, y, margin=-0.3, reduction=r), _pairs_and_signs(7), (2,)),
    "cosine_embedding vectors": (lambda fw, a, b, y, r: fw.nn.functional.cosine_embedding_loss(
        a, b, y, margin=0.2, reduction=r), _pairs_and_signs(None), (2,)),
    "nll_loss ignore": (lambda fw, x, t, r: fw.nn.functional.nll_loss(
        x, t, reduction=r, ignore_index=0), _classes(5, ignore=0)),
    "nll_loss weight 4-D": (lambda fw, x, t, r: fw.nn.functional.nll_loss(
        x, t, reduction=r, weight=_weight(fw, x, 4), ignore_index=3),
        _classes(4, ignore=3, shape=(2, 3, 5))),
}


def _run(fw, name, arrays, reduction, dtype, constants=()):
    ts = [fw.tensor(a.astype(dtype), requires_grad=i not in constants) if a.dtype.kind == "f"
          else fw.tensor(a) for i, a in enumerate(arrays)]
    return CASES[name][0](fw, *ts, reduction), ts


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_matches_torch_values_and_gradients_float64(name, reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = CASES[name][1](rng, (5, 7))
    constants = CASES[name][2] if len(CASES[name]) > 2 else ()
    (lm, ms), (lt, ts) = (_run(fw, name, arrays, reduction, np.float64, constants)
                          for fw in (mg, torch))
    np.testing.assert_allclose(lm.detach().numpy(), lt.detach().numpy(), rtol=1e-12, atol=1e-300)
    g = rng.standard_normal(tuple(lt.shape))
    lm.backward(mg.tensor(g))
    lt.backward(torch.tensor(g))
    for a, b in zip(ms, ts):
        if b.grad is not None:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32_stays_float32_and_matches_torch(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    arrays = CASES[name][1](rng, (64, 33))
    constants = CASES[name][2] if len(CASES[name]) > 2 else ()
    for reduction in REDUCTIONS:
        (lm, ms), (lt, ts) = (_run(fw, name, arrays, reduction, np.float32, constants)
                              for fw in (mg, torch))
        assert lm.dtype == mg.float32
        # atol: a few float32 ulps of 1 (NumPy's and PyTorch's exp/log may differ by an ulp,
        # and exp(x) - t x cancels)
        np.testing.assert_allclose(lm.detach().numpy(), lt.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
        (lm.sum() if reduction == "none" else lm).backward()
        (lt.sum() if reduction == "none" else lt).backward()
        for a, b in zip(ms, ts):
            if b.grad is not None:
                assert a.grad.dtype == mg.float32
                np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_first_order_backward_equals_the_create_graph_one(name, reduction):
    rng = np.random.default_rng(2)
    out, ts = _run(mg, name, CASES[name][1](rng, (4, 6)), reduction, np.float64)
    ts = [t for t in ts if t.requires_grad]
    g = mg.tensor(rng.standard_normal(tuple(out.shape)), requires_grad=True)
    fast = mg.autograd.grad(out, ts, g, retain_graph=True, allow_unused=True)
    graph = mg.autograd.grad(out, ts, g, create_graph=True, allow_unused=True)
    for a, b in zip(fast, graph):
        assert (a is None) == (b is None)
        if a is not None:
            assert b.requires_grad
            # atol: rounding of terms that cancel (cos = 1 rows), relative to the scale
            b = b.detach().numpy()
            scale = np.abs(b[np.isfinite(b)]).max(initial=1e-285)
            np.testing.assert_allclose(a.numpy(), b, rtol=1e-13, atol=1e-15 * scale)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck_and_gradgradcheck(name):
    rng = np.random.default_rng(3)
    arrays = CASES[name][1](rng, (3, 4))
    x = arrays[0]
    x[~np.isfinite(x)] = -5.0  # finite differences need finite scores
    x.reshape(-1)[:2] += 0.1  # no finite difference across a kink
    ts = [mg.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    for reduction in REDUCTIONS:
        fn = lambda *a: CASES[name][0](mg, *a, reduction)  # noqa: E731
        assert mg.gradcheck(fn, ts) and mg.gradgradcheck(fn, ts)


def test_bce_with_logits_learnable_weights_keep_their_gradients():
    """A weight or pos_weight that requires grad (PyTorch refuses it; minigrad's tensor-op
    path differentiates it) is not taken as a constant by the single op."""
    rng = np.random.default_rng(4)
    x, y = _logits(rng, (4, 3))
    x /= 4  # keep the sigmoid's derivative away from 0 for the finite differences
    ts = [mg.tensor(a, requires_grad=True) for a in (x, y, rng.uniform(0.5, 2, (3,)),
                                                     rng.uniform(0.5, 2, (3,)))]
    fn = lambda a, b, w, pw: F.binary_cross_entropy_with_logits(  # noqa: E731
        a, b, weight=w, pos_weight=pw)
    assert mg.gradcheck(fn, ts) and mg.gradgradcheck(fn, ts)
    fn(*ts).backward()
    assert all(t.grad is not None and np.abs(t.grad.numpy()).sum() > 0 for t in ts[2:])
