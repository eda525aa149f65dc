"""Memorisation capacity of multi-head attention (Mahdavi, Liao, Thrampoulidis, ICLR 2024): the
experiment package.

`python -m experiments.memorization_capacity --config=configs/memorization_capacity.py:quick
--workdir=DIR`; schema and presets in configs/memorization_capacity.py, the paper page in
docs/papers/memorization_capacity.md.
"""

from configs import memorization_capacity as config
from experiments import launch
from experiments.memorization_capacity import claims, plots, run

EXPERIMENT = launch.Experiment(
    name="memorization_capacity",
    config=config,
    run=run.run,
    claims=claims.claims,
    plot=plots.plot,
    validate=run.validate,
)
