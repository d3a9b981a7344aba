"""Connectionist temporal classification: ``ctc_loss``.

The likelihood of a label sequence sums over every frame-by-frame alignment that collapses to
it (repeats merged, blanks dropped). It runs over the extended sequence
l' = (blank, l1, blank, l2, ..., blank) in log space: alpha_t(s) sums the alignments of the
first t + 1 frames ending in l'_s, beta_t(s) those of the remaining frames starting there, and
-log p = -logsumexp(alpha_{T-1}(S'-1), alpha_{T-1}(S'-2)). A state may step from s-1, stay, or
skip the blank from s-2 when l'_s is a label differing from l'_{s-2}.

The gradient is hand-written (one backward recursion instead of autograd over T steps):
d(-log p)/d log_probs[t, c] = -sum_{s: l'_s = c} exp(alpha_t(s) + beta_t(s) - log_probs[t, l'_s]
- log p), the expected occupancy of c at frame t. This is the true derivative with respect to
``log_probs``. PyTorch's kernel returns it plus exp(log_probs), a term that vanishes once the
gradient passes through the log_softmax producing ``log_probs``: through log_softmax the two
agree, on a raw leaf PyTorch's does not pass gradcheck. Loops run over time only; each step is
vectorised over the batch and the extended sequence, on NumPy or CuPy.
"""
from __future__ import annotations

from typing import Any, Sequence

from .. import dtypes
from ..autograd.function import Function
from ..errors import ShapeError
from ..tensor import Tensor
from .comparison import clamp
from .loss import check_reduction


def _shift(a: Any, k: int, fill: Any, xp: Any) -> Any:
    """a[:, s - k] (k > 0: from the left) or a[:, s + |k|] (k < 0), ``fill`` outside."""
    out = xp.full_like(a, fill)
    if k > 0:
        out[:, k:] = a[:, :-k]
    else:
        out[:, :k] = a[:, -k:]
    return out


