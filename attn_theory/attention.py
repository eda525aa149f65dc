"""Attention primitives as pure functions, and a Flax multi-head layer that wraps them.

Layout convention (the one of `jax.nn.dot_product_attention` and Flax):
  q_bthd: [batch, query_len, heads, head_dim]
  k_bshd, v_bshd: [batch, key_len, heads, head_dim]
  attn_bhts: [batch, heads, query_len, key_len]
Masks are boolean, broadcastable to [batch, heads, query_len, key_len], True = attend.
Every primitive returns `(out_bthd, attn_bhts)` so analysis code never needs hooks.
"""

from __future__ import annotations

from collections.abc import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp

from attn_theory import memory_efficient

Array = jax.Array

ATTENTION_KINDS = ("softmax", "linear", "relu", "hardmax")
LINEAR_NORMALIZATIONS = ("none", "train", "actual")
# The one list of attention implementations (MultiHeadAttention's `impl`, the configs'
# `attention_impl`): the softmax kernels of memory_efficient.KERNELS plus 'merged', an exact
# re-association that MultiHeadAttention computes itself.
ATTENTION_IMPLS = (*memory_efficient.KERNELS, "merged")


def _scores(q_bthd: Array, k_bshd: Array, scale: float | None) -> Array:
    """Scaled dot-product scores [b, h, t, s] in float32."""
    if scale is None:
        scale = q_bthd.shape[-1] ** -0.5
    return jnp.einsum(
        "bthd,bshd->bhts", q_bthd, k_bshd, preferred_element_type=jnp.float32
    ) * jnp.float32(scale)


def softmax_attention(
    q_bthd: Array,
    k_bshd: Array,
    v_bshd: Array,
    *,
    mask: Array | None = None,
    bias: Array | None = None,
    scale: float | None = None,
) -> tuple[Array, Array]:
    """Softmax attention. Fully masked query rows give zero output (not NaN).

    Returns:
      out_bthd [b, t, h, d_v] and attn_bhts [b, h, t, s].
    """
    s_bhts = _scores(q_bthd, k_bshd, scale)
    if bias is not None:
        s_bhts = s_bhts + bias
    if mask is not None:
        s_bhts = jnp.where(mask, s_bhts, -jnp.inf)
        any_bht1 = jnp.any(jnp.broadcast_to(mask, s_bhts.shape), axis=-1, keepdims=True)
        s_bhts = jnp.where(any_bht1, s_bhts, 0.0)
    attn_bhts = jax.nn.softmax(s_bhts, axis=-1)
    if mask is not None:
        attn_bhts = jnp.where(mask & any_bht1, attn_bhts, 0.0)
    out_bthd = jnp.einsum("bhts,bshd->bthd", attn_bhts, v_bshd.astype(jnp.float32))
    return out_bthd.astype(v_bshd.dtype), attn_bhts


def linear_attention(
    q_bthd: Array,
    k_bshd: Array,
    v_bshd: Array,
    *,
    mask: Array | None = None,
    normalization: str = "none",
    train_len: int | None = None,
    scale: float | None = 1.0,
) -> tuple[Array, Array]:
    """Linear (un-normalised) attention: out_t = sum_s (q_t . k_s) v_s / Z.

    Args:
      normalization: 'none' (Z = 1, von Oswald's LSA), 'train' (Z = train_len, a fixed
        scale set at training length) or 'actual' (Z = number of attended keys).
      train_len: required for normalization='train'.
    """
    if normalization not in LINEAR_NORMALIZATIONS:
        raise ValueError(
            f"normalization must be one of {LINEAR_NORMALIZATIONS}, got {normalization!r}"
        )
    s_bhts = _scores(q_bthd, k_bshd, scale)
    if mask is not None:
        s_bhts = jnp.where(mask, s_bhts, 0.0)
    if normalization == "train":
        if train_len is None or train_len < 1:
            raise ValueError("normalization='train' needs train_len >= 1")
        s_bhts = s_bhts / train_len
    elif normalization == "actual":
        if mask is None:
            count = jnp.float32(k_bshd.shape[1])
        else:
            count = jnp.maximum(jnp.sum(jnp.broadcast_to(mask, s_bhts.shape), -1, keepdims=True), 1)
        s_bhts = s_bhts / count
    out_bthd = jnp.einsum("bhts,bshd->bthd", s_bhts, v_bshd.astype(jnp.float32))
    return out_bthd.astype(v_bshd.dtype), s_bhts


