"""The seam between the math and the arrays.

Everything above this file asks a tensor for its backend and calls
``backend.xp`` (the NumPy-compatible namespace) or one of the few helpers
below where NumPy and CuPy differ. Only this file imports numpy or cupy.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import importlib
import os
import sys
import threading
from typing import Any, Callable

import numpy as np

from .errors import ArgumentError
from .worker_pool import WorkerPool


class Backend:
    """One device's array library plus the operations that differ between libraries."""

    def __init__(self, name: str, xp: Any):
        self.name = name
        self.xp = xp
        self.rng = xp.random.default_rng(_initial_seed)

    # --- moving data -------------------------------------------------------
    def asarray(self, data: Any, dtype: Any = None) -> Any:
        """Host data (lists, scalars, NumPy arrays) to an array on this device."""
        return self.xp.asarray(data, dtype=dtype)

    def to_numpy(self, array: Any) -> np.ndarray:
        """An array on this device back to a NumPy array on the host."""
        return np.asarray(array)

    def is_array(self, obj: Any) -> bool:
        """Whether ``obj`` is an array that lives on this device."""
        return isinstance(obj, self.xp.ndarray)

    # --- operations that differ between NumPy and CuPy ----------------------
    def scatter_add(self, target: Any, index: Any, values: Any) -> None:
        """``target[index] += values`` with repeated indices adding up (unbuffered).

        ``add.at`` takes one element at a time, slowest with several index arrays or slices
        around one. Two fast paths add in the same order: one index vector among full slices
        (padding, ``index_select``, upsampling) adds its repeats in a few rounds of whole
        slices; one index array per dimension (gather), or a vector repeated too often for
        rounds, goes through flat positions and a 1-D ``add.at`` (~7x faster)."""
        xp = self.xp
        axis = _single_index_axis(index, target.ndim, xp)
        if axis is not None and target.ndim == 1:  # single elements: add.at's 1-D loop beats a sort
            xp.add.at(target, index, values)
            return
        if axis is not None:
            n = target.shape[axis]
            rows = xp.where(index[axis] < 0, index[axis] + n, index[axis])
            rounds = repeat_rounds(xp, rows, limit=self.MAX_ROUNDS)
            if rounds is not None:
                head = (slice(None),) * axis
                values = xp.broadcast_to(values, target.shape[:axis] + rows.shape +
                                         target.shape[axis + 1:])
                for chosen in rounds:
                    target[head + (rows[chosen],)] += values[head + (chosen,)]
                return
            index = tuple(rows.reshape(_axis_shape(len(target.shape), d, rows.size)) if d == axis
                          else xp.arange(s).reshape(_axis_shape(len(target.shape), d, s))
                          for d, s in enumerate(target.shape))
        if _all_index_arrays(index, target.ndim, xp) and target.flags.c_contiguous:
            arrays = [xp.where(i < 0, i + n, i) for i, n in zip(xp.broadcast_arrays(*index),
                                                                 target.shape)]
            try:
                flat = xp.ravel_multi_index(arrays, target.shape).reshape(-1)
            except ValueError:
                raise IndexError(f"scatter_add: an index is out of range for a target of shape "
                                 f"{tuple(target.shape)}") from None
            xp.add.at(target.reshape(-1), flat, xp.broadcast_to(values, arrays[0].shape).reshape(-1))
            return
        xp.add.at(target, index, values)

    #: More repeats of one index than this, and ``scatter_add`` takes the flat path instead.
    MAX_ROUNDS = 8

    def scatter_reduce(self, target: Any, index: Any, values: Any, ufunc: str) -> None:
        """``target[index] = ufunc(target[index], values)`` with repeated indices combining in
        turn (unbuffered); ``ufunc`` is 'add', 'multiply', 'maximum' or 'minimum'."""
        getattr(self.xp, ufunc).at(target, index, values)

    def sliding_window_view(self, array: Any, window_shape: tuple, axis: tuple) -> Any:
        """A read-only strided view of every window, with no copy."""
        return np.lib.stride_tricks.sliding_window_view(array, window_shape, axis=axis)

    def as_strided(self, array: Any, shape: tuple, strides: tuple,
                   writeable: bool = False) -> Any:
        """A view with the given shape and byte strides (no copy, no checks); read-only unless
        ``writeable`` (windows that overlap would see each other's writes)."""
        return np.lib.stride_tricks.as_strided(array, shape=shape, strides=strides,
                                               writeable=writeable)

    def kernel(self, name: str) -> Callable | None:
        """A hand-written fused kernel for a chain of array calls, or None: the caller then runs
        its plain array code, which stays the definition (see ``minigrad/cuda_kernels.py``)."""
        return None

    def permutation(self, n: int) -> Any:
        """A random permutation of ``0..n-1`` from this device's generator."""
        return self.rng.permutation(n)

    def seed(self, seed: int) -> None:
        """Reset this device's random generator."""
        self.rng = self.xp.random.default_rng(seed)

    def synchronize(self) -> None:
        """Wait for queued device work (a no-op on the CPU)."""

    def parallel_for(self, fn: Callable[[slice], Any], length: int, work: int,
                     grain: int | None = None) -> None:
        """Run ``fn(part)`` over slices ``part`` that cover ``range(length)``, the leading axis
        of the arrays ``fn`` touches; ``work`` (elements touched) says whether splitting pays.
        ``grain``, when given, is the longest slice ``fn`` should get: several passes over one
        cache-sized block then run while it is still in cache. The slices are then the same
        whatever the thread count, so per-slice partial sums come out the same too.

        Callers write ``fn`` so that slices are independent (each writes only its own part of
        an output). Here, in one piece: a GPU already spreads each kernel over its cores."""
        fn(slice(0, length))

    def owns_memory(self, array: Any) -> bool:
        """Whether ``array`` is a writable array that owns its memory (not a view), so that a
        caller who also knows no one else refers to it may keep it instead of a copy.
        Backends that cannot tell say no."""
        return False

    def __repr__(self) -> str:
        return f"Backend({self.name!r})"


