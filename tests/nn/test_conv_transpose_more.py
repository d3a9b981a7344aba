"""ConvTranspose1d / F.conv_transpose1d and ConvTranspose3d / F.conv_transpose3d: gradients
(float64 gradcheck and gradgradcheck), the adjoint identity with conv1d/conv3d, PyTorch parity
over stride/padding/output_padding/dilation/groups/bias, output_size, float32 discipline,
unbatched input, initialisation, repr and errors naming the op and its shapes."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.nn.conv_nd import ConvTranspose1d, ConvTranspose3d
from minigrad.ops.convolution1d import conv1d, conv_transpose1d
from minigrad.ops.convolution3d import conv3d, conv_transpose3d

from ._torch_compare import compare_fn, compare_with_torch

# stride, padding, output_padding, dilation, groups, bias; output_padding must be smaller
# than stride or dilation (PyTorch's rule), so the combinations that break it are left out.
MATRIX_1D = [c for c in itertools.product((1, 2, 3), (0, 2), (0, 1), (1, 2), (1, 2),
                                          (True, False)) if c[2] < c[0] or c[2] < c[3]]
MATRIX_3D = [c for c in itertools.product((1, 2, (2, 1, 3)), (0, (1, 0, 2)), (0, (1, 0, 1)),
                                          (1, (1, 2, 2)), (1, 2), (True, False))
             if all(e < s or e < d for e, s, d in zip(*(v if isinstance(v, tuple) else (v,) * 3
                                                        for v in (c[2], c[0], c[3]))))]
KERNEL_3D = (2, 3, 2)


def _input(shape, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def _ids(cases):
    return ["-".join(str(v).replace(" ", "") for v in c) for c in cases]


def _layer1d(stride, padding, output_padding, dilation, groups, bias) -> ConvTranspose1d:
    return ConvTranspose1d(2, 4, 3, stride=stride, padding=padding, output_padding=output_padding,
                           groups=groups, bias=bias, dilation=dilation, dtype=mg.float64)


def _layer3d(stride, padding, output_padding, dilation, groups, bias) -> ConvTranspose3d:
    return ConvTranspose3d(2, 4, KERNEL_3D, stride=stride, padding=padding,
                           output_padding=output_padding, groups=groups, bias=bias,
                           dilation=dilation, dtype=mg.float64)


# --- gradients ---------------------------------------------------------------------------------
@pytest.mark.parametrize("case", MATRIX_1D[::7], ids=_ids(MATRIX_1D[::7]))
def test_gradcheck_1d(case):
    x = mg.tensor(_input((2, 2, 4)), requires_grad=True)
    assert mg.gradcheck_module(_layer1d(*case), (x,))


@pytest.mark.parametrize("case", MATRIX_3D[::13], ids=_ids(MATRIX_3D[::13]))
def test_gradcheck_3d(case):
    x = mg.tensor(_input((1, 2, 2, 2, 4)), requires_grad=True)
    assert mg.gradcheck_module(_layer3d(*case), (x,))


@pytest.mark.parametrize("stride,padding,output_padding,dilation,groups", [
    (1, 0, 0, 1, 1), (2, 1, 1, 1, 2), (3, 1, 1, 2, 1)])
def test_gradgradcheck_1d(stride, padding, output_padding, dilation, groups):
    x = mg.tensor(_input((1, 2, 4)), requires_grad=True)
    w = mg.tensor(_input((2, 4 // groups, 3), seed=1), requires_grad=True)
    b = mg.tensor(_input((4,), seed=2), requires_grad=True)

    def fn(x, w, b):
        return conv_transpose1d(x, w, b, stride, padding, output_padding, groups, dilation)
    assert mg.gradgradcheck(fn, (x, w, b))


@pytest.mark.parametrize("stride,padding,output_padding,dilation,groups", [
    (1, 0, 0, 1, 1), ((2, 1, 2), (1, 0, 1), (1, 0, 0), 1, 2), (2, 1, 1, (2, 1, 1), 1)])
def test_gradgradcheck_3d(stride, padding, output_padding, dilation, groups):
    """Claimed to any order: the forward is ConvolutionInputGrad then DepthFold, whose
    backwards are Functions with backwards of their own."""
    x = mg.tensor(_input((1, 2, 2, 2, 3)), requires_grad=True)
    w = mg.tensor(_input((2, 2 // groups, 2, 2, 2), seed=1), requires_grad=True)
    b = mg.tensor(_input((2,), seed=2), requires_grad=True)

    def fn(x, w, b):
        return conv_transpose3d(x, w, b, stride, padding, output_padding, groups, dilation)
    assert mg.gradgradcheck(fn, (x, w, b))


@pytest.mark.parametrize("stride,padding,dilation,groups", [(1, 0, 1, 1), (2, 1, 2, 2),
                                                            ((3, 1, 2), (1, 0, 1), 1, 1)])
def test_adjoint_of_conv3d(stride, padding, dilation, groups):
    """<conv3d(y, w), x> == <y, conv_transpose3d(x, w)>: what "transposed" means, without
    PyTorch; and the same for the 1-D pair."""
    s, p, d = ((v,) * 3 if isinstance(v, int) else v for v in (stride, padding, dilation))
    w = _input((4, 6 // groups) + KERNEL_3D, seed=1)  # conv3d: 6 -> 4; transposed: 4 -> 6
    x = _input((2, 4, 3, 4, 3), seed=2)
    out = tuple((n - 1) * si - 2 * pi + di * (k - 1) + 1 for n, k, si, pi, di in
                zip(x.shape[2:], KERNEL_3D, s, p, d))
    y = _input((2, 6) + out, seed=3)
    down = conv3d(mg.tensor(y), mg.tensor(w), None, stride, padding, dilation, groups)
    up = conv_transpose3d(mg.tensor(x), mg.tensor(w), None, stride, padding, 0, groups, dilation)
    assert down.shape == x.shape and up.shape == y.shape
    assert math.isclose(float((down.numpy() * x).sum()), float((y * up.numpy()).sum()),
                        rel_tol=1e-12)
    w1, x1 = w[:, :, 0, 0], x[:, :, 0, 0]
    y1 = _input((2, 6, (x1.shape[-1] - 1) * s[0] - 2 * p[0] + d[0] * (w1.shape[-1] - 1) + 1),
                seed=4)
    down = conv1d(mg.tensor(y1), mg.tensor(w1), None, s[0], p[0], d[0], groups)
    up = conv_transpose1d(mg.tensor(x1), mg.tensor(w1), None, s[0], p[0], 0, groups, d[0])
    assert math.isclose(float((down.numpy() * x1).sum()), float((y1 * up.numpy()).sum()),
                        rel_tol=1e-12)


# --- PyTorch parity ------------------------------------------------------------------------------
@pytest.mark.parametrize("case", MATRIX_1D[::3], ids=_ids(MATRIX_1D[::3]))
def test_1d_matches_torch(case):
    torch = pytest.importorskip("torch")
    stride, padding, output_padding, dilation, groups, bias = case
    theirs = torch.nn.ConvTranspose1d(2, 4, 3, stride=stride, padding=padding,
                                      output_padding=output_padding, groups=groups, bias=bias,
                                      dilation=dilation)
    compare_with_torch(_layer1d(*case), theirs, _input((3, 2, 5), seed=3), rtol=1e-10,
                       atol=1e-12)


@pytest.mark.parametrize("case", MATRIX_3D[::3], ids=_ids(MATRIX_3D[::3]))
def test_3d_matches_torch(case):
    torch = pytest.importorskip("torch")
    stride, padding, output_padding, dilation, groups, bias = case
    theirs = torch.nn.ConvTranspose3d(2, 4, KERNEL_3D, stride=stride, padding=padding,
                                      output_padding=output_padding, groups=groups, bias=bias,
                                      dilation=dilation)
    compare_with_torch(_layer3d(*case), theirs, _input((2, 2, 3, 4, 4), seed=3), rtol=1e-10,
                       atol=1e-12)


def test_functional_forms_match_torch():
    torch = pytest.importorskip("torch")
    kw1 = dict(stride=2, padding=1, output_padding=1, groups=3, dilation=2)
    compare_fn(lambda x, w, b: mg.conv_transpose1d(x, w, b, **kw1),
               lambda x, w, b: torch.conv_transpose1d(x, w, b, **kw1),
               _input((2, 3, 6), seed=1), _input((3, 2, 4), seed=2), _input((6,), seed=3))
    kw3 = dict(stride=(1, 2, 2), padding=(0, 1, 0), output_padding=(0, 1, 1), groups=3)
    compare_fn(lambda x, w, b: mg.conv_transpose3d(x, w, b, **kw3),
               lambda x, w, b: torch.conv_transpose3d(x, w, b, **kw3),
               _input((2, 3, 3, 4, 2), seed=4), _input((3, 1, 2, 3, 3), seed=5),
               _input((3,), seed=6))


def test_second_order_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    xs, ws = _input((1, 2, 3, 2, 3)), _input((2, 3, 2, 2, 3), seed=1)

    def second(lib, x, w):
        f = lib.nn.functional if lib is torch else F
        y = f.conv_transpose3d(x, w, stride=2, padding=1, output_padding=1)
        (gx,) = lib.autograd.grad([(y ** 3).sum()], [x], create_graph=True)
        return lib.autograd.grad([(gx ** 2).sum()], [w])[0]

    ours = second(mg, mg.tensor(xs, requires_grad=True), mg.tensor(ws, requires_grad=True))
    theirs = second(torch, torch.tensor(xs, requires_grad=True),
                    torch.tensor(ws, requires_grad=True))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("layer,shape,output_size", [
    ("1d", (2, 4, 5), (9,)), ("1d", (2, 4, 5), [10]), ("1d", (2, 4, 5), (2, 2, 10)),
    ("1d", (4, 5), (10,)), ("3d", (2, 4, 3, 4, 2), (5, 8, 4)), ("3d", (2, 4, 3, 4, 2), (6, 7, 3)),
    ("3d", (2, 4, 3, 4, 2), [2, 2, 6, 8, 4])])
def test_output_size_picks_the_output_padding_like_torch(layer, shape, output_size):
    torch = pytest.importorskip("torch")
    ours_type, theirs_type = (ConvTranspose1d, torch.nn.ConvTranspose1d) if layer == "1d" else \
        (ConvTranspose3d, torch.nn.ConvTranspose3d)
    ours = ours_type(4, 2, 3, stride=2, padding=1, dtype=mg.float64)
    theirs = theirs_type(4, 2, 3, stride=2, padding=1).double()
    ours.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})
    x = _input(shape, seed=5)
    out = ours(mg.tensor(x), output_size=output_size)
    ref = theirs(torch.tensor(x), output_size=output_size)
    assert out.shape == tuple(ref.shape)
    dims = 1 if layer == "1d" else 3
    assert out.shape[-dims:] == tuple(output_size[-dims:])
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12,
                               atol=1e-12)


def test_channels_last_input_matches_torch():
    """A conv3d's output (channels-last memory) upsampled again, as in a 3-D U-Net."""
    torch = pytest.importorskip("torch")
    xs, w1, w2 = _input((2, 3, 4, 4, 3)), _input((4, 3, 2, 2, 2), seed=1), \
        _input((4, 2, 2, 3, 2), seed=2)
    x = mg.tensor(xs, requires_grad=True)
    hidden = F.conv3d(x, mg.tensor(w1), stride=2, padding=1)
    assert hidden.array.strides[1] < hidden.array.strides[4]
    out = F.conv_transpose3d(hidden, mg.tensor(w2), stride=2, padding=1, output_padding=1)
    xt = torch.tensor(xs, requires_grad=True)
    ref = torch.nn.functional.conv_transpose3d(
        torch.nn.functional.conv3d(xt, torch.tensor(w1), stride=2, padding=1), torch.tensor(w2),
        stride=2, padding=1, output_padding=1)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    g = _input(tuple(ref.shape), seed=3)
    out.backward(mg.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_float32_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    for ours, theirs, shape in (
            (ConvTranspose1d(6, 4, 4, stride=2, padding=1),
             torch.nn.ConvTranspose1d(6, 4, 4, stride=2, padding=1), (4, 6, 9)),
            (ConvTranspose3d(4, 4, 2, stride=2, groups=2),
             torch.nn.ConvTranspose3d(4, 4, 2, stride=2, groups=2), (2, 4, 3, 4, 3))):
        x = rng.standard_normal(shape).astype(np.float32)
        ours.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in
                              theirs.state_dict().items()})
        xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ym, yt = ours(xm), theirs(xt)
        assert ym.dtype == mg.float32
        np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=1e-4,
                                   atol=1e-5)
        (ym * ym).sum().backward()
        (yt * yt).sum().backward()
        for a, b in ((xm, xt), (ours.weight, theirs.weight), (ours.bias, theirs.bias)):
            assert a.grad.dtype == mg.float32
            scale = np.abs(b.grad.numpy()).max()
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4,
                                       atol=1e-5 * scale)


