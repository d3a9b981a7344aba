"""The lesson CNN in minigrad against PyTorch on the same CPU, in one process.

    python benchmarks/bench_cnn.py                 # batch 128 training + batch 1000 inference
    python benchmarks/bench_cnn.py --scaling       # also batch 32..1024 and inputs 28/56/112
    python benchmarks/bench_cnn.py --memory        # peak resident memory of each, in subprocesses
    python benchmarks/bench_cnn.py --device cuda --batch 128 1024   # GPU: minigrad-cuda vs torch-cuda

Both models get identical weights and data; the first losses must agree. Steps
are timed interleaved (minigrad, torch, minigrad, ...) so machine noise hits
both alike, and results are quoted as the median ratio minigrad / PyTorch.
On the CPU a third model is timed in the same rounds: minigrad's with its conv
blocks fused by ``nn.utils.fuse_modules`` (opt-in; the same weights, the same math).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import minigrad as mg  # noqa: E402
import minigrad.nn as nn  # noqa: E402
from minigrad.backend import get_backend  # noqa: E402

THREADS = os.cpu_count() or 1
DEVICE = "cpu"  # set by --device; both frameworks run there


def synchronize() -> None:
    """Wait for queued GPU work of both frameworks, so timings measure the work itself."""
    if DEVICE == "cuda":
        mg.cuda.synchronize()
        import torch
        torch.cuda.synchronize()


def conv_out(size: int) -> int:
    """Spatial size after conv3x3 (valid) then maxpool 2."""
    return (size - 2) // 2


def flat_features(size: int) -> int:
    return 32 * conv_out(conv_out(size)) ** 2


def forward_flops(batch: int, size: int) -> float:
    """Multiply-adds x 2 of one forward pass (convs and linears; the rest is negligible)."""
    s1 = size - 2
    s2 = conv_out(size) - 2
    conv1 = 2 * batch * s1 * s1 * 32 * 9
    conv2 = 2 * batch * s2 * s2 * 32 * 32 * 9
    fc = 2 * batch * (flat_features(size) * 128 + 128 * 10)
    return float(conv1 + conv2 + fc)


def build_minigrad(size: int) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(flat_features(size), 128), nn.ReLU(), nn.Linear(128, 10))


def build_torch(size: int, weights: dict):
    import torch
    tnn = torch.nn
    model = tnn.Sequential(
        tnn.Conv2d(1, 32, 3), tnn.ReLU(), tnn.MaxPool2d(2),
        tnn.Conv2d(32, 32, 3), tnn.ReLU(), tnn.MaxPool2d(2),
        tnn.Flatten(), tnn.Linear(flat_features(size), 128), tnn.ReLU(), tnn.Linear(128, 10))
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in weights.items()})
    return model


def sgemm_peak() -> float:
    """GFLOP/s of a large float32 matrix product: the ceiling for this machine."""
    a = np.random.default_rng(0).standard_normal((1024, 1024), dtype=np.float32)
    b = a.T.copy()
    a @ b
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    return 2 * 1024 ** 3 / best / 1e9


class Pair:
    """The same network and data in minigrad and (if installed) PyTorch."""

    def __init__(self, batch: int, size: int, seed: int = 0):
        mg.manual_seed(seed)
        rng = np.random.default_rng(seed)
        self.x_np = rng.standard_normal((batch, 1, size, size), dtype=np.float32)
        self.y_np = rng.integers(0, 10, size=batch)
        self.model = build_minigrad(size).to(DEVICE)
        self.opt = mg.optim.Adam(self.model.parameters(), lr=1e-3)
        self.loss_fn = nn.CrossEntropyLoss()
        self.x, self.y = mg.tensor(self.x_np, device=DEVICE), mg.tensor(self.y_np, device=DEVICE)
        self.fused = None  # the same network with fused conv blocks (a copy), CPU only
        if DEVICE == "cpu":
            self.fused = nn.utils.fuse_modules(self.model)
            self.fused_opt = mg.optim.Adam(self.fused.parameters(), lr=1e-3)
        self.torch = None
        try:
            import torch
        except ImportError:
            return
        torch.set_num_threads(THREADS)
        weights = {k: v.numpy() for k, v in self.model.state_dict().items()}
        self.torch = torch
        self.tmodel = build_torch(size, weights).to(DEVICE)
        self.topt = torch.optim.Adam(self.tmodel.parameters(), lr=1e-3)
        self.tloss_fn = torch.nn.CrossEntropyLoss()
        self.tx = torch.from_numpy(self.x_np).to(DEVICE)
        self.ty = torch.from_numpy(self.y_np).to(DEVICE)

    def _step(self, model: nn.Module, opt) -> float:
        opt.zero_grad()
        loss = self.loss_fn(model(self.x), self.y)
        loss.backward()
        opt.step()
        return loss.item()

    def step_minigrad(self) -> float:
        return self._step(self.model, self.opt)

    def step_fused(self) -> float:
        return self._step(self.fused, self.fused_opt)

    def step_torch(self) -> float:
        self.topt.zero_grad()
        loss = self.tloss_fn(self.tmodel(self.tx), self.ty)
        loss.backward()
        self.topt.step()
        return loss.item()

    def infer_minigrad(self, x, model: nn.Module | None = None) -> None:
        with mg.no_grad():
            (model or self.model)(x)

    def infer_fused(self, x) -> None:
        self.infer_minigrad(x, self.fused)

    def infer_torch(self, x) -> None:
        with self.torch.no_grad():
            self.tmodel(x)


@contextlib.contextmanager
def plain_cupy():
    """Switch minigrad's hand-written CUDA kernels off (minigrad/cuda_kernels.py)."""
    backend = get_backend("cuda")
    backend.use_kernels = False
    try:
        yield
    finally:
        backend.use_kernels = True


