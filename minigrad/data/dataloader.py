"""DataLoader: batches from a dataset, shuffled reproducibly, on the device you train on.

For array-backed datasets (anything with ``get_batch``: ``TensorDataset``,
``MNIST``, ``FashionMNIST``, ``Subset``/``random_split`` of them) each batch is
one fancy index per array, one host-to-device transfer, then the transforms on
the whole batch. Other datasets are read sample by sample and stacked.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Iterable, Iterator, Optional

import numpy as np  # host-side index bookkeeping (orders, seeds) only

from .datasets import Dataset, IterableDataset, _backend, _call_transform, _host_rng, _wrap
from .workers import load_ahead


def default_collate(samples: list) -> Any:
    """Stack a list of samples (Tensors, numbers, tuples of them) into a batch, field by field."""
    if not samples:
        raise ValueError("default_collate: empty list of samples")
    first = samples[0]
    if isinstance(first, Mapping):
        for i, s in enumerate(samples):
            if not isinstance(s, Mapping) or s.keys() != first.keys():
                raise ValueError(f"default_collate: sample 0 has keys {sorted(first)} but sample {i} is "
                                 f"{sorted(s) if isinstance(s, Mapping) else type(s).__name__}")
        return {k: default_collate([s[k] for s in samples]) for k in first}
    if isinstance(first, (tuple, list)):
        width = len(first)
        for i, s in enumerate(samples):
            if not isinstance(s, (tuple, list)) or len(s) != width:
                raise ValueError(
                    f"default_collate: sample 0 has {width} fields but sample {i} is {type(s).__name__} "
                    f"of length {len(s) if isinstance(s, (tuple, list)) else 'n/a'}"
                )
        fields = tuple(default_collate([s[k] for s in samples]) for k in range(width))
        return type(first)(*fields) if hasattr(first, "_fields") else fields  # namedtuples kept
    if hasattr(first, "array") and hasattr(first, "device"):
        device = first.device
        for i, s in enumerate(samples):
            if not (hasattr(s, "array") and hasattr(s, "device")):
                raise TypeError(f"default_collate: sample 0 is a Tensor but sample {i} is {type(s).__name__}")
        shapes = {tuple(s.shape) for s in samples}
        if len(shapes) != 1:
            raise ValueError(f"default_collate: cannot stack tensors of different shapes {sorted(shapes)}")
        devices = {s.device for s in samples}
        if len(devices) != 1:
            raise RuntimeError(f"default_collate: samples live on different devices {sorted(devices)}")
        return _wrap(_backend(device).xp.stack([s.array for s in samples]), device)
    if isinstance(first, (bool, np.bool_)):
        return _wrap(np.asarray(samples, dtype=np.bool_), "cpu")
    if isinstance(first, (int, np.integer)):
        return _wrap(np.asarray(samples, dtype=np.int64), "cpu")
    if isinstance(first, (float, np.floating)):
        return _wrap(np.asarray(samples, dtype=np.float32), "cpu")
    if isinstance(first, np.ndarray):
        return _wrap(np.stack(samples), "cpu")
    if isinstance(first, (str, bytes)):  # names, paths, captions: a list, as PyTorch
        return list(samples)
    raise TypeError(f"default_collate: don't know how to batch {type(first).__name__}; pass collate_fn=")


def default_convert(data: Any) -> Any:
    """NumPy arrays (in tuples, lists and dicts, at any depth) to Tensors, without batching:
    what PyTorch's DataLoader does to samples when batching is off."""
    if isinstance(data, np.ndarray) and data.dtype.kind in "biuf":
        return _wrap(data, "cpu")
    if isinstance(data, np.generic) and data.dtype.kind in "biuf":
        return _wrap(np.asarray(data), "cpu")
    if isinstance(data, Mapping):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # a namedtuple keeps its type
        return type(data)(*(default_convert(v) for v in data))
    if isinstance(data, (tuple, list)):
        return type(data)(default_convert(v) for v in data)
    return data