# --- shapes, dtypes, devices -------------------------------------------------------------------
def test_output_shape_formula():
    """(size - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1."""
    out = ConvTranspose3d(2, 3, (3, 4, 2), stride=(2, 3, 1), padding=(1, 2, 0),
                          output_padding=(1, 0, 0), dilation=(1, 2, 1))(mg.randn(1, 2, 5, 6, 3))
    assert out.shape == (1, 3, 4 * 2 - 2 + 2 + 1 + 1, 5 * 3 - 4 + 6 + 0 + 1, 2 + 1 + 1)
    out = ConvTranspose1d(2, 3, 4, stride=3, padding=2, output_padding=1,
                          dilation=2)(mg.randn(1, 2, 5))
    assert out.shape == (1, 3, 4 * 3 - 4 + 6 + 1 + 1)


def test_unbatched_input_matches_a_batch_of_one():
    for layer, shape in ((ConvTranspose1d(2, 3, 3, stride=2, dtype=mg.float64), (2, 4)),
                         (ConvTranspose3d(2, 3, 2, stride=2, dtype=mg.float64), (2, 2, 3, 2))):
        x = _input(shape)
        single, batch = layer(mg.tensor(x)), layer(mg.tensor(x[None]))
        assert single.shape == batch.shape[1:]
        np.testing.assert_allclose(single.detach().numpy(), batch.detach().numpy()[0],
                                   rtol=1e-12)
    assert F.conv_transpose1d(mg.randn(2, 4), mg.randn(2, 3, 3)).shape == (3, 6)
    assert F.conv_transpose3d(mg.randn(2, 2, 2, 2), mg.randn(2, 3, 1, 2, 3)).shape == (3, 2, 3, 4)


