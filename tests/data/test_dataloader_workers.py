"""DataLoader(num_workers=N): worker threads load batches ahead, in order, reproducibly."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import (DataLoader, Dataset, IterableDataset, TensorDataset, WorkerInfo,
                           get_worker_info)
from minigrad.data import transforms as T


def _tds(n=23):
    x = mg.tensor(np.arange(2 * n, dtype=np.float32).reshape(n, 2))
    return TensorDataset(x, mg.tensor(np.arange(n)))


class _Samples(Dataset):
    """Sample by sample (no get_batch), recording which worker read each index."""

    def __init__(self, n=17, delay=0.0):
        self.n, self.delay, self.readers = n, delay, {}

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        info = get_worker_info()
        self.readers[i] = None if info is None else (info.id, info.num_workers, threading.get_ident())
        if self.delay:
            time.sleep(self.delay)
        return mg.tensor(np.full(3, i, dtype=np.float32)), i


class _Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        for i in range(self.n):
            yield mg.tensor(np.float32(i)), i


def _as_lists(loader):
    out = []
    for batch in loader:
        fields = batch if isinstance(batch, tuple) else (batch,)
        out.append([f.numpy().tolist() if hasattr(f, "numpy") else f for f in fields])
    return out


@pytest.mark.parametrize("kwargs", [
    dict(batch_size=4),
    dict(batch_size=4, drop_last=True),
    dict(batch_size=5, shuffle=True, seed=3),
    dict(batch_size=3, sampler=[5, 1, 7, 2, 9, 0, 4]),
    dict(batch_sampler=[[3, 1], [0], [6, 5, 4]]),
    dict(batch_size=None),
])
@pytest.mark.parametrize("make", [_tds, _Samples])
def test_workers_give_the_batches_of_the_main_thread(kwargs, make):
    main = _as_lists(DataLoader(make(), **kwargs))
    for workers in (1, 3):
        assert _as_lists(DataLoader(make(), num_workers=workers, **kwargs)) == main
    assert len(main) == len(DataLoader(make(), num_workers=2, **kwargs))


def test_samples_are_read_in_worker_threads():
    ds = _Samples(n=24, delay=0.002)
    seen = []
    loader = DataLoader(ds, batch_size=2, num_workers=3, prefetch_factor=2,
                        worker_init_fn=lambda wid: seen.append((wid, get_worker_info())))
    assert [b[1].numpy().tolist() for b in loader] == [[2 * i, 2 * i + 1] for i in range(12)]
    ids = {r[0] for r in ds.readers.values()}
    assert ids <= {0, 1, 2} and len(ids) >= 2  # the work was spread over the threads
    assert {r[1] for r in ds.readers.values()} == {3}
    assert all(r[2] != threading.get_ident() for r in ds.readers.values())
    assert sorted(w for w, _ in seen) == sorted(ids)  # worker_init_fn once per worker, with its id
    infos = [info for _, info in seen]
    assert all(isinstance(i, WorkerInfo) and i.dataset is ds for i in infos)
    assert len({i.seed for i in infos}) == len(infos)  # each worker has its own seed
    assert get_worker_info() is None  # the main thread is not a worker


def test_random_transforms_do_not_depend_on_threads_or_the_global_generator():
    x = mg.tensor(np.random.default_rng(0).integers(0, 255, (40, 1, 8, 8)).astype(np.uint8))
    ds = TensorDataset(x, mg.tensor(np.arange(40)))
    tf = T.Compose([T.ToFloat(), T.RandomCrop(8, padding=2)])

    def run(workers, seed=7, noise=False):
        loader = DataLoader(ds, batch_size=6, shuffle=True, transform=tf, seed=seed, num_workers=workers)
        out = []
        for xb, yb in loader:
            if noise:  # the training step's own draws (dropout) from the global generator
                mg.rand(100)
            out.append((xb.numpy().copy(), yb.numpy().tolist()))
        return out

    one = run(1)
    for other in (run(1), run(4), run(3, noise=True)):
        assert [y for _, y in other] == [y for _, y in one]
        for (a, _), (b, _) in zip(one, other):
            np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for (a, _), (b, _) in zip(one, run(1, seed=8)))
    # The crops really are random: some batch differs from its uncropped images.
    assert any(not np.array_equal(a, x.numpy()[y].astype(np.float32) / 255) for a, y in one)


def test_unseeded_workers_follow_manual_seed():
    ds = _tds(30)
    mg.manual_seed(5)
    a = _as_lists(DataLoader(ds, batch_size=4, shuffle=True, num_workers=2))
    mg.manual_seed(5)
    b = _as_lists(DataLoader(ds, batch_size=4, shuffle=True, num_workers=2))
    assert a == b and sorted(sum((f[1] for f in a), [])) == list(range(30))


def test_iterable_dataset_is_read_in_order_by_one_worker():
    main = _as_lists(DataLoader(_Stream(11), batch_size=3))
    assert _as_lists(DataLoader(_Stream(11), batch_size=3, num_workers=4)) == main
    assert main[-1][1] == [9, 10]


class _Broken(Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        if i == 6:
            raise KeyError("sample 6 is corrupt")
        return mg.tensor(np.float32(i))


def test_a_worker_error_reaches_the_loop_and_threads_stop():
    before = threading.active_count()
    loader = DataLoader(_Broken(), batch_size=2, num_workers=2)
    it = iter(loader)
    assert next(it).numpy().tolist() == [0.0, 1.0]
    with pytest.raises(KeyError, match="sample 6 is corrupt"):
        list(it)
    for batch in DataLoader(_tds(40), batch_size=2, num_workers=3):
        break  # leaving early shuts the workers down
    deadline = time.time() + 5
    while threading.active_count() > before and time.time() < deadline:
        time.sleep(0.01)
    assert threading.active_count() == before


def test_timeout_names_the_loader():
    loader = DataLoader(_Samples(n=4, delay=0.5), batch_size=2, num_workers=1, timeout=0.05)
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.05 seconds"):
        next(iter(loader))


def test_worker_options_are_checked_as_pytorch():
    ds = _tds(4)
    with pytest.raises(ValueError, match="num_workers option should be a non-negative int"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(ds, num_workers=1.5)
    with pytest.raises(ValueError, match="timeout option should be non-negative"):
        DataLoader(ds, timeout=-1)
    for option in (dict(prefetch_factor=2), dict(persistent_workers=True),
                   dict(multiprocessing_context="spawn")):
        with pytest.raises(ValueError, match=f"{next(iter(option))} option could only be specified"):
            DataLoader(ds, **option)
    with pytest.raises(ValueError, match="prefetch_factor option should be a positive int"):
        DataLoader(ds, num_workers=1, prefetch_factor=0)
    with pytest.raises(TypeError, match="worker_init_fn must be callable"):
        DataLoader(ds, num_workers=1, worker_init_fn=3)
    loader = DataLoader(ds, batch_size=2, num_workers=2, pin_memory=True, persistent_workers=True)
    assert loader.prefetch_factor == 2 and loader.pin_memory and "num_workers=2" in repr(loader)
    assert DataLoader(ds).prefetch_factor is None


def test_positional_arguments_follow_pytorch():
    ds = _tds(6)
    loader = DataLoader(ds, 3, False, None, None, 2)  # the sixth is num_workers, as in torch
    assert loader.num_workers == 2 and _as_lists(loader) == _as_lists(DataLoader(ds, 3))
    with pytest.raises(TypeError):
        DataLoader(ds, 3, False, None, None, 0, None, False, False, 0, None, None, None, 2)
