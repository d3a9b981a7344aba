"""Samplers and DataLoader(sampler=, batch_sampler=): orders, distributions, seeds, torch's rules."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from _counting_dataset import CountingTensorDataset
from minigrad.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
)


def _tds(n=10):
    return TensorDataset(mg.tensor(np.arange(2 * n, dtype=np.float32).reshape(n, 2)), mg.tensor(np.arange(n)))


def _ys(loader):
    return [b[1].numpy().tolist() for b in loader]


# --- the samplers on their own ----------------------------------------------------------


def test_sequential_sampler():
    s = SequentialSampler(range(7))
    assert list(s) == list(range(7)) and len(s) == 7
    assert list(SequentialSampler([])) == []
    with pytest.raises(TypeError, match="SequentialSampler: data_source must have __len__"):
        SequentialSampler(3)


def test_sampler_base_is_abstract():
    with pytest.raises(NotImplementedError, match="_Mine must implement __iter__"):
        iter(type("_Mine", (Sampler,), {})())


def test_random_sampler_is_a_permutation_and_seeded():
    data = list(range(40))
    a = RandomSampler(data, generator=7)
    e1, e2 = list(a), list(a)
    assert sorted(e1) == data and sorted(e2) == data and e1 != data
    assert e1 != e2  # one generator for the sampler's life: epochs differ
    b = RandomSampler(data, generator=7)
    assert list(b) == e1 and list(b) == e2  # ... and a new sampler with the seed replays them
    assert list(RandomSampler(data, generator=np.random.default_rng(7))) == e1
    assert list(RandomSampler(data, generator=8)) != e1
    assert len(a) == 40 and all(isinstance(i, int) for i in e1)


def test_random_sampler_follows_manual_seed():
    s = RandomSampler(range(30))
    mg.manual_seed(3)
    first = list(s)
    mg.manual_seed(3)
    assert list(s) == first
    assert list(s) != first


def test_random_sampler_num_samples_without_replacement():
    # torch: whole permutations one after another, then the head of one more.
    s = RandomSampler(range(6), num_samples=15, generator=0)
    order = list(s)
    assert len(order) == len(s) == 15
    assert sorted(order[:6]) == list(range(6)) and sorted(order[6:12]) == list(range(6))
    assert len(set(order[12:])) == 3
    short = list(RandomSampler(range(50), num_samples=10, generator=0))
    assert len(short) == 10 and len(set(short)) == 10


def test_random_sampler_with_replacement_is_uniform():
    n, k = 8, 16000
    s = RandomSampler(range(n), replacement=True, num_samples=k, generator=1)
    counts = np.bincount(list(s), minlength=n)
    assert counts.sum() == k and counts.shape == (n,)
    expected = k / n
    sigma = np.sqrt(k * (1 / n) * (1 - 1 / n))
    assert np.all(np.abs(counts - expected) < 5 * sigma), counts
    assert len(RandomSampler(range(n), replacement=True)) == n  # num_samples defaults to the dataset size


def test_random_sampler_reads_the_length_lazily():
    data = [0, 1, 2]
    s = RandomSampler(data, generator=0)
    data.extend([3, 4])
    assert len(s) == 5 and sorted(s) == [0, 1, 2, 3, 4]


def test_random_sampler_errors():
    with pytest.raises(TypeError, match="RandomSampler: replacement must be a bool, got replacement=1"):
        RandomSampler(range(3), replacement=1)
    for bad in (0, -2, 2.5, True):
        with pytest.raises(ValueError, match="RandomSampler: num_samples must be a positive int"):
            RandomSampler(range(3), num_samples=bad)
    with pytest.raises(TypeError, match="RandomSampler: generator must be a numpy.random.Generator or an int"):
        RandomSampler(range(3), generator="seed")
    with pytest.raises(ValueError, match="RandomSampler: cannot draw 4 samples from an empty data_source"):
        list(RandomSampler([], num_samples=4))
    assert list(RandomSampler([])) == []


def test_subset_random_sampler():
    idx = [3, 9, 4, 20, 11]
    s = SubsetRandomSampler(idx, generator=2)
    e1, e2 = list(s), list(s)
    assert sorted(e1) == sorted(idx) and sorted(e2) == sorted(idx) and len(s) == 5
    assert e1 != e2
    assert list(SubsetRandomSampler(idx, generator=2)) == e1
    t = SubsetRandomSampler(mg.tensor(np.array(idx)), generator=2)
    assert list(t) == e1
    with pytest.raises(ValueError, match=r"SubsetRandomSampler: indices must be a 1-D sequence, got shape \(2, 2\)"):
        SubsetRandomSampler([[1, 2], [3, 4]])
    with pytest.raises(TypeError, match="SubsetRandomSampler: indices must be integers, got dtype float64"):
        SubsetRandomSampler([0.5, 1.0])


def test_weighted_sampler_frequencies_follow_the_weights():
    w = [1.0, 0.0, 3.0, 6.0]
    k = 20000
    s = WeightedRandomSampler(w, num_samples=k, generator=4)
    counts = np.bincount(list(s), minlength=4)
    p = np.array(w) / sum(w)
    sigma = np.sqrt(k * p * (1 - p))
    assert counts[1] == 0  # a zero weight is never drawn
    assert np.all(np.abs(counts - k * p) <= 5 * sigma + 1e-12), counts
    assert len(s) == k
    assert list(WeightedRandomSampler(w, 50, generator=4)) == list(WeightedRandomSampler(w, 50, generator=4))
    t = WeightedRandomSampler(mg.tensor(np.array(w, np.float32)), 50, generator=4)  # a Tensor of weights
    assert list(t) == list(WeightedRandomSampler(w, 50, generator=4))


def test_weighted_sampler_without_replacement():
    w = np.array([5.0, 1.0, 0.0, 2.0, 0.5])
    for seed in range(20):
        drawn = list(WeightedRandomSampler(w, 4, replacement=False, generator=seed))
        assert len(set(drawn)) == 4 and 2 not in drawn
    # The heaviest weight comes first most often: 5 / 8.5 of the time.
    firsts = [list(WeightedRandomSampler(w, 2, replacement=False, generator=s))[0] for s in range(400)]
    assert abs(firsts.count(0) / 400 - 5 / 8.5) < 5 * np.sqrt((5 / 8.5) * (3.5 / 8.5) / 400)


def test_weighted_sampler_errors():
    with pytest.raises(ValueError, match="WeightedRandomSampler: num_samples must be a positive int, got num_samples=0"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(TypeError, match="WeightedRandomSampler: replacement must be a bool"):
        WeightedRandomSampler([1.0], 1, replacement="no")
    with pytest.raises(ValueError, match=r"WeightedRandomSampler: weights must be a 1-D sequence, got shape \(2, 1\)"):
        WeightedRandomSampler([[1.0], [2.0]], 1)
    with pytest.raises(ValueError, match="WeightedRandomSampler: weights must be finite and non-negative"):
        WeightedRandomSampler([1.0, -0.5], 1)
    with pytest.raises(ValueError, match="WeightedRandomSampler: weights must be finite and non-negative"):
        WeightedRandomSampler([1.0, float("nan")], 1)
    with pytest.raises(ValueError, match="WeightedRandomSampler: weights sum to zero"):
        WeightedRandomSampler([0.0, 0.0], 1)
    with pytest.raises(ValueError, match="cannot draw 3 samples without replacement from 2 nonzero weights"):
        WeightedRandomSampler([1.0, 0.0, 2.0], 3, replacement=False)
    with pytest.raises(TypeError, match="WeightedRandomSampler: weights must be real numbers, got dtype <U1"):
        WeightedRandomSampler(["a"], 1)


def test_batch_sampler():
    assert list(BatchSampler(SequentialSampler(range(10)), 4, False)) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert list(BatchSampler(range(10), 4, True)) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(BatchSampler(range(10), 4, False)) == 3 and len(BatchSampler(range(10), 4, True)) == 2
    assert len(BatchSampler(range(8), 4, False)) == 2
    shuffled = list(BatchSampler(RandomSampler(range(9), generator=0), 3, False))
    assert sorted(sum(shuffled, [])) == list(range(9)) and [len(b) for b in shuffled] == [3, 3, 3]
    with pytest.raises(ValueError, match="BatchSampler: batch_size must be a positive int, got batch_size=0"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="BatchSampler: drop_last must be a bool, got drop_last=1"):
        BatchSampler(range(3), 2, 1)
    with pytest.raises(TypeError, match="BatchSampler: sampler must be iterable, got int"):
        BatchSampler(3, 2, False)
    with pytest.raises(TypeError, match="BatchSampler: its sampler generator has no len"):
        len(BatchSampler((i for i in range(3)), 2, False))


def test_deterministic_samplers_agree_with_torch():
    torch = pytest.importorskip("torch")
    tud = torch.utils.data
    for n, bs, drop in [(10, 4, False), (10, 4, True), (8, 4, False), (3, 5, False), (3, 5, True)]:
        ours = BatchSampler(SequentialSampler(range(n)), bs, drop)
        theirs = tud.BatchSampler(tud.SequentialSampler(range(n)), bs, drop)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
    # torch's structure for num_samples > n without replacement: whole permutations first.
    theirs = list(tud.RandomSampler(range(4), num_samples=10))
    assert sorted(theirs[:4]) == sorted(theirs[4:8]) == list(range(4))
    ours = list(RandomSampler(range(4), num_samples=10, generator=0))
    assert sorted(ours[:4]) == sorted(ours[4:8]) == list(range(4))


# --- DataLoader with samplers ------------------------------------------------------------


def test_default_path_order_is_unchanged():
    """Shuffling without a sampler is still one permutation from the seeded generator,
    drawn right after the seed of the epoch's augmentation generator."""
    ds = _tds(23)
    got = sum(_ys(DataLoader(ds, batch_size=5, shuffle=True, seed=9)), [])
    host = np.random.default_rng(9)
    host.integers(0, 2**63 - 1)
    assert got == host.permutation(23).tolist()


