"""Tensors print as PyTorch's do (values, summaries, dtypes), and set_printoptions changes it."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.printing import get_printoptions, printoptions

torch = pytest.importorskip("torch")

_CASES = [
    np.array([1.0, 2.0, 3.0]),
    np.array([1.5, -2.25, 3.125]),
    np.array([1e-5, 1.0, 2.0]),
    np.array([1e9, 1.0]),
    np.array([100.0, 0.001]),
    np.array([0.0, -0.0]),
    np.array([np.nan, 1.5, np.inf, -np.inf]),
    np.array([np.nan, np.inf]),
    np.array(2.5),
    np.array(-7.0),
    np.arange(12.0).reshape(3, 4) / 7,
    np.linspace(-3, 3, 2000),  # summarised: ... in the middle
    np.linspace(0, 1, 1200).reshape(40, 30),
    np.random.default_rng(0).standard_normal((4, 3, 2)),
    np.array([123456.0, 0.5]),
]


@pytest.fixture(autouse=True)
def _on_the_cpu():
    """These tests are about the host (CPU) side whatever device the suite runs on."""
    mg.set_default_device("cpu")


def _theirs(value, **kwargs):
    return repr(torch.tensor(value, **kwargs)).replace("torch.", "minigrad.")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", range(len(_CASES)))
def test_floats_print_as_pytorch(case, dtype):
    value = _CASES[case].astype(dtype)
    assert repr(mg.tensor(value)) == _theirs(value)


@pytest.mark.parametrize("value", [
    np.arange(5), np.arange(-3, 3, dtype=np.int32), np.array([True, False, True]),
    np.arange(3000), np.array(7), np.array([0, 255], dtype=np.uint8),
])
def test_integers_and_bools_print_as_pytorch(value):
    assert repr(mg.tensor(value)) == _theirs(value)


def test_empty_and_grad_annotations():
    assert repr(mg.zeros(0)) == _theirs(np.zeros(0, np.float32))
    assert repr(mg.zeros(0, 3)) == _theirs(np.zeros((0, 3), np.float32))
    assert repr(mg.zeros(2, 0, dtype=mg.float64)) == _theirs(np.zeros((2, 0)))
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == repr(torch.tensor([1.0, 2.0], requires_grad=True))
    y = x * 2
    assert repr(y) == f"tensor([2., 4.], grad_fn={y.grad_fn!r})"
    assert repr(nn_param()) .startswith("Parameter containing:\ntensor([[")


def nn_param():
    import minigrad.nn as nn
    return nn.Parameter(mg.ones(2, 2))


@pytest.mark.parametrize("options", [
    dict(precision=2), dict(precision=7), dict(sci_mode=True), dict(sci_mode=False),
    dict(threshold=10), dict(threshold=10, edgeitems=1), dict(linewidth=40), dict(profile="short"),
    dict(profile="full"), dict(precision=1, sci_mode=False, linewidth=120),
])
def test_set_printoptions_as_pytorch(options):
    values = [np.linspace(-2, 2, 25).reshape(5, 5), np.array([1e-6, 3.0]), np.arange(1500.0)]
    saved = torch._tensor_str.PRINT_OPTS.__dict__.copy()
    try:
        torch.set_printoptions(**options)
        with printoptions(**options):
            for v in values:
                v = v.astype(np.float32)
                assert repr(mg.tensor(v)) == _theirs(v), options
    finally:
        torch._tensor_str.PRINT_OPTS.__dict__.update(saved)
    assert get_printoptions() == dict(precision=4, threshold=1000, edgeitems=3, linewidth=80,
                                      sci_mode=None)


def test_set_printoptions_changes_and_checks():
    try:
        mg.set_printoptions(precision=2)
        assert repr(mg.tensor([1.2345])) == "tensor([1.23])"
    finally:
        mg.set_printoptions(profile="default")
    assert repr(mg.tensor([1.2345])) == "tensor([1.2345])"
    with pytest.raises(ValueError, match="profile must be one of"):
        mg.set_printoptions(profile="long")
    with pytest.raises(ValueError, match="precision must be an integer >= 0"):
        mg.set_printoptions(precision=-1)
    with pytest.raises(ValueError, match="sci_mode must be True, False or None"):
        mg.set_printoptions(sci_mode="yes")
