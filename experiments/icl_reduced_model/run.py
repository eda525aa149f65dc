"""The reduced model of in-context regression (He et al. 2025), the run: F6, F7, F8 and C7.

No training: the approximate loss L~ against Monte Carlo on an (omega, mu) grid, the reduced
gradient flow (one lax.scan per flow, the 4-head flow vmapped over seeds) and the softmax-norm
statistics. Every theory value the claims and figures use (L~ on the grid, stage times, mu*,
the F8 law) is computed here and saved, so claims.py and plots.py read results only.
Arrays named `const_*` do not vary by seed; every other array has a leading [seed] axis.
Reconstructions [ours] are listed in configs/icl_reduced_model.py.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from attn_theory import train, validation
from attn_theory.theory import icl as theory
from attn_theory.theory import icl_reduced as reduced
from configs.icl_reduced_model import Config

NORM_SERIES = ("fixed_d", "proportional")
FIXED_ETA_OMEGAS = np.linspace(0.4, 0.01, 40)  # C7: omega falls 0.4 -> 0.01 at fixed eta
DENSITY_POINTS = 300  # F8: points of each large-L density curve


def validate(cfg: Config) -> None:
    """Cross-field rules (per-field bounds are declared in configs/icl_reduced_model.py)."""
    t, o = cfg.task, cfg.optim
    for f in ("norm_fixed_d", "norm_proportional"):
        ok = all(len(p) == 2 and min(p) >= 1 for p in getattr(t, f))
        validation.check(ok, f"task.{f}", "must be a list of (L, d) pairs, each >= 1")
        for c in t.norm_coefs:
            ok = all(2 * c**2 / p[1] < 1 for p in getattr(t, f))
            validation.check(ok, "task.norm_coefs", "need 2 c^2 / d < 1 for the F8 closed form")
    validation.int_range("optim.num_steps", o.num_steps, o.fine_steps + o.record_every)
    validation.int_range("optim.four_head_record_every", o.four_head_record_every, 1, o.num_steps)


def norm_key(series: str, c: float, L: int, d: int) -> str:
    """Name of one F8 setting in the results."""
    return f"{series}/c{c}/L{L}_d{d}"


def eta_limit(d: int, L: int, s2: float) -> float:
    """eta = 2 omega mu minimising L~ of the pair as omega -> 0: 1/(1 + d(1+s2)/L)."""
    return 1 / (1 + d * (1 + s2) / L)


def _flow(cfg: Config, om0, mu0, s2: float, num_records: int, record_every: int):
    t, o = cfg.task, cfg.optim
    return reduced.gradient_flow(
        om0,
        mu0,
        d=t.dim,
        L=t.context_len,
        s2=s2,
        dt=o.dt * o.grad_scale,  # Euler on -grad_scale * grad L~ with time step dt
        num_records=num_records,
        record_every=record_every,
    )


def flow_two_head(cfg: Config) -> dict[str, np.ndarray]:
    """The F7 flow from (+init, -init): fine records, then coarse ones (t [n], omega/mu [n, 2])."""
    o, s2 = cfg.optim, cfg.task.noise_var
    x0 = jnp.asarray([o.init, -o.init], jnp.float32)
    fine = jax.jit(lambda a, b: _flow(cfg, a, b, s2, o.fine_steps, 1))(x0, x0)
    n_coarse = (o.num_steps - o.fine_steps) // o.record_every
    last = (fine["omega"][-1], fine["mu"][-1])
    coarse = jax.jit(lambda a, b: _flow(cfg, a, b, s2, n_coarse, o.record_every))(*last)
    steps = np.concatenate(
        [np.arange(1, o.fine_steps + 1), o.fine_steps + o.record_every * np.arange(1, n_coarse + 1)]
    )
    out = {k: np.concatenate([np.asarray(fine[k]), np.asarray(coarse[k])]) for k in fine}
    return {"t": steps * o.dt, **out}


def _closed_form(cfg: Config) -> dict[str, np.ndarray]:
    """C7's closed-form values of L~ (no seed axis)."""
    d, L, s2, m = cfg.task.dim, cfg.task.context_len, cfg.task.noise_var, cfg.model
    om1, mu1, _ = theory.single_head_optimum(d, L, s2)
    along = [theory.approx_loss([w, -w], [m.eta_fixed / (2 * w)] * np.array([1, -1]), d, L, s2)
             for w in FIXED_ETA_OMEGAS]  # fmt: skip
    at_ref = theory.approx_loss([m.omega_ref, -m.omega_ref], [m.mu_ref, -m.mu_ref], d, L, s2)
    return {
        "const_c7/single_head_loss": np.asarray(theory.approx_loss([om1], [mu1], d, L, s2)),
        "const_c7/fixed_eta_omega": FIXED_ETA_OMEGAS,
        "const_c7/fixed_eta_loss": np.asarray(along),
        "const_c7/approx_at_ref": np.asarray(at_ref),
    }


