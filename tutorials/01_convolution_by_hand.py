# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 01 - Convolution by hand
#
# A convolutional layer slides a small grid of weights (a *kernel*) over an
# image and, at every position, multiplies the kernel with the patch under it
# and adds up the products. Before letting a network learn its kernels, we
# write one ourselves: the Sobel filter, which responds to vertical edges.
#
# We do it three times: with plain NumPy loops, where every step is visible;
# with the output-size formula for padding and stride; and with minigrad's
# `F.conv2d` and `F.max_pool2d`, checking that they compute exactly the same.
#
# Run: `python tutorials/01_convolution_by_hand.py` (no training; seconds).

# %%
import numpy as np

from common import finish, parse_args, pyplot, savefig, setup

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.data import MNIST

args = parse_args("Convolution by hand: Sobel filter, padding, stride, max pooling", epochs=1)
out = setup(args, "01_convolution_by_hand")

# %% [markdown]
# ## A digit "7"
#
# MNIST images are 28x28 grey levels from 0 (black) to 255 (white). The first
# test image happens to be a 7; we take it as float64 in [0, 1].

# %%
test = MNIST(train=False)
index = int(np.flatnonzero(test.targets.numpy() == 7)[0])
seven = test.data.numpy()[index].astype(np.float64) / 255.0
print(f"test image {index} is a {int(test.targets.numpy()[index])}, shape {seven.shape}")

# %% [markdown]
# ## The Sobel kernel and a convolution with loops
#
# The kernel below weighs the column to the right of each pixel +1, +2, +1 and
# the column to its left -1, -2, -1: where the image gets brighter from left
# to right the sum is large and positive, where it gets darker it is negative,
# and on flat areas it is zero. Its transpose does the same for horizontal
# edges.
#
# Deep-learning "convolution" does not flip the kernel (mathematicians call
# this cross-correlation); `F.conv2d` and PyTorch's `conv2d` work this way.

# %%
sobel_x = np.array([[-1.0, 0.0, 1.0],
                    [-2.0, 0.0, 2.0],
                    [-1.0, 0.0, 1.0]])
sobel_y = sobel_x.T


def conv2d_by_hand(image: np.ndarray, kernel: np.ndarray, stride: int = 1,
                   padding: int = 0) -> np.ndarray:
    """Slide ``kernel`` over ``image``: one multiply-and-sum per output pixel."""
    if padding:
        image = np.pad(image, padding)  # zeros all around
    k = kernel.shape[0]
    out_h = (image.shape[0] - k) // stride + 1
    out_w = (image.shape[1] - k) // stride + 1
    result = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            patch = image[i * stride:i * stride + k, j * stride:j * stride + k]
            result[i, j] = (patch * kernel).sum()
    return result


edges_x = conv2d_by_hand(seven, sobel_x)
edges_y = conv2d_by_hand(seven, sobel_y)
print(f"vertical-edge map {edges_x.shape}: min {edges_x.min():.2f}, max {edges_x.max():.2f}")
print(f"horizontal-edge map {edges_y.shape}: min {edges_y.min():.2f}, max {edges_y.max():.2f}")

# %% [markdown]
# The 7's long diagonal stroke lights up the vertical-edge map (positive on its
# left side, where dark turns bright, negative on its right), and its top bar
# lights up the horizontal-edge map. Together they give the edge strength.

# %%
plt = pyplot()
fig, axes = plt.subplots(1, 4, figsize=(13, 3.4))
panels = [(seven, "the digit (28x28)", "gray"),
          (edges_x, "Sobel x: vertical edges (26x26)", "RdBu_r"),
          (edges_y, "Sobel y: horizontal edges (26x26)", "RdBu_r"),
          (np.hypot(edges_x, edges_y), "edge strength", "magma")]
for ax, (img, title, cmap) in zip(axes, panels):
    lim = np.abs(img).max()
    kw = dict(vmin=-lim, vmax=lim) if cmap == "RdBu_r" else {}
    shown = ax.imshow(img, cmap=cmap, **kw)
    ax.set_title(title, fontsize=9)
    ax.axis("off")
    fig.colorbar(shown, ax=ax, fraction=0.046)
savefig(fig, out / "sobel.png")

