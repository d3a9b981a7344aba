"""MaxPool2d, AvgPool2d, AdaptiveAvgPool2d and their functional forms: gradients (gradcheck
and gradgradcheck in float64, overlapping and padded windows), PyTorch parity, ties, memory
layouts, float32 discipline and errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from minigrad.ops.pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d


def _distinct(shape: tuple, seed: int = 0) -> np.ndarray:
    """Shuffled values 0.1 apart: no ties, so max pooling is differentiable everywhere."""
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n) * 0.1 - 0.05 * n).reshape(shape)


def _channels_last(values: np.ndarray) -> mg.Tensor:
    """NCHW values stored (N, H, W, C) on the default device, as a convolution's output is."""
    stored = np.ascontiguousarray(values.transpose(0, 2, 3, 1))
    return mg.tensor(stored).permute(0, 3, 1, 2).detach()


# kwargs, input shape: tiling, overlapping, padded, dilated, rectangular, ceil_mode windows
MAX_CASES = [
    (dict(kernel_size=2), (2, 2, 6, 4)),
    (dict(kernel_size=2), (1, 2, 7, 5)),  # odd sizes: the last row/column is dropped
    (dict(kernel_size=3, stride=2, padding=1), (2, 2, 7, 6)),
    (dict(kernel_size=3, stride=1), (1, 2, 5, 5)),
    (dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), dilation=(2, 1)), (1, 2, 8, 5)),
    (dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), (1, 2, 8, 6)),
]
AVG_CASES = [
    (dict(kernel_size=2), (2, 2, 6, 4)),
    (dict(kernel_size=3, stride=2, padding=1), (2, 2, 7, 6)),
    (dict(kernel_size=3, stride=2, padding=1, count_include_pad=False), (1, 2, 7, 6)),
    (dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 0)), (1, 2, 5, 6)),
    (dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), (1, 2, 8, 6)),
    (dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
     (1, 2, 8, 6)),
    (dict(kernel_size=2, stride=1, divisor_override=3), (1, 2, 4, 4)),
]
ADAPTIVE_CASES = [((2, 3), (2, 2, 6, 6)), ((3, 4), (1, 2, 7, 6)), (1, (2, 3, 5, 4)),
                  ((None, 2), (1, 2, 3, 5)), ((5, 7), (1, 1, 3, 4))]


def _ids(cases):
    return [f"{kw}-{shape}" for kw, shape in cases]


# --- gradients ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,shape", MAX_CASES, ids=_ids(MAX_CASES))
def test_max_pool_gradcheck(kwargs, shape):
    x = mg.tensor(_distinct(shape), requires_grad=True)
    assert mg.gradcheck(lambda x: max_pool2d(x, **kwargs), (x,))
    assert mg.gradgradcheck(lambda x: max_pool2d(x, **kwargs) ** 2, (x,))


@pytest.mark.parametrize("kwargs,shape", AVG_CASES, ids=_ids(AVG_CASES))
def test_avg_pool_gradcheck(kwargs, shape):
    x = mg.tensor(_distinct(shape), requires_grad=True)
    assert mg.gradcheck(lambda x: avg_pool2d(x, **kwargs), (x,))
    assert mg.gradgradcheck(lambda x: avg_pool2d(x, **kwargs) ** 2, (x,))


@pytest.mark.parametrize("size,shape", ADAPTIVE_CASES, ids=_ids(ADAPTIVE_CASES))
def test_adaptive_avg_pool_gradcheck(size, shape):
    x = mg.tensor(_distinct(shape), requires_grad=True)
    assert mg.gradcheck(lambda x: adaptive_avg_pool2d(x, size), (x,))
    assert mg.gradgradcheck(lambda x: adaptive_avg_pool2d(x, size) ** 2, (x,))


def test_double_backward_of_max_pool_is_a_gather():
    """d/dg of <probe, scatter(g)> is the probe read at each window's winner."""
    values = _distinct((1, 1, 4, 6))
    x = mg.tensor(values, requires_grad=True)
    g = mg.tensor(_distinct((1, 1, 2, 3), seed=1), requires_grad=True)
    (gx,) = mg.autograd.grad([max_pool2d(x, 2)], [x], [g], create_graph=True)
    probe = _distinct((1, 1, 4, 6), seed=2)
    (gg,) = mg.autograd.grad([(gx * mg.tensor(probe)).sum()], [g])
    windows = values.reshape(2, 2, 3, 2).transpose(0, 2, 1, 3).reshape(2, 3, 4)
    probes = probe.reshape(2, 2, 3, 2).transpose(0, 2, 1, 3).reshape(2, 3, 4)
    winner = windows.argmax(axis=2)
    expected = np.take_along_axis(probes, winner[..., None], axis=2)[..., 0]
    np.testing.assert_array_equal(gg.numpy()[0, 0], expected)


