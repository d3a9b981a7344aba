"""``F.unfold`` (im2col) and ``F.fold`` (col2im): sliding blocks out of an image, and back.

The im2col picture. Slide a kh x kw window over a (C, H, W) image (after zero padding,
with a stride between window positions and a dilation between the window's taps). Every
window position ``l`` sees C*kh*kw numbers; write them down as *one column*::

        image (C=1, 3x3)          kernel 2x2, stride 1 -> 4 windows -> columns l = 0..3

        a b c                     l:  0  1  2  3
        d e f        unfold       ---------------
        g h i        ------>  tap 0:  a  b  d  e      (window's top-left)
                              tap 1:  b  c  e  f      (top-right)
                              tap 2:  d  e  g  h      (bottom-left)
                              tap 3:  e  f  h  i      (bottom-right)

So ``unfold`` turns (N, C, H, W) into (N, C*kh*kw, L), rows ordered (channel, kernel row,
kernel column), L = Ho*Wo window positions in row-major order. A convolution is then one
matrix product, ``weight.view(O, C*kh*kw) @ columns``, which is exactly how
``ops/convolution.py`` computes ``conv2d`` (there with a channels-last layout and the
bias folded into the product, for speed).

``fold`` goes the other way: it takes such columns and adds every entry back to the pixel
it came from. A pixel seen by several windows (``e`` above, in all four) receives the *sum*
of its copies, so fold(unfold(x)) is x times the number of windows covering each pixel, not
x. That sum is what makes the two each other's adjoint: <unfold(x), y> = <x, fold(y)> for
all x, y, because both sides add up x[p] * y[tap, l] over every (pixel, window, tap) that
meet. Hence unfold's backward is a fold of the output gradient and fold's backward an
unfold, and since both are linear, their double backwards are the same two ops again
(gradgradcheck checks it).

Array technique: the padded image's windows are a strided *view* (N, C, kh, kw, Ho, Wo):
moving one tap down steps ``dilation`` rows, one window down ``stride`` rows, no copy.
unfold copies that view once into the column matrix; fold adds, for each of the kh*kw taps,
one (N, C, Ho, Wo) block into the strided slice of the output it came from (a Python loop
over taps only, never over pixels).
"""
from __future__ import annotations

from typing import Any, NamedTuple

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor


class FoldGeometry(NamedTuple):
    """The sizes unfold and fold both need; the same geometry describes a pair of adjoints."""

    image: tuple      # (H, W), unpadded
    kernel: tuple     # (kh, kw)
    dilation: tuple   # (dh, dw)
    padding: tuple    # (ph, pw), on both sides
    stride: tuple     # (sh, sw)
    blocks: tuple     # (Ho, Wo): window positions along each axis


def _windows(padded: Any, geo: FoldGeometry, backend: Any) -> Any:
    """(N, C, H + 2ph, W + 2pw) array -> (N, C, kh, kw, Ho, Wo) strided view of its windows."""
    s_n, s_c, s_h, s_w = padded.strides
    (kh, kw), (dh, dw), (sh, sw), (ho, wo) = geo.kernel, geo.dilation, geo.stride, geo.blocks
    return backend.as_strided(padded, padded.shape[:2] + (kh, kw, ho, wo),
                              (s_n, s_c, dh * s_h, dw * s_w, sh * s_h, sw * s_w))


def im2col(x: Any, geo: FoldGeometry, backend: Any) -> Any:
    """(N, C, H, W) array -> (N, C*kh*kw, Ho*Wo) columns (one copy of the windows' view)."""
    n, c = x.shape[:2]
    (h, w), (ph, pw) = geo.image, geo.padding
    if ph or pw:
        padded = backend.xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
        padded[:, :, ph:ph + h, pw:pw + w] = x
        x = padded
    (kh, kw), (ho, wo) = geo.kernel, geo.blocks
    return _windows(x, geo, backend).reshape(n, c * kh * kw, ho * wo)


def col2im(cols: Any, geo: FoldGeometry, backend: Any) -> Any:
    """(N, C*kh*kw, Ho*Wo) columns -> (N, C, H, W): each tap's block added into its strided
    slice of the padded image, overlaps summing; the padding is cut off at the end."""
    n = cols.shape[0]
    (h, w), (kh, kw), (dh, dw) = geo.image, geo.kernel, geo.dilation
    (ph, pw), (sh, sw), (ho, wo) = geo.padding, geo.stride, geo.blocks
    c = cols.shape[1] // (kh * kw)
    blocks = cols.reshape(n, c, kh, kw, ho, wo)
    out = backend.xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
        for j in range(kw):
            columns = slice(j * dw, j * dw + sw * (wo - 1) + 1, sw)
            out[:, :, rows, columns] += blocks[:, :, i, j]
    return out[:, :, ph:ph + h, pw:pw + w]


