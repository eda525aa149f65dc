"""Transformers through the lens of Pavlovian conditioning (Qiao 2025, arXiv 2508.08289).

Linear attention as a Hebbian associative memory M = sum_i v_i k_i^T (keys = conditional
stimuli, values = unconditional stimuli, queries = test stimuli). Only the paper's abstract
was available: every formula here is the spec's RECONSTRUCTION (B.2) from standard
linear-associative-memory theory, not the paper's text. Checks B.3.1-5: the relative-error
law (N-1)/d_k, the bit-error law Q(sqrt(d_k/(N-1))) with curves collapsing over d_k, the
degradation threshold, the exact-recall capacity (sublinear, ~ d_k / (2 ln(N d_v)); the v1
"O(sqrt d_k)" reading) vs the average-fidelity capacity (linear; the v2 "O(d_k)" reading),
and the delta (Rescorla-Wagner) rule removing crosstalk for N <= d_k/2. The depth and
head-redundancy panel (B.3.6) tests a HYPOTHESIS (spec B.2), drawn, not claimed.

    python -m experiments.pavlovian_memory --config=configs/pavlovian_memory.py:quick \
        --workdir=/tmp/pavlovian_memory

quick: 4 seeds, d_k up to 1024, about 30-40 s on a 2-core CPU. Expected: all claims pass;
  bit error ~0.155 at N = d_k, ~0.02 at N = d_k/4; exact-recall N* ~ 4/6/8/14/21/41 for
  d_k = 16..512 (log-log slope ~0.67); delta-rule error ~0 for N <= 32 at d_k = 64.
paper: 16 seeds and more key pairs per cell (minutes on a CPU).
"""

from __future__ import annotations

import ml_collections

from configs import common


def base() -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    # Task
    c.task = ml_collections.ConfigDict()
    c.task.d_v = 64  # value (US) dimension, +-1 entries
    c.task.dims = (32, 64, 128, 256, 512, 1024)  # d_k of the error-law sweep (claims use <= 256)
    c.task.ratios = (0.125, 0.25, 0.5, 1.0, 2.0)  # N / d_k of the error-law sweep
    c.task.min_trials = 4  # memories per seed and d_k, at least
    c.task.min_pairs = 5000  # key pairs per seed in the smallest cell (sets its trial count)
    c.task.capacity_dims = (16, 32, 64, 128, 256, 512)  # d_k of the exact-recall capacity
    c.task.capacity_trials = 100  # memories per seed and d_k for P(all bits right)
    c.task.capacity_eps = 0.5  # relative-error tolerance of the average-case capacity
    c.task.depth_layers = (1, 2, 4, 8)  # L of the depth hypothesis panel
    c.task.heads = (1, 2, 4, 8)  # H of the head-redundancy hypothesis panel
    c.task.head_width = 256  # fixed d_model = H d_k of the fixed-width head comparison
    c.task.hyp_items = 16  # N stored per layer / head in the hypothesis panel
    c.task.hyp_trials = 50  # memories per seed in the hypothesis panel
    # Model
    c.model = ml_collections.ConfigDict()
    c.model.delta_dim = 64  # d_k of the delta-rule comparison
    c.model.delta_items = (16, 32, 64, 128)  # N of the delta-rule comparison
    c.model.delta_epochs = 20  # sequential passes over the items
    c.model.delta_lr = 1.0  # eta of M <- M + eta (v - M k) k^T
    c.model.delta_trials = 5  # memories per seed
    c.model.hyp_dim = 64  # d_k of the depth panel and the fixed-d_k head panel
    # Optim: the delta rule is the only learning rule (a lax.scan over items); no optimizer
    # Run
    c.seed = 0  # root PRNG seed
    c.num_seeds = 4  # vmapped seeds (seed i = fold_in(root, i))
    return c


def _quick(c):
    pass


def _paper(c):
    c.num_seeds = 16
    c.task.min_pairs = 20000
    c.task.capacity_dims = (16, 32, 64, 128, 256, 512, 1024)
    c.task.capacity_trials = 250


PRESETS = {"quick": _quick, "paper": _paper}


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    return common.resolve(arg, PRESETS, base)
