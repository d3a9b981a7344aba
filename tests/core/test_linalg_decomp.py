"""mg.linalg (ops/linalg_decomp.py): det, slogdet, logdet, inv, solve, cholesky, qr, svd,
svdvals, eigh, eigvalsh, pinv, the norms, matrix_rank and lstsq. Decompositions are compared
through quantities that do not depend on the sign of a column (reconstructions, squared
entries, singular values); gradients are checked on well-conditioned inputs (symmetric
positive-definite ones for cholesky / eigh, distinct singular values for svd)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import strategies as st

import minigrad as mg
from harness import OpSpec, OpSuite, normal


def well_conditioned(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Near the identity (det > 0, far from singular)."""
    return rng.standard_normal(shape) * 0.3 + np.eye(shape[-1])


def _squares(lo: int = 1, hi: int = 3) -> st.SearchStrategy:
    return st.tuples(st.integers(1, 2), st.integers(lo, hi)).map(lambda t: ((t[0], t[1], t[1]),))


def _matrices() -> st.SearchStrategy:
    return st.tuples(st.integers(1, 4), st.integers(1, 4)).map(lambda t: ((t[0], t[1]),))


def _spd(m, a):
    """A symmetric positive-definite matrix made from any square ``a`` (lib-agnostic)."""
    return a @ a.mT + m.eye(a.shape[-1], dtype=a.dtype)


def _np_spd(a):
    return a @ np.swapaxes(a, -1, -2) + np.eye(a.shape[-1])


def _sym(a):
    return (a + a.mT) / 2


def _np_sym(a):
    return (a + np.swapaxes(a, -1, -2)) / 2


def _np_svd_invariant(a):
    U, S, Vh = np.linalg.svd(a, full_matrices=False)
    return (U * S[..., None, :] ** 2) @ Vh + (U * U) @ (Vh * Vh)


def _svd_invariant(m, a):
    U, S, Vh = m.linalg.svd(a, full_matrices=False)
    return (U * S.unsqueeze(-2) ** 2) @ Vh + (U * U) @ (Vh * Vh)


def _np_eigh_invariant(a):
    w, V = np.linalg.eigh(_np_sym(a))
    return (V * V) * w[..., None, :] + w[..., None, :]


def _eigh_invariant(m, a):
    w, V = m.linalg.eigh(_sym(a))
    return (V * V) * w.unsqueeze(-2) + w.unsqueeze(-2)


def _np_qr_invariant(a):
    Q, R = np.linalg.qr(a)
    return (Q * Q) @ (R * R)


def _qr_invariant(m, a):
    Q, R = m.linalg.qr(a)
    return (Q * Q) @ (R * R)


def _np_matrix_norm(ord):
    return lambda a: np.linalg.norm(a, ord=ord, axis=(-2, -1))


