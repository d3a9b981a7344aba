"""Edge cases a differential run against PyTorch found wrong.

maximum/minimum dropped a NaN in the first operand and turned integer and bool inputs into
floats (bool ties came out as 0.5); integer ** negative integer tensors, sign of bool, amax over
the non-empty dims of an empty tensor and the median of an empty integer tensor raised NumPy's
errors or refused what PyTorch accepts.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from harness import assert_index_matches_torch

NAN = math.nan


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_extremum_propagates_nan_from_either_side(op: str) -> None:
    a = np.array([NAN, 1.0, 2.0, NAN, -3.0], dtype=np.float32)
    b = np.array([1.0, NAN, 2.0, NAN, 4.0], dtype=np.float32)
    out = getattr(mg, op)(mg.tensor(a), mg.tensor(b)).numpy()
    np.testing.assert_array_equal(out, getattr(np, op)(a, b))  # NumPy propagates NaN too
    assert np.isnan(out[:2]).all() and np.isnan(out[3])
    assert out.dtype == np.float32


@pytest.mark.parametrize("op", ["maximum", "minimum"])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_extremum_keeps_integer_and_bool_dtypes(op: str, dtype) -> None:
    a = np.array([1, 0, 1, 0, 5, -2][: 4 if dtype == np.bool_ else 6]).astype(dtype)
    b = np.array([1, 1, 0, 0, 3, 7][: 4 if dtype == np.bool_ else 6]).astype(dtype)
    out = getattr(mg, op)(mg.tensor(a), mg.tensor(b)).numpy()
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, getattr(np, op)(a, b))


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_extremum_matches_torch_values_and_gradients(op: str) -> None:
    torch = pytest.importorskip("torch")
    # ties (2 = 2), NaN on either side and both, broadcasting (4, 1) against (5,)
    a = np.array([[NAN], [2.0], [0.5], [-1.0]], dtype=np.float64)
    b = np.array([2.0, NAN, 0.5, -4.0, 3.0], dtype=np.float64)
    x, y = mg.tensor(a, requires_grad=True), mg.tensor(b, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    weights = np.arange(20, dtype=np.float64).reshape(4, 5) - 7.0
    out = getattr(mg, op)(x, y)
    tout = getattr(torch, op)(tx, ty)
    (out * mg.tensor(weights)).sum().backward()
    (tout * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_array_equal(y.grad.numpy(), ty.grad.numpy())


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_extremum_gradcheck_and_gradgradcheck(op: str) -> None:
    rng = np.random.default_rng(3)
    a = mg.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    b = mg.tensor(rng.standard_normal((4,)), requires_grad=True)  # broadcast, no ties
    fn = getattr(mg, op)
    assert mg.gradcheck(fn, (a, b))
    assert mg.gradgradcheck(fn, (a, b))


def test_extremum_tie_splits_the_gradient_in_float32() -> None:
    x = mg.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    y = mg.tensor(np.array([1.0, 3.0], dtype=np.float32), requires_grad=True)
    mg.maximum(x, y).sum().backward()
    assert x.grad.dtype == np.float32 and y.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [0.5, 0.0])
    np.testing.assert_array_equal(y.grad.numpy(), [0.5, 1.0])


def test_integer_power_with_negative_exponent_tensors_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    base = np.array([2, 1, -1, 0, -1, 3, -2, 1], dtype=np.int64)
    exponent = np.array([-1, -2, -3, -1, -2, 2, 3, 0], dtype=np.int64)
    out = mg.pow(mg.tensor(base), mg.tensor(exponent))
    expected = torch.pow(torch.tensor(base), torch.tensor(exponent)).numpy()
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.numpy(), expected)
    np.testing.assert_array_equal((mg.tensor(base) ** mg.tensor(exponent)).numpy(), expected)


def test_integer_tensor_to_a_negative_python_int_names_the_op() -> None:
    with pytest.raises(RuntimeError, match=r"pow: integers to negative integer powers.*int64"):
        mg.tensor([2, 3]) ** -1
    np.testing.assert_array_equal((mg.tensor([2, 3]) ** 2).numpy(), [4, 9])  # still fine
    np.testing.assert_allclose((mg.tensor([2.0]) ** -1).numpy(), [0.5])


def test_sign_of_bool_is_the_bool_itself() -> None:
    values = np.array([True, False, True])
    out = mg.sign(mg.tensor(values))
    assert out.dtype == np.bool_
    np.testing.assert_array_equal(out.numpy(), values)
    np.testing.assert_array_equal(mg.sgn(mg.tensor(values)).numpy(), values)


@pytest.mark.parametrize("op", ["amax", "amin"])
def test_extreme_over_non_empty_dims_of_an_empty_tensor(op: str) -> None:
    x = mg.zeros(2, 0, 3, requires_grad=True)
    out = getattr(mg, op)(x, dim=0)
    assert out.shape == (0, 3)
    assert getattr(mg, op)(x, dim=(0, 2), keepdim=True).shape == (1, 0, 1)
    out.sum().backward()
    assert x.grad.shape == (2, 0, 3)
    for dim in (None, 1, (0, 1)):
        with pytest.raises(RuntimeError, match=rf"{op}: cannot reduce over an empty dim.*\(2, 0, 3\)"):
            getattr(mg, op)(x, dim=dim)


def test_median_of_empty_tensors() -> None:
    assert math.isnan(mg.median(mg.zeros(0)).item())
    with pytest.raises(RuntimeError, match=r"median: an empty int64 tensor of shape \(0,\)"):
        mg.median(mg.zeros(0, dtype=mg.int64))


def test_floor_division_operators_match_torch() -> None:
    torch = pytest.importorskip("torch")
    for values in ([-7.0, 7.0, 3.5, -0.5], [-7, 7, 3, 0]):
        x, tx = mg.tensor(values), torch.tensor(values)
        np.testing.assert_array_equal((x // 2).numpy(), (tx // 2).numpy())
        np.testing.assert_array_equal((x // -2).numpy(), (tx // -2).numpy())
        divisor = [2.0, -3.0, 4.0, 1.5] if isinstance(values[0], float) else [2, -3, 4, 1]
        np.testing.assert_array_equal((x // mg.tensor(divisor)).numpy(),
                                      (tx // torch.tensor(divisor)).numpy())
        assert (x // 2).dtype == np.dtype(str(tx.dtype).replace("torch.", ""))
    np.testing.assert_array_equal((10 // mg.tensor([-7, 7, 3])).numpy(), [-2, 1, 3])
    y = mg.tensor([5.0, -5.0])
    y //= 2
    np.testing.assert_array_equal(y.numpy(), [2.0, -3.0])


def test_unary_plus_and_reversed() -> None:
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal((+x).numpy(), x.numpy())
    np.testing.assert_array_equal(reversed(x).numpy(), x.numpy()[::-1])
    assert reversed(mg.tensor(3.0)).item() == 3.0


def test_squeeze_and_transpose_of_a_0d_tensor_take_dim_0_and_minus_1() -> None:
    x = mg.tensor(3.0, requires_grad=True)
    for out in (x.squeeze(0), x.squeeze(-1), x.squeeze((0,)), x.transpose(0, -1)):
        assert out.shape == () and out.item() == 3.0
    (x.transpose(0, 0) * 2).backward()
    assert x.grad.item() == 2.0
    with pytest.raises(IndexError, match=r"squeeze: dim 1 is out of range for shape \(\)"):
        x.squeeze(1)
    with pytest.raises(IndexError, match=r"transpose: dim 1 is out of range for shape \(\)"):
        x.transpose(0, 1)


def test_unique_along_a_dim_of_length_zero() -> None:
    assert mg.unique(mg.zeros(0, 3), dim=0).shape == (0, 3)
    values, inverse, counts = mg.unique_consecutive(mg.zeros(0, 3), dim=0, return_inverse=True,
                                                    return_counts=True)
    assert values.shape == (0, 3) and inverse.shape == (0,) and counts.shape == (0,)
    assert mg.unique(mg.zeros(2, 0, 3), dim=1).shape == (2, 0, 3)


def test_soft_margin_loss_refuses_a_target_that_would_grow_the_input() -> None:
    import minigrad.nn.functional as F
    with pytest.raises(RuntimeError, match=r"soft_margin_loss: target of shape \(4,\).*\(4, 1\)"):
        F.soft_margin_loss(mg.randn(4, 1), mg.ones(4))
    x = mg.tensor(np.linspace(-2, 2, 12).reshape(4, 3), requires_grad=True)
    y = mg.tensor([1.0, -1.0, 1.0])  # broadcasting the target into the input stays allowed
    loss = F.soft_margin_loss(x, y, reduction="none")
    assert loss.shape == (4, 3)
    expected = np.log1p(np.exp(-x.detach().numpy() * y.numpy()))
    np.testing.assert_allclose(loss.detach().numpy(), expected, rtol=1e-12)


# --- gradients at the points where a formula divides by zero --------------------------------
EDGE_INPUTS = [np.zeros((2, 3)), np.ones((2, 3)), np.array([[1.0, 1.0, 0.0], [2.0, 2.0, 2.0]]),
               np.array([[0.0, -1.0, 2.0], [0.0, 0.0, 3.0]])]


def _torch():
    return pytest.importorskip("torch")


def _grads_agree(fn_mg, fn_torch, a: np.ndarray, finite: bool = False) -> None:
    torch = _torch()
    x = mg.tensor(a, requires_grad=True)
    out = fn_mg(x)
    out.backward(mg.ones_like(out))
    t = torch.tensor(a, requires_grad=True)
    tout = fn_torch(t)
    tout.backward(torch.ones_like(tout))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-15)
    if finite:
        assert np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize("a", EDGE_INPUTS)
@pytest.mark.parametrize("form", ["all", "dim0", "dim1 correction0", "std_mean"])
def test_std_of_a_constant_slice_has_gradient_zero_not_nan(a: np.ndarray, form: str) -> None:
    fns = {"all": lambda m, x: x.std(), "dim0": lambda m, x: x.std(0),
           "dim1 correction0": lambda m, x: m.std(x, 1, correction=0),
           "std_mean": lambda m, x: m.std_mean(x, 0)[0]}
    torch = _torch()
    _grads_agree(lambda x: fns[form](mg, x), lambda t: fns[form](torch, t), a, finite=True)


def test_std_gradcheck_and_gradgradcheck_away_from_zero() -> None:
    x = mg.tensor(np.random.default_rng(5).standard_normal((3, 4)), requires_grad=True)
    assert mg.gradcheck(lambda t: t.std(1), (x,))
    assert mg.gradgradcheck(lambda t: t.std(1), (x,))


@pytest.mark.parametrize("a", EDGE_INPUTS)
def test_power_with_zero_base_and_exponent_matches_torch(a: np.ndarray) -> None:
    _grads_agree(lambda x: x ** x, lambda t: t ** t, a)
    _grads_agree(lambda x: x ** (x * 0), lambda t: t ** (t * 0), a)


def test_power_gradcheck_and_gradgradcheck_on_positive_bases() -> None:
    rng = np.random.default_rng(6)
    a = mg.tensor(rng.random((3,)) + 0.5, requires_grad=True)
    b = mg.tensor(rng.standard_normal((3,)), requires_grad=True)
    assert mg.gradcheck(lambda x, y: x ** y, (a, b))
    assert mg.gradgradcheck(lambda x, y: x ** y, (a, b))


@pytest.mark.parametrize("a", EDGE_INPUTS + [np.array([1.0, NAN, 2.0, NAN])])
@pytest.mark.parametrize("op", ["median", "nanmedian"])
def test_full_median_spreads_its_gradient_over_ties_as_torch(a: np.ndarray, op: str) -> None:
    torch = _torch()  # a NaN median (median of the last input) shares it over the NaNs
    x = mg.tensor(a, requires_grad=True)
    out = getattr(mg, op)(x)
    out.backward()
    t = torch.tensor(a, requires_grad=True)
    tout = getattr(torch, op)(t)
    tout.backward()
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def _finite_difference_det_grad(a: np.ndarray) -> np.ndarray:
    out, h = np.zeros_like(a), 1e-6
    for index in np.ndindex(*a.shape):
        step = np.zeros_like(a)
        step[index] = h
        out[index] = (np.linalg.det(a + step) - np.linalg.det(a - step)).sum() / (2 * h)
    return out


@pytest.mark.parametrize("a", [np.ones((2, 2)), np.zeros((3, 3)),
                               np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]]),
                               np.stack([np.diag([1.0, 2.0, 0.0]), np.eye(3)])])
def test_det_gradient_at_a_singular_matrix_is_the_cofactor_matrix(a: np.ndarray) -> None:
    # (PyTorch 2.13's CPU build returns zeros here; finite differences are the oracle)
    x = mg.tensor(a, requires_grad=True)
    mg.linalg.det(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), _finite_difference_det_grad(a), atol=1e-8)


def test_det_double_backward_at_a_singular_matrix_is_refused() -> None:
    x = mg.tensor(np.ones((2, 2)), requires_grad=True)
    (g,) = mg.autograd.grad(mg.linalg.det(x), x, create_graph=False)
    np.testing.assert_allclose(g.numpy(), [[1.0, -1.0], [-1.0, 1.0]], atol=1e-12)
    with pytest.raises(RuntimeError, match=r"linalg.det: double backward at a singular matrix"):
        mg.autograd.grad(mg.linalg.det(x), x, create_graph=True)


@pytest.mark.parametrize("shape,dim", [((0,), 0), ((2, 0), 1), ((0, 3), 0), ((2, 0, 3), -1)])
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_of_an_empty_tensor_is_empty(shape: tuple, dim: int, op: str) -> None:
    x = mg.zeros(*shape, requires_grad=True)
    out = getattr(x, op)(dim)
    assert out.shape == shape and out.dtype == np.float32
    out.sum().backward()
    assert x.grad.shape == shape


# --- indexing: PyTorch's order (integers before tensor indices), masks with Ellipsis ----------
A3 = np.arange(60.0).reshape(4, 5, 3)
T, M, N = "tensor", "mask", "numpy"  # how an index list is passed
INDEXES = [
    (0, slice(None), (T, [1, 0])),          # NumPy would give (2, 5); PyTorch (5, 2)
    (3, slice(None, None, 2), (T, [-1, 0, 1])),
    (-4, None, (T, [[1, 1], [1, 1]])),
    (1, slice(None, 2), (T, [[0, 0], [0, 0]])),
    ((M, [1, 1, 0, 1]), Ellipsis),          # a mask covers its dims when an Ellipsis is there
    ((M, [1, 0, 1, 1]), slice(None, 2), Ellipsis),
    (Ellipsis, (M, [1, 0, 1])),
    (Ellipsis, (M, [0, 1, 1, 0, 1]), 1),
    (-1, slice(None, None, 3), (M, [0, 0, 0])),
    ((N, [0, 2]),),                          # a NumPy array index, as PyTorch accepts
]


def _index_items(index: tuple, tensor) -> tuple:
    """The index with its (kind, values) items made into tensors, masks or NumPy arrays."""
    out = []
    for item in index:
        if isinstance(item, tuple):
            kind, values = item
            if kind == N:
                out.append(np.array(values))
            else:
                out.append(tensor(np.array(values, dtype=bool if kind == M else np.int64)))
        else:
            out.append(item)
    return tuple(out)


@pytest.mark.parametrize("index", INDEXES, ids=[str(i) for i in range(len(INDEXES))])
def test_indexing_matches_torch_values_grads_and_writes(index: tuple) -> None:
    torch = _torch()
    ours, theirs = _index_items(index, mg.tensor), _index_items(index, torch.tensor)
    theirs = tuple(torch.from_numpy(i) if isinstance(i, np.ndarray) else i for i in theirs)
    assert_index_matches_torch(A3, ours, theirs, torch)


def test_a_graph_whose_nodes_saved_nothing_can_be_run_twice_as_torch() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x + 1).expand(3, 2).sum()  # add, expand and sum save no tensors
    y.backward()
    y.backward()  # PyTorch allows it: nothing was freed
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])
    z = (x.exp() * x).sum()  # exp and mul saved tensors: freed after the first backward
    z.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        z.backward()


@pytest.mark.parametrize("form", ["group_norm", "instance_norm", "GroupNorm", "InstanceNorm2d"])
def test_group_and_instance_norm_of_an_empty_batch(form: str) -> None:
    import minigrad.nn.functional as F
    x = mg.zeros(0, 3, 4, 4, requires_grad=True)
    weight, bias = mg.ones(3, requires_grad=True), mg.zeros(3, requires_grad=True)
    out = {"group_norm": lambda: F.group_norm(x, 3, weight, bias),
           "instance_norm": lambda: F.instance_norm(x, weight=weight, bias=bias),
           "GroupNorm": lambda: mg.nn.GroupNorm(3, 3)(x),
           "InstanceNorm2d": lambda: mg.nn.InstanceNorm2d(3, track_running_stats=True)(x)}[form]()
    assert out.shape == (0, 3, 4, 4) and out.dtype == np.float32
    out.sum().backward()
    assert x.grad.shape == (0, 3, 4, 4)
    if form in ("group_norm", "instance_norm"):
        np.testing.assert_array_equal(weight.grad.numpy(), np.zeros(3, np.float32))
        np.testing.assert_array_equal(bias.grad.numpy(), np.zeros(3, np.float32))


def test_func_and_utils_are_reachable_from_the_package_as_in_torch() -> None:
    import subprocess
    import sys
    code = ("import minigrad as mg; print(mg.func.vmap(lambda x: (x * x).sum())(mg.ones(3, 2))"
            ".tolist(), callable(mg.utils.checkpoint.checkpoint))")
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]  # a fresh interpreter, from the repository
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=root)
    assert result.stdout.strip() == "[2.0, 2.0, 2.0] True"


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_reads_the_triangle_torch_reads(upper: bool) -> None:
    torch = _torch()
    rng = np.random.default_rng(4)
    a = rng.standard_normal((3, 3))
    spd = a @ a.T + 3 * np.eye(3)
    spd[0, 2] += 0.5  # not symmetric: only one triangle is read
    x, t = mg.tensor(spd, requires_grad=True), torch.tensor(spd, requires_grad=True)
    out, expected = mg.linalg.cholesky(x, upper=upper), torch.linalg.cholesky(t, upper=upper)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    weights = rng.standard_normal((3, 3))
    (out * mg.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)
