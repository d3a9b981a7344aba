"""Weight initialisation with PyTorch's formulas, so a fresh layer starts where PyTorch's does.

Every function fills a tensor in place (under ``no_grad``, so it works on
parameters) from minigrad's random generator, which ``mg.manual_seed`` resets,
or from ``generator=`` (an ``mg.Generator``), and returns the tensor.
"""
from __future__ import annotations

import math
from typing import Any

from .. import dtypes
from ..autograd.grad_mode import no_grad
from ..random import draws
from ..tensor import Tensor

_LINEAR_GAIN = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: Any = None) -> float:
    """The factor that keeps activations' variance stable through ``nonlinearity``."""
    if nonlinearity in _LINEAR_GAIN:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """fan_in = size(1) * receptive field, fan_out = size(0) * receptive field (PyTorch's rule)."""
    if tensor.ndim < 2:
        raise ValueError(f"init: fan in and fan out can not be computed for a tensor with fewer "
                         f"than 2 dimensions (got shape {tuple(tensor.shape)})")
    receptive_field = 1
    for s in tensor.shape[2:]:
        receptive_field *= s
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"init: mode {mode!r} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _check(tensor: Any, fn: str) -> bool:
    """Refuse non-tensors; report whether there is anything to fill."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"init.{fn}: expected a Tensor, got {type(tensor).__name__}")
    return tensor.numel() > 0


def _check_floating(tensor: Tensor, fn: str) -> None:
    """Random real values cannot be written into an integer tensor (PyTorch refuses too);
    without this check copy_ would truncate them silently, or NumPy would raise a casting error."""
    if not dtypes.is_floating(tensor.dtype):
        raise TypeError(f"init.{fn}: expected a floating-point tensor, got {tensor.dtype} "
                        f"(shape {tuple(tensor.shape)})")


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with U(a, b)."""
    if _check(tensor, "uniform_") and draws(generator, tensor.device, "init.uniform_"):
        with no_grad():
            tensor.uniform_(float(a), float(b), generator=generator)
    return tensor


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with N(mean, std^2)."""
    if _check(tensor, "normal_") and draws(generator, tensor.device, "init.normal_"):
        with no_grad():
            tensor.normal_(float(mean), float(std), generator=generator)
    return tensor


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with one value."""
    _check(tensor, "constant_")
    with no_grad():
        tensor.fill_(val)
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros (the usual bias initialisation)."""
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones (the usual normalisation-scale initialisation)."""
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)), for tanh/sigmoid nets."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator: Any = None) -> Tensor:
    """He: U(-b, b) with b = gain * sqrt(3 / fan), for ReLU-family nets."""
    if tensor.numel() == 0:
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator: Any = None) -> Tensor:
    """He: N(0, std^2) with std = gain / sqrt(fan)."""
    if tensor.numel() == 0:
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """A (semi-)orthogonal matrix, uniformly distributed (Haar), scaled by ``gain``: deep linear
    and recurrent nets then neither shrink nor blow up signals (Saxe et al. 2013).

    Dimensions after the first are flattened; with more columns than rows the rows
    are orthonormal, otherwise the columns. As in PyTorch: QR of a standard normal
    matrix, each column of Q multiplied by the sign of R's diagonal entry (without
    that fix the distribution would not be uniform).
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"init.orthogonal_: expected a Tensor, got {type(tensor).__name__}")
    if tensor.ndim < 2:
        raise ValueError(f"init.orthogonal_: only tensors with 2 or more dimensions are "
                         f"supported, got shape {tuple(tensor.shape)}")
    _check_floating(tensor, "orthogonal_")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    xp = tensor.xp
    rng = draws(generator, tensor.device, "init.orthogonal_")
    flat = rng.standard_normal((rows, cols))  # float64: QR stays accurate
    if rows < cols:
        flat = flat.T
    q, r = xp.linalg.qr(flat)
    q = q * xp.sign(xp.diagonal(r))
    if rows < cols:
        q = q.T
    with no_grad():
        tensor.copy_(Tensor._make((q * float(gain)).reshape(tensor.shape).astype(tensor.dtype),
                                  tensor.device))
    return tensor


_SQRT2 = math.sqrt(2.0)


def _normal_mass(alpha: float, beta: float) -> float:
    """P(alpha <= Z <= beta) for a standard normal Z, without cancellation in either tail."""
    if alpha >= 0:
        return 0.5 * (math.erfc(alpha / _SQRT2) - math.erfc(beta / _SQRT2))
    if beta <= 0:
        return 0.5 * (math.erfc(-beta / _SQRT2) - math.erfc(-alpha / _SQRT2))
    return 0.5 * (math.erf(beta / _SQRT2) - math.erf(alpha / _SQRT2))


def _truncated_standard_normal(n: int, alpha: float, beta: float, backend: Any,
                               rng: Any = None) -> Any:
    """n exact draws of a standard normal conditioned on [alpha, beta], in float64.

    Rejection sampling from whichever proposal accepts most often for this interval
    (Robert 1995): the normal itself (wide intervals near 0), a uniform on the interval
    (narrow ones), or a shifted exponential (one-sided tails). Each keeps a draw z
    with probability target(z) / (M * proposal(z)), so what is kept is exact.
    """
    xp, rng = backend.xp, backend.rng if rng is None else rng
    flip = beta <= 0
    if flip:  # a left tail: sample its mirror image
        alpha, beta = -beta, -alpha
    mass = _normal_mass(alpha, beta)
    if not mass > 0:
        raise ValueError(f"init.trunc_normal_: [a, b] lies so far in the tail (between "
                         f"{alpha:g} and {beta:g} standard deviations from the mean) that its "
                         "probability is 0 in float64")
    m = 0.0 if alpha <= 0 <= beta else alpha  # the point of the interval nearest 0
    acceptance = {"normal": mass}
    if math.isfinite(beta):
        acceptance["uniform"] = mass * math.sqrt(2 * math.pi) / ((beta - alpha)
                                                                   * math.exp(-m * m / 2))
    if alpha > 0:
        lam = (alpha + math.sqrt(alpha * alpha + 4)) / 2  # the best exponential rate
        acceptance["exponential"] = math.sqrt(2 * math.pi) * mass * lam * math.exp(
            lam * alpha - lam * lam / 2)
    method = max(acceptance, key=acceptance.get)
    kept, have = [], 0
    for _ in range(10_000):
        if have >= n:
            break
        size = int((n - have) / acceptance[method] * 1.1) + 64
        if method == "normal":
            z = rng.standard_normal(size)
            ok = (z >= alpha) & (z <= beta)
        elif method == "uniform":
            z = alpha + (beta - alpha) * rng.random(size)
            ok = rng.random(size) < xp.exp((m * m - z * z) / 2)
        else:
            z = alpha - xp.log1p(-rng.random(size)) / lam
            ok = (rng.random(size) < xp.exp(-(z - lam) ** 2 / 2)) & (z <= beta)
        z = z[ok]
        kept.append(z)
        have += int(z.shape[0])
    else:
        raise RuntimeError("init.trunc_normal_: rejection sampling did not finish")
    z = xp.concatenate(kept)[:n]
    return -z if flip else z


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: Any = None) -> Tensor:
    """Fill with N(mean, std^2) conditioned on [a, b] (bounds in value units, as in PyTorch):
    a normal start without the rare huge weights (ViT, BERT initialisations).

    Sampling is exact for any interval, including ones far from the mean.
    """
    if not _check(tensor, "trunc_normal_"):
        return tensor
    _check_floating(tensor, "trunc_normal_")
    mean, std, a, b = float(mean), float(std), float(a), float(b)
    if not std > 0:
        raise ValueError(f"init.trunc_normal_: std must be positive, got {std}")
    if not a < b:
        raise ValueError(f"init.trunc_normal_: expected a < b, got a={a}, b={b}")
    z = _truncated_standard_normal(tensor.numel(), (a - mean) / std, (b - mean) / std,
                                   tensor.backend, draws(generator, tensor.device,
                                                         "init.trunc_normal_"))
    values = (mean + std * z).astype(tensor.dtype)
    tensor.xp.clip(values, a, b, out=values)  # rounding to the dtype must not leave [a, b]
    with no_grad():
        tensor.copy_(Tensor._make(values.reshape(tensor.shape), tensor.device))
    return tensor


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity, so a Linear layer starts by passing inputs through."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"init.eye_: expected a Tensor, got {type(tensor).__name__}")
    if tensor.ndim != 2:
        raise ValueError(f"init.eye_: only tensors with 2 dimensions are supported, got shape "
                         f"{tuple(tensor.shape)}")
    with no_grad():
        tensor.copy_(Tensor._make(tensor.xp.eye(*tensor.shape, dtype=tensor.dtype),
                                  tensor.device))
    return tensor


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a conv weight (3, 4 or 5-D) so the convolution is the identity on the first
    min(out/groups, in) channels of each group: a residual-free way to start as a no-op."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"init.dirac_: expected a Tensor, got {type(tensor).__name__}")
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(f"init.dirac_: only tensors with 3, 4, or 5 dimensions are supported, "
                         f"got shape {tuple(tensor.shape)}")
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise ValueError(f"init.dirac_: groups must be a positive integer, got {groups!r}")
    if tensor.shape[0] % groups != 0:
        raise ValueError(f"init.dirac_: dim 0 (size {tensor.shape[0]}) must be divisible by "
                         f"groups={groups}")
    out_per_group = tensor.shape[0] // groups
    n = min(out_per_group, tensor.shape[1])
    centre = tuple(s // 2 for s in tensor.shape[2:])
    xp = tensor.xp
    values = xp.zeros(tensor.shape, dtype=tensor.dtype)
    d = xp.arange(n)
    for g in range(groups):
        values[(g * out_per_group + d, d) + centre] = 1
    with no_grad():
        tensor.copy_(Tensor._make(values, tensor.device))
    return tensor


__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
           "orthogonal_", "trunc_normal_", "eye_", "dirac_", "sparse_"]


from .init_sparse import sparse_  # noqa: E402


def default_layer_init_(weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's default for Linear and Conv layers: kaiming_uniform_(a=sqrt(5)) on the weight,
    which is U(+-1/sqrt(fan_in)), and the same bound for the bias."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        uniform_(bias, -bound, bound)
