"""Datasets: the map-style base class, in-memory datasets, MNIST and Fashion-MNIST.

Array-backed datasets (``TensorDataset``, ``MNIST``, ``FashionMNIST`` and
``Subset`` of them) also offer ``get_batch(indices, device, generator)``: the
whole batch is taken with one fancy index per array, moved to the device, and
the dataset's transform runs once on the batch. ``DataLoader`` uses it, so an
epoch involves no Python loop over samples.

Where the files come from (``root=None``), in order: ``$MINIGRAD_DATA``,
``~/.cache/minigrad``, for Fashion-MNIST Debian's ``/usr/share/datasets``, and
finally a download into the cache. Every file is parsed strictly and its
decompressed content checked against a known SHA-256 before use.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, Union

import numpy as np  # host-side I/O and index bookkeeping only; device math goes through the backend

from . import download as _download
from .idx import IDXError, parse_idx, read_bytes, sha256_hex

PathLike = Union[str, "os.PathLike[str]"]

# file -> (SHA-256 of the decompressed content, MD5 of the canonical .gz)
CHECKSUMS: dict[str, dict[str, tuple[str, str]]] = {
    "mnist": {
        "train-images-idx3-ubyte": (
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        ),
        "train-labels-idx1-ubyte": (
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            "d53e105ee54ea40749a09fcbcd1e9432",
        ),
        "t10k-images-idx3-ubyte": (
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "9fb629c4189551a2d022fa330f9573f3",
        ),
        "t10k-labels-idx1-ubyte": (
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
            "ec29112dd5afa0611ce80d1b7f02629c",
        ),
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte": (
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        ),
        "train-labels-idx1-ubyte": (
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "25c81989df183df01b3e8a0aad5dffbe",
        ),
        "t10k-images-idx3-ubyte": (
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "bef4ecab320f06d8554ea6380940ec79",
        ),
        "t10k-labels-idx1-ubyte": (
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
            "bb300cfdad3c16e7a12a480ee83cd310",
        ),
    },
}

SPLIT_FILES: dict[bool, tuple[str, str]] = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

ENV_VAR = "MINIGRAD_DATA"
DEBIAN_FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")


class DatasetNotFoundError(RuntimeError):
    """No copy of a dataset could be found or downloaded."""


def default_cache_dir() -> Path:
    """Where downloads go when no root is given (``~/.cache/minigrad``)."""
    return Path(os.path.expanduser("~")) / ".cache" / "minigrad"


# ---------------------------------------------------------------------------
# Tensor glue. Kept in one place so the rest of the package speaks arrays/Tensors
# through the backend, never through numpy directly.
# ---------------------------------------------------------------------------


def _backend(device: str):
    from ..backend import get_backend

    return get_backend(device)


def _wrap(array: Any, device: str):
    """A Tensor around a backend array already living on ``device`` (no grad)."""
    import minigrad as mg

    return mg.tensor(array, device=device)


def _host_rng(generator: Any = None, seed: Optional[int] = None) -> np.random.Generator:
    """The host generator that drives shuffling and splitting.

    An explicit generator or seed wins; otherwise a child of the cpu backend's
    generator, so that ``mg.manual_seed`` makes everything reproducible.
    """
    if generator is not None and seed is not None:
        raise ValueError("pass either generator= or seed=, not both")
    if generator is not None:
        if isinstance(generator, (int, np.integer)):
            return np.random.default_rng(int(generator))
        from ..random import Generator

        if isinstance(generator, Generator):  # its own stream, advanced by the draws (as torch)
            return generator._host_draws()
        if not hasattr(generator, "permutation"):
            raise TypeError(
                "generator must be a numpy.random.Generator or an int seed (or a cpu "
                f"minigrad.Generator), got {type(generator).__name__}"
            )
        return generator
    if seed is not None:
        return np.random.default_rng(int(seed))
    parent = _backend("cpu").rng
    return np.random.default_rng(int(parent.integers(0, 2**63 - 1)))


def _as_index_array(indices: Any, n: int, who: str) -> np.ndarray:
    """Validate and normalise a batch of indices (negative ones wrap, like Python)."""
    idx = np.asarray(indices)
    if idx.dtype == np.bool_ or not np.issubdtype(idx.dtype, np.integer):
        raise TypeError(f"{who}: indices must be integers, got dtype {idx.dtype}")
    idx = idx.astype(np.int64, copy=False).reshape(-1)
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx[(idx < -n) | (idx >= n)][0]
        raise IndexError(f"{who}: index {int(bad)} is out of range for {n} samples")
    return np.where(idx < 0, idx + n, idx)


def _gather(tensor: Any, idx: np.ndarray, device: Optional[str]):
    """One fancy index on the tensor's own device, then (if asked) one transfer."""
    src = tensor.device
    b = _backend(src)
    arr = tensor.array[b.asarray(idx)]
    if device is not None and device != src:
        arr = _backend(device).asarray(_backend(src).to_numpy(arr))
        src = device
    return _wrap(arr, src)


