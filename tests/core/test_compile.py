"""mg.compile accepts PyTorch's torch.compile call forms and leaves the model as it is."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn


def test_compile_returns_the_model_in_every_call_form():
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    x = mg.randn(4, 3)
    assert mg.compile(model) is model
    assert mg.compile(model, mode="reduce-overhead", fullgraph=True) is model

    @mg.compile
    def double(t):
        return t * 2

    @mg.compile(dynamic=True)
    def triple(t):
        return t * 3

    np.testing.assert_array_equal(double(x).numpy(), (x * 2).numpy())
    np.testing.assert_array_equal(triple(x).numpy(), (x * 3).numpy())


def test_compile_refuses_what_torch_refuses():
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['speed'\]"):
        mg.compile(nn.Linear(1, 1), speed=11)
    with pytest.raises(TypeError, match="expected a Module or a function, got int"):
        mg.compile(3)