class CTCLoss(Function):
    """Per-sample -log p(targets | log_probs) (N,), with its occupancy gradient."""

    once_differentiable = True

    @staticmethod
    def forward(ctx, log_probs, ext, input_lengths, target_lengths, blank, zero_infinity):
        xp, lp = log_probs.xp, log_probs.array
        T, N, _ = lp.shape
        L = ext.shape[1]
        neg_inf = -float("inf")  # a Python float: weak, so float32 stays float32
        il, tl = input_lengths, target_lengths
        rows = xp.arange(N)
        valid = xp.arange(L)[None, :] < (2 * tl + 1)[:, None]                 # (N, L)
        skip = xp.zeros((N, L), dtype=bool)
        skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
        lpe = xp.take_along_axis(lp, xp.broadcast_to(ext[None], (T, N, L)), axis=2)
        alpha = xp.full((T, N, L), neg_inf, dtype=lp.dtype)
        if T:
            start = xp.full((N, L), neg_inf, dtype=lp.dtype)
            start[:, 0] = lpe[0, :, 0]
            if L > 1:
                start[:, 1] = xp.where(tl > 0, lpe[0, :, 1], neg_inf)
            alpha[0] = xp.where(valid, start, neg_inf)
        for t in range(1, T):
            prev = alpha[t - 1]
            came = xp.logaddexp(prev, _shift(prev, 1, neg_inf, xp))
            came = xp.logaddexp(came, xp.where(skip, _shift(prev, 2, neg_inf, xp), neg_inf))
            alpha[t] = xp.where(valid, came + lpe[t], neg_inf)
        last = alpha[xp.maximum(il - 1, 0), rows] if T else \
            xp.full((N, L), neg_inf, dtype=lp.dtype)
        end = xp.take_along_axis(last, (2 * tl)[:, None], axis=1)[:, 0]
        before = xp.take_along_axis(last, xp.maximum(2 * tl - 1, 0)[:, None], axis=1)[:, 0]
        loglik = xp.logaddexp(end, xp.where(tl > 0, before, neg_inf))
        # No frames: the empty sequence has probability 1, any other 0.
        loglik = xp.where(il == 0, xp.where(tl == 0, 0.0, neg_inf).astype(lp.dtype), loglik)
        nll = -loglik
        infinite = xp.isinf(nll)
        if zero_infinity:
            nll = xp.where(infinite, xp.zeros_like(nll), nll)
        ctx.saved = (lp, ext, il, tl, blank, alpha, lpe, loglik, valid, skip,
                     infinite if zero_infinity else None)
        return nll

    @staticmethod
    def backward(ctx, grad):
        lp, ext, il, tl, blank, alpha, lpe, loglik, valid, skip, dropped = ctx.saved
        xp = grad.xp
        T, N, C = lp.shape
        L = ext.shape[1]
        neg_inf = -float("inf")  # a Python float: weak, so float32 stays float32
        rows = xp.arange(N)
        skip_ahead = _shift(skip, -2, False, xp)  # s -> s + 2 allowed
        beta = xp.full((T, N, L), neg_inf, dtype=lp.dtype)
        nxt = xp.full((N, L), neg_inf, dtype=lp.dtype)
        for t in range(T - 1, -1, -1):
            goes = xp.logaddexp(nxt, _shift(nxt, -1, neg_inf, xp))
            goes = xp.logaddexp(goes, xp.where(skip_ahead, _shift(nxt, -2, neg_inf, xp), neg_inf))
            cur = goes + lpe[t]
            init = xp.full((N, L), neg_inf, dtype=lp.dtype)
            init[rows, 2 * tl] = lpe[t, rows, 2 * tl]
            has_label = tl > 0
            init[rows[has_label], 2 * tl[has_label] - 1] = lpe[t, rows[has_label],
                                                             2 * tl[has_label] - 1]
            cur = xp.where((il - 1 == t)[:, None], init, cur)
            cur = xp.where(valid & (t < il)[:, None], cur, neg_inf)
            beta[t] = nxt = cur
        frames = (xp.arange(T)[:, None] < il[None, :])[:, :, None]            # (T, N, 1)
        occupancy = xp.exp(alpha + beta - lpe - loglik[None, :, None])
        occupancy = xp.where(frames, occupancy, xp.zeros_like(occupancy))
        onehot = ((ext[:, :, None] == xp.arange(C)) & valid[:, :, None]).astype(lp.dtype)
        g = -xp.einsum("tns,nsc->tnc", occupancy, onehot)
        g = g * grad.array[None, :, None]
        if dropped is not None:  # zero_infinity: no gradient (not NaN) from impossible samples
            g = xp.where(dropped[None, :, None], xp.zeros_like(g), g)
        return Tensor._make(g, grad.device), None, None, None, None, None


# --- arguments --------------------------------------------------------------------------------
def _lengths(value: Any, n: int, name: str, op: str, xp: Any, device: str) -> Any:
    """Lengths given as a tensor or a sequence of ints, as an int64 array of ``n`` entries."""
    if isinstance(value, Tensor):
        if value.dtype.kind not in "iu":
            raise TypeError(f"{op}: {name} must hold integers, got {value.dtype}")
        if value.device != device:
            raise RuntimeError(f"{op}: {name} is on {value.device} but log_probs is on {device}")
        a = value.array.astype(dtypes.int64).reshape(-1)
    elif isinstance(value, Sequence) and all(isinstance(v, int) and not isinstance(v, bool)
                                             for v in value):
        a = xp.asarray(list(value), dtype=dtypes.int64)
    else:
        raise TypeError(f"{op}: {name} must be a tensor or a sequence of ints, got "
                        f"{type(value).__name__}")
    if a.shape != (n,):
        raise RuntimeError(f"{op}: {name} must have one length per sample ({n}), got "
                           f"{a.shape[0]}")
    if n and bool((a < 0).any()):
        raise RuntimeError(f"{op}: {name} must be non-negative, got {a.tolist()}")
    return a


