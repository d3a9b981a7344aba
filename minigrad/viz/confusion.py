"""Where a classifier goes wrong: the confusion matrix and a gallery of its mistakes.

Accuracy is one number; the confusion matrix says *which* classes are mixed
up (a 4 read as a 9), and the misclassified images show why.
"""
from __future__ import annotations

import os
from typing import Any, Sequence

from ._figure import as_image, new_figure, save_figure, tile_axes, to_host


def _labels(values: Any, op: str, name: str) -> Any:
    """Integer class labels from labels, or from scores/logits of shape (N, classes)."""
    a = to_host(values)
    if a.ndim == 2:
        a = a.argmax(axis=1)
    if a.ndim != 1:
        raise ValueError(f"{op}: {name} must be labels of shape (N,) or scores of shape "
                         f"(N, classes), got shape {tuple(a.shape)}")
    if a.dtype.kind == "f":
        if (a != a.round()).any():
            raise ValueError(f"{op}: {name} holds non-integer values; pass class labels")
    elif a.dtype.kind not in "iub":
        raise TypeError(f"{op}: {name} must be integer labels, got dtype {a.dtype}")
    return a.astype("int64")


def _confusion_counts(y_true: Any, y_pred: Any, num_classes: int | None = None) -> Any:
    """Counts ``cm[i, j]`` of samples of true class i predicted as j, on the host.

    (``minigrad.training.confusion_matrix`` does the same for Tensors on any device; this
    one also takes lists and NumPy arrays, which is what plotting code tends to hold.)
    """
    import numpy as np

    t = _labels(y_true, "plot_confusion_matrix", "y_true")
    p = _labels(y_pred, "plot_confusion_matrix", "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"plot_confusion_matrix: y_true has shape {tuple(t.shape)} but y_pred "
                         f"has shape {tuple(p.shape)}")
    if t.size and (t.min() < 0 or p.min() < 0):
        raise ValueError("plot_confusion_matrix: labels must be non-negative class indices")
    k = int(max(t.max(initial=-1), p.max(initial=-1)) + 1)
    if num_classes is None:
        num_classes = k
    elif k > num_classes:
        raise ValueError(f"plot_confusion_matrix: found label {k - 1} but only {num_classes} "
                         "classes")
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (t, p), 1)
    return cm


def plot_confusion_matrix(cm_or_y_true: Any, y_pred: Any = None, *,
                          class_names: Sequence[str] | None = None, normalize: bool = False,
                          path: str | os.PathLike | None = None, title: str | None = None) -> Any:
    """Draw a confusion matrix given as counts, or computed from ``(y_true, y_pred)``.

    With ``normalize=True`` each row shows the fraction of its true class, so a
    rare class's mistakes are as visible as a common one's.
    """
    if y_pred is None and isinstance(cm_or_y_true, tuple) and len(cm_or_y_true) == 2:
        cm_or_y_true, y_pred = cm_or_y_true
    if y_pred is not None:
        n = len(class_names) if class_names is not None else None
        cm = _confusion_counts(cm_or_y_true, y_pred, n)
    else:
        cm = to_host(cm_or_y_true)
        if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
            raise ValueError(f"plot_confusion_matrix: expected a square matrix, got shape "
                             f"{tuple(cm.shape)}; pass (y_true, y_pred) to compute one")
    k = cm.shape[0]
    if class_names is not None and len(class_names) != k:
        raise ValueError(f"plot_confusion_matrix: {len(class_names)} class names for "
                         f"{k} classes")
    names = [str(c) for c in class_names] if class_names is not None else [str(i)
                                                                            for i in range(k)]
    shown = cm.astype("float64")
    if normalize:
        rows = shown.sum(axis=1, keepdims=True)
        shown = shown / (rows + (rows == 0))
    size = max(4.0, 0.5 * k + 2.0)
    fig = new_figure("plot_confusion_matrix", (size + 1.0, size))
    ax = fig.add_subplot(1, 1, 1)
    im = ax.imshow(shown, cmap="Blues", vmin=0.0)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(k), names, rotation=45 if max(map(len, names)) > 2 else 0)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    top = float(shown.max()) if shown.size else 0.0
    for i in range(k):
        for j in range(k):
            text = f"{shown[i, j]:.2f}" if normalize else str(int(cm[i, j]))
            dark = top > 0 and shown[i, j] > 0.5 * top
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")
    total = int(cm.sum())
    acc = float(cm.trace()) / total if total else float("nan")
    ax.set_title(title or f"confusion matrix (accuracy {acc:.1%} of {total})")
    save_figure(fig, path)
    return fig


def plot_misclassified(images: Any, y_true: Any, y_pred: Any, *,
                       class_names: Sequence[str] | None = None, max_images: int = 25,
                       ncols: int | None = None, path: str | os.PathLike | None = None) -> Any:
    """A grid of the wrongly classified images, each titled with its true and predicted class."""
    imgs = to_host(images)
    t = _labels(y_true, "plot_misclassified", "y_true")
    p = _labels(y_pred, "plot_misclassified", "y_pred")
    if not (len(imgs) == len(t) == len(p)):
        raise ValueError(f"plot_misclassified: {len(imgs)} images, {len(t)} true labels and "
                         f"{len(p)} predictions must have the same length")
    wrong = [i for i in range(len(t)) if t[i] != p[i]][:max_images]

    def name(c: int) -> str:
        return str(class_names[c]) if class_names is not None else str(c)

    cols = min(ncols or 5, max(len(wrong), 1))
    rows = -(-len(wrong) // cols)
    fig = new_figure("plot_misclassified", (1.6 * cols + 0.5, 1.8 * max(rows, 1) + 0.5))
    if not wrong:
        fig.text(0.5, 0.5, "no misclassified images", ha="center", va="center")
    else:
        for ax, i in zip(tile_axes(fig, len(wrong), cols), wrong):
            img = as_image(imgs[i])
            ax.imshow(img, cmap="gray" if img.ndim == 2 else None)
            ax.set_title(f"true {name(int(t[i]))}\npred {name(int(p[i]))}", fontsize=8,
                         color="firebrick")
    save_figure(fig, path)
    return fig
