"""The ``randomness=`` option of vmap/jacfwd for transforms that run the function in a loop.

torch.func's vmap sees random ops through its batching rules; minigrad's loop cannot, but it
can watch the global random streams (cpu, and cuda when there is one): a state that moved
while the function ran means it drew random numbers. That is enough for ``'error'`` (refuse
after the first call that drew), and ``'same'`` restores one saved state before every slice so
that every slice draws the same numbers. Draws from an explicit ``generator=`` are not seen.
"""
from __future__ import annotations

from typing import Any

RANDOMNESS = ("error", "different", "same")


def check_randomness(randomness: Any, name: str) -> None:
    if randomness not in RANDOMNESS:
        raise RuntimeError(f"{name}: Only allowed values for randomness are 'error', 'different', "
                           f"or 'same'. Got {randomness!r}")


def _cuda() -> Any:
    from .. import cuda
    return cuda if cuda.is_available() else None


def snapshot() -> tuple:
    """The global random states, as tensors that ``restore`` puts back."""
    from .. import random
    cuda = _cuda()
    return (random.get_rng_state(), cuda.get_rng_state() if cuda is not None else None)


def restore(states: tuple) -> None:
    from .. import random
    random.set_rng_state(states[0])
    if states[1] is not None:
        _cuda().set_rng_state(states[1])


def moved(before: tuple, after: tuple) -> bool:
    """Whether any global stream drew numbers between the two snapshots."""
    def raw(t: Any) -> bytes:
        return b"" if t is None else t.backend.to_numpy(t.array).tobytes()
    return any(raw(a) != raw(b) for a, b in zip(before, after))


def error_message(name: str) -> str:
    return (f"{name}: called random operation while in randomness error mode. Please either use "
            "the 'same' or 'different' randomness flags on vmap or perform the randomness "
            "operation out of vmap")
