"""Write a file all at once: to a temporary name beside it, then rename over the target.

A reader (an open browser tab, an image viewer, a notebook) never sees a
half-written picture, and an error leaves the old file in place. Unlike
``tempfile.mkstemp`` the temporary file is created with the usual umask
permissions, so the result is as readable as any other file the user writes.
"""
from __future__ import annotations

import os
import secrets
from typing import BinaryIO, Callable


def temp_path_beside(path: str | os.PathLike) -> tuple[str, str]:
    """``(target, temporary)`` absolute paths in the same folder (so rename is atomic)."""
    target = os.path.abspath(os.fspath(path))
    folder, name = os.path.split(target)
    os.makedirs(folder, exist_ok=True)
    return target, os.path.join(folder, f".{name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> str:
    """Call ``write(file)`` on a fresh temporary file, then move it to ``path``; returns path."""
    target, tmp = temp_path_beside(path)
    try:
        with open(tmp, "xb") as fh:
            write(fh)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return os.fspath(path)
