"""Random associative-memory tasks: binary SDM patterns and (key, value) cue/response pairs.

Every sampler takes `key` first, uses static sizes and is vmappable over keys.
Binary addresses are {0,1}^n float32; their bipolar unit versions (2a - 1) / sqrt(n) have
cosine 1 - 2 d_v / n with each other, which ties SDM Hamming distances to attention scores.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

Array = jax.Array


def binary_patterns(key: Array, num_patterns: int, n: int) -> Array:
    """Uniform {0,1}^n patterns [num_patterns, n] (float32)."""
    return jax.random.bernoulli(key, 0.5, (num_patterns, n)).astype(jnp.float32)


def flip_bits(key: Array, x_n: Array, num_flips) -> Array:
    """x_n [n] in {0,1} with exactly `num_flips` distinct random bits flipped (may be traced)."""
    rank_n = jnp.argsort(jnp.argsort(jax.random.uniform(key, x_n.shape)))
    return jnp.where(rank_n < num_flips, 1.0 - x_n, x_n)


def bipolar_unit(x_bn: Array) -> Array:
    """{0,1}^n -> (2x - 1) / sqrt(n), unit vectors."""
    return (2.0 * x_bn - 1.0) / jnp.sqrt(jnp.float32(x_bn.shape[-1]))


def sample(key: Array, num_items: int, d_k: int, d_v: int, *, key_kind: str = "gaussian"):
    """N cue/response pairs: unit keys [N, d_k] and +-1 values [N, d_v].

    key_kind: 'gaussian' (uniform on the sphere) or 'bipolar' (binary addresses made unit;
    the SDM-compatible choice). Returns (keys_nk, values_nv, addresses_nk in {0,1}).
    """
    if key_kind not in ("gaussian", "bipolar"):
        raise ValueError(f"key_kind must be 'gaussian' or 'bipolar', got {key_kind!r}")
    k_key, v_key = jax.random.split(key)
    if key_kind == "gaussian":
        g = jax.random.normal(k_key, (num_items, d_k))
        keys_nk = g / jnp.linalg.norm(g, axis=-1, keepdims=True)
        addresses_nk = (g > 0).astype(jnp.float32)
    else:
        addresses_nk = binary_patterns(k_key, num_items, d_k)
        keys_nk = bipolar_unit(addresses_nk)
    values_nv = jnp.where(jax.random.bernoulli(v_key, 0.5, (num_items, d_v)), 1.0, -1.0)
    return keys_nk, values_nv, addresses_nk
