"""``mg.Generator`` and the global random state: ``torch.Generator`` / ``torch.random`` for minigrad.

A ``Generator`` owns its own stream of draws on one device (a NumPy ``Generator`` on the cpu, a
CuPy one on cuda), so a sampler, a data split or an initialiser given ``generator=`` is
repeatable on its own and never moves the global stream that ``mg.manual_seed`` resets (the
backends' ``.rng``). ``default_generator`` is a Generator that *is* the cpu global stream.

The state (``get_state`` / ``get_rng_state``) is a 1-D uint8 cpu Tensor, as in PyTorch, but with
minigrad's own layout (PyTorch's is its Mersenne Twister; the two cannot be exchanged)::

    bytes 0-3   b"MGRN"            magic
    byte  4     1                  layout version
    byte  5     kind               1: NumPy PCG64, 2: raw device generator state (CuPy cuRAND)
    bytes 6-7   0                  reserved
    bytes 8-15  initial seed       uint64, little-endian (set_state restores it, as torch does)
    kind 1:     state (16 bytes), inc (16 bytes): PCG64's 128-bit words, little-endian;
                has_uint32 (1 byte), uinteger (4 bytes): its cached half of a 64-bit draw
    kind 2:     the device generator's state memory, byte for byte
"""
from __future__ import annotations

import contextlib
import numbers
import os
from typing import Any, Iterable, Iterator

from . import backend as _backend_module
from . import dtypes
from .backend import get_backend, normalize_device, seed_all
from .tensor import Tensor

#: The seed of a fresh ``Generator()``, PyTorch's (``torch.Generator().initial_seed()``).
DEFAULT_SEED = 67280421310721
_MAGIC, _VERSION, _PCG64, _DEVICE = b"MGRN", 1, 1, 2
_HEADER = 16
_PCG64_SIZE = _HEADER + 16 + 16 + 1 + 4


def _check_seed(seed: Any, who: str) -> int:
    """PyTorch's seed rules: an int in [-2**63, 2**64); negative seeds wrap to uint64."""
    if isinstance(seed, Tensor) and seed.numel() == 1 and not dtypes.is_floating(seed.dtype):
        seed = seed.item()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise RuntimeError(f"{who} expected an int seed, but got {type(seed).__name__} ({seed!r})")
    seed = int(seed)
    if not -(1 << 63) <= seed < (1 << 64):
        raise ValueError(f"{who}: seed {seed} is out of range: seeds are 64-bit, in [-2**63, 2**64)")
    return seed % (1 << 64)


def _fresh_seed() -> int:
    """A non-deterministic 64-bit seed, from the operating system's entropy."""
    return int.from_bytes(os.urandom(8), "little")


class Generator:
    """An independent random stream on ``device``, seeded like torch's (``manual_seed``,
    ``seed``, ``initial_seed``) and with a state that round-trips (``get_state`` /
    ``set_state``); pass it as ``generator=`` to the random functions."""

    def __init__(self, device: Any = "cpu") -> None:
        self._device = normalize_device(device)
        self._seed = DEFAULT_SEED
        self._rng = self._backend().xp.random.default_rng(DEFAULT_SEED)

    def _backend(self) -> Any:
        try:
            return get_backend(self._device)
        except RuntimeError as exc:
            raise RuntimeError(f"Generator(device={self._device!r}): {exc}") from None

    @property
    def device(self) -> str:
        """The device whose tensors this generator fills ('cpu', 'cuda')."""
        return self._device

    def manual_seed(self, seed: int) -> "Generator":
        """Restart the stream from ``seed``; returns the generator, as torch does."""
        seed = _check_seed(seed, "Generator.manual_seed")
        self._rng = self._backend().xp.random.default_rng(seed)
        self._seed = seed
        return self

    def seed(self) -> int:
        """Restart from a non-deterministic seed and return it (to log and replay a run)."""
        seed = _fresh_seed()
        self.manual_seed(seed)
        return seed

    def initial_seed(self) -> int:
        """The seed the stream last started from."""
        return self._seed

    def get_state(self) -> Tensor:
        """The whole state (the initial seed included) as a uint8 cpu Tensor (layout: module
        docstring); ``set_state`` of it replays the draws that followed."""
        return _encode(self._rng, self._seed, self._backend(), "Generator.get_state")

    def set_state(self, new_state: Tensor) -> "Generator":
        """Go back to a state from ``get_state``; returns the generator."""
        self._seed = _decode(new_state, self._rng, self._backend(), "Generator.set_state")
        return self

    def __repr__(self) -> str:
        return f"<minigrad.Generator device={self._device!r} initial_seed={self._seed}>"

    def _host_draws(self) -> "_LiveDraws":
        """What the data pipeline draws shuffles and splits from (host-side, so cpu only)."""
        if self._device != "cpu":
            raise TypeError(f"generator must be a 'cpu' minigrad.Generator for shuffling and "
                            f"splitting (they are drawn on the host, as in torch), got one on "
                            f"{self._device!r}")
        return _LiveDraws(self)


