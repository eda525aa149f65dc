"""The in-context-regression family's shared code: train an ICLAttention over seeds, evaluate.

Used by the icl_linear_regression, icl_anisotropic and icl_multitask experiment packages
(He et al., "In-Context Linear Regression Demystified", ICML 2025; see
docs/papers/icl_linear_regression.md), so none of them copies the training loop: they differ
only in the sampler's keyword arguments and the model.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax

from attn_theory import train
from attn_theory.models import icl
from attn_theory.tasks import linear_regression


def train_icl(
    keys,
    model: icl.ICLAttention,
    sample_kwargs: dict,
    *,
    batch_size: int,
    learning_rate: float,
    num_steps: int,
    log_every: int,
    name: str,
    hooks=None,
    track_task: int = 0,
    shared_data_key=None,
):
    """Trains `model` once per key (vmapped) on fresh prompts; Adam(lr), MSE on y_q.

    shared_data_key: None (each seed samples its own prompts) or one key for a prompt
    stream shared by every seed (see train.fit).

    Returns:
      params [S, ...] and history with 'loss', 'omega' [S, H, n], 'mu' [S, H, n].
    """
    d = sample_kwargs["d"]
    sample_fn = functools.partial(linear_regression.sample, batch=batch_size, **sample_kwargs)
    probe = sample_fn(jax.random.key(0))

    def init_fn(key, hp):
        return model.init(key, probe)

    def loss_fn(params, batch, hp):
        pred, _ = model.apply(params, batch)
        return jnp.mean((pred - batch["y_q"]) ** 2), {}

    def log_fn(params, hp):
        kq, ov = icl.merged_weights(params)
        pat = icl.head_patterns(kq, ov, d, task=track_task)
        return {"omega": pat["omega"], "mu": pat["mu"]}

    return train.fit(
        keys,
        init_fn=init_fn,
        loss_fn=loss_fn,
        sample_fn=lambda k, hp: sample_fn(k),
        optimizer_fn=lambda hp: optax.adam(learning_rate),
        num_steps=num_steps,
        log_every=log_every,
        log_fn=log_fn,
        name=name,
        hooks=hooks,
        shared_data_key=shared_data_key,
    )


def eval_batches(eval_keys, num_prompts: int, sample_kwargs: dict):
    """One fixed evaluation set per seed: dict of arrays [S, B, ...]."""
    return jax.vmap(lambda k: linear_regression.sample(k, num_prompts, **sample_kwargs))(eval_keys)


@functools.partial(jax.jit, static_argnums=0)
def _predict(model, params, batch):
    return jax.vmap(lambda p, b: model.apply(p, b)[0])(params, batch)


def predict(model: icl.ICLAttention, params, batches):
    """Predictions [S, B, T] of per-seed params on per-seed batches."""
    return _predict(model, params, batches)


def mse(pred, target) -> np.ndarray:
    """Mean squared error per seed: [S, B, T] -> [S]."""
    return np.mean(
        (np.asarray(pred, np.float64) - np.asarray(target, np.float64)) ** 2,
        axis=tuple(range(1, np.ndim(pred))),
    )
