"""Attention approximates Sparse Distributed Memory (Bricken & Pehlevan, NeurIPS 2021).

Checks, with the bounds, kinds and statistics listed in docs/papers/sdm_attention.md: exact
circle intersections (interpretable sum == lune form == brute force; Kanerva's n=1000 table), a
neuron-level Monte Carlo of the intersection, the beta fit (plain OLS and the authors'
ddof-quirk convention, both reported), the SNR- and memory-optimal radii (d=11, d=5), the
R^2 of the exponential fit on even d_v, and SDM vs softmax reads on random binary patterns
(agreement for m=1024, k<=12 flipped bits; the softmax-tail regime m=16384, k=12 where they
differ). Also drawn: the continuous (spherical cap) variant and a neuron-view read (n=100).
d_CD=15 is taken from the paper's figure, not derived (its notebook is not public).

Command:
  python -m experiments.sdm_attention --config=configs/sdm_attention.py:quick \
      --workdir=/tmp/sdm_attention

smoke: plumbing only (small n-independent Monte Carlo and reads, 2 seeds; seconds); the
  closed-form checks hold, the sampled ones need not.
quick: 4 seeds, about 30-50 s on a 2-core CPU. Expected: all claims pass; beta (paper
  convention) 35.36 / 15.87 / 10.12 for d = 5 / 11 / 15; recall 1.00 for both reads up to
  k=12 at m=1024; at m=16384, k=12 SDM recall ~0.98 vs softmax ~0.00.
paper: 16 seeds, 512 queries per cell (minutes on a CPU; no GPU needed).
"""

from __future__ import annotations

import dataclasses

from configs import common
from configs.common import field, section


@dataclasses.dataclass(frozen=True)
class Task:
    n: int = field(64, "pattern dimension (GPT-2's head dimension)", lo=8, hi=4096)
    radii: tuple[int, ...] = field((5, 11, 15), "Hamming radii of the beta table and R^2 "
                                   "checks (d_Mem, d_SNR, d_CD)", lo=1, nonempty=True)  # fmt: skip
    max_radius: int = field(31, "the beta-vs-d sweep runs over d = 2..max_radius", lo=2)
    fit_range: str = field("1..d", "d_v used by the beta fit: '1..d' (paper table) or '0..d-1'",
                           choices=("1..d", "0..d-1"))  # fmt: skip
    identity_dims: tuple[int, ...] = field((10, 12, 14), "n of the brute-force identity check "
                                           "(d <= 5)", lo=6, hi=16, nonempty=True)  # fmt: skip
    num_patterns: int = field(1024, "m, stored patterns of the read comparison", lo=1)
    flips: tuple[int, ...] = field((0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24),
                                   "query bit flips k", lo=0, nonempty=True)  # fmt: skip
    tail_flips: int = field(12, "k of the recall-vs-m sweep", lo=0)
    tail_patterns: tuple[int, ...] = field((128, 512, 1024, 4096, 16384),
                                           "m of the recall-vs-m sweep", lo=1,
                                           nonempty=True)  # fmt: skip
    num_queries: int = field(64, "queries per seed and cell", lo=1)
    mc_dim: int = field(100, "n of the neuron-level Monte Carlo and neuron-view read", lo=8,
                        hi=4096)  # fmt: skip
    mc_radius: int = field(35, "d of the neuron-level Monte Carlo", lo=1)
    mc_neurons: int = field(10_000, "r random neurons", lo=1)
    mc_pairs: int = field(50, "(query, pattern) pairs per d_v and seed (4 x 50 = 200)", lo=2)
    mc_dvs: tuple[int, ...] = field((0, 2, 4, 8, 10, 20), "d_v values of the Monte Carlo "
                                    "check", lo=0, nonempty=True)  # fmt: skip
    neuron_patterns: int = field(64, "m written into the neuron-view SDM", lo=1)


@dataclasses.dataclass(frozen=True)
class Model:
    read_radius: int = field(11, "SDM radius d of the read comparison; beta is fitted to it",
                             lo=1)  # fmt: skip
    beta_convention: str = field("paper", "'paper' (ddof quirk, beta=15.9 at d=11) or 'ols'",
                                 choices=("paper", "ols"))  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Config:
    task: Task = section(Task, "SDM geometry, stored patterns and queries")
    model: Model = section(Model, "the read radius and beta convention (nothing is trained)")
    seed: int = field(0, "root PRNG seed", lo=0)
    num_seeds: int = field(4, "vmapped seeds (seed i = fold_in(root, i))", lo=1)


def smoke(c: Config) -> Config:
    """Plumbing only: few queries, neurons and patterns; the closed forms still hold."""
    return common.update(c, {
        "task.max_radius": 15, "task.num_patterns": 64, "task.flips": (0, 12, 24),
        "task.tail_patterns": (64, 512), "task.num_queries": 8, "task.mc_neurons": 500,
        "task.mc_pairs": 4, "task.mc_dvs": (0, 10), "task.neuron_patterns": 8, "num_seeds": 2,
    })  # fmt: skip


def paper(c: Config) -> Config:
    """16 seeds, 512 queries per cell, the 200 Monte Carlo pairs per seed; CPU minutes."""
    return common.update(c, {"num_seeds": 16, "task.num_queries": 512, "task.mc_pairs": 200})


PRESETS = {"smoke": smoke, "quick": common.identity, "paper": paper}


def get_config(arg: str | None = None):
    return common.resolve(arg, PRESETS, Config)
