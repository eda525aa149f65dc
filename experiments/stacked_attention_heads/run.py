"""Stacked attention heads (Mușat, 2024), the run: retrieval-problem training per (D, L) group
with the implicit-curriculum (IC) and root-only (non-IC) targets, mechanism scores logged
during training, head ablation at the end, and the exact depth simulator (T1).

Each (D, L) group is ONE compiled, vmapped `train.fit`: seeds x {IC, non-IC} are runs of one
program (non-IC is a 0/1 hop-weight vector on the same D*V readout, so shapes agree). Every
array the claims and figures need is computed here and saved; names carry the cell
`D{D}_L{L}` (IC) or `D{D}_L{L}_nonic`.
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

from attn_theory import mechanisms, train, validation
from attn_theory.models.sequence import SequenceTransformer
from attn_theory.tasks import multihop_retrieval as task_lib
from attn_theory.theory import stacked_heads as theory
from configs.stacked_attention_heads import Config

SIM_SETTINGS = (
    ("bidirectional", False, "forward"),
    ("causal forward", True, "forward"),
    ("causal reverse", True, "reverse"),
)


def validate(cfg: Config) -> None:
    """Cross-field rules (per-field bounds are declared in configs/stacked_attention_heads.py)."""
    g, t = cfg.grid, cfg.task
    n = len(g.difficulties)
    same = len(g.layers) == len(g.steps) == len(g.non_ic) == n
    validation.check(
        same,
        "grid.layers",
        f"grid.difficulties/layers/steps/non_ic need equal "
        f"lengths, got {n}, {len(g.layers)}, {len(g.steps)}, {len(g.non_ic)}",
    )
    cells = list(zip(g.difficulties, g.layers, strict=False))
    validation.check(
        len(set(cells)) == len(cells),
        "grid.difficulties",
        f"each (D, L) group may appear once, got {cells}",
    )
    need = t.num_chains * (max(g.difficulties) + 1)
    validation.check(
        t.vocab >= need,
        "task.vocab",
        f"must be >= num_chains * (max D + 1) = {need}, got {t.vocab}",
    )
    need = t.num_chains * (max(cfg.theory.difficulties) + 1)
    validation.check(
        cfg.theory.vocab >= need,
        "theory.vocab",
        f"must be >= num_chains * (max theory D + 1) = {need}",
    )
    validation.check(
        cfg.model.width % cfg.model.num_heads == 0,
        "model.num_heads",
        f"must divide model.width={cfg.model.width}",
    )


def cell_name(D: int, L: int, ic: bool = True) -> str:
    return f"D{D}_L{L}" + ("" if ic else "_nonic")


def _model(cfg: Config, D: int, L: int) -> SequenceTransformer:
    m, t = cfg.model, cfg.task
    return SequenceTransformer(
        out_dim=D * t.vocab,
        vocab_size=t.vocab if t.layout == "tokens" else None,
        width=m.width,
        num_layers=L,
        num_heads=m.num_heads,
        causal=m.causal,
        residual=True,
        layer_norm=m.layer_norm,
        mlp=m.mlp,
        positions=True,
    )


def _hop_weights(ic, D: int):
    """IC: every hop; non-IC: the root (hop D) only."""
    return ic * jnp.ones(D) + (1.0 - ic) * jax.nn.one_hot(D - 1, D)


def _metrics(model, params, ex, ic, D: int, V: int, **kw):
    """Loss (hop-weighted), per-hop accuracy [D] and attention maps [L, B, H, T, T]."""
    out, inter = model.apply(params, ex["inputs"], **kw)
    logits = out[:, -1].reshape(-1, D, V)
    ce = optax.softmax_cross_entropy_with_integer_labels(logits, ex["chain"]).mean(0)
    w = _hop_weights(ic, D)
    acc = jnp.mean(jnp.argmax(logits, -1) == ex["chain"], 0)
    return jnp.sum(ce * w) / jnp.sum(w), acc, mechanisms.stack_maps(inter)


def scores(attn_lbhts, ex):
    """Mechanism scores: link [L, H] (each assignment -> its successor) and q->hop k
    [L, H, D] (the query -> the assignment that hop k reads)."""
    b, t = ex["succ_pos"].shape
    rows = jnp.broadcast_to(jnp.arange(t), (b, t))
    link = mechanisms.head_scores(attn_lbhts, rows, ex["succ_pos"])
    q_rows = jnp.full((b, 1), t - 1)
    qhop = [
        mechanisms.head_scores(attn_lbhts, q_rows, ex["path_pos"][:, k : k + 1])
        for k in range(ex["path_pos"].shape[1])
    ]
    return link, jnp.stack(qhop, -1)


def _fit_group(cfg: Config, key, D: int, L: int, steps: int, non_ic: bool, hooks):
    t, o, s = cfg.task, cfg.optim, cfg.num_seeds
    train_root, eval_root, final_root, set_root = jax.random.split(key, 4)
    model = _model(cfg, D, L)
    sample_kw = dict(D=D, K=t.num_chains, V=t.vocab, order=t.order, layout=t.layout)
    keys, hp, shape = train.grid_runs(train_root, s, {"ic": [1.0, 0.0] if non_ic else [1.0]})
    hp["seed"] = jnp.tile(jnp.arange(s), shape[1]).astype(jnp.float32)
    shape_in = jax.eval_shape(lambda: task_lib.sample_full(jax.random.key(0), 1, **sample_kw))
    probe = jnp.zeros(shape_in["inputs"].shape, shape_in["inputs"].dtype)
    schedule = optax.warmup_cosine_decay_schedule(
        0.0,
        o.learning_rate,
        o.warmup_steps,
        max(steps, o.warmup_steps + 1),
        end_value=o.final_learning_rate,
    )

    def sample(key, hp):
        ic = hp["ic"]
        size = ic * t.train_set_ic + (1 - ic) * t.train_set_non_ic
        if t.train_set_ic or t.train_set_non_ic:  # fixed finite sets, regenerated by index
            set_key = jax.random.fold_in(set_root, hp["seed"].astype(jnp.int32))
            hi = jnp.maximum(size, 1).astype(jnp.int32)
            idx = jax.random.randint(key, (t.batch_size,), 0, hi)
            fixed = task_lib.sample_examples(
                jax.vmap(lambda i: jax.random.fold_in(set_key, i))(idx), **sample_kw
            )
            fresh = task_lib.sample_full(key, t.batch_size, **sample_kw)
            return jax.tree_util.tree_map(lambda a, b: jnp.where(size > 0, a, b), fixed, fresh)
        return task_lib.sample_full(key, t.batch_size, **sample_kw)

    def loss_fn(params, ex, hp):
        return _metrics(model, params, ex, hp["ic"], D, t.vocab)[0], {}

    def eval_batch(hp, root, n):
        k = jax.random.fold_in(root, hp["seed"].astype(jnp.int32))
        return task_lib.sample_full(k, n, **sample_kw)

    def log_fn(params, hp):  # streamed into metrics.jsonl
        ex = eval_batch(hp, eval_root, t.eval_samples)
        loss, acc, attn = _metrics(model, params, ex, hp["ic"], D, t.vocab)
        link, qhop = scores(attn, ex)
        return {"eval_loss": loss, "hop_acc": acc, "link": link, "qhop": qhop}

    t0 = time.time()
    params, hist = train.fit(
        keys,
        init_fn=lambda k, hp: model.init(k, probe),
        loss_fn=loss_fn,
        sample_fn=sample,
        optimizer_fn=lambda hp: optax.chain(
            optax.clip_by_global_norm(o.clip_norm),
            optax.adamw(schedule, o.b1, o.b2, weight_decay=o.weight_decay),
        ),
        num_steps=steps,
        log_every=o.log_every,
        hparams=hp,
        log_fn=log_fn,
        name=cell_name(D, L),
        hooks=hooks,
    )
    wall = time.time() - t0

    def final(params, hp):
        ex = eval_batch(hp, final_root, t.final_samples)
        loss, acc, _ = _metrics(model, params, ex, hp["ic"], D, t.vocab)
        ev = eval_batch(hp, eval_root, t.eval_samples)
        _, _, attn = _metrics(model, params, ev, hp["ic"], D, t.vocab)
        link, qhop = scores(attn, ev)

        def ablated(kind):
            def root_acc(mask):
                return _metrics(
                    model, params, ev, hp["ic"], D, t.vocab, head_mask=mask, ablation=kind
                )[1][-1]

            return mechanisms.ablate_each_head(root_acc, L, cfg.model.num_heads)[1]

        one = task_lib.sample_full(jax.random.fold_in(final_root, 10**6), 1, **sample_kw)
        maps = _metrics(model, params, one, hp["ic"], D, t.vocab)[2][:, 0]  # [L, H, T, T]
        example = jnp.concatenate(
            [one["assign_pos"][0].reshape(-1), one["path_pos"][0], one["query_chain"]]
        )
        return {
            "loss": loss,
            "hop_acc": acc,
            "link": link,
            "qhop": qhop,
            "maps": maps,
            "ablate_zero": ablated("zero"),
            "ablate_mean": ablated("mean"),
            "example": example,
        }

    # One run at a time (lax.map, not vmap): every head's ablation on the evaluation batch of
    # every run at once needed 28 GB at the paper preset's sizes.
    fin = train.call(lambda p, h: jax.lax.map(lambda a: final(*a), (p, h)), params, hp,
                     hooks=hooks, name=f"final_{cell_name(D, L)}")  # fmt: skip
    out = {}
    for g, ic in enumerate([True, False] if non_ic else [True]):
        c = cell_name(D, L, ic)

        def pick(x, g=g):
            return train.unflatten_runs(x, shape)[:, g]

        out.update(
            {
                f"root_acc_{c}": pick(fin["hop_acc"])[:, -1],
                f"hop_acc_{c}": pick(fin["hop_acc"]),
                f"final_loss_{c}": pick(fin["loss"]),
                f"link_{c}": pick(fin["link"]),
                f"qhop_{c}": pick(fin["qhop"]),
                f"ablate_zero_root_acc_{c}": pick(fin["ablate_zero"]),
                f"ablate_mean_root_acc_{c}": pick(fin["ablate_mean"]),
                f"maps_{c}": pick(fin["maps"]),
                f"hist_loss_{c}": pick(hist["loss"]),
                f"hist_eval_loss_{c}": pick(hist["eval_loss"]),
                f"hist_hop_acc_{c}": pick(hist["hop_acc"]),
                f"hist_link_{c}": pick(hist["link"]),
                f"hist_qhop_{c}": pick(hist["qhop"]),
            }
        )
    c = cell_name(D, L)
    out[f"const_steps_{c}"] = np.asarray(hist["step"])
    out[f"const_wall_s_{c}"] = np.asarray(wall)
    out[f"const_steps_per_s_{c}"] = np.asarray(steps / wall)
    out[f"const_example_{c}"] = fin["example"][0]  # the same example for every run
    return out


def simulate_depths(cfg: Config) -> np.ndarray:
    """T1: simulated minimal depth [len(theory.difficulties), len(SIM_SETTINGS), samples]
    (numpy; the layouts come from a numpy generator seeded by cfg.seed)."""
    th, k = cfg.theory, cfg.task.num_chains
    rng = np.random.default_rng(cfg.seed)
    return np.stack(
        [
            np.stack(
                [
                    theory.min_depth(
                        *theory.sample_layout(rng, th.samples, D, k, th.vocab, order),
                        th.vocab,
                        causal,
                        th.max_layers,
                    )
                    for _, causal, order in SIM_SETTINGS
                ]
            )
            for D in th.difficulties
        ]
    )


def run(cfg: Config, key, hooks=None) -> dict[str, np.ndarray]:
    g = cfg.grid
    train_key = key
    out = {}
    for D, L, steps, non_ic in zip(g.difficulties, g.layers, g.steps, g.non_ic, strict=True):
        group_key = jax.random.fold_in(jax.random.fold_in(train_key, D), L)
        out.update(_fit_group(cfg, group_key, D, L, steps, non_ic, hooks))
    ds = cfg.theory.difficulties
    out["const_t1_min_depth"] = simulate_depths(cfg)
    out["const_t1_difficulties"] = np.asarray(ds)
    out["const_t1_bound_bidirectional"] = np.asarray(
        [theory.min_layers_bidirectional(d) for d in ds]
    )
    out["const_t1_bound_causal"] = np.asarray([theory.min_layers_causal(d) for d in ds])
    return out
