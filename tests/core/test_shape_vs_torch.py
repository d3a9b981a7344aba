"""Shape and index-manipulation ops checked against PyTorch (differential fuzzing): each test
pins a difference the fuzzing found, with values derived by hand where easy."""
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


# --- index_copy: a repeated index writes its last source slice (before: the slices added);
# the gradients of the source follow PyTorch's formula (grad.index_select(dim, index)) -------
def test_index_copy_repeated_index_writes_the_last_slice():
    x = mg.tensor(np.arange(9.0).reshape(3, 3), requires_grad=True)
    src = mg.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    out = mg.index_copy(x, 1, mg.tensor([0, 2, 2, 1]), src)
    # column 2 gets src[:, 2] (the later of src columns 1 and 2), not their sum
    np.testing.assert_array_equal(out.detach().numpy(),
                                  [[0.0, 3.0, 2.0], [4.0, 7.0, 6.0], [8.0, 11.0, 10.0]])
    weights = mg.tensor(np.arange(9.0).reshape(3, 3))
    (out * weights).sum().backward()
    # as PyTorch: each source column gets the gradient of the column it was copied to
    np.testing.assert_array_equal(src.grad.numpy(), [[0.0, 2.0, 2.0, 1.0], [3.0, 5.0, 5.0, 4.0],
                                                     [6.0, 8.0, 8.0, 7.0]])
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((3, 3)))
    y = mg.zeros(2, 2)
    y.index_copy_(0, mg.tensor([1, 1, 0]), mg.tensor([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]))
    assert y.tolist() == [[3.0, 3.0], [2.0, 2.0]]


# --- masked_select on 0-d tensors (before: a raw NumPy ValueError) ---------------------------
def test_masked_select_zero_dim():
    assert mg.masked_select(mg.tensor(2.0), mg.tensor(True)).tolist() == [2.0]
    assert mg.masked_select(mg.tensor(2.0), mg.tensor(False)).shape == (0,)
    assert mg.masked_select(mg.tensor(2.0), mg.tensor([True, False, True])).tolist() == [2.0, 2.0]


# --- where(condition) alone is nonzero(as_tuple=True) (before: TypeError) --------------------
def test_where_with_only_a_condition():
    rows, cols = mg.where(mg.tensor([[0, 1], [2, 0]]))
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 0] and rows.dtype == mg.int64
    (only,) = mg.where(mg.tensor(1.0))
    assert only.tolist() == [0]
    with pytest.raises(TypeError, match="where"):
        mg.where(mg.tensor([True]), 1.0)


# --- masked_fill (out of place) broadcasts to a larger mask (before: RuntimeError) -----------
def test_masked_fill_result_takes_a_larger_mask_shape():
    x = mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64, requires_grad=True)
    mask = mg.tensor([[True, False, False], [False, False, True]])
    out = x.masked_fill(mask, 0.0)
    assert out.tolist() == [[0.0, 2.0, 3.0], [1.0, 2.0, 0.0]]
    out.sum().backward()
    assert x.grad.tolist() == [1.0, 2.0, 1.0]
    with pytest.raises(RuntimeError, match="masked_fill_: mask of shape"):
        x.detach().masked_fill_(mask, 0.0)   # in place cannot grow


# --- gather/scatter: an empty index may be larger than the input (before: RuntimeError) ------
def test_gather_scatter_empty_index_larger_than_input():
    x = mg.zeros(3, 1)
    empty = mg.zeros(4, 0, dtype=mg.int64)
    assert mg.gather(x, 1, empty).shape == (4, 0)
    assert mg.scatter(x, 1, empty, 1.0).tolist() == [[0.0]] * 3
    assert mg.scatter_add(x, 1, empty, mg.zeros(4, 0)).shape == (3, 1)
    with pytest.raises(RuntimeError, match=r"gather: index of shape \(4, 1\) is larger"):
        mg.gather(x, 1, mg.zeros(4, 1, dtype=mg.int64))


# --- scatter_add on 0-d tensors: backward failed on a (1,) vs () gradient --------------------
def test_scatter_add_zero_dim_backward():
    x = mg.tensor(1.0, dtype=mg.float64, requires_grad=True)
    src = mg.tensor(2.0, dtype=mg.float64, requires_grad=True)
    out = mg.scatter_add(x, 0, mg.tensor(0), src)
    assert out.shape == () and out.item() == 3.0
    (out * 5).backward()
    assert x.grad.shape == () and x.grad.item() == 5.0
    assert src.grad.shape == () and src.grad.item() == 5.0


