"""Recall with attention, linear attention and SSMs; mimetic initialisation (Sieber et al.
2024; Trockman & Kolter 2023; Trockman et al. 2024): the experiment package.

`python -m experiments.recall_ssm --config=configs/recall_ssm.py:quick --workdir=DIR`;
schema and presets in configs/recall_ssm.py, the paper page in docs/papers/recall_ssm.md.
"""

from configs import recall_ssm as config
from experiments import launch
from experiments.recall_ssm import claims, plots, run

EXPERIMENT = launch.Experiment(
    name="recall_ssm",
    config=config,
    run=run.run,
    claims=claims.claims,
    plot=plots.plot,
    validate=run.validate,
    fits=run.planned_fits,
)
