"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` over whole sequences and their one-step
``RNNCell``, ``LSTMCell``, ``GRUCell``, with PyTorch's arguments, shapes and weight layout.

Every layer is a composition of differentiable tensor ops (matmul, sigmoid, tanh, chunk,
stack, cat), so autograd supplies the gradients, double backward included: there is no
hand-written backward here to get wrong. The exceptions are the LSTM and the GRU, whose
arithmetic lives in ops with hand-written backwards (minigrad/ops/lstm_cell.py, gru_cell.py),
each tested against the composition it replaces: ``lstm_scan`` / ``gru_scan`` run a whole padded
sequence of one layer and direction (the time loop inside one op), and ``lstm_update`` /
``gru_update`` one step (for packed sequences, LSTM projections and the cells). Together they
take an LSTM's training step to about half its time. The plain RNN's padded sequences run in
``rnn_scan`` (minigrad/ops/rnn_cell.py) likewise; its packed sequences and cell stay a
composition.

The weights are laid out exactly as PyTorch's (gates stacked along dim 0: LSTM i, f, g, o;
GRU r, z, n), so a state_dict moves between the two frameworks unchanged.

A sequence layer projects the whole input through ``weight_ih`` in one matmul per layer
and direction, then loops over time in Python; each step works on the whole batch at once.
A ``PackedSequence`` input runs the same loop over its batch sizes: step t advances only the
first ``batch_sizes[t]`` sequences of the length-sorted batch, so each sequence's final state is
taken at its own last step and the reverse direction starts at each sequence's own last element.
"""
from __future__ import annotations

import math
import numbers
import warnings
from typing import Any, Callable

from ..creation import empty, zeros
from ..errors import ShapeError
from ..ops import cat, index_select, relu, split, stack, tanh, unbind
from ..ops.gru_cell import gru_scan, gru_update
from ..ops.lstm_cell import lstm_scan, lstm_update
from ..ops.rnn_cell import rnn_scan
from ..tensor import Tensor
from . import init
from .dropout import dropout as _dropout
from .module import Module
from .parameter import Parameter, parameter_dtype
from .utils.rnn import PackedSequence

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
_ACTIVATIONS = {"tanh": tanh, "relu": relu}


# --- one time step, batched (x_gates = x W_ih^T + b_ih, already computed) ------------------------
def _hidden_gates(h: Tensor, w_hh_t: Tensor, b_hh: Tensor | None) -> Tensor:
    """h W_hh^T + b_hh: the recurrent half of every gate at once."""
    out = h @ w_hh_t
    return out if b_hh is None else out + b_hh


def _rnn_step(x_gates: Tensor, h: Tensor, w_hh_t: Tensor, b_hh: Tensor | None,
              act: Callable[[Tensor], Tensor]) -> Tensor:
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return act(x_gates + _hidden_gates(h, w_hh_t, b_hh))


def _lstm_step(x_gates: Tensor, h: Tensor, c: Tensor, w_hh_t: Tensor,
               b_hh: Tensor | None, w_hr_t: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """Gates i, f, g, o in PyTorch's order; c' = f c + i g, h' = o tanh(c'), projected to
    proj_size by h' W_hr^T when the layer has projections."""
    h, c = lstm_update(x_gates + _hidden_gates(h, w_hh_t, b_hh), c)
    return (h if w_hr_t is None else h @ w_hr_t), c


def _gru_step(x_gates: Tensor, h: Tensor, w_hh_t: Tensor, b_hh: Tensor | None) -> Tensor:
    """Gates r, z, n; b_hn sits inside r * (h W_hn^T + b_hn), as PyTorch (and cuDNN) place it,
    so the recurrent half h W_hh^T + b_hh goes into ``gru_update`` apart from x_gates;
    h' = (1 - z) n + z h."""
    return gru_update(x_gates, _hidden_gates(h, w_hh_t, b_hh), h)


def _project(x: Tensor, w_ih: Tensor, b_ih: Tensor | None) -> Tensor:
    """x W_ih^T + b_ih over the last dimension of a (..., in) tensor, as one 2-D matmul."""
    lead = tuple(x.shape[:-1])
    out = x.reshape(-1, x.shape[-1]) @ w_ih.T
    if b_ih is not None:
        out = out + b_ih
    return out.reshape(lead + (w_ih.shape[0],))