def _call_transform(transform: Callable, x: Any, generator: Any):
    from .transforms import Transform, Compose

    if isinstance(transform, (Transform, Compose)):
        return transform(x, generator=generator)
    return transform(x)


# ---------------------------------------------------------------------------
# Generic datasets
# ---------------------------------------------------------------------------


class Dataset:
    """Map-style dataset: anything with ``__getitem__(int)`` and ``__len__``."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        """``a + b`` concatenates, as in PyTorch."""
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples (``__iter__``), for data that cannot be indexed: a generator, a file read
    line by line. ``DataLoader`` batches it in arrival order; it cannot shuffle or sample it."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __getitem__(self, index: int) -> Any:
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate over it, it has no indexing")

    def __add__(self, other: "Dataset") -> "ChainDataset":
        """``a + b`` chains the two streams, as in PyTorch."""
        return ChainDataset([self, other])


class ConcatDataset(Dataset):
    """Several map-style datasets one after another (e.g. train + extra data).

    ``cumulative_sizes[k]`` is the number of samples in datasets ``0..k``; a
    negative index counts from the end, as for a list. When every part has
    ``get_batch`` the concatenation has it too: one gather per part, then the
    rows are put back in the requested order.
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for i, d in enumerate(self.datasets):
            if isinstance(d, IterableDataset):
                raise TypeError(f"ConcatDataset does not support IterableDataset (dataset {i} is "
                                f"{type(d).__name__}); use ChainDataset")
            if not hasattr(d, "__len__") or not hasattr(d, "__getitem__"):
                raise TypeError(f"ConcatDataset: dataset {i} ({type(d).__name__}) needs __len__ and __getitem__")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return int(self.cumulative_sizes[-1])

    def _locate(self, index: int) -> tuple[int, int]:
        n = len(self)
        if not isinstance(index, (int, np.integer)) or isinstance(index, (bool, np.bool_)):
            raise TypeError(f"ConcatDataset: index with an int, got {type(index).__name__}")
        if index < -n or index >= n:
            raise IndexError(f"ConcatDataset: index {int(index)} is out of range for {n} samples")
        index = int(index) + n if index < 0 else int(index)
        k = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        return k, index - (self.cumulative_sizes[k - 1] if k else 0)

    def __getitem__(self, index: int) -> Any:
        k, local = self._locate(index)
        return self.datasets[k][local]

    def __getattr__(self, name: str) -> Any:
        # As for Subset: ``get_batch`` only when every part can gather batches.
        parts = self.__dict__.get("datasets")
        if name == "get_batch" and parts and all(hasattr(d, "get_batch") for d in parts):
            return self._get_batch
        raise AttributeError(f"{type(self).__name__!s} object has no attribute {name!r}")

    def _get_batch(self, indices: Any, device: Optional[str] = None, generator: Any = None) -> tuple:
        idx = _as_index_array(indices, len(self), "ConcatDataset.get_batch")
        which = np.searchsorted(self.cumulative_sizes, idx, side="right")
        starts = np.concatenate([[0], self.cumulative_sizes[:-1]]).astype(np.int64)
        parts, positions = [], []
        for k in np.unique(which).tolist():
            rows = np.nonzero(which == k)[0]
            parts.append(self.datasets[k].get_batch(idx[rows] - starts[k], device=device, generator=generator))
            positions.append(rows)
        if len(parts) <= 1:
            return parts[0] if parts else self.datasets[0].get_batch(idx, device=device, generator=generator)
        inverse = np.argsort(np.concatenate(positions), kind="stable")  # gathered order -> requested order
        out = []
        for field in range(len(parts[0])):
            tensors = [p[field] for p in parts]
            devices = {t.device for t in tensors}
            if len(devices) != 1:
                raise RuntimeError(f"ConcatDataset.get_batch: the parts live on different devices {sorted(devices)}; "
                                   "pass device= to the DataLoader")
            shapes = {tuple(t.shape[1:]) for t in tensors}
            if len(shapes) != 1:
                raise ValueError(f"ConcatDataset.get_batch: field {field} has different sample shapes {sorted(shapes)}")
            dtypes = {str(t.dtype) for t in tensors}
            if len(dtypes) != 1:
                raise TypeError(f"ConcatDataset.get_batch: field {field} has different dtypes {sorted(dtypes)}")
            dev = tensors[0].device
            b = _backend(dev)
            stacked = b.xp.concatenate([t.array for t in tensors])
            out.append(_wrap(stacked[b.asarray(inverse)], dev))
        return tuple(out)


