"""Window functions (hann, hamming, blackman, bartlett, kaiser), torch.gradient (declared for
the harness: gradcheck, gradgradcheck, NumPy's np.gradient as reference, float32, torch) and
torch.histogram, each against PyTorch over their options and edge cases.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from harness import OpSpec, OpSuite

WINDOWS = ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
           "kaiser_window"]
SHAPES = [((5, 4),), ((6,),), ((3, 4, 5),)]


def _shapes_at_least_3() -> st.SearchStrategy:
    return hnp.array_shapes(min_dims=1, max_dims=3, min_side=3, max_side=5).map(lambda s: (s,))


def _coords(n: int) -> np.ndarray:
    return np.cumsum(np.linspace(0.5, 1.5, n)) - 0.3  # uneven, increasing


class TestGradient(OpSuite):
    OPS = [
        OpSpec("gradient_dim0", lambda m, x: m.gradient(x, dim=0)[0],
               lambda x: np.gradient(x, axis=0), SHAPES, hyp_shapes=_shapes_at_least_3),
        OpSpec("gradient_all_spacing", lambda m, x: sum(m.gradient(x, spacing=0.5)),
               lambda x: sum(np.gradient(x, 0.5)) if x.ndim > 1 else np.gradient(x, 0.5),
               SHAPES, hyp_shapes=_shapes_at_least_3),
        OpSpec("gradient_edge2", lambda m, x: m.gradient(x, dim=-1, spacing=2.0, edge_order=2)[0],
               lambda x: np.gradient(x, 2.0, axis=-1, edge_order=2), SHAPES,
               hyp_shapes=_shapes_at_least_3),
        OpSpec("gradient_coordinates", lambda m, x: m.gradient(
            x, spacing=[m.tensor(_coords(x.shape[0]))], dim=0, edge_order=2)[0],
            lambda x: np.gradient(x, _coords(x.shape[0]), axis=0, edge_order=2), SHAPES,
            hyp_shapes=_shapes_at_least_3,
            torch_fn=lambda torch, x: torch.gradient(
                x, spacing=[torch.tensor(_coords(x.shape[0]))], dim=0, edge_order=2)[0]),
        OpSpec("gradient_coordinates_edge1", lambda m, x: m.gradient(
            x, spacing=(m.tensor(_coords(x.shape[-1])),), dim=[-1])[0],
            lambda x: np.gradient(x, _coords(x.shape[-1]), axis=-1), SHAPES,
            hyp_shapes=_shapes_at_least_3,
            torch_fn=lambda torch, x: torch.gradient(
                x, spacing=(torch.tensor(_coords(x.shape[-1])),), dim=[-1])[0]),
    ]


# --- windows ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", WINDOWS)
@pytest.mark.parametrize("periodic", [True, False])
def test_windows_match_torch(name: str, periodic: bool) -> None:
    torch = pytest.importorskip("torch")
    for n in (0, 1, 2, 5, 16, 33):
        for dtype, tdtype in ((mg.float64, torch.float64), (mg.float32, torch.float32)):
            out = getattr(mg, name)(n, periodic, dtype=dtype)
            expected = getattr(torch, name)(n, periodic, dtype=tdtype)
            assert out.dtype == dtype and tuple(out.shape) == tuple(expected.shape)
            # torch computes float32 windows in float32 (errors of a few 1e-8 on values in
            # [0, 1]); ours are rounded once from float64
            rtol, atol = (1e-12, 1e-15) if dtype == mg.float64 else (2e-6, 1.2e-7)
            np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=rtol, atol=atol,
                                       err_msg=f"{name} n={n}")


def test_window_options_match_torch() -> None:
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(mg.hamming_window(10, False, 0.6, 0.3, dtype=mg.float64).numpy(),
                               torch.hamming_window(10, False, 0.6, 0.3, dtype=torch.float64).numpy(),
                               rtol=1e-13)
    for beta in (0.0, 5.0, 40.0, 300.0):
        np.testing.assert_allclose(mg.kaiser_window(12, True, beta, dtype=mg.float64).numpy(),
                                   torch.kaiser_window(12, True, beta, dtype=torch.float64).numpy(),
                                   rtol=1e-12, atol=1e-300, err_msg=f"beta={beta}")
    # beyond beta ~ 710 torch's I0(beta) overflows (nan window); ours uses the scaled i0e
    big = mg.kaiser_window(12, True, 800.0, dtype=mg.float64).numpy()
    mpmath = pytest.importorskip("mpmath")
    n = np.arange(12)
    ratio = 2 * n / 12 - 1
    expected = [float(mpmath.besseli(0, 800 * mpmath.sqrt(1 - mpmath.mpf(r) ** 2))
                      / mpmath.besseli(0, 800)) for r in ratio]
    np.testing.assert_allclose(big, expected, rtol=1e-11, atol=0)
    assert mg.hann_window(4).dtype == mg.float32
    w = mg.hann_window(4, requires_grad=True)
    assert w.requires_grad and w.is_leaf and w.device == mg.get_default_device()


def test_window_errors() -> None:
    with pytest.raises(RuntimeError, match="hann_window expects floating point"):
        mg.hann_window(4, dtype=mg.int64)
    with pytest.raises(RuntimeError, match="kaiser_window requires non-negative window_length"):
        mg.kaiser_window(-1)


# --- gradient ----------------------------------------------------------------------------------
def test_gradient_options_match_torch() -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((4, 5, 3))
    cases = [dict(), dict(dim=1), dict(dim=(0, 2), spacing=[0.5, 3.0]), dict(spacing=2.0, edge_order=2),
             dict(dim=-1, spacing=[torch.tensor([0.0, 1.0, 3.0], dtype=torch.float64)], edge_order=2),
             dict(dim=[0], spacing=(4.0,))]
    for kwargs in cases:
        expected = torch.gradient(torch.tensor(x), **kwargs)
        mkw = {k: ([mg.tensor(s.numpy()) if isinstance(s, torch.Tensor) else s for s in v]
                   if k == "spacing" and isinstance(v, (list, tuple)) else v)
               for k, v in kwargs.items()}
        out = mg.gradient(mg.tensor(x, dtype=mg.float64), **mkw)
        assert isinstance(out, tuple) and len(out) == len(expected)
        for o, e in zip(out, expected):
            np.testing.assert_allclose(o.numpy(), e.numpy(), rtol=1e-13, atol=1e-15,
                                       err_msg=str(kwargs))
    ints = mg.gradient(mg.tensor([1, 4, 9, 16]))[0]
    assert ints.dtype == mg.float32
    np.testing.assert_allclose(ints.numpy(), torch.gradient(torch.tensor([1.0, 4, 9, 16]))[0].numpy())


def test_gradient_errors() -> None:
    x = mg.randn(2, 5)
    with pytest.raises(RuntimeError, match="at least edge_order\\+1"):
        mg.gradient(x, dim=0, edge_order=2)
    with pytest.raises(ValueError, match="edge_order"):
        mg.gradient(x, edge_order=3)
    with pytest.raises(RuntimeError, match="same length"):
        mg.gradient(x, spacing=[1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="size of its dim"):
        mg.gradient(x, spacing=[mg.zeros(4)], dim=1)
    with pytest.raises(RuntimeError, match="one dimension"):
        mg.gradient(x, spacing=[mg.tensor(2.0)], dim=1)
    with pytest.raises(IndexError, match="gradient: dim 2"):
        mg.gradient(x, dim=2)
    with pytest.raises(RuntimeError, match="at least one dimension"):
        mg.gradient(mg.tensor(1.0))


# --- histogram ---------------------------------------------------------------------------------
def test_histogram_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 7))
    w = rng.uniform(0, 2, (6, 7))
    edges = np.array([-2.0, -0.5, 0.0, 0.1, 1.5])
    cases = [(5, {}), (3, {"range": (-1.0, 1.0)}), (4, {"density": True}),
             (4, {"weight": w}), (4, {"weight": w, "density": True, "range": (0.0, 2.0)}),
             (edges, {}), (edges, {"weight": w, "density": True})]
    for dtype, tdtype in ((mg.float64, torch.float64), (mg.float32, torch.float32)):
        for bins, kwargs in cases:
            mk = {k: (mg.tensor(v, dtype=dtype) if k == "weight" else v) for k, v in kwargs.items()}
            tk = {k: (torch.tensor(v, dtype=tdtype) if k == "weight" else v) for k, v in kwargs.items()}
            mb = mg.tensor(bins, dtype=dtype) if isinstance(bins, np.ndarray) else bins
            tb = torch.tensor(bins, dtype=tdtype) if isinstance(bins, np.ndarray) else bins
            out = mg.histogram(mg.tensor(x, dtype=dtype), mb, **mk)
            expected = torch.histogram(torch.tensor(x, dtype=tdtype), tb, **tk)
            assert out.hist.dtype == dtype and out.bin_edges.dtype == dtype
            rtol = 1e-12 if dtype == mg.float64 else 1e-5
            np.testing.assert_allclose(out.hist.numpy(), expected.hist.numpy(), rtol=rtol)
            np.testing.assert_allclose(out.bin_edges.numpy(), expected.bin_edges.numpy(), rtol=rtol)
    for values in ([2.0, 2.0, 2.0], [], [[1.0, 2.0], [3.0, 4.0]]):
        out = mg.tensor(values, dtype=mg.float64).histogram(4)
        expected = torch.histogram(torch.tensor(values, dtype=torch.float64), 4)
        np.testing.assert_array_equal(out.hist.numpy(), expected.hist.numpy())
        np.testing.assert_allclose(out.bin_edges.numpy(), expected.bin_edges.numpy(), rtol=1e-15)
    hist, bin_edges = mg.histogram(mg.tensor([1.0, 2.0, 2.5]), 2)
    assert hist.tolist() == [1.0, 2.0] and bin_edges.tolist() == [1.0, 1.75, 2.5]


def test_histogram_errors() -> None:
    with pytest.raises(NotImplementedError, match="histogram: not implemented for int64"):
        mg.histogram(mg.tensor([1, 2]), 3)
    with pytest.raises(RuntimeError, match="min should not exceed max"):
        mg.histogram(mg.tensor([1.0, 2.0]), 3, range=(3.0, 1.0))
    with pytest.raises(RuntimeError, match="bins must be > 0"):
        mg.histogram(mg.tensor([1.0]), 0)
    with pytest.raises(RuntimeError, match="same shape"):
        mg.histogram(mg.tensor([1.0, 2.0]), 2, weight=mg.tensor([1.0]))
