"""Fixtures for the data tests: where the real IDX files are, an isolated data
environment, a tiny IDX writer and a local HTTP mirror on 127.0.0.1."""

from __future__ import annotations

import gzip
import http.server
import os
import socket
import threading
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]

_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(">i2"): 0x0B,
          np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E}


def find_data_home() -> Path | None:
    """$MINIGRAD_DATA if it holds mnist/, else ../shared/data next to the repo."""
    candidates = []
    if os.environ.get("MINIGRAD_DATA"):
        candidates.append(Path(os.environ["MINIGRAD_DATA"]))
    candidates.append(REPO.parent / "shared" / "data")
    for c in candidates:
        if (c / "mnist").is_dir():
            return c.resolve()  # absolute: tests link to it from temporary folders
    return None


DATA_HOME = find_data_home()


def idx_bytes(array: np.ndarray, code: int | None = None, magic: bytes | None = None) -> bytes:
    """Encode ``array`` as IDX (big-endian), optionally with a forced type code or magic."""
    big = array.astype(array.dtype.newbyteorder(">"))
    code = _CODES[big.dtype] if code is None else code
    head = magic if magic is not None else bytes([0, 0, code, array.ndim])
    dims = np.asarray(array.shape, dtype=">u4").tobytes()
    return head + dims + big.tobytes()


def write_idx(path: Path, array: np.ndarray, gz: bool = True, **kw) -> Path:
    raw = idx_bytes(array, **kw)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(raw) if gz else raw)
    return path


@pytest.fixture(name="idx_bytes")
def _idx_bytes_fixture():
    """The IDX encoder, for tests that build their own (possibly broken) files."""
    return idx_bytes


@pytest.fixture(name="write_idx")
def _write_idx_fixture():
    return write_idx


@pytest.fixture(scope="session")
def data_home() -> Path:
    if DATA_HOME is None:
        pytest.skip("no MNIST data found (set MINIGRAD_DATA or provide ../shared/data)")
    return DATA_HOME


@pytest.fixture(scope="session")
def fashion_home(data_home: Path) -> Path:
    if not (data_home / "fashion-mnist").is_dir():
        pytest.skip(f"no fashion-mnist/ under {data_home}")
    return data_home


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """Nothing to find anywhere: empty HOME (so an empty cache), no $MINIGRAD_DATA,
    no Debian directory; downloads retry without sleeping. Returns the fake HOME."""
    from minigrad.data import datasets, download

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("MINIGRAD_DATA", raising=False)
    monkeypatch.setattr(datasets, "DEBIAN_FASHION_MNIST_DIR", tmp_path / "no-debian")
    monkeypatch.setattr(download, "BACKOFF", 0.0)
    monkeypatch.setattr(download, "TIMEOUT", 10.0)
    return home


class _Mirror:
    """A threaded HTTP server on 127.0.0.1 serving files from the real data home.

    Routes: /good/<folder>/<file> as stored; /corrupt/<folder>/<file> with bytes
    flipped in the middle; /short/<folder>/<file> cut short; anything else 404.
    ``requests`` records every path asked for.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[str] = []
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            timeout = 10

            def do_GET(self):  # noqa: N802 (http.server's naming)
                mirror.requests.append(self.path)
                parts = self.path.strip("/").split("/")
                body = None
                if len(parts) == 3 and parts[0] in ("good", "corrupt", "short"):
                    f = mirror.root / parts[1] / parts[2]
                    if f.is_file() and ".." not in parts:
                        body = f.read_bytes()
                        if parts[0] == "corrupt":
                            mid = len(body) // 2
                            body = body[:mid] + bytes(b ^ 0xFF for b in body[mid : mid + 64]) + body[mid + 64 :]
                        elif parts[0] == "short":
                            body = body[: len(body) // 3]
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        # Bounded: the server stops itself even if a test never tears it down.
        self.watchdog = threading.Timer(120.0, self.server.shutdown)
        self.watchdog.daemon = True

    def __enter__(self):
        self.thread.start()
        self.watchdog.start()
        return self

    def __exit__(self, *exc):
        self.watchdog.cancel()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def mirror(data_home):
    with _Mirror(data_home) as m:
        yield m


@pytest.fixture
def dead_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused at once)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}/mnist/"
