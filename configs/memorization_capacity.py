"""Memorisation capacity of one multi-head attention layer (Mahdavi, Liao, Thrampoulidis, ICLR'24).

Reproduces Fig. 2 (memorised examples vs H, vs n, vs d_h, shared context), the appendix's
random-vs-shared context and regression variants, and the softmax-saturation analysis, as
the CPU-sized checks A-P0..A-P6 of shared/papers/specs/memorization_and_scan_snap.md (A9);
the H(n-1)+1 construction constant is a reconstruction [recall], the check thresholds and
the quick sizes are ours (spec A8 calibration).

    python -m experiments.memorization_capacity \
        --config=configs/memorization_capacity.py:quick --workdir=/tmp/memorization_capacity

quick: d = 32, n = 8, C = 100, N = 1024, Adam 1e-2 warmup+cosine, 1500 steps of batch 256
  (spec A8 used 4000), 2 seeds vmapped; sweeps H in {1,2,4,8}, n in {2,4,8,16}, d_h in
  {2,..,32}, plus random context and N = H(n-1)+1 = 29; the regression variant is off
  (--config.sweep.regression_heads='(1,2,4,8)' turns it on). Runtime: about 2.3 CPU-minutes
  (measured 136 s user time, i.e. ~1.5-2 min on an idle 2-core CPU; more than the 60-75 s
  target). Measured (mean of 2 seeds): capacity 34/58/201/640 over H, 72/121/198/268 over
  n, 104/121/145/171/201 over d_h, random 378 vs shared 201, 100% at N = 29, saturated
  pairs 0 -> 0.63; every claim passes.
paper: d = d_in = 64, n = 32, H up to 60, N up to 130k, lr 1e-3, >= 50k steps and >= 500
  epochs (300k for the d_h sweep), 6 seeds: GPU/TPU scale (the authors used ~20 V100-days).
Overrides: `:quick,num_seeds=4` or flags such as --config.model.num_heads=8.
"""

from __future__ import annotations

import ml_collections

from configs import common


def base() -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    # Task
    c.task = ml_collections.ConfigDict()
    c.task.input_dim = 32  # d_in of the U[0,1] tokens
    c.task.num_classes = 100  # C random labels (cross-entropy)
    c.task.context_len = 8  # n context tokens at the base point (n < d)
    c.task.num_examples = (1024,)  # N grid, shared context; capacity = max_N acc x N
    c.task.num_examples_random = (1024,)  # N grid for the random-context runs
    # Model
    c.model = ml_collections.ConfigDict()
    c.model.d_model = 32  # width d after the input projection (score scale 1/sqrt(d))
    c.model.num_heads = 4  # H at the base point (must be in sweep.num_heads)
    c.model.head_dim = 32  # d_h of W_Q, W_K at the base point (value size is 1)
    # Sweep
    c.sweep = ml_collections.ConfigDict()
    c.sweep.num_heads = (1, 2, 4, 8)  # H grid (A-P1; saturation uses model.num_heads)
    c.sweep.context_len = (2, 4, 8, 16)  # n grid (A-P2)
    c.sweep.head_dim = (2, 4, 8, 16, 32)  # d_h grid (A-P3; n = task.context_len)
    c.sweep.context_len_heads = 4  # H during the n sweep
    c.sweep.head_dim_heads = 4  # H during the d_h sweep
    c.sweep.shared = ("heads", "context_len", "head_dim")  # sweeps run with shared context
    c.sweep.random = ("base",)  # sweeps run with random context ('base' = base point only)
    c.sweep.regression_heads = ()  # H grid of the regression variant, e.g. (1, 2, 4, 8); () skips
    # Optim
    c.optim = ml_collections.ConfigDict()
    c.optim.learning_rate = 1e-2  # Adam peak lr (spec A8 raised it from 1e-3 for CPU)
    c.optim.batch_size = 256  # minibatch, capped at N
    c.optim.min_steps = 1500  # steps = max(min_steps, ceil(epochs * N / batch))
    c.optim.epochs = 0.0  # epochs lower bound on the step budget
    c.optim.head_dim_min_steps = 1500  # min_steps of the d_h sweep
    c.optim.warmup_frac = 0.05  # linear warmup over this fraction of steps, then cosine to 0
    c.optim.warmup_init_frac = 0.01  # warmup starts at this fraction of the peak lr
    # Run
    c.seed = 0  # root PRNG seed
    c.num_seeds = 2  # vmapped seeds (seed i = fold_in(root, i))
    c.eval_every = 500  # steps between full-train-set evaluations (= compiled chunk)
    c.eval_batch = 1024  # examples per evaluation chunk
    c.saturation_threshold = 0.99  # a head is saturated when its max attention exceeds this
    c.checkpoint_every = 4  # chunks between checkpoints
    return c


def _quick(c):
    pass


def _paper(c):
    c.task.input_dim = 64
    c.task.context_len = 32
    c.task.num_examples = (10_000, 20_000, 30_000, 40_000)
    c.task.num_examples_random = (30_000, 50_000, 70_000, 90_000, 110_000, 130_000)
    c.model.d_model = 64
    c.model.num_heads = 20
    c.model.head_dim = 64
    c.sweep.num_heads = (1, 5, 10, 20, 30, 40, 50, 60)
    c.sweep.context_len = (1, 5, 10, 20, 30, 40, 50, 60)
    c.sweep.head_dim = (10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 64)
    c.sweep.context_len_heads = 20
    c.sweep.head_dim_heads = 30
    c.sweep.random = ("heads", "context_len")
    c.sweep.regression_heads = (1, 5, 10, 20, 30, 40, 50, 60)
    c.optim.learning_rate = 1e-3
    c.optim.min_steps = 50_000
    c.optim.epochs = 500.0
    c.optim.head_dim_min_steps = 300_000
    c.num_seeds = 6
    c.eval_every = 500
    c.eval_batch = 4096
    c.checkpoint_every = 20


PRESETS = {"quick": _quick, "paper": _paper}


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    return common.resolve(arg, PRESETS, base)