def _two_head_theory(cfg: Config, flow: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Stage ends, mu*(omega) along the flow and the eta limit of the 2-head flow."""
    d, L, s2 = cfg.task.dim, cfg.task.context_len, cfg.task.noise_var
    t, om = flow["t"], flow["omega"]
    every = max(len(t) // 300, 1)  # mu*(omega) for the figure, ~300 points
    return {
        "const_flow2/stage_ends": np.asarray(
            reduced.stage_boundaries(t, flow["loss"], om[:, 0], s2)
        ),
        "const_flow2/mu_star_end": theory.mu_star(om[-1], d, L, s2),
        "const_flow2/mu_star_t": t[::every],
        "const_flow2/mu_star_head1": np.array(
            [theory.mu_star(o, d, L, s2)[0] for o in om[::every]]
        ),
        "const_flow2/eta_limit": np.asarray(eta_limit(d, L, s2)),
    }


def _norms(cfg: Config, key) -> dict[str, np.ndarray]:
    """F8: softmax norms [seed, draws] per setting, the paper's mean and the large-L density."""
    t, out = cfg.task, {}
    for series in NORM_SERIES:
        for ci, c in enumerate(t.norm_coefs):
            for L_, d_ in getattr(t, f"norm_{series}"):
                kk = jax.random.fold_in(jax.random.fold_in(key, ci), 1000 * L_ + d_)
                norms = jax.jit(
                    jax.vmap(
                        lambda k, L_=L_, d_=d_, c=c: reduced.softmax_norms(
                            k, t.norm_draws, L_, d_, c / np.sqrt(d_)
                        )
                    )
                )(train.seed_keys(kk, cfg.num_seeds))
                name = norm_key(series, c, L_, d_)
                norms = np.asarray(norms)
                grid = np.linspace(norms.min(), norms.max(), DENSITY_POINTS)
                paper, _ = reduced.softmax_norm_mean_sq(L_, d_, c / np.sqrt(d_))
                out[f"norms/{name}"] = norms
                out[f"const_norm_paper_mean_sq/{name}"] = np.asarray(paper)
                out[f"const_norm_grid/{name}"] = grid
                out[f"const_norm_density/{name}"] = reduced.softmax_norm_density(
                    grid, L_, d_, c / np.sqrt(d_)
                )
    return out


def run(cfg: Config, key: jax.Array, hooks: train.Hooks | None = None) -> dict[str, np.ndarray]:
    """Landscape MC, flows and softmax norms, with every theory value the claims need."""
    del hooks  # nothing is trained
    t, o, S = cfg.task, cfg.optim, cfg.num_seeds
    d, L, s2 = t.dim, t.context_len, t.noise_var
    k_land, k_check, k_flow, k_norm = jax.random.split(key, 4)
    out: dict[str, np.ndarray] = {}

    # F6: true loss of the pair on the grid, from per-omega moments (one MC sample per seed).
    omegas = np.linspace(0.0, t.omega_max, t.num_omega)
    mus = np.linspace(0.0, t.mu_max, t.num_mu)
    mom = jax.jit(
        jax.vmap(
            lambda k: reduced.pair_loss_moments(
                k, jnp.asarray(omegas, jnp.float32), d=d, L=L, s2=s2, n=t.mc_prompts
            )
        )
    )(train.seed_keys(k_land, S))
    w2, wy, yy = (np.asarray(m, np.float64) for m in mom)
    m_ = mus[None, None, :]
    out["landscape/true"] = m_**2 * w2[..., None] - 2 * m_ * wy[..., None] + yy[:, None, None]
    out["const_landscape/approx"] = np.array(
        [[theory.approx_loss([om, -om], [m, -m], d, L, s2) for m in mus] for om in omegas]
    )
    out["const_landscape/omega"], out["const_landscape/mu"] = omegas, mus

    # C7: MC of the reference pair, and the closed-form values.
    ref = jnp.asarray([cfg.model.omega_ref])
    w2, wy, yy = jax.jit(
        jax.vmap(lambda k: reduced.pair_loss_moments(k, ref, d=d, L=L, s2=s2, n=t.check_prompts))
    )(train.seed_keys(k_check, S))
    m = cfg.model.mu_ref
    out["check/mc_ref"] = np.asarray(m**2 * w2[:, 0] - 2 * m * wy[:, 0] + yy, np.float64)
    out.update(_closed_form(cfg))

    # F7: the deterministic 2-head flow (no seed axis) and the 4-head flow per seed.
    flow = flow_two_head(cfg)
    out.update({f"const_flow2/{k}": v for k, v in flow.items()})
    out.update(_two_head_theory(cfg, flow))
    k_om, k_mu = jax.random.split(k_flow)
    init = lambda k: o.four_head_init_std * jax.random.normal(k, (4,))  # noqa: E731
    om0 = jax.vmap(init)(train.seed_keys(k_om, S))
    mu0 = jax.vmap(init)(train.seed_keys(k_mu, S))
    n4 = o.num_steps // o.four_head_record_every
    f4 = jax.jit(
        jax.vmap(lambda a, b: _flow(cfg, a, b, o.four_head_noise_var, n4, o.four_head_record_every))
    )(om0, mu0)
    for k, v in f4.items():
        out[f"flow4/{k}"] = np.asarray(v)
    out["const_flow4/t"] = o.dt * o.four_head_record_every * np.arange(1, n4 + 1)

    # F8: softmax norms per (series, c, (L, d)).
    out.update(_norms(cfg, k_norm))
    return out
