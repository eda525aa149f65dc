"""Memorisation capacity of one multi-head attention layer (Mahdavi, Liao, Thrampoulidis, ICLR'24).

Random labels on U[0,1] inputs are memorised by the layer of models/memorization.py; the
memorised count is (train accuracy) x N with the paper's rule (stop at accuracy 1.0, else
the lowest-loss evaluation). Each sweep (H, n or d_h) at each dataset size N is ONE vmapped
fit over (sweep point x seed): the model is padded to the sweep's largest sizes and traced
`active` sizes select each point. Capacity per setting = max over the N grid of acc x N.
Spec: shared/papers/specs/memorization_and_scan_snap.md, part A (checks A9).
"""

from __future__ import annotations

import dataclasses
import math

import jax
import jax.numpy as jnp
import numpy as np
import optax

from attn_theory import train
from attn_theory.models import memorization
from attn_theory.tasks import random_labels
from attn_theory.theory import capacity
from experiments import launch
from experiments import memorization_capacity_claims as claims_lib
from experiments import memorization_capacity_plots as plots

NAME = "memorization_capacity"
SIZES = ("num_heads", "head_dim", "context_len")


@dataclasses.dataclass(frozen=True)
class Task:
    input_dim: int
    num_classes: int
    context_len: int
    num_examples: tuple[int, ...]
    num_examples_random: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class Model:
    d_model: int
    num_heads: int
    head_dim: int


@dataclasses.dataclass(frozen=True)
class Sweep:
    num_heads: tuple[int, ...]
    context_len: tuple[int, ...]
    head_dim: tuple[int, ...]
    context_len_heads: int
    head_dim_heads: int
    shared: tuple[str, ...]
    random: tuple[str, ...]
    regression_heads: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class Optim:
    learning_rate: float
    batch_size: int
    min_steps: int
    epochs: float
    head_dim_min_steps: int
    warmup_frac: float
    warmup_init_frac: float


@dataclasses.dataclass(frozen=True)
class Config:
    task: Task
    model: Model
    sweep: Sweep
    optim: Optim
    eval_every: int
    eval_batch: int
    saturation_threshold: float
    checkpoint_every: int
    seed: int
    num_seeds: int


validate = claims_lib.validate


def points(cfg: Config, sweep: str) -> list[dict[str, int]]:
    """The (num_heads, head_dim, context_len) settings of one sweep."""
    base = dict(
        num_heads=cfg.model.num_heads, head_dim=cfg.model.head_dim, context_len=cfg.task.context_len
    )
    if sweep == "heads":
        return [{**base, "num_heads": v} for v in cfg.sweep.num_heads]
    if sweep == "context_len":
        h = cfg.sweep.context_len_heads
        return [{**base, "num_heads": h, "context_len": v} for v in cfg.sweep.context_len]
    if sweep == "head_dim":
        return [
            {**base, "num_heads": cfg.sweep.head_dim_heads, "head_dim": v}
            for v in cfg.sweep.head_dim
        ]
    return [base]


