"""Helpers shared by the viz tests (not a test module)."""
from __future__ import annotations

from pathlib import Path

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def image_axes(fig):
    """The axes of a figure that show an image (colour bars and empty axes excluded)."""
    return [ax for ax in fig.axes if ax.images]


def assert_png(path: Path) -> tuple[int, int]:
    """The file is a real, non-empty PNG; returns its (height, width) in pixels."""
    import matplotlib.image as mpimg

    data = Path(path).read_bytes()
    assert len(data) > 1000, f"{path} is only {len(data)} bytes"
    assert data[:8] == PNG_SIGNATURE
    pixels = mpimg.imread(str(path))
    assert pixels.ndim == 3 and pixels.shape[0] > 50 and pixels.shape[1] > 50
    assert pixels.std() > 0.01, "the PNG is a flat colour"
    return pixels.shape[0], pixels.shape[1]


def tiny_cnn(in_channels: int = 1, channels: tuple = (3, 4), classes: int = 5, size: int = 12,
             dtype=None):
    """conv(3x3) - ReLU - maxpool(2) - conv(3x3) - ReLU - flatten - linear, from minigrad.nn."""
    import minigrad as mg
    import minigrad.nn as nn

    c1, c2 = channels
    after = ((size - 2) // 2) - 2
    model = nn.Sequential(nn.Conv2d(in_channels, c1, 3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(c1, c2, 3), nn.ReLU(), nn.Flatten(),
                          nn.Linear(c2 * after * after, classes))
    if dtype is not None and dtype != mg.float32:
        model = model.to(dtype)
    return model
