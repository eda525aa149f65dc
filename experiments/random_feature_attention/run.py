"""Random-feature attention vs a random-feature MLP (Fu-Guo-Bai-Mei 2023), the run.

For every context length N and model (RFA, BRFA per beta, RFMLP with matched trainable
parameters) one jitted program per seed batch samples data, builds frozen random features and
targets; closed-form ridge (vmapped over seeds, lambdas inside, lambda chosen on validation)
gives the relative test error for every sample size n and target. A heads sweep reuses
prefixes of the RFA heads, and one setting is re-fitted by full-batch gradient descent with
optax through train.fit to show it reaches the closed form. The [ours] degree-counting
predictions the figures overlay are computed here too and saved as `const_*` arrays, so claims
and plots read saved results only (claims B1-B6 of docs/papers/random_feature_attention.md).

    python -m experiments.random_feature_attention \
        --config=configs/random_feature_attention.py:quick --workdir=/tmp/random_feature_attention
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

from attn_theory import train, validation
from attn_theory.models import random_features as rf
from attn_theory.tasks import pairwise_targets as tasks
from attn_theory.theory import random_features as theory
from configs.random_feature_attention import Config


def model_names(cfg: Config) -> list[str]:
    """'rfa', one 'brfa_b<beta>' per beta, 'rfmlp' (saved as `const_models`)."""
    return ["rfa", *(f"brfa_b{b:g}" for b in cfg.model.betas), "rfmlp"]


def validate(cfg: Config) -> None:
    """Cross-field rules (per-field bounds are declared in configs/random_feature_attention.py)."""
    t, o = cfg.task, cfg.optim
    validation.one_of("task.main_context", t.main_context, t.context_lengths)
    for name in t.targets:
        validation.one_of("task.targets", name, tuple(tasks.TARGETS))
    validation.one_of("optim.gd_model", o.gd_model, model_names(cfg))
    validation.one_of("optim.gd_target", o.gd_target, t.targets)
    validation.one_of("optim.gd_samples", o.gd_samples, t.sample_sizes)


def _features_fn(cfg: Config, num_keys: int, num_train: int, model: str, num_heads: int):
    """jit(vmap over seed keys) -> ((phi, y) train, val, test), phi [S, n, p], y [S, n, T]."""
    t, m = cfg.task, cfg.model

    def features(feat_key, x0, xs):
        if model == "rfmlp":
            w = rf.mlp_weights(
                jax.random.fold_in(feat_key, 1), m.num_heads * (t.dim + 1), t.dim, num_keys
            )
            return rf.mlp_features(w, x0, xs)
        # RFA and every BRFA share G (common random numbers); BRFA adds the mean.
        w = rf.attention_weights(jax.random.fold_in(feat_key, 0), num_heads, t.dim, m.noise_std)
        if model.startswith("brfa_b"):
            w = w + rf.query_key_mean(t.dim, float(model[len("brfa_b") :]))
        return rf.attention_features(w, x0, xs, activation=m.activation)[0]

    def one_seed(seed_key):
        data_key, feat_key, target_key = jax.random.split(seed_key, 3)
        aux = tasks.make_aux(target_key, t.targets, t.dim)
        # One draw split into train / val / test rows: a third of the graph to compile.
        sizes = (num_train, t.num_val, t.num_test)
        x0, xs = tasks.sample(jax.random.fold_in(data_key, num_keys), sum(sizes), num_keys, t.dim)
        phi, y = features(feat_key, x0, xs), tasks.evaluate(t.targets, x0, xs, aux)
        cuts = (0, num_train, num_train + t.num_val, sum(sizes))
        return tuple((phi[i:j], y[i:j]) for i, j in zip(cuts[:-1], cuts[1:], strict=True))

    return jax.jit(jax.vmap(one_seed))


_ridge = jax.jit(jax.vmap(theory.ridge_fit_eval, in_axes=(0, 0, 0, 0, 0, 0, None)))


def run(cfg: Config, key: jax.Array, hooks: train.Hooks | None = None) -> dict[str, np.ndarray]:
    """All fits for all seeds; every output has a leading [seed] axis."""
    t, m, o = cfg.task, cfg.model, cfg.optim
    keys = train.seed_keys(key, cfg.num_seeds)
    lams = jnp.asarray(o.lambdas, jnp.float32)
    names, n_t = model_names(cfg), len(t.targets)
    s, p = cfg.num_seeds, m.num_heads * (t.dim + 1)
    sweep_heads = max(m.num_heads, *m.head_counts)
    main_sizes = sorted({*t.sample_sizes, t.context_sweep_samples})
    out = {
        "err_n": np.full((s, len(names), len(t.sample_sizes), n_t), np.nan),
        "lam_n": np.zeros((s, len(names), len(t.sample_sizes), n_t), np.int32),
        "err_context": np.full((s, len(names), len(t.context_lengths), n_t), np.nan),
        "err_heads": np.full((s, len(m.head_counts), n_t), np.nan),
    }
    for i_ctx, num_keys in enumerate(t.context_lengths):
        main = num_keys == t.main_context
        for i_m, name in enumerate(names):
            brfa_here = main or m.context_sweep_brfa
            if name.startswith("brfa") and not brfa_here:
                continue
            heads = sweep_heads if (main and name == "rfa") else m.num_heads
            feats = _features_fn(
                cfg, num_keys, max(main_sizes) if main else t.context_sweep_samples, name, heads
            )
            (tr, y_tr), (va, y_va), (te, y_te) = train.call(
                feats, keys, hooks=hooks, name=f"features_{name}_k{num_keys}"
            )
            if main and name == "rfa":
                n_sweep = max(t.sample_sizes)
                for i_h, h in enumerate(m.head_counts):
                    c = h * (t.dim + 1)
                    if h == m.num_heads:  # the main fit at n_sweep below fills it
                        continue
                    r = train.call(
                        _ridge,
                        *(tr[:, :n_sweep, :c], y_tr[:, :n_sweep], va[..., :c], y_va),
                        *(te[..., :c], y_te, lams),
                        hooks=hooks,
                        name="ridge",
                    )
                    out["err_heads"][:, i_h] = r["test"]
                tr, va, te = tr[..., :p], va[..., :p], te[..., :p]
            sizes = main_sizes if main else [t.context_sweep_samples]
            if name.startswith("brfa") and not m.context_sweep_brfa:
                sizes = sorted(t.sample_sizes)
            for n in sizes:
                r = train.call(_ridge, tr[:, :n], y_tr[:, :n], va, y_va, te, y_te, lams,
                               hooks=hooks, name="ridge")  # fmt: skip
                if n == t.context_sweep_samples:
                    out["err_context"][:, i_m, i_ctx] = r["test"]
                if main and name == "rfa" and n == max(t.sample_sizes):
                    for i_h in [i for i, h in enumerate(m.head_counts) if h == m.num_heads]:
                        out["err_heads"][:, i_h] = r["test"]
                if main and n in t.sample_sizes:
                    i_n = t.sample_sizes.index(n)
                    out["err_n"][:, i_m, i_n] = r["test"]
                    out["lam_n"][:, i_m, i_n] = r["lam_index"]
                if main and name == o.gd_model and n == o.gd_samples:
                    i_t = t.targets.index(o.gd_target)
                    out.update(
                        gradient_descent(
                            cfg,
                            keys,
                            tr[:, :n],
                            y_tr[:, :n, i_t],
                            te,
                            y_te[..., i_t],
                            lams[r["lam_index"][:, i_t]],
                            hooks,
                        )
                    )
    per_point = {  # [seed] scalars for summary.json: main N, every model, n and target
        f"err_{name}_{target}_n{n}": out["err_n"][:, i_m, i_n, i_t]
        for i_m, name in enumerate(names)
        for i_n, n in enumerate(t.sample_sizes)
        for i_t, target in enumerate(t.targets)
    }
    return {**out, **per_point, **theory_curves(cfg), "const_models": np.asarray(names)}


def theory_curves(cfg: Config) -> dict[str, np.ndarray]:
    """[ours] degree-argument predictions of RFA's relative error along n, N and M, and the
    RFMLP degree-2 step along N (`const_*`: the same for every seed). RFA curves are nan for
    softmax scores or a target of unknown degree."""
    t, m = cfg.task, cfg.model
    ns, hs = np.asarray(t.sample_sizes), np.asarray(m.head_counts)
    grid_n = np.unique(np.geomspace(ns.min(), ns.max(), 200).astype(int))
    grid_h = np.unique(np.geomspace(hs.min(), hs.max(), 200).astype(int))
    grid_ctx = np.arange(min(t.context_lengths), max(t.context_lengths) + 1)
    p, n_ctx = m.num_heads * (t.dim + 1), t.context_sweep_samples
    fracs = [theory.target_degree_fractions(tasks.TARGETS[x], t.dim, 4) for x in t.targets]

    def rfa(heads, sizes):  # [targets, len(sizes)]
        return np.asarray(
            [
                [
                    np.nan
                    if frac is None or m.activation != "relu"
                    else theory.predicted_error(frac, theory.rfa_learned_order(h, t.dim, n))
                    for h, n in zip(heads, sizes, strict=True)
                ]
                for frac in fracs
            ],
            np.float64,
        )

    mlp = [0.0 if theory.mlp_learns_pairwise(k, t.dim, p, n_ctx) else 1.0 for k in grid_ctx]
    return {
        "const_theory_grid_n": grid_n,
        "const_theory_err_n": rfa([m.num_heads] * len(grid_n), grid_n),
        "const_theory_err_context": rfa([m.num_heads], [n_ctx])[:, 0],
        "const_theory_grid_context": grid_ctx,
        "const_theory_mlp_context": np.asarray(mlp),
        "const_theory_grid_heads": grid_h,
        "const_theory_err_heads": rfa(grid_h, [max(t.sample_sizes)] * len(grid_h)),
        "const_heads_needed": np.asarray([theory.heads_needed(t.dim, k) for k in (1, 2)]),
    }


def gradient_descent(cfg, keys, phi_snp, y_sn, phi_te, y_te, lam_rel_s, hooks):
    """Full-batch Nesterov GD (optax, train.fit) on the ridge objective vs its closed form.

    Objective per seed: mean((A w - y_c)^2) + (lambda/n) |w|^2 with A the centred features,
    the same problem `ridge_path` solves at lambda = lam_rel * mean(eig(A^T A)); lr = 1/L
    with L = 2 (e_max + lambda)/n. The training set is fixed, so it rides in the per-run
    hyperparameters and the sampler ignores its step key.
    """
    o, (s, n, p) = cfg.optim, phi_snp.shape
    mu = jnp.mean(phi_snp, 1, keepdims=True)
    ybar = jnp.mean(y_sn, 1, keepdims=True)
    a, yc, a_te, yc_te = phi_snp - mu, y_sn - ybar, phi_te - mu, y_te - ybar

    def closed_form(a, yc, lam_rel):
        gram = a @ a.T if p > n else a.T @ a
        e = jnp.linalg.eigvalsh(gram)
        lam = lam_rel * jnp.mean(jnp.maximum(e, 0.0))
        eye = jnp.eye(gram.shape[0])
        w = (
            a.T @ jnp.linalg.solve(gram + lam * eye, yc)
            if p > n
            else jnp.linalg.solve(gram + lam * eye, a.T @ yc)
        )
        obj = jnp.mean((a @ w - yc) ** 2) + lam / n * jnp.sum(w**2)
        return w, lam / n, 2 * (e[-1] + lam) / n, obj

    w_cf, lam_n, smooth, obj_cf = train.call(jax.vmap(closed_form), a, yc, lam_rel_s,
                                             hooks=hooks, name="gd_closed_form")  # fmt: skip
    hp = {"lam": lam_n, "lr": 1.0 / smooth, "a": a, "y": yc, "a_te": a_te, "y_te": yc_te}

    def loss_fn(params, batch, hp):
        a, y = batch
        return jnp.mean((a @ params["w"] - y) ** 2) + hp["lam"] * jnp.sum(params["w"] ** 2), {}

    def log_fn(params, hp):
        err = jnp.mean((hp["a_te"] @ params["w"] - hp["y_te"]) ** 2) / jnp.var(hp["y_te"])
        return {"test_rel_err": err}

    params, hist = train.fit(
        keys,
        init_fn=lambda k, hp: {"w": jnp.zeros(p)},
        loss_fn=loss_fn,
        sample_fn=lambda k, hp: (hp["a"], hp["y"]),
        optimizer_fn=lambda hp: optax.sgd(hp["lr"], momentum=o.gd_momentum, nesterov=True),
        num_steps=o.gd_steps,
        log_every=o.gd_log_every,
        hparams=hp,
        log_fn=log_fn,
        name=f"gd_{o.gd_model}_{o.gd_target}_n{o.gd_samples}",
        hooks=hooks,
    )
    pred_gd = jnp.einsum("snp,sp->sn", a_te, params["w"])
    pred_cf = jnp.einsum("snp,sp->sn", a_te, w_cf)
    var = jnp.var(yc_te, 1)
    return {
        "gd_test_err": np.asarray(jnp.mean((pred_gd - yc_te) ** 2, 1) / var),
        "cf_test_err": np.asarray(jnp.mean((pred_cf - yc_te) ** 2, 1) / var),
        "gd_pred_rel_diff": np.asarray(
            jnp.linalg.norm(pred_gd - pred_cf, axis=1) / jnp.linalg.norm(pred_cf, axis=1)
        ),
        "gd_loss": hist["loss"],
        "gd_test_curve": hist["test_rel_err"],
        "gd_cf_objective": np.asarray(obj_cf),
        "gd_steps": np.tile(hist["step"], (s, 1)),
    }
