"""Figures F9 of icl_multitask (loss vs H, per-head OV weights per task), drawn from saved
results only (the closed-form reference levels included)."""

from __future__ import annotations

import numpy as np

from attn_theory import plotting


def plot(res: dict, cfg) -> dict:
    heads = list(cfg.model.head_counts)
    refs = {k: float(res[f"const_risk_{k}"]) for k in ("masked", "shared_iso")}
    figs = {}
    fig, axes = plotting.figure(2, 1, width=4.6)
    a = axes[0, 0]
    plotting.seed_band(a, heads, np.stack([res[f"h{h}/val"] for h in heads], -1), label="val MSE")
    lab = f"GD, task-specific preconditioners ({refs['masked']:.3f})"
    plotting.theory_line(a, heads, [refs["masked"]] * len(heads), label=lab)
    lab = f"GD, one shared eta I ({refs['shared_iso']:.3f})"
    plotting.theory_line(a, heads, [refs["shared_iso"]] * len(heads), color="gray", label=lab)
    a.set(xlabel="H", ylabel="val MSE (noiseless query)", title="C8: loss vs H")
    a.legend(fontsize=7)
    b = axes[0, 1]
    for h in heads:
        plotting.seed_band(
            b, res["const_steps"], res[f"h{h}/train_loss"], label=f"H={h}", marker=None
        )
    b.set(yscale="log", xlabel="step", ylabel="train MSE", title="training")
    b.legend(fontsize=7)
    figs["f9_loss_vs_heads"] = fig

    n_t = len(cfg.task.task_coords)
    fig, axes = plotting.figure(2, len(heads), width=4.4, height=2.4)
    for r, h in enumerate(heads):
        mu, xd = res[f"h{h}/mu"][0], res[f"h{h}/x_diag"][0]
        w = 0.8 / n_t
        for t in range(n_t):
            axes[r, 0].bar(np.arange(h) + t * w, mu[:, t], w, label=f"task {t + 1}")
        axes[r, 0].set(xlabel="head", title=f"H={h}: OV weight mu_ht (y_t -> out_t)")
        axes[r, 0].legend(fontsize=6)
        w = 0.8 / h
        for j in range(h):
            axes[r, 1].bar(np.arange(xd.shape[-1]) + j * w, xd[j], w, label=f"head {j}")
        axes[r, 1].set(xlabel="coordinate", title=f"H={h}: KQ x-block diagonal")
        axes[r, 1].legend(fontsize=6, ncol=2)
    fig.suptitle(
        f"F9: per-head OV weights per task, seed 0, {cfg.optim.num_steps} steps "
        "(tasks read x1-4 and x3-6)"
    )
    figs["f9_heads_per_task"] = fig
    return figs
