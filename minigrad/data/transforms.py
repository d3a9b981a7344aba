"""Preprocessing and augmentation that work on whole batches, on the batch's device.

Every transform takes a batch Tensor, ``N x H x W`` (as MNIST stores it) or
``N x C x H x W``, and returns a new one; the deterministic geometric ones
(``CenterCrop``, ``Pad``, ``Resize``) take any ``(..., H, W)`` tensor, so a
single ``C x H x W`` image works too. ``ToTensor`` (NumPy/PIL image to a
``C x H x W`` Tensor) and ``Lambda`` are plain callables. Random transforms draw one set of
parameters per sample, all at once, and resample the batch with a single
gather: there is no Python loop over samples, and the same code runs on NumPy
and CuPy because it only ever calls the backend's ``xp``.

Randomness comes from ``generator`` when one is passed (``DataLoader`` does,
when it is seeded), otherwise from the batch's own generator inside a
``DataLoader`` worker thread, otherwise from the device's generator, which
``mg.manual_seed`` resets.

Order matters as in torchvision: geometric transforms fill uncovered pixels
with ``fill`` (0 = black on raw uint8 images), so put them before ``Normalize``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any, Callable, Optional, Union

from .workers import batch_generator

Number = Union[int, float]


def _backend(device: str):
    from ..backend import get_backend

    return get_backend(device)


def _wrap(array: Any, device: str):
    import minigrad as mg

    return mg.tensor(array, device=device)


def _check_batch(x: Any, who: str, dims: Optional[tuple] = (3, 4)) -> None:
    """``dims=None``: any tensor of shape (..., H, W) (the deterministic geometric transforms)."""
    if not (hasattr(x, "array") and hasattr(x, "device")):
        raise TypeError(f"{who}: expected a batch Tensor, got {type(x).__name__}")
    if dims is None:
        if x.ndim < 2:
            raise ValueError(f"{who}: expected a tensor of shape (..., H, W), got shape {tuple(x.shape)}")
    elif x.ndim not in dims:
        raise ValueError(
            f"{who}: expected a batch of shape N x H x W or N x C x H x W, got shape {tuple(x.shape)}"
        )


def _uniform(rng: Any, xp: Any, n: int, lo: float, hi: float) -> Any:
    """``n`` float32 draws from [lo, hi); built from ``random`` so NumPy and CuPy agree."""
    return (lo + (hi - lo) * rng.random(n)).astype(xp.float32)


def _randint(rng: Any, xp: Any, high: Any, n: int) -> Any:
    """``n`` int64 draws from [0, high) (``high`` may be per sample)."""
    return xp.minimum(xp.floor(rng.random(n) * high), high - 1).astype(xp.int64)


class _DrawsOnDevice:
    """Another library's generator whose draws are copied to the batch's device, so a
    host generator stays usable (and reproducible) for batches on any device."""

    def __init__(self, generator: Any, backend: Any):
        self._generator, self._backend = generator, backend

    def random(self, *args: Any, **kwargs: Any) -> Any:
        return self._backend.asarray(self._generator.random(*args, **kwargs))

    def standard_normal(self, *args: Any, **kwargs: Any) -> Any:
        return self._backend.asarray(self._generator.standard_normal(*args, **kwargs))


class Transform:
    """Base class: a callable on a batch Tensor that may use a random generator."""

    _dims: Optional[tuple] = (3, 4)  # accepted ranks; None: any (..., H, W)

    def __call__(self, x: Any, generator: Any = None) -> Any:
        _check_batch(x, type(self).__name__, self._dims)
        backend = _backend(x.device)
        if generator is None:  # a DataLoader worker's batch generator, else the device's
            generator = batch_generator()
        rng = backend.rng if generator is None else generator
        if type(rng) is not type(backend.rng):
            rng = _DrawsOnDevice(rng, backend)  # e.g. a NumPy generator with a GPU batch
        return self.apply(x, rng)

    def apply(self, x: Any, rng: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({fields})"


class Compose:
    """Apply transforms in order (a plain callable that is not a ``Transform`` gets just the batch)."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        transforms = list(transforms)
        for i, t in enumerate(transforms):
            if not callable(t):
                raise TypeError(f"Compose: item {i} ({type(t).__name__}) is not callable")
        self.transforms = transforms

    def __call__(self, x: Any, generator: Any = None) -> Any:
        for t in self.transforms:
            x = t(x, generator=generator) if isinstance(t, (Transform, Compose)) else t(x)
        return x

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class ToFloat(Transform):
    """uint8 images in [0, 255] to float32 in [0, 1], with a channel axis (N x 1 x H x W for MNIST)."""

    def apply(self, x: Any, rng: Any) -> Any:
        xp = _backend(x.device).xp
        a = x.array
        if a.dtype == xp.uint8:
            a = a.astype(xp.float32) * (1.0 / 255.0)
        elif a.dtype.kind != "f":
            raise TypeError(f"ToFloat: expected uint8 or floating images, got {a.dtype}")
        if a.ndim == 3:
            a = a[:, None]
        return _wrap(a, x.device)


