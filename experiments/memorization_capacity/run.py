"""Memorisation capacity of one multi-head attention layer (Mahdavi, Liao, Thrampoulidis,
ICLR'24), the run.

Random labels on U[0,1] inputs are memorised by the layer of models/memorization.py; the
memorised count is (train accuracy) x N with the paper's rule (stop at accuracy 1.0, else
the lowest-loss evaluation). Each sweep (H, n or d_h) at each dataset size N is ONE vmapped
fit over (sweep point x seed): the model is padded to the sweep's largest sizes and traced
`active` sizes select each point. Capacity per setting = max over the N grid of acc x N.
The construction's H(n-1)+1 curves the figures overlay are computed here and saved as
`const_*` arrays, so claims and plots read saved results only
(docs/papers/memorization_capacity.md).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax

from attn_theory import train, validation
from attn_theory.models import memorization
from attn_theory.tasks import random_labels
from attn_theory.theory import capacity
from configs.memorization_capacity import Config

SIZES = ("num_heads", "head_dim", "context_len")


def validate(cfg: Config) -> None:
    """Cross-field rules (per-field bounds are declared in configs/memorization_capacity.py)."""
    t, s = cfg.task, cfg.sweep
    for f, vals in [
        ("task.num_examples", t.num_examples),
        ("task.num_examples_random", t.num_examples_random),
        ("sweep.num_heads", s.num_heads),
        ("sweep.context_len", s.context_len),
        ("sweep.head_dim", s.head_dim),
        ("sweep.regression_heads", s.regression_heads),
    ]:
        validation.check(list(vals) == sorted(set(vals)), f, f"must be increasing, got {vals!r}")
    validation.check("heads" in s.shared, "sweep.shared", "must include 'heads' (A-P1, A-P6)")
    validation.check(
        cfg.model.num_heads in s.num_heads,
        "model.num_heads",
        f"must be in sweep.num_heads {s.num_heads} (saturation, A-P6)",
    )


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


def _tags(cfg: Config, sweep: str) -> list[str]:
    """Names of a sweep's points: 'H4', 'n8', 'dh32' or 'base'."""
    if sweep == "heads":
        return [f"H{v}" for v in cfg.sweep.num_heads]
    if sweep == "context_len":
        return [f"n{v}" for v in cfg.sweep.context_len]
    if sweep == "head_dim":
        return [f"dh{v}" for v in cfg.sweep.head_dim]
    return ["base"]


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
    # One run at a time (lax.map, not vmap): every run's evaluation at once needed 188 GiB at
    # the paper preset's sizes (N = 130k), more than one GPU; one run needs about 4 GiB.
    ev = jax.jit(lambda p, h: jax.lax.map(lambda a: evaluate(*a), (p, h)))
    init_params = train.call(jax.vmap(lambda k, h: init_fn(jax.random.split(k)[0], h)),
                             run_keys, hp, hooks=hooks, name=f"{name}_init_params")  # fmt: skip
    init = train.call(ev, init_params, hp, hooks=hooks, name=f"{name}_eval_init")
    final = train.call(ev, params, hp, hooks=hooks, name=f"{name}_eval_final")
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
            for j, tag in enumerate(_tags(cfg, sweep)):  # [seed] scalars for summary.json
                out[f"capacity_{ctx}_{sweep}_{tag}"] = out[f"{ctx}_{sweep}_capacity"][:, j]
    base = points(cfg, "base")
    n_bound = int(capacity.lower_bound(base[0]["num_heads"], base[0]["context_len"]))
    bound = fit_points(cfg, keys, base, n_bound, "shared", min_steps=cfg.optim.bound_min_steps,
                       hooks=hooks, name=f"bound_N{n_bound}")  # fmt: skip
    out.update({f"bound_{k}": bound[k][:, 0] for k in ("acc", "pos0_max", "rowsum_err")})
    if cfg.sweep.regression_heads:
        pts = [{**base[0], "num_heads": h} for h in cfg.sweep.regression_heads]
        n = max(cfg.task.num_examples)
        reg = fit_points(
            cfg, keys, pts, n, "shared", regression=True, hooks=hooks, name=f"regression_N{n}"
        )
        out["regression_mse"] = reg["loss"]
    return {**out, **theory_curves(cfg)}


def theory_curves(cfg: Config) -> dict[str, np.ndarray]:
    """The construction's H(n-1)+1 along each sweep (`const_*`: the same for every seed).

    On the d_h sweep the construction needs d_h >= n, so points below n are nan.
    """
    t, s, m = cfg.task, cfg.sweep, cfg.model
    head_dim = np.asarray(s.head_dim)
    at_n = float(capacity.lower_bound(s.head_dim_heads, t.context_len))
    return {
        "const_bound_heads": capacity.lower_bound(np.asarray(s.num_heads), t.context_len),
        "const_bound_context_len": capacity.lower_bound(
            s.context_len_heads, np.asarray(s.context_len)
        ),
        "const_bound_head_dim": np.where(head_dim >= t.context_len, at_n, np.nan),
        "const_bound_base": np.asarray(capacity.lower_bound(m.num_heads, t.context_len)),
    }