class Im2Col(Function):
    """unfold: its backward is a fold (its adjoint), so gradients of any order stay linear."""

    @staticmethod
    def forward(ctx, x, geo):
        ctx.geo = geo
        return im2col(x.array, geo, x.backend)

    @staticmethod
    def backward(ctx, grad):
        return Col2Im.apply(grad, ctx.geo), None


class Col2Im(Function):
    """fold: its backward is an unfold (its adjoint)."""

    @staticmethod
    def forward(ctx, cols, geo):
        ctx.geo = geo
        return col2im(cols.array, geo, cols.backend)

    @staticmethod
    def backward(ctx, grad):
        return Im2Col.apply(grad, ctx.geo), None


# --- argument checks and the public functions -----------------------------------------------
def _pair(value: Any, name: str, op: str, low: int) -> tuple:
    """An int or a pair of ints, each at least ``low``, as PyTorch's _pair accepts."""
    pair = (value, value) if isinstance(value, int) else tuple(value) \
        if isinstance(value, (tuple, list)) else None
    if pair is None or len(pair) != 2 or not all(isinstance(v, int) and not isinstance(v, bool)
                                                 for v in pair):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(pair) < low:
        kind = "non-negative" if low == 0 else "greater than zero"
        raise RuntimeError(f"{op}: {name} should be {kind}, got {name}={pair}")
    return pair


def _geometry(image: Any, kernel_size: Any, dilation: Any, padding: Any, stride: Any,
              op: str) -> FoldGeometry:
    image = _pair(image, "output_size", op, 0) if op == "fold" else tuple(image)
    kernel, dilation = _pair(kernel_size, "kernel_size", op, 1), _pair(dilation, "dilation", op, 1)
    padding, stride = _pair(padding, "padding", op, 0), _pair(stride, "stride", op, 1)
    blocks = tuple((size + 2 * p - d * (k - 1) - 1) // s + 1
                   for size, k, d, p, s in zip(image, kernel, dilation, padding, stride))
    return FoldGeometry(image, kernel, dilation, padding, stride, blocks)


def _describe(geo: FoldGeometry) -> str:
    return (f"kernel_size={geo.kernel}, dilation={geo.dilation}, padding={geo.padding}, "
            f"stride={geo.stride}")


def _floating(x: Any, op: str, ranks: tuple, layouts: tuple) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(x).__name__}")
    if x.ndim not in ranks:
        raise RuntimeError(f"{op}: expected a {ranks[0]}-D {layouts[0]} or {ranks[1]}-D "
                           f"{layouts[1]} input, got shape {tuple(x.shape)}")
    if not dtypes.is_floating(x.dtype):
        raise NotImplementedError(f"{op}: not implemented for {x.dtype} tensors (shape "
                                  f"{tuple(x.shape)}); convert with .float() first")


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0,  # noqa: A002
           stride: Any = 1) -> Tensor:
    """im2col: every sliding kh x kw block of an (N, C, H, W) or (C, H, W) input as a column
    of an (N, C*kh*kw, L) output, so that a convolution becomes one matrix product."""
    _floating(input, "unfold", (3, 4), ("(C, H, W)", "(N, C, H, W)"))
    batched = input if input.ndim == 4 else input.unsqueeze(0)
    geo = _geometry(batched.shape[2:], kernel_size, dilation, padding, stride, "unfold")
    if min(geo.blocks) < 1:
        raise RuntimeError(f"unfold: input with spatial size {geo.image}, {_describe(geo)} gives "
                           f"{geo.blocks} sliding blocks; each must be at least one")
    out = Im2Col.apply(batched, geo)
    return out if input.ndim == 4 else out.squeeze(0)


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1,  # noqa: A002
         padding: Any = 0, stride: Any = 1) -> Tensor:
    """col2im: columns (N, C*kh*kw, L) or (C*kh*kw, L) back into (N, C, H, W) images, adding
    up the values that overlapping blocks give the same pixel (unfold's adjoint)."""
    _floating(input, "fold", (2, 3), ("(C*kh*kw, L)", "(N, C*kh*kw, L)"))
    batched = input if input.ndim == 3 else input.unsqueeze(0)
    geo = _geometry(output_size, kernel_size, dilation, padding, stride, "fold")
    taps = geo.kernel[0] * geo.kernel[1]
    if batched.shape[1] % taps:
        raise RuntimeError(f"fold: expected the input's dimension {input.ndim - 2} to be divisible "
                           f"by the product of kernel_size {geo.kernel}, got input of shape "
                           f"{tuple(input.shape)}")
    blocks = max(geo.blocks[0], 0) * max(geo.blocks[1], 0)
    if batched.shape[2] != blocks or blocks == 0:
        raise RuntimeError(f"fold: output_size={geo.image}, {_describe(geo)} give "
                           f"{geo.blocks[0]} * {geo.blocks[1]} = {blocks} sliding blocks, but "
                           f"the input of shape {tuple(input.shape)} has {batched.shape[2]}")
    out = Col2Im.apply(batched, geo)
    return out if input.ndim == 3 else out.squeeze(0)
