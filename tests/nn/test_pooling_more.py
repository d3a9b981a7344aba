"""LPPool1d/2d (F.lp_pool1d/2d) and MaxUnpool1d/2d (F.max_unpool1d/2d): PyTorch agreement
forward and backward over their options, gradcheck (and gradgradcheck) in float64, float32
end to end, and errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

from ._torch_compare import compare_with_torch


# --- LP pooling ------------------------------------------------------------------------------------
@pytest.mark.parametrize("norm_type", [1, 2, 3.5, float("inf"), -float("inf")])
@pytest.mark.parametrize("kernel,stride,ceil_mode", [(3, None, False), (3, 2, False),
                                                     (3, 2, True), ((2, 3), (1, 2), True),
                                                     (2, 1, False)])
def test_lp_pool2d_matches_torch(norm_type, kernel, stride, ceil_mode):
    torch = pytest.importorskip("torch")
    x = np.abs(np.random.default_rng(0).standard_normal((2, 3, 7, 8))) + 0.1
    compare_with_torch(nn.LPPool2d(norm_type, kernel, stride, ceil_mode),
                       torch.nn.LPPool2d(norm_type, kernel, stride, ceil_mode), x)
    ref = torch.nn.functional.lp_pool2d(torch.tensor(x[0]), norm_type, kernel, stride, ceil_mode)
    np.testing.assert_allclose(F.lp_pool2d(mg.tensor(x[0]), norm_type, kernel, stride,
                                           ceil_mode).numpy(), ref.numpy(), rtol=1e-12)


@pytest.mark.parametrize("norm_type", [1, 2, 4.0, float("inf")])
@pytest.mark.parametrize("kernel,stride,ceil_mode", [(3, None, False), (3, 2, True),
                                                     (2, 1, False), (4, 3, True)])
def test_lp_pool1d_matches_torch(norm_type, kernel, stride, ceil_mode):
    torch = pytest.importorskip("torch")
    x = np.abs(np.random.default_rng(1).standard_normal((2, 3, 9))) + 0.1
    compare_with_torch(nn.LPPool1d(norm_type, kernel, stride, ceil_mode),
                       torch.nn.LPPool1d(norm_type, kernel, stride, ceil_mode), x)
    ref = torch.nn.functional.lp_pool1d(torch.tensor(x[0]), norm_type, kernel, stride, ceil_mode)
    np.testing.assert_allclose(F.lp_pool1d(mg.tensor(x[0]), norm_type, kernel, stride,
                                           ceil_mode).numpy(), ref.numpy(), rtol=1e-12)


def test_lp_pool_sign_handling_as_torch():
    """Odd p on mixed signs: a negative window sum goes through sign * relu(|s|) then the
    root (NaN, as torch); an even p is the p-norm of each window."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((1, 2, 6, 6))
    for p in (2, 3, 1):
        ours = F.lp_pool2d(mg.tensor(x), p, 2).numpy()
        theirs = torch.nn.functional.lp_pool2d(torch.tensor(x), p, 2).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, equal_nan=True)
    windows = x.reshape(1, 2, 3, 2, 3, 2).transpose(0, 1, 2, 4, 3, 5).reshape(1, 2, 3, 3, 4)
    np.testing.assert_allclose(F.lp_pool2d(mg.tensor(x), 2, 2).numpy(),
                               np.sqrt((windows ** 2).sum(-1)), rtol=1e-12)


def test_lp_pool_all_zero_window_has_zero_gradient_as_torch():
    torch = pytest.importorskip("torch")
    x = np.abs(np.random.default_rng(7).standard_normal((1, 2, 4, 4)))
    x[:, :, :2, :2] = 0.0
    for p in (2, 3):
        xs = mg.tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        F.lp_pool2d(xs, p, 2).sum().backward()
        torch.nn.functional.lp_pool2d(xt, p, 2).sum().backward()
        assert np.isfinite(xs.grad.numpy()).all()
        np.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


