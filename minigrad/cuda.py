"""``minigrad.cuda``: whether the 'cuda' device can be used here (``is_available``), and its
random stream (``manual_seed``, ``get_rng_state``, ... as ``torch.cuda``)."""
from __future__ import annotations

from typing import Any


def is_available() -> bool:
    """True when CuPy imports and sees a GPU; never raises."""
    from .backend import get_backend
    try:
        get_backend("cuda")
    except Exception:
        return False
    return True


def synchronize() -> None:
    """Wait for all queued GPU work (for timing)."""
    from .backend import get_backend
    get_backend("cuda").synchronize()


# --- the cuda random stream (torch.cuda's seeding and state functions) ---------------------
def _cuda_generator(who: str, device: Any = "cuda") -> Any:
    """The cuda device's global stream as a Generator; a clear error where there is no GPU."""
    if not (isinstance(device, int) and device == 0 or str(device) in ("cuda", "cuda:0")):
        raise ValueError(f"cuda.{who}: minigrad has one cuda device (0, 'cuda' or 'cuda:0'), "
                         f"got device={device!r}")
    if not is_available():
        raise RuntimeError(f"cuda.{who}: CUDA is not available here (minigrad.cuda.is_available() "
                           "is False), so there is no cuda random state")
    from .random import _DefaultGenerator
    return _DefaultGenerator("cuda")


def manual_seed(seed: int) -> None:
    """Reseed the cuda stream; silently ignored without a GPU, as in torch (code written for
    both devices can call it everywhere)."""
    from .random import _check_seed
    seed = _check_seed(seed, "cuda.manual_seed")
    if is_available():
        _cuda_generator("manual_seed").manual_seed(seed)


def manual_seed_all(seed: int) -> None:
    """Reseed every cuda device's stream (minigrad has one); ignored without a GPU."""
    manual_seed(seed)


def seed() -> None:
    """Reseed the cuda stream non-deterministically; ignored without a GPU."""
    if is_available():
        _cuda_generator("seed").seed()


def seed_all() -> None:
    """``seed`` for every cuda device (minigrad has one)."""
    seed()


def initial_seed() -> int:
    """The seed of the cuda stream (needs a GPU, as in torch)."""
    return _cuda_generator("initial_seed").initial_seed()


def get_rng_state(device: Any = "cuda") -> Any:
    """The cuda stream's state as a uint8 cpu Tensor (layout: ``minigrad/random.py``)."""
    return _cuda_generator("get_rng_state", device).get_state()


def set_rng_state(new_state: Any, device: Any = "cuda") -> None:
    """Put the cuda stream back to a state from ``get_rng_state``."""
    _cuda_generator("set_rng_state", device).set_state(new_state)


def get_rng_state_all() -> list:
    """One state per cuda device (minigrad has one)."""
    return [get_rng_state()]


def set_rng_state_all(new_states: Any) -> None:
    """Restore the states from ``get_rng_state_all``."""
    new_states = list(new_states)
    if len(new_states) != 1:
        raise ValueError(f"cuda.set_rng_state_all: minigrad has one cuda device, got "
                         f"{len(new_states)} states")
    set_rng_state(new_states[0])