# --- PyTorch parity ------------------------------------------------------------------------------
def _compare(torch, ours_fn, theirs_fn, x, layout="nchw"):
    xm = _channels_last(x).requires_grad_() if layout == "channels_last" else \
        mg.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    out, ref = ours_fn(xm), theirs_fn(xt)
    assert tuple(out.shape) == tuple(ref.shape)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12,
                               atol=1e-12)
    seed = np.random.default_rng(7).standard_normal(tuple(ref.shape))
    out.backward(mg.tensor(seed))
    ref.backward(torch.tensor(seed))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("layout", ["nchw", "channels_last"])
@pytest.mark.parametrize("kwargs,shape", MAX_CASES, ids=_ids(MAX_CASES))
def test_max_pool_matches_torch(kwargs, shape, layout):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal(shape)
    _compare(torch, MaxPool2d(**kwargs), torch.nn.MaxPool2d(**kwargs), x, layout)


@pytest.mark.parametrize("layout", ["nchw", "channels_last"])
@pytest.mark.parametrize("kwargs,shape", AVG_CASES, ids=_ids(AVG_CASES))
def test_avg_pool_matches_torch(kwargs, shape, layout):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal(shape)
    _compare(torch, AvgPool2d(**kwargs), torch.nn.AvgPool2d(**kwargs), x, layout)


@pytest.mark.parametrize("layout", ["nchw", "channels_last"])
@pytest.mark.parametrize("size,shape", ADAPTIVE_CASES, ids=_ids(ADAPTIVE_CASES))
def test_adaptive_avg_pool_matches_torch(size, shape, layout):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).standard_normal(shape)
    _compare(torch, AdaptiveAvgPool2d(size), torch.nn.AdaptiveAvgPool2d(size), x, layout)


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2,
                                                                padding=1)])
def test_ties_send_the_gradient_to_the_first_maximum_like_torch(kwargs):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(4).integers(0, 2, (2, 3, 6, 6)).astype(np.float64)  # many ties
    _compare(torch, MaxPool2d(**kwargs), torch.nn.MaxPool2d(**kwargs), x)
    _compare(torch, MaxPool2d(**kwargs), torch.nn.MaxPool2d(**kwargs), x, "channels_last")


def test_return_indices_match_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(5).standard_normal((2, 3, 9, 7))
    for kwargs in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, dilation=1),
                   dict(kernel_size=(2, 3), stride=(1, 2), dilation=(2, 1))):
        values, indices = max_pool2d(mg.tensor(x), return_indices=True, **kwargs)
        ref_values, ref_indices = torch.nn.functional.max_pool2d(torch.tensor(x),
                                                                 return_indices=True, **kwargs)
        assert indices.dtype == mg.int64
        np.testing.assert_array_equal(indices.numpy(), ref_indices.numpy())
        np.testing.assert_array_equal(values.numpy(), ref_values.numpy())


# --- shapes, dtypes, devices ---------------------------------------------------------------------
def test_stride_defaults_to_kernel_size_and_repr():
    pool = MaxPool2d(3)
    assert pool.stride == 3
    assert pool(mg.randn(1, 1, 9, 9)).shape == (1, 1, 3, 3)
    assert repr(pool) == "MaxPool2d(kernel_size=3, stride=3, padding=0, dilation=1, " \
                         "ceil_mode=False)"
    assert repr(AvgPool2d(2, 1)) == "AvgPool2d(kernel_size=2, stride=1, padding=0)"
    assert repr(AdaptiveAvgPool2d((2, 3))) == "AdaptiveAvgPool2d(output_size=(2, 3))"


def test_max_pool_padding_is_minus_infinity():
    """An all-negative input: zero padding would win every border window; -inf never does."""
    x = -1.0 - mg.rand(1, 1, 4, 4, dtype=mg.float64)
    out = max_pool2d(x, 3, stride=1, padding=1)
    assert (out.numpy() < 0).all()
    assert out.numpy()[0, 0, 0, 0] == x.numpy()[0, 0, :2, :2].max()


def test_unbatched_input():
    x = mg.randn(2, 6, 6)
    assert max_pool2d(x, 2).shape == (2, 3, 3)
    np.testing.assert_array_equal(avg_pool2d(x, 2).numpy(), avg_pool2d(x[None], 2).numpy()[0])
    assert AdaptiveAvgPool2d(1)(x).shape == (2, 1, 1)
    values, indices = max_pool2d(x, 2, return_indices=True)
    assert values.shape == indices.shape == (2, 3, 3)


@pytest.mark.parametrize("pool", [MaxPool2d(2), MaxPool2d(3, 2, 1), AvgPool2d(3, 2, 1),
                                  AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
                                  AdaptiveAvgPool2d((3, 2)), AdaptiveAvgPool2d(1)],
                         ids=repr)
def test_float32_stays_float32(pool):
    x = mg.randn(2, 3, 8, 7, requires_grad=True)
    y = pool(x)
    assert y.dtype == mg.float32
    (y * y).sum().backward()
    assert x.grad.dtype == mg.float32
    (gx,) = mg.autograd.grad([(pool(x) ** 2).sum()], [x], create_graph=True)
    assert gx.dtype == mg.float32


