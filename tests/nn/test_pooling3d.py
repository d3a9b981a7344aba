"""MaxPool3d, AvgPool3d, AdaptiveAvgPool3d, AdaptiveMaxPool3d, LPPool3d, MaxUnpool3d (and their
functionals), the ``*_with_indices`` names and the top-level ``mg.*`` pooling forms: PyTorch
agreement forward and backward over the options, indices equal to PyTorch's, gradcheck and
gradgradcheck in float64, float32 end to end, unbatched input, errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

from ._torch_compare import compare_fn


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


MAX_CASES = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
             dict(kernel_size=(2, 3, 2), stride=(1, 2, 3), padding=(1, 1, 0),
                  dilation=(2, 1, 3), ceil_mode=True),
             dict(kernel_size=3, stride=2, ceil_mode=True), dict(kernel_size=(1, 2, 3))]


@pytest.mark.parametrize("kw", MAX_CASES)
def test_max_pool3d_matches_torch(kw):
    torch = pytest.importorskip("torch")
    x = _x((2, 3, 7, 8, 9))
    compare_fn(lambda t: F.max_pool3d(t, **kw), lambda t: torch.nn.functional.max_pool3d(t, **kw),
               x)
    y, i = F.max_pool3d(mg.tensor(x), return_indices=True, **kw)
    yt, it = torch.nn.functional.max_pool3d(torch.tensor(x), return_indices=True, **kw)
    np.testing.assert_array_equal(y.numpy(), yt.numpy())
    np.testing.assert_array_equal(i.numpy(), it.numpy())
    assert i.dtype == mg.int64
    layer, twin = nn.MaxPool3d(**kw, return_indices=True), torch.nn.MaxPool3d(**kw,
                                                                             return_indices=True)
    assert repr(layer) == repr(twin)
    np.testing.assert_array_equal(layer(mg.tensor(x[0]))[1].numpy(), twin(torch.tensor(x[0]))[1])
    for ours, theirs in ((F.max_pool3d_with_indices, torch.nn.functional.max_pool3d_with_indices),):
        a, b = ours(mg.tensor(x), **kw), theirs(torch.tensor(x), **kw)
        np.testing.assert_array_equal(a[1].numpy(), b[1].numpy())


def test_max_pool3d_ties_pick_the_first_maximum_as_torch():
    torch = pytest.importorskip("torch")
    x = np.round(_x((2, 2, 6, 5, 6), 1))  # many equal values in a window
    compare_fn(lambda t: F.max_pool3d(t, 3, 2, 1), lambda t: torch.nn.functional.max_pool3d(
        t, 3, 2, 1), x)
    np.testing.assert_array_equal(F.max_pool3d(mg.tensor(x), 3, 1, return_indices=True)[1].numpy(),
                                  torch.nn.functional.max_pool3d(torch.tensor(x), 3, 1,
                                                                 return_indices=True)[1].numpy())


AVG_CASES = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
             dict(kernel_size=3, stride=2, padding=1, count_include_pad=False, ceil_mode=True),
             dict(kernel_size=(2, 3, 2), stride=(1, 2, 3), padding=(1, 1, 0), ceil_mode=True),
             dict(kernel_size=3, stride=2, ceil_mode=True, divisor_override=5),
             dict(kernel_size=(3, 2, 2), padding=1, divisor_override=2, count_include_pad=False)]


@pytest.mark.parametrize("kw", AVG_CASES)
def test_avg_pool3d_matches_torch(kw):
    torch = pytest.importorskip("torch")
    x = _x((2, 3, 7, 8, 9), 2)
    compare_fn(lambda t: F.avg_pool3d(t, **kw), lambda t: torch.nn.functional.avg_pool3d(t, **kw),
               x)
    compare_fn(nn.AvgPool3d(**kw), torch.nn.AvgPool3d(**kw), x[0])
    assert repr(nn.AvgPool3d(**kw)) == repr(torch.nn.AvgPool3d(**kw))


@pytest.mark.parametrize("size", [1, 2, (3, None, 4), (5, 3, 7), (7, 8, 9), (4, 5, 6)])
def test_adaptive_pools3d_match_torch(size):
    torch = pytest.importorskip("torch")
    x = _x((2, 3, 7, 8, 9), 3)
    compare_fn(lambda t: F.adaptive_avg_pool3d(t, size),
               lambda t: torch.nn.functional.adaptive_avg_pool3d(t, size), x)
    compare_fn(lambda t: F.adaptive_max_pool3d(t, size),
               lambda t: torch.nn.functional.adaptive_max_pool3d(t, size), x)
    compare_fn(nn.AdaptiveAvgPool3d(size), torch.nn.AdaptiveAvgPool3d(size), x[0])
    i = nn.AdaptiveMaxPool3d(size, return_indices=True)(mg.tensor(x))[1]
    it = torch.nn.AdaptiveMaxPool3d(size, return_indices=True)(torch.tensor(x))[1]
    np.testing.assert_array_equal(i.numpy(), it.numpy())
    a = F.adaptive_max_pool3d_with_indices(mg.tensor(x[0]), size)[1]
    np.testing.assert_array_equal(a.numpy(), torch.nn.functional.adaptive_max_pool3d_with_indices(
        torch.tensor(x[0]), size)[1].numpy())
    assert repr(nn.AdaptiveMaxPool3d(size)) == repr(torch.nn.AdaptiveMaxPool3d(size))


@pytest.mark.parametrize("norm_type", [1, 2, 3.5, float("inf"), -float("inf")])
@pytest.mark.parametrize("kernel,stride,ceil_mode", [(2, None, False), (3, 2, True),
                                                     ((2, 3, 1), (1, 2, 1), False)])
def test_lp_pool3d_matches_torch(norm_type, kernel, stride, ceil_mode):
    torch = pytest.importorskip("torch")
    x = np.abs(_x((2, 2, 6, 7, 5), 4)) + 0.1
    compare_fn(nn.LPPool3d(norm_type, kernel, stride, ceil_mode),
               torch.nn.LPPool3d(norm_type, kernel, stride, ceil_mode), x)
    compare_fn(lambda t: F.lp_pool3d(t, norm_type, kernel, stride, ceil_mode),
               lambda t: torch.nn.functional.lp_pool3d(t, norm_type, kernel, stride, ceil_mode),
               x[0])
    assert repr(nn.LPPool3d(norm_type, kernel, stride, ceil_mode)) == \
        repr(torch.nn.LPPool3d(norm_type, kernel, stride, ceil_mode))


@pytest.mark.parametrize("shape,kernel,stride,padding,output_size", [
    ((6, 8, 8), 2, None, 0, None), ((5, 7, 9), 3, 2, 1, None),
    ((6, 7, 8), (2, 3, 2), (2, 2, 3), (1, 1, 0), None),
    ((7, 9, 8), 2, 2, 0, (7, 9, 8)), ((7, 9, 8), 2, 2, 0, (2, 3, 7, 9, 8))])
def test_max_unpool3d_matches_torch(shape, kernel, stride, padding, output_size):
    torch = pytest.importorskip("torch")
    x = _x((2, 3) + shape, 5)
    y, i = F.max_pool3d(mg.tensor(x), kernel, stride, padding, return_indices=True)
    yt, it = torch.nn.functional.max_pool3d(torch.tensor(x), kernel, stride, padding,
                                            return_indices=True)
    layer, twin = nn.MaxUnpool3d(kernel, stride, padding), torch.nn.MaxUnpool3d(kernel, stride,
                                                                                padding)
    assert repr(layer) == repr(twin)
    compare_fn(lambda t: layer(t, i, output_size=output_size),
               lambda t: twin(t, it, output_size=output_size), y.numpy())
    compare_fn(lambda t: F.max_unpool3d(t, i, kernel, stride, padding, output_size),
               lambda t: torch.nn.functional.max_unpool3d(t, it, kernel, stride, padding,
                                                          output_size), y.numpy())


def test_with_indices_names_and_top_level_forms_match_torch():
    torch = pytest.importorskip("torch")
    x1, x2 = _x((2, 3, 9), 6), _x((2, 3, 6, 7), 7)
    tF = torch.nn.functional
    for ours, theirs, x, args in [
            (F.max_pool1d_with_indices, tF.max_pool1d_with_indices, x1, (3, 2, 1)),
            (F.max_pool2d_with_indices, tF.max_pool2d_with_indices, x2, (3, 2, 1)),
            (F.adaptive_max_pool1d_with_indices, tF.adaptive_max_pool1d_with_indices, x1, (4,)),
            (F.adaptive_max_pool2d_with_indices, tF.adaptive_max_pool2d_with_indices, x2, (4,)),
            (mg.max_pool1d_with_indices, torch.max_pool1d_with_indices, x1, (3, 2)),
            (mg.adaptive_max_pool1d, torch.adaptive_max_pool1d, x1, (4,))]:
        a, b = ours(mg.tensor(x), *args), theirs(torch.tensor(x), *args)
        assert isinstance(a, tuple) and len(a) == 2
        np.testing.assert_array_equal(a[0].numpy(), b[0].numpy())
        np.testing.assert_array_equal(a[1].numpy(), b[1].numpy())
        compare_fn(lambda t: ours(t, *args)[0], lambda t: theirs(t, *args)[0], x)
    x3 = _x((2, 2, 5, 6, 7), 8)
    for name, x, args in [("max_pool1d", x1, (3, 2, 1, 1, True)), ("max_pool2d", x2, (3, 2, 1)),
                          ("max_pool3d", x3, (2, 2, 1, 1, True)), ("avg_pool1d", x1, (3, 2, 1)),
                          ("adaptive_avg_pool1d", x1, (4,))]:
        compare_fn(lambda t: getattr(mg, name)(t, *args),
                   lambda t: getattr(torch, name)(t, *args), x)


def test_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(9)
    x = mg.tensor(rng.standard_normal((1, 1, 4, 3, 5)), requires_grad=True)
    for fn in (lambda t: F.max_pool3d(t, 2, 1, 1),
               lambda t: F.max_pool3d(t, (2, 3, 2), 2, 0, (1, 1, 2), True),
               lambda t: F.avg_pool3d(t, 3, 2, 1, True, False),
               lambda t: F.avg_pool3d(t, 2, divisor_override=3),
               lambda t: F.adaptive_avg_pool3d(t, (2, 3, 3)),
               lambda t: F.adaptive_max_pool3d(t, (3, 2, 2)),
               lambda t: F.max_pool3d(t.transpose(2, 4), 2)):  # non-contiguous
        assert mg.gradcheck(fn, (x,))
        assert mg.gradgradcheck(fn, (x,))
    p = mg.tensor(np.abs(rng.standard_normal((1, 2, 4, 4, 4))) + 0.2, requires_grad=True)
    assert mg.gradcheck(lambda t: F.lp_pool3d(t, 2.5, 2, 1), (p,))
    assert mg.gradgradcheck(lambda t: F.lp_pool3d(t, 2, 2), (p,))
    y, i = F.max_pool3d(mg.randn(1, 2, 4, 4, 4, dtype=mg.float64), 2, return_indices=True)
    y.requires_grad_()
    assert mg.gradcheck(lambda t: F.max_unpool3d(t, i, 2), (y,))
    assert mg.gradgradcheck(lambda t: F.max_unpool3d(t, i, 2), (y,))


def test_float32_stays_float32():
    x = mg.randn(2, 3, 6, 5, 4, requires_grad=True)
    outs = [F.max_pool3d(x, 2, 1, 1), F.avg_pool3d(x, 3, 2, 1, True, False),
            F.avg_pool3d(x, 2, divisor_override=3), F.adaptive_avg_pool3d(x, (2, 3, 3)),
            F.adaptive_max_pool3d(x, 2), F.lp_pool3d(x.abs() + 0.1, np.float64(2.5), 2),
            mg.max_pool3d(x, 2)]
    for out in outs:
        assert out.dtype == mg.float32
    (gx,) = mg.autograd.grad([sum((o ** 2).sum() for o in outs)], [x], create_graph=True)
    assert gx.dtype == mg.float32
    gx.sum().backward()
    assert x.grad.dtype == mg.float32


def test_errors():
    x = mg.randn(1, 2, 4, 4, 4)
    with pytest.raises(RuntimeError, match=r"max_pool3d: expected a 4-D \(unbatched\) or 5-D "
                                           r"\(batched\) input, got shape \(4, 4, 4\)"):
        F.max_pool3d(mg.randn(4, 4, 4), 2)
    with pytest.raises(RuntimeError, match="MaxPool3d: pad should be smaller than or equal to "
                                           "half of kernel size"):
        nn.MaxPool3d(3, padding=2, dilation=2)(x)
    with pytest.raises(RuntimeError, match=r"avg_pool3d: input of shape \(1, 2, 4, 4, 4\) is too "
                                           "small for kernel_size=.5, 5, 5."):
        F.avg_pool3d(x, 5)
    with pytest.raises(TypeError, match="max_pool3d: kernel_size must be an int or a tuple of "
                                        "three ints, got \\(2, 2\\)"):
        F.max_pool3d(x, (2, 2))
    with pytest.raises(TypeError, match="adaptive_avg_pool3d: expected a floating-point input, "
                                        "got int64"):
        F.adaptive_avg_pool3d(mg.ones(1, 2, 4, 4, 4, dtype=mg.int64), 2)
    with pytest.raises(RuntimeError, match="AdaptiveMaxPool3d: output_size must be positive"):
        nn.AdaptiveMaxPool3d((0, 2, 2))(x)
    with pytest.raises(RuntimeError, match="avg_pool3d: divisor must be not zero"):
        F.avg_pool3d(x, 2, divisor_override=0)
    with pytest.raises(ValueError, match="LPPool3d: norm_type must be a non-zero number"):
        nn.LPPool3d(0, 2)
    with pytest.raises(RuntimeError, match=r"max_unpool3d: Expected shape of indices"):
        F.max_unpool3d(x, mg.zeros(1, 2, 4, 4, dtype=mg.int64), 2)
    with pytest.raises(RuntimeError, match="stride must be positive"):
        F.max_pool3d(x, 2, 0)
