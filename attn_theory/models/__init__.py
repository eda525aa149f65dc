"""attn_theory.models: one file per family."""
