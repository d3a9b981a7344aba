"""PixelShuffle / PixelUnshuffle / ChannelShuffle / Softmax2d (nn/shuffle.py) and their functional
forms: PyTorch parity forward and backward (batched, unbatched, extra leading dims), inverse
pairs, float64 gradcheck / gradgradcheck, float32 kept, repr and torch's errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from tests.nn._torch_compare import compare_fn, rand


def _torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("shape,r", [((2, 8, 2, 3), 2), ((9, 2, 2), 3), ((2, 3, 8, 2, 3), 2),
                                     ((1, 3, 2, 2), 1)])
def test_pixel_shuffle_matches_torch(shape, r) -> None:
    torch = _torch()
    compare_fn(lambda x: F.pixel_shuffle(x, r), lambda x: torch.nn.functional.pixel_shuffle(x, r),
               rand(shape))


@pytest.mark.parametrize("shape,r", [((2, 2, 4, 6), 2), ((1, 6, 3), 3), ((2, 2, 1, 4, 4), 4)])
def test_pixel_unshuffle_matches_torch_and_inverts(shape, r) -> None:
    torch = _torch()
    compare_fn(lambda x: F.pixel_unshuffle(x, r),
               lambda x: torch.nn.functional.pixel_unshuffle(x, r), rand(shape))
    x = mg.tensor(rand(shape))
    assert np.array_equal(F.pixel_shuffle(F.pixel_unshuffle(x, r), r).numpy(), x.numpy())


@pytest.mark.parametrize("shape,g", [((2, 6, 3), 3), ((2, 6, 3, 2, 2), 2), ((1, 4, 2, 2), 1),
                                     ((3, 8, 1), 4)])
def test_channel_shuffle_matches_torch(shape, g) -> None:
    torch = _torch()
    compare_fn(lambda x: F.channel_shuffle(x, g), lambda x: torch.nn.functional.channel_shuffle(x, g),
               rand(shape))


def test_channel_shuffle_by_hand() -> None:
    x = mg.arange(6.0).reshape(1, 6, 1)
    assert F.channel_shuffle(x, 2).reshape(-1).tolist() == [0, 3, 1, 4, 2, 5]


def test_layers_match_torch() -> None:
    torch = _torch()
    for ours, theirs, shape in [(nn.PixelShuffle(2), torch.nn.PixelShuffle(2), (2, 4, 3, 3)),
                                (nn.PixelUnshuffle(3), torch.nn.PixelUnshuffle(3), (1, 2, 3, 6)),
                                (nn.ChannelShuffle(2), torch.nn.ChannelShuffle(2), (2, 4, 3)),
                                (nn.Softmax2d(), torch.nn.Softmax2d(), (2, 3, 4, 5)),
                                (nn.Softmax2d(), torch.nn.Softmax2d(), (3, 4, 5))]:
        assert repr(ours) == repr(theirs)
        compare_fn(ours, theirs, rand(shape))


def test_gradcheck_and_gradgradcheck() -> None:
    x = mg.tensor(rand((1, 8, 2, 4)), requires_grad=True)
    for fn in (lambda t: F.pixel_shuffle(t, 2), lambda t: F.pixel_unshuffle(t, 2) * t.sum(),
               lambda t: F.channel_shuffle(t, 4), lambda t: nn.Softmax2d()(t)):
        assert mg.gradcheck(fn, (x,))
        assert mg.gradgradcheck(lambda t: fn(t) ** 2, (x,))


def test_float32_stays_float32() -> None:
    x = mg.randn(1, 4, 2, 2).float().requires_grad_()
    outs = [F.pixel_shuffle(x, 2), F.pixel_unshuffle(x, 2), F.channel_shuffle(x, 2),
            nn.Softmax2d()(x)]
    sum(o.sum() for o in outs).backward()
    assert all(o.dtype == mg.float32 for o in outs) and x.grad.dtype == mg.float32


def test_errors() -> None:
    with pytest.raises(RuntimeError, match=r"divisible by the square of upscale_factor.*"
                                           r"input.size\(-3\)=5 is not divisible by 4"):
        F.pixel_shuffle(mg.randn(5, 2, 3), 2)
    with pytest.raises(RuntimeError, match=r"pixel_shuffle expects input to have at least 3 "
                                           r"dimensions.*\(2, 3\)"):
        F.pixel_shuffle(mg.randn(2, 3), 2)
    with pytest.raises(RuntimeError, match="positive upscale_factor, but got 0"):
        F.pixel_shuffle(mg.randn(4, 2, 3), 0)
    with pytest.raises(RuntimeError, match=r"height to be divisible.*size\(-2\)=5"):
        F.pixel_unshuffle(mg.randn(2, 2, 5, 6), 2)
    with pytest.raises(RuntimeError, match=r"width to be divisible.*size\(-1\)=5"):
        F.pixel_unshuffle(mg.randn(2, 2, 4, 5), 2)
    with pytest.raises(RuntimeError, match=r"channel_shuffle expects input with > 2 dims.*\(2, 6\)"):
        F.channel_shuffle(mg.randn(2, 6), 3)
    with pytest.raises(RuntimeError, match="divisible by groups, got 5 channels and 3 groups"):
        F.channel_shuffle(mg.randn(2, 5, 3), 3)
    with pytest.raises(RuntimeError, match="must be positive, got groups=0"):
        F.channel_shuffle(mg.randn(2, 6, 3), 0)
    with pytest.raises(ValueError, match=r"Softmax2d: expected input to be 3D or 4D, got 2D"):
        nn.Softmax2d()(mg.randn(2, 3))
    torch = _torch()
    for call, exc in [(lambda: torch.nn.functional.pixel_shuffle(torch.randn(5, 2, 3), 2),
                       RuntimeError),
                      (lambda: torch.nn.functional.channel_shuffle(torch.randn(2, 5, 3), 3),
                       RuntimeError),
                      (lambda: torch.nn.Softmax2d()(torch.randn(2, 3)), ValueError)]:
        with pytest.raises(exc):
            call()
