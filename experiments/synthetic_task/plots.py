"""The synthetic-task example's figure, drawn from saved results only: training loss and
accuracy with seed bands, and the task's chance and Bayes levels as dashed lines."""

from __future__ import annotations

import numpy as np

from attn_theory import plotting
from configs.synthetic_task import Config
from experiments.synthetic_task.claims import baseline


def plot(results, cfg: Config) -> dict:
    base = baseline(results)
    steps = np.asarray(results["const_steps"])
    flat = lambda v: np.full(len(steps), v)  # noqa: E731
    fig, axes = plotting.figure(2, 1)
    plotting.seed_band(axes[0, 0], steps, results["train_loss"], label="train loss")
    if "chance_xent" in base:
        plotting.theory_line(axes[0, 0], steps, flat(base["chance_xent"]), label="chance")
    plotting.seed_band(axes[0, 1], steps, results["train_accuracy"], label="train accuracy")
    if "bayes_accuracy" in base:
        plotting.theory_line(axes[0, 1], steps, flat(base["bayes_accuracy"]), label="Bayes")
    if "chance_accuracy" in base:
        plotting.theory_line(axes[0, 1], steps, flat(base["chance_accuracy"]), label="chance",
                             color="gray")  # fmt: skip
    for a, t in zip(axes[0], ("loss", "accuracy"), strict=True):
        a.set(xlabel="step", title=f"{cfg.task.name}: {t}")
        a.legend(fontsize=7)
    return {"training": fig}