@pytest.mark.parametrize("kind", ["1d", "3d"])
def test_float32_stays_float32(kind):
    if kind == "1d":
        layer, x = ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2), \
            mg.randn(2, 4, 5, requires_grad=True)
    else:
        layer, x = ConvTranspose3d(4, 6, 2, stride=2, padding=1, output_padding=1, groups=2), \
            mg.randn(2, 4, 3, 2, 3, requires_grad=True)
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
    for layer, shape in ((ConvTranspose1d(2, 4, 3, stride=2, groups=2), (2, 2, 4)),
                         (ConvTranspose3d(2, 4, 2, stride=2, padding=1, output_padding=1),
                          (2, 2, 3, 2, 2))):
        layer = layer.to("strict")
        x = mg.randn(*shape, device="strict", requires_grad=True)
        y = layer(x)
        (gx,) = mg.autograd.grad([(y * y).sum()], [x], create_graph=True)
        gx.sum().backward()
        assert y.device == x.grad.device == layer.weight.grad.device == "strict"
    with pytest.raises(RuntimeError, match=r"conv_transpose3d: input, weight and bias must be "
                                           r"on one device, got input on cpu, weight on strict"):
        F.conv_transpose3d(mg.randn(1, 2, 3, 2, 2, device="cpu"), layer.weight)


