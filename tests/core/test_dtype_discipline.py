"""A float32 computation stays float32: NumPy 2 promotes float32 with np.float64 scalars and
int64 arrays silently, so every way a foreign number can enter is checked here (the harness
checks each op's own float32 forward and backward)."""
from __future__ import annotations

import operator

import numpy as np
import pytest

import minigrad as mg

SCALARS = [2, 2.5, np.float64(2.5), np.float32(2.5), np.int64(2), np.int32(2), True]
BINARY = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow]


def _x() -> mg.Tensor:
    return mg.tensor([0.5, 1.5, 2.0], requires_grad=True)


@pytest.mark.parametrize("op", BINARY, ids=lambda f: f.__name__)
@pytest.mark.parametrize("scalar", SCALARS, ids=lambda s: f"{type(s).__name__}")
def test_scalars_on_either_side_keep_float32(op, scalar) -> None:
    for make in (lambda x: op(x, scalar), lambda x: op(scalar, x)):
        x = _x()
        out = make(x)
        assert isinstance(out, mg.Tensor), type(out)
        assert out.dtype == mg.float32, f"{op.__name__} with {type(scalar).__name__}: {out.dtype}"
        out.sum().backward()
        assert x.grad.dtype == mg.float32


@pytest.mark.parametrize("scalar", [np.float64(0.5), 0.5, np.float32(0.5)])
def test_scalar_arguments_of_ops_keep_float32(scalar) -> None:
    x = _x()
    outs = [x.clamp(min=scalar), x.clamp(max=scalar), x.clamp(scalar, 2 * scalar),
            mg.maximum(x, scalar), mg.minimum(scalar, x), mg.where(x > scalar, x, scalar),
            mg.ops.pad(x, (1, 1), value=scalar), mg.ops.leaky_relu(x, scalar), x ** scalar,
            scalar ** x]
    for out in outs:
        assert out.dtype == mg.float32
    sum(o.sum() for o in outs).backward()
    assert x.grad.dtype == mg.float32


@pytest.mark.parametrize("other", [mg.tensor([1, 2, 3]), mg.tensor([1, 2, 3], dtype=mg.int32),
                                   mg.tensor([True, False, True]),
                                   mg.tensor([1, 2, 3], dtype=mg.uint8)],
                         ids=["int64", "int32", "bool", "uint8"])
def test_integer_and_bool_tensors_keep_float32(other) -> None:
    x = _x()
    outs = [x + other, other - x, x * other, x / (other.long() + 1), other.long() / x,
            mg.maximum(x, other), mg.where(other > 1, x, other), mg.cat([x, other]),
            mg.stack([other, x])]
    for out in outs:
        assert out.dtype == mg.float32
    sum(o.sum() for o in outs).backward()
    assert x.grad.dtype == mg.float32


def test_float64_meeting_float32_tensors_promotes_like_pytorch() -> None:
    assert (mg.ones(2) + mg.ones(2, dtype=mg.float64)).dtype == mg.float64


def test_integer_tensors_with_float_scalars_give_the_default_float() -> None:
    i = mg.tensor([1, 2])
    for out in (i * 2.5, i * np.float64(2.5), i * np.float32(2.5), i + 0.5, i / 2, i ** 0.5,
                i.clamp(min=0.5), i.exp(), i.sqrt(), i.sigmoid()):
        assert out.dtype == mg.float32
    assert (i * 2).dtype == mg.int64 and (i * np.int64(2)).dtype == mg.int64
    assert (mg.tensor([True]) + 1).dtype == mg.int64


def test_a_float32_classifier_stays_float32_end_to_end() -> None:
    """Features, weights, python and numpy scalars, int64 labels (indexing and one-hot)."""
    x = mg.randn(8, 4)
    labels = mg.randint(0, 3, (8,))
    w1 = mg.randn(4, 5, requires_grad=True)
    b1 = mg.zeros(5, requires_grad=True)
    w2 = mg.randn(5, 3, requires_grad=True)
    scale = np.float64(1.0) / np.sqrt(4.0)  # a NumPy float64 scalar, the usual culprit

    h = ((x @ w1) * scale + b1).relu()
    h = h - h.mean(dim=0, keepdim=True)
    h = h / (h.var(dim=0, keepdim=True, correction=0) + 1e-5).sqrt()
    logits = h @ w2
    logp = logits.log_softmax(dim=1)
    nll = -logp[mg.arange(8), labels].mean()
    onehot = labels[:, None] == mg.arange(3)
    smoothed = onehot * 0.9 + 0.1 / 3
    smooth_loss = -(smoothed * logp).sum(dim=1).mean()
    mse = ((logits.softmax(dim=1) - onehot) ** 2).mean()
    loss = nll + np.float64(0.5) * smooth_loss + 0.1 * mse + labels.float().mean() * 0
    for t in (h, logits, logp, nll, smoothed, smooth_loss, mse, loss):
        assert t.dtype == mg.float32, t
    loss.backward()
    for p in (w1, b1, w2):
        assert p.grad.dtype == mg.float32 and np.isfinite(p.grad.numpy()).all()


def test_a_0d_tensor_of_the_same_category_does_not_promote() -> None:
    """PyTorch: a 0-d float64 tensor (e.g. mg.tensor(np.sqrt(2.0))) leaves float32 alone."""
    x = _x()
    s = mg.tensor(np.sqrt(2.0))
    assert s.dtype == mg.float64 and s.ndim == 0
    for out in (x * s, s * x, x / s, x - s, x ** s, mg.maximum(x, s), mg.where(x > 1, s, x)):
        assert out.dtype == mg.float32
    (x * s).sum().backward()
    assert x.grad.dtype == mg.float32
    assert (mg.tensor([1, 2]) * s).dtype == mg.float64  # a higher category still promotes
    assert (mg.tensor([1, 2], dtype=mg.int32) * mg.tensor(3)).dtype == mg.int32
    assert (mg.tensor(1.0) * mg.tensor(2.0, dtype=mg.float64)).dtype == mg.float64
