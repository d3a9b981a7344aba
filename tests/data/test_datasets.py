"""MNIST / Fashion-MNIST on the real files, where the loader looks, and bad input."""

from __future__ import annotations

import gzip
import re

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import (MNIST, DatasetNotFoundError, FashionMNIST, IDXError, Subset, TensorDataset,
                           random_split)
from minigrad.data import datasets
from minigrad.data.datasets import CHECKSUMS, SPLIT_FILES
from minigrad.data.idx import read_bytes, sha256_hex

MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def mnist_train(data_home):
    return MNIST(root=data_home, train=True, download=False)


@pytest.fixture(scope="module")
def mnist_test(data_home):
    return MNIST(root=data_home, train=False, download=False)


def _gz_or_raw(folder, name):
    for p in (folder / name, folder / (name + ".gz")):
        if p.is_file():
            return p
    raise AssertionError(f"{name} missing in {folder}")


# --- the real data -----------------------------------------------------------


def test_mnist_sizes_and_dtypes(mnist_train, mnist_test):
    assert len(mnist_train) == 60000 and len(mnist_test) == 10000
    for ds in (mnist_train, mnist_test):
        assert isinstance(ds.data, mg.Tensor) and isinstance(ds.targets, mg.Tensor)
        assert ds.data.shape == (len(ds), 28, 28) and ds.data.dtype == np.uint8
        assert ds.targets.shape == (len(ds),) and ds.targets.dtype == np.int64
        assert ds.data.device == "cpu" and ds.targets.device == "cpu"
        assert len(ds.classes) == 10 and ds.class_to_idx["3 - three"] == 3


def test_mnist_test_label_counts_match_readme(mnist_test):
    assert np.bincount(mnist_test.targets.numpy(), minlength=10).tolist() == MNIST_TEST_COUNTS


def test_mnist_indexing(mnist_train, mnist_test):
    image, label = mnist_train[0]
    assert isinstance(image, mg.Tensor) and image.shape == (28, 28) and image.dtype == np.uint8
    assert label == 5 and isinstance(label, int)  # the famous first digit
    assert mnist_test[0][1] == 7 and mnist_test[-1][1] == int(mnist_test.targets.numpy()[-1])
    np.testing.assert_array_equal(mnist_train[59999][0].numpy(), mnist_train.data.numpy()[59999])
    with pytest.raises(IndexError, match="index 60000 is out of range for 60000"):
        mnist_train[60000]
    with pytest.raises(TypeError, match="index with an int"):
        mnist_train[1.5]


def test_readme_checksums_are_ours(data_home):
    readme = data_home / "README.md"
    if not readme.is_file():
        pytest.skip("no README.md beside the data")
    rows = re.findall(r"\|\s*([\w-]+)/([\w-]+)\s*\|\s*([0-9a-f]{64})\s*\|\s*([0-9a-f]{32})\s*\|", readme.read_text())
    assert len(rows) == 8
    for folder, name, sha, md5 in rows:
        assert CHECKSUMS[folder][name] == (sha, md5)


@pytest.mark.parametrize("folder,name", [(f, n) for f in CHECKSUMS for n in CHECKSUMS[f]])
def test_every_file_verifies_by_sha256(data_home, folder, name):
    if not (data_home / folder).is_dir():
        pytest.skip(f"no {folder}/ in {data_home}")
    path = _gz_or_raw(data_home / folder, name)
    assert sha256_hex(read_bytes(path)) == CHECKSUMS[folder][name][0]


def test_fashion_mnist_test_split(fashion_home):
    ds = FashionMNIST(root=fashion_home, train=False, download=False)
    assert len(ds) == 10000 and ds.data.shape == (10000, 28, 28)
    assert np.bincount(ds.targets.numpy()).tolist() == [1000] * 10
    assert ds.classes[9] == "Ankle boot"


def test_raw_uncompressed_files_load(tmp_path, data_home):
    d = tmp_path / "mnist"
    d.mkdir()
    for name in SPLIT_FILES[False]:
        (d / name).write_bytes(read_bytes(_gz_or_raw(data_home / "mnist", name)))
    ds = MNIST(root=tmp_path, train=False, download=False)
    assert len(ds) == 10000


def test_transform_runs_on_the_sample(mnist_test):
    from minigrad.data import transforms as T

    ds = MNIST.__new__(MNIST)
    ds.__dict__.update(mnist_test.__dict__)
    ds.transform = T.Normalize((0.5,), (0.5,))
    image, label = ds[3]
    assert image.shape == (1, 28, 28) and image.dtype == np.float32
    expected = (mnist_test.data.numpy()[3] / np.float32(255) - 0.5) / 0.5
    np.testing.assert_allclose(image.numpy()[0], expected, rtol=0, atol=1e-6)
    assert label == int(mnist_test.targets.numpy()[3])


