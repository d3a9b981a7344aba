"""ConvTranspose2d and F.conv_transpose2d: gradients (float64 gradcheck and gradgradcheck over
the argument matrix), the adjoint identity with conv2d, PyTorch parity, output_size,
float32 discipline, initialisation, repr and errors."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.nn.conv import ConvTranspose2d
from minigrad.ops.conv_transpose import conv_transpose2d
from minigrad.ops.convolution import conv2d

from ._torch_compare import compare_with_torch

KERNEL = (3, 2)  # rectangular
# stride, padding, output_padding, dilation, groups, bias; output_padding must be smaller
# than stride or dilation (PyTorch's rule), so the combinations that break it are left out.
MATRIX = [c for c in itertools.product((1, 2), (0, 1), (0, 1), (1, 2), (1, 2), (True, False))
          if c[2] < c[0] or c[2] < c[3]]


def _input(shape=(2, 2, 4, 3), seed=0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def _layer(stride, padding, output_padding, dilation, groups, bias, dtype=mg.float64):
    return ConvTranspose2d(2, 4, KERNEL, stride=stride, padding=padding,
                           output_padding=output_padding, groups=groups, bias=bias,
                           dilation=dilation, dtype=dtype)


def _ids(cases):
    return ["s{}-p{}-op{}-d{}-g{}-b{}".format(*c) for c in cases]


# --- gradients ---------------------------------------------------------------------------------
@pytest.mark.parametrize("stride,padding,output_padding,dilation,groups,bias", MATRIX[::2],
                         ids=_ids(MATRIX[::2]))
def test_gradcheck_input_and_parameters(stride, padding, output_padding, dilation, groups, bias):
    layer = _layer(stride, padding, output_padding, dilation, groups, bias)
    x = mg.tensor(_input((1, 2, 3, 3)), requires_grad=True)
    assert mg.gradcheck_module(layer, (x,))


@pytest.mark.parametrize("stride,padding,output_padding,dilation,groups", [
    (1, 0, 0, 1, 1), (2, 1, 1, 1, 2), (1, 1, 1, 2, 1), (3, 2, 2, 2, 2)])
def test_gradgradcheck(stride, padding, output_padding, dilation, groups):
    """Claimed to any order: the forward is ConvolutionInputGrad, whose backward is a conv2d
    and a weight gradient, each differentiable again."""
    x = mg.tensor(_input((1, 2, 3, 3)), requires_grad=True)
    w = mg.tensor(_input((2, 4 // groups) + KERNEL, seed=1), requires_grad=True)
    b = mg.tensor(_input((4,), seed=2), requires_grad=True)

    def fn(x, w, b):
        return conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation)
    assert mg.gradgradcheck(fn, (x, w, b))


@pytest.mark.parametrize("stride,padding,dilation,groups", [(1, 0, 1, 1), (2, 1, 2, 2),
                                                            (3, 1, 1, 1)])
def test_adjoint_of_conv2d(stride, padding, dilation, groups):
    """<conv2d(y, w), x> == <y, conv_transpose2d(x, w)> for the same weight, stride, padding,
    dilation and groups: what "transposed" means, checked without PyTorch."""
    w = _input((4, 6 // groups, 3, 2), seed=1)  # conv2d: 6 -> 4 channels; transposed: 4 -> 6
    x = _input((2, 4, 4, 5), seed=2)
    hy, wy = ((n - 1) * stride - 2 * padding + dilation * (k - 1) + 1 for n, k in
              zip((4, 5), (3, 2)))
    y = _input((2, 6, hy, wy), seed=3)
    conv = conv2d(mg.tensor(y), mg.tensor(w), None, stride, padding, dilation, groups)
    assert conv.shape == x.shape
    up = conv_transpose2d(mg.tensor(x), mg.tensor(w), None, stride, padding, 0, groups, dilation)
    assert up.shape == y.shape
    lhs = float((conv.numpy() * x).sum())
    rhs = float((y * up.numpy()).sum())
    assert math.isclose(lhs, rhs, rel_tol=1e-12)


# --- PyTorch parity ------------------------------------------------------------------------------
@pytest.mark.parametrize("stride,padding,output_padding,dilation,groups,bias", MATRIX,
                         ids=_ids(MATRIX))
def test_matches_torch(stride, padding, output_padding, dilation, groups, bias):
    torch = pytest.importorskip("torch")
    ours = _layer(stride, padding, output_padding, dilation, groups, bias)
    theirs = torch.nn.ConvTranspose2d(2, 4, KERNEL, stride=stride, padding=padding,
                                      output_padding=output_padding, groups=groups, bias=bias,
                                      dilation=dilation)
    compare_with_torch(ours, theirs, _input((3, 2, 4, 5), seed=3), rtol=1e-10, atol=1e-12)


def test_rectangular_arguments_match_torch():
    torch = pytest.importorskip("torch")
    kwargs = dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2), dilation=(1, 2))
    ours = ConvTranspose2d(3, 6, (2, 3), groups=3, dtype=mg.float64, **kwargs)
    theirs = torch.nn.ConvTranspose2d(3, 6, (2, 3), groups=3, **kwargs)
    compare_with_torch(ours, theirs, _input((2, 3, 5, 4), seed=4), rtol=1e-10, atol=1e-12)


def test_second_order_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    xs, ws = _input((1, 2, 4, 3)), _input((2, 3, 3, 3), seed=1)

    def second(lib, x, w):
        f = lib.nn.functional if lib is torch else F
        y = f.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)
        (gx,) = lib.autograd.grad([(y ** 3).sum()], [x], create_graph=True)
        return lib.autograd.grad([(gx ** 2).sum()], [w])[0]

    ours = second(mg, mg.tensor(xs, requires_grad=True), mg.tensor(ws, requires_grad=True))
    theirs = second(torch, torch.tensor(xs, requires_grad=True),
                    torch.tensor(ws, requires_grad=True))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("output_size", [(9, 7), (10, 8), [2, 4, 10, 7]])
def test_output_size_picks_the_output_padding_like_torch(output_size):
    torch = pytest.importorskip("torch")
    ours = ConvTranspose2d(4, 2, 3, stride=2, padding=1, dtype=mg.float64)
    theirs = torch.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1).double()
    ours.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})
    x = _input((2, 4, 5, 4), seed=5)
    out = ours(mg.tensor(x), output_size=output_size)
    ref = theirs(torch.tensor(x), output_size=output_size)
    assert out.shape == tuple(ref.shape) == (2, 2) + tuple(output_size[-2:])
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12,
                               atol=1e-12)


def test_channels_last_input_matches_torch():
    """A convolution's output (channels-last memory) as the input, as in a decoder."""
    torch = pytest.importorskip("torch")
    values = _input((2, 4, 5, 3), seed=6)
    x = mg.tensor(np.ascontiguousarray(values.transpose(0, 2, 3, 1))).permute(0, 3, 1, 2)
    x = x.detach().requires_grad_()
    assert not x.array.flags.c_contiguous
    w = _input((4, 3, 3, 3), seed=7)
    out = F.conv_transpose2d(x, mg.tensor(w), stride=2, padding=1, output_padding=1)
    xt = torch.tensor(values, requires_grad=True)
    ref = torch.nn.functional.conv_transpose2d(xt, torch.tensor(w), stride=2, padding=1,
                                               output_padding=1)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12,
                               atol=1e-12)
    seed = _input(tuple(ref.shape), seed=8)
    out.backward(mg.tensor(seed))
    ref.backward(torch.tensor(seed))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_float32_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(9).standard_normal((4, 8, 7, 7)).astype(np.float32)
    ours, theirs = ConvTranspose2d(8, 4, 4, stride=2, padding=1), \
        torch.nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1)
    ours.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ym, yt = ours(xm), theirs(xt)
    assert ym.dtype == mg.float32 and ym.shape == (4, 4, 14, 14)
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    (ym * ym).sum().backward()
    (yt * yt).sum().backward()
    for a, b in ((xm, xt), (ours.weight, theirs.weight), (ours.bias, theirs.bias)):
        assert a.grad.dtype == mg.float32
        scale = np.abs(b.grad.numpy()).max()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5 * scale)


