"""Hand-written CUDA kernels for the few places where one kernel clearly beats many.

On a GPU the lesson CNN's step is bound by launches, not arithmetic: each CuPy call costs
~10-20 us of host time whatever its size. These chains in a training step are long runs of
small calls, and each becomes one kernel here:

- the Adam update: ~12 calls per parameter (moments, bias correction, step) -> 1;
- ReLU forward: allocations, the max and the saved mask -> 1;
- cross-entropy with class-index targets: ~30 calls (log-softmax, one-hot coefficients, the
  target range check) -> 1 kernel per row forward and 1 elementwise backward;
- max pooling forward: per kernel offset a compare, a max and an index update -> 1;
- max pooling backward: per kernel offset a mask and a masked add -> 1, written as a gather
  (each input element sums the outputs whose window picked it), so it needs no atomics and
  adds in the same order as the plain version.

Each kernel does what the plain array code in ``optim/adam.py``, ``ops/activation_basic.py``
(ReLU), ``ops/cross_entropy.py`` and ``ops/pooling.py`` does, in the same order of operations
(the cross-entropy sums a row in its own order); those files stay the definition,
and ``MINIGRAD_CUDA_KERNELS=0`` turns these off to compare (``benchmarks/bench_cnn.py``).
Only the CuPy backend imports this file.
"""
from __future__ import annotations

from typing import Any, Callable


def _split_index(row: str, col: str, rows: str, cols: str) -> str:
    """C code splitting the flat index ``i`` of a work-layout array (channels-last or not)
    into ``n``, ``c``, ``row``, ``col``, for ``rows`` x ``cols`` planes of ``C`` channels."""
    return f"""
        int c, {row}, {col}, n, r;
        if (channels_last) {{
          c = i % C; r = i / C; {col} = r % {cols}; r /= {cols}; {row} = r % {rows}; n = r / {rows};
        }} else {{
          {col} = i % {cols}; r = i / {cols}; {row} = r % {rows}; r /= {rows}; c = r % C; n = r / C;
        }}
    """


def _offset(row: str, col: str, rows: str, cols: str) -> str:
    """The C expression for the flat offset of (n, c, row, col): the inverse of the above."""
    return (f"(channels_last ? (((long long)n * {rows} + {row}) * {cols} + {col}) * C + c "
            f": (((long long)n * C + c) * {rows} + {row}) * {cols} + {col})")


