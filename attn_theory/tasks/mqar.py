"""Multi-query associative recall (MQAR) in the Zoology format (Arora et al. 2023), as used
by Sieber et al. (2024) for the DSF comparison (docs/papers/recall_ssm.md).

A sequence of `seq_len` int tokens over a vocabulary of `vocab` ids holds `num_kv` pairs
k1 v1 k2 v2 ... (keys distinct, from [1, vocab/2); values distinct, from [vocab/2, vocab)),
then zeros, except that every key appears once more as a query at position 2 num_kv + 2 g,
with distinct gaps g = 0, 1, ... drawn without replacement with p(g) ~ (g + 1)^(power_a - 1)
(Gumbel top-k), so short gaps dominate. The target at a query is its value (a class in
[0, vocab)); every other target is -1 (ignored).

`shift=True` [ours] returns float inputs [B, T, 2 vocab] = one_hot(x_t) ++ one_hot(x_{t-1}):
a linear read-in of it is the token shift x_t + E_prev[x_{t-1}] (a width-2 causal
convolution on tokens, standing in for the short convolutions of Mamba and Based), which
lets one layer solve the task.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

LOSS = "xent"


def sample(key, batch: int, *, seq_len: int = 64, num_kv: int = 8, vocab: int = 128,
           power_a: float = 0.01, shift: bool = False):  # fmt: skip
    """Returns inputs [B, T] int (or [B, T, 2 vocab] float with shift) and targets [B, T]."""
    half = vocab // 2
    num_gaps = (seq_len - 2 * num_kv) // 2
    if vocab <= seq_len or 4 * num_kv > seq_len or num_kv > half - 1:
        raise ValueError(
            f"need vocab > seq_len, 4 num_kv <= seq_len and num_kv < vocab/2; got vocab={vocab}, "
            f"seq_len={seq_len}, num_kv={num_kv}"
        )
    log_p = (power_a - 1.0) * jnp.log(jnp.arange(1.0, num_gaps + 1))

    def one(k):
        k_key, k_val, k_gap = jax.random.split(k, 3)
        keys = jax.random.permutation(k_key, half - 1)[:num_kv] + 1
        vals = jax.random.permutation(k_val, half)[:num_kv] + half
        gumbel = jax.random.gumbel(k_gap, (num_gaps,))
        gaps = jax.lax.top_k(log_p + gumbel, num_kv)[1]
        pos = 2 * num_kv + 2 * gaps
        tokens = jnp.zeros(seq_len, jnp.int32)
        tokens = tokens.at[0 : 2 * num_kv : 2].set(keys).at[1 : 2 * num_kv : 2].set(vals)
        tokens = tokens.at[pos].set(keys)
        targets = jnp.full(seq_len, -1, jnp.int32).at[pos].set(vals)
        return tokens, targets

    tokens, targets = jax.vmap(one)(jax.random.split(key, batch))
    if shift:
        prev = jnp.pad(tokens[:, :-1], ((0, 0), (1, 0)))
        return jnp.concatenate(
            [jax.nn.one_hot(tokens, vocab), jax.nn.one_hot(prev, vocab)], -1
        ), targets
    return tokens, targets


def baseline(*, seq_len: int = 64, num_kv: int = 8, vocab: int = 128, power_a: float = 0.01,
             shift: bool = False) -> dict:  # fmt: skip
    """Chance over the vocab/2 values, copying a random context value (1/num_kv), Bayes 1."""
    del seq_len, power_a, shift
    return {
        "chance_xent": math.log(vocab // 2),
        "chance_accuracy": 2.0 / vocab,
        "copy_context_accuracy": 1.0 / num_kv,
        "bayes_accuracy": 1.0,
    }
