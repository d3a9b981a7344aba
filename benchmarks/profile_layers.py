"""Where one training step of the lesson CNN spends its time, layer by layer, in minigrad and torch.

    python benchmarks/profile_layers.py [--batch 128] [--repeat 20] [--only minigrad|torch]
    OPENBLAS_NUM_THREADS=1 python benchmarks/profile_layers.py --cpu-time   # on a busy machine

Reference CNN: Conv(1,32,3)-ReLU-MaxPool(2)-Conv(32,32,3)-ReLU-MaxPool(2)-Flatten-
Linear(800,128)-ReLU-Linear(128,10), float32, 28x28 inputs, written with the functional
ops. For each layer it prints the best-of-N milliseconds of its forward and of its backward
(fed an input and a gradient in the layouts the neighbouring layers produce), then of a
whole forward+backward step (no optimizer), for minigrad and, when installed, PyTorch
(torch.set_num_threads matching the cores). Profile one library per process with --only:
OpenBLAS's and PyTorch's thread pools slow each other down when they share a process.
This is a diagnostic for the layer code; benchmarks/bench_cnn.py is the end-to-end benchmark.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import minigrad as mg  # noqa: E402
from minigrad.ops.convolution import conv2d  # noqa: E402
from minigrad.ops.pooling import max_pool2d  # noqa: E402


CLOCK = time.perf_counter


def median_ms(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = CLOCK()
        fn()
        times.append(CLOCK() - start)
    return 1000 * min(times)  # the least disturbed run: the machine is shared


def weights(rng: np.random.Generator) -> dict:
    def u(shape, fan_in):
        bound = 1 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, shape).astype(np.float32)
    return {"c1w": u((32, 1, 3, 3), 9), "c1b": u((32,), 9), "c2w": u((32, 32, 3, 3), 288),
            "c2b": u((32,), 288), "f1w": u((128, 800), 800), "f1b": u((128,), 800),
            "f2w": u((10, 128), 128), "f2b": u((10,), 128)}


def layers(lib, F, p):
    """The CNN as a list of (name, fn) stages, written once for both libraries."""
    return [("conv1", lambda x: F.conv2d(x, p["c1w"], p["c1b"])),
            ("relu1", lambda x: x.relu()),
            ("pool1", lambda x: F.max_pool2d(x, 2)),
            ("conv2", lambda x: F.conv2d(x, p["c2w"], p["c2b"])),
            ("relu2", lambda x: x.relu()),
            ("pool2", lambda x: F.max_pool2d(x, 2)),
            ("flatten", lambda x: x.reshape(x.shape[0], -1)),
            ("fc1", lambda x: x @ p["f1w"].T + p["f1b"]),
            ("relu3", lambda x: x.relu()),
            ("fc2", lambda x: x @ p["f2w"].T + p["f2b"]),
            ("loss", lambda x: -(x.log_softmax(1)[lib.arange(x.shape[0]), TARGET[lib]]).mean())]


TARGET: dict = {}


def uses(layer: str, tensor, p: dict) -> bool:
    """Whether ``layer`` reads parameter ``tensor``."""
    prefix = {"conv1": "c1", "conv2": "c2", "fc1": "f1", "fc2": "f2"}.get(layer)
    return prefix is not None and any(v is tensor for k, v in p.items() if k.startswith(prefix))


def profile(lib, F, p, x, repeat):
    stages = layers(lib, F, p)
    rows = []
    h = x
    for name, fn in stages:
        inp = h.detach().requires_grad_() if name != "conv1" else h
        fwd = median_ms(lambda: fn(inp), repeat)
        out = fn(inp)
        # A gradient in the memory layout of the output, as the next layer would send it.
        seed = out.detach() * 0 + 1 if out.ndim else None

        wrt = [inp] if name != "conv1" else []
        wrt += [t for t in p.values() if t.requires_grad and uses(name, t, p)]

        def bwd():  # autograd.grad: no copying into .grad, as for inner layers of a model
            o = fn(inp)
            lib.autograd.grad([o], wrt, [seed] if seed is not None else None)
        total = median_ms(bwd, repeat)
        rows.append((name, fwd, total - fwd))
        h = out.detach()

    params = list(p.values())

    def step():
        for t in params:
            t.grad = None
        h = x
        for _, fn in stages:
            h = fn(h)
        h.backward()
    return rows, median_ms(step, repeat)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--only", choices=["minigrad", "torch"], default=None,
                    help="profile one library (the two thread pools disturb each other)")
    ap.add_argument("--cpu-time", action="store_true",
                    help="time this thread's CPU time instead of wall time: robust when other "
                         "processes share the cores; use with one thread (OPENBLAS_NUM_THREADS=1)")
    args = ap.parse_args()
    global CLOCK
    if args.cpu_time:
        CLOCK = time.thread_time
    rng = np.random.default_rng(0)
    w = weights(rng)
    x = rng.standard_normal((args.batch, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, args.batch)

    mp = {k: mg.tensor(v, requires_grad=True) for k, v in w.items()}
    TARGET[mg] = mg.tensor(y)
    import types
    mF = types.SimpleNamespace(conv2d=conv2d, max_pool2d=max_pool2d)
    results = {}
    if args.only != "torch":
        results["minigrad"] = profile(mg, mF, mp, mg.tensor(x), args.repeat)
    try:
        if args.only == "minigrad":
            raise ImportError
        import torch
        torch.set_num_threads(1 if args.cpu_time else os.cpu_count() or 1)
        tp = {k: torch.tensor(v, requires_grad=True) for k, v in w.items()}
        TARGET[torch] = torch.tensor(y)
        results["torch"] = profile(torch, torch.nn.functional, tp, torch.tensor(x), args.repeat)
    except ImportError:
        pass

    names = list(results)
    clock = "thread CPU" if args.cpu_time else "wall"
    print(f"batch {args.batch}, best of {args.repeat}, {clock} milliseconds")
    print(f"{'layer':10s}" + "".join(f"{n + ' fwd':>15s}{n + ' bwd':>15s}" for n in names))
    for i, (layer, _, _) in enumerate(results[names[0]][0]):
        print(f"{layer:10s}" + "".join(f"{results[n][0][i][1]:15.2f}{results[n][0][i][2]:15.2f}"
                                       for n in names))
    print("step (forward + backward): " + ", ".join(f"{n} {results[n][1]:.1f} ms" for n in names))


if __name__ == "__main__":
    main()
