"""Losses: NumPy references, gradcheck/gradgradcheck (float64), PyTorch parity, float32, errors."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

REDUCTIONS = ["none", "mean", "sum"]


def _log_softmax(x, axis=1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def _ce_reference(x, t, weight=None, ignore_index=-100, reduction="mean", smoothing=0.0):
    """Cross-entropy with class-index targets, written out per element (PyTorch's definition)."""
    logp = _log_softmax(x)
    n_classes = x.shape[1]
    w = np.ones(n_classes) if weight is None else weight
    valid = t != ignore_index
    safe = np.where(valid, t, 0)
    picked = np.take_along_axis(logp, safe[:, None], axis=1)[:, 0]
    nll = -w[safe] * picked * valid
    smooth = -(logp * w.reshape((1, -1) + (1,) * (x.ndim - 2))).sum(axis=1) * valid
    loss = (1 - smoothing) * nll + smoothing / n_classes * smooth
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / (w[safe] * valid).sum()


def _case(shape, seed=0, ignore=True):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 2
    t = rng.integers(0, shape[1], (shape[0],) + shape[2:])
    if ignore:
        t.reshape(-1)[1] = -100
    w = rng.uniform(0.5, 2.0, shape[1])
    return x, t, w


CE_CASES = list(itertools.product([(6, 5), (3, 4, 2, 2)], REDUCTIONS, [False, True], [0.0, 0.25]))


# --- cross_entropy ----------------------------------------------------------------------------
@pytest.mark.parametrize("shape,reduction,use_weight,smoothing", CE_CASES)
def test_cross_entropy_matches_numpy(shape, reduction, use_weight, smoothing):
    x, t, w = _case(shape)
    w = w if use_weight else None
    out = F.cross_entropy(mg.tensor(x, dtype=mg.float64), mg.tensor(t),
                          weight=None if w is None else mg.tensor(w, dtype=mg.float64),
                          reduction=reduction, label_smoothing=smoothing)
    np.testing.assert_allclose(out.numpy(), _ce_reference(x, t, w, -100, reduction, smoothing),
                               rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_gradcheck_and_gradgradcheck(reduction, smoothing):
    x, t, w = _case((3, 4, 2))
    xt = mg.tensor(x, dtype=mg.float64, requires_grad=True)
    fn = lambda x: F.cross_entropy(x, mg.tensor(t), weight=mg.tensor(w, dtype=mg.float64),
                                   reduction=reduction, label_smoothing=smoothing)
    assert mg.gradcheck(fn, (xt,))
    assert mg.gradgradcheck(fn, (xt,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probability_targets_gradcheck(reduction):
    rng = np.random.default_rng(4)
    x = mg.tensor(rng.standard_normal((4, 3)), dtype=mg.float64, requires_grad=True)
    p = mg.tensor(rng.dirichlet(np.ones(3), 4), dtype=mg.float64, requires_grad=True)
    w = mg.tensor([0.5, 1.0, 2.0], dtype=mg.float64)
    fn = lambda x, p: F.cross_entropy(x, p, weight=w, reduction=reduction, label_smoothing=0.1)
    assert mg.gradcheck(fn, (x, p))
    assert mg.gradgradcheck(fn, (x, p))
    # Probability targets that are one-hot give the same loss as class indices.
    idx = np.array([0, 2, 1, 1])
    onehot = mg.tensor(np.eye(3)[idx], dtype=mg.float64)
    np.testing.assert_allclose(F.cross_entropy(x, onehot, reduction=reduction).detach().numpy(),
                               F.cross_entropy(x, mg.tensor(idx), reduction=reduction)
                               .detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("shape,reduction,use_weight,smoothing", CE_CASES)
def test_cross_entropy_matches_torch(shape, reduction, use_weight, smoothing):
    torch = pytest.importorskip("torch")
    x, t, w = _case(shape, seed=7)
    kwargs_mg = dict(reduction=reduction, label_smoothing=smoothing)
    kwargs_t = dict(kwargs_mg)
    if use_weight:
        kwargs_mg["weight"] = mg.tensor(w, dtype=mg.float64)
        kwargs_t["weight"] = torch.tensor(w)
    xm = mg.tensor(x, dtype=mg.float64, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    lm = nn.CrossEntropyLoss(**kwargs_mg)(xm, mg.tensor(t))
    lt = torch.nn.CrossEntropyLoss(**kwargs_t)(xt, torch.tensor(t))
    np.testing.assert_allclose(lm.detach().numpy(), lt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(tuple(lt.shape))
    lm.backward(mg.tensor(g, dtype=mg.float64))
    lt.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probability_targets_match_torch(reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 4))
    p = np.moveaxis(rng.dirichlet(np.ones(3), (2, 4)), -1, 1)
    w = rng.uniform(0.5, 2, 3)
    xm, pm = (mg.tensor(a, dtype=mg.float64, requires_grad=True) for a in (x, p))
    xt, pt = (torch.tensor(a, requires_grad=True) for a in (x, p))
    lm = F.cross_entropy(xm, pm, weight=mg.tensor(w, dtype=mg.float64), reduction=reduction,
                         label_smoothing=0.2)
    lt = torch.nn.functional.cross_entropy(xt, pt, weight=torch.tensor(w), reduction=reduction,
                                           label_smoothing=0.2)
    np.testing.assert_allclose(lm.detach().numpy(), lt.detach().numpy(), rtol=1e-10)
    g = rng.standard_normal(tuple(lt.shape))
    lm.backward(mg.tensor(g, dtype=mg.float64))
    lt.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(pm.grad.numpy(), pt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_cross_entropy_unbatched_input():
    x = np.array([0.5, -1.0, 2.0])
    out = F.cross_entropy(mg.tensor(x, dtype=mg.float64), mg.tensor(2))
    assert out.shape == ()
    np.testing.assert_allclose(out.item(), -_log_softmax(x[None])[0, 2])
    assert F.cross_entropy(mg.tensor(x), mg.tensor(2), reduction="none").shape == ()


def test_cross_entropy_float32_model_stays_float32():
    x = mg.randn(8, 10, requires_grad=True)
    labels = mg.randint(0, 10, (8,))
    assert labels.dtype == mg.int64
    loss = F.cross_entropy(x, labels, label_smoothing=0.1,
                           weight=mg.ones(10, dtype=mg.float64))
    assert loss.dtype == mg.float32
    loss.backward()
    assert x.grad.dtype == mg.float32
    for reduction in ("none", "sum"):
        assert F.cross_entropy(x, labels, reduction=reduction).dtype == mg.float32
    probs = F.softmax(mg.randn(8, 10), dim=1)
    assert F.cross_entropy(x, probs.double()).dtype == mg.float32


def test_cross_entropy_is_stable_for_huge_logits():
    x = mg.tensor([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 0.0]], requires_grad=True)
    loss = F.cross_entropy(x, mg.tensor([0, 2]))
    assert np.isfinite(loss.item())
    np.testing.assert_allclose(loss.item(), 500.0, rtol=1e-6)  # rows: 0 and 1000
    loss.backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_cross_entropy_ignore_index():
    x, t, _ = _case((5, 3), ignore=False)
    t[[0, 3]] = 7
    xm = mg.tensor(x, dtype=mg.float64, requires_grad=True)
    loss = F.cross_entropy(xm, mg.tensor(t), ignore_index=7)
    keep = [1, 2, 4]
    expected = _ce_reference(x[keep], t[keep])
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-12)
    loss.backward()
    assert not xm.grad.numpy()[[0, 3]].any()  # ignored rows get no gradient
    all_ignored = F.cross_entropy(xm, mg.tensor([7] * 5), ignore_index=7)
    assert np.isnan(all_ignored.item())  # 0 / 0, as in PyTorch


def test_cross_entropy_errors_name_the_problem():
    x = mg.randn(4, 3)
    with pytest.raises(ValueError, match="target 3 is out of bounds for 3 classes"):
        F.cross_entropy(x, mg.tensor([0, 1, 2, 3]))
    with pytest.raises(ValueError, match="target -1 is out of bounds"):
        nn.CrossEntropyLoss()(x, mg.tensor([0, -1, 2, 1]))
    with pytest.raises(ValueError, match=r"expected target of shape \(4,\) for input of shape "
                                         r"\(4, 3\).*got target of shape \(4, 1\)"):
        F.cross_entropy(x, mg.tensor([[0], [1], [2], [1]]))
    with pytest.raises(ValueError, match=r"class-probability target must have the input's shape"):
        F.cross_entropy(x, mg.randn(4, 2))
    with pytest.raises(TypeError, match="floating-point input"):
        F.cross_entropy(mg.tensor([[1, 2]]), mg.tensor([0]))
    with pytest.raises(TypeError, match="integer class indices"):
        F.cross_entropy(x, mg.tensor([True, False, True, True]))
    with pytest.raises(ValueError, match=r"weight should be a 1-D tensor of 3 class weights"):
        F.cross_entropy(x, mg.tensor([0, 1, 2, 1]), weight=mg.ones(4))
    with pytest.raises(ValueError, match="reduction='average' is not valid"):
        nn.CrossEntropyLoss(reduction="average")
    with pytest.raises(ValueError, match="label_smoothing must be between 0.0 and 1.0"):
        nn.CrossEntropyLoss(label_smoothing=1.5)
    with pytest.raises(ValueError, match="size_average and reduce are deprecated"):
        nn.CrossEntropyLoss(size_average=True)
    with pytest.raises(RuntimeError, match="derivative for 'weight' is not implemented"):
        F.cross_entropy(x, mg.tensor([0, 1, 2, 1]), weight=mg.ones(3, requires_grad=True))


def test_cross_entropy_loss_module_registers_weight_buffer():
    w = mg.tensor([1.0, 2.0, 3.0])
    loss = nn.CrossEntropyLoss(weight=w)
    assert list(loss.state_dict()) == ["weight"]
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    loss.double()
    assert loss.weight.dtype == mg.float64
    assert repr(loss) == "CrossEntropyLoss()"


def test_cross_entropy_on_another_device():
    strict_backend = pytest.importorskip("strict_backend")
    strict_backend.register()
    x, t, w = _case((4, 3, 2))
    xm = mg.tensor(x, dtype=mg.float64, device="strict", requires_grad=True)
    loss = F.cross_entropy(xm, mg.tensor(t, device="strict"),
                           weight=mg.tensor(w, dtype=mg.float64, device="strict"),
                           label_smoothing=0.1)
    assert loss.device == "strict"
    loss.backward()
    assert xm.grad.device == "strict"
    np.testing.assert_allclose(loss.cpu().item(), _ce_reference(x, t, w, smoothing=0.1),
                               rtol=1e-12)
    with pytest.raises(RuntimeError, match="input is on strict but target is on cpu"):
        F.cross_entropy(xm, mg.tensor(t, device="cpu"))


# --- nll_loss ------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("use_weight", [False, True])
def test_nll_loss_is_cross_entropy_of_log_softmax(reduction, use_weight):
    x, t, w = _case((3, 4, 2), seed=2)
    w = mg.tensor(w, dtype=mg.float64) if use_weight else None
    xm = mg.tensor(x, dtype=mg.float64, requires_grad=True)
    nll = F.nll_loss(F.log_softmax(xm, dim=1), mg.tensor(t), weight=w, reduction=reduction)
    ce = F.cross_entropy(xm, mg.tensor(t), weight=w, reduction=reduction)
    np.testing.assert_allclose(nll.detach().numpy(), ce.detach().numpy(), rtol=1e-12)
    direct = lambda x: F.nll_loss(x, mg.tensor(t), weight=w, reduction=reduction)
    assert mg.gradcheck(direct, (xm,))
    assert mg.gradgradcheck(direct, (xm,))  # linear in x: checks backward's use of the gradient
    assert mg.gradgradcheck(lambda x: F.nll_loss(F.log_softmax(x, dim=1), mg.tensor(t), weight=w,
                                                 reduction=reduction), (xm,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_matches_torch(reduction):
    torch = pytest.importorskip("torch")
    x, t, w = _case((5, 4), seed=3)
    xm = mg.tensor(x, dtype=mg.float64, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    lm = nn.NLLLoss(weight=mg.tensor(w, dtype=mg.float64), reduction=reduction)(xm, mg.tensor(t))
    lt = torch.nn.NLLLoss(weight=torch.tensor(w), reduction=reduction)(xt, torch.tensor(t))
    np.testing.assert_allclose(lm.detach().numpy(), lt.detach().numpy(), rtol=1e-12)
    g = np.random.default_rng(0).standard_normal(tuple(lt.shape))
    lm.backward(mg.tensor(g, dtype=mg.float64))
    lt.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


def test_nll_loss_float32_and_errors():
    x = F.log_softmax(mg.randn(4, 3, requires_grad=True), dim=1)
    assert F.nll_loss(x, mg.tensor([0, 1, 2, 0])).dtype == mg.float32
    with pytest.raises(TypeError, match="nll_loss: expected integer class indices"):
        F.nll_loss(x, mg.randn(4, 3))
    with pytest.raises(ValueError, match="nll_loss: target 5 is out of bounds for 3 classes"):
        nn.NLLLoss()(x, mg.tensor([0, 5, 2, 0]))


# --- mse_loss ------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss(reduction):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3, 4))
    am, bm = (mg.tensor(v, dtype=mg.float64, requires_grad=True) for v in (a, b))
    out = nn.MSELoss(reduction=reduction)(am, bm)
    expected = {"none": (a - b) ** 2, "mean": ((a - b) ** 2).mean(), "sum": ((a - b) ** 2).sum()}
    np.testing.assert_allclose(out.detach().numpy(), expected[reduction], rtol=1e-12)
    fn = lambda a, b: F.mse_loss(a, b, reduction=reduction)
    assert mg.gradcheck(fn, (am, bm)) and mg.gradgradcheck(fn, (am, bm))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_matches_torch(reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 5, 2))
    am, bm = (mg.tensor(v, dtype=mg.float64, requires_grad=True) for v in (a, b))
    at, bt = (torch.tensor(v, requires_grad=True) for v in (a, b))
    lm, lt = F.mse_loss(am, bm, reduction=reduction), torch.nn.functional.mse_loss(
        at, bt, reduction=reduction)
    np.testing.assert_allclose(lm.detach().numpy(), lt.detach().numpy(), rtol=1e-12)
    g = rng.standard_normal(tuple(lt.shape))
    lm.backward(mg.tensor(g, dtype=mg.float64))
    lt.backward(torch.tensor(g))
    np.testing.assert_allclose(am.grad.numpy(), at.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(bm.grad.numpy(), bt.grad.numpy(), rtol=1e-12)


def test_mse_loss_float32_and_shape_error():
    a = mg.randn(3, requires_grad=True)
    loss = F.mse_loss(a, mg.randn(3))
    assert loss.dtype == mg.float32
    loss.backward()
    assert a.grad.dtype == mg.float32
    with pytest.raises(ValueError, match=r"mse_loss: target shape \(3, 1\) differs from input "
                                         r"shape \(3,\)"):
        F.mse_loss(a, mg.randn(3, 1))


# --- binary_cross_entropy_with_logits ------------------------------------------------------------
def _bce_reference(x, y, weight=None, pos_weight=None):
    softplus_neg = np.logaddexp(0, -x)
    lw = 1 if pos_weight is None else 1 + (pos_weight - 1) * y
    loss = (1 - y) * x + lw * softplus_neg
    return loss if weight is None else loss * weight


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_with_logits(reduction, weighted):
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((4, 3)) * 3, rng.uniform(0, 1, (4, 3))
    w, pw = rng.uniform(0.5, 2, (1, 3)), rng.uniform(0.5, 3, 3)
    xm, ym, pwm = (mg.tensor(v, dtype=mg.float64, requires_grad=True) for v in (x, y, pw))
    wm = mg.tensor(w, dtype=mg.float64) if weighted else None
    fn = lambda x, y, pw: F.binary_cross_entropy_with_logits(
        x, y, weight=wm, reduction=reduction, pos_weight=pw if weighted else None)
    ref = _bce_reference(x, y, w if weighted else None, pw if weighted else None)
    ref = {"none": ref, "mean": ref.mean(), "sum": ref.sum()}[reduction]
    np.testing.assert_allclose(fn(xm, ym, pwm).detach().numpy(), ref, rtol=1e-12)
    inputs = (xm, ym, pwm) if weighted else (xm, ym)
    f = fn if weighted else (lambda x, y: fn(x, y, None))
    assert mg.gradcheck(f, inputs) and mg.gradgradcheck(f, inputs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_matches_torch(reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((5, 2)) * 4, rng.integers(0, 2, (5, 2)).astype(np.float64)
    w, pw = rng.uniform(0.5, 2, (5, 1)), rng.uniform(0.5, 3, 2)
    xm, ym = (mg.tensor(v, dtype=mg.float64, requires_grad=True) for v in (x, y))
    xt, yt = (torch.tensor(v, requires_grad=True) for v in (x, y))
    lm = nn.BCEWithLogitsLoss(weight=mg.tensor(w, dtype=mg.float64), reduction=reduction,
                              pos_weight=mg.tensor(pw, dtype=mg.float64))(xm, ym)
    lt = torch.nn.BCEWithLogitsLoss(weight=torch.tensor(w), reduction=reduction,
                                    pos_weight=torch.tensor(pw))(xt, yt)
    np.testing.assert_allclose(lm.detach().numpy(), lt.detach().numpy(), rtol=1e-10)
    g = rng.standard_normal(tuple(lt.shape))
    lm.backward(mg.tensor(g, dtype=mg.float64))
    lt.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(ym.grad.numpy(), yt.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_bce_with_logits_extreme_logits_float32_and_errors():
    x = mg.tensor([-200.0, 0.0, 200.0], requires_grad=True)
    y = mg.tensor([0.0, 1.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    assert loss.dtype == mg.float32
    np.testing.assert_allclose(loss.detach().numpy(), [0.0, np.log(2.0), 0.0], atol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, -0.5, 0.0], atol=1e-6)
    assert x.grad.dtype == mg.float32
    pos = nn.BCEWithLogitsLoss(pos_weight=mg.tensor([2.0]))
    assert pos(mg.randn(4, 1), mg.ones(4, 1)).dtype == mg.float32
    assert list(pos.state_dict()) == ["pos_weight"]
    with pytest.raises(ValueError, match=r"target size \(3, 1\) must be the same as input size "
                                         r"\(3,\)"):
        F.binary_cross_entropy_with_logits(x, mg.ones(3, 1))
    with pytest.raises(ValueError, match=r"pos_weight of shape \(2,\) does not broadcast"):
        F.binary_cross_entropy_with_logits(x, y, pos_weight=mg.ones(2))
