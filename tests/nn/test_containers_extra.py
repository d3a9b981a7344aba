"""ParameterList, ParameterDict and Unflatten: registration (parameters, state_dict keys as
torch, to()), list/dict behaviour, gradients against torch, errors naming the container."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn

from ._torch_compare import compare_with_torch


def _model(lib_nn, make):
    """The same small model in either framework: weights in a ParameterList and a ParameterDict."""
    class Model(lib_nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = lib_nn.ParameterList([lib_nn.Parameter(make(3, 4)),
                                                lib_nn.Parameter(make(4, 2))])
            self.extra = lib_nn.ParameterDict({"scale": lib_nn.Parameter(make(2)),
                                               "shift": lib_nn.Parameter(make(2))})
            self.unflatten = lib_nn.Unflatten(1, (2, 1))

        def forward(self, x):
            h = (x @ self.layers[0]).tanh() @ self.layers[-1]
            return self.unflatten(h * self.extra["scale"] + self.extra["shift"])
    return Model()


def test_parameter_containers_match_torch_keys_forward_and_gradients():
    torch = pytest.importorskip("torch")
    ours, theirs = _model(nn, mg.randn), _model(torch.nn, torch.randn)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == [
        "layers.0", "layers.1", "extra.scale", "extra.shift"]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    compare_with_torch(ours, theirs, np.random.default_rng(0).standard_normal((5, 3)))


def test_parameter_containers_gradcheck():
    model = _model(nn, lambda *s: mg.randn(*s, dtype=mg.float64))
    assert mg.gradcheck_module(model, mg.randn(4, 3, dtype=mg.float64, requires_grad=True))


def test_to_and_optimizers_see_the_contained_parameters():
    model = _model(nn, mg.randn)
    params = list(model.parameters())
    assert len(params) == 4
    model.double()
    assert all(p.dtype == mg.float64 for p in params)  # same objects, converted in place
    assert model.layers[0] is params[0] and model.extra["shift"] is params[3]
    opt = mg.optim.SGD(model.parameters(), lr=0.1)
    model(mg.randn(2, 3, dtype=mg.float64)).sum().backward()
    before = model.extra["shift"].detach().numpy().copy()
    opt.step()
    assert not np.array_equal(model.extra["shift"].detach().numpy(), before)


def test_state_dict_round_trip():
    a, b = _model(nn, mg.randn), _model(nn, mg.randn)
    b.load_state_dict(a.state_dict())
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb
        np.testing.assert_array_equal(va.numpy(), vb.numpy())


# --- ParameterList ---------------------------------------------------------------------------

def test_parameter_list_behaves_like_a_list():
    p0, p1, p2 = (nn.Parameter(mg.randn(i + 1)) for i in range(3))
    pl = nn.ParameterList([p0, p1])
    assert len(pl) == 2 and list(pl) == [p0, p1] and pl[-1] is p1
    pl.append(p2)
    assert list(pl.parameters()) == [p0, p1, p2]
    pl += [mg.randn(2)]  # a plain tensor is wrapped into a Parameter, as in torch
    assert isinstance(pl[3], nn.Parameter) and pl[3].requires_grad and len(pl) == 4
    tail = pl[1:3]
    assert isinstance(tail, nn.ParameterList) and list(tail) == [p1, p2]
    q = nn.Parameter(mg.zeros(5))
    pl[0] = q
    assert pl[0] is q and list(pl.parameters())[0] is q
    pl[1] = "not a tensor"  # as in torch, any object may be stored; it is not a parameter
    assert pl[1] == "not a tensor" and len(list(pl.parameters())) == 3
    pl.extend(x for x in [nn.Parameter(mg.ones(1))])
    assert len(pl) == 5
    with pytest.raises(IndexError, match="ParameterList: index 5 is out of range for 5"):
        pl[5]
    with pytest.raises(TypeError, match="ParameterList.extend should be called with an iterable"):
        pl.extend(mg.randn(3))


def test_parameter_list_repr_lists_entries():
    pl = nn.ParameterList([nn.Parameter(mg.zeros(2, 3, device="cpu")),
                           mg.zeros(4, dtype=mg.float64, device="cpu")])
    assert repr(pl) == ("ParameterList(\n"
                        "  (0): Parameter containing: [minigrad.float32 of size 2x3]\n"
                        "  (1): Parameter containing: [minigrad.float64 of size 4]\n)")


def test_parameter_list_refuses_integer_tensors_as_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.nn.ParameterList([torch.tensor([1, 2])])
    with pytest.raises(RuntimeError, match="Parameter: only floating-point tensors"):
        nn.ParameterList([mg.tensor([1, 2])])


# --- ParameterDict ---------------------------------------------------------------------------

def test_parameter_dict_behaves_like_a_dict():
    a, b = nn.Parameter(mg.randn(2)), nn.Parameter(mg.randn(3))
    pd = nn.ParameterDict([("a", a), ("b", b)])
    assert len(pd) == 2 and list(pd) == ["a", "b"] and "a" in pd and "z" not in pd
    assert list(pd.keys()) == ["a", "b"] and list(pd.values()) == [a, b]
    assert list(pd.items()) == [("a", a), ("b", b)]
    pd["c"] = mg.zeros(1)
    assert isinstance(pd["c"], nn.Parameter) and list(pd.state_dict()) == ["a", "b", "c"]
    assert pd.get("zz") is None and pd.get("a") is a
    assert pd.pop("b") is b and list(pd) == ["a", "c"] and "b" not in dict(pd.named_parameters())
    assert pd.setdefault("a", None) is a
    pd.update({"d": nn.Parameter(mg.ones(2))})
    key, value = pd.popitem()
    assert key == "d" and list(pd) == ["a", "c"]
    copy = pd.copy()
    assert list(copy) == ["a", "c"] and copy["a"] is a
    new = nn.Parameter(mg.zeros(2))
    pd["a"] = new  # replacing keeps the position, in the state_dict too
    assert list(pd) == ["a", "c"] and pd["a"] is new and list(pd.state_dict()) == ["a", "c"]
    del pd["a"]
    assert list(pd) == ["c"] and list(pd.parameters()) == [pd["c"]]
    pd.clear()
    assert len(pd) == 0 and list(pd.parameters()) == []


def test_parameter_dict_errors_name_the_container():
    pd = nn.ParameterDict({"a": mg.randn(2)})
    with pytest.raises(KeyError, match="ParameterDict has no entry 'b'"):
        pd["b"]
    with pytest.raises(TypeError, match="ParameterDict: keys must be strings, got int"):
        pd[0] = mg.randn(2)
    with pytest.raises(KeyError, match="ParameterDict: a key must be non-empty and can"):
        pd["x.y"] = mg.randn(2)
    assert list(pd) == ["a"]  # the refused key was not half-added
    with pytest.raises(TypeError, match="ParameterDict.update: element 0 should be a"):
        pd.update(["ab"])


def test_parameter_dict_repr():
    pd = nn.ParameterDict({"w": nn.Parameter(mg.zeros(3, device="cpu"))})
    assert repr(pd) == "ParameterDict((w): Parameter containing: [minigrad.float32 of size 3])"
    pd["b"] = mg.zeros(1, 2, device="cpu")
    assert repr(pd) == ("ParameterDict(\n  (w): Parameter containing: [minigrad.float32 of size 3]"
                        "\n  (b): Parameter containing: [minigrad.float32 of size 1x2]\n)")
    with pytest.raises(KeyError, match="ParameterDict: key 'training' is the name of an attr"):
        pd["training"] = mg.zeros(1)


# --- Unflatten -------------------------------------------------------------------------------

@pytest.mark.parametrize("shape, dim, sizes", [((4, 12), 1, (3, 4)), ((4, 12), -1, (2, -1, 3)),
                                               ((6, 5), 0, [2, 3]), ((2, 8, 3), 1, (-1, 2)),
                                               ((3, 4), 1, (4,)), ((2, 6), 1, (1, 6, 1))])
def test_unflatten_matches_torch(shape, dim, sizes):
    torch = pytest.importorskip("torch")
    compare_with_torch(nn.Unflatten(dim, sizes), torch.nn.Unflatten(dim, sizes),
                       np.random.default_rng(1).standard_normal(shape))
    assert nn.Unflatten(dim, sizes)(mg.randn(*shape)).dtype == mg.float32


def test_unflatten_gradcheck_repr_and_flatten_round_trip():
    layer = nn.Unflatten(1, (2, 3))
    x = mg.randn(4, 6, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(layer, (x,))
    assert repr(layer) == "Unflatten(dim=1, unflattened_size=(2, 3))"
    y = mg.randn(2, 3, 4, 5)
    np.testing.assert_array_equal(nn.Unflatten(1, (3, 4, 5))(nn.Flatten()(y)).numpy(), y.numpy())


@pytest.mark.parametrize("shape, dim, sizes, error, match", [
    ((4, 12), 1, (5, 2), ValueError, r"multiplies to 10, not to the size 12 of dim 1 .*\(4, 12\)"),
    ((4, 12), 1, (5, -1), ValueError, r"cannot split dim 1 of size 12 into \(5, -1\)"),
    ((4, 12), 1, (-1, -1), ValueError, "at most one -1"),
    ((4, 12), 2, (3, 4), IndexError, r"dim 2 is out of range for an input of shape \(4, 12\)"),
])
def test_unflatten_errors(shape, dim, sizes, error, match):
    with pytest.raises(error, match=f"Unflatten: .*{match}"):
        nn.Unflatten(dim, sizes)(mg.randn(*shape))


def test_unflatten_checks_its_arguments():
    with pytest.raises(TypeError, match="element of type float at pos 1"):
        nn.Unflatten(1, (2, 3.0))
    with pytest.raises(TypeError, match="must be a tuple of ints, got int"):
        nn.Unflatten(1, 6)
