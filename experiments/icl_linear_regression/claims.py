"""Claims C1-C5 of icl_linear_regression, from saved results only
(bounds: docs/papers/icl_linear_regression.md, unchanged).

Seeds are combined by the median over seeds of each per-seed statistic.
"""

from __future__ import annotations

import numpy as np

from attn_theory.results import Claim, claim_ge, claim_in, claim_le, claim_true


def _med(x) -> float:
    return float(np.median(np.asarray(x)))


def claims(res: dict, cfg) -> dict[str, Claim]:
    d, L, s2 = cfg.task.dim, cfg.task.context_len, cfg.task.noise_var
    lens = list(cfg.task.eval_lens)
    out: dict[str, Claim] = {}
    if L in lens:
        i40 = lens.index(L)
        b = {k.split("/")[1]: _med(v[:, i40]) for k, v in res.items() if k.startswith("baseline/")}
        r_star = float(res["const_gd_risk_opt"])
        out["C1_ridge"] = claim_in(b["ridge"], 0.105, 0.122, "ridge (Bayes) MC risk at L=40")
        out["C1_gd_opt"] = claim_in(b["gd_opt"], 0.232, 0.248, "GD(eta*) MC risk at L=40")
        out["C1_gd_formula"] = claim_le(
            abs(b["gd_opt"] - r_star), 0.006, f"|MC GD(eta*) - (1+s2-eta*)={r_star:.4f}| at L=40"
        )
        out["C1_dgd"] = claim_in(b["dgd"], 0.236, 0.252, "DGD(eta=0.897) MC risk at L=40")
        out["C1_reduced_vs_dgd"] = claim_le(
            abs(b["reduced_2head"] - b["dgd"]), 0.006, "|2-head reduced (0.13, 3.45) - DGD| at L=40"
        )
        out["C1_single_head"] = claim_in(
            b["single_head"], 0.39, 0.42, "single-head kernel optimum MC risk at L=40"
        )
    out["C1_bayes_asymptotic"] = claim_in(
        float(res["const_bayes_asymptotic"]),
        3.403,
        3.407,
        "R_Bayes(xi=0.2, s2=3) = 3.405 +- 0.002 (closed form)",
    )
    out["C1_gd_asymptotic"] = claim_in(
        float(res["const_gd_asymptotic"]),
        3.442,
        3.446,
        "R_GD(xi=0.2, s2=3) = 3.444 +- 0.002 (closed form)",
    )
    h = cfg.model.num_heads
    if h == 2 and "softmax_h2/eta" in res:
        out.update(_two_head(res, lens, L, d, s2))
    if "softmax_h1/eta" in res and "softmax_h2/eta" in res:
        out.update(_single_head(res, lens, L))
    if "softmax_h4/eta" in res:
        out.update(_four_head(res, lens, L))
    if "linear_h2/loss_vs_len" in res:
        out.update(_linear(res, lens, L))
    return out


def _val(res, name, lens, L):
    return res[f"{name}/loss_vs_len"][:, lens.index(L)]