# --- construction --------------------------------------------------------------------------------
def test_weight_layout_and_default_init_match_pytorch():
    """Weight (in, out/groups, *kernel); PyTorch's fan_in is its dim 1 times the kernel."""
    for layer, shape, fan_in in ((ConvTranspose1d(6, 8, 3, groups=2), (6, 4, 3), 4 * 3),
                                 (ConvTranspose3d(6, 8, (3, 2, 2), groups=2), (6, 4, 3, 2, 2),
                                  4 * 12)):
        assert layer.weight.shape == shape and layer.bias.shape == (8,)
        bound = 1 / math.sqrt(fan_in)
        w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
        assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
        assert np.abs(w).max() > 0.9 * bound
        assert list(layer.state_dict()) == ["weight", "bias"]


def test_repr_state_dict_and_exports():
    assert repr(ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1, dilation=2,
                                groups=2)) == \
        "ConvTranspose1d(4, 6, kernel_size=(3,), stride=(2,), padding=(1,), dilation=(2,), " \
        "output_padding=(1,), groups=2)"
    assert repr(ConvTranspose3d(2, 2, (1, 2, 3), bias=False)) == \
        "ConvTranspose3d(2, 2, kernel_size=(1, 2, 3), stride=(1, 1, 1), bias=False)"
    assert list(ConvTranspose3d(2, 2, 1, bias=False).state_dict()) == ["weight"]
    assert nn.ConvTranspose1d is ConvTranspose1d and nn.ConvTranspose3d is ConvTranspose3d
    assert F.conv_transpose1d is conv_transpose1d and F.conv_transpose3d is conv_transpose3d


