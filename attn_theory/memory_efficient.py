"""Exact attention in O(sqrt n) memory (Rabe & Staats 2021, arXiv 2112.05682), and backends.

`memory_efficient_attention` never forms the `[q_len, kv_len]` score matrix: it streams over
key chunks with a running max and normaliser (the numerically stable "lazy softmax"), one
query chunk at a time. Its gradient is a custom VJP that stores only the output and one f32
log-sum-exp per query and recomputes each chunk's scores, so the gradient is memory-efficient
too (see `memory_efficient_vjp.py`).

Layout (that of `jax.nn.dot_product_attention`): q `[batch, q_len, heads, head_dim]`,
k `[batch, kv_len, heads, head_dim]`, v `[batch, kv_len, heads, v_dim]`, output
`[batch, q_len, heads, v_dim]`. Masks and biases broadcast to `[batch, heads, q_len, kv_len]`;
mask True means "attend". `attention_fn(impl)` returns one of the interchangeable kernels of
`KERNELS`, for models with an `attention_impl` config knob (attention.ATTENTION_IMPLS).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
from jax import lax

from attn_theory import memory_efficient_vjp as vjp

Array = jax.Array

# Default chunk policy: query chunks are fixed at 256 and key chunks grow as 4 * sqrt(kv_len)
# (rounded up to a power of two) within [128, 1024], so the working set (one f32
# [q_chunk, kv_chunk] score block per batch*head plus O(q_chunk * d) running state) is
# O(sqrt n) and bounded. The cap keeps a score block (<= 1 MiB) inside this CPU's L2/L3
# cache; on a 2-core EPYC these sizes were the fastest of those tried at n = 4096 and 16384.
_Q_CHUNK = 256
RESIDUALS = ("output", "recompute")  # see memory_efficient_attention(residual=...)
_MIN_KV_CHUNK = 128
_MAX_KV_CHUNK = 1024


def default_chunk_sizes(q_len: int, kv_len: int) -> tuple[int, int]:
    """The default `(query_chunk_size, key_chunk_size)` for given sequence lengths."""
    kv = 2 ** math.ceil(math.log2(4 * math.sqrt(max(kv_len, 1))))
    kv = min(max(kv, _MIN_KV_CHUNK), _MAX_KV_CHUNK, _round_up(kv_len, 8))
    return min(_Q_CHUNK, _round_up(q_len, 8)), kv


def _round_up(x: int, m: int) -> int:
    return -(-x // m) * m


def _as_4d(x: Array | None, name: str, shape: tuple[int, int, int, int]) -> Array | None:
    """Left-pads `x` to 4 dims and checks it broadcasts to `shape` ([b, h, q_len, kv_len])."""
    if x is None:
        return None
    if x.ndim > 4:
        raise ValueError(f"{name} must have at most 4 dims, got shape {x.shape}")
    x = x.reshape((1,) * (4 - x.ndim) + x.shape)
    for got, want in zip(x.shape, shape, strict=True):
        if got not in (1, want):
            raise ValueError(f"{name} of shape {x.shape} does not broadcast to {shape}")
    return x


def _pad_qk(x: Array, q_pad: int, k_pad: int, fill) -> Array:
    """Pads the q/kv dims of a 4-D mask/bias that are not broadcast (size 1)."""
    pads = [
        (0, 0),
        (0, 0),
        (0, q_pad if x.shape[2] > 1 else 0),
        (0, k_pad if x.shape[3] > 1 else 0),
    ]
    return jnp.pad(x, pads, constant_values=fill)


def _pad_seq(x_bthd: Array, chunk: int) -> Array:
    """Zero-pads the sequence axis of `[b, t, h, d]` to a multiple of `chunk` (no-op if whole)."""
    pad = _round_up(x_bthd.shape[1], chunk) - x_bthd.shape[1]
    return jnp.pad(x_bthd, ((0, 0), (0, pad), (0, 0), (0, 0))) if pad else x_bthd


def memory_efficient_attention(
    q: Array,
    k: Array,
    v: Array,
    *,
    mask: Array | None = None,
    bias: Array | None = None,
    causal: bool = False,
    scale: float | None = None,
    query_chunk_size: int | None = None,
    key_chunk_size: int | None = None,
    precision: lax.Precision | None = None,
    residual: str = "output",
) -> Array:
    """Exact softmax attention without an n^2 buffer, in value and gradient.

    Args:
      q: queries `[batch, q_len, heads, head_dim]`, float32 or bfloat16.
      k: keys `[batch, kv_len, heads, head_dim]`.
      v: values `[batch, kv_len, heads, v_dim]`.
      mask: optional bool, broadcastable to `[batch, heads, q_len, kv_len]`; True = attend.
      bias: optional additive logits bias, broadcastable like `mask`; differentiable.
      causal: if True, query i attends keys j <= i (top-left aligned, as jax.nn).
      scale: logits scale; None means `1 / sqrt(head_dim)`.
      query_chunk_size, key_chunk_size: chunk sizes; None uses `default_chunk_sizes`. Lengths
        need not divide them (inputs are padded internally and padded keys masked).
      precision: matmul precision (None = backend default; f32 is exact on CPU).
      residual: what the gradient keeps from the forward pass besides one f32 log-sum-exp per
        query: "output" keeps the `[batch, q_len, heads, v_dim]` output (the default, no
        extra compute) and "recompute" keeps nothing more and rebuilds what it needs from
        the output in one extra chunked pass (about one more forward pass of compute, an
        n x v_dim buffer less; Rabe & Staats recompute, via checkpointing).

    Returns:
      `[batch, q_len, heads, v_dim]` in q's dtype. Scores and accumulators are float32.
      Queries with no key to attend to (fully masked rows) give zeros, with finite gradients.
    """
    b, tq, h, d = q.shape
    tk = k.shape[1]
    if k.shape != (b, tk, h, d) or v.shape[:3] != (b, tk, h):
        raise ValueError(f"incompatible shapes q {q.shape}, k {k.shape}, v {v.shape}")
    qc_default, kc_default = default_chunk_sizes(tq, tk)
    qc = query_chunk_size or qc_default
    kc = key_chunk_size or kc_default
    scale = 1.0 / math.sqrt(d) if scale is None else float(scale)
    if residual not in RESIDUALS:
        raise ValueError(f"residual must be one of {RESIDUALS}, got {residual!r}")
    cfg = vjp.Cfg(scale, bool(causal), tq, tk, qc, kc, precision, residual)

    full = (b, h, tq, tk)
    q_pad, k_pad = _round_up(tq, qc) - tq, _round_up(tk, kc) - tk
    mask4 = _as_4d(mask, "mask", full)
    if mask4 is not None:
        mask4 = _pad_qk(mask4.astype(bool), q_pad, k_pad, False)
    bias4 = _as_4d(bias, "bias", full)
    if bias4 is not None:
        bias4 = _pad_qk(bias4, q_pad, k_pad, 0)

    out = vjp.chunked_attention(
        _pad_seq(q, qc), _pad_seq(k, kc), _pad_seq(v, kc), mask4, bias4, cfg
    )
    return out[:, :tq].astype(q.dtype)


def naive_attention(
    q: Array,
    k: Array,
    v: Array,
    *,
    mask: Array | None = None,
    bias: Array | None = None,
    causal: bool = False,
    scale: float | None = None,
    query_chunk_size: int | None = None,
    key_chunk_size: int | None = None,
    precision: lax.Precision | None = None,
) -> Array:
    """Reference attention that materialises `[batch, heads, q_len, kv_len]` scores.

    Same signature and semantics as `memory_efficient_attention` (chunk sizes are ignored):
    f32 softmax, fully masked rows give zeros.
    """
    del query_chunk_size, key_chunk_size
    d, tq, tk = q.shape[-1], q.shape[1], k.shape[1]
    scale = 1.0 / math.sqrt(d) if scale is None else scale
    s = jnp.einsum("bqhd,bkhd->bhqk", q, k, precision=precision, preferred_element_type=jnp.float32)
    s = s * scale
    if bias is not None:
        s = s + bias.astype(jnp.float32)
    valid = None if mask is None else mask
    if causal:
        c = jnp.tril(jnp.ones((tq, tk), bool))
        valid = c if valid is None else valid & c
    if valid is None:
        p = jax.nn.softmax(s, axis=-1)
    else:
        # Rows with no valid key get zeros; softmax runs on a harmless 0 row there so that
        # neither the value nor the gradient sees a NaN.
        row_any = valid.any(-1, keepdims=True)
        p = jax.nn.softmax(jnp.where(valid, s, jnp.where(row_any, -jnp.inf, 0.0)), axis=-1)
        p = jnp.where(row_any, p, 0.0)
    out = jnp.einsum("bhqk,bkhd->bqhd", p, v.astype(jnp.float32), precision=precision)
    return out.astype(q.dtype)


def _xla_attention(q, k, v, *, mask=None, bias=None, causal=False, scale=None):
    """jax.nn.dot_product_attention (xla); fully masked rows are zeroed to match the others."""
    out = jax.nn.dot_product_attention(
        q, k, v, bias=bias, mask=mask, is_causal=causal, scale=scale, implementation="xla"
    )
    if mask is None:
        return out
    # jax.nn gives a uniform average over all keys on rows with no valid key; we give zeros.
    tq, tk = q.shape[1], k.shape[1]
    valid = jnp.broadcast_to(mask, mask.shape[:-2] + (tq, tk))
    if causal:
        valid = valid & jnp.tril(jnp.ones((tq, tk), bool))
    any_bhq = jnp.broadcast_to(valid.any(-1), (q.shape[0], q.shape[2], tq))
    return jnp.where(any_bhq.transpose(0, 2, 1)[..., None], out, 0).astype(out.dtype)


# Softmax attention kernels by implementation name. attention.ATTENTION_IMPLS, the one list of
# names that models accept, is built from this table ('merged' is the only name it adds).
KERNELS: dict[str, Callable[..., Array]] = {
    "reference": naive_attention,  # materialises the [q_len, kv_len] scores
    "memory_efficient": memory_efficient_attention,
    "xla": _xla_attention,
}


def attention_fn(impl: str) -> Callable[..., Array]:
    """Returns `fn(q, k, v, *, mask=None, bias=None, causal=False, scale=None) -> out`.

    Args:
      impl: a name of KERNELS: 'reference' (naive_attention), 'memory_efficient' or 'xla'
        (jax.nn.dot_product_attention).

    All three take and return the `[batch, seq, heads, head_dim]` layout described above.
    """
    if impl not in KERNELS:
        raise ValueError(f"attention_impl must be one of {sorted(KERNELS)}, got {impl!r}")
    f = KERNELS[impl]

    def fn(q, k, v, *, mask=None, bias=None, causal=False, scale=None):
        return f(q, k, v, mask=mask, bias=bias, causal=causal, scale=scale)

    fn.__name__ = f"attention_{impl}"
    return fn