class Normalize(Transform):
    """``(x - mean) / std`` per channel; uint8 input is first scaled to [0, 1] float32.

    MNIST's usual constants are ``Normalize((0.1307,), (0.3081,))``.
    """

    def __init__(self, mean: Union[Number, Sequence[Number]], std: Union[Number, Sequence[Number]]) -> None:
        self.mean = tuple(float(m) for m in (mean if isinstance(mean, Sequence) else [mean]))
        self.std = tuple(float(s) for s in (std if isinstance(std, Sequence) else [std]))
        if len(self.mean) != len(self.std) or not self.mean:
            raise ValueError(f"Normalize: mean {self.mean} and std {self.std} must have the same nonzero length")
        if any(s == 0 for s in self.std):
            raise ValueError(f"Normalize: std {self.std} contains a zero (division by zero)")
        self._to_float = ToFloat()

    def apply(self, x: Any, rng: Any) -> Any:
        x = self._to_float.apply(x, rng)
        xp = _backend(x.device).xp
        a = x.array
        c = a.shape[1]
        if len(self.mean) not in (1, c):
            raise ValueError(f"Normalize: {len(self.mean)} means/stds for a batch with {c} channels {tuple(a.shape)}")
        mean = xp.asarray(self.mean, dtype=a.dtype).reshape(1, -1, 1, 1)
        inv_std = (1.0 / xp.asarray(self.std, dtype=xp.float64)).astype(a.dtype).reshape(1, -1, 1, 1)
        return _wrap((a - mean) * inv_std, x.device)


# ---------------------------------------------------------------------------
# Geometry helpers: a 4-D view and one-gather resampling
# ---------------------------------------------------------------------------


def _to_nchw(a: Any) -> tuple[Any, bool]:
    return (a[:, None], True) if a.ndim == 3 else (a, False)


def _gather_pixels(xp: Any, flat: Any, idx: Any) -> Any:
    """``flat`` is N x C x P, ``idx`` is N x K (positions in P): one gather -> N x C x K.

    A single ``take`` on the flattened batch with precomputed offsets; about four
    times faster than broadcasting three index arrays, on NumPy and CuPy alike.
    """
    n, c, p = flat.shape
    base = (xp.arange(n * c, dtype=xp.int64) * p).reshape(n, c, 1)
    return xp.take(flat.reshape(-1), base + idx[:, None, :])


def _finish(xp: Any, out: Any, dtype: Any) -> Any:
    """Back to the input dtype; integer images are rounded and clipped, not wrapped."""
    if dtype.kind in "ui":
        info = xp.iinfo(dtype)
        out = xp.clip(xp.rint(out), info.min, info.max)
    return out.astype(dtype, copy=False)


def _pair(value: Any, name: str, who: str, symmetric: bool = False) -> Optional[tuple[float, float]]:
    if value is None:
        return None
    if isinstance(value, numbers.Number):
        if not symmetric:
            raise TypeError(f"{who}: {name} must be a pair, got {value!r}")
        if value < 0:
            raise ValueError(f"{who}: {name} as a single number must be >= 0, got {value}")
        return (-float(value), float(value))
    if isinstance(value, str) or not all(isinstance(v, numbers.Real) for v in value):
        raise TypeError(f"{who}: {name} must be a number or a (min, max) pair of numbers, got {value!r}")
    value = tuple(float(v) for v in value)
    if len(value) != 2 or value[0] > value[1]:
        raise ValueError(f"{who}: {name} must be (min, max) with min <= max, got {value}")
    return value


