"""StackDataset, dict samples in default_collate, default_convert."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import DataLoader, Dataset, StackDataset, TensorDataset, default_collate, default_convert


def _tds(n, offset=0):
    return TensorDataset(mg.tensor(np.arange(offset, offset + n, dtype=np.float32)), mg.tensor(np.arange(n)))


class _Plain(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return mg.tensor(np.full(2, 10 * i, dtype=np.float32))


def test_tuple_and_dict_samples():
    a, b = _tds(5), _Plain(5)
    s = StackDataset(a, b)
    assert len(s) == 5
    (x, y), z = s[3]
    assert float(x.item()) == 3.0 and int(y.item()) == 3 and z.numpy().tolist() == [30.0, 30.0]
    d = StackDataset(pair=a, plain=b)
    assert set(d[2]) == {"pair", "plain"} and d[2]["plain"].numpy().tolist() == [20.0, 20.0]


def test_loader_batches_stacked_datasets_with_and_without_the_gather_path():
    a, c = _tds(7), _tds(7, offset=100)
    both = StackDataset(a, c)
    assert hasattr(both, "get_batch")  # every part can gather: so can the stack
    assert not hasattr(StackDataset(a, _Plain(7)), "get_batch")
    (xa, ya), (xc, yc) = next(iter(DataLoader(both, batch_size=4)))
    assert xa.numpy().tolist() == [0, 1, 2, 3] and xc.numpy().tolist() == [100, 101, 102, 103]
    assert ya.numpy().tolist() == yc.numpy().tolist() == [0, 1, 2, 3]
    batch = next(iter(DataLoader(StackDataset(pair=a, plain=_Plain(7)), batch_size=3, shuffle=True, seed=1)))
    order = batch["pair"][1].numpy()
    assert batch["plain"].shape == (3, 2)
    np.testing.assert_array_equal(batch["plain"].numpy()[:, 0], 10 * order)
    dicts = StackDataset(p=a, q=c)
    gathered = next(iter(DataLoader(dicts, batch_size=2, device="cpu")))
    assert gathered["q"][0].numpy().tolist() == [100, 101]
    with pytest.raises(TypeError, match="dict batch has no first field"):
        next(iter(DataLoader(dicts, batch_size=2, transform=lambda t: t)))


def test_stack_errors():
    with pytest.raises(ValueError, match="size mismatch between datasets"):
        StackDataset(_tds(3), _tds(4))
    with pytest.raises(ValueError, match="not both"):
        StackDataset(_tds(3), y=_tds(3))
    with pytest.raises(ValueError, match="at least one dataset"):
        StackDataset()
    with pytest.raises(TypeError, match="must be map-style"):
        StackDataset(_tds(3), [1, 2, 3].__iter__())


def test_default_collate_dicts():
    samples = [{"x": mg.tensor(np.float32(i)), "n": i} for i in range(3)]
    out = default_collate(samples)
    assert out["x"].numpy().tolist() == [0, 1, 2] and out["n"].dtype == np.int64
    with pytest.raises(ValueError, match="sample 0 has keys"):
        default_collate([{"x": 1}, {"y": 2}])


def test_default_convert_and_unbatched_loading():
    Point = collections.namedtuple("Point", "a b")
    out = default_convert({"p": Point(np.arange(3), 2.5), "l": [np.float32(1.5), "text"]})
    assert isinstance(out["p"], Point) and isinstance(out["p"].a, mg.Tensor)
    assert out["p"].a.numpy().tolist() == [0, 1, 2] and out["p"].b == 2.5
    assert isinstance(out["l"][0], mg.Tensor) and out["l"][0].dtype == np.float32 and out["l"][1] == "text"
    assert default_convert(np.array(["a", "b"])).tolist() == ["a", "b"]  # strings stay arrays

    class _Arrays(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return np.full(2, i, dtype=np.float32), i

    items = list(DataLoader(_Arrays(), batch_size=None))  # as PyTorch: arrays become tensors
    assert isinstance(items[1][0], mg.Tensor) and items[1][0].numpy().tolist() == [1, 1] and items[1][1] == 1