def test_runs_on_a_strict_device():
    strict_backend = pytest.importorskip("strict_backend")
    strict_backend.register()
    x = mg.randn(2, 3, 7, 6, device="strict", requires_grad=True)
    y = (max_pool2d(x, 3, 2, 1).sum() + avg_pool2d(x, 3, 2, 1, count_include_pad=False).sum()
         + adaptive_avg_pool2d(x, (3, 4)).sum() + max_pool2d(x, 2, return_indices=True)[0].sum())
    (gx,) = mg.autograd.grad([y * y], [x], create_graph=True)
    gx.sum().backward()
    assert x.grad.device == "strict"


# --- errors ---------------------------------------------------------------------------------------
def test_padding_larger_than_half_the_kernel():
    with pytest.raises(ValueError, match=r"MaxPool2d: padding should be at most half"):
        MaxPool2d(2, padding=2)(mg.randn(1, 1, 6, 6))
    with pytest.raises(ValueError, match=r"avg_pool2d: padding should be at most half"):
        avg_pool2d(mg.randn(1, 1, 6, 6), 3, padding=2)


def test_kernel_larger_than_the_input():
    with pytest.raises(ValueError, match=r"MaxPool2d: input of shape \(1, 1, 2, 2\) is too small"):
        MaxPool2d(3)(mg.randn(1, 1, 2, 2))
    with pytest.raises(ValueError, match=r"AvgPool2d: input of shape .* too small"):
        AvgPool2d((1, 4))(mg.randn(1, 1, 5, 3))


@pytest.mark.parametrize("shape", [(4, 4), (1, 1, 1, 4, 4)])
def test_wrong_input_rank(shape):
    for pool, name in ((MaxPool2d(2), "MaxPool2d"), (AvgPool2d(2), "AvgPool2d"),
                       (AdaptiveAvgPool2d(1), "AdaptiveAvgPool2d")):
        with pytest.raises(ValueError, match=f"{name}: expected a 3-D .* or 4-D .* got shape"):
            pool(mg.randn(*shape))


def test_bad_arguments():
    with pytest.raises(ValueError, match="stride must be positive"):
        max_pool2d(mg.randn(1, 1, 4, 4), 2, stride=0)
    with pytest.raises(TypeError, match="kernel_size must be an int or a pair"):
        avg_pool2d(mg.randn(1, 1, 4, 4), (2, 2, 2))
    with pytest.raises(ValueError, match="divisor_override must be a positive int"):
        avg_pool2d(mg.randn(1, 1, 4, 4), 2, divisor_override=0)
    with pytest.raises(ValueError, match="output_size must be positive"):
        adaptive_avg_pool2d(mg.randn(1, 1, 4, 4), (0, 2))
    with pytest.raises(TypeError, match="floating-point input"):
        max_pool2d(mg.tensor(np.ones((1, 1, 4, 4), dtype=np.int64)), 2)


@pytest.mark.parametrize("layout", ["nchw", "channels_last"])
def test_max_pool_nan_wins_its_window_last_one_first(layout):
    """A window holding NaN pools to NaN, and its index and gradient go to its last NaN (in
    row-major window order), as PyTorch's running max keeps any value that is greater or NaN.
    Before, the index stayed on the number that led when the first NaN came."""
    nan = np.nan
    values = np.array([[[[1.0, nan, 5.0, 2.0],
                         [nan, 2.0, 3.0, nan],
                         [0.5, 0.25, 7.0, 1.0],
                         [4.0, nan, 6.0, 8.0]]]])
    x = _channels_last(values) if layout == "channels_last" else mg.tensor(values)
    x.requires_grad_()
    out, index = max_pool2d(x, 2, return_indices=True)
    out.sum().backward()
    np.testing.assert_array_equal(out.detach().numpy(), [[[[nan, nan], [nan, 8.0]]]])
    np.testing.assert_array_equal(index.numpy(), [[[[4, 7], [13, 15]]]])
    want = np.zeros((4, 4))
    want.reshape(-1)[[4, 7, 13, 15]] = 1.0
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], want)


def test_max_pool_nan_matches_torch_on_random_windows():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    for trial in range(60):
        a = rng.standard_normal((2, 3, 7, 8))
        a[rng.random(a.shape) < 0.15] = np.nan
        k, s = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        p, d = int(rng.integers(0, k // 2 + 1)), int(rng.integers(1, 3))
        x, t = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        out, index = max_pool2d(x, k, s, p, d, return_indices=True)
        want, want_index = torch.nn.functional.max_pool2d(t, k, s, p, d, return_indices=True)
        g = rng.standard_normal(want.shape)
        out.backward(mg.tensor(g))
        want.backward(torch.tensor(g))
        np.testing.assert_array_equal(index.numpy(), want_index.numpy(), err_msg=str(trial))
        # (overlapping windows add gradients in another order than PyTorch)
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-15,
                                   err_msg=str(trial))
