"""The IDX parser: every header field and the payload length are checked, and
every error names the file."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from minigrad.data.idx import IDXError, parse_idx, read_bytes, read_idx, sha256_hex


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("gz", [True, False])
def test_roundtrip_every_type_code(tmp_path, dtype, gz, write_idx):
    values = np.arange(24) if dtype == np.uint8 else np.arange(24) - 7.5 * (np.dtype(dtype).kind == "f") - 7
    a = values.astype(dtype).reshape(2, 3, 4)
    p = write_idx(tmp_path / "x.idx", a, gz=gz)
    out = read_idx(p)
    assert out.shape == (2, 3, 4)
    assert out.dtype == np.dtype(dtype)  # native byte order
    assert out.dtype.isnative
    np.testing.assert_array_equal(out, a)
    out[0, 0, 0] = 1  # we own a writable copy


def test_gzip_detected_by_content_not_name(tmp_path, idx_bytes):
    a = np.arange(10, dtype=np.uint8)
    p = tmp_path / "labels-without-gz-suffix"
    p.write_bytes(gzip.compress(idx_bytes(a)))
    np.testing.assert_array_equal(read_idx(p), a)


def test_wrong_magic(tmp_path, write_idx):
    p = write_idx(tmp_path / "bad-magic.gz", np.zeros(4, np.uint8), magic=b"\x12\x34\x08\x01")
    with pytest.raises(IDXError, match=r"bad-magic\.gz.*wrong magic number 0x12340801"):
        read_idx(p)


def test_unknown_type_code(tmp_path, write_idx):
    p = write_idx(tmp_path / "code.gz", np.zeros(4, np.uint8), code=0x0A)
    with pytest.raises(IDXError, match=r"code\.gz.*unknown IDX type code 0x0a"):
        read_idx(p)


def test_zero_dimensions():
    with pytest.raises(IDXError, match="f.idx: header declares 0 dimensions"):
        parse_idx(b"\x00\x00\x08\x00", "f.idx")


def test_too_short_for_header():
    with pytest.raises(IDXError, match=r"f.idx: too short for an IDX header \(3 bytes"):
        parse_idx(b"\x00\x00\x08", "f.idx")


def test_truncated_dimension_list():
    with pytest.raises(IDXError, match=r"f.idx: truncated header: 3 dimensions need 16 bytes, file has 8"):
        parse_idx(b"\x00\x00\x08\x03" + b"\x00\x00\x00\x05", "f.idx")


@pytest.mark.parametrize("gz", [True, False])
def test_truncated_payload(tmp_path, gz, idx_bytes):
    raw = idx_bytes(np.zeros((5, 28, 28), np.uint8))
    p = tmp_path / "images.idx"
    cut = raw[:-100]
    p.write_bytes(gzip.compress(cut) if gz else cut)
    with pytest.raises(IDXError) as e:
        read_idx(p)
    msg = str(e.value)
    assert str(p) in msg
    assert "truncated" in msg and "(5, 28, 28)" in msg
    assert f"file has {len(cut)} bytes" in msg


def test_trailing_bytes(idx_bytes):
    raw = idx_bytes(np.zeros(3, np.int32)) + b"junk"
    with pytest.raises(IDXError, match="f: 4 unexpected trailing bytes"):
        parse_idx(raw, "f")


def test_truncated_gzip_stream(tmp_path, idx_bytes):
    data = gzip.compress(idx_bytes(np.arange(1000, dtype=np.int32)))
    p = tmp_path / "cut.gz"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(IDXError, match=r"cut\.gz: gzip stream is truncated"):
        read_idx(p)


def test_corrupt_gzip_stream(tmp_path, idx_bytes):
    data = bytearray(gzip.compress(idx_bytes(np.arange(1000, dtype=np.int32))))
    data[-6] ^= 0xFF  # inside the CRC/length trailer
    p = tmp_path / "flip.gz"
    p.write_bytes(bytes(data))
    with pytest.raises(IDXError, match=r"flip\.gz: gzip stream is corrupt"):
        read_idx(p)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(IDXError, match="nope.gz: file does not exist"):
        read_idx(tmp_path / "nope.gz")
    with pytest.raises(IDXError, match="is a directory"):
        read_idx(tmp_path)


def test_idx_error_is_a_value_error():
    assert issubclass(IDXError, ValueError)


def test_sha256_of_decompressed_content(tmp_path, idx_bytes):
    raw = idx_bytes(np.arange(7, dtype=np.uint8))
    a = tmp_path / "a.gz"
    b = tmp_path / "b.gz"
    a.write_bytes(gzip.compress(raw, compresslevel=1))
    b.write_bytes(gzip.compress(raw, compresslevel=9, mtime=123))
    assert a.read_bytes() != b.read_bytes()
    assert sha256_hex(read_bytes(a)) == sha256_hex(read_bytes(b)) == sha256_hex(raw)
