"""InstanceNorm1d/2d/3d, F.instance_norm, BatchNorm3d and LocalResponseNorm: PyTorch agreement
(forward, input and parameter gradients, running statistics, eval), gradcheck in float64,
float32 end to end, and errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

from ._torch_compare import compare_with_torch, copy_torch_weights

SHAPES = {1: (3, 4, 5), 2: (2, 4, 3, 5), 3: (2, 4, 3, 2, 3)}


def _layers(dim: int):
    return {1: nn.InstanceNorm1d, 2: nn.InstanceNorm2d, 3: nn.InstanceNorm3d}[dim]


@pytest.mark.parametrize("dim", [1, 2, 3])
@pytest.mark.parametrize("affine,bias", [(False, True), (True, True), (True, False)])
@pytest.mark.parametrize("track", [False, True])
def test_instance_norm_matches_torch_in_training(dim, affine, bias, track):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(dim).standard_normal(SHAPES[dim]) * 2 + 1
    layer = _layers(dim)(4, affine=affine, track_running_stats=track, bias=bias, momentum=0.3)
    twin = getattr(torch.nn, f"InstanceNorm{dim}d")(4, affine=affine, track_running_stats=track,
                                                    bias=bias, momentum=0.3)
    if affine:  # non-trivial weights, copied over by state_dict
        with torch.no_grad():
            twin.weight.uniform_(0.5, 1.5)
            if twin.bias is not None:
                twin.bias.uniform_(-1, 1)
    compare_with_torch(layer, twin, x)
    if track:  # the running statistics were updated the same way (a second call too)
        layer(mg.tensor(x * 0.5))
        twin(torch.tensor(x * 0.5))
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            np.testing.assert_allclose(getattr(layer, name).numpy(),
                                       getattr(twin, name).numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_instance_norm_eval_uses_running_stats_when_tracking(dim):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(10 + dim)
    layer = _layers(dim)(4, affine=True, track_running_stats=True)
    twin = getattr(torch.nn, f"InstanceNorm{dim}d")(4, affine=True, track_running_stats=True)
    twin.double()
    with torch.no_grad():
        twin.running_mean.uniform_(-1, 1)
        twin.running_var.uniform_(0.5, 2)
        twin.weight.uniform_(0.5, 1.5)
    layer.eval()
    twin.eval()
    compare_with_torch(layer, twin, rng.standard_normal(SHAPES[dim]))
    # and without tracking, eval still normalises with the input's statistics
    plain, plain_twin = _layers(dim)(4).eval(), getattr(torch.nn, f"InstanceNorm{dim}d")(4).eval()
    x = rng.standard_normal(SHAPES[dim])
    np.testing.assert_allclose(plain(mg.tensor(x)).numpy(),
                               plain_twin(torch.tensor(x)).numpy(), rtol=1e-10, atol=1e-12)


def test_instance_norm_momentum_none_keeps_running_stats():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 6))
    layer = nn.InstanceNorm1d(3, momentum=None, track_running_stats=True).double()
    twin = torch.nn.InstanceNorm1d(3, momentum=None, track_running_stats=True).double()
    compare_with_torch(layer, twin, x)
    np.testing.assert_array_equal(layer.running_mean.numpy(), twin.running_mean.numpy())
    np.testing.assert_array_equal(layer.running_var.numpy(), np.ones(3))


@pytest.mark.parametrize("dim", [1, 2])
def test_instance_norm_unbatched_input(dim):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal(SHAPES[dim][1:])
    compare_with_torch(_layers(dim)(4, affine=True, track_running_stats=True),
                       getattr(torch.nn, f"InstanceNorm{dim}d")(4, affine=True,
                                                                track_running_stats=True), x)


@pytest.mark.parametrize("use_input_stats", [True, False])
def test_functional_instance_norm_matches_torch(use_input_stats):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4, 5, 2))
    w, b = rng.uniform(0.5, 1.5, 4), rng.standard_normal(4)
    rm, rv = rng.standard_normal(4), rng.uniform(0.5, 2, 4)
    xs = [mg.tensor(a, requires_grad=True) for a in (x, w, b)]
    ts = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    mg_rm, mg_rv, t_rm, t_rv = mg.tensor(rm), mg.tensor(rv), torch.tensor(rm), torch.tensor(rv)
    out = F.instance_norm(xs[0], mg_rm, mg_rv, xs[1], xs[2], use_input_stats, 0.2, 1e-3)
    ref = torch.nn.functional.instance_norm(ts[0], t_rm, t_rv, ts[1], ts[2], use_input_stats,
                                            0.2, 1e-3)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    g = rng.standard_normal(x.shape)
    out.backward(mg.tensor(g))
    ref.backward(torch.tensor(g))
    for a, t in zip(xs, ts):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(mg_rm.numpy(), t_rm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(mg_rv.numpy(), t_rv.numpy(), rtol=1e-12)


@pytest.mark.parametrize("use_input_stats", [True, False])
def test_instance_norm_gradcheck_and_gradgradcheck(use_input_stats):
    rng = np.random.default_rng(3)
    x = mg.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    w = mg.tensor(rng.uniform(0.5, 1.5, 3), requires_grad=True)
    b = mg.tensor(rng.standard_normal(3), requires_grad=True)
    rm, rv = mg.tensor(rng.standard_normal(3)), mg.tensor(rng.uniform(0.5, 2, 3))

    def fn(x, w, b):
        return F.instance_norm(x, rm.clone(), rv.clone(), w, b, use_input_stats)
    assert mg.gradcheck(fn, (x, w, b))
    assert mg.gradgradcheck(fn, (x, w, b))
    # non-contiguous input
    xt = mg.tensor(rng.standard_normal((4, 3, 2)), requires_grad=True)
    assert mg.gradcheck(lambda x: F.instance_norm(x.transpose(0, 2)), (xt,))
    layer = nn.InstanceNorm2d(3, affine=True).double()
    assert mg.gradcheck_module(layer, mg.tensor(rng.standard_normal((2, 3, 2, 3)),
                                                requires_grad=True))


def test_instance_norm_float32_stays_float32():
    layer = nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
    x = mg.randn(2, 3, 4, 4, requires_grad=True)
    out = layer(x)
    out.sum().backward()
    assert out.dtype == mg.float32 and x.grad.dtype == mg.float32
    assert layer.weight.grad.dtype == mg.float32 and layer.running_var.dtype == mg.float32
    layer.eval()
    assert layer(x).dtype == mg.float32


def test_instance_norm_repr_state_dict_and_defaults():
    torch = pytest.importorskip("torch")
    for ours, theirs in ((nn.InstanceNorm1d(3), torch.nn.InstanceNorm1d(3)),
                         (nn.InstanceNorm3d(5, affine=True, bias=False, track_running_stats=True),
                          torch.nn.InstanceNorm3d(5, affine=True, bias=False,
                                                  track_running_stats=True)),
                         (nn.BatchNorm3d(4, momentum=None), torch.nn.BatchNorm3d(4, momentum=None)),
                         (nn.LocalResponseNorm(3, 0.5, 0.2, 2.0),
                          torch.nn.LocalResponseNorm(3, 0.5, 0.2, 2.0))):
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        if list(theirs.state_dict()):
            copy_torch_weights(ours, theirs)


def test_instance_norm_errors_and_warnings():
    with pytest.raises(ValueError, match=r"InstanceNorm1d: expected 2D or 3D input \(got 4D"):
        nn.InstanceNorm1d(3)(mg.randn(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"InstanceNorm2d: expected input's size at dim=1 to "
                                         r"match num_features \(4\), but got: 3"):
        nn.InstanceNorm2d(4, affine=True)(mg.randn(2, 3, 4, 5))
    with pytest.warns(UserWarning, match="input's size at dim=0 does not match num_features"):
        nn.InstanceNorm2d(4)(mg.randn(3, 4, 5))
    with pytest.raises(ValueError, match=r"Expected more than 1 spatial element when training, "
                                         r"got input size \(2, 3, 1\)"):
        F.instance_norm(mg.randn(2, 3, 1))
    with pytest.raises(RuntimeError, match="Expected running_mean and running_var to be defined"):
        F.instance_norm(mg.randn(2, 3, 4), use_input_stats=False)
    with pytest.raises(ValueError, match=r"instance_norm: weight has shape \(4,\), but the input "
                                         r"of shape \(2, 3, 4\) has 3 channels"):
        F.instance_norm(mg.randn(2, 3, 4), weight=mg.ones(4))
    with pytest.raises(TypeError, match="instance_norm: expected a floating-point input"):
        F.instance_norm(mg.ones(2, 3, 4, dtype=mg.int64))


# --- BatchNorm3d ---------------------------------------------------------------------------
@pytest.mark.parametrize("affine,bias,track", [(True, True, True), (True, False, True),
                                               (False, True, False)])
def test_batchnorm3d_matches_torch_train_and_eval(affine, bias, track):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 2, 3, 2, 4)) * 3 - 1
    layer = nn.BatchNorm3d(2, affine=affine, bias=bias, track_running_stats=track, momentum=0.4)
    twin = torch.nn.BatchNorm3d(2, affine=affine, bias=bias, track_running_stats=track,
                                momentum=0.4)
    if affine:
        with torch.no_grad():
            twin.weight.uniform_(0.5, 1.5)
    compare_with_torch(layer, twin, x)
    if track:
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            np.testing.assert_allclose(getattr(layer, name).numpy(),
                                       getattr(twin, name).numpy(), rtol=1e-12)
    layer.eval()
    twin.eval()
    compare_with_torch(layer, twin, rng.standard_normal((2, 2, 2, 3, 2)))


def test_batchnorm3d_gradcheck_float32_and_errors():
    rng = np.random.default_rng(5)
    layer = nn.BatchNorm3d(2).double()
    x = mg.tensor(rng.standard_normal((2, 2, 2, 2, 3)), requires_grad=True)
    assert mg.gradcheck_module(layer, x)
    layer32 = nn.BatchNorm3d(2)
    x32 = mg.randn(2, 2, 2, 2, 2, requires_grad=True)
    out = layer32(x32)
    out.sum().backward()
    assert out.dtype == x32.grad.dtype == layer32.weight.grad.dtype == mg.float32
    with pytest.raises(ValueError, match=r"BatchNorm3d: expected a 5-D \(N, C, D, H, W\) input, "
                                         r"got shape \(2, 2, 3, 4\)"):
        layer32(mg.randn(2, 2, 3, 4))
    with pytest.raises(ValueError, match="BatchNorm3d expected 2 channels"):
        layer32(mg.randn(2, 3, 2, 2, 2))


# --- LocalResponseNorm ------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(2, 6, 5), (2, 5, 3, 4), (1, 7, 2, 3, 2)])
@pytest.mark.parametrize("size,alpha,beta,k", [(1, 1e-4, 0.75, 1.0), (2, 0.5, 0.6, 2.0),
                                               (3, 1.0, 1.5, 0.5), (5, 2.0, 0.75, 1.0),
                                               (9, 0.3, 0.4, 1.0)])
def test_local_response_norm_matches_torch(shape, size, alpha, beta, k):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(size).standard_normal(shape) * 2
    compare_with_torch(nn.LocalResponseNorm(size, alpha, beta, k),
                       torch.nn.LocalResponseNorm(size, alpha, beta, k), x)
    ref = torch.nn.functional.local_response_norm(torch.tensor(x), size, alpha, beta, k)
    np.testing.assert_allclose(F.local_response_norm(mg.tensor(x), size, alpha, beta, k).numpy(),
                               ref.numpy(), rtol=1e-12, atol=1e-14)


def test_local_response_norm_gradcheck_gradgradcheck_float32_and_errors():
    x = mg.tensor(np.random.default_rng(6).standard_normal((2, 5, 3)), requires_grad=True)
    assert mg.gradcheck(lambda x: F.local_response_norm(x, 3, 0.5, 0.8, 1.5), (x,))
    assert mg.gradgradcheck(lambda x: F.local_response_norm(x, 2, 0.5, 0.8, 1.5), (x,))
    x32 = mg.randn(2, 4, 3, 3, requires_grad=True)
    out = nn.LocalResponseNorm(3, alpha=np.float64(0.5), beta=np.float64(0.7))(x32)
    out.sum().backward()
    assert out.dtype == x32.grad.dtype == mg.float32
    with pytest.raises(ValueError, match=r"local_response_norm: Expected 3D or higher "
                                         r"dimensionality input \(got 2 dimensions"):
        F.local_response_norm(mg.randn(3, 4), 2)
    with pytest.raises(ValueError, match="LocalResponseNorm: size must be a positive int"):
        nn.LocalResponseNorm(0)
    empty = mg.randn(0, 3, 4)
    assert F.local_response_norm(empty, 2) is empty
