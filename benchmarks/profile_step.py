"""Where one training step of the lesson CNN goes, on any device, phase by phase.

    python benchmarks/profile_step.py                      # cpu
    python benchmarks/profile_step.py --device cuda --batch 128
    python benchmarks/profile_step.py --device cuda --cprofile 25
    python benchmarks/profile_step.py --ops --fused        # conv blocks fused (fuse_modules)

Prints the median time of forward, backward and optimizer step (each synchronized), and
with ``--cprofile N`` the N functions with the most time of their own over many steps,
with call counts per step: on a GPU, where a small step is bound by per-call overhead
rather than arithmetic, this shows which Python and array-library calls it is made of.

With ``--ops`` (CPU) it times every op where it really runs, inside the training step:
each Function's forward and backward, wall clock and process CPU time (all threads) per
step. The data an op reads there has usually left the caches, unlike in a per-layer
profile that repeats one layer; and 2 x wall - CPU (on 2 cores) is the time one core sat
idle during the op: Python, a single-threaded pass, or waiting for a thread to wake.
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


def ops_in_place(pair: Pair, steps: int) -> None:
    """Wall and CPU milliseconds per step of each op's forward (F) and backward (B)."""
    from minigrad.autograd import engine
    from minigrad.autograd.function import Function
    totals: dict = {}
    depth = [0]  # only the outermost op: a backward's own ops count towards it

    def add(key: str, wall: float, cpu: float) -> None:
        entry = totals.setdefault(key, [0.0, 0.0])
        entry[0] += wall
        entry[1] += cpu

    def timed(key: str, fn, *args):
        if depth[0]:
            return fn(*args)
        depth[0] += 1
        w, c = time.perf_counter(), time.process_time()
        try:
            return fn(*args)
        finally:
            depth[0] -= 1
            add(key, time.perf_counter() - w, time.process_time() - c)

    original = Function.__dict__["apply"]
    apply, call_backward = original.__func__, engine._call_backward
    Function.apply = classmethod(lambda cls, *a, **k: timed(
        "F " + cls.__name__, lambda *a: apply(cls, *a, **k), *a))
    engine._call_backward = lambda node, grads: timed(
        "B " + type(node).__name__, call_backward, node, grads)
    try:
        w, c = time.perf_counter(), time.process_time()
        for _ in range(steps):
            pair.step_minigrad()
        wall, cpu = time.perf_counter() - w, time.process_time() - c
    finally:
        Function.apply = original
        engine._call_backward = call_backward
    print(f"\nops in place, per step (ms), {steps} steps:")
    print(f"  {'op':<28}{'wall':>8}{'CPU':>8}{'one core idle':>15}")
    for key, (w_op, c_op) in sorted(totals.items(), key=lambda kv: -kv[1][0]):
        w_op, c_op = 1e3 * w_op / steps, 1e3 * c_op / steps
        print(f"  {key:<28}{w_op:8.2f}{c_op:8.2f}{2 * w_op - c_op:15.2f}")
    in_ops = sum(v[0] for v in totals.values()) / steps
    print(f"  whole step: wall {1e3 * wall / steps:.2f}, CPU {1e3 * cpu / steps:.2f}; outside "
          f"the ops (optimizer, modules, engine): wall {1e3 * (wall / steps - in_ops):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--cprofile", type=int, default=0, metavar="N",
                        help="also print the N functions with the most own time")
    parser.add_argument("--ops", action="store_true",
                        help="also time each op's forward and backward inside the step")
    parser.add_argument("--fused", action="store_true",
                        help="the model with its conv blocks fused by nn.utils.fuse_modules")
    args = parser.parse_args()
    bench_cnn.DEVICE = args.device
    pair = Pair(args.batch, 28)
    pair.torch = None  # minigrad alone
    if args.fused:
        pair.model, pair.opt = pair.fused, pair.fused_opt
    for _ in range(5):
        pair.step_minigrad()
    print(f"device {args.device}, batch {args.batch}, median of {args.steps} steps (ms):")
    for name, ms in phases(pair, args.steps).items():
        print(f"  {name:<14}{ms:8.2f}")
    if args.ops:
        ops_in_place(pair, args.steps)
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