# --- take_along_dim: negative indices along a dim; a dim on a 0-d input ----------------------
def test_take_along_dim_negative_indices_count_from_the_end():
    x = mg.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    out = mg.take_along_dim(x, mg.tensor([[-1, -3]]), 0)
    assert out.tolist() == [[4.0, 1.0]]
    out.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0], [0.0, 0.0], [1.0, 0.0]]
    with pytest.raises(IndexError, match="take_along_dim: index -4 is out of bounds"):
        mg.take_along_dim(x, mg.tensor([[-4, 0]]), 0)
    with pytest.raises(IndexError, match="take_along_dim: index -1 is out of bounds"):
        mg.take_along_dim(x, mg.tensor([-1]))      # flattened: as PyTorch, no negatives
    # an empty broadcast result reads nothing, whatever the index says
    assert mg.take_along_dim(mg.zeros(0, 0), mg.tensor([[5]]), 1).shape == (0, 1)


def test_take_along_dim_dim_on_zero_dim_input_raises():
    x = mg.tensor(1.0)
    assert mg.take_along_dim(x, mg.tensor(0)).tolist() == [1.0]
    with pytest.raises(IndexError, match="take_along_dim: dim 0 is out of range"):
        mg.take_along_dim(x, mg.tensor(0), 0)


# --- index_fill counts negative indices from the end, as PyTorch (before: IndexError) --------
def test_index_fill_negative_indices():
    x = mg.zeros(3, 2)
    assert mg.index_fill(x, 0, mg.tensor([-1]), 1.0).tolist() == [[0.0, 0.0], [0.0, 0.0],
                                                                  [1.0, 1.0]]
    assert x.clone().index_fill_(1, mg.tensor([-2]), 2.0).tolist() == [[2.0, 0.0]] * 3
    with pytest.raises(IndexError, match="index_fill: index -4 is out of bounds"):
        mg.index_fill(x, 0, mg.tensor([-4]), 1.0)
    with pytest.raises(IndexError, match="index_add: index -1 is out of bounds"):
        mg.index_add(x, 0, mg.tensor([-1]), mg.ones(1, 2))   # index_add does not wrap


# --- flip and the ops built on it return copies (before: NumPy views, so writes leaked) ------
@pytest.mark.parametrize("op", [
    lambda x: x.flip(0), lambda x: mg.flip(x, []), lambda x: mg.fliplr(x),
    lambda x: mg.flipud(x), lambda x: mg.rot90(x, 1, [0, 1]), lambda x: mg.rot90(x, 2)])
def test_flip_family_results_do_not_share_memory_with_the_input(op):
    x = mg.tensor(np.arange(6.0).reshape(2, 3))
    y = op(x)
    y.add_(100.0)
    y[0, 0] = -1.0
    np.testing.assert_array_equal(x.numpy(), np.arange(6.0).reshape(2, 3))


def test_views_still_write_through():
    x = mg.tensor(np.arange(6.0).reshape(2, 3))
    x.transpose(0, 1).narrow(0, 1, 1).add_(10.0)   # column 1
    x.unbind(0)[1].mul_(2.0)                        # row 1
    assert x.tolist() == [[0.0, 11.0, 2.0], [6.0, 28.0, 10.0]]


# --- index_select on a 0-d tensor takes exactly one index (before: a reshape error) ----------
@pytest.mark.parametrize("index", [[], [0, 0]])
def test_index_select_zero_dim_needs_one_index(index):
    with pytest.raises(IndexError, match="index_select: an index into a 0-d tensor must hold "
                                         "exactly one value"):
        mg.index_select(mg.tensor(1.0), 0, mg.tensor(index, dtype=mg.int64))
    assert mg.index_select(mg.tensor(1.0), 0, mg.tensor([0])).shape == ()


# --- reshape/view: a float or a dtype is a TypeError (before: 2.5 was truncated to 2) --------
@pytest.mark.parametrize("shape", [(6.0,), (2.5, 2), (mg.int64,)])
def test_reshape_refuses_non_int_sizes(shape):
    x = mg.arange(6.0)
    with pytest.raises(TypeError, match="reshape: a shape must be made of ints"):
        x.reshape(*shape)
    if any(isinstance(s, np.dtype) for s in shape):
        return  # view(dtype) reinterprets the memory: tests/core/test_tensor_api_additions.py
    with pytest.raises(TypeError, match="reshape: a shape must be made of ints"):
        x.view(*shape)


