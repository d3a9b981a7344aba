"""Depthwise Conv2d (groups == in_channels == out_channels), which conv2d computes as a sum of
shifted products rather than by im2col: gradients (float64 gradcheck, gradgradcheck) over
stride, padding, dilation and bias, PyTorch parity in float64 and float32, memory layouts,
float32 discipline and the strict device."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn.conv import Conv2d
from minigrad.ops.convolution import conv2d

from ._torch_compare import compare_fn, compare_with_torch

C = 3
KERNEL = (2, 3)  # rectangular, and even along H so 'same' needs an asymmetric split
# (stride, padding, dilation): stride 1 reads whole padded rows, other strides a strided grid
MATRIX = [(1, 0, 1), (1, 1, 1), (1, "same", 2), (1, (0, 2), (2, 1)), (2, 1, 1), ((2, 1), 2, 2),
          ((1, 2), 0, 1), (3, (1, 0), (1, 2))]


def _input(shape=(2, C, 6, 7), seed=0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def _layer(stride, padding, dilation, bias, dtype=mg.float64) -> Conv2d:
    return Conv2d(C, C, KERNEL, stride=stride, padding=padding, dilation=dilation, groups=C,
                  bias=bias, dtype=dtype)


@pytest.mark.parametrize("geometry,bias", list(itertools.product(MATRIX, (True, False))))
def test_gradcheck_input_and_parameters(geometry, bias):
    x = mg.tensor(_input(), requires_grad=True)
    assert mg.gradcheck_module(_layer(*geometry, bias), (x,))


@pytest.mark.parametrize("geometry", MATRIX[1::2])
def test_gradgradcheck(geometry):
    """The depthwise kernels sit inside the three conv Functions, so any order works."""
    x = mg.tensor(_input((1, C, 5, 6)), requires_grad=True)
    w = mg.tensor(_input((C, 1) + KERNEL, seed=1), requires_grad=True)
    b = mg.tensor(_input((C,), seed=2), requires_grad=True)
    fn = lambda x, w, b: conv2d(x, w, b, *geometry, groups=C)  # noqa: E731
    assert mg.gradgradcheck(fn, (x, w, b))


@pytest.mark.parametrize("geometry", MATRIX)
def test_matches_torch(geometry):
    torch = pytest.importorskip("torch")
    stride, padding, dilation = geometry
    theirs = torch.nn.Conv2d(C, C, KERNEL, stride=stride, padding=padding, dilation=dilation,
                             groups=C)
    compare_with_torch(_layer(*geometry, True), theirs, _input((3, C, 7, 6), seed=3),
                       rtol=1e-10, atol=1e-12)


def test_matches_torch_in_float32_and_stays_float32():
    """The benchmark's shape class: 64 channels, 3x3, padding 1, float32 end to end."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(4).standard_normal((4, 64, 9, 10)).astype(np.float32)
    ours, theirs = Conv2d(64, 64, 3, padding=1, groups=64), torch.nn.Conv2d(64, 64, 3, padding=1,
                                                                            groups=64)
    ours.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ym, yt = ours(xm), theirs(xt)
    assert ym.dtype == mg.float32
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    (ym * ym).sum().backward()
    (yt * yt).sum().backward()
    for a, b in ((xm, xt), (ours.weight, theirs.weight), (ours.bias, theirs.bias)):
        assert a.grad.dtype == mg.float32
        scale = np.abs(b.grad.numpy()).max()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5 * scale)
    (gx,) = mg.autograd.grad([(ours(xm) ** 2).sum()], [xm], create_graph=True)
    assert gx.dtype == mg.float32
    gx.sum().backward()
    assert ours.weight.grad.dtype == mg.float32


