"""The fused LayerNorm / GroupNorm ops (minigrad/ops/layer_norm.py) on the paths the op harness
does not reach: float32 at realistic sizes against PyTorch, a large offset against a float64
reference, gradients wanted for only some inputs, non-contiguous inputs, instance norm (group
norm with one channel per group) with and without running statistics."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

CASES = {  # name: (minigrad call, torch call, x shape, weight/bias shape)
    "layer_norm": (lambda x, w, b: F.layer_norm(x, tuple(x.shape[-2:]), w, b),
                   lambda t, x, w, b: t.nn.functional.layer_norm(x, tuple(x.shape[-2:]), w, b),
                   (6, 5, 16, 8), (16, 8)),
    "group_norm": (lambda x, w, b: F.group_norm(x, 4, w, b),
                   lambda t, x, w, b: t.nn.functional.group_norm(x, 4, w, b),
                   (5, 12, 7, 6), (12,)),
    "instance_norm": (lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
                      lambda t, x, w, b: t.nn.functional.instance_norm(x, weight=w, bias=b),
                      (4, 6, 9, 5), (6,)),
}


def _values(x_shape, p_shape, offset=0.0, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(x_shape) * 2 + offset, rng.uniform(0.5, 1.5, p_shape),
            rng.standard_normal(p_shape), rng.standard_normal(x_shape))


def _run_mg(fn, x, w, b, g, dtype, need=(True, True, True)):
    ts = [None if v is None else mg.tensor(v, dtype=dtype, requires_grad=r)
          for v, r in zip((x, w, b), need)]
    out = fn(*ts)
    out.backward(mg.tensor(g, dtype=dtype))
    return out, ts


@pytest.mark.parametrize("name", list(CASES))
def test_float32_matches_torch_and_stays_float32(name):
    torch = pytest.importorskip("torch")
    fn, tfn, x_shape, p_shape = CASES[name]
    x, w, b, g = _values(x_shape, p_shape)
    out, ts = _run_mg(fn, x, w, b, g, mg.float32)
    tts = [torch.tensor(v, dtype=torch.float32, requires_grad=True) for v in (x, w, b)]
    ref = tfn(torch, *tts)
    ref.backward(torch.tensor(g, dtype=torch.float32))
    assert out.dtype == mg.float32
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-4, atol=1e-5)
    for a, t in zip(ts, tts):
        assert a.grad.dtype == mg.float32
        scale = np.abs(t.grad.numpy()).max()
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-5 * scale)


@pytest.mark.parametrize("name", list(CASES))
def test_float32_keeps_precision_with_a_large_offset(name):
    """Mean 1000, standard deviation 2: centring before the variance and the gradient sums
    keeps float32 close to the float64 result."""
    fn, _, x_shape, p_shape = CASES[name]
    x, w, b, g = _values(x_shape, p_shape, offset=1000.0, seed=1)
    out32, ts32 = _run_mg(fn, x, w, b, g, mg.float32)
    out64, ts64 = _run_mg(fn, x, w, b, g, mg.float64)
    np.testing.assert_allclose(out32.detach().numpy(), out64.detach().numpy(), rtol=0, atol=1e-3)
    for a, ref in zip(ts32, ts64):
        scale = np.abs(ref.grad.numpy()).max()
        np.testing.assert_allclose(a.grad.numpy(), ref.grad.numpy(), rtol=0, atol=1e-3 * scale)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("need", [(True, False, False), (False, True, True), (False, True, False),
                                  (False, False, True)], ids=["x", "w+b", "w", "b"])
def test_gradients_for_some_inputs_only_match_torch(name, need):
    torch = pytest.importorskip("torch")
    fn, tfn, x_shape, p_shape = CASES[name]
    x, w, b, g = _values(x_shape, p_shape, seed=2)
    _, ts = _run_mg(fn, x, w, b, g, mg.float64, need)
    tts = [torch.tensor(v, dtype=torch.float64, requires_grad=r) for v, r in zip((x, w, b), need)]
    tfn(torch, *tts).backward(torch.tensor(g))
    for a, t, r in zip(ts, tts, need):
        if r:
            np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)
        else:
            assert a.grad is None


@pytest.mark.parametrize("name", list(CASES))
def test_no_affine_and_non_contiguous_input_gradcheck(name):
    fn, _, x_shape, _ = CASES[name]
    rng = np.random.default_rng(3)
    # a small non-contiguous input: x's first two dims swapped after creation
    small = tuple(max(2, s // 3) for s in x_shape)
    small = (small[0], 4) + small[2:] if name == "group_norm" else small
    xt = mg.tensor(rng.standard_normal((small[1], small[0]) + small[2:]), requires_grad=True)
    assert mg.gradcheck(lambda x: fn(x.transpose(0, 1), None, None), (xt,))
    assert mg.gradgradcheck(lambda x: fn(x.transpose(0, 1), None, None), (xt,))


def test_instance_norm_running_statistics_float32_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    layer = mg.nn.InstanceNorm2d(5, affine=True, track_running_stats=True, momentum=0.2)
    twin = torch.nn.InstanceNorm2d(5, affine=True, track_running_stats=True, momentum=0.2)
    for _ in range(2):
        x = rng.standard_normal((3, 5, 6, 4)).astype(np.float32) * 3 + 2
        out = layer(mg.tensor(x))
        ref = twin(torch.tensor(x))
        np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-4,
                                   atol=1e-5)
    for name in ("running_mean", "running_var"):
        assert getattr(layer, name).dtype == mg.float32
        np.testing.assert_allclose(getattr(layer, name).numpy(),
                                   getattr(twin, name).numpy(), rtol=1e-5, atol=1e-6)


def test_mismatched_parameter_dtype_raises_like_torch():
    x = mg.randn(2, 3, 4)
    with pytest.raises(RuntimeError, match="instance_norm: expected weight of the input's dtype"):
        F.instance_norm(x, weight=mg.ones(3, dtype=mg.float64))
    with pytest.raises(RuntimeError, match="group_norm: expected bias of the input's dtype"):
        F.group_norm(x, 3, bias=mg.zeros(3, dtype=mg.float64))
