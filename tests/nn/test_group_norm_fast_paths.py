"""Norm fast paths: GroupNorm on (N * G, C / G * S) group rows, with per-channel
weight and bias along whole samples (and folded into the row factor when a group is one
channel, as instance norm), under NumPy's ufunc buffer shortened to a row (``_long_rows``).
Checked against PyTorch in float64 and float32 for group rows shorter than 16 values, not a
multiple of 16, and longer than NumPy's buffer; gradcheck / gradgradcheck in float64."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.ops.layer_norm import _long_rows

# (shape, groups): group rows of 2048 (the benchmark's), 3 and 100 (short: buffer kept), 600
# (buffer 592, not a whole row), 9000 (longer than NumPy's 8192-value buffer), one group, one
# channel per group.
GROUP_CASES = [((4, 16, 16, 16), 2), ((3, 6, 3), 6), ((2, 8, 5, 5), 2), ((2, 6, 200), 2),
               ((2, 6, 3000), 2), ((2, 6, 4, 4), 1), ((2, 6, 4, 4), 6)]


def _run(fw, x, g, w, b, groups, make):
    ts = [None if v is None else make(v) for v in (x, w, b)]
    if ts[1] is None and ts[2] is not None and not isinstance(ts[2], mg.Tensor):
        # PyTorch's group_norm fails a bias without a weight in backward: add it by hand
        shape = (1, -1) + (1,) * (len(x.shape) - 2)
        out = fw.group_norm(ts[0], groups) + ts[2].reshape(shape)
    else:
        out = fw.group_norm(ts[0], groups, ts[1], ts[2])
    out.backward(make(g, grad=False))
    return out, ts


@pytest.mark.parametrize("shape, groups", GROUP_CASES)
@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
def test_group_norm_matches_torch_float64(shape, groups, affine):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    x, g = rng.standard_normal(shape) * 3 + 2, rng.standard_normal(shape)
    w, b = rng.uniform(0.5, 1.5, shape[1]), rng.standard_normal(shape[1])
    w, b = (w if affine in ("both", "weight") else None), (b if affine in ("both", "bias") else None)
    out, ours = _run(F, x, g, w, b, groups,
                     lambda v, grad=True: mg.tensor(v, requires_grad=grad))
    ref, theirs = _run(torch.nn.functional, x, g, w, b, groups,
                       lambda v, grad=True: torch.tensor(v, requires_grad=grad))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-10)
    for a, t in zip(ours, theirs):
        assert (a is None) == (t is None)
        if a is not None:
            np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("shape, groups", GROUP_CASES)
def test_group_norm_float32_matches_torch_and_stays_float32(shape, groups):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(12)
    x = (rng.standard_normal(shape) * 3 + 2).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    w = rng.uniform(0.5, 1.5, shape[1]).astype(np.float32)
    b = rng.standard_normal(shape[1]).astype(np.float32)
    out, ours = _run(F, x, g, w, b, groups, lambda v, grad=True: mg.tensor(v, requires_grad=grad))
    ref, theirs = _run(torch.nn.functional, x, g, w, b, groups,
                       lambda v, grad=True: torch.tensor(v, requires_grad=grad))
    assert out.dtype == mg.float32 and all(t.grad.dtype == mg.float32 for t in ours)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-4, atol=1e-4)
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_group_norm_non_contiguous_input_and_gradient_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(13)
    x = (rng.standard_normal((3, 5, 5, 8)) * 2 + 1).transpose(0, 3, 1, 2)  # channels-last view
    g = rng.standard_normal((3, 5, 5, 8)).transpose(0, 3, 1, 2)
    w, b = rng.uniform(0.5, 1.5, 8), rng.standard_normal(8)
    out, ours = _run(F, x, g, w, b, 4, lambda v, grad=True: mg.tensor(v, requires_grad=grad))
    ref, theirs = _run(torch.nn.functional, x, g, w, b, 4,
                       lambda v, grad=True: torch.tensor(v, requires_grad=grad))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-10)
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("groups, affine", [(2, True), (2, False), (4, True)])
def test_group_norm_gradcheck_and_gradgradcheck(groups, affine):
    x = mg.randn(2, 4, 3, 2, dtype=mg.float64, requires_grad=True)
    params = (mg.randn(4, dtype=mg.float64, requires_grad=True),
              mg.randn(4, dtype=mg.float64, requires_grad=True)) if affine else ()

    def fn(x, *wb):
        return F.group_norm(x, groups, *wb)
    assert mg.gradcheck(fn, (x, *params))
    assert mg.gradgradcheck(fn, (x, *params))


def test_instance_norm_running_stats_match_torch_float32():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(14)
    x = (rng.standard_normal((4, 3, 6, 5)) * 2 + 1).astype(np.float32)
    g = rng.standard_normal((4, 3, 6, 5)).astype(np.float32)
    ours = mg.nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
    theirs = torch.nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor([0.5, 1.0, 2.0]))
        theirs.bias.copy_(torch.tensor([0.1, -0.2, 0.3]))
    with mg.no_grad():
        ours.weight.copy_(mg.tensor(np.array([0.5, 1.0, 2.0], dtype=np.float32)))
        ours.bias.copy_(mg.tensor(np.array([0.1, -0.2, 0.3], dtype=np.float32)))
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = ours(xm), theirs(xt)
    out.backward(mg.tensor(g))
    ref.backward(torch.tensor(g))
    assert out.dtype == xm.grad.dtype == ours.running_var.dtype == mg.float32
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(),
                               rtol=1e-4, atol=1e-4)
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(ours, name).numpy(),
                                   getattr(theirs, name).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_long_rows_shortens_numpy_buffer_and_restores_it():
    before = np.getbufsize()
    with _long_rows(np, 2000):
        assert np.getbufsize() == 2000
    with _long_rows(np, 600):
        assert np.getbufsize() == 592  # a multiple of 16, no longer than a row
    with _long_rows(np, 256):  # short rows keep the buffer (faster for them)
        assert np.getbufsize() == before
    with _long_rows(np, 9000):  # already no longer than a row
        assert np.getbufsize() == before
    with pytest.raises(ZeroDivisionError):
        with _long_rows(np, 2048):
            1 / 0
    assert np.getbufsize() == before
    x = mg.randn(2, 4, 300, dtype=mg.float32, requires_grad=True)
    F.group_norm(x, 2).sum().backward()
    assert np.getbufsize() == before


@pytest.mark.parametrize("size", [600, 1024])  # LayerNorm rows long enough for _long_rows
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-9), (np.float32, 1e-4)])
def test_layer_norm_long_rows_match_torch(size, dtype, tol):
    torch = pytest.importorskip("torch")
    before = np.getbufsize()
    rng = np.random.default_rng(15)
    x = (rng.standard_normal((3, 5, size)) * 3 + 2).astype(dtype)
    g = rng.standard_normal((3, 5, size)).astype(dtype)
    w = rng.uniform(0.5, 1.5, size).astype(dtype)
    b = rng.standard_normal(size).astype(dtype)
    ours = [mg.tensor(v, requires_grad=True) for v in (x, w, b)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (x, w, b)]
    out = F.layer_norm(ours[0], (size,), ours[1], ours[2])
    ref = torch.nn.functional.layer_norm(theirs[0], (size,), theirs[1], theirs[2])
    out.backward(mg.tensor(g))
    ref.backward(torch.tensor(g))
    assert np.getbufsize() == before
    assert out.detach().numpy().dtype == dtype
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=tol, atol=tol)
    for a, t in zip(ours, theirs):
        assert a.grad.numpy().dtype == dtype
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol)
