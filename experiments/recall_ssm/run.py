"""Recall with attention, linear attention and SSMs; mimetic initialisation: the run.

Four parts (docs/papers/recall_ssm.md):
  identities  float64 checks of the DSF forms (E1-E5), per seed key;
  state size  softmax, linear attention (16) at several n, normalised attention (21), SSD
              (and S6) on MQAR (S1-S4, F1), per model width;
  mimetic     SSD with default / mimetic / decay-only / tie-only inits (M1-M4, F2) and
              softmax with lecun / mimetic / weak-mimetic inits (N1-N2, F4);
  zoology     softmax on the authors' MQAR format with a token shift (Z1, F5).
Every trained model's (learning rate x init x seed) grid is ONE jit(vmap) program
(`train.fit` over a flattened run axis); inits are parameter transforms selected by a traced
index (attn_theory/mixers.py), so they share the compile.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax

from attn_theory import mixers, train, validation
from attn_theory.models.sequence import SequenceTransformer
from attn_theory.tasks import mqar, mqar_stacked
from attn_theory.theory import dsf
from configs.recall_ssm import Config


def validate(cfg: Config) -> None:
    """Cross-field rules (per-field bounds are declared in configs/recall_ssm.py)."""
    t, z = cfg.task, cfg.zoology
    validation.check(t.num_pairs <= min(t.num_keys, t.num_values), "task.num_pairs",
                     f"must be <= num_keys and num_values, got {t.num_pairs}")  # fmt: skip
    for name, (v, T, kv) in {
        "task": (t.vocab, t.seq_len, t.num_kv),
        "zoology": (z.vocab, z.seq_len, max(z.num_kv, default=1)),
    }.items():
        validation.check(v > T and 4 * kv <= T and kv < v // 2, f"{name}.vocab",
                         f"need vocab > seq_len >= 4 num_kv, got {v}, {T}, {kv}")  # fmt: skip
    validation.check(t.eval_chunk >= t.eval_batch or t.eval_batch % t.eval_chunk == 0,
                     "task.eval_chunk", f"must divide eval_batch {t.eval_batch} (or exceed it), "
                     f"got {t.eval_chunk}")  # fmt: skip
    odd = [p for p in cfg.identities.taylor_orders if p % 2]
    validation.check(not odd, "identities.taylor_orders",
                     f"odd orders can make the normaliser negative: {odd}")  # fmt: skip


# --- identities ----------------------------------------------------------------------------


def _rel(a, b):
    return jnp.max(jnp.abs(a - b)) / jnp.max(jnp.abs(b))


def _identities_one(key, cfg: Config):
    i = cfg.identities
    b, t, h, n, p = i.batch, i.seq_len, i.heads, i.state, i.width
    ks = jax.random.split(key, 10)
    f64 = jnp.float64
    q, k = (jax.random.normal(kk, (b, t, h, n), f64) for kk in ks[:2])
    v = jax.random.normal(ks[2], (b, t, h, p), f64)
    out = {}
    lin = dict(feature="elu1", normalization="kernel")
    out["e1_linear"] = _rel(mixers.linear_recurrent(q, k, v, **lin),
                            mixers.linear_parallel(q, k, v, **lin)[0])  # fmt: skip
    log_eta = jax.random.normal(ks[3], (b, t, h), f64)
    out["e2_normalized"] = _rel(mixers.normalized_recurrent(q, k, v, log_eta),
                                mixers.normalized_parallel(q, k, v, log_eta)[0])  # fmt: skip
    dt = jax.nn.softplus(jax.random.normal(ks[4], (b, t, h), f64))
    log_lam = -dt * jnp.exp(jax.random.normal(ks[5], (h,), f64))
    rec = mixers.ssd_recurrent(q, k, v, dt, log_lam)
    out["e3_ssd_mask"] = _rel(mixers.ssd_parallel(q, k, v, dt, log_lam)[0], rec)
    lin_form, le = dsf.ssd_as_linear_attention(q, k, v, dt, log_lam)
    out["e3_ssd_linear_attention"] = _rel(lin_form, rec)
    lam_from_eta = jnp.exp(le[:, :-1] - le[:, 1:])  # eta_{i-1} / eta_i
    out["e3_lambda_from_eta"] = _rel(lam_from_eta, jnp.exp(log_lam[:, 1:]))
    out["e3_eta_max"] = jnp.exp(jnp.max(le))
    hebb = mixers.ssd_recurrent(q, k, v, jnp.ones_like(dt), jnp.zeros_like(dt))
    out["e3_hebbian"] = _rel(hebb, mixers.linear_parallel(q, k, v, scale=1.0)[0])
    dtp = jax.nn.softplus(jax.random.normal(ks[6], (b, t, h, p), f64))
    a = -jnp.exp(jax.random.normal(ks[7], (h, p, n), f64))
    out["e4_s6"] = _rel(
        mixers.s6_recurrent(q, k, v, dtp, a), mixers.s6_parallel(q, k, v, dtp, a)[0]
    )

    def sphere(kk, r):
        x = jax.random.normal(kk, (b, t, n), f64)
        return r * x / jnp.linalg.norm(x, axis=-1, keepdims=True)

    qs, kt = sphere(ks[8], i.score_radius), sphere(ks[9], i.score_radius)
    vs = v[:, :, 0]
    ref = dsf.softmax_causal(qs, kt, vs)
    out["e5_taylor"] = jnp.stack(
        [
            jnp.linalg.norm(dsf.taylor_softmax(qs, kt, vs, o) - ref) / jnp.linalg.norm(ref)
            for o in i.taylor_orders
        ]  # fmt: skip
    )
    return out


def identities(cfg: Config, key) -> dict[str, np.ndarray]:
    """E1-E5 relative errors per seed key (float64).

    Run op by op (no jit): one jitted, vmapped program of all the forms took minutes to
    compile, while the arrays are tiny.
    """
    with jax.enable_x64(True):
        keys = train.seed_keys(key, cfg.num_seeds)
        outs = [_identities_one(keys[i], cfg) for i in range(cfg.num_seeds)]
        return {k: np.stack([np.asarray(o[k], np.float64) for o in outs]) for k in outs[0]}


# --- training ------------------------------------------------------------------------------


def task_sampler(cfg: Config, zoology_kv: int | None = None):
    """(sample(key, batch) -> (inputs, targets), number of output classes)."""
    t, z = cfg.task, cfg.zoology
    if zoology_kv is not None:
        kw = dict(seq_len=z.seq_len, num_kv=zoology_kv, vocab=z.vocab, shift=z.shift)
        return functools.partial(mqar.sample, **kw), z.vocab
    if t.format == "zoology":
        kw = dict(seq_len=t.seq_len, num_kv=t.num_kv, vocab=t.vocab, shift=t.shift)
        return functools.partial(mqar.sample, **kw), t.vocab
    kw = dict(num_pairs=t.num_pairs, num_keys=t.num_keys, num_values=t.num_values)
    return functools.partial(mqar_stacked.sample, **kw), t.num_values


def build_model(cfg: Config, kind: str, width: int, state: int, out_dim: int, vocab=None,
                first_value_row: int = 0):  # fmt: skip
    """One pre-LN residual stack of `kind` mixers (no MLP), learned positions, a Dense or a
    tied readout (model.readout: the value rows of the stacked one-hots, or the token rows)."""
    m = cfg.model
    # first_value_row: the stacked inputs are [key one-hot; value one-hot], so values start
    # at num_keys; token inputs start at 0.
    tied = (first_value_row, first_value_row + out_dim) if m.readout == "tied" else None
    options = ()
    if kind == "linear":
        options = (("feature", m.feature), ("normalization", m.normalization))
    elif kind == "s6":
        options = (("impl", "recurrent"),)
    return SequenceTransformer(
        out_dim=out_dim, vocab_size=vocab, width=width, num_layers=m.num_layers, num_heads=1,
        head_dim=state if kind == "softmax" else width, kind=kind,
        state_dim=None if kind == "softmax" else state, causal=True, residual=True,
        layer_norm=True, mlp=False, positions=True, mixer_options=options,
        embed_std=m.embed_std or None, final_layer_norm=m.final_norm, tied_readout=tied,
    )  # fmt: skip


def loss_and_accuracy(model, params, inputs, targets):
    """Cross-entropy and accuracy over the query positions (targets >= 0) only."""
    out, _ = model.apply(params, inputs)
    valid = targets >= 0
    ce = optax.softmax_cross_entropy_with_integer_labels(out, jnp.maximum(targets, 0))
    n = jnp.maximum(valid.sum(), 1)
    acc = ((jnp.argmax(out, -1) == targets) & valid).sum() / n
    return (ce * valid).sum() / n, acc


def chunked_accuracy(model, params, inputs, targets, chunk: int):
    """Query-position accuracy over a batch, `chunk` prompts per forward pass (lax.map), so
    the [batch, T, vocab] logits of a paper-size evaluation never exist at once. Every prompt
    has the same number of queries, so the mean of the chunk means is the batch mean."""
    b = targets.shape[0]
    if chunk >= b:
        return loss_and_accuracy(model, params, inputs, targets)[1]
    split = lambda x: x.reshape(b // chunk, chunk, *x.shape[1:])  # noqa: E731
    accs = jax.lax.map(lambda xy: loss_and_accuracy(model, params, *xy)[1],
                       (split(inputs), split(targets)))  # fmt: skip
    return accs.mean()


def init_variants(cfg: Config, kind: str) -> list[tuple[str, dict]]:
    """The (mixers init name, kwargs) of every init of a model kind, in results order."""
    i = cfg.init
    if kind in ("ssd", "s6"):
        return [(name, {"ssm_decay": i.ssm_decay}) for name in i.ssm_inits]
    if kind != "softmax":
        return [("default", {})]
    full = dict(alpha_qk=i.alpha_qk, beta_qk=i.beta_qk, alpha_vo=i.alpha_vo, beta_vo=i.beta_vo)
    out = [(name, full) for name in i.attention_inits]
    if i.weak_qk > 0 and "mimetic" in i.attention_inits:
        out.append(("mimetic", {**full, "alpha_qk": i.weak_qk, "beta_qk": i.weak_qk}))
    return out


def _init_fn(model, probe, variants):
    def init(key, hp):
        k_model, k_init = jax.random.split(key)
        params = model.init(k_model, probe)
        trees = [mixers.init_variant(k_init, params, n, **kw) for n, kw in variants]
        idx = hp["init"].astype(jnp.int32)

        def pick(*xs):  # an elementwise select keeps the run axis sharded (a gather did not)
            out = xs[0]
            for i, x in enumerate(xs[1:], 1):
                out = jnp.where(idx == i, x, out)
            return out

        return jax.tree_util.tree_map(pick, *trees)

    return init


def train_grid(cfg: Config, key, model, sample, variants, num_steps, name, hooks):
    """Trains the (learning rate x init x seed) grid of one model as one vmapped program.

    Returns acc [S, L, I, logs] (fresh eval prompts, fixed per seed), the final params of
    every run (run axis) and the run shape.
    """
    o, t = cfg.optim, cfg.task
    s = cfg.num_seeds
    train_root, eval_root = jax.random.split(key)
    grid = {"lr": o.learning_rates, "init": list(range(len(variants)))}
    keys, hp, shape = train.grid_runs(train_root, s, grid)
    hp["seed"] = jnp.tile(jnp.arange(s, dtype=jnp.float32), len(keys) // s)
    probe = sample(jax.random.key(0), 2)[0]

    def loss_fn(params, batch, hp):
        loss, acc = loss_and_accuracy(model, params, *batch)
        return loss, {"train_accuracy": acc}

    def log_fn(params, hp):
        k = jax.random.fold_in(eval_root, hp["seed"].astype(jnp.int32))
        inputs, targets = sample(k, t.eval_batch)
        return {"eval_accuracy": chunked_accuracy(model, params, inputs, targets, t.eval_chunk)}

    def opt_fn(hp):
        sched = optax.cosine_decay_schedule(hp["lr"], num_steps)
        return optax.adamw(sched, o.b1, o.b2, weight_decay=o.weight_decay)

    params, hist = train.fit(
        keys, init_fn=_init_fn(model, probe, variants), loss_fn=loss_fn,
        sample_fn=lambda k, hp: sample(k, t.batch_size), optimizer_fn=opt_fn,
        num_steps=num_steps, log_every=o.log_every, hparams=hp, log_fn=log_fn, name=name,
        hooks=hooks,
    )  # fmt: skip
    acc = train.unflatten_runs(hist["eval_accuracy"], shape)
    return acc, params, (keys, hp, shape, np.asarray(hist["step"]))


def _attention_stats(model, params, inputs, targets, token_width):
    """Mean softmax mass of a query on itself and on earlier tokens with its key (token).

    token_width: the leading input columns that one-hot the current key / token.
    """
    _, inter = model.apply(params, inputs)
    attn = inter["attn"][0][:, 0]  # first layer, head 0: [b, t, s]
    feats = inputs if inputs.ndim == 3 else jax.nn.one_hot(inputs, token_width)
    cur = feats[..., :token_width]
    t = attn.shape[-1]
    match = (jnp.einsum("btk,bsk->bts", cur, cur) > 0.5) & jnp.tril(jnp.ones((t, t), bool), -1)
    q = targets >= 0
    n = jnp.maximum(q.sum(), 1)
    diag = jnp.diagonal(attn, axis1=-2, axis2=-1)
    return (diag * q).sum() / n, ((attn * match).sum(-1) * q).sum() / n, attn[0]


def steps_to(acc_logs, steps, target, budget):
    """First logged step with accuracy >= target (budget when never reached)."""
    hit = acc_logs >= target
    first = np.where(hit.any(-1), np.asarray(steps)[np.argmax(hit, -1)], budget)
    return first.astype(np.float64)


def _arms(cfg: Config) -> list[tuple[str, tuple[int, ...]]]:
    m = cfg.model
    return [
        ("softmax", (m.softmax_dim,) if m.softmax_dim else ()),
        ("linear", m.linear_states),
        ("normalized", m.normalized_states),
        ("ssd", m.ssd_states),
        ("s6", m.s6_states),
    ]


def planned_fits(cfg: Config) -> list[tuple[str, int]]:
    """The train.fit calls of run(), in order (progress: fit k/n and the experiment's ETA)."""
    o = cfg.optim
    fits = [
        (f"{kind}_d{width}_n{state}", o.softmax_steps if kind == "softmax" else o.num_steps)
        for kind, states in _arms(cfg)
        for width in cfg.model.widths
        for state in states
    ]
    return fits + [(f"zoology_kv{kv}", cfg.zoology.num_steps) for kv in cfg.zoology.num_kv]


def run(cfg: Config, key, hooks=None) -> dict[str, np.ndarray]:
    m, o = cfg.model, cfg.optim
    id_key, state_key, zoo_key = jax.random.split(key, 3)
    out = {f"{k}_err" if not k.endswith("max") else k: v
           for k, v in identities(cfg, id_key).items()}  # fmt: skip
    out["const_taylor_orders"] = np.asarray(cfg.identities.taylor_orders)
    out["const_taylor_state_dim"] = np.asarray(
        [
            dsf.taylor_state_dim(p, cfg.identities.state, cfg.identities.width)
            for p in cfg.identities.taylor_orders
        ]  # fmt: skip
    )
    sample, out_dim = task_sampler(cfg)
    t = cfg.task
    vocab = t.vocab if t.format == "zoology" and not t.shift else None  # int tokens
    for kind, states in _arms(cfg):
        if not states:
            continue
        steps = o.softmax_steps if kind == "softmax" else o.num_steps
        variants = init_variants(cfg, kind)
        accs = []
        for wi, width in enumerate(m.widths):
            row = []
            for state in states:
                row0 = t.num_keys if t.format == "stacked" else 0
                model = build_model(cfg, kind, width, state, out_dim, vocab, row0)
                name = f"{kind}_d{width}_n{state}"
                acc, params, (keys, hp, shape, logged) = train_grid(
                    cfg, jax.random.fold_in(state_key, wi), model, sample, variants, steps,
                    name, hooks)  # fmt: skip
                row.append(acc)
                if kind == "softmax" and wi == 0:
                    out.update(_softmax_maps(cfg, model, params, keys, hp, shape, variants, hooks))
            accs.append(np.stack(row, 1))  # [S, n, L, I, logs]
        acc = np.stack(accs, 1)  # [S, W, n, L, I, logs]
        out[f"{kind}_acc"] = acc
        out[f"{kind}_final"] = acc[..., -1].max(3)  # best learning rate: [S, W, n, I]
        out[f"const_{kind}_steps"] = logged
        out[f"const_{kind}_states"] = np.asarray(states)
        labels = [n if n != "mimetic" or kw.get("alpha_qk", 0.7) == cfg.init.alpha_qk
                  else "mimetic_weak" for n, kw in variants]  # fmt: skip
        for ni, state in enumerate(states):  # headline [seed] scalars for summary.json
            for ii, label in enumerate(labels):
                out[f"final_{kind}_n{state}_{label}"] = out[f"{kind}_final"][:, 0, ni, ii]
        out[f"{kind}_steps_to_target"] = steps_to(
            acc.max(3), out[f"const_{kind}_steps"], o.target_accuracy, steps
        )  # [S, W, n, I, ...] -> [S, W, n, I]
    if cfg.zoology.num_kv:
        out.update(_zoology(cfg, zoo_key, hooks))
    return out


def _softmax_maps(cfg, model, params, keys, hp, shape, variants, hooks=None):
    """N1/F4: attention statistics at init and after training, per seed and init (lr 0)."""
    sample, _ = task_sampler(cfg)
    inputs, targets = sample(jax.random.key(12345), min(cfg.task.eval_batch, cfg.task.eval_chunk))
    init_fn = _init_fn(model, inputs[:2], variants)
    init_params = train.call(jax.vmap(lambda k, h: init_fn(jax.random.split(k)[0], h)), keys, hp,
                             hooks=hooks, name="softmax_maps_init_params")  # fmt: skip
    t = cfg.task
    width = t.num_keys if t.format == "stacked" else t.vocab
    # The prompts are arguments, not closed-over constants (XLA constant-folded them).
    stats = jax.jit(jax.vmap(lambda p, x, y: _attention_stats(model, p, x, y, width),
                             in_axes=(0, None, None)))  # fmt: skip
    res = {}
    for when, prm in (("init", init_params), ("final", params)):
        got = train.call(stats, prm, inputs, targets, hooks=hooks, name=f"softmax_maps_{when}")
        self_mass, match_mass, one_map = train.unflatten_runs(got, shape)
        res[f"attn_self_{when}"] = self_mass[:, 0]  # [S, I]
        res[f"attn_match_{when}"] = match_mass[:, 0]
        res[f"attn_map_{when}"] = one_map[:, 0]  # [S, I, T, T]
    return res


def _zoology(cfg: Config, key, hooks):
    """Z1: softmax on the authors' MQAR format (token shift [ours]), per number of pairs."""
    z, m = cfg.zoology, cfg.model
    accs = []
    for kv in z.num_kv:
        sample, out_dim = task_sampler(cfg, zoology_kv=kv)
        vocab = None if z.shift else z.vocab
        model = build_model(cfg, "softmax", m.widths[0], m.softmax_dim or m.widths[0], out_dim,
                            vocab)  # fmt: skip
        acc, _, (*_, steps) = train_grid(cfg, jax.random.fold_in(key, kv), model, sample,
                                         [("default", {})], z.num_steps, f"zoology_kv{kv}",
                                         hooks)  # fmt: skip
        accs.append(acc[:, :, 0])  # [S, L, logs]
    acc = np.stack(accs, 1)  # [S, kv, L, logs]
    return {
        "zoology_acc": acc,
        "zoology_final": acc[..., -1].max(2),
        "zoology_steps_to_target": steps_to(
            acc.max(2), steps, cfg.optim.target_accuracy, z.num_steps
        ),  # fmt: skip
        "const_zoology_steps": steps,
        "const_zoology_kv": np.asarray(z.num_kv),
    }