class RandomAffine(Transform):
    """Random rotation, translation, scaling and shear, one draw per sample (torchvision's arguments).

    ``degrees``: d or (min, max), counter-clockwise as displayed. ``translate``:
    (a, b), fractions of width and height. ``scale``: (min, max). ``shear``: s,
    (min, max) along x, or (xmin, xmax, ymin, ymax), in degrees.
    ``interpolation``: 'nearest' (default, as in torchvision) or 'bilinear'.
    Pixels that come from outside the image take ``fill``.
    """

    def __init__(
        self,
        degrees: Union[Number, Sequence[Number]],
        translate: Optional[Sequence[Number]] = None,
        scale: Optional[Sequence[Number]] = None,
        shear: Optional[Union[Number, Sequence[Number]]] = None,
        interpolation: str = "nearest",
        fill: Number = 0,
    ) -> None:
        who = "RandomAffine"
        self.degrees = _pair(degrees, "degrees", who, symmetric=True)
        if translate is not None:
            translate = tuple(float(t) for t in translate)
            if len(translate) != 2 or not all(0.0 <= t <= 1.0 for t in translate):
                raise ValueError(f"{who}: translate must be two fractions in [0, 1], got {translate}")
        self.translate = translate
        self.scale = _pair(scale, "scale", who)
        if self.scale is not None and self.scale[0] <= 0:
            raise ValueError(f"{who}: scale must be positive, got {self.scale}")
        if shear is None:
            self.shear = None
        elif isinstance(shear, numbers.Number):
            self.shear = _pair(shear, "shear", who, symmetric=True) + (0.0, 0.0)
        else:
            shear = tuple(float(s) for s in shear)
            if len(shear) == 2:
                shear = shear + (0.0, 0.0)
            if len(shear) != 4 or shear[0] > shear[1] or shear[2] > shear[3]:
                raise ValueError(f"{who}: shear must be s, (min, max) or (xmin, xmax, ymin, ymax), got {shear}")
            self.shear = shear
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"{who}: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
        self.interpolation = interpolation
        self.fill = float(fill)

    def _inverse_matrices(self, xp: Any, rng: Any, n: int, h: int, w: int) -> tuple:
        """Per-sample inverse 2x2 maps and translations, as float32 vectors of length n."""
        u = lambda lo, hi: _uniform(rng, xp, n, lo, hi)  # noqa: E731
        zero = xp.zeros(n, dtype=xp.float32)
        theta = u(*self.degrees) * (math.pi / 180.0)
        s = u(*self.scale) if self.scale is not None else zero + 1.0
        tx = u(-self.translate[0] * w, self.translate[0] * w) if self.translate else zero
        ty = u(-self.translate[1] * h, self.translate[1] * h) if self.translate else zero
        if self.shear is not None:
            kx = xp.tan(u(self.shear[0], self.shear[1]) * (math.pi / 180.0))
            ky = xp.tan(u(self.shear[2], self.shear[3]) * (math.pi / 180.0))
        else:
            kx = ky = zero
        cos, sin = xp.cos(theta), xp.sin(theta)
        # Forward map M = R(theta) @ [[1, kx], [ky, 1]] * s, with y pointing down,
        # so R = [[cos, sin], [-sin, cos]] turns counter-clockwise on screen.
        m00 = s * (cos + sin * ky)
        m01 = s * (cos * kx + sin)
        m10 = s * (-sin + cos * ky)
        m11 = s * (-sin * kx + cos)
        det = m00 * m11 - m01 * m10
        if bool(xp.any(xp.abs(det) < 1e-6)):
            raise ValueError("RandomAffine: drew a singular transform; reduce shear (|shear| must stay below 45 degrees)")
        inv = (m11 / det, -m01 / det, -m10 / det, m00 / det)
        return inv, tx, ty

    def apply(self, x: Any, rng: Any) -> Any:
        xp = _backend(x.device).xp
        a, squeeze = _to_nchw(x.array)
        n, c, h, w = a.shape
        if n == 0:
            return x
        (i00, i01, i10, i11), tx, ty = self._inverse_matrices(xp, rng, n, h, w)
        cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
        ys, xs = xp.meshgrid(xp.arange(h, dtype=xp.float32), xp.arange(w, dtype=xp.float32), indexing="ij")
        dx = xs.reshape(1, -1) - cx - tx[:, None]  # N x HW, output pixel relative to centre and shift
        dy = ys.reshape(1, -1) - cy - ty[:, None]
        sx = cx + i00[:, None] * dx + i01[:, None] * dy  # where each output pixel comes from
        sy = cy + i10[:, None] * dx + i11[:, None] * dy
        # A one-pixel border of `fill` around the image; clipping source coordinates
        # into it makes everything outside the image read `fill`, with no masks.
        padded = xp.pad(a, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="constant", constant_values=self.fill)
        wp = w + 2
        flat = padded.reshape(n, c, (h + 2) * wp)
        if self.interpolation == "nearest":
            ix = xp.clip(xp.rint(sx), -1, w).astype(xp.int64) + 1
            iy = xp.clip(xp.rint(sy), -1, h).astype(xp.int64) + 1
            out = _gather_pixels(xp, flat, iy * wp + ix)
        else:
            sx = xp.clip(sx, -1, w)
            sy = xp.clip(sy, -1, h)
            x0, y0 = xp.floor(sx), xp.floor(sy)
            fx, fy = (sx - x0)[:, None, :], (sy - y0)[:, None, :]
            x0 = x0.astype(xp.int64) + 1
            y0 = y0.astype(xp.int64) + 1
            x1 = xp.minimum(x0 + 1, w + 1)
            y1 = xp.minimum(y0 + 1, h + 1)
            corners = xp.concatenate([y0 * wp + x0, y0 * wp + x1, y1 * wp + x0, y1 * wp + x1], axis=1)
            v = _gather_pixels(xp, flat, corners).astype(xp.float32, copy=False)
            v00, v01, v10, v11 = (v[:, :, k * h * w : (k + 1) * h * w] for k in range(4))
            top = v00 + (v01 - v00) * fx
            bottom = v10 + (v11 - v10) * fx
            out = _finish(xp, top + (bottom - top) * fy, a.dtype)
        out = out.reshape(n, c, h, w)
        return _wrap(out[:, 0] if squeeze else out, x.device)


