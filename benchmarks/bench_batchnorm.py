"""BatchNorm in minigrad against PyTorch on the same CPU, in one process.

    python benchmarks/bench_batchnorm.py [--rounds 5] [--steps 5]

Two measurements, each interleaved (minigrad, torch, minigrad, ...) and quoted as the
median ratio minigrad / PyTorch:

- ``BatchNorm2d(32)`` forward + backward alone, on a 128x32x26x26 activation laid out as
  each library's convolution leaves it (channels-last memory in minigrad, NCHW in torch);
- a training step (Adam) of lesson 07's ensemble member, the network BatchNorm matters
  most for: Conv(1,32,3)-BN-ReLU-MaxPool-Conv(32,64,3)-BN-ReLU-MaxPool-Flatten-
  Linear(1600,256)-BN-ReLU-Linear(256,10), batch 128. Dropout is left out so that both
  libraries compute the same function: the first losses must agree.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import minigrad as mg  # noqa: E402
import minigrad.nn as nn  # noqa: E402
from bench_cnn import THREADS, ratio, timed  # noqa: E402


def member(lib_nn):
    """Lesson 07's member without dropout, in minigrad's or torch's ``nn``."""
    return lib_nn.Sequential(
        lib_nn.Conv2d(1, 32, 3), lib_nn.BatchNorm2d(32), lib_nn.ReLU(), lib_nn.MaxPool2d(2),
        lib_nn.Conv2d(32, 64, 3), lib_nn.BatchNorm2d(64), lib_nn.ReLU(), lib_nn.MaxPool2d(2),
        lib_nn.Flatten(), lib_nn.Linear(1600, 256), lib_nn.BatchNorm1d(256), lib_nn.ReLU(),
        lib_nn.Linear(256, 10))


def interleave(rounds: int, steps: int, *fns) -> list:
    """Median seconds of each function, timed in turns."""
    times: list = [[] for _ in fns]
    for _ in range(rounds):
        for fn, bucket in zip(fns, times):
            bucket += [timed(fn) for _ in range(steps)]
    return [statistics.median(t) for t in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=5, help="steps per round")
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)

    # BatchNorm2d alone, each on the layout its own convolution produces.
    act = rng.standard_normal((128, 26, 26, 32), dtype=np.float32)
    seed = rng.standard_normal((128, 26, 26, 32), dtype=np.float32)
    x = mg.tensor(act).permute(0, 3, 1, 2).detach().requires_grad_()
    g = mg.tensor(seed).permute(0, 3, 1, 2)
    bn = nn.BatchNorm2d(32)

    def layer_minigrad():
        x.grad = None
        bn(x).backward(g)
    fns = [layer_minigrad]
    if torch is not None:
        torch.set_num_threads(THREADS)
        tx = torch.from_numpy(act.transpose(0, 3, 1, 2).copy()).requires_grad_()
        tg = torch.from_numpy(seed.transpose(0, 3, 1, 2).copy())
        tbn = torch.nn.BatchNorm2d(32)

        def layer_torch():
            tx.grad = None
            tbn(tx).backward(tg)
        fns.append(layer_torch)
    layer = interleave(args.rounds, args.steps, *fns)

    # A training step of the ensemble member, identical weights and data.
    mg.manual_seed(0)
    model = member(nn)
    opt = mg.optim.Adam(model.parameters(), lr=1e-3)
    xb = rng.standard_normal((128, 1, 28, 28), dtype=np.float32)
    yb = rng.integers(0, 10, size=128)
    mx, my = mg.tensor(xb), mg.tensor(yb)
    losses = []

    def step_minigrad():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(mx), my)
        loss.backward()
        opt.step()
        losses.append(("minigrad", loss.item()))
    fns = [step_minigrad]
    if torch is not None:
        tmodel = member(torch.nn)
        tmodel.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                                for k, v in model.state_dict().items()})
        topt = torch.optim.Adam(tmodel.parameters(), lr=1e-3)
        tx_b, ty_b = torch.from_numpy(xb), torch.from_numpy(yb)

        def step_torch():
            topt.zero_grad()
            loss = torch.nn.functional.cross_entropy(tmodel(tx_b), ty_b)
            loss.backward()
            topt.step()
            losses.append(("torch", loss.item()))
        fns.append(step_torch)
        step_minigrad(), step_torch()
        first = dict(losses)
        if abs(first["minigrad"] - first["torch"]) > 1e-4 * max(1.0, abs(first["torch"])):
            raise SystemExit(f"first losses disagree: {first}")
        print(f"first loss: minigrad {first['minigrad']:.7f}, torch {first['torch']:.7f}")
    step = interleave(args.rounds, args.steps, *fns)

    print(f"threads {THREADS}; numpy {np.__version__}"
          + (f"; torch {torch.__version__}" if torch is not None else ""))
    names = ("BatchNorm2d(32) fwd+bwd, 128x32x26x26", "lesson-07 member train step, batch 128")
    for name, result in zip(names, (layer, step)):
        theirs = result[1] if len(result) > 1 else None
        shown = f", torch {theirs * 1e3:7.2f} ms" if theirs else ""
        print(f"{name}: minigrad {result[0] * 1e3:7.2f} ms{shown}, ratio {ratio(result[0], theirs)}")


if __name__ == "__main__":
    main()
