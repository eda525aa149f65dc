"""Associative-memory reads: Hebbian linear attention, the delta rule, softmax and SDM.

Shapes: keys_nk [N, d_k] (unit rows), values_nv [N, d_v], queries_qk [Q, d_k];
every read returns (out_qv, weights_qn). Softmax and linear reads go through the platform
primitives in attn_theory.attention (batch = 1, heads = 1).
SDM reads: the pattern view weights pattern mu by the exact circle intersection I(d_v)
(a log-weight table indexed by Hamming distance); the neuron view writes every pattern into
r random hard locations within radius d and reads the ones within d of the query.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from attn_theory import attention

Array = jax.Array


def _bthd(x):
    return x[None, :, None, :]


def hebbian_read(keys_nk: Array, values_nv: Array, queries_qk: Array):
    """o = M q with M = sum_i v_i k_i^T (unnormalized linear attention, identity features)."""
    out, s = attention.linear_attention(
        _bthd(queries_qk), _bthd(keys_nk), _bthd(values_nv), scale=1.0
    )
    return out[0, :, 0], s[0, 0]


def softmax_read(
    keys_nk: Array, values_nv: Array, queries_qk: Array, beta: float, mask_n: Array | None = None
):
    """o = sum_i softmax(beta q . k_i) v_i over the items where mask_n [N] is True."""
    mask = None if mask_n is None else mask_n[None, None, None, :]
    out, w = attention.softmax_attention(
        _bthd(queries_qk), _bthd(keys_nk), _bthd(values_nv), scale=beta, mask=mask
    )
    return out[0, :, 0], w[0, 0]


def hebbian_memory(keys_nk: Array, values_nv: Array) -> Array:
    """M = sum_i v_i k_i^T [d_v, d_k]; memory_read(M, q) equals hebbian_read without the
    [Q, N] score matrix (cheaper when N > d_k)."""
    return values_nv.T @ keys_nk


def delta_rule_memory(
    keys_nk: Array, values_nv: Array, num_epochs: int, lr: float, num_items=None
) -> Array:
    """Rescorla-Wagner / delta rule, items in order each epoch: M += lr (v - M k) k^T.

    Returns M [d_v, d_k]; read it with `memory_read`. With lr = 1 and unit keys each update
    is a Kaczmarz projection, so for N <= d_k independent keys the crosstalk goes to zero.
    num_items (optional, may be traced) uses only the first num_items pairs: the scan still
    runs num_epochs * N steps, and the steps past num_epochs * num_items leave M unchanged,
    so one compiled program serves every memory size.
    """
    n, d_k = keys_nk.shape
    used = n if num_items is None else num_items

    def step(m_vk, i):
        k, v = keys_nk[i % used], values_nv[i % used]
        upd = m_vk + lr * jnp.outer(v - m_vk @ k, k)
        return jnp.where(i < num_epochs * used, upd, m_vk), None

    m0 = jnp.zeros((values_nv.shape[1], d_k), jnp.float32)
    return jax.lax.scan(step, m0, jnp.arange(num_epochs * n))[0]


def memory_read(m_vk: Array, queries_qk: Array) -> Array:
    """o = M q for a stored matrix memory; [Q, d_v]."""
    return queries_qk @ m_vk.T


def hamming(x_an: Array, y_bn: Array) -> Array:
    """Hamming distances [A, B] between {0,1} rows: |x| + |y| - 2 x.y (exact for n < 2^24)."""
    return jnp.sum(x_an, -1)[:, None] + jnp.sum(y_bn, -1)[None, :] - 2.0 * (x_an @ y_bn.T)


def sdm_pattern_read(
    addresses_nk: Array,
    values_nv: Array,
    queries_qk: Array,
    log_weight_table: Array,
    mask_n: Array | None = None,
):
    """Pattern-view SDM: weights I(d_v) / sum I, from a table log I indexed by d_v = 0..n.

    addresses and queries are {0,1}^n; mask_n [N] (optional) keeps only the True patterns.
    A query whose ball meets no pattern's ball reads 0.
    """
    dv_qn = hamming(queries_qk, addresses_nk).astype(jnp.int32)
    logw_qn = log_weight_table[dv_qn]
    if mask_n is not None:
        logw_qn = jnp.where(mask_n[None, :], logw_qn, -jnp.inf)
    top_q1 = jnp.max(logw_qn, axis=-1, keepdims=True)
    w_qn = jnp.exp(logw_qn - jnp.where(jnp.isfinite(top_q1), top_q1, 0.0))
    w_qn = w_qn / jnp.maximum(jnp.sum(w_qn, -1, keepdims=True), 1e-30)
    return w_qn @ values_nv, w_qn


def sdm_neuron_write(neurons_rn: Array, addresses_mn: Array, pointers_mp: Array, radius: int):
    """Adds each pointer into every neuron within `radius`; returns (storage_rp, counts_r)."""
    active_mr = (hamming(addresses_mn, neurons_rn) <= radius).astype(jnp.float32)
    return active_mr.T @ pointers_mp, jnp.sum(active_mr, 0)


def sdm_neuron_read(
    neurons_rn: Array, storage_rp: Array, counts_r: Array, queries_qn: Array, radius: int
):
    """Sums active neurons' storage and divides by their write counts; [Q, p] and weights.

    An empty read (no written neuron in range) returns NaN rows, as the reference code does
    before it falls back to the unchanged query.
    """
    active_qr = (hamming(queries_qn, neurons_rn) <= radius).astype(jnp.float32)
    return (active_qr @ storage_rp) / (active_qr @ counts_r)[:, None], active_qr
