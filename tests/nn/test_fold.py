"""F.unfold / F.fold (ops/fold.py) and nn.Unfold / nn.Fold: PyTorch parity forward and backward
over kernel_size, dilation, padding and stride (batched and unbatched), the adjoint identity,
float64 gradcheck / gradgradcheck, float32 kept, repr and errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from tests.nn._torch_compare import compare_fn, rand

# (image shape, kernel_size, dilation, padding, stride)
CASES = [((2, 3, 5, 6), 2, 1, 0, 1), ((2, 3, 5, 6), (2, 3), 1, 1, 1),
         ((1, 2, 7, 7), 3, 2, 1, 2), ((2, 1, 6, 5), (3, 2), (1, 2), (2, 0), (2, 1)),
         ((3, 6, 5), 2, 1, 0, (1, 2)), ((2, 2, 4, 4), 1, 1, 0, 3), ((1, 2, 5, 5), 5, 1, 2, 1)]
IDS = [f"{shape}-k{k}-d{d}-p{p}-s{s}" for shape, k, d, p, s in CASES]


def _torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("shape,k,d,p,s", CASES, ids=IDS)
def test_unfold_matches_torch(shape, k, d, p, s) -> None:
    torch = _torch()
    compare_fn(lambda x: F.unfold(x, k, d, p, s),
               lambda x: torch.nn.functional.unfold(x, k, d, p, s), rand(shape))


@pytest.mark.parametrize("shape,k,d,p,s", CASES, ids=IDS)
def test_fold_matches_torch(shape, k, d, p, s) -> None:
    torch = _torch()
    cols_shape = tuple(torch.nn.functional.unfold(torch.zeros(shape), k, d, p, s).shape)
    compare_fn(lambda y: F.fold(y, shape[-2:], k, d, p, s),
               lambda y: torch.nn.functional.fold(y, shape[-2:], k, d, p, s), rand(cols_shape))


def test_unfold_by_hand() -> None:
    x = mg.arange(9.0).reshape(1, 1, 3, 3)
    assert F.unfold(x, 2).tolist() == [[[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]]
    # fold sums each pixel's copies: the centre is seen by all four windows
    assert F.fold(F.unfold(x, 2), (3, 3), 2).tolist() == [[[[0, 2, 2], [6, 16, 10], [6, 14, 8]]]]


@pytest.mark.parametrize("shape,k,d,p,s", CASES[:4], ids=IDS[:4])
def test_unfold_and_fold_are_adjoint(shape, k, d, p, s) -> None:
    x = mg.tensor(rand(shape))
    cols = F.unfold(x, k, d, p, s)
    y = mg.tensor(rand(tuple(cols.shape), 1))
    lhs = float((cols * y).sum())
    rhs = float((x * F.fold(y, shape[-2:], k, d, p, s)).sum())
    assert np.isclose(lhs, rhs, rtol=1e-12, atol=1e-12)


def test_non_contiguous_input() -> None:
    torch = _torch()
    a = rand((2, 5, 6, 3))
    compare_fn(lambda x: F.unfold(x.permute(0, 3, 1, 2), 2, 1, 0, 2),
               lambda x: torch.nn.functional.unfold(x.permute(0, 3, 1, 2), 2, 1, 0, 2), a)


def test_gradcheck_and_gradgradcheck() -> None:
    x = mg.tensor(rand((1, 2, 5, 4)), requires_grad=True)
    assert mg.gradcheck(lambda t: F.unfold(t, (2, 3), 1, 1, (2, 1)), (x,))
    assert mg.gradgradcheck(lambda t: F.unfold(t, (2, 3), 1, 1, (2, 1)) ** 2, (x,))
    y = mg.tensor(rand((1, 8, 6)), requires_grad=True)
    assert mg.gradcheck(lambda t: F.fold(t, (3, 5), 2, padding=(0, 1), stride=(1, 2)), (y,))
    assert mg.gradgradcheck(lambda t: F.fold(t, (3, 5), 2, padding=(0, 1), stride=(1, 2)) ** 2,
                            (y,))


def test_float32_stays_float32() -> None:
    x = mg.randn(1, 2, 4, 4).float().requires_grad_()
    cols = F.unfold(x, 2, padding=1)
    out = F.fold(cols * 2.0, (4, 4), 2, padding=1)
    out.sum().backward()
    assert cols.dtype == out.dtype == x.grad.dtype == mg.float32


def test_layers_match_torch() -> None:
    torch = _torch()
    for ours, theirs, shape in [
            (nn.Unfold((2, 3), dilation=2, padding=1, stride=2),
             torch.nn.Unfold((2, 3), dilation=2, padding=1, stride=2), (2, 3, 6, 7)),
            (nn.Fold((4, 5), 2, stride=(2, 1)), torch.nn.Fold((4, 5), 2, stride=(2, 1)),
             (2, 12, 8))]:
        assert repr(ours) == repr(theirs)
        compare_fn(ours, theirs, rand(shape))
    assert mg.gradcheck_module(nn.Unfold(2), (mg.tensor(rand((1, 1, 3, 3)), requires_grad=True),))


def test_errors() -> None:
    with pytest.raises(RuntimeError, match=r"unfold: expected a 3-D \(C, H, W\) or 4-D.*\(3, 4\)"):
        F.unfold(mg.randn(3, 4), 2)
    with pytest.raises(RuntimeError, match=r"spatial size \(4, 4\).*\(0, 0\) sliding blocks"):
        F.unfold(mg.randn(1, 3, 4, 4), 5)
    with pytest.raises(RuntimeError, match=r"kernel_size should be greater than zero"):
        F.unfold(mg.randn(1, 3, 4, 4), 0)
    with pytest.raises(RuntimeError, match=r"stride should be greater than zero"):
        F.unfold(mg.randn(1, 3, 4, 4), 2, stride=0)
    with pytest.raises(RuntimeError, match=r"padding should be non-negative"):
        F.unfold(mg.randn(1, 3, 4, 4), 2, padding=-1)
    with pytest.raises(TypeError, match=r"kernel_size must be an int or a pair"):
        F.unfold(mg.randn(1, 3, 4, 4), (2, 2, 2))
    with pytest.raises(NotImplementedError, match=r"unfold: not implemented for int64"):
        F.unfold(mg.zeros(1, 3, 4, 4, dtype=mg.int64), 2)
    with pytest.raises(RuntimeError, match=r"divisible by the product of kernel_size \(2, 2\).*"
                                           r"\(1, 13, 9\)"):
        F.fold(mg.randn(1, 13, 9), (4, 4), 2)
    with pytest.raises(RuntimeError, match=r"3 \* 3 = 9 sliding blocks.*\(1, 12, 10\) has 10"):
        F.fold(mg.randn(1, 12, 10), (4, 4), 2)
    with pytest.raises(RuntimeError, match=r"fold: expected a 2-D.*\(2, 1, 12, 9\)"):
        F.fold(mg.randn(2, 1, 12, 9), (4, 4), 2)
    torch = _torch()
    for call in (lambda: torch.nn.functional.fold(torch.randn(1, 13, 9), (4, 4), 2),
                 lambda: torch.nn.functional.fold(torch.randn(1, 12, 10), (4, 4), 2),
                 lambda: torch.nn.functional.unfold(torch.randn(1, 3, 4, 4), 0)):
        with pytest.raises(RuntimeError):
            call()
