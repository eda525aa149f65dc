"""Random-feature attention: the figures, drawn from saved results only, theory overlaid.

Every figure is labelled: the model structure is the paper's; the activation, scalings,
targets and sizes are ours [ours]. The theory lines are the [ours] degree-counting heuristic
of attn_theory.theory.random_features (ReLU only), saved by run.py as `const_theory_*`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import NullFormatter

from attn_theory import plotting

LABEL = "[paper] structure; [ours] sigma={act}, d={d}, M={m}, targets and sizes"
CORR_TARGETS = ("corr1", "corr2", "corr3", "relu_corr")


def _positive(y):
    y = np.asarray(y, dtype=float)
    return np.where(y > 0, y, np.nan)


def _suptitle(fig, cfg, what):
    m = cfg.model
    fig.suptitle(
        f"{what}\n" + LABEL.format(act=m.activation, d=cfg.task.dim, m=m.num_heads), fontsize=8
    )


def error_vs_n(res, cfg, names, only=None, models=None):
    t = cfg.task
    targets = [x for x in t.targets if only is None or x in only]
    models = models or names
    fig, axes = plotting.figure(ncols=max(len(targets), 1), width=3.0)
    ns = np.asarray(t.sample_sizes)
    for ax, target in zip(axes[0], targets, strict=False):
        i_t = t.targets.index(target)
        for name in models:
            plotting.seed_band(ax, ns, res["err_n"][:, names.index(name), :, i_t], label=name)
        grid, pred = res["const_theory_grid_n"], res["const_theory_err_n"][i_t]
        if np.any(np.isfinite(_positive(pred))):
            plotting.theory_line(ax, grid, _positive(pred), label="RFA degree theory [ours]")
        ax.set(xscale="log", yscale="log", xlabel="training samples n", title=target)
        ax.xaxis.set_minor_formatter(NullFormatter())
    axes[0, 0].set_ylabel("relative test error")
    axes[0, 0].legend(fontsize=7)
    return fig


def error_vs_context(res, cfg, names):
    t = cfg.task
    targets = [x for x in ("corr1", "corr2", "lin_keys") if x in t.targets]
    fig, axes = plotting.figure(ncols=max(len(targets), 1), width=3.4)
    ns = np.asarray(t.context_lengths)
    n = t.context_sweep_samples
    for ax, target in zip(axes[0], targets, strict=False):
        i_t = t.targets.index(target)
        for name in names:
            y = res["err_context"][:, names.index(name), :, i_t]
            if np.all(np.isfinite(y)):  # BRFA is only fitted at every N on request
                plotting.seed_band(ax, ns, y, label=name)
        rfa = np.full(len(ns), res["const_theory_err_context"][i_t])
        if np.all(np.isfinite(rfa)):
            plotting.theory_line(ax, ns, rfa, label="RFA degree theory [ours]")
        if target == "corr1":
            plotting.theory_line(
                ax,
                res["const_theory_grid_context"],
                res["const_theory_mlp_context"],
                drawstyle="steps-mid",
                label="RFMLP: 1 if dim deg-2 > min(n,p) [ours]",
                color="grey",
            )
        ax.set(xscale="log", xlabel="context length N", title=f"{target}, n={n}")
        ax.set_xticks(ns, [str(k) for k in ns])
        ax.xaxis.set_minor_formatter(NullFormatter())
    axes[0, 0].set_ylabel("relative test error")
    axes[0, 0].legend(fontsize=7)
    return fig


def error_vs_heads(res, cfg):
    t = cfg.task
    fig, axes = plotting.figure(ncols=len(t.targets), width=3.0)
    hs = np.asarray(cfg.model.head_counts)
    n = max(t.sample_sizes)
    for ax, target in zip(axes[0], t.targets, strict=False):
        i_t = t.targets.index(target)
        plotting.seed_band(ax, hs, res["err_heads"][..., i_t], label="RFA")
        grid, pred = res["const_theory_grid_heads"], res["const_theory_err_heads"][i_t]
        if np.all(np.isfinite(pred)):
            plotting.theory_line(ax, grid, pred, label="degree theory [ours]")
        for k, m_k in zip((1, 2), res["const_heads_needed"], strict=True):
            if hs.min() <= m_k <= hs.max():
                ax.axvline(m_k, color="grey", linestyle=":", label=f"M needed, order {k}")
        ax.set(xscale="log", xlabel="heads M", title=f"{target}, n={n}", ylim=(0, 1.15))
    axes[0, 0].set_ylabel("relative test error")
    axes[0, 0].legend(fontsize=7)
    return fig


def gd_vs_closed_form(res, cfg):
    fig, axes = plotting.figure(ncols=2, width=3.6)
    steps = res["gd_steps"][0]
    plotting.seed_band(axes[0, 0], steps, res["gd_loss"], label="optax GD (train.fit)")
    plotting.theory_line(
        axes[0, 0],
        steps,
        np.full(len(steps), np.mean(res["gd_cf_objective"])),
        label="closed-form ridge objective",
    )
    axes[0, 0].set(yscale="log", xlabel="step", ylabel="ridge objective (chunk mean)")
    plotting.seed_band(axes[0, 1], steps, res["gd_test_curve"], label="optax GD")
    plotting.theory_line(
        axes[0, 1],
        steps,
        np.full(len(steps), np.mean(res["cf_test_err"])),
        label="closed-form ridge",
    )
    axes[0, 1].set(yscale="log", xlabel="step", ylabel="relative test error")
    for ax in axes[0]:
        ax.legend(fontsize=7)
    return fig


def plot(res, cfg):
    """{name: Figure}: error vs n, vs N, biased vs zero mean, vs heads, GD vs closed form."""
    names = [str(x) for x in np.asarray(res["const_models"])]
    figs = {}
    figs["error_vs_n"] = error_vs_n(res, cfg, names)
    _suptitle(figs["error_vs_n"], cfg, "Relative test error vs sample size (ridge, lambda on val)")
    figs["error_vs_context"] = error_vs_context(res, cfg, names)
    _suptitle(figs["error_vs_context"], cfg, "Error vs context length: RFA flat, RFMLP collapses")
    corr = [x for x in CORR_TARGETS if x in cfg.task.targets]
    brfa = [x for x in names if x.startswith("brfa")]
    if corr and brfa:
        figs["biased_vs_zero_mean"] = error_vs_n(res, cfg, names, only=corr, models=["rfa", *brfa])
        _suptitle(
            figs["biased_vs_zero_mean"],
            cfg,
            "Biased (BRFA, mean logit beta*c_i) vs zero-mean RFA on correlation targets",
        )
    figs["error_vs_heads"] = error_vs_heads(res, cfg)
    _suptitle(
        figs["error_vs_heads"],
        cfg,
        "RFA error vs heads M, with the degree argument's thresholds M(d+1) >= D_k",
    )
    if "gd_loss" in res:
        o = cfg.optim
        figs["gd_vs_closed_form"] = gd_vs_closed_form(res, cfg)
        _suptitle(
            figs["gd_vs_closed_form"],
            cfg,
            f"[ours] optax GD vs closed-form ridge: {o.gd_model}, {o.gd_target}, n={o.gd_samples}",
        )
    return figs