def test_lp_pool_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(3)
    x = mg.tensor(np.abs(rng.standard_normal((2, 2, 5, 5))) + 0.2, requires_grad=True)
    assert mg.gradcheck(lambda x: F.lp_pool2d(x, 2.5, 3, 2, ceil_mode=True), (x,))
    assert mg.gradgradcheck(lambda x: F.lp_pool2d(x, 2, 2), (x,))
    y = mg.tensor(np.abs(rng.standard_normal((2, 3, 7))) + 0.2, requires_grad=True)
    assert mg.gradcheck(lambda y: F.lp_pool1d(y, 3, 3, 2), (y,))
    # non-contiguous input
    assert mg.gradcheck(lambda x: F.lp_pool2d(x.transpose(2, 3), 2, 2), (x,))


def test_lp_pool_float32_and_errors():
    x = (mg.rand(2, 3, 6, 6) + 0.5).requires_grad_()
    for out in (F.lp_pool2d(x, np.float64(2.0), 2), nn.LPPool1d(3, 2)(x[:, :, 0]),
                F.lp_pool1d(x[:, :, 0], np.float64(1.5), 3, 1)):
        assert out.dtype == mg.float32
        out.sum().backward()
        assert x.grad.dtype == mg.float32
    with pytest.raises(ValueError, match="lp_pool2d: expected a 3-D .unbatched. or 4-D"):
        F.lp_pool2d(mg.ones(6, 6), 2, 2)
    with pytest.raises(ValueError, match="LPPool1d: norm_type must be a non-zero number"):
        nn.LPPool1d(0, 2)
    with pytest.raises(ValueError, match="lp_pool1d: input of shape .* is too small"):
        F.lp_pool1d(mg.ones(1, 2, 2), 2, 3)
    with pytest.raises(TypeError, match="lp_pool2d: expected a floating-point input"):
        F.lp_pool2d(mg.ones(1, 2, 4, 4, dtype=mg.int64), 2, 2)


