"""Rank versus heads (Amsel, Yehudai and Bruna, 2024): the experiment package.

`python -m experiments.rank_vs_heads --config=configs/rank_vs_heads.py:quick --workdir=DIR`;
schema and presets in configs/rank_vs_heads.py, the paper page in docs/papers/rank_vs_heads.md.
"""

from configs import rank_vs_heads as config
from experiments import launch
from experiments.rank_vs_heads import claims, plots, run

EXPERIMENT = launch.Experiment(
    name="rank_vs_heads",
    config=config,
    run=run.run,
    claims=claims.claims,
    plot=plots.plot,
    validate=run.validate,
    fits=run.planned_fits,
)
