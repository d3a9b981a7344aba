"""F.interpolate, Upsample, UpsamplingNearest2d and UpsamplingBilinear2d: gradients (float64
gradcheck and gradgradcheck), NumPy references for the index and weight rules, PyTorch parity
(forward and backward, float64 and float32) including non-integer scale factors, memory
layouts, repr and errors."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.nn.upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from minigrad.ops.upsample import interpolate


def _input(shape, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


SIZES_2D = [dict(size=(10, 8)), dict(size=(3, 2)), dict(size=(6, 11)), dict(size=5),
            dict(scale_factor=2), dict(scale_factor=1.7), dict(scale_factor=(0.6, 2.3)),
            dict(scale_factor=3.3), dict(scale_factor=1.1),
            dict(scale_factor=1.3, recompute_scale_factor=True)]
MODES_2D = [("nearest", None), ("nearest-exact", None), ("bilinear", False),
            ("bilinear", True), ("area", None)]
CASES_2D = [((2, 3, 5, 4), m, ac, kw) for m, ac in MODES_2D for kw in SIZES_2D]
SIZES_1D = [dict(size=13), dict(size=4), dict(scale_factor=1.7), dict(scale_factor=0.45),
            dict(scale_factor=1.1)]
MODES_1D = [("nearest", None), ("nearest-exact", None), ("linear", False), ("linear", True),
            ("area", None)]
CASES_1D = [((2, 3, 7), m, ac, kw) for m, ac in MODES_1D for kw in SIZES_1D]
CASES = CASES_2D + CASES_1D


def _ids(cases):
    return [f"{len(shape) - 2}d-{m}-{ac}-{kw}" for shape, m, ac, kw in cases]


# --- gradients ---------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,mode,align_corners,kwargs", CASES[::2], ids=_ids(CASES[::2]))
def test_gradcheck_and_gradgradcheck(shape, mode, align_corners, kwargs):
    x = mg.tensor(_input((1, 2) + shape[2:]), requires_grad=True)

    def fn(x):
        return interpolate(x, mode=mode, align_corners=align_corners, **kwargs)
    assert mg.gradcheck(fn, (x,))
    assert mg.gradgradcheck(lambda x: fn(x) ** 2, (x,))


# --- references that need no PyTorch --------------------------------------------------------------
@pytest.mark.parametrize("size", [(10, 8), (3, 2), (7, 5), (6, 11)])
def test_nearest_with_a_size_reads_floor_of_dst_times_in_over_out(size):
    x = _input((2, 3, 5, 4))
    out = interpolate(mg.tensor(x), size=size).numpy()
    rows = [min(math.floor(np.float32(i) * np.float32(5 / size[0])), 4) for i in range(size[0])]
    cols = [min(math.floor(np.float32(j) * np.float32(4 / size[1])), 3) for j in range(size[1])]
    np.testing.assert_array_equal(out, x[:, :, rows][:, :, :, cols])


def test_bilinear_align_corners_reference():
    """align_corners=True: the corners of input and output line up; src = dst*(in-1)/(out-1)."""
    x = _input((1, 2, 4, 3))
    out = interpolate(mg.tensor(x), size=(7, 5), mode="bilinear", align_corners=True).numpy()

    def weights(n_in, n_out):
        m = np.zeros((n_out, n_in))
        for j in range(n_out):
            src = j * (n_in - 1) / (n_out - 1)
            lo = min(int(math.floor(src)), n_in - 1)
            hi = min(lo + 1, n_in - 1)
            m[j, lo] += 1 - (src - lo)
            m[j, hi] += src - lo
        return m
    ref = weights(4, 7) @ x @ weights(3, 5).T
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out[..., [0, -1], :][..., [0, -1]],
                               x[..., [0, -1], :][..., [0, -1]], rtol=1e-12)


def test_nearest_backward_sums_the_copies():
    """Nearest upsampling by 2 copies each pixel 4 times: its gradient is the sum of 4."""
    x = mg.tensor(_input((1, 1, 3, 2)), requires_grad=True)
    g = _input((1, 1, 6, 4), seed=1)
    interpolate(x, scale_factor=2).backward(mg.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), g.reshape(1, 1, 3, 2, 2, 2).sum(axis=(3, 5)),
                               rtol=1e-12)


def test_same_size_is_a_copy_not_a_view():
    x = mg.tensor(_input((1, 2, 3, 4)), requires_grad=True)
    y = interpolate(x, size=(3, 4))
    np.testing.assert_array_equal(y.detach().numpy(), x.detach().numpy())
    assert y is not x
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((1, 2, 3, 4)))


# --- PyTorch parity ------------------------------------------------------------------------------
def _torch_backward_disagrees_with_its_forward(shape, mode, scale_factor) -> bool:
    """PyTorch 2.13's 1-D 'nearest' forward reads floor(dst / scale_factor), but its backward
    takes the same-size (dst) and doubled-size (dst // 2) shortcuts of the 2-D kernel, so where
    those differ its gradient is not the gradient of its output (its own gradcheck fails,
    checked below). minigrad's backward is the adjoint of the forward it matches."""
    if mode != "nearest" or len(shape) != 3 or scale_factor is None:
        return False
    n = shape[-1]
    out = math.floor(n * scale_factor)
    plain = [min(math.floor(np.float32(i) * np.float32(1.0 / scale_factor)), n - 1)
             for i in range(out)]
    return out in (n, 2 * n) and plain != [i if out == n else i // 2 for i in range(out)]


def _compare(torch, x, dtype, rtol, atol, **kwargs):
    xm = mg.tensor(x.astype(dtype), requires_grad=True)
    xt = torch.tensor(x.astype(dtype), requires_grad=True)
    ym, yt = interpolate(xm, **kwargs), torch.nn.functional.interpolate(xt, **kwargs)
    assert ym.dtype == dtype and ym.shape == tuple(yt.shape)
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=rtol, atol=atol)
    if not kwargs.get("recompute_scale_factor") and _torch_backward_disagrees_with_its_forward(
            x.shape, kwargs.get("mode", "nearest"), kwargs.get("scale_factor")):
        x64 = torch.tensor(x, requires_grad=True)
        assert not torch.autograd.gradcheck(lambda t: torch.nn.functional.interpolate(
            t, **kwargs), (x64,), raise_exception=False)
        assert mg.gradcheck(lambda t: interpolate(t, **kwargs), (mg.tensor(x, requires_grad=True),))
        return
    g = _input(tuple(yt.shape), seed=1).astype(dtype)
    ym.backward(mg.tensor(g))
    yt.backward(torch.tensor(g))
    assert xm.grad.dtype == dtype
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("shape,mode,align_corners,kwargs", CASES, ids=_ids(CASES))
def test_matches_torch(shape, mode, align_corners, kwargs):
    torch = pytest.importorskip("torch")
    x = _input(shape, seed=2)
    _compare(torch, x, np.float64, 1e-12, 1e-12, mode=mode, align_corners=align_corners,
             **kwargs)
    _compare(torch, x, np.float32, 1e-5, 1e-6, mode=mode, align_corners=align_corners, **kwargs)


@pytest.mark.parametrize("n,factor", [(7, 1.1), (40, 2.01), (9, 1.05), (6, 0.7)])
def test_torch_index_rules_for_unchanged_and_doubled_sizes(n, factor):
    """Where PyTorch's kernels take shortcuts: 2-D 'nearest' reads dst (same size) and dst // 2
    (doubled size) whatever the factor, its 1-D 'nearest' does not, and linear modes leave an
    axis whose size does not change as it is."""
    torch = pytest.importorskip("torch")
    for mode, shape, factors in (("nearest", (1, 2, n), factor),
                                 ("nearest", (1, 2, n, 3), (factor, 1.5)),
                                 ("nearest", (1, 2, 3, n), (1.5, factor)),
                                 ("linear", (1, 2, n), factor),
                                 ("bilinear", (1, 2, n, 4), (factor, 2.5))):
        _compare(torch, _input(shape, seed=3), np.float64, 1e-12, 1e-12, mode=mode,
                 scale_factor=factors)


def test_channels_last_input_matches_torch():
    torch = pytest.importorskip("torch")
    values = _input((2, 3, 5, 4), seed=4)
    x = mg.tensor(np.ascontiguousarray(values.transpose(0, 2, 3, 1))).permute(0, 3, 1, 2)
    x = x.detach().requires_grad_()
    assert not x.array.flags.c_contiguous
    xt = torch.tensor(values, requires_grad=True)
    for mode, ac in (("nearest", None), ("bilinear", False)):
        y = interpolate(x, scale_factor=1.5, mode=mode, align_corners=ac)
        yt = torch.nn.functional.interpolate(xt, scale_factor=1.5, mode=mode, align_corners=ac)
        np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
        (y * y).sum().backward()
        (yt * yt).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("layer,twin", [
    (lambda: Upsample(scale_factor=2), lambda t: t.nn.Upsample(scale_factor=2)),
    (lambda: Upsample(size=(7, 9), mode="bilinear"),
     lambda t: t.nn.Upsample(size=(7, 9), mode="bilinear")),
    (lambda: Upsample(scale_factor=(1.5, 0.8), mode="bilinear", align_corners=True),
     lambda t: t.nn.Upsample(scale_factor=(1.5, 0.8), mode="bilinear", align_corners=True)),
    (lambda: UpsamplingNearest2d(scale_factor=3), lambda t: t.nn.UpsamplingNearest2d(
        scale_factor=3)),
    (lambda: UpsamplingBilinear2d(size=(8, 3)), lambda t: t.nn.UpsamplingBilinear2d(
        size=(8, 3))),
], ids=["nearest-x2", "bilinear-size", "bilinear-corners", "UpsamplingNearest2d",
        "UpsamplingBilinear2d"])
def test_layers_match_torch(layer, twin):
    torch = pytest.importorskip("torch")
    ours, theirs = layer(), twin(torch)
    assert repr(ours) == repr(theirs)
    x = _input((2, 3, 4, 5), seed=5)
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ym, yt = ours(xm), theirs(xt)
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    ym.backward(mg.tensor(np.cos(x.sum()) * np.ones(tuple(yt.shape))))
    yt.backward(torch.tensor(np.cos(x.sum()) * np.ones(tuple(yt.shape))))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


# --- layers, dtypes, devices -------------------------------------------------------------------
def test_repr_and_exports():
    assert repr(Upsample(scale_factor=2)) == "Upsample(scale_factor=2.0, mode='nearest')"
    assert repr(Upsample(size=(3, 4), mode="bilinear")) == "Upsample(size=(3, 4), mode='bilinear')"
    assert repr(UpsamplingBilinear2d(size=5)) == "UpsamplingBilinear2d(size=5, mode='bilinear')"
    assert list(Upsample(scale_factor=2).state_dict()) == []
    assert nn.Upsample is Upsample and F.interpolate is interpolate


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "area", "nearest-exact"])
def test_float32_stays_float32(mode):
    x = mg.randn(2, 3, 5, 4, requires_grad=True)
    y = interpolate(x, scale_factor=1.7, mode=mode)
    assert y.dtype == mg.float32
    (gx,) = mg.autograd.grad([(y ** 2).sum()], [x], create_graph=True)
    assert gx.dtype == mg.float32
    gx.sum().backward()
    assert x.grad.dtype == mg.float32


