"""Schema pieces shared by the in-context regression configs (icl_linear_regression,
icl_anisotropic, icl_multitask): the attention backends and the Adam section."""

from __future__ import annotations

import dataclasses

from configs.common import field

IMPLS = ("reference", "merged", "memory_efficient", "xla")  # attention.ATTENTION_IMPLS


@dataclasses.dataclass(frozen=True)
class Optim:
    learning_rate: float = field(1e-3, "Adam, default betas, no schedule", gt=0.0)
    batch_size: int = field(256, "fresh prompts per step", lo=1)
    num_steps: int = field(5000, "training steps per model", lo=1)