def test_reshape_still_takes_numpy_ints_and_int_tensors():
    x = mg.arange(6.0)
    assert x.reshape(np.int64(2), 3).shape == (2, 3)
    assert x.view(mg.tensor(6)).shape == (6,)
    assert x.reshape((3, -1)).shape == (3, 2)


# --- squeeze takes a 0-d int tensor as its dim (before: TypeError from len()) ----------------
def test_squeeze_dim_as_a_tensor():
    assert mg.zeros(1, 2).squeeze(mg.tensor(0)).shape == (2,)
    with pytest.raises(TypeError, match="squeeze: dims must be ints"):
        mg.zeros(1, 2).squeeze(0.0)


# --- gather accepts sparse_grad (before: TypeError) ------------------------------------------
def test_gather_accepts_sparse_grad():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=mg.float64, requires_grad=True)
    out = mg.gather(x, 1, mg.tensor([[1], [1]]), sparse_grad=True)
    assert out.tolist() == [[2.0], [4.0]]
    out.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0], [0.0, 1.0]]


# --- index_add on an integer tensor truncates a float alpha (before: the result was float) ---
def test_index_add_integer_input_keeps_dtype_with_float_alpha():
    x = mg.tensor([[0, 1, 2], [3, 4, 5]])
    out = mg.index_add(x, 1, mg.tensor([0]), mg.tensor([[0], [3]]), alpha=2.5)
    assert out.dtype == mg.int64
    assert out.tolist() == [[0, 1, 2], [9, 4, 5]]   # alpha 2.5 -> 2, as PyTorch


# --- repeat_interleave(repeats) alone needs a 1-D tensor (before: a 0-d one was accepted) ----
def test_repeat_interleave_repeats_only_must_be_one_dimensional():
    assert mg.repeat_interleave(mg.tensor([1, 0, 2])).tolist() == [0, 2, 2]
    with pytest.raises(RuntimeError, match="repeat_interleave: repeats alone must be a 1-D"):
        mg.repeat_interleave(mg.tensor(2))


# --- added: broadcast_shapes, narrow_copy, adjoint, Tensor.H ---------------------------------
def test_broadcast_shapes():
    assert mg.broadcast_shapes((2, 1), 3, (4, 1, 1)) == (4, 2, 3)
    assert mg.broadcast_shapes([2, 1], [1, 5]) == (2, 5)
    assert mg.broadcast_shapes() == ()
    with pytest.raises(ValueError, match=r"broadcast_shapes: shapes \(2,\) and \(3,\) cannot"):
        mg.broadcast_shapes((2,), (3,))
    with pytest.raises(ValueError, match="broadcast_shapes: a size is negative"):
        mg.broadcast_shapes([-1])


def test_narrow_copy_is_a_copy():
    x = mg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = mg.narrow_copy(x, 1, 1, 2)
    assert y.tolist() == [[1.0, 2.0], [4.0, 5.0]]
    y.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 1.0], [0.0, 1.0, 1.0]]
    z = x.detach().narrow_copy(0, -1, 1)
    z.add_(100.0)
    assert x.detach().tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_adjoint_and_H():
    x = mg.arange(6.0).reshape(2, 3)
    assert x.H.tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    assert mg.adjoint(mg.zeros(5, 2, 3)).shape == (5, 3, 2)
    assert x.adjoint().shape == (3, 2)
    assert mg.tensor(2.0).H.item() == 2.0
    with pytest.raises(RuntimeError, match="adjoint: expects a matrix"):
        mg.adjoint(mg.zeros(3))
    with pytest.raises(RuntimeError, match="H: expects a matrix"):
        mg.zeros(2, 3, 4).H


# --- scatter_reduce/index_reduce include_self=False: an excluded NaN input gets 0 grad -------
@pytest.mark.parametrize("dtype", [mg.float32, mg.float64])
def test_reduce_exclude_self_gradient_of_a_replaced_nan_is_zero(dtype):
    x = mg.tensor([float("nan"), 2.0, 3.0], dtype=dtype, requires_grad=True)
    src = mg.tensor([4.0, 5.0], dtype=dtype, requires_grad=True)
    out = mg.scatter_reduce(x, 0, mg.tensor([0, 0]), src, "prod", include_self=False)
    assert out.tolist() == [20.0, 2.0, 3.0]
    out.sum().backward()
    assert x.grad.dtype == dtype
    assert x.grad.tolist() == [0.0, 1.0, 1.0]       # before: [nan, 1, 1]
    assert src.grad.tolist() == [5.0, 4.0]
    y = mg.tensor([float("inf"), 2.0], dtype=dtype, requires_grad=True)
    y.index_reduce(0, mg.tensor([0]), mg.tensor([3.0], dtype=dtype), "prod",
                   include_self=False).sum().backward()
    assert y.grad.tolist() == [0.0, 1.0]


