"""scatter_reduce (sum, prod, mean, amax, amin; include_self), scatter(..., reduce='add' |
'multiply'), and the index checks the gather/scatter family shares (a list is a TypeError,
int32 indices pass where PyTorch takes them).

Repeated indices are the point of these ops, so every index below repeats. src has the
index's shape in the torch comparisons: PyTorch's scatter_reduce backward needs that.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis.extra import numpy as hnp

import minigrad as mg
from harness import OpSpec, OpSuite, distinct
from minigrad.backend import multiply_at_in_rounds

REDUCTIONS = ["sum", "prod", "mean", "amax", "amin"]


def _dup_index(shape: tuple, dim: int, n: int, seed: int = 0) -> np.ndarray:
    """``n`` indices along ``dim`` into ``shape`` (repeats certain for n > shape[dim])."""
    out_shape = tuple(n if d == dim else s for d, s in enumerate(shape))
    return np.random.default_rng(seed).integers(0, shape[dim], size=out_shape)


def _ref(x: np.ndarray, idx: np.ndarray, src: np.ndarray, dim: int, reduce: str,
         include_self: bool) -> np.ndarray:
    """A loop over index positions: the definition, element by element."""
    groups: dict = {}
    for pos in np.ndindex(*idx.shape):
        target = list(pos)
        target[dim] = idx[pos]
        groups.setdefault(tuple(target), []).append(src[pos])
    out = x.copy()
    for target, values in groups.items():
        values = ([x[target]] if include_self else []) + values
        fn = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}
        out[target] = fn[reduce](values)
    return out


def _shifted(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """``distinct`` values moved off its grid: src never ties with the input either."""
    return distinct(rng, shape) + 0.05


DOMAINS = [distinct, _shifted]  # no ties (amax/amin) and no zeros (prod) anywhere


def _src_shape(shape: tuple) -> tuple:
    return tuple(5 if d == 1 else s for d, s in enumerate(shape))


def _spec(reduce: str, include_self: bool) -> OpSpec:
    def fn(m, x, s):
        idx = m.tensor(_dup_index(tuple(x.shape), 1, 5))
        return m.scatter_reduce(x, 1, idx, s, reduce, include_self=include_self)

    return OpSpec(f"scatter_reduce_{reduce}_{'incl' if include_self else 'excl'}", fn,
                  lambda x, s: _ref(x, _dup_index(x.shape, 1, 5), s, 1, reduce, include_self),
                  [((3, 4), (3, 5)), ((2, 3, 2), (2, 5, 2))],
                  domain=DOMAINS,
                  hyp_shapes=lambda: hnp.array_shapes(min_dims=2, max_dims=3, min_side=1,
                                                      max_side=4).map(
                      lambda s: (s, _src_shape(s))))


def _scatter_spec(reduce: str) -> OpSpec:
    def fn(m, x, s):
        return m.scatter(x, 0, m.tensor(_dup_index(tuple(x.shape), 0, 4)), s, reduce=reduce)

    return OpSpec(f"scatter_reduce_{reduce}", fn,
                  lambda x, s: _ref(x, _dup_index(x.shape, 0, 4), s, 0,
                                    "sum" if reduce == "add" else "prod", True),
                  [((3, 4), (4, 4)), ((2, 3), (5, 4))], domain=DOMAINS,
                  torch=False,  # PyTorch: "derivative for aten::scatter is not implemented"
                  hyp_shapes=lambda: hnp.array_shapes(min_dims=1, max_dims=3, min_side=1,
                                                      max_side=4).map(
                      lambda s: (s, (4,) + tuple(d + 1 for d in s[1:]))))


OPS = [_spec(r, incl) for r in REDUCTIONS for incl in (True, False)] + \
    [_scatter_spec("add"), _scatter_spec("multiply")]


class TestScatterReduce(OpSuite):
    OPS = OPS


# --- against torch: ties, zeros, integers -----------------------------------------------------
def _both(torch, x, idx, src, reduce, include_self, g, dim=0):
    """minigrad and torch outputs and gradients for the same call."""
    xm, sm = mg.tensor(x, requires_grad=True), mg.tensor(src, requires_grad=True)
    xt, st = torch.tensor(x, requires_grad=True), torch.tensor(src, requires_grad=True)
    om = mg.scatter_reduce(xm, dim, mg.tensor(idx), sm, reduce, include_self=include_self)
    ot = torch.scatter_reduce(xt, dim, torch.tensor(idx), st, reduce, include_self=include_self)
    om.backward(mg.tensor(g))
    ot.backward(torch.tensor(g))
    return (om.detach().numpy(), xm.grad.numpy(), sm.grad.numpy()), \
        (ot.detach().numpy(), xt.grad.numpy(), st.grad.numpy())


@pytest.mark.parametrize("reduce", ["amax", "amin"])
def test_ties_split_the_gradient_evenly_as_torch(reduce) -> None:
    torch = pytest.importorskip("torch")
    x = np.array([2.0, -1.0, 5.0, 0.5])
    # position 0: self 2 ties with two src 2s (amax); position 1: -1 ties with one src (amin)
    src = np.array([2.0, 2.0, -1.0, 1.0, 5.0, -3.0, 0.5])
    idx = np.array([0, 0, 1, 0, 2, 1, 3])
    g = np.array([3.0, 6.0, 9.0, 12.0])
    ours, theirs = _both(torch, x, idx, src, reduce, True, g)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)
    assert np.sum(ours[1]) + np.sum(ours[2]) == pytest.approx(g.sum())  # nothing lost


def test_amax_without_self_does_not_count_the_left_out_input_as_a_tie() -> None:
    """Decision: with include_self=False the input's own value is no candidate, so it takes no
    share. (PyTorch 2.13 still counts it when it equals the result and then drops its share:
    there a tie with the left-out input loses half the gradient.)"""
    x = mg.tensor([1.0, 7.0], dtype=mg.float64, requires_grad=True)
    src = mg.tensor([1.0, 0.5, 1.0], dtype=mg.float64, requires_grad=True)
    out = mg.scatter_reduce(x, 0, mg.tensor([0, 0, 0]), src, "amax", include_self=False)
    np.testing.assert_array_equal(out.detach().numpy(), [1.0, 7.0])
    out.backward(mg.tensor([4.0, 1.0], dtype=mg.float64))
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0])
    np.testing.assert_array_equal(src.grad.numpy(), [2.0, 0.0, 2.0])


@pytest.mark.parametrize("x, src", [
    ([1.5, 2.0, -0.5], [0.0, 2.0, 3.0, 4.0, -1.0]),   # one zero in src
    ([1.5, 2.0, -0.5], [0.0, 0.0, 3.0, 4.0, -1.0]),   # two zeros in one group
    ([0.0, 2.0, -0.5], [1.0, 2.0, 3.0, 0.0, -1.0]),   # a zero input, and a zero in group 1
    ([0.0, 2.0, -0.5], [0.0, 2.0, 3.0, 4.0, 0.0]),    # input zero and src zero together
])
@pytest.mark.parametrize("include_self", [True, False])
def test_prod_gradient_with_zeros_matches_torch(x, src, include_self) -> None:
    torch = pytest.importorskip("torch")
    idx = np.array([0, 0, 1, 1, 2])
    g = np.array([2.0, -3.0, 0.5])
    ours, theirs = _both(torch, np.array(x), idx, np.array(src), "prod", include_self, g)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=0)


def test_prod_gradient_with_one_zero_is_the_product_of_the_others() -> None:
    x = mg.tensor([3.0], dtype=mg.float64, requires_grad=True)
    src = mg.tensor([2.0, 0.0, 5.0], dtype=mg.float64, requires_grad=True)
    mg.scatter_reduce(x, 0, mg.tensor([0, 0, 0]), src, "prod").backward(
        mg.ones(1, dtype=mg.float64))
    np.testing.assert_array_equal(x.grad.numpy(), [0.0])
    np.testing.assert_array_equal(src.grad.numpy(), [0.0, 30.0, 0.0])


@pytest.mark.parametrize("reduce", REDUCTIONS)
@pytest.mark.parametrize("include_self", [True, False])
def test_random_repeats_match_torch_forward_and_backward(reduce, include_self) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, src = rng.standard_normal((4, 3)), rng.standard_normal((7, 3))
    idx = _dup_index((4, 3), 0, 7, seed=5)
    idx[:, 0] = 1  # one column piles everything onto one element, another leaves gaps
    ours, theirs = _both(torch, x, idx, src, reduce, include_self, rng.standard_normal((4, 3)))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("reduce", REDUCTIONS)
@pytest.mark.parametrize("include_self", [True, False])
def test_integer_inputs_match_torch(reduce, include_self) -> None:
    """Integer mean rounds down (floor), as PyTorch's does; amax/amin start from the dtype's
    extremes when the input is left out."""
    torch = pytest.importorskip("torch")
    x = np.array([[-5, 3, 7], [2, -8, 0]])
    src = np.array([[4, -3, 2], [-7, 6, 1], [0, 9, -2]])
    idx = np.array([[0, 1, 1], [0, 0, 1], [1, 1, 1]])
    out = mg.scatter_reduce(mg.tensor(x), 0, mg.tensor(idx), mg.tensor(src), reduce,
                            include_self=include_self)
    expected = torch.scatter_reduce(torch.tensor(x), 0, torch.tensor(idx), torch.tensor(src),
                                    reduce, include_self=include_self)
    assert out.dtype == mg.int64
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_float32_stays_float32_with_ties_and_zeros() -> None:
    for reduce in REDUCTIONS:
        x = mg.tensor([0.0, 2.0, 2.0], requires_grad=True)
        src = mg.tensor([2.0, 0.0, 1.0, 2.0], requires_grad=True)
        out = x.scatter_reduce(0, mg.tensor([1, 0, 0, 2]), src, reduce, include_self=True)
        assert out.dtype == mg.float32, reduce
        (out * mg.tensor([1.0, 2.0, 3.0])).sum().backward()
        assert x.grad.dtype == mg.float32 and src.grad.dtype == mg.float32, reduce


def test_0d_input_and_empty_index() -> None:
    x = mg.tensor(2.0, dtype=mg.float64, requires_grad=True)
    out = mg.scatter_reduce(x, 0, mg.tensor(0), mg.tensor(3.0, dtype=mg.float64), "prod")
    assert out.shape == () and out.item() == 6.0
    out.backward()
    assert x.grad.item() == 3.0
    empty = mg.scatter_reduce(mg.ones(3), 0, mg.zeros(0, dtype=mg.int64), mg.zeros(0), "amax")
    np.testing.assert_array_equal(empty.numpy(), [1.0, 1.0, 1.0])


# --- scatter(..., reduce=) --------------------------------------------------------------------
@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_reduce_argument_matches_torch(reduce) -> None:
    torch = pytest.importorskip("torch")
    x = np.array([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]])
    src = np.array([[2.0, 3.0, -0.5], [1.5, -2.0, 2.5], [3.0, 0.5, 2.0]])
    idx = np.array([[0, 1, 1], [0, 0, 1], [1, 1, 1]])
    out = mg.scatter(mg.tensor(x), 0, mg.tensor(idx), mg.tensor(src), reduce=reduce)
    with warnings.catch_warnings():  # torch deprecates reduce= with a tensor src (once)
        warnings.simplefilter("ignore", UserWarning)
        expected = torch.scatter(torch.tensor(x), 0, torch.tensor(idx), torch.tensor(src),
                                 reduce=reduce)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-15)
    for value in (2.5, -3):  # a number, cast to the input's dtype (int: 2.5 -> 2)
        for a in (x, np.array([[5, 3, -2], [1, 0, 7]])):
            out = mg.scatter(mg.tensor(a), 0, mg.tensor(idx), value=value, reduce=reduce)
            expected = torch.scatter(torch.tensor(a), 0, torch.tensor(idx), value,
                                     reduce=reduce)
            assert out.dtype == mg.tensor(a).dtype
            np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_inplace_reduce_forms() -> None:
    torch = pytest.importorskip("torch")
    idx = np.array([0, 2, 0, 0])
    src = np.array([1.0, 2.0, 3.0, 4.0])
    for reduce in REDUCTIONS:
        x = mg.ones(3)
        assert x.scatter_reduce_(0, mg.tensor(idx), mg.tensor(src, dtype=mg.float32),
                                 reduce, include_self=False) is x
        expected = torch.ones(3).scatter_reduce_(0, torch.tensor(idx),
                                                 torch.tensor(src, dtype=torch.float32),
                                                 reduce, include_self=False)
        np.testing.assert_array_equal(x.numpy(), expected.numpy())
    y = mg.ones(3).scatter_(0, mg.tensor(idx), 2.0, reduce="multiply")
    np.testing.assert_array_equal(y.numpy(), [8.0, 1.0, 2.0])
    w = mg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="scatter_reduce_: a leaf tensor that requires grad"):
        w.scatter_reduce_(0, mg.tensor(idx), mg.ones(4), "sum")


def test_multiply_at_in_rounds_matches_numpy_multiply_at() -> None:
    """The CuPy backend's multiply.at (no atomic multiply on a GPU), run here with NumPy."""
    rng = np.random.default_rng(9)
    target = rng.standard_normal((4, 5))
    index = (rng.integers(0, 4, (6, 1)), rng.integers(0, 5, (6, 3)))
    values = rng.standard_normal((6, 3))
    expected = target.copy()
    np.multiply.at(expected, index, values)
    multiply_at_in_rounds(np, target, index, values)
    np.testing.assert_allclose(target, expected, rtol=1e-14)
    multiply_at_in_rounds(np, target, (np.zeros(0, dtype=np.int64),) * 2, np.zeros(0))
    np.testing.assert_allclose(target, expected, rtol=1e-14)


