"""The generic launcher: train any library attention model on any registered synthetic task.

    python -m experiments.synthetic_task \
        --config=configs/synthetic_task.py:associative_recall --workdir=/tmp/recall

The task is looked up in attn_theory.tasks.registry; the model is a SequenceTransformer
(layers, heads, rank, attention kind and backend are config knobs). Same workdir contract,
seed sweeps and figures as the paper experiments. See docs/adding_a_task.md.
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax

from attn_theory import attention, plotting, train, validation
from attn_theory.models.sequence import SequenceTransformer
from attn_theory.results import Claim, claim_ge, claim_le
from attn_theory.tasks import registry
from experiments import launch

NAME = "synthetic_task"


@dataclasses.dataclass(frozen=True)
class TaskConfig:
    name: str = "associative_recall"
    kwargs: dict = dataclasses.field(default_factory=dict)
    eval_batch: int = 4096


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    width: int = 64
    num_layers: int = 1
    num_heads: int = 1
    head_dim: int = 0  # 0: width // num_heads
    kind: str = "softmax"
    causal: bool = True
    residual: bool = False
    layer_norm: bool = False
    mlp: bool = False
    positions: bool = False
    attention_impl: str = "reference"


@dataclasses.dataclass(frozen=True)
class OptimConfig:
    learning_rate: float = 3e-3
    batch_size: int = 128
    num_steps: int = 2000


@dataclasses.dataclass(frozen=True)
class Config:
    task: TaskConfig = TaskConfig()
    model: ModelConfig = ModelConfig()
    optim: OptimConfig = OptimConfig()
    seed: int = 0
    num_seeds: int = 2
    log_every: int = 250
    checkpoint_every: int = 4


def validate(cfg: Config) -> None:
    validation.one_of("task.name", cfg.task.name, registry.names())
    validation.int_range("model.width", cfg.model.width, 1)
    validation.int_range("model.num_layers", cfg.model.num_layers, 1)
    validation.int_range("model.num_heads", cfg.model.num_heads, 1)
    validation.int_range("model.head_dim", cfg.model.head_dim, 0)
    validation.one_of("model.kind", cfg.model.kind, attention.ATTENTION_KINDS)
    validation.one_of("model.attention_impl", cfg.model.attention_impl, attention.ATTENTION_IMPLS)
    validation.positive("optim.learning_rate", cfg.optim.learning_rate)
    validation.int_range("optim.batch_size", cfg.optim.batch_size, 1)
    validation.int_range("optim.num_steps", cfg.optim.num_steps, 1)
    validation.int_range("num_seeds", cfg.num_seeds, 1)
    validation.int_range("log_every", cfg.log_every, 1)
    try:
        registry.get(cfg.task.name).sample(jax.random.key(0), 2, **cfg.task.kwargs)
    except (TypeError, ValueError) as e:
        raise validation.ConfigError(f"config field 'task.kwargs': {e}") from e


def _setup(cfg: Config):
    task = registry.get(cfg.task.name)
    sample = functools.partial(task.sample, **cfg.task.kwargs)
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
    steps = np.tile(hist["step"], (cfg.num_seeds, 1))
    return {
        "steps": steps,
        "train_loss": hist["loss"],
        "train_accuracy": hist["accuracy"],
        "eval_loss": np.asarray(loss),
        "eval_accuracy": np.asarray(acc),
    }


def claims(res: dict, cfg: Config) -> dict[str, Claim]:
    task = registry.get(cfg.task.name)
    base = task.baseline(**cfg.task.kwargs) if task.baseline else {}
    out = {}
    if "chance_xent" in base:
        out["beats_chance"] = claim_le(
            np.median(res["eval_loss"]),
            0.5 * base["chance_xent"],
            "eval loss <= half the chance cross-entropy (median)",
        )
    if "bayes_accuracy" in base:
        out["near_bayes"] = claim_ge(
            np.median(res["eval_accuracy"]),
            0.95 * base["bayes_accuracy"],
            "eval accuracy >= 0.95 x Bayes accuracy (median)",
        )
    return out


def plot(res: dict, cfg: Config) -> dict:
    task = registry.get(cfg.task.name)
    base = task.baseline(**cfg.task.kwargs) if task.baseline else {}
    fig, axes = plotting.figure(2, 1)
    steps = res["steps"][0]
    plotting.seed_band(axes[0, 0], steps, res["train_loss"], label="train loss")
    if "chance_xent" in base:
        plotting.theory_line(
            axes[0, 0], steps, np.full(len(steps), base["chance_xent"]), label="chance"
        )
    plotting.seed_band(axes[0, 1], steps, res["train_accuracy"], label="train accuracy")
    if "bayes_accuracy" in base:
        plotting.theory_line(
            axes[0, 1], steps, np.full(len(steps), base["bayes_accuracy"]), label="Bayes"
        )
        plotting.theory_line(
            axes[0, 1],
            steps,
            np.full(len(steps), base["chance_accuracy"]),
            label="chance",
            color="gray",
        )
    for a, t in zip(axes[0], ("loss", "accuracy"), strict=True):
        a.set(xlabel="step", title=f"{cfg.task.name}: {t}")
        a.legend(fontsize=7)
    return {"training": fig}


if __name__ == "__main__":
    launch.cli(__name__)
