"""LayerNorm / GroupNorm and F.layer_norm / F.group_norm: the op harness (gradcheck incl. the
affine parameters, gradgradcheck, NumPy, float32, hypothesis, torch), module parity with
PyTorch (outputs, input and parameter gradients, state_dict keys, repr) and errors."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from harness import OpSpec, OpSuite

from ._torch_compare import compare_with_torch


def _standardize(x, axes, eps=1e-5):
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


def _layer_norm_ref(x, w=None, b=None, k=1):
    y = _standardize(x, tuple(range(x.ndim - k, x.ndim)))
    if w is not None:
        y = y * w
    if b is not None:
        y = y + b
    return y


def _group_norm_ref(x, groups, w=None, b=None):
    n, c = x.shape[:2]
    y = _standardize(x.reshape(n, groups, -1), (2,)).reshape(x.shape)
    shape = (c,) + (1,) * (x.ndim - 2)
    if w is not None:
        y = y * w.reshape(shape)
    if b is not None:
        y = y + b.reshape(shape)
    return y


def _ln_hyp_shapes(k):
    """(x, weight, bias) shapes with k normalised dims and 0-2 leading ones."""
    return lambda: st.tuples(st.lists(st.integers(1, 4), min_size=0, max_size=2),
                             st.lists(st.integers(1, 4), min_size=k, max_size=k)).map(
        lambda p: (tuple(p[0] + p[1]), tuple(p[1]), tuple(p[1])))


def _gn_hyp_shapes(groups):
    return lambda: st.tuples(st.integers(1, 3), st.integers(1, 2),
                             st.lists(st.integers(1, 3), max_size=2)).map(
        lambda p: ((p[0], groups * p[1]) + tuple(p[2]), (groups * p[1],), (groups * p[1],)))


SPECS = [
    OpSpec("layer_norm-last-dim",
           lambda m, x, w, b: m.nn.functional.layer_norm(x, (x.shape[-1],), w, b),
           lambda x, w, b: _layer_norm_ref(x, w, b), [((3, 5), (5,), (5,)),
                                                      ((2, 3, 4), (4,), (4,)), ((4,), (4,), (4,))],
           hyp_shapes=_ln_hyp_shapes(1)),
    OpSpec("layer_norm-two-dims",
           lambda m, x, w, b: m.nn.functional.layer_norm(x, tuple(x.shape[-2:]), w, b),
           lambda x, w, b: _layer_norm_ref(x, w, b, k=2), [((2, 3, 4), (3, 4), (3, 4)),
                                                           ((3, 2), (3, 2), (3, 2))],
           hyp_shapes=_ln_hyp_shapes(2)),
    OpSpec("layer_norm-no-affine",
           lambda m, x: m.nn.functional.layer_norm(x, (x.shape[-1],)),
           lambda x: _layer_norm_ref(x), [((3, 5),), ((2, 2, 3),)],
           hyp_shapes=lambda: _ln_hyp_shapes(1)().map(lambda s: s[:1])),
    OpSpec("layer_norm-weight-only",
           lambda m, x, w: m.nn.functional.layer_norm(x, (x.shape[-1],), w, eps=1e-3),
           lambda x, w: (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True)
                                                                   + 1e-3) * w,
           [((3, 5), (5,))], hyp_shapes=lambda: _ln_hyp_shapes(1)().map(lambda s: s[:2])),
    OpSpec("group_norm-3-groups",
           lambda m, x, w, b: m.nn.functional.group_norm(x, 3, w, b),
           lambda x, w, b: _group_norm_ref(x, 3, w, b), [((2, 6, 3), (6,), (6,)),
                                                         ((2, 3, 2, 2), (3,), (3,)),
                                                         ((3, 6), (6,), (6,))],
           hyp_shapes=_gn_hyp_shapes(3)),
    OpSpec("group_norm-1-group",
           lambda m, x, w, b: m.nn.functional.group_norm(x, 1, w, b),
           lambda x, w, b: _group_norm_ref(x, 1, w, b), [((2, 4, 3), (4,), (4,))],
           hyp_shapes=_gn_hyp_shapes(1)),
    OpSpec("group_norm-no-affine",
           lambda m, x: m.nn.functional.group_norm(x, 2),
           lambda x: _group_norm_ref(x, 2), [((2, 4, 3),), ((1, 2, 2, 3),)],
           hyp_shapes=lambda: _gn_hyp_shapes(2)().map(lambda s: s[:1])),
]


class TestNormOps(OpSuite):
    OPS = SPECS


# --- modules against PyTorch ------------------------------------------------------------------
def _randomise(module, seed=0):
    """Parameters away from the trivial 1/0, so their gradients are exercised."""
    rng = np.random.default_rng(seed)
    with mg.no_grad():
        for p in module.parameters():
            p.copy_(mg.tensor(rng.standard_normal(tuple(p.shape)), dtype=p.dtype))
    return module


def _torch_layer(torch, layer):
    rng = np.random.default_rng(0)
    with torch.no_grad():
        for p in layer.parameters():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape))))
    return layer


@pytest.mark.parametrize("shape,kwargs,x_shape", [
    (4, {}, (2, 3, 4)),
    ((3, 4), {}, (2, 3, 4)),
    ((3, 4), {"bias": False}, (5, 3, 4)),
    (5, {"elementwise_affine": False}, (2, 5)),
    ([2, 2], {"eps": 1e-2}, (3, 2, 2)),
])
def test_layer_norm_module_matches_torch(shape, kwargs, x_shape):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal(x_shape) * 3 + 1
    layer_t = _torch_layer(torch, torch.nn.LayerNorm(shape, **kwargs).double())
    layer_m = nn.LayerNorm(shape, **kwargs)
    compare_with_torch(layer_m, layer_t, x, rtol=1e-10, atol=1e-12)
    assert repr(layer_m) == repr(layer_t)


@pytest.mark.parametrize("groups,channels,kwargs,x_shape", [
    (2, 4, {}, (3, 4, 5)),
    (3, 6, {}, (2, 6, 2, 3)),
    (4, 4, {}, (2, 4, 3)),
    (1, 3, {"affine": False}, (2, 3, 4)),
    (2, 4, {"bias": False, "eps": 1e-3}, (2, 4)),
])
def test_group_norm_module_matches_torch(groups, channels, kwargs, x_shape):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal(x_shape) * 2 - 1
    layer_t = _torch_layer(torch, torch.nn.GroupNorm(groups, channels, **kwargs).double())
    layer_m = nn.GroupNorm(groups, channels, **kwargs)
    compare_with_torch(layer_m, layer_t, x, rtol=1e-10, atol=1e-12)
    assert repr(layer_m) == repr(layer_t)


@pytest.mark.parametrize("layer,shape", [(nn.LayerNorm((3, 4)), (2, 3, 4)),
                                         (nn.GroupNorm(2, 4), (2, 4, 3, 2))],
                         ids=["LayerNorm", "GroupNorm"])
def test_gradcheck_module_and_gradgradcheck(layer, shape):
    layer = _randomise(layer.double())
    x = mg.tensor(np.random.default_rng(3).standard_normal(shape), dtype=mg.float64,
                  requires_grad=True)
    assert mg.gradcheck_module(layer, (x,))
    params = list(layer.parameters())
    assert mg.gradgradcheck(lambda x, *ps: layer(x), (x, *params))


def test_train_and_eval_compute_the_same_and_float32_stays_float32():
    for layer, shape in ((nn.LayerNorm(6), (4, 6)), (nn.GroupNorm(3, 6), (4, 6, 5))):
        _randomise(layer)
        assert layer.weight.dtype == mg.float32
        x = mg.randn(*shape, requires_grad=True)
        out = layer(x)
        assert out.dtype == mg.float32
        out.sum().backward()
        assert x.grad.dtype == layer.weight.grad.dtype == layer.bias.grad.dtype == mg.float32
        np.testing.assert_array_equal(layer.eval()(x).detach().numpy(), out.detach().numpy())


def test_statistics_are_per_sample_not_per_batch():
    """One sample's output does not depend on the other samples (unlike batch norm)."""
    layer = nn.GroupNorm(2, 4, dtype=mg.float64)
    x = mg.randn(3, 4, 5, dtype=mg.float64)
    alone = layer(x[1:2]).detach().numpy()
    np.testing.assert_allclose(layer(x).detach().numpy()[1:2], alone, rtol=1e-12, atol=1e-14)
    out = nn.LayerNorm(5, elementwise_affine=False)(x).detach().numpy()
    np.testing.assert_allclose(out.mean(-1), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(-1), 1, rtol=1e-4)  # eps makes it slightly below 1


