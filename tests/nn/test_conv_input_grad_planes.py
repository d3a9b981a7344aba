"""conv2d's input gradient for an NCHW output gradient and few input channels (the ResNet stem's
3): one product per image and col2im on NCHW planes (``_input_grad_planes``). It must give
PyTorch's gradients and the channels-last path's, at any stride, padding and dilation, and
as conv_transpose2d's forward (which is the same kernel)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.backend import get_backend
from minigrad.ops import convolution as conv

CASES = [  # (in, out, kernel, stride, padding, dilation)
    (3, 8, 7, 2, 3, 1),   # the stem's geometry
    (1, 4, 3, 1, 1, 1),
    (3, 5, 3, 3, (2, 0), 2),
    (7, 6, (2, 4), (1, 2), 1, (2, 1)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES)
def test_planes_path_equals_channels_last_path(case, dtype):
    c, o, k, s, p, d = case
    rng = np.random.default_rng(0)
    shape = (2, c, 11, 10)
    w = rng.standard_normal((o, c) + ((k, k) if isinstance(k, int) else k)).astype(dtype)
    geo = conv.conv_geometry(shape, w.shape, s, p, d, 1, "test")
    grad = rng.standard_normal((2, o) + geo.out_size).astype(dtype)
    backend = get_backend("cpu")
    planes = conv._input_grad(grad, w, geo, shape, backend)  # NCHW: the planes path
    rows = conv._input_grad(np.ascontiguousarray(grad.transpose(0, 2, 3, 1)).transpose(
        0, 3, 1, 2), w, geo, shape, backend)  # channels-last: the col2im over runs of C
    assert planes.shape == shape and planes.dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(planes, rows, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES)
def test_input_grad_matches_torch(case, dtype):
    torch = pytest.importorskip("torch")
    c, o, k, s, p, d = case
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, c, 12, 9)).astype(dtype)
    w = rng.standard_normal((o, c) + ((k, k) if isinstance(k, int) else k)).astype(dtype)
    ours = [mg.tensor(a, requires_grad=True) for a in (x, w)]
    out = mg.nn.functional.conv2d(*ours, stride=s, padding=p, dilation=d)
    grad = rng.standard_normal(tuple(out.shape)).astype(dtype)  # NCHW, C-contiguous
    out.backward(mg.tensor(grad))
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w)]
    torch.nn.functional.conv2d(*theirs, stride=s, padding=p, dilation=d).backward(
        torch.tensor(grad))
    tol = 1e-4 if dtype == np.float32 else 1e-10
    for a, t in zip(ours, theirs):
        assert a.grad.dtype == dtype
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol)


def test_conv_transpose2d_to_few_channels_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 6, 5, 4)).astype(np.float32)
    w = rng.standard_normal((6, 3, 4, 3)).astype(np.float32)  # 6 -> 3 channels
    ours = [mg.tensor(a, requires_grad=True) for a in (x, w)]
    out = mg.nn.functional.conv_transpose2d(*ours, stride=2, padding=1, output_padding=1)
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w)]
    ref = torch.nn.functional.conv_transpose2d(*theirs, stride=2, padding=1, output_padding=1)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-4, atol=1e-4)
    grad = rng.standard_normal(tuple(out.shape)).astype(np.float32)
    out.backward(mg.tensor(grad))
    ref.backward(torch.tensor(grad))
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_gradcheck_and_gradgradcheck_through_the_planes_path():
    rng = np.random.default_rng(3)
    x = mg.tensor(rng.standard_normal((2, 3, 7, 6)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    f = lambda x, w: mg.nn.functional.conv2d(x, w, stride=2, padding=1, dilation=(1, 2))  # noqa: E731
    assert mg.gradcheck(f, (x, w))
    assert mg.gradgradcheck(f, (x, w))
