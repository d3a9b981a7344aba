"""Training curves: the loss and accuracy of each epoch, train beside validation.

The gap between the two curves is how over-fitting shows itself: the
training loss keeps falling while the validation loss turns back up.
"""
from __future__ import annotations

import os
from typing import Any, Mapping

from ._figure import new_figure, save_figure, to_host

# What each curve may be called in a history, first match wins.
_ALIASES = {
    "train_loss": ("train_loss", "loss", "training_loss"),
    "val_loss": ("val_loss", "valid_loss", "validation_loss", "test_loss"),
    "train_acc": ("train_acc", "train_accuracy", "acc", "accuracy", "training_accuracy"),
    "val_acc": ("val_acc", "val_accuracy", "valid_acc", "validation_accuracy", "test_acc",
                "test_accuracy"),
}


def _as_columns(history: Any) -> dict[str, list]:
    """Accept a dict of lists, a list of per-epoch dicts, or an object holding either."""
    if isinstance(history, Mapping):
        return {str(k): v for k, v in history.items()}
    if isinstance(history, (list, tuple)) and history and all(isinstance(r, Mapping)
                                                              for r in history):
        keys: dict[str, list] = {}
        for row in history:
            for k in row:
                keys.setdefault(str(k), [])
        return {k: [row.get(k) for row in history] for k in keys}
    for method in ("as_dict", "to_dict", "state_dict"):
        if callable(getattr(history, method, None)):
            return _as_columns(getattr(history, method)())
    for attr in ("history", "records", "epochs"):
        inner = getattr(history, attr, None)
        if isinstance(inner, (Mapping, list, tuple)) and inner:
            return _as_columns(inner)
    found = {}
    for aliases in _ALIASES.values():
        for name in aliases:
            value = getattr(history, name, None)
            if isinstance(value, (list, tuple)) or hasattr(value, "__len__"):
                found[name] = value
    if found:
        return found
    raise TypeError(f"plot_history: expected a dict like {{'train_loss': [...], 'val_loss': "
                    f"[...]}}, a list of per-epoch dicts or a History object, got "
                    f"{type(history).__name__}")


def _curve(columns: dict[str, list], key: str) -> list | None:
    for name in _ALIASES[key]:
        values = columns.get(name)
        if values is not None and len(values) > 0:
            return [float("nan") if v is None else float(to_host(v)) for v in values]
    return None


def history_curves(history: Any) -> dict[str, list[float]]:
    """The four standard curves found in ``history`` (missing ones left out)."""
    columns = _as_columns(history)
    curves = {key: c for key in _ALIASES if (c := _curve(columns, key)) is not None}
    if not curves:
        raise ValueError(f"plot_history: found none of train_loss, val_loss, train_acc, val_acc "
                         f"in a history with keys {sorted(columns)}")
    return curves


def _epochs(history: Any, n: int) -> list:
    """The epoch numbers recorded with the history, else 1..n."""
    try:
        recorded = _as_columns(history).get("epoch")
    except TypeError:
        recorded = None
    if recorded is not None and len(recorded) == n:
        return [float(to_host(e)) for e in recorded]
    return list(range(1, n + 1))


def plot_history(history: Any, path: str | os.PathLike | None = None,
                 title: str | None = None) -> Any:
    """Loss (and accuracy, when recorded) per epoch, so over-fitting can be seen at a glance."""
    curves = history_curves(history)
    panels = [p for p in ("loss", "acc") if f"train_{p}" in curves or f"val_{p}" in curves]
    fig = new_figure("plot_history", (5.0 * len(panels), 3.8))
    for i, panel in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1)
        for split, style in (("train", "-o"), ("val", "--s")):
            values = curves.get(f"{split}_{panel}")
            if values is None:
                continue
            epochs = _epochs(history, len(values))
            label = "train" if split == "train" else "validation"
            ax.plot(epochs, values, style, markersize=3, label=label)
            seen = [j for j in range(len(values)) if values[j] == values[j]]  # not NaN
            if split == "val" and seen:
                best = (min if panel == "loss" else max)(seen, key=lambda j: values[j])
                ax.scatter([epochs[best]], [values[best]], s=60, facecolors="none",
                           edgecolors="black", zorder=3)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss" if panel == "loss" else "accuracy")
        ax.set_title("loss" if panel == "loss" else "accuracy")
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    save_figure(fig, path)
    return fig
