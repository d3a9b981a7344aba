"""Hardshrink / Softshrink and F.hardshrink / F.softshrink (ops/shrink.py,
nn/activation_more.py): PyTorch parity forward and backward over lambd (values exactly at
+-lambd included), gradcheck / gradgradcheck, float32 kept, repr, errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from tests.nn._torch_compare import compare_fn, rand


def _with_band_edges(lambd, shape=(4, 5), seed=0):
    a = rand(shape, seed)
    a.reshape(-1)[:5] = [lambd, -lambd, 0.0, 40.0, -40.0]
    return a


@pytest.mark.parametrize("lambd", [0.5, 0.0, 1.25, 3.0])
@pytest.mark.parametrize("name", ["hardshrink", "softshrink"])
def test_functional_matches_torch(name, lambd) -> None:
    torch = pytest.importorskip("torch")
    compare_fn(lambda x: getattr(F, name)(x, lambd),
               lambda x: getattr(torch.nn.functional, name)(x, lambd), _with_band_edges(lambd))


def test_hardshrink_negative_lambd_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    compare_fn(lambda x: F.hardshrink(x, -0.3), lambda x: torch.nn.functional.hardshrink(x, -0.3),
               _with_band_edges(0.3))


@pytest.mark.parametrize("name", ["Hardshrink", "Softshrink"])
def test_layers_match_torch(name) -> None:
    torch = pytest.importorskip("torch")
    for args in ((), (0.7,)):
        ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
        assert repr(ours) == repr(theirs)
        compare_fn(ours, theirs, _with_band_edges(0.7, (2, 3, 4)))
    assert getattr(nn, name)().lambd == 0.5


@pytest.mark.parametrize("fn", [lambda x: F.hardshrink(x, 0.4), lambda x: F.softshrink(x, 0.4)])
def test_gradcheck_and_gradgradcheck(fn) -> None:
    x = mg.tensor(rand((3, 4)) + 0.05, requires_grad=True)  # away from the kinks at +-0.4
    x.data.array[np.abs(np.abs(x.array) - 0.4) < 1e-3] += 0.01
    assert mg.gradcheck(fn, (x,)) and mg.gradgradcheck(fn, (x,))
    assert mg.gradcheck(lambda a: fn(a.transpose(0, 1)), (x,))


def test_float32_and_empty() -> None:
    x = mg.randn(3, 4).requires_grad_()
    out = F.hardshrink(x, np.float64(0.3)) + nn.Softshrink(np.float64(0.3))(x)
    assert out.dtype == mg.float32
    out.sum().backward()
    assert x.grad.dtype == mg.float32
    assert F.softshrink(mg.zeros(0, 3)).shape == (0, 3)


def test_errors() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="softshrink: lambda must be greater or equal to 0"):
        F.softshrink(mg.zeros(2), -0.5)
    with pytest.raises(RuntimeError):
        torch.nn.functional.softshrink(torch.zeros(2), -0.5)
    with pytest.raises(RuntimeError, match="hardshrink: not implemented for int64"):
        F.hardshrink(mg.zeros(2, dtype=mg.int64))
    with pytest.raises(RuntimeError):
        torch.nn.functional.hardshrink(torch.zeros(2, dtype=torch.int64))
    with pytest.raises(TypeError, match="lambd must be a number"):
        F.hardshrink(mg.zeros(2), "0.5")