def build(cupy: Any) -> dict[str, Callable]:
    """The kernels, compiled on first call by CuPy (and cached on disk by it)."""
    adam = cupy.ElementwiseKernel(
        "T g, T weight, T one_minus_weight, T beta2, T one_minus_beta2, T bc2_sqrt, T eps, "
        "T neg_step_size",
        "T p, T m, T v",
        """
        T diff = g - m;                           // m.lerp_(g, weight), torch's two branches
        if (weight < (T)0.5) { m = m + diff * weight; }
        else { m = g - diff * one_minus_weight; }
        v = v * beta2 + (g * one_minus_beta2) * g;
        T denom = sqrt(v) / bc2_sqrt + eps;
        p = p + (m * neg_step_size) / denom;
        """,
        "minigrad_adam_update", options=("--fmad=false",))

    # Both pooling kernels take the geometry as scalars, and arrays in the op's work layout,
    # contiguous: (N, H, W, C) when channels_last, else (N, C, H, W). Each thread decodes its
    # flat index i into (n, c, row, column) of its output.
    geometry = ("int32 C, int32 H, int32 W, int32 Ho, int32 Wo, int32 kh, int32 kw, int32 sh, "
                "int32 sw, int32 ph, int32 pw, int32 dh, int32 dw, bool channels_last")
    pool_forward = cupy.ElementwiseKernel(
        "raw T x, " + geometry,
        "T out, I which",
        _split_index("ho", "wo", "Ho", "Wo") + """
        T best = 0; int arg = 0;
        for (int a = 0; a < kh; ++a) {
          int h = ho * sh - ph + a * dh;
          for (int b = 0; b < kw; ++b) {
            int w = wo * sw - pw + b * dw;
            T value = (T)__longlong_as_double(0xfff0000000000000ULL);  // outside: -inf
            if (h >= 0 && h < H && w >= 0 && w < W) {
              value = x[""" + _offset("h", "w", "H", "W") + """];
            }
            int k = a * kw + b;
            if (k == 0) { best = value; continue; }
            if (value > best || isnan(value)) { arg = k; }  // first maximum, or last NaN
            if (!isnan(best) && (isnan(value) || value > best)) { best = value; }  // NaN sticks
          }
        }
        out = best; which = (I)arg;
        """,
        "minigrad_max_pool_forward")

    # Backward as a gather over the input: element (h, w) receives output (ho, wo)'s gradient
    # when h = ho*sh - ph + a*dh and w = wo*sw - pw + b*dw and that window's winner is a*kw+b.
    pool_backward = cupy.ElementwiseKernel(
        "raw T grad, raw I which, " + geometry,
        "T out",
        _split_index("h", "w", "H", "W") + """
        T total = 0;
        for (int a = 0; a < kh; ++a) {
          int th = h + ph - a * dh;
          if (th < 0 || th % sh != 0 || th / sh >= Ho) continue;
          int ho = th / sh;
          for (int b = 0; b < kw; ++b) {
            int tw = w + pw - b * dw;
            if (tw < 0 || tw % sw != 0 || tw / sw >= Wo) continue;
            int wo = tw / sw;
            long long o = """ + _offset("ho", "wo", "Ho", "Wo") + """;
            if ((int)which[o] == a * kw + b) total += grad[o];
          }
        }
        out = total;
        """,
        "minigrad_max_pool_backward")

    relu = cupy.ElementwiseKernel(
        "T x", "T y, bool mask",
        """
        mask = x > (T)0;
        y = (mask || isnan(x)) ? x : (T)0;        // max(x, 0): NaN stays NaN
        """,
        "minigrad_relu_forward")

    def relu_forward(x):
        """(max(x, 0), x > 0), both in ``x``'s memory order (channels-last stays so)."""
        if x.ndim == 4 and not x.flags.c_contiguous:
            nhwc = x.transpose(0, 2, 3, 1)
            if nhwc.flags.c_contiguous:  # a convolution's output: work on its memory order
                y, mask = relu(nhwc)
                return y.transpose(0, 3, 1, 2), mask.transpose(0, 3, 1, 2)
        return relu(x)

    # One thread per row of (N, C) scores: the stable log-softmax, the softmax kept for
    # backward (written into ``softmax``), the row's loss and whether its target is usable.
    ce_forward = cupy.ElementwiseKernel(
        "raw T x, I target, int32 C, int64 ignore_index",
        "raw T softmax, T loss, T kept, bool bad",
        """
        const long long base = (long long)i * C;
        T m = x[base];
        for (int c = 1; c < C; ++c) { T v = x[base + c]; if (v > m || isnan(v)) m = v; }
        T total = 0;
        for (int c = 0; c < C; ++c) { T e = exp(x[base + c] - m); softmax[base + c] = e; total += e; }
        for (int c = 0; c < C; ++c) { softmax[base + c] = softmax[base + c] / total; }
        bool valid = target != ignore_index;
        bad = valid && (target < 0 || target >= C);
        kept = valid ? (T)1 : (T)0;
        loss = (valid && !bad) ? -((x[base + target] - m) - log(total)) : (T)0;
        """,
        "minigrad_cross_entropy_forward")

    ce_backward = cupy.ElementwiseKernel(
        "T softmax, raw I target, raw T scale, int32 C, int64 ignore_index",
        "T grad",
        """
        const I t = target[i / C];
        grad = (t != ignore_index) ? (softmax - (i % C == t ? (T)1 : (T)0)) * scale[0] : (T)0;
        """,
        "minigrad_cross_entropy_backward")

    def cross_entropy_forward(x, target, ignore_index):
        """(softmax, per-row loss, per-row 1/0 kept, per-row bad target) of (N, C) scores."""
        x = cupy.ascontiguousarray(x)
        n = x.shape[0]
        softmax, loss = cupy.empty_like(x), cupy.empty(n, x.dtype)
        kept, bad = cupy.empty(n, x.dtype), cupy.empty(n, cupy.bool_)
        ce_forward(x, target, x.shape[1], ignore_index, softmax, loss, kept, bad)
        return softmax, loss, kept, bad

    def cross_entropy_backward(softmax, target, scale, ignore_index):
        """d loss / d x = (softmax - onehot(target)) * scale on kept rows, 0 on ignored ones."""
        return ce_backward(softmax, target, scale.reshape(1), softmax.shape[1], ignore_index)

    def adam_update(p, g, m, v, *, weight, beta2, bc2_sqrt, eps, step_size):
        adam(g, weight, 1.0 - weight, beta2, 1.0 - beta2, bc2_sqrt, eps, -step_size, p, m, v)

    def geometry_args(channels, in_size, out_size, geo, channels_last):
        (h, w), (ho, wo) = in_size, out_size
        return (channels, h, w, ho, wo, *geo.kernel, *geo.stride, *geo.padding, *geo.dilation,
                bool(channels_last))

    def max_pool_forward(work, geo, channels_last, index_dtype):
        """``work``: the contiguous work-layout input; returns (out, which) in work layout."""
        n, c = work.shape[0], work.shape[3] if channels_last else work.shape[1]
        ho, wo = geo.out_size
        shape = (n, ho, wo, c) if channels_last else (n, c, ho, wo)
        out = cupy.empty(shape, dtype=work.dtype)
        which = cupy.empty(shape, dtype=index_dtype)
        pool_forward(work, *geometry_args(c, geo.in_size, geo.out_size, geo, channels_last),
                     out, which)
        return out, which

    def max_pool_backward(grad, which, geo, channels_last):
        """``grad``, ``which``: contiguous, work layout; returns the input gradient, likewise."""
        n, c = grad.shape[0], grad.shape[3] if channels_last else grad.shape[1]
        h, w = geo.in_size
        out = cupy.empty((n, h, w, c) if channels_last else (n, c, h, w), dtype=grad.dtype)
        pool_backward(grad, which, *geometry_args(c, geo.in_size, geo.out_size, geo,
                                                  channels_last), out)
        return out

    return {"adam_update": adam_update, "relu_forward": relu_forward,
            "cross_entropy_forward": cross_entropy_forward,
            "cross_entropy_backward": cross_entropy_backward,
            "max_pool_forward": max_pool_forward,
            "max_pool_backward": max_pool_backward}
