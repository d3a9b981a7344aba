"""Shared plumbing for the tutorials: options, output folders, data loaders, checkpoints.

Every tutorial takes the same options (``--quick``, ``--device``, ``--epochs``,
``--seed``, ``--out``) and writes its pictures to ``tutorials/outputs/<name>/``,
so this file holds that once and each tutorial can show only its own lesson.
It also holds ``build_cnn``, the configurable CNN that lessons 06-11 reuse
(lesson 04 writes the same network out by hand).
"""
from __future__ import annotations

import argparse
import functools
import importlib.util
import math
import platform
import sys
import time
from pathlib import Path
from typing import Any, Optional

TUTORIALS = Path(__file__).resolve().parent
REPO = TUTORIALS.parent
if importlib.util.find_spec("minigrad") is None:  # a checkout without `pip install -e .`
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402  (only to report its version; the math runs in minigrad)

import minigrad as mg  # noqa: E402
import minigrad.nn as nn  # noqa: E402
from minigrad.data import (DataLoader, DatasetNotFoundError, FashionMNIST, IDXError,  # noqa: E402
                           MNIST, Subset, random_split)
from minigrad.data import transforms as T  # noqa: E402

# Mean and standard deviation of the training pixels (scaled to [0, 1]).
MNIST_STATS = (0.1307, 0.3081)
FASHION_STATS = (0.2860, 0.3530)

QUICK_TRAIN = 1024  # training images in --quick mode
QUICK_TEST = 500    # test images in --quick mode

_START = time.perf_counter()


def _data_error_hook(kind: type, value: BaseException, tb: Any,
                     default: Any = sys.excepthook) -> None:
    """A missing or unreadable dataset is the reader's setup, not a bug in the lesson: show
    only the message, which says where minigrad looked and what to do, not a traceback."""
    if issubclass(kind, (DatasetNotFoundError, IDXError)):
        print(f"error: {value}", file=sys.stderr)
    else:
        default(kind, value, tb)


sys.excepthook = _data_error_hook


def parse_args(description: str, epochs: int, batch_size: int = 128,
               extra: Optional[callable] = None) -> argparse.Namespace:
    """The options every tutorial accepts; ``extra(parser)`` may add a tutorial's own."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true",
                   help=f"a {QUICK_TRAIN}-image subset and one short epoch (seconds; for CI)")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"],
                   help="where the model and batches live (default: cpu)")
    p.add_argument("--epochs", type=int, default=None,
                   help=f"training epochs (default: {epochs}; 1 with --quick)")
    p.add_argument("--seed", type=int, default=0, help="seed for weights, shuffling, augmentation")
    p.add_argument("--batch-size", type=int, default=batch_size,
                   help=f"mini-batch size (default: {batch_size})")
    p.add_argument("--out", type=Path, default=None,
                   help="folder for plots and checkpoints (default: tutorials/outputs/<name>, "
                        "with a quick/ subfolder in --quick mode)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    if extra is not None:
        extra(p)
    # parse_known_args: inside Jupyter, sys.argv holds the kernel's own options.
    args, _ = p.parse_known_args()
    if args.epochs is None:
        args.epochs = 1 if args.quick else epochs
    if args.epochs < 1:
        p.error(f"--epochs must be at least 1, got {args.epochs}")
    return args


def setup(args: argparse.Namespace, name: str, allow_cpu_fallback: bool = False) -> Path:
    """Check the device, seed everything, create the output folder and say what will run."""
    if args.device == "cuda" and not mg.cuda.is_available():
        if not allow_cpu_fallback:
            sys.exit(f"{name}: --device cuda was asked for, but CUDA is not available here "
                     "(it needs CuPy and an NVIDIA GPU); run with --device cpu")
        print("cuda is unavailable here (no CuPy or no GPU): running on cpu instead")
        args.device = "cpu"
    try:  # every lesson draws; say so before training, not after it
        import matplotlib  # noqa: F401
    except ImportError:
        sys.exit(f"{name}: the lessons draw their figures with matplotlib, which is not "
                 "installed here: python -m pip install matplotlib (or -e '.[viz]')")
    mg.manual_seed(args.seed)
    out = args.out if args.out is not None else TUTORIALS / "outputs" / name
    if args.quick and args.out is None:
        out = out / "quick"
    out.mkdir(parents=True, exist_ok=True)
    args.out = out
    mode = "quick" if args.quick else "full"
    print(f"{name}: {mode} run on {args.device}, {args.epochs} epoch(s), seed {args.seed}; "
          f"python {platform.python_version()}, numpy {np.__version__}; outputs in {out}")
    return out


def dataset_classes(dataset: str) -> tuple:
    """(Dataset class, normalisation stats) for 'mnist' or 'fashion'."""
    if dataset == "mnist":
        return MNIST, MNIST_STATS
    if dataset == "fashion":
        return FashionMNIST, FASHION_STATS
    raise ValueError(f"unknown dataset {dataset!r}; expected 'mnist' or 'fashion'")


@functools.lru_cache(maxsize=None)
def _load(dataset: str, train: bool) -> Any:
    """Each split is read (and its checksum verified) once per process."""
    return dataset_classes(dataset)[0](train=train)


def normalize(dataset: str = "mnist") -> T.Normalize:
    """uint8 pixels to float32, centred and scaled by the training set's statistics."""
    mean, std = dataset_classes(dataset)[1]
    return T.Normalize((mean,), (std,))


