"""matrix_exp (ops/matrix_exp.py), vecdot / multi_dot / cond / diagonal
(ops/linalg_compose.py) and the lifted limitations of ops/linalg_decomp.py (svd
full_matrices, qr modes 'complete' and 'r', the wide qr gradient): the OpSuite harness for
the differentiable ones, torch for the non-unique parts and the options."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import strategies as st

import minigrad as mg
from harness import OpSpec, OpSuite


def well_conditioned(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rng.standard_normal(shape) * 0.3 + np.eye(shape[-2], shape[-1])


def small(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rng.standard_normal(shape) * 0.7


def _np_expm(a: np.ndarray) -> np.ndarray:
    """The Taylor series of exp(a / 2^6), summed to convergence, squared 6 times."""
    a = a / 64.0
    out = term = np.broadcast_to(np.eye(a.shape[-1]), a.shape).copy()
    for k in range(1, 30):
        term = term @ a / k
        out = out + term
    for _ in range(6):
        out = out @ out
    return out


def _mT(a):
    return np.swapaxes(a, -1, -2)


def _qr_invariant(m, a, mode="reduced"):
    Q, R = m.linalg.qr(a, mode=mode)
    return (Q * Q) @ (R * R)


def _np_qr_invariant(a):
    Q, R = np.linalg.qr(a)
    return (Q * Q) @ (R * R)


def _fixed(*shapes):
    return lambda: st.just(tuple(shapes))


_WIDE = ((2, 3, 5),)


OPS = [
    OpSpec("matrix_exp", lambda m, a: m.linalg.matrix_exp(a), _np_expm,
           [((3, 3),), ((2, 2, 2),), ((1, 1),)], domain=small, hyp_shapes=_fixed((3, 3))),
    OpSpec("matrix_exp_scaled", lambda m, a: m.matrix_exp(a * 4.0), lambda a: _np_expm(a * 4.0),
           [((3, 3),)], domain=small, hyp_shapes=_fixed((3, 3))),
    OpSpec("vecdot", lambda m, x, y: m.linalg.vecdot(x, y, dim=0), lambda x, y: (x * y).sum(0),
           [((3, 4), (3, 1))], hyp_shapes=_fixed((3, 4), (3, 4))),
    OpSpec("multi_dot", lambda m, a, b, c, d: m.linalg.multi_dot([a, b, c, d]),
           lambda a, b, c, d: a @ b @ c @ d, [((5,), (5, 2), (2, 6), (6,)),
                                              ((3, 5), (5, 2), (2, 6), (6, 1))],
           hyp_shapes=_fixed((5,), (5, 2), (2, 6), (6,))),
    OpSpec("cond_2", lambda m, a: m.linalg.cond(a), lambda a: np.linalg.cond(a),
           [((3, 3),), ((2, 3, 4),)], domain=well_conditioned, hyp_shapes=_fixed((3, 3))),
    OpSpec("cond_fro", lambda m, a: m.linalg.cond(a, "fro"), lambda a: np.linalg.cond(a, "fro"),
           [((3, 3),)], domain=well_conditioned, hyp_shapes=_fixed((3, 3)),
           torch=False),  # torch's backward: "modified by an inplace operation" (LinalgInvEx)
    OpSpec("cond_inf", lambda m, a: m.linalg.cond(a, -math.inf),
           lambda a: np.linalg.cond(a, -np.inf), [((3, 3),)], domain=well_conditioned,
           hyp_shapes=_fixed((3, 3)), torch=False),  # same torch failure
    OpSpec("linalg_diagonal", lambda m, a: m.linalg.diagonal(a, offset=1),
           lambda a: np.diagonal(a, 1, -2, -1), [((2, 3, 4),)], hyp_shapes=_fixed((3, 4))),
    OpSpec("qr_wide", _qr_invariant, _np_qr_invariant, [((2, 4),), _WIDE, ((3, 3),)],
           domain=well_conditioned, hyp_shapes=_fixed((2, 4))),
    OpSpec("qr_complete_wide", lambda m, a: _qr_invariant(m, a, "complete"), _np_qr_invariant,
           [((2, 4),)], domain=well_conditioned, hyp_shapes=_fixed((2, 4))),
    OpSpec("qr_r", lambda m, a: m.linalg.qr(a, mode="r").R.abs(),
           lambda a: np.abs(np.linalg.qr(a, mode="r")), [((4, 3),), ((2, 5),)],
           domain=well_conditioned, hyp_shapes=_fixed((4, 3)),
           torch=False),  # torch: "The derivative of linalg.qr depends on Q"
    OpSpec("svd_full_first_columns",
           lambda m, a: (lambda U, S, Vh: (U[..., :, :2] * S.unsqueeze(-2)) @ Vh[..., :2, :])(
               *m.linalg.svd(a)),
           lambda a: a, [((4, 2),), ((2, 3),)], domain=well_conditioned,
           hyp_shapes=_fixed((4, 2))),
]


class TestLinalgCompose(OpSuite):
    OPS = OPS


def test_matrix_exp_matches_torch_over_norms_and_dtypes() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a = rng.standard_normal((4, 5, 5)) * np.array([0.01, 1.0, 6.0, 40.0])[:, None, None]
    for dtype, tol in ((np.float64, 1e-12), (np.float32, 2e-5)):
        x = a.astype(dtype)
        out = mg.linalg.matrix_exp(mg.tensor(x))
        ref = torch.linalg.matrix_exp(torch.tensor(x)).numpy()
        assert out.dtype == x.dtype
        scale = np.abs(ref).max(axis=(-2, -1), keepdims=True)
        np.testing.assert_allclose(out.to_numpy() / scale, ref / scale, rtol=0, atol=tol)
    assert tuple(mg.matrix_exp(mg.zeros(2, 0, 0)).shape) == (2, 0, 0)
    np.testing.assert_allclose(mg.matrix_exp(mg.zeros(3, 3)).to_numpy(), np.eye(3))


def test_svd_full_matrices_is_orthonormal_and_reconstructs() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    for shape in ((5, 3), (2, 3, 6), (4, 4)):
        a = rng.standard_normal(shape)
        U, S, Vh = mg.linalg.svd(mg.tensor(a))
        tU, tS, tVh = torch.linalg.svd(torch.tensor(a))
        assert U.shape == tuple(tU.shape) and Vh.shape == tuple(tVh.shape)
        np.testing.assert_allclose(S.to_numpy(), tS.numpy(), rtol=1e-12)
        u, vh = U.to_numpy(), Vh.to_numpy()
        np.testing.assert_allclose(_mT(u) @ u, np.broadcast_to(np.eye(u.shape[-1]), u.shape),
                                   atol=1e-12)
        np.testing.assert_allclose(vh @ _mT(vh), np.broadcast_to(np.eye(vh.shape[-1]),
                                                                  vh.shape), atol=1e-12)
        k = min(shape[-2:])
        np.testing.assert_allclose((u[..., :k] * S.to_numpy()[..., None, :]) @ vh[..., :k, :], a,
                                   atol=1e-12)


def test_qr_modes_match_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    for shape in ((5, 3), (3, 5), (2, 4, 4)):
        a = rng.standard_normal(shape)
        for mode in ("reduced", "complete", "r"):
            Q, R = mg.linalg.qr(mg.tensor(a), mode=mode)
            tQ, tR = torch.linalg.qr(torch.tensor(a), mode=mode)
            assert tuple(Q.shape) == tuple(tQ.shape) and tuple(R.shape) == tuple(tR.shape)
            np.testing.assert_allclose(np.abs(R.to_numpy()), np.abs(tR.numpy()), atol=1e-12)
            if mode != "r":
                np.testing.assert_allclose(Q.to_numpy() @ R.to_numpy(), a, atol=1e-12)


def test_qr_wide_gradient_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(6).standard_normal((2, 3, 5))
    x, tx = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    Q, R = mg.linalg.qr(x)
    tQ, tR = torch.linalg.qr(tx)
    ((Q.sum(-2, keepdim=True) * Q).sum() + (R * R).sum()).backward()
    ((tQ.sum(-2, keepdim=True) * tQ).sum() + (tR * tR).sum()).backward()
    np.testing.assert_allclose(x.grad.to_numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_multi_dot_and_vecdot_match_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    chains = [[(2,), (2, 3)], [(4, 2), (2,)], [(10, 2), (2, 30), (30, 3), (3, 40)],
              [(3,), (3, 4), (4,)]]
    for shapes in chains:
        arrs = [rng.standard_normal(s) for s in shapes]
        out = mg.linalg.multi_dot([mg.tensor(a) for a in arrs])
        ref = torch.linalg.multi_dot([torch.tensor(a) for a in arrs])
        assert tuple(out.shape) == tuple(ref.shape)
        np.testing.assert_allclose(out.to_numpy(), ref.numpy(), rtol=1e-12)
    x, y = rng.standard_normal((2, 1, 3)), rng.standard_normal((4, 3))
    np.testing.assert_allclose(mg.linalg.vecdot(mg.tensor(x), mg.tensor(y)).to_numpy(),
                               torch.linalg.vecdot(torch.tensor(x), torch.tensor(y)).numpy())


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, math.inf, -math.inf])
def test_cond_matches_torch(p) -> None:
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(8).standard_normal((2, 3, 3))
    np.testing.assert_allclose(mg.linalg.cond(mg.tensor(a), p).to_numpy(),
                               torch.linalg.cond(torch.tensor(a), p).numpy(), rtol=1e-10)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: mg.linalg.matrix_exp(mg.ones(2, 3)), RuntimeError, r"matrix_exp.*2 by 3"),
    (lambda: mg.linalg.multi_dot([mg.ones(2, 2)]), RuntimeError,
     r"multi_dot: expected at least 2 tensors but got 1"),
    (lambda: mg.linalg.multi_dot([mg.ones(2, 3), mg.ones(2, 2)]), RuntimeError,
     r"multi_dot: tensors 0 and 1 with shapes \(2, 3\) and \(2, 2\)"),
    (lambda: mg.linalg.cond(mg.eye(2), 3), RuntimeError, r"cond: got an invalid norm type"),
    (lambda: mg.linalg.vecdot(mg.ones(2), mg.ones(2, dtype=mg.float64)), RuntimeError,
     r"vecdot.*same dtype"),
    (lambda: mg.linalg.qr(mg.ones(2, 2), mode="full"), RuntimeError,
     r"qr received unrecognized mode 'full'"),

])
def test_errors_name_the_op_and_shapes(call, exc, match) -> None:
    with pytest.raises(exc, match=match):
        call()


def test_qr_complete_tall_has_no_gradient_as_torch() -> None:
    x = mg.randn(4, 2, dtype=mg.float64, requires_grad=True)
    Q, R = mg.linalg.qr(x, mode="complete")
    assert tuple(Q.shape) == (4, 4) and tuple(R.shape) == (4, 2)
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete'"):
        Q.sum().backward()
