"""The fused Conv2d-ReLU-MaxPool2d(2) op and layer (ops/conv_relu_pool.py,
nn/conv_relu_pool.py) and ``nn.utils.fuse_modules``: the same values and gradients as the
three separate ops (float64 and float32, padding, no bias, odd sizes, memory layouts, ties,
NaN), gradcheck and gradgradcheck, PyTorch parity, the fusion rules, and errors."""
from __future__ import annotations

import threading

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad import blas_threads
from minigrad.gradcheck import gradcheck, gradgradcheck
from minigrad.nn.utils.fusion import FusionError
from minigrad.ops import conv_relu_pool as crp
from minigrad.ops.conv_relu_pool import conv_relu_max_pool2d

# (N, C, H, W), out channels, kernel, padding, bias, input stored channels-last
CASES = [
    ((5, 1, 28, 28), 8, 3, 0, True, False),      # the lesson CNN's first block (images)
    ((6, 4, 13, 13), 5, 3, 0, True, True),       # its second (a conv output as input)
    ((3, 2, 9, 7), 4, 2, 0, False, False),       # odd conv output: last row/column dropped
    ((2, 3, 8, 10), 4, (3, 1), (1, 0), True, True),   # rectangular kernel, padding
    ((1, 2, 6, 6), 3, 5, 2, True, False),        # batch of one, 'same'-like padding
]


def _input(shape: tuple, channels_last: bool, dtype, seed: int = 0) -> np.ndarray:
    values = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    if channels_last:
        return np.ascontiguousarray(values.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    return values


def _parameters(c: int, o: int, kernel, dtype, seed: int = 1) -> tuple:
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((o, c, kh, kw)).astype(dtype) * 0.4,
            rng.standard_normal(o).astype(dtype) * 0.2)


def _run(fused: bool, x: np.ndarray, w: np.ndarray, b: np.ndarray | None, padding,
         grad_seed: int = 2) -> tuple:
    """Output and the gradients of x, w, b for a fixed random output gradient."""
    tx = mg.tensor(x, device="cpu", requires_grad=True)
    tw = mg.tensor(w, device="cpu", requires_grad=True)
    tb = None if b is None else mg.tensor(b, device="cpu", requires_grad=True)
    if fused:
        y = conv_relu_max_pool2d(tx, tw, tb, padding)
    else:
        y = F.max_pool2d(F.relu(F.conv2d(tx, tw, tb, padding=padding)), 2)
    g = np.random.default_rng(grad_seed).standard_normal(y.shape).astype(x.dtype)
    y.backward(mg.tensor(g, device="cpu"))
    grads = [t.grad.numpy() for t in (tx, tw) + (() if tb is None else (tb,))]
    return (y.detach().numpy(), *grads)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape, o, kernel, padding, bias, channels_last", CASES)
def test_equals_the_three_ops(shape, o, kernel, padding, bias, channels_last, dtype):
    x = _input(shape, channels_last, dtype)
    w, b = _parameters(shape[1], o, kernel, dtype)
    fused = _run(True, x, w, b if bias else None, padding)
    plain = _run(False, x, w, b if bias else None, padding)
    assert fused[0].shape == plain[0].shape and fused[0].dtype == plain[0].dtype == dtype
    np.testing.assert_array_equal(fused[0], plain[0])  # the same products, the same max
    np.testing.assert_array_equal(fused[1], plain[1])  # input gradient: the same sums
    tol = 1e-12 if dtype == np.float64 else 2e-5  # weight sums grouped by images here
    for f, p in zip(fused[2:], plain[2:]):
        np.testing.assert_allclose(f, p, rtol=tol, atol=tol * np.abs(p).max())


@pytest.mark.parametrize("threads", [1, 2])
def test_groups_and_threads_do_not_change_the_result(monkeypatch, threads):
    """Several groups per thread, one thread or two: the same output and gradients."""
    x = _input((9, 3, 10, 10), True, np.float64)
    w, b = _parameters(3, 4, 3, np.float64)
    plain = _run(False, x, w, b, 0)
    monkeypatch.setattr(crp, "GROUP_BYTES", 1)  # one image per group
    monkeypatch.setattr(mg.backend.get_backend("cpu"), "threads", threads)
    fused = _run(True, x, w, b, 0)
    for f, p in zip(fused, plain):
        np.testing.assert_allclose(f, p, rtol=1e-12, atol=1e-12)


