"""Registry of synthetic tasks that the generic launcher (experiments/synthetic_task.py) trains.

A task is one file in attn_theory/tasks/ defining

    sample(key, batch, **kwargs) -> (inputs, targets)   # vmappable, jit-able
    LOSS = "xent" | "mse"                                # how targets are scored
    baseline(**kwargs) -> dict[str, float]               # optional closed-form references

and one `register(...)` line below (or in your own module, before launching).
inputs are int tokens [B, T] or float vectors [B, T, D]; targets are [B] (read at the last
position) or [B, T] (every position). For 'xent', targets are class indices.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from types import ModuleType


@dataclasses.dataclass(frozen=True)
class Task:
    name: str
    sample: Callable
    loss: str
    baseline: Callable[..., dict[str, float]] | None = None


_TASKS: dict[str, Task] = {}


def register_module(name: str, module: ModuleType | str) -> Task:
    """Registers a task module (or its import path) under `name`; returns the Task."""
    if isinstance(module, str):
        module = importlib.import_module(module)
    loss = getattr(module, "LOSS", None)
    if loss not in ("xent", "mse"):
        raise ValueError(f"task {name!r}: LOSS must be 'xent' or 'mse', got {loss!r}")
    task = Task(name, module.sample, loss, getattr(module, "baseline", None))
    _TASKS[name] = task
    return task


def get(name: str) -> Task:
    if name not in _TASKS:
        raise KeyError(f"unknown task {name!r}; registered: {sorted(_TASKS)}")
    return _TASKS[name]


def names() -> list[str]:
    return sorted(_TASKS)


register_module("associative_recall", "attn_theory.tasks.associative_recall")
register_module("mqar", "attn_theory.tasks.mqar")
register_module("mqar_stacked", "attn_theory.tasks.mqar_stacked")
register_module("multihop_retrieval", "attn_theory.tasks.multihop_retrieval")
