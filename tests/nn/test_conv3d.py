"""Conv3d and F.conv3d (and the mg.conv* aliases): gradients (float64 gradcheck and
gradgradcheck), PyTorch parity over stride/padding/dilation/groups/bias, memory layouts,
float32 discipline, unbatched input, initialisation, repr and errors naming the 3-D op."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.nn.conv_nd import Conv3d
from minigrad.ops.convolution3d import conv3d

from ._torch_compare import compare_fn, compare_with_torch

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")

KERNEL = (2, 3, 2)  # rectangular, and even along D and W so 'same' splits asymmetrically
STRIDES, PADDINGS = (1, 2, (2, 1, 3)), (0, 1, (1, 0, 2), "same", "valid")
DILATIONS, GROUPS, BIASES = (1, (2, 1, 2)), (1, 2), (True, False)
MATRIX = [c for c in itertools.product(STRIDES, PADDINGS, DILATIONS, GROUPS, BIASES)
          if not (c[1] == "same" and c[0] != 1)]  # PyTorch refuses 'same' with a stride


def _input(shape=(2, 2, 5, 6, 5), seed=0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def _layer(stride, padding, dilation, groups, bias, dtype=mg.float64) -> Conv3d:
    return Conv3d(2, 4, KERNEL, stride=stride, padding=padding, dilation=dilation,
                  groups=groups, bias=bias, dtype=dtype)


def _ids(cases):
    return ["-".join(str(v).replace(" ", "") for v in c) for c in cases]


# --- gradients ---------------------------------------------------------------------------------
@pytest.mark.parametrize("stride,padding,dilation,groups,bias", MATRIX[::9],
                         ids=_ids(MATRIX[::9]))
def test_gradcheck_input_and_parameters(stride, padding, dilation, groups, bias):
    x = mg.tensor(_input((1, 2, 4, 4, 5)), requires_grad=True)
    assert mg.gradcheck_module(_layer(stride, padding, dilation, groups, bias), (x,))


@pytest.mark.parametrize("stride,padding,dilation,groups", [
    (1, 1, 1, 1), (2, (1, 0, 1), (2, 1, 1), 2), (1, "same", (1, 2, 1), 1)])
def test_gradgradcheck(stride, padding, dilation, groups):
    """conv3d claims gradients of any order: DepthUnfold/DepthFold are each other's backward
    and the 2-D Functions have theirs."""
    x = mg.tensor(_input((1, 2, 4, 3, 4)), requires_grad=True)
    w = mg.tensor(_input((2, 2 // groups, 2, 2, 2), seed=1), requires_grad=True)
    b = mg.tensor(_input((2,), seed=2), requires_grad=True)
    fn = lambda x, w, b: conv3d(x, w, b, stride, padding, dilation, groups)  # noqa: E731
    assert mg.gradgradcheck(fn, (x, w, b))


def test_third_order_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    xs, ws = _input((1, 2, 4, 3, 3)), _input((3, 2, 2, 2, 2), seed=1)

    def third(lib, x, w):
        f = lib.nn.functional if lib is torch else F
        y = f.conv3d(x, w, padding=1, stride=(2, 1, 1))
        (gx,) = lib.autograd.grad([(y ** 3).sum()], [x], create_graph=True)
        (gw,) = lib.autograd.grad([(gx ** 2).sum()], [w], create_graph=True)
        return lib.autograd.grad([(gw * gw).sum()], [x])[0]

    ours = third(mg, mg.tensor(xs, requires_grad=True), mg.tensor(ws, requires_grad=True))
    theirs = third(torch, torch.tensor(xs, requires_grad=True),
                   torch.tensor(ws, requires_grad=True))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-9, atol=1e-9)


# --- PyTorch parity ----------------------------------------------------------------------------
@pytest.mark.parametrize("stride,padding,dilation,groups,bias", MATRIX[::3],
                         ids=_ids(MATRIX[::3]))
def test_matches_torch(stride, padding, dilation, groups, bias):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Conv3d(2, 4, KERNEL, stride=stride, padding=padding, dilation=dilation,
                             groups=groups, bias=bias)
    compare_with_torch(_layer(stride, padding, dilation, groups, bias), theirs,
                       _input(seed=3), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kwargs", [dict(), dict(stride=(1, 2, 1), padding=(0, 1, 1)),
                                    dict(padding="same", dilation=2, groups=3)])
def test_functional_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    cg = 3 // kwargs.get("groups", 1)
    compare_fn(lambda x, w, b: mg.conv3d(x, w, b, **kwargs),
               lambda x, w, b: torch.conv3d(x, w, b, **kwargs),
               _input((2, 3, 5, 4, 6), seed=4), _input((6, cg, 3, 1, 2), seed=5),
               _input((6,), seed=6))


def test_channels_last_input_matches_torch():
    """A conv3d's output (channels-last memory) fed to another conv3d, as in a 3-D CNN; and
    an input that is a non-contiguous view (a transposed volume)."""
    torch = pytest.importorskip("torch")
    xs, w1, w2 = _input((2, 3, 4, 5, 4)), _input((4, 3, 2, 2, 2), seed=1), \
        _input((2, 4, 3, 2, 2), seed=2)
    x = mg.tensor(xs, requires_grad=True)
    hidden = F.conv3d(x, mg.tensor(w1), padding=1)
    assert hidden.array.strides[1] < hidden.array.strides[4]  # channels fastest
    out = F.conv3d(hidden.relu(), mg.tensor(w2), stride=(1, 2, 1), padding=(1, 0, 0))
    out = out + F.conv3d(x.transpose(3, 4), mg.tensor(w2[:, :3]), padding=1).mean()
    xt = torch.tensor(xs, requires_grad=True)
    ht = torch.nn.functional.conv3d(xt, torch.tensor(w1), padding=1)
    ref = torch.nn.functional.conv3d(ht.relu(), torch.tensor(w2), stride=(1, 2, 1),
                                     padding=(1, 0, 0))
    ref = ref + torch.nn.functional.conv3d(xt.transpose(3, 4), torch.tensor(w2[:, :3]),
                                           padding=1).mean()
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    g = _input(tuple(ref.shape), seed=7)
    out.backward(mg.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_float32_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(9).standard_normal((2, 4, 6, 7, 5)).astype(np.float32)
    ours, theirs = Conv3d(4, 6, 3, padding=1, groups=2), \
        torch.nn.Conv3d(4, 6, 3, padding=1, groups=2)
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


# --- shapes, dtypes, devices -------------------------------------------------------------------
def test_output_shape_formula():
    """(size + 2 * padding - dilation * (k - 1) - 1) // stride + 1 along each axis."""
    layer = Conv3d(2, 3, (3, 2, 4), stride=(2, 3, 1), padding=(1, 2, 0), dilation=(1, 2, 2))
    out = layer(mg.randn(1, 2, 7, 8, 9))
    assert out.shape == (1, 3, (7 + 2 - 2 - 1) // 2 + 1, (8 + 4 - 2 - 1) // 3 + 1,
                         (9 - 6 - 1) // 1 + 1)


def test_unbatched_input_matches_a_batch_of_one():
    layer = Conv3d(2, 3, 2, stride=2, padding=1, dtype=mg.float64)
    x = _input((2, 4, 5, 3))
    single, batch = layer(mg.tensor(x)), layer(mg.tensor(x[None]))
    assert single.shape == (3, 3, 3, 2)
    np.testing.assert_allclose(single.detach().numpy(), batch.detach().numpy()[0], rtol=1e-12)


def test_empty_batch():
    torch = pytest.importorskip("torch")
    out = F.conv3d(mg.randn(0, 2, 3, 3, 3), mg.randn(4, 2, 2, 2, 2), padding=1)
    ref = torch.nn.functional.conv3d(torch.randn(0, 2, 3, 3, 3), torch.randn(4, 2, 2, 2, 2),
                                     padding=1)
    assert out.shape == tuple(ref.shape) == (0, 4, 4, 4, 4)


def test_float32_stays_float32():
    layer = Conv3d(4, 6, 3, stride=(1, 2, 1), padding="valid", groups=2)
    x = mg.randn(2, 4, 5, 6, 4, requires_grad=True)
    y = layer(x)
    assert y.dtype == mg.float32
    (gx,) = mg.autograd.grad([(y ** 2).sum()], [x], create_graph=True)
    assert gx.dtype == mg.float32
    gx.sum().backward()
    for t in (x.grad, layer.weight.grad, layer.bias.grad):
        assert t.dtype == mg.float32


def test_runs_on_a_strict_device():
    strict_backend = pytest.importorskip("strict_backend")
    strict_backend.register()
    layer = Conv3d(2, 4, 2, padding=1, groups=2).to("strict")
    x = mg.randn(2, 2, 3, 4, 3, device="strict", requires_grad=True)
    y = layer(x)
    (gx,) = mg.autograd.grad([(y * y).sum()], [x], create_graph=True)
    gx.sum().backward()
    assert y.device == "strict" and x.grad.device == "strict"
    assert layer.weight.grad.device == "strict" and layer.bias.grad.device == "strict"
    with pytest.raises(RuntimeError, match=r"conv3d: input, weight and bias must be on one "
                                           r"device, got input on cpu, weight on strict"):
        F.conv3d(mg.randn(1, 2, 3, 3, 3, device="cpu"), layer.weight)


# --- construction --------------------------------------------------------------------------------
def test_weight_layout_default_init_repr_and_exports():
    """Weight (out, in/groups, kD, kH, kW); fan_in = in/groups * kD*kH*kW, as PyTorch."""
    layer = Conv3d(6, 8, (3, 2, 2), groups=2)
    assert layer.weight.shape == (8, 3, 3, 2, 2) and layer.bias.shape == (8,)
    bound = 1 / math.sqrt(3 * 3 * 2 * 2)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.9 * bound
    assert list(layer.state_dict()) == ["weight", "bias"]
    assert list(Conv3d(2, 2, 1, bias=False).state_dict()) == ["weight"]
    assert repr(Conv3d(4, 6, 3, stride=2, padding=1, dilation=(1, 2, 1), groups=2,
                       bias=False)) == \
        "Conv3d(4, 6, kernel_size=(3, 3, 3), stride=(2, 2, 2), padding=(1, 1, 1), " \
        "dilation=(1, 2, 1), groups=2, bias=False)"
    assert repr(Conv3d(2, 2, (1, 2, 3), padding="same")) == \
        "Conv3d(2, 2, kernel_size=(1, 2, 3), stride=(1, 1, 1), padding=same)"
    assert nn.Conv3d is Conv3d and F.conv3d is conv3d and mg.conv3d is conv3d
    assert mg.conv1d is F.conv1d and mg.conv2d is F.conv2d
    assert mg.conv_transpose1d is F.conv_transpose1d
    assert mg.conv_transpose2d is F.conv_transpose2d
    assert mg.conv_transpose3d is F.conv_transpose3d


def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    for kwargs in (dict(), dict(stride=2, padding=(1, 0, 1), groups=2, bias=False),
                   dict(padding="same", dilation=2)):
        assert repr(Conv3d(4, 6, 3, **kwargs)) == repr(torch.nn.Conv3d(4, 6, 3, **kwargs))


# --- errors ---------------------------------------------------------------------------------------
def test_wrong_rank_and_channels_are_named():
    with pytest.raises(ValueError, match=r"Conv3d: expected a 4-D \(unbatched\) or 5-D "
                                         r"\(N, C, D, H, W\) input, got shape \(2, 4, 4\)"):
        Conv3d(2, 4, 3)(mg.randn(2, 4, 4))
    with pytest.raises(ValueError, match=r"conv3d: expected a 4-D \(unbatched\) or 5-D "
                                         r"\(batched\) input, got shape \(1, 1, 2, 3, 4, 4\)"):
        F.conv3d(mg.randn(1, 1, 2, 3, 4, 4), mg.randn(4, 2, 3, 3, 3))
    with pytest.raises(ValueError, match=r"conv3d: expected a 5-D weight \(out_channels, "
                                         r"in_channels/groups, kD, kH, kW\), got shape"):
        F.conv3d(mg.randn(1, 2, 4, 4, 4), mg.randn(4, 2, 3, 3))
    with pytest.raises(ValueError, match=r"Conv3d expected 3 input channels, got 1 \(input "
                                         r"shape \(2, 1, 4, 4, 4\)\)"):
        Conv3d(3, 4, 3)(mg.randn(2, 1, 4, 4, 4))
    with pytest.raises(ValueError, match=r"conv3d expected 6 input channels, got 4 \(input shape "
                                         r"\(1, 4, 3, 3, 3\), weight shape \(4, 3, 1, 1, 1\), "
                                         r"groups=2\)"):
        F.conv3d(mg.randn(1, 4, 3, 3, 3), mg.randn(4, 3, 1, 1, 1), groups=2)
    with pytest.raises(ValueError, match=r"conv3d: out_channels \(3, .*divisible by groups"):
        F.conv3d(mg.randn(1, 4, 3, 3, 3), mg.randn(3, 2, 1, 1, 1), groups=2)
    with pytest.raises(ValueError, match=r"conv3d: bias must have shape \(4,\)"):
        F.conv3d(mg.randn(1, 2, 3, 3, 3), mg.randn(4, 2, 1, 1, 1), mg.randn(2))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"conv3d: the kernel \(5 x 3 x 3, dilation included\) "
                                         r"is larger than the padded input \(4 x 4 x 4\)"):
        F.conv3d(mg.randn(1, 1, 2, 2, 2), mg.randn(1, 1, 3, 3, 3), padding=1, dilation=(2, 1, 1))
    with pytest.raises(ValueError, match=r"Conv3d: padding='same' is not supported for strided "
                                         r"convolutions \(stride=\(1, 2, 1\)\)"):
        Conv3d(1, 1, 3, stride=(1, 2, 1), padding="same")
    with pytest.raises(ValueError, match=r"conv3d: padding='same' is not supported for strided"):
        F.conv3d(mg.randn(1, 1, 4, 4, 4), mg.randn(1, 1, 3, 3, 3), stride=2, padding="same")
    with pytest.raises(ValueError, match=r"Conv3d: padding must be an int, a triple of ints, "
                                         r"'valid' or 'same', got 'full'"):
        Conv3d(1, 1, 3, padding="full")
    with pytest.raises(ValueError, match=r"conv3d: padding must be non-negative"):
        F.conv3d(mg.randn(1, 1, 4, 4, 4), mg.randn(1, 1, 3, 3, 3), padding=(0, -1, 0))
    with pytest.raises(TypeError, match=r"Conv3d: kernel_size must be an int or a triple"):
        Conv3d(1, 1, (3, 3))
    with pytest.raises(ValueError, match=r"Conv3d: stride must be positive"):
        Conv3d(1, 1, 3, stride=0)
    with pytest.raises(ValueError, match=r"conv3d: stride must be positive"):
        F.conv3d(mg.randn(1, 1, 4, 4, 4), mg.randn(1, 1, 3, 3, 3), stride=(1, 0, 1))
    with pytest.raises(ValueError, match=r"conv3d: groups must be a positive int"):
        F.conv3d(mg.randn(1, 1, 4, 4, 4), mg.randn(1, 1, 3, 3, 3), groups=0)
    with pytest.raises(ValueError, match=r"Conv3d: in_channels \(3\) must be divisible by groups"):
        Conv3d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"Conv3d: padding_mode must be one of"):
        Conv3d(1, 1, 3, padding_mode="wrap")
    with pytest.raises(TypeError, match=r"conv3d: input, weight and bias must share one floating "
                                        r"dtype, got input float32, weight float64"):
        F.conv3d(mg.randn(1, 1, 3, 3, 3), mg.randn(1, 1, 1, 1, 1, dtype=mg.float64))
    with pytest.raises(TypeError, match=r"conv3d: input, weight and bias must share one floating"):
        F.conv3d(mg.zeros(1, 1, 3, 3, 3, dtype=mg.int64), mg.zeros(1, 1, 1, 1, 1, dtype=mg.int64))