def test_ties_and_nan_follow_relu_and_max_pool():
    """Ties go to the first maximum of a window (the gradient lands there), negative windows
    get no gradient, and a NaN propagates to the output without a gradient: as through
    relu and max_pool2d."""
    x = np.zeros((1, 1, 5, 5))
    x[0, 0, 0, :2] = 2.0            # window (0, 0): a tie along the top row
    x[0, 0, 0:2, 2:4] = -1.0        # window (0, 1): all negative (the conv is the identity)
    x[0, 0, 3, 2] = np.nan          # window (1, 1): a NaN
    x[0, 0, 2, 0] = x[0, 0, 3, 1] = 3.0   # window (1, 0): a tie across rows
    w, b = np.ones((1, 1, 1, 1)), np.zeros(1)
    fused, plain = _run(True, x, w, b, 0), _run(False, x, w, b, 0)
    np.testing.assert_array_equal(fused[0], plain[0])
    np.testing.assert_array_equal(fused[1], plain[1])
    assert np.isnan(fused[0][0, 0, 1, 1]) and fused[0][0, 0, 0, 1] == 0.0
    g = np.random.default_rng(2).standard_normal((1, 1, 2, 2))
    expected = np.zeros((5, 5))
    expected[0, 0], expected[2, 0] = g[0, 0, 0, 0], g[0, 0, 1, 0]  # the first maxima
    np.testing.assert_array_equal(fused[1][0, 0], expected)


@pytest.mark.parametrize("bias", [True, False])
def test_gradcheck_and_gradgradcheck(bias):
    rng = np.random.default_rng(3)
    # distinct values a clear step apart, so that no max or ReLU kink is within eps
    x = mg.tensor((rng.permutation(2 * 2 * 6 * 5) * 0.05 - 1.2).reshape(2, 2, 6, 5),
                  device="cpu", requires_grad=True)
    w = mg.tensor(np.array([[[[1.0]], [[0.5]]], [[[-0.3]], [[1.0]]], [[[0.7]], [[0.2]]]]),
                  device="cpu", requires_grad=True)
    b = mg.tensor([0.01, -0.02, 0.03], device="cpu", dtype=mg.float64, requires_grad=True)
    args = (x, w, b) if bias else (x, w)

    def fn(*ts):
        return conv_relu_max_pool2d(*ts, padding=0)
    assert gradcheck(fn, args)
    assert gradgradcheck(fn, args)


def test_second_derivatives_equal_the_three_ops():
    """create_graph=True differentiates the separate ops: d/dw of |dL/dx|^2 agrees."""
    x0 = _input((2, 2, 7, 7), True, np.float64)
    w0, b0 = _parameters(2, 3, 3, np.float64)
    results = []
    for fused in (True, False):
        x = mg.tensor(x0, device="cpu", requires_grad=True)
        w = mg.tensor(w0, device="cpu", requires_grad=True)
        b = mg.tensor(b0, device="cpu", requires_grad=True)
        y = conv_relu_max_pool2d(x, w, b) if fused else \
            F.max_pool2d(F.relu(F.conv2d(x, w, b)), 2)
        (gx,) = mg.autograd.grad((y * y).sum(), [x], create_graph=True)
        (gw,) = mg.autograd.grad((gx * gx).sum(), [w])
        results.append(gw.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12, atol=1e-12)
    assert np.abs(results[0]).max() > 0


def test_no_gradient_needed_skips_the_winners():
    x = _input((3, 2, 8, 8), False, np.float32)
    w, b = _parameters(2, 4, 3, np.float32)
    with mg.no_grad():
        y = conv_relu_max_pool2d(mg.tensor(x, device="cpu"), mg.tensor(w, device="cpu"),
                                 mg.tensor(b, device="cpu"))
    assert y.grad_fn is None
    np.testing.assert_array_equal(y.numpy(), _run(False, x, w, b, 0)[0])


