"""nn.functional odds and ends, and a float32 model trained end to end."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F


def test_functional_forms_agree_with_layers():
    x = mg.randn(4, 6)
    lin = nn.Linear(6, 3)
    np.testing.assert_array_equal(F.linear(x, lin.weight, lin.bias).detach().numpy(),
                                  lin(x).detach().numpy())
    assert F.relu(x).tolist() == nn.ReLU()(x).tolist()
    assert F.leaky_relu(x, 0.3).tolist() == nn.LeakyReLU(0.3)(x).tolist()
    assert F.sigmoid(x).tolist() == nn.Sigmoid()(x).tolist()
    assert F.tanh(x).tolist() == nn.Tanh()(x).tolist()
    assert F.softmax(x, dim=0).tolist() == nn.Softmax(0)(x).tolist()
    assert F.flatten(mg.zeros(2, 3, 4), 1).shape == (2, 12)


def test_pad():
    x = mg.ones(1, 2, 2, requires_grad=True)
    out = F.pad(x, (1, 0, 0, 2), value=-1.0)
    assert out.shape == (1, 4, 3)
    assert out.detach().numpy()[0, :, 0].tolist() == [-1.0] * 4
    out.sum().backward()
    assert x.grad.tolist() == [[[1.0, 1.0], [1.0, 1.0]]]


def test_one_hot():
    labels = mg.tensor([2, 0, 1])
    out = F.one_hot(labels)
    assert out.dtype == mg.int64 and out.tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
    assert F.one_hot(labels, num_classes=5).shape == (3, 5)
    with pytest.raises(ValueError, match=r"class values must be in \[0, 2\)"):
        F.one_hot(labels, num_classes=2)
    with pytest.raises(TypeError, match="integer"):
        F.one_hot(mg.tensor([0.0]))


def test_one_hot_matches_torch():
    torch = pytest.importorskip("torch")
    labels = np.array([[3, 1], [0, 2]])
    np.testing.assert_array_equal(F.one_hot(mg.tensor(labels), 4).numpy(),
                                  torch.nn.functional.one_hot(torch.tensor(labels), 4).numpy())


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(16, 32), nn.LeakyReLU(0.1),
                                 nn.Dropout(0.1), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 4))

    def forward(self, x):
        return self.net(x)


def test_float32_model_trains_and_stays_float32():
    mg.manual_seed(0)
    model = MLP()
    x = mg.randn(64, 4, 4)
    y = (x.reshape(64, 16) @ mg.randn(16, 4)).argmax(dim=1)  # a learnable labelling
    seen = []
    for module in model.modules():
        module.register_forward_hook(lambda m, args, out: seen.append((type(m).__name__,
                                                                        out.dtype)))
    losses = []
    for _ in range(60):
        model.zero_grad()
        loss = F.cross_entropy(model(x), y, label_smoothing=0.05)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        with mg.no_grad():
            for p in model.parameters():
                assert p.grad.dtype == mg.float32
                p.sub_(p.grad * 0.5)
        losses.append(loss.item())
        assert loss.dtype == mg.float32
    assert all(dtype == mg.float32 for _, dtype in seen), sorted(set(seen))
    assert all(p.dtype == mg.float32 for p in model.parameters())
    assert losses[-1] < 0.5 * losses[0]
    model.eval()
    accuracy = (model(x).argmax(dim=1) == y).numpy().mean()
    assert accuracy > 0.8


def test_a_training_step_on_another_device_never_touches_the_host():
    strict_backend = pytest.importorskip("strict_backend")
    strict_backend.register()
    model = MLP().to("strict")
    x = mg.randn(8, 4, 4, device="strict")
    y = mg.randint(0, 4, (8,), device="strict")
    loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
    loss.backward()
    total = nn.utils.clip_grad_norm_(model.parameters(), 0.1)
    assert total.device == "strict" and loss.device == "strict"
    assert all(p.grad.device == "strict" for p in model.parameters())
    bce = F.binary_cross_entropy_with_logits(model(x), mg.rand(8, 4, device="strict"),
                                             reduction="none",
                                             pos_weight=mg.ones(4, device="strict"))
    bce.backward(mg.ones(8, 4, device="strict"))
    nll = F.nll_loss(F.log_softmax(model(x), dim=1), y, reduction="none")
    assert nll.device == "strict" and F.one_hot(y).device == "strict"
    assert total.cpu().item() > 0.1
