"""AdaptiveMaxPool2d's two forward paths (a running max over the window offsets for small
windows, argmax along the window for big ones, e.g. global pooling) and its scatter backward:
float64 gradcheck and gradgradcheck, PyTorch parity of values, indices and gradients (ties
included: the first maximum in row-major order wins), float32 throughout."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn.pooling import _LOOP_WINDOW, adaptive_max_pool2d

# (input shape, output size, window elements): both sides of the path switch, overlapping
# windows (13 -> 3, 5 -> 3), tiling windows (8 -> 2), global pooling and windows shared by
# several outputs (an output larger than the input).
CASES = [((2, 3, 13, 13), 3, 25), ((2, 3, 8, 8), 1, 64), ((2, 3, 8, 8), 2, 16),
         ((1, 2, 5, 7), (3, 2), 8), ((1, 2, 4, 3), (7, 5), 4), ((3, 6, 9), 1, 54)]


def _distinct(shape: tuple, seed: int = 0) -> np.ndarray:
    """Shuffled values 0.1 apart: no ties, so the max is differentiable everywhere."""
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n) * 0.1 - 0.05 * n).reshape(shape)


def test_cases_cover_both_paths():
    sizes = [k for _, _, k in CASES]
    assert min(sizes) <= _LOOP_WINDOW < max(sizes)


@pytest.mark.parametrize("shape,size,_", CASES, ids=str)
def test_gradients(shape, size, _):
    x = mg.tensor(_distinct(shape), requires_grad=True)
    assert mg.gradcheck(lambda x: adaptive_max_pool2d(x, size), (x,))
    assert mg.gradgradcheck(lambda x: adaptive_max_pool2d(x, size) ** 2, (x,))


@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
@pytest.mark.parametrize("shape,size,_", CASES, ids=str)
def test_matches_torch(shape, size, _, ties):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    if ties:  # few distinct values: most windows hold their maximum more than once
        x = np.round(x)
    g = np.random.default_rng(2).standard_normal(
        tuple(torch.nn.functional.adaptive_max_pool2d(torch.tensor(x), size).shape))
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, idx = adaptive_max_pool2d(xm, size, return_indices=True)
    tout, tidx = torch.nn.functional.adaptive_max_pool2d(xt, size, return_indices=True)
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    assert out.dtype == mg.float32 and idx.dtype == mg.int64
    (out * mg.tensor(g.astype(np.float32))).sum().backward()
    (tout * torch.tensor(g.astype(np.float32))).sum().backward()
    assert xm.grad.dtype == mg.float32
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_double_backward_stays_float32():
    x = mg.randn(2, 3, 8, 8, requires_grad=True)
    for size in (1, 3):
        (gx,) = mg.autograd.grad([(adaptive_max_pool2d(x, size) ** 2).sum()], [x],
                                 create_graph=True)
        (ggx,) = mg.autograd.grad([(gx * gx).sum()], [x])
        assert gx.dtype == mg.float32 and ggx.dtype == mg.float32
