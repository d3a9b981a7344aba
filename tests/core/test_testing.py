"""minigrad.testing.assert_close: PyTorch's defaults, checks and failure report."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.testing import assert_close

torch = pytest.importorskip("torch")

_FLOAT_CASES = [
    ([1.0, 2.0, 3.0, 4.0], [1.0, 2.1, 3.0, 4.5], {}),
    ([[1.0, 2.0], [3.0, float("nan")]], [[1.0, 2.0], [3.0, float("nan")]], {}),
    ([1.0, 2.0, 0.0], [1.0, 2.0, 1e-3], {}),
    ([1.0, 0.5], [1.0, 0.0], {}),
    ([1.0, 2.0], [1.001, 2.0], dict(rtol=1e-4, atol=0.0)),
    ([1.0, float("inf")], [1.0, float("inf")], {}),
    ([1.0, float("inf")], [1.0, -float("inf")], {}),
]


@pytest.fixture(autouse=True)
def _on_the_cpu():
    """These tests are about the host (CPU) side whatever device the suite runs on."""
    mg.set_default_device("cpu")


def _message(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except AssertionError as error:
        return str(error).replace("torch.", "minigrad.")
    return None


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", range(len(_FLOAT_CASES)))
def test_floats_pass_and_fail_as_pytorch_with_its_report(case, dtype):
    actual, expected, kwargs = _FLOAT_CASES[case]
    ours = _message(assert_close, mg.tensor(actual, dtype=dtype), mg.tensor(expected, dtype=dtype),
                    **kwargs)
    theirs = _message(torch.testing.assert_close, torch.tensor(actual, dtype=getattr(torch, dtype)),
                      torch.tensor(expected, dtype=getattr(torch, dtype)), **kwargs)
    assert ours == theirs


def test_integers_bools_scalars_and_equal_nan_as_pytorch():
    pairs = [
        (mg.tensor([1, 2]), mg.tensor([1, 3]), torch.tensor([1, 2]), torch.tensor([1, 3]), {}),
        (mg.tensor([True, False]), mg.tensor([True, True]), torch.tensor([True, False]),
         torch.tensor([True, True]), {}),
        (1.0, 1.1, 1.0, 1.1, {}),
        (1, 2, 1, 2, {}),
        (mg.tensor([float("nan")]), mg.tensor([float("nan")]), torch.tensor([float("nan")]),
         torch.tensor([float("nan")]), dict(equal_nan=True)),
        ([mg.tensor([1.0]), mg.tensor([2.0])], [mg.tensor([1.0]), mg.tensor([2.5])],
         [torch.tensor([1.0]), torch.tensor([2.0])], [torch.tensor([1.0]), torch.tensor([2.5])], {}),
    ]
    for a, e, ta, te, kwargs in pairs:
        assert _message(assert_close, a, e, **kwargs) == \
            _message(torch.testing.assert_close, ta, te, **kwargs)


def test_attribute_checks_and_options():
    with pytest.raises(AssertionError, match=r"attribute 'shape' do not match: \(2,\) != \(3,\)"):
        assert_close(mg.zeros(2), mg.zeros(3))
    with pytest.raises(AssertionError, match="'dtype' do not match: minigrad.float32 != "
                                             "minigrad.float64"):
        assert_close(mg.zeros(2), mg.zeros(2, dtype=mg.float64))
    # Without the dtype check, the looser of the two dtypes' tolerances applies.
    assert_close(mg.tensor([1.0]), mg.tensor([1.000001], dtype=mg.float64), check_dtype=False)
    with pytest.raises(ValueError, match="Both 'rtol' and 'atol' must be either specified or "
                                         "omitted, but got no atol."):
        assert_close(mg.zeros(1), mg.zeros(1), rtol=1e-3)
    with pytest.raises(AssertionError, match="^custom$"):
        assert_close(mg.zeros(1), mg.ones(1), msg="custom")
    with pytest.raises(AssertionError, match="^prefix: Tensor-likes are not close!"):
        assert_close(mg.zeros(1), mg.ones(1), msg=lambda m: "prefix: " + m)
    with pytest.raises(AssertionError, match=r"The failure occurred for item \['b'\]"):
        assert_close({"a": mg.zeros(1), "b": mg.zeros(1)}, {"a": mg.zeros(1), "b": mg.ones(1)})
    assert_close(mg.tensor([1.0, 2.0], requires_grad=True) * 1, np.array([1.0, 2.0], np.float32))
    with pytest.raises(TypeError, match="cannot compare str with Tensor"):
        assert_close("a", mg.zeros(1))