# --- max unpooling -------------------------------------------------------------------------------
def _unpool_case(torch, x, kernel, stride, padding, output_size, dims):
    pool_t = getattr(torch.nn.functional, f"max_pool{dims}d")
    y_t, i_t = pool_t(torch.tensor(x), kernel, stride, padding, return_indices=True)
    pool = getattr(F, f"max_pool{dims}d")
    y, i = pool(mg.tensor(x), kernel, stride, padding, return_indices=True)
    np.testing.assert_array_equal(i.numpy(), i_t.numpy())
    layer = getattr(nn, f"MaxUnpool{dims}d")(kernel, stride, padding)
    twin = getattr(torch.nn, f"MaxUnpool{dims}d")(kernel, stride, padding)
    assert repr(layer) == repr(twin)
    ys = mg.tensor(y.numpy(), requires_grad=True)
    yt = y_t.detach().clone().requires_grad_()
    out = layer(ys, i, output_size=output_size)
    ref = twin(yt, i_t, output_size=output_size)
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    g = np.random.default_rng(0).standard_normal(tuple(ref.shape))
    out.backward(mg.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_array_equal(ys.grad.numpy(), yt.grad.numpy())
    functional = getattr(F, f"max_unpool{dims}d")(ys, i, kernel, stride, padding, output_size)
    np.testing.assert_array_equal(functional.detach().numpy(), ref.detach().numpy())


@pytest.mark.parametrize("kernel,stride,padding,output_size", [
    (2, None, 0, None), (2, None, 0, (7, 9)), (3, 2, 1, (7, 8)), ((2, 3), (2, 2), (1, 1), (7, 8)),
    (2, 2, 0, [2, 3, 7, 8]), (3, 1, 0, None)])
def test_max_unpool2d_matches_torch(kernel, stride, padding, output_size):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(4).standard_normal((2, 3, 7, 8))
    _unpool_case(torch, x, kernel, stride, padding, output_size, 2)
    _unpool_case(torch, x[0], kernel, stride, padding,
                 None if output_size is None else tuple(output_size)[-2:], 2)


@pytest.mark.parametrize("kernel,stride,padding,output_size", [
    (2, None, 0, None), (2, None, 0, (9,)), (3, 2, 1, None), (3, 1, 0, None), (2, 2, 0, [2, 3, 9])])
def test_max_unpool1d_matches_torch(kernel, stride, padding, output_size):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(5).standard_normal((2, 3, 9))
    _unpool_case(torch, x, kernel, stride, padding, output_size, 1)
    _unpool_case(torch, x[0], kernel, stride, padding,
                 None if output_size is None else tuple(output_size)[-1:], 1)


def test_max_unpool_inverts_max_pool_where_it_picked():
    x = mg.randn(2, 3, 6, 6, dtype=mg.float64)
    y, i = F.max_pool2d(x, 2, return_indices=True)
    out = F.max_unpool2d(y, i, 2).numpy()
    xs = x.numpy()
    picked = out != 0
    np.testing.assert_array_equal(out[picked], xs[picked])
    assert picked.reshape(2, 3, 3, 2, 3, 2).sum(axis=(3, 5)).max() == 1  # one per window


def test_max_unpool_gradcheck_gradgradcheck_and_float32():
    rng = np.random.default_rng(6)
    y = mg.tensor(rng.standard_normal((2, 2, 3, 3)), requires_grad=True)
    _, idx = F.max_pool2d(mg.tensor(rng.standard_normal((2, 2, 6, 6))), 2, return_indices=True)
    assert mg.gradcheck(lambda y: F.max_unpool2d(y, idx, 2), (y,))
    assert mg.gradgradcheck(lambda y: F.max_unpool2d(y, idx, 2), (y,))
    assert mg.gradcheck(lambda y: F.max_unpool2d(y.transpose(2, 3), idx, 2), (y,))
    y32 = mg.randn(2, 2, 3, 3, requires_grad=True)
    out = nn.MaxUnpool2d(2)(y32, idx)
    out.sum().backward()
    assert out.dtype == y32.grad.dtype == mg.float32
    z32 = mg.randn(2, 3, requires_grad=True)
    _, i1 = F.max_pool1d(mg.randn(2, 6), 2, return_indices=True)
    out = F.max_unpool1d(z32, i1, 2)
    out.sum().backward()
    assert out.shape == (2, 6) and out.dtype == z32.grad.dtype == mg.float32


def test_max_unpool_errors_as_torch():
    y, i = F.max_pool2d(mg.randn(1, 1, 4, 4), 2, return_indices=True)
    with pytest.raises(RuntimeError, match=r"max_unpool2d: Found an invalid max index: 99 "
                                           r"\(output volumes are of size 4x4\)"):
        F.max_unpool2d(y, mg.tensor([[[[0, 1], [2, 99]]]]), 2)
    with pytest.raises(ValueError, match=r'max_unpool2d: invalid output_size "\(9, 9\)" \(dim 0 '
                                         r"must be between 2 and 6\)"):
        F.max_unpool2d(y, i, 2, output_size=(9, 9))
    with pytest.raises(ValueError, match="output_size should be a sequence containing 2 or 4 "
                                         "elements, but it has a length of '3'"):
        F.max_unpool2d(y, i, 2, output_size=(1, 4, 4))
    with pytest.raises(RuntimeError, match=r"Expected shape of indices to be same as that of the "
                                           r"input tensor \(\(1, 1, 2, 2\)\)"):
        F.max_unpool2d(y, i.reshape(1, 1, 4), 2)
    with pytest.raises(RuntimeError, match="elements in indices should be type int64 but got: "
                                           "int32"):
        F.max_unpool2d(y, i.to(mg.int32), 2)
    with pytest.raises(RuntimeError, match=r"MaxUnpool2d: expected a 3-D \(unbatched\) or 4-D"):
        nn.MaxUnpool2d(2)(y.reshape(2, 2), i.reshape(2, 2))
    with pytest.raises(TypeError, match="max_unpool1d: expected input and indices tensors"):
        F.max_unpool1d(y, [0, 1], 2)
