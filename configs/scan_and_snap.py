"""Scan and Snap (Tian, Wang, Chen, Du; NeurIPS'23): training dynamics of a 1-layer transformer.

Reproduces, on the authors' synthetic sequence classes and their Y/Z model (one-hot tokens,
l2-normalised attention output, SGD momentum 0.9 with separate rates eta_Y = ratio * eta_Z):
  - Fig. 4: c_n heat map over iterations (zero init, eta 1/1, 2 queries, 1 next per query) and
    the logged loss trace 3.526, 2.368, 0.733, 0.161, 0.044, 0.013 at iterations 0..10;
  - Fig. 6: distinct-token entropy of c_n after 100 iterations over eta_Z in {0.5, 1, 2, 3} x
    eta_Y/eta_Z in {1, 2, 5, 10} x #queries in {1, 3, 5, 10} (random init, 2 next per query),
    one vmapped program per #queries (the vocabulary size changes with it);
  - snap: entropy and common-token mass over 400 iterations at eta_Z = 1, ratio 1 vs 10;
  - the same scan and snap in an embedding-based 1-layer transformer (W_q, W_k, W_v, decoder;
    a demonstration [ours], no paper numbers to match).
Claims B-P1..B-P6 of the spec (shared/papers/specs/memorization_and_scan_snap.md, B9); the
bounds of B-P1..B-P6 come from the authors' logs and our numpy re-implementation [ours].
The distinct-only entropy definition of Fig. 6 is our reconstruction [ours] (it matches the
authors' table; the entropy over all support tokens does not).

    python -m experiments.scan_and_snap --config=configs/scan_and_snap.py:quick \
        --workdir=/tmp/scan_and_snap

quick: 3 seeds, about 75 s of CPU time (1-1.5 min wall on an idle 2-core CPU). Expected:
13 of 15 checks pass; B-P4_fig6_table misses narrowly (max |H - table| 0.065 vs 0.06 in the
noisiest cell, 1 query / eta_Z 3 / ratio 2, seed std 0.12) and B-P5_snap_frozen misses
(|H(400) - H(60)| 0.035 vs 0.02: after the snap the entropy keeps creeping up slowly).
For 5 and 10 queries every Fig. 6 cell is within 0.02 of the authors' table; the 1- and
3-query panels (largest seed spread) are within 0.075. paper: 10 seeds as in
the paper (the model is tiny; a few CPU minutes).
"""

from __future__ import annotations

import ml_collections

from configs import common


def base() -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    # Task
    c.task = ml_collections.ConfigDict()
    c.task.seq_len = 128  # T: T-1 context tokens plus the query token
    c.task.num_common = 10  # common tokens shared by every class
    c.task.num_distinct = 10  # distinct tokens per class, weights linspace(0.1, 1)
    c.task.fig4_num_last = 2  # Fig. 4: number of query tokens
    c.task.fig4_next_per_last = 1  # Fig. 4: next tokens per query
    c.task.fig6_num_last = (1, 3, 5, 10)  # Fig. 6 panels: number of query tokens
    c.task.fig6_next_per_last = 2  # Fig. 6: next tokens per query
    # Model
    c.model = ml_collections.ConfigDict()
    c.model.embed_dim = 64  # width of the embedding-based transformer demo
    # Optim
    c.optim = ml_collections.ConfigDict()
    c.optim.batch_size = 128  # sequences per step (online sampling)
    c.optim.momentum = 0.9  # SGD momentum (the authors' default)
    c.optim.fig4_lr_z = 1.0  # Fig. 4: eta_Z
    c.optim.fig4_ratio = 1.0  # Fig. 4: eta_Y / eta_Z
    c.optim.fig4_steps = 100  # Fig. 4 iterations (zero init)
    c.optim.fig6_lr_z = (0.5, 1.0, 2.0, 3.0)  # Fig. 6 grid: eta_Z
    c.optim.fig6_ratio = (1.0, 2.0, 5.0, 10.0)  # Fig. 6 grid: eta_Y / eta_Z
    c.optim.fig6_steps = 100  # Fig. 6 iterations (random init)
    c.optim.snap_lr_z = 1.0  # snap run: eta_Z (one query, 2 next tokens, random init)
    c.optim.snap_ratio = (1.0, 10.0)  # snap run: eta_Y / eta_Z values compared
    c.optim.snap_steps = 400  # snap run iterations
    c.optim.embed_lr_z = 10.0  # transformer demo: rate of W_q, W_k (tuned [ours])
    c.optim.embed_ratio = 0.1  # transformer demo: rate of embed, W_v, decoder over embed_lr_z
    c.optim.embed_steps = 200  # transformer demo iterations (Fig. 4 data)
    # Run
    c.seed = 0  # root PRNG key; seed i uses fold_in(part key, i)
    c.num_seeds = 3  # vmapped seeds (the paper: 10)
    c.snap_log_every = 10  # snap / transformer runs: iterations per logged c_n
    c.checkpoint_every = 10  # chunks between checkpoints
    return c


def _quick(c: ml_collections.ConfigDict) -> None:
    c.num_seeds = 3


def _paper(c: ml_collections.ConfigDict) -> None:
    c.num_seeds = 10


PRESETS = {"quick": _quick, "paper": _paper}


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    return common.resolve(arg, PRESETS, base)
