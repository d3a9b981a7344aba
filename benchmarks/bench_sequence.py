"""Lesson 12's sequence models against PyTorch: one training step each, interleaved.

    python benchmarks/bench_sequence.py                     # lstm, gru, transformer; batch 128
    python benchmarks/bench_sequence.py --models lstm --rounds 10

Each model reads a batch of MNIST-shaped images as 28 rows of 28 pixels (the lesson's data
shape): an LSTM(28, 128) or GRU(28, 128) whose last hidden state goes through Linear(128, 10),
and the lesson's Transformer encoder (d_model 64, 4 heads, feed-forward 128, 2 layers, dropout
off so that both frameworks compute the same thing). Both frameworks get the same weights
(copied parameter by parameter) and data, their first losses must agree, and their steps (Adam,
cross-entropy) alternate in one process: the printed ratio is minigrad / PyTorch of the median
step. Without PyTorch it prints minigrad's own times.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import minigrad as mg  # noqa: E402
from bench_ab import Trainer  # noqa: E402


MODELS = ("gru", "lstm", "transformer")  # bench_ab.py's models of lesson 12


def compare(name: str, batch: int, rounds: int, steps: int, torch) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, size=batch)
    mg.manual_seed(0)
    ours = Trainer(mg, name, None, x, y)
    runs = {"minigrad": ours}
    if torch is not None:  # the same weights, parameter by parameter
        runs["torch"] = Trainer(torch, name, ours.state(), x, y)
    first = {who: trainer.step() for who, trainer in runs.items()}
    if torch is not None and abs(first["minigrad"] - first["torch"]) > 1e-4:
        raise SystemExit(f"{name}: first losses disagree: {first}")
    times: dict = {who: [] for who in runs}
    for _ in range(rounds):
        for who, trainer in runs.items():
            t = time.perf_counter()
            for _ in range(steps):
                trainer.step()
            times[who].append((time.perf_counter() - t) / steps)
    medians = {who: statistics.median(v) * 1e3 for who, v in times.items()}
    line = f"{name:12s} batch {batch}: minigrad {medians['minigrad']:6.1f} ms"
    if torch is not None:
        line += (f", torch {medians['torch']:6.1f} ms, ratio "
                 f"{medians['minigrad'] / medians['torch']:.2f} (first loss {first['torch']:.5f})")
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--steps", type=int, default=3)
    args = parser.parse_args()
    try:
        import torch
        torch.set_num_threads(mg.backend.get_backend("cpu").threads)
    except ImportError:
        torch = None
        print("PyTorch is not installed: minigrad's own times only")
    for name in args.models:
        compare(name, args.batch, args.rounds, args.steps, torch)


if __name__ == "__main__":
    main()