# --- argument checks shared by cells and sequence layers -----------------------------------------
def _check_size(value: Any, what: str, layer: str, minimum: int) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < minimum:
        kind = "a positive" if minimum > 0 else "a non-negative"
        raise ValueError(f"{layer}: {what} must be {kind} int, got {value!r}")
    return int(value)


def _check_nonlinearity(nonlinearity: Any, layer: str) -> str:
    if nonlinearity not in _ACTIVATIONS:
        raise ValueError(f"{layer}: unknown nonlinearity {nonlinearity!r}; select from 'tanh' "
                         "or 'relu'")
    return nonlinearity


def _check_input_tensor(input: Any, layer: str, params: list) -> None:  # noqa: A002
    """A floating tensor with the parameters' dtype and device (never a silent promotion)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{layer}: expected a Tensor input, got {type(input).__name__}")
    ref = params[0]
    if input.dtype != ref.dtype:
        raise TypeError(f"{layer}: input dtype {input.dtype} does not match parameter dtype "
                        f"{ref.dtype}; convert the input (input.to({ref.dtype})) or the model "
                        f"(model.to({input.dtype}))")
    if input.device != ref.device:
        raise RuntimeError(f"{layer}: input is on {input.device} but the parameters are on "
                           f"{ref.device}")


def _check_state(state: Any, name: str, expected: tuple, layer: str, ref: Tensor) -> Tensor:
    """A hidden/cell state of exactly ``expected`` shape, with the input's dtype and device."""
    if not isinstance(state, Tensor):
        raise TypeError(f"{layer}: expected {name} to be a Tensor, got {type(state).__name__}")
    if tuple(state.shape) != expected:
        raise RuntimeError(f"{layer}: expected {name} of shape {expected}, got "
                           f"{tuple(state.shape)}")
    if state.dtype != ref.dtype or state.device != ref.device:
        raise TypeError(f"{layer}: {name} is {state.dtype} on {state.device} but the input is "
                        f"{ref.dtype} on {ref.device}")
    return state


# --- cells ---------------------------------------------------------------------------------------
class RNNCellBase(Module):
    """Parameters and checks shared by the one-step cells: weight_ih (gates*hidden, input),
    weight_hh (gates*hidden, hidden), bias_ih and bias_hh (gates*hidden)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: Any = None, dtype: Any = None):
        super().__init__()
        name = type(self).__name__
        self.input_size = _check_size(input_size, "input_size", name, 0)
        self.hidden_size = _check_size(hidden_size, "hidden_size", name, 1)
        self.bias = bool(bias)
        dtype = parameter_dtype(dtype, name)
        rows = num_chunks * self.hidden_size
        self.weight_ih = Parameter(empty(rows, self.input_size, dtype=dtype, device=device))
        self.weight_hh = Parameter(empty(rows, self.hidden_size, dtype=dtype, device=device))
        if self.bias:
            self.bias_ih = Parameter(empty(rows, dtype=dtype, device=device))
            self.bias_hh = Parameter(empty(rows, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: every weight and bias from U(-1/sqrt(hidden), 1/sqrt(hidden))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _prepare(self, input: Tensor, states: tuple, names: tuple) -> tuple:  # noqa: A002
        """Checked (N, input) input and (N, hidden) states (zeros where None), and whether the
        input came unbatched (1-D), in which case the caller squeezes the result back."""
        name = type(self).__name__
        _check_input_tensor(input, name, [self.weight_ih])
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: expected input to be 1-D (input_size,) or 2-D (batch, "
                             f"input_size), got {input.ndim}-D input of shape "
                             f"{tuple(input.shape)}")
        if input.shape[-1] != self.input_size:
            raise ShapeError(f"{name}: expected input with last dimension {self.input_size} "
                             f"(input_size), got input of shape {tuple(input.shape)}")
        unbatched = input.ndim == 1
        x = input.unsqueeze(0) if unbatched else input
        expected = (x.shape[0], self.hidden_size)
        out = []
        for state, sname in zip(states, names):
            if state is None:
                out.append(zeros(expected, dtype=x.dtype, device=x.device))
                continue
            shape = expected[1:] if unbatched else expected
            state = _check_state(state, sname, shape, name, input)
            out.append(state.unsqueeze(0) if unbatched else state)
        return x, out, unbatched


class RNNCell(RNNCellBase):
    """One Elman step, h' = tanh or relu(x W_ih^T + b_ih + h W_hh^T + b_hh), for loops that
    need control over each step (attention, teacher forcing, custom stopping)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None):
        nonlinearity = _check_nonlinearity(nonlinearity, "RNNCell")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        x, (h,), unbatched = self._prepare(input, (hx,), ("hx",))
        h = _rnn_step(_project(x, self.weight_ih, self.bias_ih), h, self.weight_hh.T,
                      self.bias_hh, _ACTIVATIONS[self.nonlinearity])
        return h.squeeze(0) if unbatched else h


