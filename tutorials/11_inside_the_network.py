# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 11 - Inside the network
#
# What did lesson 04's CNN learn? Its first layer's kernels are small enough
# to look at directly, and for any one digit we can draw every layer's output
# ("feature maps") to see the image being transformed, step by step, from
# pixels into ten class scores. `minigrad.viz` draws all of it; `explain_html`
# puts the whole journey of one digit on a single self-contained web page.
#
# The network: the one lesson 04 saved (`tutorials/outputs/04_cnn/cnn.npz`)
# if it is there, otherwise this lesson trains one first (in `--quick` mode
# always a quick one).
#
# Run: `python tutorials/11_inside_the_network.py` (seconds after lesson 04).

# %%
import numpy as np

from common import (TUTORIALS, build_cnn, finish, load_model, loaders, parse_args, report,
                    save_model, setup)

import minigrad as mg
import minigrad.optim as optim
import minigrad.viz as viz
from minigrad.training import evaluate, fit


def options(p):
    p.add_argument("--retrain", action="store_true",
                   help="train a new CNN even if lesson 04 saved one")


args = parse_args("Filters and feature maps of lesson 04's CNN", epochs=5, batch_size=64,
                  extra=options)
out = setup(args, "11_inside_the_network")
train_loader, test_loader = loaders(args)

# %% [markdown]
# ## The trained CNN

# %%
mg.manual_seed(args.seed)
model = build_cnn().to(args.device)
saved = TUTORIALS / "outputs" / "04_cnn" / "cnn.npz"
if saved.exists() and not args.quick and not args.retrain:
    meta = load_model(model, saved, args.device)
    print(f"loaded lesson 04's CNN from {saved} ({meta['epochs']} epochs, "
          f"test accuracy {meta['test_accuracy']:.4f} when saved)")
else:
    print("training the CNN here (lesson 04's recipe)")
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    fit(model, optimizer, train_loader, epochs=args.epochs, device=args.device,
        scheduler=optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs),
        progress=not args.no_progress)
    save_model(model, out / "cnn.npz", epochs=args.epochs, seed=args.seed)
model.eval()
print(model)

# %% [markdown]
# ## First-layer filters
#
# 32 kernels of 3x3, drawn on one colour scale (grey is zero). Many are edge
# detectors like lesson 01's Sobel kernel: a bright side against a dark side
# in some direction; others respond to bright spots or lines.

# %%
viz.plot_filters(model[0], path=out / "filters_conv1.png",
                 title="conv1: 32 learned 3x3 kernels (grey = 0)")
viz.plot_filters(model[3], path=out / "filters_conv2.png",
                 title="conv2: 32 kernels of 32x3x3, averaged over their inputs")
print(f"saved {out / 'filters_conv1.png'} and {out / 'filters_conv2.png'}")

# Is conv1 really full of edge detectors? An edge kernel has opposite signs on
# two sides; its entries nearly cancel (sum near zero) while being large.
w1 = model[0].weight.detach().cpu().numpy()[:, 0]
balance = np.abs(w1.sum(axis=(1, 2))) / np.abs(w1).sum(axis=(1, 2))
print(f"conv1 kernels with both signs: {int(((w1 > 0).any((1, 2)) & (w1 < 0).any((1, 2))).sum())}"
      f" of 32; median |sum| / sum|w|: {np.median(balance):.2f} (0 = perfectly balanced edge)")

# %% [markdown]
# ## One digit, layer by layer
#
# The first test image, a 7. After the first convolution each of the 32 maps
# still shows the digit, lit where its kernel's pattern occurs (an edge on
# one side of the stroke, say); ReLU keeps only the positive evidence and
# pooling halves the resolution. After the second convolution the maps are
# coarse (11x11, then 5x5) and describe parts of the digit rather than pixels.

# %%
images, labels = next(iter(test_loader))
digit, label = images[0], int(labels[0].item())
layers = ["0", "1", "2", "3", "4"]  # conv1, relu, pool, conv2, relu
viz.plot_feature_maps(model, digit, layers=["0", "2"], path=out / "feature_maps_conv1.png")
viz.plot_feature_maps(model, digit, layers=["3", "5"], path=out / "feature_maps_conv2.png")
print(f"saved {out / 'feature_maps_conv1.png'} and {out / 'feature_maps_conv2.png'}")

maps = viz.capture_activations(model, digit, layers=layers)
for name, act in maps.items():
    print(f"layer {name} ({type(model[int(name)]).__name__}): output {tuple(act.shape)}")

# %% [markdown]
# ## Which pixels mattered? And the whole story on one page
#
# The saliency map is the gradient of the winning class's score with respect
# to the input pixels: where a small change would move the score most.
# `explain_html` writes one HTML file (no scripts, no network) with the input,
# every layer's maps and the final class probabilities.

# %%
viz.plot_saliency(model, digit, path=out / "saliency.png")
page = viz.explain_html(model, digit, out / "explain.html",
                        class_names=[str(d) for d in range(10)],
                        title=f"Lesson 04's CNN looking at a {label}")
print(f"saved {out / 'saliency.png'} and {page}")
with mg.no_grad():
    probs = model(digit.unsqueeze(0)).softmax(dim=1).cpu().numpy()[0]
print(f"true label {label}; predicted {int(probs.argmax())} with probability {probs.max():.4f}")

# %% [markdown]
# ## Result

# %%
test = evaluate(model, test_loader, device=args.device)
report("test accuracy", test["accuracy"])
finish()
