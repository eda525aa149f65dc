"""Scan and Snap (Tian et al., NeurIPS'23): scan and snap dynamics of a 1-layer transformer.

Trains the Y/Z model on sequence classes: the Fig. 4 run (zero init), the Fig. 6 sweep
(eta_Z x eta_Y/eta_Z x seeds in one vmapped program per number of query tokens, random init),
a long snap run (ratio 1 vs 10) and an embedding-based transformer demo. c_n is computed from
Z (theory.scan_snap.token_mixture). Claims B-P1..B-P6 of the spec; figures in
scan_and_snap_plots.py.

    python -m experiments.scan_and_snap --config=configs/scan_and_snap.py:quick \
        --workdir=/tmp/scan_and_snap
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from attn_theory import results, train, validation
from attn_theory.models import yz
from attn_theory.tasks import sequence_classes as sc
from attn_theory.theory import scan_snap as theory
from experiments import launch
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


def _layout(cfg: Config, num_last: int, next_per_last: int) -> sc.Layout:
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
    lay4 = _layout(cfg, t.fig4_num_last, t.fig4_next_per_last)
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
            _layout(cfg, n_last, t.fig6_next_per_last),
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
        _layout(cfg, 1, t.fig6_next_per_last),
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


def claims(res: dict[str, np.ndarray], cfg: Config) -> dict[str, results.Claim]:
    """B-P1..B-P6 of the spec, with the spec's bounds."""
    c = {}
    loss = np.median(res["fig4/loss"], 0)  # loss[t] is the loss at iteration t (pre-update)
    ln_m = np.log(_layout(cfg, cfg.task.fig4_num_last, cfg.task.fig4_next_per_last).num_tokens)
    c["B-P1_loss_iter0"] = results.claim_le(
        abs(loss[0] - ln_m), 1e-3, "Fig. 4 config: |loss(0) - ln M| <= 1e-3 (median over seeds)"
    )
    c["B-P1_loss_iter4"] = results.claim_le(loss[4], 1.0, "loss(4) < 1.0 (median over seeds)")
    c["B-P1_loss_iter8"] = results.claim_le(loss[8], 0.06, "loss(8) < 0.06 (median over seeds)")
    c["B-P1_loss_iter50"] = results.claim_le(loss[50], 1e-3, "loss(50) < 1e-3 (median over seeds)")
    common = np.median(res["fig4/common"], 0)  # index t = after t updates
    c["B-P2_common_mass_iter48"] = results.claim_le(
        common[48],
        0.45,
        "common-token mass of c_n falls from 0.645 to < 0.45 by iteration 48 "
        "(zero init, eta 1/1; class mean, median over seeds)",
    )
    late = res["fig4/common"][:, 4:]
    c["B-P2_common_never_rises"] = results.claim_le(
        np.max(late - np.minimum.accumulate(late, 1)),
        0.01,
        "after iteration 4 the common mass never rises more than 0.01 above its running "
        "minimum (max over seeds and iterations)",
    )
    lay4 = _layout(cfg, cfg.task.fig4_num_last, cfg.task.fig4_next_per_last)
    c_end = res["fig4/c"][:, -1]
    kept = theory.ranking_kept(c_end, lay4)
    c["B-P3_ranking_kept"] = results.claim_true(
        bool(np.all(kept)),
        float(np.mean(kept)),
        "final c_n on distinct tokens strictly increasing in P(l|n) (Spearman 1) and c_n/P "
        "non-decreasing, in every class and seed (value: fraction of (seed, class) pairs)",
    )
    # The top distinct token is the last support slot (largest P(l|n)).
    top_gain = c_end[:, :, -1] / res["fig4/c"][:, 0, :, -1]
    c["B-P3_top_share_doubles"] = results.claim_ge(
        np.min(top_gain),
        2.0,
        "final c_n(top distinct token) > 2x its initial share (min over seeds and classes)",
    )
    c.update(_fig6_claims(res, cfg))
    h = np.mean(res["snap/entropy"][:, 0], 0)  # ratio index 0 is eta_Y/eta_Z = 1
    steps = res["snap/steps"][0]
    at = {int(x): i for i, x in enumerate(steps)}
    frozen = abs(h[at[cfg.optim.snap_steps]] - h[at[60]])
    c["B-P5_snap_frozen"] = results.claim_le(
        frozen,
        0.02,
        f"snap (eta_Z 1, ratio 1, 1 query): |H({cfg.optim.snap_steps}) - H(60)| "
        "< 0.02 (mean over seeds)",
    )
    c["B-P5_scan_moves"] = results.claim_ge(
        h[0] - h[at[40]], 0.1, "scan: H(0) - H(40) > 0.1 (mean over seeds)"
    )
    c["B-P5_not_winner_take_all"] = results.claim_le(
        np.max(res["snap/c_max"][:, 0, -1]),
        0.5,
        "not winner-take-all: final max_l c_n(l) < 0.5 (max over seeds and classes)",
    )
    ratios = np.asarray(cfg.optim.snap_ratio)
    lo, hi = int(np.argmin(ratios)), int(np.argmax(ratios))
    d_common = np.mean(res["snap/common"][:, hi, -1] - res["snap/common"][:, lo, -1])
    d_ent = np.mean(res["snap/entropy"][:, hi, -1] - res["snap/entropy"][:, lo, -1])
    c["B-P6_lr_control"] = results.claim_true(
        bool(d_common > 0 and d_ent > 0),
        [float(d_common), float(d_ent)],
        f"final common mass and distinct entropy both higher at ratio {ratios[hi]:g} than "
        f"{ratios[lo]:g} (value: mean-over-seeds differences [common, entropy])",
        bound="> 0",
    )
    return c