def test_loader_follows_the_sampler_with_one_gather_per_batch():
    base = _tds(20)
    ds = CountingTensorDataset(*base.tensors)
    sampler = SubsetRandomSampler([1, 5, 7, 11, 12, 19, 3], generator=0)
    expected = list(SubsetRandomSampler([1, 5, 7, 11, 12, 19, 3], generator=0))
    loader = DataLoader(ds, batch_size=3, sampler=sampler)
    assert len(loader) == 3
    batches = list(loader)
    assert [b[1].numpy().tolist() for b in batches] == [expected[:3], expected[3:6], expected[6:]]
    np.testing.assert_array_equal(batches[0][0].numpy(), base.tensors[0].numpy()[expected[:3]])
    assert ds.batches == 3
    dropped = DataLoader(ds, batch_size=3, sampler=SequentialSampler(ds), drop_last=True)
    assert len(dropped) == 6 and _ys(dropped)[-1] == [15, 16, 17]


def test_loader_with_a_plain_iterable_sampler_and_generic_dataset():
    class Squares:
        def __len__(self):
            return 10

        def __getitem__(self, i):
            return mg.tensor(np.array([i * i], np.float32)), i

    loader = DataLoader(Squares(), batch_size=2, sampler=[9, 0, 4])
    xs = [b[0].numpy().ravel().tolist() for b in loader]
    assert xs == [[81.0, 0.0], [16.0]] and len(loader) == 2


