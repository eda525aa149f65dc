"""Attention approximates Sparse Distributed Memory (Bricken & Pehlevan, NeurIPS 2021).

Reproduces checks A.5.1-7 of shared/papers/specs/sdm_and_pavlovian.md: exact circle
intersections (interpretable sum == lune form == brute force; Kanerva's n=1000 table), a
neuron-level Monte Carlo of the intersection, the beta fit (plain OLS and the authors'
ddof-quirk convention, both reported), the SNR- and memory-optimal radii (d=11, d=5), the
R^2 of the exponential fit on even d_v, and SDM vs softmax reads on random binary patterns
(agreement for m=1024, k<=12 flipped bits; the softmax-tail regime m=16384, k=12 where they
differ). Also drawn: the continuous (spherical cap) variant and a neuron-view read (n=100).
d_CD=15 is taken from the paper's figure, not derived (its notebook is not public).

    python -m experiments.sdm_attention --config=configs/sdm_attention.py:quick \
        --workdir=/tmp/sdm_attention

quick: 4 seeds, about 30-50 s on a 2-core CPU. Expected: all claims pass; beta (paper
  convention) 35.36 / 15.87 / 10.12 for d = 5 / 11 / 15; recall 1.00 for both reads up to
  k=12 at m=1024; at m=16384, k=12 SDM recall ~0.98 vs softmax ~0.00.
paper: 16 seeds, 512 queries per cell (minutes on a CPU; no GPU needed).
"""

from __future__ import annotations

import ml_collections

from configs import common


def base() -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    # Task
    c.task = ml_collections.ConfigDict()
    c.task.n = 64  # pattern dimension (GPT-2's head dimension)
    c.task.radii = (
        5,
        11,
        15,
    )  # Hamming radii for the beta table and R^2 checks (d_Mem, d_SNR, d_CD)
    c.task.max_radius = 31  # the beta-vs-d sweep runs over d = 2..max_radius
    c.task.fit_range = "1..d"  # d_v used by the beta fit: '1..d' (paper table) or '0..d-1'
    c.task.identity_dims = (10, 12, 14)  # n for the brute-force identity check (d <= 5)
    c.task.num_patterns = 1024  # m, stored patterns for the read comparison
    c.task.flips = (0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24)  # query bit flips k
    c.task.tail_flips = 12  # k for the recall-vs-m sweep
    c.task.tail_patterns = (128, 512, 1024, 4096, 16384)  # m for the recall-vs-m sweep
    c.task.num_queries = 64  # queries per seed and cell
    c.task.mc_dim = 100  # n of the neuron-level Monte Carlo and neuron-view read
    c.task.mc_radius = 35  # d of the neuron-level Monte Carlo
    c.task.mc_neurons = 10_000  # r random neurons
    c.task.mc_pairs = 50  # (query, pattern) pairs per d_v and seed (4 x 50 = the spec's 200)
    c.task.mc_dvs = (0, 2, 4, 8, 10, 20)  # d_v values of the Monte Carlo check
    c.task.neuron_patterns = 64  # m written into the neuron-view SDM
    # Model
    c.model = ml_collections.ConfigDict()
    c.model.read_radius = 11  # SDM radius d of the read comparison; beta is fitted to it
    c.model.beta_convention = "paper"  # 'paper' (ddof quirk, beta=15.9 at d=11) or 'ols'
    # Optim: nothing is trained (closed forms and Monte Carlo only)
    # Run
    c.seed = 0  # root PRNG seed
    c.num_seeds = 4  # vmapped seeds (seed i = fold_in(root, i))
    return c


def _quick(c):
    pass


def _paper(c):
    c.num_seeds = 16
    c.task.num_queries = 512
    c.task.mc_pairs = 200


PRESETS = {"quick": _quick, "paper": _paper}


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    return common.resolve(arg, PRESETS, base)
