# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 13 - Debugging training: look at the gradients
#
# When training goes wrong, the loss curve alone seldom says why. This lesson uses three
# tools that look inside a training step:
#
# - **backward hooks**: see the gradient that reaches each layer;
# - **optimizer step hooks**: see how much each update changes the weights;
# - **anomaly detection**: find the op that produced the first `nan`.
#
# Run: `python tutorials/13_debugging_training.py` (a minute or two).

# %%
import numpy as np

from common import finish, loaders, parse_args, pyplot, report, savefig, setup

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
import minigrad.optim as optim
from minigrad.training import evaluate, fit

args = parse_args("Backward hooks, step hooks and anomaly detection", epochs=3)
out = setup(args, "13_debugging_training")
train_loader, test_loader = loaders(args)
plt = pyplot()


def deep_mlp(activation: type, he_init: bool = False, depth: int = 8,
             width: int = 64) -> nn.Sequential:
    """784 -> ``depth`` hidden layers of ``width`` units -> 10; ``he_init``: weights drawn
    with He (Kaiming) initialisation for ReLU, biases zero."""
    layers: list = [nn.Flatten(), nn.Linear(784, width), activation()]
    for _ in range(depth - 1):
        layers += [nn.Linear(width, width), activation()]
    model = nn.Sequential(*layers, nn.Linear(width, 10)).to(args.device)
    for module in model if he_init else ():
        if isinstance(module, nn.Linear):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            nn.init.zeros_(module.bias)
    return model


# %% [markdown]
# ## 1. Gradients that vanish on the way back
#
# `module.register_full_backward_hook(hook)` calls `hook(module, grad_input, grad_output)`
# during `backward()`. `grad_output` is the gradient of the loss with respect to the
# module's output: here, how strongly each layer is told to change.
#
# A deep network of sigmoids is the classic case of vanishing gradients: each sigmoid
# multiplies the gradient by its slope, at most 1/4, so the first layers hear almost
# nothing. ReLU has slope 1 where it is active, and with He (Kaiming) initialisation the
# gradient keeps its size from layer to layer.

# %%
def gradient_norms(model: nn.Sequential, images, labels) -> list:
    """The norm of dLoss/d(output) of every Linear layer, first layer first, for one batch."""
    norms = {}
    linears = [m for m in model if isinstance(m, nn.Linear)]
    handles = [layer.register_full_backward_hook(
        lambda module, grad_input, grad_output, i=i: norms.__setitem__(
            i, float(grad_output[0].norm().item())))
        for i, layer in enumerate(linears)]
    model.zero_grad()
    F.cross_entropy(model(images), labels).backward()
    for handle in handles:
        handle.remove()  # the hooks are only for this one look
    return [norms[i] for i in range(len(linears))]


images, labels = next(iter(train_loader))
mg.manual_seed(args.seed)
sigmoid_net = deep_mlp(nn.Sigmoid)
mg.manual_seed(args.seed)
relu_net = deep_mlp(nn.ReLU, he_init=True)

curves = {"sigmoid, default init": gradient_norms(sigmoid_net, images, labels),
          "ReLU, He init": gradient_norms(relu_net, images, labels)}
for name, norms in curves.items():
    print(f"{name}: gradient norm at the first layer / at the last: "
          f"{norms[0] / norms[-1]:.2e}")

fig, ax = plt.subplots(figsize=(7, 3.5))
for name, norms in curves.items():
    ax.semilogy(range(1, len(norms) + 1), norms, "o-", label=name)
ax.set_xlabel("Linear layer (1 = next to the input)")
ax.set_ylabel("|| dLoss / d output ||")
ax.set_title("The gradient each layer receives, one batch")
ax.legend()
savefig(fig, out / "gradient_norms.png")

# %% [markdown]
# ## 2. How big is each update?
#
# `optimizer.register_step_post_hook(hook)` runs `hook(optimizer, args, kwargs)` after every
# `optimizer.step()`. A pre-hook copies the weights, the post-hook measures the change.
# A rule of thumb: the ratio `||update|| / ||weight||` around 1e-3 per step is healthy;
# near 1e-1 the weights are being thrown around (the learning rate is too high), and below
# 1e-5 nothing is learned. With lr=0.1 both happen, in that order: the first steps change the
# weights by about a quarter each, which pushes the ReLUs into their flat region ("dead"
# units), after which the gradients, and so the updates, all but stop.

