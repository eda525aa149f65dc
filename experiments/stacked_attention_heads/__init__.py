"""Stacked attention heads (Mușat, 2024): the experiment package.

`python -m experiments.stacked_attention_heads --config=configs/stacked_attention_heads.py:quick
--workdir=DIR`; schema and presets in configs/stacked_attention_heads.py, the paper page in
docs/papers/stacked_attention_heads.md.
"""

from configs import stacked_attention_heads as config
from experiments import launch
from experiments.stacked_attention_heads import claims, plots, run

EXPERIMENT = launch.Experiment(
    name="stacked_attention_heads",
    config=config,
    run=run.run,
    claims=claims.claims,
    plot=plots.plot,
    validate=run.validate,
)
