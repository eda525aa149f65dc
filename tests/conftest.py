"""Shared pytest setup: CPU platform, Agg backend, a tmp workdir factory."""

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("MPLBACKEND", "Agg")