def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    for kwargs in (dict(), dict(stride=2, padding=1, output_padding=1, groups=2, bias=False),
                   dict(dilation=2, output_padding=1)):
        assert repr(ConvTranspose1d(4, 6, 3, **kwargs)) == \
            repr(torch.nn.ConvTranspose1d(4, 6, 3, **kwargs))
        assert repr(ConvTranspose3d(4, 6, 3, **kwargs)) == \
            repr(torch.nn.ConvTranspose3d(4, 6, 3, **kwargs))


# --- errors ---------------------------------------------------------------------------------------
def test_wrong_rank_and_channels_are_named():
    with pytest.raises(ValueError, match=r"ConvTranspose1d: expected a 2-D \(unbatched\) or 3-D "
                                         r"\(N, C, L\) input, got shape \(1, 3, 4, 4\)"):
        ConvTranspose1d(3, 4, 3)(mg.randn(1, 3, 4, 4))
    with pytest.raises(ValueError, match=r"conv_transpose1d: expected a 2-D \(unbatched\) or 3-D "
                                         r"\(batched\) input, got shape \(5,\)"):
        F.conv_transpose1d(mg.randn(5), mg.randn(1, 1, 3))
    with pytest.raises(ValueError, match=r"ConvTranspose3d: expected a 4-D \(unbatched\) or 5-D "
                                         r"\(N, C, D, H, W\) input, got shape \(3, 4, 4\)"):
        ConvTranspose3d(3, 4, 3)(mg.randn(3, 4, 4))
    with pytest.raises(ValueError, match=r"conv_transpose3d: expected a 5-D weight \(in_channels,"
                                         r" out_channels/groups, kD, kH, kW\), got shape"):
        F.conv_transpose3d(mg.randn(1, 2, 3, 3, 3), mg.randn(2, 2, 3, 3))
    with pytest.raises(ValueError, match=r"conv_transpose1d: expected a 3-D weight"):
        F.conv_transpose1d(mg.randn(1, 2, 3), mg.randn(2, 2, 3, 3))
    with pytest.raises(ValueError, match=r"ConvTranspose1d expected 3 input channels, got 1"):
        ConvTranspose1d(3, 8, 3)(mg.randn(2, 1, 4))
    with pytest.raises(ValueError, match=r"ConvTranspose3d expected 3 input channels, got 1"):
        ConvTranspose3d(3, 8, 3)(mg.randn(2, 1, 4, 4, 4))
    with pytest.raises(ValueError, match=r"conv_transpose1d expected 4 input channels \(weight "
                                         r"shape \(4, 2, 3\)\), got 3 \(input shape \(1, 3, 4\)\)"):
        F.conv_transpose1d(mg.randn(1, 3, 4), mg.randn(4, 2, 3))
    with pytest.raises(ValueError, match=r"conv_transpose3d expected 4 input channels \(weight "
                                         r"shape \(4, 2, 3, 3, 3\)\), got 3 \(input shape "
                                         r"\(1, 3, 4, 4, 4\)\)"):
        F.conv_transpose3d(mg.randn(1, 3, 4, 4, 4), mg.randn(4, 2, 3, 3, 3))
    for fn, x, w in ((F.conv_transpose1d, mg.randn(1, 4, 4), mg.randn(4, 2, 3)),
                     (F.conv_transpose3d, mg.randn(1, 4, 4, 4, 4), mg.randn(4, 2, 3, 3, 3))):
        with pytest.raises(ValueError, match=r"in_channels \(4, .*divisible by groups \(3\)"):
            fn(x, w, groups=3)
        with pytest.raises(ValueError, match=r"bias must have shape \(4,\) to match weight "
                                             r"shape \(4, 2, .*\) and groups=2, got \(2,\)"):
            fn(x, w, mg.randn(2), groups=2)
        with pytest.raises(TypeError, match=r"input float32, weight float64"):
            fn(x, w.double())


