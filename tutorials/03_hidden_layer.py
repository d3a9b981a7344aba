# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 03 - One hidden layer
#
# The linear model of lesson 02 can only match one template per class. Put a
# layer of 256 *hidden units* between the pixels and the scores, each followed
# by a ReLU (max(x, 0)), and the network can combine many partial templates
# (strokes, loops, corners) into each class score. This is a multi-layer
# perceptron (MLP); the non-linearity is what makes the extra layer worth
# having, since two linear layers in a row are still one linear map.
#
# Target: at least 97.5% test accuracy.
#
# Run: `python tutorials/03_hidden_layer.py` (about two minutes on a 2-core CPU).

# %%
from common import (count_parameters, finish, loader_arrays, loaders, parse_args,
                    predict_proba, pyplot, report, savefig, setup)

import minigrad.nn as nn
import minigrad.optim as optim
import minigrad.viz as viz
from minigrad.training import evaluate, fit

args = parse_args("An MLP with one hidden layer on MNIST", epochs=10)
out = setup(args, "03_hidden_layer")
train_loader, test_loader = loaders(args)

# %% [markdown]
# ## The model
#
# 784 -> 256 -> 10: about 200,000 weights, 25 times as many as the linear
# model. We train it with Adam, which adapts the step size of every weight
# from its recent gradients and needs little tuning (lr = 0.001), and let the
# learning rate decay along a cosine to zero by the last epoch.

# %%
model = nn.Sequential(
    nn.Flatten(),
    nn.Linear(28 * 28, 256),
    nn.ReLU(),
    nn.Linear(256, 10),
).to(args.device)
print(model)
print(f"{count_parameters(model):,} parameters")
optimizer = optim.Adam(model.parameters(), lr=1e-3)
scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)

# %% [markdown]
# ## Training
#
# After each epoch `fit` also reports the test set (drawn as "validation";
# nothing is tuned on it).

# %%
history = fit(model, optimizer, train_loader, epochs=args.epochs, val_loader=test_loader,
              device=args.device, scheduler=scheduler, progress=not args.no_progress)
viz.plot_history(history, path=out / "history.png", title="one hidden layer (256 ReLU units)")
print(f"saved {out / 'history.png'}")

# %% [markdown]
# ## What the hidden units look at
#
# Each hidden unit has 784 input weights, which again form a 28x28 picture.
# Unlike lesson 02's whole-digit templates, these are pieces: strokes in
# various places and directions, which the output layer combines.

# %%
plt = pyplot()
weights = model[1].weight.detach().cpu().numpy().reshape(-1, 28, 28)
fig, axes = plt.subplots(4, 8, figsize=(10, 5.4))
for ax, w in zip(axes.flat, weights):
    lim = abs(w).max()
    ax.imshow(w, cmap="RdBu_r", vmin=-lim, vmax=lim)
    ax.axis("off")
fig.suptitle("input weights of the first 32 hidden units")
savefig(fig, out / "hidden_units.png")

# %% [markdown]
# ## Which digits does it still get wrong?
#
# The mistakes that remain are often digits a person would hesitate over too.

# %%
probs, labels = predict_proba(model, test_loader)
predicted = probs.argmax(axis=1)
images, _ = loader_arrays(test_loader)
viz.plot_misclassified(images, labels, predicted, max_images=24,
                       path=out / "misclassified.png")
print(f"saved {out / 'misclassified.png'}")
viz.plot_confusion_matrix(labels, predicted, path=out / "confusion.png",
                          title="one hidden layer: test confusion matrix")
print(f"saved {out / 'confusion.png'}")

# %% [markdown]
# ## Result

# %%
test = evaluate(model, test_loader, device=args.device)
print(f"test loss: {test['loss']:.4f}")
report("test accuracy", test["accuracy"])
finish()
