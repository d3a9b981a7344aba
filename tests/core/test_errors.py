"""Bad input fails early with ValueError/TypeError/RuntimeError (IndexError for indices, as in
PyTorch) and a message naming the op and the shapes, dtypes or devices involved."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from devices import TEST_DEVICE


# --- shape mismatches ---------------------------------------------------------------------------
def test_matmul_shape_mismatch() -> None:
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) are not aligned"):
        mg.zeros(2, 3) @ mg.zeros(4, 5)


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "maximum", "minimum"])
def test_broadcast_mismatch_names_the_op_and_both_shapes(op) -> None:
    a, b = mg.ones(2, 3), mg.ones(4, 3)
    with pytest.raises(ValueError, match=rf"{op}: shapes \(2, 3\) and \(4, 3\) cannot be broadcast"):
        getattr(mg.ops, op)(a, b)


def test_broadcast_mismatch_through_operators_and_where() -> None:
    with pytest.raises(ValueError, match=r"add: shapes \(3,\) and \(2,\)"):
        mg.ones(3) + mg.ones(2)
    with pytest.raises(ValueError, match=r"where: shapes \(5,\) and \(3,\) and \(3,\)"):
        mg.where(mg.ones(5) > 0, mg.ones(3), mg.zeros(3))
    with pytest.raises(ValueError, match=r"gt: shapes \(3,\) and \(2,\)"):
        mg.ones(3) > mg.ones(2)


# --- autograd misuse --------------------------------------------------------------------------
def test_backward_on_a_non_scalar_without_gradient() -> None:
    x = mg.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"backward: .*only for scalar outputs.*shape \(2, 3\)"):
        (x * 2).backward()


@pytest.mark.parametrize("dtype", [mg.int64, mg.int32, mg.bool, mg.uint8])
def test_requires_grad_on_an_integer_tensor(dtype) -> None:
    with pytest.raises(RuntimeError, match=rf"requires_grad: only floating-point.*{dtype}.*\(2,\)"):
        mg.tensor([1, 0], dtype=dtype, requires_grad=True)
    with pytest.raises(RuntimeError, match=rf"requires_grad.*{dtype}"):
        mg.zeros(2, dtype=dtype).requires_grad_()
    with pytest.raises(RuntimeError, match=rf"requires_grad.*{dtype}"):
        mg.zeros(2, dtype=dtype, requires_grad=True)


# --- indexing -----------------------------------------------------------------------------------
@pytest.mark.parametrize("index, dim, size", [(3, 0, 3), (-4, 0, 3), ((0, 5), 1, 4)])
def test_integer_index_out_of_range(index, dim, size) -> None:
    x = mg.zeros(3, 4)
    with pytest.raises(IndexError, match=rf"index .* out of range for dimension {dim}.*\(3, 4\)"):
        x[index]


def test_integer_array_index_out_of_range_names_the_index_and_shape() -> None:
    x = mg.zeros(3, 4)
    with pytest.raises(IndexError, match=r"index 7 is out of range for dimension 0 with size 3 "
                                         r"\(tensor of shape \(3, 4\)\)"):
        x[mg.tensor([0, 7, 1])]
    with pytest.raises(IndexError, match=r"index -5 .* dimension 1 with size 4"):
        x[:, [1, -5]]


def test_too_many_indices() -> None:
    with pytest.raises(IndexError, match=r"too many indices.*\(3,\)"):
        mg.zeros(3)[0, 0]


def test_boolean_mask_of_the_wrong_shape() -> None:
    with pytest.raises(IndexError, match=r"boolean mask of shape \(2,\).*\(3,\)"):
        mg.zeros(3)[mg.tensor([True, False])]


# --- devices -------------------------------------------------------------------------------------
@pytest.mark.parametrize("op, fn", [
    ("Add", lambda a, b: a + b),
    ("Mul", lambda a, b: a * b),
    ("Sub", lambda a, b: b - a),
    ("MatMul", lambda a, b: a @ b),
    ("Cat", lambda a, b: mg.cat([a, b])),
    ("Where", lambda a, b: mg.where(a > 0, a, b)),
    ("Maximum", lambda a, b: mg.maximum(a, b)),
    ("lt", lambda a, b: a < b),
    ("eq", lambda a, b: a == b),
])
def test_mixing_devices_names_both(testdev, op, fn) -> None:
    a = mg.ones(3, 3, requires_grad=True)
    b = mg.ones(3, 3, device=testdev)
    assert a.device == TEST_DEVICE and b.device == "testdev"
    with pytest.raises(RuntimeError) as info:
        fn(a, b)
    message = str(info.value)
    assert TEST_DEVICE in message and "testdev" in message, message
    if op != "Maximum":  # maximum is built from comparisons and where; either may report it
        assert op.lower() in message.lower(), message


def test_index_tensor_on_another_device(testdev) -> None:
    with pytest.raises(RuntimeError,
                       match=f"index: indices on testdev cannot index a tensor on {TEST_DEVICE}"):
        mg.zeros(3)[mg.tensor([0, 1], device=testdev)]


def test_backward_gradient_on_another_device(testdev) -> None:
    x = mg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError,
                       match=f"backward: gradient is on testdev but the output is on {TEST_DEVICE}"):
        (x * 2).backward(mg.ones(2, device=testdev))


def test_copy_between_devices_is_refused(testdev) -> None:
    with pytest.raises(RuntimeError,
                       match=f"copy_: cannot copy a testdev tensor into a {TEST_DEVICE} tensor"):
        mg.zeros(2).copy_(mg.ones(2, device=testdev))


# --- other misuse --------------------------------------------------------------------------------
def test_scalar_conversions_need_one_element() -> None:
    with pytest.raises(RuntimeError, match=r"item: only one-element tensors.*\(2,\)"):
        mg.zeros(2).item()
    with pytest.raises(RuntimeError, match="truth value of a tensor with 2 elements is ambiguous"):
        bool(mg.zeros(2))


def test_unknown_dtypes_and_devices() -> None:
    with pytest.raises(TypeError, match="unknown dtype 'floaty'"):
        mg.zeros(2, dtype="floaty")
    with pytest.raises(TypeError, match="complex128 is not supported"):
        mg.zeros(2, dtype=np.complex128)
    with pytest.raises(ValueError, match=r"unknown device 'tpu'.*known devices"):
        mg.zeros(2, device="tpu")
    with pytest.raises(TypeError, match="cannot make a tensor from str"):
        mg.tensor(["a"])


def test_numpy_of_a_tensor_that_requires_grad() -> None:
    with pytest.raises(RuntimeError, match=r"numpy: .*requires grad.*detach\(\)"):
        mg.ones(2, requires_grad=True).numpy()


def test_flatten_dims_out_of_range() -> None:
    with pytest.raises(IndexError, match=r"flatten: dim 2 is out of range for shape \(2, 3\)"):
        mg.zeros(2, 3).flatten(2)


def test_clamp_needs_a_bound() -> None:
    with pytest.raises(ValueError, match="clamp: at least one of min and max"):
        mg.zeros(2).clamp()


def test_complex_scalars_are_refused() -> None:
    with pytest.raises(TypeError, match="complex scalars are not supported"):
        mg.zeros(2) * 1j
