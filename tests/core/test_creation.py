"""Making tensors: from data, filled, ranges, random (seeded) and the *_like family."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from devices import TEST_DEVICE


# --- from data -------------------------------------------------------------------------------
@pytest.mark.parametrize("data, dtype", [
    ([1.0, 2.0], mg.float32), ([1, 2], mg.int64), ([True, False], mg.bool),
    ([[1, 2.5], [3, 4]], mg.float32), (3.0, mg.float32), (7, mg.int64), ([], mg.float32),
    (np.zeros(2, dtype=np.float64), mg.float64), (np.zeros(2, dtype=np.int32), mg.int32),
])
def test_tensor_infers_dtypes_like_pytorch(data, dtype) -> None:
    t = mg.tensor(data)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), np.asarray(data))


def test_tensor_copies_while_from_numpy_and_as_tensor_share() -> None:
    a = np.arange(6.0).reshape(2, 3)
    copied, shared = mg.tensor(a), mg.from_numpy(a)
    copied_view = mg.tensor(a.T)
    a[0, 0] = 100.0
    assert copied.numpy()[0, 0] == 0.0 and copied_view.numpy()[0, 0] == 0.0
    assert shared.numpy()[0, 0] == 100.0
    t = mg.ones(2)
    assert mg.as_tensor(t) is t
    assert mg.as_tensor(t, dtype=mg.float64).dtype == mg.float64


def test_tensor_of_a_tensor_is_a_detached_copy() -> None:
    x = mg.ones(2, requires_grad=True)
    y = mg.tensor(x)
    assert not y.requires_grad and y.is_leaf
    with mg.no_grad():
        x.add_(1.0)
    np.testing.assert_array_equal(y.numpy(), [1.0, 1.0])


@pytest.mark.parametrize("dtype", [mg.float64, "float64", "double", np.float64])
def test_dtype_spellings(dtype) -> None:
    assert mg.tensor([1, 2], dtype=dtype).dtype == mg.float64
    assert mg.zeros(2, dtype=dtype).dtype == mg.float64


def test_python_types_as_dtypes() -> None:
    assert mg.zeros(1, dtype=float).dtype == mg.float32
    assert mg.zeros(1, dtype=int).dtype == mg.int64
    assert mg.zeros(1, dtype=bool).dtype == mg.bool


# --- filled --------------------------------------------------------------------------------------
@pytest.mark.parametrize("make, value", [(mg.zeros, 0.0), (mg.ones, 1.0), (mg.empty, None)])
def test_filled_constructors_take_varargs_or_a_tuple(make, value) -> None:
    for t in (make(2, 3), make((2, 3)), make([2, 3])):
        assert t.shape == (2, 3) and t.dtype == mg.float32 and t.device == TEST_DEVICE
        assert not t.requires_grad
        if value is not None:
            np.testing.assert_array_equal(t.numpy(), np.full((2, 3), value))
    assert make(2, requires_grad=True).requires_grad
    assert make(2, dtype=mg.int64).dtype == mg.int64
    assert make().shape == ()


@pytest.mark.parametrize("value, dtype", [(1.5, mg.float32), (3, mg.int64), (True, mg.bool)])
def test_full_takes_its_dtype_from_the_value(value, dtype) -> None:
    t = mg.full((2, 2), value)
    assert t.dtype == dtype and t.shape == (2, 2)
    np.testing.assert_array_equal(t.numpy(), np.full((2, 2), value))
    assert mg.full((3,), 2.0, dtype=mg.float64).dtype == mg.float64


def test_ranges_match_numpy() -> None:
    np.testing.assert_array_equal(mg.arange(5).numpy(), np.arange(5))
    assert mg.arange(5).dtype == mg.int64
    np.testing.assert_array_equal(mg.arange(2, 9, 3).numpy(), [2, 5, 8])
    a = mg.arange(0, 1, 0.25)
    assert a.dtype == mg.float32
    np.testing.assert_allclose(a.numpy(), [0, 0.25, 0.5, 0.75])
    assert mg.arange(3, dtype=mg.float64).dtype == mg.float64
    lin = mg.linspace(-1, 1, 5)
    assert lin.dtype == mg.float32
    np.testing.assert_allclose(lin.numpy(), np.linspace(-1, 1, 5))
    np.testing.assert_array_equal(mg.eye(3).numpy(), np.eye(3))
    np.testing.assert_array_equal(mg.eye(2, 4, dtype=mg.int64).numpy(), np.eye(2, 4))
    assert mg.arange(4.0, requires_grad=True).requires_grad


# --- random ----------------------------------------------------------------------------------------
def test_rand_randn_ranges_and_moments() -> None:
    u = mg.rand(20000)
    assert u.dtype == mg.float32 and 0.0 <= u.numpy().min() and u.numpy().max() < 1.0
    assert abs(float(u.mean()) - 0.5) < 0.01
    n = mg.randn(100, 200, dtype=mg.float64)
    assert n.dtype == mg.float64 and n.shape == (100, 200)
    assert abs(float(n.mean())) < 0.02 and abs(float(n.std()) - 1.0) < 0.02


def test_randint_and_randperm() -> None:
    r = mg.randint(3, 7, (1000,))
    assert r.dtype == mg.int64 and r.shape == (1000,)
    assert set(np.unique(r.numpy())) == {3, 4, 5, 6}
    assert mg.randint(5, size=(2, 2)).numpy().max() < 5
    p = mg.randperm(10)
    assert p.dtype == mg.int64
    np.testing.assert_array_equal(np.sort(p.numpy()), np.arange(10))


def test_random_floats_refuse_integer_dtypes() -> None:
    with pytest.raises(TypeError, match="floating dtype.*int64"):
        mg.rand(2, dtype=mg.int64)


def _draws() -> list:
    return [mg.rand(3).numpy(), mg.randn(2, 2).numpy(), mg.randint(0, 100, (4,)).numpy(),
            mg.randperm(6).numpy(), mg.empty(3).uniform_(-2, 2).numpy(),
            mg.zeros(3).normal_(1.0, 0.1).numpy()]


def test_manual_seed_makes_runs_reproducible() -> None:
    mg.manual_seed(1234)
    first = _draws()
    mg.manual_seed(1234)
    second = _draws()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert mg.initial_seed() == 1234
    mg.manual_seed(4321)
    third = _draws()
    assert not all(np.array_equal(a, b) for a, b in zip(first, third))


def test_in_place_random_fills_respect_their_bounds() -> None:
    u = mg.empty(1000, dtype=mg.float64).uniform_(-2.0, 3.0).numpy()
    assert u.min() >= -2.0 and u.max() < 3.0 and u.std() > 1.0
    n = mg.zeros(5000).normal_(10.0, 0.5)
    assert n.dtype == mg.float32 and abs(float(n.mean()) - 10.0) < 0.05


# --- *_like -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("like, check", [
    (mg.zeros_like, lambda a: (a == 0).all()),
    (mg.ones_like, lambda a: (a == 1).all()),
    (mg.empty_like, lambda a: True),
    (lambda t, **kw: mg.full_like(t, 2.5, **kw), lambda a: (a == 2.5).all()),
    (mg.rand_like, lambda a: ((0 <= a) & (a < 1)).all()),
    (mg.randn_like, lambda a: a.std() > 0),
])
def test_like_functions_copy_shape_dtype_and_device(like, check, testdev) -> None:
    src = mg.ones(3, 2, dtype=mg.float64, requires_grad=True)
    out = like(src)
    assert out.shape == (3, 2) and out.dtype == mg.float64 and out.device == TEST_DEVICE
    assert not out.requires_grad
    assert check(out.numpy())
    assert like(src, dtype=mg.float32).dtype == mg.float32
    # The source's device, not the default one, wherever they differ.
    assert like(mg.ones(3, 2, device=testdev)).device == "testdev"


def test_randint_like_and_like_requires_grad() -> None:
    r = mg.randint_like(mg.zeros(4, 4), 0, 3)
    assert r.shape == (4, 4) and r.numpy().max() < 3
    assert mg.zeros_like(mg.ones(2), requires_grad=True).requires_grad


def test_like_functions_keep_the_source_device(testdev) -> None:
    src = mg.ones(2, device=testdev)
    for like in (mg.zeros_like, mg.ones_like, mg.rand_like, mg.randn_like):
        assert like(src).device == "testdev"


def test_default_dtype_can_be_float64() -> None:
    mg.set_default_dtype(mg.float64)
    assert mg.get_default_dtype() == mg.float64
    assert mg.tensor([1.0]).dtype == mg.float64
    assert mg.zeros(1).dtype == mg.float64 and mg.randn(1).dtype == mg.float64
    assert mg.arange(1.0).dtype == mg.float64
    with pytest.raises(TypeError, match="floating dtype.*int64"):
        mg.set_default_dtype(mg.int64)


# --- bad arguments get errors that name the function ---------------------------------------
@pytest.mark.parametrize("call, error, message", [
    (lambda: mg.zeros(-1), ValueError, r"zeros: negative dimension -1 in size \(-1,\)"),
    (lambda: mg.ones(2, -3), ValueError, r"ones: negative dimension -3 in size \(2, -3\)"),
    (lambda: mg.zeros(2.5), TypeError, r"zeros: sizes must be ints, got 2.5 \(float\)"),
    (lambda: mg.randn((2, "a")), TypeError, r"randn: sizes must be ints, got 'a'"),
    (lambda: mg.full((-2,), 1.0), ValueError, "full: negative dimension -2"),
    (lambda: mg.eye(-1), ValueError, "eye: negative dimension -1"),
    (lambda: mg.linspace(0, 1, -2), ValueError, "linspace: steps must be a non-negative int, "
                                                "got -2"),
    (lambda: mg.arange(0, 10, 0), ValueError, "arange: step must be nonzero"),
    (lambda: mg.arange(0, 10, -1), ValueError, "arange: the step -1 points away from end 10"),
    (lambda: mg.randint(5, 2, (3,)), ValueError, r"randint: low \(5\) must be less than high "
                                                 r"\(2\)"),
    (lambda: mg.randperm(-1), ValueError, "randperm: negative dimension -1"),
    (lambda: mg.tensor([[1, 2], [3]]), ValueError, r"tensor: the nested lists have irregular "
                                                   r"\(ragged\) lengths"),
])
def test_bad_creation_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_sizes_accept_numpy_integers_and_sequences():
    assert mg.zeros(np.int64(2), 3).shape == (2, 3)
    assert mg.ones([2, 0]).shape == (2, 0)
    assert mg.arange(10, 0, -3).tolist() == [10, 7, 4, 1]
