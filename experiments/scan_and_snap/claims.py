"""Claims B-P1..B-P6 of scan_and_snap, from saved results only.

Reads the arrays of run.py (Fig. 4 loss and c_n trace, Fig. 6 entropy grid with the authors'
table saved beside it, the snap run) and applies the bounds of docs/papers/scan_and_snap.md.
Every claim names its kind and how seeds combine, with per-seed values.
"""

from __future__ import annotations

import numpy as np

from attn_theory import results as R
from attn_theory.theory import scan_snap as theory


def _median(per_seed, bound, text, kind="measured"):
    """A '<=' claim on the median over seeds (the paper's Fig. 4 is one run)."""
    per_seed = np.asarray(per_seed, np.float64)
    return R.claim_le(np.median(per_seed), bound, text, kind=kind, per_seed=per_seed,
                      statistic=f"median of {per_seed.size} seeds")  # fmt: skip


def _col(a, t: int) -> np.ndarray:
    """Column t of a [seed, T] history; NaN (the claim fails) when the run stopped before t
    (a step-capped paper-preset probe)."""
    a = np.asarray(a, np.float64)
    return a[:, t] if t < a.shape[1] else np.full(a.shape[0], np.nan)


def claims(res: dict[str, np.ndarray], cfg) -> dict[str, R.Claim]:
    """B-P1..B-P6 with the bounds of docs/papers/scan_and_snap.md."""
    c = {}
    s = res["fig4/loss"].shape[0]
    every = f"every seed (worst of {s})"
    mean = f"mean of {s} seeds"
    loss = np.asarray(res["fig4/loss"], np.float64)  # loss[:, t]: at iteration t (pre-update)
    ln_m = np.log(float(res["const_fig4_num_tokens"]))
    c["B-P1_loss_iter0"] = R.claim_le(
        abs(np.median(loss[:, 0]) - ln_m), 1e-3,
        "Fig. 4 config: |loss(0) - ln M| <= 1e-3 (zero init: uniform logits give ln M)",
        kind="construction", per_seed=np.abs(loss[:, 0] - ln_m), statistic=f"median of {s} seeds",
    )  # fmt: skip
    c["B-P1_loss_iter4"] = _median(_col(loss, 4), 1.0, "Fig. 4: loss(4) < 1.0")
    c["B-P1_loss_iter8"] = _median(_col(loss, 8), 0.06, "Fig. 4: loss(8) < 0.06")
    c["B-P1_loss_iter50"] = _median(_col(loss, 50), 1e-3, "Fig. 4: loss(50) < 1e-3")
    c["B-P2_common_mass_iter48"] = _median(
        _col(res["fig4/common"], 48), 0.45,
        "common-token mass of c_n falls from 0.645 to < 0.45 by iteration 48 "
        "(zero init, eta 1/1; class mean)",
    )  # fmt: skip
    late = np.asarray(res["fig4/common"], np.float64)[:, 4:]  # index t = after t updates
    rise = (np.max(late - np.minimum.accumulate(late, 1), 1) if late.shape[1]
            else np.full(late.shape[0], np.nan))  # fmt: skip
    c["B-P2_common_never_rises"] = R.claim_le(
        np.max(rise), 0.01,
        "after iteration 4 the common mass never rises more than 0.01 above its running "
        "minimum (max over iterations)",
        kind="measured", per_seed=rise, statistic=every,
    )  # fmt: skip
    probs, nc = res["const_probs"], cfg.task.num_common
    c_end = np.asarray(res["fig4/c"], np.float64)[:, -1]  # [seed, K, S]
    kept = theory.ranking_kept(c_end, probs, nc)  # [seed, K]
    c["B-P3_ranking_kept"] = R.claim_true(
        bool(np.all(kept)), float(np.mean(kept)),
        "final c_n on distinct tokens strictly increasing in P(l|n) (Spearman 1) and c_n/P "
        "non-decreasing, in every class (value and per seed: fraction of classes kept; "
        "[ours: Fig. 4 run at batch 512, see docs/papers/scan_and_snap.md])",
        kind="measured", statistic=every, per_seed=kept.mean(-1), per_seed_passed=kept.all(-1),
    )  # fmt: skip
    # The top distinct token is the last support slot (largest P(l|n)).
    top_gain = np.min(c_end[:, :, -1] / res["fig4/c"][:, 0, :, -1], -1)
    c["B-P3_top_share_doubles"] = R.claim_ge(
        np.min(top_gain), 2.0,
        "final c_n(top distinct token) > 2x its initial share (min over classes)",
        kind="measured", per_seed=top_gain, statistic=every,
    )  # fmt: skip
    c.update(_fig6_claims(res, cfg))
    h = np.asarray(res["snap/entropy"], np.float64)[:, 0]  # ratio index 0: eta_Y/eta_Z = 1
    at = {int(x): i for i, x in enumerate(res["const_snap_steps"])}
    end = cfg.optim.snap_steps
    h_end, h_60, h_40 = (_col(h, at.get(t, h.shape[1])) for t in (end, 60, 40))
    drift = np.abs(h_end - h_60)
    c["B-P5_snap_frozen"] = R.claim_le(
        abs(h_end.mean() - h_60.mean()), 0.02,
        f"snap (eta_Z 1, ratio 1, 1 query): |H({end}) - H(60)| < 0.02, H the distinct-token "
        "entropy [ours: definition; bound from a one-seed re-implementation, the authors' "
        "code stops at 100 iterations]",
        kind="measured", per_seed=drift, statistic=mean,
    )  # fmt: skip
    scan = h[:, 0] - h_40
    c["B-P5_scan_moves"] = R.claim_ge(
        scan.mean(), 0.1, "scan: H(0) - H(40) > 0.1 (distinct-token entropy [ours: definition])",
        kind="measured", per_seed=scan, statistic=mean,
    )  # fmt: skip
    top = np.asarray(res["snap/c_max"], np.float64)[:, 0, -1]
    c["B-P5_not_winner_take_all"] = R.claim_le(
        np.max(top), 0.5, "not winner-take-all: final max_l c_n(l) < 0.5 (max over classes)",
        kind="measured", per_seed=top, statistic=every,
    )  # fmt: skip
    ratios = np.asarray(cfg.optim.snap_ratio)
    lo, hi = int(np.argmin(ratios)), int(np.argmax(ratios))
    d_common = res["snap/common"][:, hi, -1] - res["snap/common"][:, lo, -1]
    d_ent = res["snap/entropy"][:, hi, -1] - res["snap/entropy"][:, lo, -1]
    c["B-P6_lr_control"] = R.claim_true(
        bool(np.mean(d_common) > 0 and np.mean(d_ent) > 0),
        [float(np.mean(d_common)), float(np.mean(d_ent))],
        f"final common mass and distinct entropy both higher at ratio {ratios[hi]:g} than "
        f"{ratios[lo]:g} (value: mean differences [common, entropy]; per seed: the smaller)",
        bound="> 0", kind="measured", statistic=mean,
        per_seed=np.minimum(d_common, d_ent), per_seed_passed=(d_common > 0) & (d_ent > 0),
    )  # fmt: skip
    return c


