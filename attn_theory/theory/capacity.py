"""Capacity laws and measurements for one multi-head attention layer (Mahdavi et al., ICLR'24).

The paper's construction memorises H(n - 1) + 1 examples with H heads, context length n,
value size 1 and d_h >= n, using Theta(H d^2) parameters [ours: the exact constant is our
reconstruction, see docs/papers/memorization_capacity.md]. Its mechanism is softmax
saturation: on the examples a head is not responsible for, its attention collapses onto one
token.
"""

from __future__ import annotations

import numpy as np


def lower_bound(num_heads, context_len):
    """H (n - 1) + 1: examples the construction memorises (needs d_h >= n, n < d)."""
    return np.asarray(num_heads) * (np.asarray(context_len) - 1) + 1


def num_params(
    input_dim: int, d_model: int, num_heads: int, head_dim: int, num_outputs: int
) -> int:
    """Parameters of the model in models/memorization.py.

    Per head: W_Q, W_K [d, d_h] and W_V [d, 1], i.e. 2 d d_h + d (8256 at d = d_h = 64, the
    authors' setting), plus one row of W_O [d]; then the input Linear and the decoder with biases.
    """
    per_head = 2 * d_model * head_dim + d_model + d_model
    return (
        (input_dim * d_model + d_model) + num_heads * per_head + d_model * num_outputs + num_outputs
    )


def saturation_fraction(attn_bhs, threshold: float = 0.99, active_heads=None) -> float:
    """Fraction of (example, head) pairs whose largest attention weight exceeds threshold.

    Args:
      attn_bhs: token 0's attention weights [b, H, s].
      active_heads: count only heads < active_heads (padded sweeps); default all.
    """
    a = np.asarray(attn_bhs)
    sat_bh = a.max(-1) > threshold
    h = a.shape[1] if active_heads is None else int(active_heads)
    return float(sat_bh[:, :h].mean())


def memorised(acc_log, loss_log, num_examples):
    """The paper's memorised count from periodic full-train-set evaluations (authors' rule).

    Training early-stops at the first evaluation with accuracy exactly 1.0 (count N);
    otherwise the checkpoint with the lowest train loss is reloaded and its accuracy x N is
    reported. acc_log, loss_log: [..., num_logs]; returns [...].
    """
    acc = np.asarray(acc_log, np.float64)
    loss = np.asarray(loss_log, np.float64)
    best = np.take_along_axis(acc, np.argmin(loss, -1)[..., None], -1)[..., 0]
    return np.where(np.any(acc >= 1.0, -1), 1.0, best) * num_examples


def per_doubling_growth(x, y):
    """Growth factor of y per doubling of x between consecutive grid points: [len(x) - 1].

    (y_{i+1} / y_i) ** (log 2 / log(x_{i+1} / x_i)); a linear law gives exactly 2.
    """
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    return (y[1:] / y[:-1]) ** (np.log(2.0) / np.log(x[1:] / x[:-1]))


def gain_split(x, y, pivot):
    """Average gain of y per unit x up to pivot and above it: (gain_at_or_below, gain_above).

    Below: from min(x) to the largest x <= pivot; above: from there to max(x).
    """
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    i = int(np.flatnonzero(x <= pivot).max())
    below = (y[i] - y[0]) / max(x[i] - x[0], 1e-12)
    above = (y[-1] - y[i]) / max(x[-1] - x[i], 1e-12)
    return below, above