def test_loader_with_batch_sampler():
    ds = CountingTensorDataset(*_tds(12).tensors)
    bs = BatchSampler(RandomSampler(range(12), generator=5), 5, drop_last=False)
    expected = list(BatchSampler(RandomSampler(range(12), generator=5), 5, drop_last=False))
    loader = DataLoader(ds, batch_sampler=bs)
    assert len(loader) == 3 and loader.batch_size is None
    assert _ys(loader) == expected and ds.batches == 3
    lists = DataLoader(ds, batch_sampler=[[3, 1], [0, 0, 2]])
    assert _ys(lists) == [[3, 1], [0, 0, 2]]


def test_weighted_sampler_balances_classes_through_the_loader():
    labels = np.array([0] * 90 + [1] * 10)
    ds = TensorDataset(mg.tensor(np.zeros((100, 1), np.float32)), mg.tensor(labels))
    weights = 1.0 / np.bincount(labels)[labels]
    loader = DataLoader(ds, batch_size=100, sampler=WeightedRandomSampler(weights, 4000, generator=0))
    ys = np.concatenate([y.numpy() for _, y in loader])
    assert ys.shape == (4000,)
    assert abs(ys.mean() - 0.5) < 5 * np.sqrt(0.25 / 4000)  # balanced, though 1 is a tenth of the data


