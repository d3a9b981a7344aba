# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 02 - A linear model: softmax regression
#
# The simplest classifier that learns: each of the 10 classes gets one score,
# a weighted sum of the 784 pixels plus a bias, and softmax turns the scores
# into probabilities. Training lowers the cross-entropy, the negative log of
# the probability given to the right class.
#
# It is a single `nn.Linear(784, 10)`; the whole training loop (forward, loss,
# backward, optimizer step, with a progress bar) is `minigrad.training.fit`.
# Target: at least 92% test accuracy.
#
# Run: `python tutorials/02_linear_model.py` (about a minute on a 2-core CPU).

# %%
from common import (finish, loaders, parse_args, predict_proba, pyplot, report, savefig,
                    setup)

import minigrad.nn as nn
import minigrad.optim as optim
import minigrad.viz as viz
from minigrad.training import evaluate, fit

args = parse_args("Softmax regression on MNIST", epochs=10)
out = setup(args, "02_linear_model")

# %% [markdown]
# ## Data
#
# 60,000 training and 10,000 test images. Each batch is normalised with the
# training set's mean and standard deviation (0.1307, 0.3081) so that the
# inputs are centred around zero, which makes gradient descent better behaved.

# %%
train_loader, test_loader = loaders(args)
print(f"{len(train_loader.dataset)} training images, {len(test_loader.dataset)} test images")

# %% [markdown]
# ## The model
#
# `Flatten` turns each 1x28x28 image into a vector of 784 numbers; `Linear`
# computes the 10 class scores. The loss (`F.cross_entropy`, fit's default)
# applies softmax itself, so the model outputs raw scores ("logits").

# %%
model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10)).to(args.device)
print(model)
optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)

# %% [markdown]
# ## Training
#
# Stochastic gradient descent with momentum, batches of 128, a fixed number of
# epochs. The learning rate follows a cosine from 0.01 down to zero over the
# run: large steps first, then small ones that stop the test accuracy from
# jittering around between epochs. After each epoch `fit` also measures the
# test set (never used to pick anything: there is nothing to tune here), so
# the curves (where the test set is drawn as "validation") show how the model
# generalises.

# %%
history = fit(model, optimizer, train_loader, epochs=args.epochs, val_loader=test_loader,
              device=args.device, scheduler=scheduler, progress=not args.no_progress)
viz.plot_history(history, path=out / "history.png", title="softmax regression")
print(f"saved {out / 'history.png'}")

# %% [markdown]
# ## What the model learned
#
# Each class's 784 weights can be drawn as a 28x28 image: red pixels vote for
# the class, blue ones against. They look like blurry templates of the
# digits; a linear model can do no more than match one template per class,
# which is why it stops around 92%.

# %%
plt = pyplot()
weights = model[1].weight.detach().cpu().numpy().reshape(10, 28, 28)
fig, axes = plt.subplots(1, 10, figsize=(15, 1.9))
for digit, ax in enumerate(axes):
    lim = abs(weights[digit]).max()
    ax.imshow(weights[digit], cmap="RdBu_r", vmin=-lim, vmax=lim)
    ax.set_title(str(digit))
    ax.axis("off")
savefig(fig, out / "weights.png")

probs, labels = predict_proba(model, test_loader)
viz.plot_confusion_matrix(labels, probs.argmax(axis=1), path=out / "confusion.png",
                          title="softmax regression: test confusion matrix")
print(f"saved {out / 'confusion.png'}")

# %% [markdown]
# ## Result

# %%
test = evaluate(model, test_loader, device=args.device)
print(f"test loss: {test['loss']:.4f}")
report("test accuracy", test["accuracy"])
finish()
