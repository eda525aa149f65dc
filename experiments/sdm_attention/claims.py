"""Claims A1-A7b of sdm_attention, from saved results only.

Reads the arrays of run.py (closed forms saved once as `const_*`, Monte Carlo reads per seed)
and applies the bounds of docs/papers/sdm_attention.md. Every claim names its kind
(closed-form checks apart from the sampled, measured ones) and how seeds combine.
"""

from __future__ import annotations

import numpy as np

from attn_theory import results as R

# Target intervals of the fitted beta at d = 5, 11, 15 (n = 64): the authors' fit recomputed
# exactly (with their code's ddof convention: 35.4-35.5 / 15.85-15.87 / 10.11-10.12; plain
# OLS: 28.3-28.4 / 14.4 / 9.4-9.5), widened by +-0.05 [ours: tolerance].
BETA_TARGETS = {
    "paper": {5: (35.35, 35.55), 11: (15.80, 15.92), 15: (10.06, 10.17)},
    "ols": {5: (28.25, 28.45), 11: (14.35, 14.45), 15: (9.35, 9.55)},
}
ONCE = "computed once (no seed dependence)"


def claims(res: dict[str, np.ndarray], cfg) -> dict[str, R.Claim]:
    t = cfg.task
    s = res["mc_counts"].shape[0]
    c = {}
    c["A1_formula_identity"] = R.claim_true(
        bool(res["const_identity_all_equal"]), float(res["const_identity_cases"]),
        f"interpretable sum == lune form == brute force, n in {t.identity_dims}, d <= 5, "
        "d_v <= 2d+2 (exact integers; value = number of cases)",
        kind="closed_form", statistic=ONCE,
    )  # fmt: skip
    err = np.max(np.abs(res["const_book_expected"] - res["const_book_values"]))
    c["A2_book_table"] = R.claim_le(
        err, 1e-2,
        "n=1000, r=1e6, d=451: max |exact - 1071.85/476.87/103.46/1.101| at d_v=0/50/200/500",
        kind="closed_form", statistic=ONCE,
    )  # fmt: skip
    counts = np.asarray(res["mc_counts"], np.float64)  # [seed, d_v, pairs]
    pooled = counts.transpose(1, 0, 2).reshape(len(t.mc_dvs), -1)
    se = pooled.std(1, ddof=1) / np.sqrt(pooled.shape[1])
    z = np.abs(pooled.mean(1) - res["const_mc_theory"]) / se
    se_s = counts.std(2, ddof=1) / np.sqrt(counts.shape[2])  # [seed, d_v]
    z_s = np.max(np.abs(counts.mean(2) - res["const_mc_theory"]) / se_s, -1)
    c["A3_neuron_monte_carlo"] = R.claim_le(
        np.max(z), 3.0,
        f"neuron MC (n={t.mc_dim}, r={t.mc_neurons}, d={t.mc_radius}): max over "
        "d_v of |mean - theory| / stderr (per seed: the same z from that seed's pairs alone)",
        kind="measured", per_seed=z_s, statistic=f"pairs pooled over {s} seeds",
    )  # fmt: skip
    ds = [int(d) for d in res["const_beta_d"]]
    for conv in ("paper", "ols"):
        for d, (lo, hi) in BETA_TARGETS[conv].items():
            if d not in ds:
                continue
            beta = res[f"const_beta_{conv}"][ds.index(d)]
            what = "paper code convention (ddof quirk)" if conv == "paper" else "plain OLS"
            c[f"A4_beta_{conv}_d{d}"] = R.claim_in(
                beta, lo, hi, f"beta fit, n={t.n}, d={d}, d_v in {t.fit_range}, {what}",
                kind="closed_form", statistic=ONCE,
            )  # fmt: skip
    d_snr, d_mem = int(res["const_d_snr"]), int(res["const_d_mem"])
    c["A5_optimal_radii"] = R.claim_true(
        (d_snr, d_mem) == (11, 5), [d_snr, d_mem],
        f"d_SNR (p*=(2mr)^-1/3, m={t.num_patterns}, r=2^64) = 11 and d_Mem = 5",
        bound=[11, 5], kind="closed_form", statistic=ONCE,
    )  # fmt: skip
    c["A6_exponential_r2"] = R.claim_ge(
        np.min(res["const_r2_even"]), 0.998,
        f"min over d in {t.radii} of R^2, even d_v in [0, d]",
        kind="closed_form", statistic=ONCE,
    )  # fmt: skip
    ks = np.asarray(t.flips) <= 12
    agree_s = np.min(np.asarray(res["agreement"])[:, ks], -1)
    recall_s = np.minimum(np.min(np.asarray(res["recall_sdm"])[:, ks], -1),
                          np.min(np.asarray(res["recall_softmax"])[:, ks], -1))  # fmt: skip
    mean_of = f"mean of {s} seeds, worst k"
    c["A7_read_agreement"] = R.claim_ge(
        np.min(np.mean(res["agreement"], 0)[ks]), 0.99,
        f"m={t.num_patterns}, d={cfg.model.read_radius}: min over k<=12 of bit agreement "
        "SDM vs softmax",
        kind="measured", per_seed=agree_s, statistic=mean_of,
    )  # fmt: skip
    recall = min(np.min(np.mean(res["recall_sdm"], 0)[ks]),
                 np.min(np.mean(res["recall_softmax"], 0)[ks]))  # fmt: skip
    c["A7_read_recall"] = R.claim_ge(
        recall, 0.98,
        f"m={t.num_patterns}: min over k<=12 and both reads of exact recall",
        kind="measured", per_seed=recall_s, statistic=mean_of,
    )  # fmt: skip
    i = list(t.tail_patterns).index(16384) if 16384 in t.tail_patterns else -1
    gap_s = np.asarray(res["tail_recall_sdm"])[:, i] - np.asarray(res["tail_recall_softmax"])[:, i]
    c["A7b_softmax_tail_differs"] = R.claim_ge(
        np.mean(res["tail_recall_sdm"][:, i]) - np.mean(res["tail_recall_softmax"][:, i]), 0.5,
        f"[ours: a regime the paper describes, not a figure] m={t.tail_patterns[i]}, "
        f"k={t.tail_flips}: SDM recall - softmax recall",
        kind="measured", per_seed=gap_s, statistic=f"mean of {s} seeds",
    )  # fmt: skip
    return c
