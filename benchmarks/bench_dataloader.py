"""How much an augmented MNIST epoch costs next to training on it.

    python benchmarks/bench_dataloader.py                 # cpu, 300 training steps
    python benchmarks/bench_dataloader.py --device cuda --steps 500

Times one DataLoader epoch over MNIST train (60,000 images, batch 128,
shuffled, RandomAffine + Normalize, batches delivered on the device) and one
training epoch of the reference CNN (Conv(1,32,3)-ReLU-MaxPool(2)-Conv(32,32,3)-
ReLU-MaxPool(2)-Flatten-Linear(800,128)-ReLU-Linear(128,10), Adam), the latter
extrapolated from ``--steps`` timed steps on pre-made batches so that no data
loading is counted twice. Both run in this one process. The target is a ratio
under 20%: loading must never be what a student waits for.

Data: ``--root``, else ``$MINIGRAD_DATA``, else ``../shared/data``.

Recorded (2-core shared CPU, NumPy 2.4 / OpenBLAS, load average ~6 from other
jobs, 2026-11-22): augmented loader epoch 1.71 s (median of 1.71/1.77/1.66),
reference CNN 324 ms/step x 469 steps = 152 s per epoch: ratio 1.1%.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import minigrad as mg  # noqa: E402
from minigrad.backend import get_backend  # noqa: E402
from minigrad.data import MNIST, DataLoader  # noqa: E402
from minigrad.data import transforms as T  # noqa: E402


def data_root(arg: str | None) -> Path:
    for c in (arg, os.environ.get("MINIGRAD_DATA"), Path(__file__).resolve().parents[1].parent / "shared" / "data"):
        if c and (Path(c) / "mnist").is_dir():
            return Path(c)
    raise SystemExit("no MNIST found: pass --root or set MINIGRAD_DATA")


def reference_cnn():
    nn = mg.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(800, 128), nn.ReLU(), nn.Linear(128, 10))


def loader_epoch(train: MNIST, batch: int, device: str, seed: int) -> tuple[float, int]:
    """Seconds for one full augmented epoch, every batch materialised on the device."""
    aug = T.Compose([
        T.RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1), shear=5),
        T.Normalize((0.1307,), (0.3081,)),
    ])
    loader = DataLoader(train, batch_size=batch, shuffle=True, seed=seed, device=device, transform=aug)
    sync = get_backend(device).synchronize
    n = 0
    sync()
    t0 = time.perf_counter()
    for x, y in loader:
        n += x.shape[0]
    sync()
    return time.perf_counter() - t0, n


def cnn_step_time(train: MNIST, batch: int, device: str, steps: int) -> float:
    """Median seconds per training step of the reference CNN, after three warm-up steps."""
    mg.manual_seed(0)
    model = reference_cnn().to(device)
    opt = mg.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = mg.nn.CrossEntropyLoss()
    norm = T.Normalize((0.1307,), (0.3081,))
    pool = list(DataLoader(train, batch_size=batch, shuffle=True, seed=1, device=device, transform=norm))[:16]
    sync = get_backend(device).synchronize
    times = []
    for i in range(steps + 3):
        x, y = pool[i % len(pool)]
        sync()
        t0 = time.perf_counter()
        opt.zero_grad()
        out = loss_fn(model(x), y)
        out.backward()
        opt.step()
        out.item()  # what a training loop reads each step anyway
        sync()
        if i >= 3:  # the first steps pay for allocation and caches
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", default=None)
    p.add_argument("--device", default="cpu")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--steps", type=int, default=300, help="timed CNN training steps")
    p.add_argument("--loader-epochs", type=int, default=3, help="augmented epochs timed (median taken)")
    args = p.parse_args()
    if args.steps < 1 or args.loader_epochs < 1 or args.batch_size < 1:
        p.error("--steps, --loader-epochs and --batch-size must be >= 1")

    train = MNIST(root=data_root(args.root), train=True, download=False)
    loader_times = []
    for e in range(args.loader_epochs):
        t, n = loader_epoch(train, args.batch_size, args.device, seed=e)
        loader_times.append(t)
    load = statistics.median(loader_times)
    step = cnn_step_time(train, args.batch_size, args.device, args.steps)
    steps_per_epoch = math.ceil(len(train) / args.batch_size)
    cnn_epoch = step * steps_per_epoch
    result = {
        "device": args.device,
        "batch_size": args.batch_size,
        "samples_per_epoch": n,
        "loader_epoch_s": round(load, 3),
        "loader_epochs_s": [round(t, 3) for t in loader_times],
        "cnn_step_ms": round(step * 1e3, 2),
        "cnn_steps_timed": args.steps,
        "cnn_epoch_s_extrapolated": round(cnn_epoch, 1),
        "ratio": round(load / cnn_epoch, 4),
        "threads": os.cpu_count(),
    }
    print(f"augmented DataLoader epoch: {load:.2f} s ({n} images, batch {args.batch_size}, {args.device})")
    print(f"reference CNN training epoch: {cnn_epoch:.1f} s ({step * 1e3:.1f} ms/step x {steps_per_epoch} steps)")
    print(f"ratio loader / training: {100 * load / cnn_epoch:.1f}% (target < 20%)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
