"""Scan and Snap (Tian et al., NeurIPS'23): scan and snap dynamics of a 1-layer transformer.

Trains the Y/Z model on sequence classes: the Fig. 4 run (zero init), the Fig. 6 sweep
(eta_Z x eta_Y/eta_Z x seeds in one vmapped program per number of query tokens, random init),
a long snap run (ratio 1 vs 10) and an embedding-based transformer demo. c_n is computed from
Z (theory.scan_snap.token_mixture). Claims B-P1..B-P6 of the spec in
scan_and_snap_claims.py, figures in scan_and_snap_plots.py.

    python -m experiments.scan_and_snap --config=configs/scan_and_snap.py:quick \
        --workdir=/tmp/scan_and_snap
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from attn_theory import train, validation
from attn_theory.models import yz
from attn_theory.tasks import sequence_classes as sc
from attn_theory.theory import scan_snap as theory
from experiments import launch
from experiments import scan_and_snap_claims as claims_lib
from experiments import scan_and_snap_plots as plots

NAME = "scan_and_snap"


@dataclasses.dataclass(frozen=True)
class TaskConfig:
    seq_len: int = 128
    num_common: int = 10
    num_distinct: int = 10
    fig4_num_last: int = 2
    fig4_next_per_last: int = 1
    fig6_num_last: tuple[int, ...] = (1, 3, 5, 10)
    fig6_next_per_last: int = 2


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    embed_dim: int = 64


@dataclasses.dataclass(frozen=True)
class OptimConfig:
    batch_size: int = 128
    momentum: float = 0.9
    fig4_lr_z: float = 1.0
    fig4_ratio: float = 1.0
    fig4_steps: int = 100
    fig6_lr_z: tuple[float, ...] = (0.5, 1.0, 2.0, 3.0)
    fig6_ratio: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0)
    fig6_steps: int = 100
    snap_lr_z: float = 1.0
    snap_ratio: tuple[float, ...] = (1.0, 10.0)
    snap_steps: int = 400
    embed_lr_z: float = 10.0
    embed_ratio: float = 0.1
    embed_steps: int = 200


@dataclasses.dataclass(frozen=True)
class Config:
    task: TaskConfig = TaskConfig()
    model: ModelConfig = ModelConfig()
    optim: OptimConfig = OptimConfig()
    seed: int = 0
    num_seeds: int = 3
    snap_log_every: int = 10
    checkpoint_every: int = 10


def validate(cfg: Config) -> None:
    t, o = cfg.task, cfg.optim
    validation.int_range("task.seq_len", t.seq_len, 2)
    validation.int_range("task.num_common", t.num_common, 0)
    validation.int_range("task.num_distinct", t.num_distinct, 2)
    validation.int_range("task.fig4_num_last", t.fig4_num_last, 1)
    validation.int_range("task.fig4_next_per_last", t.fig4_next_per_last, 1)
    validation.check(len(t.fig6_num_last) > 0, "task.fig6_num_last", "must be non-empty")
    for n in t.fig6_num_last:
        validation.int_range("task.fig6_num_last", n, 1)
    validation.int_range("task.fig6_next_per_last", t.fig6_next_per_last, 1)
    validation.int_range("model.embed_dim", cfg.model.embed_dim, 1)
    validation.int_range("optim.batch_size", o.batch_size, 1)
    validation.in_range("optim.momentum", o.momentum, 0.0, 0.999)
    for name in ("fig4_lr_z", "fig4_ratio", "snap_lr_z", "embed_lr_z", "embed_ratio"):
        validation.positive(f"optim.{name}", getattr(o, name))
    for name in ("fig6_lr_z", "fig6_ratio", "snap_ratio"):
        values = getattr(o, name)
        validation.check(
            len(values) > 0 and min(values) > 0,
            f"optim.{name}",
            f"must be a non-empty list of values > 0, got {values!r}",
        )
    validation.int_range("optim.fig4_steps", o.fig4_steps, 51)  # B-P1 reads iteration 50
    validation.int_range("optim.fig6_steps", o.fig6_steps, 1)
    validation.int_range("optim.snap_steps", o.snap_steps, 60)  # B-P5 reads iteration 60
    validation.int_range("optim.embed_steps", o.embed_steps, 1)
    validation.int_range("num_seeds", cfg.num_seeds, 1)
    validation.int_range("snap_log_every", cfg.snap_log_every, 1)
    validation.int_range("checkpoint_every", cfg.checkpoint_every, 1)


def fit_yz(
    root,
    cfg: Config,
    layout: sc.Layout,
    grid: dict,
    *,
    zero_init: bool,
    steps: int,
    log_every: int,
    name: str,
    hooks=None,
) -> dict[str, np.ndarray]:
    """Trains the Y/Z model on a (lr_z x ratio x seed) grid in one vmapped program.

    Returns {'loss': [S, *grid, n_logs], 'c': [S, *grid, n_logs + 1, K, S_support]}, where
    c_n is logged at iteration 0 and after every `log_every` updates.
    """
    m, b, t = layout.num_tokens, cfg.optim.batch_size, cfg.task.seq_len
    keys, hp, shape = train.grid_runs(root, cfg.num_seeds, grid)

    def loss_fn(params, batch, hp):
        return yz.cross_entropy(yz.yz_apply(params, batch["tokens"])[0], batch["label"])

    params, hist = train.fit(
        keys,
        init_fn=lambda k, hp: yz.yz_init(k, m, zero_init),
        loss_fn=loss_fn,
        sample_fn=lambda k, hp: sc.sample(k, b, layout, t),
        optimizer_fn=lambda hp: yz.two_rate_sgd(
            hp["ratio"] * hp["lr_z"], hp["lr_z"], cfg.optim.momentum
        ),
        num_steps=steps,
        log_every=log_every,
        hparams=hp,
        hooks=hooks,
        name=name,
        log_fn=lambda p, hp: {"c": theory.token_mixture(p["Z"], layout)},
    )
    # The same init key fit uses (split(key)[0]), so c at iteration 0 is the trained runs' own.
    c0 = jax.vmap(
        lambda k: theory.token_mixture(
            yz.yz_init(jax.random.split(k)[0], m, zero_init)["Z"], layout
        )
    )(keys)
    c = np.concatenate([np.asarray(c0)[None], np.moveaxis(hist["c"], -1, 0)], 0)
    return train.unflatten_runs({"loss": hist["loss"], "c": np.moveaxis(c, 0, 1)}, shape)


def fit_transformer(root, cfg: Config, layout: sc.Layout, hooks=None) -> dict[str, np.ndarray]:
    """The embedding-based transformer on the Fig. 4 data; c_n from its effective Z."""
    o, d = cfg.optim, cfg.model.embed_dim
    model = yz.OneLayerTransformer(layout.num_tokens, d)
    keys = train.seed_keys(root, cfg.num_seeds)
    tokens0 = jnp.zeros((1, cfg.task.seq_len), jnp.int32)

    def loss_fn(params, batch, hp):
        return yz.cross_entropy(model.apply(params, batch["tokens"])[0], batch["label"])

    def mixture(params):
        return theory.token_mixture(yz.effective_z(params, d), layout)

    _, hist = train.fit(
        keys,
        init_fn=lambda k, hp: model.init(k, tokens0),
        loss_fn=loss_fn,
        sample_fn=lambda k, hp: sc.sample(k, o.batch_size, layout, cfg.task.seq_len),
        optimizer_fn=lambda hp: yz.two_rate_sgd(
            o.embed_ratio * o.embed_lr_z, o.embed_lr_z, o.momentum
        ),
        num_steps=o.embed_steps,
        log_every=cfg.snap_log_every,
        hooks=hooks,
        name="transformer",
        log_fn=lambda p, hp: {"c": mixture(p)},
    )
    c0 = jax.vmap(lambda k: mixture(model.init(jax.random.split(k)[0], tokens0)))(keys)
    c = np.concatenate([np.asarray(c0)[:, None], np.moveaxis(hist["c"], -1, 1)], 1)
    return {"loss": hist["loss"], "c": c, "steps": hist["step"]}


def _summaries(prefix: str, c, num_common: int) -> dict[str, np.ndarray]:
    """Class-averaged common mass and distinct entropy, and the largest c_n entry."""
    c = np.asarray(c, np.float64)
    return {
        f"{prefix}/common": theory.common_mass(c, num_common).mean(-1),
        f"{prefix}/entropy": theory.distinct_entropy(c, num_common).mean(-1),
        f"{prefix}/c_max": c.max(axis=(-1, -2)),
    }


def run(cfg: Config, key: jax.Array, hooks: train.Hooks | None = None) -> dict[str, np.ndarray]:
    """All runs; every output has a leading [seed] axis."""
    t, o, nc, s = cfg.task, cfg.optim, cfg.task.num_common, cfg.num_seeds
    out: dict[str, np.ndarray] = {}

    def tile(x):
        return np.tile(np.asarray(x)[None], (s, *[1] * np.ndim(x)))

    # Fig. 4: zero init, every iteration logged.
    lay4 = claims_lib.layout(cfg, t.fig4_num_last, t.fig4_next_per_last)
    r = fit_yz(
        jax.random.fold_in(key, 0),
        cfg,
        lay4,
        {"lr_z": (o.fig4_lr_z,), "ratio": (o.fig4_ratio,)},
        zero_init=True,
        steps=o.fig4_steps,
        log_every=1,
        name="fig4",
        hooks=hooks,
    )
    out["fig4/loss"], out["fig4/c"] = r["loss"][:, 0, 0], r["c"][:, 0, 0]
    out.update(_summaries("fig4", out["fig4/c"], nc))
    out["probs"] = tile(lay4.probs)
    out["fig4/num_tokens"] = np.full(s, lay4.num_tokens)

    # Fig. 6: one (lr_z x ratio x seed) program per number of query tokens.
    fig6 = {"entropy": [], "common": []}
    for n_last in t.fig6_num_last:
        r = fit_yz(
            jax.random.fold_in(key, 100 + n_last),
            cfg,
            claims_lib.layout(cfg, n_last, t.fig6_next_per_last),
            {"lr_z": o.fig6_lr_z, "ratio": o.fig6_ratio},
            zero_init=False,
            steps=o.fig6_steps,
            log_every=o.fig6_steps,
            name=f"fig6_last{n_last}",
            hooks=hooks,
        )
        summ = _summaries("x", r["c"][..., -1, :, :], nc)
        fig6["entropy"].append(summ["x/entropy"])
        fig6["common"].append(summ["x/common"])
    out["fig6/entropy"] = np.stack(fig6["entropy"], 1)  # [S, num_last, lr_z, ratio]
    out["fig6/common"] = np.stack(fig6["common"], 1)

    # Snap: one query token, ratio 1 vs 10, a long run.
    r = fit_yz(
        jax.random.fold_in(key, 1),
        cfg,
        claims_lib.layout(cfg, 1, t.fig6_next_per_last),
        {"lr_z": (o.snap_lr_z,), "ratio": o.snap_ratio},
        zero_init=False,
        steps=o.snap_steps,
        log_every=cfg.snap_log_every,
        name="snap",
        hooks=hooks,
    )
    out.update(_summaries("snap", r["c"][:, 0], nc))  # [S, ratio, n_logs + 1]
    n_logs = r["c"].shape[3] - 1
    out["snap/steps"] = tile(np.minimum(np.arange(n_logs + 1) * cfg.snap_log_every, o.snap_steps))

    # The embedding-based transformer on the Fig. 4 data.
    r = fit_transformer(jax.random.fold_in(key, 2), cfg, lay4, hooks)
    out["transformer/loss"], out["transformer/c"] = r["loss"], r["c"]
    out.update(_summaries("transformer", r["c"], nc))
    out["transformer/steps"] = tile(np.concatenate([[0], r["steps"]]))
    return out


claims = claims_lib.claims
plot = plots.plot

if __name__ == "__main__":
    launch.cli(__name__)
