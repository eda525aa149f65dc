"""Figures for experiments/random_feature_attention.py, with the degree theory overlaid.

Every figure is labelled: the model structure is the paper's; the activation, scalings,
targets and sizes are ours (spec B.3 reconstruction). The theory lines are the [ours]
degree-counting heuristic of attn_theory.theory.random_features (ReLU only).
"""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.ticker import NullFormatter

from attn_theory import plotting
from attn_theory.tasks import pairwise_targets as tasks
from attn_theory.theory import random_features as theory

LABEL = "[paper] structure; [ours] sigma={act}, d={d}, M={m}, targets (spec B.3)"
CORR_TARGETS = ("corr1", "corr2", "corr3", "relu_corr")


@functools.lru_cache(maxsize=64)
def _fractions(target, dim):
    return theory.target_degree_fractions(tasks.TARGETS[target], dim, 4)


def _theory_rfa(cfg, target, num_heads, n):
    """Degree-heuristic prediction for RFA (nan where unavailable: softmax, unknown degree)."""
    frac = _fractions(target, cfg.task.dim)
    if frac is None or cfg.model.activation != "relu":
        return np.nan
    return theory.predicted_error(frac, theory.rfa_learned_order(num_heads, cfg.task.dim, n))


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
        grid = np.unique(np.geomspace(ns.min(), ns.max(), 200).astype(int))
        pred = [_theory_rfa(cfg, target, cfg.model.num_heads, n) for n in grid]
        if np.any(np.isfinite(_positive(pred))):
            plotting.theory_line(ax, grid, _positive(pred), label="RFA degree theory [ours]")
        ax.set(xscale="log", yscale="log", xlabel="training samples n", title=target)
        ax.xaxis.set_minor_formatter(NullFormatter())
    axes[0, 0].set_ylabel("relative test error")
    axes[0, 0].legend(fontsize=7)
    return fig


def error_vs_context(res, cfg, names):
    t, d = cfg.task, cfg.task.dim
    targets = [x for x in ("corr1", "corr2", "lin_keys") if x in t.targets]
    fig, axes = plotting.figure(ncols=max(len(targets), 1), width=3.4)
    ns = np.asarray(t.context_lengths)
    p = cfg.model.num_heads * (d + 1)
    n = t.context_sweep_samples
    for ax, target in zip(axes[0], targets, strict=False):
        i_t = t.targets.index(target)
        for name in names:
            y = res["err_context"][:, names.index(name), :, i_t]
            if np.all(np.isfinite(y)):  # BRFA is only fitted at every N on request
                plotting.seed_band(ax, ns, y, label=name)
        rfa = [_theory_rfa(cfg, target, cfg.model.num_heads, n) for _ in ns]
        if np.all(np.isfinite(rfa)):
            plotting.theory_line(ax, ns, rfa, label="RFA degree theory [ours]")
        if target == "corr1":
            grid = np.arange(ns.min(), ns.max() + 1)
            mlp = [0.0 if theory.mlp_learns_pairwise(k, d, p, n) else 1.0 for k in grid]
            plotting.theory_line(
                ax,
                grid,
                mlp,
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
    t, d = cfg.task, cfg.task.dim
    fig, axes = plotting.figure(ncols=len(t.targets), width=3.0)
    hs = np.asarray(cfg.model.head_counts)
    n = max(t.sample_sizes)
    for ax, target in zip(axes[0], t.targets, strict=False):
        i_t = t.targets.index(target)
        plotting.seed_band(ax, hs, res["err_heads"][..., i_t], label="RFA")
        grid = np.unique(np.geomspace(hs.min(), hs.max(), 200).astype(int))
        pred = [_theory_rfa(cfg, target, int(h), n) for h in grid]
        if np.all(np.isfinite(pred)):
            plotting.theory_line(ax, grid, pred, label="degree theory [ours]")
        for k in (1, 2):
            m_k = theory.heads_needed(d, k)
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


def plot(res, cfg, names):
    """{name: Figure}: error vs n, vs N, biased vs zero mean, vs heads, GD vs closed form."""
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
