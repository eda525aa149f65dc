"""Figure F10 of icl_anisotropic ([ours] setting), drawn from saved results only."""

from __future__ import annotations

import numpy as np

from attn_theory import plotting


def plot(res: dict, cfg) -> dict:
    figs = {}
    cov = res["const_sigma"]
    fig, axes = plotting.figure(4, 1, width=3.0, height=2.8)
    g = res["gamma"][0]
    g_star = res["const_gamma_star"]
    scale = np.linalg.norm(g_star) / np.linalg.norm(np.linalg.inv(cov))
    for a, m, title in zip(
        axes[0],
        (g, g_star, scale * np.linalg.inv(cov), np.trace(g_star) / cfg.task.dim * np.eye(len(g))),
        ("trained sym(Gamma), seed 0", "theory Gamma*", "c Sigma^-1", "c I"),
        strict=True,
    ):
        plotting.heatmap(a, m, title=title, annotate=True)
    fig.suptitle(f"F10 [ours] setting: Gamma = sum_h mu_h B_h, Sigma_ij = {cfg.task.rho}^|i-j|")
    figs["f10_preconditioner"] = fig

    fig, axes = plotting.figure(2, 1, width=4.4)
    a = axes[0, 0]
    names = ("sigma_inv", "gamma_star", "identity", "sigma")
    vals = np.stack([res[f"cos_{n}"] for n in names], -1)
    mean = vals.mean(0)
    err = vals.std(0, ddof=1) / np.sqrt(len(vals)) if len(vals) > 1 else 0 * mean
    a.bar(np.arange(len(names)), mean, yerr=err, tick_label=["Sigma^-1", "Gamma*", "I", "Sigma"])
    a.axhline(0.95, color="k", ls="--", lw=1, label="C6 bound 0.95")
    a.set(ylim=(0, 1.05), title="F10 [ours] setting: cos(sym Gamma, .) (mean +- stderr)")
    a.legend(fontsize=7)
    b = axes[0, 1]
    steps = res["const_steps"]
    plotting.seed_band(b, steps, res["train_loss"], label="train loss", marker=None)
    plotting.theory_line(b, steps, np.full(len(steps), float(res["const_risk_star"])),
                         label="theory: GD with Gamma*")  # fmt: skip
    plotting.theory_line(b, steps, np.full(len(steps), float(res["const_risk_iso"])),
                         label="theory: best GD with eta I", color="gray")  # fmt: skip
    b.set(yscale="log", xlabel="step", ylabel="MSE", title="training loss")
    b.legend(fontsize=7)
    figs["f10_alignment"] = fig
    return figs
