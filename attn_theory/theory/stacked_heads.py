"""Depth bounds for the retrieval problem and an exact information-flow simulator.

Theorem 1 of Mușat (2024), as the reviewers state it: under Assumption 1 (a position can
attend to another only through shared positional or token information) the target reaches
the residual stream only when the number of layers L >= log_3(2D). In the packed layout (one
position per assignment, the answer read at the query) a position's known chain segment can
grow by what the neighbours on both of its ends know, so segments triple per layer and L
layers resolve at most D = (3^L - 1) / 2 hops. With a causal mask and chains written in order
(forward or reverse) one of the two directions is blocked and the bound becomes
L >= log_2(D + 1), D <= 2^L - 1 [ours: derivation and simulator,
docs/papers/stacked_attention_heads.md]; the pointer-doubling circuit attains it.

`min_depth` checks both statements on sampled sequences: every position holds a set of known
symbols (its key and value; the query its symbol); at each layer a position merges the set of
every allowed position (j <= i when causal) whose set shares a symbol with its own. The
minimal depth is the first layer after which the query's set holds the root.
"""

from __future__ import annotations

import numpy as np


def max_difficulty_bidirectional(num_layers: int) -> int:
    """(3^L - 1) / 2: the most hops L layers resolve without a mask (Theorem 1)."""
    return (3**num_layers - 1) // 2


def max_difficulty_causal(num_layers: int) -> int:
    """2^L - 1: the most hops L causal layers resolve in forward or reverse order [ours]."""
    return 2**num_layers - 1


def min_layers_bidirectional(D: int) -> int:
    """ceil(log_3(2D)), computed exactly with integers."""
    layers = 0
    while max_difficulty_bidirectional(layers) < D:
        layers += 1
    return layers


def min_layers_causal(D: int) -> int:
    """ceil(log_2(D + 1)), computed exactly with integers."""
    layers = 0
    while max_difficulty_causal(layers) < D:
        layers += 1
    return layers


def sample_layout(rng: np.random.Generator, num: int, D: int, K: int, V: int, order: str):
    """Packed retrieval layouts, as attn_theory.tasks.multihop_retrieval draws them, in numpy.

    Returns:
      symbols [num, K, D+1], assign_pos [num, K, D] (position of assignment (c, j) at
      [c, j-1]) and query_chain [num].
    """
    sym = np.stack([rng.permutation(V)[: K * (D + 1)].reshape(K, D + 1) for _ in range(num)])
    u = rng.uniform(size=(num, K, D))
    if order == "forward":
        u = np.sort(u, -1)
    elif order == "reverse":
        u = -np.sort(u, -1)
    pos = np.argsort(np.argsort(u.reshape(num, -1), -1), -1).reshape(num, K, D)
    return sym, pos, rng.integers(0, K, num)


def known_sets(symbols_bkd, assign_pos_bkd, query_chain_b, vocab: int) -> np.ndarray:
    """Initial known-symbol sets [B, T, V] bool of packed sequences (T = K*D + 1).

    Position of assignment (c, j) knows {s[c, j], s[c, j-1]}; the query (last) knows s[c*, D].
    """
    sym, pos = np.asarray(symbols_bkd), np.asarray(assign_pos_bkd)
    b, k, d1 = sym.shape
    d = d1 - 1
    sets = np.zeros((b, k * d + 1, vocab), bool)
    bi = np.arange(b)[:, None, None]
    sets[bi, pos, sym[:, :, 1:]] = True
    sets[bi, pos, sym[:, :, :-1]] = True
    sets[np.arange(b), -1, sym[np.arange(b), np.asarray(query_chain_b), d]] = True
    return sets


def propagate(sets_btv, causal: bool, num_layers: int) -> np.ndarray:
    """Known sets after each layer: [num_layers + 1, B, T, V] (index 0 = the input)."""
    t = sets_btv.shape[1]
    allowed = np.tril(np.ones((t, t), bool)) if causal else np.ones((t, t), bool)
    out = [np.asarray(sets_btv, bool)]
    for _ in range(num_layers):
        f = out[-1].astype(np.float32)
        share = (np.einsum("btv,bsv->bts", f, f) > 0) & allowed
        out.append(np.einsum("bts,bsv->btv", share.astype(np.float32), f) > 0)
    return np.stack(out)


def min_depth(
    symbols_bkd, assign_pos_bkd, query_chain_b, vocab: int, causal: bool, max_layers: int
) -> np.ndarray:
    """Per example, the first depth at which the query knows the root; max_layers + 1 if never.

    Inputs as returned by `sample_layout` (or the same fields of a packed batch of
    attn_theory.tasks.multihop_retrieval.sample_full). Returns int [B].
    """
    sets = known_sets(symbols_bkd, assign_pos_bkd, query_chain_b, vocab)
    hist = propagate(sets, causal, max_layers)  # [L+1, B, T, V]
    b = np.arange(sets.shape[0])
    root = np.asarray(symbols_bkd)[b, np.asarray(query_chain_b), 0]
    holds = hist[:, b, -1, root]  # [L+1, B]
    return np.where(holds.any(0), holds.argmax(0), max_layers + 1)