def timed(fn, *args) -> float:
    synchronize()
    t0 = time.perf_counter()
    fn(*args)
    synchronize()
    return time.perf_counter() - t0


def compare(batch: int, size: int, rounds: int, steps: int, infer_batch: int | None) -> dict:
    """Median seconds per training step (and inference) for both, interleaved."""
    pair = Pair(batch, size)
    result = {"batch": batch, "size": size}
    l_mg = pair.step_minigrad()
    if pair.fused is not None:
        l_f = pair.step_fused()
        if abs(l_mg - l_f) > 1e-5 * max(1.0, abs(l_mg)):
            raise SystemExit(f"first losses disagree: minigrad {l_mg:.6f} vs fused {l_f:.6f}")
    if pair.torch is not None:
        l_t = pair.step_torch()
        result["first_loss"] = (l_mg, l_t)
        if abs(l_mg - l_t) > 1e-4 * max(1.0, abs(l_t)):
            raise SystemExit(f"first losses disagree: minigrad {l_mg:.6f} vs torch {l_t:.6f}")
    mg_times, t_times, plain_times, fused_times = [], [], [], []
    for _ in range(rounds):
        mg_times += [timed(pair.step_minigrad) for _ in range(steps)]
        if pair.fused is not None:
            fused_times += [timed(pair.step_fused) for _ in range(steps)]
        if pair.torch is not None:
            t_times += [timed(pair.step_torch) for _ in range(steps)]
        if DEVICE == "cuda":  # the same step without minigrad's hand-written CUDA kernels
            with plain_cupy():
                plain_times += [timed(pair.step_minigrad) for _ in range(steps)]
    result["train_minigrad"] = statistics.median(mg_times)
    if t_times:
        result["train_torch"] = statistics.median(t_times)
    if plain_times:
        result["train_minigrad_plain"] = statistics.median(plain_times)
    if fused_times:
        result["train_fused"] = statistics.median(fused_times)
    if infer_batch:
        xi_np = np.random.default_rng(1).standard_normal((infer_batch, 1, size, size),
                                                         dtype=np.float32)
        xi = mg.tensor(xi_np, device=DEVICE)
        mg_inf, t_inf = [], []
        txi = pair.torch.from_numpy(xi_np).to(DEVICE) if pair.torch is not None else None
        plain_inf = []
        # One untimed call each first: the first batch-1000 pass touches ~400 MB of memory
        # the process has never used, and page-faulting it in took 0.4-0.6 s on the VM host
        # of session 12 (5-7x a warm call), which could land in the median of 5 rounds.
        pair.infer_minigrad(xi)
        if pair.fused is not None:
            pair.infer_fused(xi)
        if pair.torch is not None:
            pair.infer_torch(txi)
        fused_inf = []
        for _ in range(rounds):
            mg_inf.append(timed(pair.infer_minigrad, xi))
            if pair.fused is not None:
                fused_inf.append(timed(pair.infer_fused, xi))
            if pair.torch is not None:
                t_inf.append(timed(pair.infer_torch, txi))
            if DEVICE == "cuda":
                with plain_cupy():
                    plain_inf.append(timed(pair.infer_minigrad, xi))
        result["infer_minigrad"] = statistics.median(mg_inf)
        if plain_inf:
            result["infer_minigrad_plain"] = statistics.median(plain_inf)
        if fused_inf:
            result["infer_fused"] = statistics.median(fused_inf)
        if t_inf:
            result["infer_torch"] = statistics.median(t_inf)
    return result


