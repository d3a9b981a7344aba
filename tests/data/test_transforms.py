"""Batch transforms: exact results where the geometry is exact, a SciPy oracle for
random affine resampling, per-sample randomness, dtypes and devices."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import transforms as T


def _batch(n=4, h=8, w=8, dtype=np.uint8, seed=0, channels=None):
    rng = np.random.default_rng(seed)
    shape = (n, h, w) if channels is None else (n, channels, h, w)
    a = rng.integers(0, 256, size=shape).astype(dtype)
    return mg.tensor(a), a


@pytest.fixture
def strict_device():
    strict_backend = pytest.importorskip("strict_backend")
    strict_backend.register()
    return "strict"


# --- preprocessing ------------------------------------------------------------------


def test_to_float_scales_and_adds_channel():
    x, a = _batch()
    y = T.ToFloat()(x)
    assert y.shape == (4, 1, 8, 8) and y.dtype == np.float32
    np.testing.assert_allclose(y.numpy()[:, 0], a / 255.0, rtol=0, atol=1e-7)
    z = T.ToFloat()(y)  # already float: unchanged
    np.testing.assert_array_equal(z.numpy(), y.numpy())
    with pytest.raises(TypeError, match="ToFloat: expected uint8 or floating images, got int64"):
        T.ToFloat()(mg.tensor(np.zeros((1, 2, 2), np.int64)))


def test_normalize_uint8_to_float32_nchw():
    x, a = _batch(n=3, h=28, w=28)
    y = T.Normalize((0.1307,), (0.3081,))(x)
    assert y.shape == (3, 1, 28, 28) and y.dtype == np.float32
    expected = (a.astype(np.float64) / 255 - 0.1307) / 0.3081
    np.testing.assert_allclose(y.numpy()[:, 0], expected, rtol=1e-6, atol=1e-6)


def test_normalize_per_channel_and_errors():
    a = np.random.default_rng(0).random((2, 3, 4, 4)).astype(np.float32)
    y = T.Normalize([0.1, 0.2, 0.3], [1.0, 2.0, 4.0])(mg.tensor(a))
    assert y.dtype == np.float32
    ref = (a - np.array([0.1, 0.2, 0.3], np.float32)[:, None, None]) / np.array([1, 2, 4], np.float32)[:, None, None]
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match=r"2 means/stds for a batch with 3 channels \(2, 3, 4, 4\)"):
        T.Normalize([0.1, 0.2], [1.0, 1.0])(mg.tensor(a))
    with pytest.raises(ValueError, match="contains a zero"):
        T.Normalize(0.5, 0.0)
    with pytest.raises(ValueError, match="same nonzero length"):
        T.Normalize([0.5, 0.5], [1.0])


def test_batch_shape_is_checked():
    with pytest.raises(ValueError, match=r"RandomAffine: expected a batch of shape N x H x W or N x C x H x W, got shape \(8, 8\)"):
        T.RandomAffine(10)(mg.tensor(np.zeros((8, 8), np.uint8)))
    with pytest.raises(TypeError, match="Normalize: expected a batch Tensor, got ndarray"):
        T.Normalize(0.0, 1.0)(np.zeros((1, 2, 2)))


# --- RandomAffine -----------------------------------------------------------------


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_affine_identity_is_exact(interpolation):
    x, a = _batch(n=5, h=9, w=7)
    y = T.RandomAffine(0, interpolation=interpolation)(x)
    assert y.dtype == np.uint8 and y.shape == a.shape
    np.testing.assert_array_equal(y.numpy(), a)


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
@pytest.mark.parametrize("size", [8, 9])
def test_affine_quarter_turn_is_rot90(interpolation, size):
    x, a = _batch(n=3, h=size, w=size, channels=2)
    y = T.RandomAffine((90, 90), interpolation=interpolation)(x)
    np.testing.assert_array_equal(y.numpy(), np.rot90(a, k=1, axes=(2, 3)))  # counter-clockwise


def test_affine_fill_outside_and_dtype_kept():
    a = np.full((2, 10, 10), 200, np.uint8)
    y = T.RandomAffine(0, scale=(0.5, 0.5), fill=7)(mg.tensor(a)).numpy()
    assert y.dtype == np.uint8
    assert (y[:, 0, :] == 7).all() and (y[:, :, -1] == 7).all()  # shrunk: borders uncovered
    assert (y[:, 3:7, 3:7] == 200).all()
    f = T.RandomAffine(30, interpolation="bilinear")(mg.tensor(np.ones((2, 1, 6, 6), np.float32)))
    assert f.dtype == np.float32 and f.shape == (2, 1, 6, 6)


def test_affine_bilinear_matches_scipy():
    ndimage = pytest.importorskip("scipy.ndimage")
    n, h, w = 6, 12, 10
    a = np.random.default_rng(1).random((n, h, w)).astype(np.float32)
    t = T.RandomAffine(40, translate=(0.2, 0.1), scale=(0.7, 1.3), shear=(-15, 15, -10, 10),
                       interpolation="bilinear", fill=0.25)
    y = t(mg.tensor(a), generator=np.random.default_rng(5)).numpy()
    (i00, i01, i10, i11), tx, ty = t._inverse_matrices(np, np.random.default_rng(5), n, h, w)
    cx, cy = (w - 1) / 2, (h - 1) / 2
    assert len(set(np.round(i00, 5).tolist())) == n  # every sample drew its own transform
    for k in range(n):
        inv = np.array([[i00[k], i01[k]], [i10[k], i11[k]]], np.float64)
        off_xy = np.array([cx, cy]) - inv @ np.array([cx + tx[k], cy + ty[k]], np.float64)
        matrix_rc = np.array([[inv[1, 1], inv[1, 0]], [inv[0, 1], inv[0, 0]]])  # scipy works in (row, col)
        ref = ndimage.affine_transform(a[k].astype(np.float64), matrix_rc, offset=(off_xy[1], off_xy[0]),
                                       order=1, mode="grid-constant", cval=0.25)
        np.testing.assert_allclose(y[k], ref, rtol=0, atol=2e-5)


def test_affine_same_transform_for_all_channels():
    a = np.repeat(np.random.default_rng(2).integers(0, 255, (4, 1, 12, 12)).astype(np.uint8), 3, axis=1)
    y = T.RandomAffine(30, translate=(0.1, 0.1), scale=(0.9, 1.1), shear=10)(mg.tensor(a)).numpy()
    assert (y[:, 0] == y[:, 1]).all() and (y[:, 0] == y[:, 2]).all()
    assert not (y == a).all()


def test_affine_reproducible_and_argument_checks():
    x, _ = _batch(n=8, h=12, w=12)
    t = T.RandomAffine(20, translate=(0.1, 0.1))
    mg.manual_seed(4)
    y1 = t(x).numpy()
    mg.manual_seed(4)
    np.testing.assert_array_equal(t(x).numpy(), y1)
    np.testing.assert_array_equal(t(x, generator=np.random.default_rng(9)).numpy(),
                                  t(x, generator=np.random.default_rng(9)).numpy())
    with pytest.raises(ValueError, match="translate must be two fractions"):
        T.RandomAffine(0, translate=(0.5, 2))
    with pytest.raises(ValueError, match="scale must be positive"):
        T.RandomAffine(0, scale=(0, 1))
    with pytest.raises(ValueError, match="interpolation must be 'nearest' or 'bilinear'"):
        T.RandomAffine(0, interpolation="bicubic")
    with pytest.raises(ValueError, match="degrees as a single number must be >= 0"):
        T.RandomAffine(-5)


# --- RandomCrop, flips, erasing ------------------------------------------------------


def test_random_crop_windows_of_the_padded_image():
    x, a = _batch(n=32, h=6, w=5, channels=2)
    y = T.RandomCrop((6, 5), padding=2)(x).numpy()
    padded = np.pad(a, ((0, 0), (0, 0), (2, 2), (2, 2)))
    offsets = set()
    for k in range(32):
        hits = [(i, j) for i in range(5) for j in range(5) if (padded[k, :, i:i + 6, j:j + 5] == y[k]).all()]
        assert hits, f"sample {k} is not a window of its padded image"
        offsets.add(hits[0])
    assert len(offsets) > 5  # offsets are drawn per sample
    np.testing.assert_array_equal(T.RandomCrop((6, 5))(x).numpy(), a)  # no padding, full size: identity


def test_random_crop_options_and_errors():
    x, a = _batch(n=3, h=4, w=4)
    y = T.RandomCrop(6, pad_if_needed=True, fill=9)(x).numpy()
    assert y.shape == (3, 6, 6)
    # torchvision pads by the whole shortfall on each side (4 -> 8), then crops at random.
    padded = np.pad(a, ((0, 0), (2, 2), (2, 2)), constant_values=9)
    for k in range(3):
        assert any((padded[k, i:i + 6, j:j + 6] == y[k]).all() for i in range(3) for j in range(3))
    e = T.RandomCrop(4, padding=(1, 0), padding_mode="edge")(x).numpy()
    assert e.shape == (3, 4, 4)
    with pytest.raises(ValueError, match=r"crop size \(5, 5\) is larger than the padded image \(4, 4\)"):
        T.RandomCrop(5)(x)
    with pytest.raises(ValueError, match="padding_mode"):
        T.RandomCrop(4, padding_mode="wrapped")


def test_horizontal_flip():
    x, a = _batch(n=64)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(x).numpy(), a[..., ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(0.0)(x).numpy(), a)
    y = T.RandomHorizontalFlip(0.5)(x).numpy()
    flipped = (y == a[..., ::-1]).all(axis=(1, 2))
    same = (y == a).all(axis=(1, 2))
    assert (flipped | same).all() and flipped.any() and same.any()
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        T.RandomHorizontalFlip(1.5)


def test_random_erasing_one_rectangle_per_image():
    n, h, w = 64, 20, 16
    x = mg.tensor(np.ones((n, 1, h, w), np.float32))
    y = T.RandomErasing(p=1.0, scale=(0.05, 0.2), value=0)(x).numpy()[:, 0]
    areas = []
    for k in range(n):
        rows, cols = np.nonzero(y[k] == 0)
        assert rows.size, f"sample {k} was not erased"
        r0, r1, c0, c1 = rows.min(), rows.max(), cols.min(), cols.max()
        assert (y[k, r0:r1 + 1, c0:c1 + 1] == 0).all() and rows.size == (r1 - r0 + 1) * (c1 - c0 + 1)
        areas.append(rows.size)
    assert min(areas) >= 0.05 * h * w * 0.5 and max(areas) <= 0.2 * h * w * 1.6 and len(set(areas)) > 3
    np.testing.assert_array_equal(T.RandomErasing(p=0.0)(x).numpy(), x.numpy())


def test_random_erasing_values():
    x, a = _batch(n=16, h=10, w=10, channels=3)
    y = T.RandomErasing(p=1.0, value=(1, 2, 3))(x).numpy()
    changed = (y != a).any(axis=1)
    assert y.dtype == np.uint8 and changed.any()
    for c, v in enumerate((1, 2, 3)):
        assert (y[:, c][changed] == v).all()
    f = T.RandomErasing(p=1.0, value="random")(mg.tensor(a.astype(np.float32))).numpy()
    assert f.dtype == np.float32 and (f != a).any()
    with pytest.raises(TypeError, match="value='random' needs floating images, got uint8"):
        T.RandomErasing(p=1.0, value="random")(x)
    with pytest.raises(ValueError, match="2 fill values for 3 channels"):
        T.RandomErasing(p=1.0, value=(1, 2))(x)


def test_compose_passes_generator_and_plain_callables():
    x, a = _batch(n=4, h=10, w=10)
    pipe = T.Compose([T.RandomCrop(10, padding=2), lambda t: t, T.RandomAffine(15), T.Normalize(0.5, 0.5)])
    y1 = pipe(x, generator=np.random.default_rng(3))
    y2 = pipe(x, generator=np.random.default_rng(3))
    assert y1.shape == (4, 1, 10, 10) and y1.dtype == np.float32
    np.testing.assert_array_equal(y1.numpy(), y2.numpy())
    assert "RandomCrop" in repr(pipe)
    with pytest.raises(TypeError, match="item 1"):
        T.Compose([T.ToFloat(), 3])


# --- a device that refuses host arrays ---------------------------------------------------


def test_every_transform_stays_on_the_device(strict_device):
    x, a = _batch(n=6, h=12, w=12)
    xs = x.to(strict_device)
    pipe = T.Compose([
        T.RandomCrop(12, padding=2), T.RandomHorizontalFlip(), T.RandomAffine(20, (0.1, 0.1), (0.9, 1.1), 5),
        T.RandomAffine(10, interpolation="bilinear"), T.RandomErasing(p=1.0), T.Normalize(0.1307, 0.3081),
        T.RandomErasing(p=1.0, value="random"),
    ])
    y = pipe(xs, generator=None)
    assert y.device == strict_device and y.shape == (6, 1, 12, 12) and y.dtype == np.float32
    y.to("cpu").numpy()  # the strict backend refuses arrays that slipped back to the host