def activation_attention(
    q_bthd: Array,
    k_bshd: Array,
    v_bshd: Array,
    *,
    activation: Callable[[Array], Array] = jax.nn.relu,
    mask: Array | None = None,
    scale: float | None = None,
    normalize_by_len: bool = True,
) -> tuple[Array, Array]:
    """Attention with an elementwise activation of the scores instead of softmax.

    weights_ts = activation(q_t . k_s * scale) / (key_len if normalize_by_len else 1).
    """
    s_bhts = activation(_scores(q_bthd, k_bshd, scale))
    if mask is not None:
        s_bhts = jnp.where(mask, s_bhts, 0.0)
    if normalize_by_len:
        s_bhts = s_bhts / k_bshd.shape[1]
    out_bthd = jnp.einsum("bhts,bshd->bthd", s_bhts, v_bshd.astype(jnp.float32))
    return out_bthd.astype(v_bshd.dtype), s_bhts


def hardmax_attention(
    q_bthd: Array,
    k_bshd: Array,
    v_bshd: Array,
    *,
    mask: Array | None = None,
    scale: float | None = None,
) -> tuple[Array, Array]:
    """Hard (argmax) attention: each query copies the value of its top-scoring key."""
    s_bhts = _scores(q_bthd, k_bshd, scale)
    if mask is not None:
        s_bhts = jnp.where(mask, s_bhts, -jnp.inf)
    attn_bhts = jax.nn.one_hot(jnp.argmax(s_bhts, -1), s_bhts.shape[-1], dtype=jnp.float32)
    out_bthd = jnp.einsum("bhts,bshd->bthd", attn_bhts, v_bshd.astype(jnp.float32))
    return out_bthd.astype(v_bshd.dtype), attn_bhts


def attend(kind: str, q_bthd, k_bshd, v_bshd, *, mask=None, scale=None, **kwargs):
    """Dispatches to one of ATTENTION_KINDS; returns (out_bthd, attn_bhts)."""
    if kind == "softmax":
        return softmax_attention(q_bthd, k_bshd, v_bshd, mask=mask, scale=scale, **kwargs)
    if kind == "linear":
        return linear_attention(q_bthd, k_bshd, v_bshd, mask=mask, scale=scale, **kwargs)
    if kind == "relu":
        return activation_attention(q_bthd, k_bshd, v_bshd, mask=mask, scale=scale, **kwargs)
    if kind == "hardmax":
        return hardmax_attention(q_bthd, k_bshd, v_bshd, mask=mask, scale=scale)
    raise ValueError(f"attention kind must be one of {ATTENTION_KINDS}, got {kind!r}")


def causal_mask(q_len: int, k_len: int | None = None, *, strict: bool = False) -> Array:
    """Boolean [1, 1, q_len, k_len] mask; strict=True excludes the diagonal."""
    k_len = q_len if k_len is None else k_len
    rows = jnp.arange(q_len)[:, None]
    cols = jnp.arange(k_len)[None, :]
    return (cols < rows if strict else cols <= rows)[None, None]


def merged_kq_ov(w_q_hdk: Array, w_k_hdk: Array, w_v_hdk: Array, w_o_hko: Array, scale: float):
    """Merged per-head forms: KQ_h = W_K^h W_Q^h^T * scale [h, d, d], OV_h = W_V^h W_O^h [h, d, o].

    With score = (z_q W_Q)(z_l W_K)^T * scale = z_l^T KQ_h z_q and out = sum_h a_h z W_V^h W_O^h.
    """
    kq_hdd = jnp.einsum("hik,hjk->hij", w_k_hdk, w_q_hdk) * scale
    ov_hdo = jnp.einsum("hdk,hko->hdo", w_v_hdk, w_o_hko)
    return kq_hdd, ov_hdo


