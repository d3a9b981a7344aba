"""nn.init.orthogonal_, trunc_normal_, eye_, dirac_: the defining properties (orthogonality,
the truncated normal's distribution, identity maps), in place, seeded, dtype kept."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.nn import init


# --- orthogonal_ ----------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (6, 2, 3), (2, 3, 2, 2), (1, 7)])
@pytest.mark.parametrize("gain", [1.0, 0.5])
def test_orthogonal_is_orthogonal(shape, gain):
    w = init.orthogonal_(mg.empty(*shape, dtype=mg.float64), gain=gain)
    flat = w.numpy().reshape(shape[0], -1)
    rows, cols = flat.shape
    gram = flat.T @ flat if rows >= cols else flat @ flat.T  # the orthonormal side
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(rows, cols)), atol=1e-13)


def test_orthogonal_keeps_float32_the_object_and_is_seeded():
    a = mg.empty(6, 4)
    assert init.orthogonal_(a) is a and a.dtype == mg.float32
    flat = a.numpy()
    np.testing.assert_allclose(flat.T @ flat, np.eye(4), atol=1e-6)
    mg.manual_seed(7)
    b = init.orthogonal_(mg.empty(6, 4)).numpy()
    mg.manual_seed(7)
    np.testing.assert_array_equal(init.orthogonal_(mg.empty(6, 4)).numpy(), b)


def test_orthogonal_applies_the_sign_fix_so_the_matrix_is_haar_distributed():
    """Householder QR alone makes q[0, 0] = -|a00| / |a0| <= 0 always; with the sign of R's
    diagonal folded in, q[0, 0] is symmetric about 0, as it is for a uniform orthogonal matrix."""
    draws = 400
    first = np.array([init.orthogonal_(mg.empty(4, 3, dtype=mg.float64)).numpy()[0, 0]
                      for _ in range(draws)])
    positive = (first > 0).mean()
    assert abs(positive - 0.5) < 4 * math.sqrt(0.25 / draws)
    # E[q00] = 0 and E[q00^2] = 1/4 for a Haar-random 4x4 (a 4x3 block of it)
    assert abs(first.mean()) < 4 * math.sqrt(0.25 / draws)


def test_orthogonal_on_a_parameter_keeps_it_a_leaf_that_requires_grad():
    layer = nn.Linear(3, 5)
    init.orthogonal_(layer.weight)
    assert layer.weight.requires_grad and layer.weight.is_leaf and layer.weight.grad_fn is None
    w = layer.weight.detach().numpy()
    np.testing.assert_allclose(w.T @ w, np.eye(3), atol=1e-6)


def test_orthogonal_rejects_vectors():
    with pytest.raises(ValueError, match=r"orthogonal_: only tensors with 2 or more dimensions .*"
                                         r"shape \(4,\)"):
        init.orthogonal_(mg.empty(4))
    with pytest.raises(TypeError, match="orthogonal_: expected a Tensor"):
        init.orthogonal_(np.zeros((2, 2)))


# --- trunc_normal_ --------------------------------------------------------------------------

def _phi(x):
    return math.exp(-x * x / 2) / math.sqrt(2 * math.pi) if math.isfinite(x) else 0.0


def _upper_tail(x):
    return 0.5 * math.erfc(x / math.sqrt(2))


def _truncated_cdf(x, alpha, beta):
    """P(Z <= x | alpha <= Z <= beta), from upper tails (accurate far out on the right)."""
    return (_upper_tail(alpha) - _upper_tail(x)) / (_upper_tail(alpha) - _upper_tail(beta))


# Each interval picks another proposal: the normal itself, a uniform (narrow intervals,
# near 0 or far out), an exponential (right tail) and the mirrored exponential (left tail).
INTERVALS = [(0.0, 1.0, -2.0, 2.0), (1.0, 0.5, 0.0, 1.2), (0.0, 1.0, 2.5, 10.0),
             (0.0, 1.0, 3.0, 3.1), (0.0, 2.0, -0.2, 0.4), (0.5, 1.0, -9.5, -2.5),
             (0.0, 1.0, -1.0, math.inf)]
N = 100_000


@pytest.mark.parametrize("mean, std, a, b", INTERVALS)
def test_trunc_normal_follows_the_truncated_distribution(mean, std, a, b):
    x = init.trunc_normal_(mg.empty(N, dtype=mg.float64), mean, std, a, b).numpy()
    assert x.min() >= a and x.max() <= b
    alpha, beta = (a - mean) / std, (b - mean) / std
    if beta < 0:  # mirror left tails so the formulas below stay accurate
        x, mean, alpha, beta = 2 * mean - x, mean, -beta, -alpha
    z = np.sort((x - mean) / std)
    # Kolmogorov-Smirnov against the exact CDF, at the 0.1% level for this sample size
    cdf = np.array([_truncated_cdf(v, alpha, beta) for v in z])
    ks = max(np.max(np.arange(1, N + 1) / N - cdf), np.max(cdf - np.arange(N) / N))
    assert ks < 1.9495 / math.sqrt(N), ks
    # the truncated normal's mean and variance, within 5 standard errors
    mass = _upper_tail(alpha) - _upper_tail(beta)
    shift = (_phi(alpha) - _phi(beta)) / mass
    bphi = beta * _phi(beta) if math.isfinite(beta) else 0.0
    var = 1 + (alpha * _phi(alpha) - bphi) / mass - shift ** 2
    assert abs(z.mean() - shift) < 5 * math.sqrt(var / N)
    dev2 = (z - z.mean()) ** 2
    assert abs(dev2.mean() - var) < 5 * dev2.std() / math.sqrt(N)


def test_trunc_normal_defaults_are_pytorchs_and_float32_stays_in_bounds():
    w = mg.empty(300, 200)
    assert init.trunc_normal_(w, std=0.02) is w and w.dtype == mg.float32
    v = w.numpy()
    assert v.min() >= -2.0 and v.max() <= 2.0  # the bounds are values, not std units
    assert abs(v.std() - 0.02) < 0.001
    u = init.trunc_normal_(mg.empty(50_000)).numpy()
    assert u.dtype == np.float32 and u.min() >= -2 and u.max() <= 2 and u.min() < -1.99
    # a bound that is not representable in float32 still holds after rounding
    t = init.trunc_normal_(mg.empty(50_000), a=0.1, b=0.1000001, mean=0.1, std=1.0).numpy()
    assert t.min() >= np.float32(0.1) and t.max() <= np.float32(0.1000001)


def test_trunc_normal_is_seeded_and_works_on_parameters():
    mg.manual_seed(3)
    a = init.trunc_normal_(nn.Parameter(mg.empty(4, 5))).detach().numpy().copy()
    mg.manual_seed(3)
    p = nn.Parameter(mg.empty(4, 5))
    init.trunc_normal_(p)
    np.testing.assert_array_equal(p.detach().numpy(), a)
    assert p.requires_grad and p.is_leaf


@pytest.mark.parametrize("kwargs, match", [
    (dict(a=1.0, b=1.0), "expected a < b"), (dict(a=2.0, b=-2.0), "expected a < b"),
    (dict(std=0.0), "std must be positive"), (dict(std=-1.0), "std must be positive"),
    (dict(a=50.0, b=60.0), "probability is 0")])
def test_trunc_normal_rejects_impossible_intervals(kwargs, match):
    with pytest.raises(ValueError, match=f"trunc_normal_: .*{match}"):
        init.trunc_normal_(mg.empty(3), **kwargs)


# --- eye_ and dirac_ ------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4)])
def test_eye_matches_torch(shape):
    torch = pytest.importorskip("torch")
    w = init.eye_(mg.empty(*shape))
    assert w.dtype == mg.float32
    np.testing.assert_array_equal(w.numpy(), torch.nn.init.eye_(torch.empty(*shape)).numpy())


def test_eye_makes_a_square_linear_layer_the_identity():
    layer = nn.Linear(4, 4, bias=False)
    init.eye_(layer.weight)
    x = mg.randn(3, 4)
    np.testing.assert_array_equal(layer(x).detach().numpy(), x.numpy())
    with pytest.raises(ValueError, match=r"eye_: only tensors with 2 dimensions .*\(2, 2, 2\)"):
        init.eye_(mg.empty(2, 2, 2))


@pytest.mark.parametrize("shape, groups", [((4, 2, 3), 1), ((2, 4, 3), 1), ((6, 3, 3, 3), 1),
                                           ((6, 3, 3, 3), 2), ((4, 4, 2, 2), 1),
                                           ((2, 4, 3, 3, 3), 1), ((6, 2, 1, 3, 5), 3)])
def test_dirac_matches_torch(shape, groups):
    torch = pytest.importorskip("torch")
    w = init.dirac_(mg.randn(*shape), groups=groups)
    assert w.dtype == mg.float32
    ref = torch.nn.init.dirac_(torch.randn(*shape), groups=groups)
    np.testing.assert_array_equal(w.numpy(), ref.numpy())


def test_dirac_makes_a_convolution_the_identity():
    conv = nn.Conv2d(3, 3, 3, padding=1, bias=False)
    init.dirac_(conv.weight)
    x = mg.randn(2, 3, 5, 6)
    np.testing.assert_allclose(conv(x).detach().numpy(), x.numpy(), rtol=0, atol=0)
    w = mg.empty(6, 2, 3, 3)
    init.dirac_(w, groups=3)  # grouped: each group of 2 output channels copies its 2 inputs
    y = F.conv2d(mg.randn(1, 6, 4, 4), w, padding=1, groups=3)
    assert y.shape == (1, 6, 4, 4)


@pytest.mark.parametrize("shape, groups, error, match", [
    ((3, 3), 1, ValueError, r"only tensors with 3, 4, or 5 dimensions .*\(3, 3\)"),
    ((5, 2, 3), 2, ValueError, r"dim 0 \(size 5\) must be divisible by groups=2"),
    ((4, 2, 3), 0, ValueError, "groups must be a positive integer")])
def test_dirac_rejects_bad_shapes(shape, groups, error, match):
    with pytest.raises(error, match=f"dirac_: {match}"):
        init.dirac_(mg.empty(*shape), groups=groups)


@pytest.mark.parametrize("fn, args", [(init.orthogonal_, ()), (init.trunc_normal_, ()),
                                      (init.eye_, ()), (init.dirac_, ())])
def test_initialisers_write_in_place_and_bump_the_version(fn, args):
    """A graph that saved the tensor before it was re-initialised must refuse to backward."""
    shape = (3, 3, 3) if fn is init.dirac_ else (3, 3)
    w = mg.randn(*shape, requires_grad=True)
    loss = (w * w).sum()
    fn(w, *args)  # works with grad mode on: the initialisers write under no_grad themselves
    assert w.requires_grad and w.is_leaf
    with pytest.raises(RuntimeError):
        loss.backward()


@pytest.mark.parametrize("fill", [nn.init.orthogonal_, nn.init.trunc_normal_], ids=lambda f: f.__name__)
def test_random_fills_refuse_integer_tensors(fill) -> None:
    """Random reals cannot land in an int64 tensor: PyTorch refuses, NumPy raised a casting error
    (trunc_normal_) or copy_ truncated them to zeros silently (orthogonal_)."""
    with pytest.raises(TypeError, match=rf"init.{fill.__name__}: expected a floating-point tensor, "
                                        r"got int64 \(shape \(3, 3\)\)"):
        fill(mg.zeros(3, 3, dtype=mg.int64))
