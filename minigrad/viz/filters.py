"""The kernels a convolution learned, drawn as little images.

A first-layer filter is a template the layer slides over the input; trained
on digits, many become oriented edge and stroke detectors, which can be seen
directly once the weights are drawn with zero as mid-grey.
"""
from __future__ import annotations

import os
from typing import Any

from ..tensor import Tensor
from ._figure import new_figure, save_figure, tile_axes, to_host

_MAX_TILES = 256  # above this, several input channels are averaged into one tile by default


def _weight(conv_or_weight: Any) -> Any:
    w = getattr(conv_or_weight, "weight", conv_or_weight)
    if not isinstance(w, Tensor) and not hasattr(w, "shape"):
        raise TypeError(f"plot_filters: expected a Conv2d or a weight of shape (out, in, kH, kW), "
                        f"got {type(conv_or_weight).__name__}")
    w = to_host(w)
    if w.ndim != 4:
        raise ValueError(f"plot_filters: expected a weight of shape (out_channels, in_channels, "
                         f"kH, kW), got shape {tuple(w.shape)}")
    return w


def plot_filters(conv_or_weight: Any, *, average_inputs: bool | None = None,
                 ncols: int | None = None, cmap: str = "gray",
                 path: str | os.PathLike | None = None, title: str | None = None) -> Any:
    """One tile per output channel (rows) and input channel (columns) of a Conv2d's kernels.

    With one input channel, or ``average_inputs=True``, each output channel gets a single
    tile (its kernel averaged over input channels) in a grid of ``ncols`` (default 8).
    ``average_inputs=None`` averages only when the full grid would exceed 256 tiles.
    All tiles share one colour scale centred on zero, so strengths can be compared.
    """
    w = _weight(conv_or_weight)
    out_c, in_c = w.shape[:2]
    if average_inputs is None:
        average_inputs = out_c * in_c > _MAX_TILES
    if in_c == 1 or average_inputs:
        tiles = [(f"{o}", w[o].mean(axis=0)) for o in range(out_c)]
        cols = min(ncols or 8, out_c)
    else:
        tiles = [(f"{o}←{i}", w[o, i]) for o in range(out_c) for i in range(in_c)]
        cols = in_c
    rows = -(-len(tiles) // cols)
    lim = max(max(float(abs(t).max()) for _, t in tiles), 1e-12)
    fig = new_figure("plot_filters", (1.0 * cols + 0.6, 1.1 * rows + 0.6))
    kh, kw = w.shape[2:]
    what = ("averaged over inputs" if average_inputs and in_c > 1 else
            "out←in" if in_c > 1 else "one per output channel")
    fig.suptitle(title or f"{out_c}×{in_c} filters of {kh}×{kw} ({what}); grey = 0",
                 fontsize=10)
    for ax, (label, tile) in zip(tile_axes(fig, len(tiles), cols), tiles):
        ax.imshow(tile, cmap=cmap, vmin=-lim, vmax=lim, interpolation="nearest")
        ax.set_title(label, fontsize=7)
    save_figure(fig, path)
    return fig
