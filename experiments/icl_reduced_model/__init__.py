"""The reduced model of in-context regression (He et al. 2025, F6-F8, C7): the package.

`python -m experiments.icl_reduced_model --config=configs/icl_reduced_model.py:quick
--workdir=DIR`; schema and presets in configs/icl_reduced_model.py, the paper page in
docs/papers/icl_reduced_model.md.
"""

from configs import icl_reduced_model as config
from experiments import launch
from experiments.icl_reduced_model import claims, plots, run

EXPERIMENT = launch.Experiment(
    name="icl_reduced_model",
    config=config,
    run=run.run,
    claims=claims.claims,
    plot=plots.plot,
    validate=run.validate,
)
