"""memory_efficient_attention figures, from saved results only: XLA temp memory over n (naive,
ours, the recomputing backward; sqrt n and n^2 guides), the RSS probe, and exactness."""

from __future__ import annotations

import numpy as np

from attn_theory import plotting
from experiments.memory_efficient_attention import claims as C


def plot(res: dict, cfg) -> dict:
    lens = np.asarray(res["const_memory_lens"], np.float64)
    mem = np.asarray(res["const_temp_bytes"]) / 2**20
    fig, axes = plotting.figure(2, 1)
    panels = (
        (axes[0, 0], "forward", {"naive": C.NAIVE_FWD, "ours": C.OURS_FWD}),
        (axes[0, 1], "gradient", {
            "naive, value_and_grad(sum f)": C.NAIVE_GRAD,
            "ours, value_and_grad(sum f)": C.OURS_GRAD,
            "ours recompute, value_and_grad(sum f)": C.RECOMPUTE_GRAD,
            "ours, pullback (cotangent given)": C.OURS_VJP,
            "ours recompute, pullback": C.RECOMPUTE_VJP}),
    )  # fmt: skip
    for a, title, cols in panels:
        for i, (label, col) in enumerate(cols.items()):
            a.loglog(lens, mem[:, col], "os^vd"[i] + "-", label=label, ms=4)
        naive, ours = next(iter(cols.values())), list(cols.values())[1]
        plotting.theory_line(a, lens, mem[0, naive] * (lens / lens[0]) ** 2, label="n^2 slope")
        plotting.theory_line(a, lens, mem[0, ours] * (lens / lens[0]) ** 0.5,
                             label="sqrt n slope", color="gray")  # fmt: skip
        a.set(xlabel="sequence length n", ylabel="XLA temp memory (MiB)",
              title=f"{title} (h=1, d={cfg.task.head_dim})")  # fmt: skip
        a.legend(fontsize=6)
    figs = {"memory_vs_n": fig}

    rss = np.asarray(res["const_rss_bytes"]) / 2**20
    if np.isfinite(rss).any():
        fig, axes = plotting.figure(1, 1, width=5)
        n = cfg.task.rss_len
        i = list(res["const_memory_lens"]).index(n) if n in res["const_memory_lens"] else None
        names = ("naive fwd", "ours fwd", "naive grad", "ours grad")
        x = np.arange(len(names))
        axes[0, 0].bar(x - 0.2, rss, 0.4, label="peak-RSS rise (one call)")
        if i is not None:
            axes[0, 0].bar(x + 0.2, mem[i, : len(names)], 0.4, label="XLA temp")
        axes[0, 0].set_xticks(x, names)
        axes[0, 0].set(yscale="log", ylabel="MiB", title=f"two memory measures, n={n}")
        axes[0, 0].legend(fontsize=7)
        figs["memory_measures"] = fig

    fig, axes = plotting.figure(1, 1, width=5)
    x = np.arange(len(cfg.task.check_lens))
    err = np.asarray(res["rel_err"])  # [S, lens, causal, residual, 4]
    for j, name in enumerate(("out", "dq", "dk", "dv")):
        for c, style in ((0, "-"), (1, "--")):
            axes[0, 0].semilogy(x, err[:, :, c, :, j].max((0, 2)), style, marker="o",
                                label=f"{name}{' causal' if c else ''}")  # fmt: skip
    axes[0, 0].axhline(C.EXACT_TOL, color="k", lw=1, label=f"bound {C.EXACT_TOL:g}")
    axes[0, 0].set_xticks(x, [str(n) for n in cfg.task.check_lens])
    axes[0, 0].set(xlabel="n", ylabel="max rel. error vs float64 (both backwards)",
                   title="exactness")  # fmt: skip
    axes[0, 0].legend(fontsize=6, ncol=2)
    figs["exactness"] = fig
    return figs
