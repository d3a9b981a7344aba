"""The hand-written CUDA kernels (minigrad/cuda_kernels.py) against the plain CuPy code they
replace: the same results, on a GPU only (skipped elsewhere).

Max pooling adds in the same order in both versions, so its results must be identical; the
Adam kernel does the same float operations in the same order, compiled without fused
multiply-adds, so it may differ from the plain version only by the rounding of sqrt/division.
"""
from __future__ import annotations

import contextlib

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.backend import get_backend

if not mg.cuda.is_available():
    pytest.skip("no CUDA device (CuPy and a GPU are needed)", allow_module_level=True)


@contextlib.contextmanager
def kernels(enabled: bool):
    backend = get_backend("cuda")
    saved = backend.use_kernels
    backend.use_kernels = enabled
    try:
        yield
    finally:
        backend.use_kernels = saved


def test_the_kernels_are_there() -> None:
    backend = get_backend("cuda")
    with kernels(True):
        for name in ("adam_update", "relu_forward", "max_pool_forward", "max_pool_backward",
                     "cross_entropy_forward", "cross_entropy_backward"):
            assert backend.kernel(name) is not None, name
    with kernels(False):
        assert backend.kernel("adam_update") is None


POOLS = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=1),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), dilation=(2, 1)),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=2, stride=2, ceil_mode=True),
]


def _pool_input(shape, dtype, layout, special: bool) -> np.ndarray:
    rng = np.random.default_rng(sum(shape))
    # Small integers make ties, which must go to the first maximum in both versions.
    x = rng.integers(-3, 4, size=shape).astype(dtype)
    if special:
        x.flat[::7] = np.inf
        x.flat[3::11] = -np.inf
        x.flat[5::13] = np.nan
    return x


def _pool_run(x_np, kwargs, layout, enabled):
    with kernels(enabled):
        x = mg.tensor(x_np, device="cuda")
        if layout == "channels_last":  # the memory order a convolution's output has
            x = mg.tensor(np.ascontiguousarray(x_np.transpose(0, 2, 3, 1)),
                          device="cuda").permute(0, 3, 1, 2)
        x.requires_grad_(True)
        out, idx = F.max_pool2d(x, return_indices=True, **kwargs)
        seed = mg.tensor(np.random.default_rng(1).standard_normal(out.shape).astype(x_np.dtype),
                         device="cuda")
        out.backward(seed)
        return out.detach().cpu().numpy(), idx.cpu().numpy(), x.grad.cpu().numpy()