def test_only_the_input_needs_a_gradient():
    x = _input((2, 3, 8, 8), True, np.float64)
    w, b = _parameters(3, 4, 3, np.float64)
    tx = mg.tensor(x, device="cpu", requires_grad=True)
    y = conv_relu_max_pool2d(tx, mg.tensor(w, device="cpu"), mg.tensor(b, device="cpu"))
    y.backward(mg.ones_like(y))
    tx2 = mg.tensor(x, device="cpu", requires_grad=True)
    F.max_pool2d(F.relu(F.conv2d(tx2, mg.tensor(w, device="cpu"),
                                 mg.tensor(b, device="cpu"))), 2).sum().backward()
    np.testing.assert_allclose(tx.grad.numpy(), tx2.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_agrees_with_torch():
    torch = pytest.importorskip("torch")
    x = _input((4, 3, 12, 11), False, np.float64)
    w, b = _parameters(3, 6, 3, np.float64)
    out, gx, gw, gb = _run(True, x, w, b, 1)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ty = torch.nn.functional.max_pool2d(torch.relu(torch.nn.functional.conv2d(tx, tw, tb,
                                                                              padding=1)), 2)
    g = np.random.default_rng(2).standard_normal(tuple(ty.shape))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(out, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    for mine, theirs in ((gx, tx), (gw, tw), (gb, tb)):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda x, w: conv_relu_max_pool2d(x[0], w), "4-D"),
    (lambda x, w: conv_relu_max_pool2d(x, w[:, :1]), "input channels"),
    (lambda x, w: conv_relu_max_pool2d(x[:, :, :3, :3], w), "smaller than the 2x2"),
    (lambda x, w: conv_relu_max_pool2d(x, w, mg.zeros(3, device="cpu")), "bias must have shape"),
    (lambda x, w: conv_relu_max_pool2d(x.long(), w), "floating dtype"),
])
def test_errors_name_the_op_and_shapes(call, message):
    x = mg.zeros((2, 2, 6, 6), device="cpu")
    w = mg.zeros((4, 2, 3, 3), device="cpu")
    with pytest.raises((ValueError, TypeError), match=message) as info:
        call(x, w)
    assert "conv_relu_max_pool2d" in str(info.value)


# --- the layer and fuse_modules ----------------------------------------------------------------
# (on the test device: the fused op on the CPU, the three separate ops elsewhere)
def _lesson_cnn() -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(8 * 6 * 6, 10))


def test_fuse_modules_finds_the_blocks_and_keeps_the_parameters():
    mg.manual_seed(0)
    model = _lesson_cnn()
    keys = list(model.state_dict())
    params = list(model.parameters())
    fused = nn.utils.fuse_modules(model, inplace=True)
    assert fused is model
    assert [type(m).__name__ for m in fused] == [
        "ConvReLUMaxPool2d", "Identity", "Identity", "ConvReLUMaxPool2d", "Identity",
        "Identity", "Flatten", "Linear"]
    assert list(fused.state_dict()) == keys
    assert all(p is q for p, q in zip(fused.parameters(), params))
    assert fused[3].padding == (1, 1)


def test_fused_model_trains_like_the_plain_one():
    """Three Adam steps of the plain and the fused model from the same weights and data:
    the same losses and weights (float64, so rounding differences stay tiny)."""
    mg.manual_seed(0)
    plain = _lesson_cnn().double()
    fused = nn.utils.fuse_modules(plain)  # a deep copy: its own parameters
    assert all(p is not q for p, q in zip(plain.parameters(), fused.parameters()))
    x = mg.tensor(np.random.default_rng(0).standard_normal((6, 1, 28, 28)))
    y = mg.tensor(np.random.default_rng(1).integers(0, 10, 6))
    losses = {}
    for name, model in (("plain", plain), ("fused", fused)):
        opt = mg.optim.Adam(model.parameters(), lr=1e-2)
        losses[name] = []
        for _ in range(3):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            losses[name].append(loss.item())
    np.testing.assert_allclose(losses["fused"], losses["plain"], rtol=1e-12)
    assert losses["plain"][2] < losses["plain"][0]
    for p, q in zip(plain.parameters(), fused.parameters()):
        np.testing.assert_allclose(q.detach().numpy(), p.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)


def test_explicit_runs_and_the_other_fusions():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(4 * 3 * 3, 5), nn.BatchNorm1d(5))
    model(mg.randn(4, 2, 8, 8))  # running statistics that are not 0 and 1
    model.eval()
    x = mg.randn(3, 2, 8, 8)
    fused = nn.utils.fuse_modules(model, [["0", "1"], ["5", "6"]])
    assert [type(m).__name__ for m in fused] == [
        "Conv2d", "Identity", "ReLU", "MaxPool2d", "Flatten", "Linear", "Identity"]
    np.testing.assert_allclose(fused(x).detach().numpy(), model(x).detach().numpy(),
                               rtol=1e-5, atol=1e-5)
    single = nn.utils.fuse_modules(_lesson_cnn(), ["3", "4", "5"])  # one run as a flat list
    assert type(single[3]).__name__ == "ConvReLUMaxPool2d" and type(single[0]) is nn.Conv2d


