"""Claim C6 and the F10 match of icl_anisotropic, from saved results only
(docs/papers/icl_linear_regression.md)."""

from __future__ import annotations

import numpy as np

from attn_theory.results import Claim, claim_ge, claim_le


def claims(res: dict, cfg) -> dict[str, Claim]:
    """C6 (spec bounds), each statistic combined by the median over seeds."""
    med = lambda k: float(np.median(res[k]))  # noqa: E731
    return {
        "C6_val": claim_le(med("val"), 0.27, "[ours setting] H=2 val MSE (median over seeds)"),
        "C6_cos_sigma_inv": claim_ge(
            med("cos_sigma_inv"), 0.95, "cos(sym Gamma, Sigma^-1) (median over seeds)"
        ),
        "C6_sigma_inv_beats_identity": claim_ge(
            float(np.median(res["cos_sigma_inv"] - res["cos_identity"])),
            0.05,
            "cos(sym Gamma, Sigma^-1) - cos(sym Gamma, I) (median over seeds)",
        ),
        "F10_matches_preconditioned_dgd": claim_le(
            med("dgd_rel_err"),
            0.02,
            "[ours bound, C2's] E(y_TF - y_PDGD(Gamma))^2 / E y_PDGD^2 (median over seeds)",
        ),
    }