def test_bad_arguments_are_named():
    for op, layer in (("ConvTranspose1d", ConvTranspose1d), ("ConvTranspose3d", ConvTranspose3d)):
        with pytest.raises(ValueError, match=rf"{op}: padding must be an int or a tuple"):
            layer(1, 1, 3, padding="same")
        with pytest.raises(ValueError, match=rf"{op}: stride must be positive"):
            layer(1, 1, 3, stride=0)
        with pytest.raises(ValueError, match=rf"{op}: padding and output_padding must be "
                                             r"non-negative"):
            layer(1, 1, 3, padding=-1)
        with pytest.raises(ValueError, match=rf"{op}: output_padding must be smaller than either "
                                             r"stride or dilation"):
            layer(1, 1, 3, output_padding=1)
        with pytest.raises(ValueError, match=rf"{op}: out_channels \(3\) must be divisible by "
                                             r"groups \(2\)"):
            layer(2, 3, 3, groups=2)
        with pytest.raises(ValueError, match=rf'{op}: only "zeros" padding mode is supported'):
            layer(1, 1, 3, padding_mode="reflect")
    with pytest.raises(TypeError, match=r"ConvTranspose1d: kernel_size must be an int or a "
                                        r"1-tuple"):
        ConvTranspose1d(1, 1, (3, 3))
    with pytest.raises(TypeError, match=r"ConvTranspose3d: stride must be an int or a triple"):
        ConvTranspose3d(1, 1, 3, stride=(1, 2))
    # smaller than the dilation is enough, as in PyTorch
    assert ConvTranspose3d(1, 1, 3, output_padding=1, dilation=2)(
        mg.randn(1, 1, 2, 2, 2)).shape == (1, 1, 7, 7, 7)
    with pytest.raises(ValueError, match=r"conv_transpose1d: output_padding must be smaller"):
        F.conv_transpose1d(mg.randn(1, 2, 3), mg.randn(2, 2, 3), output_padding=1)
    with pytest.raises(ValueError, match=r"conv_transpose3d: output_padding must be smaller .*"
                                         r"output_padding=\(1, 1, 1\), stride=\(2, 1, 2\)"):
        F.conv_transpose3d(mg.randn(1, 2, 3, 3, 3), mg.randn(2, 2, 3, 3, 3), stride=(2, 1, 2),
                           output_padding=1)
    with pytest.raises(ValueError, match=r"conv_transpose1d: the output would have length -1"):
        F.conv_transpose1d(mg.randn(1, 2, 1), mg.randn(2, 2, 1), padding=1)
    with pytest.raises(ValueError, match=r"conv_transpose3d: the output would be 1 x -1 x 1"):
        F.conv_transpose3d(mg.randn(1, 2, 1, 1, 1), mg.randn(2, 2, 1, 1, 1), padding=(0, 1, 0))
    with pytest.raises(ValueError, match=r"conv_transpose1d: padding must be non-negative"):
        F.conv_transpose1d(mg.randn(1, 2, 3), mg.randn(2, 2, 3), padding=-1)
    with pytest.raises(ValueError, match=r"conv_transpose3d: groups must be a positive int"):
        F.conv_transpose3d(mg.randn(1, 2, 3, 3, 3), mg.randn(2, 2, 3, 3, 3), groups=0)
    with pytest.raises(ValueError, match=r"ConvTranspose1d: requested an output size of \(13,\), "
                                         r"but valid sizes"):
        ConvTranspose1d(4, 2, 3, stride=2, padding=1)(mg.randn(1, 4, 5), output_size=(13,))
    with pytest.raises(ValueError, match=r"ConvTranspose3d: output_size must end in three ints "
                                         r"\(D, H, W\)"):
        ConvTranspose3d(4, 2, 3, stride=2)(mg.randn(1, 4, 2, 2, 2), output_size=(5, 5))
