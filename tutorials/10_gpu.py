# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 10 - On the GPU
#
# minigrad runs the same code on a CPU (NumPy) or an NVIDIA GPU (CuPy): every
# tensor lives on a device, `'cpu'` or `'cuda'`, and each operation runs on the
# device of its inputs. To train on the GPU, you change **where the model and
# the batches live**, and nothing in the model code:
#
#     model = build_model().to("cuda")                  # parameters to GPU memory
#     loader = DataLoader(..., device="cuda")           # batches arrive on the GPU
#
# Requirements: an NVIDIA GPU and CuPy (`pip install -e '.[cuda12]'` or
# `'.[cuda13]'`, matching your CUDA version). `mg.cuda.is_available()` says
# whether both are there.
#
# This lesson trains lesson 04's CNN on `--device cuda` (the default here).
# Where no GPU is available it says so and runs on the CPU instead, so the
# file always runs.
#
# Run: `python tutorials/10_gpu.py` (GPU: about a minute; CPU: as lesson 04).

# %%
import statistics
import time

from common import build_cnn, finish, loaders, parse_args, report, setup

import minigrad as mg
import minigrad.nn.functional as F
import minigrad.optim as optim
import minigrad.viz as viz
from minigrad.training import evaluate, fit

print(f"mg.cuda.is_available(): {mg.cuda.is_available()}")
args = parse_args("Lesson 04's CNN on the GPU", epochs=5, batch_size=64,
                  extra=lambda p: p.set_defaults(
                      device="cuda" if mg.cuda.is_available() else "cpu"))
out = setup(args, "10_gpu", allow_cpu_fallback=True)
if args.device == "cpu":
    print("cuda is unavailable here: this run shows the CPU side of the comparison only")

# %% [markdown]
# ## The same model, on the chosen device
#
# `build_cnn()` is lesson 04's network. `.to(device)` moves every parameter
# and buffer; the optimizer then keeps its state (Adam's moments) on the same
# device, because it creates it from the parameters.

# %%
mg.manual_seed(args.seed)
model = build_cnn().to(args.device)
print({name: p.device for name, p in list(model.named_parameters())[:2]})
train_loader, test_loader = loaders(args)

# %% [markdown]
# ## Devices don't mix silently
#
# An operation on tensors from two devices is an error that names both, not a
# hidden copy (copies between CPU and GPU are slow; you should see them in
# your code). On a CPU-only machine both tensors are on the CPU and this just
# works.

# %%
x_cpu = mg.randn(2, 1, 28, 28)
try:
    model(x_cpu)
    print(f"model on {args.device} accepted a cpu batch (same device)")
except RuntimeError as error:
    print(f"model on {args.device} refused a cpu batch: {error}")

# %% [markdown]
# ## Speed: training steps per second on each available device
#
# A GPU runs the convolutions (large matrix products after im2col) in
# parallel; on a CPU the same work is shared by a few cores.

# %%
def steps_per_second(device: str, steps: int) -> float:
    """Training steps per second on ``device``, from the median step (robust to a busy machine)."""
    mg.manual_seed(args.seed)
    m = build_cnn().to(device)
    opt = optim.Adam(m.parameters(), lr=1e-3)
    x = mg.randn(args.batch_size, 1, 28, 28, device=device)
    y = mg.randint(0, 10, (args.batch_size,), device=device)
    times = []
    for i in range(steps + 2):  # two warm-up steps (GPU kernels compile on first use)
        t0 = time.perf_counter()
        opt.zero_grad()
        F.cross_entropy(m(x), y).backward()
        opt.step()
        if device == "cuda":
            mg.cuda.synchronize()  # GPU work is queued: wait for it before reading the clock
        if i >= 2:
            times.append(time.perf_counter() - t0)
    return 1.0 / statistics.median(times)


steps = 5 if args.quick else 30
speeds = {d: steps_per_second(d, steps) for d in (["cpu", "cuda"] if args.device == "cuda"
                                                   else ["cpu"])}
for device, speed in speeds.items():
    print(f"{device}: {speed:.1f} training steps/s (batch {args.batch_size})")
if "cuda" in speeds:
    print(f"the GPU is {speeds['cuda'] / speeds['cpu']:.0f}x faster per step")

# %% [markdown]
# ## Training
#
# Exactly lesson 04's call; only `device` differs.

# %%
optimizer = optim.Adam(model.parameters(), lr=1e-3)
t0 = time.perf_counter()
history = fit(model, optimizer, train_loader, epochs=args.epochs, val_loader=test_loader,
              device=args.device, progress=not args.no_progress,
              scheduler=optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs))
print(f"trained {args.epochs} epoch(s) on {args.device} in {time.perf_counter() - t0:.1f} s")
viz.plot_history(history, path=out / "history.png", title=f"lesson 04's CNN on {args.device}")
print(f"saved {out / 'history.png'}")

# %% [markdown]
# ## Result

# %%
test = evaluate(model, test_loader, device=args.device)
print(f"device: {args.device}")
report("test accuracy", test["accuracy"])
finish()
