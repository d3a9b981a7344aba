"""BatchNorm1d, BatchNorm2d and F.batch_norm: gradients in training and eval mode (gradcheck
and gradgradcheck in float64), PyTorch parity of outputs, gradients and running statistics
over several steps, buffers, float32 discipline and errors."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn.normalization import BatchNorm1d, BatchNorm2d
from minigrad.ops.normalization import batch_norm

from ._torch_compare import compare_with_torch

SHAPES = [(BatchNorm1d, (5, 3)), (BatchNorm1d, (4, 3, 5)), (BatchNorm2d, (3, 3, 4, 2))]
SHAPE_IDS = ["1d-NC", "1d-NCL", "2d-NCHW"]


def _values(shape: tuple, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape) * 2 + 0.5


def _layer(cls, affine=True, track=True, momentum=0.1) -> mg.nn.Module:
    layer = cls(3, affine=affine, track_running_stats=track, momentum=momentum,
                dtype=mg.float64)
    if affine:  # away from the trivial weight 1, bias 0
        with mg.no_grad():
            layer.weight.copy_(mg.tensor([0.5, -1.5, 2.0], dtype=mg.float64))
            layer.bias.copy_(mg.tensor([0.1, 0.2, -0.3], dtype=mg.float64))
    return layer


# --- gradients ---------------------------------------------------------------------------------
@pytest.mark.parametrize("cls,shape", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_gradcheck_input_weight_bias(cls, shape, training):
    layer = _layer(cls)
    if not training:
        with mg.no_grad():
            layer.running_mean.copy_(mg.tensor([0.3, -0.2, 1.0], dtype=mg.float64))
            layer.running_var.copy_(mg.tensor([0.5, 2.0, 1.5], dtype=mg.float64))
        layer.eval()
    x = mg.tensor(_values(shape), requires_grad=True)
    assert mg.gradcheck_module(layer, (x,))


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_gradgradcheck(training):
    x = mg.tensor(_values((4, 3, 2)), requires_grad=True)
    w = mg.tensor([0.5, -1.5, 2.0], dtype=mg.float64, requires_grad=True)
    b = mg.tensor([0.1, 0.2, -0.3], dtype=mg.float64, requires_grad=True)
    mean, var = np.array([0.3, -0.2, 1.0]), np.array([0.5, 2.0, 1.5])

    def fn(x, w, b):  # fresh buffers each call, so the finite differences see one function
        return batch_norm(x, mg.tensor(mean), mg.tensor(var), w, b, training, 0.1, 1e-5)
    assert mg.gradgradcheck(fn, (x, w, b))


def test_gradcheck_without_affine_and_without_running_stats():
    layer = BatchNorm2d(3, affine=False, track_running_stats=False, dtype=mg.float64).eval()
    x = mg.tensor(_values((2, 3, 3, 2)), requires_grad=True)
    assert mg.gradcheck_module(layer, (x,))


# --- PyTorch parity ------------------------------------------------------------------------------
@pytest.mark.parametrize("cls,shape", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("affine", [True, False])
def test_forward_and_backward_match_torch(cls, shape, affine):
    torch = pytest.importorskip("torch")
    ours, theirs = cls(3, affine=affine), getattr(torch.nn, cls.__name__)(3, affine=affine)
    if affine:
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor([0.5, -1.5, 2.0]))
            theirs.bias.copy_(torch.tensor([0.1, 0.2, -0.3]))
    compare_with_torch(ours, theirs, _values(shape, seed=1), rtol=1e-10, atol=1e-12)
    ours.eval()
    theirs.eval()
    compare_with_torch(ours, theirs, _values(shape, seed=2), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("momentum", [0.1, 0.5, None], ids=["m0.1", "m0.5", "cumulative"])
@pytest.mark.parametrize("cls,shape", SHAPES, ids=SHAPE_IDS)
def test_running_statistics_match_torch_over_several_steps(cls, shape, momentum):
    torch = pytest.importorskip("torch")
    ours = cls(3, momentum=momentum, dtype=mg.float64)
    theirs = getattr(torch.nn, cls.__name__)(3, momentum=momentum).double()
    for step in range(5):
        x = _values(shape, seed=10 + step) * (step + 1)
        out, ref = ours(mg.tensor(x)), theirs(torch.tensor(x))
        np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
    for name, buf in theirs.state_dict().items():
        mine = ours.state_dict()[name]
        assert mine.dtype == (mg.int64 if name == "num_batches_tracked" else mg.float64)
        np.testing.assert_allclose(mine.numpy(), buf.numpy(), rtol=1e-12, atol=1e-14,
                                   err_msg=name)
    assert int(ours.num_batches_tracked.item()) == 5
    ours.eval()
    theirs.eval()
    x = _values(shape, seed=99)
    np.testing.assert_allclose(ours(mg.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12)


def test_without_tracking_eval_uses_batch_statistics_like_torch():
    torch = pytest.importorskip("torch")
    ours = BatchNorm2d(3, track_running_stats=False, dtype=mg.float64).eval()
    theirs = torch.nn.BatchNorm2d(3, track_running_stats=False).double().eval()
    x = _values((2, 3, 2, 2))
    np.testing.assert_allclose(ours(mg.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12)
    assert ours.running_mean is None and list(ours.state_dict()) == ["weight", "bias"]


def test_functional_matches_torch():
    torch = pytest.importorskip("torch")
    x = _values((4, 3, 5))
    w, b = np.array([1.5, -0.5, 2.0]), np.array([0.0, 1.0, -1.0])
    for training in (True, False):
        rm, rv = mg.tensor([0.1, 0.2, 0.3], dtype=mg.float64), mg.tensor([1.0, 2.0, 0.5],
                                                                          dtype=mg.float64)
        trm, trv = torch.tensor(rm.numpy()), torch.tensor(rv.numpy())
        xm = mg.tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        out = batch_norm(xm, rm, rv, mg.tensor(w), mg.tensor(b), training, 0.3, 1e-3)
        ref = torch.nn.functional.batch_norm(xt, trm, trv, torch.tensor(w), torch.tensor(b),
                                             training, 0.3, 1e-3)
        np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(rm.numpy(), trm.numpy(), rtol=1e-12)
        np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-12)
        out.sum().backward()
        ref.sum().backward()
        np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), atol=1e-12)


def test_channels_last_input_gives_the_same_results():
    """A convolution's output (channels-last memory) normalises like a contiguous copy."""
    values = _values((2, 3, 4, 5))
    stored = mg.tensor(np.ascontiguousarray(values.transpose(0, 2, 3, 1)))
    x = stored.permute(0, 3, 1, 2).detach().requires_grad_()
    assert not x.array.flags.c_contiguous
    ref = mg.tensor(values, requires_grad=True)
    layer = _layer(BatchNorm2d)
    out = layer(x)
    out_ref = layer(ref)
    np.testing.assert_allclose(out.detach().numpy(), out_ref.detach().numpy(), rtol=1e-12)
    seed = mg.tensor(_values((2, 3, 4, 5), seed=3))
    out.backward(seed)
    out_ref.backward(seed)
    np.testing.assert_allclose(x.grad.numpy(), ref.grad.numpy(), rtol=1e-10, atol=1e-12)


