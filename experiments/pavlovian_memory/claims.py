"""Claims B1-B5 of the pavlovian_memory experiment (spec B.3.1-5), with the spec's bounds.

Reads the arrays of experiments.pavlovian_memory.run and compares them with the reconstructed
Hebbian laws of attn_theory.theory.hebbian; capacity() and _items() stay in the experiment
module (its plots use them too) and are imported inside claims(). The depth / head-redundancy
hypothesis panel has no claim. Every claim text says how seeds are combined.
"""

from __future__ import annotations

import numpy as np

from attn_theory import results as R
from attn_theory.theory import hebbian

CLAIM_DIMS = (32, 64, 128, 256)  # the d_k of checks B.3.1-3


def _slope(x, y):
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def claims(res: dict[str, np.ndarray], cfg) -> dict[str, R.Claim]:
    from experiments.pavlovian_memory import _items, capacity

    t = cfg.task
    sel = [i for i, d in enumerate(t.dims) if d in CLAIM_DIMS]
    dims = np.asarray(t.dims)[sel]
    items = np.asarray([_items(cfg, d) for d in dims], np.float64)
    rel = res["law_rel_err"][:, sel].mean(0)
    bit = res["law_bit_err"][:, sel].mean(0)
    c = {}
    dev = np.max(np.abs(rel / hebbian.relative_error(items, dims[:, None]) - 1))
    c["B1_relative_error_law"] = R.claim_le(
        dev,
        0.05,
        f"max over d_k in {tuple(dims)} and N/d_k in {t.ratios} of |measured / "
        "((N-1)/d_k) - 1| (mean over seeds and memories) [reconstructed law]",
    )
    dev = np.max(np.abs(bit - hebbian.bit_error(items, dims[:, None])))
    c["B2_bit_error_law"] = R.claim_le(
        dev,
        0.005,
        "max |bit error - Q(sqrt(d_k/(N-1)))| over "
        "the same cells (mean over seeds) [reconstructed law]",
    )
    r = list(t.ratios)
    if 1.0 in r and 0.25 in r:
        at1, at4 = bit[:, r.index(1.0)], bit[:, r.index(0.25)]
        c["B3_threshold_c1"] = R.claim_true(
            bool(np.all((at1 >= 0.14) & (at1 <= 0.17))),
            at1,
            "bit error at N = d_k in [0.14, 0.17] for every d_k",
            bound=[0.14, 0.17],
        )
        c["B3_threshold_c025"] = R.claim_true(
            bool(np.all((at4 >= 0.015) & (at4 <= 0.025))),
            at4,
            "bit error at N = d_k/4 in [0.015, 0.025] for every d_k",
            bound=[0.015, 0.025],
        )
    n_star, n_eps = capacity(res, cfg)
    c["B4_exact_recall_sublinear"] = R.claim_in(
        _slope(t.capacity_dims, n_star),
        0.55,
        0.80,
        f"log-log slope of exact-recall N* over d_k in {t.capacity_dims} (P pooled over seeds);"
        " spec ~0.67; the [0.55, 0.80] band is ours: sublinear, steeper than sqrt",
    )
    c["B4_average_capacity_linear"] = R.claim_in(
        _slope(t.dims, n_eps),
        0.9,
        1.1,
        f"log-log slope of the average-case capacity N at "
        f"relative error {t.capacity_eps} over d_k in {t.dims}; band ours (linear = O(d_k))",
    )
    m = cfg.model
    small = [i for i, n in enumerate(m.delta_items) if n <= m.delta_dim // 2]
    worst = float(np.max(res["delta_errors"][:, small, 0].mean(0)))
    c["B5_delta_rule"] = R.claim_le(
        worst,
        0.01,
        f"delta rule (eta={m.delta_lr}, "
        f"{m.delta_epochs} epochs, d_k={m.delta_dim}): max relative"
        " error for N <= d_k/2 (mean over seeds)",
    )
    return c
