"""icl_reduced_model: figures F6-F8, drawn from saved results only (theory overlaid)."""

from __future__ import annotations

import numpy as np

from attn_theory import plotting
from configs.icl_reduced_model import Config


def _landscape(res, cfg: Config):
    oms, mus = res["const_landscape/omega"], res["const_landscape/mu"]
    approx = res["const_landscape/approx"]
    fig, axes = plotting.figure(2, 1, width=4.6)
    gap = np.median(res["landscape/true"], 0) - approx
    ext = (mus[0], mus[-1], oms[0], oms[-1])
    im = axes[0, 0].imshow(gap, cmap="RdBu_r", vmin=-0.12, vmax=0.12, origin="lower",
                           extent=ext, aspect="auto")  # fmt: skip
    fig.colorbar(im, ax=axes[0, 0])
    axes[0, 0].set(xlabel="mu", ylabel="omega", title="MC truth - L~ (median seeds)")
    cs = axes[0, 1].contour(mus, oms, approx, levels=15)
    axes[0, 1].clabel(cs, fontsize=6)
    axes[0, 1].set(xlabel="mu", ylabel="omega", title="theory L~(omega, mu)")
    fig.suptitle(f"F6: +-(omega, mu) pair, d={cfg.task.dim}, L={cfg.task.context_len}")
    return fig


def _two_head(res, cfg: Config):
    t, om, mu, loss = (res[f"const_flow2/{k}"] for k in ("t", "omega", "mu", "loss"))
    fig, axes = plotting.figure(2, 1, width=4.8)
    a = axes[0, 0]
    a.plot(t, mu[:, 0] / om[:, 0], label="mu/omega (head 1)")
    a.set(xscale="log", yscale="log", xlabel="t", title="F7: ratio and loss")
    a2 = a.twinx()
    a2.plot(t, loss, "C1", label="L~")
    a2.set_ylabel("L~")
    for tb in res["const_flow2/stage_ends"]:
        a.axvline(tb, color="gray", lw=0.8, ls=":")
    a.legend(loc="upper left", fontsize=7)
    a2.legend(loc="center left", fontsize=7)
    b = axes[0, 1]
    b.plot(t, (om * mu).sum(-1), label="eta = sum omega mu")
    b.plot(t, mu[:, 0], label="mu (head 1)")
    plotting.theory_line(b, res["const_flow2/mu_star_t"], res["const_flow2/mu_star_head1"],
                         label="mu*(omega) theory")  # fmt: skip
    plotting.theory_line(b, t, np.full_like(t, res["const_flow2/eta_limit"]), label="eta limit",
                         color="gray")  # fmt: skip
    b.set(xscale="log", yscale="log", xlabel="t", title="F7: eta and mu vs mu*(omega)")
    b.legend(fontsize=7)
    scale = cfg.optim.grad_scale
    loss_name = "L~/2, the authors' convention" if scale == 0.5 else f"{scale:g} L~"
    fig.suptitle(f"F7: reduced gradient flow of {loss_name}, 2 heads (stage lines: [ours])")
    return fig


def _four_head(res, cfg: Config):
    t4, om4, mu4 = res["const_flow4/t"], res["flow4/omega"][0], res["flow4/mu"][0]
    fig, axes = plotting.figure(2, 1, width=4.6)
    for h in range(om4.shape[-1]):
        axes[0, 0].plot(t4, om4[:, h], label=f"head {h}")
        axes[0, 1].plot(t4, mu4[:, h], label=f"head {h}")
    axes[0, 1].plot(t4, np.sum(mu4 * (om4 > 0), -1), "k--", label="sum mu, omega>0")
    axes[0, 1].plot(t4, -np.sum(mu4 * (om4 < 0), -1), "k:", label="-sum mu, omega<0")
    for a, n in zip(axes[0], ("omega_h", "mu_h"), strict=True):
        a.set(xscale="log", xlabel="t", title=n)
        a.legend(fontsize=6)
    fig.suptitle(f"F7: 4 heads, s2={cfg.optim.four_head_noise_var}, seed 0")
    return fig


def _norms(res, cfg: Config):
    coefs = cfg.task.norm_coefs
    fig, axes = plotting.figure(len(coefs), 2, width=4.2)
    for r, series in enumerate(("fixed_d", "proportional")):
        for ci, c in enumerate(coefs):
            a = axes[r, ci]
            for j, (L_, d_) in enumerate(getattr(cfg.task, f"norm_{series}")):
                name = f"{series}/c{c}/L{L_}_d{d_}"
                x = res[f"norms/{name}"][0]
                a.hist(x, bins=60, density=True, alpha=0.4, color=f"C{j}", label=f"L={L_}, d={d_}")
                plotting.theory_line(a, res[f"const_norm_grid/{name}"],
                                     res[f"const_norm_density/{name}"], label=None,
                                     color=f"C{j}")  # fmt: skip
            a.set(xscale="log", xlabel="||softmax(omega s)||_2", title=f"{series}, c={c}")
            a.legend(fontsize=6)
    fig.suptitle("F8: softmax norms (omega = c/sqrt(d) [ours]); dashed: large-L law")
    return fig


def plot(results, cfg: Config) -> dict:
    res = {k: np.asarray(v) for k, v in results.items()}
    return {
        "f6_landscape": _landscape(res, cfg),
        "f7_flow_two_head": _two_head(res, cfg),
        "f7_flow_four_head": _four_head(res, cfg),
        "f8_softmax_norms": _norms(res, cfg),
    }
