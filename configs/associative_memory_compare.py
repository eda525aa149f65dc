"""One random memory task read four ways: Hebbian linear attention, the delta rule, softmax
attention and pattern-view SDM (cross-paper demo of shared/papers/specs/sdm_and_pavlovian.md).

N (key, value) pairs with binary addresses in {0,1}^64 (keys are their unit bipolar versions,
so SDM Hamming distances and attention cosines agree) and +-1 values, N swept from 0.1 d_k to
100 d_k; queries are stored addresses with k bits flipped. Softmax uses beta = 15.9 and SDM
d = 11 (the SNR-optimal pair at n = 64). Expected: Hebbian follows Q(cos_t sqrt(d_k/(N-1)))
and fails once N ~ d_k; the delta rule is exact up to N ~ d_k/2 (k = 0); softmax and SDM stay
near zero error far beyond d_k (B.3.7: the capacity law is specific to the linear model)
until, for noisy queries, the softmax tail N e^(-beta cos) takes over while SDM's hard cut-off
holds longer. The softmax-contrast bound is ours (the paper has no number).

    python -m experiments.associative_memory_compare \
        --config=configs/associative_memory_compare.py:quick \
        --workdir=/tmp/associative_memory_compare

quick: 4 seeds, about 20-30 s on a 2-core CPU. paper: 16 seeds, 512 queries.
"""

from __future__ import annotations

import ml_collections

from configs import common


def base() -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    # Task
    c.task = ml_collections.ConfigDict()
    c.task.d_k = 64  # key (address) dimension n = d_k
    c.task.d_v = 64  # value dimension, +-1 entries
    c.task.ratios = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)  # N / d_k
    c.task.flips = (0, 16)  # flipped query bits k (one panel each)
    c.task.num_queries = 128  # queries per seed and cell
    # Model
    c.model = ml_collections.ConfigDict()
    c.model.beta = 15.9  # softmax inverse temperature (beta_SNR for n = 64)
    c.model.sdm_radius = 11  # SDM Hamming radius d (d_SNR for n = 64)
    c.model.delta_epochs = 20  # delta-rule passes over the items
    c.model.delta_lr = 1.0  # delta-rule eta
    c.model.delta_max_ratio = 5.0  # delta rule only for N / d_k <= this (sequential cost)
    # Optim: nothing is trained with an optimizer (the delta rule is a lax.scan)
    # Run
    c.seed = 0  # root PRNG seed
    c.num_seeds = 4  # vmapped seeds (seed i = fold_in(root, i))
    return c


def _quick(c):
    pass


def _paper(c):
    c.num_seeds = 16
    c.task.num_queries = 512
    c.model.delta_max_ratio = 20.0


PRESETS = {"quick": _quick, "paper": _paper}


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    return common.resolve(arg, PRESETS, base)
