"""Random-feature models for one scalar attention layer and the MLP baseline (Fu et al. 2023).

M-head random-feature attention (RFA), the paper's Sec. 2 model with our scalings
(docs/papers/random_feature_attention.md):
    f(x_{0:N}) = sum_m (1/N) sum_i sigma(x~_0^T W_m x~_i) <v_m, x~_i>,   x~ = [x; 1],
with W_m frozen and only the value vectors v_m trained, so f = phi(x)^T v is linear in
v = (v_1..v_M) and phi has M (d+1) coordinates. W_m = G_m + mean: G_m entries are
N(0, (noise_std/(d+1))^2), so the logit noise has std noise_std on the sphere of radius
sqrt(d); RFA has zero mean, biased RFA (BRFA) has mean (beta/sqrt(d)) [I_d 0; 0 0], i.e. a
mean logit of beta * c_i. sigma is ReLU normalised by 1/N ([ours]) or softmax (our
alternative); both come from `attn_theory.attention`, with each head's query as one query row.

RFMLP: ReLU(w_j^T z)/sqrt(p) with z = [vec(x_{0:N})/sqrt((N+1)d); 1], w_j ~ N(0, I), frozen.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from attn_theory import attention

Array = jax.Array
ACTIVATIONS = ("relu", "softmax")


def augment(x: Array) -> Array:
    """[..., d] -> [..., d+1]: appends the constant coordinate 1."""
    return jnp.concatenate([x, jnp.ones_like(x[..., :1])], axis=-1)


def attention_weights(key: Array, num_heads: int, dim: int, noise_std: float = 1.0) -> Array:
    """Frozen zero-mean query-key matrices g_mkk [M, d+1, d+1]."""
    return jax.random.normal(key, (num_heads, dim + 1, dim + 1)) * (noise_std / (dim + 1))


def query_key_mean(dim: int, beta: float) -> Array:
    """The BRFA mean (beta/sqrt(d)) [I_d 0; 0 0] [d+1, d+1]; its logit is beta * c_i."""
    eye = jnp.zeros((dim + 1, dim + 1)).at[:dim, :dim].set(jnp.eye(dim))
    return eye * (beta / jnp.sqrt(dim))


def attention_features(
    w_mkk: Array, x0_bd: Array, xs_bnd: Array, *, activation: str = "relu"
) -> tuple[Array, Array]:
    """RFA features phi [b, M (d+1)], head-major, and attention weights [b, M, N].

    Head m's block is (1/N) sum_i sigma(x~_0^T W_m x~_i) x~_i (ReLU) or the softmax-weighted
    mean of the x~_i. The M heads are the M query rows of a single attention call, which
    avoids broadcasting the keys over heads.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    k_bsk = augment(xs_bnd)
    q_bmk = jnp.einsum("bk,mkl->bml", augment(x0_bd), w_mkk)
    kind = "relu" if activation == "relu" else "softmax"
    out_bm1k, attn_b1ms = attention.attend(
        kind, q_bmk[:, :, None], k_bsk[:, :, None], k_bsk[:, :, None], scale=1.0
    )
    b, m = q_bmk.shape[:2]
    return out_bm1k.reshape(b, -1), attn_b1ms[:, 0]


def mlp_weights(key: Array, width: int, dim: int, num_keys: int) -> Array:
    """Frozen first layer w [(N+1) d + 1, width] with N(0, 1) entries."""
    return jax.random.normal(key, ((num_keys + 1) * dim + 1, width))


def mlp_features(w_iw: Array, x0_bd: Array, xs_bnd: Array) -> Array:
    """RFMLP features [b, width] = ReLU(w^T z)/sqrt(width)."""
    b = x0_bd.shape[0]
    flat = jnp.concatenate([x0_bd[:, None], xs_bnd], axis=1).reshape(b, -1)
    z = augment(flat / jnp.sqrt(flat.shape[-1]))
    return jax.nn.relu(z @ w_iw) / jnp.sqrt(w_iw.shape[-1])
