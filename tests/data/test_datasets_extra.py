"""ConcatDataset, IterableDataset and ChainDataset, alone and through the DataLoader."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from _counting_dataset import CountingTensorDataset
from minigrad.data import (
    MNIST,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
)


def _tds(start, n, cls=TensorDataset):
    x = mg.tensor(np.arange(start, start + n, dtype=np.float32)[:, None] * np.ones((1, 3), np.float32))
    return cls(x, mg.tensor(np.arange(start, start + n)))


class _Range(IterableDataset):
    def __init__(self, lo, hi, with_len=True):
        self.lo, self.hi, self.with_len = lo, hi, with_len

    def __iter__(self):
        for i in range(self.lo, self.hi):
            yield mg.tensor(np.full(2, i, np.float32)), i

    def __len__(self):
        if not self.with_len:
            raise TypeError("no len")
        return self.hi - self.lo


class _Lst(Dataset):
    def __init__(self, items):
        self.items = list(items)

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


# --- ConcatDataset ----------------------------------------------------------------------


def test_concat_sizes_and_indexing():
    a, b, c = _Lst("abc"), _Lst(""), _Lst("defg")
    cat = ConcatDataset([a, b, c])
    assert cat.cumulative_sizes == [3, 3, 7] and len(cat) == 7
    assert [cat[i] for i in range(7)] == list("abcdefg")
    assert [cat[-i] for i in range(1, 8)] == list("gfedcba")
    assert cat[np.int64(4)] == "e"
    with pytest.raises(IndexError, match="ConcatDataset: index 7 is out of range for 7 samples"):
        cat[7]
    with pytest.raises(IndexError, match="ConcatDataset: index -8 is out of range for 7 samples"):
        cat[-8]
    with pytest.raises(TypeError, match="ConcatDataset: index with an int, got str"):
        cat["1"]
    plus = a + c
    assert isinstance(plus, ConcatDataset) and [plus[i] for i in range(len(plus))] == list("abcdefg")


def test_concat_agrees_with_torch():
    torch = pytest.importorskip("torch")
    parts = [list(range(0, 4)), list(range(10, 11)), [], list(range(20, 25))]
    ours = ConcatDataset([_Lst(p) for p in parts])
    theirs = torch.utils.data.ConcatDataset(parts)
    assert ours.cumulative_sizes == theirs.cumulative_sizes and len(ours) == len(theirs)
    for i in range(-len(ours), len(ours)):
        assert ours[i] == theirs[i]


def test_concat_errors():
    with pytest.raises(ValueError, match="ConcatDataset: datasets should not be an empty iterable"):
        ConcatDataset([])
    with pytest.raises(TypeError, match="ConcatDataset does not support IterableDataset"):
        ConcatDataset([_Lst("ab"), _Range(0, 3)])
    with pytest.raises(TypeError, match=r"ConcatDataset: dataset 1 \(int\) needs __len__ and __getitem__"):
        ConcatDataset([_Lst("ab"), 5])


def test_concat_of_array_datasets_gathers_once_per_part():
    a, b = _tds(0, 7, CountingTensorDataset), _tds(100, 5, CountingTensorDataset)
    cat = ConcatDataset([a, b])
    assert hasattr(cat, "get_batch")
    idx = [8, 0, -1, 3, 7, 11]
    x, y = cat.get_batch(idx)
    expected = [100 + 1, 0, 100 + 4, 3, 100 + 0, 100 + 4]
    assert y.numpy().tolist() == expected and y.dtype == np.int64
    np.testing.assert_array_equal(x.numpy(), np.array(expected, np.float32)[:, None] * np.ones((1, 3), np.float32))
    assert x.dtype == np.float32 and (a.batches, b.batches) == (1, 1)
    loader = DataLoader(cat, batch_size=5, shuffle=True, seed=3)
    seen = []
    for xb, yb in loader:
        np.testing.assert_array_equal(xb.numpy()[:, 0], yb.numpy().astype(np.float32))
        seen += yb.numpy().tolist()
    assert sorted(seen) == list(range(7)) + list(range(100, 105))
    assert a.batches + b.batches <= 1 + 1 + 2 * len(loader)  # one gather per part per batch, no per-sample reads
    only_b = cat.get_batch([9, 10])
    assert only_b[1].numpy().tolist() == [102, 103]
    empty = cat.get_batch(np.zeros(0, np.int64))
    assert empty[0].shape == (0, 3)


def test_concat_get_batch_only_when_every_part_has_it():
    cat = ConcatDataset([_tds(0, 3), _Lst([(mg.tensor(np.zeros(3, np.float32)), mg.tensor(9))])])
    assert not hasattr(cat, "get_batch")
    x, y = next(iter(DataLoader(cat, batch_size=4)))  # still loads, sample by sample
    assert x.shape == (4, 3) and y.numpy().tolist() == [0, 1, 2, 9]
    mixed = ConcatDataset([_tds(0, 1), _Lst([(mg.tensor(np.zeros(3, np.float32)), 9)])])
    with pytest.raises(TypeError, match="default_collate: sample 0 is a Tensor but sample 1 is int"):
        next(iter(DataLoader(mixed, batch_size=2)))


def test_concat_get_batch_refuses_mismatched_parts():
    ints = TensorDataset(mg.tensor(np.zeros((2, 3), np.int64)), mg.tensor(np.arange(2)))
    cat = ConcatDataset([_tds(0, 2), ints])
    with pytest.raises(TypeError, match=r"ConcatDataset.get_batch: field 0 has different dtypes \['float32', 'int64'\]"):
        cat.get_batch([0, 3])
    wide = TensorDataset(mg.tensor(np.zeros((2, 4), np.float32)), mg.tensor(np.arange(2)))
    with pytest.raises(ValueError, match=r"field 0 has different sample shapes \[\(3,\), \(4,\)\]"):
        ConcatDataset([_tds(0, 2), wide]).get_batch([0, 3])
    with pytest.raises(IndexError, match="ConcatDataset.get_batch: index 4 is out of range for 4 samples"):
        ConcatDataset([_tds(0, 2), _tds(5, 2)]).get_batch([4])


def test_concat_of_mnist_subsets(data_home):
    mnist = MNIST(root=data_home, train=False, download=False)
    cat = Subset(mnist, [5, 6, 7]) + Subset(mnist, [100, 101])
    x, y = next(iter(DataLoader(cat, batch_size=5)))
    rows = [5, 6, 7, 100, 101]
    np.testing.assert_array_equal(x.numpy(), mnist.data.numpy()[rows])
    np.testing.assert_array_equal(y.numpy(), mnist.targets.numpy()[rows])


# --- IterableDataset and ChainDataset --------------------------------------------------------


def test_iterable_dataset_is_batched_in_order():
    loader = DataLoader(_Range(0, 7), batch_size=3)
    batches = list(loader)
    assert len(loader) == 3 and [b[1].numpy().tolist() for b in batches] == [[0, 1, 2], [3, 4, 5], [6]]
    assert batches[0][0].shape == (3, 2) and batches[0][0].dtype == np.float32
    dropped = DataLoader(_Range(0, 7), batch_size=3, drop_last=True)
    assert len(dropped) == 2 and [b[1].numpy().tolist() for b in dropped] == [[0, 1, 2], [3, 4, 5]]
    single = [y for _, y in DataLoader(_Range(2, 5), batch_size=None)]
    assert single == [2, 3, 4]
    custom = list(DataLoader(_Range(0, 4), batch_size=2, collate_fn=lambda s: [i for _, i in s]))
    assert custom == [[0, 1], [2, 3]]
    doubled = next(iter(DataLoader(_Range(1, 3), batch_size=2, transform=lambda x: x * 2)))
    assert doubled[0].numpy().tolist() == [[2, 2], [4, 4]]


def test_iterable_dataset_refuses_shuffle_and_samplers_as_torch():
    ds = _Range(0, 4)
    for name, value in (("shuffle", True), ("sampler", [0, 1]), ("batch_sampler", [[0]])):
        with pytest.raises(ValueError, match=f"DataLoader with IterableDataset: expected unspecified {name} option"):
            DataLoader(ds, **{name: value})
    DataLoader(ds, shuffle=False)
    with pytest.raises(TypeError, match="DataLoader: _Range has no len"):
        len(DataLoader(_Range(0, 4, with_len=False), batch_size=2))
    with pytest.raises(TypeError, match="_Range is an IterableDataset: iterate over it, it has no indexing"):
        ds[0]
    with pytest.raises(NotImplementedError, match="IterableDataset must implement __iter__"):
        iter(IterableDataset())


def test_iterable_batches_agree_with_torch():
    torch = pytest.importorskip("torch")

    class TorchRange(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(11))

    class OurRange(IterableDataset):
        def __iter__(self):
            return iter(range(11))

    for bs, drop in [(4, False), (4, True), (11, False), (12, True)]:
        theirs = [b.tolist() for b in torch.utils.data.DataLoader(TorchRange(), batch_size=bs, drop_last=drop)]
        ours = [b.numpy().tolist() for b in DataLoader(OurRange(), batch_size=bs, drop_last=drop)]
        assert ours == theirs


def test_iterable_batches_move_to_the_device():
    strict_backend = pytest.importorskip("strict_backend")
    strict_backend.register()
    batches = list(DataLoader(_Range(0, 5), batch_size=2, device="strict"))
    assert all(x.device == "strict" and y.device == "strict" for x, y in batches)
    assert batches[-1][1].to("cpu").numpy().tolist() == [4]


def test_chain_dataset():
    chain = ChainDataset([_Range(0, 3), _Range(10, 12)])
    assert [i for _, i in chain] == [0, 1, 2, 10, 11] and len(chain) == 5
    plus = _Range(0, 2) + _Range(5, 6)
    assert isinstance(plus, ChainDataset) and [i for _, i in plus] == [0, 1, 5]
    ys = [b[1].numpy().tolist() for b in DataLoader(chain, batch_size=2)]
    assert ys == [[0, 1], [2, 10], [11]]
    with pytest.raises(TypeError, match="ChainDataset only supports IterableDataset, dataset 1 is _Lst"):
        ChainDataset([_Range(0, 1), _Lst("a")])