# --- narrow: start == size is an empty piece at the end (before: wrapped to 0) ---------------
def test_narrow_start_equal_to_size():
    x = mg.arange(3.0)
    assert x.narrow(0, 3, 0).shape == (0,)
    assert x.narrow(0, -3, 3).tolist() == [0.0, 1.0, 2.0]
    for start, length in ((3, 3), (3, 1)):     # before: returned x[0:length]
        with pytest.raises(ValueError, match=rf"narrow: start \({start}\) \+ length"):
            x.narrow(0, start, length)


# --- block_diag: a 0-d block decides the dtype only from a higher category -------------------
def test_block_diag_zero_dim_blocks_promote_weakly():
    f64 = mg.tensor(1.0, dtype=mg.float64)
    assert mg.block_diag(mg.zeros(1, 2), f64).dtype == mg.float32        # before: float64
    assert mg.block_diag(mg.zeros(2), f64).dtype == mg.float32
    assert mg.block_diag(mg.zeros(1, 2, dtype=mg.int64), f64).dtype == mg.float64
    assert mg.block_diag(mg.tensor(1.0), f64).dtype == mg.float64        # all 0-d: as usual


# --- masked_fill/index_fill: a float that does not fit an integer tensor raises --------------
@pytest.mark.parametrize("value", [float("inf"), float("nan"), 1e30, "tensor_inf"])
def test_fill_integer_tensor_with_unrepresentable_float_raises(value):
    value = mg.tensor(float("inf")) if value == "tensor_inf" else value
    x = mg.zeros(2, dtype=mg.int64)
    mask = mg.tensor([True, False])
    with pytest.raises(RuntimeError, match="masked_fill: value .* cannot be converted to int64"):
        x.masked_fill(mask, value)                   # before: wrote -2**63
    with pytest.raises(RuntimeError, match="masked_fill_: value .* cannot be converted"):
        x.masked_fill_(mask, value)
    with pytest.raises(RuntimeError, match="index_fill: value .* cannot be converted"):
        x.index_fill(0, mg.tensor([0]), value)
    assert x.masked_fill(mask, -2.9).tolist() == [-2, 0]     # in range: truncated, as PyTorch


# --- PyTorch's keyword names (before: TypeError 'unexpected keyword argument') ----------------
def test_torch_keyword_names_are_accepted():
    x = mg.arange(24.0).reshape(2, 3, 4)
    assert x.flip(dims=(0,)).tolist() == x.flip(0).tolist()
    assert x.tile(dims=(2,)).shape == (2, 3, 8)
    assert mg.permute(x, dims=(2, 0, 1)).shape == (4, 2, 3)
    assert x.permute(dims=(2, 0, 1)).shape == (4, 2, 3)
    assert x.reshape(shape=(6, 4)).shape == (6, 4)
    assert mg.reshape(x, shape=(4, 6)).shape == (4, 6)
    assert x.view(size=(6, 4)).shape == (6, 4)
    assert x[:, :1].expand(size=(2, 3, 4)).shape == (2, 3, 4)
    assert x.repeat(repeats=(1, 2, 1)).shape == (2, 6, 4)
    assert mg.broadcast_to(x[:, :1], size=(2, 3, 4)).shape == (2, 3, 4)
    assert mg.swapaxes(x, axis0=0, axis1=2).shape == (4, 3, 2)
    assert x.swapaxes(axis0=0, axis1=2).shape == (4, 3, 2)
    assert mg.swapdims(x, dim0=0, dim1=2).shape == (4, 3, 2)
    assert [p.shape[2] for p in x.split(split_size=3, dim=2)] == [3, 1]
    assert [p.shape[2] for p in mg.tensor_split(x, sections=3, dim=2)] == [2, 1, 1]
    assert [p.shape[2] for p in mg.tensor_split(x, indices=[1], dim=2)] == [1, 3]
    assert [p.shape[2] for p in x.tensor_split(tensor_indices_or_sections=mg.tensor(2),
                                               dim=2)] == [2, 2]
    assert [p.shape[1] for p in mg.hsplit(x, sections=3)] == [1, 1, 1]
    assert [p.shape[0] for p in mg.vsplit(x, indices=[1])] == [1, 1]
    assert [p.shape[2] for p in x.dsplit(sections=2)] == [2, 2]
    cond = x > 10
    assert mg.where(condition=cond, input=x, other=-x).tolist() == mg.where(cond, x, -x).tolist()


