"""Conv2d and F.conv2d: gradients (float64 gradcheck and gradgradcheck over the argument
matrix), PyTorch parity, memory layouts, float32 discipline, initialisation and errors."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn.conv import Conv2d
from minigrad.ops.convolution import conv2d

from ._torch_compare import compare_with_torch

STRIDES, PADDINGS, DILATIONS, GROUPS, BIASES = (1, 2), (0, 1, 2, "same"), (1, 2), (1, 2), \
    (True, False)
MATRIX = [c for c in itertools.product(STRIDES, PADDINGS, DILATIONS, GROUPS, BIASES)
          if not (c[1] == "same" and c[0] != 1)]  # PyTorch refuses 'same' with a stride
KERNEL = (2, 3)  # rectangular, and even along H so 'same' needs an asymmetric split


def _layer(stride, padding, dilation, groups, bias, dtype=mg.float64) -> Conv2d:
    return Conv2d(2, 4, KERNEL, stride=stride, padding=padding, dilation=dilation,
                  groups=groups, bias=bias, dtype=dtype)


def _input(shape=(2, 2, 6, 5), seed=0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def _channels_last(values: np.ndarray) -> mg.Tensor:
    """The same values stored (N, H, W, C), as a convolution's output is, seen as NCHW, on the
    default device (detached: a leaf that keeps the permuted memory)."""
    stored = np.ascontiguousarray(values.transpose(0, 2, 3, 1))
    return mg.tensor(stored).permute(0, 3, 1, 2).detach()


# --- gradients ---------------------------------------------------------------------------------
@pytest.mark.parametrize("stride,padding,dilation,groups,bias", MATRIX)
def test_gradcheck_input_and_parameters(stride, padding, dilation, groups, bias):
    layer = _layer(stride, padding, dilation, groups, bias)
    x = mg.tensor(_input(), requires_grad=True)
    assert mg.gradcheck_module(layer, (x,))


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_same_padding_refused_with_stride(padding):
    if padding == "same":
        with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
            Conv2d(2, 4, 3, stride=2, padding="same")
    else:  # 'valid' is plain zero padding, fine with any stride
        layer = Conv2d(2, 4, 3, stride=2, padding="valid", dtype=mg.float64)
        assert layer(mg.tensor(_input())).shape == (2, 4, 2, 2)


@pytest.mark.parametrize("stride,padding,dilation,groups", [
    (1, 1, 1, 1), (2, 2, 2, 2), (1, "same", 2, 1), (2, 0, 1, 2)])
def test_gradgradcheck(stride, padding, dilation, groups):
    """conv2d claims gradients of any order: the backward is built from conv Functions."""
    x = mg.tensor(_input((1, 2, 5, 5)), requires_grad=True)
    w = mg.tensor(_input((4, 2 // groups) + KERNEL, seed=1), requires_grad=True)
    b = mg.tensor(_input((4,), seed=2), requires_grad=True)
    fn = lambda x, w, b: conv2d(x, w, b, stride, padding, dilation, groups)  # noqa: E731
    assert mg.gradgradcheck(fn, (x, w, b))


def test_third_order_gradient_matches_torch():
    """Differentiating the double backward once more still agrees with PyTorch."""
    torch = pytest.importorskip("torch")
    xs, ws = _input((1, 2, 5, 4)), _input((3, 2, 2, 2), seed=1)

    def third(lib, x, w):
        y = lib.nn.functional.conv2d(x, w, padding=1) if lib is torch else conv2d(x, w, padding=1)
        (gx,) = lib.autograd.grad([(y ** 3).sum()], [x], create_graph=True)
        (gw,) = lib.autograd.grad([(gx ** 2).sum()], [w], create_graph=True)
        return lib.autograd.grad([(gw * gw).sum()], [x])[0]

    ours = third(mg, mg.tensor(xs, requires_grad=True), mg.tensor(ws, requires_grad=True))
    theirs = third(torch, torch.tensor(xs, requires_grad=True),
                   torch.tensor(ws, requires_grad=True))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-9, atol=1e-9)


# --- PyTorch parity ------------------------------------------------------------------------------
@pytest.mark.parametrize("stride,padding,dilation,groups,bias", MATRIX)
def test_matches_torch(stride, padding, dilation, groups, bias):
    torch = pytest.importorskip("torch")
    ours = _layer(stride, padding, dilation, groups, bias)
    theirs = torch.nn.Conv2d(2, 4, KERNEL, stride=stride, padding=padding, dilation=dilation,
                             groups=groups, bias=bias)
    x = _input((3, 2, 7, 6), seed=3)
    compare_with_torch(ours, theirs, x, rtol=1e-10, atol=1e-12)
    # The same with the input in channels-last memory (as a convolution's output is), which
    # takes the other im2col path.
    ours.zero_grad()
    xm, xt = _channels_last(x).requires_grad_(), torch.tensor(x, requires_grad=True)
    out, ref = ours(xm), theirs(xt)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    seed = _input(tuple(ref.shape), seed=4)
    out.backward(mg.tensor(seed))
    theirs.zero_grad()
    ref.backward(torch.tensor(seed))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-10,
                               atol=1e-12)


@pytest.mark.parametrize("layout", ["channels_last", "strided"])
def test_non_contiguous_inputs_give_the_same_results(layout):
    """A conv output (channels-last memory) or a strided view is read correctly."""
    values = _input((2, 4, 9, 8), seed=4)
    if layout == "channels_last":
        x = _channels_last(values)
        assert not x.array.flags.c_contiguous
    else:
        wide = np.zeros((2, 4, 9, 16))
        wide[..., ::2] = values
        x = mg.tensor(wide)[..., ::2].detach()
        assert not x.array.flags.c_contiguous
    x.requires_grad_()
    ref = mg.tensor(values, requires_grad=True)
    layer = Conv2d(4, 6, 3, padding=1, groups=2, dtype=mg.float64)
    out, out_ref = layer(x), layer(ref)
    np.testing.assert_allclose(out.detach().numpy(), out_ref.detach().numpy(), rtol=1e-12)
    seed = mg.tensor(_input(tuple(out.shape), seed=5))
    out.backward(seed)
    grads = x.grad.numpy(), layer.weight.grad.numpy().copy()
    layer.zero_grad()
    out_ref.backward(seed)
    np.testing.assert_allclose(grads[0], ref.grad.numpy(), rtol=1e-12)
    # The weight gradient sums 2 * 9 * 8 products in an order that depends on the layout (and
    # on BLAS's blocking), so a weight whose sum cancels to ~1e-4 of its terms (~10) differs
    # by a few ulps of the terms: bound the error by the terms' scale, not the result's.
    w_ref = layer.weight.grad.numpy()
    np.testing.assert_allclose(grads[1], w_ref, rtol=1e-12, atol=1e-13 * np.abs(w_ref).max())
    assert mg.gradcheck_module(Conv2d(4, 2, (3, 2), stride=2, dtype=mg.float64), (x,),
                               fast_mode=True)


def test_reference_cnn_layers_match_torch_in_float32():
    """The lesson CNN's two convolutions, float32 end to end, against PyTorch."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(6).standard_normal((8, 1, 28, 28)).astype(np.float32)
    c1, c2 = Conv2d(1, 32, 3), Conv2d(32, 32, 3)
    t1, t2 = torch.nn.Conv2d(1, 32, 3), torch.nn.Conv2d(32, 32, 3)
    for ours, theirs in ((c1, t1), (c2, t2)):
        ours.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in
                              theirs.state_dict().items()})
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ym, yt = c2(c1(xm).relu()), t2(t1(xt).relu())
    assert ym.dtype == mg.float32
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    (ym * ym).sum().backward()
    (yt * yt).sum().backward()
    for ours, theirs in ((xm, xt), (c1.weight, t1.weight), (c2.weight, t2.weight),
                         (c1.bias, t1.bias), (c2.bias, t2.bias)):
        assert ours.grad.dtype == mg.float32
        scale = np.abs(theirs.grad.numpy()).max()
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-4,
                                   atol=1e-5 * scale)


