"""Stacked attention heads: Mușat, "Mechanism and Emergence of Stacked Attention Heads in
Multi-Layer Transformers" (arXiv 2411.12118, ICLR 2025): the retrieval problem needs a
minimum depth that grows with the difficulty D (Theorem 1, the paper's Figure 4), small
transformers learn it only with an implicit curriculum, and heads emerge one at a time in a
fixed order. The paper's body could not be read; the task formulation, model, optimiser and
every number below are our reconstruction [ours] (docs/papers/stacked_attention_heads.md).

Command:
  python -m experiments.stacked_attention_heads \
      --config=configs/stacked_attention_heads.py:quick --workdir=/tmp/stacked_heads

smoke: plumbing only (D=2, L=2, IC and non-IC, 60 steps; T1 at D <= 4).

quick [ours]: packed layout, causal forward order, K=4 chains, V=32 symbols; width 32, 4 heads,
  pre-LayerNorm, no MLP; batch 128 fresh samples; 2 seeds vmapped, one compiled program per
  (D, L) group. Runs A (D=1, L=1, 1000 steps), B (D=3, L=1, 1000) and C (D=3, L=3, 2000
  steps, IC and non-IC in one program, logged every 125 steps); the exact simulator (T1).
  Measured: 282 CPU-seconds (about 3-5 min wall on an idle 2-core CPU; 36 min on the
  shared CPU at load 20-45). Root seed 0: A root accuracy 1.000 (C2); B root 0.21, hop 1 1.000
  (C1); C-IC root 0.9998 (C3), C-non-IC 0.254 (C4); hop 1 learned at 500 steps, hops 2 and 3
  by 875 (C5 FAILS in one seed: hops 2 and 3 cross 0.9 in the same 125-step interval); a
  query->hop-1 head at 500 before the link head at 750 (C6); T1 matches both depth bounds.
standard [ours]: quick plus E (D=3, L=2, 4000 steps: pointer doubling, C7), F (D=4, L=2,
  4000: the causal bound forbids it, C8) and G (D=4, L=3, 6000, C9). About 13-15
  CPU-minutes (estimated from the quick preset's per-step cost; not run yet).
paper [ours where unknown]: IC and non-IC on the grid L in 1..8 x D in {1,2,3,4,5,7,13,14}
  (64 models per formulation, the paper's count; its grid is unknown), 24k steps of batch
  128 on fixed training sets of 2^18 (IC) and 2^20 (non-IC) examples, width 128, 4 heads,
  MLP, V=64, 3 seeds. GPU scale. Compiled at full size (paper_figures/PAPER_SCALE.md, all
  64 groups): every training fit fits one 80 GB GPU (at most 21.8 GiB), but the final head
  ablations on task.eval_samples=4096 prompts need 270 GiB at D=14, L=8 (taking memory as
  linear in those prompts, an estimate: on one GPU add --config.task.eval_samples=1024).
  The paper also varies layout and masking: rerun with --config.task.layout=tokens or
  --config.model.causal=False.
"""

from __future__ import annotations

import dataclasses

from configs import common
from configs.common import field, section


@dataclasses.dataclass(frozen=True)
class Task:
    num_chains: int = field(4, "K: chains per example (the query's and K-1 distractors)", lo=1)
    vocab: int = field(32, "V: symbols; needs V >= K*(max D + 1) (distinct symbols)", lo=2)
    order: str = field("forward", "statement order [ours]: forward | reverse | shuffle",
                       choices=("forward", "reverse", "shuffle"))  # fmt: skip
    layout: str = field("packed", "packed (one position per assignment) | tokens [ours]",
                        choices=("packed", "tokens"))  # fmt: skip
    batch_size: int = field(128, "training examples per step", lo=1)
    train_set_ic: int = field(0, "fixed IC training set size (0: fresh samples every step)",
                              lo=0)  # fmt: skip
    train_set_non_ic: int = field(0, "fixed non-IC training set size (0: fresh samples)", lo=0)
    eval_samples: int = field(2048, "fresh samples per logged evaluation", lo=1)
    final_samples: int = field(6144, "fresh samples for the final accuracies", lo=1)


@dataclasses.dataclass(frozen=True)
class Model:
    width: int = field(32, "residual width", lo=1)
    num_heads: int = field(4, "heads per layer (head_dim = width / heads)", lo=1)
    causal: bool = field(True, "causal attention mask [ours]")
    mlp: bool = field(False, "MLP after each attention block")
    layer_norm: bool = field(True, "pre-LayerNorm")


