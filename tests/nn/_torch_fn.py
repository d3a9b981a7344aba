"""Run one function on minigrad and PyTorch tensors holding the same float64 values and compare
the outputs and every input's gradient (one random output gradient, the same for both)."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import minigrad as mg


def compare_fn(mg_fn: Callable[..., Any], torch_fn: Callable[..., Any], *inputs: np.ndarray,
               rtol: float = 1e-10, atol: float = 1e-12, seed: int = 0) -> None:
    """``mg_fn(*mg_tensors)`` against ``torch_fn(*torch_tensors)``, forward and backward."""
    torch = pytest.importorskip("torch")
    xs_mg = [mg.tensor(x, dtype=mg.float64, requires_grad=True) for x in inputs]
    xs_t = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    out_mg, out_t = mg_fn(*xs_mg), torch_fn(*xs_t)
    assert tuple(out_mg.shape) == tuple(out_t.shape)
    np.testing.assert_allclose(out_mg.detach().numpy(), out_t.detach().numpy(), rtol=rtol,
                               atol=atol)
    g = np.random.default_rng(seed).standard_normal(tuple(out_t.shape))
    out_mg.backward(mg.tensor(g, dtype=mg.float64))
    out_t.backward(torch.tensor(g, dtype=torch.float64))
    for i, (a, b) in enumerate(zip(xs_mg, xs_t)):
        if b.grad is None:
            assert a.grad is None or not np.any(a.grad.numpy()), f"input {i}"
            continue
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {i}")


def rand(shape: tuple, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)