def test_state_dict_keys_and_reset_parameters():
    assert list(nn.LayerNorm(4).state_dict()) == ["weight", "bias"]
    assert list(nn.LayerNorm(4, bias=False).state_dict()) == ["weight"]
    assert list(nn.LayerNorm(4, elementwise_affine=False).state_dict()) == []
    assert list(nn.GroupNorm(2, 4, affine=False).state_dict()) == []
    layer = _randomise(nn.GroupNorm(2, 4))
    layer.reset_parameters()
    np.testing.assert_array_equal(layer.weight.detach().numpy(), np.ones(4))
    np.testing.assert_array_equal(layer.bias.detach().numpy(), np.zeros(4))


# --- errors -----------------------------------------------------------------------------------
def test_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"layer_norm: given normalized_shape=\[3\], expected "
                                         r"input with shape \[\*, 3\], but got input of shape "
                                         r"\(2, 4\)"):
        nn.LayerNorm(3)(mg.randn(2, 4))
    with pytest.raises(ValueError, match=r"layer_norm: expected weight of shape \(4,\), got "
                                         r"\(3,\)"):
        F.layer_norm(mg.randn(2, 4), (4,), mg.ones(3))
    with pytest.raises(ValueError, match=r"GroupNorm: num_channels \(6\) must be divisible by "
                                         r"num_groups \(4\)"):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match=r"GroupNorm expected 4 channels, got 6"):
        nn.GroupNorm(2, 4)(mg.randn(2, 6, 3))
    with pytest.raises(ValueError, match=r"group_norm: expected the number of channels in the "
                                         r"input to be divisible by num_groups, but got input "
                                         r"of shape \(2, 6, 3\) and num_groups=4"):
        F.group_norm(mg.randn(2, 6, 3), 4)
    with pytest.raises(ValueError, match=r"group_norm: expected an input of shape \(N, C, \*\)"):
        F.group_norm(mg.randn(6), 2)
    with pytest.raises(TypeError, match="layer_norm: expected a floating-point input"):
        F.layer_norm(mg.tensor([[1, 2]]), (2,))
    with pytest.raises(TypeError, match="LayerNorm: normalized_shape must be an int"):
        nn.LayerNorm("abc")
    with pytest.raises(ValueError, match="GroupNorm: num_groups must be a positive int"):
        nn.GroupNorm(0, 4)
