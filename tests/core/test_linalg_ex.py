"""linalg.vander / tensorinv / tensorsolve / inv_ex / cholesky_ex / solve_ex
(values, info and gradients against torch; gradchecks in float64; float32 stays float32;
errors), and igamma / igammac at large a (Temme's uniform expansion) against torch."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import linalg as LA

RNG = np.random.default_rng(1010)


def _t(a, grad: bool = False) -> mg.Tensor:
    return mg.tensor(np.asarray(a), requires_grad=grad)


def _np(t) -> np.ndarray:
    """A minigrad or torch tensor's values."""
    return t.detach().numpy()


def _spd(shape: tuple) -> np.ndarray:
    n = shape[-1]
    m = RNG.standard_normal(shape)
    return m @ np.swapaxes(m, -1, -2) + n * np.eye(n)


def _singular_batch(n: int) -> tuple[np.ndarray, list[int]]:
    """A batch of well-conditioned n x n matrices, each of the last n with column j zeroed,
    so that the LU's pivot j + 1 is exactly zero in any rounding (info = j + 1)."""
    a = RNG.standard_normal((n + 2, n, n)) + 2 * np.eye(n)
    info = [0, 0]
    for j in range(n):
        a[2 + j, :, j] = 0.0
        info.append(j + 1)
    return a, info


# --- vander, tensorinv, tensorsolve -----------------------------------------------------------
def test_vander_matches_torch_values_and_gradients():
    torch = pytest.importorskip("torch")
    for shape, N in (((4,), None), ((2, 3, 5), None), ((3,), 6), ((2, 4), 2)):
        x = RNG.standard_normal(shape)
        x.reshape(-1)[1] = 0.0  # cumprod's gradient is exact at 0
        g = RNG.standard_normal(shape + (N or shape[-1],))
        a = _t(x, True)
        out = LA.vander(a, N=N)
        (out * _t(g)).sum().backward()
        t = torch.tensor(x, requires_grad=True)
        ref = torch.linalg.vander(t, N=N)
        (ref * torch.tensor(g)).sum().backward()
        assert out.shape == tuple(ref.shape)
        np.testing.assert_allclose(_np(out), _np(ref), rtol=1e-14, atol=0)
        np.testing.assert_allclose(_np(a.grad), _np(t.grad), rtol=1e-12, atol=1e-14)
    ints = LA.vander(mg.tensor([1, 2, 3]))
    assert ints.dtype == mg.int64 and _np(ints).tolist() == [[1, 1, 1], [1, 2, 4], [1, 3, 9]]


def test_tensorinv_and_tensorsolve_match_torch():
    torch = pytest.importorskip("torch")
    A = RNG.standard_normal((4, 6, 8, 3)) + 0.0
    A = (A.reshape(24, 24) + 6 * np.eye(24)).reshape(4, 6, 8, 3)
    for ind in (2,):
        out = LA.tensorinv(_t(A), ind=ind)
        ref = torch.linalg.tensorinv(torch.tensor(A), ind=ind)
        assert out.shape == tuple(ref.shape) == (8, 3, 4, 6)
        np.testing.assert_allclose(_np(out), _np(ref), rtol=1e-10, atol=1e-13)
    A1 = (RNG.standard_normal((6, 6)) + 4 * np.eye(6)).reshape(6, 2, 3)
    out = LA.tensorinv(_t(A1), ind=1)
    ref = torch.linalg.tensorinv(torch.tensor(A1), ind=1)
    assert out.shape == (2, 3, 6)
    np.testing.assert_allclose(_np(out), _np(ref), rtol=1e-10, atol=1e-13)
    B = RNG.standard_normal((4, 6))
    out = LA.tensorsolve(_t(A), _t(B))
    ref = torch.linalg.tensorsolve(torch.tensor(A), torch.tensor(B))
    assert out.shape == (8, 3)
    np.testing.assert_allclose(_np(out), _np(ref), rtol=1e-10, atol=1e-13)
    Ap = np.transpose(A, (2, 0, 1, 3)).copy()  # dims=(0, 3) moves (8, 3) back to the end
    out = LA.tensorsolve(_t(Ap), _t(B), dims=(0, 3))
    ref = torch.linalg.tensorsolve(torch.tensor(Ap), torch.tensor(B), dims=(0, 3))
    np.testing.assert_allclose(_np(out), _np(ref), rtol=1e-10, atol=1e-13)


