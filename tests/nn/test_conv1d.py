"""The 1-D family: Conv1d / F.conv1d, MaxPool1d, AvgPool1d, AdaptiveAvgPool1d and
AdaptiveMaxPool1d/2d with their functional forms. Gradients (float64 gradcheck and
gradgradcheck), PyTorch parity over the argument matrix, float32 discipline, repr and
errors that name the 1-D op and 1-D shapes."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.nn.conv import Conv1d, conv1d
from minigrad.nn.pooling import (AdaptiveAvgPool1d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
                                 AvgPool1d, MaxPool1d, adaptive_avg_pool1d, adaptive_max_pool1d,
                                 adaptive_max_pool2d, avg_pool1d, max_pool1d)

from ._torch_compare import compare_with_torch

CONV_MATRIX = [c for c in itertools.product((1, 2), (0, 1, 2, "same", "valid"), (1, 2), (1, 2),
                                            (True, False))
               if not (c[1] == "same" and c[0] != 1)]  # PyTorch refuses 'same' with a stride


def _input(shape, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def _distinct(shape: tuple, seed: int = 0) -> np.ndarray:
    """Shuffled values 0.1 apart: no ties, so max pooling is differentiable everywhere."""
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n) * 0.1 - 0.05 * n).reshape(shape)


def _conv(stride, padding, dilation, groups, bias) -> Conv1d:
    return Conv1d(2, 4, 3, stride=stride, padding=padding, dilation=dilation, groups=groups,
                  bias=bias, dtype=mg.float64)


def _ids(cases):
    return ["-".join(str(v) for v in c) for c in cases]


# --- Conv1d ------------------------------------------------------------------------------------
@pytest.mark.parametrize("stride,padding,dilation,groups,bias", CONV_MATRIX[::3],
                         ids=_ids(CONV_MATRIX[::3]))
def test_conv1d_gradcheck(stride, padding, dilation, groups, bias):
    x = mg.tensor(_input((2, 2, 7)), requires_grad=True)
    assert mg.gradcheck_module(_conv(stride, padding, dilation, groups, bias), (x,))


@pytest.mark.parametrize("stride,padding,dilation,groups", [(1, 1, 1, 1), (2, 2, 2, 2),
                                                            (1, "same", 2, 1)])
def test_conv1d_gradgradcheck(stride, padding, dilation, groups):
    x = mg.tensor(_input((1, 2, 6)), requires_grad=True)
    w = mg.tensor(_input((4, 2 // groups, 2), seed=1), requires_grad=True)
    b = mg.tensor(_input((4,), seed=2), requires_grad=True)
    assert mg.gradgradcheck(lambda x, w, b: conv1d(x, w, b, stride, padding, dilation, groups),
                            (x, w, b))


@pytest.mark.parametrize("stride,padding,dilation,groups,bias", CONV_MATRIX, ids=_ids(CONV_MATRIX))
def test_conv1d_matches_torch(stride, padding, dilation, groups, bias):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Conv1d(2, 4, 3, stride=stride, padding=padding, dilation=dilation,
                             groups=groups, bias=bias)
    compare_with_torch(_conv(stride, padding, dilation, groups, bias), theirs,
                       _input((3, 2, 9), seed=3), rtol=1e-10, atol=1e-12)


def test_conv1d_functional_with_tuples_and_even_same_kernel_matches_torch():
    torch = pytest.importorskip("torch")
    x, w, b = _input((2, 3, 8)), _input((6, 1, 4), seed=1), _input((6,), seed=2)
    for kwargs in (dict(stride=(2,), padding=(1,), dilation=(2,), groups=3),
                   dict(padding="same", dilation=3, groups=3)):  # even kernel: asymmetric pad
        ours = conv1d(mg.tensor(x), mg.tensor(w), mg.tensor(b), **kwargs)
        theirs = torch.nn.functional.conv1d(torch.tensor(x), torch.tensor(w), torch.tensor(b),
                                            **kwargs)
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)


def test_conv1d_unbatched_float32_and_init():
    layer = Conv1d(6, 8, 3, padding=1, groups=2)
    assert layer.weight.shape == (8, 3, 3) and layer.bias.shape == (8,)
    bound = 1 / math.sqrt(3 * 3)  # fan_in = in_channels / groups * kernel_size
    assert np.abs(layer.weight.detach().numpy()).max() <= bound
    assert np.abs(layer.weight.detach().numpy()).max() > 0.9 * bound
    assert np.abs(layer.bias.detach().numpy()).max() <= bound
    x = mg.randn(6, 10, requires_grad=True)
    y = layer(x)
    assert y.shape == (8, 10) and y.dtype == mg.float32
    np.testing.assert_allclose(y.detach().numpy(), layer(x.unsqueeze(0)).detach().numpy()[0],
                               rtol=1e-6)
    (gx,) = mg.autograd.grad([(y ** 2).sum()], [x], create_graph=True)
    gx.sum().backward()
    assert gx.dtype == x.grad.dtype == layer.weight.grad.dtype == mg.float32


def test_conv1d_repr_and_state_dict_match_torch():
    assert repr(Conv1d(4, 4, 3, padding="same", dilation=2)) == \
        "Conv1d(4, 4, kernel_size=(3,), stride=(1,), padding=same, dilation=(2,))"
    assert repr(Conv1d(4, 4, 3, padding=1, groups=2, bias=False)) == \
        "Conv1d(4, 4, kernel_size=(3,), stride=(1,), padding=(1,), groups=2, bias=False)"
    assert list(Conv1d(2, 3, 1).state_dict()) == ["weight", "bias"]
    assert nn.Conv1d is Conv1d and F.conv1d is conv1d


def test_conv1d_errors_name_the_1d_op_and_shapes():
    with pytest.raises(ValueError, match=r"Conv1d expected 3 input channels, got 1 \(input shape "
                                         r"\(2, 1, 8\)\)"):
        Conv1d(3, 4, 3)(mg.randn(2, 1, 8))
    with pytest.raises(ValueError, match=r"Conv1d: expected a 2-D \(unbatched\) or 3-D \(N, C, L\)"
                                         r" input, got shape \(1, 3, 4, 4\)"):
        Conv1d(3, 4, 3)(mg.randn(1, 3, 4, 4))
    with pytest.raises(ValueError, match=r"conv1d: expected a 3-D weight"):
        conv1d(mg.randn(1, 3, 8), mg.randn(4, 3, 3, 3))
    with pytest.raises(ValueError, match=r"conv1d expected 6 input channels, got 4 \(input shape "
                                         r"\(1, 4, 5\), weight shape \(4, 3, 3\), groups=2\)"):
        conv1d(mg.randn(1, 4, 5), mg.randn(4, 3, 3), groups=2)
    with pytest.raises(ValueError, match=r"conv1d: the kernel \(5, dilation included\) is longer "
                                         r"than the padded input \(4\)"):
        conv1d(mg.randn(1, 1, 2), mg.randn(1, 1, 3), padding=1, dilation=2)
    with pytest.raises(ValueError, match=r"Conv1d: padding='same' is not supported for strided "
                                         r"convolutions \(stride=2\)"):
        Conv1d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match=r"Conv1d: padding must be an int, a 1-tuple, 'valid' or"):
        Conv1d(1, 1, 3, padding="full")
    with pytest.raises(TypeError, match=r"Conv1d: kernel_size must be an int or a 1-tuple"):
        Conv1d(1, 1, (3, 3))
    with pytest.raises(ValueError, match=r"Conv1d: stride must be positive"):
        Conv1d(1, 1, 3, stride=0)
    with pytest.raises(ValueError, match=r"conv1d: bias must have shape \(4,\)"):
        conv1d(mg.randn(1, 3, 5), mg.randn(4, 3, 3), mg.randn(3))
    with pytest.raises(TypeError, match=r"conv1d: input, weight and bias must share one floating"):
        conv1d(mg.randn(1, 3, 5), mg.randn(4, 3, 3, dtype=mg.float64))


# --- 1-D pooling ---------------------------------------------------------------------------------
MAX1D = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
         dict(kernel_size=3, stride=1, dilation=2), dict(kernel_size=(3,), stride=(2,), padding=1,
                                                         ceil_mode=True)]
AVG1D = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
         dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
         dict(kernel_size=(3,), stride=(2,), padding=(1,), ceil_mode=True)]
ADAPTIVE1D = [3, 1, (4,), 11]


@pytest.mark.parametrize("kwargs", MAX1D, ids=str)
def test_max_pool1d_grad_and_torch(kwargs):
    x = _distinct((2, 3, 9))
    xm = mg.tensor(x, requires_grad=True)
    assert mg.gradcheck(lambda x: max_pool1d(x, **kwargs), (xm,))
    assert mg.gradgradcheck(lambda x: max_pool1d(x, **kwargs) ** 2, (xm,))
    torch = pytest.importorskip("torch")
    compare_with_torch(MaxPool1d(**kwargs), torch.nn.MaxPool1d(**kwargs), x)
    ours, idx = max_pool1d(mg.tensor(x), return_indices=True, **kwargs)
    theirs, tidx = torch.nn.functional.max_pool1d(torch.tensor(x), return_indices=True, **kwargs)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())


@pytest.mark.parametrize("kwargs", AVG1D, ids=str)
def test_avg_pool1d_grad_and_torch(kwargs):
    x = _input((2, 3, 8))
    xm = mg.tensor(x, requires_grad=True)
    assert mg.gradcheck(lambda x: avg_pool1d(x, **kwargs), (xm,))
    assert mg.gradgradcheck(lambda x: avg_pool1d(x, **kwargs) ** 2, (xm,))
    torch = pytest.importorskip("torch")
    compare_with_torch(AvgPool1d(**kwargs), torch.nn.AvgPool1d(**kwargs), x)


@pytest.mark.parametrize("size", ADAPTIVE1D, ids=str)
def test_adaptive_pool1d_grad_and_torch(size):
    x = _distinct((2, 3, 7))
    xm = mg.tensor(x, requires_grad=True)
    for fn in (adaptive_avg_pool1d, adaptive_max_pool1d):
        assert mg.gradcheck(lambda x: fn(x, size), (xm,))
        assert mg.gradgradcheck(lambda x: fn(x, size) ** 2, (xm,))
    torch = pytest.importorskip("torch")
    compare_with_torch(AdaptiveAvgPool1d(size), torch.nn.AdaptiveAvgPool1d(size), x)
    compare_with_torch(AdaptiveMaxPool1d(size), torch.nn.AdaptiveMaxPool1d(size), x)
    _, idx = adaptive_max_pool1d(mg.tensor(x), size, return_indices=True)
    _, tidx = torch.nn.functional.adaptive_max_pool1d(torch.tensor(x), size, return_indices=True)
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())


def test_pool1d_unbatched_and_float32():
    x = mg.randn(3, 10, requires_grad=True)
    for pool in (MaxPool1d(3, 2, 1), AvgPool1d(3, 2, 1), AdaptiveAvgPool1d(4),
                 AdaptiveMaxPool1d(4)):
        y = pool(x)
        assert y.dtype == mg.float32 and y.ndim == 2
        np.testing.assert_allclose(y.detach().numpy(), pool(x.unsqueeze(0)).detach().numpy()[0],
                                   rtol=1e-6)
        (gx,) = mg.autograd.grad([(y ** 2).sum()], [x], create_graph=True)
        assert gx.dtype == mg.float32


def test_pool1d_repr_matches_torch():
    assert repr(MaxPool1d(2)) == \
        "MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(AvgPool1d(3, 2, 1)) == "AvgPool1d(kernel_size=(3,), stride=(2,), padding=(1,))"
    assert repr(AdaptiveAvgPool1d(3)) == "AdaptiveAvgPool1d(output_size=3)"
    assert repr(AdaptiveMaxPool2d((2, None))) == "AdaptiveMaxPool2d(output_size=(2, None))"
    assert F.max_pool1d is max_pool1d and nn.AdaptiveMaxPool2d is AdaptiveMaxPool2d


def test_pool1d_errors_name_the_1d_op():
    with pytest.raises(ValueError, match=r"MaxPool1d: expected a 2-D \(unbatched\) or 3-D "
                                         r"\(batched\) input, got shape \(1, 1, 4, 4\)"):
        MaxPool1d(2)(mg.randn(1, 1, 4, 4))
    with pytest.raises(ValueError, match=r"max_pool1d: input of shape \(1, 1, 2\) is too small "
                                         r"for kernel_size=3"):
        max_pool1d(mg.randn(1, 1, 2), 3)
    with pytest.raises(ValueError, match=r"avg_pool1d: padding should be at most half of the "
                                         r"\(dilated\) kernel size, got padding=2, kernel_size=3"):
        avg_pool1d(mg.randn(1, 1, 8), 3, padding=2)
    with pytest.raises(TypeError, match=r"AvgPool1d: kernel_size must be an int or a 1-tuple"):
        AvgPool1d((2, 2))
    with pytest.raises(ValueError, match=r"max_pool1d: stride must be positive, got 0"):
        max_pool1d(mg.randn(1, 1, 8), 2, stride=0)
    with pytest.raises(ValueError, match=r"adaptive_avg_pool1d: output_size must be positive"):
        adaptive_avg_pool1d(mg.randn(1, 1, 8), 0)
    with pytest.raises(TypeError, match=r"AdaptiveAvgPool1d: output_size must be an int or a "
                                        r"1-tuple"):
        AdaptiveAvgPool1d((2, 2))(mg.randn(1, 1, 8))
    with pytest.raises(TypeError, match=r"max_pool1d: expected a floating-point input"):
        max_pool1d(mg.tensor(np.ones((1, 1, 4), dtype=np.int64)), 2)


# --- AdaptiveMaxPool2d -------------------------------------------------------------------------
ADAPTIVE2D = [((2, 3, 7, 5), (3, 2)), ((1, 2, 6, 6), 2), ((1, 2, 5, 9), (None, 4)),
              ((2, 3, 4, 4), (7, 5)), ((3, 5, 8), (3, 1))]


@pytest.mark.parametrize("shape,size", ADAPTIVE2D, ids=str)
def test_adaptive_max_pool2d_gradients(shape, size):
    x = mg.tensor(_distinct(shape), requires_grad=True)
    assert mg.gradcheck(lambda x: adaptive_max_pool2d(x, size), (x,))
    assert mg.gradgradcheck(lambda x: adaptive_max_pool2d(x, size) ** 2, (x,))


@pytest.mark.parametrize("shape,size", ADAPTIVE2D, ids=str)
def test_adaptive_max_pool2d_matches_torch_with_ties(shape, size):
    """Rounded values tie often: values, indices and the gradient's choice (the first maximum
    in row-major order) must all agree with PyTorch."""
    torch = pytest.importorskip("torch")
    x = np.round(_input(shape, seed=4), 1)
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ym, im = AdaptiveMaxPool2d(size, return_indices=True)(xm)
    yt, it = torch.nn.AdaptiveMaxPool2d(size, return_indices=True)(xt)
    np.testing.assert_array_equal(ym.detach().numpy(), yt.detach().numpy())
    np.testing.assert_array_equal(im.numpy(), it.numpy())
    assert im.dtype == mg.int64
    g = _input(tuple(yt.shape), seed=5)
    ym.backward(mg.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


def test_adaptive_max_pool2d_float32_and_errors():
    x = mg.randn(2, 3, 7, 6, requires_grad=True)
    y = AdaptiveMaxPool2d((3, 4))(x)
    assert y.dtype == mg.float32
    y.sum().backward()
    assert x.grad.dtype == mg.float32
    with pytest.raises(ValueError, match=r"AdaptiveMaxPool2d: expected a 3-D .* or 4-D .* got "
                                         r"shape \(4, 4\)"):
        AdaptiveMaxPool2d(2)(mg.randn(4, 4))
    with pytest.raises(ValueError, match=r"adaptive_max_pool2d: output_size must be positive"):
        adaptive_max_pool2d(mg.randn(1, 1, 4, 4), (0, 2))


def test_runs_on_a_strict_device():
    strict_backend = pytest.importorskip("strict_backend")
    strict_backend.register()
    layer = Conv1d(2, 4, 3, padding=1, groups=2).to("strict")
    x = mg.randn(2, 2, 9, device="strict", requires_grad=True)
    y = layer(x)
    y = (max_pool1d(y, 3, 2, 1).sum() + avg_pool1d(y, 3, 2, 1).sum()
         + adaptive_avg_pool1d(y, 4).sum() + adaptive_max_pool1d(y, 4).sum()
         + adaptive_max_pool2d(y.unsqueeze(0), (2, 3)).sum())
    (gx,) = mg.autograd.grad([y * y], [x], create_graph=True)
    gx.sum().backward()
    assert x.grad.device == "strict" and layer.weight.grad.device == "strict"
