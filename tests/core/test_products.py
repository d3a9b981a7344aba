"""kron, cross, tensordot, inner, addmm/addmv/addbmm/baddbmm and matrix_power (ops/products.py):
the OpSuite checks (gradcheck, non-contiguous, gradgradcheck, NumPy, float32, hypothesis,
torch) plus the arguments, scalings and errors the harness does not reach."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st

import minigrad as mg
from harness import OpSpec, OpSuite


def _dims(n: int) -> st.SearchStrategy:
    return st.tuples(*[st.integers(1, 3)] * n)


def _np_cross(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.cross(a, b, axis=axis)


def _square_well_conditioned(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    n = shape[-1]
    return rng.standard_normal(shape) * 0.3 + np.eye(n)


OPS = [
    OpSpec("kron", lambda m, a, b: m.kron(a, b), np.kron, [((2, 3), (3, 2)), ((3,), (2, 2)),
                                                             ((2, 1, 2), (2, 3))],
           hyp_shapes=lambda: st.tuples(_dims(2), _dims(2))),
    OpSpec("kron_method", lambda m, a, b: a.kron(b), np.kron, [((2,), (3,))],
           hyp_shapes=lambda: st.tuples(_dims(1), _dims(1))),
    OpSpec("cross_first_size3_dim", lambda m, a, b: m.cross(a, b, dim=0),
           lambda a, b: _np_cross(a, b, 0), [((3, 4), (3, 4)), ((3, 2), (3, 1))],
           hyp_shapes=lambda: _dims(1).map(lambda t: ((3, t[0]), (3, t[0])))),
    OpSpec("linalg_cross", lambda m, a, b: m.linalg.cross(a, b),
           lambda a, b: _np_cross(a, b), [((4, 3), (4, 3)), ((2, 1, 3), (1, 4, 3))],
           hyp_shapes=lambda: _dims(1).map(lambda t: ((t[0], 3), (t[0], 3)))),
    OpSpec("tensordot_int", lambda m, a, b: m.tensordot(a, b, 2),
           lambda a, b: np.tensordot(a, b, 2), [((2, 3, 4), (3, 4, 2)), ((3, 2), (3, 2, 2))],
           hyp_shapes=lambda: _dims(4).map(lambda t: ((t[0], t[1], t[2]), (t[1], t[2], t[3])))),
    OpSpec("tensordot_lists", lambda m, a, b: m.tensordot(a, b, dims=([0, 2], [2, 1])),
           lambda a, b: np.tensordot(a, b, ([0, 2], [2, 1])), [((2, 3, 4), (3, 4, 2))],
           hyp_shapes=lambda: _dims(4).map(lambda t: ((t[0], t[1], t[2]), (t[3], t[2], t[0])))),
    OpSpec("tensordot_zero", lambda m, a, b: m.tensordot(a, b, 0),
           lambda a, b: np.tensordot(a, b, 0), [((2,), (3,))],
           hyp_shapes=lambda: st.tuples(_dims(1), _dims(1))),
    OpSpec("inner", lambda m, a, b: m.inner(a, b), np.inner, [((2, 3), (4, 3)), ((3,), (3,)),
                                                              ((2, 2, 3), (3,))],
           hyp_shapes=lambda: _dims(3).map(lambda t: ((t[0], t[2]), (t[1], t[2])))),
    OpSpec("addmm", lambda m, x, a, b: m.addmm(x, a, b, beta=0.5, alpha=-2.0),
           lambda x, a, b: 0.5 * x - 2.0 * a @ b, [((3, 2), (3, 4), (4, 2)), ((2,), (3, 4), (4, 2))],
           hyp_shapes=lambda: _dims(3).map(lambda t: ((t[0], t[2]), (t[0], t[1]), (t[1], t[2])))),
    OpSpec("addmm_method_defaults", lambda m, x, a, b: x.addmm(a, b),
           lambda x, a, b: x + a @ b, [((3, 2), (3, 4), (4, 2))],
           hyp_shapes=lambda: _dims(3).map(lambda t: ((t[0], t[2]), (t[0], t[1]), (t[1], t[2])))),
    OpSpec("addmv", lambda m, x, a, v: m.addmv(x, a, v, beta=2.0, alpha=0.5),
           lambda x, a, v: 2.0 * x + 0.5 * a @ v, [((3,), (3, 4), (4,)), ((1,), (3, 4), (4,))],
           hyp_shapes=lambda: _dims(2).map(lambda t: ((t[0],), (t[0], t[1]), (t[1],)))),
    OpSpec("baddbmm", lambda m, x, a, b: m.baddbmm(x, a, b, beta=0.5, alpha=1.5),
           lambda x, a, b: 0.5 * x + 1.5 * a @ b, [((2, 3, 2), (2, 3, 4), (2, 4, 2)),
                                                   ((3, 2), (2, 3, 4), (2, 4, 2))],
           hyp_shapes=lambda: _dims(4).map(lambda t: ((t[0], t[1], t[3]), (t[0], t[1], t[2]),
                                                      (t[0], t[2], t[3])))),
    OpSpec("addbmm", lambda m, x, a, b: m.addbmm(x, a, b, beta=-1.0, alpha=0.5),
           lambda x, a, b: -x + 0.5 * (a @ b).sum(0), [((3, 2), (2, 3, 4), (2, 4, 2))],
           hyp_shapes=lambda: _dims(4).map(lambda t: ((t[1], t[3]), (t[0], t[1], t[2]),
                                                      (t[0], t[2], t[3])))),
    OpSpec("matrix_power_5", lambda m, a: m.matrix_power(a, 5),
           lambda a: np.linalg.matrix_power(a, 5), [((3, 3),), ((2, 2, 2),)],
           domain=_square_well_conditioned,
           hyp_shapes=lambda: _dims(2).map(lambda t: ((t[0], t[1], t[1]),))),
    OpSpec("matrix_power_1", lambda m, a: a.matrix_power(1), lambda a: a, [((3, 3),)],
           hyp_shapes=lambda: _dims(1).map(lambda t: ((t[0], t[0]),))),
    OpSpec("matrix_power_negative", lambda m, a: m.linalg.matrix_power(a, -3),
           lambda a: np.linalg.matrix_power(a, -3), [((3, 3),), ((2, 2, 2),)],
           domain=_square_well_conditioned,
           hyp_shapes=lambda: _dims(2).map(lambda t: ((t[0], t[1], t[1]),))),
]


class TestProducts(OpSuite):
    OPS = OPS


def test_matrix_power_zero_is_identity_with_zero_gradient() -> None:
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((2, 3, 3))
    out = mg.matrix_power(mg.tensor(a), 0)
    np.testing.assert_array_equal(out.numpy(), torch.linalg.matrix_power(torch.tensor(a), 0))


def test_beta_zero_ignores_nan_input() -> None:
    torch = pytest.importorskip("torch")
    x = np.full((3, 2), np.nan)
    a, b = np.ones((3, 4)), np.ones((4, 2))
    ours = mg.addmm(mg.tensor(x), mg.tensor(a), mg.tensor(b), beta=0)
    theirs = torch.addmm(torch.tensor(x), torch.tensor(a), torch.tensor(b), beta=0)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert not np.isnan(ours.numpy()).any()


def test_cross_default_dim_is_first_size_three() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 3, 3))
    ours = mg.cross(mg.tensor(a), mg.tensor(b))
    with pytest.warns(UserWarning):
        theirs = torch.cross(torch.tensor(a), torch.tensor(b))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    np.testing.assert_allclose(mg.linalg.cross(mg.tensor(a), mg.tensor(b), dim=1).numpy(),
                               torch.linalg.cross(torch.tensor(a), torch.tensor(b), dim=1),
                               rtol=1e-12)


def test_integer_products_match_torch_dtypes() -> None:
    torch = pytest.importorskip("torch")
    a = np.arange(6).reshape(2, 3)
    b = np.arange(6).reshape(3, 2)
    for name, fn in [("kron", lambda l, x, y: l.kron(x, y)),
                     ("tensordot", lambda l, x, y: l.tensordot(x, y, 1)),
                     ("inner", lambda l, x, y: l.inner(x, y.T))]:
        ours = fn(mg, mg.tensor(a), mg.tensor(b))
        theirs = fn(torch, torch.tensor(a), torch.tensor(b))
        assert ours.dtype == mg.int64, name
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_inner_with_scalar() -> None:
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(2).standard_normal((2, 3))
    np.testing.assert_allclose(mg.inner(mg.tensor(a), mg.tensor(2.5)).numpy(),
                               torch.inner(torch.tensor(a), torch.tensor(2.5)).numpy())


@pytest.mark.parametrize("call, torch_call, shapes", [
    (lambda m, a, b: m.cross(a, b, dim=1), lambda t, a, b: t.linalg.cross(a, b, dim=1),
     ((2, 4), (2, 4))),
    (lambda m, a, b: m.tensordot(a, b, 1), lambda t, a, b: t.tensordot(a, b, 1), ((2, 3), (4, 2))),
    (lambda m, a, b: m.tensordot(a, b, ([0], [0, 1])),
     lambda t, a, b: t.tensordot(a, b, ([0], [0, 1])), ((2, 3), (2, 3))),
    (lambda m, a, b: m.inner(a, b), lambda t, a, b: t.inner(a, b), ((2, 3), (2, 4))),
    (lambda m, a, b: m.addmm(a, a, b), lambda t, a, b: t.addmm(a, a, b), ((2, 3), (2, 3))),
    (lambda m, a, b: m.addmv(a[0], a, b), lambda t, a, b: t.addmv(a[0], a, b), ((2, 3), (2,))),
    (lambda m, a, b: m.baddbmm(b, a, a),
     lambda t, a, b: t.baddbmm(b, a, a), ((2, 3, 4), (2, 3, 3))),
    (lambda m, a, b: m.addbmm(b, a, a), lambda t, a, b: t.addbmm(b, a, a), ((2, 3, 4), (3, 3))),
    (lambda m, a, b: m.matrix_power(a, 2), lambda t, a, b: t.matrix_power(a, 2), ((2, 3), (1,))),
])
def test_shape_errors_match_torch_type_and_name_the_op(call, torch_call, shapes) -> None:
    torch = pytest.importorskip("torch")
    arrays = [np.ones(s) for s in shapes]
    with pytest.raises(RuntimeError) as theirs:
        torch_call(torch, *[torch.tensor(a) for a in arrays])
    with pytest.raises(type(theirs.value)) as ours:
        call(mg, *[mg.tensor(a) for a in arrays])
    name = call.__code__.co_names[-1]
    assert name in str(ours.value)


def test_matrix_power_singular_negative_raises_linalg_error() -> None:
    torch = pytest.importorskip("torch")
    a = np.ones((2, 2))
    with pytest.raises(torch.linalg.LinAlgError):
        torch.linalg.matrix_power(torch.tensor(a), -1)
    with pytest.raises(mg.linalg.LinAlgError, match="inv"):
        mg.linalg.matrix_power(mg.tensor(a), -1)
    assert issubclass(mg.linalg.LinAlgError, RuntimeError)
