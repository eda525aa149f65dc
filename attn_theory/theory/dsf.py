"""Closed-form identities of the Dynamical Systems Framework (Sieber et al., 2024).

- SSD as normalised linear attention [ours, exact]: the scalar-decay SSM h_i = lambda_i h_{i-1}
  + Delta_i b_i x_i^T, y_i = c_i^T h_i equals linear attention with queries c, keys b, the
  normaliser eta_i = prod_{l<=i} lambda_l^-1 and values Delta_j eta_j x_j; as a DSF system its
  transition is Lambda_i = eta_{i-1} / eta_i = lambda_i. With lambda = 1 and Delta = 1 it is
  un-normalised linear attention (a Hebbian fast-weight memory, Lambda = I).
- Softmax attention needs an unbounded state: exp(q.k) = sum_m (q.k)^m / m!, and truncating
  at order p gives a linear attention with feature width sum_{m<=p} n^m (times d values).
Used by experiments/recall_ssm (claims E3, E5; docs/papers/recall_ssm.md).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np


def ssd_as_linear_attention(c_bthn, b_bthn, x_bthp, dt_bth, log_lam_bth):
    """y_i = (1/eta_i) sum_{j<=i} (c_i.b_j) Delta_j eta_j x_j with log eta_i = -sum log lambda.

    Returns out [b, t, h, p] and log_eta [b, t, h]. eta grows exponentially, so this is the
    float64 check of the identity, not a way to compute SSD.
    """
    log_eta = -jnp.cumsum(log_lam_bth, 1)
    t = c_bthn.shape[1]
    s_bhts = jnp.einsum("bthn,bshn->bhts", c_bthn, b_bthn)
    s_bhts = jnp.where(jnp.tril(jnp.ones((t, t), bool)), s_bhts, 0.0)
    v_bthp = (dt_bth * jnp.exp(log_eta))[..., None] * x_bthp
    y = jnp.einsum("bhts,bshp->bthp", s_bhts, v_bthp)
    return y * jnp.exp(-log_eta)[..., None], log_eta


def taylor_softmax(q_btn, k_btn, v_btp, order: int):
    """Causal attention with exp(s) replaced by sum_{m<=order} s^m / m! (normalised).

    Returns out [b, t, p]; with order -> inf it is softmax attention (scale 1).
    """
    s = jnp.einsum("btn,bsn->bts", q_btn, k_btn)
    w = sum(s**m / math.factorial(m) for m in range(order + 1))
    w = jnp.where(jnp.tril(jnp.ones(s.shape[-2:], bool)), w, 0.0)
    return jnp.einsum("bts,bsp->btp", w / w.sum(-1, keepdims=True), v_btp)


def softmax_causal(q_btn, k_btn, v_btp):
    """Causal softmax attention with scale 1 (the reference of taylor_softmax)."""
    s = jnp.einsum("btn,bsn->bts", q_btn, k_btn)
    s = jnp.where(jnp.tril(jnp.ones(s.shape[-2:], bool)), s, -jnp.inf)
    return jnp.einsum("bts,bsp->btp", jax.nn.softmax(s, -1), v_btp)


def taylor_state_dim(order: int, n: int, d: int) -> float:
    """State size of the order-p Taylor feature map: sum_{m<=p} n^m features times d values."""
    return float(sum(n**m for m in range(order + 1)) * d)


def clean_slot_accuracy(num_pairs, n):
    """[ours] min(1, n / P): accuracy if n orthogonal feature directions hold n pairs exactly
    and the rest are guessed wrong (a guide for the state-size curve, not a theorem)."""
    return np.minimum(1.0, np.asarray(n, np.float64) / num_pairs)
