"""CTCLoss / F.ctc_loss: PyTorch forward and backward (through log_softmax) for every
reduction, padded and concatenated targets, blank, zero_infinity, impossible alignments and
unbatched input; gradcheck in float64 on log_probs directly; a brute-force check of the
likelihood over every alignment; float32; errors."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

REDUCTIONS = ["none", "mean", "sum"]


def _problem(seed=0, T=7, N=4, C=5, S=3, blank=0):
    r = np.random.default_rng(seed)
    x = r.standard_normal((T, N, C))
    labels = [c for c in range(C) if c != blank]
    targets = r.choice(labels, (N, S))
    targets[1, :2] = targets[1, 0]            # a repeated label needs a blank between
    lengths_in = np.array([T, T - 1, T, 3][:N])
    lengths_t = np.array([S, 2, 0, S][:N])   # an empty target; sample 3: 3 frames for 3 labels
    return x, targets, lengths_in, lengths_t


def _log_softmax(x):
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def _run_both(torch, x, targets, il, tl, **kw):
    xm = mg.tensor(x, dtype=mg.float64, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    out_m = F.ctc_loss(mg.log_softmax(xm, -1), mg.tensor(targets), mg.tensor(il), mg.tensor(tl),
                       **kw)
    out_t = torch.nn.functional.ctc_loss(xt.log_softmax(-1), torch.tensor(targets),
                                         torch.tensor(il), torch.tensor(tl), **kw)
    return xm, xt, out_m, out_t


def _assert_same(torch, xm, xt, out_m, out_t):
    assert out_m.shape == tuple(out_t.shape) and out_m.dtype == mg.float64
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=1e-10)
    g = np.random.default_rng(5).uniform(0.5, 1.5, tuple(out_t.shape))
    out_m.backward(mg.tensor(g, dtype=mg.float64))
    out_t.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("blank", [0, 4])
def test_matches_torch_padded(reduction, blank):
    torch = pytest.importorskip("torch")
    x, targets, il, tl = _problem(blank=blank)
    _assert_same(torch, *_run_both(torch, x, targets, il, tl, blank=blank, reduction=reduction))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_matches_torch_concatenated_targets_and_length_lists(reduction):
    torch = pytest.importorskip("torch")
    x, targets, il, tl = _problem(seed=1)
    flat = np.concatenate([targets[i, :n] for i, n in enumerate(tl)])
    xm = mg.tensor(x, dtype=mg.float64, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    out_m = F.ctc_loss(mg.log_softmax(xm, 2), mg.tensor(flat), il.tolist(), tuple(tl.tolist()),
                       reduction=reduction)
    out_t = torch.nn.functional.ctc_loss(xt.log_softmax(2), torch.tensor(flat), il.tolist(),
                                         tuple(tl.tolist()), reduction=reduction)
    _assert_same(torch, xm, xt, out_m, out_t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_impossible_alignments_match_torch(reduction, zero_infinity):
    """Too few frames (3 labels with a repeat need 4): inf loss, NaN gradient for that sample's
    frames (0 after its length), or 0 and 0 with zero_infinity, as PyTorch."""
    torch = pytest.importorskip("torch")
    x, targets, il, tl = _problem(seed=2)
    targets[3] = [1, 1, 2]
    xm, xt, out_m, out_t = _run_both(torch, x, targets, il, tl, reduction=reduction,
                                     zero_infinity=zero_infinity)
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=1e-10)
    assert np.isinf(out_m.detach().numpy()).any() != zero_infinity
    out_m.sum().backward()
    out_t.sum().backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_module_and_unbatched_match_torch():
    torch = pytest.importorskip("torch")
    x, targets, il, tl = _problem(seed=3)
    lm, lt = nn.CTCLoss(blank=0, reduction="sum", zero_infinity=True), \
        torch.nn.CTCLoss(blank=0, reduction="sum", zero_infinity=True)
    assert repr(lm) == repr(lt)
    lp = _log_softmax(x)
    np.testing.assert_allclose(
        lm(mg.tensor(lp, dtype=mg.float64), mg.tensor(targets), mg.tensor(il),
           mg.tensor(tl)).numpy(),
        lt(torch.tensor(lp), torch.tensor(targets), torch.tensor(il), torch.tensor(tl)).numpy(),
        rtol=1e-10)
    for reduction in REDUCTIONS:
        xm = mg.tensor(x[:, 0], dtype=mg.float64, requires_grad=True)
        xt = torch.tensor(x[:, 0], requires_grad=True)
        out_m = F.ctc_loss(mg.log_softmax(xm, 1), mg.tensor(targets[0]), mg.tensor(7),
                           mg.tensor(3), reduction=reduction)
        out_t = torch.nn.functional.ctc_loss(xt.log_softmax(1), torch.tensor(targets[0]),
                                             torch.tensor(7), torch.tensor(3),
                                             reduction=reduction)
        _assert_same(torch, xm, xt, out_m, out_t)


def test_zero_input_length_as_torch():
    torch = pytest.importorskip("torch")
    x, targets, _, _ = _problem(seed=4)
    il, tl = np.array([7, 0, 0, 5]), np.array([3, 0, 2, 1])
    xm, xt, out_m, out_t = _run_both(torch, x, targets, il, tl, reduction="none")
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=1e-10)
    loss = out_m.detach().numpy()
    assert loss[1] == 0 and np.isinf(loss[2])


def test_likelihood_sums_every_alignment():
    """-log of the sum over all C^T paths that collapse to the target, by brute force."""
    T, C, target = 5, 3, [1, 1, 2]
    lp = _log_softmax(np.random.default_rng(6).standard_normal((T, C)))
    total = 0.0
    for path in itertools.product(range(C), repeat=T):
        collapsed = [c for i, c in enumerate(path) if c != 0 and (i == 0 or path[i - 1] != c)]
        if collapsed == target:
            total += np.exp(sum(lp[t, c] for t, c in enumerate(path)))
    out = F.ctc_loss(mg.tensor(lp[:, None], dtype=mg.float64), mg.tensor([target]), [T], [3],
                     reduction="none")
    np.testing.assert_allclose(out.numpy(), [-np.log(total)], rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_on_log_probs(reduction):
    """The gradient is the true derivative with respect to log_probs (PyTorch's adds
    exp(log_probs), which only cancels through a log_softmax)."""
    x, targets, il, tl = _problem(seed=7, T=5, N=3, C=4, S=2)
    lp = mg.tensor(_log_softmax(x), dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(lambda a: F.ctc_loss(a, mg.tensor(targets), mg.tensor(il[:3] - 1),
                                             mg.tensor(tl[:3]), reduction=reduction), (lp,))
    assert mg.gradcheck(lambda a: F.ctc_loss(mg.log_softmax(a, 2), mg.tensor(targets),
                                             mg.tensor(il[:3]), mg.tensor(tl[:3]),
                                             reduction=reduction),
                        (mg.tensor(x, dtype=mg.float64, requires_grad=True),))


def test_float32_stays_float32():
    x, targets, il, tl = _problem(seed=8)
    xm = mg.tensor(x, dtype=mg.float32, requires_grad=True)
    for reduction in REDUCTIONS:
        out = nn.CTCLoss(reduction=reduction, zero_infinity=True)(
            mg.log_softmax(xm, 2), mg.tensor(targets), mg.tensor(il), mg.tensor(tl))
        assert out.dtype == mg.float32
        out.sum().backward()
        assert xm.grad.dtype == mg.float32


def test_double_backward_is_refused():
    x, targets, il, tl = _problem(seed=9)
    lp = mg.tensor(_log_softmax(x), dtype=mg.float64, requires_grad=True)
    out = F.ctc_loss(lp, mg.tensor(targets), mg.tensor(il), mg.tensor(tl))
    with pytest.raises(RuntimeError, match="CTCLoss: its backward works on raw arrays and cannot "
                                           "be differentiated again"):
        mg.autograd.grad(out, (lp,), create_graph=True)


def test_errors_name_ctc_loss():
    x, targets, il, tl = _problem()
    lp = mg.tensor(_log_softmax(x))
    t, i, n = mg.tensor(targets), mg.tensor(il), mg.tensor(tl)
    with pytest.raises(ValueError, match="ctc_loss: reduction='avg' is not valid"):
        F.ctc_loss(lp, t, i, n, reduction="avg")
    with pytest.raises(ValueError, match="CTCLoss: reduction='avg'"):
        nn.CTCLoss(reduction="avg")
    with pytest.raises(RuntimeError, match=r"ctc_loss: blank must be in label range \[0, 5\), "
                                           r"got 5"):
        F.ctc_loss(lp, t, i, n, blank=5)
    with pytest.raises(TypeError, match="ctc_loss: expected integer class indices as targets, "
                                        "got float32"):
        F.ctc_loss(lp, t.float(), i, n)
    with pytest.raises(TypeError, match="ctc_loss: expected floating-point log_probs"):
        F.ctc_loss(t, t, i, n)
    with pytest.raises(RuntimeError, match=r"ctc_loss: input_lengths must be at most the 7 "
                                           r"frames of log_probs, got \[8, 6, 7, 3\]"):
        F.ctc_loss(lp, t, [8, 6, 7, 3], n)
    with pytest.raises(RuntimeError, match=r"ctc_loss: input_lengths must have one length per "
                                           r"sample \(4\), got 3"):
        F.ctc_loss(lp, t, [7, 6, 7], n)
    with pytest.raises(RuntimeError, match=r"ctc_loss: target_lengths \[4, 2, 0, 3\] exceed the "
                                           r"padded targets' length 3"):
        F.ctc_loss(lp, t, i, [4, 2, 0, 3])
    with pytest.raises(RuntimeError, match=r"ctc_loss: concatenated targets must hold "
                                           r"sum\(target_lengths\) = 8 labels, got 7"):
        F.ctc_loss(lp, mg.ones(7, dtype=mg.int64), i, n)
    with pytest.raises(ValueError, match=r"ctc_loss: target labels must be in \[0, 5\), got "
                                         r"\[.*7"):
        F.ctc_loss(lp, t + 5, i, n)
    with pytest.raises(ValueError, match=r"ctc_loss: expected log_probs of shape \(T, N, C\)"):
        F.ctc_loss(lp.reshape(1, 7, 4, 5), t, i, n)
    with pytest.raises(TypeError, match="ctc_loss: input_lengths must be a tensor or a sequence "
                                        "of ints"):
        F.ctc_loss(lp, t, 7.0, n)
    with pytest.raises(RuntimeError, match="ctc_loss: target_lengths must be non-negative"):
        F.ctc_loss(lp, t, i, [3, -1, 0, 3])
