# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 05 - Under- and over-fitting
#
# Training accuracy tells you how well a model fits the examples it learns
# from; what you care about is how it does on examples it has never seen.
# We hold 5,000 training images out as a **validation set** and plot both
# curves side by side (`minigrad.viz.plot_history`):
#
# - **under-fitting**: both curves stay poor and close together; the model is
#   too weak (or too briefly trained) to capture the pattern;
# - **over-fitting**: the training curve keeps improving while the validation
#   loss turns back up; the model memorises its examples, noise included.
#
# We make a large MLP over-fit on purpose by giving it only 1,000 training
# images, then try four standard cures with everything else unchanged: more
# data, data augmentation, dropout, and weight decay. The validation set picks
# the best; the test set is used once, at the end.
#
# Run: `python tutorials/05_under_and_overfitting.py` (a few minutes on a 2-core CPU).

# %%
from common import (count_parameters, finish, loaders, parse_args, pyplot, report, savefig,
                    setup)

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim
import minigrad.viz as viz
from minigrad.data import transforms as T
from minigrad.training import evaluate, fit

args = parse_args("Under- and over-fitting, and what fixes over-fitting", epochs=40,
                  batch_size=100)
out = setup(args, "05_under_and_overfitting")
SMALL = 1000     # training images for the over-fitting experiments
LARGER = 10_000  # the "more data" cure
VAL = 5_000      # validation images held out of the training set


def mlp(hidden: int = 512, dropout: float = 0.0, input_dropout: float = 0.0) -> nn.Module:
    """784 - hidden - hidden - 10 with ReLUs, optionally with dropout on the pixels and after
    each hidden layer."""
    layers = [nn.Flatten()]
    layers += [nn.Dropout(input_dropout)] if input_dropout else []
    layers += [nn.Linear(28 * 28, hidden), nn.ReLU()]
    layers += [nn.Dropout(dropout)] if dropout else []
    layers += [nn.Linear(hidden, hidden), nn.ReLU()]
    layers += [nn.Dropout(dropout)] if dropout else []
    layers += [nn.Linear(hidden, 10)]
    return nn.Sequential(*layers).to(args.device)


results = {}


def experiment(name: str, model: nn.Module, optimizer: optim.Optimizer, train_loader,
               val_loader) -> dict:
    """Train, plot the train/validation curves, and remember the final figures."""
    print(f"\n== {name}: {count_parameters(model):,} parameters, "
          f"{len(train_loader.dataset)} training images")
    history = fit(model, optimizer, train_loader, epochs=args.epochs, val_loader=val_loader,
                  device=args.device, progress=not args.no_progress)
    slug = name.split(":")[0].replace(" ", "_")
    viz.plot_history(history, path=out / f"{slug}.png", title=name)
    print(f"saved {out / f'{slug}.png'}")
    results[name] = dict(model=model, history=history, train_acc=history.train_acc[-1],
                         val_acc=history.val_acc[-1], val_loss=history.val_loss[-1],
                         best_val_loss=min(history.val_loss))
    return results[name]


# %% [markdown]
# ## Under-fitting: a model too small for the task
#
# A bottleneck of just 2 hidden units cannot separate ten digits, however long
# it trains: train and validation accuracy stay low together.

# %%
mg.manual_seed(args.seed)
small_train, val_loader, test_loader = loaders(args, val_size=VAL, train_size=SMALL)
tiny = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 2), nn.ReLU(),
                     nn.Linear(2, 10)).to(args.device)
experiment("underfit: 2 hidden units", tiny, optim.Adam(tiny.parameters(), lr=1e-3),
           small_train, val_loader)

# %% [markdown]
# ## Over-fitting: a big model, little data
#
# 784-512-512-10 has 670,000 weights for 1,000 images. It soon classifies
# every training image right (training loss near zero), while the validation
# loss bottoms out after a few epochs and then climbs: from there on the model
# grows more confident on its memorised examples and more wrongly confident on
# new ones. Validation accuracy stalls far below training accuracy.

# %%
mg.manual_seed(args.seed)
model = mlp()
experiment("overfit: 1,000 images", model, optim.Adam(model.parameters(), lr=1e-3),
           small_train, val_loader)

# %% [markdown]
# ## Cure 1: more data
#
# The best cure when you can have it: the same model and epochs on 10,000
# images. Memorising them is harder, and what it learns is more general.

