"""Datasets, batching and augmentation: from IDX files on disk to batches on the device.

``MNIST`` and ``FashionMNIST`` find their files (``$MINIGRAD_DATA``,
``~/.cache/minigrad``, Debian's package, or a checked download), ``DataLoader``
batches any dataset, and ``transforms`` augments whole batches at once.
"""

from . import transforms
from .dataloader import DataLoader, default_collate
from .datasets import (
    MNIST,
    Dataset,
    DatasetNotFoundError,
    FashionMNIST,
    Subset,
    TensorDataset,
    default_cache_dir,
    load_split,
    random_split,
)
from .download import DownloadError
from .idx import IDXError, read_idx

__all__ = [
    "DataLoader",
    "Dataset",
    "DatasetNotFoundError",
    "DownloadError",
    "FashionMNIST",
    "IDXError",
    "MNIST",
    "Subset",
    "TensorDataset",
    "default_cache_dir",
    "default_collate",
    "load_split",
    "random_split",
    "read_idx",
    "transforms",
]
