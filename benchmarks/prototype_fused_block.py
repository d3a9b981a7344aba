"""Measurement only (issue 6): how much would fusing Conv(3x3)-ReLU-MaxPool(2) save?

    python benchmarks/prototype_fused_block.py               # whole training step, A/B
    python benchmarks/prototype_fused_block.py --blocks      # each conv block, fwd + bwd

The lesson CNN's remaining time is memory-bound passes between the products: the conv
output is written, ReLU reads and writes it, pooling reads it, and backward does the same
in reverse. Eager ops cannot avoid those passes; a fused block can. This script is the
experiment that decides whether fusing is worth it: ``ConvReLUPool`` below does the whole
block on cache-sized groups of images (im2col, product, 2x2 max, ReLU on the pooled values,
which commutes with the max), keeps only the pooled output and the winning offset, and in
backward rebuilds each group's im2col matrix and conv-output gradient in cache.

Its products run single-threaded inside our two worker threads (OpenBLAS's thread count is
process-wide, so it is switched for the duration), which minigrad itself does not do. The
step runs on the lesson CNN with identical weights and data, the first losses must agree,
and the two alternate in one process. Nothing in minigrad uses this file.
"""
from __future__ import annotations

import argparse
import ctypes
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import minigrad as mg  # noqa: E402
import minigrad.nn.functional as F  # noqa: E402
from bench_ab import lesson_cnn  # noqa: E402
from minigrad.autograd.function import Function  # noqa: E402
from minigrad.backend import get_backend  # noqa: E402
from minigrad.tensor import Tensor  # noqa: E402

BACKEND = get_backend("cpu")
BLOCK = {1: 16, 32: 32}  # images per group, by input channels (measured best of 1-32)


def _openblas_threads():
    """(set, get) for NumPy's bundled OpenBLAS thread count, or no-ops without it."""
    with open("/proc/self/maps") as maps:
        paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower()})
    for path in paths:
        lib = ctypes.CDLL(path)
        for prefix in ("scipy_openblas_", "openblas_"):
            for suffix in ("64_", ""):
                try:
                    return (getattr(lib, f"{prefix}set_num_threads{suffix}"),
                            getattr(lib, f"{prefix}get_num_threads{suffix}"))
                except AttributeError:
                    continue
    return (lambda n: None), (lambda: 1)


SET_THREADS, GET_THREADS = _openblas_threads()


def _im2col(x):
    """(B, H, W, C) channels-last group -> (B*Ho*Wo, 9C + 1) for a 3x3 kernel, ones column last
    (a transposed view for C = 1, copied along the output columns, which is ~10x faster)."""
    b, h, w, c = x.shape
    ho, wo = h - 2, w - 2
    s = x.strides
    if c == 1:
        fields = np.lib.stride_tricks.as_strided(x, (3, 3, b, ho, wo), (s[1], s[2], s[0], s[1], s[2]))
        m = np.empty((10, b * ho * wo), x.dtype)
        m[:9].reshape(3, 3, b, ho, wo)[...] = fields
        m[9] = 1
        return m.T
    fields = np.lib.stride_tricks.as_strided(x, (b, ho, wo, 3, 3, c), (s[0], s[1], s[2], s[1], s[2], s[3]))
    m = np.empty((b * ho * wo, 9 * c + 1), x.dtype)
    m[:, :-1].reshape(b, ho, wo, 3, 3, c)[...] = fields
    m[:, -1] = 1
    return m


def _in_groups(part, n: int, group: int) -> None:
    """``part(group_slice)`` over the batch, half on each core, single-threaded products."""
    previous = GET_THREADS()
    SET_THREADS(1)
    try:
        BACKEND.parallel_for(lambda s: [part(slice(i, min(i + group, s.stop)))
                                        for i in range(s.start, s.stop, group)], n, 1 << 30)
    finally:
        SET_THREADS(previous)


