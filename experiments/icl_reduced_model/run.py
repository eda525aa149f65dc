"""The reduced model of in-context regression (He et al. 2025): F6, F7, F8 and claim C7.

No training: the approximate loss L~ against Monte Carlo on an (omega, mu) grid, the reduced
gradient flow (one lax.scan per flow, the 4-head flow vmapped over seeds) and the softmax-norm
statistics. Marked [ours]: see configs/icl_reduced_model.py.

    python -m experiments.icl_reduced_model \
        --config=configs/icl_reduced_model.py:quick --workdir=/tmp/icl_reduced_model
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from attn_theory import train, validation
from attn_theory.theory import icl as theory
from attn_theory.theory import icl_reduced as reduced
from experiments import icl_reduced_model_report as report
from experiments import launch

NAME = "icl_reduced_model"


@dataclasses.dataclass(frozen=True)
class TaskConfig:
    dim: int = 5
    context_len: int = 40
    noise_var: float = 0.1
    omega_max: float = 0.2
    num_omega: int = 20
    mu_max: float = 6.0
    num_mu: int = 20
    mc_prompts: int = 10000
    check_prompts: int = 40000
    norm_draws: int = 10000
    norm_coefs: tuple[float, ...] = (0.5, 0.35)
    norm_fixed_d: tuple[tuple[int, int], ...] = ((40, 5), (100, 5), (500, 5))
    norm_proportional: tuple[tuple[int, int], ...] = ((40, 5), (200, 25), (800, 100))


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    omega_ref: float = 0.13
    mu_ref: float = 3.45
    eta_fixed: float = 0.897


@dataclasses.dataclass(frozen=True)
class OptimConfig:
    dt: float = 0.01
    num_steps: int = 1_000_000
    grad_scale: float = 0.5
    init: float = 1e-3
    fine_steps: int = 2000
    record_every: int = 1000
    four_head_noise_var: float = 0.01
    four_head_init_std: float = 0.1
    four_head_record_every: int = 10000


@dataclasses.dataclass(frozen=True)
class Config:
    task: TaskConfig = TaskConfig()
    model: ModelConfig = ModelConfig()
    optim: OptimConfig = OptimConfig()
    seed: int = 0
    num_seeds: int = 2


def validate(cfg: Config) -> None:
    t, o = cfg.task, cfg.optim
    validation.int_range("task.dim", t.dim, 1)
    validation.int_range("task.context_len", t.context_len, 1)
    validation.check(t.noise_var >= 0, "task.noise_var", f"must be >= 0, got {t.noise_var!r}")
    validation.positive("task.omega_max", t.omega_max)
    validation.positive("task.mu_max", t.mu_max)
    for f in ("num_omega", "num_mu", "mc_prompts", "check_prompts", "norm_draws"):
        validation.int_range(f"task.{f}", getattr(t, f), 2)
    for c in t.norm_coefs:
        validation.positive("task.norm_coefs", c)
    for f in ("norm_fixed_d", "norm_proportional"):
        pairs = getattr(t, f)
        ok = len(pairs) > 0 and all(len(p) == 2 and min(p) >= 1 for p in pairs)
        validation.check(ok, f"task.{f}", "must be a non-empty list of (L, d) pairs >= 1")
        for c in t.norm_coefs:
            ok = all(2 * c**2 / p[1] < 1 for p in pairs)
            validation.check(ok, "task.norm_coefs", "need 2 c^2 / d < 1 for the F8 closed form")
    validation.positive("model.omega_ref", cfg.model.omega_ref)
    validation.positive("model.mu_ref", cfg.model.mu_ref)
    validation.positive("model.eta_fixed", cfg.model.eta_fixed)
    validation.positive("optim.dt", o.dt)
    validation.positive("optim.grad_scale", o.grad_scale)
    validation.positive("optim.init", o.init)
    validation.check(o.four_head_noise_var >= 0, "optim.four_head_noise_var", "must be >= 0")
    validation.positive("optim.four_head_init_std", o.four_head_init_std)
    validation.int_range("optim.fine_steps", o.fine_steps, 1)
    validation.int_range("optim.record_every", o.record_every, 1)
    validation.int_range("optim.num_steps", o.num_steps, o.fine_steps + o.record_every)
    validation.int_range("optim.four_head_record_every", o.four_head_record_every, 1, o.num_steps)
    validation.int_range("num_seeds", cfg.num_seeds, 1)


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


def run(cfg: Config, key: jax.Array, hooks: train.Hooks | None = None) -> dict[str, np.ndarray]:
    """Landscape MC, flows and softmax norms; every array has a leading [seed] axis."""
    del hooks  # nothing is trained
    t, o, S = cfg.task, cfg.optim, cfg.num_seeds
    d, L, s2 = t.dim, t.context_len, t.noise_var
    k_land, k_check, k_flow, k_norm = jax.random.split(key, 4)
    tile = lambda a: np.broadcast_to(np.asarray(a), (S, *np.shape(a))).copy()  # noqa: E731
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
    approx = np.array(
        [[theory.approx_loss([om, -om], [m, -m], d, L, s2) for m in mus] for om in omegas]
    )
    out["landscape/approx"] = tile(approx)
    out["landscape/omega"], out["landscape/mu"] = tile(omegas), tile(mus)

    # C7: MC of the reference pair.
    ref = jnp.asarray([cfg.model.omega_ref])
    w2, wy, yy = jax.jit(
        jax.vmap(lambda k: reduced.pair_loss_moments(k, ref, d=d, L=L, s2=s2, n=t.check_prompts))
    )(train.seed_keys(k_check, S))
    m = cfg.model.mu_ref
    out["check/mc_ref"] = np.asarray(m**2 * w2[:, 0] - 2 * m * wy[:, 0] + yy, np.float64)

    # F7: the deterministic 2-head flow (tiled over seeds) and the 4-head flow per seed.
    for k, v in flow_two_head(cfg).items():
        out[f"flow2/{k}"] = tile(v)
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
    out["flow4/t"] = tile(o.dt * o.four_head_record_every * np.arange(1, n4 + 1))

    # F8: softmax norms per (series, c, (L, d)).
    for series in ("fixed_d", "proportional"):
        for ci, c in enumerate(t.norm_coefs):
            for L_, d_ in getattr(t, f"norm_{series}"):
                kk = jax.random.fold_in(jax.random.fold_in(k_norm, ci), 1000 * L_ + d_)
                norms = jax.jit(
                    jax.vmap(
                        lambda k, L_=L_, d_=d_, c=c: reduced.softmax_norms(
                            k, t.norm_draws, L_, d_, c / np.sqrt(d_)
                        )
                    )
                )(train.seed_keys(kk, S))
                out[f"norms/{series}/c{c}/L{L_}_d{d_}"] = np.asarray(norms)
    return out


claims = report.claims
plot = report.plot

if __name__ == "__main__":
    launch.cli(__name__)