# --- errors -------------------------------------------------------------------------------------
def test_scatter_reduce_errors() -> None:
    x, idx = mg.zeros(2, 3), mg.zeros(2, 1, dtype=mg.int64)
    with pytest.raises(RuntimeError, match="scatter_reduce: reduce argument must be either sum, "
                                           "prod, mean, amax or amin, got 'max'"):
        mg.scatter_reduce(x, 1, idx, mg.ones(2, 1), "max")
    with pytest.raises(TypeError, match="scatter_reduce: src must be a Tensor, got float"):
        mg.scatter_reduce(x, 1, idx, 2.0, "sum")
    with pytest.raises(RuntimeError, match="scatter_reduce: expected src of dtype float32 "
                                           r"\(the input's\), got float64"):
        mg.scatter_reduce(x, 1, idx, mg.ones(2, 1, dtype=mg.float64), "sum")
    with pytest.raises(IndexError, match=r"scatter_reduce: index 3 is out of bounds for "
                                         r"dimension 1 with size 3"):
        mg.scatter_reduce(x, 1, mg.tensor([[3]]), mg.ones(1, 1), "amin")
    with pytest.raises(RuntimeError, match=r"scatter_reduce: index of shape \(2, 2\) is larger "
                                           r"than src of shape \(2, 1\)"):
        mg.scatter_reduce(x, 1, mg.zeros(2, 2, dtype=mg.int64), mg.ones(2, 1), "mean")
    with pytest.raises(RuntimeError, match="scatter: reduce argument must be either add or "
                                           "multiply, got 'mean'"):
        mg.scatter(x, 1, idx, 1.0, reduce="mean")