class CpuBackend(Backend):
    """NumPy on the host, with three settings that matter for training speed on a CPU.

    - Threads: NumPy's elementwise ufuncs and copies run on one core (matmul already uses
      all of them). They release the GIL on large arrays, so ``parallel_for`` splits big
      elementwise work over a small thread pool (``minigrad/worker_pool.py``), one contiguous
      block of the batch per core. ``MINIGRAD_NUM_THREADS`` sets the count (default: the
      cores this process may use).
    - The allocator: glibc serves each array above 128 KiB-32 MiB with a fresh ``mmap`` and
      unmaps it on free, so every training step page-faults its activations in again (about
      4,300 faults and ~25% of a step for the lesson CNN). Raising the mmap and trim thresholds
      keeps freed blocks in the heap for the next step. ``MINIGRAD_MALLOC_TUNING=0`` turns it off.
    - OpenBLAS's idle threads: they would spin between matrix products and take a core from
      the threads above; ``tune_blas_threads`` makes them sleep at once (up to ~15% off a
      lesson-CNN step on 2 cores, and a fifth of its CPU time). ``MINIGRAD_BLAS_TUNING=0`` turns it off.
    """

    #: Below this many elements an array op is too short for a thread hand-off to pay.
    PARALLEL_MIN_WORK = 1 << 18

    def __init__(self) -> None:
        super().__init__("cpu", np)
        threads = os.environ.get("MINIGRAD_NUM_THREADS")
        self.threads = max(1, int(threads) if threads else _usable_cores())
        self._pool = WorkerPool()
        if os.environ.get("MINIGRAD_MALLOC_TUNING", "1") != "0":
            tune_allocator()
        if os.environ.get("MINIGRAD_BLAS_TUNING", "1") != "0":
            tune_blas_threads()

    def owns_memory(self, array: Any) -> bool:
        return type(array) is np.ndarray and array.base is None and array.flags.writeable

    def parallel_for(self, fn: Callable[[slice], Any], length: int, work: int,
                     grain: int | None = None) -> None:
        threads = min(self.threads, length) if work >= self.PARALLEL_MIN_WORK else 1
        if length < 1 or threads < 2 and not grain:
            fn(slice(0, length))
            return
        step = grain or -(-length // threads)  # blocks of `grain`, else one block per thread
        blocks = [slice(i, min(i + step, length)) for i in range(0, length, step)]
        threads = min(threads, len(blocks))
        edges = [len(blocks) * i // threads for i in range(threads + 1)]
        runs = [blocks[edges[i]:edges[i + 1]] for i in range(threads)]  # consecutive blocks
        if threads < 2:
            _each(fn, runs[0])
        else:
            self._pool.run(lambda run: _each(fn, run), runs)


def _each(fn: Callable[[slice], Any], blocks: list) -> None:
    with float_errors_ignored():  # a worker thread has NumPy's default (warning) settings
        for block in blocks:
            fn(block)


_quiet = threading.local()  # .on: this thread is inside float_errors_ignored()

try:  # NumPy 2 keeps its error state in a context variable; setting it directly costs a
    # quarter of entering ``np.errstate`` (whose own code does exactly this)
    from numpy._core._multiarray_umath import _make_extobj
    from numpy._core._ufunc_config import _extobj_contextvar
    _IGNORE_ALL = _make_extobj(all="ignore")
except ImportError:  # another NumPy layout: the public context manager below
    _extobj_contextvar = None


class float_errors_ignored:
    """A context in which NumPy's floating-point warnings (divide by zero, overflow, invalid
    value) stay silent, as PyTorch's ops are: log(0) is -inf and 0/0 is nan by IEEE rules,
    without a RuntimeWarning pointing inside minigrad. Ops enter it around their own array
    code only, so the user's NumPy settings hold everywhere else. (CuPy does not warn.)

    It is entered once per op, so it is kept cheap (~0.6 us; ``np.errstate`` costs ~2 us,
    a sixth of a small op): a thread already inside one (a whole backward pass, an op inside
    another op) changes nothing, and the error state is set the way ``np.errstate`` sets it."""

    def __enter__(self) -> None:
        self._outer = getattr(_quiet, "on", False)
        if self._outer:
            return
        if _extobj_contextvar is not None:
            self._token = _extobj_contextvar.set(_IGNORE_ALL)
        else:
            self._errstate = np.errstate(all="ignore")
            self._errstate.__enter__()
        _quiet.on = True

    def __exit__(self, *exc: Any) -> None:
        if self._outer:
            return
        _quiet.on = False
        if _extobj_contextvar is not None:
            _extobj_contextvar.reset(self._token)
        else:
            self._errstate.__exit__(*exc)


def float_errors_are_ignored() -> bool:
    """Whether this thread is inside ``float_errors_ignored()`` already."""
    return getattr(_quiet, "on", False)


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


#: glibc's mallopt parameters (malloc.h) and the values used: 1 GiB, i.e. "never, in practice".
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_ALLOCATOR_THRESHOLD = 1 << 30


def tune_allocator() -> bool:
    """Keep large freed blocks in glibc's heap instead of returning them to the OS, so that
    each training step reuses the previous step's memory rather than page-faulting fresh
    pages in. Returns whether it applied (only on Linux with glibc; elsewhere a no-op)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _ALLOCATOR_THRESHOLD)) and \
        bool(mallopt(_M_TRIM_THRESHOLD, _ALLOCATOR_THRESHOLD))


def tune_blas_threads(timeout: int = 4) -> bool:
    """Make NumPy's OpenBLAS worker threads sleep as soon as a matrix product ends.

    OpenBLAS's idle workers spin for 2**``timeout`` CPU cycles (4 to 30) before they sleep.
    By default (28) they spin, waiting for the next product, for about 0.1 s, which is the whole
    of a training step: on a 2-core machine the spinning worker takes the core that this
    backend's own threads (``parallel_for``) need for the im2col copies, ReLU and pooling
    in between. Sleeping at once costs a thread wake-up (microseconds) per product. The
    setting is OpenBLAS's ``OPENBLAS_THREAD_TIMEOUT``, read when the library loads; here it
    is applied afterwards by re-reading the environment and restarting the (idle) thread
    pool, so call it while no product is running. A timeout the user set in the environment
    is left alone. Returns whether it applied (only with OpenBLAS on Linux; else a no-op).
    """
    if not sys.platform.startswith("linux") or "OPENBLAS_THREAD_TIMEOUT" in os.environ:
        return False
    from .blas_threads import openblas_paths
    applied = False
    for path in openblas_paths():
        try:
            lib = ctypes.CDLL(path)
            read_env, restart = lib.openblas_read_env, lib.blas_thread_shutdown_
        except (OSError, AttributeError):
            continue
        os.environ["OPENBLAS_THREAD_TIMEOUT"] = str(timeout)
        try:
            read_env()   # the new timeout ...
        finally:       # ... and child processes still inherit the user's environment
            del os.environ["OPENBLAS_THREAD_TIMEOUT"]
        restart()        # the workers restart with it at the next product
        applied = True
    return applied


class CupyBackend(Backend):
    """The GPU: CuPy, imported only when a tensor is first put on 'cuda'."""

    def __init__(self, cupy: Any):
        super().__init__("cuda", cupy)
        self._cupyx = importlib.import_module("cupyx")
        #: Whether to use the hand-written kernels (``MINIGRAD_CUDA_KERNELS=0``: plain CuPy).
        self.use_kernels = os.environ.get("MINIGRAD_CUDA_KERNELS", "1") != "0"
        self._kernels: dict[str, Callable] | None = None

    def kernel(self, name: str) -> Callable | None:
        if not self.use_kernels:
            return None
        if self._kernels is None:
            from . import cuda_kernels
            self._kernels = cuda_kernels.build(self.xp)
        return self._kernels.get(name)

    def asarray(self, data: Any, dtype: Any = None) -> Any:
        if isinstance(data, self.xp.ndarray):
            return data.astype(dtype, copy=False) if dtype is not None else data
        return self.xp.asarray(np.asarray(data, dtype=dtype))

    def to_numpy(self, array: Any) -> np.ndarray:
        return self.xp.asnumpy(array)

    def scatter_add(self, target: Any, index: Any, values: Any) -> None:
        if hasattr(self.xp.add, "at"):  # CuPy >= 13; cupyx.scatter_add is deprecated there
            self.xp.add.at(target, index, values)
        else:
            self._cupyx.scatter_add(target, index, values)

    def scatter_reduce(self, target: Any, index: Any, values: Any, ufunc: str) -> None:
        if ufunc == "multiply":  # no atomic multiply on the GPU
            multiply_at_in_rounds(self.xp, target, index, values)
        elif hasattr(self.xp.add, "at"):  # CuPy >= 13 (add, maximum, minimum)
            getattr(self.xp, ufunc).at(target, index, values)
        else:
            getattr(self._cupyx, {"add": "scatter_add", "maximum": "scatter_max",
                                  "minimum": "scatter_min"}[ufunc])(target, index, values)

    def sliding_window_view(self, array: Any, window_shape: tuple, axis: tuple) -> Any:
        shape, strides = _window_geometry(array.shape, array.strides, window_shape, axis)
        return self.xp.lib.stride_tricks.as_strided(array, shape=shape, strides=strides)

    def as_strided(self, array: Any, shape: tuple, strides: tuple,
                   writeable: bool = False) -> Any:  # CuPy's views are always writeable
        return self.xp.lib.stride_tricks.as_strided(array, shape=shape, strides=strides)

    def permutation(self, n: int) -> Any:
        # CuPy's Generator has no permutation(); sorting uniform keys gives a uniform one.
        return self.xp.argsort(self.rng.random(n))

    def synchronize(self) -> None:
        self.xp.cuda.get_current_stream().synchronize()


def repeat_rounds(xp: Any, keys: Any, limit: int | None = None) -> list | None:
    """Positions of a 1-D integer array split into rounds without repeats: round r holds the
    r-th occurrence of every key, in the order of the array. Applying a buffered ``+=`` or
    ``*=`` round by round is then what an unbuffered ``ufunc.at`` does, in the same order.
    None if a key repeats more than ``limit`` times."""
    if keys.size == 0:
        return []
    order = xp.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = xp.concatenate([xp.ones(1, dtype=bool), ordered[1:] != ordered[:-1]])
    group_start = xp.nonzero(starts)[0][xp.cumsum(starts) - 1]
    rank = xp.arange(ordered.size) - group_start
    rounds = int(rank.max()) + 1
    if limit is not None and rounds > limit:
        return None
    return [xp.arange(keys.size)] if rounds == 1 else [order[rank == r] for r in range(rounds)]


def _axis_shape(ndim: int, axis: int, size: int) -> tuple:
    """(1, ..., size, ..., 1): a vector laid along ``axis`` for broadcasting."""
    return (1,) * axis + (size,) + (1,) * (ndim - axis - 1)


def _all_index_arrays(index: Any, ndim: int, xp: Any) -> bool:
    """Whether ``index`` is one integer array per dimension (broadcast together)."""
    return isinstance(index, tuple) and len(index) == ndim and ndim > 0 and all(
        isinstance(i, xp.ndarray) and i.dtype.kind in "iu" for i in index)


def _single_index_axis(index: Any, ndim: int, xp: Any) -> int | None:
    """The axis of an index made of full slices and one 1-D integer vector, else None."""
    if not isinstance(index, tuple) or len(index) > ndim:
        return None
    arrays = [i for i, part in enumerate(index) if not (isinstance(part, slice) and
                                                        part == slice(None))]
    if len(arrays) != 1:
        return None
    part = index[arrays[0]]
    ok = isinstance(part, xp.ndarray) and part.ndim == 1 and part.dtype.kind in "iu"
    return arrays[0] if ok else None


def multiply_at_in_rounds(xp: Any, target: Any, index: tuple, values: Any) -> None:
    """``multiply.at`` for libraries without it, round by round (``repeat_rounds``).
    ``target`` must be C-contiguous (written through a flat view)."""
    flat_index = xp.ravel_multi_index(xp.broadcast_arrays(*index), target.shape)
    flat_index, flat_values = xp.broadcast_arrays(flat_index, values)
    flat_index, flat_values = flat_index.reshape(-1), flat_values.reshape(-1)
    flat_target = target.reshape(-1)
    for chosen in repeat_rounds(xp, flat_index):
        flat_target[flat_index[chosen]] *= flat_values[chosen]


def _window_geometry(shape: tuple, strides: tuple, window_shape: tuple, axis: tuple):
    """Shape and strides of a sliding-window view (NumPy's rule, for libraries without it)."""
    out_shape, out_strides = list(shape), list(strides)
    for ax, w in zip(axis, window_shape):
        out_shape[ax] = shape[ax] - w + 1
    return tuple(out_shape) + tuple(window_shape), tuple(out_strides) + tuple(strides[a] for a in axis)


_initial_seed = 0
_BACKENDS: dict[str, Backend] = {}
_FACTORIES: dict[str, Callable[[], Backend]] = {}


def register_backend(name: str, factory: Callable[[], Backend]) -> None:
    """Make a new device name available (used by the CUDA backend and by tests)."""
    _FACTORIES[name] = factory
    _BACKENDS.pop(name, None)


def _make_cuda() -> Backend:
    try:
        cupy = importlib.import_module("cupy")
        if cupy.cuda.runtime.getDeviceCount() < 1:
            raise RuntimeError("no CUDA device is visible")
    except Exception as exc:  # ImportError, CUDA driver errors
        raise RuntimeError(
            f"device 'cuda' is not available ({type(exc).__name__}: {exc}). "
            "Install CuPy for your CUDA version, e.g. pip install 'minigrad[cuda13]', "
            "and check minigrad.cuda.is_available()."
        ) from exc
    return CupyBackend(cupy)


register_backend("cpu", CpuBackend)
register_backend("cuda", _make_cuda)


def normalize_device(device: Any) -> str:
    """'cuda:0' -> 'cuda'; minigrad has one device of each kind."""
    name = str(device)
    base = name.split(":")[0]
    if base not in _FACTORIES:
        raise ArgumentError(f"unknown device {name!r}; known devices: {sorted(_FACTORIES)}")
    return base


def get_backend(device: Any) -> Backend:
    """The backend for a device name, created on first use."""
    backend = _BACKENDS.get(device)  # the common case: a tensor's own (normalized) device name
    if backend is not None:
        return backend
    name = normalize_device(device)
    backend = _BACKENDS.get(name)
    if backend is None:
        backend = _BACKENDS[name] = _FACTORIES[name]()
    return backend


def seed_all(seed: int) -> None:
    """Reseed every backend now, and those created later (``manual_seed``)."""
    global _initial_seed
    _initial_seed = int(seed)
    for backend in _BACKENDS.values():
        backend.seed(_initial_seed)


def initial_seed() -> int:
    return _initial_seed


def backend_of_array(array: Any) -> Backend:
    """The backend whose array type ``array`` is (most specific first)."""
    for backend in reversed(list(_BACKENDS.values())):
        if type(array) is backend.xp.ndarray or backend.is_array(array):
            return backend
    return get_backend("cpu")