def test_functional_matches_torch_without_bias():
    torch = pytest.importorskip("torch")
    x, w = _input((2, 3, 6, 7)), _input((5, 3, 3, 1), seed=1)
    ours = conv2d(mg.tensor(x), mg.tensor(w), stride=(2, 1), padding=(1, 0), dilation=(1, 2))
    theirs = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), stride=(2, 1),
                                        padding=(1, 0), dilation=(1, 2))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)


# --- shapes, dtypes, devices -------------------------------------------------------------------
def test_unbatched_input_matches_a_batch_of_one():
    layer = Conv2d(2, 3, 3, padding=1, dtype=mg.float64)
    x = _input((2, 5, 4))
    single = layer(mg.tensor(x))
    batch = layer(mg.tensor(x[None]))
    assert single.shape == (3, 5, 4)
    np.testing.assert_allclose(single.detach().numpy(), batch.detach().numpy()[0], rtol=1e-12)


def test_same_padding_keeps_the_size_with_even_kernels_and_dilation():
    x = mg.randn(1, 2, 7, 6)
    for kernel, dilation in (((2, 4), 1), ((3, 2), 2), ((4, 4), 3)):
        out = Conv2d(2, 3, kernel, padding="same", dilation=dilation)(x)
        assert out.shape == (1, 3, 7, 6)