def _padding4(padding: Any, who: str) -> tuple[int, int, int, int]:
    """torchvision's padding forms -> (left, top, right, bottom)."""
    if isinstance(padding, numbers.Integral):
        p = (int(padding),) * 4
    else:
        p = tuple(int(v) for v in padding)
        if len(p) == 2:
            p = (p[0], p[1], p[0], p[1])
        if len(p) != 4:
            raise ValueError(f"{who}: padding must be an int or 2 or 4 ints, got {padding!r}")
    if any(v < 0 for v in p):
        raise ValueError(f"{who}: padding must be non-negative, got {padding!r}")
    return p


class RandomCrop(Transform):
    """Crop a random ``size`` window from each (optionally padded) image, with one gather."""

    _MODES = ("constant", "edge", "reflect", "symmetric")

    def __init__(
        self,
        size: Union[int, Sequence[int]],
        padding: Optional[Union[int, Sequence[int]]] = None,
        pad_if_needed: bool = False,
        fill: Number = 0,
        padding_mode: str = "constant",
    ) -> None:
        size = (int(size), int(size)) if isinstance(size, numbers.Integral) else tuple(int(s) for s in size)
        if len(size) != 2 or min(size) < 1:
            raise ValueError(f"RandomCrop: size must be a positive int or (h, w), got {size}")
        if padding_mode not in self._MODES:
            raise ValueError(f"RandomCrop: padding_mode must be one of {self._MODES}, got {padding_mode!r}")
        self.size = size
        self.padding = _padding4(padding, "RandomCrop") if padding is not None else (0, 0, 0, 0)
        self.pad_if_needed = bool(pad_if_needed)
        self.fill = fill
        self.padding_mode = padding_mode

    def apply(self, x: Any, rng: Any) -> Any:
        xp = _backend(x.device).xp
        a, squeeze = _to_nchw(x.array)
        left, top, right, bottom = self.padding
        th, tw = self.size
        h, w = a.shape[2] + top + bottom, a.shape[3] + left + right
        if self.pad_if_needed:
            extra_w, extra_h = max(0, tw - w), max(0, th - h)
            left, right, top, bottom = left + extra_w, right + extra_w, top + extra_h, bottom + extra_h
            h, w = h + 2 * extra_h, w + 2 * extra_w
        if th > h or tw > w:
            raise ValueError(
                f"RandomCrop: crop size {self.size} is larger than the padded image {(h, w)} "
                f"(batch shape {tuple(x.shape)}); pass padding= or pad_if_needed=True"
            )
        if left or right or top or bottom:
            widths = ((0, 0), (0, 0), (top, bottom), (left, right))
            if self.padding_mode == "constant":
                a = xp.pad(a, widths, mode="constant", constant_values=self.fill)
            else:
                a = xp.pad(a, widths, mode=self.padding_mode)
        n, c = a.shape[:2]
        y0 = _randint(rng, xp, h - th + 1, n)
        x0 = _randint(rng, xp, w - tw + 1, n)
        rows = y0[:, None] + xp.arange(th)[None, :]
        cols = x0[:, None] + xp.arange(tw)[None, :]
        idx = (rows[:, :, None] * w + cols[:, None, :]).reshape(n, th * tw)
        out = _gather_pixels(xp, a.reshape(n, c, h * w), idx).reshape(n, c, th, tw)
        return _wrap(out[:, 0] if squeeze else out, x.device)


