"""Run a minigrad layer and its PyTorch twin on the same input and weights; compare everything
(``compare_with_torch``), or one function on both (``compare_fn``).

Weights go from PyTorch to minigrad through ``state_dict`` with ``strict=True``, so
a test that uses this helper also proves the two layers' state_dict keys match.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import minigrad as mg


def copy_torch_weights(mg_module: Any, torch_module: Any) -> None:
    """Load a torch module's state_dict into a minigrad module by name (keys must match)."""
    state = {k: mg.tensor(v.detach().cpu().numpy()) for k, v in torch_module.state_dict().items()}
    mg_module.load_state_dict(state, strict=True)
    assert list(mg_module.state_dict()) == list(torch_module.state_dict())


def compare_fn(mg_fn: Callable[..., Any], torch_fn: Callable[..., Any], *inputs: np.ndarray,
               rtol: float = 1e-10, atol: float = 1e-12, seed: int = 0) -> None:
    """``mg_fn(*mg_tensors)`` against ``torch_fn(*torch_tensors)`` on the same float64 values:
    outputs, then every input's gradient for one random output gradient (the same for both)."""
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


def compare_with_torch(mg_module: Any, torch_module: Any, *inputs: np.ndarray,
                       rtol: float = 1e-7, atol: float = 1e-10, seed: int = 0) -> None:
    """Forward and backward in float64: outputs, input grads and every parameter's grad."""
    mg_module.double()
    torch_module.double()
    copy_torch_weights(mg_module, torch_module)
    compare_fn(mg_module, torch_module, *inputs, rtol=rtol, atol=atol, seed=seed)
    mg_params = dict(mg_module.named_parameters())
    torch_params = dict(torch_module.named_parameters())
    assert list(mg_params) == list(torch_params)
    for name, p in torch_params.items():
        np.testing.assert_allclose(mg_params[name].grad.numpy(), p.grad.numpy(), rtol=rtol,
                                   atol=atol, err_msg=f"gradient of parameter {name}")
