"""F.affine_grid and F.grid_sample (ops/affine_grid.py, ops/grid_sample.py): PyTorch parity
forward and backward (input, grid and theta gradients) over every mode, padding mode and
align_corners setting in 2-D and 3-D, float64 gradcheck / gradgradcheck, float32 kept, the
identity warp, spatial-transformer composition, warnings and errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from tests.nn._torch_compare import compare_fn, rand

MODES_2D = ["bilinear", "nearest", "bicubic"]
MODES_3D = ["bilinear", "nearest"]
PADDINGS = ["zeros", "border", "reflection"]


def _grid(shape, seed=1, reach=1.6):
    """Positions in [-reach, reach]: some outside the image, to exercise the padding."""
    return np.random.default_rng(seed).uniform(-reach, reach, shape)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("mode", MODES_2D)
def test_grid_sample_2d_matches_torch(mode, padding_mode, align_corners) -> None:
    torch = pytest.importorskip("torch")
    compare_fn(lambda x, g: F.grid_sample(x, g, mode, padding_mode, align_corners),
               lambda x, g: torch.nn.functional.grid_sample(x, g, mode, padding_mode,
                                                            align_corners),
               rand((2, 3, 4, 5)), _grid((2, 3, 6, 2)))


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("mode", MODES_3D)
def test_grid_sample_3d_matches_torch(mode, padding_mode, align_corners) -> None:
    torch = pytest.importorskip("torch")
    compare_fn(lambda x, g: F.grid_sample(x, g, mode, padding_mode, align_corners),
               lambda x, g: torch.nn.functional.grid_sample(x, g, mode, padding_mode,
                                                            align_corners),
               rand((2, 2, 3, 4, 5)), _grid((2, 2, 3, 4, 3)))


@pytest.mark.parametrize("padding_mode", PADDINGS)
def test_grid_sample_far_outside_and_size_one(padding_mode) -> None:
    """Positions many image-widths away (reflection folds several times) and a size-1 axis."""
    torch = pytest.importorskip("torch")
    for align_corners in (False, True):
        compare_fn(lambda x, g: F.grid_sample(x, g, "bilinear", padding_mode, align_corners),
                   lambda x, g: torch.nn.functional.grid_sample(x, g, "bilinear",
                                                                padding_mode, align_corners),
                   rand((1, 2, 1, 4)), _grid((1, 5, 3, 2), seed=4, reach=7.0))


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("dims", [2, 3])
def test_affine_grid_matches_torch(dims, align_corners) -> None:
    torch = pytest.importorskip("torch")
    size = (2, 3, 4, 5) if dims == 2 else (2, 3, 2, 4, 5)
    compare_fn(lambda t: F.affine_grid(t, size, align_corners),
               lambda t: torch.nn.functional.affine_grid(t, size, align_corners),
               rand((2, dims, dims + 1)))


def test_spatial_transformer_matches_torch() -> None:
    """theta -> affine_grid -> grid_sample: the gradient reaches theta, as in an STN."""
    torch = pytest.importorskip("torch")
    theta = np.array([[[0.9, 0.2, 0.1], [-0.1, 1.1, -0.2]],
                      [[1.2, -0.3, 0.05], [0.25, 0.8, 0.1]]])

    def warp(lib, x, t):
        fn = lib.nn.functional
        return fn.grid_sample(x, fn.affine_grid(t, (2, 3, 5, 6), align_corners=False),
                              padding_mode="border", align_corners=False)
    compare_fn(lambda x, t: warp(mg, x, t), lambda x, t: warp(torch, x, t), rand((2, 3, 4, 7)),
               theta)


@pytest.mark.parametrize("align_corners", [False, True])
def test_identity_warp_returns_the_input(align_corners) -> None:
    x = mg.tensor(rand((2, 3, 4, 5)))
    theta = mg.tensor(np.tile(np.eye(2, 3), (2, 1, 1)))
    grid = F.affine_grid(theta, (2, 3, 4, 5), align_corners)
    for mode in MODES_2D:
        out = F.grid_sample(x, grid, mode, align_corners=align_corners)
        np.testing.assert_allclose(out.numpy(), x.numpy(), rtol=0, atol=1e-12)


def test_non_contiguous_inputs() -> None:
    torch = pytest.importorskip("torch")
    compare_fn(lambda x, g: F.grid_sample(x.permute(0, 3, 1, 2), g.transpose(1, 2),
                                          align_corners=True),
               lambda x, g: torch.nn.functional.grid_sample(x.permute(0, 3, 1, 2),
                                                            g.transpose(1, 2),
                                                            align_corners=True),
               rand((2, 4, 5, 3)), _grid((2, 6, 3, 2)))


@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_grid_sample_gradcheck(mode, padding_mode) -> None:
    x = mg.tensor(rand((1, 2, 3, 4)), requires_grad=True)
    g = mg.tensor(_grid((1, 2, 3, 2), seed=7), requires_grad=True)
    assert mg.gradcheck(lambda a, b: F.grid_sample(a, b, mode, padding_mode, True), (x, g))
    assert mg.gradcheck(lambda a, b: F.grid_sample(a, b, mode, padding_mode, False), (x, g))


def test_grid_sample_3d_and_nearest_gradcheck() -> None:
    x = mg.tensor(rand((1, 2, 2, 3, 3)), requires_grad=True)
    g = mg.tensor(_grid((1, 2, 2, 2, 3), seed=8), requires_grad=True)
    assert mg.gradcheck(lambda a, b: F.grid_sample(a, b, "bilinear", "reflection", False),
                        (x, g))
    x2 = mg.tensor(rand((1, 2, 3, 4)), requires_grad=True)
    g2 = mg.tensor(_grid((1, 2, 3, 2), seed=9))
    assert mg.gradcheck(lambda a: F.grid_sample(a, g2, "nearest", "border", False), (x2,))


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_grid_sample_gradgradcheck(mode) -> None:
    x = mg.tensor(rand((1, 1, 3, 3)), requires_grad=True)
    g = mg.tensor(_grid((1, 1, 2, 2), seed=11), requires_grad=True)
    assert mg.gradgradcheck(lambda a, b: F.grid_sample(a, b, mode, "reflection", False), (x, g))


def test_affine_grid_gradcheck_and_gradgradcheck() -> None:
    theta = mg.tensor(rand((2, 3, 4)), requires_grad=True)
    fn = lambda t: F.affine_grid(t, (2, 1, 2, 3, 2), align_corners=True)  # noqa: E731
    assert mg.gradcheck(fn, (theta,)) and mg.gradgradcheck(fn, (theta,))


def test_nearest_gives_the_grid_a_zero_gradient() -> None:
    """As PyTorch: the nearest pixel does not move with the grid, so its gradient is 0, not
    missing, and backward works when only the grid requires grad."""
    x = mg.tensor(rand((1, 2, 3, 4)))
    g = mg.tensor(_grid((1, 2, 2, 2)), requires_grad=True)
    F.grid_sample(x, g, "nearest", align_corners=False).sum().backward()
    assert g.grad is not None and not np.any(g.grad.numpy())


@pytest.mark.parametrize("mode", MODES_2D)
def test_float32_stays_float32(mode) -> None:
    x = mg.randn(2, 3, 4, 5).requires_grad_()
    theta = (mg.randn(2, 2, 3) * 0.3).requires_grad_()
    grid = F.affine_grid(theta, (2, 3, 3, 4), align_corners=False)
    assert grid.dtype == mg.float32
    out = F.grid_sample(x, grid, mode, "reflection", align_corners=False)
    assert out.dtype == mg.float32
    out.sum().backward()
    assert x.grad.dtype == mg.float32 and theta.grad.dtype == mg.float32


def test_empty_output_grid() -> None:
    torch = pytest.importorskip("torch")
    x, g = rand((2, 3, 4, 5)), np.zeros((2, 0, 3, 2))
    ours = F.grid_sample(mg.tensor(x), mg.tensor(g), align_corners=False)
    theirs = torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(g),
                                             align_corners=False)
    assert tuple(ours.shape) == tuple(theirs.shape) == (2, 3, 0, 3)


def test_empty_batch_and_channels() -> None:
    assert F.grid_sample(mg.zeros(0, 2, 3, 4), mg.zeros(0, 2, 2, 2),
                         align_corners=False).shape == (0, 2, 2, 2)
    assert F.grid_sample(mg.zeros(1, 0, 3, 4), mg.zeros(1, 2, 2, 2),
                         align_corners=False).shape == (1, 0, 2, 2)


@pytest.mark.parametrize("mode", MODES_2D)
def test_non_finite_positions_do_not_warn_or_spread(mode) -> None:
    """inf/nan positions are left to the implementation (PyTorch's own answers differ by
    padding mode); they must not warn, crash or disturb the finite positions' outputs."""
    torch = pytest.importorskip("torch")
    x = rand((1, 2, 3, 4))
    g = np.array([[[[np.nan, 0.2], [np.inf, 0.1]], [[-np.inf, 0.3], [0.5, -0.25]]]])
    for padding_mode in PADDINGS:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = F.grid_sample(mg.tensor(x), mg.tensor(g), mode, padding_mode, False)
        expected = torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(g), mode,
                                                   padding_mode, False)
        np.testing.assert_allclose(out.numpy()[..., 1, 1], expected.numpy()[..., 1, 1],
                                   rtol=1e-12)