def _channels_last(values: np.ndarray) -> mg.Tensor:
    """A tensor of ``values`` whose memory is channels-last, like a convolution's output."""
    order = (0,) + tuple(range(2, values.ndim)) + (1,)
    stored = mg.tensor(np.ascontiguousarray(values.transpose(order)))
    return stored.permute(*np.argsort(order))


def _strided(values: np.ndarray) -> mg.Tensor:
    """The same values in a layout with no row view: every other element of a wider array."""
    wide = np.zeros(values.shape[:-1] + (2 * values.shape[-1],))
    wide[..., ::2] = values
    return mg.tensor(wide)[..., ::2]


LAYOUTS = {"contiguous": mg.tensor, "channels_last": _channels_last, "strided": _strided}


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (4, 3, 6)], ids=["NCHW", "NCL"])
@pytest.mark.parametrize("x_layout,grad_layout", [
    ("channels_last", "channels_last"), ("channels_last", "contiguous"),
    ("contiguous", "channels_last"), ("strided", "contiguous"), ("contiguous", "strided")])
def test_every_memory_layout_of_input_and_gradient_agrees(training, shape, x_layout, grad_layout):
    """Per-channel work runs along rows in the input's memory order: channels repeating along
    a row (channels-last), in runs (contiguous), or after a copy (other layouts); a gradient
    laid out differently is copied into the input's order. All must give what a contiguous
    input and gradient give."""
    from minigrad.ops.normalization import _ChannelRows
    x = LAYOUTS[x_layout](_values(shape)).detach().requires_grad_()
    grad = LAYOUTS[grad_layout](_values(shape, seed=3))
    expected_last = x_layout == "channels_last" and len(shape) == 4
    assert _ChannelRows(x.array, np).channels_last == expected_last
    ref = mg.tensor(_values(shape), requires_grad=True)
    results = []
    for inp, g in ((x, grad), (ref, mg.tensor(_values(shape, seed=3)))):
        layer = _layer(BatchNorm2d if len(shape) == 4 else BatchNorm1d)
        if not training:
            layer(mg.tensor(_values(shape, seed=7)))  # running statistics away from 0 and 1
            layer.eval()
        out = layer(inp)
        out.backward(g)
        results.append((out.detach().numpy(), inp.grad.numpy(), layer.weight.grad.numpy(),
                        layer.bias.grad.numpy(), layer.running_mean.numpy(),
                        layer.running_var.numpy()))
    for mine, theirs in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)


