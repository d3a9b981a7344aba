"""Single-threaded matrix products for the length of a ``with`` block (NumPy's OpenBLAS).

Why: an op that splits its own work over minigrad's threads (``parallel_for``) and multiplies
small matrices inside each part would otherwise have two thread pools on the same cores:
OpenBLAS's workers spin-wait for a partner that one of our threads has descheduled, and a
product that takes 0.2 ms in one thread takes several. Inside ``single_threaded_blas()`` each
of our threads multiplies on its own core instead.

OpenBLAS's thread count is one number for the whole process, so the switch is shared: the
first caller sets it to 1, the last one to leave puts the old count back, and products that
other threads run meanwhile (the user's own NumPy code, say) are single-threaded too: slower,
never wrong. Without OpenBLAS (MKL, Accelerate, or no symbol found) it does nothing and
says so, and callers keep their products where BLAS threads them.
"""
from __future__ import annotations

import contextlib
import ctypes
import sys
import threading
from typing import Callable, Iterator

_lock = threading.Lock()
_users = 0          # callers inside single_threaded_blas() right now
_saved_count = 1    # the thread count to restore when the last of them leaves
_api: tuple[Callable, Callable] | None = None
_looked = False


def openblas_paths() -> list[str]:
    """The files of the OpenBLAS libraries loaded in this process (Linux; else none)."""
    if not sys.platform.startswith("linux"):
        return []
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return []
    return sorted(p for p in paths if p.startswith("/"))


def _find_openblas() -> tuple[Callable, Callable] | None:
    """(set_num_threads, get_num_threads) of the OpenBLAS that NumPy loaded, if any. NumPy's
    wheels bundle it with a prefix (scipy_openblas_...64_); distributions link plain
    ``openblas_``."""
    for path in openblas_paths():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas_", "openblas_"):
            for suffix in ("64_", ""):
                try:
                    setter = getattr(lib, f"{prefix}set_num_threads{suffix}")
                    getter = getattr(lib, f"{prefix}get_num_threads{suffix}")
                except AttributeError:
                    continue
                setter.argtypes, setter.restype = [ctypes.c_int], None
                getter.argtypes, getter.restype = [], ctypes.c_int
                return setter, getter
    return None


def _openblas() -> tuple[Callable, Callable] | None:
    global _api, _looked
    if not _looked:  # (minigrad has imported NumPy, which loads its BLAS, by now)
        _api, _looked = _find_openblas(), True
    return _api


def available() -> bool:
    """Whether products can be switched to one thread here (NumPy's OpenBLAS on Linux)."""
    return _openblas() is not None


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[bool]:
    """Run NumPy's matrix products on the calling thread only, until the block ends. Yields
    whether the switch applied (False without OpenBLAS: products stay threaded)."""
    global _users, _saved_count
    api = _openblas()
    if api is None:
        yield False
        return
    set_threads, get_threads = api
    with _lock:
        if _users == 0:
            _saved_count = get_threads()
            set_threads(1)
        _users += 1
    try:
        yield True
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                set_threads(_saved_count)
