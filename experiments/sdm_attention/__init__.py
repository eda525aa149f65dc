"""Attention approximates Sparse Distributed Memory (Bricken & Pehlevan, 2021): the package.

`python -m experiments.sdm_attention --config=configs/sdm_attention.py:quick --workdir=DIR`;
schema and presets in configs/sdm_attention.py, the paper page in docs/papers/sdm_attention.md.
"""

from configs import sdm_attention as config
from experiments import launch
from experiments.sdm_attention import claims, plots, run

EXPERIMENT = launch.Experiment(
    name="sdm_attention",
    config=config,
    run=run.run,
    claims=claims.claims,
    plot=plots.plot,
    validate=run.validate,
)
