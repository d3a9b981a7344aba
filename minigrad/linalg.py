"""``minigrad.linalg``: torch.linalg's names for the decompositions and the functions built on
them (minigrad/ops/linalg_decomp.py), plus cross, matmul and matrix_power; LU
(ops/linalg_lu.py), triangular solves (ops/linalg_triangular.py), matrix_exp, the
compositions vecdot, multi_dot, cond, diagonal, vander, tensorinv, tensorsolve
(ops/linalg_compose.py) and the info-reporting inv_ex, cholesky_ex, solve_ex
(ops/linalg_ex.py)."""
from .ops.linalg import matmul
from .ops.linalg_decomp import (LinAlgError, cholesky, det, eigh, eigvalsh, inv, lstsq,
                                matrix_norm, matrix_rank, norm, pinv, qr, slogdet, solve, svd,
                                svdvals, vector_norm)
from .ops.products import linalg_cross as cross
from .ops.products import matrix_power
from .ops.linalg_compose import cond, diagonal, multi_dot, tensorinv, tensorsolve, vander, vecdot
from .ops.linalg_ex import cholesky_ex, inv_ex, solve_ex
from .ops.linalg_lu import lu, lu_factor, lu_factor_ex, lu_solve
from .ops.linalg_triangular import solve_triangular
from .ops.matrix_exp import matrix_exp

__all__ = ["LinAlgError", "cholesky", "cross", "det", "eigh", "eigvalsh", "inv", "lstsq",
           "matmul", "matrix_norm", "matrix_power", "matrix_rank", "norm", "pinv", "qr",
           "slogdet", "solve", "svd", "svdvals", "vector_norm",
           "cond", "diagonal", "lu", "lu_factor", "lu_factor_ex", "lu_solve", "matrix_exp", "multi_dot",
           "solve_triangular", "vecdot", "vander", "tensorinv", "tensorsolve", "inv_ex",
           "cholesky_ex", "solve_ex"]
