"""Claim C6 and the F10 match of icl_anisotropic, from saved results only
(docs/papers/icl_linear_regression.md).

The setting (x ~ N(0, Sigma), Sigma_ij = rho^|i-j|) is [ours]; C6's bounds are the paper
reproduction's, F10's is ours (C2's bound reused). As for H = 2 in icl_linear_regression, a
seed can stay on the single-head plateau (root seed 2: one of two seeds at val 0.385 after
5000 and after 16000 steps), so the claims are judged on every seed that left it, the worst
such seed being the value, and C6_escape_rate (>= 0.5, [ours] bound, as C2's) states how many
did. [ours] rule: a seed left the plateau when its val is below the midpoint between the risk
of the best isotropic preconditioner eta I (closed form, 0.374 at the quick settings; a model
above it has not learned any Sigma-shaped preconditioner) and that of Gamma* (0.234).
"""

from __future__ import annotations

import numpy as np

from attn_theory.results import Claim
from experiments.icl_family import escape_rate_claim, seed_claim


def escape_threshold(res: dict) -> float:
    """[ours] midway between the best isotropic preconditioner's risk and Gamma*'s."""
    return 0.5 * (float(res["const_risk_iso"]) + float(res["const_risk_star"]))


def claims(res: dict, cfg) -> dict[str, Claim]:
    where = f"[ours setting: Sigma_ij = {cfg.task.rho}^|i-j|, H={cfg.model.num_heads}]"
    cos_inv = np.asarray(res["cos_sigma_inv"])
    thr = escape_threshold(res)
    escaped = np.asarray(res["val"]) <= thr

    def seed_claim_(op, per_seed, bound, text):
        return seed_claim(op, per_seed, bound, text, over=escaped)

    return {
        "C6_escape_rate": escape_rate_claim(
            escaped, 0.5,
            f"{where} [ours rule and bound] at least half of the seeds leave the plateau (val "
            f"<= {thr:.3f}, midway between the best isotropic preconditioner's risk and "
            "Gamma*'s)"),
        "C6_val": seed_claim_("<=", res["val"], 0.27, f"{where} val MSE <= 0.27"),
        "C6_cos_sigma_inv": seed_claim_(">=", cos_inv, 0.95,
                                        f"{where} cos(sym Gamma, Sigma^-1) >= 0.95"),
        "C6_sigma_inv_beats_identity": seed_claim_(
            ">=", cos_inv - np.asarray(res["cos_identity"]), 0.05,
            f"{where} cos(sym Gamma, Sigma^-1) - cos(sym Gamma, I) >= 0.05"),
        "F10_matches_preconditioned_dgd": seed_claim_(
            "<=", res["dgd_rel_err"], 0.02,
            f"{where} [ours bound, C2's] E(y_TF - y_PDGD(Gamma))^2 / E y_PDGD^2 <= 0.02"),
    }  # fmt: skip
