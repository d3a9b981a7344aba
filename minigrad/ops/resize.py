"""``Tensor.resize_`` / ``resize_as_``: give a tensor another shape and number of elements.

PyTorch's rule: the result is contiguous and reads the tensor's memory block (its storage) in
memory order from where the tensor starts (its storage offset). So a shrink keeps the first
elements and stays a view of the same memory, and growing back inside the block finds the old
elements again. Growing past the end of the block needs new memory: PyTorch leaves the new
elements uninitialized; minigrad fills them with zeros (its ``empty`` does the same) and, as
NumPy arrays cannot grow in place, other views of the old memory no longer see this tensor.
No gradient flows through a resize, so a tensor that requires grad is refused.
"""
from __future__ import annotations

import operator
from typing import Any

from ..tensor import Tensor
from .aliases import _data_pointer


def resize_(self: Tensor, *sizes: Any, memory_format: Any = None) -> Tensor:
    """Resize in place to ``sizes`` (ints or one sequence); see the module docstring."""
    if memory_format is not None:
        raise NotImplementedError("resize_: minigrad has one memory format (contiguous); "
                                  f"memory_format={memory_format!r} is not supported")
    shape = _sizes(sizes)
    if self.requires_grad:  # PyTorch refuses even under no_grad: the gradient would be lost
        raise RuntimeError(f"resize_: cannot resize a tensor that requires grad (shape "
                           f"{tuple(self.shape)} -> {shape})")
    if shape == tuple(self.shape):
        return self
    self._check_inplace("resize_", writes=False)  # the new elements are fresh memory
    numel = 1
    for s in shape:
        numel *= s
    block, offset = _memory_block(self.array)
    itemsize = self.dtype.itemsize
    available = (block.size - offset) // itemsize
    if numel <= available:
        flat = block[offset:offset + numel * itemsize].view(self.dtype)
    else:
        flat = self.xp.zeros(numel, dtype=self.dtype)
        flat.view(block.dtype)[:available * itemsize] = block[offset:offset + available * itemsize]
    self.array = flat.reshape(shape)
    return self


def resize_as_(self: Tensor, the_template: Tensor, memory_format: Any = None) -> Tensor:
    """Resize in place to ``the_template``'s shape."""
    if not isinstance(the_template, Tensor):
        raise TypeError(f"resize_as_: the template must be a Tensor, got "
                        f"{type(the_template).__name__}")
    return resize_(self, tuple(the_template.shape), memory_format=memory_format)


def _sizes(sizes: tuple) -> tuple:
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    if not sizes:
        raise TypeError("resize_: missing the new size (ints or one sequence of ints)")
    shape = []
    for s in sizes:
        try:
            s = operator.index(s)
        except TypeError:
            raise TypeError(f"resize_: sizes must be ints, got {s!r} ({type(s).__name__})") \
                from None
        if s < 0:
            raise RuntimeError(f"resize_: negative dimension {s} in size {tuple(sizes)}")
        shape.append(s)
    return tuple(shape)


def _memory_block(array: Any) -> tuple:
    """(the bytes of the memory block under ``array`` in memory order, as a 1-D uint8 array,
    and the byte where ``array`` starts in it). The block is the root of the chain of views
    (of the array's own type); a root that is not one contiguous block (it cannot be, for
    memory NumPy allocated) falls back to the array's own elements."""
    root = array
    while type(getattr(root, "base", None)) is type(array):  # not into a bytes buffer
        root = root.base
    if root.flags.c_contiguous or root.flags.f_contiguous:
        block = root.reshape(-1, order="A").view("uint8")
        return block, _data_pointer(array) - _data_pointer(root)
    return array.copy().reshape(-1).view("uint8"), 0