class ConvReLUPool(Function):
    """max_pool2d(relu(conv2d(x, w, b)), 2) for a 3x3 kernel, stride 1, no padding."""

    @staticmethod
    def forward(ctx, x, w, b):
        xa = x.array.transpose(0, 2, 3, 1)
        n, h, wd, c = xa.shape
        o = w.shape[0]
        ho, wo = h - 2, wd - 2
        hp, wp = ho // 2, wo // 2
        wm = np.concatenate([w.array.transpose(2, 3, 1, 0).reshape(9 * c, o), b.array[None]], 0)
        out = np.empty((n, hp, wp, o), np.float32)
        won = np.empty((n, hp, wp, o), np.uint8)  # winning offset: 2 * bottom row + right column

        def part(s):
            y = (_im2col(xa[s]) @ wm).reshape(-1, ho, wo, o)[:, :2 * hp, :2 * wp]
            y = y.reshape(-1, hp, 2, wp, 2, o)
            a, bq, cq, d = y[:, :, 0, :, 0], y[:, :, 0, :, 1], y[:, :, 1, :, 0], y[:, :, 1, :, 1]
            right, top = bq > a, np.maximum(a, bq)
            right_low, low = d > cq, np.maximum(cq, d)
            bottom = low > top
            np.maximum(top, low, out=out[s])
            np.maximum(out[s], 0, out=out[s])
            right ^= (right ^ right_low) & bottom
            np.left_shift(bottom.view(np.uint8), 1, out=won[s])
            won[s] |= right.view(np.uint8)
        _in_groups(part, n, BLOCK.get(c, 8))
        ctx.save_for_backward(x, w)
        ctx.wm, ctx.out, ctx.won = wm, out, won
        return out.transpose(0, 3, 1, 2)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        xa = x.array.transpose(0, 2, 3, 1)
        n, h, wd, c = xa.shape
        wm, out, won = ctx.wm, ctx.out, ctx.won
        o = wm.shape[1]
        ho, wo = h - 2, wd - 2
        hp, wp = ho // 2, wo // 2
        g_pooled = grad.array.transpose(0, 2, 3, 1)
        need_x = ctx.needs_input_grad[0]
        dx = np.empty((n, h, wd, c), np.float32) if need_x else None
        w_offsets = np.ascontiguousarray(wm[:-1].reshape(3, 3, c, o).transpose(0, 1, 3, 2))
        sums: dict = {}

        def part(s):
            g = g_pooled[s] * (out[s] > 0)
            dy = np.zeros((g.shape[0], ho, wo, o), np.float32)
            windows = dy[:, :2 * hp, :2 * wp].reshape(-1, hp, 2, wp, 2, o)
            for k, (r, q) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
                np.multiply(g, won[s] == k, out=windows[:, :, r, :, q])
            rows = dy.reshape(-1, o)
            product = _im2col(xa[s]).T @ rows
            key = threading.get_ident()
            sums[key] = product if key not in sums else sums[key] + product
            if need_x:
                target = dx[s]
                target[...] = 0
                for i in range(3):
                    for j in range(3):
                        target[:, i:i + ho, j:j + wo] += (rows @ w_offsets[i, j]).reshape(
                            -1, ho, wo, c)
        _in_groups(part, n, BLOCK.get(c, 8))
        gm = sum(sums.values())
        gw = np.ascontiguousarray(gm[:-1].reshape(3, 3, c, o).transpose(3, 2, 0, 1))
        gx = Tensor._make(dx.transpose(0, 3, 1, 2), "cpu") if need_x else None
        return gx, Tensor._make(gw, "cpu"), Tensor._make(gm[-1].copy(), "cpu")


class FusedCNN(mg.nn.Module):
    """The lesson CNN with its two conv blocks fused; the same parameters as ``seq``."""

    def __init__(self, seq):
        super().__init__()
        self.seq = seq

    def forward(self, x):
        s = self.seq
        x = ConvReLUPool.apply(x, s[0].weight, s[0].bias)
        x = ConvReLUPool.apply(x, s[3].weight, s[3].bias)
        for layer in list(s)[6:]:
            x = layer(x)
        return x


