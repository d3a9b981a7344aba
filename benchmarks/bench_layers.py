"""Every common layer against PyTorch: forward + backward of one call, CPU time, one thread.

    python benchmarks/bench_layers.py                       # all cases, sorted by ratio
    python benchmarks/bench_layers.py --only lstm conv      # cases whose name has a word
    python benchmarks/bench_layers.py --rounds 9 --target 0.05
    python benchmarks/bench_layers.py --only adam sgd          # optimizer steps too

The lesson CNN has its own benchmark (``bench_cnn.py``). This one looks for the layer a user
would find slow in their own model: each case builds the same layer in both frameworks (the
builder is written once against the shared PyTorch names), copies minigrad's weights into
PyTorch's, checks that the outputs and the input gradients agree, then alternates timed
rounds of ``out = layer(x); (out * g).sum().backward()``. Both run on one thread
(``MINIGRAD_NUM_THREADS=1``, ``OPENBLAS_NUM_THREADS=1``, ``torch.set_num_threads(1)``) and
the figure is the process CPU time, which a busy neighbour on this shared host disturbs
far less than the wall clock. Printed: the median of each and the ratio minigrad / PyTorch,
worst first; then the same for one ``step()`` of each optimizer over a small CNN's parameters
(after checking both move them to the same values). It needs PyTorch; without it, it says so and stops.
"""
from __future__ import annotations

import os

os.environ.setdefault("MINIGRAD_NUM_THREADS", "1")  # before NumPy and minigrad load
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import minigrad as mg  # noqa: E402


@dataclass
class Case:
    """One layer: ``build(fw)`` returns a callable made from framework ``fw`` (``mg`` or
    ``torch``); ``shapes`` are its float inputs (all require grad unless ``grad`` says
    otherwise); ``ints`` are integer inputs as ``(shape, high)``."""
    name: str
    build: Callable[[Any], Callable]
    shapes: tuple
    ints: tuple = ()
    grad: bool = True
    first_output: bool = False  # the layer returns a tuple: time its first element


def _seq(fw, *layers):
    return fw.nn.Sequential(*layers)


