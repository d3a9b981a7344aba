"""matmul in every arrangement PyTorch accepts: 1-D, 2-D, batched and broadcast batches."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from harness import OpSpec, OpSuite


def _matmul_shapes() -> st.SearchStrategy:
    """Random (..., n, k) @ (..., k, m) with broadcastable batch dims, or a 1-D operand."""
    def build(t):
        n, k, m, batches, a_vec, b_vec = t
        a = (k,) if a_vec else batches.input_shapes[0] + (n, k)
        b = (k,) if b_vec else batches.input_shapes[1] + (k, m)
        return a, b
    batches = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3)
    return st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), batches,
                     st.booleans(), st.booleans()).map(build)


def _same_batch_shapes() -> st.SearchStrategy:
    return st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4),
                     st.integers(1, 4)).map(lambda t: ((t[0], t[1], t[2]), (t[0], t[2], t[3])))


MATMUL = [
    OpSpec("matmul_2d", lambda m, a, b: a @ b, np.matmul, [((3, 4), (4, 2)), ((1, 3), (3, 1))],
           hyp_shapes=lambda: st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4)).map(
               lambda t: ((t[0], t[1]), (t[1], t[2])))),
    OpSpec("matmul_batched", lambda m, a, b: a @ b, np.matmul, [((2, 3, 4), (2, 4, 2))],
           hyp_shapes=_same_batch_shapes),
    OpSpec("matmul_broadcast_batch", lambda m, a, b: a @ b, np.matmul,
           [((2, 1, 3, 4), (3, 4, 2)), ((3, 4), (2, 4, 2)), ((2, 3, 4), (4, 2))],
           hyp_shapes=_matmul_shapes),
    OpSpec("matmul_vec_vec", lambda m, a, b: a @ b, np.matmul, [((4,), (4,))],
           hyp_shapes=lambda: st.integers(1, 5).map(lambda k: ((k,), (k,)))),
    OpSpec("matmul_vec_mat", lambda m, a, b: a @ b, np.matmul, [((4,), (4, 3)), ((3,), (2, 3, 2))],
           hyp_shapes=_matmul_shapes),
    OpSpec("matmul_mat_vec", lambda m, a, b: a @ b, np.matmul, [((3, 4), (4,)), ((2, 3, 4), (4,))],
           hyp_shapes=_matmul_shapes),
    OpSpec("matmul_function", lambda m, a, b: m.matmul(a, b.mT), lambda a, b: a @ np.swapaxes(b, -1, -2),
           [((2, 3), (4, 3))],
           hyp_shapes=lambda: st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4)).map(
               lambda t: ((t[0], t[1]), (t[2], t[1])))),
]


class TestMatmul(OpSuite):
    OPS = MATMUL


@pytest.mark.parametrize("a, b", [((3, 4), (5, 2)), ((4,), (3,)), ((2, 3, 4), (2, 5, 2)),
                                  ((3, 4), (3,))])
def test_matmul_shape_mismatch_names_the_op_and_both_shapes(a, b) -> None:
    with pytest.raises(ValueError) as info:
        mg.zeros(*a) @ mg.zeros(*b)
    message = str(info.value)
    assert "matmul" in message and str(a) in message and str(b) in message


def test_matmul_batch_mismatch_names_the_shapes() -> None:
    with pytest.raises(ValueError, match=r"matmul: shapes \(2,\) and \(3,\) cannot be broadcast"):
        mg.zeros(2, 3, 4) @ mg.zeros(3, 4, 5)


def test_matmul_of_a_0d_tensor_is_refused() -> None:
    with pytest.raises(ValueError, match=r"matmul: .*at least 1 dimension.*\(\)"):
        mg.tensor(2.0) @ mg.zeros(3)


def test_matmul_keeps_float32_with_an_int64_operand() -> None:
    out = mg.ones(2, 3) @ mg.ones(3, 2, dtype=mg.int64)
    assert out.dtype == mg.float32
    np.testing.assert_array_equal(out.numpy(), np.full((2, 2), 3.0))
