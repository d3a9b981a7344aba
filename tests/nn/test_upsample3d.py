"""F.interpolate / nn.Upsample on 5-D (volumetric) input ('nearest', 'nearest-exact',
'trilinear' with align_corners both ways, 'area') and 'bicubic' on 4-D input: PyTorch
agreement forward and backward, gradcheck and gradgradcheck in float64, float32 end to end,
errors. Where PyTorch's own backward is not the gradient of its forward (its gradcheck fails,
asserted here), minigrad's backward is the adjoint of the forward it matches: checked by
gradcheck instead."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _sizes(shape, kw):
    if kw.get("size") is not None:
        size = kw["size"]
        return tuple(size) if isinstance(size, tuple) else (size,) * (len(shape) - 2)
    f = kw["scale_factor"]
    f = f if isinstance(f, tuple) else (f,) * (len(shape) - 2)
    return tuple(math.floor(n * s) for n, s in zip(shape[2:], f))


def _torch_backward_is_off(shape, kw) -> bool:
    """PyTorch 2.13's volumetric 'nearest' forward reads floor(dst / scale_factor) but its
    backward takes the same-size (dst) and doubled-size (dst // 2) shortcuts; its bicubic
    backward copies when no size changes even though its forward resamples by the given
    scale factor (without align_corners)."""
    if kw.get("scale_factor") is None or kw.get("recompute_scale_factor"):
        return False
    out = _sizes(shape, kw)
    f = kw["scale_factor"]
    f = f if isinstance(f, tuple) else (f,) * len(out)
    if kw["mode"] == "bicubic":
        return out == tuple(shape[2:]) and any(s != 1 for s in f) and not kw["align_corners"]
    if kw["mode"] != "nearest":
        return False
    for n, o, s in zip(shape[2:], out, f):
        plain = [min(math.floor(np.float32(i) * np.float32(1.0 / s)), n - 1) for i in range(o)]
        if o in (n, 2 * n) and plain != [i if o == n else i // 2 for i in range(o)]:
            return True
    return False


VOLUME = [dict(scale_factor=2), dict(scale_factor=1.1), dict(scale_factor=(1.5, 2.19, 0.7)),
          dict(size=(5, 7, 3)), dict(size=(4, 10, 6)), dict(scale_factor=(1.0, 2.0, 1.3)),
          dict(scale_factor=1.7, recompute_scale_factor=True), dict(size=(1, 1, 1))]
CASES = [dict(mode=m, align_corners=a, **kw) for kw in VOLUME
         for m, a in [("nearest", None), ("nearest-exact", None), ("trilinear", False),
                      ("trilinear", True), ("area", None)]]
BICUBIC = [dict(mode="bicubic", align_corners=a, **kw) for a in (False, True) for kw in
           [dict(scale_factor=2), dict(scale_factor=1.1), dict(scale_factor=(1.5, 0.6)),
            dict(size=(5, 7)), dict(size=(3, 20)), dict(size=(1, 1)),
            dict(scale_factor=(1.0, 2.0)), dict(scale_factor=1.7, recompute_scale_factor=True)]]


@pytest.mark.parametrize("kw", CASES + BICUBIC, ids=lambda kw: "-".join(map(str, kw.values())))
def test_matches_torch(kw):
    torch = pytest.importorskip("torch")
    shape = (2, 2, 5, 4, 3) if kw["mode"] != "bicubic" else (2, 2, 5, 6)
    x = _x(shape)
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ym, yt = F.interpolate(xm, **kw), torch.nn.functional.interpolate(xt, **kw)
    assert ym.shape == tuple(yt.shape)
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    layer = nn.Upsample(kw.get("size"), kw.get("scale_factor"), kw["mode"], kw["align_corners"],
                        kw.get("recompute_scale_factor"))
    np.testing.assert_allclose(layer(xm).detach().numpy(), yt.detach().numpy(), rtol=1e-12,
                               atol=1e-12)
    if _torch_backward_is_off(shape, kw):
        assert not torch.autograd.gradcheck(lambda t: torch.nn.functional.interpolate(t, **kw),
                                            (torch.tensor(x[:1, :1], requires_grad=True),),
                                            raise_exception=False)
        assert mg.gradcheck(lambda t: F.interpolate(t, **kw),
                            (mg.tensor(x[:1, :1], requires_grad=True),))
        return
    g = _x(tuple(yt.shape), 1)
    ym.backward(mg.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_float32_matches_torch():
    torch = pytest.importorskip("torch")
    x = _x((1, 2, 4, 3, 5), 2).astype(np.float32)
    for kw in (dict(scale_factor=1.7, mode="trilinear"), dict(size=(7, 5, 2), mode="nearest"),
               dict(scale_factor=2.3, mode="nearest-exact"),
               dict(scale_factor=1.5, mode="trilinear", align_corners=True)):
        y = F.interpolate(mg.tensor(x), **kw)
        assert y.dtype == mg.float32
        np.testing.assert_allclose(y.numpy(), torch.nn.functional.interpolate(
            torch.tensor(x), **kw).numpy(), rtol=1e-5, atol=1e-6)
    y = F.interpolate(mg.tensor(x[:, :, 0]), scale_factor=1.7, mode="bicubic")
    np.testing.assert_allclose(y.numpy(), torch.nn.functional.interpolate(
        torch.tensor(x[:, :, 0]), scale_factor=1.7, mode="bicubic").numpy(), rtol=1e-5,
        atol=1e-6)


@pytest.mark.parametrize("kw", [dict(scale_factor=1.6, mode="trilinear"),
                                dict(size=(3, 4, 2), mode="trilinear", align_corners=True),
                                dict(scale_factor=2, mode="nearest"),
                                dict(size=(4, 2, 5), mode="nearest-exact"),
                                dict(size=(2, 2, 3), mode="area")])
def test_gradcheck_and_gradgradcheck_volumetric(kw):
    x = mg.tensor(_x((1, 2, 3, 2, 3), 3), requires_grad=True)
    assert mg.gradcheck(lambda t: F.interpolate(t, **kw), (x,))
    assert mg.gradgradcheck(lambda t: F.interpolate(t, **kw), (x,))
    assert mg.gradcheck(lambda t: F.interpolate(t.transpose(2, 4), **kw), (x,))  # non-contiguous


@pytest.mark.parametrize("align_corners", [False, True])
def test_gradcheck_and_gradgradcheck_bicubic(align_corners):
    x = mg.tensor(_x((1, 2, 4, 3), 4), requires_grad=True)
    fn = lambda t: F.interpolate(t, size=(5, 7), mode="bicubic",  # noqa: E731
                                 align_corners=align_corners)
    assert mg.gradcheck(fn, (x,))
    assert mg.gradgradcheck(fn, (x,))


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "trilinear", "area"])
def test_float32_stays_float32(mode):
    x = mg.randn(1, 2, 3, 4, 2, requires_grad=True)
    y = F.interpolate(x, scale_factor=1.7, mode=mode)
    assert y.dtype == mg.float32
    (gx,) = mg.autograd.grad([(y ** 2).sum()], [x], create_graph=True)
    assert gx.dtype == mg.float32
    gx.sum().backward()
    assert x.grad.dtype == mg.float32
    z = F.interpolate(x[:, :, 0], scale_factor=np.float64(1.7), mode="bicubic")
    assert z.dtype == mg.float32


def test_errors():
    v = mg.randn(1, 2, 3, 3, 3)
    with pytest.raises(ValueError, match=r"interpolate: mode='bicubic' needs a 4-D input, got "
                                         r"shape \(1, 2, 3, 3, 3\)"):
        F.interpolate(v, scale_factor=2, mode="bicubic")
    with pytest.raises(ValueError, match=r"Upsample: mode='trilinear' needs a 5-D input"):
        nn.Upsample(scale_factor=2, mode="trilinear")(mg.randn(1, 2, 3, 3))
    with pytest.raises(ValueError, match=r"same number of spatial dimensions.*size=\(2, 3\)"):
        F.interpolate(v, size=(2, 3))
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(v, scale_factor=2, mode="nearest", align_corners=False)
    with pytest.raises(ValueError, match=r"expected a 3-D .* or 5-D \(N, C, D, H, W\) input"):
        F.interpolate(mg.randn(1, 1, 2, 2, 2, 2), scale_factor=2)
