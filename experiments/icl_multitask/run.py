"""Multi-task in-context regression (He et al., ICML 2025; F9, C8), the run.

One model per H through the shared ICL loop (experiments/icl_family.py), seeds vmapped. Per
head h and task t: mu_ht = OV_h[y_t -> out_t]; the task selectivity max_t|mu_ht| / sum_t|mu_ht|
(1: the head serves one task, 0.5: superposed); Gamma_t = sum_h mu_ht B_h against the
optimal masked preconditioner (theory/icl_preconditioned.py). The closed-form reference levels
the figures need are saved as const_ arrays.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from attn_theory import train, validation
from attn_theory.models import icl
from attn_theory.theory import icl_preconditioned as precond
from configs.icl_multitask import Config
from experiments import icl_family


def validate(cfg: Config) -> None:
    """Cross-field rule: task coordinates are indices of x (in [0, task.dim))."""
    t = cfg.task
    ok = all(len(c) >= 1 and all(0 <= i < t.dim for i in c) for c in t.task_coords)
    validation.check(ok, "task.task_coords", f"need non-empty lists of indices in [0, {t.dim})")


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


def planned_fits(cfg: Config) -> list[tuple[str, int]]:
    """The train.fit calls of run(), in order (progress: fit k/n and the experiment's ETA)."""
    return [(f"multitask_h{h}", cfg.optim.num_steps) for h in cfg.model.head_counts]


def run(cfg: Config, key: jax.Array, hooks: train.Hooks | None = None) -> dict[str, np.ndarray]:
    kwargs, m = sample_kwargs(cfg), masks(cfg)
    train_root, eval_root = jax.random.split(key)
    keys = train.seed_keys(train_root, cfg.num_seeds)
    ev = icl_family.eval_batches(
        train.seed_keys(eval_root, cfg.num_seeds), cfg.task.eval_prompts, kwargs
    )
    out: dict[str, np.ndarray] = {}
    for h in cfg.model.head_counts:
        model = icl.ICLAttention(num_heads=h, attention_impl=cfg.model.attention_impl)
        params, hist = icl_family.train_icl(
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
        out["const_steps"] = np.asarray(hist["step"])
        out[f"h{h}/train_loss"] = hist["loss"]
        out[f"h{h}/val"] = icl_family.mse(
            icl_family.predict(model, params, ev, hooks, f"multitask_h{h}_val"), ev["y_q"]
        )
        kq, ov = (np.asarray(a) for a in jax.vmap(icl.merged_weights)(params))
        out[f"h{h}/kq"], out[f"h{h}/ov"] = kq, ov
        for k, v in head_structure(kq, ov, m).items():
            out[f"h{h}/{k}"] = v
    out.update({f"const_risk_{k}": np.asarray(v) for k, v in theory_refs(cfg).items()})
    return out
