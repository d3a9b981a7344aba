"""Dropout1d / Dropout3d (channel dropout) and AlphaDropout / FeatureAlphaDropout (SELU
dropout): drop rates and SELU statistics, exact agreement with PyTorch's formula given the
mask, reproducibility under mg.manual_seed, PyTorch 2.13's rank rules and warnings, identity
in eval, gradients, float32 and errors."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

ALPHA = 1.7580993408473766  # SELU scale * alpha


def _channel_values(out: np.ndarray) -> np.ndarray:
    """Each (n, c) entry must be constant over its positions: return one value each."""
    flat = out.reshape(out.shape[0], out.shape[1], -1)
    assert (flat == flat[..., :1]).all(), "a channel was partly dropped"
    return flat[..., 0]


# --- Dropout1d / Dropout3d ---------------------------------------------------------------------
@pytest.mark.parametrize("fn,shape", [(F.dropout1d, (200, 100, 3)),
                                      (F.dropout3d, (200, 100, 2, 2, 1))])
def test_channel_dropout_rate_and_scale(fn, shape):
    p = 0.3
    out = fn(mg.ones(*shape), p).numpy()
    per_channel = _channel_values(out)
    dropped = per_channel == 0
    assert abs(dropped.mean() - p) < 0.012  # 20,000 channels: sd of the fraction is 0.0032
    np.testing.assert_allclose(per_channel[~dropped], 1 / (1 - p), rtol=1e-6)


@pytest.mark.parametrize("layer,shape", [(nn.Dropout1d, (4, 6, 5)), (nn.Dropout1d, (6, 5)),
                                         (nn.Dropout3d, (3, 4, 2, 3, 2)),
                                         (nn.Dropout3d, (4, 2, 3, 2))])
def test_channel_dropout_values_gradient_and_unbatched(layer, shape):
    x = mg.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    module = layer(0.5)
    out = module(x)
    assert out.shape == x.shape
    batched = out.detach().numpy() if x.ndim in (3, 5) else out.detach().numpy()[None]
    kept = _channel_values(batched != 0)
    assert kept.any() and not kept.all()
    xb = x.detach().numpy() if x.ndim in (3, 5) else x.detach().numpy()[None]
    expected = xb * 2.0 * kept.reshape(kept.shape + (1,) * (xb.ndim - 2))
    np.testing.assert_array_equal(batched, expected)
    out.backward(mg.ones_like(out))
    gb = x.grad.numpy() if x.ndim in (3, 5) else x.grad.numpy()[None]
    np.testing.assert_array_equal(_channel_values(gb), kept * 2.0)
    module.eval()
    assert module(x) is x


def test_channel_dropout_gradcheck_under_a_fixed_seed():
    x = mg.tensor(np.random.default_rng(1).standard_normal((3, 4, 2)), requires_grad=True)

    def fn(x):
        mg.manual_seed(11)
        return F.dropout1d(x, 0.5) * x + F.dropout3d(x.reshape(3, 4, 2, 1, 1), 0.4).reshape(3, 4, 2)
    assert mg.gradcheck(fn, (x,))
    assert mg.gradgradcheck(fn, (x,))


@pytest.mark.parametrize("fn", [F.dropout1d, F.dropout3d, F.alpha_dropout,
                                F.feature_alpha_dropout])
def test_masks_repeat_under_manual_seed_and_differ_between_calls(fn):
    x = mg.ones(8, 16, 2, 2, 2) if fn is F.dropout3d else mg.ones(8, 16, 4)
    mg.manual_seed(3)
    a = fn(x, 0.5, True).numpy()
    b = fn(x, 0.5, True).numpy()
    mg.manual_seed(3)
    np.testing.assert_array_equal(fn(x, 0.5, True).numpy(), a)
    assert (a != b).any()


def test_rank_rules_and_warnings_as_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a "
                                           "4D input"):
        F.dropout1d(mg.randn(2, 3, 4, 5))
    with pytest.raises(RuntimeError):
        torch.nn.functional.dropout1d(torch.randn(2, 3, 4, 5))
    for shape in [(2, 3, 4), (3,), (2, 3)]:
        with warnings.catch_warnings(record=True) as ours:
            warnings.simplefilter("always")
            out = F.dropout3d(mg.ones(*shape), 0.5)
        with warnings.catch_warnings(record=True) as theirs:
            warnings.simplefilter("always")
            ref = torch.nn.functional.dropout3d(torch.ones(*shape), 0.5)
        assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
        assert len(ours) == 1 and tuple(out.shape) == tuple(ref.shape)
    # a 3-D input to dropout3d is one unbatched sample: dim 0 is the channel
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = F.dropout3d(mg.ones(60, 3, 4), 0.5).numpy()
    per = out.reshape(60, -1)
    assert (per == per[:, :1]).all() and 0 < (per[:, 0] == 0).sum() < 60
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 4-D and 5-D are silent
        F.dropout3d(mg.ones(2, 3, 4, 5))
        F.dropout3d(mg.ones(1, 2, 3, 4, 5))
    with pytest.raises(RuntimeError, match="dropout3d: Feature dropout requires at least 2 "
                                           "dimensions"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            F.dropout3d(mg.tensor(1.0))


def test_p_checks_and_edge_cases():
    for fn in (F.dropout1d, F.dropout3d, F.alpha_dropout, F.feature_alpha_dropout):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, "
                                             "but got 1.5"):
            fn(mg.ones(2, 3, 4, 4), 1.5)
    for layer in (nn.Dropout1d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout):
        with pytest.raises(ValueError, match=f"{layer.__name__}: dropout probability"):
            layer(-0.1)
    x = mg.randn(2, 3, 4)
    assert F.dropout1d(x, 0.0) is x and F.dropout1d(x, 0.7, training=False) is x
    assert F.alpha_dropout(x, 0.5) is x  # training defaults to False, as torch
    assert F.feature_alpha_dropout(x, 0.5) is x
    with pytest.raises(TypeError, match="dropout1d: expected a floating-point input"):
        F.dropout1d(mg.ones(2, 3, dtype=mg.int64))
    with pytest.raises(TypeError, match="alpha_dropout: expected a Tensor"):
        F.alpha_dropout([1.0, 2.0], 0.5, True)
    with pytest.raises(RuntimeError, match="feature_alpha_dropout: Feature dropout requires at "
                                           "least 2 dimensions"):
        F.feature_alpha_dropout(mg.ones(5), 0.5, True)


def test_repr_as_torch():
    torch = pytest.importorskip("torch")
    for name in ("Dropout1d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"):
        assert repr(getattr(nn, name)(0.2)) == repr(getattr(torch.nn, name)(0.2))
        assert repr(getattr(nn, name)()) == repr(getattr(torch.nn, name)())


# --- AlphaDropout / FeatureAlphaDropout ------------------------------------------------------------
def _affine(p: float) -> tuple:
    a = 1.0 / math.sqrt((ALPHA * ALPHA * p + 1.0) * (1.0 - p))
    return a, ALPHA * a * p


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_alpha_dropout_is_torch_formula_given_the_mask(p):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((40, 30))
    out = F.alpha_dropout(mg.tensor(x), p, True).numpy()
    a, shift = _affine(p)
    kept = np.isclose(out, x * a + shift, rtol=0, atol=1e-12)
    dropped_value = -ALPHA * a + shift
    assert np.all(kept | (out == dropped_value))
    assert abs((~kept).mean() - p) < 0.05  # 1200 draws: sd of the fraction is <= 0.0145
    # PyTorch with the same mask: its noise is the mask; out = x * noise * a + b
    noise = torch.tensor(kept.astype(np.float64))
    b = noise.add(-1).mul_(ALPHA * a).add_(ALPHA * a * p)
    ref = torch.tensor(x) * noise.mul(a) + b
    np.testing.assert_array_equal(out, ref.numpy())


def test_feature_alpha_dropout_is_torch_formula_given_the_mask():
    torch = pytest.importorskip("torch")
    p = 0.3
    x = np.random.default_rng(3).standard_normal((20, 30, 2, 3))
    out = F.feature_alpha_dropout(mg.tensor(x), p, True).numpy()
    a, shift = _affine(p)
    kept_elems = np.isclose(out, x * a + shift, rtol=0, atol=1e-12)
    kept = _channel_values(kept_elems)
    assert abs((~kept).mean() - p) < 0.05
    noise = torch.tensor(kept[:, :, None, None].astype(np.float64))
    b = noise.add(-1).mul_(ALPHA * a).add_(ALPHA * a * p)
    np.testing.assert_array_equal(out, (torch.tensor(x) * noise.mul(a) + b).numpy())


@pytest.mark.parametrize("feature", [False, True])
def test_alpha_dropout_keeps_selu_statistics(feature):
    mg.manual_seed(0)
    x = nn.SELU()(mg.randn(400, 500, dtype=mg.float64))
    layer = (nn.FeatureAlphaDropout if feature else nn.AlphaDropout)(0.2)
    out = layer(x.reshape(400, 500, 1) if feature else x).numpy()
    # 200,000 values (200,000 channels for the feature form): sd of the mean is ~0.003
    assert abs(out.mean()) < 0.015 and abs(out.std() - 1.0) < 0.015
    # and torch's layer gives the same statistics
    torch = pytest.importorskip("torch")
    ref = (torch.nn.FeatureAlphaDropout if feature else torch.nn.AlphaDropout)(0.2)(
        torch.tensor(x.numpy().reshape(400, 500, 1) if feature else x.numpy())).numpy()
    assert abs(out.mean() - ref.mean()) < 0.02 and abs(out.std() - ref.std()) < 0.02


def test_alpha_dropout_gradient_eval_p1_and_float32():
    x = mg.tensor(np.random.default_rng(4).standard_normal((3, 4, 2)), requires_grad=True)
    p = 0.4
    a, _ = _affine(p)
    mg.manual_seed(7)
    out = F.feature_alpha_dropout(x, p, True)
    out.backward(mg.ones_like(out))
    kept = _channel_values(np.isclose(out.detach().numpy(), x.detach().numpy() * a + _affine(p)[1],
                                      rtol=0, atol=1e-12))
    np.testing.assert_allclose(_channel_values(x.grad.numpy()), kept * a, rtol=1e-12)

    def fn(x):
        mg.manual_seed(5)
        return F.alpha_dropout(x, 0.5, True) * x
    assert mg.gradcheck(fn, (x,))
    assert mg.gradgradcheck(fn, (x,))
    layer = nn.AlphaDropout(0.5).eval()
    assert layer(x) is x
    zeros = F.alpha_dropout(x, 1.0, True)  # as torch: p = 1 multiplies by zero
    assert not zeros.detach().numpy().any()
    torch = pytest.importorskip("torch")
    assert not torch.nn.functional.alpha_dropout(torch.ones(3), 1.0, True).any()
    x32 = mg.randn(3, 4, 2, requires_grad=True)
    for fn in (F.alpha_dropout, F.feature_alpha_dropout, F.dropout1d, F.dropout3d):
        out = fn(x32.reshape(1, 3, 4, 2, 1) if fn is F.dropout3d else x32, np.float64(0.3), True)
        out.sum().backward()
        assert out.dtype == mg.float32 and x32.grad.dtype == mg.float32
