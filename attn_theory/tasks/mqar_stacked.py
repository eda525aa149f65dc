"""Stacked multi-query associative recall [ours]: one token per (key, value) pair, then the
keys again as queries (docs/papers/recall_ssm.md).

The `num_pairs` = P context tokens are [one_hot(key); one_hot(value)] with distinct keys (of
`num_keys`) and distinct values (of `num_values`); then the P keys again, in random order, as
[one_hot(key); 0]. T = 2P. The target at a query is its value; context targets are -1. It is
`associative_recall` made multi-query and causal (the token form of Zoology's continuous
MQAR): a single causal layer solves it, with no token shift to learn.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

LOSS = "xent"


def sample(key, batch: int, *, num_pairs: int = 16, num_keys: int = 64, num_values: int = 64):
    """Returns inputs [B, 2P, num_keys + num_values] float and targets [B, 2P] int."""
    if num_pairs > min(num_keys, num_values):
        raise ValueError(f"num_pairs ({num_pairs}) must be <= num_keys and num_values")

    def one(k):
        k_key, k_val, k_order = jax.random.split(k, 3)
        keys = jax.random.permutation(k_key, num_keys)[:num_pairs]
        vals = jax.random.permutation(k_val, num_values)[:num_pairs]
        order = jax.random.permutation(k_order, num_pairs)
        ctx = jnp.concatenate(
            [jax.nn.one_hot(keys, num_keys), jax.nn.one_hot(vals, num_values)], -1
        )
        qry = jnp.concatenate(
            [jax.nn.one_hot(keys[order], num_keys), jnp.zeros((num_pairs, num_values))], -1
        )
        targets = jnp.concatenate([jnp.full(num_pairs, -1, jnp.int32), vals[order]])
        return jnp.concatenate([ctx, qry]), targets

    return jax.vmap(one)(jax.random.split(key, batch))


def baseline(*, num_pairs: int = 16, num_keys: int = 64, num_values: int = 64) -> dict:
    """Chance 1/num_values, copying a random context value 1/P, Bayes 1."""
    del num_keys
    return {
        "chance_xent": math.log(num_values),
        "chance_accuracy": 1.0 / num_values,
        "copy_context_accuracy": 1.0 / num_pairs,
        "bayes_accuracy": 1.0,
    }