OPS = [
    OpSpec("det", lambda m, a: m.linalg.det(a), np.linalg.det, [((3, 3),), ((2, 2, 2),)],
           domain=normal, hyp_shapes=_squares),
    OpSpec("mg.det_method", lambda m, a: a.det(), np.linalg.det, [((1, 1),), ((3, 3),)],
           domain=well_conditioned, hyp_shapes=_squares),
    OpSpec("slogdet_logabsdet", lambda m, a: m.linalg.slogdet(a)[1],
           lambda a: np.linalg.slogdet(a)[1], [((3, 3),), ((2, 2, 2),)], hyp_shapes=_squares),
    OpSpec("slogdet_times_sign", lambda m, a: m.slogdet(a).sign * m.slogdet(a).logabsdet,
           lambda a: np.prod(np.linalg.slogdet(a), 0), [((3, 3),)], hyp_shapes=_squares),
    OpSpec("logdet", lambda m, a: m.logdet(a), lambda a: np.log(np.linalg.det(a)),
           [((3, 3),), ((2, 2, 2),)], domain=well_conditioned, hyp_shapes=_squares),
    OpSpec("inv", lambda m, a: m.linalg.inv(a), np.linalg.inv, [((3, 3),), ((2, 2, 2),)],
           domain=well_conditioned, hyp_shapes=_squares),
    OpSpec("inverse", lambda m, a: m.inverse(a), np.linalg.inv, [((1, 1),), ((2, 2),)],
           domain=well_conditioned, hyp_shapes=_squares),
    OpSpec("solve_matrix", lambda m, a, b: m.linalg.solve(a, b), np.linalg.solve,
           [((3, 3), (3, 2)), ((2, 3, 3), (3, 4)), ((1, 2, 2), (3, 2, 1))],
           domain=[well_conditioned, normal],
           hyp_shapes=lambda: st.tuples(st.integers(1, 3), st.integers(1, 3)).map(
               lambda t: ((t[0], t[0]), (t[0], t[1])))),
    OpSpec("solve_vector", lambda m, a, b: m.linalg.solve(a, b),
           lambda a, b: np.linalg.solve(a, b[..., None])[..., 0],
           [((3, 3), (3,)), ((2, 3, 3), (2, 3))], domain=[well_conditioned, normal],
           hyp_shapes=lambda: st.integers(1, 3).map(lambda n: ((n, n), (n,)))),
    OpSpec("solve_right", lambda m, a, b: m.linalg.solve(a, b, left=False),
           lambda a, b: np.swapaxes(np.linalg.solve(np.swapaxes(a, -1, -2),
                                                    np.swapaxes(b, -1, -2)), -1, -2),
           [((3, 3), (2, 3))], domain=[well_conditioned, normal],
           hyp_shapes=lambda: st.tuples(st.integers(1, 3), st.integers(1, 3)).map(
               lambda t: ((t[0], t[0]), (t[1], t[0])))),
    OpSpec("cholesky", lambda m, a: m.linalg.cholesky(_spd(m, a)),
           lambda a: np.linalg.cholesky(_np_spd(a)), [((3, 3),), ((2, 2, 2),)],
           hyp_shapes=_squares),
    OpSpec("cholesky_upper", lambda m, a: m.linalg.cholesky(_spd(m, a), upper=True),
           lambda a: np.swapaxes(np.linalg.cholesky(_np_spd(a)), -1, -2), [((3, 3),)],
           hyp_shapes=_squares),
    OpSpec("qr", _qr_invariant, _np_qr_invariant, [((4, 3),), ((3, 3),), ((2, 3, 2),)],
           hyp_shapes=lambda: st.tuples(st.integers(1, 4), st.integers(1, 4)).map(
               lambda t: ((max(t), min(t)),))),
    OpSpec("svd", _svd_invariant, _np_svd_invariant, [((4, 3),), ((3, 4),), ((2, 3, 3),)],
           hyp_shapes=_matrices),
    OpSpec("svdvals", lambda m, a: m.linalg.svdvals(a),
           lambda a: np.linalg.svd(a, compute_uv=False), [((4, 3),), ((2, 2, 3),)],
           hyp_shapes=_matrices),
    OpSpec("eigh", _eigh_invariant, _np_eigh_invariant, [((3, 3),), ((2, 2, 2),)],
           hyp_shapes=_squares),
    OpSpec("eigh_upper", lambda m, a: m.linalg.eigh(_sym(a), UPLO="U")[0],
           lambda a: np.linalg.eigvalsh(_np_sym(a), UPLO="U"), [((3, 3),)],
           hyp_shapes=_squares),
    OpSpec("eigvalsh", lambda m, a: m.linalg.eigvalsh(_sym(a)),
           lambda a: np.linalg.eigvalsh(_np_sym(a)), [((3, 3),), ((2, 2, 2),)],
           hyp_shapes=_squares),
    OpSpec("pinv", lambda m, a: m.linalg.pinv(a), np.linalg.pinv,
           [((4, 3),), ((3, 4),), ((2, 2, 2),)], hyp_shapes=_matrices),
    OpSpec("lstsq", lambda m, a, b: m.linalg.lstsq(a, b).solution,
           lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0], [((4, 3), (4, 2))],
           torch=False,  # torch's lstsq backward is not implemented for its default driver
           hyp_shapes=lambda: st.tuples(st.integers(1, 3), st.integers(0, 2)).map(
               lambda t: ((t[0] + t[1], t[0]), (t[0] + t[1], 2)))),
    OpSpec("linalg_norm_default", lambda m, a: m.linalg.norm(a), lambda a: np.sqrt((a * a).sum()),
           [((3, 4),), ((2, 3, 2),)]),
    OpSpec("linalg_norm_dim", lambda m, a: m.linalg.norm(a, 3, dim=1, keepdim=True),
           lambda a: (np.abs(a) ** 3).sum(1, keepdims=True) ** (1 / 3), [((3, 4),)], min_dims=2),
    OpSpec("vector_norm_1", lambda m, a: m.linalg.vector_norm(a, 1, dim=(0, -1)),
           lambda a: np.abs(a).sum((0, -1)), [((3, 4),), ((2, 3, 2),)], min_dims=2),
    OpSpec("vector_norm_inf", lambda m, a: m.linalg.vector_norm(a, math.inf),
           lambda a: np.abs(a).max(), [((3, 4),)], domain=lambda r, s: r.permutation(
               np.arange(1, np.prod(s) + 1)).reshape(s) * 0.1 + 0.03),
] + [
    OpSpec(f"matrix_norm_{o}", lambda m, a, o=o: m.linalg.matrix_norm(a, o),
           _np_matrix_norm(o), [((3, 4),), ((2, 3, 3),)], min_dims=2,
           domain=lambda r, s: (r.permutation(np.prod(s)).reshape(s) + 0.5) * 0.1
           * r.choice([-1.0, 1.0], s),  # distinct |values| and sums: no max/min ties
           hyp_shapes=_matrices)
    for o in ("fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf)
] + [
    OpSpec("linalg_norm_matrix_ord", lambda m, a: m.linalg.norm(a, "nuc", dim=(0, 2), keepdim=True),
           lambda a: np.linalg.norm(np.moveaxis(a, 1, 0), "nuc", axis=(-2, -1))[None, :, None],
           [((3, 2, 4),)], hyp_shapes=lambda: st.tuples(st.integers(1, 3), st.integers(1, 3),
                                                         st.integers(1, 3)).map(lambda t: (t,))),
]


class TestLinalgDecomp(OpSuite):
    OPS = OPS


# --- decompositions against torch, through sign-invariant quantities ----------------------
def test_qr_svd_eigh_factors_agree_with_torch_up_to_signs() -> None:
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((2, 5, 3))
    Q, R = mg.linalg.qr(mg.tensor(a))
    tQ, tR = torch.linalg.qr(torch.tensor(a))
    np.testing.assert_allclose(np.abs(Q.numpy()), np.abs(tQ.numpy()), atol=1e-12)
    np.testing.assert_allclose(np.abs(R.numpy()), np.abs(tR.numpy()), atol=1e-12)
    np.testing.assert_allclose((Q @ R).numpy(), a, atol=1e-12)
    np.testing.assert_allclose((Q.mT @ Q).numpy(), np.broadcast_to(np.eye(3), (2, 3, 3)),
                               atol=1e-12)
    U, S, Vh = mg.linalg.svd(mg.tensor(a), full_matrices=False)
    tU, tS, tVh = torch.linalg.svd(torch.tensor(a), full_matrices=False)
    np.testing.assert_allclose(S.numpy(), tS.numpy(), rtol=1e-12)
    np.testing.assert_allclose(np.abs(U.numpy()), np.abs(tU.numpy()), atol=1e-12)
    np.testing.assert_allclose(((U * S.unsqueeze(-2)) @ Vh).numpy(), a, atol=1e-12)
    spd = a.transpose(0, 2, 1) @ a
    w, V = mg.linalg.eigh(mg.tensor(spd))
    tw, tV = torch.linalg.eigh(torch.tensor(spd))
    np.testing.assert_allclose(w.numpy(), tw.numpy(), rtol=1e-12)
    np.testing.assert_allclose(np.abs(V.numpy()), np.abs(tV.numpy()), atol=1e-12)


def test_slogdet_sign_and_logdet_of_negative_det_match_torch() -> None:
    torch = pytest.importorskip("torch")
    a = np.array([[[0.0, 1.0], [1.0, 0.0]], [[2.0, 0.0], [0.0, 3.0]], [[1.0, 2.0], [2.0, 4.0]]])
    sign, logabs = mg.linalg.slogdet(mg.tensor(a))
    tsign, tlogabs = torch.linalg.slogdet(torch.tensor(a))
    np.testing.assert_array_equal(sign.numpy(), tsign.numpy())
    np.testing.assert_allclose(logabs.numpy(), tlogabs.numpy())
    np.testing.assert_allclose(mg.logdet(mg.tensor(a)).numpy(), torch.logdet(torch.tensor(a)))
    assert sign.dtype == mg.float64


def test_matrix_rank_and_lstsq_match_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    low_rank = rng.standard_normal((2, 5, 2)) @ rng.standard_normal((2, 2, 4))
    for kwargs in ({}, {"atol": 1.0}, {"rtol": 0.5}, {"atol": 0.1, "rtol": 0.0}):
        ours = mg.linalg.matrix_rank(mg.tensor(low_rank), **kwargs)
        theirs = torch.linalg.matrix_rank(torch.tensor(low_rank), **kwargs)
        assert ours.dtype == mg.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    a, b = rng.standard_normal((2, 6, 3)), rng.standard_normal((2, 6, 2))
    ours = mg.linalg.lstsq(mg.tensor(a), mg.tensor(b))
    theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b))
    np.testing.assert_allclose(ours.solution.numpy(), theirs.solution.numpy(), rtol=1e-10)
    assert ours.residuals.shape == (0,)


