"""Stacked attention heads: figures F1-F5 plus head ablation, from saved results only.

Theory overlays: chance 1/K (F1), the emergence threshold (F2), the depth bounds
ceil(log_3 2D) and ceil(log_2(D+1)) (F3).
"""

from __future__ import annotations

import numpy as np

from attn_theory import plotting
from attn_theory.plotting import seed_band
from attn_theory.theory import stacked_heads as theory
from configs.stacked_attention_heads import Config
from experiments.stacked_attention_heads.claims import emergence


def _cells(cfg: Config):
    return list(zip(cfg.grid.difficulties, cfg.grid.layers, cfg.grid.non_ic, strict=True))


def _dynamics_cell(cfg: Config) -> tuple[int, int]:
    """The group of F1/F2/F5: the deepest D=3 group with non-IC, else the deepest group."""
    cells = _cells(cfg)
    pick = [c for c in cells if c[2]] or cells
    return max(pick, key=lambda c: (c[0] == 3, c[1], c[0]))[:2]


def _circuit_cell(cfg: Config) -> tuple[int, int]:
    """F4 / ablation: D=3, L=2 (pointer doubling) when run, else the F1 group."""
    return (3, 2) if (3, 2) in [c[:2] for c in _cells(cfg)] else _dynamics_cell(cfg)


def _f1(res, cfg, D, L):
    fig, axes = plotting.figure(width=5.0)
    ax, c = axes[0, 0], f"D{D}_L{L}"
    steps = res[f"const_steps_{c}"]
    for k in range(D):
        seed_band(ax, steps, res[f"hist_hop_acc_{c}"][:, k], label=f"hop {k + 1} (IC)")
    if f"hist_hop_acc_{c}_nonic" in res:
        seed_band(
            ax,
            steps,
            res[f"hist_hop_acc_{c}_nonic"][:, -1],
            label="root, non-IC",
            color="grey",
            marker="x",
        )
    ax.axhline(1 / cfg.task.num_chains, **plotting.THEORY_STYLE, label="chance 1/K")
    ax.axhline(cfg.analysis.acc_threshold, color="grey", ls=":", lw=1)
    ax.set(
        xlabel="step",
        ylabel="accuracy",
        ylim=(0, 1.02),
        title=f"F1: per-hop accuracy, D={D}, L={L} [ours]",
    )
    ax.legend(fontsize=7)
    return fig


def _f2(res, cfg, D, L):
    c = f"D{D}_L{L}"
    steps, seeds = res[f"const_steps_{c}"], res[f"hist_link_{c}"].shape[0]
    _, first = emergence(res, c, cfg)
    fig, axes = plotting.figure(min(seeds, 2), width=5.0)
    link, qhop = res[f"hist_link_{c}"].max(2), res[f"hist_qhop_{c}"].max(2)
    for s in range(min(seeds, 2)):
        ax = axes[0, s]
        shown = 0
        for name in first:
            layer = int(name[1]) - 1
            y = link[s, layer] if name.endswith("link") else qhop[s, layer, int(name[-1]) - 1]
            if np.max(y) < 0.3:  # scores that never rise are drawn faintly, unlabelled
                ax.plot(steps, y, color="0.8", lw=0.8)
                continue
            style = "-" if name.endswith("link") else "--"
            (line,) = ax.plot(steps, y, style, label=name, color=f"C{shown % 10}")
            shown += 1
            if np.isfinite(first[name][s]):
                ax.plot(
                    first[name][s], cfg.analysis.score_threshold, "o", color=line.get_color(), ms=5
                )
        ax.axhline(cfg.analysis.score_threshold, **plotting.THEORY_STYLE, label="threshold")
        ax.set(
            xlabel="step",
            ylabel="score (max over heads)",
            ylim=(0, 1.02),
            title=f"F2: head emergence, D={D}, L={L}, seed {s} [ours]",
        )
        ax.legend(fontsize=6)
    return fig


def _f3(res, cfg):
    ds = sorted(set(cfg.grid.difficulties))
    ls = list(range(1, max(cfg.grid.layers) + 1))
    acc = np.full((len(ls), len(ds)), np.nan)
    for D, L, _ in _cells(cfg):
        acc[ls.index(L), ds.index(D)] = res[f"root_acc_D{D}_L{L}"].mean()
    fig, axes = plotting.figure(width=5.0)
    ax = axes[0, 0]
    im = ax.imshow(acc, origin="lower", vmin=0, vmax=1, cmap="viridis", aspect="auto")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="root accuracy (IC, mean)")
    for (i, j), v in np.ndenumerate(acc):
        if np.isfinite(v):
            ax.text(
                j,
                i - 0.3,
                f"{v:.2f}",
                ha="center",
                va="center",
                fontsize=7,
                color="k" if v > 0.5 else "w",
            )
    x, edges = np.arange(len(ds)), np.arange(len(ds) + 1) - 0.5
    bidir = [theory.min_layers_bidirectional(d) - 1.5 for d in ds]  # lower edge of L_min's row
    causal = [theory.min_layers_causal(d) - 1.5 for d in ds]
    ax.stairs(
        bidir,
        edges,
        baseline=None,
        **{**plotting.THEORY_STYLE, "color": "w"},
        label="ceil(log_3 2D): Theorem 1 (bidirectional)",
    )
    ax.stairs(
        causal, edges, baseline=None, color="red", lw=1.5, label="ceil(log_2(D+1)): causal [ours]"
    )
    solved = [
        min(
            [L for L in ls if np.isfinite(acc[ls.index(L), j]) and acc[ls.index(L), j] >= 0.95]
            or [np.nan]
        )
        for j in range(len(ds))
    ]
    ax.plot(
        x,
        np.asarray(solved, float) - 1,
        "r*",
        ms=10,
        label="fewest layers run that solve it (acc >= 0.95)",
    )
    ax.set(
        xticks=x,
        xticklabels=ds,
        yticks=range(len(ls)),
        yticklabels=ls,
        xlabel="difficulty D",
        ylabel="layers L",
        title="F3: layers vs difficulty (boundary below the line) [ours]",
    )
    ax.legend(fontsize=6, loc="upper left")
    return fig


