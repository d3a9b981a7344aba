"""``nn.utils.rnn``: batches of sequences of different lengths for the recurrent layers.

A padded batch makes a recurrent layer compute (and, for the reverse direction, *start*) on
padding. ``PackedSequence`` stores only the real time steps, time-major, with the batch sorted
by decreasing length, so that step t of a recurrent layer advances exactly the first
``batch_sizes[t]`` sequences. Packing and unpacking are each one differentiable gather
(``index_select``) whose row indices are worked out on the host from the lengths, so
gradients flow back into the padded input and the per-sequence tensors.
"""
from __future__ import annotations

import numbers
from collections import namedtuple
from typing import Any, Sequence

from ... import dtypes
from ...creation import full, tensor
from ...ops import cat, index_select, unbind
from ...tensor import Tensor

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "pack_sequence", "unpad_sequence", "unpack_sequence"]


def _padded_rows(row: Any, steps: int, batch: int, batch_first: bool) -> tuple:
    """``row(t, b)`` for every slot of a padded (steps, batch) or (batch, steps) layout, in
    memory order, and that layout's leading shape."""
    if batch_first:
        return [row(t, b) for b in range(batch) for t in range(steps)], (batch, steps)
    return [row(t, b) for t in range(steps) for b in range(batch)], (steps, batch)


def _index(rows: list, device: str) -> Tensor:
    return tensor(rows, dtype=dtypes.int64, device=device)


def _invert(permutation: list) -> list:
    inverse = [0] * len(permutation)
    for position, item in enumerate(permutation):
        inverse[item] = position
    return inverse


