"""``AdaptiveLogSoftmaxWithLoss``: the softmax over a large vocabulary split by frequency
(Grave et al. 2017, "Efficient softmax approximation for GPUs").

The classes are sorted by frequency and cut at ``cutoffs``: the first cutoff[0] (frequent)
classes and one entry per remaining cluster form the *head*, a Linear to
cutoff[0] + n_clusters outputs; cluster i has its own *tail*, a two-layer projection through
in_features // div_value ** (i + 1) hidden units to its classes. The log-probability of a
class in cluster i is log p(cluster i | x) from the head plus log p(class | cluster i, x) from
its tail, so most targets (the frequent ones) never touch the large tail matrices.

``forward(input, target)`` returns (output, loss): each target's log-probability and the mean
negative log-likelihood; ``log_prob`` gives the full (N, n_classes) log distribution and
``predict`` its argmax. Module layout and state_dict keys as PyTorch (``head``,
``tail.<i>.0``, ``tail.<i>.1``). The per-cluster rows are picked and put back with
gather/scatter-add ops, so gradients flow to the input and every weight.
"""
from __future__ import annotations

import numbers
from collections import namedtuple
from typing import Any, Sequence

from .. import dtypes
from ..autograd.grad_mode import no_grad
from ..ops.shape import GetItem, IndexAdd, cat
from ..ops.softmax import log_softmax
from ..tensor import Tensor
from .containers import ModuleList, Sequential
from .linear import Linear
from .module import Module

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """An efficient softmax (and its NLL loss) for many classes with a skewed frequency: the
    frequent classes in a small head, the rare ones in smaller-dimensional tail clusters."""

    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int],
                 div_value: float = 4.0, head_bias: bool = False, device: Any = None,
                 dtype: Any = None):
        super().__init__()
        name = "AdaptiveLogSoftmaxWithLoss"
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError(f"{name}: cutoffs should be a sequence of length larger than 0")
        if any(isinstance(c, bool) or not isinstance(c, numbers.Real) or int(c) != c
               for c in cutoffs) or cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or \
                max(cutoffs) > n_classes - 1 or len(set(cutoffs)) != len(cutoffs):
            raise ValueError(f"{name}: cutoffs should be a sequence of unique, positive integers "
                             f"sorted in an increasing order, where each value is between 1 and "
                             f"n_classes-1 (got cutoffs={cutoffs}, n_classes={n_classes})")
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = [int(c) for c in cutoffs] + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, device=device,
                           dtype=dtype)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(
                Linear(in_features, hidden, bias=False, device=device, dtype=dtype),
                Linear(hidden, size, bias=False, device=device, dtype=dtype)))

    def reset_parameters(self) -> None:
        """Every Linear back to its default initialisation."""
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        name = type(self).__name__
        for what, t in (("input", input_), ("target", target_)):
            if not isinstance(t, Tensor):
                raise TypeError(f"{name}: expected {what} to be a Tensor, got "
                                f"{type(t).__name__}")
        if target_.dtype.kind not in "iu":
            raise RuntimeError(f"{name}: expected an integer target of class indices, got "
                               f"{target_.dtype}")
        if target_.ndim == 1:
            if input_.shape[0] != target_.shape[0]:
                raise RuntimeError(f"{name}: Input and target should have the same size in the "
                                   f"batch dimension (input of shape {tuple(input_.shape)}, "
                                   f"target of shape {tuple(target_.shape)})")
            if input_.ndim != 2:
                raise RuntimeError(f"{name}: 1D target tensor expects 2D input tensors, but "
                                   f"found inputs with size {tuple(input_.shape)}")
        elif target_.ndim == 0:
            if input_.ndim != 1:
                raise RuntimeError(f"{name}: 0D target tensor expects 1D input tensors, but "
                                   f"found inputs with size {tuple(input_.shape)}")
        else:
            raise RuntimeError(f"{name}: 0D or 1D target tensor expected, multi-target not "
                               f"supported (got target of shape {tuple(target_.shape)})")
        batched = target_.ndim > 0
        input = input_ if batched else input_.unsqueeze(0)  # noqa: A001
        t = (target_.array if batched else target_.array.reshape(1)).astype(dtypes.int64)
        xp, batch = input.xp, t.shape[0]
        gather_inds = xp.zeros(batch, dtype=dtypes.int64)
        bounds = [0] + self.cutoffs
        used, tail_values, tail_rows = 0, [], []
        for i in range(len(bounds) - 1):
            rows = xp.nonzero((t >= bounds[i]) & (t < bounds[i + 1]))[0]
            if rows.size == 0:
                continue
            used += int(rows.size)
            if i == 0:
                gather_inds[rows] = t[rows]
                continue
            gather_inds[rows] = self.shortlist_size + i - 1
            cluster_logprob = log_softmax(self.tail[i - 1](GetItem.apply(input, (rows,))), 1)
            relative = t[rows] - bounds[i]
            tail_values.append(GetItem.apply(cluster_logprob, (xp.arange(rows.size), relative)))
            tail_rows.append(rows)
        if used != batch:
            raise RuntimeError(f"{name}: Target values should be in [0, {self.n_classes - 1}], "
                               f"but values in range [{int(t.min())}, {int(t.max())}] were "
                               "found.")
        head_logprob = log_softmax(self.head(input), 1)
        output = GetItem.apply(head_logprob, (xp.arange(batch), gather_inds))
        if tail_values:
            rows = xp.concatenate(tail_rows)
            output = output + IndexAdd.apply(cat(tail_values, 0), (batch,), (rows,))
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:  # noqa: A002
        """(N, n_classes) log-probabilities: the head's shortlist, then each cluster's classes
        as log p(cluster) + log p(class | cluster)."""
        head_logprob = log_softmax(head_output, 1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster_logprob = log_softmax(self.tail[i](input), 1)
            parts.append(cluster_logprob +
                         head_logprob[:, self.shortlist_size + i:self.shortlist_size + i + 1])
        return cat(parts, 1)

    def _check_2d(self, input: Any, op: str) -> None:  # noqa: A002
        if not isinstance(input, Tensor) or input.ndim != 2 or \
                input.shape[1] != self.in_features:
            raise RuntimeError(f"{type(self).__name__}.{op}: expected input of shape "
                               f"(N, {self.in_features}), got "
                               f"{tuple(getattr(input, 'shape', ())) or type(input).__name__}")

    def log_prob(self, input: Tensor) -> Tensor:  # noqa: A002
        """Log-probabilities of all ``n_classes`` classes for each row of (N, in_features)
        ``input``."""
        self._check_2d(input, "log_prob")
        return self._full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:  # noqa: A002
        """The most likely class of each row: ``log_prob(input).argmax(1)``, computing the
        tails only for rows whose head prediction is a cluster."""
        self._check_2d(input, "predict")
        with no_grad():
            head_output = self.head(input)
            output = head_output.argmax(1)
            outside = output.array >= self.shortlist_size
            if not bool(outside.any()):
                return output
            if bool(outside.all()):
                return self._full_log_prob(input, head_output).argmax(1)
            rows = input.xp.nonzero(outside)[0]
            best = self._full_log_prob(GetItem.apply(input, (rows,)),
                                       GetItem.apply(head_output, (rows,))).argmax(1)
            result = output.array.copy()
            result[rows] = best.array
            return Tensor._make(result, input.device)