#: device -> (seed, the backend rng it seeded): a seed set through a default generator holds
#: while that rng is the backend's; ``mg.manual_seed`` replaces the rng, and the seed is then its.
_device_seeds: dict = {}


class _DefaultGenerator(Generator):
    """A device's global stream seen as a Generator: its ``rng`` is the backend's, and its
    seed minigrad's initial seed (``mg.manual_seed`` / ``mg.initial_seed``)."""

    def __init__(self, device: Any = "cpu") -> None:
        self._device = normalize_device(device)

    @property
    def _rng(self) -> Any:
        return self._backend().rng

    @_rng.setter
    def _rng(self, value: Any) -> None:
        self._backend().rng = value

    @property
    def _seed(self) -> int:
        seed, rng = _device_seeds.get(self._device, (None, None))
        if rng is not None and rng is self._backend().rng:
            return seed
        return _backend_module.initial_seed()  # reseeded since, by mg.manual_seed (seed_all)

    @_seed.setter
    def _seed(self, value: int) -> None:
        _device_seeds[self._device] = (int(value), self._backend().rng)


class _LiveDraws:
    """The NumPy generator behind a cpu ``Generator``, looked up at each call so that a later
    ``manual_seed`` or ``set_state`` takes effect in samplers and loaders made earlier. It has
    no ``spawn``: a child stream would live outside ``get_state``, so callers draw seeds from
    the generator itself instead."""

    __slots__ = ("_generator",)

    def __init__(self, generator: Generator) -> None:
        self._generator = generator

    def __getattr__(self, name: str) -> Any:
        if name == "spawn":
            raise AttributeError("a minigrad.Generator's draws have no spawn()")
        return getattr(self._generator._rng, name)


default_generator = _DefaultGenerator("cpu")


def draws(generator: Any, device: str, op: str) -> Any:
    """The raw backend generator an op on ``device`` draws from: ``generator``'s own stream,
    or the device's global one when it is None."""
    if generator is None:
        return get_backend(device).rng
    if not isinstance(generator, Generator):
        raise TypeError(f"{op}: generator must be a minigrad.Generator, got "
                        f"{type(generator).__name__}")
    if generator.device != device:
        raise RuntimeError(f"{op}: expected a generator on device {device!r} (where the result "
                           f"is drawn), but got one on {generator.device!r}")
    return generator._rng


def permutation(rng: Any, backend: Any, n: int) -> Any:
    """A random permutation of 0..n-1 from ``rng`` (CuPy's generator has no permutation: the
    order of n uniform keys is one)."""
    if hasattr(rng, "permutation"):
        return rng.permutation(n)
    return backend.xp.argsort(rng.random(n))


# --- encoding states -----------------------------------------------------------------------
def _header(kind: int, seed: int) -> bytes:
    return _MAGIC + bytes([_VERSION, kind, 0, 0]) + int(seed).to_bytes(8, "little")


def _encode(rng: Any, seed: int, backend: Any, who: str) -> Tensor:
    cpu = get_backend("cpu")
    state = getattr(rng.bit_generator, "state", None)
    if isinstance(state, dict):
        if state.get("bit_generator") != "PCG64":
            raise RuntimeError(f"{who}: only PCG64 generators (NumPy's default) can be saved, "
                               f"got {state.get('bit_generator')!r}")
        words = state["state"]
        payload = (words["state"].to_bytes(16, "little") + words["inc"].to_bytes(16, "little")
                   + bytes([int(state["has_uint32"])]) + int(state["uinteger"]).to_bytes(4, "little"))
        data = _header(_PCG64, seed) + payload
    else:
        memory = getattr(rng.bit_generator, "_state", None)  # CuPy's cuRAND states (int8 array)
        if memory is None:
            raise RuntimeError(f"{who}: the {backend.name} generator "
                               f"{type(rng.bit_generator).__name__} exposes no state to save")
        data = _header(_DEVICE, seed) + backend.to_numpy(memory).tobytes()
    return Tensor._make(cpu.xp.frombuffer(data, dtype=dtypes.uint8).copy(), "cpu")


