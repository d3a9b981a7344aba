"""Sequential, ModuleList, ModuleDict, Identity, Flatten: indexing, registration, shapes, PyTorch parity."""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn

from ._torch_compare import compare_with_torch


def test_sequential_runs_in_order_and_indexes_like_a_list():
    a, b, c = nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)
    seq = nn.Sequential(a, b, c)
    x = mg.randn(5, 3)
    np.testing.assert_array_equal(seq(x).detach().numpy(), c(b(a(x))).detach().numpy())
    assert len(seq) == 3 and list(seq) == [a, b, c]
    assert seq[0] is a and seq[-1] is c
    tail = seq[1:]
    assert isinstance(tail, nn.Sequential) and list(tail) == [b, c]
    assert [n for n, _ in tail.named_children()] == ["1", "2"]  # names are kept, as in torch
    with pytest.raises(IndexError, match="index 3 is out of range for 3 modules"):
        seq[3]
    with pytest.raises(TypeError, match="integers or slices"):
        seq["0"]


def test_sequential_append_insert_set_delete():
    seq = nn.Sequential(nn.Linear(2, 2))
    seq.append(nn.ReLU())
    assert [n for n, _ in seq.named_children()] == ["0", "1"]
    seq.insert(0, nn.Identity())
    assert [type(m).__name__ for m in seq] == ["Identity", "Linear", "ReLU"]
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2"]
    seq[2] = nn.Tanh()
    assert isinstance(seq[2], nn.Tanh)
    del seq[0]
    assert [type(m).__name__ for m in seq] == ["Linear", "Tanh"]
    seq.extend([nn.Sigmoid()])
    assert len(seq) == 3
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2"]  # renumbered, as in torch
    assert list(seq.state_dict())[0] == "0.weight"
    with pytest.raises(TypeError, match="is not a Module"):
        seq.append("relu")


def test_sequential_from_ordered_dict_names_children():
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.ReLU())]))
    assert list(seq.state_dict()) == ["fc.weight", "fc.bias"]
    assert seq.fc is seq[0]


def test_sequential_matches_torch():
    torch = pytest.importorskip("torch")
    mine = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3), nn.LogSoftmax(dim=1))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3),
                                 torch.nn.LogSoftmax(dim=1))
    compare_with_torch(mine, theirs, np.random.default_rng(0).standard_normal((6, 4)))


def test_sequential_gradcheck_module():
    seq = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    assert mg.gradcheck_module(seq, (mg.randn(2, 3, dtype=mg.float64, requires_grad=True),))


def test_module_list_registers_its_modules():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    assert list(layers.state_dict())[:2] == ["0.weight", "0.bias"]
    layers.append(nn.Linear(2, 1))
    layers += [nn.ReLU()]
    assert len(layers) == 5 and isinstance(layers[-1], nn.ReLU)
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    layers.insert(0, nn.Identity())
    assert isinstance(layers[0], nn.Identity) and [n for n, _ in layers.named_children()][-1] == "5"
    del layers[0]
    assert isinstance(layers[0], nn.Linear) and len(layers) == 5
    layers[0] = nn.Tanh()
    assert isinstance(layers[0], nn.Tanh)

    class Tower(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList(nn.Linear(3, 3) for _ in range(2))

        def forward(self, x):
            for block in self.blocks:
                x = block(x).relu()
            return x

    tower = Tower()
    assert [n for n, _ in tower.named_parameters()] == [
        "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias"]
    assert tower(mg.randn(4, 3)).shape == (4, 3)
    with pytest.raises(NotImplementedError, match="ModuleList"):
        layers(mg.zeros(1))
    with pytest.raises(TypeError, match="iterable of modules"):
        nn.ModuleList().extend(nn.Linear(1, 1))


def test_identity_and_flatten():
    x = mg.randn(2, 3, 4, 5, requires_grad=True)
    assert nn.Identity(54, unused="argument")(x) is x
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Flatten(2, -1)(x).shape == (2, 3, 20)
    assert nn.Flatten(-2)(x).shape == (2, 3, 20)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    out = nn.Flatten()(x)
    (out * out).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy(), rtol=1e-6)
    with pytest.raises(IndexError, match=r"start_dim=1 is out of range for an input of shape "
                                         r"\(3,\)"):
        nn.Flatten()(mg.randn(3))
    with pytest.raises(ValueError, match="start_dim=2 comes after end_dim=1"):
        nn.Flatten(2, 1)(x)


def test_flatten_matches_torch():
    torch = pytest.importorskip("torch")
    compare_with_torch(nn.Flatten(1, 2), torch.nn.Flatten(1, 2),
                       np.random.default_rng(0).standard_normal((2, 3, 4, 2)))


# --- ModuleDict --------------------------------------------------------------------------------
def test_module_dict_registers_by_name_in_order() -> None:
    heads = nn.ModuleDict({"digit": nn.Linear(4, 10), "parity": nn.Linear(4, 2)})
    heads["size"] = nn.Linear(4, 3)
    assert list(heads) == ["digit", "parity", "size"] and len(heads) == 3
    assert "parity" in heads and "colour" not in heads
    assert list(heads.state_dict()) == ["digit.weight", "digit.bias", "parity.weight",
                                        "parity.bias", "size.weight", "size.bias"]
    assert len(list(heads.parameters())) == 6
    assert heads["size"].out_features == 3
    assert [k for k, _ in heads.items()] == list(heads.keys())


def test_module_dict_update_pop_and_errors() -> None:
    heads = nn.ModuleDict([("a", nn.ReLU()), ("b", nn.Tanh())])
    heads.update({"b": nn.Sigmoid(), "c": nn.Identity()})  # replaces b in place, adds c
    assert list(heads) == ["a", "b", "c"] and isinstance(heads["b"], nn.Sigmoid)
    assert isinstance(heads.pop("a"), nn.ReLU) and list(heads) == ["b", "c"]
    del heads["b"]
    assert list(heads) == ["c"]
    with pytest.raises(KeyError, match="no module 'zz'.*'c'"):
        heads["zz"]
    with pytest.raises(TypeError, match="is not a Module subclass"):
        heads["x"] = 3
    with pytest.raises(TypeError, match="mapping or \\(name, module\\) pairs"):
        heads.update(nn.ReLU())
    with pytest.raises(TypeError, match="element 0 should be a \\(name, module\\) pair"):
        heads.update(["abc"])
    heads.clear()
    assert len(heads) == 0


def test_module_dict_state_dict_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    ours = nn.ModuleDict({"enc": nn.Linear(3, 2), "dec": nn.Linear(2, 3)})
    theirs = torch.nn.ModuleDict({"enc": torch.nn.Linear(3, 2), "dec": torch.nn.Linear(2, 3)})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    out = ours["dec"](ours["enc"](mg.tensor(x)))
    ref = theirs["dec"](theirs["enc"](torch.from_numpy(x)))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-6, atol=1e-7)


def test_tensor_equals_none_is_false_as_in_torch() -> None:
    t = mg.tensor([1.0, 2.0])
    assert (t == None) is False and (t != None) is True  # noqa: E711
