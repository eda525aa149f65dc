"""Rank versus heads (Amsel, Yehudai and Bruna, 2024): nearest-neighbour retrieval with H heads
of rank r at a fixed QK budget H * r, the Fact-1 construction and random rank-1 heads.

For each (depth, budget) every (rank, N) point and every seed is one run of ONE compiled,
vmapped `train.fit` (rank and N are traced per-run values; see attn_theory/models/rank.py).
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import optax

from attn_theory import plotting, train
from attn_theory.models import rank as rank_model
from attn_theory.plotting import seed_band
from attn_theory.tasks import nearest_neighbor as nn_task
from attn_theory.theory import rank as theory
from experiments import launch
from experiments import rank_vs_heads_claims as claims_lib

NAME = "rank_vs_heads"


@dataclasses.dataclass(frozen=True)
class Task:
    kind: str = "nearest"
    dim: int = 16
    num_keys: int = 8
    num_keys_sweep: tuple[int, ...] = (4,)
    batch_size: int = 256
    eval_samples: int = 8192


@dataclasses.dataclass(frozen=True)
class Model:
    ranks: tuple[int, ...] = (16, 8, 4, 2, 1)
    budgets: tuple[int, ...] = (1,)
    depths: tuple[int, ...] = (1,)
    block: str = "bare"
    value: str = "full"
    ffn_dim: int = 0
    sweep_ranks: tuple[int, ...] = (16, 1)


@dataclasses.dataclass(frozen=True)
class Optim:
    lr: float = 0.03
    b1: float = 0.9
    b2: float = 0.95
    eps: float = 1e-8
    weight_decay: float = 0.0
    warmup_frac: float = 0.05
    schedule_every: int = 1
    num_steps: int = 2000
    log_every: int = 500


@dataclasses.dataclass(frozen=True)
class Theory:
    betas: tuple[float, ...] = (1.0, 10.0, 100.0, 1000.0)
    fact1_samples: int = 8192
    rf_dims: tuple[int, ...] = (8, 16, 32)
    rf_heads: tuple[int, ...] = (1, 16, 256, 2048)
    rf_table_samples: int = 100_000


@dataclasses.dataclass(frozen=True)
class Config:
    task: Task = Task()
    model: Model = Model()
    optim: Optim = Optim()
    theory: Theory = Theory()
    seed: int = 0
    num_seeds: int = 2


validate = claims_lib.validate


def _context_lengths(cfg: Config) -> list[int]:
    return sorted({cfg.task.num_keys, *cfg.task.num_keys_sweep})


def _schedule(o: Optim):
    warmup = int(o.warmup_frac * o.num_steps)
    base = optax.warmup_cosine_decay_schedule(0.0, o.lr, warmup, max(o.num_steps, warmup + 1))
    return lambda step: base((step // o.schedule_every) * o.schedule_every)


def _fit_points(cfg: Config, root, spec, points, name, hooks):
    """Trains every (rank, N) point x seed in one vmapped fit; returns final test MSE etc."""
    t, o = cfg.task, cfg.optim
    s, n_max = cfg.num_seeds, max(p[1] for p in points)
    train_root, eval_root = jax.random.split(root)
    keys = jnp.tile(train.seed_keys(train_root, s), len(points))
    hp = {
        "rank": np.repeat([p[0] for p in points], s).astype(np.float32),
        "n": np.repeat([p[1] for p in points], s).astype(np.float32),
        "seed": np.tile(np.arange(s), len(points)).astype(np.float32),
    }
    separate = t.kind == "nearest"

    def loss(params, batch, hp):
        return rank_model.retrieval_loss(params, batch, hp["rank"], spec, separate), {}

    def sample(key, hp):
        return nn_task.sample(key, t.batch_size, n_max, t.dim, n=hp["n"], kind=t.kind)

    def log_fn(params, hp):
        key = jax.random.fold_in(eval_root, hp["seed"].astype(jnp.int32))
        batch = nn_task.sample(key, t.eval_samples, n_max, t.dim, n=hp["n"], kind=t.kind)
        return {"test_mse": loss(params, batch, hp)[0]}

    sched = _schedule(o)
    params, hist = train.fit(
        keys,
        init_fn=lambda k, hp: rank_model.init(k, spec, hp["rank"]),
        loss_fn=loss,
        sample_fn=sample,
        num_steps=o.num_steps,
        log_every=o.log_every,
        hparams=hp,
        optimizer_fn=lambda hp: optax.adamw(sched, o.b1, o.b2, o.eps, weight_decay=o.weight_decay),
        log_fn=log_fn,
        name=name,
        hooks=hooks,
    )
    shape = (s, len(points))
    w = jax.vmap(lambda p, r: rank_model.qk_matrices(p["layers"][0], r, spec)[0])(
        params, jnp.asarray(hp["rank"])
    )
    return {
        "test_mse": train.unflatten_runs(hist["test_mse"][:, -1], shape),
        "train_min": train.unflatten_runs(hist["loss"].min(-1), shape),
        "w0": train.unflatten_runs(np.asarray(w), shape),
    }


def run(cfg: Config, key, hooks=None) -> dict[str, np.ndarray]:
    t, m, th = cfg.task, cfg.model, cfg.theory
    train_key, fact_key, rf_key, base_key = jax.random.split(key, 4)
    ns = _context_lengths(cfg)
    mse = np.full((cfg.num_seeds, len(m.depths), len(m.budgets), len(m.ranks)), np.nan)
    best = np.full_like(mse, np.nan)
    for i, depth in enumerate(m.depths):
        for j, budget in enumerate(m.budgets):
            first = i == 0 and j == 0
            points = [(r, t.num_keys) for r in m.ranks]
            if first:
                points += [(r, n) for r in m.sweep_ranks for n in ns if n != t.num_keys]
            rows = budget * t.dim
            spec = rank_model.ModelSpec(
                t.dim, rows, rows // min(m.ranks), depth, m.block, m.value, m.ffn_dim
            )
            out = _fit_points(cfg, train_key, spec, points, f"L{depth}_c{budget}", hooks)
            mse[:, i, j] = out["test_mse"][:, : len(m.ranks)]
            best[:, i, j] = out["train_min"][:, : len(m.ranks)]
            if first:
                mse_n = np.stack(
                    [
                        np.stack([out["test_mse"][:, points.index((r, n))] for n in ns], -1)
                        for r in m.sweep_ranks
                    ],
                    1,
                )
                w = out["w0"][:, m.ranks.index(max(m.ranks))]  # [S, d, d], the largest rank
    eye = np.eye(t.dim)
    cos = np.einsum("sde,de->s", w, eye) / (np.linalg.norm(w, axis=(1, 2)) * np.sqrt(t.dim))

    fact1, hard = theory.fact1_curve(
        train.seed_keys(fact_key, cfg.num_seeds), th.betas, t.dim, t.num_keys, th.fact1_samples
    )
    rf = theory.random_rank1_curve(
        rf_key, cfg.num_seeds, th.rf_dims, th.rf_heads, th.rf_table_samples
    )
    baseline = jax.vmap(
        lambda n, k: nn_task.mean_keys_mse(k, n, max(ns), t.dim, t.eval_samples, t.kind),
        in_axes=(0, None),
    )
    mean_keys = jax.jit(jax.vmap(lambda k: baseline(jnp.asarray(ns, jnp.float32), k)))(
        train.seed_keys(base_key, cfg.num_seeds)
    )
    per_point = {  # [seed] arrays, so summary.json lists their mean, std and stderr
        f"test_mse_L{depth}_c{budget}_r{r}": mse[:, i, j, k]
        for i, depth in enumerate(m.depths)
        for j, budget in enumerate(m.budgets)
        for k, r in enumerate(m.ranks)
    }
    return {
        **per_point,
        "test_mse": mse,
        "train_loss_min": best,
        "mse_vs_n": mse_n,
        "mean_keys_mse": np.asarray(mean_keys),
        "qk_cos_identity": cos,
        "qk_angle_deg": np.degrees(np.arccos(np.clip(cos, -1, 1))),
        "qk_norm_per_sqrt_d": np.linalg.norm(w, axis=(1, 2)) / np.sqrt(t.dim),
        "fact1_softmax_mse": np.asarray(fact1),
        "fact1_hardmax_mse": np.asarray(hard),
        "rf_rank1_mse": rf,
    }


claims = claims_lib.claims


def _panel(ax, x, curves, theory_y, theory_label, **labels):
    """Seed bands for {label: [seed, len(x)]}, the theory line and axis labels."""
    for label, y in curves.items():
        seed_band(ax, x, y, label=label)
    plotting.theory_line(ax, x, theory_y, label=theory_label)
    ax.set(**labels)
    ax.legend(fontsize=7)


def plot(results, cfg: Config) -> dict:
    t, m, th = cfg.task, cfg.model, cfg.theory
    res = {k: np.asarray(v) for k, v in results.items()}
    ns, figs = _context_lengths(cfg), {}
    fig, axes = plotting.figure(len(m.depths))
    for i, depth in enumerate(m.depths):
        ax = axes[0, i]
        ax.axhline(1.0, color="grey", ls=":", label="predict 0")
        ax.axhline(res["mean_keys_mse"][:, ns.index(t.num_keys)].mean(), color="grey", ls="-.",
                   label="mean of keys")  # fmt: skip
        curves = {f"QK params {b} d^2": res["test_mse"][:, i, j] for j, b in enumerate(m.budgets)}
        for j, b in enumerate(m.budgets):  # the authors' report: min over logs, then over seeds
            ax.plot(m.ranks, res["train_loss_min"][:, i, j].min(0), ":", color=f"C{j}",
                    label=f"best seed, min over training ({b} d^2)")  # fmt: skip
        _panel(ax, m.ranks, curves, 0 * np.asarray(m.ranks), "Fact 1: full rank can reach 0",
               xscale="log", xticks=m.ranks, xticklabels=m.ranks, ylabel="test MSE",
               xlabel="head rank r (heads H = budget / r)",
               title=f"L={depth}, d={t.dim}, N={t.num_keys} ({t.kind})")  # fmt: skip
    figs["mse_vs_rank"] = fig

    fig, axes = plotting.figure()
    curves = {f"rank {r} x {t.dim // r} heads": res["mse_vs_n"][:, i]
              for i, r in enumerate(m.sweep_ranks)}  # fmt: skip
    curves["mean of keys (baseline)"] = res["mean_keys_mse"]
    _panel(axes[0, 0], ns, curves, 0 * np.asarray(ns), "Fact 1 (hardmax): 0",
           xlabel="context length N", ylabel="test MSE", title="MSE vs N")  # fmt: skip
    figs["mse_vs_n"] = fig

    fig, axes = plotting.figure()
    soft = res["fact1_softmax_mse"]
    guide = soft[:, -1].mean() * th.betas[-1] / np.asarray(th.betas)
    _panel(axes[0, 0], th.betas, {"softmax, QK^T = beta I (Monte Carlo)": soft}, guide,
           "1/beta guide (anchored at the largest beta)", xscale="log", yscale="log",
           xlabel="beta", ylabel="MSE",
           title=f"Fact 1, d={t.dim}, N={t.num_keys} (hardmax MSE = "
           f"{res['fact1_hardmax_mse'].max():g})")  # fmt: skip
    figs["fact1"] = fig

    fig, axes = plotting.figure()
    curves = {f"d={d}": res["rf_rank1_mse"][:, i] for i, d in enumerate(th.rf_dims)}
    _panel(axes[0, 0], th.rf_heads, curves, 0 * np.asarray(th.rf_heads),
           "one full-rank head: 0", xscale="log", xlabel="random rank-1 heads H",
           ylabel="MSE (N=2 orthonormal points)",
           title="Random rank-1 hardmax heads, optimal a")  # fmt: skip
    figs["random_features"] = fig

    fig, axes = plotting.figure(2)
    seeds = np.arange(res["qk_angle_deg"].shape[0])
    target = 0.0 if t.kind == "nearest" else 180.0  # Fact 1: W = +lambda I / -lambda I
    axes[0, 0].plot(seeds, res["qk_angle_deg"], "o", label="learned W = Q^T K / sqrt(r)")
    axes[0, 0].axhline(target, **plotting.THEORY_STYLE, label="Fact 1: W = +-lambda I")
    axes[0, 0].set(xlabel="seed", ylabel="angle(W, I) [deg]", xticks=seeds,
                   title=f"rank {max(m.ranks)}, {t.kind}")  # fmt: skip
    axes[0, 0].legend(fontsize=7)
    axes[0, 1].plot(seeds, res["qk_norm_per_sqrt_d"], "o")
    axes[0, 1].set(xlabel="seed", ylabel="||W||_F / sqrt(d)", xticks=seeds, ylim=(0, None),
                   title="learned lambda (large = near hardmax)")  # fmt: skip
    figs["qk_alignment"] = fig
    return figs


if __name__ == "__main__":
    launch.cli(__name__)
