"""Multi-task in-context regression: loss ordering over H (C8) and head structure (F9).

One model per H through the shared ICL loop (icl_common.train_icl), seeds vmapped. Per head h
and task t: mu_ht = OV_h[y_t -> out_t]; the task selectivity max_t|mu_ht| / sum_t|mu_ht|
(1: the head serves one task, 0.5: superposed); Gamma_t = sum_h mu_ht B_h against the
optimal masked preconditioner (theory/icl_preconditioned.py).

    python -m experiments.icl_multitask \
        --config=configs/icl_multitask.py:quick --workdir=/tmp/icl_multitask
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from attn_theory import attention, train, validation
from attn_theory.models import icl
from attn_theory.theory import icl_preconditioned as precond
from experiments import icl_common, launch
from experiments import icl_multitask_report as report

NAME = "icl_multitask"


@dataclasses.dataclass(frozen=True)
class TaskConfig:
    dim: int = 6
    context_len: int = 48
    task_coords: tuple[tuple[int, ...], ...] = ((0, 1, 2, 3), (2, 3, 4, 5))
    noise_var_per_coord: float = 0.1
    beta_var: float = 1.0
    query_noise: bool = False
    eval_prompts: int = 20000


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    head_counts: tuple[int, ...] = (2, 3, 4, 6)
    structure_claims: bool = False
    attention_impl: str = "merged"


@dataclasses.dataclass(frozen=True)
class OptimConfig:
    learning_rate: float = 1e-3
    batch_size: int = 256
    num_steps: int = 5000


@dataclasses.dataclass(frozen=True)
class Config:
    task: TaskConfig = TaskConfig()
    model: ModelConfig = ModelConfig()
    optim: OptimConfig = OptimConfig()
    seed: int = 0
    num_seeds: int = 1
    log_every: int = 500
    checkpoint_every: int = 4


def validate(cfg: Config) -> None:
    t = cfg.task
    validation.int_range("task.dim", t.dim, 1)
    validation.int_range("task.context_len", t.context_len, 2)
    ok = len(t.task_coords) >= 1 and all(
        len(c) >= 1 and all(0 <= i < t.dim for i in c) for c in t.task_coords
    )
    validation.check(ok, "task.task_coords", f"need non-empty lists of indices in [0, {t.dim})")
    validation.check(t.noise_var_per_coord >= 0, "task.noise_var_per_coord", "must be >= 0")
    validation.positive("task.beta_var", t.beta_var)
    validation.int_range("task.eval_prompts", t.eval_prompts, 1)
    validation.check(len(cfg.model.head_counts) > 0, "model.head_counts", "must be non-empty")
    for h in cfg.model.head_counts:
        validation.int_range("model.head_counts", h, 1, 64)
    validation.one_of("model.attention_impl", cfg.model.attention_impl, attention.ATTENTION_IMPLS)
    validation.positive("optim.learning_rate", cfg.optim.learning_rate)
    validation.int_range("optim.batch_size", cfg.optim.batch_size, 1)
    validation.int_range("optim.num_steps", cfg.optim.num_steps, 1)
    validation.int_range("num_seeds", cfg.num_seeds, 1)
    validation.int_range("log_every", cfg.log_every, 1)
    validation.int_range("checkpoint_every", cfg.checkpoint_every, 1)


def masks(cfg: Config) -> np.ndarray:
    """[T, d] 0/1 task masks."""
    m = np.zeros((len(cfg.task.task_coords), cfg.task.dim), np.float32)
    for i, c in enumerate(cfg.task.task_coords):
        m[i, list(c)] = 1
    return m


def sample_kwargs(cfg: Config) -> dict:
    t, m = cfg.task, masks(cfg)
    return {
        "d": t.dim,
        "context_len": t.context_len,
        "noise_var": 0.0,  # overridden per task by label_noise_std
        "beta_var": t.beta_var,
        "query_noise": t.query_noise,
        "task_masks": jnp.asarray(m),
        "label_noise_std": jnp.asarray(np.sqrt(m.sum(-1) * t.noise_var_per_coord), jnp.float32),
    }


def theory_refs(cfg: Config) -> dict[str, float]:
    """Mean over tasks of the exact risk of one-step GD with the optimal task-specific
    preconditioner ('masked') and with the best shared eta I ('shared_iso')."""
    t, m = cfg.task, masks(cfg).astype(np.float64)
    eye = np.eye(t.dim)
    masked, iso = [], []
    for mt in m:
        s2 = mt.sum() * t.noise_var_per_coord
        args = (eye, t.beta_var * np.diag(mt), s2, t.context_len)
        qn = s2 if t.query_noise else 0.0
        masked.append(precond.risk(precond.optimal_preconditioner(*args), *args, qn))
        iso.append(precond.best_scale(eye, *args, qn)[1])
    return {"masked": float(np.mean(masked)), "shared_iso": float(np.mean(iso))}


def head_structure(kq, ov, m: np.ndarray) -> dict[str, np.ndarray]:
    """Per-seed structure metrics from KQ [S, H, D, D] and OV [S, H, D, T]."""
    n_t, d = m.shape
    mu = np.stack([ov[:, :, d + t, t] for t in range(n_t)], -1)  # [S, H, T]
    ov_norm = np.linalg.norm(ov, axis=(-2, -1))  # [S, H]
    gamma = np.einsum("sht,shij->stij", mu, kq[:, :, :d, :d])
    gamma = 0.5 * (gamma + np.swapaxes(gamma, -1, -2))
    return {
        "mu": mu,
        "selectivity": np.abs(mu).max(-1) / np.abs(mu).sum(-1),
        "active": ov_norm > 0.2 * ov_norm.max(-1, keepdims=True),
        "x_diag": np.diagonal(kq[:, :, :d, :d], axis1=-2, axis2=-1),  # [S, H, d]
        "gamma": gamma,
        "cos_mask": np.array(
            [[icl.cosine(g, np.diag(mt)) for g, mt in zip(gs, m, strict=True)] for gs in gamma]
        ),  # fmt: skip
        "cos_identity": np.array([[icl.cosine(g, np.eye(d)) for g in gs] for gs in gamma]),
        "mu_sum": mu.sum(1),  # [S, T]: zero-sum per task
    }


def run(cfg: Config, key: jax.Array, hooks: train.Hooks | None = None) -> dict[str, np.ndarray]:
    kwargs, m = sample_kwargs(cfg), masks(cfg)
    train_root, eval_root = jax.random.split(key)
    keys = train.seed_keys(train_root, cfg.num_seeds)
    ev = icl_common.eval_batches(
        train.seed_keys(eval_root, cfg.num_seeds), cfg.task.eval_prompts, kwargs
    )
    out: dict[str, np.ndarray] = {}
    for h in cfg.model.head_counts:
        model = icl.ICLAttention(num_heads=h, attention_impl=cfg.model.attention_impl)
        params, hist = icl_common.train_icl(
            keys,
            model,
            kwargs,
            batch_size=cfg.optim.batch_size,
            learning_rate=cfg.optim.learning_rate,
            num_steps=cfg.optim.num_steps,
            log_every=cfg.log_every,
            name=f"multitask_h{h}",
            hooks=hooks,
        )
        out["steps"] = np.tile(hist["step"], (cfg.num_seeds, 1))
        out[f"h{h}/train_loss"] = hist["loss"]
        out[f"h{h}/val"] = icl_common.mse(icl_common.predict(model, params, ev), ev["y_q"])
        kq, ov = (np.asarray(a) for a in jax.vmap(icl.merged_weights)(params))
        out[f"h{h}/kq"], out[f"h{h}/ov"] = kq, ov
        for k, v in head_structure(kq, ov, m).items():
            out[f"h{h}/{k}"] = v
    return out


claims = report.claims
plot = report.plot

if __name__ == "__main__":
    launch.cli(__name__)
