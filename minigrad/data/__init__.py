"""Datasets, batching and augmentation: from IDX files on disk to batches on the device.

``MNIST`` and ``FashionMNIST`` find their files (``$MINIGRAD_DATA``,
``~/.cache/minigrad``, Debian's package, or a checked download), ``DataLoader``
batches any dataset (in the order a ``Sampler`` gives, if any), and
``transforms`` augments whole batches at once.
"""

from . import transforms
from .dataloader import DataLoader, default_collate, default_convert
from .datasets import (
    MNIST,
    ChainDataset,
    ConcatDataset,
    Dataset,
    DatasetNotFoundError,
    FashionMNIST,
    IterableDataset,
    Subset,
    TensorDataset,
    default_cache_dir,
    load_split,
    random_split,
)
from .download import DownloadError
from .idx import IDXError, read_idx
from .stack_dataset import StackDataset
from .workers import WorkerInfo, get_worker_info
from .samplers import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "DatasetNotFoundError",
    "DownloadError",
    "FashionMNIST",
    "IDXError",
    "IterableDataset",
    "MNIST",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "StackDataset",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "WorkerInfo",
    "default_cache_dir",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "load_split",
    "random_split",
    "read_idx",
    "transforms",
]