# --- shapes, dtypes, devices -------------------------------------------------------------------
def test_output_shape_formula():
    """(H - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1."""
    layer = ConvTranspose2d(2, 3, (3, 4), stride=(2, 3), padding=(1, 2), output_padding=(1, 0),
                            dilation=(1, 2))
    out = layer(mg.randn(1, 2, 5, 6))
    assert out.shape == (1, 3, (5 - 1) * 2 - 2 + 2 + 1 + 1, (6 - 1) * 3 - 4 + 6 + 0 + 1)


def test_unbatched_input_matches_a_batch_of_one():
    layer = ConvTranspose2d(2, 3, 3, stride=2, dtype=mg.float64)
    x = _input((2, 4, 3))
    single, batch = layer(mg.tensor(x)), layer(mg.tensor(x[None]))
    assert single.shape == (3, 9, 7)
    np.testing.assert_allclose(single.detach().numpy(), batch.detach().numpy()[0], rtol=1e-12)


def test_float32_stays_float32():
    layer = ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)
    x = mg.randn(2, 4, 5, 4, requires_grad=True)
    y = layer(x)
    assert y.dtype == mg.float32
    (gx,) = mg.autograd.grad([(y ** 2).sum()], [x], create_graph=True)
    assert gx.dtype == mg.float32
    gx.sum().backward()
    for t in (layer.weight.grad, layer.bias.grad):
        assert t.dtype == mg.float32