def test_vander_tensorinv_tensorsolve_gradcheck():
    x = _t(RNG.standard_normal((2, 3)), True)
    assert mg.gradcheck(lambda v: LA.vander(v, N=4), (x,))
    assert mg.gradgradcheck(lambda v: LA.vander(v, N=4), (x,))
    A = _t((RNG.standard_normal((6, 6)) + 3 * np.eye(6)).reshape(2, 3, 6), True)
    assert mg.gradcheck(lambda m: LA.tensorinv(m, ind=2), (A,))
    B = _t(RNG.standard_normal((2, 3)), True)
    assert mg.gradcheck(lambda m, b: LA.tensorsolve(m, b), (A, B))


def test_vander_tensorinv_tensorsolve_errors():
    with pytest.raises(RuntimeError, match="N must be greater than 1"):
        LA.vander(mg.tensor([1.0, 2.0]), N=1)
    with pytest.raises(RuntimeError, match="at least one dimension"):
        LA.vander(mg.tensor(2.0))
    with pytest.raises(TypeError, match="linalg.vander"):
        LA.vander([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"strictly positive.*'ind'"):
        LA.tensorinv(mg.zeros(2, 3, 6), ind=0)
    with pytest.raises(RuntimeError, match=r"tensorinv.*12 != 2.*\(2, 3, 4\)"):
        LA.tensorinv(mg.zeros(2, 3, 4), ind=1)
    with pytest.raises(RuntimeError, match=r"tensorsolve.*\(2, 3, 6\).*\(6,\)"):
        LA.tensorsolve(mg.zeros(2, 3, 6), mg.zeros(6))
    with pytest.raises(RuntimeError, match="tensorsolve.*more dimensions"):
        LA.tensorsolve(mg.zeros(4, 4), mg.zeros(2, 2, 4))


# --- inv_ex, solve_ex, cholesky_ex ------------------------------------------------------------
def test_inv_ex_values_info_and_gradients_match_torch():
    torch = pytest.importorskip("torch")
    for n in (1, 3, 4):
        a, info = _singular_batch(n)
        g = RNG.standard_normal(a.shape)
        A = _t(a, True)
        out, inf = LA.inv_ex(A)
        assert inf.dtype == mg.int32 and inf.shape == (n + 2,)
        ref, rinf = torch.linalg.inv_ex(torch.tensor(a))
        assert _np(inf).tolist() == rinf.tolist() == info
        np.testing.assert_allclose(_np(out)[:2], _np(ref)[:2], rtol=1e-11, atol=1e-13)
        assert np.isnan(_np(out)[2:]).all()
        (out[:2] * _t(g[:2])).sum().backward()
        t = torch.tensor(a[:2], requires_grad=True)
        (torch.linalg.inv_ex(t)[0] * torch.tensor(g[:2])).sum().backward()
        np.testing.assert_allclose(_np(A.grad)[:2], _np(t.grad), rtol=1e-10, atol=1e-12)
        assert (_np(A.grad)[2:] == 0).all()  # a failed matrix passes no gradient
    one, info1 = LA.inv_ex(_t(np.array([[2.0, 1.0], [4.0, 2.0]])))
    assert info1.shape == () and int(info1.item()) == 2


def test_lu_info_matches_torch_on_random_small_integer_matrices():
    """Matrices of -1/0/1: about 40% singular, their zero pivots exact in both roundings."""
    torch = pytest.importorskip("torch")
    a = RNG.integers(-1, 2, size=(400, 3, 3)).astype(np.float64)
    ref = _np(torch.linalg.inv_ex(torch.tensor(a)).info)
    assert (ref > 0).sum() > 100
    np.testing.assert_array_equal(_np(LA.inv_ex(_t(a)).info), ref)
    b = np.ones((400, 1, 3))
    for left, rhs in ((True, np.swapaxes(b, -1, -2)), (False, b)):
        ref = _np(torch.linalg.solve_ex(torch.tensor(a), torch.tensor(rhs), left=left).info)
        np.testing.assert_array_equal(_np(LA.solve_ex(_t(a), _t(rhs), left=left).info), ref)


@pytest.mark.parametrize("left", [True, False])
def test_solve_ex_matches_torch(left):
    torch = pytest.importorskip("torch")
    a, info = _singular_batch(3)
    cases = [RNG.standard_normal((5, 3, 2) if left else (5, 2, 3)),  # matrices
             RNG.standard_normal((4, 1, 3, 3))]  # B's batch broadcasts
    if left:  # vectors (torch takes them as columns, so only left=True)
        cases += [RNG.standard_normal((5, 3)), RNG.standard_normal((3,))]
    for b in cases:
        A, B = _t(a, True), _t(b, True)
        out, inf = LA.solve_ex(A, B, left=left)
        ref, rinf = torch.linalg.solve_ex(torch.tensor(a), torch.tensor(b), left=left)
        assert out.shape == tuple(ref.shape) and inf.shape == tuple(rinf.shape) == (5,)
        assert _np(inf).tolist() == rinf.tolist() == info
        ok = np.asarray(info) == 0
        o, r = _np(out), _np(ref)
        trailing = 1 if o.ndim == 2 else 2  # a batch of vectors, else of matrices
        sel = np.broadcast_to(ok.reshape((5,) + (1,) * trailing), o.shape)
        np.testing.assert_allclose(o[sel], r[sel], rtol=1e-10, atol=1e-12)
        assert np.isnan(o[~sel]).all()
        g = RNG.standard_normal(o.shape) * sel
        (out.nan_to_num() * _t(g)).sum().backward()
        ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        (torch.linalg.solve_ex(ta, tb, left=left)[0].nan_to_num() * torch.tensor(g)).sum() \
            .backward()
        np.testing.assert_allclose(_np(A.grad)[ok], _np(ta.grad)[ok], rtol=1e-9,
                                   atol=1e-11)
        assert (_np(A.grad)[~ok] == 0).all()


def test_inv_ex_solve_ex_gradcheck_and_check_errors():
    a = RNG.standard_normal((2, 3, 3)) + 2 * np.eye(3)
    A = _t(a, True)
    assert mg.gradcheck(lambda m: LA.inv_ex(m).inverse, (A,))
    assert mg.gradgradcheck(lambda m: LA.inv_ex(m).inverse, (A,))
    B = _t(RNG.standard_normal((2, 3, 2)), True)
    assert mg.gradcheck(lambda m, b: LA.solve_ex(m, b).result, (A, B))
    assert mg.gradcheck(lambda m, b: LA.solve_ex(m, b.transpose(-1, -2), left=False).result,
                        (A, B))
    bad, _ = _singular_batch(3)
    with pytest.raises(LA.LinAlgError, match=r"inv_ex: \(Batch element 2\): The diagonal "
                                             r"element 1 is zero"):
        LA.inv_ex(_t(bad), check_errors=True)
    with pytest.raises(LA.LinAlgError, match=r"inv_ex: The diagonal element 2 is zero"):
        LA.inv_ex(_t(bad[3]), check_errors=True)
    with pytest.raises(LA.LinAlgError, match="solve_ex: The solver failed"):
        LA.solve_ex(_t(bad), _t(np.ones((5, 3))), check_errors=True)
    ok, info = LA.inv_ex(A, check_errors=True)  # no error when all are invertible
    assert (_np(info) == 0).all()


def test_ex_shape_and_dtype_errors():
    with pytest.raises(RuntimeError, match=r"inv_ex: A must be batches of square.*\(2, 3\)"):
        LA.inv_ex(mg.zeros(2, 3))
    with pytest.raises(RuntimeError, match=r"cholesky_ex: the input tensor A must have at "
                                           r"least 2 dimensions"):
        LA.cholesky_ex(mg.zeros(3))
    with pytest.raises(RuntimeError, match=r"solve_ex: incompatible shapes.*AX = B.*\(3, 3\) "
                                           r"and \(2, 1\)"):
        LA.solve_ex(mg.eye(3), mg.zeros(2, 1))
    with pytest.raises(RuntimeError, match=r"solve_ex: incompatible shapes.*XA = B"):
        LA.solve_ex(mg.eye(3), mg.zeros(3, 2), left=False)
    with pytest.raises(RuntimeError, match="solve_ex: expected A and B to have the same dtype"):
        LA.solve_ex(mg.eye(3), mg.zeros(3, 1, dtype=mg.float64))
    with pytest.raises(TypeError, match="solve_ex: expected B to be a Tensor"):
        LA.solve_ex(mg.eye(3), [1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="cholesky_ex: expected a floating point"):
        LA.cholesky_ex(mg.tensor([[1, 0], [0, 1]]))


def _not_pd_batch(n: int) -> tuple[np.ndarray, list[int]]:
    """SPD matrices, then for each k one whose leading minor of order k is not positive-
    definite: its k-th Cholesky pivot is set to -1 (or nan at the end)."""
    a = _spd((n + 2, n, n))
    info = [0, 0]
    for k in range(n):
        m = a[2 + k]
        L = np.linalg.cholesky(m[:k, :k]) if k else np.zeros((0, 0))
        row = np.linalg.solve(L, m[k, :k]) if k else np.zeros(0)
        m[k, k] = row @ row - 1.0
        info.append(k + 1)
    nan = _spd((n, n))
    nan[n - 1, 0] = nan[0, n - 1] = math.nan
    return np.concatenate([a, nan[None]]), info + [n]  # nan reaches the last pivot


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_ex_values_info_and_gradients_match_torch(upper):
    torch = pytest.importorskip("torch")
    for n in (1, 4):
        a, info = _not_pd_batch(n)
        # junk in the triangle that is not read
        junk = np.triu(RNG.standard_normal(a.shape), 1)
        a_in = a + (np.swapaxes(junk, -1, -2) if upper else junk)
        A = _t(a_in, True)
        L, inf = LA.cholesky_ex(A, upper=upper)
        ref, rinf = torch.linalg.cholesky_ex(torch.tensor(a_in), upper=upper)
        assert inf.dtype == mg.int32 and _np(inf).tolist() == rinf.tolist() == info
        ok = np.asarray(info) == 0
        np.testing.assert_allclose(_np(L)[ok], _np(ref)[ok], rtol=1e-12, atol=1e-13)
        for b, k in enumerate(info):  # the leading minor's columns of a failed factor
            if k > 1:
                lo, rl = _np(L)[b], _np(ref)[b]
                lo, rl = (lo.T, rl.T) if upper else (lo, rl)
                np.testing.assert_allclose(lo[:, :k - 1], rl[:, :k - 1], rtol=1e-12, atol=1e-13)
        g = RNG.standard_normal(a.shape) * ok[:, None, None]
        (L.nan_to_num() * _t(g)).sum().backward()
        t = torch.tensor(a_in[ok], requires_grad=True)
        (torch.linalg.cholesky_ex(t, upper=upper)[0] * torch.tensor(g[ok])).sum().backward()
        np.testing.assert_allclose(_np(A.grad)[ok], _np(t.grad), rtol=1e-10, atol=1e-12)
        assert (_np(A.grad)[~ok] == 0).all()
    one, info1 = LA.cholesky_ex(_t(np.array([[1.0, 2.0], [2.0, 1.0]])))
    assert info1.shape == () and int(info1.item()) == 2


def test_cholesky_ex_gradcheck_and_check_errors():
    A = _t(_spd((2, 3, 3)), True)
    # symmetrised, since only one triangle is read
    assert mg.gradcheck(lambda m: LA.cholesky_ex(m + m.mT).L, (A,))
    assert mg.gradgradcheck(lambda m: LA.cholesky_ex(m + m.mT, upper=True).L, (A,))
    bad, _ = _not_pd_batch(3)
    with pytest.raises(LA.LinAlgError, match=r"cholesky_ex: \(Batch element 2\): .*leading "
                                             r"minor of order 1 is not positive-definite"):
        LA.cholesky_ex(_t(bad), check_errors=True)
    with pytest.raises(LA.LinAlgError, match=r"cholesky_ex: The factorization.*order 3"):
        LA.cholesky_ex(_t(bad[4]), check_errors=True)


def test_ex_forms_keep_float32():
    a = (RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)).astype(np.float32)
    A = mg.tensor(a, requires_grad=True)
    s = mg.tensor(_spd((2, 3, 3)).astype(np.float32), requires_grad=True)
    outs = [LA.inv_ex(A).inverse, LA.solve_ex(A, mg.ones(2, 3)).result,
            LA.cholesky_ex(s).L, LA.vander(mg.tensor(a[0, 0]), N=3),
            LA.tensorinv(A[0].reshape(3, 3, 1), ind=1), LA.tensorsolve(A[0], mg.ones(3))]
    for out in outs:
        assert out.dtype == mg.float32
    sum(o.sum() for o in outs[:3]).backward()
    assert A.grad.dtype == mg.float32 and s.grad.dtype == mg.float32
    bad = np.zeros((3, 3), dtype=np.float32)
    inv, info = LA.inv_ex(mg.tensor(bad))
    assert inv.dtype == mg.float32 and int(info.item()) == 1


def test_ex_forms_of_empty_inputs():
    inv, info = LA.inv_ex(mg.zeros(2, 0, 0))
    assert inv.shape == (2, 0, 0) and _np(info).tolist() == [0, 0]
    L, info = LA.cholesky_ex(mg.zeros(0, 3, 3))
    assert L.shape == (0, 3, 3) and info.shape == (0,)


# --- igamma / igammac at large a (Temme's expansion) ------------------------------------------
def _large_a_grid() -> tuple[np.ndarray, np.ndarray]:
    a = np.logspace(2, 8, 25)
    ratio = np.logspace(np.log10(0.5), np.log10(2.0), 31)
    A, R = np.meshgrid(a, ratio, indexing="ij")
    return A.ravel(), (A * R).ravel()


@pytest.mark.parametrize("upper", [False, True])
def test_igamma_large_a_matches_scipy(upper):
    """scipy's gammainc (Cephes with a careful prefactor) agrees with mpmath to ~1e-15 in the
    bulk but only ~5e-12 in the far tails (measured at a = 3162, Q ~ 1e-139, where minigrad
    is 7e-15 from mpmath) and 1.3e-12 at a = 1000, Q ~ 1e-69 (minigrad 8e-14), so values
    down to 1e-100 here, at rtol 2e-12 (scipy's error); the far tails are checked against
    mpmath below. The old series / fraction was 5% off at a = 1e6, x = a,
    and 84% at a = 1e8."""
    sc = pytest.importorskip("scipy.special")
    a, x = _large_a_grid()
    f, ref_f = (mg.igammac, sc.gammaincc) if upper else (mg.igamma, sc.gammainc)
    out = f(_t(a), _t(x)).detach().numpy()
    ref = ref_f(a, x)
    keep = ref > 1e-100
    assert keep.sum() > 350
    np.testing.assert_allclose(out[keep], ref[keep], rtol=2e-12, atol=0)
    tiny = ref < 1e-290  # both (sub)normal roundings of ~0
    assert tiny.sum() > 50 and (out[tiny] < 1e-280).all()


def test_igamma_large_a_matches_mpmath_in_the_tails():
    """Exact values (50 digits): the expansion keeps ~1e-13 even where P or Q ~ 1e-140,
    about ulp times the exponent a eta^2 / 2 ~ 300 (the conditioning of exp there)."""
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 50
    for a, r in ((150.0, 0.8), (1000.0, 0.595), (1000.0, 1.932), (3162.2776601683795, 1.516),
                 (5623.413251903491, 1.2599210498948732), (1000.0, 1.6624757922855755),
                 (2.5e4, 0.99), (1e5, 1.004)):
        x = a * r
        upper = r > 1
        ref = float(mp.gammainc(a, x, mp.inf, regularized=True) if upper
                    else mp.gammainc(a, 0, x, regularized=True))
        out = (mg.igammac if upper else mg.igamma)(_t([a]), _t([x])).detach().numpy()[0]
        assert abs(out - ref) <= 2e-13 * ref, (a, r, out, ref)


@pytest.mark.parametrize("upper", [False, True])
def test_igamma_large_a_matches_torch_values_and_gradients(upper):
    """torch (Cephes' 25-term Temme series) is itself ~4e-12 from scipy / mpmath at a >= 1e5
    (and 2e-9 at a ~ 30..1e4), so rtol 1e-10 at a in [1e5, 1e8] near x ~ a. The x-gradient
    is the Gamma density exp((a - 1) log x - x - lgamma(a)), whose exponent (~1e9 at a = 1e8)
    carries ~a ulp of rounding in both: rtol 1e-6."""
    torch = pytest.importorskip("torch")
    a = np.repeat(np.logspace(5, 8, 7), 9)
    x = a * (1.0 + np.tile(np.linspace(-4, 4, 9), 7) / np.sqrt(a))  # +-4 standard deviations
    f = mg.igammac if upper else mg.igamma
    tf = torch.special.gammaincc if upper else torch.special.gammainc
    X = _t(x, True)
    out = f(_t(a), X)
    g = RNG.standard_normal(x.shape)
    (out * _t(g)).sum().backward()
    tx = torch.tensor(x, requires_grad=True)
    ref = tf(torch.tensor(a), tx)
    (ref * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(_np(out), _np(ref), rtol=1e-10, atol=0)
    np.testing.assert_allclose(X.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=0)


def test_igamma_large_a_float32_and_gamma_cdf():
    torch = pytest.importorskip("torch")
    a = np.array([1e6, 1e6, 3e7], dtype=np.float32)
    x = np.array([1e6 - 500, 1e6 + 1000, 3e7], dtype=np.float32)
    out = mg.igamma(mg.tensor(a), mg.tensor(x))
    assert out.dtype == mg.float32
    ref = torch.special.gammainc(torch.tensor(a, dtype=torch.float64),
                                 torch.tensor(x, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(out.numpy(), ref, rtol=2e-6)  # float32 rounding of the result
    conc, rate = np.array([2e6, 5e5]), np.array([2.0, 0.5])
    value = conc / rate * np.array([[0.999], [1.0005]])
    cdf = mg.distributions.Gamma(_t(conc), _t(rate)).cdf(_t(value)).detach().numpy()
    tcdf = torch.distributions.Gamma(torch.tensor(conc), torch.tensor(rate)).cdf(
        torch.tensor(value)).numpy()
    np.testing.assert_allclose(cdf, tcdf, rtol=1e-10)
    assert 0.05 < cdf.min() and cdf.max() < 0.95  # the bulk, where the old code was 1-5% off
