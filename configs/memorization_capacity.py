"""Memorisation capacity of one multi-head attention layer: Mahdavi, Liao and Thrampoulidis,
"Memorization Capacity of Multi-Head Attention in Transformers" (ICLR 2024).

Reproduces Fig. 2 (memorised examples vs H, vs n, vs d_h, shared context), the appendix's
random-vs-shared context and regression variants, and the softmax-saturation analysis as the
CPU-sized claims A-P0..A-P6 of docs/papers/memorization_capacity.md. [ours]: the H(n-1)+1
construction constant is our reconstruction of the paper's bound, and the claim thresholds
and quick sizes are ours.

    python -m experiments.memorization_capacity \
        --config=configs/memorization_capacity.py:quick --workdir=/tmp/memorization_capacity

smoke: plumbing only (H in {1, 2} and the H(n-1)+1 run, tiny N, 20 steps; seconds); claims
  are not expected to pass.
quick: [ours: sizes] d = 32, n = 8, C = 100, N = 1024, Adam 1e-2 warmup+cosine, 1500 steps
  of batch 256, 2 seeds vmapped; sweeps H in {1,2,4,8}, n in {2,4,8,16}, d_h in {2,..,32},
  plus random context and N = H(n-1)+1 = 29 (6000 steps: trained to convergence); the
  regression variant is off
  (--config.sweep.regression_heads='(1,2,4,8)' turns it on). Runtime: about 2.3 CPU-minutes
  (~1.5-2 min on an idle 2-core CPU). Measured (mean of 2 seeds): capacity 34/58/201/640 over
  H, 72/121/198/268 over n, 104/121/145/171/201 over d_h, random 378 vs shared 201, 100% at
  N = 29, saturated pairs 0 -> 0.63; every claim passes.
paper: d = d_in = 64, n = 32, H up to 60, N up to 130k, lr 1e-3, >= 50k steps and >= 500
  epochs (300k for the d_h sweep), 6 seeds: GPU/TPU scale (the authors used ~20 V100-days).
  Compiled at full size (paper_figures/PAPER_SCALE.md): a 48-run fit's step + evaluation
  program needs 188 GiB at N = 130k, so on one 80 GB GPU add --max_runs_per_program=17.
Overrides: `:quick,num_seeds=4` or flags such as --config.model.num_heads=8.
"""

from __future__ import annotations

import dataclasses

from configs import common
from configs.common import field, section

SWEEPS = ("heads", "context_len", "head_dim", "base")


@dataclasses.dataclass(frozen=True)
class Task:
    input_dim: int = field(32, "d_in of the U[0,1] tokens", lo=1)
    num_classes: int = field(100, "C random labels (cross-entropy)", lo=2)
    context_len: int = field(8, "n context tokens at the base point (n < d)", lo=1)
    num_examples: tuple[int, ...] = field(
        (1024,), "N grid (increasing), shared context; capacity = max_N acc x N", lo=1,
        nonempty=True)  # fmt: skip
    num_examples_random: tuple[int, ...] = field(
        (1024,), "N grid of the random-context runs (increasing)", lo=1, nonempty=True
    )


@dataclasses.dataclass(frozen=True)
class Model:
    d_model: int = field(32, "width d after the input projection (score scale 1/sqrt(d))", lo=1)
    num_heads: int = field(4, "H at the base point (must be in sweep.num_heads)", lo=1)
    head_dim: int = field(32, "d_h of W_Q, W_K at the base point (value size is 1)", lo=1)


