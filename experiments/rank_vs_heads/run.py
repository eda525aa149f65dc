"""Rank versus heads (Amsel, Yehudai and Bruna, 2024), the run: nearest-neighbour retrieval
with H heads of rank r at a fixed QK budget H * r, the Fact-1 construction and random rank-1
heads. Every array the claims and figures need is computed here and saved.

For each (depth, budget) every (rank, N) point and every seed is one run of ONE compiled,
vmapped `train.fit` (rank and N are traced per-run values; see attn_theory/models/rank.py).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

from attn_theory import train, validation
from attn_theory.models import rank as rank_model
from attn_theory.tasks import nearest_neighbor as nn_task
from attn_theory.theory import rank as theory
from configs.rank_vs_heads import Config, Optim


def validate(cfg: Config) -> None:
    """Cross-field rules (per-field bounds are declared in configs/rank_vs_heads.py)."""
    t, m = cfg.task, cfg.model
    for r in m.ranks:
        validation.check(r <= t.dim and t.dim % r == 0, "model.ranks",
                         f"rank {r} must divide task.dim={t.dim}")  # fmt: skip
    validation.check(set(m.sweep_ranks) <= set(m.ranks), "model.sweep_ranks",
                     f"must be a subset of model.ranks {m.ranks}, got {m.sweep_ranks}")  # fmt: skip
    bare_ok = m.block == "encoder" or m.depths == (1,)
    msg = f"block 'bare' is a single layer; depths must be (1,), got {m.depths}"
    validation.check(bare_ok, "model.depths", msg)
    validation.check(t.eval_chunk >= t.eval_samples or t.eval_samples % t.eval_chunk == 0,
                     "task.eval_chunk", f"must divide eval_samples {t.eval_samples} (or exceed "
                     f"it), got {t.eval_chunk}")  # fmt: skip


def planned_fits(cfg: Config) -> list[tuple[str, int]]:
    """The train.fit calls of run(), in order: one per (depth, budget) group."""
    m = cfg.model
    return [(f"L{d}_c{b}", cfg.optim.num_steps) for d in m.depths for b in m.budgets]


def _context_lengths(cfg: Config) -> list[int]:
    return sorted({cfg.task.num_keys, *cfg.task.num_keys_sweep})


def _schedule(o: Optim):
    warmup = int(o.warmup_frac * o.num_steps)
    base = optax.warmup_cosine_decay_schedule(0.0, o.lr, warmup, max(o.num_steps, warmup + 1))
    return lambda step: base((step // o.schedule_every) * o.schedule_every)


def chunked_loss(fn, batch: dict, chunk: int):
    """fn(batch) -> mean loss, evaluated `chunk` samples at a time (lax.map) so a paper-size
    test batch is never in memory at once; every sample has the same valid keys, so the mean
    of the chunk means is the batch mean."""
    b = batch["keys_bnd"].shape[0]
    if chunk >= b:
        return fn(batch)
    parts = {k: v.reshape(b // chunk, chunk, *v.shape[1:]) for k, v in batch.items()
             if k != "valid_n"}  # fmt: skip
    return jax.lax.map(lambda part: fn({**part, "valid_n": batch["valid_n"]}), parts).mean()


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
        return {"test_mse": chunked_loss(lambda b: loss(params, b, hp)[0], batch, t.eval_chunk)}

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
    w = train.call(
        jax.vmap(lambda p, r: rank_model.qk_matrices(p["layers"][0], r, spec)[0]),
        params, jnp.asarray(hp["rank"]), hooks=hooks, name=f"{name}_qk",
    )  # fmt: skip
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

    fact1, hard = train.call(
        lambda k: theory.fact1_curve(k, th.betas, t.dim, t.num_keys, th.fact1_samples),
        train.seed_keys(fact_key, cfg.num_seeds), hooks=hooks, name="fact1_curve",
    )  # fmt: skip
    if train.compiling_only(hooks):
        # Host float64 solves (H up to 4096 heads), not one program: a compile-only probe
        # leaves them out (minutes at the paper's sizes on a CPU).
        rf = np.full((cfg.num_seeds, len(th.rf_dims), len(th.rf_heads)), np.nan)
    else:
        rf = theory.random_rank1_curve(
            rf_key, cfg.num_seeds, th.rf_dims, th.rf_heads, th.rf_table_samples
        )
    baseline = jax.vmap(
        lambda n, k: nn_task.mean_keys_mse(k, n, max(ns), t.dim, t.eval_samples, t.kind),
        in_axes=(0, None),
    )
    mean_keys = train.call(jax.vmap(lambda k: baseline(jnp.asarray(ns, jnp.float32), k)),
                           train.seed_keys(base_key, cfg.num_seeds), hooks=hooks,
                           name="mean_keys_baseline")  # fmt: skip
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
        "const_context_lengths": np.asarray(ns),
    }
