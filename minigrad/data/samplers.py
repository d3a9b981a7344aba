"""Samplers: which dataset indices a DataLoader visits, and in what order (torch.utils.data's).

A sampler yields ints (``BatchSampler`` yields lists of them). Randomness comes
from ``generator`` (an ``mg.Generator`` on the cpu, a ``numpy.random.Generator`` or
an int seed; one generator for the sampler's lifetime, so epochs differ yet a new
sampler with the same seed replays them), otherwise from a fresh child of minigrad's cpu generator at
each ``iter()``, so ``mg.manual_seed`` makes every epoch repeatable.

The orders are drawn on the host with NumPy: they are index bookkeeping, not
array math, and ``DataLoader`` turns each batch of them into one gather.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Iterable, Iterator, Optional

import numpy as np  # host-side index bookkeeping only

from .datasets import _host_rng


def _positive_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) and value > 0


def _resolve_generator(generator: Any, who: str) -> Optional[np.random.Generator]:
    """An int seed becomes one Generator now (not one per epoch), so epochs differ."""
    if generator is None:
        return None
    try:
        return _host_rng(generator)
    except TypeError as e:
        raise TypeError(f"{who}: {e}") from None


def _host_indices(values: Any, who: str, name: str) -> np.ndarray:
    """A host int64 vector from a sequence, NumPy array or minigrad Tensor."""
    if hasattr(values, "array") and hasattr(values, "device"):
        values = values.numpy() if values.device == "cpu" else values.to("cpu").numpy()
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{who}: {name} must be a 1-D sequence, got shape {arr.shape}")
    if arr.size and (arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"{who}: {name} must be integers, got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


class Sampler:
    """Base class: an iterable of dataset indices; subclasses define ``__iter__`` (and usually ``__len__``)."""

    def __init__(self, data_source: Optional[Any] = None) -> None:
        pass  # torch accepts and ignores it; kept for subclasses that call super().__init__(data_source)

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1: the order of an unshuffled epoch."""

    def __init__(self, data_source: Any) -> None:
        if not hasattr(data_source, "__len__"):
            raise TypeError(f"SequentialSampler: data_source must have __len__, got {type(data_source).__name__}")
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random order of the dataset (``replacement=False``) or ``num_samples`` uniform draws.

    Without replacement and ``num_samples > len(data_source)``, as in torch, the
    epoch is whole permutations one after another, then the head of one more.
    """

    def __init__(
        self,
        data_source: Any,
        replacement: bool = False,
        num_samples: Optional[int] = None,
        generator: Any = None,
    ) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement must be a bool, got replacement={replacement!r}")
        if not hasattr(data_source, "__len__"):
            raise TypeError(f"RandomSampler: data_source must have __len__, got {type(data_source).__name__}")
        if num_samples is not None and not _positive_int(num_samples):
            raise ValueError(f"RandomSampler: num_samples must be a positive int, got num_samples={num_samples!r}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = None if num_samples is None else int(num_samples)
        self.generator = _resolve_generator(generator, "RandomSampler")

    @property
    def num_samples(self) -> int:
        # Read lazily, as torch does: the dataset may grow after the sampler is made.
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n, k = len(self.data_source), self.num_samples
        if n == 0:
            if self._num_samples is not None:
                raise ValueError(f"RandomSampler: cannot draw {k} samples from an empty data_source")
            return iter(())
        rng = self.generator if self.generator is not None else _host_rng()
        if self.replacement:
            order = rng.integers(0, n, size=k)
        else:
            blocks = [rng.permutation(n) for _ in range(k // n)]
            if k % n:
                blocks.append(rng.permutation(n)[: k % n])
            order = np.concatenate(blocks)
        return iter(order.tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order, without replacement (e.g. a validation split)."""

    def __init__(self, indices: Sequence[int], generator: Any = None) -> None:
        self.indices = _host_indices(indices, "SubsetRandomSampler", "indices")
        self.generator = _resolve_generator(generator, "SubsetRandomSampler")

    def __iter__(self) -> Iterator[int]:
        rng = self.generator if self.generator is not None else _host_rng()
        return iter(self.indices[rng.permutation(self.indices.shape[0])].tolist())

    def __len__(self) -> int:
        return int(self.indices.shape[0])


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probability proportional to ``weights`` (class balancing).

    ``weights`` need not sum to one; they must be finite and non-negative with a
    positive sum. Without replacement at most as many samples as nonzero weights.
    """

    def __init__(
        self,
        weights: Sequence[float],
        num_samples: int,
        replacement: bool = True,
        generator: Any = None,
    ) -> None:
        who = "WeightedRandomSampler"
        if not _positive_int(num_samples):
            raise ValueError(f"{who}: num_samples must be a positive int, got num_samples={num_samples!r}")
        if not isinstance(replacement, bool):
            raise TypeError(f"{who}: replacement must be a bool, got replacement={replacement!r}")
        if hasattr(weights, "array") and hasattr(weights, "device"):
            weights = weights.numpy() if weights.device == "cpu" else weights.to("cpu").numpy()
        w = np.asarray(weights)
        if w.ndim != 1:
            raise ValueError(f"{who}: weights must be a 1-D sequence, got shape {w.shape}")
        if w.dtype == np.bool_ or not (np.issubdtype(w.dtype, np.floating) or np.issubdtype(w.dtype, np.integer)):
            raise TypeError(f"{who}: weights must be real numbers, got dtype {w.dtype}")
        w = w.astype(np.float64)
        if w.size == 0:
            raise ValueError(f"{who}: weights is empty")
        if not np.isfinite(w).all() or (w < 0).any():
            raise ValueError(f"{who}: weights must be finite and non-negative, got {w.tolist()[:8]}")
        if w.sum() <= 0:
            raise ValueError(f"{who}: weights sum to zero; at least one must be positive")
        nonzero = int(np.count_nonzero(w))
        if not replacement and num_samples > nonzero:
            raise ValueError(
                f"{who}: cannot draw {num_samples} samples without replacement from {nonzero} nonzero weights"
            )
        self.weights = w
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = _resolve_generator(generator, who)

    def __iter__(self) -> Iterator[int]:
        rng = self.generator if self.generator is not None else _host_rng()
        p = self.weights / self.weights.sum()
        order = rng.choice(p.shape[0], size=self.num_samples, replace=self.replacement, p=p)
        return iter(order.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Group another sampler's indices into lists of ``batch_size`` (the last one shorter unless ``drop_last``)."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not _positive_int(batch_size):
            raise ValueError(f"BatchSampler: batch_size must be a positive int, got batch_size={batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last must be a bool, got drop_last={drop_last!r}")
        if not hasattr(sampler, "__iter__"):
            raise TypeError(f"BatchSampler: sampler must be iterable, got {type(sampler).__name__}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list]:
        batch: list = []
        for index in self.sampler:
            batch.append(int(index))
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        if not hasattr(self.sampler, "__len__"):
            raise TypeError(f"BatchSampler: its sampler {type(self.sampler).__name__} has no len()")
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
