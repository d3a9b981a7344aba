"""nn.init: PyTorch's gains and fans, the distributions' bounds and spreads, in place, seeded."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.nn import init


def test_calculate_gain_formulas():
    for name in ("linear", "conv2d", "sigmoid", "conv_transpose2d"):
        assert init.calculate_gain(name) == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(2 / 6))
    assert init.calculate_gain("selu") == pytest.approx(0.75)
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", "steep")


def test_calculate_gain_matches_torch():
    torch = pytest.importorskip("torch")
    for args in [("linear",), ("tanh",), ("relu",), ("leaky_relu",), ("leaky_relu", 0.2),
                 ("selu",), ("sigmoid",)]:
        assert init.calculate_gain(*args) == pytest.approx(torch.nn.init.calculate_gain(*args))


def test_fans():
    assert init._calculate_fan_in_and_fan_out(mg.zeros(5, 3)) == (3, 5)
    assert init._calculate_fan_in_and_fan_out(mg.zeros(8, 4, 3, 2)) == (24, 48)
    with pytest.raises(ValueError, match=r"fewer than 2 dimensions \(got shape \(7,\)\)"):
        init._calculate_fan_in_and_fan_out(mg.zeros(7))


def _assert_uniform(values, bound):
    assert np.abs(values).max() <= bound
    assert np.abs(values).max() > 0.99 * bound
    np.testing.assert_allclose(values.std(), bound / math.sqrt(3), rtol=0.02)
    assert abs(values.mean()) < 0.02 * bound


def _assert_normal(values, std):
    np.testing.assert_allclose(values.std(), std, rtol=0.02)
    assert abs(values.mean()) < 0.02 * std
    # About 4.55% of a normal sample lies beyond 2 standard deviations.
    assert 0.04 < (np.abs(values) > 2 * std).mean() < 0.051


SHAPE = (200, 50, 3, 3)  # fan_in = 450, fan_out = 1800; 90,000 draws


def test_kaiming_uniform_bounds():
    t = mg.empty(*SHAPE)
    assert init.kaiming_uniform_(t, a=0, mode="fan_in", nonlinearity="relu") is t
    _assert_uniform(t.numpy(), math.sqrt(2) * math.sqrt(3 / 450))
    init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu")
    _assert_uniform(t.numpy(), math.sqrt(2) * math.sqrt(3 / 1800))
    init.kaiming_uniform_(t, a=math.sqrt(5))  # what Linear and Conv2d use: bound 1/sqrt(fan_in)
    _assert_uniform(t.numpy(), 1 / math.sqrt(450))


def test_kaiming_normal_std():
    t = mg.empty(*SHAPE)
    init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu")
    _assert_normal(t.numpy(), math.sqrt(2 / 1800))
    init.kaiming_normal_(t, a=0.1)
    _assert_normal(t.numpy(), math.sqrt(2 / (1 + 0.01)) / math.sqrt(450))


def test_xavier():
    t = mg.empty(*SHAPE)
    init.xavier_uniform_(t)
    _assert_uniform(t.numpy(), math.sqrt(6 / (450 + 1800)))
    init.xavier_normal_(t, gain=init.calculate_gain("tanh"))
    _assert_normal(t.numpy(), 5 / 3 * math.sqrt(2 / (450 + 1800)))


def test_spreads_match_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    cases = [
        (init.kaiming_uniform_, torch.nn.init.kaiming_uniform_, dict(a=math.sqrt(5))),
        (init.kaiming_normal_, torch.nn.init.kaiming_normal_,
         dict(mode="fan_out", nonlinearity="relu")),
        (init.xavier_uniform_, torch.nn.init.xavier_uniform_, dict(gain=2.0)),
        (init.xavier_normal_, torch.nn.init.xavier_normal_, {}),
    ]
    for mine, theirs, kwargs in cases:
        a = mine(mg.empty(*SHAPE), **kwargs).numpy()
        b = theirs(torch.empty(*SHAPE), **kwargs).numpy()
        np.testing.assert_allclose(a.std(), b.std(), rtol=0.03, err_msg=mine.__name__)


def test_simple_fills():
    t = mg.empty(300, 300)
    init.uniform_(t, -2.0, 3.0)
    assert t.numpy().min() >= -2.0 and t.numpy().max() < 3.0
    np.testing.assert_allclose(t.numpy().mean(), 0.5, atol=0.02)
    init.normal_(t, mean=1.0, std=0.5)
    np.testing.assert_allclose([t.numpy().mean(), t.numpy().std()], [1.0, 0.5], rtol=0.01)
    assert init.constant_(t, 0.25).numpy().max() == 0.25 == t.numpy().min()
    assert not init.zeros_(t).numpy().any()
    assert (init.ones_(t).numpy() == 1).all()


def test_in_place_on_parameters_keeps_dtype_and_identity():
    lin = nn.Linear(20, 30)
    w = lin.weight
    array_before = w.array
    init.xavier_uniform_(lin.weight)
    init.zeros_(lin.bias)
    assert lin.weight is w and w.array is array_before  # filled in place, not replaced
    assert w.requires_grad and w.grad_fn is None and w.dtype == mg.float32
    assert not lin.bias.detach().numpy().any()
    d = mg.empty(10, 10, dtype=mg.float64)
    init.kaiming_normal_(d)
    assert d.dtype == mg.float64


def test_draws_are_reproducible_under_manual_seed():
    mg.manual_seed(7)
    a = init.kaiming_uniform_(mg.empty(4, 5)).numpy().copy()
    mg.manual_seed(7)
    b = init.kaiming_uniform_(mg.empty(4, 5)).numpy()
    np.testing.assert_array_equal(a, b)
    c = init.kaiming_uniform_(mg.empty(4, 5)).numpy()
    assert not np.array_equal(b, c)


def test_errors_and_empty_tensors():
    with pytest.raises(ValueError, match="mode 'fan_avg' not supported"):
        init.kaiming_uniform_(mg.empty(3, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(mg.empty(3))
    with pytest.raises(TypeError, match="expected a Tensor"):
        init.uniform_(np.zeros(3))
    empty = mg.empty(0, 3)
    assert init.kaiming_uniform_(empty) is empty and init.normal_(empty) is empty
