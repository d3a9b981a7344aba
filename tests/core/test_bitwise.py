"""Integer and bit math against PyTorch: bitwise and/or/xor/not and the shifts (functions,
methods, operators, in-place forms), gcd/lcm, frexp, nextafter, and ldexp (differentiable:
declared for the harness). Edge cases: shifts by negative amounts or the bit width, overflow,
negative gcd/lcm operands, bools, Python-int operands, empty and 0-d tensors, float refusal.
"""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from harness import OpSpec, OpSuite, normal

INT_DTYPES = [("int64", mg.int64), ("int32", mg.int32), ("uint8", mg.uint8)]
BINARY = ["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
          "bitwise_right_shift", "gcd", "lcm"]


def small_ints(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Integer-valued exponents for ldexp (gradcheck perturbs them; d/dy is still smooth)."""
    return rng.integers(-3, 4, shape).astype(np.float64)


class TestLdexp(OpSuite):
    OPS = [OpSpec("ldexp", lambda m, x, y: m.ldexp(x, y), lambda x, y: x * 2.0 ** y,
                  [((3, 4), (3, 4)), ((3, 4), (4,)), ((), (2, 3))], [normal, small_ints])]


def _pair(torch: object, dtype_name: str, seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    if dtype_name == "uint8":
        a, b = rng.integers(0, 256, (4, 5)), rng.integers(0, 256, (5,))
    else:
        a, b = rng.integers(-60, 60, (4, 5)), rng.integers(-60, 60, (5,))
    return a, b


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("dtype_name,dtype", INT_DTYPES)
def test_binary_ops_match_torch(name: str, dtype_name: str, dtype: object) -> None:
    torch = pytest.importorskip("torch")
    a, b = _pair(torch, dtype_name)
    if "shift" in name:  # amounts across and beyond the bit width, negatives included
        b = np.array([-1, 0, 3, 7, 8][: 5]) if dtype_name == "uint8" else \
            np.array([-1, 0, 5, 31, 64]) if dtype_name == "int64" else np.array([-3, 1, 31, 32, 40])
    tdtype = getattr(torch, dtype_name)
    out = getattr(mg, name)(mg.tensor(a, dtype=dtype), mg.tensor(b, dtype=dtype))
    expected = getattr(torch, name)(torch.tensor(a, dtype=tdtype), torch.tensor(b, dtype=tdtype))
    assert out.dtype == np.dtype(dtype_name)
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


@pytest.mark.parametrize("name", ["bitwise_left_shift", "bitwise_right_shift"])
def test_int64_shift_overflow_and_sign_fill(name: str) -> None:
    torch = pytest.importorskip("torch")
    a = [5, -5, 1, -1, 7, -(2 ** 62), 2 ** 62]
    s = [1, 1, 63, 64, -1, 2, 1]
    out = getattr(mg, name)(mg.tensor(a), mg.tensor(s)).numpy()
    expected = getattr(torch, name)(torch.tensor(a), torch.tensor(s)).numpy()
    np.testing.assert_array_equal(out, expected)


def test_bools_and_python_ints_match_torch() -> None:
    torch = pytest.importorskip("torch")
    p, q = [True, False, True, False], [True, True, False, False]
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
        out = getattr(mg, name)(mg.tensor(p), mg.tensor(q))
        expected = getattr(torch, name)(torch.tensor(p), torch.tensor(q))
        assert out.dtype == mg.bool
        np.testing.assert_array_equal(out.numpy(), expected.numpy())
        out = getattr(mg, name)(mg.tensor(p), 1)
        expected = getattr(torch, name)(torch.tensor(p), 1)
        assert out.dtype == np.dtype(str(expected.dtype).replace("torch.", ""))
        np.testing.assert_array_equal(out.numpy(), expected.numpy())
    np.testing.assert_array_equal(mg.bitwise_not(mg.tensor(p)).numpy(), ~np.array(p))
    x = mg.tensor([5, -3, 0], dtype=mg.int32)
    assert mg.bitwise_not(x).dtype == mg.int32
    np.testing.assert_array_equal(mg.bitwise_not(x).numpy(), [-6, 2, -1])
    np.testing.assert_array_equal(mg.bitwise_left_shift(3, mg.tensor([1, 2])).numpy(),
                                  torch.bitwise_left_shift(3, torch.tensor([1, 2])).numpy())
    np.testing.assert_array_equal((mg.tensor([True]) << 1).numpy(),
                                  (torch.tensor([True]) << 1).numpy())


def test_operators_and_reflections() -> None:
    torch = pytest.importorskip("torch")
    a, b = [12, -7, 5, 0], [10, 3, -2, 9]
    ma, mb, ta, tb = mg.tensor(a), mg.tensor(b), torch.tensor(a), torch.tensor(b)
    pairs = [(ma & mb, ta & tb), (ma | mb, ta | tb), (ma ^ mb, ta ^ tb), (~ma, ~ta),
             (ma << mg.tensor([1, 2, 3, 4]), ta << torch.tensor([1, 2, 3, 4])),
             (ma >> 1, ta >> 1), (6 & ma, 6 & ta), (6 | ma, 6 | ta), (6 ^ ma, 6 ^ ta),
             (1 << mg.tensor([1, 2]), 1 << torch.tensor([1, 2])),
             (64 >> mg.tensor([1, 2]), 64 >> torch.tensor([1, 2]))]
    for i, (got, want) in enumerate(pairs):
        np.testing.assert_array_equal(got.numpy(), want.numpy(), err_msg=f"pair {i}")
    # comparisons combined with & | ~ (bool tensors) keep working
    x = mg.tensor([0.5, -1.0, 2.0])
    np.testing.assert_array_equal(((x > 0) & (x < 1)).numpy(), [True, False, False])
    np.testing.assert_array_equal((~(x > 0) | (x > 1.5)).numpy(), [False, True, True])


def test_inplace_methods_and_augmented_operators() -> None:
    torch = pytest.importorskip("torch")
    for name in BINARY:
        x, y = mg.tensor([12, 7, 5, 9]), mg.tensor([10, 3, 2, 1])
        t = torch.tensor([12, 7, 5, 9])
        assert getattr(x, name + "_")(y) is x
        getattr(t, name + "_")(torch.tensor([10, 3, 2, 1]))
        np.testing.assert_array_equal(x.numpy(), t.numpy(), err_msg=name)
        np.testing.assert_array_equal(getattr(mg.tensor([12, 7, 5, 9]), name)(y).numpy(), t.numpy())
    x = mg.tensor([12, 7])
    x.bitwise_not_()
    np.testing.assert_array_equal(x.numpy(), [-13, -8])
    x = mg.tensor([12, 7])
    alias = x
    x &= 6
    x |= 1
    x ^= 2
    x <<= 2
    x >>= 1
    assert x is alias
    np.testing.assert_array_equal(x.numpy(), ((((np.array([12, 7]) & 6) | 1) ^ 2) << 2) >> 1)
    f = mg.tensor([1.0, 2.0])
    f.ldexp_(mg.tensor([2, -1]))
    np.testing.assert_array_equal(f.numpy(), [4.0, 1.0])
    f.nextafter_(mg.tensor([10.0, 0.0]))
    np.testing.assert_array_equal(f.numpy(), np.nextafter(np.float32([4.0, 1.0]), np.float32([10, 0])))


def test_gcd_lcm_signs_and_zeros_match_torch() -> None:
    torch = pytest.importorskip("torch")
    a, b = [-4, 0, 0, 6, -12, 7], [6, 0, -3, -9, -18, 1]
    for name in ("gcd", "lcm"):
        np.testing.assert_array_equal(getattr(mg, name)(mg.tensor(a), mg.tensor(b)).numpy(),
                                      getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy())


def test_frexp_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    values = [0.0, -0.0, 8.0, -0.3, 1e-310, 3.5e30, float("inf"), float("nan")]
    for dtype in (mg.float32, mg.float64):
        out = mg.frexp(mg.tensor(values, dtype=dtype))
        expected = torch.frexp(torch.tensor(values, dtype=getattr(torch, str(np.dtype(dtype)))))
        assert out.mantissa.dtype == dtype and out.exponent.dtype == mg.int32
        np.testing.assert_array_equal(out.mantissa.numpy(), expected.mantissa.numpy())
        finite = np.isfinite(np.array(values, dtype=np.dtype(dtype)))
        np.testing.assert_array_equal(out.exponent.numpy()[finite], expected.exponent.numpy()[finite])
    mantissa, exponent = mg.tensor([6.0]).frexp()
    assert mantissa.item() == 0.75 and exponent.item() == 3


def test_nextafter_and_ldexp_match_torch() -> None:
    torch = pytest.importorskip("torch")
    a, b = [1.0, 1.0, 0.0, -0.0, 5.0], [2.0, 0.0, 1.0, -1.0, 5.0]
    for dtype, tdtype in ((mg.float32, torch.float32), (mg.float64, torch.float64)):
        out = mg.nextafter(mg.tensor(a, dtype=dtype), mg.tensor(b, dtype=dtype))
        expected = torch.nextafter(torch.tensor(a, dtype=tdtype), torch.tensor(b, dtype=tdtype))
        assert out.dtype == dtype
        np.testing.assert_array_equal(out.numpy(), expected.numpy())
    out = mg.ldexp(mg.tensor([1, 3]), mg.tensor([2, -1]))
    expected = torch.ldexp(torch.tensor([1, 3]), torch.tensor([2, -1]))
    assert out.dtype == mg.float32
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    x32 = mg.tensor([1.5, -2.0], requires_grad=True)
    out = mg.ldexp(x32, mg.tensor([3, 1]))
    assert out.dtype == mg.float32
    out.sum().backward()
    assert x32.grad.dtype == mg.float32
    np.testing.assert_array_equal(x32.grad.numpy(), [8.0, 2.0])


def test_floats_are_refused_like_torch() -> None:
    x = mg.tensor([1.5, 2.0])
    for name in BINARY:
        with pytest.raises(NotImplementedError, match=f"{name}: not implemented for float32"):
            getattr(mg, name)(x, x)
    with pytest.raises(NotImplementedError, match="bitwise_not"):
        mg.bitwise_not(x)
    with pytest.raises(NotImplementedError, match="bitwise_and"):
        x & x
    with pytest.raises(TypeError, match="bitwise_and.*float"):
        mg.bitwise_and(mg.tensor([1, 2]), 1.5)
    with pytest.raises(NotImplementedError, match="gcd.*bool"):
        mg.gcd(mg.tensor([True]), mg.tensor([False]))
    with pytest.raises(RuntimeError, match="frexp.*int64"):
        mg.frexp(mg.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="nextafter.*int64"):
        mg.nextafter(mg.tensor([1]), mg.tensor([2]))
    with pytest.raises(TypeError, match="bitwise_or: expected a Tensor"):
        mg.bitwise_or(1, 2)
    with pytest.raises(ValueError, match="bitwise_xor"):
        mg.bitwise_xor(mg.tensor([1, 2, 3]), mg.tensor([1, 2]))


def test_empty_and_zero_dim() -> None:
    e = mg.zeros(0, 3, dtype=mg.int64)
    for name in BINARY:
        assert getattr(mg, name)(e, e).shape == (0, 3)
        assert getattr(mg, name)(mg.tensor(6), mg.tensor(4)).shape == ()
    assert mg.bitwise_not(e).shape == (0, 3)
    assert mg.frexp(mg.zeros(0)).mantissa.shape == (0,)
    assert mg.nextafter(mg.tensor(1.0), mg.tensor(2.0)).shape == ()