CASES = [
    Case("linear 512->512, batch 256", lambda fw: fw.nn.Linear(512, 512), ((256, 512),)),
    Case("conv2d 32->64 3x3 pad 1, 32x32x16x16",
         lambda fw: fw.nn.Conv2d(32, 64, 3, padding=1), ((32, 32, 16, 16),)),
    Case("conv2d 3->16 5x5 stride 2, 64x3x32x32",
         lambda fw: fw.nn.Conv2d(3, 16, 5, stride=2), ((64, 3, 32, 32),)),
    Case("conv2d depthwise 64 3x3, 32x64x16x16",
         lambda fw: fw.nn.Conv2d(64, 64, 3, padding=1, groups=64), ((32, 64, 16, 16),)),
    Case("conv2d dilation 2, 16x16x24x24",
         lambda fw: fw.nn.Conv2d(16, 16, 3, dilation=2), ((16, 16, 24, 24),)),
    Case("conv1d 32->32 k5, 32x32x128", lambda fw: fw.nn.Conv1d(32, 32, 5), ((32, 32, 128),)),
    Case("conv_transpose2d 32->16 4x4 s2, 16x32x16x16",
         lambda fw: fw.nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1), ((16, 32, 16, 16),)),
    Case("conv3d 8->8 3x3x3, 4x8x12x12x12",
         lambda fw: fw.nn.Conv3d(8, 8, 3), ((4, 8, 12, 12, 12),)),
    Case("maxpool2d 2, 64x32x26x26", lambda fw: fw.nn.MaxPool2d(2), ((64, 32, 26, 26),)),
    Case("maxpool2d 3 s2 p1, 32x32x32x32",
         lambda fw: fw.nn.MaxPool2d(3, 2, 1), ((32, 32, 32, 32),)),
    Case("avgpool2d 2, 64x32x26x26", lambda fw: fw.nn.AvgPool2d(2), ((64, 32, 26, 26),)),
    Case("adaptive_avg_pool2d 1, 64x64x8x8",
         lambda fw: fw.nn.AdaptiveAvgPool2d(1), ((64, 64, 8, 8),)),
    Case("adaptive_max_pool2d 3, 32x32x13x13",
         lambda fw: fw.nn.AdaptiveMaxPool2d(3), ((32, 32, 13, 13),)),
    Case("batchnorm2d 32, 64x32x26x26", lambda fw: fw.nn.BatchNorm2d(32), ((64, 32, 26, 26),)),
    Case("batchnorm1d 256, batch 512", lambda fw: fw.nn.BatchNorm1d(256), ((512, 256),)),
    Case("layernorm 256, 64x32x256", lambda fw: fw.nn.LayerNorm(256), ((64, 32, 256),)),
    Case("groupnorm 8x64, 32x64x16x16", lambda fw: fw.nn.GroupNorm(8, 64), ((32, 64, 16, 16),)),
    Case("instancenorm2d 32, 32x32x16x16",
         lambda fw: fw.nn.InstanceNorm2d(32, affine=True), ((32, 32, 16, 16),)),
    Case("relu, 1M", lambda fw: fw.nn.ReLU(), ((1024, 1024),)),
    Case("gelu, 1M", lambda fw: fw.nn.GELU(), ((1024, 1024),)),
    Case("silu, 1M", lambda fw: fw.nn.SiLU(), ((1024, 1024),)),
    Case("tanh, 1M", lambda fw: fw.nn.Tanh(), ((1024, 1024),)),
    Case("sigmoid, 1M", lambda fw: fw.nn.Sigmoid(), ((1024, 1024),)),
    Case("leaky_relu, 1M", lambda fw: fw.nn.LeakyReLU(0.1), ((1024, 1024),)),
    Case("softmax dim -1, 1024x1024", lambda fw: fw.nn.Softmax(dim=-1), ((1024, 1024),)),
    Case("log_softmax dim 1, 1024x1024", lambda fw: fw.nn.LogSoftmax(dim=1), ((1024, 1024),)),
    Case("embedding 10000x128, 64x35",
         lambda fw: fw.nn.Embedding(10000, 128), (), ints=(((64, 35), 10000),)),
    Case("embedding_bag sum 10000x64, 256x20", lambda fw: fw.nn.EmbeddingBag(10000, 64, mode="sum"),
         (), ints=(((256, 20), 10000),)),
    Case("lstm 64->128, 32x35", lambda fw: fw.nn.LSTM(64, 128, batch_first=True),
         ((32, 35, 64),), first_output=True),
    Case("gru 64->128, 32x35", lambda fw: fw.nn.GRU(64, 128, batch_first=True),
         ((32, 35, 64),), first_output=True),
    Case("rnn tanh 64->128, 32x35", lambda fw: fw.nn.RNN(64, 128, batch_first=True),
         ((32, 35, 64),), first_output=True),
    Case("multihead_attention 128/4, 32x50",
         lambda fw: fw.nn.MultiheadAttention(128, 4, batch_first=True),
         ((32, 50, 128), (32, 50, 128), (32, 50, 128)), first_output=True),
    Case("transformer_encoder_layer 128/4 ff512, 32x50",
         lambda fw: fw.nn.TransformerEncoderLayer(128, 4, 512, dropout=0.0, batch_first=True),
         ((32, 50, 128),)),
    Case("cross_entropy 1000 classes, batch 256", lambda fw: fw.nn.CrossEntropyLoss(),
         ((256, 1000),), ints=(((256,), 1000),)),
    Case("mse_loss 1M", lambda fw: fw.nn.MSELoss(), ((1024, 1024), (1024, 1024))),
    Case("bce_with_logits 1M", lambda fw: fw.nn.BCEWithLogitsLoss(), ((1024, 1024), (1024, 1024))),
    Case("upsample nearest x2, 16x32x32x32",
         lambda fw: fw.nn.Upsample(scale_factor=2, mode="nearest"), ((16, 32, 32, 32),)),
    Case("upsample bilinear x2, 16x32x32x32",
         lambda fw: fw.nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
         ((16, 32, 32, 32),)),
    Case("pixel_shuffle 2, 16x64x32x32", lambda fw: fw.nn.PixelShuffle(2), ((16, 64, 32, 32),)),
    Case("dropout p0 (identity), 1M", lambda fw: fw.nn.Dropout(0.0), ((1024, 1024),)),
    Case("flatten+linear 800->128, batch 128",
         lambda fw: _seq(fw, fw.nn.Flatten(), fw.nn.Linear(800, 128)), ((128, 32, 5, 5),)),
    Case("resnet stem conv 3->64 7x7 s2 p3, 8x3x64x64",
         lambda fw: fw.nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False), ((8, 3, 64, 64),)),
    Case("conv-bn-relu 32->32 3x3 pad 1, 32x32x16x16",
         lambda fw: _seq(fw, fw.nn.Conv2d(32, 32, 3, padding=1, bias=False),
                         fw.nn.BatchNorm2d(32), fw.nn.ReLU()), ((32, 32, 16, 16),)),
    Case("lstm 2 layers bidirectional 64->128, 32x35",
         lambda fw: fw.nn.LSTM(64, 128, num_layers=2, bidirectional=True, batch_first=True),
         ((32, 35, 64),), first_output=True),
    Case("transformer_decoder_layer 128/4 ff512, 32x20 / 32x50",
         lambda fw: fw.nn.TransformerDecoderLayer(128, 4, 512, dropout=0.0, batch_first=True),
         ((32, 20, 128), (32, 50, 128))),
    Case("prelu 32 channels, 64x32x26x26", lambda fw: fw.nn.PReLU(32), ((64, 32, 26, 26),)),
    Case("elu, 1M", lambda fw: fw.nn.ELU(), ((1024, 1024),)),
    Case("softplus, 1M", lambda fw: fw.nn.Softplus(), ((1024, 1024),)),
    Case("mish, 1M", lambda fw: fw.nn.Mish(), ((1024, 1024),)),
    Case("hardswish, 1M", lambda fw: fw.nn.Hardswish(), ((1024, 1024),)),
    Case("selu, 1M", lambda fw: fw.nn.SELU(), ((1024, 1024),)),
    Case("hardsigmoid, 1M", lambda fw: fw.nn.Hardsigmoid(), ((1024, 1024),)),
    Case("logsigmoid, 1M", lambda fw: fw.nn.LogSigmoid(), ((1024, 1024),)),
    Case("softshrink 0.5, 1M", lambda fw: fw.nn.Softshrink(0.5), ((1024, 1024),)),
    Case("hardshrink 0.5, 1M", lambda fw: fw.nn.Hardshrink(0.5), ((1024, 1024),)),
    Case("glu dim -1, 1024x1024", lambda fw: fw.nn.GLU(), ((1024, 1024),)),
    Case("nll_loss after log_softmax, 256x1000",
         lambda fw: (lambda x, t: fw.nn.functional.nll_loss(
             fw.nn.functional.log_softmax(x, dim=1), t)), ((256, 1000),), ints=(((256,), 1000),)),
    Case("smooth_l1_loss 1M", lambda fw: fw.nn.SmoothL1Loss(), ((1024, 1024), (1024, 1024))),
    Case("l1_loss 1M", lambda fw: fw.nn.L1Loss(), ((1024, 1024), (1024, 1024))),
    Case("kl_div batchmean 256x1000",
         lambda fw: (lambda x, y: fw.nn.functional.kl_div(
             fw.nn.functional.log_softmax(x, dim=1), fw.nn.functional.softmax(y, dim=1),
             reduction="batchmean")), ((256, 1000), (256, 1000))),
    Case("cosine_similarity dim 1, 4096x256",
         lambda fw: fw.nn.CosineSimilarity(dim=1), ((4096, 256), (4096, 256))),
    Case("pad reflect 2, 32x32x32x32",
         lambda fw: fw.nn.ReflectionPad2d(2), ((32, 32, 32, 32),)),
    Case("unfold 3x3, 16x16x32x32", lambda fw: fw.nn.Unfold(3), ((16, 16, 32, 32),)),
    Case("bmm 64x128x64 @ 64x64x128",
         lambda fw: (lambda a, b: fw.bmm(a, b)), ((64, 128, 64), (64, 64, 128))),
    Case("scaled_dot_product_attention 32x4x50x32",
         lambda fw: fw.nn.functional.scaled_dot_product_attention,
         ((32, 4, 50, 32), (32, 4, 50, 32), (32, 4, 50, 32))),
    Case("cumsum dim 1, 1024x1024", lambda fw: (lambda x: fw.cumsum(x, 1)), ((1024, 1024),)),
    Case("logsumexp dim 1, 1024x1024",
         lambda fw: (lambda x: fw.logsumexp(x, 1)), ((1024, 1024),)),
    Case("sum+mean+var dim 0, 1024x1024",
         lambda fw: (lambda x: x.sum(0) + x.mean(0) + x.var(0)), ((1024, 1024),)),
    Case("gather dim 1, 1024x1024 -> 1024x64",
         lambda fw: (lambda x, i: fw.gather(x, 1, i)), ((1024, 1024),), ints=(((1024, 64), 1024),)),
    Case("index_select rows 4096 of 10000x64",
         lambda fw: (lambda x, i: fw.index_select(x, 0, i)), ((10000, 64),),
         ints=(((4096,), 10000),)),
    Case("cat 8 x 128x1024 dim 0",
         lambda fw: (lambda *xs: fw.cat(xs, 0)), ((128, 1024),) * 8),
    Case("permute+contiguous 64x32x26x26",
         lambda fw: (lambda x: x.permute(0, 2, 3, 1).contiguous()), ((64, 32, 26, 26),)),
    Case("broadcast add+mul 1M and 1024",
         lambda fw: (lambda x, b: (x + b) * b), ((1024, 1024), (1024,))),
    Case("matmul 1024x1024 @ 1024x256",
         lambda fw: (lambda a, b: a @ b), ((1024, 1024), (1024, 256))),
    Case("max dim 1 values, 1024x1024",
         lambda fw: (lambda x: x.max(dim=1).values), ((1024, 1024),)),
    Case("clamp+abs+sqrt+exp+log chain, 1M",
         lambda fw: (lambda x: (x.clamp(-2, 2).abs() + 1).sqrt().exp().log()), ((1024, 1024),)),
]