def test_sampler_and_loader_seeds_make_epochs_repeatable():
    ds = _tds(30)

    def run():
        mg.manual_seed(21)
        loader = DataLoader(ds, batch_size=7, sampler=RandomSampler(ds))
        return _ys(loader), _ys(loader)

    (a1, a2), (b1, b2) = run(), run()
    assert a1 == b1 and a2 == b2 and a1 != a2 and sorted(sum(a1, [])) == list(range(30))


def test_unbatched_loading():
    ds = _tds(4)
    items = list(DataLoader(ds, batch_size=None))
    assert len(items) == 4 and len(DataLoader(ds, batch_size=None)) == 4
    x, y = items[2]
    assert x.shape == (2,) and x.numpy().tolist() == [4.0, 5.0] and int(y.item()) == 2
    via_sampler = [int(y.item()) for _, y in DataLoader(ds, batch_size=None, sampler=[3, 0])]
    assert via_sampler == [3, 0]
    conv = list(DataLoader(ds, batch_size=None, collate_fn=lambda s: int(s[1].item()) * 10))
    assert conv == [0, 10, 20, 30]


def test_loader_argument_rules_match_torch():
    ds = _tds(6)
    s = SequentialSampler(ds)
    bs = BatchSampler(s, 2, False)
    with pytest.raises(ValueError, match="DataLoader: sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=s, shuffle=True)
    for kwargs in ({"batch_size": 2}, {"shuffle": True}, {"sampler": s}, {"drop_last": True}):
        with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive with batch_size, shuffle"):
            DataLoader(ds, batch_sampler=bs, **kwargs)
    with pytest.raises(ValueError, match="batch_size=None option disables auto-batching and is mutually exclusive "
                                         "with drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="transform= is a batch transform and needs batches"):
        DataLoader(ds, batch_size=None, transform=lambda x: x)
    with pytest.raises(TypeError, match="DataLoader: sampler must be iterable, got int"):
        DataLoader(ds, sampler=3)
    with pytest.raises(TypeError, match="DataLoader: batch_sampler must be iterable, got float"):
        DataLoader(ds, batch_sampler=1.5)
    DataLoader(ds, sampler=s, shuffle=False)  # an explicit False is fine, as in torch


def test_loader_rules_agree_with_torch_where_torch_refuses():
    torch = pytest.importorskip("torch")
    tud = torch.utils.data
    tds = tud.TensorDataset(torch.arange(6))
    cases = [
        {"sampler": [0, 1], "shuffle": True},
        {"batch_sampler": [[0, 1]], "batch_size": 2},
        {"batch_sampler": [[0, 1]], "drop_last": True},
        {"batch_size": None, "drop_last": True},
    ]
    for kwargs in cases:
        with pytest.raises(ValueError):
            tud.DataLoader(tds, **kwargs)
        with pytest.raises(ValueError):
            DataLoader(_tds(6), **kwargs)
