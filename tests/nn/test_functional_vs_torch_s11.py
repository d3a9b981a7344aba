"""Session 11 differential checks of less-tested nn.functional / nn.utils corners against
PyTorch (or values worked out by hand): each test here failed before the fix it names."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F


# --- hardshrink on a 0-d tensor (was: NumPy "return arrays must be of ArrayType") ----------
@pytest.mark.parametrize("value,expected", [(0.7, 0.7), (-0.7, -0.7), (0.2, 0.0), (0.5, 0.0)])
def test_hardshrink_0d(value, expected) -> None:
    x = mg.tensor(value, dtype=mg.float64, requires_grad=True)
    y = F.hardshrink(x)
    assert y.shape == () and y.item() == expected
    y.backward()
    assert x.grad.item() == (1.0 if expected else 0.0)
    assert nn.Hardshrink()(mg.tensor(value)).item() == pytest.approx(expected)


# --- F.pad of a 0-d tensor with an empty pad (was: NumPy "`pad_width` must be of integral
# type"); PyTorch returns a copy ----------------------------------------------------------
def test_pad_0d_empty_pad_is_a_copy() -> None:
    x = mg.tensor(1.5, requires_grad=True)
    y = F.pad(x, ())
    assert y.shape == () and y.item() == 1.5
    y.backward(mg.tensor(2.0))
    assert x.grad.item() == 2.0
