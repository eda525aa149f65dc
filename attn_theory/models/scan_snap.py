"""The 1-layer transformers of Scan and Snap (Tian et al., NeurIPS'23) and their optimizer.

`yz_*`: the reparameterised model of the paper (`Model2` of the authors' code) on one-hot
tokens. The last token m is the only query; it attends to the context positions 1..T-1 (not to
itself) with logits Z[m, x_i]; the attention-weighted bag of one-hot tokens u is l2-normalised
(no residual) and decoded by Y: logits = Y u / |u|. Y, Z are [M, M], zero or PyTorch-Linear
random init U(+-1/sqrt(M)).

`OneLayerTransformer`: the same computation with learned embeddings and W_q, W_k, W_v and a
linear decoder (no positional encoding), so scan and snap can be seen outside the Y/Z
reparameterisation; its effective Z is (E W_q)(E W_k)^T / sqrt(d).

`two_rate_sgd`: SGD with momentum (PyTorch semantics) with one learning rate for the attention
parameters (eta_Z) and another for the rest (eta_Y); rates may be traced per-run values.
"""

from __future__ import annotations

from collections.abc import Collection

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from attn_theory import attention

Array = jax.Array


def yz_init(key: Array, num_tokens: int, zero_init: bool) -> dict[str, Array]:
    """{'Y': [M, M] decoder (Y[next, key]), 'Z': [M, M] attention logits (Z[query, key])}."""
    shape = (num_tokens, num_tokens)
    if zero_init:
        return {"Y": jnp.zeros(shape), "Z": jnp.zeros(shape)}
    bound = num_tokens**-0.5
    y_key, z_key = jax.random.split(key)
    return {
        "Y": jax.random.uniform(y_key, shape, minval=-bound, maxval=bound),
        "Z": jax.random.uniform(z_key, shape, minval=-bound, maxval=bound),
    }


def yz_apply(params: dict[str, Array], tokens_bt: Array) -> tuple[Array, Array]:
    """Forward pass of the Y/Z model.

    Args:
      tokens_bt: [B, T] int tokens; the last column is the query.
    Returns:
      logits_bm [B, M] and attn_bs [B, T-1], the query's attention over context positions.
    """
    y_mm, z_mm = params["Y"], params["Z"]
    ctx_bs, q_b = tokens_bt[:, :-1], tokens_bt[:, -1]
    attn_bs = jax.nn.softmax(z_mm[q_b[:, None], ctx_bs], axis=-1)
    # u = sum_i attn_i e_{x_i}: a scatter-add (B*T work) instead of a [B, T, M] one-hot.
    rows_b1 = jnp.arange(tokens_bt.shape[0])[:, None]
    u_bm = jnp.zeros((tokens_bt.shape[0], y_mm.shape[1])).at[rows_b1, ctx_bs].add(attn_bs)
    u_bm = u_bm / jnp.linalg.norm(u_bm, axis=-1, keepdims=True)
    return u_bm @ y_mm.T, attn_bs


def cross_entropy(logits_bm: Array, label_b: Array) -> tuple[Array, dict[str, Array]]:
    """Mean cross-entropy and accuracy."""
    loss = jnp.mean(optax.softmax_cross_entropy_with_integer_labels(logits_bm, label_b))
    acc = jnp.mean(jnp.argmax(logits_bm, -1) == label_b)
    return loss, {"accuracy": acc}


class OneLayerTransformer(nn.Module):
    """Embedding -> single-query softmax attention (W_q, W_k, W_v) -> l2 norm -> decoder.

    No positional encoding, no residual; the last token queries the T-1 context tokens.
    Returns (logits [B, M], attn [B, T-1]).
    """

    num_tokens: int
    embed_dim: int

    @nn.compact
    def __call__(self, tokens_bt: Array) -> tuple[Array, Array]:
        d = self.embed_dim
        # N(0, 1/d) rows: nearly orthonormal embeddings when d is large (the paper's assumption).
        e_md = self.param("embed", nn.initializers.normal(d**-0.5), (self.num_tokens, d))
        init = attention.torch_linear_init(d)
        # Project the M embedding rows once; with one query and no positional encoding,
        # score_i = q . k_{x_i} is a gather from the [B, M] score table and the output is the
        # attention-weighted bag of tokens times the value table: no [B, T, d] tensor.
        q_md, k_md, v_md = (
            nn.Dense(d, use_bias=False, kernel_init=init, name=n)(e_md)
            for n in ("w_q", "w_k", "w_v")
        )
        ctx_bs, q_b = tokens_bt[:, :-1], tokens_bt[:, -1]
        scores_bm = q_md[q_b] @ k_md.T * d**-0.5
        rows_b1 = jnp.arange(tokens_bt.shape[0])[:, None]
        attn_bs = jax.nn.softmax(scores_bm[rows_b1, ctx_bs], axis=-1)
        u_bm = jnp.zeros(scores_bm.shape).at[rows_b1, ctx_bs].add(attn_bs)
        u_bd = u_bm @ v_md
        u_bd = u_bd / jnp.linalg.norm(u_bd, axis=-1, keepdims=True)
        logits_bm = nn.Dense(self.num_tokens, kernel_init=init, name="decoder")(u_bd)
        return logits_bm, attn_bs


def effective_z(params, embed_dim: int) -> Array:
    """[M, M] Z[query, key] = (E W_q)(E W_k)^T / sqrt(d) of a OneLayerTransformer."""
    p = params["params"]
    e_md = p["embed"]
    return (e_md @ p["w_q"]["kernel"]) @ (e_md @ p["w_k"]["kernel"]).T * embed_dim**-0.5


def two_rate_sgd(
    lr_y, lr_z, momentum: float, z_names: Collection[str] = ("Z", "w_q", "w_k")
) -> optax.GradientTransformation:
    """SGD with momentum, rate lr_z on leaves whose path names one of `z_names`, else lr_y.

    optax.sgd's trace (buf = momentum * buf + g; p -= lr * buf) is PyTorch's SGD momentum.
    """

    def labels(params):
        def label(path, _):
            names = {getattr(k, "key", getattr(k, "name", None)) for k in path}
            return "z" if names & set(z_names) else "y"

        return jax.tree_util.tree_map_with_path(label, params)

    return optax.multi_transform(
        {"y": optax.sgd(lr_y, momentum=momentum), "z": optax.sgd(lr_z, momentum=momentum)}, labels
    )
