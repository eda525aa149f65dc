"""Self-attention does not need O(n^2) memory (Rabe & Staats 2021): exactness and memory.

Checks the chunked attention's value and gradient against float64 at lengths that do not
divide the chunk sizes (causal and not), and XLA's compiled temporary memory of naive vs
ours for the forward pass and value_and_grad (compile only). Goals from the issue: at
n = 16384 at least 128x (forward) and 64x (gradient) below naive; sub-linear growth beyond.

    python -m experiments.memory_efficient_attention \
        --config=configs/memory_efficient_attention.py:quick --workdir=/tmp/mea

quick: n up to 16384, ~30 s on a 2-core CPU. paper: n up to 131072 (the slope claim), a few
minutes (compile only; the timed comparison is benchmarks/memory_efficient_attention.py).
"""

from __future__ import annotations

import ml_collections

from configs import common


def base() -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    # Task
    c.task = ml_collections.ConfigDict()
    c.task.check_lens = (257, 1000)  # lengths for the float64 value/gradient check
    c.task.heads = 2  # heads in the exactness check
    c.task.head_dim = 64  # d, as in the paper's benchmark
    c.task.memory_lens = (1024, 2048, 4096, 8192, 16384)  # compile-only memory readings
    # Run
    c.seed = 0  # root PRNG seed (fresh random inputs per seed)
    c.num_seeds = 2  # vmapped seeds
    return c


def _quick(c):
    pass


def _paper(c):
    c.task.check_lens = (257, 1000, 4099)
    c.task.memory_lens = (1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072)
    c.num_seeds = 4


PRESETS = {"quick": _quick, "paper": _paper}


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    return common.resolve(arg, PRESETS, base)
