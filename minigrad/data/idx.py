"""Reading IDX files, the format MNIST and Fashion-MNIST ship in.

An IDX file is a 4-byte magic number, one big-endian uint32 per dimension, then
the values in C order. The magic number is two zero bytes, a type code and the
number of dimensions. Files may be gzipped; we recognise that by the gzip
signature, not by the file name, so a renamed file still loads.

This layer is host-side I/O: it produces NumPy arrays and knows nothing of
tensors or devices. Every error names the file and says what is wrong with it.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from typing import Union

import numpy as np

PathLike = Union[str, "os.PathLike[str]"]

# IDX type codes and the big-endian dtypes they stand for.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_GZIP_SIGNATURE = b"\x1f\x8b"


class IDXError(ValueError):
    """A file is not a well-formed IDX file (or not the one we expected)."""


def read_bytes(path: PathLike) -> bytes:
    """Return a file's content, gunzipped if it is gzip; one entry point so every
    caller gets the same error for a damaged archive."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise IDXError(f"{path}: file does not exist") from None
    except IsADirectoryError:
        raise IDXError(f"{path}: is a directory, expected an IDX file") from None
    if raw[:2] != _GZIP_SIGNATURE:
        return raw
    try:
        return gzip.decompress(raw)
    except EOFError:
        raise IDXError(f"{path}: gzip stream is truncated ({len(raw)} bytes on disk)") from None
    except (gzip.BadGzipFile, zlib.error, OSError) as e:
        raise IDXError(f"{path}: gzip stream is corrupt ({e})") from None


def parse_idx(content: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decode decompressed IDX bytes into a native-endian array, checking the
    header and that the payload length is exactly what the header promises."""
    if len(content) < 4:
        raise IDXError(f"{name}: too short for an IDX header ({len(content)} bytes, need at least 4)")
    zero0, zero1, code, ndim = content[0], content[1], content[2], content[3]
    if zero0 != 0 or zero1 != 0:
        raise IDXError(
            f"{name}: wrong magic number 0x{content[:4].hex()} "
            "(an IDX file starts with two zero bytes, a type code and the number of dimensions)"
        )
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02x}" for c in IDX_DTYPES)
        raise IDXError(f"{name}: unknown IDX type code 0x{code:02x} (known: {known})")
    if ndim == 0:
        raise IDXError(f"{name}: header declares 0 dimensions")
    header_len = 4 + 4 * ndim
    if len(content) < header_len:
        raise IDXError(
            f"{name}: truncated header: {ndim} dimensions need {header_len} bytes, file has {len(content)}"
        )
    shape = tuple(int(d) for d in np.frombuffer(content, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_DTYPES[code]
    expected = header_len + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(content) < expected:
        raise IDXError(
            f"{name}: truncated: header declares shape {shape} of {dtype.name} "
            f"({expected} bytes in all), file has {len(content)} bytes"
        )
    if len(content) > expected:
        raise IDXError(
            f"{name}: {len(content) - expected} unexpected trailing bytes after "
            f"shape {shape} of {dtype.name} ({expected} bytes expected)"
        )
    arr = np.frombuffer(content, dtype=dtype, offset=header_len).reshape(shape)
    # Native byte order and a writable array we own: callers index and wrap it freely.
    return arr.astype(dtype.newbyteorder("="), copy=True)


def read_idx(path: PathLike) -> np.ndarray:
    """Load one IDX file (gzipped or raw) into a NumPy array."""
    return parse_idx(read_bytes(path), os.fspath(path))


def sha256_hex(content: bytes) -> str:
    """Hash of decompressed content: identical for every good copy, whatever its gzip wrapper."""
    return hashlib.sha256(content).hexdigest()
