"""Transformers through the lens of Pavlovian conditioning (Qiao 2025, arXiv 2508.08289).

Linear attention as a Hebbian associative memory M = sum_i v_i k_i^T (keys = conditional
stimuli, values = unconditional stimuli, queries = test stimuli). Only the paper's abstract
was available: every law checked here is OUR reconstruction [ours] from standard
linear-associative-memory theory, not the paper's text (docs/papers/pavlovian_memory.md):
the relative-error law (N-1)/d_k, the bit-error law Q(sqrt(d_k/(N-1))) with curves
collapsing over d_k, the degradation threshold, the exact-recall capacity (sublinear,
log-log slope ~0.67, steeper than sqrt(d_k); ~ d_k / (2 ln(N d_v)) for large d_k) vs the
average-fidelity capacity (linear, the abstract's "O(d_k)"), and the delta
(Rescorla-Wagner) rule removing crosstalk for N <= d_k/2. The depth and head-redundancy
panel tests a HYPOTHESIS [ours], drawn, not claimed.

    python -m experiments.pavlovian_memory --config=configs/pavlovian_memory.py:quick \
        --workdir=/tmp/pavlovian_memory

smoke: plumbing only (small d_k, few trials; seconds); claims are not expected to pass.
quick: 4 seeds, d_k up to 1024, about 30-40 s on a 2-core CPU. Expected: all claims pass;
  bit error ~0.155 at N = d_k, ~0.02 at N = d_k/4; exact-recall N* ~ 4/6/8/14/21/41 for
  d_k = 16..512 (log-log slope ~0.67); delta-rule error ~0 for N <= 32 at d_k = 64.
paper: 16 seeds and more key pairs per cell (minutes on a CPU).
"""

from __future__ import annotations

import dataclasses

from configs import common
from configs.common import field, section


@dataclasses.dataclass(frozen=True)
class Task:
    d_v: int = field(64, "value (US) dimension, +-1 entries", lo=1)
    dims: tuple[int, ...] = field((32, 64, 128, 256, 512, 1024),
                                  "d_k of the error-law sweep (claims B1-B3 use <= 256)",
                                  lo=8, nonempty=True)  # fmt: skip
    ratios: tuple[float, ...] = field((0.125, 0.25, 0.5, 1.0, 2.0),
                                      "N / d_k of the error-law sweep", gt=0.0,
                                      nonempty=True)  # fmt: skip
    min_trials: int = field(4, "memories per seed and d_k, at least", lo=1)
    min_pairs: int = field(5000, "key pairs per seed in the smallest cell (sets its trials)",
                           lo=1)  # fmt: skip
    capacity_dims: tuple[int, ...] = field((16, 32, 64, 128, 256, 512),
                                           "d_k of the exact-recall capacity", lo=4,
                                           nonempty=True)  # fmt: skip
    capacity_trials: int = field(100, "memories per seed and d_k for P(all bits right)", lo=1)
    capacity_eps: float = field(0.5, "relative-error tolerance of the average-case capacity",
                                lo=1e-3, hi=10.0)  # fmt: skip
    depth_layers: tuple[int, ...] = field((1, 2, 4, 8), "L of the depth hypothesis panel",
                                          lo=1, hi=64, nonempty=True)  # fmt: skip
    heads: tuple[int, ...] = field((1, 2, 4, 8), "H of the head-redundancy hypothesis panel",
                                   lo=1, nonempty=True)  # fmt: skip
    head_width: int = field(256, "fixed d_model = H d_k of the fixed-width head comparison",
                            lo=1)  # fmt: skip
    hyp_items: int = field(16, "N stored per layer / head in the hypothesis panel", lo=2)
    hyp_trials: int = field(50, "memories per seed in the hypothesis panel", lo=1)


@dataclasses.dataclass(frozen=True)
class Model:
    delta_dim: int = field(64, "d_k of the delta-rule comparison", lo=2)
    delta_items: tuple[int, ...] = field((16, 32, 64, 128), "N of the delta-rule comparison",
                                         lo=1, nonempty=True)  # fmt: skip
    delta_epochs: int = field(20, "sequential passes over the items", lo=1)
    delta_lr: float = field(1.0, "eta of M <- M + eta (v - M k) k^T", lo=1e-6, hi=2.0)
    delta_trials: int = field(5, "memories per seed", lo=1)
    hyp_dim: int = field(64, "d_k of the depth panel and the fixed-d_k head panel", lo=2)


@dataclasses.dataclass(frozen=True)
class Config:
    task: Task = section(Task, "random memories, error laws and capacity")
    model: Model = section(
        Model,
        "delta rule and hypothesis-panel sizes (nothing is trained "
        "with an optimizer: the delta rule is a lax.scan over items)",
    )
    seed: int = field(0, "root PRNG seed", lo=0)
    num_seeds: int = field(4, "vmapped seeds (seed i = fold_in(root, i))", lo=1)


def smoke(c: Config) -> Config:
    """Plumbing only: small d_k, few trials, seconds; claims need not pass."""
    return common.update(c, {
        "task.d_v": 16, "task.dims": (16, 32), "task.min_pairs": 100,
        "task.capacity_dims": (16, 32), "task.capacity_trials": 8,
        "task.depth_layers": (1, 2), "task.heads": (1, 2), "task.head_width": 32,
        "task.hyp_trials": 4,
        "model.delta_dim": 16, "model.delta_items": (4, 8), "model.delta_epochs": 3,
        "model.delta_trials": 2, "model.hyp_dim": 16, "num_seeds": 2,
    })  # fmt: skip


def paper(c: Config) -> Config:
    """16 seeds, more key pairs per cell, d_k up to 1024 for the exact-recall capacity."""
    return common.update(c, {
        "num_seeds": 16, "task.min_pairs": 20000,
        "task.capacity_dims": (16, 32, 64, 128, 256, 512, 1024), "task.capacity_trials": 250,
    })  # fmt: skip


PRESETS = {"smoke": smoke, "quick": common.identity, "paper": paper}


def get_config(arg: str | None = None):
    return common.resolve(arg, PRESETS, Config)
