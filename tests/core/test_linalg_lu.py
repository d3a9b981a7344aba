"""LU (ops/linalg_lu.py) and triangular / Cholesky solves (ops/linalg_triangular.py).
Differentiable ops go through the OpSuite harness; pivots, permutations, info and the
factor gradients are compared with torch directly."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st

import minigrad as mg
from harness import OpSpec, OpSuite, normal


def well_conditioned(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rng.standard_normal(shape) * 0.3 + np.eye(shape[-2], shape[-1])


def small(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rng.standard_normal(shape) * 0.7


def _np_lu(a: np.ndarray) -> tuple:
    """Row-pivoted Doolittle, one matrix at a time, element by element: the definition."""
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    k = min(m, n)
    Ps, Ls, Us = [], [], []
    for mat in a.reshape(-1, m, n):
        w, perm = mat.copy(), list(range(m))
        for j in range(k):
            p = j + int(np.argmax(np.abs(w[j:, j])))
            w[[j, p]] = w[[p, j]]
            perm[j], perm[p] = perm[p], perm[j]
            if w[j, j] != 0:
                for i in range(j + 1, m):
                    w[i, j] /= w[j, j]
                    w[i, j + 1:] -= w[i, j] * w[j, j + 1:]
        P = np.zeros((m, m))
        P[perm, range(m)] = 1
        Ps.append(P)
        Ls.append(np.tril(w[:, :k], -1) + np.eye(m, k))
        Us.append(np.triu(w[:k]))
    return (np.reshape(Ps, batch + (m, m)), np.reshape(Ls, batch + (m, k)),
            np.reshape(Us, batch + (k, n)))


def _spd(m, a):
    return a @ a.mT + m.eye(a.shape[-1], dtype=a.dtype)


def _np_spd(a):
    return a @ np.swapaxes(a, -1, -2) + np.eye(a.shape[-1])


def _mT(a):
    return np.swapaxes(a, -1, -2)


def _fixed(*shapes):
    return lambda: st.just(tuple(shapes))


_TALL, _WIDE = ((2, 4, 3),), ((2, 3, 5),)

OPS = [
    OpSpec("lu_LplusU", lambda m, a: sum(m.linalg.lu(a)[1:]) if a.shape[-1] == a.shape[-2]
           else m.linalg.lu(a).L.sum(-1, keepdim=True) + m.linalg.lu(a).U.sum(-2, keepdim=True),
           lambda a: (_np_lu(a)[1] + _np_lu(a)[2]) if a.shape[-1] == a.shape[-2] else
           _np_lu(a)[1].sum(-1, keepdims=True) + _np_lu(a)[2].sum(-2, keepdims=True),
           [((3, 3),), _TALL, _WIDE], hyp_shapes=_fixed((3, 3))),
    OpSpec("lu_factor", lambda m, a: m.linalg.lu_factor(a).LU,
           lambda a: np.tril(_np_lu(a)[1], -1)[..., :a.shape[-1]]
           + np.pad(_np_lu(a)[2], [(0, 0)] * (a.ndim - 2) + [(0, a.shape[-2] - min(a.shape[-2:])),
                                                              (0, 0)])
           if a.shape[-2] >= a.shape[-1] else
           np.pad(np.tril(_np_lu(a)[1], -1), [(0, 0)] * (a.ndim - 2)
                  + [(0, 0), (0, a.shape[-1] - a.shape[-2])]) + _np_lu(a)[2],
           [_TALL, _WIDE], hyp_shapes=_fixed((3, 3))),
    OpSpec("lu_unpack_L", lambda m, a: m.lu_unpack(*m.linalg.lu_factor(a)).L,
           lambda a: _np_lu(a)[1], [((3, 3),)], hyp_shapes=_fixed((3, 3))),
    OpSpec("lu_solve", lambda m, a, b: m.linalg.lu_solve(*m.linalg.lu_factor(a), b),
           np.linalg.solve, [((2, 3, 3), (2, 3, 1))],
           domain=[well_conditioned, normal], hyp_shapes=_fixed((3, 3), (3, 2))),
    OpSpec("lu_solve_adjoint_right",
           lambda m, a, b: m.linalg.lu_solve(*m.linalg.lu_factor(a), b, left=False, adjoint=True),
           lambda a, b: b @ np.linalg.inv(_mT(a)), [((3, 3), (2, 3))],
           domain=[well_conditioned, normal], hyp_shapes=_fixed((3, 3), (2, 3))),
    OpSpec("solve_triangular_upper", lambda m, a, b: m.linalg.solve_triangular(a, b, upper=True),
           lambda a, b: np.linalg.solve(np.triu(a), b), [((3, 3), (3, 2)), ((2, 3, 3), (3, 4))],
           domain=[well_conditioned, normal], hyp_shapes=_fixed((3, 3), (3, 2))),
    OpSpec("solve_triangular_lower_right_unit",
           lambda m, a, b: m.linalg.solve_triangular(a, b, upper=False, left=False,
                                                     unitriangular=True),
           lambda a, b: b @ np.linalg.inv(np.tril(a, -1) + np.eye(3)), [((3, 3), (2, 3))],
           domain=[normal, normal], hyp_shapes=_fixed((3, 3), (2, 3))),
    OpSpec("triangular_solve_transpose",
           lambda m, b, a: m.triangular_solve(b, a, upper=False, transpose=True)[0],
           lambda b, a: np.linalg.solve(_mT(np.tril(a)), b), [((3, 2), (3, 3))],
           domain=[normal, well_conditioned], hyp_shapes=_fixed((3, 2), (3, 3))),
    OpSpec("cholesky_solve", lambda m, b, a: m.cholesky_solve(b, m.linalg.cholesky(_spd(m, a))),
           lambda b, a: np.linalg.solve(_np_spd(a), b), [((3, 2), (3, 3)), ((2, 3, 1), (3, 3))],
           hyp_shapes=_fixed((3, 2), (3, 3))),
    OpSpec("cholesky_solve_upper",
           lambda m, b, a: m.cholesky_solve(b, m.linalg.cholesky(_spd(m, a), upper=True), True),
           lambda b, a: np.linalg.solve(_np_spd(a), b), [((3, 2), (3, 3))],
           hyp_shapes=_fixed((3, 2), (3, 3))),
    OpSpec("cholesky_inverse", lambda m, a: m.cholesky_inverse(m.linalg.cholesky(_spd(m, a))),
           lambda a: np.linalg.inv(_np_spd(a)), [((3, 3),), ((2, 2, 2),)],
           hyp_shapes=_fixed((3, 3))),
]


class TestLinalgLU(OpSuite):
    OPS = OPS


# --- torch agreement: pivots, permutations, outputs the harness does not compare ----------
def _matrices(rng: np.random.Generator) -> list:
    singular = rng.standard_normal((4, 4))
    singular[:, 1] = 0.0                       # a zero pivot column
    dup = rng.standard_normal((3, 3))
    dup[2] = dup[0]                            # rank 2
    return [rng.standard_normal((4, 4)), rng.standard_normal((3, 2, 5)),
            rng.standard_normal((2, 5, 3)), singular, dup, np.zeros((2, 0, 0)),
            rng.standard_normal((1, 1)), rng.integers(-3, 4, (2, 4, 4)).astype(float)]


def test_lu_matches_torch_pivots_and_factors() -> None:
    torch = pytest.importorskip("torch")
    for a in _matrices(np.random.default_rng(0)):
        for dtype in (np.float64, np.float32):
            x = a.astype(dtype)
            LU, piv, info = mg.linalg.lu_factor_ex(mg.tensor(x))
            tLU, tpiv, tinfo = torch.linalg.lu_factor_ex(torch.tensor(x))
            assert piv.dtype == mg.int32 and info.dtype == mg.int32 and LU.dtype == x.dtype
            np.testing.assert_array_equal(piv.to_numpy(), tpiv.numpy())
            np.testing.assert_array_equal(info.to_numpy(), tinfo.numpy())
            if tinfo.numpy().any():
                with pytest.raises(RuntimeError):
                    torch.linalg.lu_factor(torch.tensor(x))
                with pytest.raises(mg.linalg.LinAlgError, match=r"lu_factor: .*U\[\d,\d\] is zero"):
                    mg.linalg.lu_factor(mg.tensor(x))
            tol = 1e-5 if dtype == np.float32 else 1e-12
            np.testing.assert_allclose(LU.to_numpy(), tLU.numpy(), rtol=tol, atol=tol)
            for mine, theirs in zip(mg.linalg.lu(mg.tensor(x)), torch.linalg.lu(torch.tensor(x))):
                np.testing.assert_allclose(mine.to_numpy(), theirs.numpy(), rtol=tol, atol=tol)
            for mine, theirs in zip(mg.lu_unpack(LU, piv), torch.lu_unpack(tLU, tpiv)):
                np.testing.assert_allclose(mine.to_numpy(), theirs.numpy(), rtol=tol, atol=tol)


def test_lu_gradients_match_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    for shape in ((3, 3), (2, 4, 3), (2, 3, 4)):
        x = rng.standard_normal(shape)
        wL = rng.standard_normal(shape[:-1] + (min(shape[-2:]),))
        wU = rng.standard_normal(shape[:-2] + (min(shape[-2:]), shape[-1]))
        a, ta = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        _, L, U = mg.linalg.lu(a)
        ((L * mg.tensor(wL)).sum() + (U * mg.tensor(wU)).sum()).backward()
        _, tL, tU = torch.linalg.lu(ta)
        ((tL * torch.tensor(wL)).sum() + (tU * torch.tensor(wU)).sum()).backward()
        np.testing.assert_allclose(a.grad.to_numpy(), ta.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_triangular_and_cholesky_factor_gradients_match_torch() -> None:
    """torch differentiates cholesky_solve / cholesky_inverse as if the factor were a full
    matrix (only its triangle is read in the forward); minigrad gives the same numbers."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    L = np.tril(rng.standard_normal((2, 3, 3))) + 3 * np.eye(3)
    B = rng.standard_normal((2, 3, 2))
    for upper in (False, True):
        F = _mT(L) if upper else L
        calls = [
            lambda m, f, b: m.cholesky_solve(b, f, upper),
            lambda m, f, b: m.cholesky_inverse(f, upper) + b.sum(),
            lambda m, f, b: m.linalg.solve_triangular(f, b, upper=upper),
            lambda m, f, b: m.linalg.solve_triangular(f, b.mT, upper=upper, left=False,
                                                      unitriangular=True),
            lambda m, f, b: m.triangular_solve(b, f, upper, True, False)[0],
        ]
        for call in calls:
            f, b = mg.tensor(F, requires_grad=True), mg.tensor(B, requires_grad=True)
            tf, tb = torch.tensor(F, requires_grad=True), torch.tensor(B, requires_grad=True)
            out, tout = call(mg, f, b), call(torch, tf, tb)
            np.testing.assert_allclose(out.to_numpy(), tout.detach().numpy(), rtol=1e-10)
            w = rng.standard_normal(tuple(out.shape))
            (out * mg.tensor(w)).sum().backward()
            (tout * torch.tensor(w)).sum().backward()
            np.testing.assert_allclose(f.grad.to_numpy(), tf.grad.numpy(), rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(b.grad.to_numpy(), tb.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_triangular_solve_returns_the_coefficient_copy() -> None:
    torch = pytest.importorskip("torch")
    A = np.triu(np.arange(1.0, 10.0).reshape(3, 3))
    b = np.ones((3, 1))
    X, C = mg.triangular_solve(mg.tensor(b), mg.tensor(A))
    tX, tC = torch.triangular_solve(torch.tensor(b), torch.tensor(A))
    np.testing.assert_allclose(X.to_numpy(), tX.numpy())
    np.testing.assert_array_equal(C.to_numpy(), tC.numpy())


@pytest.mark.parametrize("call, exc, match", [
    (lambda: mg.linalg.lu(mg.tensor([[1, 2], [3, 4]])), RuntimeError, r"linalg.lu.*floating"),
    (lambda: mg.linalg.lu_factor(mg.ones(3)), RuntimeError, r"lu_factor.*at least 2.*\(3,\)"),
    (lambda: mg.linalg.lu(mg.ones(2, 2), pivot=False), RuntimeError, r"without pivoting"),
    (lambda: mg.lu_unpack(mg.ones(3, 3), mg.tensor([1, 2, 3])), RuntimeError,
     r"lu_unpack: LU_pivots is expected to be an int32"),
    (lambda: mg.lu_unpack(mg.ones(3, 3), mg.tensor([1, 2], dtype=mg.int32)), RuntimeError,
     r"lu_unpack: LU_pivots of shape \(2,\)"),
    (lambda: mg.linalg.solve_triangular(mg.eye(3), mg.ones(2, 2), upper=True), RuntimeError,
     r"solve_triangular: incompatible shapes.*\(3, 3\) and \(2, 2\)"),
    (lambda: mg.linalg.solve_triangular(mg.ones(2, 3), mg.ones(2, 2), upper=True),
     RuntimeError, r"solve_triangular.*square"),
    (lambda: mg.cholesky_solve(mg.ones(3, 1), mg.eye(3, dtype=mg.float64)), RuntimeError,
     r"cholesky_solve.*same dtype"),])
def test_errors_name_the_op_and_shapes(call, exc, match) -> None:
    with pytest.raises(exc, match=match):
        call()
