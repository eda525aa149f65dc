"""The single multi-head attention layer of Mahdavi, Liao & Thrampoulidis (ICLR'24).

Token 0 (the query e) and n context tokens E go through a shared Linear(d_in -> d) and
sinusoidal positions; H heads with W_Q, W_K [d, d_h] and a scalar value W_V [d, 1] attend
from token 0 only (only position 0's logits are used by the paper, so other queries are not
computed); token 0 is masked out of the keys (the V2 fix: -inf, not x 0). Scores are scaled
by 1/sqrt(d_model), not 1/sqrt(d_h). Heads are mixed by W_O [H, d] and decoded by
Linear(d -> C). No residual, LayerNorm or MLP.

Sweeps vmap over sizes by padding: the module is built at the largest H, d_h and n of a
sweep, and `active` (traced ints) switches off the extra heads, key/query columns and
context tokens. Masked parts get zero gradient and the init bounds use the active sizes, so
a padded model is the small one in distribution, and with the same active weights it gives
the same logits and gradients (checked in the tests).
"""

from __future__ import annotations

import math

import flax.linen as nn
import jax
import jax.numpy as jnp

from attn_theory import attention

Array = jax.Array


def sinusoidal_positions(length: int, dim: int) -> Array:
    """The Vaswani et al. table [length, dim]: sin on even, cos on odd columns."""
    pos = jnp.arange(length, dtype=jnp.float32)[:, None]
    freq = jnp.exp(jnp.arange(0, dim, 2, dtype=jnp.float32) * (-math.log(10000.0) / dim))
    table = jnp.zeros((length, dim), jnp.float32)
    table = table.at[:, 0::2].set(jnp.sin(pos * freq))
    return table.at[:, 1::2].set(jnp.cos(pos * freq[: dim // 2]))


def _uniform(key, shape, bound, dtype=jnp.float32):
    """U(-bound, bound); bound may be a traced scalar (active-size dependent init)."""
    return jax.random.uniform(key, shape, dtype, -1.0, 1.0) * bound


def _torch_bias(fan_in: int):
    return lambda key, shape, dtype=jnp.float32: _uniform(key, shape, fan_in**-0.5, dtype)


class MemorizationAttention(nn.Module):
    """One MHA layer read out at token 0 (the authors' BaselineAttention).

    Attributes:
      num_heads: H (the padded maximum when sweeping).
      head_dim: d_h of W_Q and W_K (padded maximum when sweeping).
      d_model: width d after the input projection.
      num_outputs: C classes (1 for the regression variant).
    """

    num_heads: int
    head_dim: int
    d_model: int
    num_outputs: int

    @nn.compact
    def __call__(
        self,
        query_bi: Array,
        context_cni: Array,
        active: dict[str, Array] | None = None,
    ) -> tuple[Array, dict[str, Array]]:
        """Logits of token 0.

        Args:
          query_bi: query tokens e [b, d_in].
          context_cni: context E [c, n, d_in] with c = b (random) or c = 1 (shared context,
            projected once and broadcast).
          active: optional traced sizes {'num_heads', 'head_dim', 'context_len'} <= the
            static ones; missing entries mean "all".

        Returns:
          logits [b, C] and {'attn': [b, H, n + 1] (token 0's weights over positions
          0..n), 'heads': [b, H] per-head scalar outputs}.
        """
        active = active or {}
        d, h, dh = self.d_model, self.num_heads, self.head_dim
        b, d_in = query_bi.shape
        n = context_cni.shape[1]
        h_act = active.get("num_heads", h)
        dh_act = active.get("head_dim", dh)
        n_act = active.get("context_len", n)

        embed = nn.Dense(
            d,
            kernel_init=attention.torch_linear_init(d_in),
            bias_init=_torch_bias(d_in),
            name="embed",
        )
        pos_td = sinusoidal_positions(n + 1, d)
        z0_bd = embed(query_bi) + pos_td[0]
        zc_cnd = embed(context_cni) + pos_td[1:]

        # Xavier-uniform per head, as torch.nn.init.xavier_uniform_ on each W[h].
        qk_bound = jnp.sqrt(6.0 / (d + dh_act))
        w_q = self.param("w_q", _uniform, (h, d, dh), qk_bound)
        w_k = self.param("w_k", _uniform, (h, d, dh), qk_bound)
        w_v = self.param("w_v", _uniform, (h, d, 1), math.sqrt(6.0 / (d + 1)))
        w_o = self.param("w_o", _uniform, (h, d), jnp.sqrt(6.0 / (h_act + d)))
        dim_on = (jnp.arange(dh) < dh_act).astype(jnp.float32)
        head_on = (jnp.arange(h) < h_act).astype(jnp.float32)
        w_q, w_k = w_q * dim_on, w_k * dim_on

        # Examples sharing one context are the t axis of ONE attention call ([1, b] queries
        # on [1, n + 1] keys), so the context is projected once; a per-example context is
        # a batch of b single-query calls ([b, 1] on [b, n + 1]). Token 0 enters the keys
        # as a zero placeholder: the -inf mask (not the zero) removes it, as the paper's V2
        # mask does, so its own key and value could not change the output (A-P0 checks it).
        c = context_cni.shape[0]
        k_cshk = jnp.einsum("cnd,hdk->cnhk", zc_cnd, w_k)
        v_cshv = jnp.einsum("cnd,hdk->cnhk", zc_cnd, w_v)
        if c == 1 and n * d < dh * (d + n):
            # Shared context, cheaper association: (z0 W_Q)(Z W_K)^T = z0 (Z W_K W_Q^T)^T,
            # with W_Q folded into the n keys once instead of into all b queries.
            k_cshk = jnp.einsum("cnhk,hdk->cnhd", k_cshk, w_q)
            q_cthk = jnp.broadcast_to(z0_bd[None, :, None, :], (1, b, h, d))
        else:
            q_cthk = jnp.einsum("bd,hdk->bhk", z0_bd, w_q).reshape(c, b // c, h, dh)
        k_cshk = jnp.pad(k_cshk, ((0, 0), (1, 0), (0, 0), (0, 0)))
        v_cshv = jnp.pad(v_cshv, ((0, 0), (1, 0), (0, 0), (0, 0)))
        pos_s = jnp.arange(n + 1)
        mask_s = (pos_s >= 1) & (pos_s <= n_act)  # nobody attends to token 0
        out_cthv, attn_chts = attention.softmax_attention(
            q_cthk, k_cshk, v_cshv, mask=mask_s[None, None, None, :], scale=d**-0.5
        )
        heads_bh = out_cthv.reshape(b, h)
        attn_bhs = jnp.moveaxis(attn_chts, 2, 1).reshape(b, h, n + 1)
        z_bd = jnp.einsum("bh,hd->bd", heads_bh * head_on, w_o)
        logits = nn.Dense(
            self.num_outputs,
            kernel_init=attention.torch_linear_init(d),
            bias_init=_torch_bias(d),
            name="decoder",
        )(z_bd)
        return logits, {"attn": attn_bhs, "heads": heads_bh}


def num_params(params) -> int:
    """Total parameter count of a (single-run) params tree."""
    return int(sum(x.size for x in jax.tree_util.tree_leaves(params)))
