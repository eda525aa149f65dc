"""Multi-task in-context regression (He et al., ICML 2025; F9, C8): the experiment package.

`python -m experiments.icl_multitask --config=configs/icl_multitask.py:quick --workdir=DIR`;
schema and presets in configs/icl_multitask.py, the paper page in
docs/papers/icl_linear_regression.md.
"""

from configs import icl_multitask as config
from experiments import launch
from experiments.icl_multitask import claims, plots, run

EXPERIMENT = launch.Experiment(
    name="icl_multitask",
    config=config,
    run=run.run,
    claims=claims.claims,
    plot=plots.plot,
    validate=run.validate,
    fits=run.planned_fits,
)
