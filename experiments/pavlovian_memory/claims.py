"""Claims B1-B5 of pavlovian_memory, from saved results only.

Every law checked here is our reconstruction [ours] of the abstract's statements (the paper's
text was not available; docs/papers/pavlovian_memory.md). All claims are Monte Carlo
measurements (kind `measured`) compared with the closed-form laws of
attn_theory.theory.hebbian; each names how seeds combine and carries per-seed values. The
depth / head-redundancy hypothesis panel has no claim.
"""

from __future__ import annotations

import numpy as np

from attn_theory import results as R
from attn_theory.theory import hebbian

CLAIM_DIMS = (32, 64, 128, 256)  # the d_k of checks B1-B3


def _slope(x, y) -> float:
    """Log-log slope of y over x (NaN if any y is missing)."""
    y = np.asarray(y, np.float64)
    if not np.all(np.isfinite(y)):
        return float("nan")
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def claims(res: dict[str, np.ndarray], cfg) -> dict[str, R.Claim]:
    t, m, s = cfg.task, cfg.model, cfg.num_seeds
    sel = [i for i, d in enumerate(t.dims) if d in CLAIM_DIMS]
    dims = np.asarray(t.dims)[sel]
    items = np.asarray(res["const_items"], np.float64)[sel]  # [|sel|, |ratios|]
    rel_s, bit_s = res["law_rel_err"][:, sel], res["law_bit_err"][:, sel]  # [S, |sel|, |ratios|]
    pooled = f"mean over {s} seeds and all memories, worst cell"
    c = {}
    dev_s = np.abs(rel_s / hebbian.relative_error(items, dims[:, None]) - 1).max((1, 2))
    c["B1_relative_error_law"] = R.claim_le(
        np.max(np.abs(rel_s.mean(0) / hebbian.relative_error(items, dims[:, None]) - 1)),
        0.05,
        f"B1 [ours: reconstructed law]: mean |M k_j - v_j|^2 / d_v equals (N-1)/d_k within 5% "
        f"for d_k in {tuple(dims)} and N/d_k in {t.ratios}",
        kind="measured", statistic=pooled, per_seed=dev_s,
    )  # fmt: skip
    theory_bit = hebbian.bit_error(items, dims[:, None])
    c["B2_bit_error_law"] = R.claim_le(
        np.max(np.abs(bit_s.mean(0) - theory_bit)),
        0.005,
        "B2 [ours: reconstructed law]: the sign error of +-1 values is Q(sqrt(d_k/(N-1))) "
        "within 0.005 absolute over the same cells",
        kind="measured", statistic=pooled, per_seed=np.abs(bit_s - theory_bit).max((1, 2)),
    )  # fmt: skip
    r = list(t.ratios)
    for ratio, name, (lo, hi) in ((1.0, "B3_threshold_c1", (0.14, 0.17)),
                                  (0.25, "B3_threshold_c025", (0.015, 0.025))):  # fmt: skip
        if ratio not in r:
            continue
        at = bit_s[:, :, r.index(ratio)]  # [S, |sel|]
        mean = at.mean(0)
        c[name] = R.claim_true(
            bool(np.all((mean >= lo) & (mean <= hi))),
            mean,
            f"B3 [ours: reconstructed threshold]: bit error at N = {ratio:g} d_k lies in "
            f"[{lo}, {hi}] for every d_k in {tuple(dims)} (scale-free degradation)",
            bound=[lo, hi], kind="measured",
            statistic=f"mean over {s} seeds, every d_k (value: one entry per d_k)",
            per_seed_passed=np.all((at >= lo) & (at <= hi), 1),
        )  # fmt: skip
    # P(all bits right) pooled over seeds; each d_k has its own n_max, so one reading each.
    n_star = np.asarray(
        [hebbian.capacity_from_recall(res[f"recall_all_dk{d}"].mean(0)) for d in t.capacity_dims]
    )
    per_seed = [_slope(t.capacity_dims, row) for row in res["capacity_exact_recall"]]
    c["B4_exact_recall_sublinear"] = R.claim_in(
        _slope(t.capacity_dims, n_star),
        0.55,
        0.80,
        f"B4 [ours: criterion and band]: the exact-recall capacity N* (all N x d_v bits right "
        f"with P >= 1/2) grows sublinearly in d_k, log-log slope in [0.55, 0.80] over d_k in "
        f"{t.capacity_dims}: steeper than sqrt(d_k) (0.5, outside the band), as "
        "d_k / (2 ln(N d_v)) predicts; the v1 abstract's O(sqrt d_k) is not what we measure",
        kind="measured",
        statistic=f"P(all bits right) pooled over {s} seeds, then one slope",
        per_seed=per_seed,
    )  # fmt: skip
    n_eps = hebbian.capacity_from_error(res["const_items"], res["law_rel_err"].mean(0),
                                        t.capacity_eps)  # fmt: skip
    per_seed = [_slope(t.dims, row) for row in res["capacity_average"]]
    c["B4_average_capacity_linear"] = R.claim_in(
        _slope(t.dims, n_eps),
        0.9,
        1.1,
        f"B4 [ours: criterion and band]: the average-case capacity (N at relative error "
        f"{t.capacity_eps}) grows linearly in d_k, log-log slope in [0.9, 1.1] over d_k in "
        f"{t.dims} (the v2 abstract's O(d_k))",
        kind="measured",
        statistic=f"relative error averaged over {s} seeds, then one slope",
        per_seed=per_seed,
    )  # fmt: skip
    small = [i for i, n in enumerate(m.delta_items) if n <= m.delta_dim // 2]
    delta_s = res["delta_errors"][:, small, 0]  # [S, |small|]
    c["B5_delta_rule"] = R.claim_le(
        float(np.max(delta_s.mean(0))),
        0.01,
        f"B5 [ours: eta and epochs]: the delta (Rescorla-Wagner) rule, eta={m.delta_lr}, "
        f"{m.delta_epochs} epochs at d_k={m.delta_dim}, leaves relative error < 0.01 for "
        "N <= d_k/2, where Hebbian storage does not",
        kind="measured",
        statistic=f"mean over {s} seeds, worst N",
        per_seed=delta_s.max(1),
    )  # fmt: skip
    return c
