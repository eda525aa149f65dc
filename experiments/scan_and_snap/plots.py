"""Scan and Snap (Tian et al., NeurIPS'23): Figs. 4 and 6 and the snap, from saved results only.

Every curve is the mean over seeds with a +-stderr band; the closed forms drawn are c_n = P(l|n)
at Z = 0 (initial entropy, uniform-attention mixture) and the authors' logged numbers (Fig. 4
loss trace, Fig. 6 table) as the reference.
"""

from __future__ import annotations

import numpy as np

from attn_theory import plotting

# The authors' figure_4.log: loss at iterations 0, 2, ..., 10 and 20.
PAPER_FIG4_LOSS = (
    (0, 3.526),
    (2, 2.368),
    (4, 0.733),
    (6, 0.161),
    (8, 0.044),
    (10, 0.013),
    (20, 2e-4),
)


def plot(res: dict[str, np.ndarray], cfg) -> dict:
    return {
        "fig4_cn_heatmap": _fig4(res, cfg),
        "fig6_entropy": _fig6(res, cfg),
        "attention_common_vs_distinct": _mass(res, cfg),
        "snap_entropy": _snap(res, cfg),
        "transformer_scan_snap": _transformer(res, cfg),
    }


def _h0(res, cfg) -> float:
    p = np.asarray(res["const_probs"][cfg.task.num_common :], np.float64)
    p = p / p.sum()
    return float(-np.sum(p * np.log(p)))


def _fig4(res, cfg):
    nc = cfg.task.num_common
    fig, axes = plotting.figure(3, 1, width=4.2)
    c = res["fig4/c"][0, :, 0]  # seed 0, class 0: [T + 1, S]
    iters = sorted({t for t in (0, 2, 4, 6, 8, 10) if t < c.shape[0]} | {c.shape[0] - 1})
    ax = axes[0, 0]
    im = ax.imshow(c[iters], cmap="viridis", aspect="auto")
    ax.axvline(nc - 0.5, color="w", linestyle="--", linewidth=1)
    ax.set_yticks(range(len(iters)), [f"iter {t}" for t in iters])
    ax.set_xlabel("token (common | distinct, P(l|n) increasing)")
    ax.set_title("Fig. 4: c_1 from Z (seed 0); row 0 = P(l|n)")
    ax.grid(False)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax = axes[0, 1]
    loss = res["fig4/loss"]
    plotting.seed_band(ax, np.arange(loss.shape[1]), loss, label="ours", marker=None)
    t, v = np.asarray(PAPER_FIG4_LOSS).T
    ax.plot(t, v, "k^", markersize=4, label="authors' log")
    ax.axhline(np.log(float(res["const_fig4_num_tokens"])), **plotting.THEORY_STYLE, label="ln M")
    ax.set(yscale="log", xlabel="iteration", ylabel="loss", title="Fig. 4 loss (zero init)")
    ax.legend()
    ax = axes[0, 2]
    p = res["const_probs"][nc:]
    for t, style in ((0, "o"), (c.shape[0] - 1, "s")):
        cs = res["fig4/c"][:, t, :, nc:]  # [seed, K, D]
        plotting.seed_band(ax, p, cs.reshape(-1, cs.shape[-1]), marker=style, label=f"iter {t}")
    plotting.theory_line(ax, p, p, label="c_n = P(l|n) (Z = 0)")
    ax.set(
        xlabel="P(l|n), distinct tokens",
        ylabel="c_n(l)",
        title="scan: frequency bias, ranking kept",
    )
    ax.legend()
    return fig


def _fig6(res, cfg):
    o, t = cfg.optim, cfg.task
    n = len(t.fig6_num_last)
    fig, axes = plotting.figure(n, 1, width=3.4, sharey=True)
    h = res["fig6/entropy"]  # [S, num_last, lr_z, ratio]
    for i, n_last in enumerate(t.fig6_num_last):
        ax = axes[0, i]
        for j, lr_z in enumerate(o.fig6_lr_z):
            line = plotting.seed_band(ax, o.fig6_ratio, h[:, i, j], label=f"eta_Z={lr_z:g}")
            ref = res["const_fig6_paper"][i, j]  # NaN outside the authors' grid
            if np.all(np.isfinite(ref)):
                ax.plot(
                    o.fig6_ratio,
                    ref,
                    linestyle=":",
                    color=line.get_color(),
                    marker="x",
                    markersize=3,
                )
        ax.axhline(_h0(res, cfg), **plotting.THEORY_STYLE, label="H at Z = 0")
        ax.set(
            xscale="log",
            xlabel="eta_Y / eta_Z",
            title=f"#last/next = {n_last}/{n_last * t.fig6_next_per_last}",
        )
        if i == 0:
            ax.set_ylabel("distinct-token entropy of c_n [ours: def.]")
        if i == n - 1:
            ax.legend(
                fontsize=7, title="solid: ours, dotted: paper", title_fontsize=7, loc="lower right"
            )
    fig.suptitle(
        f"Fig. 6 after {o.fig6_steps} iterations ({res['fig6/entropy'].shape[0]} "
        "seeds, random init)"
    )
    return fig