def _fig6_claims(res, cfg: Config) -> dict[str, results.Claim]:
    o, t = cfg.optim, cfg.task
    h = np.mean(res["fig6/entropy"], 0)  # [num_last, lr_z, ratio], mean over seeds
    devs = []
    for i, n_last in enumerate(t.fig6_num_last):
        for j, lr_z in enumerate(o.fig6_lr_z):
            for k, ratio in enumerate(o.fig6_ratio):
                ref = theory.paper_fig6(n_last, lr_z, ratio)
                if n_last in (1, 5) and lr_z in (0.5, 1.0, 3.0) and ref is not None:
                    devs.append(abs(h[i, j, k] - ref))
    c = {
        "B-P4_fig6_table": results.claim_le(
            max(devs) if devs else np.nan,
            0.06,
            f"Fig. 6 distinct-token entropy [ours: distinct-only definition] after "
            f"{o.fig6_steps} it. within 0.06 of the authors' table, #queries in {{1,5}}, eta_Z "
            f"in {{0.5,1,3}}, every ratio ({len(devs)} cells; value: max |mean over seeds - "
            "table|)",
        )
    }
    j_lo, j_hi = int(np.argmin(o.fig6_lr_z)), int(np.argmax(o.fig6_lr_z))
    gap = h[:, j_lo, :] - h[:, j_hi, :]
    c["B-P4_larger_eta_z_sparser"] = results.claim_true(
        bool(np.all(gap > 0)),
        float(np.min(gap)),
        f"H(eta_Z={o.fig6_lr_z[j_hi]:g}) < H(eta_Z={o.fig6_lr_z[j_lo]:g}) at every ratio and "
        "#queries (value: min gap of seed means)",
        bound="> 0",
    )
    if 1 in t.fig6_num_last:
        i1 = t.fig6_num_last.index(1)
        k_lo, k_hi = int(np.argmin(o.fig6_ratio)), int(np.argmax(o.fig6_ratio))
        rgap = h[i1, :, k_hi] - h[i1, :, k_lo]
        c["B-P4_ratio_raises_entropy"] = results.claim_true(
            bool(np.all(rgap > 0)),
            float(np.min(rgap)),
            f"1 query: H(ratio {o.fig6_ratio[k_hi]:g}) > H(ratio {o.fig6_ratio[k_lo]:g}) for "
            "every eta_Z (value: min gap of seed means)",
            bound="> 0",
        )
    return c


plot = plots.plot

if __name__ == "__main__":
    launch.cli(__name__)