# --- where the loader looks ----------------------------------------------------


def _link_split(src_folder, dst_folder, train=False):
    dst_folder.mkdir(parents=True, exist_ok=True)
    for name in SPLIT_FILES[train]:
        src = _gz_or_raw(src_folder, name)
        (dst_folder / src.name).symlink_to(src)


def test_env_var_wins_over_cache(isolated, tmp_path, data_home, monkeypatch):
    _link_split(data_home / "mnist", tmp_path / "env" / "mnist")
    cache = isolated / ".cache" / "minigrad" / "mnist"
    cache.mkdir(parents=True)
    for name in SPLIT_FILES[False]:
        (cache / (name + ".gz")).write_bytes(gzip.compress(b"not idx"))
    monkeypatch.setenv("MINIGRAD_DATA", str(tmp_path / "env"))
    assert len(MNIST(train=False, download=False)) == 10000  # the broken cache was never read
    assert (cache / (SPLIT_FILES[False][0] + ".gz")).exists()
    monkeypatch.delenv("MINIGRAD_DATA")
    with pytest.raises(IDXError, match="wrong magic number.*removed it from the cache"):
        MNIST(train=False, download=False)
    assert not (cache / (SPLIT_FILES[False][0] + ".gz")).exists()  # nothing bad left in the cache


def test_cache_is_used_without_env(isolated, data_home):
    _link_split(data_home / "mnist", isolated / ".cache" / "minigrad" / "mnist")
    assert len(MNIST(train=False, download=False)) == 10000


def test_debian_directory_for_fashion_only(isolated, fashion_home, monkeypatch):
    monkeypatch.setattr(datasets, "DEBIAN_FASHION_MNIST_DIR", fashion_home / "fashion-mnist")
    assert len(FashionMNIST(train=False, download=False)) == 10000
    with pytest.raises(DatasetNotFoundError) as e:
        MNIST(train=False, download=False)
    assert "fashion-mnist" not in str(e.value).split("To provide")[0]


