"""Rank versus heads: the figures, drawn from saved results only (theory overlaid)."""

from __future__ import annotations

import numpy as np

from attn_theory import plotting
from attn_theory.plotting import seed_band
from configs.rank_vs_heads import Config


def _panel(ax, x, curves, theory_y, theory_label, **labels):
    """Seed bands for {label: [seed, len(x)]}, the theory line and axis labels."""
    for label, y in curves.items():
        seed_band(ax, x, y, label=label)
    plotting.theory_line(ax, x, theory_y, label=theory_label)
    ax.set(**labels)
    ax.legend(fontsize=7)


def plot(results, cfg: Config) -> dict:
    t, m, th = cfg.task, cfg.model, cfg.theory
    res = {k: np.asarray(v) for k, v in results.items()}
    ns, figs = [int(n) for n in res["const_context_lengths"]], {}
    fig, axes = plotting.figure(len(m.depths))
    for i, depth in enumerate(m.depths):
        ax = axes[0, i]
        ax.axhline(1.0, color="grey", ls=":", label="predict 0")
        ax.axhline(res["mean_keys_mse"][:, ns.index(t.num_keys)].mean(), color="grey", ls="-.",
                   label="mean of keys")  # fmt: skip
        curves = {f"QK params {b} d^2": res["test_mse"][:, i, j] for j, b in enumerate(m.budgets)}
        for j, b in enumerate(m.budgets):  # the authors' report: min over logs, then over seeds
            ax.plot(m.ranks, res["train_loss_min"][:, i, j].min(0), ":", color=f"C{j}",
                    label=f"best seed, min over training ({b} d^2)")  # fmt: skip
        _panel(ax, m.ranks, curves, 0 * np.asarray(m.ranks), "Fact 1: full rank can reach 0",
               xscale="log", xticks=m.ranks, xticklabels=m.ranks, ylabel="test MSE",
               xlabel="head rank r (heads H = budget / r)",
               title=f"L={depth}, d={t.dim}, N={t.num_keys} ({t.kind})")  # fmt: skip
    figs["mse_vs_rank"] = fig

    fig, axes = plotting.figure()
    curves = {f"rank {r} x {t.dim // r} heads": res["mse_vs_n"][:, i]
              for i, r in enumerate(m.sweep_ranks)}  # fmt: skip
    curves["mean of keys (baseline)"] = res["mean_keys_mse"]
    _panel(axes[0, 0], ns, curves, 0 * np.asarray(ns), "Fact 1 (hardmax): 0",
           xlabel="context length N", ylabel="test MSE", title="MSE vs N")  # fmt: skip
    figs["mse_vs_n"] = fig

    fig, axes = plotting.figure()
    soft = res["fact1_softmax_mse"]
    guide = soft[:, -1].mean() * th.betas[-1] / np.asarray(th.betas)
    _panel(axes[0, 0], th.betas, {"softmax, QK^T = beta I (Monte Carlo)": soft}, guide,
           "1/beta guide (anchored at the largest beta)", xscale="log", yscale="log",
           xlabel="beta", ylabel="MSE",
           title=f"Fact 1, d={t.dim}, N={t.num_keys} (hardmax MSE = "
           f"{res['fact1_hardmax_mse'].max():g})")  # fmt: skip
    figs["fact1"] = fig

    fig, axes = plotting.figure()
    curves = {f"d={d}": res["rf_rank1_mse"][:, i] for i, d in enumerate(th.rf_dims)}
    _panel(axes[0, 0], th.rf_heads, curves, 0 * np.asarray(th.rf_heads),
           "one full-rank head: 0", xscale="log", xlabel="random rank-1 heads H",
           ylabel="MSE (N=2 orthonormal points)",
           title="Random rank-1 hardmax heads, optimal a")  # fmt: skip
    figs["random_features"] = fig

    fig, axes = plotting.figure(2)
    seeds = np.arange(res["qk_angle_deg"].shape[0])
    target = 0.0 if t.kind == "nearest" else 180.0  # Fact 1: W = +lambda I / -lambda I
    axes[0, 0].plot(seeds, res["qk_angle_deg"], "o", label="learned W = Q^T K / sqrt(r)")
    axes[0, 0].axhline(target, **plotting.THEORY_STYLE, label="Fact 1: W = +-lambda I")
    axes[0, 0].set(xlabel="seed", ylabel="angle(W, I) [deg]", xticks=seeds,
                   title=f"rank {max(m.ranks)}, {t.kind}")  # fmt: skip
    axes[0, 0].legend(fontsize=7)
    axes[0, 1].plot(seeds, res["qk_norm_per_sqrt_d"], "o")
    axes[0, 1].set(xlabel="seed", ylabel="||W||_F / sqrt(d)", xticks=seeds, ylim=(0, None),
                   title="learned lambda (large = near hardmax)")  # fmt: skip
    figs["qk_alignment"] = fig
    return figs