# %%
def update_ratios(lr: float, steps: int) -> np.ndarray:
    """Train the ReLU net for ``steps`` Adam steps; the update/weight ratio of every Linear
    weight at every step, as a (steps, layers) array."""
    mg.manual_seed(args.seed)
    model = deep_mlp(nn.ReLU, he_init=True)
    weights = [m.weight for m in model if isinstance(m, nn.Linear)]
    optimizer = optim.Adam(model.parameters(), lr=lr)
    before, ratios = [], []

    def keep(opt, a, kw):
        before[:] = [w.detach().numpy().copy() for w in weights]

    def measure(opt, a, kw):
        ratios.append([np.linalg.norm(w.detach().numpy() - b) / np.linalg.norm(b)
                       for w, b in zip(weights, before)])

    optimizer.register_step_pre_hook(keep)
    optimizer.register_step_post_hook(measure)
    batches = iter(())
    for _ in range(steps):
        try:
            x, y = next(batches)
        except StopIteration:
            batches = iter(train_loader)
            x, y = next(batches)
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    return np.array(ratios)


steps = 20 if args.quick else 200
fig, ax = plt.subplots(figsize=(7, 3.5))
for lr, colour in ((1e-3, "tab:blue"), (1e-1, "tab:red")):
    ratios = update_ratios(lr, steps)
    ax.semilogy(ratios, color=colour, alpha=0.6)
    ax.plot([], [], color=colour, label=f"Adam lr={lr:g}")
    print(f"lr={lr:g}: median update/weight ratio over the first 5 steps: "
          f"{np.median(ratios[:5]):.1e}, over the last half of {steps} steps: "
          f"{np.median(ratios[steps // 2:]):.1e}")
ax.axhline(1e-3, color="grey", linestyle=":")
ax.set_xlabel("step")
ax.set_ylabel("||update|| / ||weight||")
ax.set_title("Update size per step, one line per layer")
ax.legend()
savefig(fig, out / "update_ratios.png")

# %% [markdown]
# ## 3. Where did the `nan` come from?
#
# A hand-written loss, `-log(softmax(z))[label]`, looks like cross-entropy, but when one
# logit is far above the others the softmax of the rest underflows to exactly 0, its log
# is `-inf`, and `-inf * 0` is `nan`. Here we make the logits huge by scaling a linear
# model's weights, as a diverged training run would. The loss is `nan` and so is every
# gradient, and nothing says where it started.
#
# Inside `with mg.autograd.detect_anomaly():`, every op remembers where it was called, and
# backward stops at the first op whose gradient has a `nan`, naming it and pointing at the
# line of code that created it.

# %%
mg.manual_seed(args.seed)
diverged = nn.Sequential(nn.Flatten(), nn.Linear(784, 10)).to(args.device)
with mg.no_grad():
    diverged[1].weight.mul_(500.0)


def naive_cross_entropy(logits, labels):
    picked = mg.nn.functional.one_hot(labels, 10).float()
    return -(logits.softmax(dim=1).log() * picked).sum(dim=1).mean()


loss = naive_cross_entropy(diverged(images), labels)
loss.backward()
print(f"naive loss: {loss.item()}; nan in the weight's gradient: "
      f"{bool(np.isnan(diverged[1].weight.grad.numpy()).any())}")

diverged.zero_grad()
with mg.autograd.detect_anomaly():
    loss = naive_cross_entropy(diverged(images), labels)
    try:
        loss.backward()
    except RuntimeError as error:
        first, *stack = str(error).splitlines()
        print(f"anomaly: {first}")
        print("created at:", stack[-2].strip(), "->", stack[-1].strip())

# %% [markdown]
# The fix is the numerically stable form, `F.cross_entropy` (log-softmax computed as
# `z - logsumexp(z)`, never taking the log of an underflowed 0): the same model now gives a
# finite loss and finite gradients.

# %%
diverged.zero_grad()
loss = F.cross_entropy(diverged(images), labels)
loss.backward()
print(f"stable loss: {loss.item():.1f}; gradient finite: "
      f"{bool(np.isfinite(diverged[1].weight.grad.numpy()).all())}")

# %% [markdown]
# ## 4. And the healthy network trains
#
# The ReLU net with He initialisation and Adam at lr=1e-3, the setting whose gradients and
# updates looked right above.

# %%
mg.manual_seed(args.seed)
model = deep_mlp(nn.ReLU, he_init=True)
fit(model, optim.Adam(model.parameters(), lr=1e-3), train_loader, epochs=args.epochs,
    device=args.device, progress=not args.no_progress)
report("test accuracy", evaluate(model, test_loader, device=args.device)["accuracy"])
finish()
