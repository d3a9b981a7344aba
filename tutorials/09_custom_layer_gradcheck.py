# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 09 - Write your own layer, and gradient-check it
#
# Every operation in minigrad is a `Function` with a `forward` (compute the
# output, save what the gradient will need) and a `backward` (given the
# gradient of the loss with respect to the output, return it with respect to
# each input). Yours are written the same way. The hard part is getting
# `backward` right, and a wrong one fails silently: training just goes worse.
# So we check it against finite differences with `mg.gradcheck`, in float64.
#
# The example is **Swish**, `swish(x) = x * sigmoid(x)`, a smooth cousin of
# ReLU, then its learnable version `x * sigmoid(beta * x)`.
#
# Run: `python tutorials/09_custom_layer_gradcheck.py` (under a minute: the
# checks take seconds, the short MNIST training at the end the rest).

# %%
from common import finish, loaders, parse_args, pyplot, report, savefig, setup

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.autograd import Function
from minigrad.training import evaluate, fit

args = parse_args("A custom Function and Module, gradient-checked, then trained", epochs=3)
out = setup(args, "09_custom_layer_gradcheck")

# %% [markdown]
# ## A custom Function
#
# With `s = sigmoid(x)`, the derivative is
# `d swish / dx = s + x * s * (1 - s) = s * (1 + x * (1 - s))`.
#
# `forward` runs with gradient recording off and saves the input `x`.
# `backward` receives `grad` (dLoss/dOutput, same shape as the output) and
# returns dLoss/dx by the chain rule. It is written with tensor operations, so
# it can itself be differentiated (second derivatives for free).
#
# Why recompute `s` in backward instead of saving it from forward? Because
# forward ran without recording, a saved `s` would be a constant to autograd:
# first derivatives would still be right, second derivatives silently wrong
# (`mg.gradgradcheck` catches exactly that). Recomputed from the saved input,
# `s` stays connected to `x`.

