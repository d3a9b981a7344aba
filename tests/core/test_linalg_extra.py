"""mm, bmm, dot, outer, einsum and the tolerance comparisons (isclose, allclose, equal)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st

import minigrad as mg
from harness import OpSpec, OpSuite


def _dims(n: int) -> st.SearchStrategy:
    return st.tuples(*[st.integers(1, 4)] * n)


OPS = [
    OpSpec("mm", lambda m, a, b: m.mm(a, b), np.matmul, [((3, 4), (4, 2)), ((1, 3), (3, 1))],
           hyp_shapes=lambda: _dims(3).map(lambda t: ((t[0], t[1]), (t[1], t[2])))),
    OpSpec("bmm", lambda m, a, b: a.bmm(b), np.matmul, [((2, 3, 4), (2, 4, 2))],
           hyp_shapes=lambda: _dims(4).map(lambda t: ((t[0], t[1], t[2]), (t[0], t[2], t[3])))),
    OpSpec("dot", lambda m, a, b: m.dot(a, b), np.dot, [((4,), (4,)), ((1,), (1,))],
           hyp_shapes=lambda: st.integers(1, 5).map(lambda n: ((n,), (n,)))),
    OpSpec("outer", lambda m, a, b: a.outer(b), np.outer, [((3,), (4,)), ((1,), (2,))],
           hyp_shapes=lambda: _dims(2).map(lambda t: ((t[0],), (t[1],)))),
    OpSpec("einsum_matmul", lambda m, a, b: m.einsum("ij,jk->ik", a, b),
           lambda a, b: np.einsum("ij,jk->ik", a, b), [((3, 4), (4, 2))],
           hyp_shapes=lambda: _dims(3).map(lambda t: ((t[0], t[1]), (t[1], t[2])))),
    OpSpec("einsum_batched_list", lambda m, a, b: m.einsum("b i j, b k j -> b i k", [a, b]),
           lambda a, b: np.einsum("bij,bkj->bik", a, b), [((2, 3, 4), (2, 5, 4))],
           hyp_shapes=lambda: _dims(4).map(lambda t: ((t[0], t[1], t[2]), (t[0], t[3], t[2])))),
    OpSpec("einsum_transpose", lambda m, a: m.einsum("ij->ji", a), lambda a: a.T,
           [((3, 4),)], hyp_shapes=lambda: _dims(2).map(lambda t: (t,))),
    OpSpec("einsum_sum_all", lambda m, a: m.einsum("ij->", a), np.sum, [((3, 4),)],
           hyp_shapes=lambda: _dims(2).map(lambda t: (t,))),
    OpSpec("einsum_row_sum_summed_letter", lambda m, a: m.einsum("ij->i", a),
           lambda a: a.sum(1), [((3, 4),)], hyp_shapes=lambda: _dims(2).map(lambda t: (t,))),
    OpSpec("einsum_implicit_output", lambda m, a, b: m.einsum("jk,ij", a, b),
           lambda a, b: np.einsum("jk,ij", a, b), [((4, 2), (3, 4))],
           hyp_shapes=lambda: _dims(3).map(lambda t: ((t[1], t[2]), (t[0], t[1])))),
    OpSpec("einsum_each_sums_its_own", lambda m, a, b: m.einsum("i,j->", a, b),
           lambda a, b: a.sum() * b.sum(), [((3,), (4,))],
           hyp_shapes=lambda: _dims(2).map(lambda t: ((t[0],), (t[1],)))),
    OpSpec("einsum_three_operands_uppercase",
           lambda m, a, b, c: m.einsum("iA,AB,Bj->ij", a, b, c),
           lambda a, b, c: a @ b @ c, [((2, 3), (3, 4), (4, 2))],
           hyp_shapes=lambda: _dims(4).map(lambda t: ((t[0], t[1]), (t[1], t[2]),
                                                      (t[2], t[3])))),
    OpSpec("einsum_ellipsis_broadcast", lambda m, a, b: m.einsum("...ij,...jk->...ik", a, b),
           np.matmul, [((2, 1, 3, 4), (3, 4, 2)), ((3, 4), (2, 4, 2))],
           hyp_shapes=lambda: _dims(4).map(lambda t: ((t[0], 1, t[1], t[2]),
                                                      (t[3], t[2], t[1])))),
    OpSpec("einsum_implicit_ellipsis", lambda m, a, b: m.einsum("...j,j", a, b),
           lambda a, b: a @ b, [((2, 3, 4), (4,))],
           hyp_shapes=lambda: _dims(3).map(lambda t: ((t[0], t[1], t[2]), (t[2],)))),
    # a letter repeated within one operand takes a diagonal (its gradient: a scatter onto it)
    OpSpec("einsum_diagonal", lambda m, a: m.einsum("ii->i", a), np.diag, [((3, 3),)],
           hyp_shapes=lambda: _dims(1).map(lambda t: ((t[0], t[0]),))),
    OpSpec("einsum_trace", lambda m, a: m.einsum("ii->", a), np.trace, [((4, 4),)],
           hyp_shapes=lambda: _dims(1).map(lambda t: ((t[0], t[0]),))),
    OpSpec("einsum_diagonal_then_sum", lambda m, a: m.einsum("iij->j", a),
           lambda a: np.einsum("iij->j", a), [((3, 3, 2),)],
           hyp_shapes=lambda: _dims(2).map(lambda t: ((t[0], t[0], t[1]),))),
    OpSpec("einsum_batched_diagonal_times_matrix",
           lambda m, a, b: m.einsum("...ii,ij->...j", a, b),
           lambda a, b: np.einsum("...ii,ij->...j", a, b), [((2, 3, 3), (3, 4))],
           hyp_shapes=lambda: _dims(3).map(lambda t: ((t[0], t[1], t[1]), (t[1], t[2])))),
]


class TestLinalgExtra(OpSuite):
    OPS = OPS


# --- strict shapes and dtypes --------------------------------------------------------------
def test_mm_bmm_dot_outer_errors() -> None:
    with pytest.raises(RuntimeError, match=r"mm: shapes \(2, 3\) and \(4, 5\) cannot be "
                                           r"multiplied \(3 != 4\)"):
        mg.mm(mg.zeros(2, 3), mg.zeros(4, 5))
    with pytest.raises(RuntimeError, match=r"mm: expected two 2-D tensors, got shapes "
                                           r"\(2, 2, 3\) and \(3, 4\)"):
        mg.mm(mg.zeros(2, 2, 3), mg.zeros(3, 4))
    with pytest.raises(RuntimeError, match="mm: expected both tensors to have the same dtype, "
                                           "got float32 and float64"):
        mg.mm(mg.zeros(2, 3), mg.zeros(3, 2, dtype=mg.float64))
    with pytest.raises(RuntimeError, match=r"bmm: shapes \(2, 3, 4\) and \(3, 4, 5\) cannot be "
                                           r"multiplied"):
        mg.bmm(mg.zeros(2, 3, 4), mg.zeros(3, 4, 5))
    with pytest.raises(RuntimeError, match=r"bmm: expected two 3-D tensors"):
        mg.zeros(3, 4).bmm(mg.zeros(4, 5))
    with pytest.raises(RuntimeError, match=r"dot: tensors of shapes \(2,\) and \(3,\) have "
                                           r"different lengths"):
        mg.dot(mg.zeros(2), mg.zeros(3))
    with pytest.raises(RuntimeError, match=r"dot: expected two 1-D tensors"):
        mg.dot(mg.zeros(2, 1), mg.zeros(2))
    with pytest.raises(RuntimeError, match=r"outer: expected two 1-D tensors, got shapes "
                                           r"\(2, 1\) and \(3,\)"):
        mg.outer(mg.zeros(2, 1), mg.zeros(3))
    with pytest.raises(TypeError, match="mm: expected two tensors, got Tensor and list"):
        mg.mm(mg.zeros(2, 2), [[1.0, 0.0], [0.0, 1.0]])


def test_outer_promotes_like_torch_and_dot_is_0d() -> None:
    torch = pytest.importorskip("torch")
    out = mg.outer(mg.ones(2), mg.tensor([1, 2, 3]))
    expected = torch.outer(torch.ones(2), torch.tensor([1, 2, 3]))
    assert out.dtype == mg.float32 and expected.dtype == torch.float32
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    d = mg.dot(mg.tensor([1, 2]), mg.tensor([3, 4]))
    assert d.shape == () and d.dtype == mg.int64
    assert d.item() == torch.dot(torch.tensor([1, 2]), torch.tensor([3, 4])).item()


# --- einsum ------------------------------------------------------------------------------------
def test_einsum_repeated_letters_forward_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((3, 3))
    b = np.random.default_rng(1).standard_normal((2, 3, 3))
    for eq, ops in (("ii->i", (a,)), ("ii", (a,)), ("bii->b", (b,)), ("ii,ij->j", (a, a))):
        out = mg.einsum(eq, *[mg.tensor(o) for o in ops])
        expected = torch.einsum(eq, *[torch.tensor(o) for o in ops])
        assert tuple(out.shape) == tuple(expected.shape)
        np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-12)


def test_einsum_trace_gradient_is_the_identity() -> None:
    """'ii->' is the trace: its gradient lands on the diagonal only, in the input's dtype."""
    x = mg.tensor(np.arange(9.0).reshape(3, 3), dtype=mg.float32, requires_grad=True)
    out = mg.einsum("ii->", x)
    assert out.shape == () and out.item() == 12.0 and out.dtype == mg.float32
    out.backward(mg.tensor(2.5))
    assert x.grad.dtype == mg.float32
    np.testing.assert_array_equal(x.grad.numpy(), 2.5 * np.eye(3))


