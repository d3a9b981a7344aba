"""The backend seam: devices, moving between them, and the operations that differ per library."""
from __future__ import annotations

import importlib.util
import threading

import numpy as np
import pytest

import minigrad as mg
from minigrad.backend import get_backend
from devices import TEST_DEVICE


def test_cpu_backend_is_numpy() -> None:
    backend = get_backend("cpu")
    assert backend.xp is np and backend.name == "cpu"
    cpu_tensor = mg.ones(2, device="cpu")
    assert cpu_tensor.backend is backend and cpu_tensor.xp is np
    assert get_backend("cpu:0") is backend


def test_to_cpu_numpy_round_trip() -> None:
    t = mg.tensor([[1.0, 2.0]], device="cpu")
    assert t.to("cpu") is t and t.cpu() is t
    a = t.numpy()
    assert isinstance(a, np.ndarray) and a.dtype == np.float32
    np.testing.assert_array_equal(a, [[1.0, 2.0]])
    assert t.tolist() == [[1.0, 2.0]]
    # From the test device, numpy() and tolist() copy to the host too.
    d = mg.tensor([[1.0, 2.0]])
    assert d.device == TEST_DEVICE and d.cpu().device == "cpu"
    a = d.numpy()
    assert isinstance(a, np.ndarray) and a.dtype == np.float32
    np.testing.assert_array_equal(a, [[1.0, 2.0]])
    assert d.tolist() == [[1.0, 2.0]]


def test_to_a_dtype_and_device_together(testdev) -> None:
    t = mg.tensor([1, 2])
    out = t.to(testdev, mg.float64)
    assert out.device == "testdev" and out.dtype == mg.float64
    out2 = t.to(device=testdev, dtype=mg.float32)
    assert out2.device == "testdev" and out2.dtype == mg.float32


def test_moving_between_devices_is_differentiable(testdev) -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.to(testdev)
    assert y.device == "testdev" and y.grad_fn is not None
    z = (y * y).sum()
    assert z.device == "testdev"
    z.backward()
    assert x.grad.device == TEST_DEVICE
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    back = y.cpu()
    assert back.device == "cpu"
    assert mg.gradcheck(lambda t: (t.to(testdev) ** 2).cpu(),
                        (mg.tensor([0.5, 1.5], dtype=mg.float64, requires_grad=True),))


def test_set_default_device(testdev) -> None:
    mg.set_default_device(testdev)
    assert mg.get_default_device() == "testdev"
    for t in (mg.zeros(2), mg.ones(2), mg.rand(2), mg.randn(2), mg.arange(3), mg.eye(2),
              mg.tensor([1.0]), mg.full((2,), 1.0), mg.randint(0, 3, (2,)), mg.linspace(0, 1, 3)):
        assert t.device == "testdev"
    assert mg.zeros(2, device="cpu").device == "cpu"
    mg.set_default_device("cpu")
    assert mg.zeros(2).device == "cpu"


def test_cuda_is_available_answers_without_raising() -> None:
    available = mg.cuda.is_available()
    assert isinstance(available, bool)
    if importlib.util.find_spec("cupy") is None:
        assert available is False


@pytest.mark.skipif(importlib.util.find_spec("cupy") is not None, reason="CuPy is installed")
def test_cuda_without_cupy_fails_clearly() -> None:
    for attempt in (lambda: mg.ones(2).cuda(), lambda: mg.ones(2).to("cuda"),
                    lambda: mg.set_default_device("cuda"), lambda: mg.zeros(2, device="cuda:0")):
        with pytest.raises(RuntimeError, match=r"device 'cuda' is not available.*pip install"):
            attempt()
    assert mg.get_default_device() == TEST_DEVICE  # a failed switch leaves the default alone


