"""Hebbian-linear, delta-rule, softmax and SDM reads of one random memory, N = 0.1..100 d_k:
the run.

All memory sizes share one compiled program: the pairs are the first N of max(N) (masked),
so larger memories contain the smaller ones (common random numbers across N). Seeds are
vmapped; every per-seed array has a leading [seed] axis; the item counts and the Hebbian
bit-error law are saved as const_ arrays for the claims and figures.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from attn_theory import train, validation
from attn_theory.models import associative_memory as am
from attn_theory.tasks import random_memories as rm
from attn_theory.theory import hebbian, sdm
from configs.associative_memory_compare import Config


def validate(cfg: Config) -> None:
    """Cross-field rules (per-field bounds are declared in the schema)."""
    t, m = cfg.task, cfg.model
    validation.check(
        min(t.ratios) * t.d_k >= 2,
        "task.ratios",
        f"ratio * task.d_k must be >= 2 (N >= 2 items), got min {min(t.ratios)}",
    )
    validation.check(
        all(k <= t.d_k for k in t.flips),
        "task.flips",
        f"flipped bits must be in [0, task.d_k={t.d_k}], got {t.flips}",
    )
    validation.check(
        m.sdm_radius <= t.d_k // 2 - 1,
        "model.sdm_radius",
        f"must be in [1, task.d_k // 2 - 1 = {t.d_k // 2 - 1}], got {m.sdm_radius}",
    )
    validation.check(
        m.delta_max_ratio >= min(t.ratios),
        "model.delta_max_ratio",
        f"must be >= min(task.ratios) = {min(t.ratios)}",
    )


def items(cfg: Config) -> list[int]:
    """N of each cell: ratios * d_k, at least 2."""
    return [max(2, round(r * cfg.task.d_k)) for r in cfg.task.ratios]


def run(cfg: Config, key: jax.Array, hooks=None) -> dict[str, np.ndarray]:
    """Bit errors {read: [S, |flips|, |ratios|]} (delta: NaN beyond delta_max_ratio)."""
    del hooks  # nothing is trained with an optimizer
    t, m = cfg.task, cfg.model
    ns = items(cfg)
    n_max = max(ns)
    delta_ns = [n for n in ns if n <= m.delta_max_ratio * t.d_k]
    table = jnp.asarray(
        sdm.log_intersection(t.d_k, m.sdm_radius, np.arange(t.d_k + 1)), jnp.float32
    )
    flips = jnp.asarray(t.flips)

    def one(key):
        s_key, t_key, f_key = jax.random.split(key, 3)
        k_nk, v_nv, a_nk = rm.sample(s_key, n_max, t.d_k, t.d_v, key_kind="bipolar")
        u_q = jax.random.uniform(t_key, (t.num_queries,))
        f_keys = jax.random.split(f_key, t.num_queries)

        def queries(n, k):
            tgt = jnp.floor(u_q * n).astype(jnp.int32)
            addr = jax.vmap(rm.flip_bits, (0, 0, None))(f_keys, a_nk[tgt], k)
            return addr, rm.bipolar_unit(addr), v_nv[tgt]

        def err(o_qv, v_qv):
            return jnp.mean(jnp.sign(o_qv) != v_qv)

        def cell(n):
            mask = jnp.arange(n_max) < n
            hebb_m = am.hebbian_memory(k_nk * mask[:, None], v_nv)

            def per_flip(k):
                addr, q, v = queries(n, k)
                return jnp.stack(
                    [
                        err(am.memory_read(hebb_m, q), v),
                        err(am.softmax_read(k_nk, v_nv, q, m.beta, mask)[0], v),
                        err(am.sdm_pattern_read(a_nk, v_nv, addr, table, mask)[0], v),
                    ]
                )

            return jax.lax.map(per_flip, flips)

        def delta_cell(n):
            n_d = max(delta_ns)
            mem = am.delta_rule_memory(
                k_nk[:n_d], v_nv[:n_d], m.delta_epochs, m.delta_lr, num_items=n
            )
            return jax.lax.map(
                lambda k: err(am.memory_read(mem, queries(n, k)[1]), queries(n, k)[2]), flips
            )

        main = jax.lax.map(cell, jnp.asarray(ns))  # [ratios, flips, 3]
        delta = jax.lax.map(delta_cell, jnp.asarray(delta_ns))  # [delta ratios, flips]
        return main, delta

    main, delta = jax.jit(jax.vmap(one))(train.seed_keys(key, cfg.num_seeds))
    main, delta = np.asarray(main), np.asarray(delta)
    delta_full = np.full(main.shape[:3], np.nan, np.float32)
    delta_full[:, : len(delta_ns)] = delta
    out = {
        name: main[..., i].transpose(0, 2, 1)
        for i, name in zip((0, 1, 2), ("hebbian", "softmax", "sdm"), strict=True)
    }
    out["delta"] = delta_full.transpose(0, 2, 1)
    return {
        **{f"bit_error_{k}": v for k, v in out.items()},
        "const_items": np.asarray(ns),  # [|ratios|]: N of each cell
        # The Hebbian bit-error law Q(cos_t sqrt(d_k/(N-1))) at each (flips, N): [|flips|, |N|].
        "const_hebbian_theory": np.stack(
            [hebbian.bit_error(np.asarray(ns), t.d_k, 1 - 2 * k / t.d_k) for k in t.flips]
        ),
    }