class RandomHorizontalFlip(Transform):
    """Mirror each image left-right with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomHorizontalFlip: p must be in [0, 1], got {p}")
        self.p = float(p)

    def apply(self, x: Any, rng: Any) -> Any:
        xp = _backend(x.device).xp
        a = x.array
        flip = (rng.random(a.shape[0]) < self.p).reshape((-1,) + (1,) * (a.ndim - 1))
        return _wrap(xp.where(flip, a[..., ::-1], a), x.device)


class RandomErasing(Transform):
    """Blank a random rectangle in each image with probability ``p`` (torchvision's rule:
    up to ten tries for a box of relative area ``scale`` and aspect ``ratio`` that fits,
    else leave the image alone). ``value``: a number, one per channel, or 'random'."""

    _TRIES = 10

    def __init__(
        self,
        p: float = 0.5,
        scale: Sequence[float] = (0.02, 0.33),
        ratio: Sequence[float] = (0.3, 3.3),
        value: Union[Number, Sequence[Number], str] = 0,
    ) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomErasing: p must be in [0, 1], got {p}")
        self.scale = _pair(scale, "scale", "RandomErasing")
        self.ratio = _pair(ratio, "ratio", "RandomErasing")
        if self.scale[0] < 0 or self.scale[1] > 1:
            raise ValueError(f"RandomErasing: scale must lie in [0, 1], got {self.scale}")
        if self.ratio[0] <= 0:
            raise ValueError(f"RandomErasing: ratio must be positive, got {self.ratio}")
        if isinstance(value, str) and value != "random":
            raise ValueError(f"RandomErasing: value must be a number, a sequence or 'random', got {value!r}")
        self.p = float(p)
        self.value = value

    def apply(self, x: Any, rng: Any) -> Any:
        xp = _backend(x.device).xp
        a, squeeze = _to_nchw(x.array)
        n, c, h, w = a.shape
        if n == 0:
            return x
        k = self._TRIES
        area = (h * w) * (self.scale[0] + (self.scale[1] - self.scale[0]) * rng.random((n, k)))
        log_r = math.log(self.ratio[0]) + (math.log(self.ratio[1]) - math.log(self.ratio[0])) * rng.random((n, k))
        aspect = xp.exp(log_r)
        bh = xp.rint(xp.sqrt(area * aspect)).astype(xp.int64)
        bw = xp.rint(xp.sqrt(area / aspect)).astype(xp.int64)
        fits = (bh < h) & (bw < w) & (bh > 0) & (bw > 0)
        first = xp.argmax(fits, axis=1)  # the first try that fits, as torchvision takes it
        rows = xp.arange(n)
        bh, bw = bh[rows, first], bw[rows, first]
        erase = fits.any(axis=1) & (rng.random(n) < self.p)
        top = _randint(rng, xp, h - bh + 1, n)
        left = _randint(rng, xp, w - bw + 1, n)
        yy = xp.arange(h)[None, :, None]
        xx = xp.arange(w)[None, None, :]
        mask = (
            (yy >= top[:, None, None]) & (yy < (top + bh)[:, None, None])
            & (xx >= left[:, None, None]) & (xx < (left + bw)[:, None, None])
            & erase[:, None, None]
        )[:, None]  # N x 1 x H x W
        if isinstance(self.value, str):
            if a.dtype.kind != "f":
                raise TypeError(f"RandomErasing: value='random' needs floating images, got {a.dtype}")
            fill = rng.standard_normal(a.shape).astype(a.dtype)
        else:
            vals = self.value if isinstance(self.value, Sequence) else [self.value]
            if len(vals) not in (1, c):
                raise ValueError(f"RandomErasing: {len(vals)} fill values for {c} channels")
            fill = _finish(xp, xp.asarray(vals, dtype=xp.float64), a.dtype).reshape(1, -1, 1, 1)
        out = xp.where(mask, fill, a)
        return _wrap(out[:, 0] if squeeze else out, x.device)


# ---------------------------------------------------------------------------
# More torchvision transforms: conversion, deterministic geometry, flips, rotation
# ---------------------------------------------------------------------------


class Lambda:
    """Wrap any function of the batch as a transform, so it can sit in a ``Compose`` with a name."""

    def __init__(self, lambd: Callable) -> None:
        if not callable(lambd):
            raise TypeError(f"Lambda: lambd should be callable, got {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, x: Any, generator: Any = None) -> Any:
        return self.lambd(x)

    def __repr__(self) -> str:
        return f"Lambda({getattr(self.lambd, '__name__', repr(self.lambd))})"


class ToTensor:
    """An image from outside minigrad (NumPy ``H x W x C`` or ``H x W`` array, or a PIL image) to a
    ``C x H x W`` cpu Tensor, as torchvision's ToTensor: uint8 becomes float32 in [0, 1], any other
    dtype keeps its values. For a custom ``Dataset`` that reads image files; minigrad's own
    datasets already hold Tensors (use ``ToFloat`` on their uint8 batches)."""

    def __call__(self, pic: Any, generator: Any = None) -> Any:
        if hasattr(pic, "array") and hasattr(pic, "device"):
            raise TypeError("ToTensor: pic should be a PIL Image or a NumPy ndarray (H x W x C), got a minigrad "
                            "Tensor; it is already a Tensor (use ToFloat to scale a uint8 batch)")
        if not (hasattr(pic, "__array_interface__") or hasattr(pic, "__array__")):
            raise TypeError(f"ToTensor: pic should be a PIL Image or a NumPy ndarray, got {type(pic).__name__}")
        host = _backend("cpu")
        a = host.asarray(pic)  # PIL images expose their pixels through the array interface
        if a.ndim == 2:
            a = a[:, :, None]
        if a.ndim != 3:
            raise ValueError(f"ToTensor: pic should be 2 or 3 dimensional (H x W [x C]), got shape {a.shape}")
        a = host.xp.ascontiguousarray(a.transpose(2, 0, 1))
        if a.dtype == host.xp.uint8:
            a = a.astype(host.xp.float32) * (1.0 / 255.0)
        return _wrap(a, "cpu")

    def __repr__(self) -> str:
        return "ToTensor()"


def _size2(size: Any, who: str) -> tuple[int, int]:
    """torchvision's size forms (int, (s,), (h, w)) -> (h, w)."""
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        size = (int(size), int(size))
    elif isinstance(size, Sequence) and len(size) in (1, 2) and all(
        isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in size
    ):
        size = (int(size[0]), int(size[-1]))
    else:
        raise TypeError(f"{who}: size must be an int or a sequence of one or two ints, got {size!r}")
    if min(size) < 1:
        raise ValueError(f"{who}: size must be positive, got {size}")
    return size