def _two_head(res, lens, L, d, s2) -> dict[str, Claim]:
    p = "softmax_h2/"
    om, mu = res[p + "omega"], res[p + "mu"]
    r_star = float(res["const_gd_risk_opt"])
    escaped = float(np.mean(_val(res, "softmax_h2", lens, L) <= 0.26))
    c = {
        "C2_seeds_escaped": claim_ge(
            escaped,
            0.5,
            "fraction of H=2 seeds off the single-head plateau (val <= 0.26); "
            "the spec allows a second seed for the plateau",
        ),
        "C2_val": claim_le(
            _med(_val(res, "softmax_h2", lens, L)),
            min(0.26, 1.08 * r_star),
            "H=2 val MSE <= min(0.26, 1.08 R*) (median over seeds)",
        ),
        "C2_diag_ratio": claim_ge(
            _med(res[p + "diag_ratio"].min(-1)),
            0.98,
            "every head's KQ x-block diag ratio >= 0.98 (median of min)",
        ),
        "C2_homogeneity": claim_le(
            _med(res[p + "homogeneity"].max(-1)),
            0.01,
            "every head's diag var/mean^2 <= 0.01 (median of max)",
        ),
        "C2_opposite_signs": claim_true(
            _med(om.prod(-1)) < 0,
            _med(om.prod(-1)),
            "omega_1 * omega_2 < 0 (median over seeds)",
            "< 0",
        ),
        "C2_omega_range": claim_in(
            _med(np.abs(om).min(-1)), 0.10, 0.35, "min_h |omega_h| in [0.10, 0.35] (median)"
        ),
        "C2_omega_range_max": claim_in(
            _med(np.abs(om).max(-1)), 0.10, 0.35, "max_h |omega_h| in [0.10, 0.35] (median)"
        ),
        "C2_ov_ratio": claim_ge(
            _med(res[p + "ov_ratio"].min(-1)),
            0.98,
            "OV last-entry ratio >= 0.98 for both heads (median of min)",
        ),
        "C2_zero_sum": claim_le(
            _med(np.abs(mu.sum(-1)) / np.abs(mu).max(-1)),
            0.1,
            "|sum_h mu_h| <= 0.1 max|mu_h| (median)",
        ),
        "C2_eta": claim_in(_med(res[p + "eta"]), 0.80, 0.95, "eta = sum omega mu (median)"),
        "C2_matches_dgd": claim_le(
            _med(res[p + "dgd_rel_err"]),
            0.02,
            "E(y_TF - y_DGD(eta))^2 / E y_DGD^2 (median over seeds)",
        ),
    }
    curve = np.median(res[p + "loss_vs_len"], 0)
    rises = float(np.max(np.diff(curve))) if len(curve) > 1 else 0.0
    c["C5_softmax_monotone"] = claim_le(
        rises, 0.005, "H=2 loss non-increasing in L (max rise, median curve)"
    )
    if 100 in lens:
        c["C5_softmax_L100"] = claim_le(
            float(curve[lens.index(100)]), 0.18, "H=2 loss at L=100 (median)"
        )
    if 200 in lens:
        c["C5_softmax_L200"] = claim_le(
            float(curve[lens.index(200)]), 0.155, "H=2 loss at L=200 (median)"
        )
    return c


def _single_head(res, lens, L) -> dict[str, Claim]:
    v1 = _med(_val(res, "softmax_h1", lens, L))
    v2 = _med(_val(res, "softmax_h2", lens, L))
    return {
        "C3_val": claim_in(v1, 0.37, 0.44, "H=1 val MSE (median over seeds)"),
        "C3_diag_ratio": claim_ge(
            _med(res["softmax_h1/diag_ratio"][:, 0]), 0.98, "H=1 diag ratio (median)"
        ),
        "C3_omega": claim_in(
            _med(np.abs(res["softmax_h1/omega"][:, 0])), 0.40, 0.65, "H=1 |omega| (median)"
        ),
        "C3_gap": claim_ge(v1 - v2, 0.12, "val(H=1) - val(H=2) (medians)"),
    }


def _four_head(res, lens, L) -> dict[str, Claim]:
    p = "softmax_h4/"
    om, mu, ovr = res[p + "omega"], res[p + "mu"], res[p + "ov_ratio"]
    active = np.abs(mu) > 0.2 * np.abs(mu).max(-1, keepdims=True)
    sign_ok = np.all(~active | (np.sign(om) == np.sign(mu)), -1)
    both = np.any(active & (mu > 0), -1) & np.any(active & (mu < 0), -1)
    ov_active = np.where(active, ovr, np.inf).min(-1)
    return {
        "C4_val": claim_le(_med(_val(res, "softmax_h4", lens, L)), 0.26, "H=4 val (median)"),
        "C4_zero_sum": claim_le(
            _med(np.abs(mu.sum(-1)) / np.abs(mu).sum(-1)), 0.15, "|sum mu| <= 0.15 sum|mu| (median)"
        ),
        "C4_sign_match": claim_ge(
            float(np.mean(sign_ok)),
            1.0,
            "fraction of seeds with sign(omega)=sign(mu) on active heads",
        ),
        "C4_both_signs": claim_ge(
            float(np.mean(both)), 1.0, "fraction of seeds with both signs among active heads"
        ),
        "C4_eta": claim_in(_med(res[p + "eta"]), 0.80, 0.95, "H=4 eta (median)"),
        "C4_ov_ratio": claim_ge(_med(ov_active), 0.95, "min OV ratio over active heads (median)"),
    }


def _linear(res, lens, L) -> dict[str, Claim]:
    curve = np.median(res["linear_h2/loss_vs_len"], 0)
    c = {
        "C5_linear_L40": claim_le(
            float(curve[lens.index(L)]),
            0.26,
            "fixed-scale linear attention H=2 loss at the train length",
        )
    }
    if 100 in lens:
        c["C5_linear_L100"] = claim_ge(
            float(curve[lens.index(100)]), 1.0, "linear attention blows up: loss at L=100 (median)"
        )
    if 200 in lens:
        c["C5_linear_L200"] = claim_ge(
            float(curve[lens.index(200)]), 5.0, "linear attention blows up: loss at L=200 (median)"
        )
    return c
