"""The generic synthetic-task run: train a library SequenceTransformer on any registered task.

The task is looked up in attn_theory.tasks.registry; the model's layers, heads, rank,
attention kind and backend are config knobs (configs/synthetic_task.py). The task's
closed-form baseline (chance, Bayes) is evaluated here and saved as `const_baseline/*`, so
claims.py and plots.py read results only. See docs/adding_a_task.md.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax

from attn_theory import attention, mixers, train, validation
from attn_theory.models.sequence import SequenceTransformer
from attn_theory.tasks import registry
from configs.synthetic_task import Config

BASELINE_PREFIX = "const_baseline/"


def validate(cfg: Config) -> None:
    """The task name, model kind and backend against the library's own lists, and the
    task's keyword arguments by drawing one tiny batch."""
    validation.check(
        cfg.task.name in registry.names(), "task.name",
        f"unknown task {cfg.task.name!r}; registered tasks: {registry.names()} (a first "
        "config item that is not a preset is read as a task name)",
    )  # fmt: skip
    validation.one_of("model.kind", cfg.model.kind, attention.ATTENTION_KINDS + mixers.MIXER_KINDS)
    validation.one_of("model.attention_impl", cfg.model.attention_impl, attention.ATTENTION_IMPLS)
    try:
        registry.get(cfg.task.name).sample(jax.random.key(0), 2, **dict(cfg.task.kwargs))
    except (TypeError, ValueError) as e:
        raise validation.ConfigError(f"config field 'task.kwargs': {e}") from e


def _setup(cfg: Config):
    task = registry.get(cfg.task.name)
    sample = functools.partial(task.sample, **dict(cfg.task.kwargs))
    inputs, _ = sample(jax.random.key(0), 2)
    # xent: classes 0..max label seen; mse: scalar targets ([B] or [B, T]), one output.
    out_dim = int(jnp.max(sample(jax.random.key(1), 4096)[1])) + 1 if task.loss == "xent" else 1
    vocab = int(jnp.max(inputs)) + 1 if jnp.issubdtype(inputs.dtype, jnp.integer) else None
    m = cfg.model
    model = SequenceTransformer(
        out_dim=out_dim,
        vocab_size=vocab,
        width=m.width,
        num_layers=m.num_layers,
        num_heads=m.num_heads,
        head_dim=m.head_dim or None,
        kind=m.kind,
        causal=m.causal,
        residual=m.residual,
        layer_norm=m.layer_norm,
        mlp=m.mlp,
        positions=m.positions,
        attention_impl=m.attention_impl,
    )
    return task, sample, model, inputs


def _loss_and_acc(task, model, params, inputs, targets):
    out, _ = model.apply(params, inputs)
    if targets.ndim == 1:  # read at the last position
        out = out[:, -1]
    if task.loss == "xent":
        valid = targets >= 0
        ce = optax.softmax_cross_entropy_with_integer_labels(out, jnp.maximum(targets, 0))
        acc = (jnp.argmax(out, -1) == targets) & valid
        n = jnp.maximum(valid.sum(), 1)
        return jnp.sum(ce * valid) / n, jnp.sum(acc) / n
    err = jnp.mean((out[..., 0] - targets) ** 2)
    return err, -err


def run(cfg: Config, key: jax.Array, hooks: train.Hooks | None = None) -> dict[str, np.ndarray]:
    """Trains every seed in one vmapped fit; returns curves, final eval and the baseline."""
    task, sample, model, probe = _setup(cfg)
    train_root, eval_root = jax.random.split(key)
    keys = train.seed_keys(train_root, cfg.num_seeds)

    def loss_fn(params, batch, hp):
        loss, acc = _loss_and_acc(task, model, params, *batch)
        return loss, {"accuracy": acc}

    params, hist = train.fit(
        keys,
        init_fn=lambda k, hp: model.init(k, probe),
        loss_fn=loss_fn,
        sample_fn=lambda k, hp: sample(k, cfg.optim.batch_size),
        optimizer_fn=lambda hp: optax.adam(cfg.optim.learning_rate),
        num_steps=cfg.optim.num_steps,
        log_every=cfg.log_every,
        name=cfg.task.name,
        hooks=hooks,
    )
    eval_keys = train.seed_keys(eval_root, cfg.num_seeds)
    loss, acc = jax.jit(
        jax.vmap(lambda p, k: _loss_and_acc(task, model, p, *sample(k, cfg.task.eval_batch)))
    )(params, eval_keys)
    base = task.baseline(**dict(cfg.task.kwargs)) if task.baseline else {}
    return {
        "const_steps": np.asarray(hist["step"]),
        "train_loss": hist["loss"],
        "train_accuracy": hist["accuracy"],
        "eval_loss": np.asarray(loss),
        "eval_accuracy": np.asarray(acc),
        **{BASELINE_PREFIX + k: np.asarray(float(v)) for k, v in base.items()},
    }