def test_pinv_rtol_cuts_small_singular_values_like_torch() -> None:
    torch = pytest.importorskip("torch")
    a = np.diag([3.0, 1.0, 1e-3])
    for kwargs in ({}, {"rtol": 1e-2}, {"atol": 2.0}):
        np.testing.assert_allclose(mg.linalg.pinv(mg.tensor(a), **kwargs).numpy(),
                                   torch.linalg.pinv(torch.tensor(a), **kwargs).numpy(),
                                   rtol=1e-12)


def test_cholesky_and_eigh_gradients_match_torch_on_symmetric_inputs() -> None:
    """Both libraries return a symmetric gradient for the (symmetric) input."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    a = rng.standard_normal((2, 3, 3))
    spd = a @ a.transpose(0, 2, 1) + np.eye(3)
    seed_l, seed_v = rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 3, 3))
    x, t = mg.tensor(spd, requires_grad=True), torch.tensor(spd, requires_grad=True)
    (mg.linalg.cholesky(x) * mg.tensor(seed_l)).sum().backward()
    (torch.linalg.cholesky(t) * torch.tensor(seed_l)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-12)
    x, t = mg.tensor(spd, requires_grad=True), torch.tensor(spd, requires_grad=True)
    w, V = mg.linalg.eigh(x)
    tw, tV = torch.linalg.eigh(t)
    # a sign-invariant function of the eigenvectors, plus the eigenvalues
    ((V * V) * mg.tensor(seed_v)).sum().add(w.sum() * 0.3).backward()
    ((tV * tV) * torch.tensor(seed_v)).sum().add(tw.sum() * 0.3).backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_float32_stays_float32_for_every_linalg_function() -> None:
    a = (mg.randn(3, 3) * 0.3 + mg.eye(3)).float().requires_grad_()
    spd = a @ a.mT + mg.eye(3, dtype=mg.float32)
    la = mg.linalg
    outs = [la.det(a), la.slogdet(a).logabsdet, la.inv(a), la.solve(a, a[0]), la.cholesky(spd),
            *la.qr(a), *la.svd(a, full_matrices=False), la.svdvals(a), *la.eigh(spd),
            la.eigvalsh(spd), la.pinv(a), la.norm(a), la.vector_norm(a, 3), la.matrix_norm(a, 2),
            la.matrix_norm(a, "nuc"), la.lstsq(a, a).solution, la.cross(a, a),
            la.matrix_power(a, -2), mg.logdet(spd), la.slogdet(a).sign]
    for i, out in enumerate(outs):
        assert out.dtype == mg.float32, f"output {i}: {out.dtype}"
    sum(o.sum() for o in outs[:-1]).backward()
    assert a.grad.dtype == mg.float32
    assert la.matrix_rank(a).dtype == mg.int64


# --- errors: torch's exception types, messages naming the op --------------------------------
@pytest.mark.parametrize("name, call", [
    ("linalg.det", lambda l, x: l.linalg.det(x)),
    ("linalg.inv", lambda l, x: l.linalg.inv(x)),
    ("linalg.slogdet", lambda l, x: l.linalg.slogdet(x)),
    ("linalg.cholesky", lambda l, x: l.linalg.cholesky(x)),
    ("linalg.eigh", lambda l, x: l.linalg.eigh(x)),
    ("linalg.solve", lambda l, x: l.linalg.solve(x, x)),
])
def test_non_square_input_raises_like_torch(name, call) -> None:
    torch = pytest.importorskip("torch")
    x = np.ones((2, 3))
    with pytest.raises(RuntimeError) as theirs:
        call(torch, torch.tensor(x))
    with pytest.raises(type(theirs.value), match=name):
        call(mg, mg.tensor(x))


@pytest.mark.parametrize("name, call, value", [
    ("linalg.inv", lambda l, x: l.linalg.inv(x), [[1.0, 2.0], [2.0, 4.0]]),
    ("linalg.solve", lambda l, x: l.linalg.solve(x, x[0]), [[1.0, 2.0], [2.0, 4.0]]),
    ("linalg.cholesky", lambda l, x: l.linalg.cholesky(x), [[1.0, 2.0], [2.0, 1.0]]),
])
def test_singular_or_indefinite_raises_linalg_error(name, call, value) -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(torch.linalg.LinAlgError):
        call(torch, torch.tensor(value))
    with pytest.raises(mg.linalg.LinAlgError, match=name):
        call(mg, mg.tensor(value))


def test_other_bad_inputs_name_the_op() -> None:
    with pytest.raises(RuntimeError, match="linalg.det.*floating"):
        mg.linalg.det(mg.tensor([[1, 2], [3, 4]]))
    with pytest.raises(RuntimeError, match="linalg.inv.*at least 2"):
        mg.linalg.inv(mg.ones(3))
    with pytest.raises(RuntimeError, match="linalg.solve.*incompatible"):
        mg.linalg.solve(mg.eye(3), mg.ones(2, 2))
    with pytest.raises(RuntimeError, match="linalg.svd.*at least 2"):
        mg.linalg.svd(mg.ones(2))
    with pytest.raises(RuntimeError, match="matrix_norm.*not supported"):
        mg.linalg.matrix_norm(mg.ones(2, 2), 3)
    with pytest.raises(RuntimeError, match="linalg.norm.*1D or 2D"):
        mg.linalg.norm(mg.ones(2, 2, 2), 2)
