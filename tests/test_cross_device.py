"""Every op, the reference CNN, an optimizer, a DataLoader batch and a checkpoint on a second
device, compared with the CPU.

CI has no GPU, so the second device is 'strict' (tests/strict_backend.py): NumPy underneath,
but its arrays refuse to meet plain NumPy arrays, as CuPy's do. A run here proves that no op
falls back to host NumPy or mixes devices. On a GPU machine, MINIGRAD_CROSS_DEVICE=cuda runs
the same checks against CuPy.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import strict_backend
from devices import FLOAT32_RTOL
from harness import OpSpec
from tests.core.test_elementwise import ELEMENTWISE
from tests.core.test_linalg import MATMUL
from tests.core.test_reduction import REDUCTIONS
from tests.core.test_shape import SHAPE_OPS
from tests.core.test_softmax import SOFTMAX

DEVICE = os.environ.get("MINIGRAD_CROSS_DEVICE", "strict")
if DEVICE == "strict":
    strict_backend.register()
elif not mg.cuda.is_available():
    pytest.skip(f"device {DEVICE!r} is not available here", allow_module_level=True)

ALL_OPS = ELEMENTWISE + REDUCTIONS + SHAPE_OPS + MATMUL + SOFTMAX
RTOL = 1e-10  # float64 on both sides: only summation order may differ


def _leaves(arrays, device, constant=()):
    return [mg.tensor(a, dtype=mg.float64, device=device).requires_grad_(i not in constant)
            for i, a in enumerate(arrays)]


@pytest.mark.parametrize("spec", ALL_OPS, ids=lambda s: s.name)
def test_op_agrees_across_devices(spec: OpSpec) -> None:
    """Forward and every input gradient match the CPU, and stay on the device."""
    for case, shapes in enumerate(spec.shapes):
        arrays = spec.arrays(shapes, seed=case)
        results = {}
        for device in ("cpu", DEVICE):
            mg.set_default_device(device)  # constants an op's spec creates land there too
            xs = _leaves(arrays, device, spec.constant_inputs)
            out = spec.run(*xs)
            assert out.device == device, f"{spec.name} left {device} for {out.device}"
            seed = mg.tensor(np.linspace(-1, 1, out.numel()).reshape(out.shape),
                             dtype=out.dtype, device=device)
            out.backward(seed)
            grads = [x.grad for x in xs if x.requires_grad]
            assert all(g is None or g.device == device for g in grads)
            results[device] = (out.detach().cpu().numpy(),
                               [None if g is None else g.cpu().numpy() for g in grads])
        (cpu_out, cpu_grads), (dev_out, dev_grads) = results["cpu"], results[DEVICE]
        np.testing.assert_allclose(dev_out, cpu_out, rtol=RTOL, atol=1e-12)
        for g_cpu, g_dev in zip(cpu_grads, dev_grads):
            assert (g_cpu is None) == (g_dev is None)
            if g_cpu is not None:
                np.testing.assert_allclose(g_dev, g_cpu, rtol=RTOL, atol=1e-12)


def _reference_cnn() -> nn.Module:
    # No bias before BatchNorm (the usual practice): the mean subtraction cancels it, so its
    # gradient is zero up to ~1e-8 rounding noise, which Adam would blow up into full +-lr
    # steps whose sign differs between devices.
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, bias=False), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2), nn.Dropout(0.0),
        nn.Flatten(), nn.Linear(6 * 3 * 3, 16), nn.ReLU(), nn.Linear(16, 10))


def test_training_steps_agree_across_devices() -> None:
    """The same CNN, data and Adam trajectory on cpu and on the device agree in float32."""
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((8, 1, 14, 14)).astype(np.float32)
    y_np = rng.integers(0, 10, 8)
    mg.manual_seed(0)
    cpu_model = _reference_cnn().to("cpu")  # whatever the default device of the test run
    dev_model = _reference_cnn().to(DEVICE)
    dev_model.load_state_dict(cpu_model.state_dict())
    losses = {}
    for device, model in (("cpu", cpu_model), (DEVICE, dev_model)):
        opt = mg.optim.Adam(model.parameters(), lr=1e-2)
        x, y = mg.tensor(x_np, device=device), mg.tensor(y_np, device=device)
        losses[device] = []
        for _ in range(3):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            assert loss.device == device and loss.dtype == mg.float32
            losses[device].append(loss.item())
    np.testing.assert_allclose(losses[DEVICE], losses["cpu"], rtol=FLOAT32_RTOL)
    for (name, p_cpu), (_, p_dev) in zip(cpu_model.state_dict().items(),
                                         dev_model.state_dict().items()):
        assert p_dev.device == DEVICE, name
        np.testing.assert_allclose(p_dev.cpu().numpy(), p_cpu.numpy(), rtol=1e-4, atol=1e-5,
                                   err_msg=name)


def test_mixing_cpu_and_device_names_both() -> None:
    a = mg.ones(2, 3, device="cpu")
    b = mg.ones(2, 3, device=DEVICE)
    with pytest.raises(RuntimeError, match=f"cpu.*{DEVICE}|{DEVICE}.*cpu"):
        a + b
    with pytest.raises(RuntimeError, match=f"cpu.*{DEVICE}|{DEVICE}.*cpu"):
        nn.Linear(3, 2).to("cpu")(b)


def test_dataloader_batches_land_on_the_device() -> None:
    from minigrad.data import DataLoader, TensorDataset, transforms as T
    images = mg.tensor(np.random.default_rng(0).integers(0, 256, (20, 28, 28)), dtype=mg.uint8,
                       device="cpu")  # a dataset held on the host, whatever the default device
    labels = mg.tensor(np.arange(20) % 10, device="cpu")
    loader = DataLoader(TensorDataset(images, labels), batch_size=8, shuffle=True, seed=0,
                        device=DEVICE, transform=T.Compose([
                            T.Normalize((0.1307,), (0.3081,)),
                            T.RandomAffine(10, translate=(0.1, 0.1)),
                            T.RandomErasing(p=0.5)]))
    seen = 0
    for x, y in loader:
        assert x.device == DEVICE and y.device == DEVICE and x.dtype == mg.float32
        assert x.shape[1:] == (1, 28, 28)
        seen += len(y)
    assert seen == 20


def test_checkpoint_saved_on_the_device_loads_on_cpu(tmp_path) -> None:
    model = _reference_cnn().to(DEVICE)
    path = tmp_path / "model.npz"
    mg.save({"model": model.state_dict(), "epoch": 3}, path)
    state = mg.load(path, map_location="cpu")
    assert state["epoch"] == 3
    for name, value in state["model"].items():
        assert value.device == "cpu"
        np.testing.assert_array_equal(value.numpy(), model.state_dict()[name].cpu().numpy())


@pytest.mark.skipif(DEVICE != "strict", reason="the host-fallback detector is the strict device's")
def test_an_op_that_falls_back_to_numpy_is_caught() -> None:
    """The strict device must fail loudly when an op computes with host NumPy."""

    class HostScale(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.array * np.full(x.shape, 2.0, dtype=np.float32)  # bypasses x.xp

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    with pytest.raises(strict_backend.MixedDeviceError, match="bypassed the backend"):
        HostScale.apply(mg.ones(3, device="strict"))


def test_random_transforms_accept_a_host_generator_for_device_batches() -> None:
    """A NumPy generator passed to a transform gives the same draws on cpu and on the device."""
    from minigrad.data import transforms as T
    images = np.random.default_rng(0).random((4, 1, 12, 12)).astype(np.float32)
    t = T.Compose([T.RandomAffine(30, translate=(0.1, 0.1)), T.RandomErasing(p=1.0)])
    out_cpu = t(mg.tensor(images, device="cpu"), generator=np.random.default_rng(7))
    assert out_cpu.device == "cpu"
    out_dev = t(mg.tensor(images, device=DEVICE), generator=np.random.default_rng(7))
    assert out_dev.device == DEVICE
    np.testing.assert_array_equal(out_dev.cpu().numpy(), out_cpu.numpy())


@pytest.mark.parametrize("op", ["eq", "ne", "lt", "ge"])
def test_comparison_with_host_data_moves_it_to_the_device(op):
    """A device tensor compared with a NumPy array or a list: the host data becomes a tensor
    on that device first (before, it went to the device's array library as it was, which
    CuPy refuses, and the strict device here reports)."""
    t = mg.tensor([1.0, 2.0, 3.0], device=DEVICE)
    for other in (np.array([1.0, 3.0, 3.0]), [1.0, 3.0, 3.0]):
        got = getattr(mg, op)(t, other)
        assert got.device == t.device
        want = getattr(np, {"eq": "equal", "ne": "not_equal", "lt": "less",
                            "ge": "greater_equal"}[op])([1.0, 2.0, 3.0], [1.0, 3.0, 3.0])
        assert got.tolist() == want.tolist()
    assert (t == np.array([1.0, 3.0, 3.0])).tolist() == [True, False, True]
