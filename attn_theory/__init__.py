"""attn_theory: JIT-compiled, seed-vmapped reproductions of attention-theory papers.

from attn_theory import attention, train, results, plotting, theory, tasks
"""

from attn_theory import (
    attention,
    checkpoint,
    files,
    plotting,
    progress,
    results,
    sharding,
    train,
    validation,
)

__version__ = "0.1.0"

__all__ = [
    "attention",
    "checkpoint",
    "files",
    "plotting",
    "progress",
    "results",
    "sharding",
    "train",
    "validation",
]
