"""DataLoader: batches from a dataset, shuffled reproducibly, on the device you train on.

For array-backed datasets (anything with ``get_batch``: ``TensorDataset``,
``MNIST``, ``FashionMNIST``, ``Subset``/``random_split`` of them) each batch is
one fancy index per array, one host-to-device transfer, then the transforms on
the whole batch. Other datasets are read sample by sample and stacked.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any, Callable, Iterable, Iterator, Optional

import numpy as np  # host-side index bookkeeping (orders, seeds) only

from .datasets import Dataset, IterableDataset, _backend, _call_transform, _host_rng, _wrap


def default_collate(samples: list) -> Any:
    """Stack a list of samples (Tensors, numbers, tuples of them) into a batch, field by field."""
    if not samples:
        raise ValueError("default_collate: empty list of samples")
    first = samples[0]
    if isinstance(first, (tuple, list)):
        width = len(first)
        for i, s in enumerate(samples):
            if not isinstance(s, (tuple, list)) or len(s) != width:
                raise ValueError(
                    f"default_collate: sample 0 has {width} fields but sample {i} is {type(s).__name__} "
                    f"of length {len(s) if isinstance(s, (tuple, list)) else 'n/a'}"
                )
        return tuple(default_collate([s[k] for s in samples]) for k in range(width))
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
    raise TypeError(f"default_collate: don't know how to batch {type(first).__name__}; pass collate_fn=")


def _to_device(batch: Any, device: Optional[str]) -> Any:
    if device is None:
        return batch
    if isinstance(batch, tuple):
        return tuple(_to_device(b, device) for b in batch)
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
        collate_fn: Optional[Callable] = None,
        drop_last: bool = False,
        transform: Optional[Callable] = None,
        device: Optional[str] = None,
        seed: Optional[int] = None,
        generator: Any = None,
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
        if isinstance(self.dataset, IterableDataset):
            batches = self._iterable_batches()
        else:
            batches = self._batches(self._index_batches(host), aug)
        for batch in batches:
            batch = _to_device(batch, self.device)
            if self.transform is not None:
                if isinstance(batch, tuple):
                    batch = (_call_transform(self.transform, batch[0], aug),) + tuple(batch[1:])
                else:
                    batch = _call_transform(self.transform, batch, aug)
            yield batch

    def _batches(self, index_batches: Iterator[Any], aug: Any) -> Iterator[Any]:
        """Batches from a map-style dataset: one gather each when it has ``get_batch``."""
        batched = self.collate_fn is None and hasattr(self.dataset, "get_batch")
        unbatched = self.batch_size is None and self.batch_sampler is None
        for idx in index_batches:
            if unbatched:
                sample = self.dataset[int(idx)]
                yield sample if self.collate_fn is None else self.collate_fn(sample)
            elif batched:
                yield self.dataset.get_batch(np.asarray(idx, dtype=np.int64), device=self.device, generator=aug)
            else:
                yield (self.collate_fn or default_collate)([self.dataset[int(i)] for i in idx])

    def __repr__(self) -> str:
        extra = "".join(
            f", {k}={type(v).__name__}" for k, v in (("sampler", self.sampler), ("batch_sampler", self.batch_sampler))
            if v is not None
        )
        return (
            f"DataLoader({type(self.dataset).__name__}, batch_size={self.batch_size}, shuffle={self.shuffle}{extra}, "
            f"drop_last={self.drop_last}, device={self.device!r}, transform={self.transform!r})"
        )


def _dataset_device(dataset: Any) -> str:
    """Where a dataset keeps its arrays (for the augmentation generator), cpu if unknown."""
    while not hasattr(dataset, "data") and not hasattr(dataset, "tensors"):
        if hasattr(dataset, "dataset"):
            dataset = dataset.dataset
        elif getattr(dataset, "datasets", None):
            dataset = dataset.datasets[0]  # ConcatDataset
        else:
            break
    if hasattr(dataset, "tensors"):
        return dataset.tensors[0].device
    data = getattr(dataset, "data", None)
    return getattr(data, "device", "cpu")
