"""The elementwise in-place methods (relu_, exp_, pow_, cumsum_, ...), Tensor.where, mH and
adjoint: values as PyTorch's, memory written in place, and the in-place rules kept."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

UNARY = ["relu", "sigmoid", "tanh", "exp", "exp2", "expm1", "sqrt", "rsqrt", "square",
         "reciprocal", "sin", "cos", "floor", "ceil", "round", "trunc", "fix", "frac", "erf",
         "erfc", "nan_to_num", "tril", "triu", "log", "log2", "log10", "log1p"]
A = np.array([[0.5, -1.0, 2.5], [2.0, 3.0, -0.25]])


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary_in_place_matches_torch(name: str, dtype) -> None:
    torch = pytest.importorskip("torch")
    x = mg.tensor(A.astype(dtype))
    memory = x.array
    assert getattr(x, name + "_")() is x
    assert x.array is memory  # written into the same memory
    expected = getattr(torch.tensor(A.astype(dtype)), name + "_")().numpy()
    np.testing.assert_allclose(x.numpy(), expected, rtol=2e-6 if dtype == np.float32 else 1e-14,
                               equal_nan=True)
    assert x.dtype == dtype


def test_in_place_with_arguments_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    steps = [("pow_", (2,)), ("cumsum_", (1,)), ("clip_", (0.0, 5.0)), ("fmod_", (2.0,)),
             ("remainder_", (1.5,)), ("renorm_", (2, 0, 1.0)), ("cumprod_", (0,))]
    x, t = mg.tensor(A.copy()), torch.tensor(A.copy())
    for name, args in steps:
        getattr(x, name)(*args)
        getattr(t, name)(*args)
        np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-14, err_msg=name)
    x.lerp_(mg.ones(2, 3, dtype=mg.float64), 0.25)
    t.lerp_(torch.ones(2, 3, dtype=torch.float64), 0.25)
    np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-14)


def test_in_place_rules_hold() -> None:
    leaf = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="exp_: a leaf tensor that requires grad"):
        leaf.exp_()
    with mg.no_grad():
        leaf.exp_()  # allowed outside the graph, as PyTorch
    np.testing.assert_allclose(leaf.detach().numpy(), np.exp([1.0, 2.0]), rtol=1e-6)
    with pytest.raises(RuntimeError, match="sqrt_: result type float32 can't be cast.*int64"):
        mg.tensor([1, 4]).sqrt_()
    y = mg.tensor([4.0, 9.0])
    view = y[:1]
    y.sqrt_()
    assert view.item() == 2.0  # views see the write


def test_where_method_mH_and_adjoint() -> None:
    x = mg.tensor(A)
    cond = mg.tensor(A > 0)
    np.testing.assert_array_equal(x.where(cond, mg.zeros(2, 3, dtype=mg.float64)).numpy(),
                                  np.where(A > 0, A, 0.0))
    np.testing.assert_array_equal(x.mH.numpy(), A.T)
    np.testing.assert_array_equal(x.adjoint().numpy(), A.T)
    batch = mg.randn(4, 2, 3)
    assert batch.mH.shape == (4, 3, 2)
    w = mg.tensor(A, requires_grad=True)
    w.where(cond, 0.0).sum().backward()  # gradient flows where the condition holds
    np.testing.assert_array_equal(w.grad.numpy(), (A > 0).astype(float))
