"""Dropout: inverted scaling, identity in eval, seeded masks on the input's device, gradients."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F


def test_training_zeroes_about_p_and_scales_the_rest():
    p = 0.3
    x = mg.ones(200, 500)
    out = nn.Dropout(p)(x).numpy()
    dropped = out == 0
    assert abs(dropped.mean() - p) < 0.01  # 100,000 draws: sd of the fraction is 0.0015
    np.testing.assert_allclose(out[~dropped], 1 / (1 - p), rtol=1e-6)
    assert abs(out.mean() - 1.0) < 0.02  # the expectation is preserved


def test_eval_and_p_zero_are_the_identity():
    x = mg.randn(4, 5)
    layer = nn.Dropout(0.5).eval()
    assert layer(x) is x
    assert nn.Dropout(0.0)(x) is x
    assert F.dropout(x, 0.9, training=False) is x
    layer.train()
    assert bool((layer(x) == 0).any())


def test_p_one_zeroes_everything():
    x = mg.randn(3, 3, requires_grad=True)
    out = F.dropout(x, 1.0)
    assert not out.detach().numpy().any()
    out.sum().backward()
    assert not x.grad.numpy().any()


def test_masks_are_reproducible_under_manual_seed_and_differ_between_calls():
    x = mg.ones(50, 50)
    mg.manual_seed(3)
    a = F.dropout(x, 0.5).numpy()
    b = F.dropout(x, 0.5).numpy()
    mg.manual_seed(3)
    np.testing.assert_array_equal(F.dropout(x, 0.5).numpy(), a)
    assert not np.array_equal(a, b)


def test_gradient_is_the_scaled_mask():
    x = mg.randn(6, 7, requires_grad=True)
    out = F.dropout(x, 0.25)
    out.sum().backward()
    kept = out.detach().numpy() != 0
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, 1 / 0.75, 0.0), rtol=1e-6)


def _seeded_dropout(x):
    mg.manual_seed(11)  # the same mask at every finite-difference evaluation
    return F.dropout(x, 0.4) ** 2


def test_gradcheck_and_gradgradcheck_with_a_fixed_mask():
    x = mg.randn(3, 4, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(_seeded_dropout, (x,))
    assert mg.gradgradcheck(_seeded_dropout, (x,))


def test_gradcheck_module():
    layer = nn.Dropout(0.5)

    class Seeded(nn.Module):
        def __init__(self):
            super().__init__()
            self.drop = layer

        def forward(self, x):
            mg.manual_seed(5)
            return self.drop(x)

    x = mg.randn(4, 3, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck_module(Seeded(), (x,))


def test_float32_stays_float32():
    x = mg.randn(4, 4, requires_grad=True)
    out = nn.Dropout(0.2)(x)
    assert out.dtype == mg.float32
    out.sum().backward()
    assert x.grad.dtype == mg.float32
    assert F.dropout(mg.randn(3, dtype=mg.float64), 0.5).dtype == mg.float64


def test_mask_is_drawn_on_the_input_device():
    strict_backend = pytest.importorskip("strict_backend")
    strict_backend.register()
    x = mg.ones(20, 20, device="strict", requires_grad=True)
    mg.manual_seed(0)
    out = nn.Dropout(0.5)(x)
    assert out.device == "strict"
    out.sum().backward()
    assert x.grad.device == "strict"
    got = out.detach().cpu().numpy()
    assert set(np.unique(got)) == {0.0, 2.0}


def test_bad_probability_and_repr():
    for p in (-0.1, 1.5, "half", True):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            nn.Dropout(p)
    with pytest.raises(ValueError, match="dropout: dropout probability"):
        F.dropout(mg.ones(2), 2.0)
    with pytest.raises(TypeError, match="floating-point input"):
        F.dropout(mg.tensor([1, 2]), 0.5)
    assert repr(nn.Dropout(0.25)) == "Dropout(p=0.25, inplace=False)"
    assert list(nn.Dropout().state_dict()) == []
