"""associative_memory_compare figure, from saved results only: bit error of the four reads vs
N / d_k, one panel per query noise level, with the Hebbian law overlaid."""

from __future__ import annotations

import numpy as np

from attn_theory import plotting
from attn_theory.theory import hebbian

READS = ("hebbian", "delta", "softmax", "sdm")


def plot(res, cfg) -> dict:
    t = cfg.task
    ns = np.asarray(res["const_items"])
    fig, ax = plotting.figure(len(t.flips), width=4.6)
    for f, k in enumerate(t.flips):
        a = ax[0, f]
        for name in READS:
            y = res[f"bit_error_{name}"][:, f]
            ok = np.isfinite(y).all(0)  # the delta rule stops at delta_max_ratio
            plotting.seed_band(a, ns[ok] / t.d_k, y[:, ok], label=name)
        fine = np.geomspace(ns.min(), ns.max(), 60)
        plotting.theory_line(
            a,
            fine / t.d_k,
            hebbian.bit_error(fine, t.d_k, 1 - 2 * k / t.d_k),
            label="Hebbian theory Q(cos sqrt(d_k/(N-1)))",
        )
        a.axvline(1.0, color="grey", lw=1, ls=":")
        a.set(
            xscale="log",
            yscale="symlog",
            xlabel="N / d_k",
            ylabel="bit error",
            title=f"d_k={t.d_k}, {k} flipped query bits (cos {1 - 2 * k / t.d_k:.2f})",
        )
        a.set_yscale("symlog", linthresh=1e-3)
        a.legend(fontsize=6)
    return {"compare": fig}
