"""nn.Buffer: assigning one to a module attribute registers a buffer (PyTorch's nn.Buffer)."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 2)
        self.scale = nn.Buffer(mg.ones(3))
        self.cache = nn.Buffer(mg.zeros(1), persistent=False)


def test_buffer_assignment_registers_and_respects_persistent() -> None:
    net = _Net()
    assert [n for n, _ in net.named_buffers()] == ["scale", "cache"]
    assert list(net.state_dict()) == ["scale", "lin.weight", "lin.bias"]
    assert type(net.scale) is mg.Tensor and not net.scale.requires_grad
    assert all(p is not net.scale for p in net.parameters())
    net.scale = nn.Buffer(mg.zeros(3), persistent=False)  # re-declared: now not saved
    assert list(net.state_dict()) == ["lin.weight", "lin.bias"]
    net.cache = mg.full((1,), 7.0)  # a plain tensor into an existing buffer keeps it a buffer
    assert net.get_buffer("cache").item() == 7.0


def test_buffer_shares_memory_and_moves_with_the_module() -> None:
    data = mg.ones(2)
    buffer = nn.Buffer(data)
    buffer.array[0] = 5.0
    assert data.numpy().tolist() == [5.0, 1.0]
    net = _Net().double()
    assert net.scale.dtype == mg.float64  # buffers follow .double(), as PyTorch's


def test_buffer_state_dict_matches_torch() -> None:
    torch = pytest.importorskip("torch")

    class TorchNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = torch.nn.Linear(2, 2)
            self.scale = torch.nn.Buffer(torch.ones(3))
            self.cache = torch.nn.Buffer(torch.zeros(1), persistent=False)

    ours, theirs = _Net(), TorchNet()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    np.testing.assert_array_equal(ours.state_dict()["scale"].numpy(),
                                  theirs.state_dict()["scale"].numpy())