def test_runs_on_a_strict_device():
    strict_backend = pytest.importorskip("strict_backend")
    strict_backend.register()
    x = mg.randn(2, 3, 5, 4, device="strict", requires_grad=True)
    y = (interpolate(x, scale_factor=1.7).sum()
         + interpolate(x, size=(9, 3), mode="bilinear").sum()
         + interpolate(x, scale_factor=2.5, mode="bilinear", align_corners=True).sum()
         + interpolate(x.flatten(2), size=7, mode="linear").sum())
    (gx,) = mg.autograd.grad([y * y], [x], create_graph=True)
    gx.sum().backward()
    assert gx.device == "strict" and x.grad.device == "strict"


# --- errors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["lanczos", "bicubic-aa"])
def test_unsupported_modes_are_named(mode):
    with pytest.raises(NotImplementedError, match=f"interpolate: mode='{mode}' is not supported"):
        interpolate(mg.randn(1, 1, 4, 4), scale_factor=2, mode=mode)
    with pytest.raises(NotImplementedError, match=f"Upsample: mode='{mode}' is not supported"):
        Upsample(scale_factor=2, mode=mode)(mg.randn(1, 1, 4, 4))


def test_bad_arguments():
    x = mg.randn(1, 2, 4, 4)
    with pytest.raises(ValueError, match="interpolate: only one of size or scale_factor"):
        interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="Upsample: either size or scale_factor should be"):
        Upsample()(x)
    with pytest.raises(ValueError, match="align_corners option can only be set with the "
                                         "interpolating modes"):
        interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(ValueError, match=r"mode='bilinear' needs a 4-D input, got shape "
                                         r"\(1, 2, 4\)"):
        interpolate(mg.randn(1, 2, 4), scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match=r"mode='linear' needs a 3-D input"):
        interpolate(x, scale_factor=2, mode="linear")
    with pytest.raises(ValueError, match=r"same number of spatial dimensions.*\(1, 2, 4, 4\).*"
                                         r"size=\(1, 2, 3\)"):
        interpolate(x, size=(1, 2, 3))
    with pytest.raises(ValueError, match="recompute_scale_factor is not meaningful with an "
                                         "explicit size"):
        interpolate(x, size=3, recompute_scale_factor=True)
    with pytest.raises(ValueError, match=r"scale_factor=0.1 makes an empty output"):
        interpolate(x, scale_factor=0.1)
    with pytest.raises(ValueError, match=r"expected a 3-D \(N, C, L\), 4-D \(N, C, H, W\) or "
                                         r"5-D \(N, C, D, H, W\) input, got shape \(4, 4\)"):
        interpolate(mg.randn(4, 4), scale_factor=2)
    with pytest.raises(ValueError, match=r"mode='trilinear' needs a 5-D input"):
        interpolate(x, scale_factor=2, mode="trilinear")
    with pytest.raises(NotImplementedError, match="antialias=True is not supported"):
        interpolate(x, scale_factor=2, mode="bilinear", antialias=True)
    with pytest.raises(TypeError, match="interpolate: expected a floating-point input"):
        interpolate(mg.tensor(np.ones((1, 1, 2, 2), dtype=np.int64)), scale_factor=2)
