"""Multi-head attention with a fixed query-key budget split into H heads of rank r.

The QK budget is P = H * r rows: Q, K in R^{P x d}, and row p belongs to head p // r. Rank r is
a (possibly traced) argument, not a shape, so every (r, H = P / r) split at one budget shares
one compiled program: head scores are sums of row products grouped by head, and heads beyond
H (only present in the 'full' value mode, padded to max_heads) are masked out of the output.

Value-output modes:
  'full': each head has its own full V_h in R^{d x d} (the repo's SoftMultiheadAttention and
          the theory's model, spec A.6): out = sum_h V_h sum_i a_hi x_i.
  'head': each head's value has rank r (torch nn.MultiheadAttention): rows of V in R^{P x d}
          and columns of O in R^{d x P} are grouped like Q and K; the output is divided by
          copies = P / d, which equals the authors' average of `width_multiplier` copies.

Blocks:
  'bare'   : one attention layer, output = attention output (spec A.6; depth must be 1).
  'encoder': the authors' post-norm layer, x <- s1 n(x + attn(x)), x <- s2 n(x + ffn(x)),
             n(x) = x / ||x|| with learnable scalars s (their LayerNorm replacement), ReLU FFN.
Init (spec pitfall 6): Q, K ~ U(+-sqrt(6/(r+d))), scores scaled by 1/sqrt(r); full V_h ~
U(+-sqrt(6/(H d + d))); 'head' V, O and the FFN use Xavier-uniform bounds.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp

Array = jax.Array

BLOCKS = ("bare", "encoder")
VALUE_MODES = ("full", "head")
_ONE_HOT_MAX_HEADS = 64  # above this, group rows with segment_sum instead of a one-hot matmul


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """Static shapes of the model (rank is not here: it is a per-run, traceable value)."""

    dim: int  # d, token dimension
    rows: int  # P = H * r, QK rows per layer (the budget)
    max_heads: int  # P / min rank: heads padded to this many
    depth: int = 1  # number of layers
    block: str = "bare"  # 'bare' or 'encoder'
    value: str = "full"  # 'full' or 'head'
    ffn_dim: int = 0  # hidden width of the encoder FFN (0: no FFN)

    @property
    def copies(self) -> float:
        return self.rows / self.dim


def _uniform(key, shape, bound):
    return jax.random.uniform(key, shape, jnp.float32, -1.0, 1.0) * bound


def init(key: Array, spec: ModelSpec, rank) -> dict:
    """Parameters {'layers': [per-layer dict]} for one run; rank may be traced."""
    d, p = spec.dim, spec.rows
    rank = jnp.asarray(rank, jnp.float32)
    heads = p / rank
    layers = []
    for layer_key in jax.random.split(key, spec.depth):
        kq, kk, kv, ko, k1, k2 = jax.random.split(layer_key, 6)
        qk_bound = jnp.sqrt(6.0 / (rank + d))
        layer = {"q_pd": _uniform(kq, (p, d), qk_bound), "k_pd": _uniform(kk, (p, d), qk_bound)}
        if spec.value == "full":
            layer["vo_hed"] = _uniform(kv, (spec.max_heads, d, d), jnp.sqrt(6.0 / (heads * d + d)))
        else:
            xavier = (6.0 / (p + d)) ** 0.5
            layer["v_pd"] = _uniform(kv, (p, d), xavier)
            layer["o_dp"] = _uniform(ko, (d, p), xavier)
        if spec.block == "encoder":
            layer["s_attn"] = jnp.ones((), jnp.float32)
            layer["s_ffn"] = jnp.ones((), jnp.float32)
            if spec.ffn_dim:
                bound = (6.0 / (spec.ffn_dim + d)) ** 0.5
                layer["w1_fd"] = _uniform(k1, (spec.ffn_dim, d), bound)
                layer["b1_f"] = jnp.zeros((spec.ffn_dim,), jnp.float32)
                layer["w2_df"] = _uniform(k2, (d, spec.ffn_dim), bound)
                layer["b2_d"] = jnp.zeros((d,), jnp.float32)
        layers.append(layer)
    return {"layers": layers}


def head_of_row(rows: int, rank) -> Array:
    """int32 [rows]: the head each QK row belongs to (p // r)."""
    return jnp.arange(rows) // jnp.asarray(rank, jnp.int32)


def _group_rows(z_pmn: Array, head_p: Array, max_heads: int) -> Array:
    """Sums rows that share a head: [P, M, N] -> [max_heads, M, N]."""
    if max_heads <= _ONE_HOT_MAX_HEADS:
        onehot_ph = jax.nn.one_hot(head_p, max_heads, dtype=z_pmn.dtype)
        return jnp.einsum("pmn,ph->hmn", z_pmn, onehot_ph)
    return jax.ops.segment_sum(z_pmn, head_p, num_segments=max_heads)


def attention(layer: dict, xq_md: Array, xkv_nd: Array, valid_n: Array, rank, spec: ModelSpec):
    """One multi-head attention layer for one example.

    Args:
      xq_md: query tokens [M, d]; xkv_nd: key/value tokens [N, d]; valid_n: bool [N].
      rank: r (int or traced); heads H = rows / r.

    Returns:
      out_md [M, d] and attn_hmn [max_heads, M, N] (rows h >= H are unused heads).
    """
    rank_f = jnp.asarray(rank, jnp.float32)
    head_p = head_of_row(spec.rows, rank)
    qp_pm = layer["q_pd"] @ xq_md.T
    kp_pn = layer["k_pd"] @ xkv_nd.T
    z_pmn = qp_pm[:, :, None] * kp_pn[:, None, :]
    s_hmn = _group_rows(z_pmn, head_p, spec.max_heads) / jnp.sqrt(rank_f)
    s_hmn = jnp.where(valid_n[None, None, :], s_hmn, -jnp.inf)
    attn_hmn = jax.nn.softmax(s_hmn, axis=-1)
    if spec.value == "full":
        used_h = jnp.arange(spec.max_heads) < spec.rows / rank_f
        mix_hmd = jnp.einsum("hmn,nd->hmd", attn_hmn * used_h[:, None, None], xkv_nd)
        out_md = jnp.einsum("hmd,hed->me", mix_hmd, layer["vo_hed"])
    else:
        attn_pmn = attn_hmn[head_p]
        vx_pn = layer["v_pd"] @ xkv_nd.T
        mix_pm = jnp.einsum("pmn,pn->pm", attn_pmn, vx_pn)
        out_md = (layer["o_dp"] @ mix_pm).T / spec.copies
    return out_md, attn_hmn


def _sphere_norm(x_md: Array, scale: Array) -> Array:
    return scale * x_md / jnp.maximum(jnp.linalg.norm(x_md, axis=-1, keepdims=True), 1e-6)


def forward(
    params: dict,
    keys_nd: Array,
    valid_n: Array,
    query_md: Array,
    rank,
    spec: ModelSpec,
    *,
    separate_query: bool = True,
):
    """Prediction for one example.

    Args:
      keys_nd [N, d], valid_n bool [N], query_md [M, d].
      separate_query: True for the 'nearest' task (queries attend to the keys only); False when
        the queries are the keys themselves ('farthest', self-attention).

    Returns:
      pred_md [M, d] and the list of per-layer attention weights.
    """
    attns = []
    if spec.block == "bare":
        out, attn = attention(params["layers"][0], query_md, keys_nd, valid_n, rank, spec)
        return out, [attn]
    if separate_query:
        x = jnp.concatenate([keys_nd, query_md], axis=0)
        valid = jnp.concatenate([valid_n, jnp.zeros(query_md.shape[:1], bool)])
    else:
        x, valid = keys_nd, valid_n
    for layer in params["layers"]:
        a, attn = attention(layer, x, x, valid, rank, spec)
        attns.append(attn)
        x = _sphere_norm(x + a, layer["s_attn"])
        if spec.ffn_dim:
            h = jax.nn.relu(x @ layer["w1_fd"].T + layer["b1_f"])
            x = _sphere_norm(x + h @ layer["w2_df"].T + layer["b2_d"], layer["s_ffn"])
        else:
            x = _sphere_norm(x, layer["s_ffn"])
    pred = x[-query_md.shape[0] :] if separate_query else x
    return pred, attns


def qk_matrices(layer: dict, rank, spec: ModelSpec) -> Array:
    """Per-head bilinear forms W_h = Q_h^T K_h / sqrt(r): [max_heads, d, d] (unused heads 0)."""
    onehot_ph = jax.nn.one_hot(head_of_row(spec.rows, rank), spec.max_heads, dtype=jnp.float32)
    w = jnp.einsum("pd,pe,ph->hde", layer["q_pd"], layer["k_pd"], onehot_ph)
    return w / jnp.sqrt(jnp.asarray(rank, jnp.float32))


def retrieval_loss(params: dict, batch: dict, rank, spec: ModelSpec, separate_query: bool):
    """Mean squared Euclidean error over the batch (and valid tokens when the queries are the
    keys). batch: the dict of tasks.nearest_neighbor.sample. Predicting 0 scores 1.0."""

    def one(keys_nd, query_md):
        return forward(
            params, keys_nd, batch["valid_n"], query_md, rank, spec, separate_query=separate_query
        )[0]

    pred_bmd = jax.vmap(one)(batch["keys_bnd"], batch["query_bmd"])
    err_bm = jnp.sum((pred_bmd - batch["target_bmd"]) ** 2, -1)
    w_m = jnp.ones(err_bm.shape[1]) if separate_query else batch["valid_n"].astype(jnp.float32)
    return jnp.sum(err_bm * w_m) / (err_bm.shape[0] * jnp.sum(w_m))
