"""explain_html: one self-contained page (no matplotlib needed) and the PNG writer under it."""
from __future__ import annotations

import base64
import html
import re
import struct
import zlib

import numpy as np
import pytest

import minigrad as mg
from minigrad.viz import explain_html
from minigrad.viz._png import colorize, encode_png

from _viz_helpers import tiny_cnn


def _decode_png(data: bytes) -> np.ndarray:
    """Read back what encode_png writes (8-bit grey/RGB, filter 0), checking every CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks[kind] = body
        pos += 12 + length
    assert b"IEND" in chunks
    w, h, depth, color, *_ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    ch = {0: 1, 2: 3}[color]
    raw = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), dtype=np.uint8).reshape(h, w * ch + 1)
    assert (raw[:, 0] == 0).all()
    return raw[:, 1:].reshape(h, w, ch).squeeze(-1) if ch == 1 else raw[:, 1:].reshape(h, w, 3)


def test_png_round_trip():
    grey = (np.arange(35).reshape(5, 7) * 7).astype(np.uint8)
    np.testing.assert_array_equal(_decode_png(encode_png(grey)), grey)
    rgb = np.random.default_rng(0).integers(0, 256, (4, 3, 3)).astype(np.uint8)
    np.testing.assert_array_equal(_decode_png(encode_png(rgb)), rgb)
    try:  # a real PNG reader agrees, when one is installed
        import matplotlib.image as mpimg
        import io
        np.testing.assert_allclose(mpimg.imread(io.BytesIO(encode_png(rgb)), format="png"),
                                   rgb / 255.0, atol=1e-6)
    except ImportError:
        pass
    with pytest.raises(ValueError, match="encode_png"):
        encode_png(np.zeros((2, 2, 4)))


def test_colorize_maps_zero_to_white_negative_to_red_positive_to_blue():
    signed = colorize(np.array([[-1.0, 0.0, 1.0]]))
    assert tuple(signed[0, 1]) == (247, 247, 247)
    assert signed[0, 0, 0] > signed[0, 0, 2] and signed[0, 2, 2] > signed[0, 2, 0]  # red, blue
    positive = colorize(np.array([[0.0, 2.0]]))
    assert tuple(positive[0, 0]) == (255, 255, 255) and positive[0, 1].sum() < 200


def test_explain_page_is_one_self_contained_file(tmp_path):
    model = tiny_cnn()
    model.train()
    x = mg.rand(1, 12, 12)
    names = ["zero", "one", "two", "three", "four<5>"]
    out = explain_html(model, x, tmp_path / "explain.html", class_names=names)
    assert out == str(tmp_path / "explain.html")
    assert [p.name for p in tmp_path.iterdir()] == ["explain.html"]  # nothing beside it
    page = (tmp_path / "explain.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    # no network, no scripts, nothing loaded from anywhere but the page itself
    assert not re.search(r"https?:", page) and "<script" not in page and "@import" not in page
    assert "<link" not in page and "url(" not in page
    sources = re.findall(r'src="([^"]*)"', page)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    # input + (3 maps + 3 kernels) + 3 relu + 3 pool + (4 maps + 4 kernels) + 4 relu
    # + flatten strip + linear strip
    assert len(sources) == 1 + 6 + 3 + 3 + 8 + 4 + 2
    for s in sources:
        assert _decode_png(base64.b64decode(s.split(",", 1)[1])).size > 0
    # the input tile is the input, stretched to grey
    first = _decode_png(base64.b64decode(sources[0].split(",", 1)[1]))
    xa = x.numpy()[0]
    np.testing.assert_array_equal(first, np.round((xa - xa.min()) / (xa.max() - xa.min())
                                                  * 255).astype(np.uint8))
    # every layer is a stage, in order, labelled with its output shape
    for label in ("0 <span class=\"kind\">", "1 <span", "2 <span", "6 <span"):
        assert label in page
    assert page.index("→ 3 × 10 × 10") < page.index("→ 3 × 5 × 5") < page.index("→ 5<")
    # probabilities: one bar per class, widths are the softmax, the top class is named
    with mg.no_grad():
        model.eval()
        probs = model(x.reshape(1, 1, 12, 12)).softmax(dim=1).numpy()[0]
    widths = [float(w) for w in re.findall(r'style="width:([\d.]+)%"', page)]
    np.testing.assert_allclose(widths, 100 * probs, atol=0.006)
    best = html.escape(names[int(probs.argmax())])
    assert f"Prediction: <b>{best}</b> with probability {100 * probs.max():.1f}%" in page
    assert "four&lt;5&gt;" in page and "four<5>" not in page  # names are escaped
    with pytest.raises(ValueError, match="2 class names for a model with 5 outputs"):
        explain_html(model, x, tmp_path / "bad.html", class_names=["a", "b"])


def test_explain_restores_training_mode_and_limits_channels(tmp_path):
    model = tiny_cnn()
    model.train()
    explain_html(model, mg.rand(1, 1, 12, 12), tmp_path / "e.html", max_channels=2)
    assert model.training
    page = (tmp_path / "e.html").read_text()
    assert "showing 2 of 3 channels" in page and "showing 2 of 4 channels" in page