_Fields = namedtuple("_Fields", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


class PackedSequence(_Fields):
    """Time steps of a sorted batch of sequences, packed time-major without padding.

    ``data`` is (sum(lengths), *), ``batch_sizes`` (an int64 CPU tensor) says how many sequences
    are still running at each step, and ``sorted_indices``/``unsorted_indices`` (None when the
    batch was packed already sorted) map between the caller's batch order and the sorted one.
    Build it with ``pack_padded_sequence`` or ``pack_sequence`` rather than by hand.
    """

    def __new__(cls, data: Tensor, batch_sizes: Any = None, sorted_indices: Tensor | None = None,
                unsorted_indices: Tensor | None = None) -> "PackedSequence":
        if not isinstance(data, Tensor):
            raise TypeError(f"PackedSequence: data must be a Tensor, got {type(data).__name__}")
        if batch_sizes is None:
            raise TypeError("PackedSequence: batch_sizes is required (build packed sequences with "
                            "pack_padded_sequence or pack_sequence)")
        if not isinstance(batch_sizes, Tensor):
            batch_sizes = _index(list(batch_sizes), "cpu")
        if batch_sizes.ndim != 1 or batch_sizes.dtype.kind not in "iu" or \
                batch_sizes.device != "cpu":
            raise TypeError(f"PackedSequence: batch_sizes must be a 1-D CPU int64 tensor, got a "
                            f"{batch_sizes.ndim}-D {batch_sizes.dtype} tensor on "
                            f"{batch_sizes.device}")
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _index(_invert(sorted_indices.tolist()), sorted_indices.device)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> "PackedSequence":
        """The same packing with ``data`` moved/cast as ``Tensor.to`` does (indices follow
        the device; batch_sizes stays on the CPU)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        moved = [None if i is None else i.to(data.device)
                 for i in (self.sorted_indices, self.unsorted_indices)]
        return type(self)(data, self.batch_sizes, *moved)

    def cpu(self) -> "PackedSequence":
        return self.to("cpu")

    def cuda(self) -> "PackedSequence":
        return self.to("cuda")

    def float(self) -> "PackedSequence":
        return self.to(dtypes.float32)

    def double(self) -> "PackedSequence":
        return self.to(dtypes.float64)

    @property
    def is_cuda(self) -> bool:
        return self.data.device == "cuda"


# --- host-side checks ----------------------------------------------------------------------------
def _lengths(lengths: Any, fn: str) -> list[int]:
    """``lengths`` (a list of ints or a 1-D integer CPU tensor) as a list of Python ints."""
    if isinstance(lengths, Tensor):
        if lengths.device != "cpu" or lengths.ndim != 1:
            raise RuntimeError(f"{fn}: 'lengths' argument should be a 1D CPU int64 tensor, but got "
                               f"a {lengths.ndim}-D {lengths.dtype} tensor on {lengths.device}")
        if lengths.dtype.kind not in "iu":
            raise TypeError(f"{fn}: 'lengths' must hold integers, got a {lengths.dtype} tensor")
        return [int(v) for v in lengths.tolist()]
    if not isinstance(lengths, (list, tuple)):
        raise TypeError(f"{fn}: 'lengths' must be a list of ints or a 1-D int64 CPU tensor, got "
                        f"{type(lengths).__name__}")
    for v in lengths:
        if isinstance(v, (list, tuple)):
            raise RuntimeError(f"{fn}: 'lengths' argument should be 1-D, got a nested list")
        if not isinstance(v, numbers.Integral) or isinstance(v, bool):
            raise TypeError(f"{fn}: 'lengths' must hold ints, got {v!r}")
    return [int(v) for v in lengths]


def _sorted_batch_sizes(sorted_lengths: list[int]) -> list[int]:
    """How many of the (decreasingly sorted) sequences are still running at each step."""
    sizes, running = [], len(sorted_lengths)
    for t in range(sorted_lengths[0] if sorted_lengths else 0):
        while running and sorted_lengths[running - 1] <= t:
            running -= 1
        sizes.append(running)
    return sizes


def _pack(input: Tensor, lengths: Any, batch_first: bool, enforce_sorted: bool,  # noqa: A002
          fn: str) -> PackedSequence:
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}: expected a Tensor input, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"{fn}: expected an input of at least 2 dimensions ("
                         f"{'B, T' if batch_first else 'T, B'}, *), got shape "
                         f"{tuple(input.shape)}")
    lengths = _lengths(lengths, fn)
    steps, batch = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    if len(lengths) != batch:
        raise RuntimeError(f"{fn}: Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(lengths)} (batch_size={batch}) for input of shape "
                           f"{tuple(input.shape)}")
    if batch == 0:
        raise RuntimeError(f"{fn}: cannot pack an empty batch (input of shape "
                           f"{tuple(input.shape)})")
    if min(lengths) <= 0:
        raise RuntimeError(f"{fn}: Length of all samples has to be greater than 0, but found an "
                           f"element in 'lengths' that is <= 0 (lengths={lengths})")
    if max(lengths) > steps:
        raise ValueError(f"{fn}: a sequence of length {max(lengths)} is longer than the input's "
                         f"{steps} time steps (input of shape {tuple(input.shape)}, "
                         f"batch_first={batch_first})")
    if enforce_sorted:
        if any(a < b for a, b in zip(lengths, lengths[1:])):
            raise RuntimeError(f"{fn}: `lengths` array must be sorted in decreasing order when "
                               f"`enforce_sorted` is True (got {lengths}). You can pass "
                               "`enforce_sorted=False` to pack_padded_sequence and/or "
                               "pack_sequence to sidestep this requirement.")
        order = list(range(batch))
    else:  # stable, so ties keep the caller's order
        order = sorted(range(batch), key=lambda b: -lengths[b])
    sizes = _sorted_batch_sizes([lengths[b] for b in order])
    # input flattened to (B*T, *) or (T*B, *): row of (time t, sorted position s)
    rows = [order[s] * steps + t if batch_first else t * batch + order[s]
            for t, n in enumerate(sizes) for s in range(n)]
    flat = input.reshape((batch * steps,) + tuple(input.shape[2:]))
    data = index_select(flat, 0, _index(rows, input.device))
    sorted_indices = None if enforce_sorted else _index(order, input.device)
    return PackedSequence(data, _index(sizes, "cpu"), sorted_indices)


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,  # noqa: A002
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded (T, B, *) batch (or (B, T, *) with ``batch_first``) whose sequence b has
    ``lengths[b]`` real steps, so that a recurrent layer never sees the padding.

    With ``enforce_sorted=True`` the lengths must already be decreasing; otherwise the batch
    is sorted here and the permutation kept in the result to undo later."""
    return _pack(input, lengths, batch_first, enforce_sorted, "pack_padded_sequence")


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """Undo packing: a padded (T, B, *) (or (B, T, *)) tensor in the caller's batch order, and
    the lengths (int64 CPU tensor). ``total_length`` pads to a fixed T (e.g. under
    DataParallel-style splitting, where T must not depend on the chunk)."""
    fn = "pad_packed_sequence"
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"{fn}: expected a PackedSequence, got {type(sequence).__name__}")
    sizes = [int(v) for v in sequence.batch_sizes.tolist()]
    data = sequence.data
    steps = len(sizes)
    if total_length is not None:
        if not isinstance(total_length, numbers.Integral) or isinstance(total_length, bool):
            raise TypeError(f"{fn}: total_length must be an int or None, got {total_length!r}")
        if total_length < steps:
            raise ValueError(f"{fn}: Expected total_length to be at least the length of the "
                             f"longest sequence in input, but got total_length={total_length} "
                             f"and max sequence length being {steps}")
        steps = int(total_length)
    batch = sizes[0] if sizes else 0
    sorted_lengths = [sum(1 for n in sizes if n > s) for s in range(batch)]
    offsets = [0]
    for n in sizes:
        offsets.append(offsets[-1] + n)
    unsorted = (list(range(batch)) if sequence.unsorted_indices is None
                else sequence.unsorted_indices.tolist())
    pad_row = offsets[-1]  # index of the padding row appended after the data

    def row(t: int, b: int) -> int:
        s = unsorted[b]
        return offsets[t] + s if t < sorted_lengths[s] else pad_row

    rows, shape = _padded_rows(row, steps, batch, batch_first)
    rest = tuple(data.shape[1:])
    padding = full((1,) + rest, padding_value, dtype=data.dtype, device=data.device)
    padded = index_select(cat([data, padding], 0), 0, _index(rows, data.device))
    lengths = _index([sorted_lengths[unsorted[b]] for b in range(batch)], "cpu")
    return padded.reshape(shape + rest), lengths


