"""Linear attention as a Hebbian (Pavlovian) associative memory: crosstalk, capacity, delta rule.

Monte Carlo of M = sum_i v_i k_i^T with unit Gaussian keys (CSs) and +-1 values (USs),
vmapped over seeds and memories; shapes (d_k, N) that cannot be vmapped are a Python loop.
Theory (reconstructed, spec B.2) in attn_theory.theory.hebbian. Claims (spec B.3.1-5) in
pavlovian_memory_claims.py; the depth / head-redundancy panel is a labelled HYPOTHESIS test
without a claim.

    python -m experiments.pavlovian_memory --config=configs/pavlovian_memory.py:quick \
        --workdir=/tmp/pavlovian_memory
"""

from __future__ import annotations

import dataclasses
import math

import jax
import jax.numpy as jnp
import numpy as np

from attn_theory import train, validation
from attn_theory.models import associative_memory as am
from attn_theory.tasks import random_memories as rm
from experiments import launch, pavlovian_memory_plots
from experiments import pavlovian_memory_claims as claims_lib

NAME = "pavlovian_memory"


@dataclasses.dataclass(frozen=True)
class TaskConfig:
    d_v: int = 64
    dims: tuple[int, ...] = (32, 64, 128, 256, 512, 1024)
    ratios: tuple[float, ...] = (0.125, 0.25, 0.5, 1.0, 2.0)
    min_trials: int = 4
    min_pairs: int = 5000
    capacity_dims: tuple[int, ...] = (16, 32, 64, 128, 256, 512)
    capacity_trials: int = 100
    capacity_eps: float = 0.5
    depth_layers: tuple[int, ...] = (1, 2, 4, 8)
    heads: tuple[int, ...] = (1, 2, 4, 8)
    head_width: int = 256
    hyp_items: int = 16
    hyp_trials: int = 50


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    delta_dim: int = 64
    delta_items: tuple[int, ...] = (16, 32, 64, 128)
    delta_epochs: int = 20
    delta_lr: float = 1.0
    delta_trials: int = 5
    hyp_dim: int = 64


@dataclasses.dataclass(frozen=True)
class Config:
    task: TaskConfig = TaskConfig()
    model: ModelConfig = ModelConfig()
    seed: int = 0
    num_seeds: int = 4


def validate(cfg: Config) -> None:
    t, m = cfg.task, cfg.model
    validation.int_range("task.d_v", t.d_v, 1)
    for d in t.dims:
        validation.int_range("task.dims", d, 8)
    validation.check(
        len(t.ratios) > 0 and all(r * min(t.dims) >= 2 for r in t.ratios),
        "task.ratios",
        "must be non-empty with ratio * min(dims) >= 2",
    )
    validation.int_range("task.min_trials", t.min_trials, 1)
    validation.int_range("task.min_pairs", t.min_pairs, 1)
    for d in t.capacity_dims:
        validation.int_range("task.capacity_dims", d, 4)
    validation.int_range("task.capacity_trials", t.capacity_trials, 1)
    validation.in_range("task.capacity_eps", t.capacity_eps, 1e-3, 10.0)
    for v in t.depth_layers:
        validation.int_range("task.depth_layers", v, 1, 64)
    for h in t.heads:
        validation.int_range("task.heads", h, 1, t.head_width)
        validation.check(t.head_width % h == 0, "task.heads", "must divide task.head_width")
    validation.int_range("task.hyp_items", t.hyp_items, 2)
    validation.int_range("task.hyp_trials", t.hyp_trials, 1)
    validation.int_range("model.delta_dim", m.delta_dim, 2)
    for n in m.delta_items:
        validation.int_range("model.delta_items", n, 1)
    validation.int_range("model.delta_epochs", m.delta_epochs, 1)
    validation.in_range("model.delta_lr", m.delta_lr, 1e-6, 2.0)
    validation.int_range("model.delta_trials", m.delta_trials, 1)
    validation.int_range("model.hyp_dim", m.hyp_dim, 2)
    validation.int_range("num_seeds", cfg.num_seeds, 1)


def _items(cfg, d_k):
    return [max(2, round(r * d_k)) for r in cfg.task.ratios]


def _errors(o_nv, v_nv):
    return jnp.mean((o_nv - v_nv) ** 2), jnp.mean(jnp.sign(o_nv) != v_nv)


def per_dim(cfg, keys, d_k):
    """For one d_k (one compiled program): the Hebbian relative and bit error for each N in
    ratios * d_k ([S, |ratios|] each; None unless d_k in dims) and P(all N d_v bits right)
    for N = 1..N_max as items are added ([S, N_max]; None unless d_k in capacity_dims)."""
    t, d_v = cfg.task, cfg.task.d_v
    items = _items(cfg, d_k)
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

    return jax.jit(jax.vmap(per_seed))(keys)


def delta_vs_hebbian(cfg, keys):
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

    return jax.jit(jax.vmap(per_seed))(keys)


def hypothesis(cfg, keys):
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

    res, chain, hk, hw = jax.jit(jax.vmap(per_seed))(keys)
    idx = np.asarray(t.depth_layers) - 1
    return {
        "depth_residual": res[:, idx],
        "depth_chain": chain[:, idx],
        "heads_fixed_dk": hk,
        "heads_fixed_width": hw,
    }


def run(cfg: Config, key: jax.Array, hooks=None) -> dict[str, np.ndarray]:
    del hooks  # nothing is trained with an optimizer
    seeds = train.seed_keys(key, cfg.num_seeds)
    part = {
        name: jax.vmap(lambda k, i=i: jax.random.fold_in(k, i))(seeds)
        for i, name in enumerate(("law", "capacity", "delta", "hyp"))
    }
    per = {
        d: per_dim(cfg, part["law"], d)
        for d in sorted(set(cfg.task.dims) | set(cfg.task.capacity_dims))
    }
    out = {
        "law_rel_err": np.stack([np.asarray(per[d]["rel"]) for d in cfg.task.dims], 1),
        "law_bit_err": np.stack([np.asarray(per[d]["bit"]) for d in cfg.task.dims], 1),
    }
    for d in cfg.task.capacity_dims:
        out[f"recall_all_dk{d}"] = np.asarray(per[d]["recall"])
    out["delta_errors"] = np.asarray(delta_vs_hebbian(cfg, part["delta"]))
    out.update({k: np.asarray(v) for k, v in hypothesis(cfg, part["hyp"]).items()})
    return out


def capacity(res, cfg):
    """Exact-recall N* per d_k (P pooled over seeds; largest N with P >= 1/2) and the
    average-case N_eps (relative-error law interpolated in log N): two arrays."""
    n_star = []
    for d in cfg.task.capacity_dims:
        p = res[f"recall_all_dk{d}"].mean(0)
        n_star.append(float(np.argmin(p >= 0.5)) if not (p >= 0.5).all() else np.nan)
    n_eps = []
    for i, d in enumerate(cfg.task.dims):
        err = res["law_rel_err"][:, i].mean(0)
        n_eps.append(float(np.exp(np.interp(cfg.task.capacity_eps, err, np.log(_items(cfg, d))))))
    return np.asarray(n_star), np.asarray(n_eps)


claims = claims_lib.claims
plot = pavlovian_memory_plots.plot


if __name__ == "__main__":
    launch.cli(__name__)