def torch_linear_init(fan_in: int):
    """PyTorch nn.Linear default init, U(+-1/sqrt(fan_in)), for reproducing PyTorch papers."""
    return nn.initializers.variance_scaling(1.0 / 3.0, "fan_in", "uniform", in_axis=-2)


class MultiHeadAttention(nn.Module):
    """Multi-head attention with separate per-head Q/K/V and an output map O.

    Heads are not split from a shared width: each head has its own [d_in, head_dim]
    projections, so low rank (head_dim < d_in) is a knob, not a code fork.

    Returns (out [b, t, out_dim], intermediates dict with 'attn' [b, h, t, s] and
    'heads' [b, t, h, head_dim]).
    """

    num_heads: int
    head_dim: int
    out_dim: int
    kind: str = "softmax"
    scale: float | None = None
    qk_dim: int | None = None  # None: head_dim; the rank of each head's KQ^T
    use_output: bool = True
    kernel_init: Callable | None = None
    attn_kwargs: tuple = ()
    # 'reference' returns the weights; 'merged' too (same function, re-associated for few
    # queries: cheaper when query_len << key_len); 'memory_efficient' (O(sqrt n) memory) and
    # 'xla' (jax.nn.dot_product_attention) are softmax-only drop-in backends without weights.
    impl: str = "reference"

    @nn.compact
    def __call__(self, x_q_btd: Array, x_kv_bsd: Array, mask: Array | None = None):
        d_in = x_q_btd.shape[-1]
        qk_dim = self.qk_dim or self.head_dim
        init = self.kernel_init or torch_linear_init(d_in)
        w_q = self.param("w_q", init, (self.num_heads, d_in, qk_dim))
        w_k = self.param("w_k", init, (self.num_heads, d_in, qk_dim))
        w_v = self.param("w_v", init, (self.num_heads, d_in, self.head_dim))
        q = jnp.einsum("btd,hdk->bthk", x_q_btd, w_q)
        if self.impl == "merged":
            # Exact re-association for few queries and many keys: the query is mapped back
            # to input space through W_K (score = x_s^T W_K W_Q^T x_t), the weights mix the
            # raw inputs and W_V is applied after mixing; no per-key projection is formed.
            q_in = jnp.einsum("bthk,hdk->bthd", q, w_k)
            x_in = jnp.broadcast_to(x_kv_bsd[:, :, None], x_kv_bsd.shape[:2] + q_in.shape[2:])
            scale = qk_dim**-0.5 if self.scale is None else self.scale
            mixed_bthd, attn_bhts = attend(
                self.kind, q_in, x_in, x_in, mask=mask, scale=scale, **dict(self.attn_kwargs)
            )
            heads_bthk = jnp.einsum("bthd,hdk->bthk", mixed_bthd, w_v)
            return self._output(heads_bthk, {"attn": attn_bhts, "heads": heads_bthk})
        k = jnp.einsum("bsd,hdk->bshk", x_kv_bsd, w_k)
        v = jnp.einsum("bsd,hdk->bshk", x_kv_bsd, w_v)
        if self.impl == "reference":
            heads_bthk, attn_bhts = attend(
                self.kind, q, k, v, mask=mask, scale=self.scale, **dict(self.attn_kwargs)
            )
        else:
            if self.kind != "softmax":
                raise ValueError(f"impl={self.impl!r} supports kind='softmax' only")
            fn = memory_efficient.attention_fn(self.impl)
            heads_bthk, attn_bhts = fn(q, k, v, mask=mask, scale=self.scale), None
        return self._output(heads_bthk, {"attn": attn_bhts, "heads": heads_bthk})

    def _output(self, heads_bthk: Array, inter: dict):
        if not self.use_output:
            return heads_bthk, inter
        # fan_in of O is num_heads * head_dim, as for PyTorch's Linear(H * head_dim, out).
        o_init = self.kernel_init or nn.initializers.variance_scaling(
            1.0 / 3.0, "fan_in", "uniform", in_axis=(0, 1)
        )
        w_o = self.param("w_o", o_init, (self.num_heads, self.head_dim, self.out_dim))
        return jnp.einsum("bthk,hko->bto", heads_bthk, w_o), inter
