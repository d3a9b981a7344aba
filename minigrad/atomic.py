"""Writing a file all at once, so no reader and no crash ever sees half of it.

The bytes go to a temporary file beside the target (same filesystem), are
flushed and fsynced, and only then renamed over the target. An error on the
way deletes the temporary file and leaves the old target untouched. Used by
checkpoints, downloads and saved figures alike.
"""
from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from typing import BinaryIO, Callable, Iterator


def temp_path_beside(path: str | os.PathLike) -> tuple[str, str]:
    """``(target, temporary)`` absolute paths in the target's folder (created if needed)."""
    target = os.path.abspath(os.fspath(path))
    folder, name = os.path.split(target)
    os.makedirs(folder, exist_ok=True)
    return target, os.path.join(folder, f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


@contextmanager
def atomic_file(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """Yield a new binary file (its ``.name`` is the temporary path); on a clean exit it
    replaces ``path``, on an exception it is deleted. The temporary file gets the usual
    umask permissions (``mkstemp`` would make it 0600)."""
    target, tmp = temp_path_beside(path)
    try:
        with open(tmp, "xb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    _fsync_directory(os.path.dirname(target))


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> str:
    """Call ``write(file)`` on a temporary file, then move it to ``path``; returns ``path``."""
    with atomic_file(path) as fh:
        write(fh)
    return os.fspath(path)


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories can't be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
