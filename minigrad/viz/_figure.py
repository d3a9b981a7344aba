"""The plumbing every picture shares: a headless figure, an atomic PNG, host copies of tensors.

matplotlib is imported here, inside functions, so ``import minigrad.viz`` works
without it. Figures are built on ``matplotlib.figure.Figure`` with an Agg canvas
attached directly: no pyplot, no global backend switch, no figure registry that
keeps every plot alive, and nothing needs a display.
"""
from __future__ import annotations

import math
import os
from typing import Any

from ..atomic import atomic_write


def require_matplotlib(op: str) -> Any:
    """Import matplotlib or say which extra installs it."""
    try:
        import matplotlib
    except ImportError as exc:  # pragma: no cover - exercised only without matplotlib
        raise ImportError(f"{op} needs matplotlib: pip install matplotlib "
                          "(or pip install minigrad[viz])") from exc
    return matplotlib


def new_figure(op: str, figsize: tuple[float, float], **kwargs: Any) -> Any:
    """A Figure drawing on the Agg canvas, whatever backend the user has selected."""
    require_matplotlib(op)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, **kwargs)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Any, path: str | os.PathLike | None, dpi: int = 100) -> None:
    """Write ``fig`` to ``path`` atomically (temp file, then rename); PNG unless the suffix says."""
    if path is None:
        return
    fmt = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
    fmt = fmt if fmt in fig.canvas.get_supported_filetypes() else "png"
    atomic_write(path, lambda fh: fig.savefig(fh, format=fmt, dpi=dpi, bbox_inches="tight"))


def to_host(value: Any) -> Any:
    """A NumPy copy of a Tensor (detached, from any device), array or nested list."""
    import numpy as np

    from ..tensor import Tensor
    if isinstance(value, Tensor):
        return value.detach().to_numpy()
    if hasattr(value, "get") and type(value).__module__.startswith("cupy"):
        return value.get()
    return np.asarray(value)


def grid_shape(n: int, ncols: int | None = None) -> tuple[int, int]:
    """Rows and columns of a near-square grid holding ``n`` tiles."""
    if n <= 0:
        return 0, 0
    cols = ncols if ncols else math.ceil(math.sqrt(n))
    cols = min(cols, n)
    return math.ceil(n / cols), cols


def tile_axes(fig_or_subfig: Any, n: int, ncols: int | None = None) -> list:
    """``n`` bare image axes in a grid: one per tile, so ``len(fig.axes)`` counts the tiles."""
    rows, cols = grid_shape(n, ncols)
    axes = []
    for i in range(n):
        ax = fig_or_subfig.add_subplot(rows, cols, i + 1)
        ax.set_xticks([])
        ax.set_yticks([])
        axes.append(ax)
    return axes


def as_image(array: Any) -> Any:
    """(H, W), (1, H, W), (3, H, W) or (1, C, H, W) -> what imshow takes: (H, W) or (H, W, 3)."""
    a = to_host(array)
    while a.ndim > 3 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 3 and a.shape[0] == 1:
        a = a[0]
    elif a.ndim == 3 and a.shape[0] == 3:
        a = a.transpose(1, 2, 0)
        lo, hi = float(a.min()), float(a.max())
        a = (a - lo) / (hi - lo) if hi > lo else a * 0.0
    elif a.ndim == 3 and a.shape[-1] in (1, 3):
        a = a[..., 0] if a.shape[-1] == 1 else a
    if a.ndim not in (2, 3):
        raise ValueError(f"viz: expected an image of shape (H, W), (C, H, W) or (1, C, H, W) "
                         f"with C in (1, 3), got shape {tuple(to_host(array).shape)}")
    return a
