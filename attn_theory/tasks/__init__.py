"""attn_theory.tasks: one file per family."""
