"""Claims of the synthetic-task example, from saved results only: the trained model against the
task's closed-form baseline (chance cross-entropy, Bayes accuracy), every seed reported."""

from __future__ import annotations

import numpy as np

from attn_theory import results as R
from configs.synthetic_task import Config


def baseline(results) -> dict[str, float]:
    """The task's closed-form references saved by run() ({} when the task has none)."""
    prefix = "const_baseline/"
    return {k[len(prefix) :]: float(v) for k, v in results.items() if k.startswith(prefix)}


def claims(results, cfg: Config) -> dict[str, R.Claim]:
    base, S = baseline(results), cfg.num_seeds
    loss, acc = np.asarray(results["eval_loss"]), np.asarray(results["eval_accuracy"])
    out = {}
    if "chance_xent" in base:
        out["beats_chance"] = R.claim_le(
            float(np.median(loss)), 0.5 * base["chance_xent"],
            f"{cfg.task.name}: eval loss <= half the chance cross-entropy "
            f"({base['chance_xent']:.4g})", kind="measured", statistic=f"median of {S} seeds",
            per_seed=loss,
        )  # fmt: skip
    if "bayes_accuracy" in base:
        out["near_bayes"] = R.claim_ge(
            float(np.median(acc)), 0.95 * base["bayes_accuracy"],
            f"{cfg.task.name}: eval accuracy >= 0.95 x Bayes accuracy "
            f"({base['bayes_accuracy']:.4g})", kind="measured",
            statistic=f"median of {S} seeds", per_seed=acc,
        )  # fmt: skip
    return out
