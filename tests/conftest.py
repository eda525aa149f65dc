"""Shared pytest setup: CPU platform, Agg backend, a tmp workdir factory."""

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("MPLBACKEND", "Agg")
# BLAS threads on top of XLA's own oversubscribe small CPUs (a 2304^2 eigh ran 20x slower).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