def _fig6_claims(res, cfg) -> dict[str, R.Claim]:
    o, t = cfg.optim, cfg.task
    h_s = np.asarray(res["fig6/entropy"], np.float64)  # [seed, num_last, lr_z, ratio]
    s = h_s.shape[0]
    h, ref = h_s.mean(0), np.asarray(res["const_fig6_paper"], np.float64)
    # The checked cells: #queries 1 and 5, eta_Z 0.5, 1 and 3, every ratio in the table.
    cell = np.isin(t.fig6_num_last, (1, 5))[:, None, None] & np.isin(o.fig6_lr_z, (0.5, 1.0, 3.0))[
        None, :, None
    ] & np.isfinite(ref)  # fmt: skip
    n_cells = int(cell.sum())
    per_seed = np.max(np.abs(h_s - ref)[:, cell], -1) if n_cells else np.full(s, np.nan)
    c = {
        "B-P4_fig6_table": R.claim_le(
            np.max(np.abs(h - ref)[cell]) if n_cells else np.nan, 0.06,
            f"Fig. 6 distinct-token entropy [ours: distinct-only definition] after "
            f"{o.fig6_steps} it. within 0.06 of the authors' table (a 10-seed mean), #queries "
            f"in {{1,5}}, eta_Z in {{0.5,1,3}}, every ratio ({n_cells} cells; value: max over "
            "cells of |seed mean - table|; per seed: the same for that seed alone)",
            kind="measured", per_seed=per_seed, statistic=f"mean of {s} seeds, worst cell",
        )
    }  # fmt: skip
    j_lo, j_hi = int(np.argmin(o.fig6_lr_z)), int(np.argmax(o.fig6_lr_z))
    gap_s = h_s[:, :, j_lo, :] - h_s[:, :, j_hi, :]
    gap = gap_s.mean(0)
    c["B-P4_larger_eta_z_sparser"] = R.claim_true(
        bool(np.all(gap > 0)), float(np.min(gap)),
        f"H(eta_Z={o.fig6_lr_z[j_hi]:g}) < H(eta_Z={o.fig6_lr_z[j_lo]:g}) at every ratio and "
        "#queries (value: min gap of seed means; per seed: that seed's min gap)",
        bound="> 0", kind="measured", statistic=f"mean of {s} seeds, every cell",
        per_seed=gap_s.min(axis=(1, 2)), per_seed_passed=np.all(gap_s > 0, axis=(1, 2)),
    )  # fmt: skip
    if 1 in t.fig6_num_last:
        i1 = t.fig6_num_last.index(1)
        k_lo, k_hi = int(np.argmin(o.fig6_ratio)), int(np.argmax(o.fig6_ratio))
        rgap_s = h_s[:, i1, :, k_hi] - h_s[:, i1, :, k_lo]
        rgap = rgap_s.mean(0)
        c["B-P4_ratio_raises_entropy"] = R.claim_true(
            bool(np.all(rgap > 0)), float(np.min(rgap)),
            f"1 query: H(ratio {o.fig6_ratio[k_hi]:g}) > H(ratio {o.fig6_ratio[k_lo]:g}) for "
            "every eta_Z (value: min gap of seed means; per seed: that seed's min gap)",
            bound="> 0", kind="measured", statistic=f"mean of {s} seeds, every eta_Z",
            per_seed=rgap_s.min(-1), per_seed_passed=np.all(rgap_s > 0, -1),
        )  # fmt: skip
    return c