def fit_points(
    cfg,
    keys,
    pts,
    num_examples,
    context_type,
    *,
    regression=False,
    min_steps=None,
    hooks=None,
    name="fit",
):
    """Trains every (point x seed) to memorise the first `num_examples` examples.

    Args:
      keys: (train_root, data_root) keys; seed i uses fold_in(root, i).
    Returns:
      {'acc', 'loss', 'mem', 'sat_init', 'sat_final', 'pos0_max', 'rowsum_err':
       [seed, point]; 'acc_log': [seed, point, num_logs]}.
    """
    t, o = cfg.task, cfg.optim
    size = {k: max(p[k] for p in pts) for k in SIZES}
    model = memorization.MemorizationAttention(
        size["num_heads"], size["head_dim"], cfg.model.d_model, 1 if regression else t.num_classes
    )
    task = dict(
        input_dim=t.input_dim,
        context_len=size["context_len"],
        num_classes=t.num_classes,
        context_type=context_type,
        regression=regression,
    )
    run_keys, hp, shape = train.grid_runs(keys[0], cfg.num_seeds, {"point": range(len(pts))})
    idx = hp["point"].astype(jnp.int32)
    hp.update({k: jnp.asarray([p[k] for p in pts], jnp.int32)[idx] for k in SIZES})
    hp["data_key"] = jax.random.key_data(
        jnp.tile(train.seed_keys(keys[1], cfg.num_seeds), len(pts))
    )
    batch = min(o.batch_size, num_examples)
    steps = max(min_steps or o.min_steps, math.ceil(o.epochs * num_examples / batch))
    chunk = min(cfg.eval_batch, num_examples)
    num_chunks = -(-num_examples // chunk)

    def forward(params, data, h):
        logits, inter = model.apply(
            params, data["query"], data["context"], {k: h[k] for k in SIZES}
        )
        if regression:
            err = (logits[:, 0] - data["target"]) ** 2
            return err, jnp.zeros_like(err), inter
        nll = optax.softmax_cross_entropy_with_integer_labels(logits, data["label"])
        return nll, (jnp.argmax(logits, -1) == data["label"]).astype(jnp.float32), inter

    def dataset(h, index):
        return random_labels.examples(jax.random.wrap_key_data(h["data_key"]), index, **task)

    def loss_fn(params, data, h):
        loss_b, correct_b, _ = forward(params, data, h)
        return jnp.mean(loss_b), {"batch_acc": jnp.mean(correct_b)}

    def evaluate(params, h):
        def one(i):
            index = i * chunk + jnp.arange(chunk)
            valid = (index < num_examples).astype(jnp.float32)
            loss_b, correct_b, inter = forward(params, dataset(h, index), h)
            on = (jnp.arange(size["num_heads"]) < h["num_heads"]).astype(jnp.float32)
            sat = jnp.sum((jnp.max(inter["attn"], -1) > cfg.saturation_threshold) * on, -1)
            err = jnp.abs(jnp.sum(inter["attn"], -1) - 1.0) * on
            return (
                jnp.sum(loss_b * valid),
                jnp.sum(correct_b * valid),
                jnp.sum(sat * valid),
                jnp.max(inter["attn"][..., 0]),
                jnp.max(err),
            )

        loss, corr, sat, pos0, err = jax.lax.map(one, jnp.arange(num_chunks))
        return {
            "train_loss": loss.sum() / num_examples,
            "train_acc": corr.sum() / num_examples,
            "sat": sat.sum() / (num_examples * h["num_heads"]),
            "pos0_max": pos0.max(),
            "rowsum_err": err.max(),
        }

    def init_fn(key, h):
        data = dataset(h, jnp.arange(1))
        return model.init(key, data["query"], data["context"], {k: h[k] for k in SIZES})

    def sample_fn(key, h):
        return random_labels.sample(
            key, batch, jax.random.wrap_key_data(h["data_key"]), num_examples, **task
        )

    schedule = optax.warmup_cosine_decay_schedule(
        o.warmup_init_frac * o.learning_rate,
        o.learning_rate,
        max(1, int(o.warmup_frac * steps)),
        steps,
        0.0,
    )

    def log_fn(p, h):
        ev = evaluate(p, h)
        return {"train_loss": ev["train_loss"], "train_acc": ev["train_acc"]}

    params, hist = train.fit(
        run_keys,
        init_fn=init_fn,
        loss_fn=loss_fn,
        sample_fn=sample_fn,
        optimizer_fn=lambda h: optax.adam(schedule),
        num_steps=steps,
        log_every=min(cfg.eval_every, steps),
        hparams=hp,
        log_fn=log_fn,
        name=name,
        hooks=hooks,
    )
    ev = jax.jit(jax.vmap(evaluate))
    init = ev(jax.jit(jax.vmap(lambda k, h: init_fn(jax.random.split(k)[0], h)))(run_keys, hp), hp)
    final = ev(params, hp)
    out = {
        "acc": final["train_acc"],
        "loss": final["train_loss"],
        "sat_init": init["sat"],
        "sat_final": final["sat"],
        "pos0_max": final["pos0_max"],
        "rowsum_err": final["rowsum_err"],
        "acc_log": hist["train_acc"],
        "mem": capacity.memorised(hist["train_acc"], hist["train_loss"], num_examples),
    }
    return train.unflatten_runs(out, shape)


def run(cfg: Config, key: jax.Array, hooks=None) -> dict[str, np.ndarray]:
    keys = jax.random.split(key)
    out = {}
    for ctx in ("shared", "random"):
        grid = cfg.task.num_examples if ctx == "shared" else cfg.task.num_examples_random
        for sweep in getattr(cfg.sweep, ctx):
            steps = cfg.optim.head_dim_min_steps if sweep == "head_dim" else None
            per_n = [
                fit_points(
                    cfg,
                    keys,
                    points(cfg, sweep),
                    n,
                    ctx,
                    min_steps=steps,
                    hooks=hooks,
                    name=f"{ctx}_{sweep}_N{n}",
                )
                for n in grid
            ]
            for k in per_n[0]:
                out[f"{ctx}_{sweep}_{k}"] = np.stack([r[k] for r in per_n], 1)
            out[f"{ctx}_{sweep}_capacity"] = out[f"{ctx}_{sweep}_mem"].max(1)
    base = points(cfg, "base")
    n_bound = int(capacity.lower_bound(base[0]["num_heads"], base[0]["context_len"]))
    bound = fit_points(cfg, keys, base, n_bound, "shared", hooks=hooks, name=f"bound_N{n_bound}")
    out.update({f"bound_{k}": bound[k][:, 0] for k in ("acc", "pos0_max", "rowsum_err")})
    if cfg.sweep.regression_heads:
        pts = [{**base[0], "num_heads": h} for h in cfg.sweep.regression_heads]
        n = max(cfg.task.num_examples)
        reg = fit_points(
            cfg, keys, pts, n, "shared", regression=True, hooks=hooks, name=f"regression_N{n}"
        )
        out["regression_mse"] = reg["loss"]
    return out


claims = claims_lib.claims


def plot(res, cfg: Config):
    return plots.figures(res, cfg)


if __name__ == "__main__":
    launch.cli(__name__)
