# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 14 - A variational autoencoder: digits from two numbers
#
# Every lesson so far learned to *recognise* digits. This one learns to *make* them. A
# variational autoencoder (VAE) has two halves:
#
# - an **encoder** reads an image x and returns a distribution over a small code z,
#   q(z|x) = Normal(mean, std), here with z in two dimensions so that we can draw it;
# - a **decoder** reads a code z and returns a distribution over images, p(x|z): one coin
#   flip per pixel, `Bernoulli(logits=decoder(z))`.
#
# Both are trained together by maximising the **ELBO** (evidence lower bound), a lower bound
# on log p(x) that splits into two parts:
#
#     ELBO(x) = E_q[ log p(x|z) ]  -  KL( q(z|x) || N(0, I) )
#               reconstruction        how far the code strays from the prior
#
# The first term wants codes that let the decoder redraw x; the second keeps every image's
# code close to a standard normal, so that the whole plane is filled with codes that decode
# to something digit-like. We minimise the negative ELBO, summed over the pixels and the two
# code dimensions of each image and averaged over the batch.
#
# All the probability pieces come from `minigrad.distributions` (torch.distributions' names
# and semantics): `Normal`, `Bernoulli`, `Independent` and `kl_divergence`.
#
# Run: `python tutorials/14_variational_autoencoder.py` (a few minutes on a 2-core CPU).

# %%
import numpy as np

from common import MNIST_STATS, count_parameters, finish, loaders, parse_args, pyplot, \
    savefig, setup

import minigrad as mg
import minigrad.distributions as D
import minigrad.nn as nn
import minigrad.optim as optim

args = parse_args("A variational autoencoder on MNIST with a 2-D latent space", epochs=6)
out = setup(args, "14_variational_autoencoder")
train_loader, test_loader = loaders(args)
plt = pyplot()
LATENT = 2

# %% [markdown]
# ## Pixels as coin flips
#
# The shared loaders normalise the pixels with the training set's mean and standard
# deviation (good for classifiers). A Bernoulli likelihood needs pixels in [0, 1], the
# probability of "ink", so we undo that normalisation: `x * std + mean` (clamped, since
# float rounding can land a hair outside [0, 1]).
#
# MNIST pixels are grey, not black or white, and a Bernoulli's support is {0, 1}: with its
# default argument checks on, `log_prob` refuses a grey pixel, as torch's does. We keep the
# grey levels and turn the check off (`validate_args=False`): `-log_prob` is then the binary
# cross-entropy between the decoder's probabilities and the grey levels, the usual VAE
# reconstruction loss on MNIST (PyTorch's own example uses it). Strictly, a Bernoulli is a
# distribution over 0/1 pixels only, so with grey targets the "ELBO" below is not a bound on
# the log-likelihood of these exact images; it is still the quantity being optimised and the
# number to watch (comparable with other runs that compute it the same way).

# %%
MEAN, STD = MNIST_STATS


def to_pixels(x: mg.Tensor) -> mg.Tensor:
    """Undo the loaders' Normalize: back to grey levels in [0, 1]."""
    return (x * STD + MEAN).clamp(0.0, 1.0)


x, _ = next(iter(test_loader))
pixels = to_pixels(x[:4])
print(f"pixels: shape {tuple(pixels.shape)}, min {pixels.min().item():.1f}, "
      f"max {pixels.max().item():.1f}")
try:
    D.Bernoulli(logits=mg.zeros_like(pixels)).log_prob(pixels)
except ValueError as error:
    print("Bernoulli(...).log_prob(grey pixels) with checks on:", str(error).splitlines()[0][:90],
          "...")

# %% [markdown]
# ## The model
#
# Two small MLPs. The encoder ends in 2 x `LATENT` numbers: the mean of q(z|x) and its
# log-variance (a log, so any real number gives a positive variance:
# std = exp(log-variance / 2)). The decoder maps a code back to 784 logits, one per pixel.
#
# `Independent(Normal(...), 1)` and `Independent(Bernoulli(...), 3)` read the code's
# dimensions, and the image's (channel, row, column) dimensions, as one event: their
# `log_prob` and `kl_divergence` are already summed per image.

# %%
class VAE(nn.Module):
    def __init__(self, hidden: int = 512, latent: int = LATENT) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(),
                                     nn.Linear(hidden, 2 * latent))
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(),
                                     nn.Linear(hidden, 784), nn.Unflatten(1, (1, 28, 28)))

    def posterior(self, x: mg.Tensor) -> D.Independent:
        """q(z|x): a diagonal Gaussian per image."""
        mean, log_var = self.encoder(x).chunk(2, dim=1)
        return D.Independent(D.Normal(mean, (0.5 * log_var).exp()), 1)

    def likelihood(self, z: mg.Tensor) -> D.Independent:
        """p(x|z): one Bernoulli per pixel, grey levels allowed (see above)."""
        return D.Independent(D.Bernoulli(logits=self.decoder(z), validate_args=False), 3)


def prior_like(q: D.Independent) -> D.Independent:
    """p(z) = N(0, I), with q's shape, dtype and device."""
    loc = q.mean
    return D.Independent(D.Normal(mg.zeros_like(loc), mg.ones_like(loc)), 1)