def test_unknown_device_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown device 'gpu'.*\['cpu', 'cuda'"):
        mg.ones(2).to("gpu")


def test_manual_seed_reseeds_every_device(testdev) -> None:
    mg.manual_seed(7)
    a = mg.rand(4, device=testdev).numpy()
    mg.manual_seed(7)
    b = mg.rand(4, device=testdev).numpy()
    np.testing.assert_array_equal(a, b)


def test_scatter_add_adds_repeated_indices() -> None:
    target = np.zeros(4)
    get_backend("cpu").scatter_add(target, (np.array([1, 1, 3]),), np.array([1.0, 2.0, 5.0]))
    np.testing.assert_array_equal(target, [0, 3, 0, 5])


@pytest.mark.parametrize("shape,index_of", [
    ((4, 5, 6), lambda: (slice(None), np.array([4, 0, 4, -1, 2, 4, 0]))),  # repeats, negative
    ((6, 3), lambda: (np.array([5, 5, 5, 5, 1]),)),                       # one index, 4 repeats
    ((3, 4, 5), lambda: (slice(None), slice(None), np.array([1, 3]))),    # no repeats
    ((3, 4), lambda: (slice(None), np.array([], dtype=np.int64))),        # empty
    ((3, 4), lambda: (slice(1, 3), np.array([0, 0]))),                    # a partial slice
    ((3, 4), lambda: (np.array([0, 2]), np.array([1, 1]))),               # two index arrays
    ((5, 6), lambda: (np.arange(5)[:, None], np.array([[0, -1, 0, 3]] * 5))),  # gather-style
    ((7, 3), lambda: (np.array([0] * 30 + [6, -1, 2]),)),                   # a padding token
    ((3, 7, 2), lambda: (slice(None), np.array([1] * 12 + [0]))),         # too many rounds
    ((2, 3, 4), lambda: (np.array([[1], [1]]), np.array([[2, -3, 2]]),
                         np.array([0, 0, 3]))),                           # broadcast, repeats
])
def test_scatter_add_by_rounds_matches_add_at_bit_for_bit(shape, index_of) -> None:
    """The fast paths (flat positions; one index vector among full slices) add in add.at's order."""
    rng = np.random.default_rng(0)
    index = index_of()
    target = rng.standard_normal(shape).astype(np.float32)
    values = rng.standard_normal(target[index].shape).astype(np.float32) * 1e3
    expected = target.copy()
    np.add.at(expected, index, values)
    get_backend("cpu").scatter_add(target, index, values)
    assert np.array_equal(target, expected)
    broadcast = target.copy()
    np.add.at(expected, index, np.float32(0.25))  # a scalar spread over every position
    get_backend("cpu").scatter_add(broadcast, index, np.float32(0.25))
    assert np.array_equal(broadcast, expected)


def test_sliding_windows_and_strided_views_do_not_copy() -> None:
    backend = get_backend("cpu")
    a = np.arange(10.0).reshape(2, 5)
    w = backend.sliding_window_view(a, (3,), axis=(1,))
    assert w.shape == (2, 3, 3) and np.shares_memory(w, a)
    np.testing.assert_array_equal(w[1, 2], [7, 8, 9])
    s = backend.as_strided(a, (2, 2), (a.strides[0], 2 * a.strides[1]))
    np.testing.assert_array_equal(s, [[0, 2], [5, 7]])
    assert np.shares_memory(s, a)


def test_backend_asarray_and_to_numpy() -> None:
    backend = get_backend("cpu")
    a = backend.asarray([1, 2], dtype=np.float32)
    assert backend.is_array(a) and a.dtype == np.float32
    assert isinstance(backend.to_numpy(a), np.ndarray)
    backend.synchronize()  # a no-op on the CPU, but it must exist


_BLAS_PROBE = """
import ctypes, os, sys
import numpy as np
import minigrad as mg
from minigrad.backend import get_backend
get_backend("cpu")
with open("/proc/self/maps") as maps:
    paths = sorted({l.split()[-1] for l in maps if "openblas" in l.lower() and l.split()[-1].startswith("/")})
if not paths:
    print("no-openblas")
    sys.exit(0)
lib = ctypes.CDLL(paths[0])
lib.openblas_thread_timeout.restype = ctypes.c_uint
a = np.arange(40000, dtype=np.float64).reshape(200, 200) / 40000
assert np.allclose(a @ a, np.einsum("ij,jk->ik", a, a))  # products still right after the restart
print(lib.openblas_thread_timeout(), "OPENBLAS_THREAD_TIMEOUT" in os.environ)
"""


def _probe_blas(**env: str) -> str:
    import os
    import subprocess
    import sys
    from pathlib import Path
    root = str(Path(__file__).resolve().parents[2])
    full = {k: v for k, v in os.environ.items()
            if k not in ("OPENBLAS_THREAD_TIMEOUT", "MINIGRAD_BLAS_TUNING")}
    full.update(env, PYTHONPATH=os.pathsep.join(filter(None, [root, full.get("PYTHONPATH")])))
    out = subprocess.run([sys.executable, "-c", _BLAS_PROBE], env=full, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    if out.stdout.strip() == "no-openblas":
        pytest.skip("NumPy here does not use OpenBLAS")
    return out.stdout.strip()


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="Linux only")
def test_openblas_threads_sleep_between_products() -> None:
    """The CPU backend sets OpenBLAS's idle-spin timeout to 2**4 cycles, without leaving the
    variable in the environment; a user's own setting, or MINIGRAD_BLAS_TUNING=0, wins."""
    assert _probe_blas() == "4 False"
    assert _probe_blas(OPENBLAS_THREAD_TIMEOUT="9") == "9 True"
    assert _probe_blas(MINIGRAD_BLAS_TUNING="0") == "0 False"  # 0: OpenBLAS's built-in default


@pytest.mark.parametrize("grain", [None, 1, 7, 40, 1000])
def test_parallel_for_covers_the_range_once_with_the_same_blocks_for_any_thread_count(
        monkeypatch, grain) -> None:
    """Every index is handed out exactly once; with a grain, in slices no longer than it that
    do not depend on the thread count (so per-slice partial sums do not either)."""
    backend = get_backend("cpu")
    seen_by_count = {}
    for threads in (1, 2, 3):
        monkeypatch.setattr(backend, "threads", threads)
        seen, lock = [], threading.Lock()

        def record(part):
            with lock:
                seen.append((part.start, part.stop))
        backend.parallel_for(record, 40, work=1 << 30, grain=grain)
        covered = sorted(i for start, stop in seen for i in range(start, stop))
        assert covered == list(range(40))
        if grain:
            assert all(stop - start <= grain for start, stop in seen)
        seen_by_count[threads] = sorted(seen)
    if grain:
        assert seen_by_count[1] == seen_by_count[2] == seen_by_count[3]


def test_scatter_add_with_an_index_out_of_range_raises_index_error() -> None:
    target = np.zeros((3, 4), np.float32)
    with pytest.raises(IndexError, match=r"out of range.*\(3, 4\)"):
        get_backend("cpu").scatter_add(target, (np.array([0, 3]), np.array([1, 1])), 1.0)
    with pytest.raises(IndexError):
        get_backend("cpu").scatter_add(target, (np.array([0, -4]), np.array([1, 1])), 1.0)
    with pytest.raises(IndexError):  # one index vector among full slices
        get_backend("cpu").scatter_add(target, (slice(None), np.array([1, 4])), 1.0)
    assert not target.any()
