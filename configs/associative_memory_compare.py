"""One random memory task read four ways: Hebbian linear attention, the delta rule, softmax
attention and pattern-view SDM (a cross-paper demo of the two associative-memory readings of
attention: docs/papers/pavlovian_memory.md, section "SDM and Pavlovian views compared").

N (key, value) pairs with binary addresses in {0,1}^64 (keys are their unit bipolar versions,
so SDM Hamming distances and attention cosines agree) and +-1 values, N swept from 0.1 d_k to
100 d_k; queries are stored addresses with k bits flipped. Softmax uses beta = 15.9 and SDM
d = 11 (the SNR-optimal pair at n = 64, Bricken & Pehlevan 2021). Expected: Hebbian follows
Q(cos_t sqrt(d_k/(N-1))) and fails once N ~ d_k; the delta rule is exact up to N ~ d_k/2
(k = 0); softmax and SDM stay near zero error far beyond d_k (the capacity law is specific to
the linear model) until, for noisy queries, the softmax tail N e^(-beta cos) takes over while
SDM's hard cut-off holds longer. The numeric bounds of the claims are ours [ours] (neither
paper has a number for this comparison).

    python -m experiments.associative_memory_compare \
        --config=configs/associative_memory_compare.py:quick \
        --workdir=/tmp/associative_memory_compare

smoke: plumbing only (three memory sizes, 8 queries; seconds); claims need not pass.
quick: 4 seeds, about 20-30 s on a 2-core CPU. Expected: softmax bit error ~0 at N = 100 d_k
  (exact queries), Hebbian ~0.45 there, delta rule ~0 for N <= d_k/2.
paper: 16 seeds, 512 queries, the delta rule up to N = 20 d_k.
"""

from __future__ import annotations

import dataclasses

from configs import common
from configs.common import field, section


@dataclasses.dataclass(frozen=True)
class Task:
    d_k: int = field(64, "key (address) dimension n = d_k", lo=4, hi=4096)
    d_v: int = field(64, "value dimension, +-1 entries", lo=1)
    ratios: tuple[float, ...] = field((0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0),
                                      "N / d_k of the sweep", gt=0.0, nonempty=True)  # fmt: skip
    flips: tuple[int, ...] = field((0, 16), "flipped query bits k (one panel each)", lo=0,
                                   nonempty=True)  # fmt: skip
    num_queries: int = field(128, "queries per seed and cell", lo=1)


@dataclasses.dataclass(frozen=True)
class Model:
    beta: float = field(15.9, "softmax inverse temperature (beta_SNR for n = 64)", gt=0.0)
    sdm_radius: int = field(11, "SDM Hamming radius d (d_SNR for n = 64)", lo=1)
    delta_epochs: int = field(20, "delta-rule passes over the items", lo=1)
    delta_lr: float = field(1.0, "delta-rule eta", lo=1e-6, hi=2.0)
    delta_max_ratio: float = field(5.0, "delta rule only for N / d_k <= this (sequential cost)",
                                   gt=0.0)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Config:
    task: Task = section(Task, "random memory and noisy queries")
    model: Model = section(
        Model, "the four reads (nothing is trained with an optimizer: the delta rule is a lax.scan)"
    )
    seed: int = field(0, "root PRNG seed", lo=0)
    num_seeds: int = field(4, "vmapped seeds (seed i = fold_in(root, i))", lo=1)


def smoke(c: Config) -> Config:
    """Plumbing only: three memory sizes, 8 queries, seconds; claims need not pass."""
    return common.update(c, {
        "task.d_k": 16, "task.d_v": 8, "task.ratios": (0.25, 1.0, 4.0), "task.flips": (0, 4),
        "task.num_queries": 8, "model.sdm_radius": 3, "model.delta_epochs": 3,
        "model.delta_max_ratio": 1.0, "num_seeds": 2,
    })  # fmt: skip


def paper(c: Config) -> Config:
    """16 seeds, 512 queries, the delta rule up to N = 20 d_k."""
    return common.update(c, {"num_seeds": 16, "task.num_queries": 512,
                             "model.delta_max_ratio": 20.0})  # fmt: skip


PRESETS = {"smoke": smoke, "quick": common.identity, "paper": paper}


def get_config(arg: str | None = None):
    return common.resolve(arg, PRESETS, Config)