def test_runs_on_a_strict_device():
    strict_backend = pytest.importorskip("strict_backend")
    strict_backend.register()
    layer = ConvTranspose2d(2, 4, 3, stride=2, padding=1, output_padding=1, groups=2).to("strict")
    x = mg.randn(2, 2, 4, 4, device="strict", requires_grad=True)
    y = layer(x)
    (gx,) = mg.autograd.grad([(y * y).sum()], [x], create_graph=True)
    gx.sum().backward()
    assert y.device == "strict" and x.grad.device == "strict"
    assert layer.weight.grad.device == "strict" and layer.bias.grad.device == "strict"


# --- construction --------------------------------------------------------------------------------
def test_weight_layout_and_default_init_match_pytorch():
    """Weight (in, out/groups, kH, kW); PyTorch's fan_in is its dim 1 times kH*kW."""
    layer = ConvTranspose2d(6, 8, (3, 2), groups=2)
    assert layer.weight.shape == (6, 4, 3, 2) and layer.bias.shape == (8,)
    bound = 1 / math.sqrt(4 * 3 * 2)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.9 * bound  # spread over the whole range, not a narrower one
    assert abs(w.std() - bound / math.sqrt(3)) < 0.2 * bound
    mg.manual_seed(0)
    np.testing.assert_array_equal(ConvTranspose2d(6, 8, (3, 2), groups=2).weight.detach().numpy(),
                                  w)


def test_state_dict_names_repr_and_exports():
    assert list(ConvTranspose2d(3, 8, 3, bias=False).state_dict()) == ["weight"]
    assert list(ConvTranspose2d(3, 8, 3).state_dict()) == ["weight", "bias"]
    assert repr(ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, dilation=2,
                                groups=2)) == \
        "ConvTranspose2d(4, 6, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), " \
        "dilation=(2, 2), output_padding=(1, 1), groups=2)"
    assert repr(ConvTranspose2d(2, 2, 1, bias=False)) == \
        "ConvTranspose2d(2, 2, kernel_size=(1, 1), stride=(1, 1), bias=False)"
    assert nn.ConvTranspose2d is ConvTranspose2d and F.conv_transpose2d is conv_transpose2d


