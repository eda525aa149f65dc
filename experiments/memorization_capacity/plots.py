"""Memorisation capacity: the figures, drawn from saved results only.

Seed bands are mean +- stderr over seeds; the construction's H(n-1)+1 curves (saved by run.py
as `const_bound_*`) are overlaid. The constant H(n-1)+1 is our reconstruction [ours].
"""

from __future__ import annotations

import numpy as np

from attn_theory import plotting

BOUND_LABEL = "H(n-1)+1 construction [ours: reconstructed constant]"


def _base(res, cfg):
    i = list(cfg.sweep.num_heads).index(cfg.model.num_heads)
    return res["shared_heads_capacity"][:, i]


def plot(res, cfg) -> dict:
    s, t, m = cfg.sweep, cfg.task, cfg.model
    figs = {}
    panels = [
        ("heads", "H (heads)", s.num_heads),
        ("context_len", "n (context length)", s.context_len),
        ("head_dim", "d_h (key/query size)", s.head_dim),
    ]
    panels = [p for p in panels if p[0] in s.shared]
    fig, axes = plotting.figure(len(panels))
    for ax, (sweep, xlabel, xs) in zip(axes[0], panels, strict=True):
        mem = np.asarray(res[f"shared_{sweep}_mem"])
        for j, n_ex in enumerate(t.num_examples):
            plotting.seed_band(ax, xs, mem[:, j], label=f"N={n_ex}")
        plotting.theory_line(ax, xs, res[f"const_bound_{sweep}"], label=BOUND_LABEL)
        if sweep == "head_dim":
            ax.axvline(t.context_len, color="gray", linestyle=":", label="d_h = n")
        ax.set(xlabel=xlabel, ylabel="memorised examples (acc x N)", title=f"vs {xlabel}")
        ax.legend()
    figs["capacity"] = fig

    fig, axes = plotting.figure(2)
    ax = axes[0, 0]
    labels, vals = ["shared"], [_base(res, cfg)]
    if "base" in s.random:
        labels.append("random")
        vals.append(res["random_base_capacity"][:, 0])
    means = [np.mean(v) for v in vals]
    errs = [np.std(v, ddof=1) / np.sqrt(len(v)) if len(v) > 1 else 0 for v in vals]
    ax.bar(labels, means, yerr=errs, color=["C0", "C1"][: len(labels)])
    ax.axhline(float(res["const_bound_base"]), **plotting.THEORY_STYLE, label=BOUND_LABEL)
    ax.set(
        ylabel="capacity (max_N acc x N)",
        title=f"context type (H={m.num_heads}, n={t.context_len})",
    )
    ax.legend()
    ax = axes[0, 1]
    big = int(np.argmax(t.num_examples))
    plotting.seed_band(ax, s.num_heads, res["shared_heads_sat_init"][:, big], label="init")
    plotting.seed_band(ax, s.num_heads, res["shared_heads_sat_final"][:, big], label="trained")
    ax.set(
        xlabel="H",
        ylabel=f"frac. (example, head) max attn > {cfg.saturation_threshold}",
        title=f"softmax saturation, N={max(t.num_examples)}",
        ylim=(-0.02, 1.02),
    )
    ax.legend()
    figs["context_and_saturation"] = fig

    if s.regression_heads:
        fig, axes = plotting.figure(1)
        plotting.seed_band(axes[0, 0], s.regression_heads, res["regression_mse"])
        axes[0, 0].set(
            xlabel="H",
            ylabel="final train MSE",
            yscale="log",
            title=f"regression variant, N={max(t.num_examples)}",
        )
        figs["regression"] = fig
    return figs
