"""Training throughput of the in-context-regression model: 1 seed vs 8 vmapped seeds.

    python -m benchmarks.icl_steps_per_second --out=benchmarks/results/icl_steps_per_second.json

Model H=2, d=5, L=40, batch 256 (the paper's). For each PRNG implementation it measures
steps/s of the full step (sample + forward + backward + Adam), of sampling alone and of the
model step on a fixed batch, for 1 and 8 seeds, and the 8-seed/1-seed wall-time ratio
(goal: <= 3x on a 2-core CPU).
"""

from __future__ import annotations

import argparse
import functools
import os
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

from attn_theory import results, train
from attn_theory.models import icl
from attn_theory.tasks import linear_regression

TASK = {"d": 5, "context_len": 40, "noise_var": 0.1}


def _timed(fn, *args, repeats=3):
    out = fn(*args)
    jax.block_until_ready(out)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def measure(impl: str, num_seeds: int, steps: int, batch: int) -> dict:
    model = icl.ICLAttention(num_heads=2)
    sample = functools.partial(linear_regression.sample, batch=batch, **TASK)
    keys = train.seed_keys(jax.random.key(0, impl=impl), num_seeds)
    opt = optax.adam(1e-3)
    probe = sample(jax.random.key(0, impl=impl))
    params = jax.vmap(lambda k: model.init(k, probe))(keys)
    opt_state = jax.vmap(opt.init)(params)

    def loss(p, b):
        return jnp.mean((model.apply(p, b)[0] - b["y_q"]) ** 2)

    def step(p, s, b):
        g = jax.grad(loss)(p, b)
        u, s = opt.update(g, s, p)
        return optax.apply_updates(p, u), s

    @jax.jit
    def full(p, s, keys):
        def body(c, t):
            b = jax.vmap(lambda k: sample(jax.random.fold_in(k, t)))(keys)
            return jax.vmap(step)(*c, b), None

        return jax.lax.scan(body, (p, s), jnp.arange(steps))[0]

    @jax.jit
    def sampling_only(keys):
        def body(c, t):
            b = jax.vmap(lambda k: sample(jax.random.fold_in(k, t)))(keys)
            return c + b["y_q"].sum(), None

        return jax.lax.scan(body, 0.0, jnp.arange(steps))[0]

    fixed = jax.vmap(lambda k: sample(k))(keys)

    @jax.jit
    def model_only(p, s):
        def body(c, t):
            return jax.vmap(step)(*c, fixed), None

        return jax.lax.scan(body, (p, s), jnp.arange(steps))[0]

    t_full = _timed(full, params, opt_state, keys)
    t_sample = _timed(sampling_only, keys)
    t_model = _timed(model_only, params, opt_state)
    return {
        "impl": impl,
        "num_seeds": num_seeds,
        "steps": steps,
        "steps_per_s": steps / t_full,
        "seconds_per_step": t_full / steps,
        "sampling_fraction": t_sample / t_full,
        "model_fraction": t_model / t_full,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="benchmarks/results/icl_steps_per_second.json")
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--impls", default="threefry2x32,rbg,unsafe_rbg")
    args = ap.parse_args()
    rows = []
    for impl in args.impls.split(","):
        for s in (1, 8):
            r = measure(impl, s, args.steps, args.batch)
            print(r, flush=True)
            rows.append(r)
    ratios = {}
    for impl in args.impls.split(","):
        one = next(r for r in rows if r["impl"] == impl and r["num_seeds"] == 1)
        eight = next(r for r in rows if r["impl"] == impl and r["num_seeds"] == 8)
        ratios[impl] = one["steps_per_s"] / eight["steps_per_s"]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    results.write_json(
        args.out,
        {
            "rows": rows,
            "wall_time_ratio_8_over_1": ratios,
            "goal_ratio": 3.0,
            "cpu_count": os.cpu_count(),
            **results.environment(),
        },
    )
    print("8-seed / 1-seed wall-time ratio:", ratios)


if __name__ == "__main__":
    main()