def _to_device(batch: Any, device: Optional[str]) -> Any:
    if device is None:
        return batch
    if isinstance(batch, tuple):
        return tuple(_to_device(b, device) for b in batch)
    if isinstance(batch, Mapping):
        return {k: _to_device(v, device) for k, v in batch.items()}
    if hasattr(batch, "array") and batch.device != device:
        return batch.to(device)
    return batch


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size``.

    ``transform`` is a batch transform applied to the first field (the inputs)
    after the batch reaches ``device`` (``None``: wherever the dataset keeps its
    data). Shuffling and the random transforms are reproducible: pass ``seed``
    (or a ``numpy.random.Generator`` as ``generator``), or call
    ``mg.manual_seed`` before creating the iterator.

    As in PyTorch, ``sampler`` (indices one by one) or ``batch_sampler`` (lists
    of indices) replace the built-in order: ``sampler`` excludes ``shuffle``;
    ``batch_sampler`` excludes ``batch_size``, ``shuffle``, ``sampler`` and
    ``drop_last``. Each batch of indices still becomes one gather for
    array-backed datasets. ``batch_size=None`` turns batching off (samples come
    one by one, through ``collate_fn`` if given). An ``IterableDataset`` is
    batched in arrival order and refuses ``shuffle`` and samplers.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: Optional[int] = 1,
        shuffle: Optional[bool] = None,
        sampler: Optional[Iterable[int]] = None,
        batch_sampler: Optional[Iterable[Sequence[int]]] = None,
        num_workers: int = 0,
        collate_fn: Optional[Callable] = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Optional[Callable[[int], Any]] = None,
        multiprocessing_context: Any = None,
        generator: Any = None,
        *,
        prefetch_factor: Optional[int] = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
        transform: Optional[Callable] = None,
        device: Optional[str] = None,
        seed: Optional[int] = None,
    ) -> None:
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1
        ):
            raise ValueError(f"DataLoader: batch_size must be a positive int or None, got {batch_size!r}")
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            if not hasattr(dataset, "__iter__"):
                raise TypeError(f"DataLoader: dataset {type(dataset).__name__} has no __iter__")
        elif not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError(f"DataLoader: dataset must have __len__ and __getitem__, got {type(dataset).__name__}")
        if iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(
                        f"DataLoader with IterableDataset: expected unspecified {name} option, but got {name}={value!r}"
                    )
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                    f"and drop_last (got batch_size={batch_size!r}, shuffle={shuffle!r}, "
                    f"sampler={type(sampler).__name__ if sampler is not None else None}, drop_last={drop_last!r})"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is mutually exclusive "
                             "with drop_last")
        for name, value in (("sampler", sampler), ("batch_sampler", batch_sampler)):
            if value is not None and not hasattr(value, "__iter__"):
                raise TypeError(f"DataLoader: {name} must be iterable, got {type(value).__name__}")
        if transform is not None and not callable(transform):
            raise TypeError(f"DataLoader: transform must be callable, got {type(transform).__name__}")
        if transform is not None and batch_size is None and batch_sampler is None:
            raise ValueError("DataLoader: transform= is a batch transform and needs batches (got batch_size=None); "
                             "give the dataset the transform instead")
        _check_worker_options(num_workers, timeout, worker_init_fn, multiprocessing_context,
                              prefetch_factor, persistent_workers)
        if device is not None:
            from ..backend import normalize_device

            device = normalize_device(device)
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.drop_last = bool(drop_last)
        self.transform = transform
        self.device = device
        self.collate_fn = collate_fn
        self.num_workers = int(num_workers)
        self.prefetch_factor = (2 if prefetch_factor is None else int(prefetch_factor)) if num_workers else None
        self.timeout = float(timeout)
        self.worker_init_fn = worker_init_fn
        self.persistent_workers = bool(persistent_workers)
        # Accepted for PyTorch code; nothing to pin: host batches are copied to a GPU by CuPy.
        self.pin_memory, self.pin_memory_device, self.in_order = bool(pin_memory), pin_memory_device, in_order
        # Seeded: one generator for the loader's lifetime, so epochs differ from each
        # other yet a new loader with the same seed replays them exactly.
        self._rng = _host_rng(generator, seed) if (seed is not None or generator is not None) else None

    def __len__(self) -> int:
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        if self.sampler is not None:
            n = len(self.sampler)
        else:
            try:
                n = len(self.dataset)
            except (TypeError, NotImplementedError):
                raise TypeError(f"DataLoader: {type(self.dataset).__name__} has no len()") from None
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _epoch_generators(self) -> tuple[np.random.Generator, Any]:
        host = self._rng if self._rng is not None else _host_rng()
        if self._rng is None:
            return host, None  # transforms use the device generator that manual_seed resets
        device = self.device or _dataset_device(self.dataset)
        aug = _backend(device).xp.random.default_rng(int(host.integers(0, 2**63 - 1)))
        return host, aug

    def _index_batches(self, host: np.random.Generator) -> Iterator[Any]:
        """This epoch's batches of indices (arrays or lists), from the built-in order or the samplers."""
        if self.batch_sampler is not None:
            yield from self.batch_sampler
            return
        if self.sampler is None:
            n = len(self.dataset)
            order = host.permutation(n) if self.shuffle else np.arange(n)
            if self.batch_size is None:
                yield from order
                return
            stop = (n // self.batch_size) * self.batch_size if self.drop_last else n
            for start in range(0, stop, self.batch_size):
                yield order[start : start + self.batch_size]
            return
        it = iter(self.sampler)
        if self.batch_size is None:
            yield from it
            return
        while True:
            batch = list(itertools.islice(it, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield batch

    def _iterable_batches(self) -> Iterator[Any]:
        """An IterableDataset's samples, collated in groups of ``batch_size`` as they arrive."""
        it = iter(self.dataset)
        if self.batch_size is None:
            for sample in it:
                yield sample if self.collate_fn is None else self.collate_fn(sample)
            return
        while True:
            samples = list(itertools.islice(it, self.batch_size))
            if not samples or (self.drop_last and len(samples) < self.batch_size):
                return
            yield (self.collate_fn or default_collate)(samples)

    def __iter__(self) -> Iterator[Any]:
        host, aug = self._epoch_generators()
        if self.num_workers:
            yield from self._worker_batches(host)
            return
        if isinstance(self.dataset, IterableDataset):
            batches = self._iterable_batches()
        else:
            batches = (self._load(idx, aug) for idx in self._index_batches(host))
        for batch in batches:
            yield self._finish(batch, aug)

    def _load(self, idx: Any, aug: Any) -> Any:
        """One batch (or sample) of a map-style dataset: one gather when it has ``get_batch``."""
        if self.batch_size is None and self.batch_sampler is None:
            return (self.collate_fn or default_convert)(self.dataset[int(idx)])
        if self.collate_fn is None and hasattr(self.dataset, "get_batch"):
            return self.dataset.get_batch(np.asarray(idx, dtype=np.int64), device=self.device, generator=aug)
        return (self.collate_fn or default_collate)([self.dataset[int(i)] for i in idx])

    def _finish(self, batch: Any, aug: Any) -> Any:
        """To the loader's device, then the batch transform on the first field (the inputs)."""
        batch = _to_device(batch, self.device)
        if self.transform is None:
            return batch
        if isinstance(batch, Mapping):
            raise TypeError("DataLoader: transform= applies to the first field of a batch, and a dict batch has "
                            "no first field; give the dataset the transform instead")
        if isinstance(batch, tuple):
            return (_call_transform(self.transform, batch[0], aug),) + tuple(batch[1:])
        return _call_transform(self.transform, batch, aug)

    def _worker_batches(self, host: np.random.Generator) -> Iterator[Any]:
        """This epoch's batches, loaded and transformed by the worker threads, in order. Every
        batch draws its randomness from its own generator, seeded here in batch order."""
        random = _backend(self.device or _dataset_device(self.dataset)).xp.random
        try:  # a child stream: the shuffle drawn from ``host`` stays that of num_workers=0
            seeds = host.spawn(1)[0]
        except (AttributeError, TypeError, ValueError):  # a generator without a SeedSequence
            seeds = host
        base_seed = int(seeds.integers(0, 2**62))

        def seeded(jobs: Iterable[Any]) -> Iterator[tuple]:
            for job in jobs:
                yield job, random.default_rng(int(seeds.integers(0, 2**63 - 1)))

        options = dict(num_workers=self.num_workers, depth=self.num_workers * self.prefetch_factor,
                       timeout=self.timeout, worker_init_fn=self.worker_init_fn, dataset=self.dataset,
                       base_seed=base_seed)
        if not isinstance(self.dataset, IterableDataset):
            def load(idx: Any, gen: Any) -> Any:
                return self._finish(self._load(idx, gen), gen)
            yield from load_ahead(seeded(self._index_batches(host)), load, **options)
            return
        # A stream can only be read in order, so one worker reads it (its WorkerInfo says
        # num_workers=1, so code that shards a stream by worker keeps every sample).
        stream, end = self._iterable_batches(), object()

        def load_next(_: Any, gen: Any) -> Any:
            batch = next(stream, end)
            return batch if batch is end else self._finish(batch, gen)
        options["num_workers"] = 1
        for batch in load_ahead(seeded(itertools.count()), load_next, **options):
            if batch is end:
                return
            yield batch

    def __repr__(self) -> str:
        extra = "".join(
            f", {k}={type(v).__name__}" for k, v in (("sampler", self.sampler), ("batch_sampler", self.batch_sampler))
            if v is not None
        )
        return (
            f"DataLoader({type(self.dataset).__name__}, batch_size={self.batch_size}, shuffle={self.shuffle}{extra}, "
            f"drop_last={self.drop_last}, num_workers={self.num_workers}, device={self.device!r}, transform={self.transform!r})"
        )


def _dataset_device(dataset: Any) -> str:
    """Where a dataset keeps its arrays (for the augmentation generator), cpu if unknown."""
    while not hasattr(dataset, "data") and not hasattr(dataset, "tensors"):
        if hasattr(dataset, "dataset"):
            dataset = dataset.dataset
        elif getattr(dataset, "datasets", None):
            parts = dataset.datasets  # ConcatDataset, StackDataset (a tuple or a dict)
            dataset = next(iter(parts.values())) if isinstance(parts, Mapping) else parts[0]
        else:
            break
    if hasattr(dataset, "tensors"):
        return dataset.tensors[0].device
    data = getattr(dataset, "data", None)
    return getattr(data, "device", "cpu")


def _check_worker_options(num_workers: Any, timeout: Any, worker_init_fn: Any, context: Any,
                          prefetch_factor: Any, persistent_workers: bool) -> None:
    """PyTorch's checks of the worker options, with its messages."""
    if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
        raise ValueError("DataLoader: num_workers option should be a non-negative int; use num_workers=0 to "
                         f"load in the main thread (got {num_workers!r})")
    if not isinstance(timeout, (int, float, np.integer, np.floating)) or isinstance(timeout, bool) or timeout < 0:
        raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout!r}")
    if worker_init_fn is not None and not callable(worker_init_fn):
        raise TypeError(f"DataLoader: worker_init_fn must be callable, got {type(worker_init_fn).__name__}")
    if num_workers == 0:
        for name, given in (("prefetch_factor", prefetch_factor is not None),
                            ("persistent_workers", persistent_workers),
                            ("multiprocessing_context", context is not None)):
            if given:
                raise ValueError(f"DataLoader: {name} option could only be specified with worker threads, "
                                 "i.e. num_workers > 0")
    elif prefetch_factor is not None and (isinstance(prefetch_factor, bool) or
                                          not isinstance(prefetch_factor, (int, np.integer)) or prefetch_factor < 1):
        raise ValueError(f"DataLoader: prefetch_factor option should be a positive int, got {prefetch_factor!r}")
