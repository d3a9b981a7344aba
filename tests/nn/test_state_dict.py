"""state_dict / load_state_dict: PyTorch's key names, round trips, errors that list everything."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from devices import TEST_DEVICE, assert_close_across_devices, second_device

from ._torch_compare import copy_torch_weights


class Norm(nn.Module):
    """Stands in for a normalisation layer: affine parameters plus running-stat buffers."""

    def __init__(self, n):
        super().__init__()
        self.weight = nn.Parameter(mg.ones(n))
        self.bias = nn.Parameter(mg.zeros(n))
        self.register_buffer("running_mean", mg.zeros(n))
        self.register_buffer("running_var", mg.ones(n))
        self.register_buffer("num_batches_tracked", mg.tensor(0))

    def forward(self, x):
        return (x - self.running_mean) / (self.running_var + 1e-5).sqrt() * self.weight + self.bias


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(4, 6), Norm(6), nn.ReLU())
        self.classifier = nn.Linear(6, 3, bias=False)

    def forward(self, x):
        return self.classifier(self.features(x))


def test_keys_follow_pytorch_naming():
    sd = Model().state_dict()
    assert list(sd) == [
        "features.0.weight", "features.0.bias",
        "features.1.weight", "features.1.bias", "features.1.running_mean",
        "features.1.running_var", "features.1.num_batches_tracked",
        "classifier.weight"]  # no 'classifier.bias': bias=False registers None
    assert list(nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)).state_dict()) == \
        ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert sd["features.1.num_batches_tracked"].dtype == mg.int64


def test_keys_match_torch_for_the_same_architecture():
    torch = pytest.importorskip("torch")
    mine = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Dropout(), nn.Flatten(),
                         nn.Sequential(nn.Linear(6, 6), nn.Tanh()),
                         nn.ModuleList([nn.Linear(6, 2), nn.Linear(2, 2, bias=False)]))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Dropout(), torch.nn.Flatten(),
        torch.nn.Sequential(torch.nn.Linear(6, 6), torch.nn.Tanh()),
        torch.nn.ModuleList([torch.nn.Linear(6, 2), torch.nn.Linear(2, 2, bias=False)]))
    assert list(mine.state_dict()) == list(theirs.state_dict())
    for (k, a), (_, b) in zip(mine.state_dict().items(), theirs.state_dict().items()):
        assert tuple(a.shape) == tuple(b.shape), k
    copy_torch_weights(mine, theirs)
    for k, v in theirs.state_dict().items():
        np.testing.assert_array_equal(mine.state_dict()[k].numpy(), v.numpy())


def test_values_are_detached_and_share_memory():
    model = Model()
    sd = model.state_dict()
    w = sd["features.0.weight"]
    assert not w.requires_grad and w.grad_fn is None
    assert w.array is model.features[0].weight.array
    kept = model.state_dict(keep_vars=True)
    assert kept["features.0.weight"] is model.features[0].weight


def test_round_trip_gives_identical_outputs():
    mg.manual_seed(1)
    a = Model()
    mg.manual_seed(2)
    b = Model()
    x = mg.randn(5, 4)
    assert not np.allclose(a(x).detach().numpy(), b(x).detach().numpy())
    with mg.no_grad():
        a.features[1].running_mean.copy_(mg.randn(6))
        a.features[1].num_batches_tracked.fill_(7)
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())
    assert b.features[1].num_batches_tracked.item() == 7
    # Loading copies: later changes to the source do not leak into the destination.
    with mg.no_grad():
        a.classifier.weight.fill_(0.0)
    assert bool((b.classifier.weight != 0).any())
    # Parameters stay the same objects, so an optimizer built earlier still holds them.
    params_before = [id(p) for p in b.parameters()]
    b.load_state_dict(Model().state_dict())
    assert [id(p) for p in b.parameters()] == params_before


def test_every_problem_is_reported_at_once_and_nothing_is_loaded():
    model = Model()
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    bad = {k: v.clone() for k, v in Model().state_dict().items()}
    del bad["features.0.bias"]
    del bad["features.1.running_var"]
    bad["features.0.weight"] = mg.zeros(6, 5)
    bad["classifier.weight"] = mg.zeros(3, 7)
    bad["features.3.weight"] = mg.zeros(1)
    bad["extra"] = mg.zeros(1)
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(bad)
    message = str(info.value)
    assert message.startswith("Error(s) in loading state_dict for Model:")
    assert 'Missing key(s) in state_dict: "features.0.bias", "features.1.running_var".' in message
    assert 'Unexpected key(s) in state_dict: "features.3.weight", "extra".' in message
    assert ("size mismatch for features.0.weight: copying a param with shape (6, 5) from "
            "checkpoint, the shape in current model is (6, 4).") in message
    assert "size mismatch for classifier.weight" in message and "(3, 7)" in message
    for k, v in model.state_dict().items():  # all or nothing
        np.testing.assert_array_equal(v.numpy(), before[k])


def test_non_strict_loading_reports_keys_but_still_refuses_shape_mismatch():
    model = Model()
    partial = {"features.0.weight": mg.ones(6, 4), "unknown": mg.zeros(2)}
    result = model.load_state_dict(partial, strict=False)
    assert result.unexpected_keys == ["unknown"]
    assert "features.0.bias" in result.missing_keys and len(result.missing_keys) == 7
    assert model.features[0].weight.tolist() == [[1.0] * 4] * 6
    with pytest.raises(RuntimeError, match="size mismatch for features.0.weight"):
        model.load_state_dict({"features.0.weight": mg.ones(4, 6)}, strict=False)


def test_loading_keeps_the_model_dtype_and_accepts_arrays():
    model = Model()
    sd64 = {k: v.double() if v.dtype == mg.float32 else v for k, v in Model().state_dict().items()}
    model.load_state_dict(sd64)
    assert all(p.dtype == mg.float32 for p in model.parameters())
    np.testing.assert_allclose(model.classifier.weight.detach().numpy(),
                               sd64["classifier.weight"].numpy(), rtol=1e-6)
    arrays = {k: v.numpy() for k, v in Model().state_dict().items()}
    model.load_state_dict(arrays)
    np.testing.assert_array_equal(model.features[0].bias.detach().numpy(),
                                  arrays["features.0.bias"])
    with pytest.raises(TypeError, match="dict"):
        model.load_state_dict([("a", 1)])
    with pytest.raises(RuntimeError, match='value for "classifier.weight" is a str'):
        model.load_state_dict({**arrays, "classifier.weight": "oops"})


def test_assign_shares_the_given_memory():
    src = nn.Linear(3, 2)
    dst = nn.Linear(3, 2)
    weight = dst.weight
    dst.load_state_dict(src.state_dict(), assign=True)
    assert dst.weight is weight and dst.weight.array is src.weight.array
    np.testing.assert_array_equal(dst(mg.ones(1, 3)).detach().numpy(),
                                  src(mg.ones(1, 3)).detach().numpy())


def test_non_persistent_buffers_are_not_saved():
    m = nn.Linear(2, 2)
    m.register_buffer("scratch", mg.zeros(2), persistent=False)
    assert "scratch" not in m.state_dict()
    m.load_state_dict(nn.Linear(2, 2).state_dict())  # and are not expected back


def test_loading_a_torch_checkpoint_reproduces_torch_outputs():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    mine = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2))
    copy_torch_weights(mine, theirs)
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    expected = theirs(torch.tensor(x)).detach().numpy()
    got = mine(mg.tensor(x)).detach().numpy()
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_state_dict_moves_between_devices():
    other = second_device()
    src = Model()
    dst = Model().to(other)
    dst.load_state_dict(src.state_dict())  # test-device values into a model on another device
    assert all(p.device == TEST_DEVICE for p in src.parameters())
    assert all(p.device == other for p in dst.parameters())
    x = mg.randn(3, 4)
    # float32 on two devices (a GPU sums a matmul in another order): the cross-device tolerance.
    assert_close_across_devices(dst(x.to(other)).detach().cpu().numpy(),
                                src(x).detach().cpu().numpy())
