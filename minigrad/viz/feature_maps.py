"""Feature maps: what each layer makes of one input.

A forward hook on a layer sees its output as the image passes through; the
channels of a conv layer's output are images themselves (where in the input
each filter fired), so the first layers still look like the digit and the
deeper ones drift toward abstract parts.
"""
from __future__ import annotations

import os
from typing import Any

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from ._figure import new_figure, save_figure, to_host
from ._model import as_batch, eval_mode, hooked, resolve_layers


def capture_activations(model: Any, image: Any, layers: Any = None) -> dict[str, Tensor]:
    """The outputs of ``layers`` (names or modules; None = every leaf layer) for an input.

    ``image`` is the model's input as it is (e.g. a (N, C, H, W) or (N, features) batch);
    a single (C, H, W) image gets its batch dimension added.

    Returns ``{layer name: output}`` in the order the layers ran, with batch dimension
    kept (a conv layer gives (1, C, H, W)). Runs in eval mode without recording a graph.
    A layer called twice keeps its last output.
    """
    chosen = resolve_layers(model, layers, "capture_activations")
    x = as_batch(model, image, "capture_activations", single=False)
    captured: dict[str, Tensor] = {}

    def record(name: str, module: Any, out: Any) -> None:
        if isinstance(out, Tensor):
            captured.pop(name, None)  # re-insert so the order is the order of execution
            captured[name] = out.detach()

    with no_grad(), eval_mode(model), hooked(chosen, record):
        model(x)
    return captured


def _layer_title(name: str, module: Any, out: Tensor) -> str:
    shape = "×".join(str(s) for s in out.shape)
    return f"{name} ({type(module).__name__}) → {shape}"


def plot_feature_maps(model: Any, image: Any, layers: Any = None, *,
                      max_channels: int | None = None, ncols: int = 8, cmap: str = "gray",
                      path: str | os.PathLike | None = None) -> Any:
    """One grid per layer, one tile per channel of that layer's output for ``image``.

    With ``layers=None`` every leaf layer whose output is a (1, C, H, W) map is shown.
    Each tile is scaled on its own, so a weakly firing channel is still visible.
    """
    explicit = layers is not None
    chosen = resolve_layers(model, layers, "plot_feature_maps")
    acts = capture_activations(model, as_batch(model, image, "plot_feature_maps"),
                               [m for _, m in chosen])
    modules = dict(chosen)
    shown = [(n, a) for n, a in acts.items() if explicit or a.ndim == 4]
    if not shown:
        raise ValueError("plot_feature_maps: none of the chosen layers produced a (1, C, H, W) "
                         "feature map; name the layers to show with layers=[...]")
    counts = []
    for _, a in shown:
        c = a.shape[1] if a.ndim == 4 else 1  # anything but a map is drawn as one strip
        counts.append(min(c, max_channels) if max_channels else c)
    rows = [-(-c // min(ncols, c)) for c in counts]
    cols = max(min(ncols, c) for c in counts)
    fig = new_figure("plot_feature_maps", (1.3 * cols + 0.4, sum(1.35 * r + 0.45 for r in rows)))
    subfigs = fig.subfigures(len(shown), 1, height_ratios=[1.35 * r + 0.45 for r in rows],
                             squeeze=False)[:, 0]
    for sub, (name, act), n, r in zip(subfigs, shown, counts, rows):
        sub.suptitle(_layer_title(name, modules[name], act), fontsize=9, x=0.02, y=0.995,
                     ha="left", va="top")
        sub.subplots_adjust(top=1.0 - 0.42 / (1.35 * r + 0.45), bottom=0.02, left=0.02,
                            right=0.98, hspace=0.35)
        a = to_host(act)[0]
        for i in range(n):
            ax = sub.add_subplot(r, min(ncols, n), i + 1)
            ax.set_xticks([])
            ax.set_yticks([])
            if a.ndim == 3:
                ax.imshow(a[i], cmap=cmap)
                ax.set_title(f"ch {i}", fontsize=7)
            else:
                ax.imshow(a.reshape(1, -1), cmap=cmap, aspect="auto")
    save_figure(fig, path)
    return fig
