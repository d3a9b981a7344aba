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

With ``--workers``, it instead trains the reference CNN on the augmented loader itself for
``--steps`` steps, once per worker count (``num_workers`` 0, 1, 2), alternating over
``--rounds`` rounds in this one process, and prints the median time per step of each and its
ratio to ``num_workers=0``: how much of the loading the worker threads hide behind training.

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


def steps_with_workers(train: MNIST, batch: int, device: str, steps: int, workers: int,
                       model, opt) -> float:
    """Seconds per training step when the batches come from the augmented loader itself."""
    aug = T.Compose([
        T.RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1), shear=5),
        T.Normalize((0.1307,), (0.3081,)),
    ])
    loader = DataLoader(train, batch_size=batch, shuffle=True, seed=0, device=device,
                        transform=aug, num_workers=workers)
    loss_fn = mg.nn.CrossEntropyLoss()
    sync = get_backend(device).synchronize
    sync()
    t0 = time.perf_counter()
    for i, (x, y) in enumerate(loader):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        loss.item()
        if i + 1 == steps:
            break
    sync()
    return (time.perf_counter() - t0) / steps


def compare_workers(train: MNIST, args: argparse.Namespace) -> None:
    mg.manual_seed(0)
    model = reference_cnn().to(args.device)
    opt = mg.optim.Adam(model.parameters(), lr=1e-3)
    counts = (0, 1, 2)
    times: dict[int, list] = {w: [] for w in counts}
    steps_with_workers(train, args.batch_size, args.device, 3, 0, model, opt)  # warm-up
    for r in range(args.rounds):
        for w in (counts if r % 2 == 0 else counts[::-1]):
            times[w].append(steps_with_workers(train, args.batch_size, args.device, args.steps,
                                               w, model, opt))
    base = statistics.median(times[0])
    for w in counts:
        med = statistics.median(times[w])
        ratios = [t / b for t, b in zip(times[w], times[0])]
        print(f"num_workers={w}: {med * 1e3:.1f} ms/step, ratio to num_workers=0 "
              f"{med / base:.2f} (per round {', '.join(f'{x:.2f}' for x in ratios)})")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", default=None)
    p.add_argument("--device", default="cpu")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--steps", type=int, default=300, help="timed CNN training steps")
    p.add_argument("--loader-epochs", type=int, default=3, help="augmented epochs timed (median taken)")
    p.add_argument("--workers", action="store_true",
                   help="train on the augmented loader with num_workers 0, 1 and 2 and compare")
    p.add_argument("--rounds", type=int, default=5, help="rounds of the --workers comparison")
    args = p.parse_args()
    if args.steps < 1 or args.loader_epochs < 1 or args.batch_size < 1 or args.rounds < 1:
        p.error("--steps, --loader-epochs, --rounds and --batch-size must be >= 1")

    train = MNIST(root=data_root(args.root), train=True, download=False)
    if args.workers:
        compare_workers(train, args)
        return
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
