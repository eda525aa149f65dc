"""Shared pytest setup: CPU platform, Agg backend (the library does not choose one)."""

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ["MPLBACKEND"] = "Agg"
# BLAS threads on top of XLA's own oversubscribe small CPUs (a 2304^2 eigh ran 20x slower).
# Set before numpy loads (matplotlib imports it).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
