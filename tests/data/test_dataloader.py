"""DataLoader: batching, reproducible shuffling, the one-gather fast path, devices."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from _counting_dataset import CountingTensorDataset
from minigrad.data import MNIST, DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split
from minigrad.data import transforms as T


def _tds(n=10):
    x = mg.tensor(np.arange(2 * n, dtype=np.float32).reshape(n, 2))
    y = mg.tensor(np.arange(n))
    return TensorDataset(x, y)


def _ys(loader):
    return [b[1].numpy().tolist() for b in loader]


@pytest.fixture(scope="module")
def mnist_test(data_home):
    return MNIST(root=data_home, train=False, download=False)


def test_sequential_batches_and_len():
    ds = _tds(10)
    loader = DataLoader(ds, batch_size=4)
    assert len(loader) == 3
    assert _ys(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    x0, y0 = next(iter(loader))
    assert x0.shape == (4, 2) and x0.dtype == np.float32 and y0.dtype == np.int64
    np.testing.assert_array_equal(x0.numpy(), [[0, 1], [2, 3], [4, 5], [6, 7]])
    dl = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(dl) == 2 and _ys(dl) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(ds)) == 10 and len(DataLoader(ds, batch_size=20, drop_last=True)) == 0


def test_shuffle_is_a_permutation_and_seeded():
    ds = _tds(50)
    a = DataLoader(ds, batch_size=8, shuffle=True, seed=123)
    b = DataLoader(ds, batch_size=8, shuffle=True, seed=123)
    e1, e2 = _ys(a), _ys(a)
    assert e1 == _ys(b) and e2 == _ys(b)  # a new loader with the seed replays every epoch
    assert e1 != e2  # epochs differ from each other
    flat = sum(e1, [])
    assert sorted(flat) == list(range(50)) and flat != list(range(50))
    assert _ys(DataLoader(ds, batch_size=8, shuffle=True, seed=124)) != e1
    g = _ys(DataLoader(ds, batch_size=8, shuffle=True, generator=np.random.default_rng(123)))
    assert sorted(sum(g, [])) == list(range(50))
    with pytest.raises(ValueError, match="either generator= or seed="):
        DataLoader(ds, shuffle=True, seed=1, generator=np.random.default_rng(1))


def test_manual_seed_makes_unseeded_loader_repeatable():
    ds = _tds(30)
    loader = DataLoader(ds, batch_size=7, shuffle=True)
    mg.manual_seed(11)
    first = _ys(loader)
    mg.manual_seed(11)
    assert _ys(loader) == first
    assert _ys(loader) != first


def test_array_backed_dataset_uses_one_gather_per_batch():
    base = _tds(25)
    ds = CountingTensorDataset(*base.tensors)
    loader = DataLoader(ds, batch_size=10, shuffle=True, seed=0)
    assert [len(y) for y in _ys(loader)] == [10, 10, 5]
    assert ds.batches == 3
    sub = random_split(ds, [20, 5], generator=1)[0]
    batches = list(DataLoader(sub, batch_size=8))
    assert ds.batches == 6 and [b[0].shape[0] for b in batches] == [8, 8, 4]
    np.testing.assert_array_equal(batches[0][1].numpy(), sub.indices[:8])


def test_mnist_epoch(mnist_test, monkeypatch):
    monkeypatch.setattr(MNIST, "__getitem__", lambda self, i: pytest.fail("per-sample access"))
    loader = DataLoader(mnist_test, batch_size=1000, shuffle=True, seed=0,
                        transform=T.Compose([T.RandomAffine(10, translate=(0.1, 0.1)), T.Normalize(0.1307, 0.3081)]))
    counts = np.zeros(10, np.int64)
    for x, y in loader:
        assert x.shape == (1000, 1, 28, 28) and x.dtype == np.float32 and x.device == "cpu"
        assert y.dtype == np.int64
        counts += np.bincount(y.numpy(), minlength=10)
    assert counts.tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_seeded_loader_reproduces_augmentation(mnist_test):
    sub = Subset(mnist_test, np.arange(64))
    aug = T.RandomAffine(25, translate=(0.1, 0.1), scale=(0.9, 1.1))
    a = [x.numpy() for x, _ in DataLoader(sub, batch_size=32, shuffle=True, seed=5, transform=aug)]
    b = [x.numpy() for x, _ in DataLoader(sub, batch_size=32, shuffle=True, seed=5, transform=aug)]
    c = [x.numpy() for x, _ in DataLoader(sub, batch_size=32, shuffle=True, seed=6, transform=aug)]
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert any(not np.array_equal(u, w) for u, w in zip(a, c))


def test_dataset_transform_applies_to_batches(mnist_test):
    sub = Subset(mnist_test, [3, 1, 4])
    mnist_test.transform = T.Normalize((0.5,), (0.5,))
    try:
        x, y = next(iter(DataLoader(sub, batch_size=3)))
    finally:
        mnist_test.transform = None
    raw = mnist_test.data.numpy()[[3, 1, 4]]
    assert x.shape == (3, 1, 28, 28)
    np.testing.assert_allclose(x.numpy()[:, 0], (raw / np.float32(255) - 0.5) / 0.5, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(y.numpy(), mnist_test.targets.numpy()[[3, 1, 4]])


class _Pairs(Dataset):
    def __init__(self, n, kind="tensor"):
        self.n, self.kind = n, kind

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if self.kind == "float":
            return float(i) / 2, i % 3
        if self.kind == "ragged":
            return mg.tensor(np.zeros(i + 1, np.float32)), i
        return mg.tensor(np.full(3, i, np.float32)), i


def test_generic_dataset_is_collated():
    loader = DataLoader(_Pairs(5), batch_size=2, transform=lambda x: x * 2)
    batches = list(loader)
    assert len(batches) == 3
    x, y = batches[0]
    assert x.shape == (2, 3) and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(x.numpy(), [[0, 0, 0], [2, 2, 2]])
    xf, yf = next(iter(DataLoader(_Pairs(4, "float"), batch_size=4)))
    assert xf.dtype == np.float32 and xf.numpy().tolist() == [0, 0.5, 1, 1.5] and yf.numpy().tolist() == [0, 1, 2, 0]
    with pytest.raises(ValueError, match="cannot stack tensors of different shapes"):
        next(iter(DataLoader(_Pairs(3, "ragged"), batch_size=3)))
    custom = DataLoader(_Pairs(4, "ragged"), batch_size=2, collate_fn=lambda s: [len(a) for a, _ in s])
    assert list(custom) == [[1, 2], [3, 4]]
    assert default_collate(["a", "bb"]) == ["a", "bb"]  # strings batch as a list, as PyTorch
    with pytest.raises(TypeError, match="don't know how to batch NoneType"):
        default_collate([None, None])


def test_argument_errors():
    ds = _tds(4)
    for bad in (0, -1, 2.0, True, "8"):
        with pytest.raises(ValueError, match="batch_size must be a positive int"):
            DataLoader(ds, batch_size=bad)
    with pytest.raises(TypeError, match="transform must be callable"):
        DataLoader(ds, transform=3)
    with pytest.raises(TypeError, match="dataset must have __len__ and __getitem__"):
        DataLoader(object())
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        DataLoader(ds, device="tpu")


def test_batches_move_to_the_device(mnist_test):
    strict_backend = pytest.importorskip("strict_backend")
    strict_backend.register()
    sub = Subset(mnist_test, np.arange(100))
    loader = DataLoader(sub, batch_size=40, shuffle=True, seed=0, device="strict",
                        transform=T.Compose([T.RandomAffine(10, interpolation="bilinear"), T.Normalize(0.13, 0.31)]))
    seen = 0
    for x, y in loader:
        assert x.device == "strict" and y.device == "strict" and x.dtype == np.float32
        seen += int(y.to("cpu").numpy().shape[0])
    assert seen == 100
    tl = DataLoader(_Pairs(3), batch_size=2, device="strict")
    assert all(b[0].device == "strict" and b[1].device == "strict" for b in tl)


@pytest.mark.skipif(not mg.cuda.is_available(), reason="no CUDA device")
def test_cuda_batches(mnist_test):
    loader = DataLoader(Subset(mnist_test, np.arange(256)), batch_size=128, shuffle=True, seed=0, device="cuda",
                        transform=T.Compose([T.RandomAffine(15, (0.1, 0.1), (0.9, 1.1), 5), T.RandomErasing(),
                                             T.RandomCrop(28, padding=2), T.Normalize(0.1307, 0.3081)]))
    a = [x.numpy() for x, _ in loader]
    b = [x.numpy() for x, _ in DataLoader(loader.dataset, batch_size=128, shuffle=True, seed=0, device="cuda",
                                          transform=loader.transform)]
    assert len(a) == 2 and a[0].shape == (128, 1, 28, 28) and a[0].dtype == np.float32
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


def test_collate_strings_and_namedtuples_as_pytorch():
    from collections import namedtuple
    Sample = namedtuple("Sample", ["image", "label", "name"])

    class Named(Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return Sample(np.full((2,), i, dtype=np.float32), i, f"img{i}.png")

    batch = next(iter(DataLoader(Named(), batch_size=3)))
    assert isinstance(batch, Sample)
    assert batch.image.shape == (3, 2) and batch.label.numpy().tolist() == [0, 1, 2]
    assert batch.name == ["img0.png", "img1.png", "img2.png"]
