"""Shorter activation passes, each against PyTorch (bit for bit where the op is
piecewise linear) and float64 gradchecks; float32 kept float32."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

RNG = np.random.default_rng(10)


def _around(value: float, dtype, count: int = 50) -> np.ndarray:
    """``count`` consecutive floats of ``dtype`` on each side of ``value``, value included."""
    below = [dtype(value)]
    above = [dtype(value)]
    for _ in range(count):
        below.append(np.nextafter(below[-1], dtype(-np.inf)))
        above.append(np.nextafter(above[-1], dtype(np.inf)))
    return np.array(below[::-1] + above[1:], dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_hardswish_plain_backward_matches_torch_at_every_float_near_the_kinks(dtype):
    """The plain backward's x/3 + 1/2 with trunc(x/3) = +-1 moving it to exactly 1 at and
    above 3 and 0 at and below -3: PyTorch's gradient bit for bit on the 101 floats around
    each of +-3, at +-inf, 0, -0.0 and over [-5, 5]; a 0-d input too."""
    torch = pytest.importorskip("torch")
    x = np.concatenate([_around(3.0, dtype), _around(-3.0, dtype), RNG.uniform(-5, 5, 2000),
                        [0.0, -0.0, np.inf, -np.inf, 1e30, -1e30]]).astype(dtype)
    g = RNG.standard_normal(x.shape).astype(dtype)
    for values, grads in ((x, g), (x[-3].reshape(()), g[-3].reshape(()))):
        a = mg.tensor(values, requires_grad=True)
        (F.hardswish(a) * mg.tensor(grads)).sum().backward()
        t = torch.tensor(values, requires_grad=True)
        (torch.nn.functional.hardswish(t) * torch.tensor(grads)).sum().backward()
        assert a.grad.dtype == a.dtype
        np.testing.assert_array_equal(a.grad.numpy(), t.grad.numpy())


def test_hardswish_plain_and_graph_backwards_agree_and_gradcheck():
    """The raw-array backward (no graph) against the tensor-op one (create_graph) on the same
    points, the kinks included; float64 gradcheck and gradgradcheck away from the kinks."""
    x = np.concatenate([RNG.uniform(-5, 5, 300), [-3.0, 3.0, 0.0]])
    g = RNG.standard_normal(x.shape)
    a = mg.tensor(x, requires_grad=True)
    (raw,) = mg.autograd.grad((F.hardswish(a) * mg.tensor(g)).sum(), (a,))
    (graph,) = mg.autograd.grad((F.hardswish(a) * mg.tensor(g)).sum(), (a,), create_graph=True)
    np.testing.assert_array_equal(raw.numpy(), graph.detach().numpy())
    smooth = mg.tensor(np.array([-4.0, -2.5, -1.0, 0.3, 2.0, 2.9, 3.5]), requires_grad=True)
    assert mg.gradcheck(F.hardswish, (smooth,))
    assert mg.gradgradcheck(F.hardswish, (smooth,))


# --- GELU: with a slope to keep, the output is x Phi (Phi is needed for the slope anyway) ------
def _gelu_float64(x: np.ndarray) -> np.ndarray:
    """x Phi(x) in float64 from math.erfc, at the float32 inputs."""
    wide = x.astype(np.float64)
    return wide * 0.5 * np.vectorize(math.erfc, otypes=[float])(-wide / math.sqrt(2))


def test_gelu_float32_forward_with_and_without_grad():
    """Under no_grad the forward is max(x, 0) - |x| q; when the input needs a gradient it is
    x Phi. Both within 8 float32 ulp of the float64 value for x >= -3 (the bar of
    test_activation_fast_paths' dense-grid test), within an ulp of each other everywhere,
    float32 kept; the slope the second one keeps is the first test file's subject."""
    x = np.concatenate([np.linspace(-16, 12, 100_001), RNG.standard_normal(20_000)])
    x = x.astype(np.float32)
    with mg.no_grad():
        plain = F.gelu(mg.tensor(x)).numpy()
    a = mg.tensor(x, requires_grad=True)
    kept = F.gelu(a)
    assert kept.dtype == mg.float32 and plain.dtype == np.float32
    kept = kept.detach().numpy()
    want = _gelu_float64(x)
    normal = (np.abs(want) > 1e-37) & (x >= -3)
    for got in (plain, kept):
        ulps = np.abs(got.astype(np.float64) - want) / np.spacing(np.abs(want).astype(np.float32))
        assert ulps[normal].max() <= 8
    both = np.abs(plain) > 1e-37
    apart = np.abs(plain.astype(np.float64) - kept) / np.spacing(np.abs(plain))
    assert apart[both].max() <= 1
    np.testing.assert_array_equal(plain[~both], kept[~both])


def test_gelu_tail_continued_fraction_is_the_fitted_ratio():
    """The float32 GELU evaluates the fitted tail ratio P/Q as a continued fraction (fewer
    passes): in float64 it is P/Q to rounding over [0, 16], where the forward uses it; in
    float32 within 2.5e-7 relative (Horner's rule on P and Q: 3.7e-7), float32 kept."""
    from minigrad.ops.activation import _TAIL_P, _TAIL_Q, _tail_ratio
    v = np.linspace(0.0, 16.0, 20_001)
    polyval = np.polynomial.polynomial.polyval
    want = polyval(v, _TAIL_P) / polyval(v, _TAIL_Q)
    np.testing.assert_allclose(_tail_ratio(v.copy(), np), want, rtol=1e-14)
    narrow = _tail_ratio(v.astype(np.float32), np)
    assert narrow.dtype == np.float32
    assert np.max(np.abs(narrow - want) / want) <= 2.5e-7


# --- softmax / log_softmax: sums along the last dim as matrix-vector products -----------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_and_log_softmax_last_dim_sums_are_accurate_on_long_rows(dtype):
    """Row sums along the last dim go through BLAS: on rows of 100k values both ops stay
    within float32/float64 rounding of a longdouble reference (relative 2e-6 in float32,
    where NumPy's sum down dim 0 of the transposed input is 1e-4 off); dtype kept; a
    transposed (non-contiguous) input gives the contiguous one's values."""
    x = (RNG.standard_normal((3, 100_000)) * 3).astype(dtype)
    wide = x.astype(np.longdouble)
    e = np.exp(wide - wide.max(axis=1, keepdims=True))
    want = e / e.sum(axis=1, keepdims=True)
    tol = 2e-6 if dtype == np.float32 else 1e-13
    for got, ref in ((F.softmax(mg.tensor(x), dim=-1), want),
                     (F.log_softmax(mg.tensor(x), dim=1), np.log(want))):
        assert got.dtype == mg.tensor(x).dtype
        got = got.numpy().astype(np.longdouble)
        assert np.max(np.abs(got - ref) / (np.abs(ref) + (ref == 0))) <= tol
    t = mg.tensor(np.ascontiguousarray(x[:, :50].T)).T  # non-contiguous, last dim
    contiguous = F.softmax(mg.tensor(x[:, :50]), dim=-1).numpy()
    np.testing.assert_allclose(F.softmax(t, dim=-1).numpy(), contiguous, rtol=tol)


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_last_dim_backward_with_a_broadcast_gradient_matches_torch(op):
    """loss = op(x).sum() hands the backward a broadcast (stride 0) gradient, and the row dots
    / sums along the last dim then run on it: float32 gradient as PyTorch's, kept float32."""
    torch = pytest.importorskip("torch")
    x = (RNG.standard_normal((4, 6, 7)) * 3).astype(np.float32)
    a = mg.tensor(x, requires_grad=True)
    (getattr(F, op)(a, dim=-1) * 2.0).sum().backward()
    t = torch.tensor(x, requires_grad=True)
    (getattr(torch.nn.functional, op)(t, dim=-1) * 2.0).sum().backward()
    assert a.grad.dtype == mg.float32
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-6)
