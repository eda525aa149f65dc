"""In-context linear regression prompts (He et al. 2025; Garg et al. 2022 style).

A prompt holds L context pairs (x_l, y_l) and a query x_q with y = beta^T x + noise,
beta ~ N(0, beta_var I). Covariates are N(0, Sigma) with Sigma = chol chol^T (identity by
default). Multi-task prompts share x and carry one output per task, each task reading a
subset of the coordinates (task_masks).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

Array = jax.Array


def toeplitz_cov(d: int, rho: float) -> Array:
    """Sigma_ij = rho^|i-j| (the anisotropic covariance)."""
    idx = jnp.arange(d)
    return rho ** jnp.abs(idx[:, None] - idx[None, :]).astype(jnp.float32)


def sample(
    key: Array,
    batch: int,
    *,
    d: int,
    context_len: int,
    noise_var: float,
    beta_var: float | None = None,
    query_noise: bool = True,
    cov_chol: Array | None = None,
    task_masks: Array | None = None,
    label_noise_std: Array | float | None = None,
) -> dict[str, Array]:
    """Samples a batch of prompts.

    Args:
      key: PRNG key; split into independent keys for x, beta and noise.
      batch, d, context_len: B, d, L.
      noise_var: sigma^2 of the label noise (used when label_noise_std is None).
      beta_var: prior variance of each beta coordinate; default 1/d (signal variance 1).
      query_noise: whether y_q carries label noise too.
      cov_chol: [d, d] Cholesky factor of the covariate covariance (None: identity).
      task_masks: [T, d] 0/1 masks; task t's label is beta_t^T (mask_t * x). None: T=1.
      label_noise_std: per-task noise std [T] overriding sqrt(noise_var).

    Returns:
      dict with x [B, L, d], y [B, L, T], x_q [B, d], y_q [B, T], beta [B, T, d]
      (T = 1 for single-task prompts).
    """
    k_x, k_beta, k_noise = jax.random.split(key, 3)
    beta_var = 1.0 / d if beta_var is None else beta_var
    masks = jnp.ones((1, d), jnp.float32) if task_masks is None else task_masks
    num_tasks = masks.shape[0]
    xs = jax.random.normal(k_x, (batch, context_len + 1, d), jnp.float32)
    if cov_chol is not None:
        xs = xs @ cov_chol.T
    beta = jax.random.normal(k_beta, (batch, num_tasks, d), jnp.float32) * jnp.sqrt(beta_var)
    beta = beta * masks[None]
    ys = jnp.einsum("bld,btd->blt", xs, beta)
    std = jnp.sqrt(noise_var) if label_noise_std is None else jnp.asarray(label_noise_std)
    noise = jax.random.normal(k_noise, ys.shape, jnp.float32) * std
    if not query_noise:
        noise = noise.at[:, -1].set(0.0)
    ys = ys + noise
    return {"x": xs[:, :-1], "y": ys[:, :-1], "x_q": xs[:, -1], "y_q": ys[:, -1], "beta": beta}


def tokens(batch: dict[str, Array]) -> tuple[Array, Array]:
    """Context tokens z_l = [x_l; y_l] [B, L, d+T] and query token [x_q; 0] [B, 1, d+T]."""
    z_ctx = jnp.concatenate([batch["x"], batch["y"]], -1)
    zero = jnp.zeros_like(batch["y_q"])
    z_q = jnp.concatenate([batch["x_q"], zero], -1)[:, None]
    return z_ctx, z_q