def peak_rss_kib() -> int:
    """This process's peak resident memory. Linux's VmHWM starts afresh at exec; ru_maxrss
    (the fallback) is inherited from the parent at fork, so a large parent would mask it."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def memory_child(framework: str, steps: int) -> None:
    """Train a few steps and print the peak RSS, and its growth caused by training (KiB).

    Each framework runs alone in its own process: the minigrad child never imports torch,
    and the torch child keeps glibc's default allocator (MINIGRAD_MALLOC_TUNING=0, set by
    the parent) so minigrad's CPU-backend setting does not change PyTorch's figure."""
    if framework in ("minigrad", "fused"):
        sys.modules["torch"] = None  # Pair then builds minigrad only
    pair = Pair(128, 28)
    if framework == "torch":
        del pair.model, pair.opt, pair.x  # only the weights were needed from minigrad
    before = peak_rss_kib()
    if framework == "fused":
        del pair.model, pair.opt  # only the fused copy trains
    step = {"minigrad": pair.step_minigrad, "fused": getattr(pair, "step_fused", None),
            "torch": pair.step_torch}[framework]
    for _ in range(steps):
        step()
    peak = peak_rss_kib()
    print(json.dumps({"framework": framework, "peak_kib": peak, "before_kib": before}))


def measure_memory(steps: int) -> dict:
    out = {}
    for framework in ("minigrad", "fused", "torch"):
        env = dict(os.environ)
        if framework == "torch":
            env["MINIGRAD_MALLOC_TUNING"] = "0"
        proc = subprocess.run([sys.executable, __file__, "--memory-child", framework,
                               "--steps", str(steps)], capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            out[framework] = None
            continue
        out[framework] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def plain_note(result: dict, kind: str = "train") -> str:
    """On cuda: the same minigrad step without its hand-written kernels, and the ratio."""
    plain = result.get(f"{kind}_minigrad_plain")
    if plain is None:
        return ""
    return (f"; without minigrad's CUDA kernels {plain * 1e3:.1f} ms "
            f"(ratio {ratio(plain, result.get(f'{kind}_torch'))}, kernels speed-up "
            f"{plain / result[f'{kind}_minigrad']:.2f}x)")


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:5.2f}" if a and b else "  n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=5, help="steps per round")
    parser.add_argument("--scaling", action="store_true")
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--memory-child", choices=["minigrad", "fused", "torch"])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--batch", type=int, nargs="+", default=[128],
                        help="training batch sizes for the headline comparison")
    args = parser.parse_args()
    global DEVICE
    DEVICE = args.device

    if args.memory_child:
        memory_child(args.memory_child, args.steps)
        return

    if DEVICE == "cuda":
        import cupy
        name = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
        print(f"device cuda: {name}; cupy {cupy.__version__}")
        peak = float("nan")
    else:
        peak = sgemm_peak()
        print(f"threads {THREADS}; numpy {np.__version__}; measured sgemm peak {peak:.0f} GFLOP/s")
    for batch in args.batch[1:]:
        b = compare(batch, 28, args.rounds, args.steps, infer_batch=None)
        print(f"train step, batch {batch}: minigrad {b['train_minigrad'] * 1e3:7.1f} ms"
              + (f", torch {b['train_torch'] * 1e3:7.1f} ms" if 'train_torch' in b else "")
              + f", ratio {ratio(b['train_minigrad'], b.get('train_torch'))}" + plain_note(b))
    first = args.batch[0]
    r = compare(first, 28, args.rounds, args.steps, infer_batch=1000)
    flops = 3 * forward_flops(first, 28)
    print(f"first loss: {r.get('first_loss')}")
    print(f"train step, batch {first}: minigrad {r['train_minigrad'] * 1e3:7.1f} ms"
          + (f", torch {r['train_torch'] * 1e3:7.1f} ms" if 'train_torch' in r else "")
          + f", ratio {ratio(r['train_minigrad'], r.get('train_torch'))}" + plain_note(r))
    print(f"inference, batch 1000: minigrad {r['infer_minigrad'] * 1e3:7.1f} ms"
          + (f", torch {r['infer_torch'] * 1e3:7.1f} ms" if 'infer_torch' in r else "")
          + f", ratio {ratio(r['infer_minigrad'], r.get('infer_torch'))}"
          + plain_note(r, "infer"))
    if "train_fused" in r:
        print(f"fused conv blocks (nn.utils.fuse_modules): train step {r['train_fused'] * 1e3:7.1f} ms, "
              f"ratio {ratio(r['train_fused'], r.get('train_torch'))}; inference "
              f"{r['infer_fused'] * 1e3:7.1f} ms, ratio {ratio(r['infer_fused'], r.get('infer_torch'))}; "
              f"fused / unfused: train {r['train_fused'] / r['train_minigrad']:.2f}, "
              f"inference {r['infer_fused'] / r['infer_minigrad']:.2f}")
    if peak == peak:  # measured again after the rounds: a busy moment at the start must not
        again = sgemm_peak()  # read as a low peak (and a high percentage of it)
        print(f"sgemm peak again after the rounds: {again:.0f} GFLOP/s; the higher is used")
        peak = max(peak, again)
    achieved = flops / r["train_minigrad"] / 1e9
    of_peak = "" if peak != peak else f" = {100 * achieved / peak:.0f}% of peak"  # nan: no peak
    line = f"training throughput: minigrad {achieved:.0f} GFLOP/s{of_peak}"
    if "train_torch" in r:
        t_achieved = flops / r["train_torch"] / 1e9
        line += f"; torch {t_achieved:.0f} GFLOP/s" + ("" if peak != peak else
                                                        f" = {100 * t_achieved / peak:.0f}%")
    if "train_fused" in r:
        f_achieved = flops / r["train_fused"] / 1e9
        line += f"; minigrad fused {f_achieved:.0f} GFLOP/s" + (
            "" if peak != peak else f" = {100 * f_achieved / peak:.0f}%")
    print(line)

    if args.scaling:
        print("\nscaling (median train step, minigrad / torch):")
        print(f"{'batch':>6} {'input':>6} {'minigrad ms':>12} {'torch ms':>10} {'ratio':>6} "
              f"{'fused ms':>9} {'ratio':>6}")
        cases = [(b, 28) for b in (32, 64, 128, 256, 512, 1024)] + [(128, 56), (128, 112)]
        for batch, size in cases:
            rounds = max(2, args.rounds // 2)
            steps = max(1, min(args.steps, 2048 // batch))
            s = compare(batch, size, rounds, steps, infer_batch=None)
            print(f"{batch:>6} {size:>6} {s['train_minigrad'] * 1e3:12.1f} "
                  f"{s.get('train_torch', float('nan')) * 1e3:10.1f} "
                  f"{ratio(s['train_minigrad'], s.get('train_torch')):>6} "
                  f"{s.get('train_fused', float('nan')) * 1e3:9.1f} "
                  f"{ratio(s.get('train_fused'), s.get('train_torch')):>6}")

    if args.memory:
        mem = measure_memory(steps=20)
        print("\npeak resident memory growth while training 20 steps (batch 128):")
        for name, m in mem.items():
            if m:
                print(f"  {name:9s} {(m['peak_kib'] - m['before_kib']) / 1024:7.1f} MiB "
                      f"(peak RSS {m['peak_kib'] / 1024:.0f} MiB)")
        if mem.get("minigrad") and mem.get("torch"):
            g = mem["minigrad"]["peak_kib"] - mem["minigrad"]["before_kib"]
            t = mem["torch"]["peak_kib"] - mem["torch"]["before_kib"]
            print(f"  ratio of growth {g / max(t, 1):.2f}; ratio of peak RSS "
                  f"{mem['minigrad']['peak_kib'] / mem['torch']['peak_kib']:.2f}")
            if mem.get("fused"):
                f = mem["fused"]["peak_kib"] - mem["fused"]["before_kib"]
                print(f"  fused: ratio of growth {f / max(t, 1):.2f}; ratio of peak RSS "
                      f"{mem['fused']['peak_kib'] / mem['torch']['peak_kib']:.2f}")


if __name__ == "__main__":
    main()
