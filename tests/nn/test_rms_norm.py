"""nn.RMSNorm / F.rms_norm (ops/rms_norm.py, nn/rms_norm.py): PyTorch parity forward and
backward (input and weight) over normalized_shape, eps (None = the dtype's machine epsilon)
and elementwise_affine, gradcheck / gradgradcheck, float32 kept, state_dict, repr, errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from tests.nn._torch_compare import compare_fn, compare_with_torch, rand


@pytest.mark.parametrize("shape,normalized", [((3, 4), (4,)), ((2, 3, 4), (3, 4)),
                                              ((5,), [5]), ((2, 3), (3,))])
@pytest.mark.parametrize("eps", [None, 1e-3])
def test_rms_norm_matches_torch(shape, normalized, eps) -> None:
    torch = pytest.importorskip("torch")
    wshape = (normalized,) if isinstance(normalized, int) else tuple(normalized)
    compare_fn(lambda x, w: F.rms_norm(x, normalized, w, eps),
               lambda x, w: torch.nn.functional.rms_norm(x, normalized, w, eps),
               rand(shape), rand(wshape, seed=1))
    compare_fn(lambda x: F.rms_norm(x, normalized, eps=eps),
               lambda x: torch.nn.functional.rms_norm(x, normalized, eps=eps), rand(shape))


def test_eps_none_is_the_dtype_epsilon() -> None:
    """Tiny inputs make eps dominate: float32 uses 2**-23, float64 2**-52 (torch.finfo)."""
    torch = pytest.importorskip("torch")
    x = np.full((2, 3), 1e-6)
    for mg_dtype, t_dtype in ((mg.float32, torch.float32), (mg.float64, torch.float64)):
        ours = F.rms_norm(mg.tensor(x, dtype=mg_dtype), (3,))
        theirs = torch.nn.functional.rms_norm(torch.tensor(x, dtype=t_dtype), (3,))
        assert ours.dtype == mg_dtype
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    np.testing.assert_allclose(F.rms_norm(mg.tensor(x, dtype=mg.float64), (3,)).numpy(),
                               1e-6 / np.sqrt(1e-12 + 2.0 ** -52), rtol=1e-12)


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("eps", [None, 1e-5])
def test_layer_matches_torch(affine, eps) -> None:
    torch = pytest.importorskip("torch")
    ours = nn.RMSNorm((3, 4), eps=eps, elementwise_affine=affine)
    theirs = torch.nn.RMSNorm((3, 4), eps=eps, elementwise_affine=affine)
    if affine:
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(rand((3, 4), seed=3)))
    compare_with_torch(ours, theirs, rand((2, 3, 4)))
    assert repr(ours) == repr(theirs)


def test_layer_defaults_and_state_dict() -> None:
    layer = nn.RMSNorm(4)
    assert layer.normalized_shape == (4,) and layer.eps is None and layer.elementwise_affine
    assert list(layer.state_dict()) == ["weight"] and layer.weight.dtype == mg.float32
    np.testing.assert_array_equal(layer.weight.detach().numpy(), np.ones(4))
    assert list(nn.RMSNorm(4, elementwise_affine=False).state_dict()) == []
    assert nn.RMSNorm(4, dtype=mg.float64).weight.dtype == mg.float64


def test_gradcheck_and_gradgradcheck() -> None:
    x = mg.tensor(rand((2, 3, 4)), requires_grad=True)
    w = mg.tensor(rand((3, 4), seed=1), requires_grad=True)
    fn = lambda a, b: F.rms_norm(a, (3, 4), b, 1e-3)  # noqa: E731
    assert mg.gradcheck(fn, (x, w)) and mg.gradgradcheck(fn, (x, w))
    assert mg.gradcheck(lambda a: F.rms_norm(a.transpose(0, 2), (2,)), (x,))  # non-contiguous
    assert mg.gradcheck_module(nn.RMSNorm(4).double(), (mg.tensor(rand((3, 4)),
                                                                  requires_grad=True),))


def test_float32_stays_float32() -> None:
    layer = nn.RMSNorm(4)
    x = mg.randn(3, 4).requires_grad_()
    out = layer(x) + F.rms_norm(x, (4,), eps=np.float64(1e-3))
    assert out.dtype == mg.float32
    out.sum().backward()
    assert x.grad.dtype == mg.float32 and layer.weight.grad.dtype == mg.float32


def test_errors() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match=r"normalized_shape=\[4\].*\(3, 5\)"):
        F.rms_norm(mg.zeros(3, 5), (4,))
    with pytest.raises(RuntimeError):
        torch.nn.functional.rms_norm(torch.zeros(3, 5), (4,))
    with pytest.raises(RuntimeError, match=r"weight of shape \(3,\)"):
        F.rms_norm(mg.zeros(3, 4), (4,), mg.ones(3))
    with pytest.raises(RuntimeError):
        torch.nn.functional.rms_norm(torch.zeros(3, 4), (4,), torch.ones(3))
    with pytest.raises(RuntimeError, match=r"RMSNorm|rms_norm"):
        nn.RMSNorm(4)(mg.zeros(2, 3))
    with pytest.raises(TypeError, match="rms_norm: expected a floating-point input"):
        F.rms_norm(mg.zeros((2, 3), dtype=mg.int64), (3,))
    with pytest.raises(RuntimeError, match="at least 1-dimensional"):
        F.rms_norm(mg.zeros(2, 3), ())
    with pytest.raises(TypeError, match="normalized_shape"):
        nn.RMSNorm("4")
