"""Associative recall: find the value stored under the query's key (a worked example task).

A prompt holds `num_pairs` tokens, each the concatenation [one_hot(key); one_hot(value)] of a
distinct key (out of `num_keys`) and a random value (out of `num_values`), then a query token
[one_hot(key*); 0] whose key is one of the stored ones. The target is the value stored under
key*. One softmax attention head solves it by matching keys (a large KQ on the key block)
and copying the value block (OV), so the Bayes error is zero; chance is 1/num_values.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

LOSS = "xent"


def sample(key, batch: int, *, num_pairs: int = 8, num_keys: int = 16, num_values: int = 8):
    """Returns inputs [B, num_pairs + 1, num_keys + num_values] float and targets [B] int."""
    if num_pairs > num_keys:
        raise ValueError(f"num_pairs ({num_pairs}) must be <= num_keys ({num_keys})")
    k_keys, k_vals, k_query = jax.random.split(key, 3)
    keys = jax.vmap(lambda k: jax.random.permutation(k, num_keys)[:num_pairs])(
        jax.random.split(k_keys, batch)
    )
    values = jax.random.randint(k_vals, (batch, num_pairs), 0, num_values)
    which = jax.random.randint(k_query, (batch,), 0, num_pairs)
    pairs = jnp.concatenate(
        [jax.nn.one_hot(keys, num_keys), jax.nn.one_hot(values, num_values)], -1
    )
    q_key = jnp.take_along_axis(keys, which[:, None], 1)[:, 0]
    query = jnp.concatenate([jax.nn.one_hot(q_key, num_keys), jnp.zeros((batch, num_values))], -1)[
        :, None
    ]
    targets = jnp.take_along_axis(values, which[:, None], 1)[:, 0]
    return jnp.concatenate([pairs, query], 1), targets


def baseline(*, num_pairs: int = 8, num_keys: int = 16, num_values: int = 8) -> dict:
    """Closed-form references: chance-level cross-entropy/accuracy and the Bayes optimum."""
    del num_pairs, num_keys
    return {
        "chance_xent": math.log(num_values),
        "chance_accuracy": 1.0 / num_values,
        "bayes_accuracy": 1.0,
    }
