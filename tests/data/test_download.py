"""The download path, against a local mirror on 127.0.0.1 serving the real files."""

from __future__ import annotations

import numpy as np
import pytest

from minigrad.data import datasets, download
from minigrad.data.datasets import CHECKSUMS, DatasetNotFoundError, load_split
from minigrad.data.download import DownloadError, md5_file
from minigrad.data.idx import read_bytes, sha256_hex

LABELS = "t10k-labels-idx1-ubyte"  # byte-identical to the canonical .gz (MD5 path)
IMAGES = "t10k-images-idx3-ubyte"


def _listing(d):
    return sorted(p.name for p in d.iterdir()) if d.exists() else []


def test_good_download_lands_in_the_cache(isolated, mirror, monkeypatch, data_home):
    monkeypatch.setitem(download.MIRRORS, "mnist", [mirror.url + "/good/mnist/"])
    images, labels = load_split("mnist", train=False, root=None, download=True)
    cache = isolated / ".cache" / "minigrad" / "mnist"
    assert _listing(cache) == [IMAGES + ".gz", LABELS + ".gz"]  # no temp files left
    assert images.shape == (10000, 28, 28) and labels.shape == (10000,)
    assert md5_file(cache / (LABELS + ".gz")) == CHECKSUMS["mnist"][LABELS][1]
    assert sha256_hex(read_bytes(cache / (IMAGES + ".gz"))) == CHECKSUMS["mnist"][IMAGES][0]
    # A second load reads the cache and never asks the mirror again.
    asked = len(mirror.requests)
    load_split("mnist", train=False, root=None, download=True)
    assert len(mirror.requests) == asked == 2


def test_recompressed_copy_accepted_by_content_hash(tmp_path, mirror):
    # Our copy of train-images is recompressed: its MD5 differs from the canonical
    # one but the decompressed content is the published file.
    name = "train-images-idx3-ubyte"
    sha, md5 = CHECKSUMS["mnist"][name]
    path = download.download(name + ".gz", tmp_path, [mirror.url + "/good/mnist/"], md5=md5, sha256=sha)
    assert md5_file(path) != md5
    assert sha256_hex(read_bytes(path)) == sha
    assert _listing(tmp_path) == [name + ".gz"]


@pytest.mark.parametrize("route", ["corrupt", "short"])
def test_corrupted_download_rejected_and_nothing_left(isolated, mirror, monkeypatch, route):
    monkeypatch.setitem(download.MIRRORS, "mnist", [mirror.url + f"/{route}/mnist/"])
    with pytest.raises(DatasetNotFoundError) as e:
        load_split("mnist", train=False, root=None, download=True)
    msg = str(e.value)
    assert "download failed" in msg and mirror.url in msg
    cache = isolated / ".cache" / "minigrad" / "mnist"
    assert _listing(cache) == []


def test_corrupted_download_direct(tmp_path, mirror):
    sha, md5 = CHECKSUMS["mnist"][LABELS]
    with pytest.raises(DownloadError, match="does not match|not a valid IDX"):
        download.download(LABELS + ".gz", tmp_path, [mirror.url + "/corrupt/mnist/"], md5=md5, sha256=sha,
                          tries_per_mirror=1)
    assert _listing(tmp_path) == []
    # A corrupt copy is not retried on the same mirror: one request only.
    assert len(mirror.requests) == 1


def test_dead_first_mirror_falls_through(isolated, mirror, monkeypatch, dead_url):
    monkeypatch.setitem(download.MIRRORS, "mnist", [dead_url, mirror.url + "/missing/", mirror.url + "/good/mnist/"])
    images, labels = load_split("mnist", train=False, root=None, download=True)
    assert images.shape == (10000, 28, 28)
    # 404s are not retried; the good mirror served both files.
    assert mirror.requests == [
        f"/missing/{IMAGES}.gz", f"/good/mnist/{IMAGES}.gz",
        f"/missing/{LABELS}.gz", f"/good/mnist/{LABELS}.gz",
    ]
    assert _listing(isolated / ".cache" / "minigrad" / "mnist") == [IMAGES + ".gz", LABELS + ".gz"]


def test_all_mirrors_dead_error_lists_each(tmp_path, dead_url):
    with pytest.raises(DownloadError) as e:
        download.download(LABELS + ".gz", tmp_path, [dead_url, dead_url.replace("mnist", "other")],
                          tries_per_mirror=2, backoff=0)
    msg = str(e.value)
    assert msg.count("try 1/2") == 2 and msg.count("try 2/2") == 2
    assert _listing(tmp_path) == []


def test_download_into_explicit_root(isolated, mirror, monkeypatch, tmp_path):
    monkeypatch.setitem(download.MIRRORS, "mnist", [mirror.url + "/good/mnist/"])
    root = tmp_path / "mydata"
    _, labels = load_split("mnist", train=False, root=root, download=True)
    assert np.bincount(labels).sum() == 10000
    assert _listing(root / "mnist") == [IMAGES + ".gz", LABELS + ".gz"]
    assert not (isolated / ".cache").exists()


