"""Fetching dataset files from mirrors, safely.

A download goes to a temporary file in the destination directory, is checked
(MD5 of the archive as the canonical mirrors serve it, or failing that the
SHA-256 of its decompressed content, which any good repack also matches) and
only then is moved into place with ``os.replace``. A failed or corrupt
transfer leaves nothing behind, and the next mirror is tried.

``MIRRORS`` is a plain module-level table so that users behind a proxy, and the
tests (which serve files from 127.0.0.1), can point it elsewhere.
"""

from __future__ import annotations

import hashlib
import os
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from ..atomic import atomic_file
from typing import Optional

from .idx import IDXError, parse_idx, read_bytes, sha256_hex

MIRRORS: dict[str, list[str]] = {
    "mnist": [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ],
    "fashion-mnist": [
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ],
}

USER_AGENT = "minigrad-data/0.1 (+urllib)"
# Defaults for ``download``; module-level so tests (and impatient users) can change them.
TIMEOUT = 30.0
TRIES_PER_MIRROR = 2
BACKOFF = 1.0
_CHUNK = 1 << 16


class DownloadError(RuntimeError):
    """No mirror produced a file that passed its checks."""


def md5_file(path: os.PathLike | str) -> str:
    """MD5 of a file on disk, streamed; the canonical mirrors publish these."""
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _fetch_to(url: str, fileobj, timeout: float) -> int:
    """Stream ``url`` into an open binary file; returns the byte count."""
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    n = 0
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        declared = resp.headers.get("Content-Length")
        for chunk in iter(lambda: resp.read(_CHUNK), b""):
            fileobj.write(chunk)
            n += len(chunk)
    if declared is not None and declared.isdigit() and int(declared) != n:
        raise OSError(f"connection closed after {n} of {declared} bytes")
    return n


def _check(tmp: Path, name: str, md5: Optional[str], sha256: Optional[str]) -> None:
    """Raise ValueError unless the downloaded archive is a good copy."""
    if md5 is None and sha256 is None:
        return
    if md5 is not None and md5_file(tmp) == md5:
        return
    if sha256 is not None:
        try:
            content = read_bytes(tmp)
            parse_idx(content, name)
        except IDXError as e:
            raise ValueError(f"not a valid IDX archive: {e}") from None
        got = sha256_hex(content)
        if got == sha256:
            return
        raise ValueError(f"content SHA-256 {got} does not match the expected {sha256}")
    raise ValueError(f"MD5 {md5_file(tmp)} does not match the expected {md5}")


def download(
    filename: str,
    dest_dir: os.PathLike | str,
    mirrors: Sequence[str],
    *,
    md5: Optional[str] = None,
    sha256: Optional[str] = None,
    timeout: Optional[float] = None,
    tries_per_mirror: Optional[int] = None,
    backoff: Optional[float] = None,
) -> Path:
    """Download ``filename`` into ``dest_dir`` from the first mirror that serves a
    good copy, so a flaky or stale mirror never leaves a broken file in the cache.

    Network errors are retried ``tries_per_mirror`` times with a growing pause;
    a copy that fails its checksum moves on to the next mirror at once (retrying
    the same server would most likely return the same bytes).
    """
    timeout = TIMEOUT if timeout is None else timeout
    tries_per_mirror = TRIES_PER_MIRROR if tries_per_mirror is None else tries_per_mirror
    backoff = BACKOFF if backoff is None else backoff
    if not mirrors:
        raise DownloadError(f"download of {filename}: no mirrors given")
    if tries_per_mirror < 1:
        raise ValueError(f"download: tries_per_mirror must be >= 1, got {tries_per_mirror}")
    dest_dir = Path(dest_dir)
    created = not dest_dir.exists()
    dest_dir.mkdir(parents=True, exist_ok=True)
    final = dest_dir / filename
    failures: list[str] = []
    for base in mirrors:
        url = base if base.endswith(filename) else base.rstrip("/") + "/" + filename
        for attempt in range(1, tries_per_mirror + 1):
            try:
                with atomic_file(final) as f:  # checked before it replaces anything
                    _fetch_to(url, f, timeout)
                    f.flush()
                    _check(Path(f.name), f"{url} (downloaded)", md5, sha256)
                return final
            except ValueError as e:  # bad bytes: this mirror is not worth retrying
                failures.append(f"{url}: {e}")
                break
            except urllib.error.HTTPError as e:
                failures.append(f"{url}: HTTP {e.code} {e.reason}")
                if 400 <= e.code < 500:  # the file is not there; asking again will not help
                    break
                if attempt < tries_per_mirror and backoff > 0:
                    time.sleep(backoff * attempt)
            except (urllib.error.URLError, OSError, TimeoutError) as e:
                reason = getattr(e, "reason", None) or e
                failures.append(f"{url} (try {attempt}/{tries_per_mirror}): {reason}")
                if attempt < tries_per_mirror and backoff > 0:
                    time.sleep(backoff * attempt)
    lines = "\n  ".join(failures)
    if created and not any(dest_dir.iterdir()):  # leave no empty folder behind a failure
        dest_dir.rmdir()
    raise DownloadError(f"could not download {filename} into {dest_dir}:\n  {lines}")