# %% [markdown]
# ## Padding and stride change the output size
#
# A k x k kernel fits `H - k + 1` times along a side of length H. Padding adds
# `p` zero pixels on every side, and a stride `s` moves the kernel `s` pixels
# at a time, so
#
#     out = floor((H + 2p - k) / s) + 1
#
# Padding 1 with a 3x3 kernel keeps the size ("same" convolution); stride 2
# roughly halves it.

# %%
print(f"{'padding':>8} {'stride':>7} {'formula':>8} {'by hand':>8}")
for padding, stride in [(0, 1), (1, 1), (0, 2), (1, 2), (2, 3)]:
    formula = (28 + 2 * padding - 3) // stride + 1
    got = conv2d_by_hand(seven, sobel_x, stride=stride, padding=padding).shape
    assert got == (formula, formula), (padding, stride, got)
    print(f"{padding:>8} {stride:>7} {formula:>8} {str(got):>8}")

# %% [markdown]
# ## Max pooling
#
# Max pooling keeps the largest value of each 2x2 block: the map shrinks by
# half in each direction, and an edge that moves by one pixel still gives the
# same pooled value, which makes the next layer less sensitive to small shifts.
# By hand: cut the map into 2x2 blocks and take each block's maximum.


# %%
def max_pool_by_hand(fmap: np.ndarray, size: int = 2) -> np.ndarray:
    """Largest value of each ``size`` x ``size`` block (a leftover edge row/column is dropped)."""
    h, w = fmap.shape[0] // size, fmap.shape[1] // size
    blocks = fmap[:h * size, :w * size].reshape(h, size, w, size)
    return blocks.max(axis=(1, 3))


pooled = max_pool_by_hand(edges_x)
print(f"max pooling 2x2: {edges_x.shape} -> {pooled.shape}")

fig, axes = plt.subplots(1, 2, figsize=(7, 3.4))
for ax, (img, title) in zip(axes, [(edges_x, "vertical edges 26x26"),
                                   (pooled, "after 2x2 max pooling 13x13")]):
    lim = np.abs(img).max()
    ax.imshow(img, cmap="RdBu_r", vmin=-lim, vmax=lim)
    ax.set_title(title, fontsize=9)
    ax.axis("off")
savefig(fig, out / "max_pool.png")

# %% [markdown]
# ## The same with minigrad
#
# `F.conv2d` takes a batch of images `(N, C_in, H, W)` and a stack of kernels
# `(C_out, C_in, kH, kW)`, so we stack both Sobel kernels as two output
# channels and do all padding/stride settings at once. If our loops are right,
# the results agree to the last bit or so (float64 sums in a different order).

# %%
image = mg.tensor(seven[None, None], device=args.device)        # (1, 1, 28, 28)
kernels = mg.tensor(np.stack([sobel_x, sobel_y])[:, None], device=args.device)  # (2, 1, 3, 3)
worst = 0.0
for padding, stride in [(0, 1), (1, 1), (0, 2), (1, 2), (2, 3)]:
    ours = F.conv2d(image, kernels, stride=stride, padding=padding).numpy()[0]
    for c, kernel in enumerate((sobel_x, sobel_y)):
        by_hand = conv2d_by_hand(seven, kernel, stride=stride, padding=padding)
        worst = max(worst, float(np.abs(ours[c] - by_hand).max()))
print(f"F.conv2d vs loops, 5 padding/stride settings x 2 kernels: max |difference| {worst:.2e}")

pooled_mg = F.max_pool2d(F.conv2d(image, kernels), 2).numpy()[0, 0]
pool_diff = float(np.abs(pooled_mg - pooled).max())
print(f"F.max_pool2d vs blocks: max |difference| {pool_diff:.2e}")
assert worst < 1e-12 and pool_diff < 1e-12, "minigrad and the hand-written versions disagree"

# %% [markdown]
# A `nn.Conv2d(1, 2, 3)` layer computes exactly this, with kernels that start
# random and are learned by gradient descent. Lesson 11 shows that a trained
# network's first layer ends up with edge detectors much like Sobel's.

# %%
print(f"conv by hand agrees with F.conv2d: max |difference| = {max(worst, pool_diff):.1e}")
finish()