class LSTMCell(RNNCellBase):
    """One LSTM step: (h', c') from input and (h, c), gates i, f, g, o stacked in weight_ih."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor,  # noqa: A002
                hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"LSTMCell: hx must be a tuple (h_0, c_0) of two tensors, got "
                            f"{type(hx).__name__}")
        h0, c0 = (None, None) if hx is None else hx
        x, (h, c), unbatched = self._prepare(input, (h0, c0), ("h_0", "c_0"))
        h, c = _lstm_step(_project(x, self.weight_ih, self.bias_ih), h, c, self.weight_hh.T,
                          self.bias_hh)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


class GRUCell(RNNCellBase):
    """One GRU step: h' from input and h, gates r, z, n stacked in weight_ih."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        x, (h,), unbatched = self._prepare(input, (hx,), ("hx",))
        h = _gru_step(_project(x, self.weight_ih, self.bias_ih), h, self.weight_hh.T,
                      self.bias_hh)
        return h.squeeze(0) if unbatched else h


# --- sequence layers -----------------------------------------------------------------------------
class RNNBase(Module):
    """Stacked, optionally bidirectional recurrent layers over a whole sequence.

    Parameters are named as PyTorch's: ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``,
    ``bias_hh_l{k}``, with ``_reverse`` for the backward direction; layer k > 0 reads the
    concatenated outputs (num_directions * hidden_size) of layer k - 1.
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None):
        super().__init__()
        name = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(mode, mode)
        self.mode = mode
        self.input_size = _check_size(input_size, "input_size", name, 0)
        self.hidden_size = _check_size(hidden_size, "hidden_size", name, 1)
        self.num_layers = _check_size(num_layers, "num_layers", name, 1)
        if (isinstance(dropout, bool) or not isinstance(dropout, numbers.Real)
                or not 0 <= dropout <= 1):
            raise ValueError(f"{name}: dropout should be a number in range [0, 1] representing "
                             f"the probability of an element being zeroed, got {dropout!r}")
        if isinstance(proj_size, numbers.Integral) and not isinstance(proj_size, bool) \
                and proj_size < 0:
            raise ValueError(f"{name}: proj_size should be a positive integer or zero to disable "
                             f"projections, got {proj_size}")
        proj_size = _check_size(proj_size, "proj_size", name, 0)
        if proj_size and mode != "LSTM":
            raise ValueError(f"{name}: proj_size argument is only supported for LSTM, not RNN or "
                             f"GRU (got proj_size={proj_size})")
        if proj_size >= self.hidden_size:
            raise ValueError(f"{name}: proj_size has to be smaller than hidden_size, got "
                             f"proj_size={proj_size} and hidden_size={self.hidden_size}")
        if dropout > 0 and self.num_layers == 1:
            warnings.warn(f"{name}: dropout option adds dropout after all but last recurrent "
                          f"layer, so non-zero dropout expects num_layers greater than 1, but "
                          f"got dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = float(dropout)
        self.bidirectional = bool(bidirectional)
        self.proj_size = proj_size
        dtype = parameter_dtype(dtype, name)
        rows = _GATES[mode] * self.hidden_size
        directions = 2 if self.bidirectional else 1
        out_size = proj_size or self.hidden_size  # the size of h (what the next layer reads)
        self._flat_weights_names: list[str] = []
        for layer in range(self.num_layers):
            layer_in = self.input_size if layer == 0 else out_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = [("weight_ih", (rows, layer_in)), ("weight_hh", (rows, out_size))]
                if self.bias:
                    shapes += [("bias_ih", (rows,)), ("bias_hh", (rows,))]
                if proj_size:
                    shapes += [("weight_hr", (proj_size, self.hidden_size))]
                for pname, shape in shapes:
                    setattr(self, pname + suffix,
                            Parameter(empty(shape, dtype=dtype, device=device)))
                    self._flat_weights_names.append(pname + suffix)
        self.reset_parameters()

    @property
    def _name(self) -> str:
        return type(self).__name__

    @property
    def all_weights(self) -> list:
        """The parameters grouped per layer and direction, [w_ih, w_hh, (b_ih, b_hh), (w_hr)],
        as PyTorch's ``all_weights``."""
        per = (4 if self.bias else 2) + (1 if self.proj_size else 0)
        names = self._flat_weights_names
        return [[getattr(self, n) for n in names[i:i + per]] for i in range(0, len(names), per)]

    def reset_parameters(self) -> None:
        """PyTorch's default: every weight and bias from U(-1/sqrt(hidden), 1/sqrt(hidden))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += f", bias={self.bias}"
        if self.batch_first:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _prepare_input(self, input: Tensor) -> tuple[Tensor, bool]:  # noqa: A002
        """The input as time-major (L, N, input_size), and whether it came unbatched."""
        name = self._name
        _check_input_tensor(input, name, [self.weight_ih_l0])
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: expected input to be 2-D (L, input_size) or 3-D (batched),"
                             f" got {input.ndim}-D input of shape {tuple(input.shape)}")
        if input.shape[-1] != self.input_size:
            raise ShapeError(f"{name}: expected input with last dimension {self.input_size} "
                             f"(input_size), got input of shape {tuple(input.shape)}")
        unbatched = input.ndim == 2
        if unbatched:
            x = input.unsqueeze(1)
        else:
            x = input.transpose(0, 1) if self.batch_first else input
        if x.shape[0] == 0:
            raise RuntimeError(f"{name}: expected sequence length to be larger than 0, got input "
                               f"of shape {tuple(input.shape)}")
        return x, unbatched

    def _prepare_packed(self, input: PackedSequence) -> tuple[Tensor, list[int]]:  # noqa: A002
        """The packed data (sum(batch_sizes), input_size) and the batch sizes as ints."""
        name = self._name
        data = input.data
        _check_input_tensor(data, name, [self.weight_ih_l0])
        if data.ndim != 2 or data.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected packed data of shape (sum(lengths), "
                             f"{self.input_size}), got shape {tuple(data.shape)}")
        sizes = [int(n) for n in input.batch_sizes.tolist()]
        if (not sizes or sizes[-1] <= 0 or any(a < b for a, b in zip(sizes, sizes[1:]))
                or sum(sizes) != data.shape[0]):
            raise ValueError(f"{name}: batch_sizes {sizes} are not positive, non-increasing and "
                             f"summing to the {data.shape[0]} rows of the packed data")
        return data, sizes

    def _state_sizes(self) -> list[int]:
        """The last dimension of each state: h (proj_size when projecting), then c for LSTM."""
        h = self.proj_size or self.hidden_size
        return [h, self.hidden_size] if self.mode == "LSTM" else [h]

    def _prepare_state(self, state: Any, sname: str, batch: int, size: int, ref: Tensor,
                       unbatched: bool, order: Tensor | None = None) -> list:
        """One (N, size) initial state per layer and direction (zeros if ``state`` is None);
        ``order`` reorders a caller's batch into a packed sequence's sorted batch."""
        count = self.num_layers * (2 if self.bidirectional else 1)
        if state is None:
            return [zeros((batch, size), dtype=ref.dtype, device=ref.device)] * count
        if isinstance(state, Tensor) and state.ndim != (2 if unbatched else 3):
            kind = "unbatched 2-D" if unbatched else "batched 3-D"
            raise RuntimeError(f"{self._name}: for {kind} input, {sname} should be "
                               f"{2 if unbatched else 3}-D but got a {state.ndim}-D tensor of "
                               f"shape {tuple(state.shape)}")
        expected = (count, size) if unbatched else (count, batch, size)
        state = _check_state(state, sname, expected, self._name, ref)
        if order is not None:
            state = index_select(state, 1, order)
        return list(unbind(state.unsqueeze(1) if unbatched else state, 0))

    def _step_fn(self) -> Callable:
        raise NotImplementedError  # each subclass picks its cell

    def _run(self, x: Tensor, states: list[list[Tensor]],
             sizes: list[int] | None) -> tuple[Tensor, list[list[Tensor]]]:
        """All layers and directions over time-major ``x`` (L, N, in), or over packed data
        (sum(sizes), in) when ``sizes`` gives the batch size of each step; ``states[s][k]`` is
        state s (h, or h and c) of layer/direction k. Returns the last layer's output (in the
        input's layout) and the final states."""
        step = self._step_fn()
        directions = 2 if self.bidirectional else 1
        finals: list[list[Tensor]] = [[] for _ in states]
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                w_ih = getattr(self, "weight_ih" + suffix)
                weights = [getattr(self, "weight_hh" + suffix).T,
                           getattr(self, "bias_hh" + suffix) if self.bias else None]
                if self.proj_size:
                    weights.append(getattr(self, "weight_hr" + suffix).T)
                b_ih = getattr(self, "bias_ih" + suffix) if self.bias else None
                if self.bias and self.mode != "GRU":
                    # b_hh adds straight onto the gates: once for the whole sequence, not per
                    # step (GRU's b_hn sits inside r * (...) and stays in the step)
                    b_ih, weights[1] = b_ih + weights[1], None
                gates = _project(x, w_ih, b_ih)
                init_states = tuple(s[layer * directions + direction] for s in states)
                if sizes is None and self.mode == "LSTM" and not self.proj_size and len(x):
                    # the whole time loop as one op, with its own backward through time
                    hs, *carry = lstm_scan(gates, *init_states,
                                           getattr(self, "weight_hh" + suffix), bool(direction))
                    outputs.append(hs)
                elif sizes is None and self.mode.startswith("RNN") and len(x):
                    hs, h_n = rnn_scan(gates, *init_states, getattr(self, "weight_hh" + suffix),
                                       self.nonlinearity, bool(direction))
                    outputs.append(hs)
                    carry = (h_n,)
                elif sizes is None and self.mode == "GRU" and len(x):
                    hs, h_n = gru_scan(gates, *init_states, getattr(self, "weight_hh" + suffix),
                                       weights[1], bool(direction))
                    outputs.append(hs)
                    carry = (h_n,)
                else:
                    steps = unbind(gates, 0) if sizes is None else split(gates, sizes, 0)
                    step_sizes = [x.shape[1]] * x.shape[0] if sizes is None else sizes
                    hs, carry = _scan(step, steps, step_sizes, init_states, weights,
                                      bool(direction))
                    outputs.append(stack(hs, 0) if sizes is None else cat(hs, 0))
                for s, value in enumerate(carry):
                    finals[s].append(value)
            x = outputs[0] if directions == 1 else cat(outputs, -1)
            if self.training and self.dropout > 0 and layer < self.num_layers - 1:
                x = _dropout(x, self.dropout, training=True)
        return x, finals

    def _forward(self, input: Any, hx: list, names: list[str]) -> tuple:  # noqa: A002
        """Shared body of RNN/LSTM/GRU.forward: (output, [h_n] or [h_n, c_n]) with PyTorch's
        shapes, for a padded tensor or a PackedSequence (the output is then packed alike)."""
        packed = isinstance(input, PackedSequence)
        if packed:
            x, sizes = self._prepare_packed(input)
            batch, unbatched, order = sizes[0], False, input.sorted_indices
        else:
            x, unbatched = self._prepare_input(input)
            sizes, batch, order = None, x.shape[1], None
        states = [self._prepare_state(state, sname, batch, size, x, unbatched, order)
                  for state, sname, size in zip(hx, names, self._state_sizes())]
        out, finals = self._run(x, states, sizes)
        finals = [stack(f, 0) for f in finals]
        if packed:
            if input.unsorted_indices is not None:
                finals = [index_select(f, 1, input.unsorted_indices) for f in finals]
            return PackedSequence(out, input.batch_sizes, input.sorted_indices,
                                  input.unsorted_indices), finals
        if unbatched:
            return out.squeeze(1), [f.squeeze(1) for f in finals]
        return (out.transpose(0, 1) if self.batch_first else out), finals