def test_keyword_mixed_with_positional_raises():
    x = mg.arange(6.0)
    with pytest.raises(TypeError, match="reshape: expected ints"):
        x.reshape(3, shape=(2, 3))
    with pytest.raises(TypeError, match="flip: expected ints"):
        x.flip(0, dims=0)
    with pytest.raises(TypeError, match="tensor_split: give indices_or_sections or one of"):
        mg.tensor_split(x, 2, sections=2)
    with pytest.raises(TypeError, match="split: missing split_size_or_sections"):
        x.split()


@pytest.mark.parametrize("dtype, value", [(mg.uint8, 256), (mg.uint8, -256), (mg.int64, 2 ** 63),
                                          (mg.float16, 1e6), (mg.float32, 1e39)])
def test_fill_value_past_the_dtype_range_raises(dtype, value):
    x = mg.zeros(2, dtype=dtype)
    with pytest.raises(RuntimeError, match="masked_fill: value .* cannot be converted"):
        x.masked_fill(mg.tensor([True, False]), value)   # before: wrapped or became inf
    with pytest.raises(RuntimeError, match="index_fill: value .* cannot be converted"):
        x.index_fill(0, mg.tensor([1]), value)


def test_fill_values_pytorch_accepts():
    mask = mg.tensor([True, False])
    assert mg.zeros(2, dtype=mg.uint8).masked_fill(mask, -1).tolist() == [255, 0]
    assert mg.zeros(2, dtype=mg.float16).masked_fill(mask, 65504.0).tolist() == [65504.0, 0.0]
    assert mg.zeros(2, dtype=mg.float16).masked_fill(mask, float("inf")).tolist()[0] == float("inf")
    assert mg.zeros(2, dtype=mg.bool).masked_fill(mask, 5).tolist() == [True, False]


def test_scatter_value_is_checked_like_the_fill_ops():
    index = mg.tensor([0])
    assert mg.zeros(2, dtype=mg.uint8).scatter(0, index, -1).tolist() == [255, 0]  # before: raw
    assert mg.zeros(2, dtype=mg.int64).scatter(0, index, 2.7).tolist() == [2, 0]   # NumPy error
    for dtype, value in ((mg.uint8, 300), (mg.int64, float("inf")), (mg.float16, 1e6),
                         (mg.uint8, -1.5)):
        with pytest.raises(RuntimeError, match="scatter: value .* cannot be converted"):
            mg.zeros(2, dtype=dtype).scatter(0, index, value)
    with pytest.raises(RuntimeError, match="masked_fill: value -1.5 cannot be converted"):
        mg.zeros(2, dtype=mg.uint8).masked_fill(mg.tensor([True, False]), -1.5)


# --- index_put's index errors name index_put (before: 'index: ...', worded for x[...]) -------
def test_index_put_index_errors_name_the_op():
    with pytest.raises(IndexError, match=r"^index_put: index 5 is out of range for dimension 0"):
        mg.index_put(mg.zeros(2, 3), (mg.tensor([5]),), mg.tensor(1.0))
    with pytest.raises(IndexError, match=r"^index_put: index -4 is out of range for dimension 1"):
        mg.zeros(2, 3).index_put_((mg.tensor([0]), mg.tensor([-4])), mg.tensor(1.0))


# --- dim arguments: errors name the op (before: raw Python TypeErrors, or 'unsqueeze' for
# stack) --------------------------------------------------------------------------------------
def test_dim_argument_errors_name_the_op():
    x = mg.zeros(2, 3)
    with pytest.raises(TypeError, match="transpose: dims must be ints"):
        x.transpose(0, 1.0)
    with pytest.raises(TypeError, match="unsqueeze: dim must be an int"):
        x.unsqueeze(1.0)
    with pytest.raises(TypeError, match="flatten: dims must be ints"):
        x.flatten(0.0)
    with pytest.raises(IndexError, match=r"stack: dim 3 is out of range .* \[-3, 2\]"):
        mg.stack([x, x], 3)
    assert mg.stack([x, x], -3).shape == (2, 2, 3)
    assert x.transpose(mg.tensor(0), 1).shape == (3, 2)
