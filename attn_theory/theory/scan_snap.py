"""Scan-and-snap theory (Tian et al., NeurIPS'23): the token mixture c_n computed from Z.

In the long-sequence limit (T -> infinity) the query psi(n) of class n attends to token l with
  c_n(l) = P(l | n) exp(Z[psi(n), l]) / sum_l' P(l' | n) exp(Z[psi(n), l'])
over the class's support. The paper predicts (scan) that mass leaves the common tokens and,
among distinct tokens, moves from low to high P(l | n) with the ranking kept, and (snap) that
this freezes into a mixture that is not winner-take-all. The Fig. 6 metric is the entropy of
c_n restricted to the distinct tokens and renormalised, averaged over classes.

`PAPER_FIG6` is the authors' Fig. 6 table (mean over 10 seeds, decoded from their
figure_6_data.pkl), used as the reference the reproduction is checked against.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from attn_theory.tasks.sequence_classes import Layout

# num_last -> rows eta_Z in (0.5, 1, 2, 3), columns eta_Y / eta_Z in (1, 2, 5, 10).
PAPER_FIG6_ETA_Z = (0.5, 1.0, 2.0, 3.0)
PAPER_FIG6_RATIO = (1.0, 2.0, 5.0, 10.0)
PAPER_FIG6 = {
    1: (
        (1.971, 2.007, 2.066, 2.092),
        (1.871, 1.937, 2.022, 2.053),
        (1.699, 1.810, 1.934, 1.900),
        (1.551, 1.708, 1.786, 1.825),
    ),
    3: (
        (2.019, 1.988, 2.031, 2.063),
        (1.963, 1.920, 1.982, 2.024),
        (1.842, 1.809, 1.899, 1.955),
        (1.737, 1.715, 1.821, 1.839),
    ),
    5: (
        (2.026, 1.994, 2.020, 2.055),
        (1.995, 1.931, 1.971, 2.014),
        (1.906, 1.816, 1.884, 1.926),
        (1.817, 1.718, 1.802, 1.831),
    ),
    10: (
        (2.033, 2.012, 2.018, 2.051),
        (2.027, 1.975, 1.976, 2.015),
        (1.990, 1.888, 1.899, 1.947),
        (1.940, 1.805, 1.829, 1.875),
    ),
}


def paper_fig6(num_last: int, eta_z: float, ratio: float) -> float | None:
    """The authors' Fig. 6 entropy for one cell, or None outside their grid."""
    if num_last not in PAPER_FIG6 or eta_z not in PAPER_FIG6_ETA_Z or ratio not in PAPER_FIG6_RATIO:
        return None
    return PAPER_FIG6[num_last][PAPER_FIG6_ETA_Z.index(eta_z)][PAPER_FIG6_RATIO.index(ratio)]


def token_mixture(z_mm, layout: Layout):
    """c_n over each class's support from Z.

    Args:
      z_mm: [M, M] attention logits, Z[query, key] (jnp or numpy).
    Returns:
      c_ks [K, S]: rows sum to 1, columns ordered as layout.support (common first).
    """
    logits_ks = z_mm[layout.query[:, None], layout.support] + jnp.log(layout.probs)[None]
    logits_ks = logits_ks - jnp.max(logits_ks, axis=-1, keepdims=True)
    w_ks = jnp.exp(logits_ks)
    return w_ks / jnp.sum(w_ks, axis=-1, keepdims=True)


def common_mass(c_ks, num_common: int):
    """[K]: the mass c_n puts on common tokens."""
    return jnp.sum(c_ks[..., :num_common], axis=-1)


def distinct_entropy(c_ks, num_common: int):
    """[K]: entropy (nats) of c_n restricted to the distinct tokens and renormalised."""
    d = c_ks[..., num_common:]
    d = d / jnp.sum(d, axis=-1, keepdims=True)
    return -jnp.sum(d * jnp.log(jnp.maximum(d, 1e-30)), axis=-1)


def initial_distinct_entropy(layout: Layout) -> float:
    """Distinct-token entropy at Z = 0 (c_n = P(. | n)); 2.151 nats for linspace(0.1, 1, 10)."""
    p = np.asarray(layout.probs[layout.num_common :], np.float64)
    p = p / p.sum()
    return float(-np.sum(p * np.log(p)))


def ranking_kept(c_ks, probs_s, num_common: int) -> np.ndarray:
    """Scan's frequency bias, per class [..., K] booleans (numpy):

    c_n on distinct tokens strictly increasing in P(l | n) (Spearman = 1), and c_n(l) / P(l | n)
    non-decreasing in P(l | n) (low-P tokens lose relative to high-P ones).

    Args:
      c_ks: [..., K, S] c_n over each class's support (common tokens first).
      probs_s: [S] P(l | n) on the support (Layout.probs).
      num_common: the number of common tokens at the start of the support.
    """
    c = np.asarray(c_ks, np.float64)[..., num_common:]
    p = np.asarray(probs_s, np.float64)[num_common:]
    order = np.argsort(p, kind="stable")
    c, p = c[..., order], p[order]
    strictly = np.all(np.diff(c, axis=-1) > 0, axis=-1)
    ratio = c / p
    monotone = np.all(np.diff(ratio, axis=-1) >= -1e-6 * ratio[..., 1:], axis=-1)
    return strictly & monotone


def sampled_attention_mass(attn_bs, tokens_bs, support_s):
    """Attention mass a sampled sequence puts on each support token: [B, S] (numpy).

    For long sequences this converges to c_n; used to check the T -> infinity formula.
    """
    attn_bs, tokens_bs = np.asarray(attn_bs), np.asarray(tokens_bs)
    return np.stack([np.sum(attn_bs * (tokens_bs == t), -1) for t in np.asarray(support_s)], -1)
