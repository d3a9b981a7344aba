"""The harness's checks (gradcheck incl. non-contiguous inputs, gradgradcheck, NumPy reference,
float32, hypothesis over shapes, torch) for F.pad's modes and for unfold / fold. NumPy's
'reflect', 'edge' and 'wrap' are torch's 'reflect', 'replicate' and 'circular'."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import minigrad.nn.functional as F
from tests.harness import OpSpec, OpSuite

NP_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _pad_spec(mode: str, pad: tuple) -> OpSpec:
    """Pads the last len(pad)//2 dims of batched and unbatched inputs; sizes >= 4 > any pad."""
    dims = len(pad) // 2
    widths = [(pad[2 * i], pad[2 * i + 1]) for i in range(dims)][::-1]

    def ref(x):
        return np.pad(x, [(0, 0)] * (x.ndim - dims) + widths, mode=NP_MODE[mode])
    rank = dims + 2
    return OpSpec(f"pad_{mode}_{len(pad)}", lambda m, x: F.pad(x, pad, mode=mode), ref,
                  [((2, 2) + (4,) * dims,), ((2,) + (5,) * dims,)],
                  torch_fn=lambda t, x: t.nn.functional.pad(x, pad, mode=mode),
                  hyp_shapes=lambda: st.lists(st.integers(4, 6), min_size=rank, max_size=rank)
                  .map(lambda s: (tuple(s),)), max_dims=dims + 2)


def _unfold_ref(x, k, p, s):
    """Loops over the windows: rows (channel, kernel row, kernel column), columns row-major."""
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    ho, wo = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    out = np.empty((n, c * k * k, ho * wo))
    for i in range(ho):
        for j in range(wo):
            out[:, :, i * wo + j] = xp[:, :, i * s:i * s + k, j * s:j * s + k].reshape(n, -1)
    return out


def _fold_ref(cols, size, k, p, s):
    n, ck, _ = cols.shape
    c, (h, w) = ck // (k * k), size
    out = np.zeros((n, c, h + 2 * p, w + 2 * p))
    wo = (w + 2 * p - k) // s + 1
    for idx in range(cols.shape[2]):
        i, j = divmod(idx, wo)
        out[:, :, i * s:i * s + k, j * s:j * s + k] += cols[:, :, idx].reshape(n, c, k, k)
    return out[:, :, p:p + h, p:p + w]


class TestPaddingFoldOps(OpSuite):
    # each mode with one rank of padding (tests/nn/test_padding.py crosses them all with torch)
    OPS = [_pad_spec("reflect", (1, 2)), _pad_spec("replicate", (2, 1, 0, 3)),
           _pad_spec("circular", (1, 0, 2, 1, 1, 1)), _pad_spec("reflect", (3, 0, 1, 2))] + [
        OpSpec("unfold", lambda m, x: F.unfold(x, 2, padding=1, stride=2),
               lambda x: _unfold_ref(x, 2, 1, 2), [((2, 3, 4, 5),), ((1, 2, 3, 3),)],
               torch_fn=lambda t, x: t.nn.functional.unfold(x, 2, padding=1, stride=2),
               hyp_shapes=lambda: st.tuples(st.integers(1, 2), st.integers(1, 3),
                                            st.integers(2, 6), st.integers(2, 6))
               .map(lambda s: (s,))),
        OpSpec("fold", lambda m, y: F.fold(y, (4, 5), 2, padding=1, stride=2),
               lambda y: _fold_ref(y, (4, 5), 2, 1, 2), [((2, 12, 9),), ((1, 4, 9),)],
               torch_fn=lambda t, y: t.nn.functional.fold(y, (4, 5), 2, padding=1, stride=2),
               hyp_shapes=lambda: st.tuples(st.integers(1, 2), st.sampled_from([4, 8, 12]),
                                            st.just(9)).map(lambda s: (s,))),
    ]
