# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 04 - The CNN
#
# The MLP of lesson 03 treats the image as a list of 784 unrelated numbers:
# move a digit two pixels to the left and it sees a new input. A
# convolutional network instead slides small learned kernels over the image
# (lesson 01), so the same stroke detector works everywhere, and pooling makes
# the result tolerant to small shifts. Far fewer weights, better accuracy.
#
#     Conv 32 3x3 - ReLU - MaxPool 2     1x28x28 -> 32x26x26 -> 32x13x13
#     Conv 32 3x3 - ReLU - MaxPool 2              -> 32x11x11 -> 32x5x5
#     Flatten - Dense 128 - ReLU - Dense 10        800 -> 128 -> 10
#
# Trained with Adam for 5 epochs. Target: at least 99.0% test accuracy.
#
# This is the main job of the project:
#
#     MINIGRAD_DATA=/path/to/data python tutorials/04_cnn.py
#
# trains it with a progress bar and prints the test accuracy
# (`--device cuda` runs the same code on a GPU, see lesson 10; `--fused`
# trains it with its conv blocks fused, see "Going faster" below).

# %%
from common import (count_parameters, finish, loader_arrays, loaders, parse_args,
                    predict_proba, report, save_model, setup)

import minigrad.nn as nn
import minigrad.optim as optim
import minigrad.viz as viz
from minigrad.training import evaluate, fit

args = parse_args("The lesson CNN on MNIST", epochs=5, batch_size=64, extra=lambda p: p.add_argument(
    "--fused", action="store_true", help="fuse each Conv-ReLU-MaxPool block into one layer"))
out = setup(args, "04_cnn")
train_loader, test_loader = loaders(args)

# %% [markdown]
# ## The model
#
# `nn.Conv2d(in_channels, out_channels, kernel_size)` holds `out_channels`
# kernels of shape in_channels x 3 x 3 plus a bias each. Without padding each
# 3x3 convolution trims one pixel from every border; `MaxPool2d(2)` halves the
# size (rounding down). After the second pool, 32 maps of 5x5 = 800 features
# go to the dense layers.

# %%
model = nn.Sequential(
    nn.Conv2d(1, 32, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 32, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(32 * 5 * 5, 128), nn.ReLU(),
    nn.Linear(128, 10),
).to(args.device)
print(model)
print(f"{count_parameters(model):,} parameters (the MLP of lesson 03 has 203,530)")

# %% [markdown]
# ## Going faster (optional: `--fused`)
#
# Run layer by layer, each block writes the convolution's output to memory,
# ReLU reads it and writes it again, and pooling reads it once more; backward
# repeats that in reverse. On a CPU those trips through memory take about a
# quarter of a training step. `nn.utils.fuse_modules` replaces each
# Conv2d-ReLU-MaxPool2d(2) run by one `ConvReLUMaxPool2d` layer that sends a
# few images at a time through the whole block while they are in the cache.
# It computes the same numbers with the same parameters (their names in the
# saved weights do not change), and the ReLU and pooling layers become
# `Identity`. With `inplace=True` the model itself changes and keeps its
# parameter objects; without it you get a fused copy with new ones.

# %%
if args.fused:
    nn.utils.fuse_modules(model, inplace=True)
    print(model)

# %% [markdown]
# ## Training
#
# Adam with lr = 0.001, batches of 64, and the learning rate annealed along a
# cosine over the 5 epochs so the last epoch takes small, careful steps.

# %%
optimizer = optim.Adam(model.parameters(), lr=1e-3)
scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
history = fit(model, optimizer, train_loader, epochs=args.epochs, val_loader=test_loader,
              device=args.device, scheduler=scheduler, progress=not args.no_progress)
viz.plot_history(history, path=out / "history.png", title="the lesson CNN")
print(f"saved {out / 'history.png'}")

# %% [markdown]
# ## Mistakes
#
# With about one test digit in a hundred wrong, the confusion matrix is almost
# diagonal; the misclassified digits show what is left.

# %%
probs, labels = predict_proba(model, test_loader)
predicted = probs.argmax(axis=1)
images, _ = loader_arrays(test_loader)
viz.plot_misclassified(images, labels, predicted, max_images=24, path=out / "misclassified.png")
viz.plot_confusion_matrix(labels, predicted, path=out / "confusion.png",
                          title="the lesson CNN: test confusion matrix")
print(f"saved {out / 'misclassified.png'} and {out / 'confusion.png'}")

# %% [markdown]
# ## Result
#
# The trained weights are saved with `mg.save` (a plain `.npz`, no pickle), so
# lesson 11 can look inside this very network.

# %%
test = evaluate(model, test_loader, device=args.device)
save_model(model, out / "cnn.npz", test_accuracy=test["accuracy"], epochs=args.epochs,
           seed=args.seed)
print(f"test loss: {test['loss']:.4f}")
report("test accuracy", test["accuracy"])
finish()
