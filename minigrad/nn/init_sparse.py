"""``nn.init.sparse_``: a 2-D weight with a fraction of each column zeroed (Martens 2010's
sparse initialisation for deep nets), the rest N(0, std^2)."""
from __future__ import annotations

import math
from typing import Any

from ..autograd.grad_mode import no_grad
from ..random import draws, permutation
from ..tensor import Tensor


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator: Any = None) -> Tensor:
    """Fill with N(0, std^2), then zero ceil(sparsity * rows) random rows of every column.

    Unlike torch (whose zeroed rows come from the global stream even with a generator),
    ``generator`` drives both draws, so a generator alone makes the result repeatable."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"init.sparse_: expected a Tensor, got {type(tensor).__name__}")
    if tensor.ndim != 2:
        raise ValueError(f"init.sparse_: only tensors with 2 dimensions are supported, got "
                         f"shape {tuple(tensor.shape)}")
    if not 0 <= sparsity <= 1:
        raise ValueError(f"init.sparse_: sparsity must be in [0, 1], got {sparsity}")
    rng = draws(generator, tensor.device, "init.sparse_")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    with no_grad():
        tensor.normal_(0.0, float(std), generator=generator)
        for col in range(cols):
            zero_rows = permutation(rng, tensor.backend, rows)[:num_zeros]
            tensor.array[zero_rows, col] = 0
    return tensor