def _copy_weights(ours, theirs, torch) -> None:
    """PyTorch's parameters and buffers take minigrad's values, key by key."""
    if not hasattr(ours, "state_dict"):
        return
    state = {k: torch.from_numpy(np.array(v.numpy())) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(state)


def _prepare(case: Case, fw, rng_seed: int = 0):
    """The case's inputs as ``fw`` tensors and a fixed output gradient (made on first call)."""
    rng = np.random.default_rng(rng_seed)
    floats = [rng.standard_normal(s).astype(np.float32) for s in case.shapes]
    ints = [rng.integers(0, high, size=s) for s, high in case.ints]
    if case.name.startswith("bce"):  # targets in [0, 1]
        floats[1] = rng.random(case.shapes[1]).astype(np.float32)
    return floats, ints


class Runner:
    """One framework's layer, inputs and output gradient; ``step()`` runs forward + backward."""

    def __init__(self, fw, layer, floats, ints, case: Case):
        self.fw, self.layer, self.case = fw, layer, case
        self.inputs = [fw.tensor(a, requires_grad=case.grad) for a in floats]
        self.inputs += [fw.tensor(a) for a in ints]
        self.g = None

    def output(self):
        out = self.layer(*self.inputs)
        return out[0] if self.case.first_output else out

    def step(self):
        for t in self.inputs:
            t.grad = None
        out = self.output()
        if self.g is None:
            self.g = self.fw.tensor(np.random.default_rng(1).standard_normal(
                tuple(out.shape)).astype(np.float32))
        (out * self.g).sum().backward() if out.ndim else out.backward()
        return out


def _agree(a, b) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.allclose(a, b, rtol=2e-3, atol=2e-3 * (np.abs(b).max() + 1))


def compare(case: Case, torch, rounds: int, target: float) -> tuple[float, float, str]:
    mg.manual_seed(0)
    ours = case.build(mg)
    theirs = case.build(torch)
    _copy_weights(ours, theirs, torch)
    if hasattr(ours, "train"):
        ours.train(), theirs.train()
    floats, ints = _prepare(case, mg)
    runs = [Runner(mg, ours, floats, ints, case), Runner(torch, theirs, floats, ints, case)]
    outs = [r.step() for r in runs]
    note = ""
    if not _agree(outs[0].detach().numpy(), outs[1].detach().numpy()):
        note = "OUTPUTS DISAGREE"
    elif case.grad and not all(_agree(a.grad.numpy(), b.grad.numpy())
                               for a, b in zip(runs[0].inputs, runs[1].inputs)
                               if b.grad is not None):
        note = "GRADIENTS DISAGREE"
    # repeats per round: enough for about `target` seconds of the slower framework
    t = time.process_time()
    for r in runs:
        r.step()
    repeats = max(1, int(target / max(time.process_time() - t, 1e-4)))
    times = [[], []]
    for _ in range(rounds):
        for i, r in enumerate(runs):
            t = time.process_time()
            for _ in range(repeats):
                r.step()
            times[i].append((time.process_time() - t) / repeats)
    ours_ms, theirs_ms = (statistics.median(v) * 1e3 for v in times)
    return ours_ms, theirs_ms, note


# A small CNN's parameter shapes (about 1.2M values in 24 tensors) for the optimizer table.
PARAM_SHAPES = [(64, 32, 3, 3), (64,)] * 4 + [(128, 64, 3, 3), (128,)] * 4 + \
               [(512, 512), (512,), (10, 512), (10,)] * 2
OPTIMIZERS = {
    "sgd momentum 0.9": lambda o, ps: o.SGD(ps, lr=0.01, momentum=0.9),
    "sgd nesterov, weight decay": lambda o, ps: o.SGD(ps, lr=0.01, momentum=0.9, nesterov=True,
                                                       weight_decay=1e-4),
    "adam": lambda o, ps: o.Adam(ps, lr=1e-3),
    "adamw": lambda o, ps: o.AdamW(ps, lr=1e-3),
    "adam amsgrad": lambda o, ps: o.Adam(ps, lr=1e-3, amsgrad=True),
    "rmsprop": lambda o, ps: o.RMSprop(ps, lr=1e-3),
    "adagrad": lambda o, ps: o.Adagrad(ps, lr=1e-2),
    "adamax": lambda o, ps: o.Adamax(ps, lr=1e-3),
    "nadam": lambda o, ps: o.NAdam(ps, lr=1e-3),
    "radam": lambda o, ps: o.RAdam(ps, lr=1e-3),
    "adadelta": lambda o, ps: o.Adadelta(ps),
}


def compare_optimizer(name: str, torch, rounds: int, target: float) -> tuple[float, float, str]:
    """One ``step()`` over PARAM_SHAPES with fixed gradients, after checking that both
    frameworks move the parameters to the same values."""
    rng = np.random.default_rng(0)
    values = [rng.standard_normal(s).astype(np.float32) for s in PARAM_SHAPES]
    grads = [rng.standard_normal(s).astype(np.float32) for s in PARAM_SHAPES]
    sides = []
    for fw in (mg, torch):
        ps = [fw.nn.Parameter(fw.tensor(v.copy())) for v in values]
        for p, g in zip(ps, grads):
            p.grad = fw.tensor(g)
        sides.append((ps, OPTIMIZERS[name](fw.optim, ps)))
    for _, opt in sides:
        opt.step()
    note = "" if all(_agree(a.detach().numpy(), b.detach().numpy())
                     for a, b in zip(sides[0][0], sides[1][0])) else "PARAMETERS DISAGREE"
    t = time.process_time()
    for _, opt in sides:
        opt.step()
    repeats = max(1, int(target / max(time.process_time() - t, 1e-4)))
    times = [[], []]
    for _ in range(rounds):
        for i, (_, opt) in enumerate(sides):
            t = time.process_time()
            for _ in range(repeats):
                opt.step()
            times[i].append((time.process_time() - t) / repeats)
    ours_ms, theirs_ms = (statistics.median(v) * 1e3 for v in times)
    return ours_ms, theirs_ms, note


def _table(title: str, rows: list) -> None:
    rows.sort(key=lambda r: -(r[1] / r[2]) if r[2] == r[2] else -1e9)
    print(f"| {title} | minigrad ms | torch ms | ratio | note |")
    print("|---|---|---|---|---|")
    for name, ours, theirs, note in rows:
        print(f"| {name} | {ours:.3f} | {theirs:.3f} | {ours / theirs:.2f} | {note} |")
    print()


def _run(name: str, fn) -> tuple:
    try:
        row = (name, *fn())
    except Exception as error:  # a case minigrad cannot run is a finding, not a crash
        row = (name, float("nan"), float("nan"), f"FAILED: {type(error).__name__}: {error}"[:120])
    print(f"  {name}: done", file=sys.stderr, flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", default=None, help="words a case's name must contain")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--target", type=float, default=0.03,
                        help="seconds of CPU time per round and framework (about)")
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        raise SystemExit("bench_layers.py compares with PyTorch, which is not installed")
    torch.set_num_threads(1)
    words = args.only
    cases = [c for c in CASES if not words or any(w in c.name for w in words)]
    optimizers = [o for o in OPTIMIZERS if not words or any(w in o for w in words)]
    layers = [_run(c.name, lambda c=c: compare(c, torch, args.rounds, args.target))
              for c in cases]
    steps = [_run(o, lambda o=o: compare_optimizer(o, torch, args.rounds, args.target))
             for o in optimizers]
    print(f"numpy {np.__version__}, torch {torch.__version__}, one thread each, "
          f"process CPU time, median of {args.rounds} rounds\n")
    if layers:
        _table("layer (forward + backward)", layers)
    if steps:
        _table(f"optimizer step, {sum(int(np.prod(s)) for s in PARAM_SHAPES)} values "
               f"in {len(PARAM_SHAPES)} tensors", steps)
    print(f"{len(layers)} layers and {len(steps)} optimizers compared")


if __name__ == "__main__":
    main()
