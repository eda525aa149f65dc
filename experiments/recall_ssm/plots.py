"""recall_ssm figures F1-F5, drawn from saved results only (theory overlaid where it exists).

F1 accuracy vs state expansion n (linear attention (16), softmax band, normalised (21) and
   SSD markers) with the Hebbian crosstalk law (P-1)/n of a linear fast-weight memory and the
   clean-slot guide min(1, n/P) [ours];
F2 SSD accuracy vs step per init (thin: seeds, bold: median; chance line);
F3 identity errors E1-E4 (log scale, machine epsilon) and the Taylor error of E5 with its
   state dimension;
F4 softmax attention maps (one prompt) at init and after training, lecun vs mimetic;
F5 Zoology-format learning curves (Z1).
"""

from __future__ import annotations

import numpy as np

from attn_theory import plotting
from attn_theory.theory import dsf, hebbian
from configs.recall_ssm import Config
from experiments.recall_ssm.claims import best_lr_curve


def _state_size(res, cfg: Config):
    m, t = cfg.model, cfg.task
    fig, axes = plotting.figure(width=5.5, height=3.8)
    ax = axes[0, 0]
    p = t.num_pairs if t.format == "stacked" else t.num_kv
    ns = np.asarray(m.linear_states, np.float64)
    if len(ns):
        lin = res["linear_final"][:, 0, :, 0]  # [S, n]
        plotting.seed_band(ax, ns, lin, label="linear attention (16), elu+1")
        for s in range(lin.shape[0]):
            ax.plot(ns, lin[s], ".", color="C0", alpha=0.4)
    if m.softmax_dim:
        soft = res["softmax_final"][:, 0, 0, 0]
        ax.axhspan(soft.min(), soft.max(), color="C3", alpha=0.2)
        ax.axhline(np.median(soft), color="C3", label=f"softmax (n={m.softmax_dim})")
    for kind, color, marker in (("normalized", "C2", "s"), ("ssd", "C4", "^"), ("s6", "C5", "v")):
        states = getattr(m, f"{kind}_states")
        if states:
            y = res[f"{kind}_final"][:, 0, :, 0]
            ax.plot(np.repeat(states, y.shape[0]), y.T.reshape(-1), marker, color=color,
                    alpha=0.7, label=f"{kind} (default init)")  # fmt: skip
    grid = np.geomspace(min(ns.min() if len(ns) else 1, 1), max(ns.max() if len(ns) else 64, 64))
    ax.plot(grid, dsf.clean_slot_accuracy(p, grid), ":", color="grey",
            label="min(1, n/P): n clean slots [ours]")  # fmt: skip
    ax2 = ax.twinx()
    ax2.plot(grid, hebbian.relative_error(p, grid), **plotting.THEORY_STYLE,
             label="Hebbian crosstalk (P-1)/n (right axis)")  # fmt: skip
    ax2.set(yscale="log", ylabel="relative crosstalk (P-1)/n")
    ax.set(xscale="log", xlabel="state expansion n", ylabel="final eval accuracy", ylim=(0, 1.05),
           title=f"MQAR, P={p} pairs, d={m.widths[0]} [ours: stacked]" if t.format == "stacked"
           else f"MQAR (Zoology), kv={p}, d={m.widths[0]}")  # fmt: skip
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize=6, loc="center right")
    return fig


def _curves(res, cfg: Config, kind: str, names, chance: float, title: str):
    fig, axes = plotting.figure(width=5.0)
    ax = axes[0, 0]
    steps = res[f"const_{kind}_steps"]
    for i, name in enumerate(names):
        acc = best_lr_curve(res, kind, 0, i)
        for s in range(acc.shape[0]):
            ax.plot(steps, acc[s], color=f"C{i}", lw=0.6, alpha=0.5)
        ax.plot(steps, np.median(acc, 0), color=f"C{i}", lw=2, label=f"{name} (median)")
    ax.axhline(chance, color="grey", ls=":", label="chance")
    ax.set(xlabel="step", ylabel="eval accuracy", ylim=(-0.02, 1.02), title=title)
    ax.legend(fontsize=7)
    return fig


