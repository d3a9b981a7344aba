"""Dropout2d / F.dropout2d: whole channels dropped and the rest scaled by 1/(1-p), identity in
eval, PyTorch 2.13's handling (and warnings) of 3-D and other ranks, gradients, seeding,
float32 and errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F


def _channel_values(out: np.ndarray) -> np.ndarray:
    """Each (n, c) channel must be constant (all dropped or all kept): return one value each."""
    flat = out.reshape(out.shape[0], out.shape[1], -1)
    assert (flat == flat[..., :1]).all(), "a channel was partly dropped"
    return flat[..., 0]


def test_whole_channels_are_dropped_at_rate_p_and_the_rest_scaled():
    p = 0.3
    x = mg.ones(100, 200, 3, 2)
    out = nn.Dropout2d(p)(x).numpy()
    per_channel = _channel_values(out)
    dropped = per_channel == 0
    assert abs(dropped.mean() - p) < 0.01  # 20,000 channels: sd of the fraction is 0.0032
    np.testing.assert_allclose(per_channel[~dropped], 1 / (1 - p), rtol=1e-6)


def test_values_are_the_input_times_the_channel_mask():
    x = mg.randn(4, 5, 3, 3, dtype=mg.float64)
    out = F.dropout2d(x, 0.5).numpy()
    kept = _channel_values(out != 0)
    assert kept.any() and not kept.all()
    expected = x.numpy() * 2.0 * kept[:, :, None, None]
    np.testing.assert_array_equal(out, expected)


def test_gradient_is_the_mask_and_differentiates_again():
    x = mg.randn(3, 4, 2, 2, dtype=mg.float64, requires_grad=True)
    mg.manual_seed(5)
    out = F.dropout2d(x, 0.4)
    mask = _channel_values((out.detach().numpy() != 0) / (1 - 0.4))
    out.backward(mg.ones_like(out))
    np.testing.assert_allclose(_channel_values(x.grad.numpy()), mask, rtol=1e-12)
    # A fixed mask is a linear function: gradcheck and gradgradcheck under a fixed seed.

    def fn(x):
        mg.manual_seed(11)
        return F.dropout2d(x, 0.5) * x
    assert mg.gradcheck(fn, (x,))
    assert mg.gradgradcheck(fn, (x,))


def test_eval_p0_identity_and_p1_zeroes():
    x = mg.randn(2, 3, 4, 4)
    layer = nn.Dropout2d(0.5).eval()
    assert layer(x) is x
    assert F.dropout2d(x, 0.0) is x
    assert F.dropout2d(x, 0.9, training=False) is x
    y = mg.randn(2, 3, 4, 4, requires_grad=True)
    out = F.dropout2d(y, 1.0)
    assert not out.detach().numpy().any()
    out.sum().backward()
    assert not y.grad.numpy().any()


def test_masks_are_reproducible_under_manual_seed_and_differ_between_calls():
    x = mg.ones(8, 16, 2, 2)
    mg.manual_seed(3)
    a = F.dropout2d(x).numpy()
    b = F.dropout2d(x).numpy()
    mg.manual_seed(3)
    np.testing.assert_array_equal(F.dropout2d(x).numpy(), a)
    assert (a != b).any()


def test_3d_input_is_n_c_l_with_torch_warning():
    """PyTorch 2.13 treats (A, B, L) as batched 1-D (N, C, L), not as unbatched (C, H, W),
    and says so in a warning; minigrad does the same."""
    torch = pytest.importorskip("torch")
    x = mg.ones(40, 50, 6)
    with pytest.warns(UserWarning, match=r"dropout2d: Received a 3D input .* \(N, C, L\)") as rec:
        out = F.dropout2d(x, 0.5).numpy()
    with warnings.catch_warnings(record=True) as rec_t:
        warnings.simplefilter("always")
        torch.nn.functional.dropout2d(torch.ones(2, 3, 4))
    assert [str(w.message) for w in rec] == [str(w.message) for w in rec_t]
    per_row = _channel_values(out)  # constant along L for each (n, c)
    assert 0.4 < (per_row == 0).mean() < 0.6  # 2,000 independent (n, c) draws
    with pytest.warns(UserWarning, match="3D input"):
        nn.Dropout2d().eval()(x)  # torch warns in eval mode too


@pytest.mark.parametrize("shape", [(30, 40), (6, 7, 2, 2, 2)])
def test_other_ranks_warn_as_torch_and_drop_per_first_two_dims(shape):
    torch = pytest.importorskip("torch")
    with pytest.warns(UserWarning, match=rf"Received a {len(shape)}-D input to dropout2d") as rec:
        out = F.dropout2d(mg.ones(*shape)).numpy()
    with warnings.catch_warnings(record=True) as rec_t:
        warnings.simplefilter("always")
        torch.nn.functional.dropout2d(torch.ones(*shape))
    assert [str(w.message) for w in rec] == [str(w.message) for w in rec_t]
    values = _channel_values(out.reshape(shape[0], shape[1], -1))
    assert set(np.unique(values)) == {0.0, 2.0}


def test_float32_stays_float32_and_4d_is_silent():
    x = mg.randn(2, 3, 4, 4, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = nn.Dropout2d(0.2)(x)
    assert out.dtype == mg.float32
    out.sum().backward()
    assert x.grad.dtype == mg.float32
    half = F.dropout2d(mg.ones(2, 3, 2, 2, dtype=mg.float16), 0.5)
    assert half.dtype == mg.float16


def test_errors_and_repr():
    torch = pytest.importorskip("torch")
    for p in (-0.1, 1.5, "0.5", True):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            nn.Dropout2d(p)
        with pytest.raises(ValueError, match="dropout2d: dropout probability"):
            F.dropout2d(mg.ones(1, 1, 1, 1), p)
    with pytest.raises(TypeError, match="dropout2d: expected a floating-point input, got int64"):
        F.dropout2d(mg.tensor([[[[1, 2]]]]), 0.5)
    with pytest.raises(TypeError, match="dropout2d: expected a Tensor"):
        F.dropout2d(np.ones((1, 1, 1, 1)))
    assert repr(nn.Dropout2d(0.25)) == repr(torch.nn.Dropout2d(0.25))