class ChainDataset(IterableDataset):
    """Several iterable datasets one after another, as a single stream."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        for i, d in enumerate(self.datasets):
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, dataset {i} is {type(d).__name__}")

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


class TensorDataset(Dataset):
    """Samples are rows of tensors that share their first dimension."""

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        for i, t in enumerate(tensors):
            if not hasattr(t, "array") or not hasattr(t, "shape"):
                raise TypeError(f"TensorDataset: argument {i} is a {type(t).__name__}, expected a Tensor")
            if len(t.shape) == 0:
                raise ValueError(f"TensorDataset: argument {i} is 0-dimensional, it has no samples")
        sizes = [t.shape[0] for t in tensors]
        if len(set(sizes)) != 1:
            shapes = ", ".join(str(tuple(t.shape)) for t in tensors)
            raise ValueError(f"TensorDataset: tensors differ in their first dimension: {shapes}")
        self.tensors = tuple(tensors)

    def __len__(self) -> int:
        return int(self.tensors[0].shape[0])

    def __getitem__(self, index: int) -> tuple:
        return tuple(t[index] for t in self.tensors)

    def get_batch(self, indices: Any, device: Optional[str] = None, generator: Any = None) -> tuple:
        """A whole batch by one fancy index per tensor (see module docstring)."""
        idx = _as_index_array(indices, len(self), "TensorDataset.get_batch")
        return tuple(_gather(t, idx, device) for t in self.tensors)


class Subset(Dataset):
    """A view of ``dataset`` restricted to ``indices`` (batched access is kept)."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = _as_index_array(indices, len(dataset), "Subset")

    def __len__(self) -> int:
        return int(self.indices.shape[0])

    def __getitem__(self, index: int) -> Any:
        if isinstance(index, (list, tuple)) or hasattr(index, "shape"):
            raise TypeError("Subset: index with a single int; use a DataLoader for batches")
        return self.dataset[int(self.indices[index])]

    def __getattr__(self, name: str) -> Any:
        # ``get_batch`` only exists when the parent dataset has it, so the
        # DataLoader's ``hasattr`` test sees through subsets.
        if name == "get_batch" and hasattr(self.__dict__.get("dataset"), "get_batch"):
            return self._get_batch
        raise AttributeError(f"{type(self).__name__!s} object has no attribute {name!r}")

    def _get_batch(self, indices: Any, device: Optional[str] = None, generator: Any = None) -> tuple:
        idx = _as_index_array(indices, len(self), "Subset.get_batch")
        return self.dataset.get_batch(self.indices[idx], device=device, generator=generator)