def _identities(res, cfg: Config):
    fig, axes = plotting.figure(2, width=4.8)
    names = ["e1_linear_err", "e2_normalized_err", "e3_ssd_mask_err",
             "e3_ssd_linear_attention_err", "e3_lambda_from_eta_err", "e3_hebbian_err",
             "e4_s6_err"]  # fmt: skip
    vals = [res[n].max() for n in names]
    ax = axes[0, 0]
    ax.bar(range(len(names)), np.maximum(vals, 1e-18), color="C0")
    ax.axhline(np.finfo(np.float64).eps, **plotting.THEORY_STYLE, label="float64 epsilon")
    ax.set(yscale="log", ylim=(1e-17, 1e-12), xticks=range(len(names)),
           ylabel="max relative error (worst seed)",
           title="DSF identities (float64)")  # fmt: skip
    ax.set_xticklabels([n[:-4] for n in names], rotation=60, ha="right", fontsize=6)
    ax.legend(fontsize=7)
    ax = axes[0, 1]
    orders = res["const_taylor_orders"]
    plotting.seed_band(ax, orders, res["e5_taylor_err"], label="Taylor-p softmax error")
    ax.set(yscale="log", xlabel="Taylor order p", ylabel="relative error",
           title="E5: softmax needs unbounded state")  # fmt: skip
    ax2 = ax.twinx()
    ax2.plot(orders, res["const_taylor_state_dim"], "s--", color="C1", label="state dim")
    ax2.set(yscale="log", ylabel="state dimension sum n^m d")
    ax.legend(fontsize=7, loc="lower left")
    ax2.legend(fontsize=7, loc="upper right")
    return fig


def _maps(res, cfg: Config):
    names = list(cfg.init.attention_inits)
    fig, axes = plotting.figure(len(names), 2, width=3.2, height=3.0)
    for j, name in enumerate(names):
        for i, when in enumerate(("init", "final")):
            ax = axes[i, j]
            ax.imshow(res[f"attn_map_{when}"][0, j], cmap="viridis", vmin=0, vmax=1)
            self_mass = res[f"attn_self_{when}"][:, j].mean()
            label = "lecun (default)" if name == "default" else f"{name} [ours: causal recall]"
            ax.set_title(f"{label} softmax, {when}\nself mass {self_mass:.2f}", fontsize=8)
            ax.set(xlabel="key position", ylabel="query position")
    return fig


def plot(results, cfg: Config) -> dict:
    res = {k: np.asarray(v) for k, v in results.items()}
    t, m = cfg.task, cfg.model
    chance = 1.0 / t.num_values if t.format == "stacked" else 2.0 / t.vocab
    figs = {"F3_identities": _identities(res, cfg)}
    if "linear_final" in res or "softmax_final" in res:
        figs["F1_state_size"] = _state_size(res, cfg)
    if m.ssd_states:
        figs["F2_mimetic_ssd"] = _curves(
            res, cfg, "ssd", cfg.init.ssm_inits, chance,
            f"SSD N={m.ssd_states[0]}: init [ours: mimetic recipe]")  # fmt: skip
    if m.softmax_dim:
        figs["F4_attention_maps"] = _maps(res, cfg)
    if cfg.zoology.num_kv:
        fig, axes = plotting.figure(width=5.0)
        ax = axes[0, 0]
        for i, kv in enumerate(res["const_zoology_kv"]):
            acc = res["zoology_acc"][:, i].max(1)
            plotting.seed_band(ax, res["const_zoology_steps"], acc, label=f"kv={kv}")
            ax.axhline(
                1.0 / kv, color=f"C{i}", ls=":", lw=0.8, label=f"copy a context value 1/{kv}"
            )
        z = cfg.zoology
        ax.set(xlabel="step", ylabel="eval accuracy", ylim=(-0.02, 1.02),
               title=f"Zoology MQAR T={z.seq_len}, softmax"
               + (" + token shift [ours]" if z.shift else ""))  # fmt: skip
        ax.legend(fontsize=7)
        figs["F5_zoology"] = fig
    return figs