def _extended_labels(targets: Tensor, tl: Any, n: int, op: str) -> Any:
    """(N, 2 S + 1) blank-interleaved labels, with blank after each sample's own length."""
    xp = targets.xp
    if targets.ndim == 2:  # padded (N, S)
        if targets.shape[0] != n:
            raise RuntimeError(f"{op}: padded targets of shape {tuple(targets.shape)} must have "
                               f"one row per sample ({n})")
        s = targets.shape[1]
        if n and int(tl.max()) > s:
            raise RuntimeError(f"{op}: target_lengths {tl.tolist()} exceed the padded targets' "
                               f"length {s}")
        labels = targets.array
    else:  # concatenated (sum(target_lengths),)
        total = int(tl.sum())
        if targets.shape[0] != total:
            raise RuntimeError(f"{op}: concatenated targets must hold sum(target_lengths) = "
                               f"{total} labels, got {targets.shape[0]}")
        s = int(tl.max()) if n else 0
        starts = xp.cumsum(tl) - tl
        pos = xp.arange(s)[None, :]
        labels = targets.array[xp.minimum(starts[:, None] + pos, max(total - 1, 0))] if total \
            else xp.zeros((n, s), dtype=dtypes.int64)
    used = xp.arange(s)[None, :] < tl[:, None]
    return labels.astype(dtypes.int64), used, s


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """Alignment-free sequence loss (speech, handwriting): -log of the total probability of
    every alignment of ``targets`` to the T frames of ``log_probs`` (T, N, C), which should be
    log_softmax outputs. 'mean' divides each loss by its target length, then averages."""
    op = "ctc_loss"
    check_reduction(reduction, op)
    if not isinstance(log_probs, Tensor) or not isinstance(targets, Tensor):
        raise TypeError(f"{op}: expected log_probs and targets tensors, got "
                        f"{type(log_probs).__name__} and {type(targets).__name__}")
    if not dtypes.is_floating(log_probs.dtype):
        raise TypeError(f"{op}: expected floating-point log_probs, got {log_probs.dtype}")
    if targets.dtype.kind not in "iu":
        raise TypeError(f"{op}: expected integer class indices as targets, got {targets.dtype}")
    if targets.device != log_probs.device:
        raise RuntimeError(f"{op}: targets are on {targets.device} but log_probs on "
                           f"{log_probs.device}")
    unbatched = log_probs.ndim == 2
    if log_probs.ndim not in (2, 3):
        raise ShapeError(f"{op}: expected log_probs of shape (T, N, C) or (T, C), got "
                         f"{tuple(log_probs.shape)}")
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    T, n, C = lp.shape
    if unbatched:
        if targets.ndim != 1:
            raise ShapeError(f"{op}: unbatched log_probs (T, C) take 1-D targets, got shape "
                             f"{tuple(targets.shape)}")
        targets = targets.unsqueeze(0)
        input_lengths, target_lengths = _one(input_lengths), _one(target_lengths)
    elif targets.ndim not in (1, 2):
        raise ShapeError(f"{op}: expected padded (N, S) or concatenated 1-D targets, got shape "
                         f"{tuple(targets.shape)}")
    if not 0 <= int(blank) < C:
        raise RuntimeError(f"{op}: blank must be in label range [0, {C}), got {blank}")
    xp, device = lp.xp, lp.device
    il = _lengths(input_lengths, n, "input_lengths", op, xp, device)
    tl = _lengths(target_lengths, n, "target_lengths", op, xp, device)
    if n and int(il.max()) > T:
        raise RuntimeError(f"{op}: input_lengths must be at most the {T} frames of log_probs, got "
                           f"{il.tolist()}")
    labels, used, s = _extended_labels(targets, tl, n, op)
    if bool((used & ((labels < 0) | (labels >= C))).any()):
        raise ValueError(f"{op}: target labels must be in [0, {C}), got "
                         f"{sorted(set(labels[used].tolist()))}")
    ext = xp.full((n, 2 * s + 1), int(blank), dtype=dtypes.int64)
    ext[:, 1::2] = xp.where(used, labels, int(blank))
    nll = CTCLoss.apply(lp, ext, il, tl, int(blank), bool(zero_infinity))
    if reduction == "mean":
        per_label = clamp(Tensor._make(tl, device), min=1).to(nll.dtype)
        return (nll / per_label).mean()
    if reduction == "sum":
        return nll.sum()
    return nll.reshape(()) if unbatched else nll


def _one(length: Any) -> Any:
    """An unbatched call's single length (an int or a 0-d/1-element tensor) as a sequence."""
    if isinstance(length, int) and not isinstance(length, bool):
        return (length,)
    return length
