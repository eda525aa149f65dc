"""Sequence classes of Scan and Snap (Tian et al., NeurIPS'23): `Dataset2` of the authors' code.

Each class n has a query (last) token m = psi(n), a next token n (the label) and a conditional
distribution P(l | n) over context tokens: `num_common` common tokens shared by every class
(unnormalised weight 1 each) and `num_distinct` distinct tokens of its own (weights
linspace(0.1, 1, num_distinct)). Several next tokens can share a query (`num_next_per_last`).

Token layout (as in the authors' code, with num_common_per_last = 0):
  [common 0..C-1] [distinct blocks of num_distinct per class] [query tokens] [next tokens]
so the vocabulary size is M = C + D*K + num_last + K with K = num_last * num_next_per_last.
Sampling is online: every batch is fresh, context tokens i.i.d. from P(. | class).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np


class Layout(NamedTuple):
    """Static description of a sequence-class task (numpy constants, closed over by jit).

    support: [K, S] int token ids of each class's support, common tokens first (S = C + D).
    probs: [S] P(l | n) on the support, identical for every class (float64, sums to 1).
    query: [K] the query (last) token psi(n) of each class.
    label: [K] the next token n of each class.
    """

    support: np.ndarray
    probs: np.ndarray
    query: np.ndarray
    label: np.ndarray
    num_tokens: int
    num_common: int


def make_layout(
    num_last: int,
    num_next_per_last: int,
    num_common: int = 10,
    num_distinct: int = 10,
    distinct_min: float = 0.1,
    distinct_max: float = 1.0,
) -> Layout:
    """Builds the token layout and P(l | n) of `Dataset2`."""
    k = num_last * num_next_per_last
    distinct0 = num_common
    query0 = distinct0 + num_distinct * k
    label0 = query0 + num_last
    support = np.stack(
        [
            np.concatenate(
                [np.arange(num_common), distinct0 + num_distinct * n + np.arange(num_distinct)]
            )
            for n in range(k)
        ]
    ).astype(np.int32)
    weights = np.concatenate(
        [np.ones(num_common), np.linspace(distinct_min, distinct_max, num_distinct)]
    )
    query = (query0 + np.arange(k) // num_next_per_last).astype(np.int32)
    label = (label0 + np.arange(k)).astype(np.int32)
    return Layout(support, weights / weights.sum(), query, label, label0 + k, num_common)


def sample(key: jax.Array, batch: int, layout: Layout, seq_len: int) -> dict[str, jax.Array]:
    """Draws `batch` sequences of length `seq_len` (context of seq_len - 1, then the query).

    Returns:
      tokens [batch, seq_len] int32 (the last column is the query token), label [batch] int32
      (the next token) and cls [batch] int32 (the class index).
    """
    cls_key, tok_key = jax.random.split(key)
    cls = jax.random.randint(cls_key, (batch,), 0, layout.support.shape[0])
    # Inverse-CDF sampling on the S support slots: cheaper than Gumbel over S per token.
    cdf = jnp.asarray(np.cumsum(layout.probs)[:-1], jnp.float32)
    u = jax.random.uniform(tok_key, (batch, seq_len - 1))
    slot = jnp.searchsorted(cdf, u, side="right")
    context = jnp.take_along_axis(jnp.asarray(layout.support)[cls], slot, axis=1)
    query = jnp.asarray(layout.query)[cls]
    tokens = jnp.concatenate([context, query[:, None]], axis=1).astype(jnp.int32)
    return {"tokens": tokens, "label": jnp.asarray(layout.label)[cls], "cls": cls}
