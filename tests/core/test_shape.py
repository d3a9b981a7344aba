"""Shape and indexing ops (reshape ... expand, slicing, integer-array indexing, cat, stack,
pad), declared for the shared harness, plus the behaviours a harness cannot express."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from harness import OpSpec, OpSuite

CASES = [((3, 4),), ((2, 3, 4),)]


def _shapes(min_dims: int, max_dims: int = 4):
    return lambda: hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1,
                                    max_side=4).map(lambda s: (s,))


def _cat_shapes() -> st.SearchStrategy:
    """Two shapes equal except along dim 1."""
    return st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4),
                     st.integers(1, 3)).map(lambda t: ((t[0], t[1], t[3]), (t[0], t[2], t[3])))


def _same_shapes(n: int):
    return lambda: hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4).map(
        lambda s: (s,) * n)


def _index_shapes() -> st.SearchStrategy:
    """First dim >= 3 so the fixed index [2, 0, 2, 1] is in range."""
    return st.tuples(st.integers(3, 5), st.lists(st.integers(1, 3), max_size=2)).map(
        lambda t: ((t[0], *t[1]),))


IDX = [2, 0, 2, 1]  # repeats: the backward must add them up

SHAPE_OPS = [
    OpSpec("reshape", lambda m, x: x.reshape(4, -1), lambda x: x.reshape(4, -1),
           [((3, 4),), ((2, 3, 4),), ((4,),)],
           hyp_shapes=lambda: st.integers(1, 5).map(lambda n: ((2, n, 2),))),
    OpSpec("view_tuple", lambda m, x: x.view((x.shape[0], -1)),
           lambda x: x.reshape(x.shape[0], -1), CASES, min_dims=1),
    OpSpec("flatten", lambda m, x: x.flatten(), lambda x: x.reshape(-1), CASES + [((),)]),
    OpSpec("flatten_from_1", lambda m, x: x.flatten(1), lambda x: x.reshape(x.shape[0], -1), CASES,
           min_dims=2),
    OpSpec("transpose", lambda m, x: x.transpose(0, -1), lambda x: np.swapaxes(x, 0, -1), CASES,
           min_dims=1),
    OpSpec("T", lambda m, x: x.T, lambda x: x.T, [((3, 4),), ((1, 5),)], min_dims=2, max_dims=2),
    OpSpec("permute", lambda m, x: x.permute(2, 0, 1), lambda x: x.transpose(2, 0, 1),
           [((2, 3, 4),), ((1, 3, 2),)], hyp_shapes=_shapes(3, 3)),
    OpSpec("unsqueeze", lambda m, x: x.unsqueeze(1), lambda x: np.expand_dims(x, 1), CASES,
           min_dims=1),
    OpSpec("unsqueeze_neg", lambda m, x: x.unsqueeze(-1), lambda x: x[..., None], CASES + [((),)]),
    OpSpec("squeeze", lambda m, x: x.squeeze(), np.squeeze, [((3, 1, 4),), ((1, 1),), ((2, 3),)]),
    OpSpec("squeeze_dim", lambda m, x: x.reshape(x.shape[0], 1, -1).squeeze(1),
           lambda x: x.reshape(x.shape[0], -1), CASES, min_dims=1),
    OpSpec("expand", lambda m, x: x.expand(2, 3, 4), lambda x: np.broadcast_to(x, (2, 3, 4)),
           [((3, 1),), ((4,),), ((1, 3, 4),)],
           hyp_shapes=lambda: st.sampled_from([(3, 1), (4,), (1, 3, 4), (1,), ()]).map(
               lambda s: (s,))),
    OpSpec("expand_minus_one", lambda m, x: x.expand(2, -1, 5),
           lambda x: np.broadcast_to(x, (2, x.shape[-2], 5)), [((3, 1),), ((1, 2, 1),)],
           hyp_shapes=lambda: st.integers(1, 4).map(lambda n: ((n, 1),))),
    OpSpec("getitem_slices", lambda m, x: x[1:, ::2], lambda x: x[1:, ::2], CASES, min_dims=2),
    OpSpec("getitem_int_ellipsis_none", lambda m, x: x[..., 0, None], lambda x: x[..., 0, None],
           CASES, min_dims=1),
    OpSpec("getitem_negative_int", lambda m, x: x[-1], lambda x: x[-1], CASES, min_dims=1),
    OpSpec("getitem_negative_step", lambda m, x: x[::-1], lambda x: x[::-1], CASES, min_dims=1,
           torch=False),  # torch has no negative steps
    OpSpec("getitem_int_array", lambda m, x: x[m.tensor(IDX)], lambda x: x[IDX],
           [((4, 3),), ((3,),)], hyp_shapes=_index_shapes),
    OpSpec("getitem_list", lambda m, x: x[IDX], lambda x: x[IDX], [((4, 3),)],
           hyp_shapes=_index_shapes),
    OpSpec("getitem_two_arrays", lambda m, x: x[m.tensor([0, 2, 0]), m.tensor([1, 1, 1])],
           lambda x: x[[0, 2, 0], [1, 1, 1]], [((3, 4),), ((3, 2, 2),)],
           hyp_shapes=lambda: st.tuples(st.integers(3, 4), st.integers(2, 4)).map(
               lambda t: ((t[0], t[1]),))),
    OpSpec("getitem_bool_mask", lambda m, x: x[x > 0], lambda x: x[x > 0], [((3, 4),), ((5,),)],
           torch=True, min_dims=1),
    OpSpec("cat", lambda m, a, b: m.cat([a, b], dim=1), lambda a, b: np.concatenate([a, b], 1),
           [((2, 3), (2, 1)), ((2, 2, 3), (2, 4, 3))], hyp_shapes=_cat_shapes),
    OpSpec("cat_three_neg_dim", lambda m, a, b, c: m.cat([a, b, c], dim=-1),
           lambda a, b, c: np.concatenate([a, b, c], -1), [((2, 3), (2, 1), (2, 2))],
           hyp_shapes=_same_shapes(3)),
    OpSpec("stack", lambda m, a, b: m.stack([a, b], dim=1), lambda a, b: np.stack([a, b], 1),
           [((2, 3), (2, 3)), ((4,), (4,))], hyp_shapes=_same_shapes(2)),
    OpSpec("stack_neg_dim", lambda m, a, b: m.stack([a, b], dim=-1),
           lambda a, b: np.stack([a, b], -1), [((2, 3), (2, 3))], hyp_shapes=_same_shapes(2)),
    OpSpec("pad", lambda m, x: mg.ops.pad(x, (1, 2)), lambda x: np.pad(x, [(0, 0)] * (x.ndim - 1)
                                                                      + [(1, 2)]),
           CASES, min_dims=1, torch_fn=lambda t, x: t.nn.functional.pad(x, (1, 2))),
    OpSpec("pad_two_dims_value", lambda m, x: mg.ops.pad(x, (0, 1, 2, 0), value=1.5),
           lambda x: np.pad(x, [(0, 0)] * (x.ndim - 2) + [(2, 0), (0, 1)], constant_values=1.5),
           CASES, min_dims=2,
           torch_fn=lambda t, x: t.nn.functional.pad(x, (0, 1, 2, 0), value=1.5)),
    OpSpec("clone", lambda m, x: x.clone() * 1, lambda x: x.copy(), CASES),
]


class TestShapeOps(OpSuite):
    OPS = SHAPE_OPS


def test_integer_array_index_backward_adds_duplicates() -> None:
    x = mg.zeros(4, requires_grad=True)
    x[mg.tensor([1, 1, 3, 1])].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 3, 0, 1])


def test_index_with_a_tensor_of_the_wrong_dtype_is_refused() -> None:
    with pytest.raises(IndexError, match="integer or bool.*float32"):
        mg.zeros(3)[mg.tensor([0.0, 1.0])]


def test_getitem_with_an_integer_tensor_scalar_index() -> None:
    x = mg.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(x[mg.tensor(1)].numpy(), [3, 4, 5])


def test_reshape_and_view_keep_memory_and_reject_bad_shapes() -> None:
    x = mg.arange(12.0)
    with pytest.raises(ValueError, match=r"reshape: shape \(5, -1\) is invalid.*\(12,\)"):
        x.reshape(5, -1)
    with pytest.raises(ValueError, match="only one dimension can be -1"):
        x.view(-1, -1)


def test_cat_promotes_and_checks_shapes() -> None:
    out = mg.cat([mg.zeros(2, dtype=mg.float32), mg.tensor([1, 2])])
    assert out.dtype == mg.float32
    np.testing.assert_array_equal(out.numpy(), [0, 0, 1, 2])
    with pytest.raises(ValueError, match=r"cat: shapes \(2, 3\) and \(3, 3\) do not match"):
        mg.cat([mg.zeros(2, 3), mg.zeros(3, 3)], dim=1)
    with pytest.raises(ValueError, match=r"stack: .*same shape.*\(2,\) and \(3,\)"):
        mg.stack([mg.zeros(2), mg.zeros(3)])


def test_permute_and_expand_errors_name_the_shapes() -> None:
    with pytest.raises(ValueError, match=r"permute: dims \(0, 0\).*\(2, 3\)"):
        mg.zeros(2, 3).permute(0, 0)
    with pytest.raises(ValueError, match=r"permute: dims \(0, 5\).*\(2, 3\)"):
        mg.zeros(2, 3).permute(0, 5)
    with pytest.raises(ValueError, match=r"expand: cannot expand shape \(2, 3\) to \(4, 3\)"):
        mg.zeros(2, 3).expand(4, 3)
    with pytest.raises(ValueError, match=r"expand: -1 is not allowed.*new leading dimension 0"):
        mg.zeros(2, 3).expand(-1, 2, 3)


def test_squeeze_of_a_non_unit_dim_is_a_no_op_and_out_of_range_raises() -> None:
    x = mg.zeros(2, 1, 3)
    assert x.squeeze(0).shape == (2, 1, 3)
    assert x.squeeze((1, 2)).shape == (2, 3)
    with pytest.raises(IndexError, match=r"squeeze: dim 3 is out of range.*\(2, 1, 3\)"):
        x.squeeze(3)


def test_pad_rejects_odd_lengths_and_other_modes() -> None:
    # The other modes are tested in tests/nn/test_padding.py; the errors' types are torch's.
    with pytest.raises(RuntimeError, match="pad"):
        mg.ops.pad(mg.zeros(2, 2), (1, 2, 3))
    with pytest.raises(NotImplementedError, match="symmetric"):
        mg.ops.pad(mg.zeros(2, 2), (1, 1), mode="symmetric")


def test_to_dtype_is_differentiable_and_casts_the_gradient_back() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.dtype == mg.float64 and y.grad_fn is not None
    (y * y).sum().backward()
    assert x.grad.dtype == mg.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_numpy_integers_index_like_python_ints() -> None:
    x = mg.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(x[np.int64(1), np.int32(-1)].numpy(), 5)
