"""Where one training step of the lesson CNN goes, on any device, phase by phase.

    python benchmarks/profile_step.py                      # cpu
    python benchmarks/profile_step.py --device cuda --batch 128
    python benchmarks/profile_step.py --device cuda --cprofile 25

Prints the median time of forward, backward and optimizer step (each synchronized), and
with ``--cprofile N`` the N functions with the most time of their own over many steps,
with call counts per step: on a GPU, where a small step is bound by per-call overhead
rather than arithmetic, this shows which Python and array-library calls it is made of.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_cnn  # noqa: E402
from bench_cnn import Pair  # noqa: E402


def phases(pair: Pair, steps: int) -> dict[str, float]:
    """Median milliseconds of each phase of a step, each ended by a synchronize."""
    times: dict[str, list[float]] = {"zero_grad": [], "forward+loss": [], "backward": [],
                                     "optimizer": [], "whole step": []}

    def lap(name: str, t0: float) -> float:
        bench_cnn.synchronize()
        t1 = time.perf_counter()
        times[name].append((t1 - t0) * 1e3)
        return t1

    for _ in range(steps):
        bench_cnn.synchronize()
        start = t = time.perf_counter()
        pair.opt.zero_grad()
        t = lap("zero_grad", t)
        loss = pair.loss_fn(pair.model(pair.x), pair.y)
        t = lap("forward+loss", t)
        loss.backward()
        t = lap("backward", t)
        pair.opt.step()
        lap("optimizer", t)
        times["whole step"].append((time.perf_counter() - start) * 1e3)
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--cprofile", type=int, default=0, metavar="N",
                        help="also print the N functions with the most own time")
    args = parser.parse_args()
    bench_cnn.DEVICE = args.device
    pair = Pair(args.batch, 28)
    pair.torch = None  # minigrad alone
    for _ in range(5):
        pair.step_minigrad()
    print(f"device {args.device}, batch {args.batch}, median of {args.steps} steps (ms):")
    for name, ms in phases(pair, args.steps).items():
        print(f"  {name:<14}{ms:8.2f}")
    if args.cprofile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.steps):
            pair.step_minigrad()
        bench_cnn.synchronize()
        profiler.disable()
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        print(f"total calls per step: {stats.total_calls / args.steps:.0f}")
        stats.sort_stats("tottime").print_stats(args.cprofile)
        print(stream.getvalue())


if __name__ == "__main__":
    main()
