"""Linear attention as a Hebbian (Pavlovian) associative memory, the run: crosstalk, capacity,
delta rule, and the depth / head-redundancy hypothesis panel.

Monte Carlo of M = sum_i v_i k_i^T with unit Gaussian keys (CSs) and +-1 values (USs),
vmapped over seeds and memories; shapes (d_k, N) that cannot be vmapped are a Python loop.
The reconstructed theory [ours] is attn_theory.theory.hebbian; every array the claims and
figures need (item counts, measured capacities) is computed here and saved.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from attn_theory import train, validation
from attn_theory.models import associative_memory as am
from attn_theory.tasks import random_memories as rm
from attn_theory.theory import hebbian
from configs.pavlovian_memory import Config


def validate(cfg: Config) -> None:
    """Cross-field rules (per-field bounds are declared in configs/pavlovian_memory.py)."""
    t = cfg.task
    validation.check(
        all(r * min(t.dims) >= 2 for r in t.ratios),
        "task.ratios",
        f"ratio * min(task.dims) must be >= 2 (N >= 2 items), got {t.ratios} x {min(t.dims)}",
    )
    for h in t.heads:
        validation.check(h <= t.head_width and t.head_width % h == 0, "task.heads",
                         f"each H must divide task.head_width={t.head_width}, got {h}")  # fmt: skip


def item_counts(cfg: Config, d_k: int) -> list[int]:
    """N of the error-law sweep at this d_k: ratios * d_k, at least 2."""
    return [max(2, round(r * d_k)) for r in cfg.task.ratios]


def _errors(o_nv, v_nv):
    return jnp.mean((o_nv - v_nv) ** 2), jnp.mean(jnp.sign(o_nv) != v_nv)


def per_dim(cfg, keys, d_k, hooks=None):
    """For one d_k (one compiled program): the Hebbian relative and bit error for each N in
    ratios * d_k ([S, |ratios|] each; None unless d_k in dims) and P(all N d_v bits right)
    for N = 1..N_max as items are added ([S, N_max]; None unless d_k in capacity_dims)."""
    t, d_v = cfg.task, cfg.task.d_v
    items = item_counts(cfg, d_k)
    trials = max(t.min_trials, math.ceil(t.min_pairs / math.comb(items[0], 2)))
    n_max = max(16, d_k // 4)

    def law_one(key):
        k_nk, v_nv, _ = rm.sample(key, max(items), d_k, d_v)
        errs = [
            _errors(am.memory_read(am.hebbian_memory(k_nk[:n], v_nv[:n]), k_nk[:n]), v_nv[:n])
            for n in items
        ]
        return jnp.stack([e[0] for e in errs]), jnp.stack([e[1] for e in errs])

    def recall_one(key):
        k_nk, v_nv, _ = rm.sample(key, n_max, d_k, d_v)
        g_nn = k_nk @ k_nk.T

        def add(o_nv, i):
            o_nv = o_nv + g_nn[:, i, None] * v_nv[i][None, :]
            ok_n = jnp.all(jnp.sign(o_nv) == v_nv, -1) | (jnp.arange(n_max) > i)
            return o_nv, jnp.all(ok_n)

        return jax.lax.scan(add, jnp.zeros((n_max, d_v)), jnp.arange(n_max))[1]

    def per_seed(key):
        law_key, cap_key = jax.random.split(jax.random.fold_in(key, d_k))
        out = {}
        if d_k in t.dims:
            rel, bit = jax.lax.map(law_one, jax.random.split(law_key, trials))
            out["rel"], out["bit"] = rel.mean(0), bit.mean(0)
        if d_k in t.capacity_dims:
            ok = jax.vmap(recall_one)(jax.random.split(cap_key, t.capacity_trials))
            out["recall"] = jnp.mean(ok.astype(jnp.float32), 0)
        return out

    return train.call(jax.vmap(per_seed), keys, hooks=hooks, name=f"per_dim_dk{d_k}")


def delta_vs_hebbian(cfg, keys, hooks=None):
    """Relative error after delta_epochs, after one epoch, and Hebbian: [S, |items|, 3].

    One compiled program for every N: the keys are the first N of max(items), and the delta
    scan runs epochs * max(items) steps of which only the first epochs * N update.
    """
    m = cfg.model
    n_max = max(m.delta_items)

    def delta(k_nk, v_nv, n, epochs):
        return am.delta_rule_memory(k_nk, v_nv, epochs, m.delta_lr, num_items=n)

    def one(key, n):
        k_nk, v_nv, _ = rm.sample(key, n_max, m.delta_dim, cfg.task.d_v)
        mask = (jnp.arange(n_max) < n)[:, None]
        hebb = am.hebbian_memory(k_nk * mask, v_nv)

        def err(mem):
            return jnp.sum(mask * (am.memory_read(mem, k_nk) - v_nv) ** 2) / (n * cfg.task.d_v)

        return jnp.stack(
            [err(delta(k_nk, v_nv, n, m.delta_epochs)), err(delta(k_nk, v_nv, n, 1)), err(hebb)]
        )

    def per_seed(key):
        keys_t = jax.random.split(key, m.delta_trials)
        return jax.lax.map(
            lambda n: jax.vmap(one, (0, None))(keys_t, n).mean(0), jnp.asarray(m.delta_items)
        )

    return train.call(jax.vmap(per_seed), keys, hooks=hooks, name="delta_vs_hebbian")


def hypothesis(cfg, keys, hooks=None):
    """Depth (residual sum; un-normalized chain) and head redundancy (fixed d_k; fixed width).

    Every memory is padded to one shape (keys zero beyond their d_k, heads masked beyond H)
    so the whole panel is one small compiled program.
    """
    t, d, n, d_v = cfg.task, cfg.model.hyp_dim, cfg.task.hyp_items, cfg.task.d_v
    num_layers, h_max, width = max(t.depth_layers), max(t.heads), max(t.head_width, d)
    heads = jnp.asarray(t.heads)

    def crosstalk(g_nw, v_nv, d_k):
        """Crosstalk reading item 0 of a memory of N unit keys in R^{d_k} (zero-padded)."""
        g_nw = g_nw * (jnp.arange(width) < d_k)
        k_nk = g_nw / jnp.linalg.norm(g_nw, axis=-1, keepdims=True)
        return (k_nk[0] @ k_nk.T) @ v_nv - v_nv[0]

    def avg(eps_hv, h):
        keep = (jnp.arange(h_max) < h)[:, None]
        return jnp.mean((jnp.sum(eps_hv * keep, 0) / h) ** 2)

    # Memories: L residual layers, h_max heads at d_k = d, h_max heads at width / H per H.
    dks = np.concatenate(
        [np.full(num_layers + h_max, d), np.repeat(t.head_width // np.asarray(t.heads), h_max)]
    )

    def one(key):
        # Few random call sites: each one compiles slowly on CPU (threefry).
        g_key, v_key, c_key = jax.random.split(key, 3)
        g = jax.random.normal(g_key, (dks.size, n, width))
        v = jnp.where(jax.random.bernoulli(v_key, 0.5, (dks.size, n, d_v)), 1.0, -1.0)
        eps = jax.vmap(crosstalk)(g, v, jnp.asarray(dks))
        # Residual: every layer reads item 0 through its own memory; crosstalk adds up.
        residual = jnp.mean(jnp.cumsum(eps[:num_layers], 0) ** 2, axis=1)
        # Heads: average of the first H independent heads, at fixed d_k and at width / H.
        fixed_dk = jax.vmap(avg, (None, 0))(eps[num_layers : num_layers + h_max], heads)
        eps_w = eps[num_layers + h_max :].reshape(len(t.heads), h_max, d_v)
        fixed_w = jax.vmap(avg)(eps_w, heads)
        # Chain: layer l maps pattern_{l-1} -> pattern_l; its output is the next query.
        pats = jnp.where(jax.random.bernoulli(c_key, 0.5, (num_layers + 1, n, d)), 1.0, -1.0)

        def layer(x_d, p):
            prev, nxt = p
            x_d = am.memory_read(am.hebbian_memory(prev / jnp.sqrt(d), nxt), x_d / jnp.sqrt(d))
            return x_d, jnp.mean((x_d - nxt[0]) ** 2)

        chain = jax.lax.scan(layer, pats[0, 0], (pats[:-1], pats[1:]))[1]
        return residual, chain, fixed_dk, fixed_w

    def per_seed(key):
        outs = jax.vmap(one)(jax.random.split(key, t.hyp_trials))
        return tuple(o.mean(0) for o in outs)

    res, chain, hk, hw = train.call(jax.vmap(per_seed), keys, hooks=hooks, name="hypothesis")
    idx = np.asarray(t.depth_layers) - 1
    return {
        "depth_residual": res[:, idx],
        "depth_chain": chain[:, idx],
        "heads_fixed_dk": hk,
        "heads_fixed_width": hw,
    }


def run(cfg: Config, key: jax.Array, hooks=None) -> dict[str, np.ndarray]:
    # Nothing is trained with an optimizer; every program goes through train.call (hooks:
    # compiled, not run, by a compile-only probe).
    seeds = train.seed_keys(key, cfg.num_seeds)
    part = {
        name: jax.vmap(lambda k, i=i: jax.random.fold_in(k, i))(seeds)
        for i, name in enumerate(("law", "capacity", "delta", "hyp"))
    }
    per = {
        d: per_dim(cfg, part["law"], d, hooks)
        for d in sorted(set(cfg.task.dims) | set(cfg.task.capacity_dims))
    }
    out = {
        "law_rel_err": np.stack([np.asarray(per[d]["rel"]) for d in cfg.task.dims], 1),
        "law_bit_err": np.stack([np.asarray(per[d]["bit"]) for d in cfg.task.dims], 1),
    }
    for d in cfg.task.capacity_dims:
        out[f"recall_all_dk{d}"] = np.asarray(per[d]["recall"])
    out["delta_errors"] = np.asarray(delta_vs_hebbian(cfg, part["delta"], hooks))
    out.update({k: np.asarray(v) for k, v in hypothesis(cfg, part["hyp"], hooks).items()})
    n_items = np.asarray([item_counts(cfg, d) for d in cfg.task.dims])
    out["const_items"] = n_items  # [|dims|, |ratios|]: N of each error-law cell
    # Measured capacities per seed [S, |capacity_dims|] and [S, |dims|] (claims pool them too).
    out["capacity_exact_recall"] = np.stack(
        [hebbian.capacity_from_recall(out[f"recall_all_dk{d}"]) for d in cfg.task.capacity_dims], 1
    )
    out["capacity_average"] = hebbian.capacity_from_error(
        n_items[None], out["law_rel_err"], cfg.task.capacity_eps
    )
    return out