CALLS = {  # op -> call(index); the index argument is what varies
    "gather": lambda i: mg.gather(mg.zeros(3, 4), 0, i),
    "scatter": lambda i: mg.scatter(mg.zeros(3, 4), 0, i, mg.ones(1, 4)),
    "scatter_add": lambda i: mg.scatter_add(mg.zeros(3, 4), 0, i, mg.ones(1, 4)),
    "scatter_reduce": lambda i: mg.scatter_reduce(mg.zeros(3, 4), 0, i, mg.ones(1, 4), "sum"),
    "index_select": lambda i: mg.index_select(mg.zeros(3, 4), 0, i.reshape(-1)),
    "take_along_dim": lambda i: mg.take_along_dim(mg.zeros(3, 4), i),
}


@pytest.mark.parametrize("op", sorted(CALLS))
def test_a_list_index_is_a_type_error_as_torch(op) -> None:
    name = "indices" if op == "take_along_dim" else "index"
    call = {"index_select": lambda: mg.index_select(mg.zeros(3, 4), 0, [0, 2])}.get(
        op, lambda: CALLS[op]([[0, 1, 2, 0]]))
    with pytest.raises(TypeError, match=rf"^{op}: {name} must be a Tensor, got list$"):
        call()
    if op == "gather":
        with pytest.raises(TypeError, match="gather: index must be a Tensor, got ndarray"):
            mg.gather(mg.zeros(3, 4), 0, np.zeros((1, 4), dtype=np.int64))


