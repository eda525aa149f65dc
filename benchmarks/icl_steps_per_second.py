"""Training throughput of the in-context-regression model: 1 seed vs 8 vmapped seeds.

    python -m benchmarks.icl_steps_per_second --out=benchmarks/results/icl_steps_per_second.json

Model H=2, d=5, L=40, batch 256 (the paper's), trained by the library's own compiled chunk
(`train.jit_chunk`: sample + forward + backward + Adam in one `lax.scan`, vmapped over seeds,
the seed axis sharded over the host's devices). Measured for every combination of

  attention_impl  'reference' (project all L keys and values per head) or 'merged' (the
                  same function re-associated: the one query is mapped to input space, so
                  no per-key projection is formed);
  data            'per_seed' (seed i samples its own prompts: independent seeds) or 'shared'
                  (one prompt stream for all seeds, `train.fit(shared_data_key=...)`:
                  seeds differ by initialisation only, sampling is paid once per step);

plus, for per_seed data, the time of sampling alone and of the model step on a fixed batch.
The goal of issue 2 is 8 seeds in at most 3x the wall time of 1 seed on a 2-core CPU.
`--host_devices` (default: the CPU count) exposes that many XLA CPU devices so the seed axis
runs on every core (jax's `jax_num_cpu_devices`, set before the first JAX computation).
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

from attn_theory import results, sharding, train
from attn_theory.models import icl
from attn_theory.tasks import linear_regression

TASK = {"d": 5, "context_len": 40, "noise_var": 0.1}


def _timed(fn, *args, repeats=5):
    jax.block_until_ready(fn(*args))
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def measure(impl: str, data: str, num_seeds: int, steps: int, batch: int, prng: str) -> dict:
    model = icl.ICLAttention(num_heads=2, attention_impl=impl)
    sample = functools.partial(linear_regression.sample, batch=batch, **TASK)
    root = jax.random.key(0, impl=prng)
    keys = train.seed_keys(root, num_seeds)
    mesh = sharding.run_mesh(num_seeds)
    shared = jax.random.fold_in(root, 10**6) if data == "shared" else None

    def loss_fn(p, b, hp):
        return jnp.mean((model.apply(p, b)[0] - b["y_q"]) ** 2), {}

    opt = optax.adam(1e-3)
    chunk = train.jit_chunk(steps, lambda k, hp: sample(k), loss_fn, lambda hp: opt)
    probe = sample(root)
    keys = sharding.shard_runs(keys, mesh)
    params = jax.jit(jax.vmap(lambda k: model.init(k, probe)))(keys)
    opt_state = jax.jit(jax.vmap(opt.init))(params)
    t_full = _timed(chunk, params, opt_state, keys, {}, 0, shared)
    row = {
        "attention_impl": impl,
        "data": data,
        "prng": prng,
        "num_seeds": num_seeds,
        "devices_used": int(mesh.devices.size),
        "steps": steps,
        "steps_per_s": steps / t_full,
        "seconds_per_step": t_full / steps,
    }
    if data == "per_seed":

        @jax.jit
        def sampling_only(keys):
            def body(c, t):
                b = jax.vmap(lambda k: sample(jax.random.fold_in(k, t)))(keys)
                return c + b["y_q"].sum(), None

            return jax.lax.scan(body, 0.0, jnp.arange(steps))[0]

        fixed = jax.jit(jax.vmap(sample))(keys)

        @jax.jit
        def model_only(p, s):
            def step(p, s, b):
                g = jax.grad(lambda p: loss_fn(p, b, None)[0])(p)
                u, s = opt.update(g, s, p)
                return optax.apply_updates(p, u), s

            def body(c, t):
                return jax.vmap(step)(*c, fixed), None

            return jax.lax.scan(body, (p, s), jnp.arange(steps))[0]

        row["sampling_fraction"] = _timed(sampling_only, keys) / t_full
        row["model_fraction"] = _timed(model_only, params, opt_state) / t_full
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="benchmarks/results/icl_steps_per_second.json")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--prng", default="threefry2x32", help="jax.random key implementation")
    ap.add_argument("--impls", default="reference,merged")
    ap.add_argument("--data", default="per_seed,shared")
    ap.add_argument("--host_devices", type=int, default=os.cpu_count())
    args = ap.parse_args()
    sharding.set_host_device_count(args.host_devices)

    rows, ratios = [], {}
    for impl in args.impls.split(","):
        for data in args.data.split(","):
            pair = [measure(impl, data, s, args.steps, args.batch, args.prng) for s in (1, 8)]
            for r in pair:
                print(r, flush=True)
            rows += pair
            ratios[f"{impl}/{data}"] = pair[0]["steps_per_s"] / pair[1]["steps_per_s"]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    results.write_json(
        args.out,
        {
            "rows": rows,
            "wall_time_ratio_8_over_1": ratios,
            "goal_ratio": 3.0,
            "goal_met": {k: v <= 3.0 for k, v in ratios.items()},
            "cpu_count": os.cpu_count(),
            "devices": len(jax.devices()),
            **results.environment(),
        },
    )
    print("8-seed / 1-seed wall-time ratio:", ratios)


if __name__ == "__main__":
    main()
