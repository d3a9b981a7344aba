"""A TensorDataset that proves the DataLoader's one-gather path, shared by the data tests."""
from __future__ import annotations

from minigrad.data import TensorDataset


class CountingTensorDataset(TensorDataset):
    """Per-sample access fails; whole batches (``get_batch``) are counted."""

    def __init__(self, *tensors):
        super().__init__(*tensors)
        self.batches = 0

    def __getitem__(self, index):
        raise AssertionError("the fast path must not read samples one by one")

    def get_batch(self, indices, device=None, generator=None):
        self.batches += 1
        return super().get_batch(indices, device, generator)
