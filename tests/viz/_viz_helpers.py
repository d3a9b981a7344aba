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
    """conv(3x3) - ReLU - maxpool(2) - conv(3x3) - ReLU - flatten - linear, from minigrad.nn.

    Falls back to the local ``_Conv2d`` / ``_MaxPool2d`` (core ops only) while nn has no
    convolution yet, so the viz tests do not wait on it.
    """
    import minigrad as mg
    import minigrad.nn as nn

    conv = getattr(nn, "Conv2d", _Conv2d)
    pool = getattr(nn, "MaxPool2d", _MaxPool2d)
    c1, c2 = channels
    after = ((size - 2) // 2) - 2
    model = nn.Sequential(conv(in_channels, c1, 3), nn.ReLU(), pool(2), conv(c1, c2, 3),
                          nn.ReLU(), nn.Flatten(), nn.Linear(c2 * after * after, classes))
    if dtype is not None and dtype != mg.float32:
        model = model.to(dtype)
    return model


def _make_core_layers():
    import minigrad as mg
    import minigrad.nn as nn

    class _Conv2d(nn.Module):
        """Stride-1, unpadded convolution from slicing and matmul (test stand-in)."""

        def __init__(self, in_channels, out_channels, kernel_size):
            super().__init__()
            k = kernel_size
            bound = 1.0 / (in_channels * k * k) ** 0.5
            self.weight = nn.Parameter(mg.rand(out_channels, in_channels, k, k) * (2 * bound)
                                       - bound)
            self.bias = nn.Parameter(mg.rand(out_channels) * (2 * bound) - bound)
            self.k = k

        def forward(self, x):
            n, c, h, w = x.shape
            k, ho, wo = self.k, x.shape[2] - self.k + 1, x.shape[3] - self.k + 1
            cols = mg.stack([x[:, :, i:i + ho, j:j + wo] for i in range(k) for j in range(k)],
                            dim=2)  # (N, C, k*k, Ho, Wo)
            cols = cols.reshape(n, c * k * k, ho * wo)
            out = self.weight.reshape(self.weight.shape[0], -1) @ cols
            return out.reshape(n, -1, ho, wo) + self.bias.reshape(1, -1, 1, 1)

    class _MaxPool2d(nn.Module):
        def __init__(self, kernel_size):
            super().__init__()
            self.kernel_size = kernel_size

        def forward(self, x):
            n, c, h, w = x.shape
            k = self.kernel_size
            return x.reshape(n, c, h // k, k, w // k, k).amax(dim=(3, 5))

    return _Conv2d, _MaxPool2d


_Conv2d, _MaxPool2d = _make_core_layers()
