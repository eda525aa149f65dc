"""attn_theory.theory: one file per family."""
