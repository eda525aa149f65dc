"""Memory-efficient attention (Rabe & Staats, 2021): the experiment package.

`python -m experiments.memory_efficient_attention
--config=configs/memory_efficient_attention.py:quick --workdir=DIR`; schema and presets in
configs/memory_efficient_attention.py, the paper page in
docs/papers/memory_efficient_attention.md.
"""

from configs import memory_efficient_attention as config
from experiments import launch
from experiments.memory_efficient_attention import claims, plots, run

EXPERIMENT = launch.Experiment(
    name="memory_efficient_attention",
    config=config,
    run=run.run,
    claims=claims.claims,
    plot=plots.plot,
    validate=run.validate,
)