# %%
mg.manual_seed(args.seed)
more_train, _, _ = loaders(args, val_size=VAL, train_size=LARGER)
model = mlp()
experiment("more data: 10,000 images", model, optim.Adam(model.parameters(), lr=1e-3),
           more_train, val_loader)

# %% [markdown]
# ## Cure 2: data augmentation
#
# When more data can't be had, make variations of what you have: each epoch
# every image is randomly rotated (up to 10 degrees), shifted (up to 10%) and
# scaled (90-110%), so the model never sees exactly the same picture twice.
# The transforms run on whole batches, on the device, before normalisation.

# %%
mg.manual_seed(args.seed)
augment = T.RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1))
aug_train, _, _ = loaders(args, val_size=VAL, train_size=SMALL, augment=augment)
model = mlp()
experiment("augmentation: 1,000 images", model, optim.Adam(model.parameters(), lr=1e-3),
           aug_train, val_loader)

# %% [markdown]
# ## Cure 3: dropout
#
# `nn.Dropout(0.5)` zeroes half of the hidden units at random in every
# training step (and scales the rest up by 2), so no unit can rely on a
# particular partner to memorise an example; a lighter `Dropout(0.2)` on the
# pixels blots out a fifth of each image. At evaluation (`model.eval()`, which
# `fit` and `evaluate` call) dropout does nothing.

# %%
mg.manual_seed(args.seed)
model = mlp(dropout=0.5, input_dropout=0.2)
experiment("dropout: 1,000 images", model, optim.Adam(model.parameters(), lr=1e-3),
           small_train, val_loader)

# %% [markdown]
# ## Cure 4: weight decay
#
# AdamW shrinks every weight towards zero a little at each step, by
# `lr x weight_decay` = 0.5% of its value here. Memorising needs large, finely
# tuned weights; decay makes them cost something. (With only 400 steps in the
# whole run the decay must be strong to matter: `weight_decay=5`; runs of many
# thousands of steps use values like 0.01-0.1.)

# %%
mg.manual_seed(args.seed)
model = mlp()
experiment("weight decay: 1,000 images", model,
           optim.AdamW(model.parameters(), lr=1e-3, weight_decay=5.0), small_train, val_loader)

# %% [markdown]
# ## All validation curves together
#
# The over-fitting run's validation loss climbs after its first few epochs.
# Dropout and weight decay hold it lower and add a little accuracy; with only
# 1,000 images to learn from, the cures that bring more (or more varied)
# examples, real or augmented, do far more.

# %%
plt = pyplot()
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(12, 4.2))
for name, r in results.items():
    epochs = r["history"].epoch
    ax_loss.plot(epochs, r["history"].val_loss, label=name)
    ax_acc.plot(epochs, r["history"].val_acc, label=name)
ax_loss.set(title="validation loss", xlabel="epoch", yscale="log")
ax_acc.set(title="validation accuracy", xlabel="epoch", ylim=(0.3, 1.0))
ax_acc.legend(fontsize=8, loc="lower right")
for ax in (ax_loss, ax_acc):
    ax.grid(alpha=0.3)
savefig(fig, out / "all_validation_curves.png")

# %% [markdown]
# ## Summary
#
# The gap between training and validation accuracy measures over-fitting. We
# pick the configuration with the best validation accuracy and only then
# measure it on the test set: had we compared on the test set, its figure
# would no longer be an unbiased estimate.

# %%
print(f"\n{'experiment':30} {'train acc':>9} {'val acc':>8} {'gap':>7} {'val loss':>9} "
      f"{'best val loss':>13}")
for name, r in results.items():
    print(f"{name:30} {r['train_acc']:9.4f} {r['val_acc']:8.4f} "
          f"{r['train_acc'] - r['val_acc']:7.4f} {r['val_loss']:9.4f} {r['best_val_loss']:13.4f}")
best = max((n for n in results if not n.startswith(("underfit", "overfit"))),
           key=lambda n: results[n]["val_acc"])
overfit = next(n for n in results if n.startswith("overfit"))
print(f"\nbest cure on validation: {best}")
overfit_test = evaluate(results[overfit]["model"], test_loader)["accuracy"]
print(f"over-fitted model, test accuracy: {overfit_test:.4f}")
report(f"{best}, test accuracy", evaluate(results[best]["model"], test_loader)["accuracy"])
finish()