def _scan(step: Callable, steps: Any, sizes: list[int], init: tuple, weights: list,
          reverse: bool) -> tuple[list[Tensor], tuple]:
    """One direction's time loop; at step t only the first ``sizes[t]`` (non-increasing) rows
    of the batch advance. Going forward, rows that stop are set aside and their last state
    joined back at the end; going backward, rows join (from their initial state) at their
    own last step. Returns each step's h in time order and the (N, ...) final states."""
    batch = init[0].shape[0]
    hs: list = [None] * len(sizes)
    if not reverse:
        carry, done = init, []
        for t, n in enumerate(sizes):
            if n < carry[0].shape[0]:
                parts = [split(c, [n, c.shape[0] - n], 0) for c in carry]
                done.append(tuple(p[1] for p in parts))
                carry = tuple(p[0] for p in parts)
            carry = _as_tuple(step(steps[t], *carry, *weights))
            hs[t] = carry[0]
        if done:
            carry = tuple(cat([c] + [d[i] for d in reversed(done)], 0)
                          for i, c in enumerate(carry))
        return hs, carry
    active = sizes[-1]
    carry = init if active == batch else tuple(s[:active] for s in init)
    for t in range(len(sizes) - 1, -1, -1):
        n = sizes[t]
        if n > active:  # these sequences' last element is at t: they start here
            carry = tuple(cat([c, s[active:n]], 0) for c, s in zip(carry, init))
            active = n
        carry = _as_tuple(step(steps[t], *carry, *weights))
        hs[t] = carry[0]
    return hs, carry


