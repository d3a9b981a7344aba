"""OpenBLAS's idle-thread spin, switched on and off in turns inside one process.

    python benchmarks/bench_blas_timeout.py [--rounds 12] [--steps 5]

The CPU backend makes OpenBLAS's worker threads sleep as soon as a matrix product ends
(``minigrad.backend.tune_blas_threads``); by default they spin for about 0.1 s, taking a
core from minigrad's own threads. This times lesson-CNN training steps (batch 128) with
OpenBLAS's default timeout (2**28 cycles) and with minigrad's (2**4), alternating every
few steps so that machine noise hits both alike, and prints the median of each and their
ratio, plus the process CPU time per step (the work the spinning wastes).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from minigrad.backend import tune_blas_threads  # noqa: E402
from bench_cnn import Pair  # noqa: E402

SETTINGS = {"OpenBLAS default (2**28)": 28, "minigrad's (2**4)": 4}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--steps", type=int, default=5, help="timed steps per setting and round")
    args = parser.parse_args()
    sys.modules["torch"] = None  # minigrad alone: PyTorch's threads would spin too
    pair = Pair(128, 28)
    wall: dict = {name: [] for name in SETTINGS}
    cpu: dict = {name: [] for name in SETTINGS}
    for _ in range(args.rounds):
        for name, timeout in SETTINGS.items():
            if not tune_blas_threads(timeout):
                raise SystemExit("no OpenBLAS found to tune (or OPENBLAS_THREAD_TIMEOUT is set)")
            pair.step_minigrad()  # the first product after a restart starts the threads
            for _ in range(args.steps):
                w, c = time.perf_counter(), time.process_time()
                pair.step_minigrad()
                wall[name].append(time.perf_counter() - w)
                cpu[name].append(time.process_time() - c)
    base = statistics.median(wall["OpenBLAS default (2**28)"])
    for name in SETTINGS:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        print(f"{name:26s} wall {w * 1e3:6.1f} ms/step ({w / base:.2f}x), "
              f"CPU {c * 1e3:6.1f} ms/step")


if __name__ == "__main__":
    main()
