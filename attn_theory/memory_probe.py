"""Two measures of the memory an attention implementation needs: XLA temp and the RSS rise.

`temp_bytes` compiles a function for given input shapes and returns XLA's
`temp_size_in_bytes`: the buffers beyond inputs and outputs (compile only, so huge lengths
cost seconds). `rss_rise` runs one call in a fresh Python process and returns how far its
peak resident set rose during that call (Linux /proc; inputs are allocated before the
probe, the outputs and everything the runtime allocates are inside it). The two answer
different questions: temp is what the compiled program plans; the RSS rise is what the
machine sees, allocator and runtime overheads included.

The functions measured (`MODES` x `IMPLS`), layout `[1, n, 1, d]`, float32:
  fwd   f(q, k, v)
  grad  jax.value_and_grad(lambda q, k, v: f(q, k, v).sum(), argnums=(0, 1, 2))
  vjp   (q, k, v, g) -> the pullback of f at (q, k, v) applied to g (the cotangent is an
        input, as in a larger model; the output itself is never returned)

    python -m attn_theory.memory_probe IMPL MODE N D   # prints the RSS rise in bytes
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np

from attn_theory import memory_efficient

IMPLS = ("reference", "memory_efficient", "memory_efficient_recompute")
MODES = ("fwd", "grad", "vjp")


def attention(impl: str):
    """The attention function `f(q, k, v)` of one of IMPLS."""
    if impl == "memory_efficient_recompute":
        return functools.partial(memory_efficient.memory_efficient_attention, residual="recompute")
    return memory_efficient.attention_fn(impl)


def program(impl: str, mode: str):
    """(function, number of [1, n, 1, d] inputs) measured for (impl, mode)."""
    f = attention(impl)
    if mode == "fwd":
        return f, 3
    if mode == "grad":
        return jax.value_and_grad(lambda q, k, v: f(q, k, v).sum(), argnums=(0, 1, 2)), 3
    if mode == "vjp":
        return (lambda q, k, v, g: jax.vjp(f, q, k, v)[1](g)), 4
    raise ValueError(f"mode must be one of {MODES}, got {mode!r}")


def temp_bytes(impl: str, mode: str, n: int, d: int) -> int:
    """XLA's compiled temp bytes of (impl, mode) at length n, head dim d (compile only)."""
    fn, nargs = program(impl, mode)
    x = jax.ShapeDtypeStruct((1, n, 1, d), jnp.float32)
    return int(jax.jit(fn).lower(*[x] * nargs).compile().memory_analysis().temp_size_in_bytes)


def _peak_and_current_rss() -> tuple[int, int]:
    with open("/proc/self/status") as f:
        fields = dict(line.split(":", 1) for line in f)
    return int(fields["VmHWM"].split()[0]) * 1024, int(fields["VmRSS"].split()[0]) * 1024


def measure_rss_here(impl: str, mode: str, n: int, d: int) -> int:
    """Peak-RSS rise of the first call of the compiled (impl, mode), in this process."""
    fn, nargs = program(impl, mode)
    compiled = jax.jit(fn).lower(*[jax.ShapeDtypeStruct((1, n, 1, d), jnp.float32)] * nargs)
    compiled = compiled.compile()
    rng = np.random.default_rng(0)
    x = [jnp.asarray(rng.standard_normal((1, n, 1, d), np.float32)) for _ in range(nargs)]
    jax.block_until_ready(x)
    with open("/proc/self/clear_refs", "w") as fh:  # "5" resets VmHWM to the current RSS
        fh.write("5")
    _, before = _peak_and_current_rss()
    jax.block_until_ready(compiled(*x))
    return _peak_and_current_rss()[0] - before


def rss_rise(impl: str, mode: str, n: int, d: int) -> float:
    """Peak-RSS rise of one call of (impl, mode) in a fresh process; NaN if it cannot run.

    A fresh process keeps earlier allocations (and their freed pages) out of the reading.
    """
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    cmd = [sys.executable, "-m", "attn_theory.memory_probe", impl, mode, str(n), str(d)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RSS_RISE ")]
    return float(lines[-1].split()[1]) if proc.returncode == 0 and lines else float("nan")


if __name__ == "__main__":
    impl_, mode_, n_, d_ = sys.argv[1:5]
    print(f"RSS_RISE {measure_rss_here(impl_, mode_, int(n_), int(d_))}")
