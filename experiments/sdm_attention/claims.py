"""Claims A1-A7b of the sdm_attention experiment (spec A.5.1-7), with the spec's bounds.

Reads the arrays of experiments.sdm_attention.run (closed forms repeated along the [seed] axis,
Monte Carlo reads per seed); BOOK (Kanerva's table, also an input of sdm_attention.theory) and
BETA_TARGETS hold the reference values, and every claim text says how seeds are combined.
"""

from __future__ import annotations

import numpy as np

from attn_theory import results as R

# Kanerva's table as recomputed in the spec (n=1000, r=1e6, d=451): d_v -> expected neurons.
BOOK = {
    "n": 1000,
    "r": 1e6,
    "d": 451,
    "dvs": (0, 50, 200, 500),
    "values": (1071.85, 476.87, 103.46, 1.101),
}
# Spec A.5.4 target intervals (the spec's range widened by its +-0.05), d = 5, 11, 15.
BETA_TARGETS = {
    "paper": {5: (35.35, 35.55), 11: (15.80, 15.92), 15: (10.06, 10.17)},
    "ols": {5: (28.25, 28.45), 11: (14.35, 14.45), 15: (9.35, 9.55)},
}


def claims(res: dict[str, np.ndarray], cfg) -> dict[str, R.Claim]:
    t = cfg.task
    c = {}
    c["A1_formula_identity"] = R.claim_true(
        bool(res["identity_all_equal"][0]),
        res["identity_cases"][0],
        f"interpretable sum == lune form == brute force, n in {t.identity_dims}, d <= 5, "
        "d_v <= 2d+2 (exact integers; value = number of cases)",
    )
    err = np.max(np.abs(res["book_expected"][0] - np.asarray(BOOK["values"])))
    c["A2_book_table"] = R.claim_le(
        err,
        1e-2,
        "n=1000, r=1e6, d=451: max |exact - 1071.85/476.87/103.46/1.101| at d_v=0/50/200/500",
    )
    counts = res["mc_counts"].transpose(1, 0, 2).reshape(len(t.mc_dvs), -1)
    se = counts.std(1, ddof=1) / np.sqrt(counts.shape[1])
    z = np.abs(counts.mean(1) - res["mc_theory"][0]) / se
    c["A3_neuron_monte_carlo"] = R.claim_le(
        np.max(z),
        3.0,
        f"neuron MC (n={t.mc_dim}, r={t.mc_neurons}, d={t.mc_radius}): max over "
        "d_v of |mean - theory| / stderr, pairs pooled over seeds",
    )
    for conv in ("paper", "ols"):
        for d, (lo, hi) in BETA_TARGETS[conv].items():
            beta = res[f"beta_{conv}"][0][list(res["beta_d"][0]).index(d)]
            c[f"A4_beta_{conv}_d{d}"] = R.claim_in(
                beta,
                lo,
                hi,
                f"beta fit, n=64, d={d}, d_v in {t.fit_range}, "
                f"{'paper code convention (ddof quirk)' if conv == 'paper' else 'plain OLS'}",
            )
    d_snr, d_mem = int(res["d_snr"][0]), int(res["d_mem"][0])
    c["A5_optimal_radii"] = R.claim_true(
        (d_snr, d_mem) == (11, 5),
        [d_snr, d_mem],
        f"d_SNR (p*=(2mr)^-1/3, m={t.num_patterns}, r=2^64) = 11 and d_Mem = 5",
        bound=[11, 5],
    )
    c["A6_exponential_r2"] = R.claim_ge(
        np.min(res["r2_even"][0]), 0.998, f"min over d in {t.radii} of R^2, even d_v in [0, d]"
    )
    ks = np.asarray(t.flips) <= 12
    agree = np.min(np.mean(res["agreement"], 0)[ks])
    recall = min(
        np.min(np.mean(res["recall_sdm"], 0)[ks]), np.min(np.mean(res["recall_softmax"], 0)[ks])
    )
    c["A7_read_agreement"] = R.claim_ge(
        agree,
        0.99,
        f"m={t.num_patterns}, d=11: min over k<=12 "
        "of bit agreement SDM vs softmax (mean over seeds)",
    )
    c["A7_read_recall"] = R.claim_ge(
        recall,
        0.98,
        f"m={t.num_patterns}: min over k<=12 and both reads of exact recall (mean over seeds)",
    )
    i = list(t.tail_patterns).index(16384) if 16384 in t.tail_patterns else -1
    gap = np.mean(res["tail_recall_sdm"][:, i]) - np.mean(res["tail_recall_softmax"][:, i])
    c["A7b_softmax_tail_differs"] = R.claim_ge(
        gap,
        0.5,
        f"[ours, report-style] m={t.tail_patterns[i]}, k={t.tail_flips}: SDM recall - "
        "softmax recall (mean over seeds; spec saw 0.98 vs 0.00)",
    )
    return c
