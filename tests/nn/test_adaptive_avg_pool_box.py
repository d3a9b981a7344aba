"""Adaptive average pooling with equal windows (BoxMean: separable strided sums; backward
BoxSpread, each the other's adjoint): float64 gradcheck and gradgradcheck, PyTorch parity in
float64 and float32 (global pooling, square and oblong tiles, a channels-last input), float32
through double backward."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.ops.pooling import adaptive_avg_pool2d

# (input shape, output size): global, 4x4 tiles, 2x2, oblong 3x1 tiles, whole rows
CASES = [((2, 3, 8, 8), 1), ((2, 3, 16, 16), 4), ((1, 2, 14, 14), 7), ((2, 2, 9, 4), (3, 4)),
         ((1, 3, 6, 10), (6, 1))]


@pytest.mark.parametrize("shape,size", CASES, ids=str)
def test_gradients(shape, size):
    x = mg.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    assert mg.gradcheck(lambda x: adaptive_avg_pool2d(x, size), (x,))
    assert mg.gradgradcheck(lambda x: adaptive_avg_pool2d(x, size) ** 2, (x,))


@pytest.mark.parametrize("channels_last", [False, True], ids=["nchw", "channels_last"])
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 1e-6)], ids=str)
@pytest.mark.parametrize("shape,size", CASES, ids=str)
def test_matches_torch(shape, size, dtype, tol, channels_last):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    xm = mg.tensor(x, requires_grad=True)
    if channels_last:  # stored (N, H, W, C), as a convolution's output
        stored = mg.tensor(np.ascontiguousarray(x.transpose(0, 2, 3, 1)), requires_grad=True)
        xm = stored.permute(0, 3, 1, 2)
    xt = torch.tensor(x, requires_grad=True)
    ym, yt = adaptive_avg_pool2d(xm, size), torch.nn.functional.adaptive_avg_pool2d(xt, size)
    assert ym.dtype == dtype and ym.shape == tuple(yt.shape)
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
    g = np.random.default_rng(2).standard_normal(tuple(yt.shape)).astype(dtype)
    ym.backward(mg.tensor(g))
    yt.backward(torch.tensor(g))
    grad = (stored.grad.numpy().transpose(0, 3, 1, 2) if channels_last else xm.grad.numpy())
    assert grad.dtype == dtype
    np.testing.assert_allclose(grad, xt.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("size", [1, 2])
def test_double_backward_stays_float32(size):
    x = mg.randn(2, 3, 8, 8, requires_grad=True)
    (gx,) = mg.autograd.grad([(adaptive_avg_pool2d(x, size) ** 2).sum()], [x], create_graph=True)
    (ggx,) = mg.autograd.grad([(gx * gx).sum()], [x])
    assert gx.dtype == mg.float32 and ggx.dtype == mg.float32
    assert np.all(np.isfinite(ggx.numpy())) and np.any(ggx.numpy())


@pytest.mark.parametrize("unbatched", [False, True], ids=["batched", "unbatched"])
def test_global_3d_pools_are_one_stage_over_the_volume(unbatched):
    """Global 3-D pooling runs one 2-D stage over each (D, H*W) plane: gradients of any
    order, and the max's flat index d*H*W + h*W + w."""
    import minigrad.nn.functional as F
    shape = (3, 4, 3, 5) if unbatched else (2, 3, 4, 3, 5)
    n = int(np.prod(shape))
    x = mg.tensor((np.random.default_rng(3).permutation(n) * 0.1).reshape(shape),
                  requires_grad=True)
    for pool in (F.adaptive_avg_pool3d, F.adaptive_max_pool3d):
        assert mg.gradcheck(lambda x: pool(x, 1), (x,))
        assert mg.gradgradcheck(lambda x: pool(x, 1) ** 2, (x,))
    value, index = F.adaptive_max_pool3d(x, 1, return_indices=True)
    planes = x.detach().numpy().reshape(shape[:-3] + (-1,))
    assert value.shape == index.shape == shape[:-3] + (1, 1, 1)
    np.testing.assert_array_equal(index.numpy().reshape(shape[:-3]), planes.argmax(-1))
    np.testing.assert_array_equal(value.detach().numpy().reshape(shape[:-3]), planes.max(-1))