def test_spread_and_fold_place_each_channel_where_it_sits():
    """Channel c's value must land on exactly the elements of channel c, in both layouts."""
    from minigrad.ops.normalization import _ChannelRows
    shape = (2, 3, 4, 5)
    channel = np.broadcast_to(np.arange(3.0).reshape(1, 3, 1, 1), shape)

    def channels_last(a):  # host arrays: the helper works on whatever arrays it is given
        return np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    for make in (np.ascontiguousarray, channels_last):
        layout = _ChannelRows(make(_values(shape)), np)
        channel_at = _ChannelRows(make(channel), np).rows[0]  # each row position's channel
        row = layout.spread(np.array([10.0, 20.0, 30.0]))
        np.testing.assert_array_equal(row, 10.0 * (channel_at + 1))
        values = np.arange(60.0)
        np.testing.assert_array_equal(layout.fold(values),
                                      [values[channel_at == c].sum() for c in range(3)])


def test_large_input_split_over_threads_agrees(monkeypatch):
    """Above parallel_for's threshold the passes and partial sums are split over threads;
    three threads must give what one gives (whatever this machine has)."""
    from minigrad.backend import get_backend
    shape = (40, 3, 48, 48)  # 276,480 values: above the threshold
    seed = _values(shape, seed=3)
    results = []
    for threads in (3, 1):
        monkeypatch.setattr(get_backend("cpu"), "threads", threads)
        for layout in (_channels_last, mg.tensor):
            x = layout(_values(shape)).to("cpu").detach().requires_grad_()
            layer = _layer(BatchNorm2d).to("cpu")
            out = layer(x)
            out.backward(layout(seed).to("cpu"))
            results.append((out.detach().numpy(), x.grad.numpy(), layer.weight.grad.numpy(),
                            layer.running_var.numpy()))
    for other in results[1:]:
        for mine, theirs in zip(results[0], other):
            np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)


def test_gradcheck_channels_last():
    layer = _layer(BatchNorm2d)
    x = _channels_last(_values((3, 3, 2, 4))).detach().requires_grad_()
    assert mg.gradcheck_module(layer, (x,))


def test_float32_with_a_large_offset_keeps_its_precision():
    """Per-channel statistics and gradients are computed from the centred values, so a large
    common offset (mean 1000, spread 1) costs no accuracy in float32: compared with float64."""
    values = 1000.0 + _values((8, 3, 5, 5))
    seed = _values((8, 3, 5, 5), seed=4)
    grads = []
    for dtype in (np.float32, np.float64):
        x = _channels_last(values.astype(dtype)).detach().requires_grad_()
        layer = BatchNorm2d(3, dtype=mg.float32 if dtype == np.float32 else mg.float64)
        out = layer(x)
        out.backward(_channels_last(seed.astype(dtype)))
        grads.append((out.detach().numpy(), x.grad.numpy(), layer.weight.grad.numpy()))
    for low, high in zip(*grads):
        np.testing.assert_allclose(low, high, rtol=1e-3, atol=1e-3)


# --- buffers, dtypes, devices ------------------------------------------------------------------
def test_buffers_and_state_dict_names():
    layer = BatchNorm2d(4)
    assert list(layer.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                        "num_batches_tracked"]
    assert layer.num_batches_tracked.dtype == mg.int64
    np.testing.assert_array_equal(layer.running_var.numpy(), np.ones(4, np.float32))
    layer(mg.randn(3, 4, 2, 2))
    assert int(layer.num_batches_tracked.item()) == 1
    layer.eval()
    layer(mg.randn(3, 4, 2, 2))
    assert int(layer.num_batches_tracked.item()) == 1  # eval never updates the statistics
    layer.reset_running_stats()
    assert int(layer.num_batches_tracked.item()) == 0
    assert repr(layer) == "BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, " \
                          "track_running_stats=True)"  # PyTorch 2.13's repr


@pytest.mark.parametrize("cls", ["BatchNorm1d", "BatchNorm2d"])
def test_bias_false_keeps_the_scale_and_matches_torch(cls):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(mg.nn, cls)(3, bias=False).double(), \
        getattr(torch.nn, cls)(3, bias=False).double()
    assert ours.bias is None and ours.weight is not None
    assert list(ours.state_dict()) == list(theirs.state_dict()) and repr(ours) == repr(theirs)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor([0.5, 2.0, -1.0], dtype=torch.float64))
    ours.load_state_dict({k: mg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 3, 5) if cls == "BatchNorm1d" else (4, 3, 2, 2))
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = ours(xm), theirs(xt)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    (out * out).sum().backward()
    (expected * expected).sum().backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-8)


