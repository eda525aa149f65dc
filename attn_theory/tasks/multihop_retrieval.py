"""The retrieval problem (Mușat, 2024): follow a chain of variable assignments to its root.

An example holds K chains of D assignments over distinct symbols s[c, 0..D] (c < K):
assignment (c, j), j = 1..D, reads "s[c, j] = s[c, j-1]" (key s[c, j], value s[c, j-1]).
The query names the head s[c*, D] of one chain; answering takes D retrieval steps (the
difficulty) back to the root s[c*, 0]; the other K-1 chains are distractors. This minimal
formulation is our reconstruction [ours] of the paper's Figure-1 task, see
docs/papers/stacked_attention_heads.md.

Layouts:
  packed: one position per assignment, a float vector [one_hot_V(key); one_hot_{V+1}(value)];
    the last position is the query [one_hot_V(q); one_hot_{V+1}(V)] (index V marks it).
    T = K*D + 1, input dim 2V + 1.
  tokens: int tokens [k v k v ... q], T = 2*K*D + 1, vocabulary V.
Orders: 'forward' (each chain's assignments in increasing j, root assignment first, chains
interleaved uniformly), 'reverse' (decreasing j) or 'shuffle' (uniform).
Targets: 'final' = the root [B] (non-IC); 'chain' = [B, D], entry k-1 the result of hop k,
(s[c*, D-1], ..., s[c*, 0]) (the implicit-curriculum target).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

LOSS = "xent"
LAYOUTS = ("packed", "tokens")
ORDERS = ("forward", "reverse", "shuffle")


def _one(key, D: int, K: int, V: int, order: str, layout: str) -> dict:
    k_sym, k_ord, k_q = jax.random.split(key, 3)
    sym_kd = jax.random.permutation(k_sym, V)[: K * (D + 1)].reshape(K, D + 1)
    keys_a = sym_kd[:, 1:].reshape(-1)  # assignment a = c*D + (j-1)
    vals_a = sym_kd[:, :-1].reshape(-1)
    u_kd = jax.random.uniform(k_ord, (K, D))
    if order == "forward":
        u_kd = jnp.sort(u_kd, axis=1)
    elif order == "reverse":
        u_kd = -jnp.sort(u_kd, axis=1)
    perm = jnp.argsort(u_kd.reshape(-1))  # perm[p] = assignment at position p
    pos_of = jnp.argsort(perm)  # position of assignment a
    c_star = jax.random.randint(k_q, (), 0, K)
    q = sym_kd[c_star, D]
    j_a = jnp.tile(jnp.arange(1, D + 1), K)
    succ_a = jnp.where(j_a >= 2, pos_of[jnp.arange(K * D) - 1], -1)  # (c, j-1)'s position
    succ_p = succ_a[perm]
    hops = jnp.arange(1, D + 1)
    path_pos = pos_of[c_star * D + (D - hops)]  # hop k reads assignment (c*, D-k+1)
    chain = sym_kd[c_star, D - hops]
    assign_pos = pos_of.reshape(K, D)
    if layout == "packed":
        k_p, v_p = keys_a[perm], vals_a[perm]
        body = jnp.concatenate([jax.nn.one_hot(k_p, V), jax.nn.one_hot(v_p, V + 1)], -1)
        query = jnp.concatenate([jax.nn.one_hot(q, V), jax.nn.one_hot(V, V + 1)])[None]
        inputs = jnp.concatenate([body, query], 0)
        succ = jnp.concatenate([succ_p, jnp.array([-1])])
    else:
        inputs = jnp.concatenate([jnp.stack([keys_a[perm], vals_a[perm]], 1).reshape(-1), q[None]])
        # Value token of each assignment -> key token of its successor (the induction link).
        succ = jnp.stack([jnp.full_like(succ_p, -1), jnp.where(succ_p >= 0, 2 * succ_p, -1)], 1)
        succ = jnp.concatenate([succ.reshape(-1), jnp.array([-1])])
        path_pos, assign_pos = 2 * path_pos, 2 * assign_pos
    return {
        "inputs": inputs,
        "chain": chain,
        "root": sym_kd[c_star, 0],
        "path_pos": path_pos,
        "succ_pos": succ,
        "assign_pos": assign_pos,
        "query_chain": c_star,
        "symbols": sym_kd,
    }


def sample_full(
    key,
    batch: int,
    *,
    D: int = 3,
    K: int = 4,
    V: int = 32,
    order: str = "forward",
    layout: str = "packed",
) -> dict:
    """One batch with its structure, for training and mechanism scores.

    Returns a dict of arrays with leading [B]:
      inputs: [B, T, 2V+1] float (packed) or [B, T] int (tokens);
      chain [B, D]: hop-k result at k-1; root [B] = chain[:, -1];
      path_pos [B, D]: position of the assignment that hop k reads (its key is s[c*, D-k+1];
        the key token in the tokens layout);
      succ_pos [B, T]: position of the successor of each position's assignment (the one whose
        key equals its value), -1 where there is none (root assignments, the query);
      assign_pos [B, K, D]: position of assignment (c, j) at [c, j-1]; query_chain [B] = c*;
      symbols [B, K, D+1].
    """
    _check(D, K, V, order, layout)
    return jax.vmap(lambda k: _one(k, D, K, V, order, layout))(jax.random.split(key, batch))


def sample_examples(
    keys, *, D: int, K: int = 4, V: int = 32, order: str = "forward", layout: str = "packed"
) -> dict:
    """Like sample_full, one example per key (keys [B]); a fixed training set of size N is
    `sample_examples(fold_in(set_key, idx))` for indices idx < N."""
    _check(D, K, V, order, layout)
    return jax.vmap(lambda k: _one(k, D, K, V, order, layout))(keys)


def sample(
    key,
    batch: int,
    *,
    D: int = 3,
    K: int = 4,
    V: int = 32,
    order: str = "forward",
    target: str = "final",
    layout: str = "packed",
):
    """Registry form: (inputs, targets); targets are the roots [B] ('final', non-IC) or the
    chain [B, D] ('chain', the implicit-curriculum targets)."""
    if target not in ("final", "chain"):
        raise ValueError(f"target must be 'final' or 'chain', got {target!r}")
    ex = sample_full(key, batch, D=D, K=K, V=V, order=order, layout=layout)
    return ex["inputs"], ex["root"] if target == "final" else ex["chain"]


def _check(D: int, K: int, V: int, order: str, layout: str) -> None:
    if D < 1 or K < 1:
        raise ValueError(f"D and K must be >= 1, got D={D}, K={K}")
    if V < K * (D + 1):
        raise ValueError(f"V={V} must be >= K*(D+1)={K * (D + 1)}: symbols must be distinct")
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")


def input_dim(V: int) -> int:
    """Feature size of a packed position: key one-hot (V) + value one-hot with query marker."""
    return 2 * V + 1


def baseline(*, D: int = 3, K: int = 4, V: int = 32, **_) -> dict:
    """References: a model that knows which symbols are roots but not the chain scores 1/K;
    the answer is determined by the input (Bayes accuracy 1)."""
    del D, V
    return {"chance_accuracy": 1.0 / K, "bayes_accuracy": 1.0}
