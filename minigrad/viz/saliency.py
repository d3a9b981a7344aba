"""Saliency: which input pixels the class score is most sensitive to.

The gradient of one class's score (its logit, before softmax) with respect
to the input pixels says how much nudging each pixel would change that
score; its magnitude is a map of where the network is looking
(Simonyan, Vedaldi and Zisserman, 2014).
"""
from __future__ import annotations

import os
from typing import Any, Sequence

from ..autograd import grad as autograd_grad
from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor
from ._figure import as_image, new_figure, save_figure, to_host
from ._model import as_batch, eval_mode


def _class_scores(model: Any, x: Tensor, op: str) -> Tensor:
    out = model(x)
    if not isinstance(out, Tensor) or out.ndim != 2 or out.shape[0] != 1:
        shape = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
        raise ValueError(f"{op}: expected the model to return class scores of shape "
                         f"(1, classes), got {shape}")
    return out


def saliency(model: Any, image: Any, target: int | None = None) -> Tensor:
    """d(score of ``target``)/d(image), shaped like ``image``; ``target=None`` takes the top class.

    Uses ``autograd.grad``, so the parameters' ``.grad`` are left untouched, and runs
    in eval mode so dropout does not make the map random.
    """
    op = "saliency"
    in_shape = tuple(image.shape) if hasattr(image, "shape") else None
    x = as_batch(model, image, op).detach().requires_grad_()
    with enable_grad(), eval_mode(model):
        scores = _class_scores(model, x, op)
        k = scores.shape[1]
        if target is None:
            target = int(scores.detach().argmax(dim=1).item())
        elif not 0 <= int(target) < k:
            raise ValueError(f"{op}: target {target} out of range for {k} classes")
        (g,) = autograd_grad(scores[0, int(target)], x)
    return g.detach().reshape(in_shape) if in_shape is not None else g.detach()[0]


def plot_saliency(model: Any, image: Any, target: int | None = None, *,
                  class_names: Sequence[str] | None = None,
                  path: str | os.PathLike | None = None) -> Any:
    """Input, saliency map (|gradient|, max over channels) and the two overlaid: three panels."""
    x = as_batch(model, image, "plot_saliency")
    with enable_grad(), eval_mode(model):
        probs = to_host(_class_scores(model, x, "plot_saliency").detach().softmax(dim=1))[0]
    pred = int(probs.argmax())
    chosen = pred if target is None else int(target)
    g = to_host(saliency(model, x, chosen))[0]  # (C, H, W)
    heat = abs(g).max(axis=0)

    def name(c: int) -> str:
        return str(class_names[c]) if class_names is not None else str(c)

    img = as_image(x)
    fig = new_figure("plot_saliency", (10.0, 3.4), layout="constrained")
    axes = [fig.add_subplot(1, 3, i + 1) for i in range(3)]
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    gray = "gray" if img.ndim == 2 else None
    axes[0].imshow(img, cmap=gray)
    axes[0].set_title(f"input (predicted {name(pred)}, p={probs[pred]:.2f})", fontsize=9)
    im = axes[1].imshow(heat, cmap="hot")
    fig.colorbar(im, ax=axes[1], fraction=0.046, pad=0.04, format="%.2g")
    axes[1].set_title(f"|d score({name(chosen)}) / d pixel|", fontsize=9)
    axes[2].imshow(img, cmap=gray)
    axes[2].imshow(heat, cmap="hot", alpha=0.55)
    axes[2].set_title("overlay", fontsize=9)
    save_figure(fig, path)
    return fig
