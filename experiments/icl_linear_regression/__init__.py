"""In-context linear regression (He et al., ICML 2025), claims C1-C5: the experiment package.

`python -m experiments.icl_linear_regression --config=configs/icl_linear_regression.py:quick
--workdir=DIR`; schema and presets in configs/icl_linear_regression.py, the paper page in
docs/papers/icl_linear_regression.md.
"""

from configs import icl_linear_regression as config
from experiments import launch
from experiments.icl_linear_regression import claims, plots, run

EXPERIMENT = launch.Experiment(
    name="icl_linear_regression",
    config=config,
    run=run.run,
    claims=claims.claims,
    plot=plots.plot,
    validate=run.validate,
    fits=run.planned_fits,
)
