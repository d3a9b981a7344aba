"""minigrad's exception classes: each one is caught both the Python way and the PyTorch way.

PyTorch reports most bad shapes, sizes and argument values from its C++ checks as
RuntimeError, where Python convention (and minigrad's own earlier releases) says ValueError,
TypeError or IndexError. Each class here derives from both, so ``except RuntimeError`` written
for PyTorch and ``except ValueError`` written for minigrad catch the same error. Raise the one
whose first base is what minigrad raised before and whose others cover what PyTorch raises.
"""
from __future__ import annotations


class ShapeError(ValueError, RuntimeError):
    """Shapes or sizes that do not fit together: broadcasting, cat, reshape, matmul, a layer
    fed an input with the wrong number of features."""


class ArgumentError(ValueError, RuntimeError):
    """An argument value that PyTorch refuses with RuntimeError (a zero step, an unknown
    mode, a probability outside [0, 1])."""


class DtypeError(TypeError, NotImplementedError):
    """A dtype the op does not take (the mean of integers, a float mask, mixed dtypes written
    in place). PyTorch says RuntimeError, or NotImplementedError (a RuntimeError) where it has
    no kernel for the dtype ("not implemented for 'Long'"): this class is both."""


class InvalidIndexError(IndexError, ValueError, RuntimeError):
    """An index that does not fit what it indexes: out of range, or the wrong count. PyTorch
    says IndexError for some (class targets, dims) and RuntimeError for others (gather,
    scatter, index_select); minigrad said ValueError for class targets."""