@dataclasses.dataclass(frozen=True)
class Sweep:
    num_heads: tuple[int, ...] = field((1, 2, 4, 8), "H grid (A-P1; increasing)", lo=1,
                                       nonempty=True)  # fmt: skip
    context_len: tuple[int, ...] = field((2, 4, 8, 16), "n grid (A-P2; increasing)", lo=1,
                                         nonempty=True)  # fmt: skip
    head_dim: tuple[int, ...] = field((2, 4, 8, 16, 32), "d_h grid (A-P3; n = task.context_len)",
                                      lo=1, nonempty=True)  # fmt: skip
    context_len_heads: int = field(4, "H during the n sweep", lo=1)
    head_dim_heads: int = field(4, "H during the d_h sweep", lo=1)
    shared: tuple[str, ...] = field(("heads", "context_len", "head_dim"),
                                    "sweeps run with a shared context", choices=SWEEPS)  # fmt: skip
    random: tuple[str, ...] = field(("base",), "sweeps run with random context ('base' = the "
                                    "base point only)", choices=SWEEPS)  # fmt: skip
    regression_heads: tuple[int, ...] = field(
        (), "H grid of the regression variant, e.g. (1, 2, 4, 8); () skips it", lo=1,
        integer=True)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Optim:
    learning_rate: float = field(1e-2, "Adam peak lr [ours: 1e-2 for CPU; the paper 1e-3]", gt=0.0)
    batch_size: int = field(256, "minibatch, capped at N", lo=1)
    min_steps: int = field(1500, "steps = max(min_steps, ceil(epochs * N / batch))", lo=1)
    epochs: float = field(0.0, "epochs lower bound on the step budget", lo=0.0)
    head_dim_min_steps: int = field(1500, "min_steps of the d_h sweep", lo=1)
    bound_min_steps: int = field(6000, "min_steps of the N = H(n-1)+1 run (A-P5 asks whether "
                                 "every example can be memorised: train to convergence)",
                                 lo=1)  # fmt: skip
    warmup_frac: float = field(0.05, "linear warmup over this fraction of steps, then cosine to 0",
                               lo=0.0, hi=1.0)  # fmt: skip
    warmup_init_frac: float = field(0.01, "warmup starts at this fraction of the peak lr",
                                    lo=0.0, hi=1.0)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Config:
    task: Task = section(Task, "random labels on U[0,1] tokens")
    model: Model = section(Model, "one multi-head attention layer read out at token 0")
    sweep: Sweep = section(Sweep, "the H, n and d_h sweeps")
    optim: Optim = section(Optim, "Adam with warmup + cosine")
    eval_every: int = field(500, "steps between full-train-set evaluations (= compiled chunk)",
                            lo=1)  # fmt: skip
    eval_batch: int = field(1024, "examples per evaluation chunk", lo=1)
    saturation_threshold: float = field(0.99, "a head is saturated when its max attention "
                                        "exceeds this", lo=0.0, hi=1.0)  # fmt: skip
    checkpoint_every: int = field(4, "chunks between checkpoints", lo=1)
    seed: int = field(0, "root PRNG seed", lo=0)
    num_seeds: int = field(2, "vmapped seeds (seed i = fold_in(root, i))", lo=1)


def smoke(c: Config) -> Config:
    """Plumbing only: the H sweep and the H(n-1)+1 run at tiny sizes, 20 steps (two
    compiled fits); claims need not pass."""
    return common.update(c, {
        "task.input_dim": 8, "task.num_classes": 5, "task.context_len": 4,
        "task.num_examples": (32,), "task.num_examples_random": (32,),
        "model.d_model": 8, "model.num_heads": 2, "model.head_dim": 4,
        "sweep.num_heads": (1, 2), "sweep.shared": ("heads",), "sweep.random": (),
        "optim.batch_size": 16, "optim.min_steps": 20, "optim.head_dim_min_steps": 20,
        "optim.bound_min_steps": 20,
        "eval_every": 10, "eval_batch": 32,
    })  # fmt: skip


def paper(c: Config) -> Config:
    """The paper's sizes (d = 64, n = 32, H up to 60, N up to 130k, 6 seeds); GPU/TPU scale."""
    return common.update(c, {
        "task.input_dim": 64, "task.context_len": 32,
        "task.num_examples": (10_000, 20_000, 30_000, 40_000),
        "task.num_examples_random": (30_000, 50_000, 70_000, 90_000, 110_000, 130_000),
        "model.d_model": 64, "model.num_heads": 20, "model.head_dim": 64,
        "sweep.num_heads": (1, 5, 10, 20, 30, 40, 50, 60),
        "sweep.context_len": (1, 5, 10, 20, 30, 40, 50, 60),
        "sweep.head_dim": (10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 64),
        "sweep.context_len_heads": 20, "sweep.head_dim_heads": 30,
        "sweep.random": ("heads", "context_len"),
        "sweep.regression_heads": (1, 5, 10, 20, 30, 40, 50, 60),
        "optim.learning_rate": 1e-3, "optim.min_steps": 50_000, "optim.epochs": 500.0,
        "optim.head_dim_min_steps": 300_000, "optim.bound_min_steps": 50_000,
        "num_seeds": 6, "eval_every": 500, "eval_batch": 4096, "checkpoint_every": 20,
    })  # fmt: skip


PRESETS = {"smoke": smoke, "quick": common.identity, "paper": paper}


def get_config(arg: str | None = None):
    return common.resolve(arg, PRESETS, Config)
