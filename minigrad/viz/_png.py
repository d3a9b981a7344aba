"""A minimal PNG writer (stdlib zlib) and colour maps, so the HTML page needs no matplotlib.

PNG is a signature and a list of chunks (length, type, data, CRC-32); the
pixels go in one IDAT chunk as zlib-compressed rows, each row prefixed by a
filter-type byte (0: none).
"""
from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

# Anchor colours (RGB in 0..1) of the two maps: sequential (white to blue) for
# non-negative activations, diverging (red - white - blue) for signed ones, zero
# at white. Positive is blue in both, so a ReLU visibly keeps the blue and drops the red.
_SEQUENTIAL = ((1.0, 1.0, 1.0), (0.62, 0.79, 0.88), (0.19, 0.51, 0.74), (0.03, 0.19, 0.42))
_DIVERGING = ((0.40, 0.0, 0.12), (0.96, 0.65, 0.51), (0.97, 0.97, 0.97), (0.57, 0.77, 0.87),
              (0.02, 0.19, 0.38))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def encode_png(pixels: Any) -> bytes:
    """PNG bytes of a uint8 array (H, W) grey or (H, W, 3) RGB."""
    import numpy as np

    a = np.ascontiguousarray(pixels, dtype=np.uint8)
    if a.ndim == 2:
        color_type, channels = 0, 1
    elif a.ndim == 3 and a.shape[2] == 3:
        color_type, channels = 2, 3
    else:
        raise ValueError(f"encode_png: expected (H, W) or (H, W, 3) pixels, got {a.shape}")
    h, w = a.shape[:2]
    rows = a.reshape(h, w * channels)
    raw = np.concatenate([np.zeros((h, 1), dtype=np.uint8), rows], axis=1).tobytes()
    header = struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b""))


def data_uri(pixels: Any) -> str:
    """A ``data:image/png;base64,...`` URI: an image that lives inside the HTML file."""
    return "data:image/png;base64," + base64.b64encode(encode_png(pixels)).decode("ascii")


def _apply(values01: Any, anchors: tuple) -> Any:
    import numpy as np

    stops = np.linspace(0.0, 1.0, len(anchors))
    table = np.asarray(anchors)
    v = np.clip(values01, 0.0, 1.0)
    rgb = np.stack([np.interp(v, stops, table[:, c]) for c in range(3)], axis=-1)
    return (rgb * 255 + 0.5).astype(np.uint8)


def colorize(values: Any, limit: float | None = None) -> Any:
    """(H, W) floats -> (H, W, 3) uint8: white-to-blue if non-negative, else red-white-blue.

    ``limit`` fixes the value drawn at full colour (default: the largest magnitude),
    so maps that share a limit can be compared by eye.
    """
    import numpy as np

    v = np.asarray(values, dtype=np.float64)
    lim = float(limit) if limit is not None else float(np.abs(v).max()) if v.size else 0.0
    lim = lim if lim > 0 else 1.0
    if v.size and v.min() >= 0:
        return _apply(v / lim, _SEQUENTIAL)
    return _apply(0.5 + 0.5 * v / lim, _DIVERGING)


def grey(values: Any) -> Any:
    """(H, W) floats -> uint8 grey, stretched from min (black) to max (white)."""
    import numpy as np

    v = np.asarray(values, dtype=np.float64)
    lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 0.0)
    return ((v - lo) / (hi - lo) * 255 + 0.5).astype(np.uint8) if hi > lo else \
        np.zeros(v.shape, dtype=np.uint8)
