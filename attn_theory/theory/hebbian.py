"""Crosstalk laws of a Hebbian (linear-attention) associative memory M = sum_i v_i k_i^T.

Reconstructed theory for Qiao (2025), "Understanding Transformers through the Lens of
Pavlovian Conditioning" (arXiv 2508.08289): only the abstract was available, so these are the
standard linear-associative-memory results that the abstract's claims correspond to.
With N unit keys uniform on S^{d_k-1} and +-1 values, reading with q = k_j gives
o = v_j + sum_{i != j} (k_i . k_j) v_i, each crosstalk coefficient of variance 1/d_k:
  relative error  E|o - v_j|^2 / d_v = (N - 1) / d_k                 (average case, O(d_k))
  bit error       P(sign(o) != v_j)  = Q(cos_t sqrt(d_k / (N - 1)))  (Gaussian crosstalk)
The depth/head formulas at the end are a HYPOTHESIS [ours], not a theorem of the paper. The
two capacity readers turn measured curves into capacities (docs/papers/pavlovian_memory.md).
"""

from __future__ import annotations

import numpy as np
from scipy import special


def gaussian_tail(x):
    """Q(x) = P(Z > x) for a standard normal Z."""
    return 0.5 * special.erfc(np.asarray(x, np.float64) / np.sqrt(2.0))


def relative_error(num_items, d_k):
    """(N - 1) / d_k: expected |M k_j - v_j|^2 / d_v."""
    return (np.asarray(num_items, np.float64) - 1.0) / np.asarray(d_k, np.float64)


def bit_error(num_items, d_k, cos_target: float = 1.0):
    """Q(cos_t sqrt(d_k / (N - 1))): per-bit sign error for +-1 values (0 when N = 1)."""
    n = np.asarray(num_items, np.float64)
    with np.errstate(divide="ignore"):
        snr = np.where(n > 1, cos_target * np.sqrt(np.asarray(d_k, np.float64) / (n - 1)), np.inf)
    return gaussian_tail(snr)


def exact_recall_probability(num_items, d_k, d_v):
    """P(all N d_v bits right), treating bits as independent: (1 - bit_error)^(N d_v)."""
    n = np.asarray(num_items, np.float64)
    return np.exp(n * d_v * np.log1p(-bit_error(n, d_k)))


def exact_recall_capacity(d_k: int, d_v: int, n_max: int = 100_000) -> int:
    """Largest N with exact_recall_probability >= 1/2 (the strict, sublinear criterion).

    For large d_k this tends to d_k / (2 ln(N d_v)): the log makes it sub-linear.
    """
    n = np.arange(1, n_max + 1)
    ok = exact_recall_probability(n, d_k, d_v) >= 0.5
    return int(n[np.argmin(ok)] - 1) if not ok.all() else n_max


def average_capacity(d_k, eps: float):
    """Largest N with relative error <= eps: eps d_k + 1 (the average-case, linear criterion)."""
    return eps * np.asarray(d_k, np.float64) + 1.0


def capacity_from_recall(p_all_n) -> np.ndarray:
    """Measured exact-recall capacity N* from P(all bits right) after N = 1..n_max items.

    Args:
      p_all_n: [..., n_max], entry i is the probability with i + 1 items stored.

    Returns:
      [...] the largest N with P >= 1/2 before the first N where it drops below (NaN when it
      never drops within n_max).
    """
    ok = np.asarray(p_all_n) >= 0.5
    first_fail = np.argmin(ok, axis=-1).astype(np.float64)
    return np.where(ok.all(-1), np.nan, first_fail)


def capacity_from_error(num_items, rel_err, eps: float) -> np.ndarray:
    """Measured average-case capacity: N where the relative error reaches eps.

    Interpolates the measured error in log N. num_items, rel_err: [..., |N|] (increasing N).
    """
    n = np.log(np.asarray(num_items, np.float64))
    err = np.asarray(rel_err, np.float64)
    n, err = np.broadcast_arrays(n, err)
    flat = [
        np.interp(eps, e, x)
        for e, x in zip(err.reshape(-1, err.shape[-1]), n.reshape(-1, n.shape[-1]), strict=True)
    ]
    return np.exp(np.asarray(flat).reshape(err.shape[:-1]))


def depth_error_additive(num_layers, num_items, d_k):
    """HYPOTHESIS: independent per-layer crosstalk adds in the residual stream: L (N-1)/d_k."""
    return np.asarray(num_layers, np.float64) * relative_error(num_items, d_k)


def depth_error_compounding(num_layers, num_items, d_k):
    """HYPOTHESIS: without normalization the per-layer gain compounds: (1 + s^2)^L - 1."""
    s2 = relative_error(num_items, d_k)
    return (1.0 + s2) ** np.asarray(num_layers, np.float64) - 1.0


def head_average_error(num_heads, num_items, d_k):
    """HYPOTHESIS: averaging H heads with independent keys divides the variance by H."""
    return relative_error(num_items, d_k) / np.asarray(num_heads, np.float64)