# --- errors ---------------------------------------------------------------------------------------
def test_output_padding_must_be_smaller_than_stride_or_dilation():
    with pytest.raises(ValueError, match=r"ConvTranspose2d: output_padding must be smaller than "
                                         r"either stride or dilation, got output_padding=\(1, 1\)"):
        ConvTranspose2d(2, 2, 3, output_padding=1)
    with pytest.raises(ValueError, match=r"conv_transpose2d: output_padding must be smaller"):
        conv_transpose2d(mg.randn(1, 2, 3, 3), mg.randn(2, 2, 3, 3), stride=(2, 1),
                         output_padding=(1, 1))
    # smaller than the dilation is enough, as in PyTorch
    assert ConvTranspose2d(2, 2, 3, output_padding=1, dilation=2)(mg.randn(1, 2, 3, 3)).shape == \
        (1, 2, 8, 8)


def test_wrong_channel_count_is_named():
    with pytest.raises(ValueError, match="ConvTranspose2d expected 3 input channels, got 1"):
        ConvTranspose2d(3, 8, 3)(mg.randn(2, 1, 4, 4))
    with pytest.raises(ValueError, match=r"conv_transpose2d expected 4 input channels .*got 3"):
        conv_transpose2d(mg.randn(1, 3, 4, 4), mg.randn(4, 2, 3, 3))
    with pytest.raises(ValueError, match=r"in_channels \(4, .*divisible by groups \(3\)"):
        conv_transpose2d(mg.randn(1, 4, 4, 4), mg.randn(4, 2, 3, 3), groups=3)


@pytest.mark.parametrize("shape", [(8, 8), (1, 3, 1, 8, 8)])
def test_wrong_input_rank(shape):
    with pytest.raises(ValueError, match=r"ConvTranspose2d: expected a 3-D .* or 4-D .* got shape"):
        ConvTranspose2d(3, 4, 3)(mg.randn(*shape))
    with pytest.raises(ValueError, match=r"conv_transpose2d: expected a 3-D .* 4-D .* got shape"):
        conv_transpose2d(mg.randn(*shape), mg.randn(3, 4, 3, 3))


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"ConvTranspose2d: padding must be an int or a pair"):
        ConvTranspose2d(1, 1, 3, padding="same")
    with pytest.raises(ValueError, match=r"ConvTranspose2d: stride must be positive"):
        ConvTranspose2d(1, 1, 3, stride=0)
    with pytest.raises(ValueError, match=r"padding and output_padding must be non-negative"):
        ConvTranspose2d(1, 1, 3, padding=-1)
    with pytest.raises(ValueError, match=r"out_channels \(3\) must be divisible by groups \(2\)"):
        ConvTranspose2d(2, 3, 3, groups=2)
    with pytest.raises(ValueError, match='ConvTranspose2d: only "zeros" padding mode'):
        ConvTranspose2d(1, 1, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match=r"bias must have shape \(4,\)"):
        conv_transpose2d(mg.randn(1, 2, 3, 3), mg.randn(2, 2, 3, 3), mg.randn(2), groups=2)
    with pytest.raises(ValueError, match=r"4-D weight \(in_channels, out_channels/groups"):
        conv_transpose2d(mg.randn(1, 2, 3, 3), mg.randn(2, 18))
    with pytest.raises(TypeError, match=r"input float32, weight float64"):
        conv_transpose2d(mg.randn(1, 2, 3, 3), mg.randn(2, 2, 3, 3, dtype=mg.float64))
    with pytest.raises(ValueError, match=r"the output would be -1 x -1"):
        conv_transpose2d(mg.randn(1, 2, 1, 1), mg.randn(2, 2, 1, 1), padding=1)
    with pytest.raises(ValueError, match=r"requested an output size of \(12, 9\), but valid sizes"):
        ConvTranspose2d(4, 2, 3, stride=2, padding=1)(mg.randn(1, 4, 5, 4), output_size=(12, 9))