@pytest.mark.parametrize("kwargs", POOLS, ids=str)
@pytest.mark.parametrize("layout", ["contiguous", "channels_last"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_pool_kernel_equals_the_plain_version(kwargs, layout, dtype) -> None:
    x_np = _pool_input((3, 4, 9, 8), dtype, layout, special=False)
    fused, plain = _pool_run(x_np, kwargs, layout, True), _pool_run(x_np, kwargs, layout, False)
    for a, b, what in zip(fused, plain, ("output", "indices", "input gradient")):
        np.testing.assert_array_equal(a, b, err_msg=what)


@pytest.mark.parametrize("kwargs", POOLS[:2], ids=str)
def test_max_pool_kernel_with_inf_and_nan(kwargs) -> None:
    x_np = _pool_input((2, 3, 8, 7), np.float32, "contiguous", special=True)
    fused = _pool_run(x_np, kwargs, "contiguous", True)
    plain = _pool_run(x_np, kwargs, "contiguous", False)
    for a, b, what in zip(fused, plain, ("output", "indices", "input gradient")):
        np.testing.assert_array_equal(a, b, err_msg=what)


def test_max_pool_kernel_gradchecks() -> None:
    rng = np.random.default_rng(0)
    with kernels(True):
        x = mg.tensor(rng.standard_normal((2, 3, 7, 6)), dtype=mg.float64, device="cuda",
                      requires_grad=True)
        assert mg.gradcheck(lambda t: F.max_pool2d(t, 3, stride=2, padding=1), (x,))


def _adam_run(dtype, enabled, **options):
    rng = np.random.default_rng(0)
    shapes = [(32, 1, 3, 3), (32,), (128, 800), (10,)]
    with kernels(enabled):
        params = [mg.tensor(rng.standard_normal(s).astype(dtype), device="cuda",
                            requires_grad=True) for s in shapes]
        opt_class = options.pop("opt", mg.optim.Adam)
        opt = opt_class(params, lr=1e-2, **options)
        for step in range(10):
            for p in params:
                p.grad = mg.tensor(rng.standard_normal(p.shape).astype(dtype), device="cuda")
            opt.step()
        return [p.detach().cpu().numpy() for p in params], \
            [opt.state[p]["exp_avg_sq"].cpu().numpy() for p in params]


@pytest.mark.parametrize("options", [
    {}, {"betas": (0.6, 0.99)}, {"weight_decay": 0.1}, {"maximize": True},
    {"opt": mg.optim.AdamW, "weight_decay": 0.05}], ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_kernel_equals_the_plain_version(options, dtype) -> None:
    rtol = 1e-6 if dtype == np.float32 else 1e-14
    fused = _adam_run(dtype, True, **dict(options))
    plain = _adam_run(dtype, False, **dict(options))
    for a, b in zip(fused[0] + fused[1], plain[0] + plain[1]):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=rtol, atol=0)


@pytest.mark.parametrize("layout", ["contiguous", "channels_last", "strided"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_kernel_equals_the_plain_version(layout, dtype) -> None:
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((3, 4, 5, 6)).astype(dtype)
    x_np.flat[::9] = 0.0
    x_np.flat[1::17] = np.nan
    results = []
    for enabled in (True, False):
        with kernels(enabled):
            x = mg.tensor(x_np, device="cuda")
            if layout == "channels_last":
                x = mg.tensor(np.ascontiguousarray(x_np.transpose(0, 2, 3, 1)),
                              device="cuda").permute(0, 3, 1, 2)
            elif layout == "strided":
                x = mg.tensor(np.concatenate([x_np, x_np], axis=3), device="cuda")[..., ::2]
            x.requires_grad_(True)
            y = x.relu()
            y.backward(mg.ones_like(y))
            # the output keeps the input's memory order (channels-last stays channels-last)
            order = np.argsort(y.array.strides)[::-1].tolist()
            results.append((y.detach().cpu().numpy(), x.grad.cpu().numpy(), order))
    (y1, g1, o1), (y2, g2, o2) = results
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(g1, g2)
    if layout != "strided":
        assert o1 == o2


def _cross_entropy_run(x_np, t_np, enabled, **kwargs):
    with kernels(enabled):
        x = mg.tensor(x_np, device="cuda", requires_grad=True)
        t = mg.tensor(t_np, device="cuda")
        loss = F.cross_entropy(x, t, **kwargs)
        loss.backward()
        return loss.item(), x.grad.cpu().numpy()


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_kernel_equals_the_plain_version(reduction, dtype) -> None:
    rng = np.random.default_rng(0)
    x_np = (rng.standard_normal((64, 10)) * 4).astype(dtype)
    t_np = rng.integers(0, 10, 64)
    t_np[::7] = -100  # ignored rows
    rtol = 1e-6 if dtype == np.float32 else 1e-13  # only the order of the row sums may differ
    (l1, g1), (l2, g2) = (_cross_entropy_run(x_np, t_np, on, reduction=reduction)
                          for on in (True, False))
    np.testing.assert_allclose(l1, l2, rtol=rtol)
    np.testing.assert_allclose(g1, g2, rtol=rtol, atol=rtol * np.abs(g2).max())
    assert np.all(g1[::7] == 0)


def test_cross_entropy_kernel_checks_the_targets_and_ignores_all() -> None:
    x_np = np.zeros((4, 3), dtype=np.float32)
    for bad in (3, -1):
        with kernels(True), pytest.raises(ValueError, match=f"target {bad} is out of bounds"):
            F.cross_entropy(mg.tensor(x_np, device="cuda"),
                            mg.tensor(np.array([0, bad, 1, 2]), device="cuda"))
    with kernels(True):  # every target ignored: 0/0 = NaN, as in PyTorch
        loss = F.cross_entropy(mg.tensor(x_np, device="cuda"),
                               mg.tensor(np.full(4, -100), device="cuda"))
        assert np.isnan(loss.item())


def test_cross_entropy_kernel_double_backward() -> None:
    rng = np.random.default_rng(1)
    x = mg.tensor(rng.standard_normal((5, 4)), dtype=mg.float64, device="cuda",
                  requires_grad=True)
    t = mg.tensor(np.array([0, 3, -100, 1, 2]), device="cuda")
    with kernels(True):
        assert mg.gradcheck(lambda s: F.cross_entropy(s, t), (x,))
        assert mg.gradgradcheck(lambda s: F.cross_entropy(s, t), (x,))