def test_nothing_found_says_where_and_how(isolated, tmp_path, monkeypatch):
    monkeypatch.setenv("MINIGRAD_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(DatasetNotFoundError) as e:
        FashionMNIST(train=True, download=False)
    msg = str(e.value)
    assert "FashionMNIST (train split) not found" in msg
    for where in (tmp_path / "nowhere" / "fashion-mnist", isolated / ".cache" / "minigrad" / "fashion-mnist",
                  tmp_path / "no-debian"):
        assert str(where) in msg
    assert "MINIGRAD_DATA" in msg and "apt-get install dataset-fashion-mnist" in msg
    assert "fashion-mnist.s3-website.eu-central-1.amazonaws.com" in msg and "download=True" in msg
    assert isinstance(e.value, RuntimeError)


def test_missing_root(tmp_path):
    root = tmp_path / "does-not-exist"
    with pytest.raises(DatasetNotFoundError) as e:
        MNIST(root=root, train=False, download=False)
    msg = str(e.value)
    assert str(root / "mnist") in msg and "root argument" in msg
    assert "t10k-images-idx3-ubyte[.gz]" in msg and "ossci-datasets" in msg
    assert "apt-get" not in msg  # there is no Debian package for MNIST
    assert not root.exists()


# --- bad files in a user directory ----------------------------------------------


def _fake_split(root, images, labels, folder="mnist", train=False, write_idx=None):
    img_name, lbl_name = SPLIT_FILES[train]
    write_idx(root / folder / (img_name + ".gz"), images)
    write_idx(root / folder / (lbl_name + ".gz"), labels)
    return root / folder / (img_name + ".gz"), root / folder / (lbl_name + ".gz")


def test_label_image_count_mismatch(tmp_path, write_idx):
    img, lbl = _fake_split(tmp_path, np.zeros((5, 28, 28), np.uint8), np.zeros(4, np.uint8), write_idx=write_idx)
    with pytest.raises(IDXError) as e:
        MNIST(root=tmp_path, train=False, download=False)
    msg = str(e.value)
    assert "label/image count mismatch" in msg and f"{img} holds 5 images" in msg and f"{lbl} holds 4 labels" in msg
    assert img.exists() and lbl.exists()  # never delete a user's files


def test_wrong_image_shape_and_label_range(tmp_path, write_idx):
    _fake_split(tmp_path, np.zeros((3, 20, 20), np.uint8), np.zeros(3, np.uint8), write_idx=write_idx)
    with pytest.raises(IDXError, match=r"expected uint8 images of shape \(N, 28, 28\), got uint8 \(3, 20, 20\)"):
        MNIST(root=tmp_path, train=False, download=False)
    _fake_split(tmp_path, np.zeros((3, 28, 28), np.uint8), np.array([1, 12, 3], np.uint8), write_idx=write_idx)
    with pytest.raises(IDXError, match="label 12 is out of range for 10 classes"):
        MNIST(root=tmp_path, train=False, download=False)


def test_well_formed_but_wrong_content(tmp_path, write_idx):
    img, _ = _fake_split(tmp_path, np.zeros((3, 28, 28), np.uint8), np.zeros(3, np.uint8), write_idx=write_idx)
    with pytest.raises(IDXError, match=f"{img}: decompressed content has SHA-256 .* expected 0fa7898d"):
        MNIST(root=tmp_path, train=False, download=False)
    assert img.exists()


def test_truncated_and_wrong_magic_real_file(tmp_path, data_home, idx_bytes):
    d = tmp_path / "mnist"
    d.mkdir()
    img_name, lbl_name = SPLIT_FILES[False]
    content = read_bytes(_gz_or_raw(data_home / "mnist", img_name))
    (d / (img_name + ".gz")).write_bytes(gzip.compress(content[:-784], compresslevel=1))
    (d / lbl_name).write_bytes(read_bytes(_gz_or_raw(data_home / "mnist", lbl_name)))
    with pytest.raises(IDXError, match=rf"{img_name}\.gz: truncated: header declares shape \(10000, 28, 28\)"):
        MNIST(root=tmp_path, train=False, download=False)
    (d / (img_name + ".gz")).unlink()
    (d / img_name).write_bytes(content)
    (d / lbl_name).write_bytes(b"\x00\x00\x08\x05" + b"\x00" * 8)
    with pytest.raises(IDXError, match=rf"{lbl_name}: truncated header: 5 dimensions"):
        MNIST(root=tmp_path, train=False, download=False)
    (d / lbl_name).write_bytes(b"\x08\x00\x00\x01")
    with pytest.raises(IDXError, match=rf"{lbl_name}: wrong magic number 0x08000001"):
        MNIST(root=tmp_path, train=False, download=False)


def test_train_must_be_bool(tmp_path):
    with pytest.raises(TypeError, match="train must be a bool"):
        MNIST(root=tmp_path, train="yes", download=False)


# --- generic datasets ----------------------------------------------------------


def test_tensor_dataset():
    x = mg.tensor(np.arange(12, dtype=np.float32).reshape(6, 2))
    y = mg.tensor(np.arange(6))
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    a, b = ds[4]
    np.testing.assert_array_equal(a.numpy(), [8, 9])
    assert int(b.item()) == 4
    xb, yb = ds.get_batch([5, 0, 5])
    np.testing.assert_array_equal(xb.numpy(), [[10, 11], [0, 1], [10, 11]])
    np.testing.assert_array_equal(yb.numpy(), [5, 0, 5])
    with pytest.raises(ValueError, match=r"first dimension: \(6, 2\), \(5,\)"):
        TensorDataset(x, mg.tensor(np.arange(5)))
    with pytest.raises(TypeError, match="argument 1 is a list"):
        TensorDataset(x, [1, 2])
    with pytest.raises(IndexError, match="index 6 is out of range"):
        ds.get_batch([0, 6])
    with pytest.raises(TypeError, match="indices must be integers"):
        ds.get_batch(np.array([0.5]))


def test_subset_and_random_split():
    ds = TensorDataset(mg.tensor(np.arange(10)))
    sub = Subset(ds, [7, 3, 3])
    assert len(sub) == 3 and int(sub[0][0].item()) == 7
    np.testing.assert_array_equal(sub.get_batch([2, 0])[0].numpy(), [3, 7])
    parts = random_split(ds, [6, 4], generator=0)
    assert [len(p) for p in parts] == [6, 4]
    got = np.concatenate([p.indices for p in parts])
    assert sorted(got.tolist()) == list(range(10)) and got.tolist() != list(range(10))
    again = random_split(ds, [6, 4], generator=0)
    assert [p.indices.tolist() for p in again] == [p.indices.tolist() for p in parts]
    fr = random_split(ds, [0.5, 0.25, 0.25], generator=np.random.default_rng(1))
    assert [len(p) for p in fr] == [6, 2, 2]  # floors 5 + 2 + 2; the one left over goes to the first (as PyTorch)
    mg.manual_seed(3)
    a = random_split(ds, [5, 5])[0].indices.tolist()
    mg.manual_seed(3)
    assert random_split(ds, [5, 5])[0].indices.tolist() == a
    with pytest.raises(ValueError, match="lengths sum to 9, dataset has 10"):
        random_split(ds, [5, 4])
    with pytest.raises(ValueError, match="neither counts nor fractions"):
        random_split(ds, [0.5, 0.4])
    plain = Subset(_PlainDataset(), [0])
    assert not hasattr(plain, "get_batch") and hasattr(sub, "get_batch")


class _PlainDataset(mg.data.Dataset):
    def __len__(self):
        return 3

    def __getitem__(self, i):
        return i
