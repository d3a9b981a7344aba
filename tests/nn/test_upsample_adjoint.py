"""Resizing's backward is a gather along transposed taps (``_transpose_taps``): checked against
the dense matrix of the forward taps (transposed), for every mode, up and down, with input rows
nobody reads; an infinite gradient stays in the rows that read it (padding taps are set to 0,
not multiplied by it), as in PyTorch; float32 stays float32."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn.functional import interpolate
from minigrad.ops.upsample import (_cubic_taps, _linear_taps, _nearest_taps,
                                   _transpose_taps)


def _dense(taps: tuple, in_size: int) -> np.ndarray:
    """(out, in): the matrix the taps apply along their axis (padding taps contribute 0)."""
    out_size = taps[0][0].shape[0]
    matrix = np.zeros((out_size, in_size))
    for index, weight, empty in taps:
        w = np.ones(out_size) if weight is None else weight.astype(np.float64)
        if empty is not None:
            w[empty] = 0
        np.add.at(matrix, (np.arange(out_size), index), w)
    return matrix


F64 = np.dtype(np.float64)
TAPS = {
    "nearest up": lambda n, m: _nearest_taps(np, n, m, None, False, True),
    "nearest-exact": lambda n, m: _nearest_taps(np, n, m, None, True, False),
    "linear": lambda n, m: _linear_taps(np, n, m, None, False, F64),
    "linear align_corners": lambda n, m: _linear_taps(np, n, m, None, True, F64),
    "cubic": lambda n, m: _cubic_taps(np, n, m, None, False, F64),
}


@pytest.mark.parametrize("sizes", [(5, 10), (7, 3), (9, 4), (4, 11), (6, 6), (1, 4), (8, 1)],
                         ids=str)
@pytest.mark.parametrize("kind", list(TAPS))
def test_transposed_taps_are_the_transposed_matrix(kind, sizes):
    n, m = sizes
    taps = TAPS[kind](n, m)
    adjoint = _transpose_taps(np, taps, n, F64)
    assert all(index.shape == (n,) for index, _, _ in adjoint)
    np.testing.assert_array_equal(_dense(adjoint, m), _dense(taps, n).T)


def test_rows_nobody_reads_get_exactly_zero():
    x = mg.tensor(np.arange(10.0).reshape(1, 1, 10), requires_grad=True)
    interpolate(x, size=3, mode="nearest").sum().backward()  # reads rows 0, 3 and 6
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [1, 0, 0, 1, 0, 0, 1, 0, 0, 0])


@pytest.mark.parametrize("mode", ["linear", "nearest"])
def test_an_infinite_gradient_stays_in_the_rows_that_read_it(mode):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((1, 2, 6)).astype(np.float32)
    g = np.ones((1, 2, 12), dtype=np.float32)
    g[..., 0] = np.inf
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    interpolate(xm, scale_factor=2, mode=mode).backward(mg.tensor(g))
    torch.nn.functional.interpolate(xt, scale_factor=2, mode=mode).backward(torch.tensor(g))
    assert xm.grad.dtype == mg.float32
    assert np.isinf(xm.grad.numpy()[..., 0]).all()
    assert np.isfinite(xm.grad.numpy()[..., 1:]).all()
    # PyTorch's linear backward also adds output 0's zero-weight tap (0 * inf = NaN) into row
    # 1, which output 0 does not depend on; minigrad drops zero weights, so row 1 stays finite.
    start = 2 if mode == "linear" else 1
    np.testing.assert_allclose(xm.grad.numpy()[..., start:], xt.grad.numpy()[..., start:],
                               rtol=1e-6)
    np.testing.assert_array_equal(xm.grad.numpy()[..., 0], xt.grad.numpy()[..., 0])
