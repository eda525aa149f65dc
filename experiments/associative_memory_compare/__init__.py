"""Hebbian, delta-rule, softmax and SDM reads of one memory: the experiment package.

`python -m experiments.associative_memory_compare
--config=configs/associative_memory_compare.py:quick --workdir=DIR`; schema and presets in
configs/associative_memory_compare.py, the page in docs/papers/pavlovian_memory.md.
"""

from configs import associative_memory_compare as config
from experiments import launch
from experiments.associative_memory_compare import claims, plots, run

EXPERIMENT = launch.Experiment(
    name="associative_memory_compare",
    config=config,
    run=run.run,
    claims=claims.claims,
    plot=plots.plot,
    validate=run.validate,
)
