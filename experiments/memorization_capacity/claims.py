"""Config validation and claims (spec A9) of the memorization_capacity experiment.

validate(cfg) checks every field before any compute. The claim bodies are still in
memorization_capacity_plots.py, next to the figures; claims is re-exported here so that
memorization_capacity.py wires claims and validate to this module like the other experiments.
"""

from __future__ import annotations

from attn_theory import validation
from experiments import memorization_capacity_plots as plots

SWEEPS = ("heads", "context_len", "head_dim", "base")


def validate(cfg) -> None:
    t, m, s, o = cfg.task, cfg.model, cfg.sweep, cfg.optim
    for f, v in [
        ("task.input_dim", t.input_dim),
        ("task.num_classes", t.num_classes),
        ("task.context_len", t.context_len),
        ("model.d_model", m.d_model),
        ("model.num_heads", m.num_heads),
        ("model.head_dim", m.head_dim),
        ("sweep.context_len_heads", s.context_len_heads),
        ("sweep.head_dim_heads", s.head_dim_heads),
        ("optim.batch_size", o.batch_size),
        ("optim.min_steps", o.min_steps),
        ("optim.head_dim_min_steps", o.head_dim_min_steps),
        ("eval_every", cfg.eval_every),
        ("eval_batch", cfg.eval_batch),
        ("num_seeds", cfg.num_seeds),
        ("checkpoint_every", cfg.checkpoint_every),
    ]:
        validation.int_range(f, v, 1)
    validation.check(t.num_classes >= 2, "task.num_classes", f"must be >= 2, got {t.num_classes}")
    for f, vals in [
        ("task.num_examples", t.num_examples),
        ("task.num_examples_random", t.num_examples_random),
        ("sweep.num_heads", s.num_heads),
        ("sweep.context_len", s.context_len),
        ("sweep.head_dim", s.head_dim),
        ("sweep.regression_heads", s.regression_heads),
    ]:
        validation.check(
            all(int(v) == v and v >= 1 for v in vals), f, f"must be positive integers, got {vals!r}"
        )
        validation.check(list(vals) == sorted(set(vals)), f, f"must be increasing, got {vals!r}")
    for f, names in [("sweep.shared", s.shared), ("sweep.random", s.random)]:
        for name in names:
            validation.one_of(f, name, SWEEPS)
    validation.check("heads" in s.shared, "sweep.shared", "must include 'heads' (A-P1, A-P6)")
    validation.positive("optim.learning_rate", o.learning_rate)
    validation.check(o.epochs >= 0, "optim.epochs", f"must be >= 0, got {o.epochs}")
    validation.in_range("optim.warmup_frac", o.warmup_frac, 0.0, 1.0)
    validation.in_range("optim.warmup_init_frac", o.warmup_init_frac, 0.0, 1.0)
    validation.in_range("saturation_threshold", cfg.saturation_threshold, 0.0, 1.0)
    validation.check(
        m.num_heads in s.num_heads,
        "model.num_heads",
        f"must be in sweep.num_heads {s.num_heads} (saturation, A-P6)",
    )


claims = plots.claims
