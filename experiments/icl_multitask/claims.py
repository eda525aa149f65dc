"""Claims (C8; F9 structure at the paper size) of the icl_multitask experiment, from saved
results only (docs/papers/icl_linear_regression.md).

Seeds are combined by the median over seeds. The structure claims have [ours] bounds and are
checked only with model.structure_claims (long runs).
"""

from __future__ import annotations

import numpy as np

from attn_theory.results import Claim, claim_ge, claim_le


def claims(res: dict, cfg) -> dict[str, Claim]:
    heads = list(cfg.model.head_counts)
    val = {h: float(np.median(res[f"h{h}/val"])) for h in heads}
    out: dict[str, Claim] = {}
    if {2, 3, 4} <= set(heads):
        out["C8_ordering"] = claim_ge(
            val[2] - min(val[3], val[4]),
            0.08,
            f"val(H=2) - min(val(H=3), val(H=4)) (medians over seeds; vals {val})",
        )
    if cfg.model.structure_claims:
        n_tasks = len(cfg.task.task_coords)
        for h in heads:
            sel, act = res[f"h{h}/selectivity"], res[f"h{h}/active"]
            if h >= 2 * n_tasks:
                worst = np.where(act, sel, np.inf).min(-1)
                out[f"F9_split_up_h{h}"] = claim_ge(
                    float(np.median(worst)),
                    0.9,
                    f"[ours bound] H={h} >= 2N: min task selectivity of active heads (median)",
                )
            elif h > 2:
                best = np.where(act, sel, -np.inf).min(-1)
                out[f"F9_superposition_h{h}"] = claim_le(
                    float(np.median(best)),
                    0.75,
                    f"[ours bound] 2 < H={h} < 2N: some active head serves both tasks "
                    "(min selectivity, median)",
                )
            if h > n_tasks:  # with H <= N heads a task may get no negative partner
                mu_sum = np.abs(res[f"h{h}/mu_sum"]).max(-1)
                scale = np.abs(res[f"h{h}/mu"]).max((-2, -1))
                out[f"F9_zero_sum_h{h}"] = claim_le(
                    float(np.median(mu_sum / scale)),
                    0.1,
                    f"[ours bound, C2's] H={h}: max_t |sum_h mu_ht| / max|mu| (median)",
                )
    return out