# %%
class Swish(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x.sigmoid()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        s = x.sigmoid()
        return grad * s * (1 + x * (1 - s))


x = mg.randn(4, 5, dtype=mg.float64, requires_grad=True)
y = Swish.apply(x)
y.sum().backward()
print("swish(x) computed; x.grad has shape", tuple(x.grad.shape))

# %% [markdown]
# ## `mg.gradcheck`: compare with finite differences
#
# For each input element, gradcheck nudges it by +-eps and measures how the
# outputs move, `(f(x + eps) - f(x - eps)) / 2 eps`, and compares that whole
# numerical Jacobian with the one your backward produces. Use float64: in
# float32 the rounding error of the differences is larger than the tolerance.

# %%
print("gradcheck(Swish):", mg.gradcheck(Swish.apply, (x,)))
print("gradgradcheck(Swish):", mg.gradgradcheck(Swish.apply, (x,)))

# %% [markdown]
# ## A wrong backward, caught
#
# A common slip: differentiate `x * s` as if `s` did not depend on `x`, which
# gives `grad * s`. Training with it would still run and even learn something,
# so nothing looks wrong. gradcheck names the input, the worst element, both
# values and the error.

# %%
class WrongSwish(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x.sigmoid()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.sigmoid()  # wrong: forgets that sigmoid(x) depends on x too


try:
    mg.gradcheck(WrongSwish.apply, (x,))
    raise SystemExit("gradcheck accepted a wrong backward: something is broken")
except mg.GradcheckError as error:
    print("gradcheck caught the wrong backward:")
    print("  ", error)
print("without raising:", mg.gradcheck(WrongSwish.apply, (x,), raise_exception=False))

# %% [markdown]
# ## A learnable activation: a Function with two inputs
#
# `x * sigmoid(beta * x)` with one `beta` per feature. Now backward returns
# one gradient per input of forward, in order. `beta` has shape `(features,)`
# but takes part in every row of the batch, so its gradient sums over the
# batch dimension.
#
#     d/dx    = s + beta * x * s * (1 - s)
#     d/dbeta = x * x * s * (1 - s)          with s = sigmoid(beta * x)

# %%
class SwishBetaFunction(Function):
    @staticmethod
    def forward(ctx, x, beta):
        if x.ndim != 2 or beta.shape != (x.shape[1],):
            raise ValueError(f"SwishBeta expected x of shape (N, {beta.shape[0]}) for beta of "
                             f"shape {tuple(beta.shape)}, got x of shape {tuple(x.shape)}")
        ctx.save_for_backward(x, beta)
        return x * (beta * x).sigmoid()

    @staticmethod
    def backward(ctx, grad):
        x, beta = ctx.saved_tensors
        s = (beta * x).sigmoid()
        slope = s * (1 - s)
        grad_x = grad * (s + beta * x * slope)
        grad_beta = (grad * x * x * slope).sum(dim=0)
        return grad_x, grad_beta


class SwishBeta(nn.Module):
    """Swish with a learned sharpness per feature (beta = 1 at the start)."""

    def __init__(self, features: int):
        super().__init__()
        self.beta = nn.Parameter(mg.ones(features))

    def forward(self, x):
        return SwishBetaFunction.apply(x, self.beta)

    def extra_repr(self) -> str:
        return f"features={self.beta.shape[0]}"


# %% [markdown]
# ## `mg.gradcheck_module`: input and every parameter at once
#
# A small network built with the new layer, converted to float64 with
# `.double()`. `gradcheck_module` checks the input and all parameters (both
# Linear layers' weights and biases, and `beta`), so a mistake in `grad_beta`
# is caught as surely as one in `grad_x`.

# %%
mg.manual_seed(args.seed)
net = nn.Sequential(nn.Linear(6, 5), SwishBeta(5), nn.Linear(5, 3)).double()
with mg.no_grad():
    net[1].beta.copy_(mg.rand(5, dtype=mg.float64) + 0.5)  # not all ones, so beta matters
inputs = mg.randn(4, 6, dtype=mg.float64, requires_grad=True)
print(net)
print("gradcheck_module(net):", mg.gradcheck_module(net, (inputs,)))

# %% [markdown]
# And if `grad_beta` were wrong (here: one factor `x` forgotten), the report
# names the parameter. Checking only the input would not have noticed, since
# `grad_x` is still right.

# %%
class WrongBetaFunction(SwishBetaFunction):
    @staticmethod
    def backward(ctx, grad):
        x, beta = ctx.saved_tensors
        s = (beta * x).sigmoid()
        slope = s * (1 - s)
        return grad * (s + beta * x * slope), (grad * x * slope).sum(dim=0)  # x * x needed


class WrongSwishBeta(SwishBeta):
    def forward(self, x):
        return WrongBetaFunction.apply(x, self.beta)


wrong_net = nn.Sequential(nn.Linear(6, 5), WrongSwishBeta(5), nn.Linear(5, 3)).double()
wrong_net.load_state_dict(net.state_dict())
print("input only, via mg.gradcheck:",
      mg.gradcheck(lambda t: wrong_net(t), (inputs,), raise_exception=False))
try:
    mg.gradcheck_module(wrong_net, (inputs,))
    raise SystemExit("gradcheck_module accepted a wrong parameter gradient")
except mg.GradcheckError as error:
    print("gradcheck_module caught the wrong grad_beta:")
    print("  ", error)

# %% [markdown]
# ## Using it: an MLP with learnable Swish on MNIST
#
# The layer trains like any built-in one. The model is float32, and stays
# float32 end to end (the Python numbers in backward are "weak" scalars that
# do not promote the arrays).

# %%
mg.manual_seed(args.seed)
train_loader, test_loader = loaders(args)
model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), SwishBeta(256),
                      nn.Linear(256, 10)).to(args.device)
optimizer = optim.Adam(model.parameters(), lr=1e-3)
history = fit(model, optimizer, train_loader, epochs=args.epochs, val_loader=test_loader,
              device=args.device, progress=not args.no_progress,
              scheduler=optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs))
x_batch, _ = next(iter(test_loader))
assert model(x_batch).dtype == mg.float32 and model[2].beta.grad.dtype == mg.float32
print("dtype end to end:", model(x_batch).dtype, "- beta.grad:", model[2].beta.grad.dtype)

beta = model[2].beta.detach().cpu().numpy()
print(f"learned beta: min {beta.min():.2f}, median {sorted(beta)[len(beta) // 2]:.2f}, "
      f"max {beta.max():.2f}")
plt = pyplot()
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
grid = mg.linspace(-5, 5, 201)
for b in (0.5, 1.0, 2.0, 5.0):
    ax1.plot(grid.numpy(), (grid * (b * grid).sigmoid()).numpy(), label=f"beta = {b}")
ax1.plot(grid.numpy(), grid.relu().numpy(), "k--", lw=1, label="ReLU")
ax1.set(title="x * sigmoid(beta x)", ylim=(-1, 5))
ax1.legend(fontsize=8)
ax2.hist(beta, bins=30)
ax2.set(title="learned beta of the 256 hidden units", xlabel="beta")
savefig(fig, out / "swish_beta.png")

# %% [markdown]
# ## Result

# %%
test = evaluate(model, test_loader, device=args.device)
print("all gradient checks behaved as expected: Swish and SwishBeta passed, "
      "WrongSwish and WrongSwishBeta caught")
report("test accuracy", test["accuracy"])
finish()
