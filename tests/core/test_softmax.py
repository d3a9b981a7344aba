"""softmax and log_softmax: harness checks plus stability at |x| = 1000."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st

import minigrad as mg
from harness import OpSpec, OpSuite

CASES = [((3, 4),), ((2, 3, 4),), ((5,),)]


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x, axis):
    s = x - x.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


SOFTMAX = [
    OpSpec("softmax_last", lambda m, x: x.softmax(dim=-1), lambda x: _softmax(x, -1), CASES,
           min_dims=1),
    OpSpec("softmax_dim0", lambda m, x: m.softmax(x, dim=0), lambda x: _softmax(x, 0), CASES,
           min_dims=1),
    OpSpec("log_softmax_last", lambda m, x: x.log_softmax(dim=-1), lambda x: _log_softmax(x, -1),
           CASES, min_dims=1),
    OpSpec("log_softmax_dim1", lambda m, x: m.log_softmax(x, dim=1), lambda x: _log_softmax(x, 1),
           CASES[:2], min_dims=2),
    # A weighted sum makes the gradient depend on more than the row sums.
    OpSpec("softmax_weighted", lambda m, x: x.softmax(dim=1) * m.arange(4.0, dtype=x.dtype),
           lambda x: _softmax(x, 1) * np.arange(4.0), [((3, 4),)],
           hyp_shapes=lambda: st.integers(1, 4).map(lambda n: ((n, 4),)),
           torch_fn=lambda t, x: x.softmax(dim=1) * t.arange(4.0, dtype=x.dtype)),
]


class TestSoftmax(OpSuite):
    OPS = SOFTMAX


@pytest.mark.parametrize("dtype", [mg.float32, mg.float64])
@pytest.mark.parametrize("scale", [1000.0, -1000.0])
def test_softmax_and_log_softmax_are_stable_at_1000(dtype, scale) -> None:
    data = np.array([[1.0, 0.0, -1.0], [1.0, 1.0, 1.0]]) * scale
    x = mg.tensor(data, dtype=dtype, requires_grad=True)
    s = x.softmax(dim=1)
    ls = x.log_softmax(dim=1)
    assert s.dtype == dtype and ls.dtype == dtype
    assert np.isfinite(s.detach().numpy()).all() and np.isfinite(ls.detach().numpy()).all()
    np.testing.assert_allclose(s.detach().numpy(), _softmax(data, 1), atol=1e-6)
    np.testing.assert_allclose(ls.detach().numpy(), _log_softmax(data, 1), rtol=1e-6)
    (s.sum() + ls[:, 0].sum()).backward()
    assert np.isfinite(x.grad.numpy()).all()
    # d/dx of sum(softmax) is zero; d log_softmax_0 / dx = onehot_0 - softmax
    expected = np.eye(3)[0] - _softmax(data, 1)
    np.testing.assert_allclose(x.grad.numpy(), expected, atol=1e-6)


def test_softmax_rows_sum_to_one() -> None:
    x = mg.randn(4, 5, dtype=mg.float64)
    np.testing.assert_allclose(x.softmax(dim=1).sum(dim=1).numpy(), np.ones(4))


def test_softmax_dim_out_of_range_names_the_op() -> None:
    with pytest.raises(IndexError, match="softmax: dim 2 is out of range"):
        mg.zeros(2, 3).softmax(dim=2)


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_backward_refuses_an_output_written_in_place(op) -> None:
    # backward reads the kept output, so a write into it must not pass silently
    x = mg.randn(3, 4, requires_grad=True)
    y = getattr(x, op)(dim=-1)
    with mg.no_grad():
        y.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.sum().backward()


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_0d_input(op) -> None:
    x = mg.tensor(2.5, requires_grad=True)
    y = getattr(mg, op)(x, dim=0)
    y.backward()
    assert y.item() == (1.0 if op == "softmax" else 0.0)
    assert x.grad.item() == 0.0