def negative_elbo(model: VAE, pixels: mg.Tensor) -> tuple:
    """(loss, reconstruction, KL): the loss is the batch mean of -ELBO per image; the two parts
    are returned as per-image tensors (reconstruction = -log p(x|z) with one z per image)."""
    q = model.posterior(pixels)
    z = q.rsample()
    reconstruction = -model.likelihood(z).log_prob(pixels)
    kl = D.kl_divergence(q, prior_like(q))
    return (reconstruction + kl).mean(), reconstruction, kl


mg.manual_seed(args.seed)
model = VAE().to(args.device)
print(f"VAE: {count_parameters(model):,} parameters, a {LATENT}-D latent space")

# %% [markdown]
# ## Why `rsample()`: the reparameterisation trick
#
# The reconstruction term is an expectation over z ~ q(z|x), estimated with one draw per
# image. A draw from a random number generator has no gradient with respect to the mean and
# std it was drawn with, so the encoder would learn nothing from how well its codes decode.
# `rsample()` draws differently: eps ~ N(0, 1), which does not depend on the encoder, then
# z = mean + std * eps, an ordinary differentiable function of mean and std. Backward can
# now carry the reconstruction's gradient through z into the encoder. `sample()` draws the
# same numbers outside the graph; with it the encoder's weights receive no gradient at all
# from the reconstruction term, as the check below shows.

# %%
def encoder_gradient(draw: str) -> float:
    """Norm of d(reconstruction)/d(first encoder weight) when z comes from ``draw``."""
    model.zero_grad()
    q = model.posterior(to_pixels(x))
    z = getattr(q, draw)()
    (-model.likelihood(z).log_prob(to_pixels(x))).mean().backward()
    grad = model.encoder[1].weight.grad
    return 0.0 if grad is None else float(grad.norm().item())


for draw in ("rsample", "sample"):
    print(f"gradient reaching the encoder from the reconstruction term, z = q.{draw}(): "
          f"{encoder_gradient(draw):.3g}")
model.zero_grad()

# %% [markdown]
# ## Training
#
# Adam at lr 1e-3, batches of 128, a hand-written loop (the `fit` of earlier lessons is for
# classifiers: a model output and a label). Each epoch we record the training set's mean
# reconstruction term and KL, and the test set's. The test ELBO uses one draw of z per
# image, so it is a stochastic estimate; the seed makes it repeatable. Epoch 0 is the
# untrained model: its decoder says "grey" for every pixel, about 784 x log 2 = 543 nats.

# %%
def evaluate_elbo(loader) -> tuple:
    """(mean reconstruction, mean KL) per image over a loader, without gradients."""
    model.eval()
    totals, count = np.zeros(2), 0
    with mg.no_grad():
        for images, _ in loader:
            _, reconstruction, kl = negative_elbo(model, to_pixels(images))
            totals += [reconstruction.sum().item(), kl.sum().item()]
            count += images.shape[0]
    return tuple(totals / count)


def train_epoch(optimizer, epoch: int) -> tuple:
    """One pass over the training set; its mean reconstruction and KL per image."""
    model.train()
    totals, count = np.zeros(2), 0
    batches = train_loader
    if not args.no_progress:
        from tqdm.auto import tqdm
        batches = tqdm(train_loader, desc=f"epoch {epoch}", leave=False)
    for images, _ in batches:
        optimizer.zero_grad()
        loss, reconstruction, kl = negative_elbo(model, to_pixels(images))
        loss.backward()
        optimizer.step()
        totals += [reconstruction.sum().item(), kl.sum().item()]
        count += images.shape[0]
    return tuple(totals / count)


history = {"train": [], "test": [evaluate_elbo(test_loader)]}
rec0, kl0 = history["test"][0]
print(f"untrained model: test ELBO per image {-(rec0 + kl0):.1f} "
      f"(reconstruction {rec0:.1f}, KL {kl0:.1f})")
optimizer = optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(1, args.epochs + 1):
    history["train"].append(train_epoch(optimizer, epoch))
    history["test"].append(evaluate_elbo(test_loader))
    (tr_rec, tr_kl), (te_rec, te_kl) = history["train"][-1], history["test"][-1]
    print(f"epoch {epoch}: train ELBO {-(tr_rec + tr_kl):.1f} (reconstruction {tr_rec:.1f}, "
          f"KL {tr_kl:.2f}); test ELBO {-(te_rec + te_kl):.1f} (reconstruction {te_rec:.1f}, "
          f"KL {te_kl:.2f})")

rec, kl = history["test"][-1]
print(f"test ELBO per image: {-(rec + kl):.1f}")
print(f"reconstruction: {rec:.1f}, KL: {kl:.1f}")

# %% [markdown]
# The two parts pull against each other. The KL starts near 0 (an untrained encoder says
# "mean 0, std 1" for everything, which *is* the prior) and grows as the codes start to
# carry information about the image: each nat of KL is information the decoder can use,
# paid for in the loss. The reconstruction term falls by far more than the KL rises. In the
# full run the KL reaches about 5 nats in the first epoch and then changes little, while the
# reconstruction keeps improving: later epochs mostly teach the decoder to use the two
# numbers better, not to pack more into them.
# The training figures are averages over an epoch during which the model improved, so they
# lag behind the test figures, which are measured at the epoch's end.

