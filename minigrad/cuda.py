"""``minigrad.cuda.is_available()``: whether the 'cuda' device can be used here."""
from __future__ import annotations


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