def _as_tuple(value: Any) -> tuple:
    return value if isinstance(value, tuple) else (value,)


class RNN(RNNBase):
    """Elman RNN, h_t = tanh or relu(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), over a
    sequence (padded tensor or PackedSequence); returns (output, h_n) with PyTorch's shapes."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None):
        mode = "RNN_" + _check_nonlinearity(nonlinearity, "RNN").upper()
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype)
        self.nonlinearity = nonlinearity

    def _step_fn(self) -> Callable:
        act = _ACTIVATIONS[self.nonlinearity]
        return lambda x_gates, h, w_hh_t, b_hh: _rnn_step(x_gates, h, w_hh_t, b_hh, act)

    def forward(self, input: Tensor | PackedSequence,  # noqa: A002
                hx: Tensor | None = None) -> tuple[Any, Tensor]:
        out, (h_n,) = self._forward(input, [hx], ["hx"])
        return out, h_n


class LSTM(RNNBase):
    """Long short-term memory over a sequence (padded tensor or PackedSequence); returns
    (output, (h_n, c_n)) with PyTorch's shapes. With ``proj_size`` > 0, h is projected to
    proj_size by ``weight_hr_l{k}`` after every step (h_0/h_n/output use proj_size)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device: Any = None, dtype: Any = None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device, dtype)

    def _step_fn(self) -> Callable:
        return _lstm_step

    def forward(self, input: Tensor | PackedSequence,  # noqa: A002
                hx: tuple[Tensor, Tensor] | None = None) -> tuple[Any, tuple[Tensor, Tensor]]:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"LSTM: hx must be a tuple (h_0, c_0) of two tensors, got "
                            f"{type(hx).__name__}")
        h0, c0 = (None, None) if hx is None else hx
        if (h0 is None) != (c0 is None):
            raise TypeError("LSTM: pass both h_0 and c_0, or neither")
        out, (h_n, c_n) = self._forward(input, [h0, c0], ["h_0", "c_0"])
        return out, (h_n, c_n)


class GRU(RNNBase):
    """Gated recurrent unit over a sequence (padded tensor or PackedSequence); returns
    (output, h_n) with PyTorch's shapes."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: Any = None, dtype: Any = None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype)

    def _step_fn(self) -> Callable:
        return _gru_step

    def forward(self, input: Tensor | PackedSequence,  # noqa: A002
                hx: Tensor | None = None) -> tuple[Any, Tensor]:
        out, (h_n,) = self._forward(input, [hx], ["hx"])
        return out, h_n
