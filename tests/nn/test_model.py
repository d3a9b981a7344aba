"""Whole models: the reference CNN's keys, weights and gradients against PyTorch, and float32
kept end to end while training."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

from ._torch_compare import compare_with_torch


def reference_cnn(lib):
    """Conv(1,32,3)-ReLU-MaxPool(2)-Conv(32,32,3)-ReLU-MaxPool(2)-Flatten-Linear(800,128)-ReLU-
    Linear(128,10), written once for minigrad and for torch."""
    n = lib.nn
    return n.Sequential(n.Conv2d(1, 32, 3), n.ReLU(), n.MaxPool2d(2), n.Conv2d(32, 32, 3),
                        n.ReLU(), n.MaxPool2d(2), n.Flatten(), n.Linear(800, 128), n.ReLU(),
                        n.Linear(128, 10))


def norm_cnn(lib):
    """A model with BatchNorm buffers nested under a name: 'features.1.running_mean'."""
    n = lib.nn

    class Net(n.Module):
        def __init__(self):
            super().__init__()
            self.features = n.Sequential(n.Conv2d(2, 4, 3, padding=1), n.BatchNorm2d(4),
                                         n.ReLU(), n.AdaptiveAvgPool2d(1))
            self.classifier = n.Sequential(n.Flatten(), n.Dropout(0.0), n.Linear(4, 3),
                                           n.BatchNorm1d(3))

        def forward(self, x):
            return self.classifier(self.features(x))

    return Net()


def test_state_dict_keys_and_shapes_match_torch():
    torch = pytest.importorskip("torch")
    for build in (reference_cnn, norm_cnn):
        mine, theirs = build(mg).state_dict(), build(torch).state_dict()
        assert list(mine) == list(theirs)
        for key in theirs:
            assert tuple(mine[key].shape) == tuple(theirs[key].shape), key
    keys = list(norm_cnn(mg).state_dict())
    assert "features.1.running_mean" in keys and "features.1.num_batches_tracked" in keys


def test_reference_cnn_forward_and_backward_match_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 1, 28, 28))
    compare_with_torch(reference_cnn(mg), reference_cnn(torch), x, rtol=1e-7, atol=1e-9)


def test_model_with_batch_norm_matches_torch_in_train_and_eval():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((4, 2, 5, 5))
    mine, theirs = norm_cnn(mg), norm_cnn(torch)
    compare_with_torch(mine, theirs, x)  # training mode: batch statistics
    for key, value in theirs.state_dict().items():  # running statistics updated alike
        np.testing.assert_allclose(mine.state_dict()[key].numpy(), value.numpy(), rtol=1e-7,
                                   atol=1e-10, err_msg=key)
    mine.eval()
    theirs.eval()
    compare_with_torch(mine, theirs, x)


def test_reference_cnn_trains_in_float32():
    mg.manual_seed(0)
    model = reference_cnn(mg)
    x = mg.randn(8, 1, 28, 28)
    y = mg.randint(0, 10, (8,))
    dtypes_seen = set()
    for module in model.modules():
        module.register_forward_hook(lambda m, a, out: dtypes_seen.add(out.dtype))
    losses = []
    for _ in range(3):
        model.zero_grad()
        loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
        loss.backward()
        with mg.no_grad():
            for p in model.parameters():
                assert p.grad.dtype == mg.float32
                p.sub_(p.grad * 0.05)
        losses.append(loss.item())
        assert loss.dtype == mg.float32
    assert dtypes_seen == {mg.float32}
    assert all(t.dtype == mg.float32 for t in model.state_dict().values())
    assert losses[-1] < losses[0]


def test_save_load_state_dict_eval_is_bit_identical():
    mg.manual_seed(3)
    a = norm_cnn(mg)
    a(mg.randn(4, 2, 5, 5))  # move the running statistics off their initial values
    a.eval()
    b = norm_cnn(mg).eval()
    b.load_state_dict({k: v.clone() for k, v in a.state_dict().items()})
    x = mg.randn(3, 2, 5, 5)
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())
