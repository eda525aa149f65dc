"""Nearest-neighbour retrieval on the sphere (Amsel, Yehudai and Bruna, 2024).

Two forms:
  'nearest'  : N keys x_1..x_N and a separate query y, all i.i.d. Unif(S^{d-1}); the target is
               x_{i*} with i* = argmax_i <x_i, y> (the theory's target, spec A.6).
  'farthest' : self-attention over N tokens; the target of token j is its FARTHEST token
               x_{argmin_i <x_i, x_j>} (the authors' training task, `label_farthest(X, X)`); it is
               the nearest-neighbour target with query -x_j and avoids "nearest = itself".

The number of keys may be a traced value `n <= n_max`: keys beyond n are padded and masked, so
runs with different N share one compiled program. Every sampler is pure and vmappable.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

Array = jax.Array

TASK_KINDS = ("nearest", "farthest")


def sphere(key: Array, shape: tuple[int, ...], dim: int) -> Array:
    """Points i.i.d. uniform on S^{dim-1}: [*shape, dim] float32."""
    g = jax.random.normal(key, (*shape, dim), jnp.float32)
    return g / jnp.linalg.norm(g, axis=-1, keepdims=True)


def key_mask(n, n_max: int) -> Array:
    """Boolean [n_max]: True for the first n (possibly traced) keys."""
    return jnp.arange(n_max) < n


def sample(key: Array, batch: int, n_max: int, dim: int, *, n=None, kind: str = "nearest"):
    """One batch of the retrieval task.

    Args:
      key: typed PRNG key.
      batch, n_max, dim: static sizes; n_max is the padded number of keys.
      n: number of valid keys (int or traced scalar, <= n_max); default n_max.
      kind: 'nearest' (separate query) or 'farthest' (self-attention).

    Returns:
      dict with
        keys_bnd [batch, n_max, d] (padding rows are zero),
        valid_n [n_max] bool,
        query_bmd [batch, M, d]: M = 1 ('nearest') or n_max ('farthest', the tokens),
        target_bmd [batch, M, d].
    """
    if kind not in TASK_KINDS:
        raise ValueError(f"kind must be one of {TASK_KINDS}, got {kind!r}")
    n = n_max if n is None else n
    valid_n = key_mask(n, n_max)
    k_keys, k_query = jax.random.split(key)
    keys_bnd = sphere(k_keys, (batch, n_max), dim) * valid_n[None, :, None]
    if kind == "nearest":
        query_bmd = sphere(k_query, (batch, 1), dim)
        sign = 1.0
    else:
        query_bmd = keys_bnd
        sign = -1.0
    sim_bmn = sign * jnp.einsum("bmd,bnd->bmn", query_bmd, keys_bnd)
    sim_bmn = jnp.where(valid_n[None, None, :], sim_bmn, -jnp.inf)
    idx_bm = jnp.argmax(sim_bmn, axis=-1)
    target_bmd = jnp.take_along_axis(keys_bnd, idx_bm[..., None], axis=1)
    return {
        "keys_bnd": keys_bnd,
        "valid_n": valid_n,
        "query_bmd": query_bmd,
        "target_bmd": target_bmd,
    }


def nearest_index_np(keys_nd: np.ndarray, query_d: np.ndarray) -> int:
    """float64 reference: argmax_i <x_i, y> (for tests)."""
    return int(np.argmax(np.asarray(keys_nd, np.float64) @ np.asarray(query_d, np.float64)))


def mean_keys_mse(key: Array, n, n_max: int, dim: int, num_samples: int, kind: str = "nearest"):
    """Baseline: MSE of predicting the average of the n valid keys (~0.9 at d=16, N=8)."""
    batch = sample(key, num_samples, n_max, dim, n=n, kind=kind)
    pred = jnp.sum(batch["keys_bnd"], 1, keepdims=True) / n
    err = jnp.sum((pred - batch["target_bmd"]) ** 2, -1)
    if kind == "farthest":
        return jnp.sum(err * batch["valid_n"]) / (num_samples * n)
    return jnp.mean(err)
