"""Any registered synthetic task on the generic SequenceTransformer (docs/adding_a_task.md).

    python -m experiments.synthetic_task \
        --config=configs/synthetic_task.py:associative_recall --workdir=/tmp/recall

`arg` is `[TASK][,quick|paper][,field=value...]`; TASK defaults to associative_recall.
quick (associative recall, 1 softmax head, 2000 steps, 2 seeds): ~30 s on a 2-core CPU;
expected eval accuracy ~1.0 (Bayes 1.0, chance 1/8). paper: 8 seeds, 20000 steps.
"""

from __future__ import annotations

import ml_collections

from attn_theory.tasks import registry
from configs import common

# Per-task defaults: sampler kwargs and model overrides that make the quick preset learn.
TASK_DEFAULTS = {
    "associative_recall": {
        "kwargs": {"num_pairs": 8, "num_keys": 16, "num_values": 8},
        "model": {},
    },
}


def base() -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    # Task
    c.task = ml_collections.ConfigDict()
    c.task.name = "associative_recall"  # a name from attn_theory.tasks.registry
    c.task.kwargs = ml_collections.ConfigDict()  # keyword arguments of the task's sample()
    c.task.eval_batch = 4096  # fresh prompts for the final evaluation
    # Model
    c.model = ml_collections.ConfigDict()
    c.model.width = 64  # residual width
    c.model.num_layers = 1  # attention blocks
    c.model.num_heads = 1  # heads per block
    c.model.head_dim = 0  # per-head rank (0: width // num_heads)
    c.model.kind = "softmax"  # softmax | linear | relu | hardmax
    c.model.causal = True  # causal mask
    c.model.residual = False  # residual connections
    c.model.layer_norm = False  # pre-LayerNorm
    c.model.mlp = False  # MLP after each attention block
    c.model.positions = False  # learned positional embeddings
    c.model.attention_impl = "reference"  # reference | memory_efficient | xla
    # Optim
    c.optim = ml_collections.ConfigDict()
    c.optim.learning_rate = 3e-3  # Adam
    c.optim.batch_size = 128  # fresh samples per step
    c.optim.num_steps = 2000  # training steps
    # Run
    c.seed = 0  # root PRNG seed
    c.num_seeds = 2  # vmapped seeds
    c.log_every = 250  # steps per chunk / metrics record
    c.checkpoint_every = 4  # chunks between checkpoints
    return c


def _quick(c):
    pass


def _paper(c):
    c.num_seeds = 8
    c.optim.num_steps = 20000
    c.log_every = 1000


PRESETS = {"quick": _quick, "paper": _paper}


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    items = [s for s in common.split_items(arg or "") if s]
    task = "associative_recall"
    if items and items[0] in registry.names():
        task = items.pop(0)
    if not items or "=" in items[0]:
        items.insert(0, "quick")

    def make():
        c = base()
        c.task.name = task
        defaults = TASK_DEFAULTS.get(task, {"kwargs": {}, "model": {}})
        c.task.kwargs = ml_collections.ConfigDict(defaults["kwargs"])
        for k, v in defaults["model"].items():
            c.model[k] = v
        return c

    return common.resolve(",".join(items), PRESETS, make)