@pytest.mark.parametrize("op", sorted(CALLS))
def test_int32_indices_pass_and_other_dtypes_fail_as_torch(op) -> None:
    """PyTorch: "Expected dtype int32/int64 for index" (a RuntimeError) for the others."""
    idx = np.array([[0, 1, 2, 0]])
    out = CALLS[op](mg.tensor(idx, dtype=mg.int32))
    np.testing.assert_array_equal(out.numpy(), CALLS[op](mg.tensor(idx)).numpy())
    assert out.dtype == mg.float32
    for bad in (mg.uint8, mg.float32, mg.bool):
        with pytest.raises(RuntimeError, match=rf"{op}: expected (index|indices) of dtype "
                                               rf"int64 or int32, got {np.dtype(bad)}"):
            CALLS[op](mg.tensor(idx, dtype=mg.int64).to(bad))


def test_take_along_dim_with_a_dim_wants_int64_as_torch() -> None:
    torch = pytest.importorskip("torch")
    idx = np.array([[0], [3], [1]], dtype=np.int32)
    with pytest.raises(RuntimeError, match="should be Long but got Int"):
        torch.take_along_dim(torch.zeros(3, 4), torch.tensor(idx), 1)
    with pytest.raises(RuntimeError, match="take_along_dim: expected indices of dtype int64, "
                                           "got int32"):
        mg.take_along_dim(mg.zeros(3, 4), mg.tensor(idx), 1)
    out = mg.take_along_dim(mg.tensor(np.arange(12.0).reshape(3, 4)), mg.tensor(idx))
    expected = torch.take_along_dim(torch.arange(12.0).reshape(3, 4), torch.tensor(idx))
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
