"""Lambda, ToTensor, CenterCrop, Pad, RandomVerticalFlip, RandomRotation and Resize.

torchvision is not a dependency: the deterministic transforms are checked against
torch.nn.functional (when torch is installed) and against per-pixel NumPy
references written from torchvision's documented rules.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import transforms as T


def _batch(shape, dtype=np.uint8, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 256, size=shape).astype(dtype) if dtype == np.uint8 else rng.random(shape).astype(dtype)
    return mg.tensor(a), a


# --- Lambda and ToTensor ------------------------------------------------------------------


def test_lambda():
    x, a = _batch((2, 4, 4))
    lam = T.Lambda(lambda t: t[:, :2])
    assert lam(x).shape == (2, 2, 4) and "Lambda(<lambda>)" == repr(lam)
    pipe = T.Compose([T.ToFloat(), T.Lambda(lambda t: t * 2)])
    np.testing.assert_allclose(pipe(x).numpy()[:, 0], a * (np.float32(2) / np.float32(255)), rtol=1e-6)
    with pytest.raises(TypeError, match="Lambda: lambd should be callable, got int"):
        T.Lambda(3)


def test_to_tensor_uint8_hwc_to_float_chw():
    a = np.random.default_rng(0).integers(0, 256, size=(5, 4, 3)).astype(np.uint8)
    t = T.ToTensor()(a)
    assert t.shape == (3, 5, 4) and t.dtype == np.float32 and t.device == "cpu"
    for c in range(3):
        np.testing.assert_allclose(t.numpy()[c], a[:, :, c] / 255.0, rtol=0, atol=1e-7)
    g = T.ToTensor()(a[:, :, 0])
    assert g.shape == (1, 5, 4)
    f = np.random.default_rng(1).random((2, 3, 2))
    tf = T.ToTensor()(f)  # not uint8: values kept, as torchvision
    assert tf.dtype == np.float64 and tf.shape == (2, 2, 3)
    np.testing.assert_array_equal(tf.numpy(), f.transpose(2, 0, 1))


def test_to_tensor_pil_and_errors():
    Image = pytest.importorskip("PIL.Image")
    a = np.random.default_rng(2).integers(0, 256, size=(6, 7, 3)).astype(np.uint8)
    t = T.ToTensor()(Image.fromarray(a))
    np.testing.assert_allclose(t.numpy(), a.transpose(2, 0, 1) / 255.0, rtol=0, atol=1e-7)
    assert T.ToTensor()(Image.fromarray(a[:, :, 1])).shape == (1, 6, 7)
    with pytest.raises(TypeError, match="ToTensor: pic should be a PIL Image or a NumPy ndarray .* got a minigrad Tensor"):
        T.ToTensor()(mg.tensor(a))
    with pytest.raises(TypeError, match="ToTensor: pic should be a PIL Image or a NumPy ndarray, got str"):
        T.ToTensor()("img.png")
    with pytest.raises(ValueError, match=r"ToTensor: pic should be 2 or 3 dimensional .* got shape \(1, 2, 2, 3\)"):
        T.ToTensor()(np.zeros((1, 2, 2, 3), np.uint8))


# --- CenterCrop -----------------------------------------------------------------------


@pytest.mark.parametrize("hw,size,offset", [
    # torchvision: top = int(round((H - h) / 2)) with Python's round (half to even)
    ((7, 9), (2, 4), (2, 2)),   # 2.5 -> 2, 2.5 -> 2
    ((5, 8), (2, 3), (2, 2)),   # 1.5 -> 2, 2.5 -> 2
    ((8, 8), 4, (2, 2)),
    ((6, 7), (6, 1), (0, 3)),
])
def test_center_crop_offsets(hw, size, offset):
    x, a = _batch((3, 2) + hw)
    th, tw = (size, size) if isinstance(size, int) else size
    y = T.CenterCrop(size)(x)
    assert y.shape == (3, 2, th, tw) and y.dtype == np.uint8
    np.testing.assert_array_equal(y.numpy(), a[..., offset[0]:offset[0] + th, offset[1]:offset[1] + tw])


def test_center_crop_any_rank_and_padding_when_too_small():
    x, a = _batch((3, 5, 5))
    np.testing.assert_array_equal(T.CenterCrop([3])(x).numpy(), a[:, 1:4, 1:4])  # N x H x W or C x H x W alike
    single = T.CenterCrop((1, 3))(mg.tensor(a[0]))
    np.testing.assert_array_equal(single.numpy(), a[0, 2:3, 1:4])
    # Larger than the image: zero padding, left/top get the floor half (torchvision).
    y = T.CenterCrop((8, 6))(x).numpy()
    ref = np.pad(a, ((0, 0), (1, 2), (0, 1)))
    np.testing.assert_array_equal(y, ref)
    z = T.CenterCrop((2, 7))(x).numpy()  # too narrow only: pad width (1, 1), then crop rows 2..3 (round(1.5)=2)
    np.testing.assert_array_equal(z, np.pad(a, ((0, 0), (0, 0), (1, 1)))[:, 2:4])


def test_center_crop_errors():
    with pytest.raises(ValueError, match=r"CenterCrop: size must be positive, got \(0, 3\)"):
        T.CenterCrop((0, 3))
    with pytest.raises(TypeError, match="CenterCrop: size must be an int or a sequence of one or two ints"):
        T.CenterCrop((1, 2, 3))
    with pytest.raises(ValueError, match=r"CenterCrop: expected a tensor of shape \(..., H, W\), got shape \(4,\)"):
        T.CenterCrop(2)(mg.tensor(np.zeros(4, np.float32)))


# --- Pad ------------------------------------------------------------------------------------


def test_pad_constant_forms():
    x, a = _batch((2, 3, 4, 5), dtype=np.float32)
    y = T.Pad(2, fill=0.5)(x)
    assert y.dtype == np.float32 and y.shape == (2, 3, 8, 9)
    np.testing.assert_array_equal(y.numpy(), np.pad(a, ((0, 0), (0, 0), (2, 2), (2, 2)), constant_values=0.5))
    lr_tb = T.Pad((1, 3))(x).numpy()  # (left/right, top/bottom)
    np.testing.assert_array_equal(lr_tb, np.pad(a, ((0, 0), (0, 0), (3, 3), (1, 1))))
    ltrb = T.Pad([1, 2, 3, 0])(x).numpy()  # (left, top, right, bottom)
    np.testing.assert_array_equal(ltrb, np.pad(a, ((0, 0), (0, 0), (2, 0), (1, 3))))
    assert T.Pad([2])(x).shape == (2, 3, 8, 9)


def test_pad_uint8_fill_is_clipped_not_wrapped():
    x, a = _batch((1, 2, 2))
    y = T.Pad(1, fill=300)(x).numpy()
    assert y.dtype == np.uint8 and (y[0, 0] == 255).all() and (y[0, 1:3, 1:3] == a[0]).all()


@pytest.mark.parametrize("mode", ["edge", "reflect", "symmetric"])
def test_pad_modes_match_numpy_and_torch(mode):
    x, a = _batch((2, 3, 5, 6), dtype=np.float64, seed=3)
    y = T.Pad([1, 2, 3, 4], padding_mode=mode)(x).numpy()
    np.testing.assert_array_equal(y, np.pad(a, ((0, 0), (0, 0), (2, 4), (1, 3)), mode=mode))
    if mode == "symmetric":
        return
    torch = pytest.importorskip("torch")
    ref = torch.nn.functional.pad(torch.tensor(a), (1, 3, 2, 4), mode={"edge": "replicate", "reflect": "reflect"}[mode])
    np.testing.assert_array_equal(y, ref.numpy())


def test_pad_edge_by_hand():
    a = np.array([[[1, 2], [3, 4]]], np.uint8)
    y = T.Pad((1, 0), padding_mode="edge")(mg.tensor(a)).numpy()
    np.testing.assert_array_equal(y, [[[1, 1, 2, 2], [3, 3, 4, 4]]])
    r = T.Pad((1, 0), padding_mode="reflect")(mg.tensor(a)).numpy()
    np.testing.assert_array_equal(r, [[[2, 1, 2, 1], [4, 3, 4, 3]]])


def test_pad_errors():
    with pytest.raises(ValueError, match=r"Pad: reflect padding \(0, 3, 0, 3\) .* smaller than the image \(3, 4\)"):
        T.Pad((0, 3), padding_mode="reflect")(mg.tensor(np.zeros((1, 3, 4), np.float32)))
    with pytest.raises(ValueError, match="Pad: padding must be an int or 1, 2 or 4 ints, got"):
        T.Pad((1, 2, 3))
    with pytest.raises(ValueError, match="Pad: padding must be non-negative"):
        T.Pad(-1)
    with pytest.raises(TypeError, match="Pad: padding must be an int or a sequence of ints, got float"):
        T.Pad(1.5)
    with pytest.raises(ValueError, match="Pad: padding_mode must be one of"):
        T.Pad(1, padding_mode="wrap")
    with pytest.raises(TypeError, match=r"Pad: fill must be a number for Tensor images, got \(1, 2, 3\)"):
        T.Pad(1, fill=(1, 2, 3))


# --- RandomVerticalFlip ---------------------------------------------------------------------


def test_vertical_flip():
    x, a = _batch((64, 2, 5, 4))
    np.testing.assert_array_equal(T.RandomVerticalFlip(1.0)(x).numpy(), a[:, :, ::-1, :])
    np.testing.assert_array_equal(T.RandomVerticalFlip(0.0)(x).numpy(), a)
    y = T.RandomVerticalFlip(0.5)(x, generator=np.random.default_rng(0)).numpy()
    flipped = (y == a[:, :, ::-1]).all(axis=(1, 2, 3))
    same = (y == a).all(axis=(1, 2, 3))
    assert (flipped | same).all() and 16 < flipped.sum() < 48  # 64 fair coins: 32 +- 4 sigma
    np.testing.assert_array_equal(T.RandomVerticalFlip(0.5)(x, generator=np.random.default_rng(0)).numpy(), y)
    with pytest.raises(ValueError, match=r"RandomVerticalFlip: p must be in \[0, 1\], got -0.1"):
        T.RandomVerticalFlip(-0.1)


# --- RandomRotation -------------------------------------------------------------------------


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_rotation_quarter_turns(interpolation):
    x, a = _batch((3, 2, 7, 7))
    np.testing.assert_array_equal(T.RandomRotation((90, 90), interpolation=interpolation)(x).numpy(),
                                  np.rot90(a, k=1, axes=(2, 3)))  # counter-clockwise, as torchvision
    np.testing.assert_array_equal(T.RandomRotation((-180, -180), interpolation=interpolation)(x).numpy(),
                                  a[:, :, ::-1, ::-1])


def test_rotation_matches_scipy():
    ndimage = pytest.importorskip("scipy.ndimage")
    a = np.random.default_rng(1).random((2, 9, 11))
    y = T.RandomRotation((30, 30), interpolation="bilinear", fill=0.5)(mg.tensor(a)).numpy()
    assert y.dtype == np.float64
    for k in range(2):
        ref = ndimage.rotate(a[k], 30, reshape=False, order=1, mode="grid-constant", cval=0.5)
        # minigrad computes sampling coordinates in float32 (shared with RandomAffine)
        np.testing.assert_allclose(y[k], ref, rtol=0, atol=1e-6)


def test_rotation_draws_one_angle_per_sample_reproducibly():
    a = np.zeros((32, 1, 15, 15), np.float32)
    a[:, :, 7, 8:] = 1.0  # a ray from the centre to the right edge
    t = T.RandomRotation(60, interpolation="bilinear")
    mg.manual_seed(5)
    y1 = t(mg.tensor(a)).numpy()
    mg.manual_seed(5)
    np.testing.assert_array_equal(t(mg.tensor(a)).numpy(), y1)
    # Recover each sample's angle from where the ray's mass went: all in [-60, 60], and varied.
    ys, xs = np.mgrid[0:15, 0:15]
    angles = []
    for k in range(32):
        w = y1[k, 0]
        cx, cy = (w * (xs - 7)).sum() / w.sum(), (w * (ys - 7)).sum() / w.sum()
        angles.append(math.degrees(math.atan2(-cy, cx)))  # y points down: counter-clockwise is positive
    assert min(angles) >= -61 and max(angles) <= 61 and max(angles) - min(angles) > 60
    assert sum(a_ < 0 for a_ in angles) > 4 and sum(a_ > 0 for a_ in angles) > 4


def test_rotation_errors_name_the_class():
    with pytest.raises(ValueError, match="RandomRotation: degrees as a single number must be >= 0"):
        T.RandomRotation(-5)
    with pytest.raises(ValueError, match="RandomRotation: interpolation must be 'nearest' or 'bilinear'"):
        T.RandomRotation(5, interpolation="bicubic")
    with pytest.raises(ValueError, match="RandomRotation: expand=True is not supported"):
        T.RandomRotation(5, expand=True)
    with pytest.raises(ValueError, match="RandomRotation: center=.* is not supported"):
        T.RandomRotation(5, center=(1, 1))
    with pytest.raises(ValueError, match=r"RandomRotation: expected a batch of shape N x H x W or N x C x H x W, got shape \(5, 5\)"):
        T.RandomRotation(5)(mg.tensor(np.zeros((5, 5), np.float32)))


# --- Resize -----------------------------------------------------------------------------


def _bilinear_reference(a: np.ndarray, oh: int, ow: int) -> np.ndarray:
    """Per-pixel bilinear with half-pixel centres (align_corners=False), in float64."""
    h, w = a.shape[-2:]
    out = np.zeros(a.shape[:-2] + (oh, ow))
    for i in range(oh):
        sy = max((i + 0.5) * h / oh - 0.5, 0.0)
        y0 = min(int(math.floor(sy)), h - 1)
        y1, fy = min(y0 + 1, h - 1), sy - y0
        for j in range(ow):
            sx = max((j + 0.5) * w / ow - 0.5, 0.0)
            x0 = min(int(math.floor(sx)), w - 1)
            x1, fx = min(x0 + 1, w - 1), sx - x0
            out[..., i, j] = ((1 - fy) * ((1 - fx) * a[..., y0, x0] + fx * a[..., y0, x1])
                              + fy * ((1 - fx) * a[..., y1, x0] + fx * a[..., y1, x1]))
    return out


@pytest.mark.parametrize("out", [(4, 5), (13, 20), (7, 3), (1, 1)])
def test_resize_bilinear_matches_reference(out):
    x, a = _batch((2, 3, 7, 9), dtype=np.float64, seed=4)
    y = T.Resize(out)(x).numpy()
    assert y.shape == (2, 3) + out and y.dtype == np.float64
    np.testing.assert_allclose(y, _bilinear_reference(a, *out), rtol=0, atol=1e-12)
    f = T.Resize(out)(mg.tensor(a.astype(np.float32)))
    assert f.dtype == np.float32  # float32 stays float32
    np.testing.assert_allclose(f.numpy(), _bilinear_reference(a.astype(np.float32), *out), rtol=0, atol=2e-6)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_resize_matches_torch_interpolate(interpolation):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x, a = _batch((2, 3, 10, 7), dtype=np.float32, seed=5)
    for out in [(5, 4), (23, 11), (10, 3), (3, 14)]:
        y = T.Resize(out, interpolation=interpolation)(x).numpy()
        kw = {"align_corners": False, "antialias": False} if interpolation == "bilinear" else {}
        ref = F.interpolate(torch.tensor(a), size=out, mode=interpolation, **kw).numpy()
        np.testing.assert_allclose(y, ref, rtol=0, atol=1e-6 if interpolation == "bilinear" else 0)
    # uint8: torchvision interpolates in float, rounds, casts back
    u, ua = _batch((2, 1, 9, 6), seed=6)
    yu = T.Resize((4, 13), interpolation=interpolation)(u).numpy()
    kw = {"align_corners": False, "antialias": False} if interpolation == "bilinear" else {}
    ref = F.interpolate(torch.tensor(ua).float(), size=(4, 13), mode=interpolation, **kw).round().to(torch.uint8)
    assert yu.dtype == np.uint8
    np.testing.assert_array_equal(yu, ref.numpy())


def test_resize_int_keeps_aspect_ratio_as_torchvision():
    r = T.Resize(10)
    assert r.output_size(20, 30) == (10, 15) and r.output_size(30, 20) == (15, 10)
    assert T.Resize(5).output_size(7, 10) == (5, 7)  # int(5 * 10 / 7) = 7, truncated
    assert T.Resize([5]).output_size(10, 7) == (7, 5)
    assert T.Resize(8, max_size=12).output_size(10, 20) == (6, 12)  # long side capped, short rescaled
    assert T.Resize(8, max_size=12).output_size(10, 11) == (8, 8)
    x, a = _batch((3, 6, 9), dtype=np.float64)  # N x H x W or C x H x W: only the last two axes change
    y = T.Resize(4)(x).numpy()
    assert y.shape == (3, 4, 6)
    np.testing.assert_allclose(y, _bilinear_reference(a, 4, 6), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(T.Resize((6, 9))(x).numpy(), a)  # same size: a copy


def test_resize_nearest_by_hand():
    a = np.arange(16, dtype=np.float32).reshape(1, 4, 4)
    y = T.Resize((2, 2), interpolation="nearest")(mg.tensor(a)).numpy()
    np.testing.assert_array_equal(y, [[[0, 2], [8, 10]]])  # floor(i * 4 / 2)
    up = T.Resize((2, 8), interpolation="nearest")(mg.tensor(a[:, :2, :2] * 0 + np.array([[1, 2]], np.float32)))
    np.testing.assert_array_equal(up.numpy()[0, 0], [1, 1, 1, 1, 2, 2, 2, 2])


def test_resize_errors():
    with pytest.raises(ValueError, match="Resize: antialias=True is not supported"):
        T.Resize(4, antialias=True)
    with pytest.raises(ValueError, match="Resize: interpolation must be 'bilinear' or 'nearest', got 'bicubic'"):
        T.Resize(4, interpolation="bicubic")
    with pytest.raises(ValueError, match=r"Resize: size must be positive, got \(0, 0\)"):
        T.Resize(0)
    with pytest.raises(ValueError, match="Resize: max_size is only allowed when size is an int"):
        T.Resize((4, 5), max_size=10)
    with pytest.raises(ValueError, match="Resize: max_size=4 must be strictly greater than the requested size 4"):
        T.Resize(4, max_size=4)
    with pytest.raises(ValueError, match=r"Resize: cannot resize an empty image, input shape \(1, 0, 3\)"):
        T.Resize(2)(mg.tensor(np.zeros((1, 0, 3), np.float32)))


# --- devices ------------------------------------------------------------------------------


def test_new_transforms_stay_on_the_device():
    strict_backend = pytest.importorskip("strict_backend")
    strict_backend.register()
    x, a = _batch((6, 12, 12))
    xs = x.to("strict")
    pipe = T.Compose([
        T.Pad(2, padding_mode="reflect"), T.RandomRotation(20), T.RandomVerticalFlip(), T.CenterCrop(12),
        T.Resize((9, 10)), T.Pad((1, 2), fill=3), T.Resize(8, interpolation="nearest"), T.Lambda(lambda t: t),
        T.Normalize(0.5, 0.5),
    ])
    y = pipe(xs, generator=None)
    assert y.device == "strict" and y.shape == (6, 1, 8, 8) and y.dtype == np.float32  # 13 x 12 -> short side 8
    y.to("cpu").numpy()  # the strict backend refuses arrays that slipped back to the host


@pytest.mark.parametrize("degrees", ["a", ["a", 1], [None, 2]])
def test_random_rotation_names_itself_for_non_numeric_degrees(degrees) -> None:
    with pytest.raises(TypeError, match="RandomRotation: degrees must be a number or a "
                                        r"\(min, max\) pair of numbers"):
        T.RandomRotation(degrees)