# %%
epochs = np.arange(len(history["test"]))
train, test = np.array(history["train"]).reshape(-1, 2), np.array(history["test"])
fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
for ax, column, title in ((axes[0], None, "-ELBO = reconstruction + KL"),
                          (axes[1], 0, "reconstruction: -log p(x|z)"),
                          (axes[2], 1, "KL(q(z|x) || N(0, I))")):
    pick = (lambda a: a.sum(axis=1)) if column is None else (lambda a, c=column: a[:, c])
    # The untrained model's ~550 nats would flatten the other points: the KL panel starts at
    # epoch 0, the other two say the untrained value in their title instead.
    first = 0 if column == 1 else 1
    ax.plot(epochs[1:], pick(train), "o-", label="train (mean over the epoch)")
    ax.plot(epochs[first:], pick(test)[first:], "s-", label="test")
    ax.set_xlabel("epoch")
    ax.set_ylabel("nats per image")
    ax.set_title(title if first == 0 else f"{title}\n(untrained, test: {pick(test)[0]:.0f})")
    ax.xaxis.get_major_locator().set_params(integer=True)
axes[0].legend()
savefig(fig, out / "elbo.png")

# %% [markdown]
# ## The latent space
#
# Each test image's code mean, coloured by its label (which the VAE never saw). Digits that
# look alike land near each other, and the KL term keeps the whole cloud around the origin
# at roughly unit scale: the prior's shape.

# %%
model.eval()
means, labels = [], []
with mg.no_grad():
    for images, y in test_loader:
        means.append(model.posterior(to_pixels(images)).mean.cpu().numpy())
        labels.append(y.cpu().numpy())
means, labels = np.concatenate(means), np.concatenate(labels)

fig, ax = plt.subplots(figsize=(6.5, 5.5))
points = ax.scatter(means[:, 0], means[:, 1], c=labels, cmap="tab10", s=3, alpha=0.7,
                    vmin=-0.5, vmax=9.5)
fig.colorbar(points, ax=ax, ticks=range(10), label="digit")
ax.set_xlabel("z[0]")
ax.set_ylabel("z[1]")
ax.set_title(f"Means of q(z|x) for {len(labels):,} test images")
savefig(fig, out / "latent_space.png")

# %% [markdown]
# ## Walking the plane
#
# Decode a grid of codes. The grid's points are placed at equal steps of the prior's
# *probability*, not of z: `Normal(0, 1).icdf(p)` for p from 2% to 98%, so that each cell
# holds the same share of the prior's mass and the grid covers where the codes actually are.
# The decoder's output is drawn as its mean, the pixel probabilities, not as coin flips.

# %%
side = 15
unit = D.Normal(mg.tensor(0.0), mg.tensor(1.0))
ticks = unit.icdf(mg.linspace(0.02, 0.98, side)).numpy()
grid = np.stack(np.meshgrid(ticks, ticks[::-1]), axis=-1).reshape(-1, 2)  # top row: high z[1]
with mg.no_grad():
    z = mg.tensor(grid.astype(np.float32), device=args.device)
    digits = model.likelihood(z).mean.cpu().numpy()[:, 0]
canvas = digits.reshape(side, side, 28, 28).transpose(0, 2, 1, 3).reshape(side * 28, side * 28)
fig, ax = plt.subplots(figsize=(7, 7))
extent = (-0.5, side - 0.5, -0.5, side - 0.5)
ax.imshow(canvas, cmap="gray_r", extent=extent)
ax.set_xticks(range(0, side, 2), [f"{t:.1f}" for t in ticks[::2]])
ax.set_yticks(range(0, side, 2), [f"{t:.1f}" for t in ticks[::2]])
ax.set_xlabel("z[0]")
ax.set_ylabel("z[1]")
ax.set_title("Decoded codes over the latent plane")
savefig(fig, out / "latent_grid.png")

# %% [markdown]
# ## Reconstructions
#
# Originals (top) and the decoder's pixel probabilities for their code means (bottom). Two
# numbers cannot hold every stroke: the reconstructions are the "typical" digit of that
# region of the plane, and ambiguous shapes come back as a neighbouring class.

# %%
count = 12
originals = to_pixels(x[:count])
with mg.no_grad():
    rebuilt = model.likelihood(model.posterior(originals).mean).mean
fig, axes = plt.subplots(2, count, figsize=(count * 1.0, 2.3))
for i in range(count):
    for row, images in enumerate((originals, rebuilt)):
        axes[row, i].imshow(images[i, 0].cpu().numpy(), cmap="gray_r", vmin=0, vmax=1)
        axes[row, i].axis("off")
axes[0, 0].set_title("original", loc="left", fontsize=9)
axes[1, 0].set_title("reconstruction", loc="left", fontsize=9)
savefig(fig, out / "reconstructions.png")
finish()
