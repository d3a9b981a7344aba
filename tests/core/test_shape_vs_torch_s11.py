"""Shape and index-manipulation ops checked against PyTorch (session 11 differential fuzzing):
each test pins a difference the fuzzing found, with values derived by hand where easy."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


def _shapes(parts):
    return [tuple(p.shape) for p in parts]


# --- tensor_split: negative indices count from the end, as in a slice -----------------------
def test_tensor_split_negative_indices_count_from_the_end():
    x = mg.arange(4.0)
    parts = mg.tensor_split(x, [2, -1, 1])        # x[:2], x[2:-1], x[-1:1], x[1:]
    assert [p.tolist() for p in parts] == [[0.0, 1.0], [2.0], [], [1.0, 2.0, 3.0]]
    parts = mg.tensor_split(x, (-7, 2))           # -7 clamps to 0
    assert [p.tolist() for p in parts] == [[], [0.0, 1.0], [2.0, 3.0]]


def test_hsplit_vsplit_negative_indices():
    x = mg.zeros(5, 4)
    assert _shapes(mg.hsplit(x, [-3, 3])) == [(5, 1), (5, 2), (5, 1)]
    assert _shapes(mg.vsplit(x, [-2])) == [(3, 4), (2, 4)]
    assert _shapes(mg.tensor_split(x, mg.tensor([-1]), dim=1)) == [(5, 3), (5, 1)]


# --- cat: a 1-D empty tensor joins anything (PyTorch's legacy rule) --------------------------
def test_cat_skips_one_dimensional_empty_tensors():
    x = mg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    empty = mg.tensor(np.zeros(0), requires_grad=True)
    out = mg.cat([empty, x, empty], dim=1)
    assert out.shape == (2, 3)
    np.testing.assert_array_equal(out.detach().numpy(), x.detach().numpy())
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 3)))
    assert empty.grad.shape == (0,)
    # the loop idiom out = cat([out, row]) starting from an empty tensor
    acc = mg.tensor([])
    for i in range(3):
        acc = mg.cat([acc, mg.full((1, 2), float(i))])
    assert acc.tolist() == [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]


def test_cat_empty_one_dimensional_takes_part_in_dtype_promotion():
    out = mg.cat([mg.zeros(0, dtype=mg.float64), mg.ones(2, 2, dtype=mg.int64)], dim=-1)
    assert out.dtype == mg.float64 and out.shape == (2, 2)
    assert mg.hstack([mg.ones(2, 1, dtype=mg.int64), mg.zeros(0)]).shape == (2, 1)


def test_cat_other_empty_shapes_still_must_match():
    with pytest.raises(ValueError, match=r"cat: shapes \(2, 3\) and \(0, 2\)"):
        mg.cat([mg.zeros(2, 3), mg.zeros(0, 2)], dim=0)


# --- roll: empty shifts are refused (before: identity, or a raw NumPy error for 0-d) ----------
@pytest.mark.parametrize("shape", [(), (2, 3)])
def test_roll_empty_shifts_raise(shape):
    with pytest.raises(RuntimeError, match="roll: shifts must hold at least one int"):
        mg.roll(mg.zeros(*shape), [], [])


# --- squeeze: a dim named twice is an error (before: silently accepted) ----------------------
@pytest.mark.parametrize("dims", [(0, 0), (0, -2), [1, -1]])
def test_squeeze_repeated_dims_raise(dims):
    x = mg.zeros(1, 1)
    with pytest.raises(RuntimeError, match=r"squeeze: dims .* more than once"):
        mg.squeeze(x, dims)
    with pytest.raises(RuntimeError, match=r"squeeze: dims .* more than once"):
        x.squeeze(dims)


def test_squeeze_tuple_dims_still_work():
    assert mg.zeros(1, 2, 1).squeeze((0, 2)).shape == (2,)
    assert mg.zeros(1, 2, 1).squeeze((-1, 1)).shape == (1, 2)   # size-2 dim is kept
    assert mg.tensor(1.0).squeeze((0,)).shape == ()


# --- repeat_interleave: 0-d input with a dim, negative int repeats on empty input ------------
def test_repeat_interleave_dim_on_zero_dim_input_raises():
    x = mg.tensor(3.0)
    assert mg.repeat_interleave(x, 2).tolist() == [3.0, 3.0]      # dim=None flattens
    with pytest.raises(IndexError, match="repeat_interleave: dim 0 is out of range"):
        mg.repeat_interleave(x, 2, dim=0)
    with pytest.raises(IndexError, match="repeat_interleave: dim -1 is out of range"):
        x.repeat_interleave(mg.tensor([2]), dim=-1)


def test_repeat_interleave_negative_int_repeats_raise_on_empty_input():
    with pytest.raises(RuntimeError, match="repeat_interleave: repeats can not be negative"):
        mg.repeat_interleave(mg.zeros(0), -1)
    with pytest.raises(RuntimeError, match="repeat_interleave: repeats can not be negative"):
        mg.repeat_interleave(mg.zeros(0, 2), -2, dim=1)