def test_eval_mode_does_not_change_the_running_statistics():
    layer = BatchNorm1d(3, dtype=mg.float64)
    layer(mg.tensor(_values((6, 3))))
    before = layer.running_mean.numpy().copy(), layer.running_var.numpy().copy()
    layer.eval()
    layer(mg.tensor(_values((6, 3), seed=5)))
    np.testing.assert_array_equal(layer.running_mean.numpy(), before[0])
    np.testing.assert_array_equal(layer.running_var.numpy(), before[1])


@pytest.mark.parametrize("cls,shape", SHAPES, ids=SHAPE_IDS)
def test_float32_stays_float32(cls, shape):
    layer = cls(3)
    x = mg.randn(*shape, requires_grad=True)
    y = layer(x)
    assert y.dtype == mg.float32
    (y * y).sum().backward()
    for t in (x.grad, layer.weight.grad, layer.bias.grad, layer.running_mean,
              layer.running_var):
        assert t.dtype == mg.float32
    layer.eval()
    assert layer(x).dtype == mg.float32
    (gx,) = mg.autograd.grad([(layer.train()(x) ** 3).sum()], [x], create_graph=True)
    assert gx.dtype == mg.float32


def test_runs_on_a_strict_device():
    strict_backend = pytest.importorskip("strict_backend")
    strict_backend.register()
    layer = BatchNorm2d(3).to("strict")
    x = mg.randn(2, 3, 4, 4, device="strict", requires_grad=True)
    (gx,) = mg.autograd.grad([(layer(x) ** 3).sum()], [x], create_graph=True)
    gx.sum().backward()
    layer.eval()
    layer(x).sum().backward()
    assert x.grad.device == "strict" and layer.running_mean.device == "strict"


# --- errors ---------------------------------------------------------------------------------------
def test_batch_of_one_in_training():
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, "
                                         r"got input size \(1, 3\)"):
        BatchNorm1d(3)(mg.randn(1, 3))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        BatchNorm2d(3)(mg.randn(1, 3, 1, 1))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        batch_norm(mg.randn(1, 3), None, None, training=True)
    layer = BatchNorm1d(3)
    assert layer.eval()(mg.randn(1, 3)).shape == (1, 3)  # eval uses running statistics
    assert int(layer.num_batches_tracked.item()) == 0
    assert BatchNorm2d(3)(mg.randn(1, 3, 2, 1)).shape == (1, 3, 2, 1)  # 2 values per channel


@pytest.mark.parametrize("cls,shape", [(BatchNorm1d, (2, 3, 4, 4)), (BatchNorm1d, (3,)),
                                       (BatchNorm2d, (2, 3)), (BatchNorm2d, (2, 3, 4))])
def test_wrong_input_rank(cls, shape):
    with pytest.raises(ValueError, match=f"{cls.__name__}: expected .*D .*input, got shape"):
        cls(3)(mg.randn(*shape))


def test_wrong_channel_count():
    with pytest.raises(ValueError,
                       match=r"BatchNorm2d expected 4 channels \(num_features\), got 3"):
        BatchNorm2d(4)(mg.randn(2, 3, 5, 5))
    with pytest.raises(ValueError, match=r"batch_norm: running_mean has shape \(4,\), but the "
                                         r"input of shape \(2, 3\) has 3 channels"):
        batch_norm(mg.randn(2, 3), mg.zeros(4), mg.ones(4))


def test_bad_arguments():
    with pytest.raises(ValueError, match="num_features must be a positive int"):
        BatchNorm1d(0)
    with pytest.raises(ValueError, match="momentum must be in"):
        BatchNorm1d(3, momentum=1.5)
    with pytest.raises(ValueError, match="running_mean and running_var must be given"):
        batch_norm(mg.randn(2, 3), None, None, training=False)
    with pytest.raises(TypeError, match="weight is float64 but the input is float32"):
        batch_norm(mg.randn(2, 3), None, None, mg.ones(3, dtype=mg.float64), training=True)


def test_an_empty_batch_passes_in_eval_mode():
    """PyTorch normalises zero samples with the running statistics (training refuses them)."""
    layer = BatchNorm2d(3)
    layer.eval()
    x = mg.zeros(0, 3, 4, 5, requires_grad=True)
    out = layer(x)
    out.sum().backward()
    assert tuple(out.shape) == (0, 3, 4, 5) and tuple(x.grad.shape) == (0, 3, 4, 5)
