"""Random-feature attention vs a random-feature MLP (Fu, Guo, Bai, Mei; NeurIPS 2023): the
experiment package.

`python -m experiments.random_feature_attention
--config=configs/random_feature_attention.py:quick --workdir=DIR`; schema and presets in
configs/random_feature_attention.py, the paper page in docs/papers/random_feature_attention.md.
"""

from configs import random_feature_attention as config
from experiments import launch
from experiments.random_feature_attention import claims, plots, run

EXPERIMENT = launch.Experiment(
    name="random_feature_attention",
    config=config,
    run=run.run,
    claims=claims.claims,
    plot=plots.plot,
    validate=run.validate,
)