def loaders(args: argparse.Namespace, dataset: str = "mnist", augment: Any = None,
            val_size: int = 0, train_size: Optional[int] = None, quick_train: int = QUICK_TRAIN,
            seed: Optional[int] = None) -> tuple:
    """Train (and validation) and test loaders on ``args.device``.

    ``augment`` runs on the raw uint8 training batches before normalisation.
    ``val_size`` holds that many training images out as a validation set.
    ``train_size`` keeps only a random subset of the training images
    (``quick_train`` of them at most in --quick mode). ``seed`` (default
    ``args.seed``) drives the shuffling and augmentation draws; the subsets
    depend on ``args.seed`` only, so they stay the same across calls.
    Returns ``(train, test)``, or ``(train, val, test)`` when ``val_size`` > 0.
    """
    train_set, test_set = _load(dataset, True), _load(dataset, False)
    rng = np.random.default_rng(args.seed)
    if args.quick:
        train_size = min(train_size or quick_train, quick_train)
        val_size = min(val_size, QUICK_TEST // 2)
        test_set = Subset(test_set, range(QUICK_TEST))
    val_set = None
    if val_size:
        train_set, val_set = random_split(train_set, [len(train_set) - val_size, val_size],
                                          generator=args.seed)
    if train_size is not None and train_size < len(train_set):
        train_set = Subset(train_set, np.sort(rng.permutation(len(train_set))[:train_size]))
    norm = normalize(dataset)
    train_tf = T.Compose([augment, norm]) if augment is not None else norm
    train = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, transform=train_tf,
                       device=args.device, seed=args.seed if seed is None else seed)
    test = DataLoader(test_set, batch_size=1000, transform=norm, device=args.device)
    if val_set is not None:
        val = DataLoader(val_set, batch_size=1000, transform=norm, device=args.device)
        return train, val, test
    return train, test


def build_cnn(channels: tuple = (32, 32), hidden: int = 128, batchnorm: bool = False,
              dropout: float = 0.0, padding: int = 0) -> nn.Module:
    """Conv-ReLU-MaxPool twice, then Dense ``hidden`` - Dense 10.

    The defaults are lesson 04's CNN. ``batchnorm`` adds BatchNorm after each conv
    and the hidden dense layer; ``dropout`` drops that fraction of the flattened
    features and of the hidden units; ``padding=1`` keeps the conv outputs' size.
    """
    c1, c2 = channels
    side = 28
    for _ in range(2):  # each conv (3x3) shrinks by 2 - 2*padding, each pool halves
        side = (side - 2 + 2 * padding) // 2
    layers: list = [nn.Conv2d(1, c1, 3, padding=padding)]
    layers += [nn.BatchNorm2d(c1)] if batchnorm else []
    layers += [nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(c1, c2, 3, padding=padding)]
    layers += [nn.BatchNorm2d(c2)] if batchnorm else []
    layers += [nn.ReLU(), nn.MaxPool2d(2), nn.Flatten()]
    layers += [nn.Dropout(dropout)] if dropout else []
    layers += [nn.Linear(c2 * side * side, hidden)]
    layers += [nn.BatchNorm1d(hidden)] if batchnorm else []
    layers += [nn.ReLU()]
    layers += [nn.Dropout(dropout)] if dropout else []
    layers += [nn.Linear(hidden, 10)]
    return nn.Sequential(*layers)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def save_model(model: nn.Module, path: Path, **meta: Any) -> None:
    """Weights (and buffers) plus a few plain facts about how they were trained."""
    mg.save({"state_dict": model.state_dict(), "meta": meta}, path)
    print(f"saved {path}")


def load_model(model: nn.Module, path: Path, device: str) -> dict:
    """Load weights saved by ``save_model`` into ``model`` on ``device``; returns the facts."""
    ckpt = mg.load(path, map_location=device)
    model.load_state_dict(ckpt["state_dict"])
    model.to(device)
    return ckpt["meta"]


def predict_proba(model: nn.Module, loader: DataLoader) -> tuple:
    """Softmax probabilities (host array, N x 10) and labels for a whole loader, in eval mode."""
    model.eval()
    probs, labels = [], []
    with mg.no_grad():
        for x, y in loader:
            probs.append(model(x).softmax(dim=1).cpu().numpy())
            labels.append(y.cpu().numpy())
    return np.concatenate(probs), np.concatenate(labels)


def loader_arrays(loader: DataLoader) -> tuple:
    """All (normalised) test images and labels of a loader, on the host."""
    xs, ys = [], []
    for x, y in loader:
        xs.append(x.cpu().numpy())
        ys.append(y.cpu().numpy())
    return np.concatenate(xs), np.concatenate(ys)


def pyplot() -> Any:
    """matplotlib.pyplot, drawing off-screen when run as a script (inline in Jupyter)."""
    import matplotlib
    if "ipykernel" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def savefig(fig: Any, path: Path) -> None:
    """Write a figure as PNG and say where it went."""
    fig.savefig(path, dpi=110, bbox_inches="tight")
    pyplot().close(fig)
    print(f"saved {path}")


def report(label: str, value: float) -> None:
    """The result line a reader (and the test) looks for, e.g. ``test accuracy: 0.9921``."""
    print(f"{label}: {value:.4f}")


def finish() -> None:
    """Print the wall time since the tutorial started (what RESULTS.md records)."""
    seconds = time.perf_counter() - _START
    print(f"wall time: {seconds:.1f} s ({math.floor(seconds / 60)} min {seconds % 60:.0f} s)")