@dataclasses.dataclass(frozen=True)
class Grid:
    difficulties: tuple[int, ...] = field((1, 3, 3), "D of each run group", lo=1, nonempty=True)
    layers: tuple[int, ...] = field((1, 1, 3), "L of each run group", lo=1, nonempty=True)
    steps: tuple[int, ...] = field((1000, 1000, 2000), "training steps of each run group",
                                   lo=1, nonempty=True)  # fmt: skip
    non_ic: tuple[bool, ...] = field(
        (False, False, True), "also train the non-IC (root-only) target in the group"
    )


@dataclasses.dataclass(frozen=True)
class Optim:
    learning_rate: float = field(3e-3, "peak learning rate (AdamW)", gt=0.0)
    final_learning_rate: float = field(3e-4, "cosine decay ends here at the last step", lo=0.0)
    warmup_steps: int = field(200, "linear warmup from 0", lo=0)
    b1: float = field(0.9, "Adam beta1", lo=0.0, hi=1.0)
    b2: float = field(0.98, "Adam beta2", lo=0.0, hi=1.0)
    weight_decay: float = field(0.0, "AdamW decoupled weight decay", lo=0.0)
    clip_norm: float = field(1.0, "global gradient-norm clip", gt=0.0)
    log_every: int = field(125, "steps per compiled chunk / metrics record / evaluation", lo=1)


@dataclasses.dataclass(frozen=True)
class Analysis:
    acc_threshold: float = field(0.9, "a hop has emerged when its accuracy reaches this",
                                 lo=0.0, hi=1.0)  # fmt: skip
    score_threshold: float = field(0.5, "a head has emerged when its score reaches this",
                                   lo=0.0, hi=1.0)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Theory:
    difficulties: tuple[int, ...] = field((1, 2, 3, 4, 5, 6, 7, 8, 13, 14),
                                          "D values of the simulator check (T1)", lo=1)  # fmt: skip
    samples: int = field(3, "sampled sequences per D and setting", lo=1)
    vocab: int = field(64, "symbols in the simulator (>= 4 * (max D + 1))", lo=2)
    max_layers: int = field(6, "deepest stack the simulator tries", lo=1)


@dataclasses.dataclass(frozen=True)
class Config:
    task: Task = section(Task, "the retrieval task [ours: minimal formulation]")
    model: Model = section(Model, "SequenceTransformer, float (packed) or token inputs")
    grid: Grid = section(Grid, "run groups: one compiled program per (D, L)")
    optim: Optim = section(Optim, "clip + AdamW, warmup + cosine")
    analysis: Analysis = section(Analysis, "emergence thresholds")
    theory: Theory = section(Theory, "exact Assumption-1 simulator (T1)")
    seed: int = field(0, "root PRNG seed", lo=0)
    num_seeds: int = field(2, "vmapped seeds", lo=1)


def smoke(c: Config) -> Config:
    """Plumbing only: one tiny group (D=2, L=2) with IC and non-IC, 60 steps."""
    return common.update(c, {
        "task.batch_size": 32, "task.eval_samples": 64, "task.final_samples": 64,
        "grid.difficulties": (2,), "grid.layers": (2,), "grid.steps": (60,),
        "grid.non_ic": (True,), "optim.warmup_steps": 10, "optim.log_every": 30,
        "theory.difficulties": (1, 2, 3, 4), "theory.samples": 2, "theory.max_layers": 4,
        "theory.vocab": 20,
    })  # fmt: skip


def standard(c: Config) -> Config:
    """quick plus E (D=3, L=2), F (D=4, L=2) and G (D=4, L=3)."""
    return common.update(c, {
        "grid.difficulties": (1, 3, 3, 3, 4, 4), "grid.layers": (1, 1, 3, 2, 2, 3),
        "grid.steps": (1000, 1000, 2000, 4000, 4000, 6000),
        "grid.non_ic": (False, False, True, False, False, False),
    })  # fmt: skip


def paper(c: Config) -> Config:
    """64 models per formulation on fixed training sets [ours: the grid, model, optimiser]."""
    ds, ls = (1, 2, 3, 4, 5, 7, 13, 14), tuple(range(1, 9))
    return common.update(c, {
        "task.vocab": 64, "task.train_set_ic": 2**18, "task.train_set_non_ic": 2**20,
        "task.eval_samples": 4096, "task.final_samples": 4096,
        "model.width": 128, "model.mlp": True,
        "grid.difficulties": tuple(d for d in ds for _ in ls), "grid.layers": ls * len(ds),
        "grid.steps": (24_000,) * 64, "grid.non_ic": (True,) * 64,
        "optim.log_every": 500, "num_seeds": 3,
    })  # fmt: skip


PRESETS = {"smoke": smoke, "quick": common.identity, "standard": standard, "paper": paper}


def get_config(arg: str | None = None):
    return common.resolve(arg, PRESETS, Config)
