"""Pavlovian memory figures, from saved results only: error laws, capacity, delta rule and the
depth / head-redundancy hypothesis [ours], each with the reconstructed theory [ours] overlaid."""

from __future__ import annotations

import numpy as np

from attn_theory import plotting
from attn_theory.theory import hebbian


def plot(res, cfg) -> dict:
    t, m = cfg.task, cfg.model
    figs = {}
    fig, ax = plotting.figure(2, width=4.4)
    ratio = np.asarray(t.ratios)
    for i, d in enumerate(t.dims):
        n = np.asarray(res["const_items"][i])
        plotting.seed_band(ax[0, 0], n / d, res["law_rel_err"][:, i], label=f"d_k={d}")
        plotting.seed_band(ax[0, 1], n / d, res["law_bit_err"][:, i], label=f"d_k={d}")
    fine = np.geomspace(ratio.min(), ratio.max(), 50)
    plotting.theory_line(ax[0, 0], fine, fine, label="(N-1)/d_k, d_k -> inf")
    plotting.theory_line(
        ax[0, 1], fine, hebbian.gaussian_tail(np.sqrt(1 / fine)), label="Q(sqrt(d_k/N))"
    )
    ax[0, 0].set(
        xscale="log",
        yscale="log",
        xlabel="N / d_k",
        ylabel="|M k_j - v_j|^2 / d_v",
        title="Hebbian crosstalk [ours: reconstructed law]",
    )
    ax[0, 1].set(
        xscale="log",
        yscale="log",
        xlabel="N / d_k",
        ylabel="bit error",
        title="curves collapse over d_k (O(d_k) average capacity)",
    )
    for a in ax[0]:
        a.legend(fontsize=6)
    figs["error_law"] = fig

    fig, ax = plotting.figure(2, width=4.4)
    # P(all bits right) pooled over seeds; each d_k has its own n_max, so one reading each.
    n_star = np.asarray(
        [hebbian.capacity_from_recall(res[f"recall_all_dk{d}"].mean(0)) for d in t.capacity_dims]
    )  # P pooled over seeds, as claim B4
    n_eps = hebbian.capacity_from_error(res["const_items"], res["law_rel_err"].mean(0),
                                        t.capacity_eps)  # fmt: skip
    cdims = np.asarray(t.capacity_dims)
    ax[0, 0].loglog(cdims, n_star, "o-", label="exact recall N* (P(all bits) >= 1/2)")
    plotting.theory_line(
        ax[0, 0],
        cdims,
        [hebbian.exact_recall_capacity(d, t.d_v) for d in cdims],
        label="theory, independent bits",
    )
    ax[0, 0].loglog(
        np.asarray(t.dims), n_eps, "s-", label=f"average case: rel. error <= {t.capacity_eps}"
    )
    plotting.theory_line(
        ax[0, 0],
        np.asarray(t.dims),
        hebbian.average_capacity(np.asarray(t.dims), t.capacity_eps),
        label="eps d_k + 1",
        color="grey",
    )
    ax[0, 0].loglog(cdims, 2 * np.sqrt(cdims), ":", color="C3", label="2 sqrt(d_k), for scale")
    ax[0, 0].set(
        xlabel="d_k",
        ylabel="capacity N",
        title="[ours] exact recall: sublinear, above sqrt; average: linear",
    )
    ax[0, 0].legend(fontsize=6)
    items = np.asarray(m.delta_items)
    for j, label in enumerate(
        (f"delta rule, {m.delta_epochs} epochs", "delta rule, 1 epoch", "Hebbian")
    ):
        plotting.seed_band(ax[0, 1], items, res["delta_errors"][:, :, j], label=label)
    plotting.theory_line(
        ax[0, 1], items, hebbian.relative_error(items, m.delta_dim), label="(N-1)/d_k"
    )
    ax[0, 1].axvline(m.delta_dim, color="grey", lw=1, ls=":")
    ax[0, 1].set(
        xscale="log",
        yscale="symlog",
        xlabel="N",
        ylabel="relative error",
        title=f"Rescorla-Wagner / delta rule, d_k={m.delta_dim}, eta={m.delta_lr}",
    )
    ax[0, 1].legend(fontsize=6)
    figs["capacity_delta"] = fig

    fig, ax = plotting.figure(2, width=4.4)
    layers = np.asarray(t.depth_layers)
    plotting.seed_band(ax[0, 0], layers, res["depth_residual"], label="residual sum")
    plotting.seed_band(ax[0, 0], layers, res["depth_chain"], label="un-normalized chain")
    plotting.theory_line(
        ax[0, 0],
        layers,
        hebbian.depth_error_additive(layers, t.hyp_items, m.hyp_dim),
        label="L (N-1)/d_k",
    )
    plotting.theory_line(
        ax[0, 0],
        layers,
        hebbian.depth_error_compounding(layers, t.hyp_items, m.hyp_dim),
        label="(1+(N-1)/d_k)^L - 1",
        color="grey",
    )
    ax[0, 0].set(
        xlabel="layers L",
        ylabel="relative error",
        title=f"HYPOTHESIS [ours]: depth (N={t.hyp_items}, d_k={m.hyp_dim})",
    )
    heads = np.asarray(t.heads)
    plotting.seed_band(ax[0, 1], heads, res["heads_fixed_dk"], label=f"fixed d_k={m.hyp_dim}")
    plotting.seed_band(
        ax[0, 1], heads, res["heads_fixed_width"], label=f"fixed width H d_k={t.head_width}"
    )
    plotting.theory_line(
        ax[0, 1],
        heads,
        hebbian.head_average_error(heads, t.hyp_items, m.hyp_dim),
        label="(N-1)/(H d_k)",
    )
    plotting.theory_line(
        ax[0, 1],
        heads,
        hebbian.head_average_error(heads, t.hyp_items, t.head_width // heads),
        label="(N-1)/width",
        color="grey",
    )
    ax[0, 1].set(
        xscale="log",
        yscale="log",
        xlabel="redundant heads H (averaged)",
        ylabel="relative error",
        title="HYPOTHESIS [ours]: head redundancy",
    )
    for a in ax[0]:
        a.legend(fontsize=6)
    figs["depth_heads_hypothesis"] = fig
    return figs
