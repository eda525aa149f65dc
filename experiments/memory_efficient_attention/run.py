"""Self-attention in O(sqrt n) memory (Rabe & Staats 2021), the run: exactness against float64
and memory by two measures (XLA temp, compile only; peak-RSS rise of one call).

On fresh random inputs per seed it checks value and gradient (both backward variants) against
a float64 reference at lengths that do not divide the chunk sizes, with and without a causal
mask. The memory readings do not depend on the seed and are saved as const_ arrays.
Timings and peers (Flax, jax.nn, the PyPI package) are in benchmarks/memory_efficient_attention.py.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from attn_theory import memory_probe, train
from attn_theory import reference_attention as ref
from attn_theory.memory_efficient import memory_efficient_attention
from configs.memory_efficient_attention import Config

RESIDUALS = ("output", "recompute")
# Columns of the memory arrays: (implementation, mode) of attn_theory.memory_probe.
MEMORY_COLUMNS = (
    ("reference", "fwd"),
    ("memory_efficient", "fwd"),
    ("reference", "grad"),
    ("memory_efficient", "grad"),
    ("memory_efficient_recompute", "grad"),
    ("memory_efficient", "vjp"),
    ("memory_efficient_recompute", "vjp"),
)
RSS_COLUMNS = MEMORY_COLUMNS[:4]


def validate(cfg: Config) -> None:
    """No cross-field rules (per-field bounds are declared in the schema)."""
    del cfg


def _inputs(key, n, h, d):
    kq, kk, kv, kg = jax.random.split(key, 4)
    shape = (1, n, h, d)
    return tuple(jax.random.normal(k, shape, jnp.float32) for k in (kq, kk, kv, kg))


def _errors(cfg: Config, keys, hooks: train.Hooks | None = None) -> np.ndarray:
    """Max relative errors [S, |check_lens|, 2 (causal), 2 (residual), 4 (out, dq, dk, dv)]."""
    h, d = cfg.task.heads, cfg.task.head_dim
    out = np.zeros((len(keys), len(cfg.task.check_lens), 2, len(RESIDUALS), 4))
    for i, n in enumerate(cfg.task.check_lens):
        for c, causal in enumerate((False, True)):
            for r, residual in enumerate(RESIDUALS):
                f = functools.partial(memory_efficient_attention, causal=causal, residual=residual)

                def value_and_grads(key, n=n, f=f):
                    q, k, v, g = _inputs(jax.random.fold_in(key, n), n, h, d)
                    o, pullback = jax.vjp(f, q, k, v)
                    return (q, k, v, g), (o, *pullback(g))

                inputs, got = train.call(jax.vmap(value_and_grads), keys, hooks=hooks,
                                         name=f"errors_n{n}_causal{c}_{residual}")  # fmt: skip
                if train.compiling_only(hooks):  # placeholders: no float64 reference
                    out[:, i, c, r] = np.nan
                    continue
                for s in range(len(keys)):  # float64 NumPy reference: host-side, per seed
                    want = ref.attention_and_grads(*(x[s] for x in inputs), causal=causal)
                    out[s, i, c, r] = [ref.max_rel_err(a[s], b)
                                       for a, b in zip(got, want, strict=False)]  # fmt: skip
    return out


def run(cfg: Config, key: jax.Array, hooks: train.Hooks | None = None) -> dict[str, np.ndarray]:
    # Nothing is trained; the exactness programs go through train.call (hooks).
    t = cfg.task
    temp = [[memory_probe.temp_bytes(impl, mode, n, t.head_dim) for impl, mode in MEMORY_COLUMNS]
            for n in t.memory_lens]  # fmt: skip
    rss = [memory_probe.rss_rise(impl, mode, t.rss_len, t.head_dim) if t.rss_len else np.nan
           for impl, mode in RSS_COLUMNS]  # fmt: skip
    return {
        "rel_err": _errors(cfg, train.seed_keys(key, cfg.num_seeds), hooks),
        # Compiled sizes and the RSS probe do not depend on the seed (no [seed] axis).
        "const_memory_lens": np.asarray(t.memory_lens),
        "const_temp_bytes": np.asarray(temp, np.float64),  # [|memory_lens|, MEMORY_COLUMNS]
        "const_rss_bytes": np.asarray(rss, np.float64),  # [RSS_COLUMNS] at n = rss_len
    }
