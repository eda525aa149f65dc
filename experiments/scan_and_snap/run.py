"""Scan and Snap (Tian et al., NeurIPS'23): scan and snap dynamics of a 1-layer transformer.

Trains the Y/Z model on sequence classes: the Fig. 4 run (zero init), the Fig. 6 sweep
(eta_Z x eta_Y/eta_Z x seeds in one vmapped program per number of query tokens, random init),
a long snap run (ratio 1 vs 10) and an embedding-based transformer demo. c_n is computed from
Z (theory.scan_snap.token_mixture). Every array that claims.py (B-P1..B-P6,
docs/papers/scan_and_snap.md) and plots.py need is computed here and saved.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from attn_theory import train, validation
from attn_theory.models import scan_snap as model
from attn_theory.tasks import sequence_classes as sc
from attn_theory.theory import scan_snap as theory
from configs.scan_and_snap import Config


def validate(cfg: Config) -> None:
    """Cross-field rules (per-field bounds are declared in configs/scan_and_snap.py)."""
    msg = f"must divide 20 (B-P5 reads iterations 40 and 60), got {cfg.log_every}"
    validation.check(20 % cfg.log_every == 0, "log_every", msg)


def layout(cfg: Config, num_last: int, next_per_last: int) -> sc.Layout:
    """The sequence-class layout of the config's task with the given query/next counts."""
    return sc.make_layout(num_last, next_per_last, cfg.task.num_common, cfg.task.num_distinct)


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
    batch_size: int | None = None,
) -> dict[str, np.ndarray]:
    """Trains the Y/Z model on a (lr_z x ratio x seed) grid in one vmapped program.

    batch_size: sequences per step (default: optim.batch_size).

    Returns {'loss': [S, *grid, n_logs], 'c': [S, *grid, n_logs + 1, K, S_support]}, where
    c_n is logged at iteration 0 and after every `log_every` updates.
    """
    m, b, t = layout.num_tokens, batch_size or cfg.optim.batch_size, cfg.task.seq_len
    keys, hp, shape = train.grid_runs(root, cfg.num_seeds, grid)

    def loss_fn(params, batch, hp):
        return model.cross_entropy(model.yz_apply(params, batch["tokens"])[0], batch["label"])

    params, hist = train.fit(
        keys,
        init_fn=lambda k, hp: model.yz_init(k, m, zero_init),
        loss_fn=loss_fn,
        sample_fn=lambda k, hp: sc.sample(k, b, layout, t),
        optimizer_fn=lambda hp: model.two_rate_sgd(
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
            model.yz_init(jax.random.split(k)[0], m, zero_init)["Z"], layout
        )
    )(keys)
    c = np.concatenate([np.asarray(c0)[None], np.moveaxis(hist["c"], -1, 0)], 0)
    return train.unflatten_runs({"loss": hist["loss"], "c": np.moveaxis(c, 0, 1)}, shape)


def fit_transformer(root, cfg: Config, layout: sc.Layout, hooks=None) -> dict[str, np.ndarray]:
    """The embedding-based transformer on the Fig. 4 data; c_n from its effective Z."""
    o, d = cfg.optim, cfg.model.embed_dim
    net = model.OneLayerTransformer(layout.num_tokens, d)
    keys = train.seed_keys(root, cfg.num_seeds)
    tokens0 = jnp.zeros((1, cfg.task.seq_len), jnp.int32)

    def loss_fn(params, batch, hp):
        return model.cross_entropy(net.apply(params, batch["tokens"])[0], batch["label"])

    def mixture(params):
        return theory.token_mixture(model.effective_z(params, d), layout)

    _, hist = train.fit(
        keys,
        init_fn=lambda k, hp: net.init(k, tokens0),
        loss_fn=loss_fn,
        sample_fn=lambda k, hp: sc.sample(k, o.batch_size, layout, cfg.task.seq_len),
        optimizer_fn=lambda hp: model.two_rate_sgd(
            o.embed_ratio * o.embed_lr_z, o.embed_lr_z, o.momentum
        ),
        num_steps=o.embed_steps,
        log_every=cfg.log_every,
        hooks=hooks,
        name="transformer",
        log_fn=lambda p, hp: {"c": mixture(p)},
    )
    c0 = jax.vmap(lambda k: mixture(net.init(jax.random.split(k)[0], tokens0)))(keys)
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
    """All runs; every output has a leading [seed] axis except the `const_*` arrays."""
    t, o, nc = cfg.task, cfg.optim, cfg.task.num_common
    out: dict[str, np.ndarray] = {}

    # Fig. 4: zero init, every iteration logged.
    lay4 = layout(cfg, t.fig4_num_last, t.fig4_next_per_last)
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
        batch_size=o.fig4_batch_size,
    )
    out["fig4/loss"], out["fig4/c"] = r["loss"][:, 0, 0], r["c"][:, 0, 0]
    out.update(_summaries("fig4", out["fig4/c"], nc))
    out["const_probs"] = np.asarray(lay4.probs)  # P(l | n) on the support, every layout
    out["const_fig4_num_tokens"] = np.asarray(lay4.num_tokens)

    # Fig. 6: one (lr_z x ratio x seed) program per number of query tokens.
    fig6 = {"entropy": [], "common": []}
    for n_last in t.fig6_num_last:
        r = fit_yz(
            jax.random.fold_in(key, 100 + n_last),
            cfg,
            layout(cfg, n_last, t.fig6_next_per_last),
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
    out["const_fig6_paper"] = np.asarray(  # the authors' table; NaN outside their grid
        [[[np.nan if (v := theory.paper_fig6(n, z, r)) is None else v for r in o.fig6_ratio]
          for z in o.fig6_lr_z] for n in t.fig6_num_last]
    )  # fmt: skip

    # Snap: one query token, ratio 1 vs 10, a long run.
    r = fit_yz(
        jax.random.fold_in(key, 1),
        cfg,
        layout(cfg, 1, t.fig6_next_per_last),
        {"lr_z": (o.snap_lr_z,), "ratio": o.snap_ratio},
        zero_init=False,
        steps=o.snap_steps,
        log_every=cfg.log_every,
        name="snap",
        hooks=hooks,
    )
    out.update(_summaries("snap", r["c"][:, 0], nc))  # [S, ratio, n_logs + 1]
    n_logs = r["c"].shape[3] - 1
    out["const_snap_steps"] = np.minimum(np.arange(n_logs + 1) * cfg.log_every, o.snap_steps)

    # The embedding-based transformer on the Fig. 4 data.
    r = fit_transformer(jax.random.fold_in(key, 2), cfg, lay4, hooks)
    out["transformer/loss"], out["transformer/c"] = r["loss"], r["c"]
    out.update(_summaries("transformer", r["c"], nc))
    out["const_transformer_steps"] = np.concatenate([[0], np.asarray(r["steps"])])
    return out
