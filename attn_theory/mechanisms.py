"""Mechanism toolkit for small transformers: attention maps, head scores, ablation, emergence.

Pure functions, no experiment knowledge; everything is jit- and vmap-friendly (vmap over a
leading seed/run axis of the parameters to analyse every seed in one call). docs/mechanisms.md
has a runnable walk-through.

  attention_maps(apply_fn, params, inputs)      every layer's and head's weights, one pass
  head_scores(attn, rows, cols)                 attention mass of each head on given links
  target_mass(attn, targets)                    mass on a set of positions per row
  ablate_each_head(metric_fn, L, H)             metric with each head ablated, one vmap
  first_crossing(steps, values, threshold)      when a logged score first crosses
  emergence_order({name: step})                 names sorted by that step

Conventions: attention weights are `attn_lbhts` [layers, batch, heads, query, key]; models
follow the library's convention `apply(params, inputs) -> (outputs, {"attn": [per layer
[B, H, T, S]]})` (attn_theory/models/sequence.py). A head mask is [layers, heads] with 1 =
keep and 0 = ablate (SequenceTransformer's `head_mask`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import jax
import jax.numpy as jnp
import numpy as np

Array = jax.Array


def stack_maps(intermediates: Mapping) -> Array:
    """{'attn': [per layer [B, H, T, S]]} -> attn_lbhts [L, B, H, T, S]."""
    return jnp.stack(list(intermediates["attn"]), 0)


def attention_maps(apply_fn: Callable, params, inputs) -> Array:
    """Every layer's and head's attention weights from one forward pass.

    Args:
      apply_fn: (params, inputs) -> (outputs, {'attn': [per layer [B, H, T, S]]}), e.g.
        `model.apply` of a SequenceTransformer.
    Returns:
      attn_lbhts [L, B, H, T, S]. vmap over params (and inputs) for a seed axis.
    """
    return stack_maps(apply_fn(params, inputs)[1])


def head_scores(attn_lbhts: Array, rows_br: Array, cols_br: Array, valid_br=None) -> Array:
    """Mean attention weight attn[l, b, h, rows[b, r], cols[b, r]] over valid (b, r).

    Each (row, col) pair is one link a head is expected to follow (row attends to col): the
    previous token (rows = t, cols = t-1), the matching key, the next hop of a chain.
    Pairs with a negative col or valid False are ignored.

    Returns:
      [L, H] scores in [0, 1]; 1 means every listed row puts all its mass on its col.
    """
    valid = cols_br >= 0 if valid_br is None else valid_br & (cols_br >= 0)
    rows = jnp.clip(rows_br, 0, attn_lbhts.shape[3] - 1)
    cols = jnp.clip(cols_br, 0, attn_lbhts.shape[4] - 1)
    b = jnp.arange(rows.shape[0])[:, None]
    w_lbrh = attn_lbhts[:, b, :, rows, cols]  # advanced indices first: [B, R, L, H]
    w = jnp.where(valid[..., None, None], w_lbrh, 0.0)
    return jnp.sum(w, (0, 1)) / jnp.maximum(jnp.sum(valid), 1)


def target_mass(attn_lbhts: Array, targets_bts: Array, rows_bt=None) -> Array:
    """Mean over rows of the attention mass a row puts on its target set.

    Args:
      targets_bts: bool [B, T, S], the positions each row should attend to.
      rows_bt: bool [B, T], rows that count (default: rows with a non-empty target set).
    Returns:
      [L, H].
    """
    if rows_bt is None:
        rows_bt = jnp.any(targets_bts, -1)
    mass_lbht = jnp.sum(attn_lbhts * targets_bts[None, :, None], -1)
    mass = jnp.sum(jnp.where(rows_bt[None, :, None], mass_lbht, 0.0), (1, 3))
    return mass / jnp.maximum(jnp.sum(rows_bt), 1)


def previous_token_links(batch: int, length: int) -> tuple[Array, Array]:
    """(rows, cols) [B, T-1] of the previous-token link t -> t-1 (for head_scores)."""
    rows = jnp.broadcast_to(jnp.arange(1, length), (batch, length - 1))
    return rows, rows - 1


def ablation_masks(num_layers: int, num_heads: int) -> Array:
    """[L*H, L, H]: mask i keeps every head except head i (row-major over layer, head)."""
    eye = jnp.eye(num_layers * num_heads).reshape(-1, num_layers, num_heads)
    return 1.0 - eye


def ablate_each_head(metric_fn: Callable, num_layers: int, num_heads: int):
    """The metric with no head ablated and with each head ablated, in one vmapped call.

    Args:
      metric_fn: head_mask [L, H] -> pytree of scalars (e.g. accuracy and loss of a fixed
        batch under `model.apply(params, x, head_mask=mask, ablation="zero" or "mean")`).
    Returns:
      (base, per_head): base is metric_fn(all ones); per_head has each leaf shaped [L, H],
      leaf[l, h] = the metric with head (l, h) ablated. The effect is per_head - base.
    """
    base = metric_fn(jnp.ones((num_layers, num_heads)))
    per = jax.vmap(metric_fn)(ablation_masks(num_layers, num_heads))
    per = jax.tree_util.tree_map(lambda x: x.reshape(num_layers, num_heads, *x.shape[1:]), per)
    return base, per


def first_crossing(steps, values, threshold: float, *, above: bool = True) -> np.ndarray:
    """First logged step at which values cross threshold (>= if above else <=); inf if never.

    Args:
      steps: [N] logged steps; values: [..., N] (train.fit history layout, log axis last).
    Returns:
      float array [...] of steps (np.inf where never crossed).
    """
    steps, values = np.asarray(steps, np.float64), np.asarray(values, np.float64)
    hit = values >= threshold if above else values <= threshold
    first = np.argmax(hit, -1)
    return np.where(np.any(hit, -1), steps[first], np.inf)


def emergence_order(first_steps: Mapping[str, float]) -> list[tuple[str, float]]:
    """(name, step) sorted by step; names that never crossed (inf) are left out.

    Ties keep the mapping's order; compare steps to see them.
    """
    items = [(k, float(v)) for k, v in first_steps.items() if np.isfinite(v)]
    return sorted(items, key=lambda kv: kv[1])
