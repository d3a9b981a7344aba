"""The deprecated F.upsample, F.upsample_nearest and F.upsample_bilinear
(nn/upsample_aliases.py): PyTorch's deprecation warnings, and PyTorch's values and gradients
(upsample_bilinear with align_corners=True), as interpolate computes them."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from tests.nn._torch_compare import compare_fn, rand


def _quiet(fn):
    def call(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return fn(*args, **kwargs)
    return call


@pytest.mark.parametrize("kwargs", [{"size": (5, 7)}, {"scale_factor": 2},
                                    {"scale_factor": (1.5, 2.5)}])
@pytest.mark.parametrize("name", ["upsample_bilinear", "upsample_nearest"])
def test_aliases_match_torch(name, kwargs) -> None:
    torch = pytest.importorskip("torch")
    compare_fn(_quiet(lambda x: getattr(F, name)(x, **kwargs)),
               _quiet(lambda x: getattr(torch.nn.functional, name)(x, **kwargs)),
               rand((2, 3, 3, 4)))


@pytest.mark.parametrize("mode,align_corners,shape", [
    ("nearest", None, (2, 3, 4)), ("linear", True, (2, 3, 4)), ("bilinear", False, (1, 2, 3, 4)),
    ("bilinear", True, (1, 2, 3, 4)), ("area", None, (1, 2, 3, 4))])
def test_upsample_matches_torch(mode, align_corners, shape) -> None:
    torch = pytest.importorskip("torch")
    compare_fn(_quiet(lambda x: F.upsample(x, scale_factor=2, mode=mode,
                                           align_corners=align_corners)),
               _quiet(lambda x: torch.nn.functional.upsample(x, scale_factor=2, mode=mode,
                                                             align_corners=align_corners)),
               rand(shape))


def test_upsample_bilinear_is_interpolate_with_align_corners() -> None:
    x = mg.tensor(rand((1, 2, 3, 3)))
    with pytest.warns(UserWarning, match="`nn.functional.upsample_bilinear` is deprecated"):
        out = F.upsample_bilinear(x, size=(5, 6))
    np.testing.assert_array_equal(out.numpy(), F.interpolate(
        x, size=(5, 6), mode="bilinear", align_corners=True).numpy())


@pytest.mark.parametrize("name", ["upsample", "upsample_nearest"])
def test_warnings(name) -> None:
    with pytest.warns(UserWarning, match=f"`nn.functional.{name}` is deprecated. Use "
                                         "`nn.functional.interpolate` instead."):
        getattr(F, name)(mg.zeros(1, 1, 2, 2), scale_factor=2)


def test_float32_and_errors() -> None:
    x = mg.randn(1, 2, 3, 3).requires_grad_()
    out = _quiet(F.upsample_bilinear)(x, scale_factor=2) + _quiet(F.upsample)(x, size=(6, 6))
    assert out.dtype == mg.float32
    out.sum().backward()
    assert x.grad.dtype == mg.float32
    with pytest.raises(ValueError, match="upsample_bilinear: mode='bilinear' needs a 4-D"):
        _quiet(F.upsample_bilinear)(mg.zeros(1, 2, 3), scale_factor=2)
    with pytest.raises(ValueError, match="upsample_nearest: either size or scale_factor"):
        _quiet(F.upsample_nearest)(mg.zeros(1, 2, 3))