def test_bad_file_in_cache_is_replaced(isolated, mirror, monkeypatch):
    cache = isolated / ".cache" / "minigrad" / "mnist"
    cache.mkdir(parents=True)
    (cache / (LABELS + ".gz")).write_bytes(b"\x1f\x8b garbage")
    monkeypatch.setitem(download.MIRRORS, "mnist", [mirror.url + "/good/mnist/"])
    _, labels = load_split("mnist", train=False, root=None, download=True)
    assert labels.shape == (10000,)
    assert md5_file(cache / (LABELS + ".gz")) == CHECKSUMS["mnist"][LABELS][1]


def test_bad_file_in_cache_removed_without_download(isolated, data_home):
    cache = isolated / ".cache" / "minigrad" / "mnist"
    cache.mkdir(parents=True)
    (cache / (IMAGES + ".gz")).write_bytes((data_home / "mnist" / (IMAGES + ".gz")).read_bytes())
    bad = cache / (LABELS + ".gz")
    bad.write_bytes((data_home / "mnist" / (LABELS + ".gz")).read_bytes()[:1000])
    with pytest.raises(ValueError, match=f"{LABELS}.gz: gzip stream is truncated.*removed it from the cache"):
        load_split("mnist", train=False, root=None, download=False)
    assert not bad.exists()


def test_mirror_table_is_the_canonical_one():
    assert download.MIRRORS["mnist"][0] == "https://ossci-datasets.s3.amazonaws.com/mnist/"
    assert len(download.MIRRORS["mnist"]) >= 2
    assert download.MIRRORS["fashion-mnist"][0] == "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
    assert datasets.DEBIAN_FASHION_MNIST_DIR.as_posix() == "/usr/share/datasets/fashion-mnist"


def test_wrong_content_in_cache_is_fetched_again(isolated, mirror, monkeypatch, data_home, write_idx):
    cache = isolated / ".cache" / "minigrad" / "mnist"
    (cache).mkdir(parents=True)
    (cache / (IMAGES + ".gz")).symlink_to(data_home / "mnist" / (IMAGES + ".gz"))
    write_idx(cache / (LABELS + ".gz"), np.zeros(10000, np.uint8))  # well formed, wrong content
    monkeypatch.setitem(download.MIRRORS, "mnist", [mirror.url + "/good/mnist/"])
    _, labels = load_split("mnist", train=False, root=None, download=True)
    assert np.bincount(labels).tolist()[:2] == [980, 1135]
    assert mirror.requests == [f"/good/mnist/{LABELS}.gz"]
    assert md5_file(cache / (LABELS + ".gz")) == CHECKSUMS["mnist"][LABELS][1]


def test_user_file_next_to_a_download_is_never_deleted(isolated, mirror, monkeypatch, tmp_path):
    root = tmp_path / "mine"
    (root / "mnist").mkdir(parents=True)
    mine = root / "mnist" / LABELS
    mine.write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x09" + bytes(3))
    monkeypatch.setitem(download.MIRRORS, "mnist", [mirror.url + "/good/mnist/"])
    with pytest.raises(ValueError, match=f"{LABELS}: truncated: header declares shape \\(9,\\)"):
        load_split("mnist", train=False, root=root, download=True)
    assert mine.exists() and mirror.requests == [f"/good/mnist/{IMAGES}.gz"]


def test_failed_download_leaves_no_empty_folder_it_made(tmp_path, dead_url):
    target = tmp_path / "cache" / "mnist"
    with pytest.raises(DownloadError):
        download.download(LABELS + ".gz", target, [dead_url], tries_per_mirror=1, backoff=0)
    assert not target.exists()  # made for the download, removed when nothing came
    kept = tmp_path / "mine"
    kept.mkdir()
    with pytest.raises(DownloadError):
        download.download(LABELS + ".gz", kept, [dead_url], tries_per_mirror=1, backoff=0)
    assert kept.is_dir()  # a folder that was there before stays


def test_missing_data_advice_depends_on_whether_downloading_was_on(isolated, monkeypatch, dead_url):
    from minigrad.data import MNIST, DatasetNotFoundError
    monkeypatch.setitem(download.MIRRORS, "mnist", [dead_url])
    monkeypatch.setattr(download, "TRIES_PER_MIRROR", 1)
    monkeypatch.setattr(download, "BACKOFF", 0)
    with pytest.raises(DatasetNotFoundError) as tried:
        MNIST(train=False)
    assert "downloading is on" in str(tried.value) and "download=True" not in str(tried.value)
    with pytest.raises(DatasetNotFoundError) as off:
        MNIST(train=False, download=False)
    assert "call again with download=True" in str(off.value)