def _f4(res, cfg, D, L):
    c = f"D{D}_L{L}"
    maps = res[f"maps_{c}"][0]  # seed 0: [L, H, T, T]
    k = cfg.task.num_chains
    ex = res[f"const_example_{c}"].astype(int)
    assign = ex[: k * D].reshape(k, D)
    path, c_star = ex[k * D : k * D + D], ex[-1]
    link = res[f"link_{c}"][0]  # [L, H]
    fig, axes = plotting.figure(2, L, width=4.5, height=3.0)
    t = maps.shape[-1]
    for layer in range(L):
        ax = axes[layer, 0]
        ax.imshow(maps[layer, :, -1, :], vmin=0, vmax=1, cmap="Greys", aspect="auto")
        labels = [str(p) for p in range(t)]
        for hop, p in enumerate(path):
            labels[p] += f"\nh{hop + 1}"
            ax.axvline(p, color="red", alpha=0.4, lw=0.8)
        ax.set(
            yticks=range(maps.shape[1]),
            ylabel="head",
            xlabel="key position",
            xticks=range(t),
            xticklabels=labels,
            title=f"layer {layer + 1}: query row (red hk: hop k's assignment)",
        )
        ax.tick_params(axis="x", labelsize=6)
        ax.grid(False)
        ax = axes[layer, 1]
        h = int(np.argmax(link[layer]))
        ax.imshow(maps[layer, h, :-1, :-1], vmin=0, vmax=1, cmap="Greys")
        for j in range(1, D):  # successor of (c*, j+1) is (c*, j)
            ax.plot(assign[c_star, j - 1], assign[c_star, j], "rs", mfc="none", ms=6)
        ax.set(
            xlabel="key",
            ylabel="query",
            title=f"layer {layer + 1}, head {h} (best link {link[layer, h]:.2f}); red: chain links",
        )
        ax.grid(False)
    fig.suptitle(f"F4: attention maps, D={D}, L={L}, seed 0 [ours]", fontsize=9)
    return fig


def _f5(res, cfg, D, L):
    c = f"D{D}_L{L}"
    steps = res[f"const_steps_{c}"]
    fig, axes = plotting.figure(width=5.0)
    ax = axes[0, 0]
    for suffix, name in (("", "IC"), ("_nonic", "non-IC")):
        if f"hist_loss_{c}{suffix}" in res:
            seed_band(ax, steps, res[f"hist_loss_{c}{suffix}"], label=f"{name} train")
            seed_band(
                ax, steps, res[f"hist_eval_loss_{c}{suffix}"], label=f"{name} eval", marker="x"
            )
    ax.axhline(np.log(cfg.task.num_chains), **plotting.THEORY_STYLE, label="ln K (chance)")
    fixed = cfg.task.train_set_ic or cfg.task.train_set_non_ic
    ax.set(
        xlabel="step",
        ylabel="cross-entropy (trained hops)",
        yscale="log",
        title=f"F5: {'train vs validation' if fixed else 'train vs eval'} loss, "
        f"D={D}, L={L} [ours]",
    )
    ax.legend(fontsize=7)
    return fig


def _ablation(res, cfg, D, L):
    c = f"D{D}_L{L}"
    base = res[f"root_acc_{c}"].mean()
    fig, axes = plotting.figure(2, width=4.0)
    for i, kind in enumerate(("zero", "mean")):
        drop = base - res[f"ablate_{kind}_root_acc_{c}"].mean(0)  # [L, H]
        plotting.heatmap(
            axes[0, i],
            drop,
            symmetric=False,
            cmap="magma",
            annotate=True,
            title=f"{kind}-ablation: root-accuracy drop",
        )
        axes[0, i].set(xlabel="head", ylabel="layer", yticks=range(L), yticklabels=range(1, L + 1))
    fig.suptitle(f"Head ablation, D={D}, L={L} (mean of seeds; base {base:.2f}) [ours]", fontsize=9)
    return fig


def plot(results, cfg: Config) -> dict:
    res = {k: np.asarray(v) for k, v in results.items()}
    dyn, circ = _dynamics_cell(cfg), _circuit_cell(cfg)
    return {
        "f1_hop_accuracy": _f1(res, cfg, *dyn),
        "f2_head_emergence": _f2(res, cfg, *dyn),
        "f3_layers_vs_difficulty": _f3(res, cfg),
        "f4_attention_maps": _f4(res, cfg, *circ),
        "f5_ic_vs_non_ic_loss": _f5(res, cfg, *dyn),
        "head_ablation": _ablation(res, cfg, *circ),
    }