def _decode(new_state: Any, rng: Any, backend: Any, who: str) -> int:
    """Load ``new_state`` into ``rng`` in place; returns the initial seed it carries."""
    if not isinstance(new_state, Tensor) or new_state.dtype != dtypes.uint8 or new_state.ndim != 1:
        what = (f"a {new_state.dtype} tensor of shape {tuple(new_state.shape)}"
                if isinstance(new_state, Tensor) else type(new_state).__name__)
        raise TypeError(f"{who}: the RNG state must be a 1-D uint8 Tensor (from get_state or "
                        f"get_rng_state), got {what}")
    data = new_state.backend.to_numpy(new_state.array).tobytes()
    if len(data) < _HEADER or data[:4] != _MAGIC or data[4] != _VERSION:
        raise RuntimeError(f"{who}: {len(data)} bytes that are not a minigrad RNG state (it "
                           f"starts with {_MAGIC!r}, version {_VERSION}, and has at least "
                           f"{_HEADER} bytes)")
    seed = int.from_bytes(data[8:16], "little")
    state = getattr(rng.bit_generator, "state", None)
    if isinstance(state, dict):
        if data[5] != _PCG64 or len(data) != _PCG64_SIZE:
            raise RuntimeError(f"{who}: expected the state of a {backend.name} (PCG64) "
                               f"generator, {_PCG64_SIZE} bytes, but got {len(data)} bytes of "
                               f"kind {data[5]} (a state from another device?)")
        body = data[_HEADER:]
        rng.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {"state": int.from_bytes(body[:16], "little"),
                      "inc": int.from_bytes(body[16:32], "little")},
            "has_uint32": body[32], "uinteger": int.from_bytes(body[33:37], "little")}
        return seed
    memory = rng.bit_generator._state
    if data[5] != _DEVICE or len(data) - _HEADER != memory.nbytes:
        raise RuntimeError(f"{who}: expected the state of a {backend.name} generator, "
                           f"{_HEADER + memory.nbytes} bytes, but got {len(data)} bytes of kind "
                           f"{data[5]} (a state from another device?)")
    host = get_backend("cpu").xp.frombuffer(data[_HEADER:], dtype=memory.dtype)
    memory[...] = backend.asarray(host)
    return seed


# --- the global state (torch.random) -------------------------------------------------------
def manual_seed(seed: int) -> Generator:
    """Make every random draw (init, dropout, shuffling, augmentation) repeatable: reseed every
    device's global stream. Returns ``default_generator``, as torch does."""
    seed_all(_check_seed(seed, "manual_seed"))
    return default_generator


def seed() -> int:
    """Reseed every device's global stream non-deterministically; returns the seed used."""
    fresh = _fresh_seed()
    seed_all(fresh)
    return fresh


def initial_seed() -> int:
    """The seed of the global cpu stream (``manual_seed``'s last, or ``seed``'s)."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The global cpu stream's state as a uint8 Tensor (see ``Generator.get_state``)."""
    return _encode(default_generator._rng, default_generator._seed, get_backend("cpu"),
                   "get_rng_state")


def set_rng_state(new_state: Tensor) -> None:
    """Put the global cpu stream back to a state from ``get_rng_state``."""
    default_generator._seed = _decode(new_state, default_generator._rng, get_backend("cpu"),
                                      "set_rng_state")


def _cuda_devices(devices: Iterable | None, enabled_cuda: bool) -> bool:
    """Whether fork_rng saves the cuda stream: minigrad has one cuda device, so any of 0,
    'cuda' or 'cuda:0' names it."""
    if devices is None:
        return enabled_cuda
    devices = list(devices)
    for d in devices:
        if not (isinstance(d, numbers.Integral) and int(d) == 0
                or isinstance(d, str) and d in ("cuda", "cuda:0")):
            raise ValueError(f"fork_rng: unknown device {d!r} in devices; minigrad has one cuda "
                             "device (0, 'cuda' or 'cuda:0')")
    if devices and not enabled_cuda:
        raise RuntimeError("fork_rng: devices were given but CUDA is not available")
    return bool(devices)


@contextlib.contextmanager
def fork_rng(devices: Iterable | None = None, enabled: bool = True, device_type: str = "cuda"
             ) -> Iterator[None]:
    """Draw freely inside the block, then put the global streams (cpu, and cuda where it is
    used) back as they were, so the code after it sees the same numbers."""
    if not enabled:
        yield
        return
    if device_type != "cuda":
        raise ValueError(f"fork_rng: device_type must be 'cuda' (the only accelerator minigrad "
                         f"has), got {device_type!r}")
    from .cuda import get_rng_state as cuda_state, is_available, set_rng_state as set_cuda_state
    with_cuda = _cuda_devices(devices, is_available())
    saved = get_rng_state()
    saved_cuda = cuda_state() if with_cuda else None
    try:
        yield
    finally:
        set_rng_state(saved)
        if saved_cuda is not None:
            set_cuda_state(saved_cuda)


__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state", "fork_rng"]