@pytest.mark.parametrize("layout", ["channels_last", "strided"])
def test_non_contiguous_inputs_give_the_same_results(layout):
    """A conv output (channels-last memory) or a strided view is read correctly, and chained
    depthwise layers (the second reads the first's channels-last output) agree too."""
    values = _input((2, C, 7, 6), seed=5)
    if layout == "channels_last":
        x = mg.tensor(np.ascontiguousarray(values.transpose(0, 2, 3, 1))).permute(0, 3, 1, 2)
    else:
        wide = np.zeros((2, C, 7, 12))
        wide[..., ::2] = values
        x = mg.tensor(wide)[..., ::2]
    x = x.detach().requires_grad_()
    assert not x.array.flags.c_contiguous
    ref = mg.tensor(values, requires_grad=True)
    first, second = _layer(1, 1, 1, True), _layer(2, 1, 1, False)
    out, out_ref = second(first(x)), second(first(ref))
    np.testing.assert_allclose(out.detach().numpy(), out_ref.detach().numpy(), rtol=1e-12)
    seed = mg.tensor(_input(tuple(out.shape), seed=6))
    out.backward(seed)
    grads = x.grad.numpy(), first.weight.grad.numpy().copy()
    first.zero_grad()
    out_ref.backward(seed)
    np.testing.assert_allclose(grads[0], ref.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(grads[1], first.weight.grad.numpy(), rtol=1e-12)


def test_same_as_a_grouped_convolution_with_a_multiplier():
    """Depthwise (one filter per channel) against the im2col path (two filters per channel,
    C*2 output channels) with the second filters zero: the same numbers by two routes."""
    x = mg.tensor(_input(seed=7), requires_grad=True)
    w = _input((C, 1) + KERNEL, seed=8)
    both = np.zeros((2 * C, 1) + KERNEL)
    both[::2] = w
    ours = conv2d(x, mg.tensor(w), stride=2, padding=1, dilation=(1, 2), groups=C)
    ref = conv2d(x, mg.tensor(both), stride=2, padding=1, dilation=(1, 2), groups=C)[:, ::2]
    np.testing.assert_allclose(ours.detach().numpy(), ref.detach().numpy(), rtol=1e-12)


def test_unbatched_input_matches_a_batch_of_one():
    layer = _layer(1, 1, 1, True)
    x = _input((C, 5, 4))
    single, batch = layer(mg.tensor(x)), layer(mg.tensor(x[None]))
    assert single.shape == (C, 6, 4)  # kernel (2, 3), padding 1
    np.testing.assert_allclose(single.detach().numpy(), batch.detach().numpy()[0], rtol=1e-12)


def test_runs_on_a_strict_device():
    """Every array op goes through the backend (the 'strict' device refuses host arrays)."""
    strict_backend = pytest.importorskip("strict_backend")
    strict_backend.register()
    for stride in (1, 2):
        layer = Conv2d(C, C, 3, stride=stride, padding=1, groups=C).to("strict")
        x = mg.randn(2, C, 5, 5, device="strict", requires_grad=True)
        y = layer(x)
        (gx,) = mg.autograd.grad([(y * y).sum()], [x], create_graph=True)
        gx.sum().backward()
        assert y.device == "strict" and x.grad.device == "strict"
        assert layer.weight.grad.device == "strict" and layer.bias.grad.device == "strict"


@pytest.mark.parametrize("stride,padding,output_padding,dilation",
                         [(1, 0, 0, 1), (1, 1, 1, 2), (2, 1, 1, 1), (3, (2, 0), (2, 1), (1, 2))])
def test_depthwise_transposed_convolution_matches_torch(stride, padding, output_padding,
                                                        dilation):
    """conv_transpose2d with groups == in == out channels is the depthwise input gradient
    (output_padding makes the padded size larger than the natural one); its backward reads
    one shared buffer for the convolution and the weight gradient."""
    torch = pytest.importorskip("torch")
    x, w, b = _input((2, C, 5, 6), seed=9), _input((C, 1) + KERNEL, seed=10), _input((C,), 11)
    args = (stride, padding, output_padding, C, dilation)
    compare_fn(lambda x, w, b: mg.nn.functional.conv_transpose2d(x, w, b, *args),
               lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, *args), x, w, b,
               rtol=1e-10, atol=1e-12)
    xm, wm = mg.tensor(x, requires_grad=True), mg.tensor(w, requires_grad=True)
    assert mg.gradgradcheck(lambda x, w: mg.nn.functional.conv_transpose2d(x, w, None, *args),
                            (xm, wm))
