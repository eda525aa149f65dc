"""Figures F1-F5 and F11 of icl_linear_regression (docs/papers/icl_linear_regression.md), drawn
from saved results only (closed-form curves included)."""

from __future__ import annotations

import numpy as np

from attn_theory import plotting


def _heads(res) -> list[int]:
    return sorted(
        int(k.split("/")[0][len("softmax_h") :])
        for k in res
        if k.startswith("softmax_h") and k.endswith("/eta")
    )


def plot(res: dict, cfg) -> dict:
    L0 = cfg.task.context_len
    lens = np.asarray(res["const_eval_lens"])
    fine = res["const_fine_lens"]
    figs = {}
    heads = _heads(res)

    # F1: KQ and OV per head (seed 0).
    fig, axes = plotting.figure(max(sum(heads), 1), 2, width=2.6, height=2.4)
    col = 0
    for h in heads:
        kq, ov = res[f"softmax_h{h}/kq"][0], res[f"softmax_h{h}/ov"][0]
        for j in range(h):
            plotting.heatmap(axes[0, col], kq[j], title=f"H={h} head {j}: KQ")
            plotting.heatmap(axes[1, col], ov[j], title=f"H={h} head {j}: OV")
            col += 1
    fig.suptitle("F1: KQ x-block -> omega_h I, OV -> mu_h e_(d+1) (seed 0)")
    figs["f1_kq_ov_heatmaps"] = fig

    # F2: omega_h, mu_h during training (seed 0) with eta against eta*.
    multi = [h for h in heads if h > 1]
    fig, axes = plotting.figure(3, max(len(multi), 1))
    for r, h in enumerate(multi):
        steps = res[f"const_softmax_h{h}/steps"]
        om, mu = res[f"softmax_h{h}/omega_hist"][0], res[f"softmax_h{h}/mu_hist"][0]
        for j in range(h):
            axes[r, 0].plot(steps, om[j], label=f"head {j}")
            axes[r, 1].plot(steps, mu[j], label=f"head {j}")
        axes[r, 1].plot(steps, mu.sum(0), "k:", label="sum mu (-> 0)")
        axes[r, 2].plot(steps, (om * mu).sum(0), label="eta = sum omega mu")
        plotting.theory_line(
            axes[r, 2],
            steps,
            np.full_like(steps, float(res["const_eta_star"]), dtype=float),
            label="eta* (GD)",
        )
        for a, t in zip(axes[r], ("omega_h", "mu_h", "effective GD step"), strict=True):
            a.set_title(f"H={h}: {t}")
            a.set_xlabel("step")
            a.legend(fontsize=6)
    fig.suptitle("F2: KQ/OV dynamics")
    figs["f2_dynamics"] = fig

    # F3: pattern metrics vs H.
    fig, axes = plotting.figure(3, 1)
    for a, k in zip(axes[0], ("diag_ratio", "homogeneity", "ov_ratio"), strict=True):
        vals = [np.median(res[f"softmax_h{h}/{k}"].mean(-1)) for h in heads]
        a.bar(np.arange(len(heads)), vals, tick_label=[f"H={h}" for h in heads])
        a.set_title(k + " (median over seeds)")
        a.set_xlabel("H")
    figs["f3_pattern_metrics"] = fig

    # F4: loss vs prompt length per H, with the GD and Bayes references.
    fig, axes = plotting.figure(1, 1, width=5)
    ax = axes[0, 0]
    for h in heads:
        plotting.seed_band(ax, lens, res[f"softmax_h{h}/loss_vs_len"], label=f"softmax H={h}")
    plotting.theory_line(ax, fine, res["const_gd_opt_curve"], label="GD(eta*_L) theory")
    plotting.seed_band(ax, lens, res["baseline/ridge"], label="ridge (Bayes, MC)", color="gray")
    ax.axvline(L0, color="k", lw=0.5)
    ax.set(
        xlabel="prompt length L",
        ylabel="test MSE (incl. noise)",
        yscale="log",
        title=f"F4: trained at L={L0}",
    )
    ax.legend(fontsize=7)
    figs["f4_loss_vs_length"] = fig

    # F5: estimator comparison.
    fig, axes = plotting.figure(1, 1, width=5)
    ax = axes[0, 0]
    if "softmax_h2/loss_vs_len" in res:
        plotting.seed_band(ax, lens, res["softmax_h2/loss_vs_len"], label="trained TF H=2")
    for k, lab in (
        ("reduced_2head", "reduced 2-head (0.13, 3.45)"),
        ("dgd", "DGD(0.897)"),
        ("gd_opt", "GD(eta*_L)"),
        ("single_head", "single-head optimum"),
        ("ridge", "ridge (Bayes)"),
    ):
        plotting.seed_band(ax, lens, res[f"baseline/{k}"], label=lab, marker=".")
    plotting.theory_line(ax, fine, res["const_gd_0897_curve"], label="GD(0.897) exact")
    ax.set(xlabel="L", ylabel="MSE", yscale="log", title="F5: estimators (MC, float64)")
    ax.legend(fontsize=7)
    figs["f5_estimators"] = fig

    # F11: length generalisation, softmax vs fixed-scale linear attention.
    if "linear_h2/loss_vs_len" in res:
        fig, axes = plotting.figure(1, 1, width=5)
        ax = axes[0, 0]
        plotting.seed_band(
            ax, lens, res["linear_h2/loss_vs_len"], label="[ours] linear attention H=2"
        )
        if "softmax_h2/loss_vs_len" in res:
            plotting.seed_band(ax, lens, res["softmax_h2/loss_vs_len"], label="softmax H=2")
        plotting.theory_line(
            ax,
            fine,
            res["const_linear_curve"],
            label="theory: GD risk at eta = c L, c = eta*_L0 / L0",
        )
        ax.set(
            xlabel="L",
            ylabel="MSE",
            yscale="log",
            title=f"F11: trained at L={L0} ([ours] linear-attention baseline setting)",
        )
        ax.legend(fontsize=7)
        figs["f11_length_generalisation"] = fig
    return figs
