"""Small Tensor and Module conveniences PyTorch code uses: type names and casts, NumPy's
__array__, `in`, data_ptr, fill_diagonal_, apply_/map_, Module.half/type/to_empty."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("method", ["float", "double", "half", "long", "int", "short", "char",
                                    "byte", "bool"])
def test_casts_and_type_names_as_pytorch(method):
    values = np.array([[0.0, 1.5], [-2.0, 3.0]])
    ours = getattr(mg.tensor(values), method)()
    theirs = getattr(torch.tensor(values), method)()
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.type() == theirs.type().replace("torch.", "minigrad.")


def test_type_converts_by_name_or_dtype():
    x = mg.tensor([1.7, -2.2])
    assert x.type(mg.float64).dtype == np.float64
    assert x.type("torch.LongTensor").numpy().tolist() == torch.tensor([1.7, -2.2]).type(
        "torch.LongTensor").tolist()
    assert x.type("minigrad.HalfTensor").dtype == np.float16
    with pytest.raises(ValueError, match="type: unknown tensor type 'torch.FancyTensor'"):
        x.type("torch.FancyTensor")
    with pytest.raises(TypeError, match="no bfloat16"):
        x.bfloat16()


def test_numpy_interop_and_membership():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    a = np.asarray(x)
    assert isinstance(a, np.ndarray) and a.dtype == np.float32 and a.tolist() == [[1, 2], [3, 4]]
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(mg.ones(2, requires_grad=True))
    assert 3.0 in x and 5 not in x and mg.tensor(2.0) in x
    assert (3.0 in torch.tensor([[1.0, 2.0], [3.0, 4.0]]))


def test_data_ptr_tells_shared_memory():
    x = mg.arange(6.0)
    assert x.view(2, 3).data_ptr() == x.data_ptr()
    assert x[2:].data_ptr() == x.data_ptr() + 2 * 4  # float32 elements
    assert x.clone().data_ptr() != x.data_ptr()


@pytest.mark.parametrize("shape, wrap", [((3, 3), False), ((5, 3), False), ((7, 3), True),
                                         ((3, 5), False), ((3, 3, 3), False)])
def test_fill_diagonal_as_pytorch(shape, wrap):
    ours = mg.zeros(*shape).fill_diagonal_(2.5, wrap=wrap)
    theirs = torch.zeros(*shape).fill_diagonal_(2.5, wrap=wrap)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_fill_diagonal_errors():
    with pytest.raises(RuntimeError, match=r"all dimensions equal; got shape \(2, 3, 3\)"):
        mg.zeros(2, 3, 3).fill_diagonal_(1.0)
    with pytest.raises(RuntimeError, match="fill_diagonal_: a leaf tensor that requires grad"):
        mg.zeros(2, 2, requires_grad=True).fill_diagonal_(1.0)


def test_apply_and_map_as_pytorch():
    ours = mg.arange(6.0, device="cpu").reshape(2, 3)  # per element in Python: cpu only
    theirs = torch.arange(6.0).reshape(2, 3)
    for t in (ours, theirs):
        t.apply_(lambda v: v * v + 1)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    ours.map_(mg.tensor([1.0, 2.0, 3.0], device="cpu"), lambda a, b: a - b)
    theirs.map_(torch.tensor([1.0, 2.0, 3.0]), lambda a, b: a - b)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(TypeError, match="map_: other must be a Tensor"):
        ours.map_([1.0], lambda a, b: a)


def test_module_half_type_to_empty_share_memory():
    m = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    assert m.half() is m and {p.dtype for p in m.parameters()} == {np.dtype(np.float16)}
    assert m[1].running_mean.dtype == np.float16
    m.type(mg.float64)
    assert {t.dtype for t in list(m.parameters()) + list(m.buffers())
            if t.dtype.kind == "f"} == {np.dtype(np.float64)}
    weight = m[0].weight
    m.to_empty(device="cpu")
    assert m[0].weight is weight and weight.shape == (2, 3) and weight.dtype == np.float64
    assert m.share_memory() is m
    with pytest.raises(TypeError, match="no bfloat16"):
        m.bfloat16()
