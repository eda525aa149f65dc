"""Pavlovian conditioning view of linear attention (Qiao, 2025): the experiment package.

`python -m experiments.pavlovian_memory --config=configs/pavlovian_memory.py:quick --workdir=DIR`;
schema and presets in configs/pavlovian_memory.py, the paper page in
docs/papers/pavlovian_memory.md.
"""

from configs import pavlovian_memory as config
from experiments import launch
from experiments.pavlovian_memory import claims, plots, run

EXPERIMENT = launch.Experiment(
    name="pavlovian_memory",
    config=config,
    run=run.run,
    claims=claims.claims,
    plot=plots.plot,
    validate=run.validate,
)
