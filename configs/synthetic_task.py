"""Any registered synthetic task on the generic SequenceTransformer: the worked example of
adding a task (docs/adding_a_task.md). Not a paper reproduction.

Command:
  python -m experiments.synthetic_task --config=configs/synthetic_task.py:associative_recall \
      --workdir=/tmp/recall

`arg` is `PRESET[,field=value...]`, or `TASK[,PRESET][,field=value...]` for any task in
attn_theory.tasks.registry (e.g. `first_token,quick,task.kwargs=(("vocab",10),)`); the task's
sampler arguments are `task.kwargs`, (name, value) pairs. Task names, model kinds and attention
backends are lists the library owns, so the launcher checks them against the library
(experiments/synthetic_task/run.py) rather than repeating them here.

smoke: plumbing only (associative recall, 30 steps of batch 32, a small eval; seconds);
  claims are not expected to pass.
quick / associative_recall: associative recall (8 pairs, 16 keys, 8 values), 1 softmax head of
  width 64, Adam 3e-3, 2000 steps of batch 128, 2 seeds; about 30 s on an idle 2-core CPU.
  Expected: eval accuracy ~1.0 (Bayes 1.0, chance 1/8), eval loss far below log 8.
paper: 8 seeds and 20000 steps (a longer sanity check; there is no paper).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from configs import common
from configs.common import field, section


@dataclasses.dataclass(frozen=True)
class Task:
    name: str = field("associative_recall", "a task registered in attn_theory.tasks.registry")
    kwargs: tuple[tuple[str, Any], ...] = field((), "(name, value) keyword arguments of the "
                                                "task's sample() and baseline()")  # fmt: skip
    eval_batch: int = field(4096, "fresh prompts per seed for the final evaluation", lo=1)


@dataclasses.dataclass(frozen=True)
class Model:
    width: int = field(64, "residual width", lo=1)
    num_layers: int = field(1, "attention blocks", lo=1)
    num_heads: int = field(1, "heads per block", lo=1)
    head_dim: int = field(0, "per-head rank (0: width // num_heads)", lo=0)
    kind: str = field("softmax", "attention or mixer kind of the SequenceTransformer "
                      "(softmax, linear, relu, hardmax, ...)")  # fmt: skip
    causal: bool = field(True, "causal mask")
    residual: bool = field(False, "residual connections")
    layer_norm: bool = field(False, "pre-LayerNorm")
    mlp: bool = field(False, "an MLP after each attention block")
    positions: bool = field(False, "learned positional embeddings")
    attention_impl: str = field("reference", "attention backend (reference, merged, "
                                "memory_efficient, xla)")  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Optim:
    learning_rate: float = field(3e-3, "Adam learning rate", gt=0.0)
    batch_size: int = field(128, "fresh samples per step (online training)", lo=1)
    num_steps: int = field(2000, "training steps", lo=1)


@dataclasses.dataclass(frozen=True)
class Config:
    task: Task = section(Task, "the registered task and its sampler arguments")
    model: Model = section(Model, "SequenceTransformer knobs")
    optim: Optim = section(Optim, "Adam, online batches")
    seed: int = field(0, "root PRNG seed", lo=0)
    num_seeds: int = field(2, "vmapped seeds", lo=1)
    log_every: int = field(250, "steps per compiled chunk / metrics record", lo=1)
    checkpoint_every: int = field(4, "chunks between checkpoints", lo=1)


def smoke(c: Config) -> Config:
    """Plumbing only: 30 steps, small batches; claims need not pass."""
    return common.update(c, {
        "task.eval_batch": 256, "model.width": 16, "optim.batch_size": 32,
        "optim.num_steps": 30, "log_every": 10,
    })  # fmt: skip


def associative_recall(c: Config) -> Config:
    """The quick run on associative recall, its sampler arguments spelled out."""
    kwargs = (("num_pairs", 8), ("num_keys", 16), ("num_values", 8))
    return common.update(c, {"task.name": "associative_recall", "task.kwargs": kwargs})


def paper(c: Config) -> Config:
    """A longer sanity check: 8 seeds, 20000 steps."""
    return common.update(c, {"num_seeds": 8, "optim.num_steps": 20000, "log_every": 1000})


PRESETS = {
    "smoke": smoke,
    "quick": common.identity,
    "paper": paper,
    "associative_recall": associative_recall,
}


def get_config(arg: str | None = None):
    """`PRESET[,a.b=v,...]`, or `TASK[,PRESET][,a.b=v,...]` with TASK not a preset name."""
    items = [s.strip() for s in common.split_items(arg or "") if s.strip()]
    if items and items[0] not in PRESETS and "=" not in items[0]:
        task = items.pop(0)  # a task name; checked against the registry by the launcher
        if not items or items[0] not in PRESETS:
            items.insert(0, "quick")
        items.insert(1, f"task.name={task!r}")
    return common.resolve(",".join(items), PRESETS, Config)
