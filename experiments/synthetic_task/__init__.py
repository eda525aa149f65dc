"""The generic synthetic-task experiment (the worked example of docs/adding_a_task.md).

`python -m experiments.synthetic_task --config=configs/synthetic_task.py:associative_recall
--workdir=DIR`; schema and presets in configs/synthetic_task.py.
"""

from configs import synthetic_task as config
from experiments import launch
from experiments.synthetic_task import claims, plots, run

EXPERIMENT = launch.Experiment(
    name="synthetic_task",
    config=config,
    run=run.run,
    claims=claims.claims,
    plot=plots.plot,
    validate=run.validate,
)
