"""Conv1d/2d/3d with padding_mode 'reflect', 'replicate' and 'circular' (PyTorch pads the input
in that mode, then convolves without padding), against PyTorch and by gradcheck."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

MODES = ["reflect", "replicate", "circular"]
LAYERS = {1: "Conv1d", 2: "Conv2d", 3: "Conv3d"}


def _configs(dims: int) -> list:
    kernel = (3, 2, 3)[:dims]
    return [dict(kernel_size=3, padding=1), dict(kernel_size=kernel, padding="same"),
            dict(kernel_size=kernel, padding="valid", stride=2),
            dict(kernel_size=3, padding=(2, 1, 1)[:dims], stride=(2, 1, 1)[:dims],
                 dilation=(1, 2, 1)[:dims])]


def _pair(dims: int, mode: str, config: dict, groups: int = 1):
    torch = pytest.importorskip("torch")
    layer = getattr(nn, LAYERS[dims])(4, 6, groups=groups, padding_mode=mode, **config).double()
    reference = getattr(torch.nn, LAYERS[dims])(4, 6, groups=groups, padding_mode=mode,
                                                **config).double()
    with torch.no_grad():
        reference.weight.copy_(torch.tensor(layer.weight.detach().numpy()))
        reference.bias.copy_(torch.tensor(layer.bias.detach().numpy()))
    return layer, reference, torch


@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("which", range(4))
def test_padding_modes_match_torch(dims: int, mode: str, which: int) -> None:
    config = _configs(dims)[which]
    layer, reference, torch = _pair(dims, mode, config, groups=2 if which == 3 else 1)
    shape = (2, 4) + (7, 6, 5)[:dims]
    x = np.random.default_rng(dims * 10 + which).standard_normal(shape)
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = layer(xm), reference(xt)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    weights = np.random.default_rng(1).standard_normal(out.shape)
    (out * mg.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.weight.grad.numpy(), reference.weight.grad.numpy(),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_padding_modes_gradcheck(dims: int) -> None:
    for mode in MODES:
        layer = getattr(nn, LAYERS[dims])(2, 2, 3, padding=1, padding_mode=mode).double()
        x = mg.tensor(np.random.default_rng(2).standard_normal((1, 2) + (4, 3, 3)[:dims]),
                      requires_grad=True)
        assert mg.gradcheck(layer, (x,))


def test_padding_mode_keeps_float32_and_unbatched_inputs() -> None:
    layer = nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect")
    out = layer(mg.randn(3, 8, 8))  # unbatched (C, H, W), as PyTorch allows
    assert out.shape == (4, 8, 8) and out.dtype == mg.float32
    assert "padding_mode" not in layer.state_dict()


def test_reflect_padding_wider_than_the_input_is_refused() -> None:
    layer = nn.Conv1d(1, 1, 3, padding=4, padding_mode="reflect")
    with pytest.raises(RuntimeError, match="pad"):
        layer(mg.randn(1, 1, 3))