def test_align_corners_none_warns_and_means_false() -> None:
    x, g = mg.tensor(rand((1, 1, 3, 3))), mg.tensor(_grid((1, 2, 2, 2)))
    theta = mg.tensor(rand((1, 2, 3)))
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        out = F.grid_sample(x, g)
    np.testing.assert_array_equal(out.numpy(), F.grid_sample(x, g, align_corners=False).numpy())
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        grid = F.affine_grid(theta, (1, 1, 3, 3))
    np.testing.assert_array_equal(grid.numpy(),
                                  F.affine_grid(theta, (1, 1, 3, 3), False).numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.grid_sample(x, g, align_corners=True)


@pytest.mark.parametrize("x_shape,g_shape,kwargs,error,match", [
    ((1, 2, 3, 4), (1, 2, 2, 3), {}, RuntimeError, r"size 2 in last dimension.*\(1, 2, 2, 3\)"),
    ((2, 2, 3, 4), (1, 2, 2, 2), {}, RuntimeError, r"same batch size.*\(2, 2, 3, 4\)"),
    ((1, 2, 3, 4), (1, 2, 2, 2, 3), {}, RuntimeError, "4D or 5D input and grid"),
    ((1, 2, 3), (1, 2, 2), {}, RuntimeError, "4D or 5D input and grid"),
    ((1, 2, 0, 4), (1, 2, 2, 2), {}, RuntimeError, "dimension 2 being empty"),
    ((1, 2, 2, 3, 4), (1, 2, 2, 2, 3), {"mode": "bicubic"}, RuntimeError, "bicubic"),
    ((1, 2, 3, 4), (1, 2, 2, 2), {"mode": "linear"}, ValueError, "expected mode"),
    ((1, 2, 3, 4), (1, 2, 2, 2), {"padding_mode": "wrap"}, ValueError, "padding_mode"),
])
def test_grid_sample_errors(x_shape, g_shape, kwargs, error, match) -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(error, match=match):
        F.grid_sample(mg.zeros(x_shape), mg.zeros(g_shape), align_corners=False, **kwargs)
    with pytest.raises(error):  # the same exception type as PyTorch
        torch.nn.functional.grid_sample(torch.zeros(x_shape), torch.zeros(g_shape),
                                        align_corners=False, **kwargs)


def test_grid_sample_dtype_mismatch() -> None:
    with pytest.raises(RuntimeError, match="same dtype.*float32.*float64"):
        F.grid_sample(mg.zeros(1, 1, 2, 2), mg.zeros((1, 2, 2, 2), dtype=mg.float64),
                      align_corners=False)


@pytest.mark.parametrize("theta_shape,size,error,match", [
    ((2, 3, 3), (2, 3, 4, 5), ValueError, r"Nx2x3 for size \(2, 3, 4, 5\)"),
    ((2, 2, 3), (2, 3, 2, 4, 5), ValueError, "Nx3x4"),
    ((2, 2, 3), (2, 3, 4), NotImplementedError, "4D and 5D sizes"),
    ((2, 2, 3), (2, 3, 0, 5), ValueError, "positive output size"),
])
def test_affine_grid_errors(theta_shape, size, error, match) -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(error, match=match):
        F.affine_grid(mg.zeros(theta_shape), size, align_corners=False)
    with pytest.raises(error):
        torch.nn.functional.affine_grid(torch.zeros(theta_shape), size, align_corners=False)
    with pytest.raises(ValueError, match="floating point"):
        F.affine_grid(mg.zeros((2, 2, 3), dtype=mg.int64), (2, 3, 4, 5), align_corners=False)
