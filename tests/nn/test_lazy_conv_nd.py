"""LazyConv3d, LazyConvTranspose1d, LazyConvTranspose3d: materialisation and PyTorch
agreement (forward, gradients, state_dict keys), float32, errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.nn.lazy import is_lazy

from ._torch_compare import copy_torch_weights

CASES = {
    "LazyConv3d": (lambda: nn.LazyConv3d(4, 2, groups=2),
                   lambda t: t.nn.LazyConv3d(4, 2, groups=2), (2, 2, 3, 4, 4), "Conv3d"),
    "LazyConvTranspose1d": (lambda: nn.LazyConvTranspose1d(3, 3, stride=2, output_padding=1),
                            lambda t: t.nn.LazyConvTranspose1d(3, 3, stride=2, output_padding=1),
                            (2, 4, 5), "ConvTranspose1d"),
    "LazyConvTranspose3d_unbatched": (lambda: nn.LazyConvTranspose3d(2, 2),
                                      lambda t: t.nn.LazyConvTranspose3d(2, 2), (4, 3, 3, 3),
                                      "ConvTranspose3d"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_materialises_and_matches_torch(case):
    torch = pytest.importorskip("torch")
    make, make_torch, shape, regular = CASES[case]
    m, tm = make().double(), make_torch(torch).double()
    assert list(m.state_dict()) == list(tm.state_dict())
    assert all(is_lazy(p) for p in m.parameters())
    x = np.random.default_rng(0).standard_normal(shape)
    m(mg.tensor(x)), tm(torch.tensor(x))
    assert type(m).__name__ == regular == type(tm).__name__
    assert m.in_channels == tm.in_channels
    copy_torch_weights(m, tm)
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = m(xm), tm(xt)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(tuple(ty.shape))
    y.backward(mg.tensor(g)), ty.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    for (name, p), tp in zip(m.named_parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=name)


def test_float32_and_errors():
    m = nn.LazyConv3d(2, 2)
    assert m(mg.randn(1, 3, 3, 3, 3)).dtype == mg.float32 and m.weight.dtype == mg.float32
    with pytest.raises(RuntimeError, match=r"Expected 2D \(unbatched\) or 3D \(batched\) input "
                                           "to LazyConvTranspose1d"):
        nn.LazyConvTranspose1d(2, 2)(mg.randn(1, 2, 3, 3))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.LazyConvTranspose3d(4, 2, groups=2)(mg.randn(1, 3, 2, 2, 2))