def _spatial_widths(ndim: int, top: int, bottom: int, left: int, right: int) -> tuple:
    return ((0, 0),) * (ndim - 2) + ((top, bottom), (left, right))


def _fill_for(xp: Any, fill: Number, dtype: Any) -> Number:
    """``fill`` as the image dtype holds it: rounded and clipped for integer images, not wrapped."""
    if dtype.kind in "ui":
        info = xp.iinfo(dtype)
        return int(min(max(round(fill), info.min), info.max))
    return fill


class CenterCrop(Transform):
    """The central ``size`` window of every image (any ``(..., H, W)`` tensor).

    As torchvision: the offset is ``round((H - h) / 2)`` (Python's rounding) and an
    image smaller than ``size`` is first padded with zeros to fit.
    """

    _dims = None

    def __init__(self, size: Union[int, Sequence[int]]) -> None:
        self.size = _size2(size, "CenterCrop")

    def apply(self, x: Any, rng: Any) -> Any:
        xp = _backend(x.device).xp
        a = x.array
        th, tw = self.size
        h, w = a.shape[-2:]
        if th > h or tw > w:
            dh, dw = max(th - h, 0), max(tw - w, 0)
            a = xp.pad(a, _spatial_widths(a.ndim, dh // 2, (dh + 1) // 2, dw // 2, (dw + 1) // 2))
            h, w = a.shape[-2:]
        top, left = int(round((h - th) / 2.0)), int(round((w - tw) / 2.0))
        return _wrap(a[..., top : top + th, left : left + tw].copy(), x.device)


class Pad(Transform):
    """Pad every image on its borders (any ``(..., H, W)`` tensor), torchvision's arguments.

    ``padding``: p (all sides), (left/right, top/bottom) or (left, top, right,
    bottom). ``padding_mode``: 'constant' (with ``fill``), 'edge' (repeat the
    border pixel), 'reflect' (mirror without repeating it; each pad must be
    smaller than that side of the image, as torch requires) or 'symmetric'
    (mirror repeating it).
    """

    _dims = None
    _MODES = ("constant", "edge", "reflect", "symmetric")

    def __init__(self, padding: Union[int, Sequence[int]], fill: Number = 0, padding_mode: str = "constant") -> None:
        if isinstance(padding, bool) or not isinstance(padding, (numbers.Integral, Sequence)):
            raise TypeError(f"Pad: padding must be an int or a sequence of ints, got {type(padding).__name__}")
        if isinstance(padding, Sequence):
            if len(padding) not in (1, 2, 4) or not all(isinstance(p, numbers.Integral) for p in padding):
                raise ValueError(f"Pad: padding must be an int or 1, 2 or 4 ints, got {padding!r}")
            if len(padding) == 1:
                padding = padding[0]
        if isinstance(fill, bool) or not isinstance(fill, numbers.Real):
            raise TypeError(f"Pad: fill must be a number for Tensor images, got {fill!r}")
        if padding_mode not in self._MODES:
            raise ValueError(f"Pad: padding_mode must be one of {self._MODES}, got {padding_mode!r}")
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode
        self._ltrb = _padding4(padding, "Pad")

    def apply(self, x: Any, rng: Any) -> Any:
        xp = _backend(x.device).xp
        a = x.array
        left, top, right, bottom = self._ltrb
        h, w = a.shape[-2:]
        if self.padding_mode == "reflect" and (max(top, bottom) >= h or max(left, right) >= w):
            raise ValueError(
                f"Pad: reflect padding {self._ltrb} (left, top, right, bottom) must be smaller than the image "
                f"{(h, w)} on each side (input shape {tuple(x.shape)})"
            )
        if self.padding_mode in ("edge", "reflect", "symmetric") and a.size == 0 and any(self._ltrb):
            raise ValueError(f"Pad: cannot {self.padding_mode}-pad an empty image of shape {tuple(x.shape)}")
        widths = _spatial_widths(a.ndim, top, bottom, left, right)
        if self.padding_mode == "constant":
            out = xp.pad(a, widths, mode="constant", constant_values=_fill_for(xp, self.fill, a.dtype))
        else:
            out = xp.pad(a, widths, mode=self.padding_mode)
        return _wrap(out, x.device)


class RandomVerticalFlip(Transform):
    """Mirror each image top-bottom with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomVerticalFlip: p must be in [0, 1], got {p}")
        self.p = float(p)

    def apply(self, x: Any, rng: Any) -> Any:
        xp = _backend(x.device).xp
        a = x.array
        flip = (rng.random(a.shape[0]) < self.p).reshape((-1,) + (1,) * (a.ndim - 1))
        return _wrap(xp.where(flip, a[..., ::-1, :], a), x.device)


class RandomRotation(Transform):
    """Rotate each image by its own angle drawn from ``degrees`` (d: [-d, d]; or (min, max)),
    counter-clockwise about the centre, keeping the size; uncovered pixels take ``fill``.

    It is ``RandomAffine`` with rotation only (same draws, same resampling).
    torchvision's ``expand=True`` and a custom ``center`` are not supported.
    """

    def __init__(
        self,
        degrees: Union[Number, Sequence[Number]],
        interpolation: str = "nearest",
        expand: bool = False,
        center: Optional[Sequence[Number]] = None,
        fill: Number = 0,
    ) -> None:
        who = "RandomRotation"
        self.degrees = _pair(degrees, "degrees", who, symmetric=True)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"{who}: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
        if expand:
            raise ValueError(f"{who}: expand=True is not supported; the output keeps the input size")
        if center is not None:
            raise ValueError(f"{who}: center={center!r} is not supported; images turn about their centre")
        if isinstance(fill, bool) or not isinstance(fill, numbers.Real):
            raise TypeError(f"{who}: fill must be a number, got {fill!r}")
        self.interpolation = interpolation
        self.expand = False
        self.center = None
        self.fill = fill
        self._affine = RandomAffine(self.degrees, interpolation=interpolation, fill=fill)

    def apply(self, x: Any, rng: Any) -> Any:
        return self._affine.apply(x, rng)


def _linear_taps(xp: Any, n_in: int, n_out: int, dtype: Any) -> tuple:
    """Source rows and weights of bilinear resampling along one axis, half-pixel centres
    (``align_corners=False``), as ``torch.nn.functional.interpolate``: src = (i + 0.5) * in/out - 0.5."""
    scale = n_in / n_out
    src = xp.maximum((xp.arange(n_out, dtype=dtype) + 0.5) * scale - 0.5, 0)  # Python scalars: dtype kept
    i0 = xp.minimum(xp.floor(src).astype(xp.int64), n_in - 1)
    i1 = xp.minimum(i0 + 1, n_in - 1)
    frac = (src - i0.astype(dtype)).astype(dtype)
    return i0, i1, frac


class Resize(Transform):
    """Resize every image (any ``(..., H, W)`` tensor) to ``size``, torchvision's rule.

    ``size`` (h, w): exactly that. An int (or ``(s,)``): the shorter side becomes
    ``s`` and the longer keeps the aspect ratio (``int(s * long / short)``),
    capped at ``max_size``. ``interpolation``: 'bilinear' (default) or 'nearest',
    with half-pixel centres as ``torch.nn.functional.interpolate(...,
    align_corners=False)``. No antialiasing: torchvision antialiases when
    shrinking by default; minigrad does not (``antialias=True`` is refused), so
    downscaling by a large factor aliases. Integer images are computed in
    float32, then rounded and clipped back to their dtype.
    """

    _dims = None

    def __init__(
        self,
        size: Union[int, Sequence[int]],
        interpolation: str = "bilinear",
        max_size: Optional[int] = None,
        antialias: Optional[bool] = False,
    ) -> None:
        who = "Resize"
        self._exact = not (isinstance(size, numbers.Integral) or (isinstance(size, Sequence) and len(size) == 1))
        _size2(size, who)  # validates
        self.size = size
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"{who}: interpolation must be 'bilinear' or 'nearest', got {interpolation!r}")
        if max_size is not None:
            if self._exact:
                raise ValueError(f"{who}: max_size is only allowed when size is an int, got size={size!r}")
            if isinstance(max_size, bool) or not isinstance(max_size, numbers.Integral):
                raise TypeError(f"{who}: max_size must be an int, got {max_size!r}")
            if max_size <= _size2(size, who)[0]:
                raise ValueError(f"{who}: max_size={max_size} must be strictly greater than the requested size {size}")
        if antialias:
            raise ValueError(f"{who}: antialias=True is not supported; minigrad resizes without antialiasing")
        self.interpolation = interpolation
        self.max_size = max_size
        self.antialias = False

    def output_size(self, h: int, w: int) -> tuple[int, int]:
        """The (height, width) an ``h x w`` image is resized to."""
        if self._exact:
            return _size2(self.size, "Resize")
        s = _size2(self.size, "Resize")[0]
        short, long = (h, w) if h <= w else (w, h)
        new_short, new_long = s, int(s * long / short)
        if self.max_size is not None and new_long > self.max_size:
            new_short, new_long = int(self.max_size * new_short / new_long), self.max_size
        return (new_short, new_long) if h <= w else (new_long, new_short)

    def apply(self, x: Any, rng: Any) -> Any:
        xp = _backend(x.device).xp
        a = x.array
        h, w = a.shape[-2:]
        if h == 0 or w == 0:
            raise ValueError(f"Resize: cannot resize an empty image, input shape {tuple(x.shape)}")
        oh, ow = self.output_size(h, w)
        if (oh, ow) == (h, w):
            return _wrap(a.copy(), x.device)
        if self.interpolation == "nearest":
            # torch's 'nearest': floor(i * in / out), computed in float32 like its kernel.
            rows = xp.minimum(xp.floor(xp.arange(oh, dtype=xp.float32) * xp.float32(h / oh)).astype(xp.int64), h - 1)
            cols = xp.minimum(xp.floor(xp.arange(ow, dtype=xp.float32) * xp.float32(w / ow)).astype(xp.int64), w - 1)
            return _wrap(xp.take(xp.take(a, rows, axis=-2), cols, axis=-1), x.device)
        work = a.dtype if a.dtype.kind == "f" else xp.float32
        f = a.astype(work, copy=False)
        r0, r1, fy = _linear_taps(xp, h, oh, work)
        top, bottom = xp.take(f, r0, axis=-2), xp.take(f, r1, axis=-2)
        f = top + (bottom - top) * fy[:, None]
        c0, c1, fx = _linear_taps(xp, w, ow, work)
        left, right = xp.take(f, c0, axis=-1), xp.take(f, c1, axis=-1)
        out = left + (right - left) * fx
        return _wrap(_finish(xp, out, a.dtype), x.device)