def random_split(
    dataset: Dataset,
    lengths: Sequence[Union[int, float]],
    generator: Any = None,
) -> list[Subset]:
    """Split into non-overlapping random subsets (train/validation), as in PyTorch.

    ``lengths`` are counts summing to ``len(dataset)``, or fractions summing to 1
    (the remainder after flooring goes one at a time to the first subsets).
    ``generator`` is an ``mg.Generator`` (cpu), a ``numpy.random.Generator`` or an int seed.
    """
    n = len(dataset)
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: lengths is empty")
    if any(x < 0 for x in lengths):
        raise ValueError(f"random_split: negative length in {lengths}")
    if all(isinstance(x, (int, np.integer)) for x in lengths):
        counts = [int(x) for x in lengths]
    elif abs(sum(lengths) - 1.0) < 1e-6 and all(0 <= x <= 1 for x in lengths):
        counts = [int(np.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
    else:
        raise ValueError(f"random_split: lengths {lengths} are neither counts nor fractions summing to 1")
    if sum(counts) != n:
        raise ValueError(f"random_split: lengths sum to {sum(counts)}, dataset has {n} samples")
    try:
        rng = _host_rng(generator)
    except TypeError as e:
        raise TypeError(f"random_split: {e}") from None
    perm = rng.permutation(n)
    out, start = [], 0
    for c in counts:
        out.append(Subset(dataset, perm[start : start + c]))
        start += c
    return out


# ---------------------------------------------------------------------------
# Locating, fetching and verifying the IDX files
# ---------------------------------------------------------------------------


def _existing(folder: Path, name: str) -> Optional[Path]:
    for candidate in (folder / name, folder / (name + ".gz")):
        if candidate.is_file():
            return candidate
    return None


def _candidates(folder_name: str, root: Optional[PathLike]) -> list[tuple[Path, str]]:
    """The directories to search, in order, each with why it is searched."""
    if root is not None:
        return [(Path(root) / folder_name, "root argument")]
    out = []
    env = os.environ.get(ENV_VAR)
    if env:
        out.append((Path(env).expanduser() / folder_name, f"${ENV_VAR}"))
    out.append((default_cache_dir() / folder_name, "cache"))
    if folder_name == "fashion-mnist":
        out.append((DEBIAN_FASHION_MNIST_DIR, "Debian package dataset-fashion-mnist"))
    return out


def _how_to_provide(folder_name: str, display: str, target: Path, download_was_on: bool) -> str:
    files = ", ".join(n + ".gz" for n in CHECKSUMS[folder_name])
    mirror = _download.MIRRORS.get(folder_name, ["<no mirror known>"])[0]
    lines = [
        f"To provide {display}, do one of:",
        f"  - set {ENV_VAR} to a directory that holds {folder_name}/ with the four IDX files "
        "(gzipped or not), or pass root= pointing at such a directory;",
    ]
    if folder_name == "fashion-mnist":
        lines.append(
            f"  - on Debian/Ubuntu: apt-get install dataset-fashion-mnist (installs into {DEBIAN_FASHION_MNIST_DIR});"
        )
    lines.append(f"  - download {files} by hand from {mirror} into {target}/;")
    if download_was_on:  # it was tried: the network is what is missing
        lines.append("  - run again where the mirrors can be reached (downloading is on), or copy "
                     f"{target}/ from a machine that has it.")
    else:
        lines.append("  - call again with download=True on a machine that can reach the mirrors.")
    return "\n".join(lines)


class _BadFiles(Exception):
    """Internal: which files failed verification, and why (turned into IDXError)."""

    def __init__(self, paths: list, message: str) -> None:
        super().__init__(message)
        self.paths = paths


def _check_pair(images: np.ndarray, labels: np.ndarray, img_path: Path, lbl_path: Path, n_classes: int) -> None:
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise _BadFiles([img_path], f"{img_path}: expected uint8 images of shape (N, 28, 28), "
                                    f"got {images.dtype} {images.shape}")
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise _BadFiles([lbl_path], f"{lbl_path}: expected a 1-D uint8 label vector, got {labels.dtype} {labels.shape}")
    if images.shape[0] != labels.shape[0]:
        raise _BadFiles(
            [img_path, lbl_path],
            f"label/image count mismatch: {img_path} holds {images.shape[0]} images "
            f"but {lbl_path} holds {labels.shape[0]} labels",
        )
    if labels.size and int(labels.max()) >= n_classes:
        raise _BadFiles([lbl_path], f"{lbl_path}: label {int(labels.max())} is out of range for {n_classes} classes")


def _verify_pair(paths: list, names: tuple, folder_name: str) -> tuple[np.ndarray, np.ndarray]:
    """Parse both files, check they fit together, then check their content hashes.

    Structure first, so a malformed file gets a precise message (truncated, wrong
    magic, count mismatch) rather than just "hash differs".
    """
    arrays, contents = [], []
    for path in paths:
        try:
            arrays.append(parse_idx(content := read_bytes(path), str(path)))
        except IDXError as e:
            raise _BadFiles([path], str(e)) from None
        contents.append(content)
    _check_pair(arrays[0], arrays[1], paths[0], paths[1], n_classes=10)
    for path, name, content in zip(paths, names, contents):
        expected = CHECKSUMS[folder_name][name][0]
        got = sha256_hex(content)
        if got != expected:
            raise _BadFiles([path], f"{path}: decompressed content has SHA-256 {got}, expected {expected}; "
                                    "the file is damaged or is not the published dataset file")
    return arrays[0], arrays[1]


def load_split(
    folder_name: str,
    train: bool = True,
    root: Optional[PathLike] = None,
    download: bool = True,
    display: Optional[str] = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Find (or fetch) and strictly verify one split; returns host ``(images, labels)``.

    The single entry point behind MNIST and Fashion-MNIST, usable on its own to
    get NumPy arrays without tensors. Files in the default cache, and files this
    call downloads, belong to minigrad: a bad one is deleted (and fetched again
    when ``download``). Files anywhere else belong to the user and are never
    touched; a bad one is reported.
    """
    if folder_name not in CHECKSUMS:
        raise ValueError(f"unknown dataset folder {folder_name!r}; known: {sorted(CHECKSUMS)}")
    display = display or folder_name
    names = SPLIT_FILES[bool(train)]
    split = "train" if train else "test"
    candidates = _candidates(folder_name, root)
    cache = candidates[0][0] if root is not None else default_cache_dir() / folder_name
    fresh: set = set()

    def owned(path: Path) -> bool:
        return path in fresh or (root is None and path.parent == cache)

    looked = "\n".join(f"  - {folder}  ({why})" for folder, why in candidates)
    wanted = " and ".join(f"{n}[.gz]" for n in names)

    def fetch(name: str) -> Path:
        sha, md5 = CHECKSUMS[folder_name][name]
        try:
            path = _download.download(name + ".gz", cache, _download.MIRRORS[folder_name], md5=md5, sha256=sha)
        except _download.DownloadError as e:
            raise DatasetNotFoundError(
                f"{display} ({split} split) not found: looked for {wanted} in\n{looked}\n"
                f"and the download failed: {e}\n"
                + _how_to_provide(folder_name, display, cache, True)
            ) from None
        fresh.add(path)
        return path

    paths = None
    for folder, _why in candidates:
        found = [_existing(folder, n) for n in names]
        if all(p is not None for p in found):
            paths = found
            break
    if paths is None:
        if not download:
            raise DatasetNotFoundError(
                f"{display} ({split} split) not found: looked for {wanted} in\n{looked}\n"
                "Downloading is off (download=False).\n"
                + _how_to_provide(folder_name, display, cache, False)
            )
        # Only what the cache lacks; a file already there is verified like any other.
        paths = [_existing(cache, n) or fetch(n) for n in names]

    for attempt in (1, 2):
        try:
            return _verify_pair(paths, names, folder_name)
        except _BadFiles as bad:
            if attempt == 2 or not all(owned(p) for p in bad.paths):
                raise IDXError(str(bad)) from None
            for p in bad.paths:
                p.unlink(missing_ok=True)
            if not download:
                raise IDXError(f"{bad} (removed it from the cache; call with download=True to fetch it again)") from None
            paths = [fetch(n) if p in bad.paths else p for p, n in zip(paths, names)]
    raise AssertionError("unreachable")  # pragma: no cover


# ---------------------------------------------------------------------------
# MNIST and Fashion-MNIST
# ---------------------------------------------------------------------------


class MNIST(Dataset):
    """Handwritten digits, 28x28 grey levels; 60,000 train and 10,000 test images.

    ``.data`` is a uint8 ``N x 28 x 28`` Tensor on cpu and ``.targets`` int64.
    ``ds[i]`` returns ``(image, label)``; ``transform`` is a batch transform
    (see ``minigrad.data.transforms``) applied to a batch of one here and to
    whole batches by ``DataLoader``.
    """

    folder = "mnist"
    classes = [
        "0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
        "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine",
    ]

    def __init__(
        self,
        root: Optional[PathLike] = None,
        train: bool = True,
        download: bool = True,
        transform: Optional[Callable] = None,
        target_transform: Optional[Callable] = None,
    ) -> None:
        if not isinstance(train, bool):
            raise TypeError(f"{type(self).__name__}: train must be a bool, got {type(train).__name__}")
        images, labels = load_split(self.folder, train, root, download, display=type(self).__name__)
        self.root = root
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        self.data = _wrap(images, "cpu")
        self.targets = _wrap(labels.astype(np.int64), "cpu")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    def __len__(self) -> int:
        return int(self.data.shape[0])

    def __getitem__(self, index: int) -> tuple:
        if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
            raise TypeError(f"{type(self).__name__}: index with an int, got {type(index).__name__}")
        image, target = self.get_batch([int(index)])
        if self.target_transform is None:
            return image[0], int(target.item())
        return image[0], target[0]

    def get_batch(self, indices: Any, device: Optional[str] = None, generator: Any = None) -> tuple:
        """A whole batch by one fancy index, moved to ``device``, then transformed."""
        idx = _as_index_array(indices, len(self), f"{type(self).__name__}.get_batch")
        images = _gather(self.data, idx, device)
        targets = _gather(self.targets, idx, device)
        if self.transform is not None:
            images = _call_transform(self.transform, images, generator)
        if self.target_transform is not None:
            targets = _call_transform(self.target_transform, targets, generator)
        return images, targets

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        return f"{type(self).__name__}(split={split}, samples={len(self)}, transform={self.transform!r})"


class FashionMNIST(MNIST):
    """Zalando's clothing images, a drop-in harder replacement for MNIST."""

    folder = "fashion-mnist"
    classes = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]
