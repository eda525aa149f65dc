"""Claims C7 and F6-F8 of icl_reduced_model, from saved results only.

Seeds: the landscape and C7 Monte Carlo are combined by the median over seeds (per-seed
values are reported beside it); the 2-head flow is deterministic (no seed axis); 4-head and
F8 statistics by the median, with per-seed values. Bounds of C7 and F6 are the paper's;
bounds of the F7/F8 claims are ours (the paper gives only figures) and say so.
"""

from __future__ import annotations

import numpy as np

from attn_theory import results as R
from configs.icl_reduced_model import Config

CLOSED = "closed form (no seed axis)"
FLOW = "deterministic flow (no seed axis)"


def _norm_stats(res, cfg: Config) -> dict[tuple, tuple[np.ndarray, np.ndarray]]:
    """{(series, c, L, d): (L E||a||^2 / e^{d omega^2} [seed], std of L ||a||^2 [seed])}."""
    out = {}
    for series in ("fixed_d", "proportional"):
        for c in cfg.task.norm_coefs:
            for L, d in getattr(cfg.task, f"norm_{series}"):
                name = f"{series}/c{c}/L{L}_d{d}"
                a = np.asarray(res[f"norms/{name}"])
                paper = float(res[f"const_norm_paper_mean_sq/{name}"])
                out[(series, c, L, d)] = (np.mean(a**2, -1) / paper, np.std(L * a**2, -1))
    return out


def claims(res, cfg: Config) -> dict[str, R.Claim]:
    m, S = cfg.model, cfg.num_seeds
    med = f"median of {S} seeds"
    c = {
        "C7_single_head_opt": R.claim_in(
            float(res["const_c7/single_head_loss"]), 0.371, 0.373,
            "L~ at the single-head optimum = 0.372 +- 0.001", kind="closed_form",
            statistic=CLOSED,
        ),
    }  # fmt: skip
    steps = np.diff(np.asarray(res["const_c7/fixed_eta_loss"]))
    c["C7_decreasing_in_omega"] = R.claim_true(
        bool(np.all(steps < 0)), float(np.max(steps)),
        f"pair at fixed eta={m.eta_fixed}: L~ strictly decreasing as omega falls 0.4 -> 0.01 "
        "(value: largest step change)", "< 0", kind="closed_form", statistic=CLOSED,
    )  # fmt: skip
    l_ref = float(res["const_c7/approx_at_ref"])
    c["C7_approx_at_ref"] = R.claim_in(
        l_ref, 0.220, 0.222, f"L~({m.omega_ref}, {m.mu_ref}) = 0.221", kind="closed_form",
        statistic=CLOSED,
    )  # fmt: skip
    mc_s = np.asarray(res["check/mc_ref"])
    mc = float(np.median(mc_s))
    c["C7_mc_vs_approx"] = R.claim_le(
        abs(mc - l_ref), 0.03,
        f"|MC - L~| at ({m.omega_ref}, {m.mu_ref}); MC = {mc:.4f} ({cfg.task.check_prompts} "
        "prompts per seed)", kind="measured", statistic=med, per_seed=np.abs(mc_s - l_ref),
    )  # fmt: skip
    true, approx = np.asarray(res["landscape/true"]), np.asarray(res["const_landscape/approx"])
    gap = np.abs(np.median(true, 0) - approx)
    c["F6_max_gap"] = R.claim_le(
        float(gap.max()), 0.1,
        "max over the F6 grid of |MC - L~|, 'within about 0.1' (fragile: the true gap at the "
        "corner (0.2, 6) is 0.098 +- 0.003, so MC noise decides; docs/papers/icl_reduced_model.md)",
        kind="measured", statistic=f"{med} per grid point, then max over the grid",
        per_seed=np.abs(true - approx).max(axis=(1, 2)),
    )  # fmt: skip
    c.update(_flow_claims(res, cfg))
    c.update(_norm_claims(res, cfg))
    return c