def test_float32_stays_float32():
    layer = Conv2d(4, 6, (3, 2), stride=1, padding="same", dilation=2, groups=2)
    x = mg.randn(2, 4, 7, 6, requires_grad=True)
    y = layer(x)
    assert y.dtype == mg.float32
    (y * y).mean().backward()
    for t in (x.grad, layer.weight.grad, layer.bias.grad):
        assert t.dtype == mg.float32
    (gx,) = mg.autograd.grad([(layer(x) ** 2).sum()], [x], create_graph=True)
    assert gx.dtype == mg.float32
    gx.sum().backward()
    assert layer.weight.grad.dtype == mg.float32


def test_runs_on_a_strict_device():
    """Every array op goes through the backend (the 'strict' device refuses host arrays)."""
    strict_backend = pytest.importorskip("strict_backend")
    strict_backend.register()
    layer = Conv2d(2, 4, 3, padding=1, groups=2).to("strict")
    x = mg.randn(2, 2, 5, 5, device="strict", requires_grad=True)
    y = layer(x)
    (gx,) = mg.autograd.grad([(y * y).sum()], [x], create_graph=True)
    gx.sum().backward()
    assert y.device == "strict" and x.grad.device == "strict"
    assert layer.weight.grad.device == "strict" and layer.bias.grad.device == "strict"


# --- construction --------------------------------------------------------------------------------
def test_default_init_matches_pytorch_bounds():
    mg.manual_seed(0)
    layer = Conv2d(6, 8, (3, 2), groups=2)
    fan_in = 3 * 3 * 2  # in_channels / groups * kh * kw
    bound = 1 / math.sqrt(fan_in)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert layer.weight.shape == (8, 3, 3, 2) and layer.bias.shape == (8,)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.9 * bound  # spread over the whole range, not a narrower one
    assert abs(w.std() - bound / math.sqrt(3)) < 0.2 * bound  # uniform's standard deviation
    mg.manual_seed(0)
    np.testing.assert_array_equal(Conv2d(6, 8, (3, 2), groups=2).weight.detach().numpy(), w)


def test_state_dict_names_and_repr():
    layer = Conv2d(3, 8, 3, stride=2, padding=1, bias=False)
    assert list(layer.state_dict()) == ["weight"]
    assert repr(layer) == "Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), " \
                          "bias=False)"
    assert repr(Conv2d(4, 4, 1, groups=2, padding="same")) == \
        "Conv2d(4, 4, kernel_size=(1, 1), stride=(1, 1), padding=same, groups=2)"  # as torch


