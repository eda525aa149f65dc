"""SDM attention figures, from saved results only: intersections, beta vs d, SDM vs softmax
reads (closed forms overlaid)."""

from __future__ import annotations

import numpy as np

from attn_theory import plotting

# The paper's critical-distance radius for n = 64, read off its figure: the notebook that
# derives it is not public, so it is drawn as a labelled reference, not computed.
D_CD = 15


def plot(res, cfg) -> dict:
    t, n = cfg.task, cfg.task.n
    figs = {}
    fig, ax = plotting.figure(3, width=4.2)
    dvs = np.arange(n + 1)
    x = res["const_cos"]
    beta_d = [int(v) for v in res["const_beta_d"]]
    for i, d in enumerate(t.radii):
        logi = res["const_log_intersection"][i]
        keep = dvs <= 2 * d + 1
        (line,) = ax[0, 0].semilogy(
            dvs[keep], np.exp(logi[keep] - logi[0]), "o", ms=3, label=f"exact I, d={d}"
        )
        fit = {k: res[f"const_beta_{k}"][beta_d.index(d)] for k in ("intercept", "ols")}
        ax[0, 0].semilogy(
            dvs[keep],
            np.exp(fit["intercept"] + fit["ols"] * x[keep] - logi[0]),
            "--",
            color=line.get_color(),
            lw=1,
            label=f"exp fit (OLS) beta={fit['ols']:.1f}",
        )
        cap = res["const_cap_log_intersection"][i]
        ax[0, 0].semilogy(dvs[keep], np.exp(cap[keep] - cap[0]), ":", color=line.get_color(), lw=1)
    ax[0, 0].set(
        xlabel="Hamming distance d_v",
        ylabel="I(d_v) / I(0)",
        ylim=(1e-8, 2),
        title="n=64: exact (o), exp fit (--), cap variant (:)",
    )
    ax[0, 0].legend(fontsize=6)
    mc = res["mc_counts"].transpose(1, 0, 2).reshape(len(t.mc_dvs), -1)
    ax[0, 1].errorbar(
        t.mc_dvs,
        mc.mean(1),
        mc.std(1, ddof=1) / np.sqrt(mc.shape[1]),
        fmt="o",
        label=f"Monte Carlo, r={t.mc_neurons} (mean +- stderr)",
    )
    plotting.theory_line(
        ax[0, 1], res["const_mc_curve_dvs"], res["const_mc_curve"], label="exact I r / 2^n"
    )
    ax[0, 1].set(
        xlabel="d_v",
        ylabel="neurons in both balls",
        title=f"neuron view, n={t.mc_dim}, d={t.mc_radius}",
    )
    ax[0, 1].legend(fontsize=7)
    plotting.theory_line(
        ax[0, 2], res["const_book_curve_dvs"], res["const_book_curve"], label="exact, n=1000, d=451"
    )
    ax[0, 2].semilogy(res["const_book_dvs"], res["const_book_values"], "o", label="reference")
    ax[0, 2].set(xlabel="d_v", ylabel="expected neurons (r=1e6)", title="Kanerva's table")
    ax[0, 2].legend(fontsize=7)
    figs["intersection"] = fig

    fig, ax = plotting.figure(1, width=5.0)
    d = res["const_beta_d"]
    for key, label in (
        ("beta_paper", "binary, paper convention (ddof quirk)"),
        ("beta_ols", "binary, plain OLS"),
        ("beta_cap_paper", "cap variant, paper convention, d_v=0..d-1"),
    ):
        ax[0, 0].semilogy(d, res["const_" + key], "o-", ms=3, label=label)
    plotting.theory_line(ax[0, 0], d, 3 * res["const_beta_approx"], label="3 x (n-2d)^2/(4n)")
    for name, dv, c in (
        ("d_Mem", res["const_d_mem"], "C3"),
        ("d_SNR", res["const_d_snr"], "C4"),
        ("d_CD (paper's value, not derived)", D_CD, "C5"),
    ):
        ax[0, 0].axvline(dv, color=c, lw=1, ls=":", label=f"{name} = {int(dv)}")
    ax[0, 0].set(
        xlabel="Hamming radius d",
        ylabel="fitted beta",
        title=f"beta vs d (n={n}, fit over d_v in {t.fit_range})",
    )
    ax[0, 0].legend(fontsize=6)
    figs["beta_vs_d"] = fig

    fig, ax = plotting.figure(3, width=4.2)
    k = np.asarray(t.flips)
    plotting.seed_band(ax[0, 0], k, res["recall_sdm"], label="SDM pattern view (exact I)")
    plotting.seed_band(ax[0, 0], k, res["recall_softmax"], label="softmax, beta fitted")
    plotting.seed_band(ax[0, 0], k, res["agreement"], label="bit agreement", marker="x")
    ax[0, 0].set(
        xlabel="flipped query bits k",
        ylabel="exact recall",
        title=f"n={n}, d={cfg.model.read_radius}, m={t.num_patterns}",
    )
    ax[0, 0].legend(fontsize=6)
    m = np.asarray(t.tail_patterns)
    plotting.seed_band(ax[0, 1], m, res["tail_recall_sdm"], label="SDM")
    plotting.seed_band(ax[0, 1], m, res["tail_recall_softmax"], label="softmax")
    ax[0, 1].set(
        xscale="log",
        xlabel="stored patterns m",
        ylabel="exact recall",
        title=f"k={t.tail_flips}: the softmax tail m e^(-beta cos) takes over",
    )
    ax[0, 1].legend(fontsize=7)
    kn = np.round(k * t.mc_dim / n)
    plotting.seed_band(ax[0, 2], kn, res["recall_neuron"], label=f"neuron view, r={t.mc_neurons}")
    plotting.seed_band(ax[0, 2], kn, res["recall_pattern"], label="pattern view (r = 2^n)")
    plotting.seed_band(
        ax[0, 2], k, res["cont_recall_sdm"], label="continuous: cap SDM (n=64)", marker="s"
    )
    plotting.seed_band(
        ax[0, 2], k, res["cont_recall_softmax"], label="continuous: softmax, cap beta", marker="s"
    )
    ax[0, 2].set(
        xlabel="flipped bits (continuous: cos = 1 - 2k/n)",
        ylabel="exact recall",
        title=f"neuron view (n={t.mc_dim}, m={t.neuron_patterns}) and continuous",
    )
    ax[0, 2].legend(fontsize=6)
    figs["reads"] = fig
    return figs
