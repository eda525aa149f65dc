"""The in-context-regression family's shared code: train an ICLAttention over seeds, evaluate.

Used by the icl_linear_regression, icl_anisotropic and icl_multitask experiment packages
(He et al., "In-Context Linear Regression Demystified", ICML 2025; see
docs/papers/icl_linear_regression.md), so none of them copies the training loop: they differ
only in the sampler's keyword arguments and the model. Also the per-seed claim helpers they
share: a claim judged on every seed, or on every seed that left the plateau, and the separate
escape-rate claim.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax

from attn_theory import results, train
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


@functools.cache
def _predictor(model: icl.ICLAttention):
    """One jitted program per model (modules are hashable), so repeated calls compile once."""

    def apply_all(params, batch):
        return jax.vmap(lambda p, b: model.apply(p, b)[0])(params, batch)

    return jax.jit(apply_all)


def predict(model: icl.ICLAttention, params, batches, hooks=None, name: str = "predict"):
    """Predictions [S, B, T] (host array) of per-seed params on per-seed batches: one program
    (train.call), so a compile-only probe compiles it at full size instead of running it."""
    return train.call(_predictor(model), params, batches, hooks=hooks, name=name)


def mse(pred, target) -> np.ndarray:
    """Mean squared error per seed: [S, B, T] -> [S]."""
    return np.mean(
        (np.asarray(pred, np.float64) - np.asarray(target, np.float64)) ** 2,
        axis=tuple(range(1, np.ndim(pred))),
    )


def seed_claim(op: str, per_seed, bound, text: str, *, over=None, kind: str = "measured",
               subset: str = "that left the plateau") -> results.Claim:  # fmt: skip
    """A claim judged on every seed (or every seed in the mask `over`): the value is the worst.

    per_seed: [S] values, all reported (seeds_passing counts every seed, so a seed outside
    `over` that misses the bound shows as failing); op: '<=', '>=' or 'in' (bound = (lo, hi),
    the worst seed is the one nearest an edge or furthest outside). With no seed in `over`
    the value is NaN and the claim FAILs.
    """
    per_seed = np.asarray(per_seed, np.float64).reshape(-1)
    n = per_seed.size
    mask = np.ones(n, bool) if over is None else np.asarray(over, bool).reshape(-1)
    vals = per_seed[mask]
    if over is None:
        statistic = f"every seed (worst of {n})"
    else:
        statistic = f"every seed {subset} (worst of {vals.size} of {n})"
    if vals.size == 0:
        worst = np.nan
    elif op == "<=":
        worst = vals.max()
    elif op == ">=":
        worst = vals.min()
    else:
        lo, hi = bound
        worst = vals[np.argmax(np.maximum(lo - vals, vals - hi))]
    common = {"kind": kind, "statistic": statistic, "per_seed": per_seed}
    if op == "in":
        return results.claim_in(worst, bound[0], bound[1], text, **common)
    check = results.claim_le if op == "<=" else results.claim_ge
    return check(worst, bound, text, **common)


def escape_rate_claim(escaped, bound: float, text: str) -> results.Claim:
    """The fraction of seeds that left the plateau, >= bound (per seed: 1 escaped, 0 not)."""
    escaped = np.asarray(escaped, np.float64).reshape(-1)
    return results.claim_ge(escaped.mean(), bound, text, kind="measured",
                            statistic=f"fraction of {escaped.size} seeds",
                            per_seed=escaped)  # fmt: skip


def escape_step(train_loss, steps, threshold: float) -> np.ndarray:
    """First logged step whose chunk-mean train loss is below `threshold`, per seed [S]
    (+inf: not within the run, i.e. later than its last step; inf rather than NaN so that
    summaries and golden values compare equal). train_loss [S, n_logs], steps [n_logs]."""
    below = np.asarray(train_loss) < threshold
    first = np.argmax(below, -1)
    return np.where(below.any(-1), np.asarray(steps, np.float64)[first], np.inf)
