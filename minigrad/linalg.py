"""``minigrad.linalg``: torch.linalg's names for the decompositions and the functions built on
them (minigrad/ops/linalg_decomp.py), plus cross, matmul and matrix_power."""
from .ops.linalg import matmul
from .ops.linalg_decomp import (LinAlgError, cholesky, det, eigh, eigvalsh, inv, lstsq,
                                matrix_norm, matrix_rank, norm, pinv, qr, slogdet, solve, svd,
                                svdvals, vector_norm)
from .ops.products import linalg_cross as cross
from .ops.products import matrix_power

__all__ = ["LinAlgError", "cholesky", "cross", "det", "eigh", "eigvalsh", "inv", "lstsq",
           "matmul", "matrix_norm", "matrix_power", "matrix_rank", "norm", "pinv", "qr",
           "slogdet", "solve", "svd", "svdvals", "vector_norm"]