# --- errors ---------------------------------------------------------------------------------------
def test_wrong_channel_count_is_named():
    layer = Conv2d(3, 8, 3)
    with pytest.raises(ValueError, match="Conv2d expected 3 input channels, got 1"):
        layer(mg.randn(2, 1, 8, 8))
    with pytest.raises(ValueError, match=r"conv2d expected 6 input channels, got 4 .*groups=2"):
        conv2d(mg.randn(1, 4, 5, 5), mg.randn(4, 3, 3, 3), groups=2)


def test_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"kernel \(5 x 5.*larger than the padded input \(4 x 4\)"):
        Conv2d(1, 2, 5, padding=1)(mg.randn(1, 1, 2, 2))
    with pytest.raises(ValueError, match=r"larger than the padded input"):
        Conv2d(1, 2, 3, dilation=3)(mg.randn(1, 1, 6, 9))  # dilation makes the kernel 7 tall


def test_groups_must_divide_the_channels():
    with pytest.raises(ValueError, match=r"in_channels \(3\) must be divisible by groups \(2\)"):
        Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"out_channels \(5\) must be divisible by groups \(2\)"):
        Conv2d(4, 5, 3, groups=2)
    with pytest.raises(ValueError, match=r"out_channels \(5.*divisible by groups \(2\)"):
        conv2d(mg.randn(1, 4, 5, 5), mg.randn(5, 2, 3, 3), groups=2)


@pytest.mark.parametrize("shape", [(8, 8), (1, 3, 1, 8, 8), (3,)])
def test_wrong_input_rank(shape):
    with pytest.raises(ValueError, match=r"Conv2d: expected a 3-D .* or 4-D .* input, got shape"):
        Conv2d(3, 4, 3)(mg.randn(*shape))
    with pytest.raises(ValueError, match=r"conv2d: expected a 3-D .* 4-D .* got shape"):
        conv2d(mg.randn(*shape), mg.randn(4, 3, 3, 3))


def test_bad_arguments():
    with pytest.raises(ValueError, match="padding must be an int, a pair of ints, 'valid' or"):
        Conv2d(1, 1, 3, padding="full")
    with pytest.raises(ValueError, match="stride must be positive"):
        Conv2d(1, 1, 3, stride=0)
    with pytest.raises(ValueError, match="padding must be non-negative"):
        Conv2d(1, 1, 3, padding=-1)
    with pytest.raises(TypeError, match="kernel_size must be an int or a pair of ints"):
        Conv2d(1, 1, (3, 3, 3))
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match=r"bias must have shape \(4,\)"):
        conv2d(mg.randn(1, 3, 5, 5), mg.randn(4, 3, 3, 3), mg.randn(3))
    with pytest.raises(ValueError, match=r"4-D weight"):
        conv2d(mg.randn(1, 3, 5, 5), mg.randn(4, 27))
    with pytest.raises(TypeError, match=r"input float32, weight float64"):
        conv2d(mg.randn(1, 3, 5, 5), mg.randn(4, 3, 3, 3, dtype=mg.float64))


@pytest.mark.parametrize("stride,padding,dilation", [(1, 1, 1), (2, (1, 2), (2, 1)), (3, 0, 1)])
def test_grouped_convolution_with_several_channels_per_group_matches_torch(stride, padding,
                                                                             dilation):
    """groups=3 with 2 input and 2 output channels per group: the forward writes each group's
    columns into place, and col2im works group by group (then one copy to channels-last)."""
    torch = pytest.importorskip("torch")
    ours = Conv2d(6, 6, (3, 2), stride=stride, padding=padding, dilation=dilation, groups=3,
                  dtype=mg.float64)
    theirs = torch.nn.Conv2d(6, 6, (3, 2), stride=stride, padding=padding, dilation=dilation,
                             groups=3)
    compare_with_torch(ours, theirs, _input((2, 6, 9, 8), seed=12), rtol=1e-10, atol=1e-12)