def _sequences(sequences: Any, fn: str) -> list[Tensor]:
    """A non-empty list of >= 1-D tensors sharing trailing shape, dtype and device."""
    if isinstance(sequences, Tensor):
        sequences = list(unbind(sequences, 0))
    if not isinstance(sequences, (list, tuple)):
        raise TypeError(f"{fn}: expected a list of tensors, got {type(sequences).__name__}")
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError(f"{fn}: received an empty list of sequences")
    for i, s in enumerate(sequences):
        if not isinstance(s, Tensor):
            raise TypeError(f"{fn}: sequence {i} is a {type(s).__name__}, not a Tensor")
        if s.ndim < 1:
            raise ValueError(f"{fn}: sequence {i} is 0-d; every sequence needs a time dimension")
        first = sequences[0]
        if tuple(s.shape[1:]) != tuple(first.shape[1:]):
            raise RuntimeError(f"{fn}: every sequence needs the same trailing shape, but "
                               f"sequence 0 has shape {tuple(first.shape)} and sequence {i} has "
                               f"shape {tuple(s.shape)}")
        if s.dtype != first.dtype or s.device != first.device:
            raise TypeError(f"{fn}: sequence 0 is {first.dtype} on {first.device} but sequence "
                            f"{i} is {s.dtype} on {s.device}")
    return sequences


def pad_sequence(sequences: Sequence[Tensor] | Tensor, batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Stack (L_i, *) tensors of different lengths into one (T, B, *) (or (B, T, *)) tensor,
    filling with ``padding_value`` after (or, with ``padding_side='left'``, before) each."""
    fn = "pad_sequence"
    sequences = _sequences(sequences, fn)
    if padding_side not in ("right", "left"):
        raise ValueError(f"{fn}: padding_side must be 'left' or 'right', got {padding_side!r}")
    lengths = [s.shape[0] for s in sequences]
    batch, steps = len(sequences), max(lengths)
    rest = tuple(sequences[0].shape[1:])
    offsets = [0]
    for n in lengths:
        offsets.append(offsets[-1] + n)
    pad_row = offsets[-1]

    def row(t: int, b: int) -> int:
        start = 0 if padding_side == "right" else steps - lengths[b]
        return offsets[b] + t - start if start <= t < start + lengths[b] else pad_row

    first = sequences[0]
    padding = full((1,) + rest, padding_value, dtype=first.dtype, device=first.device)
    source = cat(sequences + [padding], 0)
    rows, shape = _padded_rows(row, steps, batch, batch_first)
    return index_select(source, 0, _index(rows, first.device)).reshape(shape + rest)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of (L_i, *) tensors directly (pad_sequence then pack_padded_sequence)."""
    sequences = _sequences(sequences, "pack_sequence")
    lengths = [s.shape[0] for s in sequences]
    return _pack(pad_sequence(sequences), lengths, False, enforce_sorted, "pack_sequence")


def unpad_sequence(padded_sequences: Tensor, lengths: Any,
                   batch_first: bool = False) -> list[Tensor]:
    """The inverse of ``pad_sequence``: the list of (lengths[b], *) tensors, padding dropped."""
    fn = "unpad_sequence"
    if not isinstance(padded_sequences, Tensor) or padded_sequences.ndim < 2:
        raise ValueError(f"{fn}: expected a padded tensor of at least 2 dimensions")
    lengths = _lengths(lengths, fn)
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    if len(lengths) != x.shape[0] or any(n < 0 or n > x.shape[1] for n in lengths):
        raise ValueError(f"{fn}: lengths {lengths} do not fit a padded batch of shape "
                         f"{tuple(padded_sequences.shape)} (batch_first={batch_first})")
    return [x[b, :n] for b, n in enumerate(lengths)]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The inverse of ``pack_sequence``: the list of (L_i, *) tensors in the caller's order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