def _flow_claims(res, cfg: Config) -> dict[str, R.Claim]:
    om, mu = np.asarray(res["const_flow2/omega"]), np.asarray(res["const_flow2/mu"])
    t1, t2 = (float(x) for x in res["const_flow2/stage_ends"])
    mu_s = np.asarray(res["const_flow2/mu_star_end"])
    eta_end = float(np.sum(om[-1] * mu[-1]))
    eta_lim = float(res["const_flow2/eta_limit"])
    om4, mu4 = np.asarray(res["flow4/omega"])[:, -1], np.asarray(res["flow4/mu"])[:, -1]
    pair = np.abs(np.sum(mu4 * (om4 > 0), -1) + np.sum(mu4 * (om4 < 0), -1))
    pair_rel = pair / np.abs(mu4).sum(-1)
    signs = np.all(np.sign(om4) == np.sign(mu4), -1).astype(np.float64)
    S = cfg.num_seeds
    return {
        "F7_stage1_end": R.claim_in(
            t1, 4.5, 6.5,
            "[ours def., +-1 around the paper's 5.5] t when L~ has made 10% of its drop, on "
            "the flow of L~/2 (the authors' loss convention; plain L~ halves every time)",
            kind="closed_form", statistic=FLOW,
        ),
        "F7_stage2_end": R.claim_in(
            t2, 6.5, 8.5,
            "[ours def., +-1 around the paper's 7.5] t of the peak of omega, on the flow of L~/2",
            kind="closed_form", statistic=FLOW,
        ),
        "F7_stage_ratio": R.claim_in(
            t2 / t1, 6.5 / 6.5, 8.5 / 4.5,
            "[ours def.] t(stage 2 end) / t(stage 1 end) within the range the two windows "
            "allow (paper: 7.5 / 5.5 = 1.36); independent of the flow's time scale",
            kind="closed_form", statistic=FLOW,
        ),
        "F7_mu_tracks_mu_star": R.claim_le(
            float(np.max(np.abs(mu[-1] - mu_s) / np.abs(mu_s))), 0.01,
            "[ours bound] end of flow: |mu - mu*(omega)| / |mu*(omega)|",
            kind="closed_form", statistic=FLOW,
        ),
        "F7_eta_limit": R.claim_le(
            abs(eta_end - eta_lim), 0.01,
            f"[ours bound] |eta_end - 1/(1+d(1+s2)/L)| (eta_end = {eta_end:.4f})",
            kind="closed_form", statistic=FLOW,
        ),
        "F7_four_head_pairs": R.claim_le(
            float(np.median(pair_rel)), 0.01,
            "[ours bound] 4 heads: |sum mu(omega>0) + sum mu(omega<0)| / sum|mu|",
            kind="measured", statistic=f"median of {S} random inits", per_seed=pair_rel,
        ),
        "F7_four_head_signs": R.claim_ge(
            float(np.mean(signs)), 1.0,
            "4 heads: fraction of seeds with sign(omega_h) = sign(mu_h) for every head",
            kind="measured", statistic=f"every seed (fraction of {S} random inits)",
            per_seed=signs,
        ),
    }  # fmt: skip


def _norm_claims(res, cfg: Config) -> dict[str, R.Claim]:
    stats, S = _norm_stats(res, cfg), cfg.num_seeds
    ratio_med = [abs(float(np.median(r)) - 1) for r, _ in stats.values()]
    ratio_seed = np.max([np.abs(r - 1) for r, _ in stats.values()], axis=0)
    prop = cfg.task.norm_proportional
    drops = np.array([
        stats[("proportional", cc, *prop[i + 1])][1] - stats[("proportional", cc, *prop[i])][1]
        for cc in cfg.task.norm_coefs
        for i in range(len(prop) - 1)
    ]).reshape(-1, S)  # [change, seed]  # fmt: skip
    med_drops = np.array([
        float(np.median(stats[("proportional", cc, *prop[i + 1])][1]))
        - float(np.median(stats[("proportional", cc, *prop[i])][1]))
        for cc in cfg.task.norm_coefs
        for i in range(len(prop) - 1)
    ])  # fmt: skip
    return {
        "F8_mean_approx": R.claim_le(
            max(ratio_med), 0.1,
            "[ours bound] max |L E||a||^2 / e^{d omega^2} - 1| over F8 settings",
            kind="measured", statistic=f"median of {S} seeds per setting, then max",
            per_seed=ratio_seed,
        ),
        "F8_concentrates": R.claim_true(
            bool(np.all(med_drops < 0)), float(max(med_drops, default=0.0)),
            "std of L||a||^2 falls along the proportional (L, d) series, every c (value: "
            "largest change)", "< 0", kind="measured",
            statistic=f"median of {S} seeds per setting", per_seed=drops.max(0),
            per_seed_passed=np.all(drops < 0, 0),
        ),
    }  # fmt: skip