def step_ab(batch: int, rounds: int, steps: int) -> None:
    mg.manual_seed(0)
    plain = lesson_cnn(mg.nn)
    copy = lesson_cnn(mg.nn)
    copy.load_state_dict(plain.state_dict())
    fused = FusedCNN(copy)
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((batch, 1, 28, 28), dtype=np.float32))
    y = mg.tensor(rng.integers(0, 10, batch))
    loss_fn = mg.nn.CrossEntropyLoss()
    optimizers = {m: mg.optim.Adam(m.parameters(), 1e-3) for m in (plain, fused)}

    def step(model):
        optimizers[model].zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizers[model].step()
        return loss.item()
    first = step(plain), step(fused)
    if abs(first[0] - first[1]) > 1e-5:
        raise SystemExit(f"first losses disagree: {first}")
    for (name, p), q in zip(plain.named_parameters(), copy.parameters()):
        a, b = p.grad.numpy(), q.grad.numpy()
        if np.abs(a - b).max() > 1e-4 * max(1e-6, np.abs(a).max()):
            raise SystemExit(f"first gradients of {name} disagree")
    times: dict = {plain: [], fused: []}
    for _ in range(rounds):
        for model in (plain, fused):
            t = time.perf_counter()
            for _ in range(steps):
                step(model)
            times[model].append((time.perf_counter() - t) / steps)
    p, f = statistics.median(times[plain]), statistics.median(times[fused])
    print(f"batch {batch}, first loss {first[0]:.7f} and gradients (both): step plain {p * 1e3:.1f} ms, "
          f"fused {f * 1e3:.1f} ms, fused/plain {f / p:.2f}")


def blocks(batch: int, rounds: int) -> None:
    rng = np.random.default_rng(0)
    for n, size, c in ((batch, 28, 1), (batch, 13, 32)):
        x = mg.tensor(rng.standard_normal((n, size, size, c), dtype=np.float32).transpose(0, 3, 1, 2),
                      requires_grad=c > 1)
        w = mg.tensor(rng.standard_normal((32, c, 3, 3), dtype=np.float32) * 0.2, requires_grad=True)
        b = mg.tensor(rng.standard_normal(32, dtype=np.float32) * 0.1, requires_grad=True)
        g = mg.tensor(rng.standard_normal((n, 32, (size - 2) // 2, (size - 2) // 2), dtype=np.float32))
        runs = {"plain": lambda: F.max_pool2d(F.relu(F.conv2d(x, w, b)), 2),
                "fused": lambda: ConvReLUPool.apply(x, w, b)}
        times: dict = {k: ([], []) for k in runs}
        for _ in range(rounds):
            for name, forward in runs.items():
                t0 = time.perf_counter()
                y = forward()
                t1 = time.perf_counter()
                y.backward(g)
                times[name][0].append(t1 - t0)
                times[name][1].append(time.perf_counter() - t1)
        fw = {k: statistics.median(v[0]) * 1e3 for k, v in times.items()}
        bw = {k: statistics.median(v[1]) * 1e3 for k, v in times.items()}
        print(f"conv block {c}->32 on {size}x{size}, batch {n}: forward plain {fw['plain']:.2f} / "
              f"fused {fw['fused']:.2f} ms, backward {bw['plain']:.2f} / {bw['fused']:.2f} ms, "
              f"both fused/plain {(fw['fused'] + bw['fused']) / (fw['plain'] + bw['plain']):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", action="store_true", help="time each conv block alone")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=16)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    if args.blocks:
        blocks(args.batch, args.rounds)
    else:
        step_ab(args.batch, args.rounds, args.steps)


if __name__ == "__main__":
    main()
