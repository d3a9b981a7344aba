"""StackDataset: several datasets of one length side by side, sample ``i`` from each.

For data that comes as separate sources (images and their captions, inputs and several
targets): PyTorch's ``StackDataset``. Positional datasets give tuple samples, keyword ones
give dict samples. When every part can gather whole batches (``get_batch``), so can the
stack, and the DataLoader keeps its one-gather path.
"""

from __future__ import annotations

from typing import Any, Optional

from .datasets import Dataset, IterableDataset, _as_index_array


class StackDataset(Dataset):
    """``StackDataset(a, b)[i] == (a[i], b[i])``; ``StackDataset(x=a, y=b)[i] == {'x': a[i], 'y': b[i]}``."""

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args and kwargs:
            raise ValueError("StackDataset: give the datasets either positionally (tuple samples) or by "
                             "keyword (dict samples), not both")
        parts = dict(enumerate(args)) if args else dict(kwargs)
        if not parts:
            raise ValueError("StackDataset: at least one dataset should be passed")
        for name, d in parts.items():
            if isinstance(d, IterableDataset) or not hasattr(d, "__len__") or not hasattr(d, "__getitem__"):
                raise TypeError(f"StackDataset: dataset {name!r} ({type(d).__name__}) must be map-style, "
                                "with __len__ and __getitem__")
        lengths = {name: len(d) for name, d in parts.items()}
        if len(set(lengths.values())) != 1:
            raise ValueError(f"StackDataset: size mismatch between datasets: {lengths}")
        self.datasets: Any = tuple(args) if args else dict(kwargs)
        self._length = next(iter(lengths.values()))

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: int) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getattr__(self, name: str) -> Any:
        # ``get_batch`` only when every part has it (see Subset).
        parts = self.__dict__.get("datasets")
        values = parts.values() if isinstance(parts, dict) else parts or ()
        if name == "get_batch" and values and all(hasattr(d, "get_batch") for d in values):
            return self._get_batch
        raise AttributeError(f"{type(self).__name__!s} object has no attribute {name!r}")

    def _get_batch(self, indices: Any, device: Optional[str] = None, generator: Any = None) -> Any:
        idx = _as_index_array(indices, len(self), "StackDataset.get_batch")
        if isinstance(self.datasets, dict):
            return {k: d.get_batch(idx, device=device, generator=generator) for k, d in self.datasets.items()}
        return tuple(d.get_batch(idx, device=device, generator=generator) for d in self.datasets)