def _ratio_label(cfg, k):
    return f"eta_Y/eta_Z={cfg.optim.snap_ratio[k]:g}"


def _mass(res, cfg):
    fig, axes = plotting.figure(2, 1, width=4.2)
    steps = res["const_snap_steps"]
    for k in range(res["snap/common"].shape[1]):
        line = plotting.seed_band(
            axes[0, 0],
            steps,
            res["snap/common"][:, k],
            label=f"common, {_ratio_label(cfg, k)}",
            marker=None,
        )
        plotting.seed_band(
            axes[0, 0],
            steps,
            1 - res["snap/common"][:, k],
            marker=None,
            label=f"distinct, {_ratio_label(cfg, k)}",
            linestyle="--",
            color=line.get_color(),
        )
    axes[0, 0].set(
        xlabel="iteration", ylabel="attention mass of c_n", title="snap run (1 query, random init)"
    )
    axes[0, 0].legend(fontsize=7)
    t4 = np.arange(res["fig4/common"].shape[1])
    plotting.seed_band(axes[0, 1], t4, res["fig4/common"], label="common", marker=None)
    plotting.seed_band(axes[0, 1], t4, 1 - res["fig4/common"], label="distinct", marker=None)
    axes[0, 1].axhline(
        float(res["const_probs"][: cfg.task.num_common].sum()),
        **plotting.THEORY_STYLE,
        label="common P mass (Z = 0)",
    )
    axes[0, 1].set(xlabel="iteration", ylabel="attention mass of c_n", title="Fig. 4 run")
    axes[0, 1].legend(fontsize=7)
    return fig


def _snap(res, cfg):
    fig, axes = plotting.figure(2, 1, width=4.2)
    steps = res["const_snap_steps"]
    for k in range(res["snap/entropy"].shape[1]):
        plotting.seed_band(
            axes[0, 0], steps, res["snap/entropy"][:, k], marker=None, label=_ratio_label(cfg, k)
        )
        plotting.seed_band(
            axes[0, 1], steps, res["snap/c_max"][:, k], marker=None, label=_ratio_label(cfg, k)
        )
    axes[0, 0].axhline(_h0(res, cfg), **plotting.THEORY_STYLE, label="H at Z = 0")
    axes[0, 0].set(
        xlabel="iteration",
        ylabel="distinct-token entropy",
        title=f"scan then snap (eta_Z = {cfg.optim.snap_lr_z:g})",
    )
    axes[0, 0].legend(fontsize=7)
    axes[0, 1].axhline(0.5, **plotting.THEORY_STYLE, label="B-P5 bound")
    axes[0, 1].set(
        xlabel="iteration", ylabel="max_l c_n(l)", ylim=(0, 1), title="no winner-take-all"
    )
    axes[0, 1].legend(fontsize=7)
    return fig


def _transformer(res, cfg):
    nc = cfg.task.num_common
    fig, axes = plotting.figure(3, 1, width=4.2)
    steps = res["const_transformer_steps"]
    plotting.seed_band(
        axes[0, 0], steps, res["transformer/common"], marker=None, label="common mass"
    )
    axes[0, 0].axhline(
        float(res["const_probs"][:nc].sum()), **plotting.THEORY_STYLE, label="P mass (Z = 0)"
    )
    axes[0, 0].set(xlabel="iteration", ylabel="mass", title="embedding transformer [ours]")
    axes[0, 0].legend(fontsize=7)
    plotting.seed_band(
        axes[0, 1], steps, res["transformer/entropy"], marker=None, label="distinct entropy"
    )
    axes[0, 1].axhline(_h0(res, cfg), **plotting.THEORY_STYLE, label="H at Z = 0")
    axes[0, 1].set(
        xlabel="iteration",
        ylabel="entropy (nats)",
        title="c_n from effective Z = (E W_q)(E W_k)^T/sqrt(d)",
    )
    axes[0, 1].legend(fontsize=7)
    c = res["transformer/c"][0, :, 0]
    rows = np.unique(np.linspace(0, c.shape[0] - 1, 7).astype(int))
    ax = axes[0, 2]
    im = ax.imshow(c[rows], cmap="viridis", aspect="auto")
    ax.axvline(nc - 0.5, color="w", linestyle="--", linewidth=1)
    ax.set_yticks(range(len(rows)), [f"iter {int(steps[r])}" for r in rows])
    ax.set(xlabel="token (common | distinct)", title="c_1 (seed 0)")
    ax.grid(False)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return fig