@pytest.mark.parametrize("layers, message", [
    ((nn.Conv2d(2, 4, 3, stride=2), nn.ReLU(), nn.MaxPool2d(2)), "stride 1"),
    ((nn.Conv2d(2, 4, 3, groups=2), nn.ReLU(), nn.MaxPool2d(2)), "groups 1"),
    ((nn.Conv2d(2, 4, 3, padding=1, padding_mode="reflect"), nn.ReLU(), nn.MaxPool2d(2)),
     "padding must be zeros"),
    ((nn.Conv2d(2, 4, 2, padding="same"), nn.ReLU(), nn.MaxPool2d(2)), "both sides"),
    ((nn.Conv2d(2, 4, 3), nn.ReLU(), nn.MaxPool2d(3)), "MaxPool2d\\(2\\)"),
    ((nn.Conv2d(2, 4, 3), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True)), "ceil_mode"),
    ((nn.Conv2d(2, 4, 3), nn.Tanh(), nn.MaxPool2d(2)), "expected \\(Conv2d, ReLU"),
    ((nn.Conv2d(2, 4, 3), type("MyReLU", (nn.ReLU,), {})(), nn.MaxPool2d(2)), "MyReLU"),
])
def test_unsupported_blocks_are_refused_or_left_alone(layers, message):
    with pytest.raises(FusionError, match=message):
        nn.utils.fuse_modules(nn.Sequential(*layers), ["0", "1", "2"])
    untouched = nn.utils.fuse_modules(nn.Sequential(*layers))  # the search skips them
    assert [type(m) for m in untouched] == [type(m) for m in layers]


def test_layers_with_hooks_are_not_fused():
    model = _lesson_cnn()
    model[1].register_forward_hook(lambda module, args, out: None)
    with pytest.raises(FusionError, match="hooks"):
        nn.utils.fuse_modules(model, ["0", "1", "2"])
    fused = nn.utils.fuse_modules(model)
    assert type(fused[0]) is nn.Conv2d and type(fused[3]).__name__ == "ConvReLUMaxPool2d"


def test_unknown_runs_are_refused():
    with pytest.raises(FusionError, match="no fusion for \\(Linear, ReLU\\)"):
        nn.utils.fuse_modules(nn.Sequential(nn.Linear(2, 2), nn.ReLU()), ["0", "1"])
    with pytest.raises(FusionError, match="two or more"):
        nn.utils.fuse_modules(nn.Sequential(nn.Linear(2, 2)), [["0"]])


def test_layer_built_directly_and_its_fallback():
    """ConvReLUMaxPool2d on its own: Conv2d's initialisation and arguments; an unbatched
    input (and any non-cpu device) runs the three separate ops, with the same result."""
    mg.manual_seed(0)
    layer = nn.ConvReLUMaxPool2d(2, 3, 3, padding=1, bias=False)
    assert layer.bias is None and tuple(layer.weight.shape) == (3, 2, 3, 3)
    assert "ConvReLUMaxPool2d(2, 3, kernel_size=(3, 3), padding=(1, 1), bias=False" in repr(layer)
    x = mg.randn(2, 6, 6)
    batched = layer(x.unsqueeze(0)).squeeze(0)
    np.testing.assert_array_equal(layer(x).detach().numpy(), batched.detach().numpy())


def test_blas_switch_is_shared_and_restored():
    """The first caller switches products to one thread, the last restores the count, also
    when callers overlap from several threads."""
    if not blas_threads.available():
        pytest.skip("NumPy's BLAS here is not OpenBLAS: the switch does nothing")
    _, get_threads = blas_threads._openblas()
    before = get_threads()
    inside, release = [], threading.Event()

    def user():
        with blas_threads.single_threaded_blas():
            inside.append(get_threads())
            release.wait(5)
    workers = [threading.Thread(target=user) for _ in range(3)]
    with blas_threads.single_threaded_blas() as applied:
        assert applied and get_threads() == 1
        for t in workers:
            t.start()
        while len(inside) < 3:
            pass
    assert get_threads() == 1  # the workers are still inside
    release.set()
    for t in workers:
        t.join()
    assert inside == [1, 1, 1] and get_threads() == before
