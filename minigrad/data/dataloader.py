"""DataLoader: batches from a dataset, shuffled reproducibly, on the device you train on.

For array-backed datasets (anything with ``get_batch``: ``TensorDataset``,
``MNIST``, ``FashionMNIST``, ``Subset``/``random_split`` of them) each batch is
one fancy index per array, one host-to-device transfer, then the transforms on
the whole batch. Other datasets are read sample by sample and stacked.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterator, Optional

import numpy as np  # host-side index bookkeeping (orders, seeds) only

from .datasets import Dataset, _backend, _call_transform, _host_rng, _wrap


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
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        transform: Optional[Callable] = None,
        device: Optional[str] = None,
        seed: Optional[int] = None,
        generator: Any = None,
        collate_fn: Optional[Callable] = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError(f"DataLoader: dataset must have __len__ and __getitem__, got {type(dataset).__name__}")
        if transform is not None and not callable(transform):
            raise TypeError(f"DataLoader: transform must be callable, got {type(transform).__name__}")
        if device is not None:
            from ..backend import normalize_device

            device = normalize_device(device)
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.transform = transform
        self.device = device
        self.collate_fn = collate_fn
        # Seeded: one generator for the loader's lifetime, so epochs differ from each
        # other yet a new loader with the same seed replays them exactly.
        self._rng = _host_rng(generator, seed) if (seed is not None or generator is not None) else None

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _epoch_generators(self) -> tuple[np.random.Generator, Any]:
        host = self._rng if self._rng is not None else _host_rng()
        if self._rng is None:
            return host, None  # transforms use the device generator that manual_seed resets
        device = self.device or _dataset_device(self.dataset)
        aug = _backend(device).xp.random.default_rng(int(host.integers(0, 2**63 - 1)))
        return host, aug

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        host, aug = self._epoch_generators()
        order = host.permutation(n) if self.shuffle else np.arange(n)
        stop = (n // self.batch_size) * self.batch_size if self.drop_last else n
        batched = self.collate_fn is None and hasattr(self.dataset, "get_batch")
        for start in range(0, stop, self.batch_size):
            idx = order[start : start + self.batch_size]
            if batched:
                batch = self.dataset.get_batch(idx, device=self.device, generator=aug)
            else:
                samples = [self.dataset[int(i)] for i in idx]
                batch = (self.collate_fn or default_collate)(samples)
                batch = _to_device(batch, self.device)
            if self.transform is not None:
                if isinstance(batch, tuple):
                    batch = (_call_transform(self.transform, batch[0], aug),) + tuple(batch[1:])
                else:
                    batch = _call_transform(self.transform, batch, aug)
            yield batch

    def __repr__(self) -> str:
        return (
            f"DataLoader({type(self.dataset).__name__}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
            f"drop_last={self.drop_last}, device={self.device!r}, transform={self.transform!r})"
        )


def _dataset_device(dataset: Any) -> str:
    """Where a dataset keeps its arrays (for the augmentation generator), cpu if unknown."""
    while hasattr(dataset, "dataset") and not hasattr(dataset, "data") and not hasattr(dataset, "tensors"):
        dataset = dataset.dataset
    if hasattr(dataset, "tensors"):
        return dataset.tensors[0].device
    data = getattr(dataset, "data", None)
    return getattr(data, "device", "cpu")
