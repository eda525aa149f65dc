"""Self-attention in O(sqrt n) memory (Rabe & Staats 2021): exactness and compiled memory.

The figure-suite view of attn_theory.memory_efficient: on fresh random inputs per seed it
checks value and gradient against a float64 reference (lengths that do not divide the chunk
sizes, with and without a causal mask), and reads XLA's compiled temporary memory of the
forward pass and of value_and_grad for naive attention and ours over n (compile only, so
large n cost seconds). Timings and the peers (Flax, jax.nn, the PyPI package) are in
benchmarks/memory_efficient_attention.py, which writes its own JSON.

    python -m experiments.memory_efficient_attention \
        --config=configs/memory_efficient_attention.py:quick --workdir=/tmp/mea
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from attn_theory import plotting, train, validation
from attn_theory import reference_attention as ref
from attn_theory.memory_efficient import memory_efficient_attention, naive_attention
from attn_theory.results import Claim, claim_ge, claim_le
from experiments import launch

NAME = "memory_efficient_attention"


@dataclasses.dataclass(frozen=True)
class TaskConfig:
    check_lens: tuple[int, ...] = (257, 1000)
    heads: int = 2
    head_dim: int = 64
    memory_lens: tuple[int, ...] = (1024, 2048, 4096, 8192, 16384)


@dataclasses.dataclass(frozen=True)
class Config:
    task: TaskConfig = TaskConfig()
    seed: int = 0
    num_seeds: int = 2


def validate(cfg: Config) -> None:
    for n in cfg.task.check_lens:
        validation.int_range("task.check_lens", n, 1, 8192)
    for n in cfg.task.memory_lens:
        validation.int_range("task.memory_lens", n, 16)
    validation.int_range("task.heads", cfg.task.heads, 1)
    validation.int_range("task.head_dim", cfg.task.head_dim, 1)
    validation.int_range("num_seeds", cfg.num_seeds, 1)


def _inputs(key, n, h, d):
    kq, kk, kv, kg = jax.random.split(key, 4)
    shape = (1, n, h, d)
    return tuple(jax.random.normal(k, shape, jnp.float32) for k in (kq, kk, kv, kg))


def _errors(cfg: Config, keys) -> np.ndarray:
    """Max relative errors [S, len(check_lens), 2 (causal), 4 (out, dq, dk, dv)]."""
    h, d = cfg.task.heads, cfg.task.head_dim
    out = np.zeros((len(keys), len(cfg.task.check_lens), 2, 4))
    for i, n in enumerate(cfg.task.check_lens):
        for c, causal in enumerate((False, True)):

            def value_and_grads(key, n=n, causal=causal):
                q, k, v, g = _inputs(jax.random.fold_in(key, n), n, h, d)
                o, pullback = jax.vjp(
                    lambda q, k, v: memory_efficient_attention(q, k, v, causal=causal), q, k, v
                )
                return (q, k, v, g), (o, *pullback(g))

            inputs, got = jax.jit(jax.vmap(value_and_grads))(keys)
            for s in range(len(keys)):  # float64 NumPy reference: host-side, per seed
                want = ref.attention_and_grads(*(x[s] for x in inputs), causal=causal)
                out[s, i, c] = [ref.max_rel_err(a[s], b) for a, b in zip(got, want, strict=False)]
    return out


def _temp_bytes(fn, n, h, d) -> int:
    x = jax.ShapeDtypeStruct((1, n, h, d), jnp.float32)
    return int(jax.jit(fn).lower(x, x, x).compile().memory_analysis().temp_size_in_bytes)


def _memory(cfg: Config) -> np.ndarray:
    """Compiled temp bytes [len(memory_lens), 4]: naive fwd, ours fwd, naive grad, ours grad."""

    def grad_of(f):
        return jax.grad(lambda q, k, v: jnp.sum(f(q, k, v) ** 2), argnums=(0, 1, 2))

    fns = (
        naive_attention,
        memory_efficient_attention,
        grad_of(naive_attention),
        grad_of(memory_efficient_attention),
    )
    return np.array(
        [[_temp_bytes(f, n, 1, cfg.task.head_dim) for f in fns] for n in cfg.task.memory_lens],
        np.float64,
    )


def run(cfg: Config, key: jax.Array, hooks: train.Hooks | None = None) -> dict[str, np.ndarray]:
    del hooks  # nothing is trained
    keys = train.seed_keys(key, cfg.num_seeds)
    memory = _memory(cfg)  # deterministic: compiled sizes do not depend on the seed
    return {
        "rel_err": _errors(cfg, keys),
        "memory_bytes": np.tile(memory, (cfg.num_seeds, 1, 1)),
        "memory_lens": np.tile(np.asarray(cfg.task.memory_lens), (cfg.num_seeds, 1)),
    }


def claims(res: dict, cfg: Config) -> dict[str, Claim]:
    # 2e-5 is ~170 float32 epsilons: a handful of roundings grown by sums of ~1000 terms.
    out = {
        "exact_value": claim_le(
            res["rel_err"][..., 0].max(),
            2e-5,
            "max rel. error of the output vs float64, all seeds/lengths",
        ),
        "exact_grad": claim_le(
            res["rel_err"][..., 1:].max(), 2e-5, "max rel. error of dq, dk, dv vs float64"
        ),
    }
    lens = list(cfg.task.memory_lens)
    mem = res["memory_bytes"][0]
    if 16384 in lens:
        i = lens.index(16384)
        out["memory_fwd_16k"] = claim_ge(
            mem[i, 0] / mem[i, 1], 128, "naive/ours compiled temp memory, forward, n=16384"
        )
        out["memory_grad_16k"] = claim_ge(
            mem[i, 2] / mem[i, 3], 64, "naive/ours compiled temp memory, gradient, n=16384"
        )
    big = [j for j, n in enumerate(lens) if n >= 16384]
    if len(big) >= 2:
        x = np.log(np.asarray(lens)[big])
        slope = np.polyfit(x, np.log(mem[big, 1]), 1)[0]
        out["sublinear_growth"] = claim_le(
            slope, 0.75, "log-log slope of our forward temp memory for n >= 16384 (linear = 1)"
        )
    return out


def plot(res: dict, cfg: Config) -> dict:
    lens = np.asarray(cfg.task.memory_lens, np.float64)
    mem = res["memory_bytes"][0] / 2**20
    fig, axes = plotting.figure(2, 1)
    for a, (col_n, col_o), title in (
        (axes[0, 0], (0, 1), "forward"),
        (axes[0, 1], (2, 3), "value_and_grad"),
    ):
        a.loglog(lens, mem[:, col_n], "o-", label="naive")
        a.loglog(lens, mem[:, col_o], "s-", label="memory-efficient (ours)")
        plotting.theory_line(a, lens, mem[0, col_n] * (lens / lens[0]) ** 2, label="n^2 slope")
        plotting.theory_line(
            a, lens, mem[0, col_o] * (lens / lens[0]) ** 0.5, label="sqrt n slope", color="gray"
        )
        a.set(
            xlabel="sequence length n",
            ylabel="XLA temp memory (MiB)",
            title=f"{title} (h=1, d={cfg.task.head_dim})",
        )
        a.legend(fontsize=7)
    figs = {"memory_vs_n": fig}
    fig, axes = plotting.figure(1, 1, width=5)
    names = ("out", "dq", "dk", "dv")
    x = np.arange(len(cfg.task.check_lens))
    for j, name in enumerate(names):
        for c, style in ((0, "-"), (1, "--")):
            axes[0, 0].semilogy(
                x,
                res["rel_err"][:, :, c, j].max(0),
                style,
                marker="o",
                label=f"{name}{' causal' if c else ''}",
            )
    axes[0, 0].axhline(2e-5, color="k", lw=1, label="bound 2e-5")
    axes[0, 0].set_xticks(x, [str(n) for n in cfg.task.check_lens])
    axes[0, 0].set(xlabel="n", ylabel="max rel. error vs float64", title="exactness")
    axes[0, 0].legend(fontsize=6, ncol=2)
    figs["exactness"] = fig
    return figs


if __name__ == "__main__":
    launch.cli(__name__)
