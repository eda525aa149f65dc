"""Installs attn_theory: theory-driven attention experiments in JAX/Flax."""

from setuptools import find_packages, setup

setup(
    name="attn_theory",
    version="0.1.0",
    description="JIT-compiled, seed-vmapped reproductions of attention-theory papers.",
    python_requires=">=3.10",
    packages=find_packages(
        include=["attn_theory*", "experiments*", "configs*", "paper_figures*", "benchmarks*"]
    ),
    # Lower bounds are the versions this code was tested with (jax.sharding spellings,
    # typed keys, optax.inject_hyperparams); upper bounds are left open on purpose.
    install_requires=[
        "jax>=0.10.2",
        "jaxlib>=0.10.2",
        "flax>=0.12.8",
        "optax>=0.2.8",
        "numpy>=2.0",
        "matplotlib>=3.9",
        "absl-py>=2.1",
        "ml-collections>=1.0",
        # Special functions (incomplete beta for the SDM spherical-cap variant, normal tail
        # probabilities) instead of hand-written series; already a dependency of jax.
        "scipy>=1.13",
    ],
    extras_require={
        # pytest-xdist runs the suite on both cores (`-n 2`) instead of a hand-written pool.
        "test": ["pytest>=8.0", "pytest-xdist>=3.5", "ruff>=0.6"],
        # The PyPI peer in benchmarks/memory_efficient_attention.py. Install with --no-deps:
        # its package __init__ imports torch; the benchmark loads its JAX file directly.
        "bench": ["memory-efficient-attention==0.1.3"],
        # Live curves: `--tensorboard` writes event files beside metrics.jsonl. tensorboardX
        # is a small pure-Python writer; the `tensorboard` viewer itself is installed apart
        # (it pulls no TensorFlow either).
        "tb": ["tensorboardX>=2.6"],
    },
)
