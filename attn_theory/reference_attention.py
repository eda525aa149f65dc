"""Float64 NumPy reference for softmax attention and its gradient (for accuracy checks).

Layout as attention.py: q [b, tq, h, d], k [b, tk, h, d], v [b, tk, h, dv].
"""

from __future__ import annotations

import numpy as np


def attention_and_grads(q, k, v, d_out, *, mask=None, bias=None, causal=False, scale=None):
    """Value and gradients of sum(out * d_out) in float64.

    Fully masked query rows give zero output and zero gradient.

    Returns:
      out [b, tq, h, dv], dq, dk, dv (shaped like q, k, v) and d_scores [b, h, tq, tk]
      (the gradient with respect to an additive bias).
    """
    q, k, v, d_out = (np.asarray(x, np.float64) for x in (q, k, v, d_out))
    tq, tk, d = q.shape[1], k.shape[1], q.shape[-1]
    scale = 1.0 / np.sqrt(d) if scale is None else scale
    s = np.einsum("bqhd,bkhd->bhqk", q, k) * scale
    if bias is not None:
        s = s + np.asarray(bias, np.float64)
    valid = np.ones(s.shape, bool)
    if mask is not None:
        valid = valid & np.asarray(mask, bool)
    if causal:
        valid = valid & np.tril(np.ones((tq, tk), bool))
    s = np.where(valid, s, -np.inf)
    row_max = s.max(-1, keepdims=True)
    e = np.exp(s - np.where(np.isfinite(row_max), row_max, 0.0))
    total = e.sum(-1, keepdims=True)
    p = np.where(total > 0, e / np.where(total > 0, total, 1.0), 0.0)
    out = np.einsum("bhqk,bkhd->bqhd", p, v)
    dv = np.einsum("bhqk,bqhd->bkhd", p, d_out)
    dp = np.einsum("bqhd,bkhd->bhqk", d_out, v)
    ds = p * (dp - (dp * p).sum(-1, keepdims=True))
    dq = np.einsum("bhqk,bkhd->bqhd", ds, k) * scale
    dk = np.einsum("bhqk,bqhd->bkhd", ds, q) * scale
    return out, dq, dk, dv, ds


def max_rel_err(got, want) -> float:
    """max |got - want| / max |want| (relative to the largest reference entry)."""
    want = np.asarray(want, np.float64)
    return float(np.abs(np.asarray(got, np.float64) - want).max() / max(np.abs(want).max(), 1e-30))