def test_einsum_repeated_letters_must_have_equal_sizes_as_torch() -> None:
    for shape in ((2, 3), (1, 3)):  # no broadcasting of a size-1 axis within one operand
        with pytest.raises(RuntimeError, match=r"einsum: subscript 'i' is repeated for operand 0 "
                                               r"\('ii'\) but the sizes don't match: dimensions "
                                               rf"of sizes {shape[0]} and 3 \(shape "):
            mg.einsum("ii->i", mg.zeros(*shape))
    with pytest.raises(RuntimeError, match=r"einsum: subscript 'j' is repeated for operand 1"):
        mg.einsum("i,jjk->k", mg.zeros(2), mg.zeros(3, 4, 2))


@pytest.mark.parametrize("equation, shapes", [
    ("ii->i", [(3, 3)]), ("ii->", [(4, 4)]), ("iij->j", [(3, 3, 2)]), ("iji->j", [(3, 2, 3)]),
    ("bii->bi", [(2, 3, 3)]), ("iii->i", [(2, 2, 2)]), ("iijj->ji", [(2, 2, 3, 3)]),
    ("ij,jj->i", [(2, 3), (3, 3)]), ("ijji,k->k", [(2, 3, 3, 2), (4,)])])
def test_einsum_repeated_letters_match_torch_forward_and_backward(equation, shapes) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    arrays = [rng.standard_normal(s) for s in shapes]
    xs = [mg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = mg.einsum(equation, *xs), torch.einsum(equation, *ts)
    assert tuple(out.shape) == tuple(expected.shape)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12,
                               atol=1e-14)
    g = rng.standard_normal(tuple(expected.shape))
    out.backward(mg.tensor(g))
    expected.backward(torch.tensor(g))
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_einsum_matches_torch_in_float32() -> None:
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(2).standard_normal((2, 3, 4)).astype(np.float32)
    b = np.random.default_rng(3).standard_normal((4, 5)).astype(np.float32)
    x, y = mg.tensor(a, requires_grad=True), mg.tensor(b, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out, tout = mg.einsum("bij,jk->bki", x, y), torch.einsum("bij,jk->bki", tx, ty)
    assert out.dtype == mg.float32
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    out.sum().backward()
    tout.sum().backward()
    assert x.grad.dtype == mg.float32 and y.grad.dtype == mg.float32
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("eq, shapes, exc, msg", [
    ("ij,jk->ik", [(2, 3)], ValueError, "einsum: the equation 'ij,jk->ik' has 2 operand"),
    ("ijk->i", [(2, 3)], ValueError, r"einsum: subscripts 'ijk' do not fit an operand of shape "
                                     r"\(2, 3\)"),
    ("ij,jk->ik", [(2, 3), (4, 5)], ValueError, "einsum: subscript 'j' has size 3 in one "
                                                "operand and 4 in another"),
    ("i1->i", [(2, 3)], ValueError, "einsum: invalid subscripts 'i1'"),
    ("ij->iz", [(2, 3)], ValueError, "einsum: output subscript 'z'"),
    ("ij->ii", [(2, 3)], ValueError, "einsum: output subscript 'i'"),
])
def test_einsum_errors(eq, shapes, exc, msg) -> None:
    with pytest.raises(exc, match=msg):
        mg.einsum(eq, *[mg.zeros(*s) for s in shapes])


def test_einsum_operand_errors() -> None:
    with pytest.raises(TypeError, match="einsum: expected one or more tensors"):
        mg.einsum("i->i")
    with pytest.raises(RuntimeError, match="einsum: expected all operands to have the same "
                                           "dtype, got float32 and float64"):
        mg.einsum("i,i->", mg.zeros(2), mg.zeros(2, dtype=mg.float64))


# --- isclose / allclose / equal ------------------------------------------------------------------
def test_isclose_allclose_equal_match_torch() -> None:
    torch = pytest.importorskip("torch")
    nan, inf = float("nan"), float("inf")
    a = np.array([1.0, 1.0 + 1e-6, 2.0, nan, inf, -inf, 0.0, 1e-9])
    b = np.array([1.0, 1.0, 2.1, nan, inf, inf, 1e-9, 0.0])
    for kwargs in ({}, {"equal_nan": True}, {"rtol": 0.1}, {"atol": 0.0, "rtol": 0.0}):
        out = mg.isclose(mg.tensor(a), mg.tensor(b), **kwargs)
        expected = torch.isclose(torch.tensor(a), torch.tensor(b), **kwargs)
        assert out.dtype == mg.bool
        np.testing.assert_array_equal(out.numpy(), expected.numpy(), err_msg=str(kwargs))
        for x, y in ((a, b), (a[:3], b[:3]), (a[3:4], b[3:4])):
            assert mg.allclose(mg.tensor(x), mg.tensor(y), **kwargs) == \
                torch.allclose(torch.tensor(x), torch.tensor(y), **kwargs)
    m = mg.tensor(a[:3]).isclose(mg.tensor(b[:3].reshape(3, 1)))  # broadcasts
    assert m.shape == (3, 3)
    for x, y in ((a, a), (a[:3], a[:3]), (a[:3], b[:3]), (a[:3], a[:2]), (a[:2], a[:2, None])):
        assert mg.equal(mg.tensor(x), mg.tensor(y)) == torch.equal(torch.tensor(x),
                                                                   torch.tensor(y))
    assert mg.tensor([1, 2]).equal(mg.tensor([1, 2]))


def test_isclose_errors() -> None:
    with pytest.raises(RuntimeError, match="isclose: expected both tensors to have the same "
                                           "dtype, got float32 and float64"):
        mg.isclose(mg.zeros(2), mg.zeros(2, dtype=mg.float64))
    with pytest.raises(ValueError, match=r"isclose: shapes \(2,\) and \(3,\) cannot be "
                                         r"broadcast"):
        mg.allclose(mg.zeros(2), mg.zeros(3))
